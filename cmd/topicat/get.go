package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/views"
)

func getUsage() string {
	var b strings.Builder
	b.WriteString(`topicat get: print what a pane shows, from the same snapshot, for scripts and cron.

Usage:
  topicat get [kafka|nsq] VIEW [ARG] [-o table|json] [flags]

Views:
`)
	for _, v := range views.All() {
		name := v.Name
		switch {
		case v.ArgOptional:
			name += " [" + v.Arg + "]"
		case v.Arg != "":
			name += " " + v.Arg
		}
		sys := string(v.System)
		if sys == "" {
			sys = "both"
		}
		fmt.Fprintf(&b, "  %-18s %-5s  %s\n", name, sys, v.Help)
	}
	b.WriteString(`
"topics" exists for both systems: with both configured, say "kafka topics" or "nsq topics".
get health exits with status 1 when any finding has error severity.`)
	return b.String()
}

func runGet(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) error {
	var cf commonFlags
	fs := newFlagSet("get", &cf)
	output := fs.String("o", "table", "output format: table or json")
	// Flags may come before, between or after the words.
	var words []string
	for {
		if err := parseFlags(fs, args, stdout, getUsage()); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		words = append(words, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if *output != "table" && *output != "json" {
		return usageErr("-o %q: want table or json", *output)
	}
	s, err := cf.resolve(fs, env)
	if err != nil {
		return usageErr("%v", err)
	}
	v, arg, err := pickView(words, s)
	if err != nil {
		return err
	}
	data, err := collect(ctx, s, v.System, stderr)
	if err != nil {
		return err
	}
	table, raw, err := v.Build(data, arg)
	if err != nil {
		return err
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(raw); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
	} else if err := views.WriteTable(stdout, table, table.Rows); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if v.Name == "health" {
		if c := health.Count(data.Findings); c.Errors > 0 {
			return fmt.Errorf("%d finding(s) of error severity", c.Errors)
		}
	}
	return nil
}

// pickView turns "kafka topics", "topics", "partitions orders" into a view and its argument.
func pickView(words []string, s settings) (*views.View, string, error) {
	if len(words) == 0 {
		return nil, "", usageErr("get needs a view: %s", viewNames())
	}
	var system sources.System
	if w := sources.System(words[0]); w == sources.Kafka || w == sources.NSQ {
		system, words = w, words[1:]
		if len(words) == 0 {
			return nil, "", usageErr("get %s needs a view: %s", system, viewNames())
		}
	}
	name, rest := words[0], words[1:]
	var matches []*views.View
	for _, v := range views.All() {
		if v.Name == name && (system == "" || v.System == system || v.System == "") {
			matches = append(matches, v)
		}
	}
	if len(matches) > 1 { // the same name in both systems: take the configured one
		var configured []*views.View
		for _, v := range matches {
			if configuredFor(s, v.System) {
				configured = append(configured, v)
			}
		}
		if len(configured) == 1 {
			matches = configured
		}
	}
	switch {
	case len(matches) == 0:
		return nil, "", usageErr("unknown view %q: %s", name, viewNames())
	case len(matches) > 1:
		return nil, "", usageErr("%q exists for kafka and nsq: say \"get kafka %s\" or \"get nsq %s\"", name, name, name)
	}
	v := matches[0]
	if v.Arg != "" && !v.ArgOptional && len(rest) == 0 {
		return nil, "", usageErr("get %s needs %s", v.Name, v.Arg)
	}
	if v.Arg == "" && len(rest) > 0 {
		return nil, "", usageErr("get %s takes no argument, got %q", v.Name, rest[0])
	}
	if v.System != "" && !configuredFor(s, v.System) {
		return nil, "", usageErr("%s is not configured: give %s", v.System, map[sources.System]string{sources.Kafka: "--brokers host:9092", sources.NSQ: "--lookupd http://host:4161 or --nsqd host:4151"}[v.System])
	}
	if v.System == "" && !configuredFor(s, sources.Kafka) && !configuredFor(s, sources.NSQ) {
		return nil, "", usageErr("no cluster given: use --brokers, --lookupd, --nsqd or --context")
	}
	return v, strings.Join(rest, " "), nil
}

func viewNames() string {
	seen := map[string]bool{}
	var names []string
	for _, v := range views.All() {
		if !seen[v.Name] {
			seen[v.Name] = true
			names = append(names, v.Name)
		}
	}
	return strings.Join(names, ", ")
}

func configuredFor(s settings, sys sources.System) bool {
	switch sys {
	case sources.Kafka:
		return len(s.Brokers) > 0
	case sources.NSQ:
		return len(s.Lookupd) > 0 || len(s.NSQD) > 0
	}
	return false
}

// collect takes one snapshot of each system the view needs (both for a view of
// both systems), through the same sources the dashboard runs. Endpoint errors go
// to stderr; a system that answered nothing at all is an error.
func collect(ctx context.Context, s settings, system sources.System, stderr io.Writer) (views.Data, error) {
	var d views.Data
	// Poll only the systems the view shows (health shows both).
	switch system {
	case sources.NSQ:
		s.Brokers = nil
	case sources.Kafka:
		s.Lookupd, s.NSQD = nil, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	r, err := startSources(ctx, s)
	if err != nil {
		cancel()
		return d, err
	}
	defer r.wait()
	defer cancel()
	for _, src := range []sources.Source{r.kafka, r.nsq} {
		if src == nil {
			continue
		}
		var snap sources.Snapshot
		select {
		case s, ok := <-src.Updates():
			if !ok {
				return d, ctx.Err()
			}
			snap = s
		case <-ctx.Done():
			return d, ctx.Err()
		}
		meta := snap.Metadata()
		for _, e := range meta.Errors {
			fmt.Fprintf(stderr, "topicat: %s %s\n", src.System(), safetext.Line(e.String()))
		}
		// Health reports a cluster that never answered as a finding; any
		// other view has nothing to show.
		if meta.LastOK.IsZero() && system != "" {
			return d, fmt.Errorf("%s: no endpoint answered", src.System())
		}
		switch snap := snap.(type) {
		case *sources.KafkaSnapshot:
			d.Kafka = snap
		case *sources.NSQSnapshot:
			d.NSQ = snap
		}
	}
	d.Findings = health.All(d.Kafka, d.NSQ)
	return d, nil
}
