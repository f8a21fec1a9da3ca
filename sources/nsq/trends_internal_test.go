package nsq

import (
	"slices"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
)

// pollTimes are n polls a second apart.
func pollTimes(n int) []time.Time {
	t0 := time.Unix(1000, 0)
	out := make([]time.Time, n)
	for i := range out {
		out[i] = t0.Add(time.Duration(i) * time.Second)
	}
	return out
}

func TestClimbing(t *testing.T) {
	cases := []struct {
		depths []int64
		want   bool
	}{
		{[]int64{1, 2, 3, 4}, true},
		{[]int64{9, 1, 2, 3, 4}, true}, // the last three steps count
		{[]int64{1, 2, 3}, false},      // too few polls
		{[]int64{1, 2, 2, 3}, false},   // held once
		{[]int64{4, 3, 2, 1}, false},
		{[]int64{-1, 1, 2, 3}, false}, // a step from unknown is no rise
		{[]int64{1, 2, -1, 3}, false},
	}
	for _, tc := range cases {
		if got := climbing(tc.depths); got != tc.want {
			t.Errorf("climbing(%v) = %v, want %v", tc.depths, got, tc.want)
		}
	}
}

func TestDrainTime(t *testing.T) {
	cases := []struct {
		name   string
		depths []int64
		want   time.Duration
	}{
		{"empty", []int64{5, 3, 0}, 0},
		{"too few polls", []int64{30, 20, 10}, sources.CatchUpUnknown},
		{"unknowns do not count", []int64{-1, 40, -1, 30, 20}, sources.CatchUpUnknown},
		{"now unknown (partial)", []int64{40, 30, 20, 10, -1}, sources.CatchUpUnknown},
		{"draining 20/s", []int64{100, 80, 60, 40}, 2 * time.Second},
		{"draining slowly", []int64{1000, 990, 980, 970, 960}, 96 * time.Second},
		{"growing", []int64{10, 20, 30, 40}, sources.CatchUpNever},
		{"keeps pace, batches", []int64{50, 60, 50, 60, 50, 60}, sources.CatchUpSteady},
		{"swings without draining", []int64{100, 40, 100, 40, 100, 40}, sources.CatchUpSteady},
		{"emptied at a poll", []int64{100, 50, 0, 100, 50}, sources.CatchUpSteady},
		{"growing from empty", []int64{0, 10, 30, 50, 80}, sources.CatchUpNever},
		{"batches from empty", []int64{0, 100, 0, 100}, sources.CatchUpSteady},
		{"holds", []int64{7, 7, 7, 7}, sources.CatchUpSteady},
		// Averaged over the window: long while a consumer has just started (20 ÷ 16/s).
		{"consumer started late", []int64{100, 100, 100, 100, 60, 20}, 1250 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := drainTime(tc.depths, pollTimes(len(tc.depths))); got != tc.want {
				t.Errorf("drainTime(%v) = %v, want %v", tc.depths, got, tc.want)
			}
		})
	}
}

