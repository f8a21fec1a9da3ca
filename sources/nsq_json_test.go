package sources

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// The JSON the NSQ stats types wrote through encoding/json before it was
// written by hand: the reference the hand-written JSON must equal.

type refPercentile Percentile

func (p refPercentile) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Quantile float64 `json:"quantile"`
		Value    float64 `json:"value"`
	}{p.Quantile, p.Value.Seconds()})
}

func refPercentiles(ps []Percentile) []refPercentile {
	out := make([]refPercentile, len(ps))
	for i, p := range ps {
		out[i] = refPercentile(p)
	}
	return out
}

type refChannelStats NSQChannelStats

func (c refChannelStats) MarshalJSON() ([]byte, error) {
	type plain NSQChannelStats
	return json.Marshal(struct {
		plain
		In          *float64        `json:"in_rate"`
		Out         *float64        `json:"out_rate"`
		RequeueRate *float64        `json:"requeue_rate"`
		TimeoutRate *float64        `json:"timeout_rate"`
		E2E         []refPercentile `json:"e2e"`
	}{plain(c), Known(c.In), Known(c.Out), Known(c.RequeueRate), Known(c.TimeoutRate), refPercentiles(c.E2E)})
}

type refTopicStats NSQTopicStats

func (t refTopicStats) MarshalJSON() ([]byte, error) {
	type plain NSQTopicStats
	chans := make([]refChannelStats, len(t.Channels))
	for i, c := range t.Channels {
		chans[i] = refChannelStats(c)
	}
	return json.Marshal(struct {
		plain
		In       *float64          `json:"in_rate"`
		E2E      []refPercentile   `json:"e2e"`
		Channels []refChannelStats `json:"channels"`
	}{plain(t), Known(t.In), refPercentiles(t.E2E), chans})
}

type refChannel NSQChannel

func (c refChannel) MarshalJSON() ([]byte, error) {
	type plain NSQChannel
	var drain *float64
	if c.Drain >= 0 {
		secs := c.Drain.Seconds()
		drain = &secs
	}
	return json.Marshal(struct {
		plain
		PausedOn   []string        `json:"paused_on"`
		Nodes      []string        `json:"nodes"`
		In         *float64        `json:"in_rate"`
		Out        *float64        `json:"out_rate"`
		Outs       []*float64      `json:"out_rates"`
		Depths     []*int64        `json:"depths"`
		Drain      *float64        `json:"drain"`
		DrainNever bool            `json:"drain_never"`
		Holds      bool            `json:"holds_steady"`
		E2E        []refPercentile `json:"e2e"`
	}{plain(c), jsonList(c.PausedOn), jsonList(c.Nodes), Known(c.In), Known(c.Out), KnownAll(c.Outs), KnownAll(c.Depths),
		drain, c.Drain == CatchUpNever, c.Drain == CatchUpSteady, refPercentiles(c.E2E)})
}

type refTopic NSQTopic

func (t refTopic) MarshalJSON() ([]byte, error) {
	type plain NSQTopic
	chans := make([]refChannel, len(t.Channels))
	for i, c := range t.Channels {
		chans[i] = refChannel(c)
	}
	return json.Marshal(struct {
		plain
		PausedOn   []string        `json:"paused_on"`
		Nodes      []string        `json:"nodes"`
		Tombstoned []string        `json:"tombstoned"`
		Channels   []refChannel    `json:"channels"`
		In         *float64        `json:"in_rate"`
		Ins        []*float64      `json:"in_rates"`
		Depths     []*int64        `json:"depths"`
		E2E        []refPercentile `json:"e2e"`
	}{plain(t), jsonList(t.PausedOn), jsonList(t.Nodes), jsonList(t.Tombstoned), chans, Known(t.In), KnownAll(t.Ins), KnownAll(t.Depths), refPercentiles(t.E2E)})
}

// TestNSQJSONAsReflection: the hand-written JSON of NSQ topics and
// channels, merged and per node, is byte for byte what encoding/json wrote.
func TestNSQJSONAsReflection(t *testing.T) {
	names := []string{"orders", "", `quo"te\back`, "ctl\x01\x1b[2J", "bidi\u202e ls\u2028", "<html>&", "日本語", "bad\xffutf8"}
	floats := []float64{-1, 0, 1.5, 2e-7, 5e-10, 1e-6, 3e21, 1e20, 123456.789, math.MaxFloat64}
	e2e := []Percentile{{Quantile: 0.99, Value: 1250 * time.Microsecond}, {Quantile: 0.5, Value: 3}, {Quantile: 1, Value: 90 * time.Second}}
	for i, name := range names {
		f := floats[i%len(floats)]
		c := NSQChannel{Topic: name, Name: name + "-c", Depth: int64(i) - 3, BackendDepth: math.MaxInt64, InFlight: -1, Deferred: 7,
			Messages: math.MaxUint64, Requeued: uint64(i), TimedOut: 2, Clients: i, Paused: i%2 == 0, PausedOn: []string{name, "b"},
			In: f, Out: floats[(i+3)%len(floats)], Outs: floats, Depths: []int64{-1, 0, 5}, Climbing: i%3 == 0, E2E: e2e[:i%4], Partial: i%2 == 1}
		for _, drain := range []time.Duration{0, CatchUpNever, CatchUpSteady, CatchUpUnknown, 1500 * time.Millisecond, 3} {
			c.Drain = drain
			same(t, c, refChannel(c))
		}
		same(t, NSQChannel{}, refChannel{})
		tp := NSQTopic{Name: name, Depth: 5, BackendDepth: -2, InFlight: 3, Deferred: 4, Messages: 9, MessageBytes: 10, Paused: true,
			Nodes: []string{"n1", name}, Tombstoned: []string{name}, Channels: []NSQChannel{c, {}}, In: f, Ins: []float64{-1, f}, Depths: []int64{3, -1},
			Climbing: i%2 == 0, E2E: e2e[:i%4], Partial: true}
		same(t, tp, refTopic(tp))
		same(t, NSQTopic{}, refTopic{})
		cs := NSQChannelStats{Name: name, Depth: 1, BackendDepth: 2, InFlight: 3, Deferred: 4, Messages: 5, Requeued: 6, TimedOut: 7, Clients: 8,
			Paused: true, In: f, Out: -1, RequeueRate: floats[(i+1)%len(floats)], TimeoutRate: floats[(i+5)%len(floats)], E2E: e2e[:i%4]}
		same(t, cs, refChannelStats(cs))
		ts := NSQTopicStats{Name: name, Depth: -1, BackendDepth: 2, Messages: 3, MessageBytes: 4, Paused: i%2 == 0, In: f, E2E: e2e[:i%4], Channels: []NSQChannelStats{cs, {}}}
		same(t, ts, refTopicStats(ts))
		same(t, NSQTopicStats{}, refTopicStats{})
	}
}

func same(t *testing.T, v, ref any) {
	t.Helper()
	got, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(ref)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("hand-written\n%s\nencoding/json\n%s", got, want)
	}
}
