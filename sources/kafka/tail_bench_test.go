package kafka_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

const (
	benchRecords   = 200_000
	benchValueSize = 100
)

// benchTopic fills a topic of the given partitions with benchRecords records
// of benchValueSize bytes, spread evenly.
func benchTopic(b *testing.B, partitions int32) *kafkatest.Cluster {
	b.Helper()
	c := kafkatest.NewCluster(b)
	c.CreateTopics(partitions, 1, "bench")
	rs := make([]*kgo.Record, benchRecords)
	for i := range rs {
		v := fmt.Appendf(nil, `{"order":%09d,"item":"widget","note":"`, i)
		v = append(v, bytes.Repeat([]byte{'a' + byte(i%26)}, benchValueSize-len(v)-2)...)
		v = append(v, '"', '}')
		rs[i] = &kgo.Record{Topic: "bench", Partition: int32(i) % partitions, Key: fmt.Appendf(nil, "k%d", i%1000), Value: v}
	}
	c.ProduceRecords(rs...)
	return c
}

// BenchmarkTail streams benchRecords records from kfake through Next, as
// `topicat tail --from oldest` does: open, read to the end, close.
func BenchmarkTail(b *testing.B) {
	for _, partitions := range []int32{1, 6} {
		b.Run(fmt.Sprintf("partitions=%d", partitions), func(b *testing.B) {
			c := benchTopic(b, partitions)
			s := newSource(b, c.Addrs())
			rng := sources.Range{Start: sources.Position{Kind: sources.PosOldest}, End: sources.Position{Kind: sources.PosNewest}, HasEnd: true}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			b.SetBytes(benchRecords * benchValueSize)
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				st, err := s.Tail(ctx, sources.TailSpec{Topic: "bench", Range: rng})
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					recs, err := st.Next(ctx, 4096)
					n += len(recs)
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				st.Close()
				if n != benchRecords {
					b.Fatalf("read %d records, want %d", n, benchRecords)
				}
			}
			b.ReportMetric(float64(benchRecords*b.N)/time.Since(start).Seconds(), "records/s")
		})
	}
}

// BenchmarkKcatConsume is kcat reading the same topic to its end, printing
// each record's offset (its cheapest output), for comparison with
// BenchmarkTail.
func BenchmarkKcatConsume(b *testing.B) {
	path, err := exec.LookPath("kcat")
	if err != nil {
		b.Skip("kcat is not on PATH")
	}
	for _, partitions := range []int32{1, 6} {
		b.Run(fmt.Sprintf("partitions=%d", partitions), func(b *testing.B) {
			c := benchTopic(b, partitions)
			brokers := strings.Join(c.Addrs(), ",")
			b.SetBytes(benchRecords * benchValueSize)
			start := time.Now()
			for b.Loop() {
				out, err := exec.Command(path, "-b", brokers, "-C", "-e", "-q", "-o", "beginning", "-f", "%o\n", "-t", "bench").Output()
				if err != nil {
					b.Fatal(err)
				}
				if n := bytes.Count(out, []byte{'\n'}); n != benchRecords {
					b.Fatalf("kcat read %d records, want %d", n, benchRecords)
				}
			}
			b.ReportMetric(float64(benchRecords*b.N)/time.Since(start).Seconds(), "records/s")
		})
	}
}
