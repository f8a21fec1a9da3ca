package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
	"github.com/topicat/topicat/tui/safetext"
)

// The Kafka admin subcommands build the typed requests the dashboard's forms
// build (sources/admin.go) and print the source's answer. Under --read-only
// each is refused before anything is sent; a destructive one asks for the
// name on a terminal and needs --yes without one. The NSQ forms of create
// and delete are nsqadmin.go's.

// newCreateCmd is `topicat create topic NAME -p N -r N [--topic-config k=v]…` and
// `topicat create nsq TOPIC[/CHANNEL]`.
func newCreateCmd(d *deps) *cobra.Command {
	cmd := kindCmd("create", "Create a Kafka topic, or an NSQ topic or channel", "topic NAME or nsq TOPIC[/CHANNEL]")
	cmd.AddCommand(newCreateTopicCmd(d))
	addNSQKind(d, cmd)
	return cmd
}

// newDeleteCmd is `topicat delete topic|group|records …` and `topicat
// delete nsq TOPIC[/CHANNEL]`.
func newDeleteCmd(d *deps) *cobra.Command {
	cmd := kindCmd("delete", "Delete a Kafka topic, consumer group, or a partition's oldest records; an NSQ topic or channel",
		"topic NAME, group GROUP, records TOPIC:PARTITION@OFFSET or nsq TOPIC[/CHANNEL]")
	cmd.AddCommand(newDeleteTopicCmd(d), newDeleteGroupCmd(d), newDeleteRecordsCmd(d))
	addNSQKind(d, cmd)
	return cmd
}

// newAlterCmd is `topicat alter topic NAME …`.
func newAlterCmd(d *deps) *cobra.Command {
	cmd := kindCmd("alter", "Add partitions to a Kafka topic, set or delete its configs", "topic NAME")
	cmd.AddCommand(newAlterTopicCmd(d))
	return cmd
}

// kindCmd is a verb whose subcommands name what it acts on; the verb alone
// is a usage error saying what may follow.
func kindCmd(verb, short, kinds string) *cobra.Command {
	return &cobra.Command{
		Use:               verb,
		Short:             short,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("%s needs what to %s: %s %s (see topicat %s --help)", verb, verb, verb, kinds, verb)
			}
			return usageErr("%s %q: topicat can %s %s (see topicat %s --help)", verb, args[0], verb, kinds, verb)
		},
	}
}

