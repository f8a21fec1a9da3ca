package nsq

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// A reader that does not keep up holds nsqd back: at half full the tail
// stops nsqd sending, what was in flight lands in the queue, and the rest
// waits in nsqd. Nothing stays in flight, so a reader that pauses for longer
// than nsqd's --msg-timeout loses nothing to it: every message arrives once,
// in order, on its first attempt.
func TestTailBackPressure(t *testing.T) {
	c := nsqtest.NewCluster(t, 0, 1, nsqtest.MsgTimeout(100*time.Millisecond))
	c.CreateTopic(0, "orders")
	// A consumer that keeps its messages in flight, to see nsqd's timeouts go by.
	c.ConsumeOn([]int{0}, "orders", "holder", nsqtest.Hold())
	src, err := New(Config{NSQDs: []string{c.HTTPAddr(0)}, HTTPClient: c.HTTPClient(), Interval: 50 * time.Millisecond, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st, err := src.Tail(context.Background(), sources.TailSpec{Topic: "orders", Range: sources.Range{Start: sources.Position{Kind: sources.PosNewest}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	ts := st.(*tailStream)
	tailChannel := func() nsqtest.ChannelStats {
		ch, _ := c.NSQD(0).FindChannel(t, "orders", ts.channel)
		return ch
	}
	nsqtest.WaitFor(t, "the tail subscribed", func() bool { return tailChannel().ClientCount == 1 })

	// Under nsqd's --mem-queue-size (10000), past which an ephemeral
	// channel drops messages.
	total := queueRecords + 1000
	p := c.Producer(0)
	for sent := 0; sent < total; {
		var batch [][]byte
		for ; len(batch) < 500 && sent < total; sent++ {
			batch = append(batch, fmt.Appendf(nil, "%05d", sent))
		}
		if err := p.MultiPublish("orders", batch); err != nil {
			t.Fatal(err)
		}
	}
	queued := func() int {
		ts.queue.mu.Lock()
		defer ts.queue.mu.Unlock()
		return len(ts.queue.recs) - ts.queue.head
	}
	// At least half queued: go-nsq may set a ready count of 0 for a moment
	// as it redistributes, which looks held back before the queue fills.
	nsqtest.WaitFor(t, "nsqd held back with nothing in flight", func() bool {
		ch, n := tailChannel(), queued()
		return ch.MessageCount == uint64(total) && ch.InFlightCount == 0 && ch.Depth+int64(n) == int64(total) && n >= queueRecords/2
	})
	if n := queued(); n < queueRecords/2 || n > queueRecords/2+maxInFlight(1) {
		t.Errorf("%d records queued, want half the queue (%d) and at most what was in flight (%d)", n, queueRecords/2, maxInFlight(1))
	}
	holder, _ := c.NSQD(0).FindChannel(t, "orders", "holder")
	nsqtest.WaitFor(t, "nsqd's msg-timeout to pass three times", func() bool {
		ch, _ := c.NSQD(0).FindChannel(t, "orders", "holder")
		return ch.TimeoutCount >= holder.TimeoutCount+3
	})

	ctx, cancel := context.WithTimeout(context.Background(), nsqtest.WaitTimeout)
	defer cancel()
	for next := 0; next < total; {
		recs, err := st.Next(ctx, 1000)
		if err != nil {
			t.Fatalf("Next after %d records: %v", next, err)
		}
		for _, r := range recs {
			if want := fmt.Sprintf("%05d", next); string(r.Value) != want || r.Attempts != 1 {
				t.Fatalf("record %q attempt %d, want %s attempt 1", r.Value, r.Attempts, want)
			}
			next++
		}
	}
	nsqtest.WaitFor(t, "nsqd to have handed everything over", func() bool {
		ch := tailChannel()
		return ch.Depth == 0 && ch.InFlightCount == 0
	})
	if ch := tailChannel(); ch.TimeoutCount != 0 || ch.RequeueCount != 0 {
		t.Errorf("tail channel %+v, want nothing timed out or requeued", ch)
	}
	if p := st.Problem(); p != "" {
		t.Errorf("Problem %q", p)
	}
}

// BenchmarkRecordQueue is the queue alone: one goroutine pushing, Next's
// side popping in batches of up to 1024.
func BenchmarkRecordQueue(b *testing.B) {
	q := newRecordQueue(queueRecords, queueBytes)
	b.Cleanup(q.close)
	r := sources.Record{Value: make([]byte, 100)}
	go func() {
		for {
			if _, _, ok := q.push(r); !ok {
				return
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for got := 0; got < b.N; {
		recs, err := q.pop(context.Background(), min(1024, b.N-got))
		if err != nil {
			b.Fatal(err)
		}
		got += len(recs)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
