package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/themes"
	"github.com/topicat/topicat/tui"
)

const configHint = " or name them in a context of the config file (topicat -h)."

func runDashboard(ctx context.Context, args []string, stdout io.Writer, env func(string) string) error {
	var cf commonFlags
	fs := newFlagSet("topicat", &cf)
	if err := parseFlags(fs, args, stdout, usage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unknown command %q (see topicat -h)", fs.Arg(0))
	}
	s, err := cf.resolve(fs, env)
	if err != nil {
		return usageErr("%v", err)
	}
	if len(s.Brokers) == 0 && len(s.Lookupd) == 0 && len(s.NSQD) == 0 {
		return usageErr("no cluster given: use --brokers (Kafka), --lookupd or --nsqd (NSQ), --context, or try `topicat demo`")
	}
	return dashboard(ctx, s, "")
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
	if len(s.Brokers) > 0 {
		k, err := kafka.New(kafka.Config{Brokers: s.Brokers, Interval: s.Refresh, Timeout: s.Timeout})
		if err != nil {
			return nil, usageErr("%v", err)
		}
		r.kafka = guard(k, s.ReadOnly)
		r.closers = append(r.closers, k.Close)
		runs = append(runs, k.Run)
	}
	if len(s.Lookupd) > 0 || len(s.NSQD) > 0 {
		n, err := nsq.New(nsq.Config{Lookupds: s.Lookupd, NSQDs: s.NSQD, Interval: s.Refresh, Timeout: s.Timeout})
		if err != nil {
			r.wait()
			return nil, usageErr("%v", err)
		}
		r.nsq = guard(n, s.ReadOnly)
		runs = append(runs, n.Run)
	}
	for _, run := range runs {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); run(ctx) }()
	}
	return r, nil
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
