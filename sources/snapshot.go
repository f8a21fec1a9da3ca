package sources

import "time"

// System names the kind of cluster a snapshot or request belongs to.
type System string

const (
	Kafka System = "kafka"
	NSQ   System = "nsq"
)

// Meta is carried by every snapshot: when it was taken, how long it took, and
// what failed. A snapshot is never mutated after it is published.
type Meta struct {
	// Seq counts polls of one source, starting at 1.
	Seq   uint64        `json:"seq"`
	Taken time.Time     `json:"taken"`
	Took  time.Duration `json:"-"`
	// LastOK is when a poll last reached at least one endpoint; zero if none has.
	LastOK time.Time `json:"-"`
	// Errors has one entry per endpoint that failed in this poll.
	Errors []EndpointError `json:"errors"`
}

// metaJSON are Meta's fields that JSON writes otherwise: Took in seconds,
// LastOK null until a poll reached anything. The snapshots' MarshalJSON
// add them (a MarshalJSON on Meta would be promoted to every snapshot and
// hide its other fields).
type metaJSON struct {
	Took   float64    `json:"took"`
	LastOK *time.Time `json:"last_ok"`
}

func (m Meta) json() metaJSON { return metaJSON{m.Took.Seconds(), jsonTime(m.LastOK)} }

// OK reports whether the poll reached every endpoint.
func (m Meta) OK() bool { return len(m.Errors) == 0 }

// EndpointError is one failed endpoint (a broker, an nsqd, a lookupd) in one poll.
type EndpointError struct {
	// Endpoint names what failed in the user's terms: "broker 2 (127.0.0.1:9092)",
	// "nsqd 127.0.0.1:4151", "lookupd http://127.0.0.1:4161".
	Endpoint string `json:"endpoint"`
	// Op is what was being attempted: "metadata", "list offsets", "stats".
	Op  string `json:"op"`
	Err string `json:"error"`
	// Since is when this endpoint started failing (the first poll of the current run of failures).
	Since time.Time `json:"since"`
}

func (e EndpointError) String() string {
	if e.Op == "" {
		return e.Endpoint + ": " + e.Err
	}
	return e.Endpoint + ": " + e.Op + ": " + e.Err
}

// Snapshot is what a source publishes. *KafkaSnapshot and *NSQSnapshot implement it.
type Snapshot interface {
	System() System
	Metadata() Meta
}

// TrackErrors carries the Since of endpoints that kept failing from the previous
// poll into the current one, so a pane can say "down since".
func TrackErrors(prev, cur []EndpointError, now time.Time) []EndpointError {
	since := make(map[string]time.Time, len(prev))
	for _, e := range prev {
		since[e.Endpoint] = e.Since
	}
	out := make([]EndpointError, len(cur))
	for i, e := range cur {
		if s, ok := since[e.Endpoint]; ok && !s.IsZero() {
			e.Since = s
		} else if e.Since.IsZero() {
			e.Since = now
		}
		out[i] = e
	}
	return out
}
