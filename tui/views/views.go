// Package views defines, once, what each pane shows: its columns (title, width
// rule, value, sort key) and its rows, built from a snapshot. The interactive
// panes and `topicat get … -o table` both render these tables, so a figure is
// computed in one place. Every cell passes through safetext: names from a
// cluster never reach a terminal as control sequences.
package views

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
	"github.com/topicat/topicat/tui/safetext"
)

// Data is everything a view may draw from: the newest snapshot of each system
// and the findings computed from them.
type Data struct {
	Kafka    *sources.KafkaSnapshot
	NSQ      *sources.NSQSnapshot
	Findings []health.Finding
	// Detail is the answer of a page's Fetch request (*sources.TopicDetail…),
	// nil until it came; only pages read it. DetailErr is why the request
	// failed, DetailProblems the parts of an answer that failed.
	Detail         any
	DetailErr      error
	DetailProblems []sources.TargetResult
}

// Column is a column's title and width rule.
type Column struct {
	Title string
	// Sort is the shift+letter that sorts by this column. It is fixed here,
	// per view, so that a key added elsewhere never moves it; 0 for none.
	Sort rune
	// Min is the narrowest the column gets; Max caps it (0: no cap).
	Min, Max int
	// Flex columns take what width is left once the others are laid out.
	Flex bool
	// Right aligns numbers.
	Right bool
	// Key columns say which row it is (a broker's address, a topic's
	// name): on a narrow screen the columns after them are dropped before
	// a key is cut, since a cut name identifies nothing.
	Key bool
}

// Status colours a row.
type Status int

const (
	Normal Status = iota
	Muted
	Good
	Warn
	Bad
)

// Row is one table row, already made safe to print.
type Row struct {
	// Key identifies the row across refreshes (a topic name, "topic/channel")
	// and is the argument of the view Enter opens.
	Key    string
	Cells  []string
	Status Status
	// Note is the row's whole story when the cells cut it short; shown under
	// the table for the selected row.
	Note string
	// Optional rows (internal topics) are hidden on screen until the view's
	// Optional toggle shows them.
	Optional bool
	// Total rows sum the rows above them (a page's per-node rows) and stay
	// last whatever the sort.
	Total  bool
	sort   []sortKey
	search string
}

// Matches reports whether the row contains the filter text, case-insensitively.
func (r Row) Matches(lowerFilter string) bool {
	return lowerFilter == "" || strings.Contains(r.search, lowerFilter)
}

type sortKey struct {
	num   float64
	str   string
	isNum bool
}

// Table is a view's columns and rows in the order the snapshot gives.
type Table struct {
	Columns []Column
	Rows    []Row
}

// Compare orders two rows by a column, numbers numerically.
func (t Table) Compare(a, b Row, col int) int {
	ka, kb := a.sort[col], b.sort[col]
	if ka.isNum && kb.isNum {
		return cmp.Or(cmp.Compare(ka.num, kb.num), cmp.Compare(a.Key, b.Key))
	}
	return cmp.Or(cmp.Compare(ka.str, kb.str), cmp.Compare(a.Key, b.Key))
}

// Sorted returns the rows ordered by a column (ascending unless desc); col < 0 keeps the snapshot's order.
func (t Table) Sorted(col int, desc bool) []Row {
	rows := slices.Clone(t.Rows)
	if col < 0 || col >= len(t.Columns) {
		return rows
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		switch {
		case a.Total && !b.Total:
			return 1
		case b.Total && !a.Total:
			return -1
		}
		c := t.Compare(a, b, col)
		if desc {
			return -c
		}
		return c
	})
	return rows
}

