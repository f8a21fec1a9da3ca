package kafka

import (
	"fmt"
	"testing"
	"time"
)

func TestTimeLagCache(t *testing.T) {
	at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	id := [16]byte{1}
	k := lagKey{"g", "orders", 0}
	c := newTimeLagCache(8)

	if _, ok := c.get(k, 5, id); ok {
		t.Fatal("an empty cache answered")
	}
	c.put(k, 5, id, at)
	for _, tc := range []struct {
		name   string
		key    lagKey
		offset int64
		id     [16]byte
		hit    bool
	}{
		{"the same offset", k, 5, id, true},
		{"the offset moved", k, 6, id, false},
		{"the topic was re-created", k, 5, [16]byte{2}, false},
		{"another group", lagKey{"h", "orders", 0}, 5, id, false},
		{"another partition", lagKey{"g", "orders", 1}, 5, id, false},
	} {
		if got, ok := c.get(tc.key, tc.offset, tc.id); ok != tc.hit || (ok && !got.Equal(at)) {
			t.Errorf("%s: %v %v, want hit %v", tc.name, got, ok, tc.hit)
		}
	}
	// A new offset replaces the partition's entry rather than adding one.
	c.put(k, 6, id, at.Add(time.Minute))
	if c.len() != 1 {
		t.Fatalf("%d entries after moving one partition's offset", c.len())
	}
	if _, ok := c.get(k, 5, id); ok {
		t.Error("the old offset still answers")
	}

	// Bounded: full, it drops the least recently used quarter; what was
	// read lately stays.
	for i := range 20 {
		c.put(lagKey{"g", fmt.Sprint("t", i), 0}, 1, id, at)
		c.get(k, 6, id) // keep k in use
		if c.len() > 8 {
			t.Fatalf("%d entries, bound 8", c.len())
		}
	}
	if _, ok := c.get(k, 6, id); !ok {
		t.Error("the entry read all along was evicted")
	}
	if _, ok := c.get(lagKey{"g", "t19", 0}, 1, id); !ok {
		t.Error("the newest entry was evicted")
	}
}

// TestTimeLagCachePerSource: each Source has its own cache, and the same one
// every time.
func TestTimeLagCachePerSource(t *testing.T) {
	a, err := New(Config{Brokers: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	b, err := New(Config{Brokers: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if a.timeLags() != a.timeLags() || a.timeLags() == b.timeLags() {
		t.Fatal("a Source's cache is not its own")
	}
}
