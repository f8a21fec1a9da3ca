package sources

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// KafkaSnapshot is one poll of a Kafka cluster.
type KafkaSnapshot struct {
	Meta
	ClusterID  string   `json:"cluster_id"`
	Controller int32    `json:"controller"` // -1 when unknown
	Brokers    []Broker `json:"brokers"`    // by ID
	Topics     []Topic  `json:"topics"`     // by name
	Groups     []Group  `json:"groups"`     // by ID
	// Cluster are the broker settings the findings need, as last read.
	Cluster ClusterConfig `json:"cluster"`
}

// ClusterConfig are broker settings that decide what new topics and
// producers get. Read every few polls (they rarely change); a figure that
// could not be read is -1, with Err saying why.
type ClusterConfig struct {
	DefaultReplicationFactor int `json:"default_replication_factor"`
	// AutoCreateTopics is auto.create.topics.enable; nil when unknown.
	AutoCreateTopics  *bool  `json:"auto_create_topics"`
	MinInsyncReplicas int    `json:"min_insync_replicas"`
	MessageMaxBytes   int64  `json:"message_max_bytes"`
	Err               string `json:"error,omitempty"`
}

func (s *KafkaSnapshot) System() System { return Kafka }
func (s *KafkaSnapshot) Metadata() Meta { return s.Meta }

// Broker is one broker as metadata lists it, with whether it answered this poll.
type Broker struct {
	ID   int32  `json:"id"`
	Host string `json:"host"`
	Port int32  `json:"port"`
	Rack string `json:"rack,omitempty"`
	// Up is false when the broker is listed in metadata but did not answer.
	Up        bool      `json:"up"`
	DownSince time.Time `json:"down_since"`
	LastErr   string    `json:"last_error,omitempty"`
	Leaders   int       `json:"leaders"`  // partitions this broker leads
	Replicas  int       `json:"replicas"` // partition replicas it hosts
}

// Topic is one topic with its partitions and figures derived from them.
type Topic struct {
	Name       string      `json:"name"`
	Internal   bool        `json:"internal"`
	Partitions []Partition `json:"partitions"` // by ID
	// ReplicationFactor is the largest replica count among the partitions.
	ReplicationFactor int `json:"replication_factor"`
	UnderReplicated   int `json:"under_replicated"`
	Offline           int `json:"offline"`
	// Messages is the sum over partitions of high minus low watermark.
	Messages int64 `json:"messages"`
	// Rate is messages per second produced since the previous poll; negative when unknown.
	Rate float64 `json:"rate"`
	// Rates are the produce rates of the last polls, oldest first, for a
	// trend; unknown ones are negative.
	Rates []float64 `json:"rates"`
	// Partial is set when some partitions' offsets could not be read:
	// Messages and Rate miss their share.
	Partial bool `json:"partial"`
	// Settings read every few polls with DescribeConfigs, in one batch;
	// "" or -1 while unknown.
	CleanupPolicy string `json:"cleanup_policy"`
	// RetentionMs is RetentionForever when the topic keeps its data for ever
	// (Kafka's -1).
	RetentionMs     int64  `json:"retention_ms"`
	MinInsync       int    `json:"min_insync_replicas"`
	MaxMessageBytes int64  `json:"max_message_bytes"`
	Err             string `json:"error,omitempty"`
}

// Partition is one partition of a topic.
type Partition struct {
	ID              int32   `json:"id"`
	Leader          int32   `json:"leader"` // -1 when there is none
	Replicas        []int32 `json:"replicas"`
	ISR             []int32 `json:"isr"`
	OfflineReplicas []int32 `json:"offline_replicas"`
	// Low and High are the log start and end offsets; -1 when they could not be read.
	Low  int64 `json:"low"`
	High int64 `json:"high"`
	// Rate is messages per second produced since the previous poll; negative when unknown.
	Rate float64 `json:"rate"`
	Err  string  `json:"error,omitempty"`
}

// UnderReplicated reports whether fewer replicas are in sync than assigned.
func (p Partition) UnderReplicated() bool { return len(p.ISR) < len(p.Replicas) }

// IsOffline reports whether the partition has no leader to serve it.
func (p Partition) IsOffline() bool { return p.Leader < 0 }

