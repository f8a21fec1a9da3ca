package kafka

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
)

func TestStartAndEndOffsets(t *testing.T) {
	w := watermarks{low: 100, high: 200, startAt: 150, endAt: 170}
	pos := func(k sources.PosKind, n int64) sources.Position { return sources.Position{Kind: k, N: n} }
	for _, tc := range []struct {
		name       string
		start, end sources.Position
		w          watermarks
		wantStart  int64
		wantEnd    int64
	}{
		{"oldest:newest", pos(sources.PosOldest, 0), pos(sources.PosNewest, 0), w, 100, 200},
		{"newest:newest", pos(sources.PosNewest, 0), pos(sources.PosNewest, 0), w, 200, 200},
		{"N inside", pos(sources.PosOffset, 120), pos(sources.PosOffset, 130), w, 120, 130},
		{"N below the start", pos(sources.PosOffset, 5), pos(sources.PosOffset, 130), w, 100, 130},
		{"N past the end", pos(sources.PosOffset, 500), pos(sources.PosOffset, 900), w, 500, 900},
		{"+N", pos(sources.PosAfterStart, 10), pos(sources.PosAfterStart, 5), w, 110, 115},
		{"+N past the end", pos(sources.PosAfterStart, 1000), pos(sources.PosNewest, 0), w, 1100, 200},
		{"+N huge", pos(sources.PosAfterStart, math.MaxInt64), pos(sources.PosAfterStart, math.MaxInt64), w, math.MaxInt64, math.MaxInt64},
		{"-N", pos(sources.PosBeforeEnd, 10), pos(sources.PosBeforeEnd, 5), w, 190, 195},
		{"-N before the start", pos(sources.PosBeforeEnd, 1000), pos(sources.PosBeforeEnd, 1000), w, 100, -800},
		{"@TIME", pos(sources.PosTime, 0), pos(sources.PosTime, 0), w, 150, 170},
		{"@TIME none after", pos(sources.PosTime, 0), pos(sources.PosNewest, 0), watermarks{low: 100, high: 200, startAt: 200}, 200, 200},
		{"empty partition", pos(sources.PosBeforeEnd, 10), pos(sources.PosAfterStart, 10), watermarks{}, 0, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := startOffset(tc.start, tc.w)
			if start != tc.wantStart {
				t.Errorf("start %v = %d, want %d", tc.start, start, tc.wantStart)
			}
			if end := endOffset(tc.end, tc.w, start); end != tc.wantEnd {
				t.Errorf("end %v = %d, want %d", tc.end, end, tc.wantEnd)
			}
		})
	}
}

func TestSelectPartitions(t *testing.T) {
	all := []int32{0, 1, 2, 3, 4, 5}
	for _, tc := range []struct {
		want    []int32
		got     []int32
		wantErr string
	}{
		{nil, all, ""},
		{[]int32{2, 0, 2}, []int32{0, 2}, ""},
		{[]int32{9}, nil, "orders has 6 partitions (0-5); no partition 9"},
		{[]int32{1, 8, 9}, nil, "orders has 6 partitions (0-5); no partitions 8, 9"},
	} {
		got, err := selectPartitions("orders", all, tc.want)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("select %v: %v, want %q", tc.want, err, tc.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tc.got) {
			t.Errorf("select %v = %v (%v), want %v", tc.want, got, err, tc.got)
		}
	}
	if got := partitionCount("one", 1); got != "one has 1 partition (0)" {
		t.Errorf("partitionCount = %q", got)
	}
}

func TestDescribe(t *testing.T) {
	r := func(s string) sources.Range {
		rng, err := sources.ParseRange(s, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return rng
	}
	six := []partPlan{{0, 90, 100, 100}, {1, 95, 100, 100}, {2, 170, 180, 180}, {3, 100, 100, 100}, {4, 120, 130, 130}, {5, 100, 110, 110}}
	for _, tc := range []struct {
		parts []partPlan
		rng   string
		want  string
	}{
		{six, "-10:newest", "partitions 0-5 from -10 per partition to newest (offsets 90…180, at most 45 records), no consumer group, nothing committed"},
		{six[:1], "oldest", "partition 0 from oldest (from offset 90), no consumer group, nothing committed"},
		{[]partPlan{{0, 5, 0, 5}, {2, 7, 0, 7}}, "newest", "partitions 0,2 from newest (from offsets 5…7), no consumer group, nothing committed"},
		{six[3:4], "newest:newest", "partition 3 from newest to newest (nothing to read), no consumer group, nothing committed"},
		{six[:2], "@2026-11-26T10:00:00Z:+1", "partitions 0-1 from @2026-11-26T10:00:00Z to +1 (offsets 90…100, at most 15 records), no consumer group, nothing committed"},
	} {
		got := describe(tailPlan{topic: "orders", parts: tc.parts}, sources.TailSpec{Range: r(tc.rng)})
		if got != tc.want {
			t.Errorf("describe %s\n got %q\nwant %q", tc.rng, got, tc.want)
		}
		if strings.Contains(got, "\n") {
			t.Errorf("describe is more than one line: %q", got)
		}
	}
}

func TestDigits(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1048588: "1,048,588", -12345: "-12,345"} {
		if got := digits(n); got != want {
			t.Errorf("digits(%d) = %q, want %q", n, got, want)
		}
	}
}
