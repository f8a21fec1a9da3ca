package views

import (
	"fmt"
	"strings"
	"time"

	"github.com/topicat/topicat/sources"
)

// sparkLevels is how many block heights a sparkline has: ▁ (U+2581) to
// █ (U+2588), consecutive code points.
const sparkLevels = 8

// Spark draws values as a sparkline scaled from zero to their maximum, so
// that a steady rate reads as steady however it wobbles and a lag going
// from 5 to 10 doubles rather than jumps from floor to ceiling; an unknown
// (negative) value is a space.
func Spark[T ~int64 | ~float64](vs []T) string {
	hi := T(0)
	for _, v := range vs {
		hi = max(hi, v)
	}
	var b strings.Builder
	for _, v := range vs {
		switch {
		case v < 0:
			b.WriteByte(' ')
		case hi == 0:
			b.WriteRune('▁')
		default:
			b.WriteRune('▁' + rune(float64(v)/float64(hi)*(sparkLevels-1)+0.5))
		}
	}
	return b.String()
}

// Duration writes a span as a column wants it: 45s, 3m, 2h5m, 3d; "?" for
// a negative (unknown) one.
func Duration(d time.Duration) string {
	if d < 0 {
		return "?"
	}
	return Ago(d)
}

// retention writes retention.ms: 7d, 12h, "forever", "" when unknown.
func retention(ms int64, known bool) string {
	switch {
	case !known || ms < 0:
		return ""
	case ms == sources.RetentionForever:
		return "forever"
	}
	return Ago(time.Duration(ms) * time.Millisecond)
}

// catchUp writes a group's time to catch up.
func catchUp(d time.Duration, lag int64) string { return untilZero(d, lag, "keeps up", "caught up") }

// untilZero writes the time until a backlog (a lag, a depth) is gone, from
// sources' catch-up estimate: a span, "never" when it grows, steady when it
// holds, done when there is none, "?" before enough polls.
func untilZero(d time.Duration, backlog int64, steady, done string) string {
	switch {
	case d == sources.CatchUpNever:
		return "never"
	case d == sources.CatchUpSteady:
		return steady
	case d < 0:
		return "?"
	case backlog == 0:
		return done
	case d < time.Second:
		return "<1s"
	}
	return Ago(d)
}

// bytesText writes a size: 120 B, 1.2 KiB, 3.4 GiB; "?" when negative.
func bytesText(n int64) string {
	if n < 0 {
		return "?"
	}
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
