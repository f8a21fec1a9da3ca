package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// waitFor bounds a read or a wait-until that hangs; nothing asserts on it.
const waitFor = 30 * time.Second

// t0 is the timestamp of offset 0 in the filled partitions; offset o is o
// minutes later.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func minuteOf(o int64) time.Time { return t0.Add(time.Duration(o) * time.Minute) }

func openTail(t testing.TB, s *kafka.Source, spec sources.TailSpec) sources.Stream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	st, err := s.Tail(ctx, spec)
	if err != nil {
		t.Fatalf("Tail(%+v): %v", spec, err)
	}
	t.Cleanup(st.Close)
	return st
}

func mustRange(t testing.TB, s string) sources.Range {
	t.Helper()
	r, err := sources.ParseRange(s, time.Now())
	if err != nil {
		t.Fatalf("ParseRange(%q): %v", s, err)
	}
	return r
}

// readToEOF reads a bounded stream to its end.
func readToEOF(t testing.TB, st sources.Stream, max int) []sources.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	var out []sources.Record
	for {
		recs, err := st.Next(ctx, max)
		if len(recs) > max {
			t.Fatalf("Next(%d) returned %d records", max, len(recs))
		}
		out = append(out, recs...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next after %d records: %v", len(out), err)
		}
	}
}

// readN reads until n records arrived.
func readN(t testing.TB, st sources.Stream, n int) []sources.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	var out []sources.Record
	for len(out) < n {
		recs, err := st.Next(ctx, n-len(out))
		out = append(out, recs...)
		if err != nil {
			t.Fatalf("Next after %d of %d records: %v", len(out), n, err)
		}
	}
	return out
}

// byPartition lists the offsets read per partition, checking each record
// against what Fill wrote there.
func byPartition(t testing.TB, recs []sources.Record) map[int32][]int64 {
	t.Helper()
	out := make(map[int32][]int64)
	for _, r := range recs {
		if want := fmt.Sprintf("%d/%d", r.Partition, r.Offset); string(r.Value) != want && !strings.HasPrefix(string(r.Value), "new ") {
			t.Errorf("record %d@%d has value %q, want %q", r.Partition, r.Offset, r.Value, want)
		}
		out[r.Partition] = append(out[r.Partition], r.Offset)
	}
	return out
}

func span(from, to int64) []int64 {
	var out []int64
	for o := from; o < to; o++ {
		out = append(out, o)
	}
	return out
}

// filled is a topic "orders" with three partitions: 0 holds offsets 0-199,
// 1 holds 0-49, 2 holds 30-199 (the first 30 deleted); offset o was written
// at minute o after t0.
func filled(t testing.TB) (*kafkatest.Cluster, *kafka.Source) {
	t.Helper()
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	c.Fill("orders", 0, 200, minuteOf)
	c.Fill("orders", 1, 50, minuteOf)
	c.Fill("orders", 2, 200, minuteOf)
	if err := c.Fake.DeleteRecords("orders", 2, 30); err != nil {
		t.Fatal(err)
	}
	return c, newSource(t, c.Addrs())
}

