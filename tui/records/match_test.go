package records

import (
	"strings"
	"testing"

	"github.com/topicat/topicat/sources"
)

func TestMatcher(t *testing.T) {
	r := &sources.Record{
		Topic:   "orders", // not searched
		Key:     []byte("user-42"),
		Value:   []byte(`{"status":"SHIPPED","city":"Zürich","note":"ΣΊΣΥΦΟΣ"}`),
		Headers: []sources.Header{{Key: "Trace-Id", Value: []byte("abc123")}},
	}
	tests := []struct {
		expr string
		want bool
	}{
		{"", true},
		{"user", true},
		{"USER-42", true},
		{"shipped", true},
		{"sHiPpEd", true},
		{"zürich", true},
		{"ZÜRICH", true},
		{"σίσυφος", true},
		{"trace-id", true},
		{"ABC1", true},
		{"orders", false},
		{"delivered", false},
		{"user-43", false},
		{"~^user-\\d+$", true},
		{"~^SHIPPED$", false},
		{"~(?i)shipped", true},
		{"~shipped", false},
		{"~^abc", true},
		{"~^Trace", true},
		{"~", true},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			m, err := NewMatcher(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Match(r); got != tc.want {
				t.Fatalf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMatcherEdges(t *testing.T) {
	tests := []struct {
		name, expr string
		r          sources.Record
		want       bool
	}{
		{"nil key and value", "x", sources.Record{}, false},
		{"needle longer than text", "abcdef", sources.Record{Value: []byte("abc")}, false},
		{"needle at the very end", "xyz", sources.Record{Value: []byte("abcXYZ")}, true},
		{"non-letters are not folded", "[", sources.Record{Value: []byte("{")}, false},
		{"kelvin sign on the unicode path", "ǆk", sources.Record{Value: []byte("ǅ\u212a")}, true},
		{"invalid utf8 in text", "é", sources.Record{Value: []byte("\xff\xc3\xa9")}, true},
		{"invalid utf8 never matches U+FFFD", "\ufffd", sources.Record{Value: []byte("\xff")}, false},
		{"header value", "needle", sources.Record{Headers: []sources.Header{{Key: "a"}, {Key: "b", Value: []byte("NEEDLE")}}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMatcher(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Match(&tc.r); got != tc.want {
				t.Fatalf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMatcherBadRegex(t *testing.T) {
	_, err := NewMatcher("~(a\nb")
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "invalid regex") || !strings.Contains(msg, "missing closing )") {
		t.Fatalf("error %q: want one line saying the regex is invalid and why", msg)
	}
}

func TestMatcherPlainDoesNotAllocate(t *testing.T) {
	r := &sources.Record{Key: []byte("key-1"), Value: []byte(strings.Repeat("lorem ipsum ", 8)), Headers: []sources.Header{{Key: "h", Value: []byte("v")}}}
	for _, expr := range []string{"IPSUMX", "zürich"} {
		m, _ := NewMatcher(expr)
		if n := testing.AllocsPerRun(100, func() { m.Match(r) }); n != 0 {
			t.Errorf("Match(%q) allocated %v times per record", expr, n)
		}
	}
}
