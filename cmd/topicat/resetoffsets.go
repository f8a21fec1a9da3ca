package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/views"
)

// newResetOffsetsCmd is `topicat reset-offsets GROUP [--topic T[:P]] --to X
// [--execute]`: kafka-consumer-groups --reset-offsets, a dry run unless
// --execute.
func newResetOffsetsCmd(d *deps) *cobra.Command {
	var (
		topic, to    string
		execute, yes bool
	)
	cmd := &cobra.Command{
		Use:   "reset-offsets GROUP --to WHERE",
		Short: "Move a consumer group's committed offsets (a dry run unless --execute)",
		Long: `Move a consumer group's committed offsets, in every partition it has committed, in one topic's
partitions (--topic T) or in one (--topic T:P), and print per partition the old and new offsets,
the end, and the lag before and after. Without --execute nothing changes: it is a dry run, as
kafka-consumer-groups' (and allowed under --read-only). New offsets are clamped into the
partition's log, and the table says where.

--to: earliest | latest | @TIME (as tail --from: RFC 3339, a date, Unix seconds or ms, or a
duration ago like @-1h) | OFFSET | +N or -N (moves the committed offset by N).

A group that is not Empty is refused: stop its consumers first, as Kafka refuses to move an
active group's offsets. --execute on a terminal prints the plan first, then asks for the group's
name, and commits exactly the offsets shown (a partition whose committed offset moved meanwhile
is left alone and reported); without a terminal it needs --yes, which commits the plan as of
then. --execute is refused under --read-only.`,
		Example: `  topicat reset-offsets billing --to earliest -b localhost:9092              # dry run
  topicat reset-offsets billing --topic orders --to @-1h --execute -b k:9092
  topicat reset-offsets billing --topic orders:3 --to -100 --execute --yes -b k:9092`,
		Args:              nameArg("reset-offsets", "GROUP"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := kafkaSettings(d, cmd)
			if err != nil {
				return err
			}
			if to == "" {
				return usageErr("reset-offsets needs --to: earliest, latest, @TIME, OFFSET, +N or -N")
			}
			body := sources.ResetOffsets{Group: args[0], Partition: -1, Execute: execute}
			if body.Topic, body.Partition, err = parseTopicPartition(topic); err != nil {
				return err
			}
			if body.To, body.N, body.Time, err = sources.ParseResetTo(to, time.Now()); err != nil {
				return usageErr("--to: %v", err)
			}
			var ask *question
			if execute {
				if s.ReadOnly {
					return errors.New(sources.ErrReadOnly.Error())
				}
				ask = &question{what: "Move the committed offsets of group " + safetext.Line(body.Group) + " (" + resetScope(body) + ") to " + to, name: body.Group, yes: yes}
			}
			if execute && !yes {
				// The plan first, then the name: what is confirmed is what is
				// committed (Previewed), not the target planned again.
				if err := (confirmation{in: d.stdin, yes: yes}).ready(ask.what); err != nil {
					return err
				}
				dry := body
				dry.Execute = false
				pre, err := sendAdmin(cmd, d, s, dry, nil)
				if err != nil {
					return err
				}
				body.Previewed, _ = pre.Data.([]sources.OffsetChange)
				if err := writeResetTable(cmd.ErrOrStderr(), body.Previewed, pre.Targets); err != nil {
					return err
				}
				if !slices.ContainsFunc(pre.Targets, func(t sources.TargetResult) bool { return t.Err == "" }) {
					return errors.New("no partition can be reset (see NOTE); nothing changed")
				}
				ask.what = "Commit these offsets for group " + safetext.Line(body.Group)
			}
			res, err := sendAdmin(cmd, d, s, body, ask)
			if err != nil {
				return err
			}
			changes, _ := res.Data.([]sources.OffsetChange)
			if err := writeResetTable(cmd.OutOrStdout(), changes, res.Targets); err != nil {
				return err
			}
			if !execute {
				fmt.Fprintln(cmd.ErrOrStderr(), "topicat: dry run: nothing changed; add --execute to commit these offsets")
			}
			var failed []string
			for _, t := range res.Targets {
				if t.Err != "" {
					failed = append(failed, safetext.Line(t.Target))
				}
			}
			if len(failed) > 0 {
				return fmt.Errorf("%d of %d partitions failed: %s (see NOTE)", len(failed), len(res.Targets), nameList(failed))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&topic, "topic", "", "only this topic (`T`), or one partition of it (T:P)")
	f.StringVar(&to, "to", "", "where to: earliest, latest, @TIME, OFFSET, +N or -N")
	f.BoolVar(&execute, "execute", false, "commit the new offsets (without it, a dry run)")
	f.BoolVarP(&yes, "yes", "y", false, "with --execute, go ahead without asking (needed without a terminal)")
	_ = cmd.RegisterFlagCompletionFunc("to", cobra.FixedCompletions([]cobra.Completion{"earliest", "latest", "@-1h", "-100", "+100"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// parseTopicPartition reads --topic T or T:P; "" is every topic, and a
// partition of -1 every partition.
func parseTopicPartition(s string) (string, int32, error) {
	if s == "" {
		return "", -1, nil
	}
	// Kafka topic names hold no colon.
	t, p, ok := strings.Cut(s, ":")
	if t == "" {
		return "", 0, usageErr("--topic %q: want TOPIC or TOPIC:PARTITION", s)
	}
	if !ok {
		return t, -1, nil
	}
	n, err := strconv.ParseInt(p, 10, 32)
	if err != nil || n < 0 {
		return "", 0, usageErr("--topic %q: %q is not a partition number", s, p)
	}
	return t, int32(n), nil
}

// parseResetTo reads --to. @TIME takes every time form `tail --from` does,
// through the same parser; +N and -N shift the committed offset, as
// kafka-consumer-groups' --shift-by (not tail's N after the start or before
// resetScope says which partitions a reset covers, in words.
func resetScope(r sources.ResetOffsets) string {
	switch {
	case r.Topic == "":
		return "every partition it has committed"
	case r.Partition < 0:
		return "every partition of " + safetext.Line(r.Topic)
	}
	return fmt.Sprintf("partition %s/%d", safetext.Line(r.Topic), r.Partition)
}

// writeResetTable prints the changes, one partition a row; NOTE is the
// target's outcome (targets come in the changes' order).
func writeResetTable(w io.Writer, changes []sources.OffsetChange, targets []sources.TargetResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TOPIC\tPARTITION\tOLD\tNEW\tEND\tLAG BEFORE\tLAG AFTER\tNOTE")
	for i, c := range changes {
		note := ""
		if i < len(targets) {
			note = targets[i].Detail
			if targets[i].Err != "" {
				note = "failed: " + targets[i].Err
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", safetext.Line(c.Topic), c.Partition,
			views.Figure(c.Old), views.Figure(c.New), views.Figure(c.End), views.Figure(c.LagBefore), views.Figure(c.LagAfter), safetext.Line(note))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}
