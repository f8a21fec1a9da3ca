package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/safetext"
)

// The NSQ admin subcommands build the typed requests the dashboard's keys
// build (sources/nsq_admin.go): pause, unpause, empty, delete, tombstone and
// create a topic or channel. Each prints one line per nsqd and lookupd and
// exits 1 when any of them failed. The word nsq may be left out when only
// NSQ is configured. Refused under --read-only; the destructive ones ask for
// the name on a terminal and need --yes without one.

// nsqVerb is one NSQ admin action as a subcommand.
type nsqVerb struct {
	verb, short, long, example string
	// channels is false for an action on a topic only (tombstone).
	channels bool
	// destructive actions ask for the name first.
	destructive bool
	// what says what the action does, as the question and --yes's hint put it.
	what func(topic, channel, node string) string
	body func(topic, channel, node string) (sources.Body, error)
}

// nsqOpts are the flags of the NSQ admin subcommands.
type nsqOpts struct {
	yes  bool
	node string
}

func (v nsqVerb) flags(cmd *cobra.Command, o *nsqOpts) {
	if v.destructive {
		cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "go ahead without asking (needed without a terminal)")
	}
	switch v.verb {
	case "tombstone":
		cmd.Flags().StringVar(&o.node, "node", "", "the nsqd to retire the topic from, as `HOST:PORT` (its HTTP address, as get nodes lists it)")
	case "create":
		cmd.Flags().StringVar(&o.node, "node", "", "create it on this nsqd only, `HOST:PORT` (default: every nsqd up)")
	}
}

func (v nsqVerb) usage() string {
	if v.channels {
		return "TOPIC[/CHANNEL]"
	}
	return "TOPIC"
}

// run carries the action out: explicit says the word nsq was given.
func (v nsqVerb) run(cmd *cobra.Command, d *deps, o *nsqOpts, explicit bool, args []string) error {
	if len(args) != 1 {
		return usageErr("%s needs one %s (see topicat %s --help)", v.verb, v.usage(), v.verb)
	}
	s, err := d.settings(cmd)
	if err != nil {
		return err
	}
	switch {
	case !configuredFor(s, sources.NSQ):
		return usageErr("no NSQ cluster given: use --lookupd http://host:4161 or --nsqd host:4151, or a --context with NSQ")
	case !explicit && configuredFor(s, sources.Kafka):
		return usageErr("both Kafka and NSQ are configured: say topicat %s nsq %s", v.verb, safetext.Line(args[0]))
	}
	topic, channel, err := parseNSQThing(v.verb, args[0], v.channels)
	if err != nil {
		return err
	}
	if v.verb == "tombstone" && o.node == "" {
		return usageErr("tombstone needs --node HOST:PORT: the nsqd to retire topic %s from", safetext.Line(topic))
	}
	body, err := v.body(topic, channel, o.node)
	if err != nil {
		return err
	}
	var ask *question
	if v.destructive {
		name := topic
		if channel != "" {
			name = topic + "/" + channel
		}
		ask = &question{what: v.what(safetext.Line(topic), safetext.Line(channel), safetext.Line(o.node)), name: name, yes: o.yes}
	}
	res, err := sendTo(cmd, d, s, sources.NSQ, body, ask)
	if err != nil {
		return err
	}
	// One line per node and lookupd, whatever it answered.
	for i := range res.Targets {
		if t := &res.Targets[i]; t.Err == "" && t.Detail == "" {
			t.Detail = "done"
		}
	}
	return printTargets(res, cmd.OutOrStdout(), cmd.ErrOrStderr())
}

// parseNSQThing reads TOPIC or TOPIC/CHANNEL; nsqd checks the names.
func parseNSQThing(verb, arg string, channels bool) (topic, channel string, err error) {
	topic, channel, slash := strings.Cut(arg, "/")
	switch {
	case topic == "" || (slash && (channel == "" || strings.Contains(channel, "/"))):
		return "", "", usageErr("%s %q: want TOPIC or TOPIC/CHANNEL, e.g. events/archive", verb, safetext.Line(arg))
	case slash && !channels:
		return "", "", usageErr("%s acts on a topic, not a channel: give TOPIC", verb)
	}
	return topic, channel, nil
}

// thing is "topic T" or "channel T/C".
func thing(topic, channel string) string {
	if channel == "" {
		return "topic " + topic
	}
	return "channel " + topic + "/" + channel
}

