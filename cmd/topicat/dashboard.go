package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/themes"
	"github.com/topicat/topicat/tui"
	"github.com/topicat/topicat/tui/tail"
)

const configHint = " or name them in a context of the config file (topicat -h)."

// runDashboard is the root command: the dashboard on the clusters named by
// the flags or by the config file's context.
func runDashboard(cmd *cobra.Command, d *deps) error {
	s, err := d.settings(cmd)
	if err != nil {
		return err
	}
	if len(s.Brokers) == 0 && len(s.Lookupd) == 0 && len(s.NSQD) == 0 {
		return usageErr("no cluster given: use --brokers (Kafka), --lookupd or --nsqd (NSQ), --context, or try `topicat demo`")
	}
	s.reopen = d.reopener(cmd)
	limitMemory(d.env)
	message := ""
	if len(s.Warnings) > 0 { // stderr is hidden behind the dashboard: the footer says it too
		message = "⚠ " + s.Warnings[0]
	}
	return dashboard(cmd.Context(), s, message)
}

// reopener resolves the settings of another context for :ctx: the config
// file's context with the run's --read-only, --refresh and --timeout, but
// not its addresses or security flags, which were for the first one.
func (d *deps) reopener(cmd *cobra.Command) func(name string) (settings, error) {
	fs := cmd.Flags()
	return func(name string) (settings, error) {
		args := []string{"--context", name}
		for _, f := range []string{"config", "read-only", "refresh", "timeout", "theme"} {
			if fs.Changed(f) {
				args = append(args, "--"+f+"="+fs.Lookup(f).Value.String())
			}
		}
		var cf clusterFlags
		nfs := pflag.NewFlagSet("ctx", pflag.ContinueOnError)
		cf.register(nfs)
		if err := nfs.Parse(args); err != nil {
			return settings{}, err
		}
		return cf.resolve(nfs, d.env)
	}
}

// dashboard starts the sources for the settings and runs the UI until it quits.
func dashboard(ctx context.Context, s settings, message string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	o, err := dashboardOptions(ctx, s, message)
	if err != nil {
		return err
	}
	defer o.Close() // once only: Run closes the session on view, Switch the ones left
	// Bubble Tea blanks the window title on exit; saving the user's on the
	// terminal's title stack (xterm, tmux, VTE) and popping it gives it back.
	// Terminals without the stack ignore both.
	if isTerminal(os.Stdout) {
		fmt.Fprint(os.Stdout, "\x1b[22;0t")
		defer fmt.Fprint(os.Stdout, "\x1b[23;0t")
	}
	return tui.Run(ctx, o)
}

// dashboardOptions opens the first session and says how to open the others
// (:ctx); the caller closes the first with o.Close.
func dashboardOptions(ctx context.Context, s settings, message string) (tui.Options, error) {
	palette, err := themes.Load(s.Theme)
	if err != nil {
		return tui.Options{}, usageErr("%v", err)
	}
	first, err := openSession(ctx, s)
	if err != nil {
		return tui.Options{}, err
	}
	o := tui.Options{
		Context:   first.Label,
		ReadOnly:  first.ReadOnly,
		Palette:   palette,
		Kafka:     first.Kafka,
		NSQ:       first.NSQ,
		KafkaHint: first.KafkaHint,
		Message:   message,
		NSQHint:   first.NSQHint,
		Colour:    first.Colour,
		Warning:   first.Warning,
		Close:     first.Close,
	}
	if s.reopen != nil && len(s.Contexts) > 0 {
		o.Contexts, o.Current, o.ContextNotes = s.Contexts, s.Context, s.contextNotes
		o.OpenContext = func(ctx context.Context, name string) (*tui.Session, error) {
			ns, err := s.reopen(name)
			if err != nil {
				return nil, err
			}
			return openSession(ctx, ns)
		}
	}
	return o, nil
}

// openSession starts the sources of one context; the session's Close stops
// them and waits for them, once, whoever calls it.
func openSession(parent context.Context, s settings) (*tui.Session, error) {
	ctx, cancel := context.WithCancel(parent)
	srcs, err := startSources(ctx, s)
	if err != nil {
		cancel()
		return nil, err
	}
	var once sync.Once
	return &tui.Session{
		Label:     s.label(),
		ReadOnly:  s.ReadOnly,
		Kafka:     srcs.kafka,
		NSQ:       srcs.nsq,
		KafkaHint: "Kafka is not configured: start topicat with --brokers host:9092 (-b)," + configHint,
		NSQHint:   "NSQ is not configured: start topicat with --lookupd http://host:4161 or --nsqd host:4151," + configHint,
		Colour:    s.Colour,
		Warning:   s.warning(),
		Close:     func() { once.Do(func() { cancel(); srcs.wait() }) },
	}, nil
}

