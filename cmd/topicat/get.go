package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/charmbracelet/x/term"

	"github.com/spf13/cobra"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/views"
)

// newGetCmd is `topicat get [kafka|nsq] VIEW [ARG]`: a pane's rows, printed once.
func newGetCmd(d *deps) *cobra.Command {
	var (
		output string
		quiet  bool
	)
	cmd := &cobra.Command{
		Use:   "get [kafka|nsq] VIEW [ARG]",
		Short: "Print what a pane shows, for scripts (get --help lists the views)",
		Long:  getLong(),
		Example: `  topicat get brokers -b localhost:9092
  topicat get kafka topics -b localhost:9092 -o json
  topicat get topic orders -b localhost:9092          # a page: summary and sections
  topicat get group billing -b localhost:9092 -o json
  topicat get channels events --lookupd http://localhost:4161
  topicat get health -c prod -q       # exits 1 on a finding of error severity, prints nothing`,
		// The words are checked by pickView, which knows the views and
		// which systems are configured.
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: d.completeGet,
		RunE: func(cmd *cobra.Command, words []string) error {
			if output != "table" && output != "json" {
				return usageErr("-o %q: want table or json", output)
			}
			s, err := d.settings(cmd)
			if err != nil {
				return err
			}
			defer oneShotGC(d.env)()
			out := cmd.OutOrStdout()
			if quiet {
				out = io.Discard
			}
			return runGet(cmd.Context(), s, words, output, out, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output `format`: table or json (indented on a terminal, compact when piped)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing on stdout: the exit status says it (get health in cron); why it failed still goes to stderr, as grep -q does")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]cobra.Completion{"table", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// getLong is get's help: what it does and every view with its one-line help.
func getLong() string {
	var b strings.Builder
	b.WriteString(`Print what a pane shows, from the same snapshot and columns, for scripts and cron.
Flags go anywhere among the words.

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

// runGet takes one snapshot of what the view needs and prints the view.
func runGet(ctx context.Context, s settings, words []string, output string, stdout, stderr io.Writer) error {
	v, arg, err := pickView(words, s)
	if err != nil {
		return err
	}
	s.skipGroups = v.SkipsGroups
	s.skipInactive = v.Name != "inactive" && v.Name != "lookupds"
	data, failed, err := collect(ctx, s, v.System, stderr)
	if err != nil {
		return err
	}
	if v.Name == "health" { // only its rows are findings; the others' colours are not printed
		data.Findings = health.All(data.Kafka, data.NSQ)
	}
	if v.Fetch != nil { // a page: what the snapshot lacks, asked of the same source
		fetchDetail(ctx, s, v, arg, &data, stderr)
	}
	table, raw, err := v.Build(data, arg)
	if err != nil {
		return err
	}
	switch {
	case output == "json":
		if err := writeJSON(stdout, raw); err != nil {
			return err
		}
	case v.IsPage():
		p := raw.(views.Page)
		if err := writePage(stdout, p); err != nil {
			return err
		}
		if isTerminal(stdout) {
			tables := make([]views.Table, len(p.Sections))
			for i, sec := range p.Sections {
				tables[i] = sec.Table
			}
			fmt.Fprint(stderr, rateFootnote(tables...))
		}
	default:
		if err := views.WriteTable(stdout, table, table.Rows); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
		if isTerminal(stdout) {
			fmt.Fprint(stderr, rateFootnote(table))
		}
	}
	if v.Name == "health" {
		if c := health.Count(data.Findings); c.Errors > 0 {
			return fmt.Errorf("%s of error severity", health.Quantity(c.Errors, "finding"))
		}
		return nil // the findings say what did not answer
	}
	if failed > 0 {
		return partialError{fmt.Errorf("printed, but the figures are partial: %s did not answer (above)", health.Quantity(failed, "endpoint"))}
	}
	return nil
}

// partialError is output printed from a snapshot in which some endpoints
// failed: exit code 3, so that a script can tell it from a complete answer
// (0) and from no answer (1).
type partialError struct{ error }

// fetchDetail carries out a page's read-only request into data; a failure,
// whole or of a part, is said on stderr and in the sections that need it.
func fetchDetail(ctx context.Context, s settings, v *views.View, arg string, data *views.Data, stderr io.Writer) {
	body := v.Fetch(arg)
	if body == nil {
		return // the summary says what is wrong with the argument
	}
	b, err := buildSource(s, v.System)
	if err != nil {
		data.DetailErr = err
		fmt.Fprintf(stderr, "topicat: %v\n", err)
		return
	}
	defer b.close()
	res := b.src.Do(ctx, sources.Request{Body: body})
	if res.Err != "" {
		data.DetailErr = errors.New(res.Err)
		fmt.Fprintf(stderr, "topicat: %s: %s\n", res.Request.Target(), safetext.Line(res.Err))
		return
	}
	data.Detail, data.DetailProblems = res.Data, res.Targets
	for _, t := range views.Problems(*data) {
		fmt.Fprintf(stderr, "topicat: %s: %s\n", safetext.Line(t.Target), safetext.Line(t.Err))
	}
}

// writeJSON prints data as JSON: indented for a person at a terminal,
// compact for a pipe (as gh does), with C1, bidi and format characters from
// the cluster escaped either way.
func writeJSON(w io.Writer, data any) error {
	var (
		b   []byte
		err error
	)
	if isTerminal(w) {
		b, err = marshalIndent(data)
	} else {
		b, err = marshalJSON(data)
	}
	if err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	if _, err := w.Write(append(safetext.EscapeJSON(b), '\n')); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// rateFootnote explains a "–" under a rate column (RATE, IN/s, OUT/s): a
// rate is the difference between two polls and get takes one. It is said
// to a person at a terminal; JSON has null there, and scripts want no
// chatter. "" when every rate is known.
func rateFootnote(tables ...views.Table) string {
	var cols []string
	for _, t := range tables {
		for i, c := range t.Columns {
			if (c.Title != "RATE" && !strings.HasSuffix(c.Title, "/s")) || slices.Contains(cols, c.Title) {
				continue
			}
			if slices.ContainsFunc(t.Rows, func(r views.Row) bool { return strings.HasPrefix(r.Cells[i], "–") }) {
				cols = append(cols, c.Title)
			}
		}
	}
	if len(cols) == 0 {
		return ""
	}
	return "topicat: – under " + strings.Join(cols, " and ") + ": a rate needs two polls and get takes one; the dashboard shows it, -o json gives null\n"
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// writePage prints a page: its summary, then each section under its title.
func writePage(w io.Writer, p views.Page) error {
	var b strings.Builder
	width := 0
	for _, f := range p.Fields {
		width = max(width, len(f.Label))
	}
	for _, f := range p.Fields {
		fmt.Fprintf(&b, "%-*s  %s\n", width, f.Label, safetext.Line(f.Value))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	for _, sec := range p.Sections {
		fmt.Fprintf(w, "\n%s\n", strings.ToUpper(sec.Title))
		if sec.Err != nil {
			fmt.Fprintf(w, "(%s)\n", safetext.Line(sec.Err.Error()))
			continue
		}
		if err := views.WriteTable(w, sec.Table, sec.Table.Rows); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	return nil
}

// pickView reads "[kafka|nsq] VIEW [ARG]" with the grammar the `:` command
// line uses, and checks the view's system is configured.
func pickView(words []string, s settings) (*views.View, string, error) {
	t, err := views.Lookup(views.All(), "get ", words, func(sys sources.System) bool { return configuredFor(s, sys) }, "")
	switch {
	case err != nil:
		return nil, "", usageErr("%v", err)
	case t.View == nil:
		return nil, "", usageErr("get %s needs a view: %s", t.System, views.Names(views.All()))
	}
	v := t.View
	if v.System != "" && !configuredFor(s, v.System) {
		return nil, "", usageErr("%s is not configured: give %s", v.System, map[sources.System]string{sources.Kafka: "--brokers host:9092", sources.NSQ: "--lookupd http://host:4161 or --nsqd host:4151"}[v.System])
	}
	if v.System == "" && !configuredFor(s, sources.Kafka) && !configuredFor(s, sources.NSQ) {
		return nil, "", usageErr("no cluster given: use --brokers, --lookupd, --nsqd or --context")
	}
	return v, t.Arg, nil
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
func collect(ctx context.Context, s settings, system sources.System, stderr io.Writer) (views.Data, int, error) {
	var (
		d      views.Data
		failed int // endpoint errors in the snapshots
	)
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
		return d, failed, err
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
				return d, failed, ctx.Err()
			}
			snap = s
		case <-ctx.Done():
			return d, failed, ctx.Err()
		}
		meta := snap.Metadata()
		failed += len(meta.Errors)
		for _, e := range meta.Errors {
			fmt.Fprintf(stderr, "topicat: %s %s\n", src.System(), safetext.Line(e.String()))
		}
		// Health reports a cluster that never answered as a finding; any
		// other view has nothing to show.
		if meta.LastOK.IsZero() && system != "" {
			return d, failed, fmt.Errorf("%s: no endpoint answered", src.System())
		}
		switch snap := snap.(type) {
		case *sources.KafkaSnapshot:
			d.Kafka = snap
		case *sources.NSQSnapshot:
			d.NSQ = snap
		}
	}
	return d, failed, nil
}
