package records

import (
	"fmt"
	"testing"

	"github.com/topicat/topicat/sources"
)

func rec(value string) sources.Record {
	return sources.Record{Topic: "t", Value: []byte(value)}
}

func batch(n, size int) []sources.Record {
	b := make([]sources.Record, n)
	for i := range b {
		b[i] = sources.Record{Topic: "t", Offset: int64(i), Value: make([]byte, size)}
	}
	return b
}

// values lists what the ring holds, oldest first, checking Get on the way.
func values(t *testing.T, q *Ring) []string {
	t.Helper()
	var out []string
	for seq := q.First(); seq < q.End(); seq++ {
		r, ok := q.Get(seq)
		if !ok {
			t.Fatalf("Get(%d) missing in [%d,%d)", seq, q.First(), q.End())
		}
		out = append(out, string(r.Value))
	}
	if len(out) != q.Len() {
		t.Fatalf("Len %d, but %d records between First and End", q.Len(), len(out))
	}
	return out
}

func TestRing(t *testing.T) {
	cost := func(v string) int64 { r := rec(v); return Cost(&r) }
	tests := []struct {
		name     string
		maxCount int
		maxBytes int64
		pushes   [][]string
		want     []string
		first    uint64
		evicted  uint64
	}{
		{"empty", 3, 0, nil, nil, 0, 0},
		{"under both bounds", 3, 0, [][]string{{"a", "b"}}, []string{"a", "b"}, 0, 0},
		{"count bound", 3, 0, [][]string{{"a", "b"}, {"c", "d"}, {"e"}}, []string{"c", "d", "e"}, 2, 2},
		{"batch bigger than the ring", 2, 0, [][]string{{"a"}, {"b", "c", "d", "e"}}, []string{"d", "e"}, 3, 3},
		{"byte bound", 10, 3 * cost("xx"), [][]string{{"aa", "bb", "cc", "dd"}}, []string{"bb", "cc", "dd"}, 1, 1},
		{"big record kept alone", 10, 2 * cost("x"), [][]string{{"a", "b"}, {"huge-huge-huge"}}, []string{"huge-huge-huge"}, 2, 2},
		{"big record evicted by the next", 10, 2 * cost("x"), [][]string{{"huge-huge-huge"}, {"a"}}, []string{"a"}, 1, 1},
		{"zero max count means one", 0, 0, [][]string{{"a", "b"}}, []string{"b"}, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := NewRing(tc.maxCount, tc.maxBytes)
			var pushed uint64
			for _, p := range tc.pushes {
				var b []sources.Record
				for _, v := range p {
					b = append(b, rec(v))
				}
				q.Push(b)
				pushed += uint64(len(p))
			}
			if got := values(t, q); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("holds %q, want %q", got, tc.want)
			}
			if q.First() != tc.first || q.End() != pushed || q.Evicted() != tc.evicted {
				t.Fatalf("First/End/Evicted = %d/%d/%d, want %d/%d/%d", q.First(), q.End(), q.Evicted(), tc.first, pushed, tc.evicted)
			}
			var bytes int64
			for _, v := range tc.want {
				bytes += cost(v)
			}
			if q.Bytes() != bytes {
				t.Fatalf("Bytes = %d, want %d", q.Bytes(), bytes)
			}
			if _, ok := q.Get(q.End()); ok {
				t.Fatal("Get(End) found a record")
			}
			if q.First() > 0 {
				if _, ok := q.Get(q.First() - 1); ok {
					t.Fatal("Get of an evicted record found it")
				}
			}
		})
	}
}

func TestRingCost(t *testing.T) {
	r := sources.Record{Key: []byte("k"), Value: []byte("vv"), Headers: []sources.Header{{Key: "h", Value: []byte("123")}}}
	if got, want := Cost(&r), int64(1+2+1+3+RecordOverhead+HeaderOverhead); got != want {
		t.Fatalf("Cost = %d, want %d", got, want)
	}
}

func TestRingReset(t *testing.T) {
	q := NewRing(3, 0)
	q.Push([]sources.Record{rec("a"), rec("b"), rec("c"), rec("d")})
	q.Reset()
	if q.Len() != 0 || q.Bytes() != 0 || q.First() != 4 || q.End() != 4 || q.Evicted() != 1 {
		t.Fatalf("after Reset: len %d bytes %d first %d end %d evicted %d", q.Len(), q.Bytes(), q.First(), q.End(), q.Evicted())
	}
	for i := range q.buf {
		if q.buf[i].Value != nil {
			t.Fatalf("slot %d still holds %q", i, q.buf[i].Value)
		}
	}
	q.Push([]sources.Record{rec("e")})
	if r, ok := q.Get(4); !ok || string(r.Value) != "e" {
		t.Fatalf("Get(4) after Reset = %v %v", r, ok)
	}
	if _, ok := q.Get(1); ok {
		t.Fatal("a number from before Reset still names a record")
	}
}

// TestRingStaysFlat: however long the tail runs, the ring has at most
// maxCount slots and evicted slots hold no reference to their bytes.
func TestRingStaysFlat(t *testing.T) {
	const maxCount = 1000
	q := NewRing(maxCount, 50*(100+RecordOverhead))
	for range 500 {
		q.Push(batch(97, 100))
	}
	if len(q.buf) > maxCount || cap(q.buf) > maxCount {
		t.Fatalf("ring grew to %d slots (cap %d), max %d", len(q.buf), cap(q.buf), maxCount)
	}
	if q.Len() != 50 || q.Evicted() != 500*97-50 {
		t.Fatalf("len %d evicted %d", q.Len(), q.Evicted())
	}
	held := 0
	for i := range q.buf {
		if q.buf[i].Value != nil {
			held++
		}
	}
	if held != q.Len() {
		t.Fatalf("%d slots hold values, but the ring holds %d records", held, q.Len())
	}
}

// TestRingWrapsAndGrows pushes one at a time across growth and wrap-around
// and checks the order against a plain model.
func TestRingWrapsAndGrows(t *testing.T) {
	for _, maxCount := range []int{1, 7, 64, 65, 200} {
		q := NewRing(maxCount, 0)
		var model []string
		for i := range 3*maxCount + 5 {
			v := fmt.Sprint(i)
			q.Push([]sources.Record{rec(v)})
			model = append(model, v)
			if len(model) > maxCount {
				model = model[1:]
			}
			if got := values(t, q); fmt.Sprint(got) != fmt.Sprint(model) {
				t.Fatalf("max %d after %d: %v, want %v", maxCount, i, got, model)
			}
		}
	}
}