// label names the session in the header: the context's label or name, or
// the cluster by where it is.
func (s settings) label() string {
	if l := cmp.Or(s.Label, s.Context); l != "" {
		return l
	}
	var where []string
	for _, list := range [][]string{s.Brokers, s.Lookupd, s.NSQD} {
		if len(list) > 0 {
			host := strings.TrimPrefix(strings.TrimPrefix(list[0], "http://"), "https://")
			where = append(where, host+more(len(list)-1))
		}
	}
	return strings.Join(where, " ")
}

// warning is the header's badge when a certificate is not checked.
func (s settings) warning() string {
	var off []string
	if s.KafkaTLS != nil && s.KafkaTLS.InsecureSkipVerify && len(s.Brokers) > 0 {
		off = append(off, "KAFKA")
	}
	if s.NSQTLS != nil && s.NSQTLS.InsecureSkipVerify && len(s.Lookupd)+len(s.NSQD) > 0 {
		off = append(off, "NSQ")
	}
	var badges []string
	if len(off) > 0 {
		badges = append(badges, strings.Join(off, "+")+" TLS NOT VERIFIED")
	}
	if s.inClear() != "" {
		badges = append(badges, "KAFKA "+strings.ToUpper(s.SASL.Mechanism)+" IN CLEAR")
	}
	return strings.Join(badges, " · ")
}

// running are the sources of one session; each polls in its own goroutine.
type running struct {
	kafka, nsq sources.Source
	wg         sync.WaitGroup
	closers    []func()
}

func (r *running) wait() {
	r.wg.Wait()
	for _, c := range r.closers {
		c()
	}
}

// startSources builds a source per configured system, then starts them; they
// stop with ctx.
func startSources(ctx context.Context, s settings) (*running, error) {
	r := &running{}
	var runs []func(context.Context)
	for _, sys := range []sources.System{sources.Kafka, sources.NSQ} {
		if !configuredFor(s, sys) {
			continue
		}
		b, err := buildSource(s, sys)
		if err != nil {
			r.wait()
			return nil, err
		}
		switch sys {
		case sources.Kafka:
			r.kafka = b.src
		case sources.NSQ:
			r.nsq = b.src
		}
		r.closers = append(r.closers, b.close)
		runs = append(runs, b.run)
	}
	for _, run := range runs {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); run(ctx) }()
	}
	return r, nil
}

// built is one system's source, not yet polling: run polls until its
// context ends, close releases its connections once run returned.
type built struct {
	src   sources.Source
	run   func(context.Context)
	close func()
}

// buildSource makes the source of one system from the settings, read-only
// when they say so. Nothing is dialled until it is used.
func buildSource(s settings, sys sources.System) (built, error) {
	switch sys {
	case sources.Kafka:
		k, err := kafka.New(kafkaConfig(s))
		if err != nil {
			return built{}, usageErr("%v", err)
		}
		return observe(built{src: guard(k, s.ReadOnly), run: k.Run, close: k.Close}, s, sys), nil
	case sources.NSQ:
		n, err := nsq.New(nsqConfig(s))
		if err != nil {
			return built{}, usageErr("%v", err)
		}
		return observe(built{src: guard(n, s.ReadOnly), run: n.Run, close: func() {}}, s, sys), nil
	}
	return built{}, fmt.Errorf("no source for %q", sys)
}

// kafkaConfig and nsqConfig are what the settings ask of each source.
func kafkaConfig(s settings) kafka.Config {
	return kafka.Config{Brokers: s.Brokers, Interval: s.Refresh, Timeout: s.Timeout, SkipGroups: s.skipGroups,
		TLS: s.KafkaTLS, SASL: s.SASL}
}

func nsqConfig(s settings) nsq.Config {
	return nsq.Config{Lookupds: s.Lookupd, NSQDs: s.NSQD, Interval: s.Refresh, Timeout: s.Timeout, SkipInactive: s.skipInactive,
		TLS: s.NSQTLS, Auth: s.NSQAuth}
}

// limitMemory keeps the dashboard's memory flat when large messages flow
// through a tail: its buffer holds 64 MB of them and the stream's fetches up
// to 32 MB more, and with Go's default pacing the heap would grow to twice
// that before collecting. A soft limit of twice the buffer plus 32 MB makes
// the collector run sooner instead; GOMEMLIMIT, when set, wins. The demo,
// whose process also holds the demo clusters' data, goes without.
func limitMemory(env func(string) string) {
	if env("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(2*tail.DefaultMaxBytes + 32<<20)
	}
}

func more(n int) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return ""
}

func guard(s sources.Source, readOnly bool) sources.Source {
	if readOnly {
		return sources.ReadOnly(s)
	}
	return s
}
