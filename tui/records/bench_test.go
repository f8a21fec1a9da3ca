package records

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
)

// records100 are records with a 100-byte value, as the tail's targets assume.
func records100(n int) []sources.Record {
	rs := make([]sources.Record, n)
	ts := time.Now()
	for i := range rs {
		v := fmt.Appendf(nil, `{"id":%d,"user":"user-%d","status":"shipped","city":"Zürich","note":"lorem ipsum dolor"}`, i, i%977)
		v = append(v, bytes.Repeat([]byte{' '}, max(100-len(v), 0))...)[:100]
		rs[i] = sources.Record{
			Topic: "orders", Partition: int32(i % 12), Offset: int64(i), Timestamp: ts,
			Key: fmt.Appendf(nil, "user-%d", i%977), Value: v,
			Headers: []sources.Header{{Key: "trace", Value: []byte("0af7651916cd43dd")}},
		}
	}
	return rs
}

func perSecond(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkRingPush(b *testing.B) {
	rs := records100(1000)
	q := NewRing(10_000, 64<<20)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		q.Push(rs[:100]) // batches of 100, as a frame's worth
		q.Push(rs[100:1000])
		n += 1000
	}
	perSecond(b, n)
}

func BenchmarkMatcherMatch(b *testing.B) {
	rs := records100(1000)
	for _, expr := range []string{"nomatch-xyz", "SHIPPED", "zürich-none", `~user-9\d\d"`} {
		b.Run(expr, func(b *testing.B) {
			m, err := NewMatcher(expr)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				m.Match(&rs[n%len(rs)])
				n++
			}
			perSecond(b, n)
		})
	}
}

func BenchmarkSummarize(b *testing.B) {
	rs := records100(1000)
	now := time.Now()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		_ = Summarize(&rs[n%len(rs)], now, 200)
		n++
	}
	perSecond(b, n)
}

func BenchmarkTextLine(b *testing.B) {
	rs := records100(1000)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		buf = TextLine(buf[:0], &rs[n%len(rs)], true)
		n++
	}
	perSecond(b, n)
}

func BenchmarkAppendJSON(b *testing.B) {
	rs := records100(1000)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		buf = AppendJSON(buf[:0], &rs[n%len(rs)])
		n++
	}
	perSecond(b, n)
}

func BenchmarkFormatAppend(b *testing.B) {
	rs := records100(1000)
	f, err := ParseFormat(`%t [%p] %o %T %k=%s (%h)\n`)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		buf = f.Append(buf[:0], &rs[n%len(rs)], true)
		n++
	}
	perSecond(b, n)
}

func BenchmarkRender(b *testing.B) {
	text := bytes.Repeat([]byte("lorem ipsum dolor sit amet, 日本語\n"), 30_000) // ~1 MB
	jsonDoc := append([]byte(`[`), bytes.Repeat([]byte(`{"id":12345,"name":"lorem ipsum dolor"},`), 25_000)...)
	jsonDoc = append(jsonDoc, `{}]`...)
	for _, tc := range []struct {
		name string
		b    []byte
		mode Mode
	}{{"text-1MB", text, Text}, {"json-1MB", jsonDoc, JSON}, {"hex-1MB", text, Hex}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.b)))
			for b.Loop() {
				Render(tc.b, tc.mode, 80)
			}
		})
	}
}