func TestTailBoundedRanges(t *testing.T) {
	c, s := filled(t)
	at := func(o int64) string { return "@" + minuteOf(o).Format(time.RFC3339) }
	for _, tc := range []struct {
		rng   string
		parts []int32
		want  map[int32][]int64
	}{
		{"oldest:newest", nil, map[int32][]int64{0: span(0, 200), 1: span(0, 50), 2: span(30, 200)}},
		{"oldest:+100", []int32{0, 2}, map[int32][]int64{0: span(0, 100), 2: span(30, 130)}},
		{"-5:newest", []int32{0, 2}, map[int32][]int64{0: span(195, 200), 2: span(195, 200)}},
		{"10:20", []int32{0, 2}, map[int32][]int64{0: span(10, 20)}}, // 2 starts at 30: nothing
		{"40:45", []int32{0, 2}, map[int32][]int64{0: span(40, 45), 2: span(40, 45)}},
		{"+10:+5", []int32{0, 2}, map[int32][]int64{0: span(10, 15), 2: span(40, 45)}},
		{"-10:-5", []int32{0, 2}, map[int32][]int64{0: span(190, 195), 2: span(190, 195)}},
		{"-1000:+3", []int32{0, 2}, map[int32][]int64{0: span(0, 3), 2: span(30, 33)}}, // clamped to the start
		{"+1000:newest", []int32{0, 2}, map[int32][]int64{}},                           // clamped to the end
		{":5", []int32{0, 1}, map[int32][]int64{0: span(0, 5), 1: span(0, 5)}},
		{at(50) + ":" + at(60), []int32{0, 2}, map[int32][]int64{0: span(50, 60), 2: span(50, 60)}},
		{at(45) + ":+3", []int32{1}, map[int32][]int64{1: span(45, 48)}},
		{"e@" + fmt.Sprint(minuteOf(3).UnixMilli()), []int32{0, 1}, map[int32][]int64{0: span(0, 3), 1: span(0, 3)}},
		{at(-100) + ":" + at(-50), []int32{0, 2}, map[int32][]int64{}}, // before every record
		{at(500) + ":newest", []int32{0, 2}, map[int32][]int64{}},      // after every record
		{at(190) + ":" + at(500), []int32{0, 1, 2}, map[int32][]int64{0: span(190, 200), 2: span(190, 200)}},
		{"newest:newest", nil, map[int32][]int64{}},
	} {
		t.Run(tc.rng+"/"+sources.FormatPartitions(tc.parts), func(t *testing.T) {
			st := openTail(t, s, sources.TailSpec{Topic: "orders", Partitions: tc.parts, Range: mustRange(t, tc.rng)})
			got := byPartition(t, readToEOF(t, st, 7))
			if len(got) != len(tc.want) {
				t.Errorf("partitions read %v, want %v", keys(got), keys(tc.want))
			}
			for p, want := range tc.want {
				if !slices.Equal(got[p], want) {
					t.Errorf("partition %d: offsets %v, want %v", p, got[p], want)
				}
			}
			// The end stays the end.
			if _, err := st.Next(context.Background(), 10); !errors.Is(err, io.EOF) {
				t.Errorf("Next after the end: %v, want io.EOF", err)
			}
			if d := st.Describe(); !strings.Contains(d, "no consumer group") || !strings.Contains(d, "from ") {
				t.Errorf("Describe() = %q", d)
			}
		})
	}
	noGroups(t, c)
}

