package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
)

// TestMarshalJSONAsEncodingJSON: the lists joined without encoding/json
// are byte for byte what it writes, compact and indented.
func TestMarshalJSONAsEncodingJSON(t *testing.T) {
	ch := sources.NSQChannel{Topic: "t<1>", Name: "c&\u2028", Depth: 3, In: -1, Out: 2e-7, Outs: []float64{-1, 1}, Drain: sources.CatchUpNever,
		E2E: []sources.Percentile{{Quantile: 0.99, Value: time.Millisecond}}}
	for _, data := range []any{
		[]sources.NSQTopic{{Name: "orders", In: 1.5, Channels: []sources.NSQChannel{ch, {}}}, {}},
		[]sources.NSQTopic{},
		[]sources.NSQTopic(nil),
		[]sources.NSQChannel{ch},
		[]sources.NSQChannel(nil),
		[]sources.Topic{{Name: "k\"", Partitions: []sources.Partition{{ID: 1, Leader: -1, Replicas: []int32{1, 2}}}, Rate: -1}},
		[]sources.NSQNode{{Addr: "127.0.0.1:4151", Topics: []sources.NSQTopicStats{{Name: "x", In: -1}}}},
		map[string]int{"a": 1},
	} {
		want, err := json.Marshal(data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalJSON(data)
		if err != nil || string(got) != string(want) {
			t.Errorf("%T: %v\n got %s\nwant %s", data, err, got, want)
		}
		want, _ = json.MarshalIndent(data, "", "  ")
		got, err = marshalIndent(data)
		if err != nil || string(got) != string(want) {
			t.Errorf("%T indented: %v\n got %s\nwant %s", data, err, got, want)
		}
	}
}