// GroupStatus is a consumer group's health over the recent polls, as Burrow
// judges it, except that a partition with no new data is never stalled or
// stopped.
type GroupStatus string

const (
	StatusUnknown GroupStatus = ""       // too few polls yet, or no offsets
	StatusOK      GroupStatus = "OK"     // lag within bounds, or caught up in the window
	StatusWarn    GroupStatus = "WARN"   // offsets advance but lag never decreases
	StatusStall   GroupStatus = "STALL"  // lag never zero and the committed offset never moves
	StatusStop    GroupStatus = "STOP"   // no commit for longer than the window while data arrives
	StatusRewind  GroupStatus = "REWIND" // the committed offset went back
)

// Rank orders statuses from no verdict (0) to the worst.
func (s GroupStatus) Rank() int {
	switch s {
	case StatusOK:
		return 1
	case StatusWarn:
		return 2
	case StatusRewind:
		return 3
	case StatusStall:
		return 4
	case StatusStop:
		return 5
	}
	return 0
}

// Special values of Group.CatchUp.
const (
	CatchUpSteady  time.Duration = -3 // keeps pace: its lag falls back, or holds, as it consumes in turn
	CatchUpUnknown time.Duration = -2 // too few polls to tell
	CatchUpNever   time.Duration = -1 // consuming slower than producing
)

// Group is one consumer group and its lag.
type Group struct {
	ID           string   `json:"id"`
	State        string   `json:"state"`         // Stable, Empty, PreparingRebalance, Dead, …
	ProtocolType string   `json:"protocol_type"` // consumer, connect, …
	Protocol     string   `json:"protocol"`      // assignor: range, cooperative-sticky, …
	Coordinator  int32    `json:"coordinator"`
	Members      int      `json:"members"`
	Topics       []string `json:"topics"`
	// Lag is the sum over committed partitions of end offset minus committed
	// offset; MaxLag the largest of them. Both are -1 when unknown.
	Lag    int64 `json:"lag"`
	MaxLag int64 `json:"max_lag"`
	// Partitions are the committed partitions with their offsets, by topic
	// and partition.
	Partitions []GroupPartition `json:"partitions"`
	// Stale is set when this poll could not read the group (its coordinator
	// or a partition's leader did not answer) and its figures are those of
	// an earlier poll, from StaleSince; Err says why.
	Stale      bool      `json:"stale"`
	StaleSince time.Time `json:"stale_since"`
	// Status judges the window of recent polls: the worst of the partitions'
	// and of the group's own lag trend (a slow group drains its partitions in
	// turn, so it can be WARN while each partition is OK). Lags are the
	// group's total lag at each poll, oldest first (-1 unknown).
	Status GroupStatus `json:"status"`
	Lags   []int64     `json:"lags"`
	// CatchUp estimates the time to consume the lag at the recent consume
	// and produce rates: 0 when there is no lag, CatchUpNever when it falls
	// behind, CatchUpSteady when it keeps pace, CatchUpUnknown before there
	// are enough polls.
	CatchUp time.Duration `json:"catch_up"`
	Err     string        `json:"error,omitempty"`
}

// RetentionForever is Topic.RetentionMs of a topic that keeps its data for
// ever: Kafka says -1, which in the snapshot means unknown.
const RetentionForever = math.MaxInt64

// GroupPartition is one partition of a group: committed, or (in a group's
// detail) assigned to a member with nothing committed yet (Committed -1).
type GroupPartition struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Committed is the group's committed offset; End the partition's high
	// watermark; Lag their difference. -1 when unknown.
	Committed int64 `json:"committed"`
	End       int64 `json:"end"`
	Lag       int64 `json:"lag"`
	// Member is the client id of the member assigned the partition, "" when none.
	Member string      `json:"member"`
	Status GroupStatus `json:"status"`
}

// JSON: snake_case keys, and null for what the Go fields mark unknown with a
// negative number, a zero time or an empty string, so that a script reading
// `topicat get -o json` never does arithmetic on -1. Times are RFC 3339,
// durations seconds. Each MarshalJSON overrides only the fields that need
// it: a field of the outer struct hides the same key of the embedded one.

