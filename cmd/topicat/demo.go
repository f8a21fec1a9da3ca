package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/topicat/topicat/sources/demo"
	"github.com/topicat/topicat/themes"
)

const demoUsage = `topicat demo: start a 3-broker Kafka cluster (kfake) and an NSQ cluster (nsqlookupd and two
nsqd) in this process, with topics, producers and consumers, and open the dashboard on them.

Usage:
  topicat demo [--print-addrs] [--read-only] [--theme NAME] [--refresh 2s]`

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) error {
	var cf commonFlags
	fs := newFlagSet("demo", &cf)
	printOnly := fs.Bool("print-addrs", false, "run the clusters without the dashboard and print their addresses, until interrupted")
	if err := parseFlags(fs, args, stdout, demoUsage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("demo takes no arguments, got %q", fs.Arg(0))
	}
	if len(cf.brokers)+len(cf.lookupd)+len(cf.nsqd) > 0 || cf.context != "" {
		return usageErr("demo runs its own clusters: drop --brokers, --lookupd, --nsqd and --context")
	}
	// The demo ignores the config file's contexts (a read-only or slow prod
	// context has nothing to do with it) and takes only its theme. A file named
	// on purpose must read; the default one may be missing.
	s := settings{Refresh: cf.refresh, Timeout: cf.timeout, ReadOnly: cf.readOnly, Theme: cf.theme}
	if s.Theme == "" {
		s.Theme = themes.Default
		named := cmp.Or(cf.config, env("TOPICAT_CONFIG"))
		if path := cmp.Or(named, defaultConfigPath(env)); path != "" {
			c, err := loadConfig(path, named != "")
			if err != nil && named != "" {
				return usageErr("%v", err)
			}
			if err == nil && c.Theme != "" {
				s.Theme = c.Theme
			}
		}
	}
	c, err := demo.Start(ctx)
	if err != nil {
		return fmt.Errorf("start demo clusters: %w", err)
	}
	defer c.Close()
	a := c.Addrs()
	if *printOnly {
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
