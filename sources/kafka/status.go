package kafka

import (
	"math"
	"slices"
	"time"

	"github.com/topicat/topicat/sources"
)

// Group status follows Burrow's evaluator, adapted to what a poller sees.
// Burrow reads every commit from __consumer_offsets; a poller sees the
// committed offset once per poll, so a commit that does not move the offset
// is invisible. Hence:
//   - "still committing, stuck on one offset" (STALL) versus "nobody
//     commits" (STOP) is told by whether a member holds the partition;
//   - a partition whose offset does not move while its holder (or, with no
//     assignment to read, the group) moves others is waiting its turn, not
//     stuck: a slow consumer drains its partitions one after another, and
//     its slowness shows as WARN on the group's lag instead;
//   - lag is judged at the polls that saw the offset move (Burrow judges it
//     at commits), so that a consumer committing every few seconds is not
//     judged on the lag that builds up between its commits;
//   - a partition with no new data in the window is never STALL or STOP
//     (Burrow #38, #123), and a lag that is merely constant is not WARN.

// partView is one group partition's recent history, as judging it needs.
type partView struct {
	// polls are the readings within the window, oldest first.
	polls []pollObs
	// commits are the last observed moves of the committed offset, oldest
	// first; they may reach back before the window.
	commits []commitObs
	// rewound: the committed offset went back within the window.
	rewound bool
	// held: a member of the group holds the partition.
	held bool
	// progressing: whoever commits for the partition (its holder; the
	// group when no assignment can be read) moved some offset within the
	// window.
	progressing bool
	now         instant
}

// judgePartition is a group partition's status.
func judgePartition(v partView) sources.GroupStatus {
	if v.rewound {
		return sources.StatusRewind
	}
	// Readings without the end offset (its leader did not answer) say
	// nothing about lag or new data.
	var buf [historyLen]pollObs
	polls := buf[:0]
	for _, o := range v.polls {
		if o.end >= 0 {
			polls = append(polls, o)
		}
	}
	v.polls = polls
	if len(v.polls) == 0 {
		return sources.StatusUnknown
	}
	for _, o := range v.polls {
		if lagOf(o.committed, o.end) == 0 {
			return sources.StatusOK // caught up within the window
		}
	}
	if len(v.polls) < 2 {
		return sources.StatusUnknown
	}
	first, last := v.polls[0], v.polls[len(v.polls)-1]
	if last.end <= first.end {
		return sources.StatusOK // no new data: nothing to fall behind on
	}
	moved := false
	for _, o := range v.polls[1:] {
		moved = moved || o.committed != first.committed
	}
	if !moved {
		if len(v.polls) < historyLen {
			return sources.StatusUnknown // not long enough to accuse it
		}
		// A consumer that commits rarely is not stuck until it has been
		// quiet for longer than its recent commits took (Burrow's STOP rule).
		if n := len(v.commits); n >= 2 && v.now.sub(v.commits[n-1].at) <= v.commits[n-1].at.sub(v.commits[0].at) {
			return sources.StatusOK
		}
		if v.progressing {
			return sources.StatusOK // waiting its turn
		}
		if v.held {
			return sources.StatusStall
		}
		return sources.StatusStop
	}
	if lagGrows(commitLags(v.commits)) {
		return sources.StatusWarn
	}
	return sources.StatusOK
}

func commitLags(cs []commitObs) []int64 {
	var buf [historyLen]int64
	out := buf[:0]
	for _, c := range cs {
		out = append(out, c.lag)
	}
	return out
}

// lagGrows is Burrow's WARN rule on the lags at a full window of commits
// (the lag never decreases from one to the next), made to ignore a step: the
// lag must also rise at least at every other commit. A consumer keeping pace
// with a steady lag that once steps up is not falling behind; one that is
// falling behind adds lag at nearly every commit. Unknown lags end the
// judgement: no accusation on missing data.
func lagGrows(lags []int64) bool {
	if len(lags) < historyLen {
		return false
	}
	rises := 0
	for i, l := range lags {
		switch {
		case l < 0:
			return false
		case i == 0:
		case l < lags[i-1]:
			return false
		case l > lags[i-1]:
			rises++
		}
	}
	return 2*rises >= len(lags)-1
}

// judgeGroupTrend says whether the group's total lag grows: WARN at the
// group even when no single partition's lag grows steadily, as with a slow
// consumer that drains its partitions in turn. lags are its total lag at the
// polls of the window; commitLags at the polls that saw an offset move.
func judgeGroupTrend(lags, commitLags []int64) sources.GroupStatus {
	if len(lags) == 0 {
		return sources.StatusUnknown
	}
	for _, l := range lags {
		if l == 0 {
			return sources.StatusOK
		}
	}
	if lagGrows(commitLags) {
		return sources.StatusWarn
	}
	return sources.StatusUnknown // no opinion: the partitions decide
}

