package records

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/records/recordstest"
)

// hostileRecords puts a hostile payload in every field a producer controls,
// as a Kafka record and as an NSQ one.
func hostileRecords(data []byte) map[string]*sources.Record {
	s := string(data)
	return map[string]*sources.Record{
		"kafka": {
			Topic: s, Partition: 1, Offset: 2, Timestamp: time.Now(),
			Key: data, Value: data,
			Headers: []sources.Header{{Key: s, Value: data}, {Key: "plain", Value: nil}},
		},
		"nsq": {
			Topic: s, Partition: -1, Offset: -1, Timestamp: time.Now(),
			Value: data, ID: s, Attempts: 2, Node: s,
		},
	}
}

// TestHostile runs every sample through every rendering path and checks that
// nothing that could act on a terminal comes out, and that lines fit.
func TestHostile(t *testing.T) {
	format, err := ParseFormat(`%t %p %o %k %s %S %K %h %T %i %a\n`)
	if err != nil {
		t.Fatal(err)
	}
	cols := Columns(sources.Kafka)
	for _, sample := range recordstest.Hostile() {
		for kind, r := range hostileRecords(sample.Data) {
			t.Run(sample.Name+"/"+kind, func(t *testing.T) {
				safe := func(what, out, allow string) {
					t.Helper()
					if i, c := recordstest.FindUnsafe(out, allow); i >= 0 {
						t.Fatalf("%s: %U at byte %d of %q", what, c, i, clip(out, i))
					}
				}
				f := Summarize(r, time.Now(), 200)
				for i, cell := range f.Cells() {
					safe("Summarize "+cols[i].Title, cell, "")
				}
				for _, total := range []int{20, 80} {
					widths := fitWidths(f, total)
					if row := lineOf(f, widths); ansi.StringWidth(row) > total {
						t.Fatalf("tail row %d wide in %d: %q", ansi.StringWidth(row), total, row)
					}
				}

				line := string(TextLine(nil, r, true))
				safe("TextLine", line, "\n")
				if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
					t.Fatalf("TextLine is not one line: %q", clip(line, 0))
				}

				out := string(format.Append(nil, r, true))
				safe("Format", out, "\n")
				if strings.Count(out, "\n") != 1 {
					t.Fatalf("Format broke the line: %q", clip(out, 0))
				}

				safe("AppendJSON", string(AppendJSON(nil, r)), "")

				for _, mode := range []Mode{Auto, JSON, Text, Hex} {
					for _, width := range []int{20, 80} {
						lines, used := Render(r.Value, mode, width)
						for _, l := range lines {
							safe("Render "+mode.String(), l, "")
							if used != Hex && ansi.StringWidth(l) > width {
								t.Fatalf("Render %v (used %v) at %d: line %d wide: %q", mode, used, width, ansi.StringWidth(l), clip(l, 0))
							}
						}
					}
				}
			})
		}
	}
}

// TestHostileRenderedAsHexFits: a hex line is 78 cells, whatever the bytes.
func TestHostileRenderedAsHexFits(t *testing.T) {
	for _, sample := range recordstest.Hostile() {
		lines, _ := Render(sample.Data, Hex, 80)
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > 78 || len(l) != w {
				t.Fatalf("%s: hex line of width %d (%d bytes): %q", sample.Name, w, len(l), l)
			}
		}
	}
}

// clip shows the part of a long output around byte i.
func clip(s string, i int) string {
	lo, hi := max(i-40, 0), min(i+40, len(s))
	return s[lo:hi]
}