// Known is v, or nil (JSON null) when it is negative: unknown.
func Known[T ~int | ~int32 | ~int64 | ~float64](v T) *T {
	if v < 0 {
		return nil
	}
	return &v
}

// KnownAll is Known for each value.
func KnownAll[T ~int64 | ~float64](vs []T) []*T {
	out := make([]*T, len(vs))
	for i, v := range vs {
		out[i] = Known(v)
	}
	return out
}

// jsonPort is a port, or nil when it is not known (0).
func jsonPort[T ~int | ~int32](p T) *T {
	if p <= 0 {
		return nil
	}
	return &p
}

// jsonTime is t, or nil when it is the zero time.
func jsonTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// jsonText is s, or nil when it is empty: unknown.
func jsonText[T ~string](s T) *T {
	if s == "" {
		return nil
	}
	return &s
}

// JoinJSON marshals base, a JSON object, with the fields of extra (a struct)
// added after its own: how a type that adds fields to one with its own
// MarshalJSON keeps both.
func JoinJSON(base, extra any) ([]byte, error) {
	b, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	e, err := json.Marshal(extra)
	if err != nil {
		return nil, err
	}
	if len(e) <= 2 || len(b) < 2 || b[0] != '{' {
		return b, nil
	}
	if len(b) == 2 { // {}
		return e, nil
	}
	return append(append(b[:len(b)-1], ','), e[1:]...), nil
}

// jsonList is xs, or an empty list for nil: none, rather than unknown.
func jsonList[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func (s KafkaSnapshot) MarshalJSON() ([]byte, error) {
	type plain KafkaSnapshot
	return json.Marshal(struct {
		plain
		metaJSON
		Controller *int32   `json:"controller"`
		Brokers    []Broker `json:"brokers"`
		Topics     []Topic  `json:"topics"`
		Groups     []Group  `json:"groups"`
	}{plain(s), s.Meta.json(), Known(s.Controller), jsonList(s.Brokers), jsonList(s.Topics), jsonList(s.Groups)})
}

func (c ClusterConfig) MarshalJSON() ([]byte, error) {
	type plain ClusterConfig
	return json.Marshal(struct {
		plain
		DefaultReplicationFactor *int   `json:"default_replication_factor"`
		MinInsyncReplicas        *int   `json:"min_insync_replicas"`
		MessageMaxBytes          *int64 `json:"message_max_bytes"`
	}{plain(c), Known(c.DefaultReplicationFactor), Known(c.MinInsyncReplicas), Known(c.MessageMaxBytes)})
}

func (b Broker) MarshalJSON() ([]byte, error) {
	type plain Broker
	return json.Marshal(struct {
		plain
		Port      *int32     `json:"port"`
		DownSince *time.Time `json:"down_since"`
	}{plain(b), jsonPort(b.Port), jsonTime(b.DownSince)})
}

// Topic and Partition write their JSON by hand: `get topics -o json` at
// 10,000 partitions spent most of its time in encoding/json's reflection and
// in re-validating each nested MarshalJSON's output.

func (t Topic) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 256+160*len(t.Partitions))
	b = append(b, `{"name":`...)
	b = appendJSONString(b, t.Name)
	b = append(b, `,"internal":`...)
	b = strconv.AppendBool(b, t.Internal)
	b = append(b, `,"partitions":[`...)
	for i, p := range t.Partitions {
		if i > 0 {
			b = append(b, ',')
		}
		b = p.appendJSON(b)
	}
	b = append(b, `],"replication_factor":`...)
	b = strconv.AppendInt(b, int64(t.ReplicationFactor), 10)
	b = append(b, `,"under_replicated":`...)
	b = strconv.AppendInt(b, int64(t.UnderReplicated), 10)
	b = append(b, `,"offline":`...)
	b = strconv.AppendInt(b, int64(t.Offline), 10)
	b = append(b, `,"messages":`...)
	b = strconv.AppendInt(b, t.Messages, 10)
	b = append(b, `,"rate":`...)
	b = appendKnownFloat(b, t.Rate)
	b = append(b, `,"rates":[`...)
	for i, r := range t.Rates {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKnownFloat(b, r)
	}
	b = append(b, `],"partial":`...)
	b = strconv.AppendBool(b, t.Partial)
	b = append(b, `,"cleanup_policy":`...)
	if t.CleanupPolicy == "" {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, t.CleanupPolicy)
	}
	b = append(b, `,"retention_ms":`...)
	if t.RetentionMs == RetentionForever {
		b = append(b, "-1"...) // Kafka's own word for "kept forever"
	} else {
		b = appendKnownInt(b, t.RetentionMs)
	}
	b = append(b, `,"min_insync_replicas":`...)
	b = appendKnownInt(b, int64(t.MinInsync))
	b = append(b, `,"max_message_bytes":`...)
	b = appendKnownInt(b, t.MaxMessageBytes)
	if t.Err != "" {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, t.Err)
	}
	return append(b, '}'), nil
}