func newCreateTopicCmd(d *deps) *cobra.Command {
	var (
		partitions int32
		rf         int16
		configs    []string
	)
	cmd := &cobra.Command{
		Use:   "topic NAME",
		Short: "Create a Kafka topic",
		Long: `Create a Kafka topic with -p partitions, each kept on -r brokers, and any topic configs.
A replication factor larger than the brokers the cluster lists is refused before anything is
sent; one below 3 is allowed, with a warning. Refused under --read-only.`,
		Example: `  topicat create topic orders -p 6 -r 3 -b localhost:9092
  topicat create topic audit -p 1 -r 3 --topic-config cleanup.policy=compact --topic-config retention.ms=-1 -b k:9092`,
		Args:              nameArg("create topic", "NAME"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := kafkaSettings(d, cmd)
			if err != nil {
				return err
			}
			f := cmd.Flags()
			switch {
			case !f.Changed("partitions") || !f.Changed("replication-factor"):
				return usageErr("create topic needs -p PARTITIONS and -r REPLICATION-FACTOR, e.g. -p 6 -r 3")
			case partitions < 1:
				return usageErr("-p %d: want at least 1 partition", partitions)
			case rf < 1:
				return usageErr("-r %d: want at least 1 copy of each partition", rf)
			}
			cfg, err := parseConfigs(configs)
			if err != nil {
				return err
			}
			body := sources.CreateTopic{Topic: args[0], Partitions: partitions, ReplicationFactor: rf, Configs: cfg}
			res, err := sendAdmin(cmd, d, s, body, nil)
			if err != nil {
				return err
			}
			if err := printTargets(res, cmd.OutOrStdout(), cmd.ErrOrStderr()); err != nil {
				return err
			}
			if rf < 3 {
				fmt.Fprintf(cmd.ErrOrStderr(), "topicat: warning: replication factor %d: with fewer than 3 copies a broker lost can lose data or stop writes (3 is usual)\n", rf)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.Int32VarP(&partitions, "partitions", "p", 0, "number of partitions (required)")
	f.Int16VarP(&rf, "replication-factor", "r", 0, "brokers that keep a copy of each partition (required; at most the brokers, 3 is usual)")
	f.StringArrayVar(&configs, "topic-config", nil, "topic config `k=v`, repeatable (e.g. retention.ms=86400000)")
	return cmd
}

func newDeleteTopicCmd(d *deps) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "topic NAME",
		Short: "Delete a Kafka topic and all its records",
		Long: `Delete a Kafka topic and all its records. On a terminal the topic's name must be typed to go
ahead; without one, --yes. Refused under --read-only.`,
		Example:           `  topicat delete topic orders-old -b localhost:9092`,
		Args:              nameArg("delete topic", "NAME"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := kafkaSettings(d, cmd)
			if err != nil {
				return err
			}
			topic := args[0]
			ask := &question{what: "Delete topic " + safetext.Line(topic) + " and all its records", name: topic, yes: yes}
			res, err := sendAdmin(cmd, d, s, sources.DeleteTopic{Topic: topic}, ask)
			if err != nil {
				return err
			}
			return printTargets(res, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "go ahead without asking (needed without a terminal)")
	return cmd
}

func newDeleteGroupCmd(d *deps) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "group GROUP",
		Short: "Delete a consumer group and its committed offsets",
		Long: `Delete a consumer group and its committed offsets. A group that is not Empty is refused, with
its state and members: stop its consumers first. On a terminal the group's name must be typed
to go ahead; without one, --yes. Refused under --read-only.`,
		Example:           `  topicat delete group old-billing -b localhost:9092 --yes`,
		Args:              nameArg("delete group", "GROUP"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := kafkaSettings(d, cmd)
			if err != nil {
				return err
			}
			group := args[0]
			ask := &question{what: "Delete group " + safetext.Line(group) + " and its committed offsets", name: group, yes: yes}
			res, err := sendAdmin(cmd, d, s, sources.DeleteGroup{Group: group}, ask)
			if err != nil {
				return err
			}
			return printTargets(res, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "go ahead without asking (needed without a terminal)")
	return cmd
}

func newDeleteRecordsCmd(d *deps) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "records TOPIC:PARTITION@OFFSET",
		Short: "Delete a partition's records before an offset",
		Long: `Delete a partition's records before OFFSET: its log start moves there, as kafka-delete-records
does. An offset past the partition's end is refused. On a terminal the topic's name must be
typed to go ahead; without one, --yes. Refused under --read-only.`,
		Example:           `  topicat delete records orders:0@1500 -b localhost:9092`,
		Args:              nameArg("delete records", "TOPIC:PARTITION@OFFSET"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := kafkaSettings(d, cmd)
			if err != nil {
				return err
			}
			body, err := parseRecordsSpec(args[0])
			if err != nil {
				return err
			}
			ask := &question{
				what: fmt.Sprintf("Delete the records of %s before offset %d", safetext.Line(body.Target()), body.Before),
				name: body.Topic,
				yes:  yes,
			}
			res, err := sendAdmin(cmd, d, s, body, ask)
			if err != nil {
				return err
			}
			return printTargets(res, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "go ahead without asking (needed without a terminal)")
	return cmd
}

func newAlterTopicCmd(d *deps) *cobra.Command {
	var (
		partitions int32
		configs    []string
		deleted    []string
	)
	cmd := &cobra.Command{
		Use:   "topic NAME",
		Short: "Add partitions to a Kafka topic, set or delete its configs",
		Long: `Raise a topic's partition count to --partitions (Kafka cannot remove partitions: fewer than it
has is refused, with the count) and set or delete topic configs in one incremental change; a
deleted config returns to its default. Refused under --read-only.`,
		Example: `  topicat alter topic orders --partitions 12 -b localhost:9092
  topicat alter topic orders --topic-config retention.ms=3600000 --delete-config cleanup.policy -b k:9092`,
		Args:              nameArg("alter topic", "NAME"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := kafkaSettings(d, cmd)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("partitions") && partitions < 1 {
				return usageErr("--partitions %d: want the new number of partitions", partitions)
			}
			cfg, err := parseConfigs(configs)
			if err != nil {
				return err
			}
			for _, k := range deleted {
				if k == "" || strings.Contains(k, "=") {
					return usageErr("--delete-config %q: want a config name", k)
				}
			}
			if partitions == 0 && len(cfg) == 0 && len(deleted) == 0 {
				return usageErr("alter topic needs something to change: --partitions, --config or --delete-config")
			}
			body := sources.AlterTopic{Topic: args[0], Partitions: partitions, SetConfigs: cfg, DeleteConfigs: deleted}
			res, err := sendAdmin(cmd, d, s, body, nil)
			if err != nil {
				return err
			}
			return printTargets(res, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.Int32VarP(&partitions, "partitions", "p", 0, "the new number of partitions (more than now)")
	f.StringArrayVar(&configs, "topic-config", nil, "set topic config `k=v`, repeatable")
	f.StringArrayVar(&deleted, "delete-config", nil, "delete topic config `k` (back to its default), repeatable")
	return cmd
}

// kafkaSettings resolves the cluster flags and checks a Kafka cluster is given.
func kafkaSettings(d *deps, cmd *cobra.Command) (settings, error) {
	s, err := d.settings(cmd)
	if err != nil {
		return s, err
	}
	if len(s.Brokers) == 0 {
		return s, usageErr("no Kafka cluster given: use --brokers host:9092, or a --context with Kafka brokers")
	}
	return s, nil
}

// nameArg takes exactly one non-empty argument.
func nameArg(what, name string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) != 1:
			return usageErr("%s needs one %s (see topicat %s --help)", what, name, what)
		case args[0] == "":
			return usageErr("%s: %s is empty", what, name)
		}
		return nil
	}
}

// question is what a destructive command asks before it goes ahead.
type question struct {
	what string // "Delete topic orders and all its records"
	name string // what must be typed
	yes  bool   // --yes: do not ask
}

// sendAdmin sends one Kafka admin request (see sendTo).
func sendAdmin(cmd *cobra.Command, d *deps, s settings, body sources.Body, ask *question) (sources.Result, error) {
	return sendTo(cmd, d, s, sources.Kafka, body, ask)
}

// sendTo sends one admin request to a system's source: refused under
// --read-only before anything is sent (a preview, which changes nothing,
// goes), confirmed first when it destroys. A request that failed as a whole
// is the error.
func sendTo(cmd *cobra.Command, d *deps, s settings, sys sources.System, body sources.Body, ask *question) (sources.Result, error) {
	if s.ReadOnly && body.Action().Mutating() {
		return sources.Result{}, errors.New(sources.ErrReadOnly.Error())
	}
	if ask != nil {
		c := confirmation{in: d.stdin, out: cmd.ErrOrStderr(), yes: ask.yes}
		if err := c.confirm(cmd.Context(), ask.what, ask.name); err != nil {
			return sources.Result{}, err
		}
	}
	b, err := buildSource(s, sys)
	if err != nil {
		return sources.Result{}, err
	}
	defer b.close()
	res := b.src.Do(cmd.Context(), sources.Request{ID: 1, Body: body})
	if res.Err != "" {
		return res, errors.New(safetext.Line(res.Err))
	}
	return res, nil
}

// printTargets prints what was done to each target on stdout. A failed
// target is the error when it is the only one; among several, each failure
// is a line on stderr and the error names them.
func printTargets(res sources.Result, stdout, stderr io.Writer) error {
	var failed []string
	for _, t := range res.Targets {
		name := safetext.Line(t.Target)
		switch {
		case t.Err != "" && len(res.Targets) == 1:
			return fmt.Errorf("%s: %s", name, safetext.Line(t.Err))
		case t.Err != "":
			failed = append(failed, name)
			fmt.Fprintf(stderr, "topicat: %s: %s\n", name, safetext.Line(t.Err))
		case t.Detail != "":
			fmt.Fprintf(stdout, "%s: %s\n", name, safetext.Line(t.Detail))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d failed: %s (said above)", len(failed), len(res.Targets), nameList(failed))
	}
	return nil
}

// nameList joins names, at most ten of them.
func nameList(names []string) string { return health.Shortlist(names, 10) }

// parseConfigs reads --topic-config k=v flags.
func parseConfigs(kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageErr("--topic-config %q: want name=value", kv)
		}
		if _, dup := out[k]; dup {
			return nil, usageErr("--config %s given twice", k)
		}
		out[k] = v
	}
	return out, nil
}

// parseRecordsSpec reads TOPIC:PARTITION@OFFSET.
func parseRecordsSpec(spec string) (sources.DeleteRecords, error) {
	bad := func(why string) (sources.DeleteRecords, error) {
		return sources.DeleteRecords{}, usageErr("delete records %q: %s; want TOPIC:PARTITION@OFFSET, e.g. orders:0@1500", spec, why)
	}
	tp, off, ok := strings.Cut(spec, "@")
	if !ok {
		return bad("no @OFFSET")
	}
	// Kafka topic names hold no colon: the last one separates the partition.
	i := strings.LastIndexByte(tp, ':')
	if i <= 0 {
		return bad("no :PARTITION")
	}
	p, err := strconv.ParseInt(tp[i+1:], 10, 32)
	if err != nil || p < 0 {
		return bad(fmt.Sprintf("partition %q is not a partition number", tp[i+1:]))
	}
	o, err := strconv.ParseInt(off, 10, 64)
	if err != nil || o < 0 {
		return bad(fmt.Sprintf("offset %q is not an offset", off))
	}
	return sources.DeleteRecords{Topic: tp[:i], Partition: int32(p), Before: o}, nil
}