var nsqVerbs = map[string]nsqVerb{
	"pause": {verb: "pause", channels: true,
		short: "Pause an NSQ topic or channel on every nsqd that has it",
		long: `Pause an NSQ topic (nsqd stops copying its messages into its channels) or a channel (nsqd
stops delivering to its consumers) on every nsqd that has it, at once; messages keep queueing.`,
		example: `  topicat pause nsq events/archive --lookupd http://localhost:4161
  topicat pause events --nsqd 10.0.0.5:4151     # nsq may be left out with only NSQ configured`,
		body: func(t, c, _ string) (sources.Body, error) { return sources.NSQPause{Topic: t, Channel: c}, nil }},
	"unpause": {verb: "unpause", channels: true,
		short:   "Unpause an NSQ topic or channel on every nsqd that has it",
		long:    `Resume an NSQ topic or channel on every nsqd that has it, at once: paused on some nodes only, it is resumed on those.`,
		example: `  topicat unpause nsq events/archive --lookupd http://localhost:4161`,
		body: func(t, c, _ string) (sources.Body, error) {
			return sources.NSQPause{Topic: t, Channel: c, Unpause: true}, nil
		}},
	"empty": {verb: "empty", channels: true, destructive: true,
		short: "Drop the queued messages of an NSQ topic or channel on every nsqd that has it",
		long: `Empty an NSQ topic (the messages queued in the topic itself; its channels keep theirs) or a
channel (its queued, in-flight and deferred messages) on every nsqd that has it. On a terminal
the name (TOPIC or TOPIC/CHANNEL) must be typed to go ahead; without one, --yes.`,
		example: `  topicat empty nsq notifications/push --lookupd http://localhost:4161`,
		what: func(t, c, _ string) string {
			return "Empty " + thing(t, c) + " on every nsqd that has it, dropping its messages"
		},
		body: func(t, c, _ string) (sources.Body, error) { return sources.NSQEmpty{Topic: t, Channel: c}, nil }},
	"delete": {verb: "delete", channels: true, destructive: true,
		short: "Delete an NSQ topic or channel from every lookupd and nsqd",
		long: `Delete an NSQ topic or channel as nsqadmin does: from every lookupd, then from every nsqd that has
it, with its messages (a registration in the lookupds that no nsqd has goes too). On a terminal
the name (TOPIC or TOPIC/CHANNEL) must be typed to go ahead; without one, --yes.`,
		example: `  topicat delete nsq events/old-consumer --lookupd http://localhost:4161
  topicat delete nsq retired --yes --lookupd http://localhost:4161`,
		what: func(t, c, _ string) string {
			return "Delete " + thing(t, c) + " from every lookupd and nsqd, with its messages"
		},
		body: func(t, c, _ string) (sources.Body, error) { return sources.NSQDelete{Topic: t, Channel: c}, nil }},
	"tombstone": {verb: "tombstone", destructive: true,
		short: "Tombstone an NSQ topic on one nsqd: the lookupds stop handing it out, then it deletes the topic",
		long: `Retire an NSQ topic from one nsqd as nsqadmin's tombstone does: every lookupd stops handing the
node out for the topic, then the node deletes it with its channels and messages; the other nodes
keep it. On a terminal the topic's name must be typed to go ahead; without one, --yes.`,
		example: `  topicat tombstone nsq events --node 10.0.0.5:4151 --lookupd http://localhost:4161`,
		what: func(t, _, node string) string {
			return "Tombstone topic " + t + " on nsqd " + node + ", which deletes it there with its messages"
		},
		body: func(t, _, node string) (sources.Body, error) { return sources.NSQTombstone{Topic: t, Node: node}, nil }},
	"create": {verb: "create", channels: true,
		short: "Create an NSQ topic or channel on the nsqd nodes and in every lookupd",
		long: `Create an NSQ topic, or a channel (and its topic), on every nsqd up (or the one --node names) and
in every lookupd, so that consumers find it and what is published before they subscribe is kept
(nsqadmin registers it in lookupd only).`,
		example: `  topicat create nsq orders/billing --lookupd http://localhost:4161
  topicat create nsq orders --node 10.0.0.5:4151 --lookupd http://localhost:4161`,
		body: func(t, c, node string) (sources.Body, error) {
			return sources.NSQCreate{Topic: t, Channel: c, Node: node}, nil
		}},
}

// newNSQVerbCmd is `topicat pause|unpause|empty|tombstone [nsq] TOPIC…`.
func newNSQVerbCmd(d *deps, verb string) *cobra.Command {
	v, o := nsqVerbs[verb], &nsqOpts{}
	cmd := &cobra.Command{
		Use:               verb + " [nsq] " + v.usage(),
		Short:             v.short,
		Long:              v.long + "\nRefused under --read-only.",
		Example:           v.example,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			explicit := len(args) > 0 && args[0] == string(sources.NSQ)
			if explicit {
				args = args[1:]
			} else if len(args) > 0 && args[0] == string(sources.Kafka) {
				return usageErr("%s is an NSQ action; Kafka has none (see topicat %s --help)", verb, verb)
			}
			return v.run(cmd, d, o, explicit, args)
		},
	}
	v.flags(cmd, o)
	return cmd
}

// addNSQKind adds `VERB nsq TOPIC[/CHANNEL]` under a Kafka verb (delete,
// create), and lets VERB TOPIC[/CHANNEL] stand for it when only NSQ is
// configured: the verb takes the subcommand's flags for that.
func addNSQKind(d *deps, parent *cobra.Command) {
	v, o := nsqVerbs[parent.Name()], &nsqOpts{}
	sub := &cobra.Command{
		Use:               "nsq " + v.usage(),
		Short:             v.short,
		Long:              v.long + "\nRefused under --read-only.",
		Example:           v.example,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE:              func(cmd *cobra.Command, args []string) error { return v.run(cmd, d, o, true, args) },
	}
	v.flags(sub, o)
	parent.AddCommand(sub)
	parent.Flags().AddFlagSet(sub.Flags())
	usage := parent.RunE
	parent.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			if s, err := d.settings(cmd); err == nil && configuredFor(s, sources.NSQ) && !configuredFor(s, sources.Kafka) {
				return v.run(cmd, d, o, false, args)
			}
		}
		return usage(cmd, args)
	}
}
