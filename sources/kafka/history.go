package kafka

import (
	"time"
)

// historyLen is how many polls the source remembers per topic and per group
// partition, and how many observed commits per group partition: Burrow's
// default window of ten.
const historyLen = 10

// ring keeps the last historyLen values pushed. It is a value with no
// pointers of its own, so a history of thousands of partitions is a few
// large allocations rather than many small ones.
type ring[T any] struct {
	buf  [historyLen]T
	next int // where the next push goes
	n    int
}

func (r *ring[T]) push(v T) {
	r.buf[r.next] = v
	r.next = (r.next + 1) % historyLen
	r.n = min(r.n+1, historyLen)
}

func (r *ring[T]) len() int { return r.n }

// at is the i-th value, oldest first.
func (r *ring[T]) at(i int) T { return r.buf[(r.next-r.n+i+2*historyLen)%historyLen] }

func (r *ring[T]) last() T { return r.at(r.n - 1) }

// appendTo appends the values, oldest first.
func (r *ring[T]) appendTo(dst []T) []T {
	first := (r.next - r.n + historyLen) % historyLen
	if first+r.n <= historyLen {
		return append(dst, r.buf[first:first+r.n]...)
	}
	dst = append(dst, r.buf[first:]...)
	return append(dst, r.buf[:r.next]...)
}

// instant is a time as nanoseconds since the history began: the history
// stores many, and a time.Time is three words with a pointer the collector
// must follow. Measured on the monotonic clock, as time.Time.Sub does.
type instant int64

// sub is the duration from j to i.
func (i instant) sub(j instant) time.Duration { return time.Duration(i - j) }

// history is what the source remembers of recent polls to publish rates,
// trends and group statuses: the figures a snapshot cannot compute alone.
type history struct {
	base   time.Time // instant 0
	topics map[string]*topicHist
	groups map[string]*groupHist
}

func newHistory(base time.Time) *history {
	return &history{base: base, topics: make(map[string]*topicHist), groups: make(map[string]*groupHist)}
}

// at is t as an instant of this history.
func (h *history) at(t time.Time) instant { return instant(t.Sub(h.base)) }

// time is instant i as a time.
func (h *history) time(i instant) time.Time { return h.base.Add(time.Duration(i)) }

// topicHist is one topic's recent polls.
type topicHist struct {
	id [16]byte // a topic deleted and re-created gets a new ID: its history restarts
	// high is each partition's last high watermark read (-1 never) and
	// highAt when it was read, by partition ID: a partition whose leader
	// does not answer keeps its last reading, for rates once it answers
	// again and for the lag of groups meanwhile.
	high   []int64
	highAt []instant
	rates  ring[float64] // the topic's rate at each poll, -1 unknown
	seen   uint64        // the last poll that listed the topic
}

// topic returns the history of topic name with the given ID, fresh when the
// topic is new or was re-created.
func (h *history) topic(name string, id [16]byte, partitions int, seq uint64) *topicHist {
	th := h.topics[name]
	if th == nil || th.id != id {
		th = &topicHist{id: id}
		h.topics[name] = th
	}
	th.seen = seq
	for len(th.high) < partitions {
		th.high = append(th.high, -1)
		th.highAt = append(th.highAt, 0)
	}
	return th
}

// lastHigh is partition p's last high watermark read and when; -1 never.
func (th *topicHist) lastHigh(p int32) (int64, instant) {
	if th == nil || p < 0 || int(p) >= len(th.high) {
		return -1, 0
	}
	return th.high[p], th.highAt[p]
}

// observe records partition p's high watermark read at now (-1 when it
// could not be read) and returns the partition's rate since its previous
// reading: messages per second, -1 when unknown.
func (th *topicHist) observe(p int32, high int64, now instant) float64 {
	if p < 0 || int(p) >= len(th.high) || high < 0 {
		return -1
	}
	prev, at := th.high[p], th.highAt[p]
	th.high[p], th.highAt[p] = high, now
	elapsed := now.sub(at).Seconds()
	if prev < 0 || high < prev || elapsed <= 0 {
		return -1 // first reading, or the log went back: no honest figure
	}
	return float64(high-prev) / elapsed
}

