package nsq

import (
	"math"
	"slices"
	"time"

	"github.com/topicat/topicat/sources"
)

const (
	// trendLen is how many polls the trends hold: Burrow's window of ten,
	// as the Kafka side keeps.
	trendLen = 10
	// climbSteps is how many polls in a row a depth must have grown at for
	// Climbing: one rise is a burst, three in a row a trend.
	climbSteps = 3
	// drainPolls is how many known depths a drain estimate needs: fewer
	// cannot tell a batch from a trend.
	drainPolls = 4
)

// pushTime records a poll's time, keeping the last trendLen.
func pushTime(times []time.Time, now time.Time) []time.Time {
	if len(times) == trendLen {
		times = slices.Delete(times, 0, 1)
	}
	return append(times, now)
}

// addTrends extends each topic's and channel's trends from the previous
// snapshot by this poll's figures, and judges Climbing and Drain from them.
// times are the polls' times, the newest this one's. A partial figure is
// recorded as unknown: a node's share missing would draw a cliff that is
// no trend. The trend slices are new: those of prev stay as published.
func addTrends(prev *sources.NSQSnapshot, topics []sources.NSQTopic, times []time.Time) {
	prevTopics := map[string]*sources.NSQTopic{}
	if prev != nil {
		for i := range prev.Topics {
			prevTopics[prev.Topics[i].Name] = &prev.Topics[i]
		}
	}
	// One allocation for every series of the poll rather than two per channel.
	n := 0
	for _, t := range topics {
		n += 1 + len(t.Channels)
	}
	floats := make([]float64, 0, n*trendLen)
	ints := make([]int64, 0, n*trendLen)
	extendF := func(old []float64, v float64) []float64 {
		start := len(floats)
		floats = append(floats, old[max(len(old)-trendLen+1, 0):]...)
		floats = append(floats, v)
		return floats[start:len(floats):len(floats)]
	}
	extendI := func(old []int64, v int64) []int64 {
		start := len(ints)
		ints = append(ints, old[max(len(old)-trendLen+1, 0):]...)
		ints = append(ints, v)
		return ints[start:len(ints):len(ints)]
	}

	for i := range topics {
		t := &topics[i]
		pt := prevTopics[t.Name]
		var prevIns []float64
		var prevDepths []int64
		if pt != nil {
			prevIns, prevDepths = pt.Ins, pt.Depths
		}
		in, depth := t.In, t.Depth
		if t.Partial {
			in, depth = -1, -1
		}
		t.Ins, t.Depths = extendF(prevIns, in), extendI(prevDepths, depth)
		t.Climbing = climbing(t.Depths)
		for j := range t.Channels {
			c := &t.Channels[j]
			var prevOuts []float64
			var prevDepths []int64
			if pt != nil {
				if pc := findChannel(pt, c.Name); pc != nil {
					prevOuts, prevDepths = pc.Outs, pc.Depths
				}
			}
			out, depth := c.Out, c.Depth
			if c.Partial {
				out, depth = -1, -1
			}
			c.Outs, c.Depths = extendF(prevOuts, out), extendI(prevDepths, depth)
			c.Climbing = climbing(c.Depths)
			c.Drain = drainTime(c.Depths, times)
		}
	}
}

// climbing: the depth grew at each of the last climbSteps polls.
func climbing(depths []int64) bool {
	if len(depths) < climbSteps+1 {
		return false
	}
	last := depths[len(depths)-climbSteps-1:]
	for i := 1; i < len(last); i++ {
		if last[i-1] < 0 || last[i] <= last[i-1] {
			return false
		}
	}
	return true
}

// drainTime estimates how long the channel takes to empty: its depth ÷
// (Out − In), where Out − In is how fast the depth fell over the window
// (from its first known reading to its last, in whole messages, so that a
// channel consumed exactly as fast as it is fed falls by exactly 0).
//
// As the Kafka side's catch-up (kafka/status.go steadied): a channel fed
// or consumed in batches has a depth that rises and falls, so whether it
// keeps pace is told by its troughs, not by its first and last readings. It
// holds (CatchUpSteady) when it emptied in the later half of the window
// (a channel that grows from empty has emptied only at its start), or when its troughs
// fell by no more than a quarter of its swing: a channel swinging between
// 100 and 40 is not draining however its last reading compares with its
// first, and a fall that slight would extrapolate to years. It grows
// (CatchUpNever) when it did not fall and its troughs rose by more than
// that. depths are the channel's trend, aligned with the end of times.
func drainTime(depths []int64, times []time.Time) time.Duration {
	n := len(depths)
	if n == 0 || depths[n-1] < 0 || n > len(times) {
		return sources.CatchUpUnknown
	}
	cur := depths[n-1]
	if cur == 0 {
		return 0
	}
	times = times[len(times)-n:]
	var buf [trendLen]int
	known := buf[:0] // indexes of known depths
	for i, d := range depths {
		if d >= 0 {
			known = append(known, i)
		}
	}
	if len(known) < drainPolls {
		return sources.CatchUpUnknown
	}
	lowest := func(idx []int) int64 {
		m := depths[idx[0]]
		for _, i := range idx[1:] {
			m = min(m, depths[i])
		}
		return m
	}
	lo, hi := lowest(known), depths[known[0]]
	for _, i := range known {
		hi = max(hi, depths[i])
	}
	half := len(known) / 2
	early, late := lowest(known[:half]), lowest(known[half:])
	if late == 0 {
		return sources.CatchUpSteady
	}
	noise := max(1, (hi-lo)/4)
	first, last := known[0], known[len(known)-1]
	fell := depths[first] - depths[last]
	span := times[last].Sub(times[first])
	if fell <= 0 || span <= 0 {
		if late-early > noise {
			return sources.CatchUpNever
		}
		return sources.CatchUpSteady
	}
	if early-late <= noise {
		return sources.CatchUpSteady
	}
	est := float64(cur) * float64(span) / float64(fell)
	if est >= math.MaxInt64 {
		return time.Duration(math.MaxInt64) // centuries: no overflow into a negative
	}
	return time.Duration(est)
}