// View is one pane's definition.
type View struct {
	// Name is the command that opens it (":brokers", "topicat get brokers").
	Name string
	// Title is the tab's label.
	Title  string
	System sources.System // empty for views of both systems
	// Detail is the view Enter opens on a row, given the row's Key; empty for none.
	Detail string
	// Home is the tab a `:` command opens the view above, when no tab's
	// Detail is this view; empty for the system's first tab.
	Home string
	// Arg describes the argument the view takes ("TOPIC"); empty when it takes none.
	Arg string
	// ArgOptional views work without their argument too (all channels, or one topic's).
	ArgOptional bool
	Columns     []Column
	// Help is a one-line description for the help overlay and `topicat get --help`.
	Help string
	// Messages maps a row to the topic that holds its messages and the
	// partitions to read (nil for all), for tail and produce; nil when the
	// view's rows hold no messages.
	Messages func(key, arg string) (topic string, partitions []int32)
	// Optional names the rows the pane hides until toggled ("internal topics").
	Optional string
	// Owner is the page a section belongs to ("topic", "group", "broker");
	// empty for a view of its own.
	Owner string
	// SkipsGroups views show nothing of consumer groups: a one-shot `get`
	// of one need not read them.
	SkipsGroups bool
	// A page is a view with Sections: Summary lines about its Arg, then a
	// table per section, each a view built with the page's argument. Fetch,
	// when set, is the read-only request whose answer the page needs beyond
	// the snapshot (Data.Detail).
	Summary  func(d Data, arg string) ([]Field, error)
	Sections []*View
	// Fetch returns nil for an argument that names nothing to ask about.
	Fetch func(arg string) sources.Body
	// Subject is what the page is about as the snapshot has it (its JSON).
	Subject func(d Data, arg string) any
	build   func(d Data, arg string) ([]Row, any, error)
}

// Field is one line of a page's summary.
type Field struct {
	Label, Value string
	Status       Status
}

// IsPage reports whether the view is a detail page.
func (v *View) IsPage() bool { return len(v.Sections) > 0 }

// Usage is the view's command with its argument: "partitions TOPIC", "channels [TOPIC]".
func (v *View) Usage() string {
	switch {
	case v.ArgOptional:
		return v.Name + " [" + v.Arg + "]"
	case v.Arg != "":
		return v.Name + " " + v.Arg
	}
	return v.Name
}

// Build makes the view's table and the plain data behind it (what `-o json`
// prints). An argument to a view that takes none keeps only the rows that
// contain it, as the filter of the pane does.
func (v *View) Build(d Data, arg string) (Table, any, error) {
	filter := ""
	if v.Arg == "" {
		filter, arg = strings.ToLower(arg), ""
	}
	rows, data, err := v.build(d, arg)
	if err == nil && filter != "" {
		rows, data = keep(rows, data, filter)
	}
	return Table{Columns: v.Columns, Rows: rows}, data, err
}

// keep filters the rows and, in step, the slice of items behind them.
func keep(rows []Row, data any, lowerFilter string) ([]Row, any) {
	items := reflect.ValueOf(data)
	if items.Kind() != reflect.Slice || items.Len() != len(rows) {
		return rows, data // not row-for-row: leave it whole rather than misalign
	}
	kept := reflect.MakeSlice(items.Type(), 0, len(rows))
	var out []Row
	for i, r := range rows {
		if r.Matches(lowerFilter) {
			out = append(out, r)
			kept = reflect.Append(kept, items.Index(i))
		}
	}
	return out, kept.Interface()
}

// col is a typed column: how to show and sort one field of a row value.
type col[R any] struct {
	Column
	text func(R) string
	// num, when set, sorts numerically; otherwise the text sorts.
	num func(R) float64
}

func columns[R any](cols []col[R]) []Column {
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = c.Column
	}
	return out
}

// extras are what some views add to their rows: a note, a flag hiding them.
type extras[R any] struct {
	note     func(R) string
	optional func(R) bool
}

// rowOpt adds an extra to define's rows.
type rowOpt[R any] func(*extras[R])

// noted gives each row its whole story, shown under the table.
func noted[R any](f func(R) string) rowOpt[R] { return func(e *extras[R]) { e.note = f } }

