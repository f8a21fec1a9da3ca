package sources

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseRange(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	pos := func(k PosKind, n int64) Position { return Position{Kind: k, N: n} }
	at := func(t time.Time) Position { return Position{Kind: PosTime, Time: t} }
	tests := []struct {
		in   string
		want Range
	}{
		{"oldest", Range{Start: pos(PosOldest, 0)}},
		{"beginning", Range{Start: pos(PosOldest, 0)}},
		{"start", Range{Start: pos(PosOldest, 0)}},
		{"newest", Range{Start: pos(PosNewest, 0)}},
		{"end", Range{Start: pos(PosNewest, 0)}},
		{"42", Range{Start: pos(PosOffset, 42)}},
		{"+5", Range{Start: pos(PosAfterStart, 5)}},
		{"-10", Range{Start: pos(PosBeforeEnd, 10)}},
		{"@-10m", Range{Start: at(now.Add(-10 * time.Minute))}},
		{"@-1d2h", Range{Start: at(now.Add(-26 * time.Hour))}},
		{"@1764158400", Range{Start: at(time.Unix(1764158400, 0))}},
		{"@1764158400123", Range{Start: at(time.UnixMilli(1764158400123))}},
		{"s@1764158400123", Range{Start: at(time.UnixMilli(1764158400123))}},
		{"@2026-11-26", Range{Start: at(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))}},
		{"@2026-11-26T10:30:00Z", Range{Start: at(time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC))}},
		{"@-1h:-30m", Range{Start: at(now.Add(-time.Hour)), End: at(now.Add(-30 * time.Minute)), HasEnd: true}},
		{"@-1h:@-30m", Range{Start: at(now.Add(-time.Hour)), End: at(now.Add(-30 * time.Minute)), HasEnd: true}},
		{"oldest:+100", Range{Start: pos(PosOldest, 0), End: pos(PosAfterStart, 100), HasEnd: true}},
		{"10:20", Range{Start: pos(PosOffset, 10), End: pos(PosOffset, 20), HasEnd: true}},
		{":newest", Range{Start: pos(PosOldest, 0), End: pos(PosNewest, 0), HasEnd: true}},
		{"-100:newest", Range{Start: pos(PosBeforeEnd, 100), End: pos(PosNewest, 0), HasEnd: true}},
		{"e@1764158400000", Range{Start: pos(PosOldest, 0), End: at(time.UnixMilli(1764158400000)), HasEnd: true}},
		{"@2026-11-26T10:00:00Z:@2026-11-26T11:00:00Z", Range{
			Start: at(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)),
			End:   at(time.Date(2026, 11, 26, 11, 0, 0, 0, time.UTC)), HasEnd: true}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRange(tc.in, now)
			if err != nil {
				t.Fatalf("ParseRange(%q): %v", tc.in, err)
			}
			if !got.Start.Time.Equal(tc.want.Start.Time) || !got.End.Time.Equal(tc.want.End.Time) {
				t.Fatalf("ParseRange(%q) times = %v, %v; want %v, %v", tc.in, got.Start.Time, got.End.Time, tc.want.Start.Time, tc.want.End.Time)
			}
			got.Start.Time, got.End.Time, tc.want.Start.Time, tc.want.End.Time = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if got != tc.want {
				t.Fatalf("ParseRange(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseRangeErrors(t *testing.T) {
	now := time.Now()
	tests := []struct{ in, want string }{
		{"", "empty start point"},
		{"stored", "consumer group"},
		{"soon", "is not a start point"},
		{"-10m", "a time needs @"},
		{"+x", "want a count after +"},
		{"@yesterday", "not a time"},
		{"@2026", "a Unix time has 10 digits"},
		{"@20261126", "for a date write 2026-11-26"},
		{"@-5x", "not a duration"},
		{"10:", "nothing after the colon"},
		{"10:oldest", "cannot end at the oldest"},
		{"-3", ""},
	}
	for _, tc := range tests {
		_, err := ParseRange(tc.in, now)
		if tc.want == "" {
			if err != nil {
				t.Errorf("ParseRange(%q): %v", tc.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseRange(%q) error = %v, want it to say %q", tc.in, err, tc.want)
		}
	}
}

func TestRangeRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, in := range []string{"oldest", "newest", "42", "+5", "-10", "oldest:+100", "10:20", "-100:newest", "@2026-11-26T10:00:00Z:@2026-11-26T11:00:00Z"} {
		r, err := ParseRange(in, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.String(); got != in {
			t.Errorf("ParseRange(%q).String() = %q", in, got)
		}
	}
}

func TestParsePartitions(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{"", "all", false},
		{"all", "all", false},
		{"3", "3", false},
		{"0,3-5", "0,3-5", false},
		{"5,0,1,2,2", "0-2,5", false},
		{"3-1", "", true},
		{"x", "", true},
		{"-1", "", true},
		{"0-99999999", "", true},
	}
	for _, tc := range tests {
		ps, err := ParsePartitions(tc.in)
		if tc.err {
			if err == nil {
				t.Errorf("ParsePartitions(%q) = %v, want an error", tc.in, ps)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParsePartitions(%q): %v", tc.in, err)
			continue
		}
		if got := FormatPartitions(ps); got != tc.want {
			t.Errorf("ParsePartitions(%q) = %v (%s), want %s", tc.in, ps, got, tc.want)
		}
	}
}

func TestPickSystem(t *testing.T) {
	only := func(ss ...System) func(System) bool {
		return func(s System) bool { return slices.Contains(ss, s) }
	}
	tests := []struct {
		words      []string
		configured func(System) bool
		prefer     System
		want       System
		rest       []string
		err        string
	}{
		{[]string{"orders"}, only(Kafka), "", Kafka, []string{"orders"}, ""},
		{[]string{"nsq", "events"}, only(Kafka, NSQ), Kafka, NSQ, []string{"events"}, ""},
		{[]string{"nsq", "orders"}, only(Kafka), "", "", nil, "nsq is not configured"},
		{[]string{"orders"}, only(Kafka, NSQ), "", "", nil, "name one, kafka or nsq"},
		{[]string{"orders"}, only(Kafka, NSQ), NSQ, NSQ, []string{"orders"}, ""},
		{[]string{"orders"}, only(NSQ), Kafka, NSQ, []string{"orders"}, ""},
		{[]string{"orders"}, only(), "", "", nil, "no cluster is configured"},
	}
	for _, tc := range tests {
		got, rest, err := PickSystem(tc.words, tc.configured, tc.prefer)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("PickSystem(%v) error %v, want %q", tc.words, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want || !slices.Equal(rest, tc.rest) {
			t.Errorf("PickSystem(%v) = %s %v %v, want %s %v", tc.words, got, rest, err, tc.want, tc.rest)
		}
	}
}

func TestParseResetTo(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		kind ResetKind
		n    int64
		at   time.Time
		err  string
	}{
		{"earliest", ResetEarliest, 0, time.Time{}, ""},
		{"oldest", ResetEarliest, 0, time.Time{}, ""},
		{"latest", ResetLatest, 0, time.Time{}, ""},
		{"42", ResetOffset, 42, time.Time{}, ""},
		{"+10", ResetShift, 10, time.Time{}, ""},
		{"-10", ResetShift, -10, time.Time{}, ""},
		{"@-1h", ResetTime, 0, now.Add(-time.Hour), ""},
		{"@2026-11-26", ResetTime, 0, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), ""},
		{"@1700000000000", ResetTime, 0, time.UnixMilli(1700000000000), ""},
		{"beginning", ResetEarliest, 0, time.Time{}, ""},
		{"end", ResetLatest, 0, time.Time{}, ""},
		{"-1h", "", 0, time.Time{}, "want earliest"},
		{"", "", 0, time.Time{}, "say where to"},
		{"soon", "", 0, time.Time{}, "want earliest"},
		{"@soon", "", 0, time.Time{}, "want @TIME"},
		{"@-1h:@-30m", "", 0, time.Time{}, "want @TIME"},
	}
	for _, tc := range tests {
		kind, n, at, err := ParseResetTo(tc.in, now)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseResetTo(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || kind != tc.kind || n != tc.n || !at.Equal(tc.at) {
			t.Errorf("ParseResetTo(%q) = %s %d %v %v", tc.in, kind, n, at, err)
		}
	}
}
