package kafka_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// waitUntil polls cond until it holds; the deadline only stops a hung test.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTailRidesOutBrokerDown: a broker going down does not end the stream;
// Problem says so while it lasts, records on the other brokers keep coming,
// and those on the broker come once it is back.
func TestTailRidesOutBrokerDown(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	c.SpreadLeaders("orders")
	s := newSource(t, c.Addrs())
	st := openTail(t, s, sources.TailSpec{Topic: "orders", Range: mustRange(t, "newest")})
	const down = 1
	onDown, onLive := []int32{1}, []int32{0, 2}
	for p := range int32(3) {
		c.Fill("orders", p, 2, nil)
	}
	readN(t, st, 6)
	if p := st.Problem(); p != "" {
		t.Errorf("Problem() while healthy = %q", p)
	}

	c.BrokerDown(down)
	want := fmt.Sprintf("broker %d (", down)
	waitUntil(t, "Problem names the down broker", func() bool { return strings.Contains(st.Problem(), want) })
	if p := st.Problem(); !strings.HasSuffix(p, "retrying") {
		t.Errorf("Problem() = %q, want it to say it is retrying", p)
	}
	if p := st.Problem(); !strings.Contains(p, "closed the connection") || strings.Contains(p, "TLS") {
		t.Errorf("Problem() = %q, want a closed connection without a TLS hint", p)
	}
	for _, p := range onLive {
		c.Fill("orders", p, 3, nil)
	}
	for _, r := range readN(t, st, 3*len(onLive)) {
		if !slices.Contains(onLive, r.Partition) {
			t.Errorf("record from partition %d, led by the down broker", r.Partition)
		}
	}

	c.BrokerUp(down)
	for _, p := range onDown {
		c.Fill("orders", p, 2, nil)
	}
	for _, r := range readN(t, st, 2*len(onDown)) {
		if !slices.Contains(onDown, r.Partition) {
			t.Errorf("record from partition %d, want only %v", r.Partition, onDown)
		}
	}
	waitUntil(t, "Problem clears", func() bool { return st.Problem() == "" })
}

// TestTailAroundDownBroker: a tail of partitions whose leaders answer opens
// and reads although another partition's leader is down; a tail of that
// partition says what failed.
func TestTailAroundDownBroker(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(6, 3, "orders")
	for p := range int32(6) {
		c.Fill("orders", p, 3, nil)
	}
	c.SpreadLeaders("orders")
	s := newSource(t, c.Addrs())
	const down = 0
	live := []int32{1, 2, 4, 5}
	c.BrokerDown(down)
	st := openTail(t, s, sources.TailSpec{Topic: "orders", Partitions: live, Range: mustRange(t, "oldest:newest")})
	if got := readToEOF(t, st, 100); len(got) != 3*len(live) {
		t.Errorf("read %d records from %v, want %d", len(got), live, 3*len(live))
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, err := s.Tail(ctx, sources.TailSpec{Topic: "orders", Partitions: []int32{0}}); err == nil || !strings.Contains(err.Error(), "list") {
		t.Errorf("tail of a partition whose leader is down: %v", err)
	}
}

// TestTailFatalFetchError: an error the client cannot ride out (here the
// cluster refusing to let the stream read the topic) ends the stream with
// Next's error, after the records read before it.
func TestTailFatalFetchError(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(1, 3, "secret")
	c.Fill("secret", 0, 3, nil)
	s := newSource(t, c.Addrs())
	st := openTail(t, s, sources.TailSpec{Topic: "secret", Range: mustRange(t, "oldest")})
	readN(t, st, 3)
	c.Fake.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Topic: "secret", Err: kerr.TopicAuthorizationFailed, Count: -1})
	c.Fill("secret", 0, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for {
		_, err := st.Next(ctx, 10)
		if err == nil {
			continue
		}
		if !strings.Contains(err.Error(), "TOPIC_AUTHORIZATION_FAILED") || !strings.Contains(err.Error(), "secret partition 0") {
			t.Errorf("Next = %v, want the authorization failure", err)
		}
		break
	}
	if _, err := st.Next(ctx, 10); err == nil || !strings.Contains(err.Error(), "TOPIC_AUTHORIZATION_FAILED") {
		t.Errorf("Next after the end = %v, want the same error", err)
	}
}

// TestNextWakesOnProblem: while nothing arrives because the only leader is
// down, Next returns empty-handed once Problem changes, so a caller that
// shows Problem after each Next shows the trouble without waiting for data.
func TestNextWakesOnProblem(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(1, 3, "orders")
	s := newSource(t, c.Addrs())
	st := openTail(t, s, sources.TailSpec{Topic: "orders", Range: mustRange(t, "newest")})
	c.BrokerDown(c.Leader("orders", 0))
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for {
		recs, err := st.Next(ctx, 10)
		if err != nil {
			t.Fatalf("Next: %v (Problem %q)", err, st.Problem())
		}
		if len(recs) > 0 {
			t.Fatalf("records from a partition whose leader is down: %v", recs)
		}
		if p := st.Problem(); p != "" {
			if !strings.Contains(p, "retrying") {
				t.Fatalf("Problem() = %q", p)
			}
			return
		}
	}
}
