package nsq_test

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	gonsq "github.com/nsqio/go-nsq"

	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// BenchmarkTail is messages/s through Next, end to end: go-nsq producers
// publish 100-byte messages in batches of 200 to in-process nsqd, round the
// nodes, and one reader takes them with Next(ctx, 1024). Publishers keep at
// most 5000 messages ahead of the reader, as an ephemeral channel drops what
// is over nsqd's --mem-queue-size (10000). The producers and nsqd share the
// CPUs with the tail, so this is a floor for the tail alone.
func BenchmarkTail(b *testing.B) {
	for _, nodes := range []int{1, 3} {
		b.Run(fmt.Sprintf("nsqd=%d", nodes), func(b *testing.B) {
			c := nsqtest.NewCluster(b, 0, nodes, nsqtest.NoE2E())
			var (
				addrs     []string
				producers []*gonsq.Producer
			)
			for i := range nodes {
				c.CreateTopic(i, "bench")
				addrs = append(addrs, c.HTTPAddr(i))
				producers = append(producers, c.Producer(i))
			}
			st := openTail(b, tailSource(b, c, nsq.Config{NSQDs: addrs}), "bench")
			for i := range nodes {
				tailChannels(b, c, i, "bench", 1)
			}
			const window, batchSize = 5000, 200
			batch := make([][]byte, batchSize)
			for i := range batch {
				batch[i] = bytes.Repeat([]byte("x"), 100)
			}
			var read atomic.Int64
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			published := make(chan error, 1)

			b.ResetTimer()
			go func() {
				for sent, k := 0, 0; sent < b.N; k++ {
					for sent-int(read.Load()) > window {
						if ctx.Err() != nil {
							published <- ctx.Err()
							return
						}
						time.Sleep(20 * time.Microsecond)
					}
					n := min(batchSize, b.N-sent)
					if err := producers[k%nodes].MultiPublish("bench", batch[:n]); err != nil {
						published <- err
						return
					}
					sent += n
				}
				published <- nil
			}()
			for got := 0; got < b.N; {
				recs, err := st.Next(ctx, 1024)
				if err != nil {
					b.Fatalf("Next after %d of %d: %v", got, b.N, err)
				}
				got += len(recs)
				read.Store(int64(got))
			}
			b.StopTimer()
			if err := <-published; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
