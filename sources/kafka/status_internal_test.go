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
			out = append(out, commitObs{at: polls[i].at, lag: lagOf(polls[i].committed, polls[i].end)})
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
		// 0.1 + 0.2 consumed and 0.3 produced per second: float sums differ
		// by a rounding residue; whole messages (1 + 2 − 3) do not.
		{"keeping pace over partitions consumed unevenly", 100, [][]pollObs{
			{{at: at(0), committed: 0, end: 100}, {at: at(10 * time.Second), committed: 1, end: 100}},
			{{at: at(0), committed: 0, end: 100}, {at: at(10 * time.Second), committed: 2, end: 100}},
			{{at: at(0), committed: 0, end: 100}, {at: at(10 * time.Second), committed: 0, end: 103}},
		}, sources.CatchUpUnknown},
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
	const window = 18 * time.Second // the rates' measure: ten polls 2s apart
	for _, tc := range []struct {
		name  string
		in    time.Duration
		lags  []int64
		slack int64
		want  time.Duration
	}{
		{"batches that drain to zero", sources.CatchUpNever, []int64{35, 0, 30, 0, 20, 0, 40, 2, 35, 20}, 0, sources.CatchUpSteady},
		{"a sawtooth that holds", sources.CatchUpNever, []int64{30, 5, 32, 6, 28, 4, 33, 5, 30, 6}, 0, sources.CatchUpSteady},
		{"a sawtooth ending high", sources.CatchUpNever, []int64{2, 30, 3, 31, 2, 30, 4, 29, 3, 30}, 0, sources.CatchUpSteady},
		{"a sawtooth that climbs", sources.CatchUpNever, []int64{100, 130, 150, 180, 200, 230, 250, 280, 300, 330}, 0, sources.CatchUpNever},
		{"a large lag that keeps growing", sources.CatchUpUnknown, []int64{900, 870, 950, 940, 1000, 980, 1040, 1030, 1103, 1090}, 0, sources.CatchUpUnknown},
		{"growing", sources.CatchUpNever, []int64{600, 650, 700, 760, 810, 870, 920, 980, 1030, 1095}, 0, sources.CatchUpNever},
		{"too few polls", sources.CatchUpUnknown, []int64{5, 0}, 0, sources.CatchUpUnknown},
		{"an estimate within the window stays", 4 * time.Second, []int64{35, 0, 30}, 0, 4 * time.Second},
		{"an estimate within the window stays, whatever the lags", 4 * time.Second, []int64{30, 31, 30, 31, 30, 31}, 0, 4 * time.Second},
		{"a long estimate on a lag that holds: keeps pace", 400 * 24 * time.Hour, []int64{1000, 1003, 999, 1002, 1000, 1001, 999, 1002, 1000, 999}, 0, sources.CatchUpSteady},
		{"a centuries estimate on a sawtooth that holds: keeps pace", time.Duration(math.MaxInt64), []int64{30, 5, 32, 6, 28, 4, 33, 5, 30, 6}, 0, sources.CatchUpSteady},
		{"a long estimate on a lag that falls: it stays", time.Hour, []int64{9000, 8800, 8600, 8400, 8200, 8000, 7800, 7600, 7400, 7200}, 0, time.Hour},
		{"a long estimate, too few polls to judge: it stays", time.Hour, []int64{9000, 9000}, 0, time.Hour},
		{"a small lag up by less than a poll brings: keeps pace", sources.CatchUpNever, []int64{3, 3, 3, 5, 5, 5, 5, 5, 5, 5}, 20, sources.CatchUpSteady},
		{"the same rise where a poll brings one message: never", sources.CatchUpNever, []int64{3, 3, 3, 5, 5, 5, 5, 5, 5, 5}, 1, sources.CatchUpNever},
		{"growing by more than a poll brings: never", sources.CatchUpNever, []int64{600, 650, 700, 760, 810, 870, 920, 980, 1030, 1095}, 40, sources.CatchUpNever},
	} {
		if got := steadied(tc.in, tc.lags, window, tc.slack); got != tc.want {
			t.Errorf("%s: steadied = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestCatchUpKeepsPace: a group that consumes exactly what is produced,
// poll after poll, keeps pace: it never gets an estimate, let alone one in
// centuries, whatever the spread of the work over its partitions and the
// poll intervals. The polls go through the source's own group building.
func TestCatchUpKeepsPace(t *testing.T) {
	// jitter makes poll intervals irregular (but repeatable): 2s ± up to 0.5s.
	jitter := func(i int) time.Duration {
		return 2*time.Second + time.Duration((i*7919)%1000-500)*time.Millisecond
	}
	for _, tc := range []struct {
		name string
		// produced is how many messages each partition gets at poll i.
		produced func(i, p int) int64
		// consume takes a poll's total from the partitions' lags.
		consume func(i int, lags []int64, total int64) []int64
	}{
		{
			"each partition consumed as produced",
			func(_, p int) int64 { return int64(3 + 4*p) },
			func(_ int, _ []int64, _ int64) []int64 { return nil }, // nil: as produced
		},
		{
			"partitions drained in turn",
			func(_, p int) int64 { return int64(3 + 4*p) },
			func(i int, lags []int64, total int64) []int64 {
				out := make([]int64, len(lags))
				for k := range lags {
					p := (i + k) % len(lags)
					out[p] = min(lags[p], total)
					total -= out[p]
				}
				out[i%len(lags)] += total // what is left: from the first
				return out
			},
		},
		{
			"uneven bursts",
			func(i, p int) int64 { return int64((i*31+p*17)%23 + 1) },
			func(i int, lags []int64, total int64) []int64 {
				out := make([]int64, len(lags))
				for p := range lags {
					out[p] = min(lags[p], total/2)
					total -= out[p]
				}
				for p := range lags {
					take := min(lags[p]-out[p], total)
					out[p] += take
					total -= take
				}
				out[i%len(lags)] += total
				return out
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const parts = 3
			base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			s := &Source{}
			s.state.hist = newHistory(base)
			ends := make([]int64, parts)
			committed := make([]int64, parts)
			for p := range parts { // a backlog, so there is a lag to catch up
				ends[p] = 100
			}
			now := base
			for i := range 400 { // many windows
				var total int64
				for p := range parts {
					n := tc.produced(i, p)
					ends[p] += n
					total += n
				}
				lags := make([]int64, parts)
				for p := range parts {
					lags[p] = ends[p] - committed[p]
				}
				took := tc.consume(i, lags, total)
				for p := range parts {
					if took == nil {
						committed[p] += tc.produced(i, p)
					} else {
						committed[p] += took[p]
					}
				}
				now = now.Add(jitter(i))
				g := pollGroup(t, s, now, uint64(i+1), committed, ends)
				switch {
				case g.CatchUp >= 0 && g.Lag > 0:
					t.Fatalf("poll %d: lag %d, catch-up %v: an estimate for a group that keeps pace (lags %v)", i+1, g.Lag, g.CatchUp, g.Lags)
				case i >= historyLen && g.CatchUp != sources.CatchUpSteady:
					t.Fatalf("poll %d: catch-up %v, want it to keep pace (lags %v)", i+1, g.CatchUp, g.Lags)
				}
			}
		})
	}
}

// pollGroup builds group "g" of one poll at now, as a poll does, from its
// committed offsets and ends on topic "orders", partition by index.
func pollGroup(t *testing.T, s *Source, now time.Time, seq uint64, committed, ends []int64) sources.Group {
	t.Helper()
	s.state.seq = seq
	marks := make([]mark, len(ends))
	var offsets []committedOffset
	for p := range ends {
		marks[p] = mark{offset: ends[p]}
		offsets = append(offsets, committedOffset{topic: "orders", partition: int32(p), offset: committed[p]})
	}
	gs := s.groups(groupsBuild{
		read: groupsResult{
			listed:  map[string]listedGroup{"g": {state: "Empty"}},
			fetched: map[string]fetchedOffsets{"g": {offsets: offsets}},
		},
		ends: polledOffsets{"orders": marks},
		now:  now,
		seq:  seq,
	})
	s.state.prev = &sources.KafkaSnapshot{Groups: gs, Meta: sources.Meta{Taken: now}}
	if len(gs) != 1 {
		t.Fatalf("groups %+v", gs)
	}
	return gs[0]
}

// TestLagOf: the one definition of a partition's lag, which the poll, the
// history, the group page and the reset preview all use.
func TestLagOf(t *testing.T) {
	for _, tc := range []struct {
		name           string
		committed, end int64
		want           int64
	}{
		{"behind", 3, 10, 7},
		{"caught up", 10, 10, 0},
		{"committed past the end: caught up", 12, 10, 0},
		{"nothing committed", -1, 10, -1},
		{"end unknown", 3, -1, -1},
	} {
		if got := lagOf(tc.committed, tc.end); got != tc.want {
			t.Errorf("%s: lagOf(%d, %d) = %d, want %d", tc.name, tc.committed, tc.end, got, tc.want)
		}
	}
}
