package main

import (
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
this process, with topics, producers and consumers, and open the dashboard on them. When the
dashboard quits, the clusters stop and their addresses are printed.`,
		Example: `  topicat demo
  topicat demo --read-only --theme nocturne
  topicat demo --print-addrs     # for kcat, nsq_tail or a second topicat`,
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), d, printOnly, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&printOnly, "print-addrs", false, "run the clusters without the dashboard and print their addresses, until interrupted")
	return cmd
}

func runDemo(ctx context.Context, d *deps, printOnly bool, stdout io.Writer) error {
	cf := &d.cluster
	if cf.addressed() {
		return usageErr("demo runs its own clusters: drop --brokers, --lookupd, --nsqd and --context")
	}
	// The demo ignores the config file's contexts (a read-only or slow prod
	// context has nothing to do with it) and takes only its theme. A file named
	// on purpose must read; the default one may be missing or broken.
	s := settings{Refresh: cf.refresh, Timeout: cf.timeout, ReadOnly: cf.readOnly, Theme: cf.theme}
	if err := floors(s); err != nil {
		return usageErr("%v", err)
	}
	if s.Theme == "" {
		s.Theme = themes.Default
		c, _, err := cf.readConfig(d.env)
		if _, named := cf.configPath(d.env); err != nil && named {
			return usageErr("%v", err)
		}
		if err == nil && c.Theme != "" {
			s.Theme = c.Theme
		}
	}
	c, err := demo.Start(ctx)
	if err != nil {
		return fmt.Errorf("start demo clusters: %w", err)
	}
	defer c.Close()
	a := c.Addrs()
	if printOnly {
		printAddrs(stdout, a)
		fmt.Fprintln(stdout, "running; stop with ctrl+c")
		<-ctx.Done()
		return nil
	}
	s.Context, s.Brokers, s.Lookupd, s.NSQD = "demo", a.Brokers, a.LookupdHTTP, nil
	msg := fmt.Sprintf("demo: kcat -b %s · nsqlookupd %s", a.Brokers[0], a.LookupdHTTP[0])
	err = dashboard(ctx, s, msg)
	printAddrs(stdout, a) // after the alternate screen is gone, so it stays readable
	return err
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