// forget drops topics no poll has listed for a whole window.
func (h *history) forget(seq uint64) {
	for name, th := range h.topics {
		if seq-th.seen >= historyLen {
			delete(h.topics, name)
		}
	}
	for id, gh := range h.groups {
		if seq-gh.seen >= historyLen {
			delete(h.groups, id)
		}
	}
}

// groupHist is one group's recent polls.
type groupHist struct {
	// parts are its committed partitions, by topic and partition ID.
	parts map[string][]*partHist
	// lags is the group's total lag at each poll, -1 unknown.
	lags ring[int64]
	// commitLags is its total lag at each poll that saw some committed
	// offset move: the group's own Burrow window.
	commitLags ring[int64]
	seen       uint64
}

type topicPartition struct {
	topic     string
	partition int32
}

func (h *history) group(id string, seq uint64) *groupHist {
	gh := h.groups[id]
	if gh == nil {
		gh = &groupHist{parts: make(map[string][]*partHist)}
		h.groups[id] = gh
	}
	gh.seen = seq
	return gh
}

// partHist is one group partition's recent polls.
type partHist struct {
	polls   ring[pollObs]
	commits ring[commitObs]
	// rewound is the last poll that saw the committed offset go back;
	// moved the last that saw it change.
	rewound, moved uint64
	seen           uint64
}

// pollObs is one poll's reading of a group partition.
type pollObs struct {
	seq       uint64
	at        instant
	committed int64
	end       int64 // -1 unknown
}

// commitObs is a poll that saw the committed offset move, with the lag then.
type commitObs struct {
	at  instant
	lag int64 // -1 unknown
}

// observe records a poll's reading of the partition; it reports whether the
// committed offset moved since the previous reading.
func (ph *partHist) observe(o pollObs) (moved bool) {
	if ph.polls.len() > 0 {
		prev := ph.polls.last()
		if o.committed < prev.committed {
			ph.rewound = o.seq
		}
		if o.committed != prev.committed {
			moved = true
			ph.moved = o.seq
			ph.commits.push(commitObs{at: o.at, lag: lagOf(o.committed, o.end)})
		}
	}
	ph.polls.push(o)
	ph.seen = o.seq
	return moved
}

// movedWithin reports whether the committed offset moved within the window
// ending at poll seq.
func (ph *partHist) movedWithin(seq uint64) bool {
	return ph.moved > 0 && seq-ph.moved < historyLen
}

// part is the history of partition p of topic t, created when absent.
func (gh *groupHist) part(t string, p int32) (ph *partHist, created bool) {
	ps := gh.parts[t]
	if int(p) < len(ps) && ps[p] != nil {
		return ps[p], false
	}
	for len(ps) <= int(p) {
		ps = append(ps, nil)
	}
	ps[p] = &partHist{}
	gh.parts[t] = ps
	return ps[p], true
}

// forgetUnseen drops the partitions poll seq did not read: no longer
// committed.
func (gh *groupHist) forgetUnseen(seq uint64) {
	for t, ps := range gh.parts {
		kept := false
		for i, ph := range ps {
			if ph != nil && ph.seen != seq {
				ps[i] = nil
			}
			kept = kept || ps[i] != nil
		}
		if !kept {
			delete(gh.parts, t)
		}
	}
}

// view is what judging the partition at poll seq needs: its readings within
// the window, oldest first, in buf's storage.
func (ph *partHist) view(seq uint64, now instant, held, progressing bool, buf *[historyLen]pollObs, cbuf *[historyLen]commitObs) partView {
	v := partView{polls: ph.polls.appendTo(buf[:0]), commits: ph.commits.appendTo(cbuf[:0]), held: held, progressing: progressing, now: now}
	for len(v.polls) > 0 && seq-v.polls[0].seq >= historyLen {
		v.polls = v.polls[1:] // read before the window
	}
	v.rewound = ph.rewound > 0 && seq-ph.rewound < historyLen
	return v
}