// addTrends keeps at most trendLen polls, records a partial figure as
// unknown, and leaves the previous snapshot's slices as they were.
func TestAddTrends(t *testing.T) {
	var prev *sources.NSQSnapshot
	var times []time.Time
	t0 := time.Unix(1000, 0)
	for i := range trendLen + 3 {
		now := t0.Add(time.Duration(i) * time.Second)
		times = pushTime(times, now)
		c := sources.NSQChannel{Topic: "t", Name: "c", Depth: int64(10 * (i + 1)), Out: float64(i)}
		topic := sources.NSQTopic{Name: "t", Depth: int64(i), In: float64(i), Channels: []sources.NSQChannel{c}}
		if i == trendLen+1 {
			topic.Partial, topic.Channels[0].Partial = true, true
		}
		topics := []sources.NSQTopic{topic}
		addTrends(prev, topics, times)
		// The topic's depth rises at every poll: climbing from the fourth
		// until the partial poll breaks the run.
		if want := i >= climbSteps && i <= trendLen; topics[0].Climbing != want {
			t.Errorf("poll %d: topic climbing %v, want %v (depths %v)", i, topics[0].Climbing, want, topics[0].Depths)
		}
		var before []int64
		if prev != nil {
			before = slices.Clone(prev.Topics[0].Channels[0].Depths)
		}
		snap := &sources.NSQSnapshot{Topics: topics}
		snap.Taken = now
		if prev != nil && !slices.Equal(prev.Topics[0].Channels[0].Depths, before) {
			t.Fatalf("poll %d changed the previous snapshot's depths", i)
		}
		prev = snap
	}
	got := prev.Topics[0]
	if len(times) != trendLen || len(got.Ins) != trendLen || len(got.Depths) != trendLen || len(got.Channels[0].Outs) != trendLen {
		t.Fatalf("lengths: times %d ins %d depths %d outs %d, want %d", len(times), len(got.Ins), len(got.Depths), len(got.Channels[0].Outs), trendLen)
	}
	c := got.Channels[0]
	wantDepths := []int64{40, 50, 60, 70, 80, 90, 100, 110, -1, 130}
	if !slices.Equal(c.Depths, wantDepths) || got.Ins[trendLen-2] != -1 || got.Ins[trendLen-1] != float64(trendLen+2) {
		t.Errorf("depths %v ins %v, want %v and the partial poll unknown", c.Depths, got.Ins, wantDepths)
	}
	// The unknown poll breaks the climb; growth since makes it never drain.
	if c.Climbing || c.Drain != sources.CatchUpNever {
		t.Errorf("climbing %v drain %v", c.Climbing, c.Drain)
	}
}

// A topic's Climbing is judged from its own depths, as a channel's is from
// its: a topic can climb while its channels drain, and the reverse.
func TestAddTrendsClimbing(t *testing.T) {
	cases := []struct {
		name                   string
		topic, channel         []int64 // depths poll by poll; -1 a partial poll
		wantTopic, wantChannel bool
	}{
		{"both climb", []int64{1, 2, 3, 4}, []int64{10, 20, 30, 40}, true, true},
		{"the topic climbs, its channel drains", []int64{1, 2, 3, 4}, []int64{40, 30, 20, 10}, true, false},
		{"the channel climbs, its topic holds", []int64{0, 0, 0, 0}, []int64{1, 2, 3, 4}, false, true},
		{"too few polls", []int64{1, 2, 3}, []int64{1, 2, 3}, false, false},
		{"a partial poll breaks the run", []int64{1, 2, -1, 4, 5}, []int64{1, 2, -1, 4, 5}, false, false},
		{"the run resumes after it", []int64{1, -1, 3, 4, 5, 6}, []int64{1, -1, 3, 4, 5, 6}, true, true},
		{"held once", []int64{1, 2, 2, 3, 4}, []int64{1, 2, 2, 3, 4}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var prev *sources.NSQSnapshot
			var times []time.Time
			var topics []sources.NSQTopic
			for i, depth := range tc.topic {
				times = pushTime(times, time.Unix(1000+int64(i), 0))
				topic := sources.NSQTopic{Name: "t", Depth: depth, Partial: depth < 0,
					Channels: []sources.NSQChannel{{Topic: "t", Name: "c", Depth: tc.channel[i], Partial: tc.channel[i] < 0}}}
				topics = []sources.NSQTopic{topic}
				addTrends(prev, topics, times)
				prev = &sources.NSQSnapshot{Topics: topics}
			}
			if got := topics[0].Climbing; got != tc.wantTopic {
				t.Errorf("topic climbing %v, want %v (depths %v)", got, tc.wantTopic, topics[0].Depths)
			}
			if got := topics[0].Channels[0].Climbing; got != tc.wantChannel {
				t.Errorf("channel climbing %v, want %v (depths %v)", got, tc.wantChannel, topics[0].Channels[0].Depths)
			}
		})
	}
}
