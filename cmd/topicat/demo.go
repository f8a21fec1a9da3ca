package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/topicat/topicat/sources/demo"
	"github.com/topicat/topicat/themes"
)

// newDemoCmd is `topicat demo`: embedded clusters with traffic, and the dashboard on them.
func newDemoCmd(d *deps) *cobra.Command {
	var printOnly bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start embedded Kafka and NSQ clusters with live traffic and open the dashboard on them",
		Long: `Start a 3-broker Kafka cluster (kfake) and an NSQ cluster (nsqlookupd and two nsqd) in
this process, with topics, producers and consumers, and open the dashboard on them. In it, :ctx
switches to the config file's contexts and back to demo. When the dashboard quits, the clusters
stop and their addresses are printed.`,
		Example: `  topicat demo
  topicat demo --read-only --theme nocturne
  topicat demo --print-addrs     # for kcat, nsq_tail or a second topicat`,
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), d, printOnly, cmd.OutOrStdout(), d.reopener(cmd))
		},
	}
	cmd.Flags().BoolVar(&printOnly, "print-addrs", false, "run the clusters without the dashboard and print their addresses, until interrupted")
	return cmd
}

func runDemo(ctx context.Context, d *deps, printOnly bool, stdout io.Writer, reopen func(string) (settings, error)) error {
	s, cfg, err := demoBase(&d.cluster, d.env)
	if err != nil {
		return err
	}
	c, err := demo.Start(ctx)
	if err != nil {
		return fmt.Errorf("start demo clusters: %w", err)
	}
	defer c.Close() // after the dashboard: the demo context stays open to :ctx while it runs
	a := c.Addrs()
	if printOnly {
		printAddrs(stdout, a)
		fmt.Fprintln(stdout, "running; stop with ctrl+c")
		<-ctx.Done()
		return nil
	}
	s, msg := demoContexts(s, a, cfg, reopen)
	err = dashboard(ctx, s, msg)
	printAddrs(stdout, a) // after the alternate screen is gone, so it stays readable
	return err
}

// demoBase is the demo's settings from the flags, and the config file for
// its theme and contexts. The demo opens on its own clusters whatever the
// file's current context says (a read-only or slow prod context has nothing
// to do with it). A file named on purpose must read; the default one may be
// missing or broken, and then only the demo is offered.
func demoBase(cf *clusterFlags, env func(string) string) (settings, *fileConfig, error) {
	if cf.addressed() {
		return settings{}, nil, usageErr("demo runs its own clusters: drop --brokers, --lookupd, --nsqd and --context")
	}
	s := settings{Refresh: cf.refresh, Timeout: cf.timeout, ReadOnly: cf.readOnly, Theme: cf.theme}
	if err := floors(s); err != nil {
		return s, nil, usageErr("%v", err)
	}
	cfg, _, err := cf.readConfig(env)
	if err != nil {
		if _, named := cf.configPath(env); named {
			return s, nil, usageErr("%v", err)
		}
		cfg = &fileConfig{}
	}
	s.Theme = cmp.Or(s.Theme, cfg.Theme, themes.Default)
	return s, cfg, nil
}

// demoContext is the embedded clusters' name among the :ctx choices, and
// demoClash the name a config context called demo is offered under.
const (
	demoContext = "demo"
	demoClash   = "demo (config)"
)

// demoContexts points s at the demo clusters, as the context "demo", and
// offers the config file's contexts beside it: reopen opens those, with the
// run's --read-only, --refresh and --timeout. A config context named demo
// keeps its settings but is listed as "demo (config)", so that "demo" is
// always the embedded clusters and neither hides the other.
func demoContexts(s settings, a demo.Addrs, cfg *fileConfig, reopen func(string) (settings, error)) (settings, string) {
	s.Context, s.Brokers, s.Lookupd, s.NSQD = demoContext, a.Brokers, a.LookupdHTTP, nil
	msg := fmt.Sprintf("demo: kcat -b %s · nsqlookupd %s", a.Brokers[0], a.LookupdHTTP[0])
	own := s // the demo context as it opened, to open it again
	s.Contexts = []string{demoContext}
	s.contextNotes = map[string]string{demoContext: "embedded clusters of topicat demo"}
	for _, n := range cfg.names() {
		if n == demoContext {
			n = demoClash
			msg += " · the config's demo context is " + demoClash
		}
		s.Contexts = append(s.Contexts, n)
	}
	s.reopen = func(name string) (settings, error) {
		switch name {
		case demoContext:
			return own, nil
		case demoClash:
			ns, err := reopen(demoContext)
			if ns.Label == demoContext { // the default label would pass it off as the embedded clusters
				ns.Label = demoClash
			}
			return ns, err
		}
		return reopen(name)
	}
	return s, msg
}

func printAddrs(w io.Writer, a demo.Addrs) {
	fmt.Fprintf(w, `topicat demo clusters (they stop when topicat exits):
  kafka brokers  %s
  nsqlookupd     %s
  nsqd http      %s
  nsqd tcp       %s
try:
  kcat -b %s -L
  topicat -b %s --lookupd %s
`, strings.Join(a.Brokers, ","), strings.Join(a.LookupdHTTP, ","), strings.Join(a.NSQDHTTP, ","), strings.Join(a.NSQDTCP, ","),
		a.Brokers[0], strings.Join(a.Brokers, ","), a.LookupdHTTP[0])
}