func (p Partition) MarshalJSON() ([]byte, error) { return p.appendJSON(make([]byte, 0, 160)), nil }

func (p Partition) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(p.ID), 10)
	b = append(b, `,"leader":`...)
	b = appendKnownInt(b, int64(p.Leader))
	b = append(b, `,"replicas":`...)
	b = appendInts(b, p.Replicas)
	b = append(b, `,"isr":`...)
	b = appendInts(b, p.ISR)
	b = append(b, `,"offline_replicas":`...)
	b = appendInts(b, p.OfflineReplicas)
	b = append(b, `,"low":`...)
	b = appendKnownInt(b, p.Low)
	b = append(b, `,"high":`...)
	b = appendKnownInt(b, p.High)
	b = append(b, `,"rate":`...)
	b = appendKnownFloat(b, p.Rate)
	if p.Err != "" {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, p.Err)
	}
	return append(b, '}')
}

func appendKnownInt(b []byte, n int64) []byte {
	if n < 0 {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, n, 10)
}

// appendKnownFloat writes f as encoding/json does, null when negative.
func appendKnownFloat(b []byte, f float64) []byte {
	if f < 0 {
		return append(b, "null"...)
	}
	return appendJSONFloat(b, f)
}

// appendJSONFloat writes f as encoding/json does (5e-7, not 5e-07); null
// for what JSON cannot say (NaN, ±Inf), where encoding/json fails.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		b = strconv.AppendFloat(b, f, 'e', -1, 64)
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
		return b
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

func appendInts(b []byte, xs []int32) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(x), 10)
	}
	return append(b, ']')
}

// appendJSONString quotes s as encoding/json does; plain ASCII needs no more
// than the quotes.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// MarshalJSON writes CatchUp as seconds, null when unknown, and sets
// catch_up_never when the group falls behind, keeps_up when it keeps pace
// (CatchUp is null then too).
func (g Group) MarshalJSON() ([]byte, error) {
	type plain Group
	var catchUp *float64
	if g.CatchUp >= 0 {
		secs := g.CatchUp.Seconds()
		catchUp = &secs
	}
	return json.Marshal(struct {
		plain
		Coordinator  *int32           `json:"coordinator"`
		Topics       []string         `json:"topics"`
		Lag          *int64           `json:"lag"`
		MaxLag       *int64           `json:"max_lag"`
		Partitions   []GroupPartition `json:"partitions"`
		StaleSince   *time.Time       `json:"stale_since"`
		Status       *GroupStatus     `json:"status"`
		Lags         []*int64         `json:"lags"`
		CatchUp      *float64         `json:"catch_up"`
		CatchUpNever bool             `json:"catch_up_never"`
		KeepsUp      bool             `json:"keeps_up"`
	}{plain(g), Known(g.Coordinator), jsonList(g.Topics), Known(g.Lag), Known(g.MaxLag), jsonList(g.Partitions), jsonTime(g.StaleSince),
		jsonText(g.Status), KnownAll(g.Lags), catchUp, g.CatchUp == CatchUpNever, g.CatchUp == CatchUpSteady})
}

func (p GroupPartition) MarshalJSON() ([]byte, error) {
	type plain GroupPartition
	return json.Marshal(struct {
		plain
		Committed *int64       `json:"committed"`
		End       *int64       `json:"end"`
		Lag       *int64       `json:"lag"`
		Member    *string      `json:"member"`
		Status    *GroupStatus `json:"status"`
	}{plain(p), Known(p.Committed), Known(p.End), Known(p.Lag), jsonText(p.Member), jsonText(p.Status)})
}