func keys(m map[int32][]int64) []int32 {
	var out []int32
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestTailStarts reads from every start form without an end: what is there
// first, then what is produced afterwards, and nothing from partitions not
// selected.
func TestTailStarts(t *testing.T) {
	at := func(o int64) string { return "@" + minuteOf(o).Format(time.RFC3339Nano) }
	for _, tc := range []struct {
		start string
		want  map[int32][]int64 // on partitions 0 and 2, before anything new
	}{
		{"oldest", map[int32][]int64{0: span(0, 200), 2: span(30, 200)}},
		{"newest", map[int32][]int64{}},
		{"150", map[int32][]int64{0: span(150, 200), 2: span(150, 200)}},
		{"10", map[int32][]int64{0: span(10, 200), 2: span(30, 200)}},
		{"+160", map[int32][]int64{0: span(160, 200), 2: span(190, 200)}},
		{"-3", map[int32][]int64{0: span(197, 200), 2: span(197, 200)}},
		{at(195), map[int32][]int64{0: span(195, 200), 2: span(195, 200)}},
		{"@" + minuteOf(194).Add(30*time.Second).Format(time.RFC3339), map[int32][]int64{0: span(195, 200), 2: span(195, 200)}}, // between two records
	} {
		t.Run(tc.start, func(t *testing.T) {
			c, s := filled(t) // each case appends to it
			st := openTail(t, s, sources.TailSpec{Topic: "orders", Partitions: []int32{0, 2}, Range: mustRange(t, tc.start)})
			n := 0
			for _, offs := range tc.want {
				n += len(offs)
			}
			got := byPartition(t, readN(t, st, n))
			for p, want := range tc.want {
				if !slices.Equal(got[p], want) {
					t.Errorf("partition %d: offsets %v, want %v", p, got[p], want)
				}
			}
			// What arrives next is what is produced now, on the selected
			// partitions only.
			ends := map[int32]int64{}
			for _, p := range []int32{0, 1, 2} {
				ends[p] = c.Fill("orders", p, 1, nil)
			}
			next := readN(t, st, 2)
			got = byPartition(t, next)
			if len(got) != 2 || !slices.Equal(got[0], []int64{ends[0]}) || !slices.Equal(got[2], []int64{ends[2]}) {
				t.Errorf("after producing: %v, want partition 0 @%d and 2 @%d", got, ends[0], ends[2])
			}
			noGroups(t, c)
		})
	}
}

// TestTailRecords checks what a record carries: keys (null and empty apart),
// values, repeated headers, timestamps, and bytes of its own.
func TestTailRecords(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(1, 1, "events")
	s := newSource(t, c.Addrs())
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	msgs := []sources.Message{
		{Key: nil, Value: []byte("no key"), Partition: 0},
		{Key: []byte{}, Value: []byte("empty key"), Partition: 0},
		{Key: []byte("k"), Value: nil, Partition: 0}, // a tombstone
		{Key: []byte("k"), Value: []byte("v"), Headers: []sources.Header{{Key: "h", Value: []byte("1")}, {Key: "h", Value: []byte("2")}, {Key: "e", Value: []byte{}}, {Key: "n"}}, Partition: 0},
	}
	if res := s.Do(ctx, sources.Request{Body: sources.Produce{Topic: "events", Messages: msgs}}); res.Failed() {
		t.Fatalf("produce: %+v", res)
	}
	st := openTail(t, s, sources.TailSpec{Topic: "events", Range: mustRange(t, "oldest:newest")})
	recs := readToEOF(t, st, 100)
	if len(recs) != len(msgs) {
		t.Fatalf("%d records, want %d", len(recs), len(msgs))
	}
	for i, r := range recs {
		m := msgs[i]
		if r.Topic != "events" || r.Partition != 0 || r.Offset != int64(i) || r.Timestamp.IsZero() {
			t.Errorf("record %d: %+v", i, r)
		}
		if (r.Key == nil) != (m.Key == nil) || string(r.Key) != string(m.Key) {
			t.Errorf("record %d: key %#v, want %#v", i, r.Key, m.Key)
		}
		if (r.Value == nil) != (m.Value == nil) || string(r.Value) != string(m.Value) {
			t.Errorf("record %d: value %#v, want %#v", i, r.Value, m.Value)
		}
		if len(r.Headers) != len(m.Headers) {
			t.Fatalf("record %d: headers %+v, want %+v", i, r.Headers, m.Headers)
		}
		for j, h := range r.Headers {
			if h.Key != m.Headers[j].Key || string(h.Value) != string(m.Headers[j].Value) || (h.Value == nil) != (m.Headers[j].Value == nil) {
				t.Errorf("record %d header %d: %+v, want %+v", i, j, h, m.Headers[j])
			}
		}
		// Capacity stops at the record's own bytes: appending to one
		// slice cannot overwrite the next.
		if cap(r.Key) != len(r.Key) || cap(r.Value) != len(r.Value) {
			t.Errorf("record %d: key cap %d len %d, value cap %d len %d", i, cap(r.Key), len(r.Key), cap(r.Value), len(r.Value))
		}
	}
}

// TestTailGaps ends bounded reads whose last offsets hold no record: a
// transaction's commit marker, and offsets emptied by compaction.
func TestTailGaps(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(2, 1, "txn")
	c.CreateTopic("compacted", 1, 1, map[string]string{"cleanup.policy": "compact"})
	c.ProduceTransaction("txn", 0, "a", "b", "c")
	c.Fill("txn", 1, 3, nil)
	// Offsets 0-7 hold keys x a b c a b c y: compaction empties 1-3, and a
	// read of 1:4 finds nothing before its end.
	for _, k := range []string{"x", "a", "b", "c", "a", "b", "c", "y"} {
		c.ProduceRecords(recordKV("compacted", k, k))
	}
	c.Fake.Compact()
	s := newSource(t, c.Addrs())

	st := openTail(t, s, sources.TailSpec{Topic: "txn", Range: mustRange(t, "oldest:newest")})
	got := readToEOF(t, st, 10)
	var values []string
	for _, r := range got {
		values = append(values, fmt.Sprintf("%d@%d=%s", r.Partition, r.Offset, r.Value))
	}
	slices.Sort(values)
	if want := []string{"0@0=a", "0@1=b", "0@2=c", "1@0=1/0", "1@1=1/1", "1@2=1/2"}; !slices.Equal(values, want) {
		t.Errorf("transactional topic read %v, want %v (the commit marker is never returned)", values, want)
	}

	for _, tc := range []struct {
		rng  string
		want []int64
	}{
		{"oldest:newest", []int64{0, 4, 5, 6, 7}},
		{"1:4", nil},
		{"2:3", nil},
		{"1:5", []int64{4}},
		{"0:4", []int64{0}},
		{"-5:newest", []int64{4, 5, 6, 7}},
	} {
		t.Run("compacted "+tc.rng, func(t *testing.T) {
			st := openTail(t, s, sources.TailSpec{Topic: "compacted", Range: mustRange(t, tc.rng)})
			var offs []int64
			for _, r := range readToEOF(t, st, 10) {
				offs = append(offs, r.Offset)
			}
			if !slices.Equal(offs, tc.want) {
				t.Errorf("offsets %v, want %v", offs, tc.want)
			}
		})
	}
}

func TestTailErrors(t *testing.T) {
	_, s := filled(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for _, tc := range []struct {
		spec sources.TailSpec
		want string
	}{
		{sources.TailSpec{Topic: "ordres"}, `topic "ordres" does not exist`},
		{sources.TailSpec{Topic: "orders", Partitions: []int32{9}}, "orders has 3 partitions (0-2); no partition 9"},
		{sources.TailSpec{Topic: "orders", Partitions: []int32{1, 7, 9}}, "orders has 3 partitions (0-2); no partitions 7, 9"},
		{sources.TailSpec{}, "no topic"},
	} {
		st, err := s.Tail(ctx, tc.spec)
		if err == nil {
			st.Close()
			t.Errorf("Tail(%+v) opened", tc.spec)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Tail(%+v) = %v, want %q", tc.spec, err, tc.want)
		}
	}
}

func TestStreamClose(t *testing.T) {
	_, s := filled(t)
	st := openTail(t, s, sources.TailSpec{Topic: "orders", Range: mustRange(t, "newest")})
	done := make(chan error, 1)
	go func() {
		_, err := st.Next(context.Background(), 10)
		done <- err
	}()
	st.Close()
	st.Close() // idempotent
	if err := <-done; !errors.Is(err, sources.ErrStreamClosed) {
		t.Errorf("blocked Next after Close: %v", err)
	}
	if _, err := st.Next(context.Background(), 10); !errors.Is(err, sources.ErrStreamClosed) {
		t.Errorf("Next after Close: %v", err)
	}

	// A cancelled context ends a blocked Next with its error.
	st2 := openTail(t, s, sources.TailSpec{Topic: "orders", Range: mustRange(t, "newest")})
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	if _, err := st2.Next(ctx, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("Next with a cancelled context: %v", err)
	}

	// Closing the source closes its streams.
	st3 := openTail(t, s, sources.TailSpec{Topic: "orders", Range: mustRange(t, "newest")})
	go func() {
		_, err := st3.Next(context.Background(), 10)
		done <- err
	}()
	s.Close()
	if err := <-done; !errors.Is(err, sources.ErrStreamClosed) {
		t.Errorf("Next after the source closed: %v", err)
	}
	if _, err := s.Tail(context.Background(), sources.TailSpec{Topic: "orders"}); err == nil {
		t.Error("Tail opened on a closed source")
	}
}

// TestTailNoFootprint: a tail uses no consumer group and commits nothing.
func TestTailNoFootprint(t *testing.T) {
	c, s := filled(t)
	st := openTail(t, s, sources.TailSpec{Topic: "orders", Range: mustRange(t, "oldest")})
	readN(t, st, 420)
	st.Close()
	noGroups(t, c)
}

func noGroups(t *testing.T, c *kafkatest.Cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	groups, err := c.Admin().ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Offsets are committed under a group, and a group that committed is
	// listed (Empty) even when no member is left: none means none.
	if len(groups) != 0 {
		t.Errorf("groups after tailing: %v", groups.Groups())
	}
}

func recordKV(topic, key, value string) *kgo.Record {
	return &kgo.Record{Topic: topic, Key: []byte(key), Value: []byte(value)}
}

// TestTailDeletedTopic ends a stream whose topic is deleted, or deleted and
// created again (the new topic is another log: offsets mean nothing across).
func TestTailDeletedTopic(t *testing.T) {
	for _, recreate := range []bool{false, true} {
		t.Run(fmt.Sprintf("recreate=%v", recreate), func(t *testing.T) {
			c, s := filled(t)
			st := openTail(t, s, sources.TailSpec{Topic: "orders", Range: mustRange(t, "newest")})
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			if _, err := c.Admin().DeleteTopics(ctx, "orders"); err != nil {
				t.Fatal(err)
			}
			if recreate {
				c.CreateTopics(3, 3, "orders")
			}
			for {
				_, err := st.Next(ctx, 10)
				if err == nil {
					continue
				}
				if !strings.Contains(err.Error(), `topic "orders" was deleted`) {
					t.Errorf("Next after deleting the topic: %v", err)
				}
				return
			}
		})
	}
}

// TestTailStartPastTheEnd: an offset beyond the high watermark is where the
// read starts once records reach it, never earlier records.
func TestTailStartPastTheEnd(t *testing.T) {
	for _, start := range []string{"15", "+15", "15:17"} {
		t.Run(start, func(t *testing.T) {
			c := kafkatest.NewCluster(t)
			c.CreateTopics(1, 1, "orders")
			c.Fill("orders", 0, 10, nil)
			s := newSource(t, c.Addrs())
			st := openTail(t, s, sources.TailSpec{Topic: "orders", Range: mustRange(t, start)})
			c.Fill("orders", 0, 10, nil) // offsets 10…19
			want := []int64{15, 16, 17, 18, 19}
			if start == "15:17" {
				want = want[:2]
			}
			var got []int64
			for _, r := range readN(t, st, len(want)) {
				got = append(got, r.Offset)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("offsets %v, want %v", got, want)
			}
		})
	}
}
