package kafka

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
)

// at is the instant d after the start of a history.
func at(d time.Duration) instant { return instant(d) }

// readings makes one reading per poll, every 2s from the start: committed
// and end offsets in pairs.
func readings(pairs ...[2]int64) []pollObs {
	out := make([]pollObs, len(pairs))
	for i, p := range pairs {
		out[i] = pollObs{seq: uint64(i + 1), at: at(time.Duration(i) * 2 * time.Second), committed: p[0], end: p[1]}
	}
	return out
}

// steps makes n readings: committed and end start at c0 and e0 and grow by
// dc and de per poll.
func steps(n int, c0, dc, e0, de int64) []pollObs {
	pairs := make([][2]int64, n)
	for i := range pairs {
		pairs[i] = [2]int64{c0 + int64(i)*dc, e0 + int64(i)*de}
	}
	return readings(pairs...)
}

// commitsOf are the readings at which the committed offset moved, as the
// history records them.
func commitsOf(polls []pollObs) []commitObs {
	var out []commitObs
	for i := 1; i < len(polls); i++ {
		if polls[i].committed != polls[i-1].committed {
			out = append(out, commitObs{at: polls[i].at, lag: polls[i].lag()})
		}
	}
	if len(out) > historyLen {
		out = out[len(out)-historyLen:]
	}
	return out
}

