package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/spf13/cobra"

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
	limitMemory(d.env)
	return dashboard(cmd.Context(), s, "")
}

// dashboard starts the sources for the settings and runs the UI until it quits.
func dashboard(ctx context.Context, s settings, message string) error {
	palette, err := themes.Load(s.Theme)
	if err != nil {
		return usageErr("%v", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srcs, err := startSources(ctx, s)
	if err != nil {
		return err
	}
	defer srcs.wait()
	defer cancel()
	label := s.Context
	if label == "" { // name the cluster by where it is
		var where []string
		for _, list := range [][]string{s.Brokers, s.Lookupd, s.NSQD} {
			if len(list) > 0 {
				host := strings.TrimPrefix(strings.TrimPrefix(list[0], "http://"), "https://")
				where = append(where, host+more(len(list)-1))
			}
		}
		label = strings.Join(where, " ")
	}
	return tui.Run(ctx, tui.Options{
		Context:   label,
		ReadOnly:  s.ReadOnly,
		Palette:   palette,
		Kafka:     srcs.kafka,
		NSQ:       srcs.nsq,
		KafkaHint: "Kafka is not configured: start topicat with --brokers host:9092 (-b)," + configHint,
		Message:   message,
		NSQHint:   "NSQ is not configured: start topicat with --lookupd http://host:4161 or --nsqd host:4151," + configHint,
	})
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
		k, err := kafka.New(kafka.Config{Brokers: s.Brokers, Interval: s.Refresh, Timeout: s.Timeout, SkipGroups: s.skipGroups})
		if err != nil {
			return built{}, usageErr("%v", err)
		}
		return built{src: guard(k, s.ReadOnly), run: k.Run, close: k.Close}, nil
	case sources.NSQ:
		n, err := nsq.New(nsq.Config{Lookupds: s.Lookupd, NSQDs: s.NSQD, Interval: s.Refresh, Timeout: s.Timeout, SkipInactive: s.skipInactive})
		if err != nil {
			return built{}, usageErr("%v", err)
		}
		return built{src: guard(n, s.ReadOnly), run: n.Run, close: func() {}}, nil
	}
	return built{}, fmt.Errorf("no source for %q", sys)
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
