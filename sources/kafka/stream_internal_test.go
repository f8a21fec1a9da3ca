package kafka

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// TestStreamBuffersBounded: a stream that nobody reads holds no more than its
// fetch limits allow, however much the topic holds, and 1 MB records come
// through whole once read.
func TestStreamBuffersBounded(t *testing.T) {
	const (
		perPartition = 20
		size         = 1_000_000
	)
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 1, "big")
	c.SpreadLeaders("big")
	s, err := New(Config{Brokers: c.Addrs(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	values := make([][]byte, 3)
	for p := range int32(3) {
		values[p] = make([]byte, size)
		rand.Read(values[p])
		var msgs []sources.Message
		for range perPartition {
			msgs = append(msgs, sources.Message{Key: []byte{byte(p)}, Value: values[p], Partition: p})
		}
		if res := s.Do(ctx, sources.Request{Body: sources.Produce{Topic: "big", Messages: msgs}}); res.Failed() {
			t.Fatalf("produce 1 MB records: %+v", res)
		}
	}

	spec := sources.TailSpec{Topic: "big", Range: sources.Range{Start: sources.Position{Kind: sources.PosOldest}, End: sources.Position{Kind: sources.PosNewest}, HasEnd: true}}
	opened, err := s.Tail(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(opened.Close)
	st := opened.(*stream)
	// Each fetch holds at most fetchMaxBytes, and each partition gives a
	// fetch at most fetchMaxPartitionBytes or one record more.
	bound := int64(maxConcurrentFetches) * (fetchMaxBytes + size)
	deadline := time.Now().Add(30 * time.Second)
	for st.cl.BufferedFetchBytes() < 3*size && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // until every broker's first fetch is in
	}
	for range 40 { // fetching goes on in the background: it must stop at the bound
		if n := st.cl.BufferedFetchBytes(); n > bound {
			t.Fatalf("%d bytes buffered, more than the %d the fetch limits allow", n, bound)
		}
		time.Sleep(5 * time.Millisecond)
	}

	n := 0
	for {
		recs, err := st.Next(ctx, 7)
		for _, r := range recs {
			if !bytes.Equal(r.Value, values[r.Partition]) || cap(r.Value) != size {
				t.Fatalf("record %d@%d: %d bytes, not the %d produced", r.Partition, r.Offset, len(r.Value), size)
			}
		}
		n += len(recs)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if n != 3*perPartition {
		t.Errorf("read %d records, want %d", n, 3*perPartition)
	}
}
