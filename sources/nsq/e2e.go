package nsq

import (
	"cmp"
	"slices"
	"time"

	"github.com/topicat/topicat/sources"
)

// percentiles are a node's E2E processing latency percentiles, by quantile;
// nil when nsqd does not compute them, or has no sample in its window (it
// then reports every percentile as 0, which is no latency of 0).
func percentiles(e *e2eJSON) []sources.Percentile {
	if e == nil || e.Count == 0 || len(e.Percentiles) == 0 {
		return nil
	}
	out := make([]sources.Percentile, len(e.Percentiles))
	for i, p := range e.Percentiles {
		out[i] = sources.Percentile{Quantile: p.Quantile, Value: time.Duration(p.Value)}
	}
	slices.SortFunc(out, func(a, b sources.Percentile) int { return cmp.Compare(a.Quantile, b.Quantile) })
	return out
}

func e2eCount(e *e2eJSON) int {
	if e == nil {
		return 0
	}
	return e.Count
}

// e2eMerge averages nodes' percentiles weighted by their sample counts, as
// nsqadmin does (quantile.E2eProcessingLatencyAggregate.Add): not a true
// merge of the distributions, which nsqd does not expose, but the figure
// nsqadmin users know. A quantile no node sampled is 0.
type e2eMerge struct {
	qs []e2eQuantile
}

type e2eQuantile struct {
	q     float64
	count int
	avg   float64 // nanoseconds
}

func (m *e2eMerge) add(ps []sources.Percentile, count int) {
	for _, p := range ps {
		i := slices.IndexFunc(m.qs, func(q e2eQuantile) bool { return q.q == p.Quantile })
		if i < 0 {
			i = len(m.qs)
			m.qs = append(m.qs, e2eQuantile{q: p.Quantile})
		}
		q := &m.qs[i]
		q.count += count
		if q.count == 0 {
			q.avg = 0
			continue
		}
		q.avg += (float64(p.Value) - q.avg) * float64(count) / float64(q.count)
	}
}

func (m *e2eMerge) result() []sources.Percentile {
	if len(m.qs) == 0 {
		return nil
	}
	out := make([]sources.Percentile, len(m.qs))
	for i, q := range m.qs {
		out[i] = sources.Percentile{Quantile: q.q, Value: time.Duration(q.avg)}
	}
	slices.SortFunc(out, func(a, b sources.Percentile) int { return cmp.Compare(a.Quantile, b.Quantile) })
	return out
}
