package kafka

import (
	"fmt"
	"strings"

	"github.com/topicat/topicat/sources"
)

// describe says in one line what a stream reads and that it leaves no trace:
// "partitions 0-5 from -10 per partition to newest (offsets 90…180, at most
// 60 records), no consumer group, nothing committed".
func describe(plan tailPlan, spec sources.TailSpec) string {
	var b strings.Builder
	ids := make([]int32, len(plan.parts))
	for i, pp := range plan.parts {
		ids[i] = pp.partition
	}
	if len(ids) == 1 {
		fmt.Fprintf(&b, "partition %d", ids[0])
	} else {
		fmt.Fprintf(&b, "partitions %s", sources.FormatPartitions(ids))
	}
	rng := spec.Range
	b.WriteString(" from " + rng.Start.String())
	if len(ids) > 1 && perPartition(rng.Start.Kind) {
		b.WriteString(" per partition")
	}
	if rng.HasEnd {
		b.WriteString(" to " + rng.End.String())
	}
	if len(plan.parts) > 0 {
		b.WriteString(" (" + offsetSpan(plan.parts, rng.HasEnd) + ")")
	}
	b.WriteString(", no consumer group, nothing committed")
	return b.String()
}

// perPartition reports whether a position means a different offset in each
// partition in a way worth saying.
func perPartition(k sources.PosKind) bool {
	return k == sources.PosOffset || k == sources.PosAfterStart || k == sources.PosBeforeEnd
}

// offsetSpan is the offsets a stream covers, across its partitions.
func offsetSpan(parts []partPlan, bounded bool) string {
	lo, hiStart, hiEnd := parts[0].start, parts[0].start, parts[0].end
	var records int64
	for _, pp := range parts {
		lo, hiStart, hiEnd = min(lo, pp.start), max(hiStart, pp.start), max(hiEnd, pp.end)
		if bounded && pp.end > pp.start {
			records = addSat(records, pp.end-pp.start)
		}
	}
	switch {
	case !bounded && lo == hiStart:
		return fmt.Sprintf("from offset %d", lo)
	case !bounded:
		return fmt.Sprintf("from offsets %d…%d", lo, hiStart)
	case records == 0:
		return "nothing to read"
	case records == 1:
		return fmt.Sprintf("offsets %d…%d, at most 1 record", lo, hiEnd)
	}
	return fmt.Sprintf("offsets %d…%d, at most %d records", lo, hiEnd, records)
}