func worse(a, b sources.GroupStatus) sources.GroupStatus {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}

// rates sums how much faster a group consumes than its partitions grow, over
// the window, partition by partition, for its catch-up time.
type rates struct {
	// drained is that in messages: each partition's consumed minus produced,
	// whole numbers, so that consuming exactly what is produced sums to 0.
	// A difference of summed float rates left a rounding residue instead,
	// which read as catching up in centuries.
	drained int64
	// net is that per second: each partition's drained over its time.
	net float64
	// lagFirst and lagLast are the lag at the first and last readings
	// counted: whether the lag grew over the window.
	lagFirst, lagLast int64
	// span is the longest time a partition was read over.
	span time.Duration
	// perPoll is how many messages the partitions got between two polls:
	// how far the lag moves by itself while a consumer commits every few
	// seconds.
	perPoll float64
	known   bool
}

// slack is how much the lag may rise over the window and still be a group
// keeping pace: what one poll interval brings.
func (r rates) slack() int64 { return int64(math.Ceil(r.perPoll)) }

// add counts one partition's readings within the window, oldest first:
// from the first to the last that read its end offset.
func (r *rates) add(polls []pollObs) {
	first, last := -1, -1
	for i, o := range polls {
		if o.end >= 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 || first == last {
		return
	}
	a, b := polls[first], polls[last]
	span := b.at.sub(a.at)
	if span <= 0 {
		return
	}
	drained := (b.committed - a.committed) - (b.end - a.end)
	r.perPoll += float64(b.end-a.end) / float64(last-first)
	r.drained += drained
	r.net += float64(drained) / span.Seconds()
	r.span = max(r.span, span)
	r.lagFirst += lagOf(a.committed, a.end)
	r.lagLast += lagOf(b.committed, b.end)
	r.known = true
}

// steadied says a group keeps pace rather than "never" or "unknown" when the
// window shows it: its lag fell to 0 at some poll, or its troughs rose from
// the first half of the window to the second by no more than a quarter of
// how far the lag swings. A group that consumes in batches has a lag that
// rises and falls, so the first and last readings, or a straight-line fit,
// mislead; how low it falls back does not.
//
// An estimate longer than the window it was measured over (window) is an
// extrapolation, and a net rate of a message or two extrapolates to years:
// it too is keeping pace when its troughs fell by no more than that quarter
// of the swing. A group really catching up lowers its lag by more than that.
//
// slack is a rise that is never falling behind whatever the swing: what
// arrives between two polls, which a consumer committing every few seconds
// leaves unread at a poll as a matter of course.
func steadied(c time.Duration, lags []int64, window time.Duration, slack int64) time.Duration {
	long := c > 0 && c > window
	if c != sources.CatchUpNever && c != sources.CatchUpUnknown && !long {
		return c
	}
	var known []int64
	for _, l := range lags {
		if l >= 0 {
			known = append(known, l)
		}
	}
	if len(known) < 4 {
		return c
	}
	half := len(known) / 2
	early, late := slices.Min(known[:half]), slices.Min(known[half:])
	swing := slices.Max(known) - slices.Min(known)
	noise := max(1, swing/4, slack)
	switch {
	case slices.Min(known) == 0:
		return sources.CatchUpSteady
	case long && early-late <= noise:
		return sources.CatchUpSteady
	case !long && late-early <= noise:
		return sources.CatchUpSteady
	}
	return c
}

// catchUp estimates how long consuming lag takes at these rates: 0 with no
// lag; CatchUpNever when consuming is no faster than producing and the lag
// grew over the window; CatchUpUnknown when the lag is unknown, no partition
// was read at two polls, or the group keeps pace with a steady lag (no
// faster, but not falling behind: there is nothing to estimate). Faster
// means in whole messages over the window, and per second.
func (r rates) catchUp(lag int64) time.Duration {
	switch {
	case lag == 0:
		return 0
	case lag < 0 || !r.known:
		return sources.CatchUpUnknown
	}
	faster := r.drained > 0 && r.net > 0
	switch {
	case !faster && r.lagLast > r.lagFirst:
		return sources.CatchUpNever
	case !faster:
		return sources.CatchUpUnknown
	}
	secs := float64(lag) / r.net
	if secs >= float64(math.MaxInt64)/float64(time.Second) {
		return time.Duration(math.MaxInt64) // centuries: no overflow into a negative
	}
	return time.Duration(secs * float64(time.Second))
}
