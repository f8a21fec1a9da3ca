package records

import "github.com/topicat/topicat/sources"

// What Ring.Bytes counts for a record besides its key, value and header bytes:
// the Record struct with its slice and string headers and the allocations
// behind them (RecordOverhead), and each Header struct (HeaderOverhead). Fixed
// figures, close to what a 64-bit Go runtime spends, so a flood of tiny
// records is bounded too.
const (
	RecordOverhead = 192
	HeaderOverhead = 48
)

// Ring holds the newest records of a tail, bounded by count and by bytes.
// Records are numbered from 0 in the order pushed; a number is never reused,
// so the screen can hold on to a record's number across pushes.
// A Ring is not safe for concurrent use: the tail screen owns it.
type Ring struct {
	buf      []sources.Record // circular; grows up to maxCount, never beyond
	head     int              // index in buf of the oldest record
	n        int              // records held
	first    uint64           // seq of the oldest record held
	bytes    int64
	evicted  uint64
	maxCount int
	maxBytes int64
}

// NewRing makes a ring of at most maxCount records (at least 1) and maxBytes
// bytes as Bytes counts them (0 or less: no byte bound). Memory for the slots
// is taken as records arrive, up to maxCount slots.
func NewRing(maxCount int, maxBytes int64) *Ring {
	return &Ring{maxCount: max(maxCount, 1), maxBytes: maxBytes}
}

// Cost is what one record adds to Bytes.
func Cost(r *sources.Record) int64 {
	return int64(r.Size()) + RecordOverhead + HeaderOverhead*int64(len(r.Headers))
}

// Push appends records in order, evicting the oldest while the ring holds more
// than maxCount records or more than maxBytes bytes. A record bigger than
// maxBytes on its own is kept alone until the next push evicts it.
// The records are stored as given: their slices become the ring's.
func (q *Ring) Push(batch []sources.Record) {
	// Records that would be evicted by later ones of the same batch are
	// never stored; they are numbered and counted as evicted all the same.
	if skip := len(batch) - q.maxCount; skip > 0 {
		q.evictAll()
		q.first += uint64(skip)
		q.evicted += uint64(skip)
		batch = batch[skip:]
	}
	for i := range batch {
		if q.n == q.maxCount {
			q.evictOldest()
		}
		if q.n == len(q.buf) {
			q.grow()
		}
		q.buf[q.index(q.n)] = batch[i]
		q.n++
		q.bytes += Cost(&batch[i])
		for q.maxBytes > 0 && q.bytes > q.maxBytes && q.n > 1 {
			q.evictOldest()
		}
	}
}

// grow doubles the slots, up to maxCount, putting the oldest record first.
func (q *Ring) grow() {
	size := min(max(2*len(q.buf), 64), q.maxCount)
	buf := make([]sources.Record, size)
	k := copy(buf, q.buf[q.head:])
	copy(buf[k:], q.buf[:q.head])
	q.buf, q.head = buf, 0
}

func (q *Ring) index(i int) int {
	j := q.head + i
	if j >= len(q.buf) {
		j -= len(q.buf)
	}
	return j
}

func (q *Ring) evictOldest() {
	r := &q.buf[q.head]
	q.bytes -= Cost(r)
	*r = sources.Record{} // drop the references so the bytes can be collected
	q.head = q.index(1)
	q.n--
	q.first++
	q.evicted++
}

func (q *Ring) evictAll() {
	for q.n > 0 {
		q.evictOldest()
	}
}

// Get returns the record numbered seq, or false when it was evicted or not yet
// pushed. The pointer is into the ring: valid until the next Push or Reset.
func (q *Ring) Get(seq uint64) (*sources.Record, bool) {
	if seq < q.first || seq >= q.End() {
		return nil, false
	}
	return &q.buf[q.index(int(seq-q.first))], true
}

// First is the number of the oldest record held (End when none is).
func (q *Ring) First() uint64 { return q.first }

// End is the number the next pushed record gets.
func (q *Ring) End() uint64 { return q.first + uint64(q.n) }

// Len is how many records the ring holds.
func (q *Ring) Len() int { return q.n }

// Bytes is the records' size as Cost counts it.
func (q *Ring) Bytes() int64 { return q.bytes }

// Evicted is how many records were pushed out to make room.
func (q *Ring) Evicted() uint64 { return q.evicted }

// Reset drops every record held (the screen's "clear"). Numbering goes on
// from End, so an old number never names a new record; Evicted is unchanged,
// as it counts records lost for lack of room only. The slots are kept.
func (q *Ring) Reset() {
	clear(q.buf)
	q.first += uint64(q.n)
	q.head, q.n, q.bytes = 0, 0, 0
}
