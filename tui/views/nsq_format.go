package views

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/topicat/topicat/sources"
)

// How NSQ figures are written in cells and summaries.

// PausedOn writes where a topic or channel is paused: "paused" on every
// node that carries it, "paused on 1 of 3" on some, "" on none.
func PausedOn(paused bool, on, nodes []string) string {
	switch {
	case len(on) == 0 && !paused:
		return ""
	case paused || len(on) >= len(nodes):
		return "paused"
	}
	return fmt.Sprintf("paused on %d of %d", len(on), len(nodes))
}

// climbMark is what stands beside a depth that grew at each recent poll.
const climbMark = "▲"

func depthText(depth int64, climbing bool) string {
	if climbing {
		return num(depth) + " " + climbMark
	}
	return num(depth)
}

// Drain writes a channel's time to empty: a span, "empty", "holds" (as
// fast out as in), "never" (growing), "?" before enough polls.
func Drain(d time.Duration, depth int64) string { return untilZero(d, depth, "holds", "empty") }

// E2E writes end-to-end latency percentiles: "p99 12ms · p95 3.1ms"; ""
// when nsqd reports none.
func E2E(ps []sources.Percentile) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = quantile(p.Quantile) + " " + latency(p.Value)
	}
	return strings.Join(parts, " · ")
}

// quantile writes 0.99 as p99 and 0.999 as p99.9.
func quantile(q float64) string {
	return "p" + strconv.FormatFloat(q*100, 'f', -1, 64)
}

// latency writes a short span with what precision it deserves.
func latency(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < time.Minute:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return Ago(d)
}

// memDisk writes a depth split as nsqadmin does: memory + disk.
func memDisk(depth, backend int64) string {
	return fmt.Sprintf("%d + %d", depth-backend, backend)
}

// sizeText is a byte count from nsqd, which counts in uint64.
func sizeText(n uint64) string { return bytesText(int64(min(n, 1<<62))) }

// Throughput writes a cluster's messages per second: "12.0 msg/s".
func Throughput(r float64) string { return strings.TrimSuffix(rate(r), "/s") + " msg/s" }

// trend is a sparkline after a figure, or nothing before there is one.
func trend(spark string) string {
	if spark == "" {
		return ""
	}
	return " " + spark
}
