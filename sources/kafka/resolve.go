package kafka

import (
	"math"

	"github.com/topicat/topicat/sources"
)

// watermarks are a partition's log start and high watermark when a stream
// opens, and the offsets ListOffsetsAfterMilli gave for the range's times
// (the end when no record is that recent).
type watermarks struct {
	low, high int64
	startAt   int64 // for a PosTime start
	endAt     int64 // for a PosTime end
}

// startOffset is the first offset a partition's read returns: at least the
// log start, and past the high watermark when asked for (N or +N beyond the
// end): the read then waits for records to reach it rather than returning
// earlier ones.
func startOffset(p sources.Position, w watermarks) int64 {
	var o int64
	switch p.Kind {
	case sources.PosOldest:
		o = w.low
	case sources.PosNewest:
		o = w.high
	case sources.PosOffset:
		o = p.N
	case sources.PosAfterStart:
		o = addSat(w.low, p.N)
	case sources.PosBeforeEnd:
		o = w.high - p.N
	case sources.PosTime:
		o = w.startAt
	}
	return max(o, w.low)
}

// endOffset is where a bounded read of a partition stops (exclusive), given
// where it starts. It may lie past the high watermark (the read then waits
// for records to reach it) or at or before start (nothing to read).
func endOffset(p sources.Position, w watermarks, start int64) int64 {
	switch p.Kind {
	case sources.PosOldest:
		return w.low
	case sources.PosNewest:
		return w.high
	case sources.PosOffset:
		return p.N
	case sources.PosAfterStart:
		return addSat(start, p.N)
	case sources.PosBeforeEnd:
		return w.high - p.N
	case sources.PosTime:
		return w.endAt
	}
	return start
}

// addSat is a+n, saturating instead of overflowing (n may be any count a user types).
func addSat(a, n int64) int64 {
	if n > 0 && a > math.MaxInt64-n {
		return math.MaxInt64
	}
	return a + n
}