// optional marks the rows hidden until the view's Optional toggle.
func optional[R any](f func(R) bool) rowOpt[R] { return func(e *extras[R]) { e.optional = f } }

func makeRows[R any](items []R, cols []col[R], key func(R) string, status func(R, findings) Status, f findings, ex extras[R]) []Row {
	rows := make([]Row, len(items))
	var sb strings.Builder
	for i, it := range items {
		r := Row{Key: key(it), Cells: make([]string, len(cols)), sort: make([]sortKey, len(cols))}
		if status != nil {
			r.Status = status(it, f)
		}
		if ex.note != nil {
			r.Note = safetext.Line(ex.note(it))
		}
		if ex.optional != nil {
			r.Optional = ex.optional(it)
		}
		sb.Reset()
		for j, c := range cols {
			cell := safetext.Line(c.text(it))
			r.Cells[j] = cell
			if c.num != nil {
				r.sort[j] = sortKey{num: c.num(it), isNum: true}
			} else {
				r.sort[j] = sortKey{str: strings.ToLower(cell)}
			}
			sb.WriteString(strings.ToLower(cell))
			sb.WriteByte(0)
		}
		r.search = sb.String()
		rows[i] = r
	}
	return rows
}

// define builds a View from typed columns and a function that picks the row values.
func define[R any](v View, cols []col[R], items func(d Data, arg string) ([]R, error), key func(R) string, status func(R, findings) Status, opts ...rowOpt[R]) *View {
	var ex extras[R]
	for _, o := range opts {
		o(&ex)
	}
	v.Columns = columns(cols)
	v.build = func(d Data, arg string) ([]Row, any, error) {
		its, err := items(d, arg)
		if err != nil {
			return nil, nil, err
		}
		if its == nil {
			its = []R{} // JSON prints [] rather than null
		}
		return makeRows(its, cols, key, status, indexFindings(d.Findings), ex), its, nil
	}
	return &v
}

// findings indexes the health findings by system and subject, so a row is
// coloured by the same judgement the health pane shows, never by a second copy
// of the rule.
type findings map[string]health.Severity

func indexFindings(fs []health.Finding) findings {
	out := make(findings, len(fs))
	for _, f := range fs {
		k := string(f.System) + " " + f.Subject
		if sev, ok := out[k]; !ok || f.Severity > sev {
			out[k] = f.Severity
		}
	}
	return out
}

// status is the row status of the worst finding about subject; ok is false when there is none.
func (f findings) status(system sources.System, subject string) (s Status, ok bool) {
	sev, ok := f[string(system)+" "+subject]
	switch {
	case !ok:
		return Normal, false
	case sev == health.Error:
		return Bad, true
	case sev == health.Warning:
		return Warn, true
	}
	return Normal, true
}

// ErrNotConfigured is returned by a view whose system has no snapshot yet or is not configured.
type ErrNotConfigured struct{ System sources.System }

func (e ErrNotConfigured) Error() string {
	return fmt.Sprintf("%s is not configured or has not answered yet", e.System)
}

// All lists every view in tab order.
func All() []*View {
	return []*View{
		kafkaBrokers(), kafkaTopics(), kafkaGroups(),
		nsqNodes(), nsqTopics(), nsqChannels(),
		healthView(),
		kafkaPartitions(), nsqLookupds(), nsqInactive(),
		topicPage(), groupPage(), brokerPage(),
		nsqTopicPage(), nsqChannelPage(), nsqNodePage(),
	}
}

func num[T ~int | ~int32 | ~int64 | ~uint64](v T) string { return fmt.Sprint(v) }

func rate(r float64) string {
	if r < 0 {
		return "–"
	}
	if r >= 100 {
		return fmt.Sprintf("%.0f/s", r)
	}
	return fmt.Sprintf("%.1f/s", r)
}

func yes(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

func ids(xs []int32) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ",")
}