func TestJudgePartition(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    partView
		want sources.GroupStatus
	}{
		{"no readings", partView{}, sources.StatusUnknown},
		{"one reading with lag: too few polls", partView{polls: readings([2]int64{5, 10})}, sources.StatusUnknown},
		{"caught up once in the window", partView{polls: readings([2]int64{5, 10}, [2]int64{10, 10}, [2]int64{10, 30})}, sources.StatusOK},
		{"keeps up: lag zero at every poll", partView{polls: steps(historyLen, 0, 5, 0, 5)}, sources.StatusOK},
		{"the committed offset went back", partView{polls: steps(3, 10, 1, 20, 1), rewound: true}, sources.StatusRewind},
		{"quiet partition with lag, nobody committing: never STOP (Burrow #38)",
			partView{polls: steps(historyLen, 5, 0, 50, 0)}, sources.StatusOK},
		{"quiet partition with lag, a member holding it: never STALL",
			partView{polls: steps(historyLen, 5, 0, 50, 0), held: true}, sources.StatusOK},
		{"stuck, data arriving, a member holds it: STALL",
			partView{polls: steps(historyLen, 5, 0, 50, 3), held: true}, sources.StatusStall},
		{"stuck, data arriving, no member: STOP",
			partView{polls: steps(historyLen, 5, 0, 50, 3)}, sources.StatusStop},
		{"not moving while its holder moves others: waiting its turn",
			partView{polls: steps(historyLen, 5, 0, 50, 3), held: true, progressing: true}, sources.StatusOK},
		{"not moving while the group (no assignment) moves others: waiting its turn",
			partView{polls: steps(historyLen, 5, 0, 50, 3), progressing: true}, sources.StatusOK},
		{"stuck, but not for a whole window yet",
			partView{polls: steps(historyLen-1, 5, 0, 50, 3)}, sources.StatusUnknown},
		{"a slow committer within its rhythm: quiet for less than its last commits took",
			partView{polls: steps(historyLen, 5, 0, 50, 3), held: true, now: at(18 * time.Second),
				commits: []commitObs{{at: at(-60 * time.Second), lag: 4}, {at: at(-30 * time.Second), lag: 3}, {at: at(0), lag: 5}}},
			sources.StatusOK},
		{"a slow committer quiet for longer than its last commits took: STALL",
			partView{polls: steps(historyLen, 5, 0, 50, 3), held: true, now: at(18 * time.Second),
				commits: []commitObs{{at: at(-10 * time.Second), lag: 4}, {at: at(-5 * time.Second), lag: 3}, {at: at(0), lag: 5}}},
			sources.StatusStall},
		{"falling behind steadily over a full window of commits: WARN",
			func() partView {
				p := steps(historyLen+1, 0, 5, 10, 8)
				return partView{polls: p[1:], commits: commitsOf(p)}
			}(), sources.StatusWarn},
		{"falling behind, but fewer commits than a window: no accusation yet",
			func() partView { p := steps(historyLen, 0, 5, 10, 8); return partView{polls: p, commits: commitsOf(p)} }(), sources.StatusOK},
		{"a constant lag is no trend",
			func() partView {
				p := steps(historyLen+1, 0, 5, 10, 5)
				return partView{polls: p[1:], commits: commitsOf(p)}
			}(), sources.StatusOK},
		{"lag dips once in the window: not WARN",
			func() partView {
				p := steps(historyLen+1, 0, 5, 10, 8)
				p[5].committed += 4 // a burst of consumption
				return partView{polls: p[1:], commits: commitsOf(p)}
			}(), sources.StatusOK},
		{"readings whose end is unknown (leader down) say nothing",
			partView{polls: []pollObs{{seq: 1, at: at(0), committed: 5, end: -1}}}, sources.StatusUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.v.now == 0 && len(tc.v.polls) > 0 {
				tc.v.now = tc.v.polls[len(tc.v.polls)-1].at
			}
			if got := judgePartition(tc.v); got != tc.want {
				t.Errorf("status = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestJudgeGroupTrend(t *testing.T) {
	growing := []int64{10, 12, 15, 15, 20, 25, 26, 30, 31, 40}
	for _, tc := range []struct {
		name             string
		lags, commitLags []int64
		want             sources.GroupStatus
	}{
		{"nothing read", nil, nil, sources.StatusUnknown},
		{"zero lag at a poll of the window", []int64{5, 0, 7}, growing, sources.StatusOK},
		{"growing at every commit of a full window", []int64{31, 40}, growing, sources.StatusWarn},
		{"growing, but fewer commits than a window", []int64{31, 40}, growing[1:], sources.StatusUnknown},
		{"dips once", []int64{31, 40}, []int64{10, 12, 15, 14, 20, 25, 26, 30, 31, 40}, sources.StatusUnknown},
		{"a steady lag that steps up once", []int64{5, 10}, []int64{5, 5, 5, 5, 5, 5, 5, 5, 5, 10}, sources.StatusUnknown},
		{"rises at half of the commits", []int64{5, 10}, []int64{5, 6, 6, 7, 7, 8, 8, 9, 9, 10}, sources.StatusWarn},
		{"a gap (-1) in the commits: no accusation", []int64{31, 40}, []int64{10, 12, 15, -1, 20, 25, 26, 30, 31, 40}, sources.StatusUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := judgeGroupTrend(tc.lags, tc.commitLags); got != tc.want {
				t.Errorf("trend = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWorse(t *testing.T) {
	order := []sources.GroupStatus{sources.StatusUnknown, sources.StatusOK, sources.StatusWarn, sources.StatusRewind, sources.StatusStall, sources.StatusStop}
	for i, a := range order {
		for j, b := range order {
			want := order[max(i, j)]
			if got := worse(a, b); got != want {
				t.Errorf("worse(%q, %q) = %q, want %q", a, b, got, want)
			}
		}
	}
}

func TestCatchUp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lag   int64
		parts [][]pollObs
		want  time.Duration
	}{
		{"no lag", 0, nil, 0},
		{"lag unknown", -1, [][]pollObs{steps(3, 0, 10, 100, 5)}, sources.CatchUpUnknown},
		{"one poll: unknown", 100, [][]pollObs{steps(1, 0, 10, 100, 5)}, sources.CatchUpUnknown},
		// 10 per 2s consumed, 5 per 2s produced: 2.5/s net; 100 left: 40s.
		{"catching up", 100, [][]pollObs{steps(3, 0, 10, 100, 5)}, 40 * time.Second},
		{"two partitions add up", 100, [][]pollObs{steps(3, 0, 10, 100, 5), steps(3, 0, 10, 100, 5)}, 20 * time.Second},
		{"falling behind", 100, [][]pollObs{steps(3, 0, 5, 100, 10)}, sources.CatchUpNever},
		{"keeping pace with a steady lag: nothing to estimate", 100, [][]pollObs{steps(3, 0, 5, 100, 5)}, sources.CatchUpUnknown},
		{"barely faster: a long time, not an overflow", 1 << 40, [][]pollObs{{
			{at: at(0), committed: 0, end: 100},
			{at: at(1000 * time.Hour), committed: 101, end: 200},
		}}, time.Duration(math.MaxInt64)},
		{"readings without the end are skipped", 100, [][]pollObs{{
			{at: at(0), committed: 0, end: 100},
			{at: at(2 * time.Second), committed: 10, end: -1},
			{at: at(4 * time.Second), committed: 20, end: 110},
		}}, 40 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r rates
			for _, p := range tc.parts {
				r.add(p)
			}
			if got := r.catchUp(tc.lag); got != tc.want {
				t.Errorf("catch-up = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRing(t *testing.T) {
	var r ring[int]
	if r.len() != 0 || r.appendTo(nil) != nil {
		t.Fatal("empty ring not empty")
	}
	for i := range historyLen + 3 {
		r.push(i)
	}
	want := []int{3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	if got := r.appendTo(nil); !slices.Equal(got, want) || r.len() != historyLen || r.last() != 12 || r.at(0) != 3 {
		t.Errorf("ring = %v (len %d, last %d), want %v", got, r.len(), r.last(), want)
	}
}

func TestPartHistory(t *testing.T) {
	var ph partHist
	var buf [historyLen]pollObs
	var cbuf [historyLen]commitObs
	// Committed 0, 5, 5, 3 (back), 8; ends 10 more each poll.
	for i, c := range []int64{0, 5, 5, 3, 8} {
		moved := ph.observe(pollObs{seq: uint64(i + 1), at: at(time.Duration(i) * time.Second), committed: c, end: int64(10 * (i + 1))})
		if want := i > 0 && c != []int64{0, 5, 5, 3, 8}[i-1]; moved != want {
			t.Errorf("poll %d: moved = %v, want %v", i+1, moved, want)
		}
	}
	v := ph.view(5, at(4*time.Second), false, false, &buf, &cbuf)
	if len(v.polls) != 5 || len(v.commits) != 3 || !v.rewound || !ph.movedWithin(5) {
		t.Errorf("view = %+v", v)
	}
	if ph.movedWithin(5 + historyLen) {
		t.Error("moved within a window that begins after its last move")
	}
	// The rewind leaves the window after historyLen polls.
	if v := ph.view(4+historyLen, at(0), false, false, &buf, &cbuf); v.rewound || len(v.polls) != 1 {
		t.Errorf("view a window later = %+v", v)
	}
}

func TestSteadied(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   time.Duration
		lags []int64
		want time.Duration
	}{
		{"batches that drain to zero", sources.CatchUpNever, []int64{35, 0, 30, 0, 20, 0, 40, 2, 35, 20}, sources.CatchUpSteady},
		{"a sawtooth that holds", sources.CatchUpNever, []int64{30, 5, 32, 6, 28, 4, 33, 5, 30, 6}, sources.CatchUpSteady},
		{"a sawtooth ending high", sources.CatchUpNever, []int64{2, 30, 3, 31, 2, 30, 4, 29, 3, 30}, sources.CatchUpSteady},
		{"a sawtooth that climbs", sources.CatchUpNever, []int64{100, 130, 150, 180, 200, 230, 250, 280, 300, 330}, sources.CatchUpNever},
		{"a large lag that keeps growing", sources.CatchUpUnknown, []int64{900, 870, 950, 940, 1000, 980, 1040, 1030, 1103, 1090}, sources.CatchUpUnknown},
		{"growing", sources.CatchUpNever, []int64{600, 650, 700, 760, 810, 870, 920, 980, 1030, 1095}, sources.CatchUpNever},
		{"too few polls", sources.CatchUpUnknown, []int64{5, 0}, sources.CatchUpUnknown},
		{"an estimate stays", 4 * time.Second, []int64{35, 0, 30}, 4 * time.Second},
	} {
		if got := steadied(tc.in, tc.lags); got != tc.want {
			t.Errorf("%s: steadied = %v, want %v", tc.name, got, tc.want)
		}
	}
}
