package records

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/views"
)

var zone = time.FixedZone("CET", 3600)

func kafkaRecord() sources.Record {
	return sources.Record{
		Topic: "orders", Partition: 2, Offset: 90,
		Timestamp: time.Date(2026, 3, 1, 9, 30, 5, 123_456_789, time.UTC),
		Key:       []byte("user-42"),
		Value:     []byte(`{"id":1,"note":"hello"}`),
		Headers:   []sources.Header{{Key: "trace", Value: []byte("t1")}, {Key: "src", Value: []byte("web")}},
	}
}

func nsqRecord() sources.Record {
	return sources.Record{
		Topic: "events", Partition: -1, Offset: -1,
		Timestamp: time.Date(2026, 3, 1, 9, 30, 5, 0, time.UTC),
		Value:     []byte("payload"),
		ID:        "0b1c2d3e4f5a6b7c", Attempts: 3, Node: "10.0.0.5:4150",
	}
}

func TestSummarize(t *testing.T) {
	now := time.Date(2026, 3, 1, 18, 0, 0, 0, zone)
	tests := []struct {
		name    string
		r       func(*sources.Record)
		nsq     bool
		preview int
		want    Fields
	}{
		{"kafka today", nil, false, 64, Fields{"10:30:05.123", "2@90", "user-42", "⚑2", "43B", `{"id":1,"note":"hello"}`}},
		{"nsq", nil, true, 64, Fields{"10:30:05.000", "#3 0b1c2d3e4f5a6b7c", "", "", "7B", "payload"}},
		{"other day", func(r *sources.Record) { r.Timestamp = r.Timestamp.AddDate(0, 0, -1) }, false, 64,
			Fields{"02-28 10:30:05", "2@90", "user-42", "⚑2", "43B", `{"id":1,"note":"hello"}`}},
		{"day is now's, in now's zone", func(r *sources.Record) { r.Timestamp = time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC) }, false, 64,
			Fields{"00:30:00.000", "2@90", "user-42", "⚑2", "43B", `{"id":1,"note":"hello"}`}},
		{"no timestamp, nil key, no headers", func(r *sources.Record) { r.Timestamp, r.Key, r.Headers = time.Time{}, nil, nil }, false, 64,
			Fields{"", "2@90", "", "", "23B", `{"id":1,"note":"hello"}`}},
		{"value cut", nil, false, 8, Fields{"10:30:05.123", "2@90", "user-42", "⚑2", "43B", `{"id":1,…`}},
		{"newlines escaped", func(r *sources.Record) { r.Value = []byte("a\nb\tc") }, false, 64,
			Fields{"10:30:05.123", "2@90", "user-42", "⚑2", "25B", `a\nb\tc`}},
		{"cut inside a rune backs off", func(r *sources.Record) { r.Value = []byte("ab日本") }, false, 4,
			Fields{"10:30:05.123", "2@90", "user…", "⚑2", "28B", "ab…"}},
		{"cut inside invalid bytes keeps them visible", func(r *sources.Record) { r.Value = []byte("ab\xe6\x97xyz") }, false, 4,
			Fields{"10:30:05.123", "2@90", "user…", "⚑2", "27B", `ab\xe6\x97…`}},
		{"hostile key", func(r *sources.Record) { r.Key = []byte("\x1b]0;x\x07") }, false, 64,
			Fields{"10:30:05.123", "2@90", `\x1b]0;x\x07`, "⚑2", "42B", `{"id":1,"note":"hello"}`}},
		{"big", func(r *sources.Record) { r.Value = make([]byte, 3_500_000); r.Headers = nil; r.Key = nil }, false, 4,
			Fields{"10:30:05.123", "2@90", "", "", "3.3M", `\x00\x00\x00\x00…`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := kafkaRecord()
			if tc.nsq {
				r = nsqRecord()
			}
			if tc.r != nil {
				tc.r(&r)
			}
			if got := Summarize(&r, now, tc.preview); got != tc.want {
				t.Fatalf("Summarize =\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}

func TestColumnsFitFields(t *testing.T) {
	cols := Columns(sources.Kafka)
	f := Summarize(new(kafkaRecord()), time.Now(), 200)
	if Columns(sources.NSQ)[1].Title != "#TRY ID" || cols[1].Title != "P@OFFSET" {
		t.Errorf("WHERE titles: %q, %q", cols[1].Title, Columns(sources.NSQ)[1].Title)
	}
	if len(f.Cells()) != len(cols) {
		t.Fatalf("%d cells for %d columns", len(f.Cells()), len(cols))
	}
	table := views.Table{Columns: cols, Rows: []views.Row{{Cells: f.Cells()}}}
	for _, total := range []int{40, 80, 200} {
		widths := views.Fit(cols, views.NaturalWidths(table), total)
		line := views.Line(f.Cells(), cols, widths)
		if w := ansi.StringWidth(line); w > total {
			t.Errorf("row is %d wide in %d: %q", w, total, line)
		}
	}
}

func TestHumanBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0B"}, {120, "120B"}, {1023, "1023B"}, {1024, "1.0K"}, {1230, "1.2K"}, {10188, "9.9K"},
		{10189, "10K"}, {34 * 1024, "34K"}, {1024*1024 - 1, "1.0M"}, {3_565_158, "3.4M"}, {512 << 20, "512M"}, {3 << 30, "3.0G"},
	} {
		if got := HumanBytes(tc.n); got != tc.want {
			t.Errorf("human(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestCutPoint(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want int
	}{
		{"abc", 0, 3}, {"abc", 2, 2}, {"abc", 5, 3},
		{"日本", 1, 0}, {"日本", 2, 0}, {"日本", 3, 3}, {"日本", 4, 3},
		{"a😀b", 3, 1}, {"a😀b", 5, 5},
		{"a\xe6\x97xy", 2, 2}, {"a\xe6\x97xy", 3, 3}, // broken rune: cut where it falls
		{"\x80\x80\x80\x80\x80", 3, 3},
	} {
		if got := cutPoint([]byte(tc.in), tc.n); got != tc.want {
			t.Errorf("cutPoint(%q, %d) = %d, want %d", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestRFC3339Milli(t *testing.T) {
	for _, ts := range []time.Time{
		time.Date(2026, 3, 1, 9, 30, 5, 123_999_999, zone),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.UnixMilli(-1),
		time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		want := ts.UTC().Format("2006-01-02T15:04:05.000Z07:00")
		if got := string(appendRFC3339Milli(nil, ts)); got != want {
			t.Errorf("appendRFC3339Milli(%v) = %q, want %q", ts, got, want)
		}
	}
}

func TestTextLine(t *testing.T) {
	hostile := kafkaRecord()
	hostile.Key = []byte("k\x1b[2J")
	hostile.Value = []byte("line1\nline2\u202e\x9b")
	empty := kafkaRecord()
	empty.Key, empty.Headers, empty.Value = nil, nil, nil
	tests := []struct {
		name     string
		r        sources.Record
		sanitize bool
		want     string
	}{
		{"kafka", kafkaRecord(), true, `2026-03-01T09:30:05.123Z  2@90  user-42  ⚑2  43B  {"id":1,"note":"hello"}` + "\n"},
		{"nsq", nsqRecord(), false, "2026-03-01T09:30:05.000Z  #3 0b1c2d3e4f5a6b7c  -  -  7B  payload\n"},
		{"no key, no headers, no value", empty, true, "2026-03-01T09:30:05.123Z  2@90  -  -  0B  \n"},
		{"sanitized for a terminal", hostile, true, `2026-03-01T09:30:05.123Z  2@90  k\x1b[2J  ⚑2  33B  line1\nline2\u202e\x9b` + "\n"},
		{"raw for a pipe", hostile, false, "2026-03-01T09:30:05.123Z  2@90  k\x1b[2J  ⚑2  33B  line1\nline2\u202e\x9b\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(TextLine(nil, &tc.r, tc.sanitize)); got != tc.want {
				t.Fatalf("TextLine =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestTextLineWholeValue(t *testing.T) {
	r := kafkaRecord()
	r.Value = []byte(strings.Repeat("x", 100_000))
	if got := TextLine(nil, &r, true); !strings.HasSuffix(string(got), strings.Repeat("x", 100_000)+"\n") {
		t.Fatal("TextLine cut the value")
	}
}

func fitWidths(f Fields, total int) []int {
	cols := Columns(sources.Kafka)
	table := views.Table{Columns: cols, Rows: []views.Row{{Cells: f.Cells()}}}
	return views.Fit(cols, views.NaturalWidths(table), total)
}

func lineOf(f Fields, widths []int) string {
	return views.Line(f.Cells(), Columns(sources.Kafka), widths)
}
