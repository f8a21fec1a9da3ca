package kafka

import (
	"slices"
	"sync"
	"time"
)

// timeLagCacheSize bounds the cached record times: one per group partition
// whose page was opened, so a few thousand cover what a person looks at.
const timeLagCacheSize = 4096

// lagKey is one partition of one group.
type lagKey struct {
	group, topic string
	partition    int32
}

// lagEntry is the timestamp of the record at a committed offset. It holds as
// long as the group's committed offset stays there (and the topic is the same
// one: a topic re-created has another ID).
type lagEntry struct {
	offset  int64
	topicID [16]byte
	at      time.Time
	used    uint64 // when last read or written, on the cache's own clock
}

// timeLagCache remembers, per group partition, the timestamp of the record
// at the committed offset, so that the group page fetches a record again
// only when the offset moves. A new offset replaces the partition's entry,
// so the cache holds at most one entry per group partition, and at most max
// in all: the least recently used quarter goes when it is full.
type timeLagCache struct {
	mu      sync.Mutex
	max     int
	clock   uint64
	entries map[lagKey]lagEntry
}

func newTimeLagCache(max int) *timeLagCache {
	return &timeLagCache{max: max, entries: make(map[lagKey]lagEntry)}
}

// get is the cached timestamp for the partition at offset, if any.
func (c *timeLagCache) get(k lagKey, offset int64, topicID [16]byte) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || e.offset != offset || e.topicID != topicID {
		return time.Time{}, false
	}
	c.clock++
	e.used = c.clock
	c.entries[k] = e
	return e.at, true
}

// put stores the timestamp of the record at offset.
func (c *timeLagCache) put(k lagKey, offset int64, topicID [16]byte, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; !ok && len(c.entries) >= c.max {
		c.evict()
	}
	c.clock++
	c.entries[k] = lagEntry{offset: offset, topicID: topicID, at: at, used: c.clock}
}

// evict drops the least recently used quarter of the entries (at least one).
func (c *timeLagCache) evict() {
	used := make([]uint64, 0, len(c.entries))
	for _, e := range c.entries {
		used = append(used, e.used)
	}
	slices.Sort(used)
	cut := used[max(len(used)/4, 1)-1]
	for k, e := range c.entries {
		if e.used <= cut {
			delete(c.entries, k)
		}
	}
}

func (c *timeLagCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// timeLags is the Source's time-lag cache.
func (s *Source) timeLags() *timeLagCache { return s.timeLagCache }
