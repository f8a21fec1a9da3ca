package sources

import "time"

// KafkaSnapshot is one poll of a Kafka cluster.
type KafkaSnapshot struct {
	Meta
	ClusterID  string
	Controller int32    // -1 when unknown
	Brokers    []Broker // by ID
	Topics     []Topic  // by name
	Groups     []Group  // by ID
	// Cluster are the broker settings the findings need, as last read.
	Cluster ClusterConfig
}

// ClusterConfig are broker settings that decide what new topics and
// producers get. Read every few polls (they rarely change); a figure that
// could not be read is -1, with Err saying why.
type ClusterConfig struct {
	DefaultReplicationFactor int
	// AutoCreateTopics is auto.create.topics.enable; nil when unknown.
	AutoCreateTopics  *bool
	MinInsyncReplicas int
	MessageMaxBytes   int64
	Err               string
}

func (s *KafkaSnapshot) System() System { return Kafka }
func (s *KafkaSnapshot) Metadata() Meta { return s.Meta }

// Broker is one broker as metadata lists it, with whether it answered this poll.
type Broker struct {
	ID   int32
	Host string
	Port int32
	Rack string
	// Up is false when the broker is listed in metadata but did not answer.
	Up        bool
	DownSince time.Time
	LastErr   string
	Leaders   int // partitions this broker leads
	Replicas  int // partition replicas it hosts
}

// Topic is one topic with its partitions and figures derived from them.
type Topic struct {
	Name       string
	Internal   bool
	Partitions []Partition // by ID
	// ReplicationFactor is the largest replica count among the partitions.
	ReplicationFactor int
	UnderReplicated   int
	Offline           int
	// Messages is the sum over partitions of high minus low watermark.
	Messages int64
	// Rate is messages per second produced since the previous poll; negative when unknown.
	Rate float64
	// Rates are the produce rates of the last polls, oldest first, for a
	// trend; unknown ones are negative.
	Rates []float64
	// Partial is set when some partitions' offsets could not be read:
	// Messages and Rate miss their share.
	Partial bool
	// Settings read every few polls with DescribeConfigs, in one batch;
	// "" or -1 while unknown.
	CleanupPolicy   string
	RetentionMs     int64
	MinInsync       int
	MaxMessageBytes int64
	Err             string
}

// Partition is one partition of a topic.
type Partition struct {
	ID              int32
	Leader          int32 // -1 when there is none
	Replicas        []int32
	ISR             []int32
	OfflineReplicas []int32
	// Low and High are the log start and end offsets; -1 when they could not be read.
	Low, High int64
	// Rate is messages per second produced since the previous poll; negative when unknown.
	Rate float64
	Err  string
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

// Special values of Group.CatchUp.
const (
	CatchUpUnknown time.Duration = -2 // too few polls to tell
	CatchUpNever   time.Duration = -1 // consuming slower than producing
)

// Group is one consumer group and its lag.
type Group struct {
	ID           string
	State        string // Stable, Empty, PreparingRebalance, Dead, …
	ProtocolType string // consumer, connect, …
	Protocol     string // assignor: range, cooperative-sticky, …
	Coordinator  int32
	Members      int
	Topics       []string
	// Lag is the sum over committed partitions of end offset minus committed
	// offset; MaxLag the largest of them. Both are -1 when unknown.
	Lag    int64
	MaxLag int64
	// Partitions are the committed partitions with their offsets, by topic
	// and partition.
	Partitions []GroupPartition
	// Stale is set when this poll could not read the group (its coordinator
	// or a partition's leader did not answer) and its figures are those of
	// an earlier poll, from StaleSince; Err says why.
	Stale      bool
	StaleSince time.Time
	// Status judges the window of recent polls; Lags are the group's total
	// lag at each of them, oldest first (-1 unknown).
	Status GroupStatus
	Lags   []int64
	// CatchUp estimates the time to consume the lag at the recent consume
	// and produce rates: 0 when there is no lag, CatchUpNever when it falls
	// behind, CatchUpUnknown before there are enough polls.
	CatchUp time.Duration
	Err     string
}

// GroupPartition is one partition a group has committed offsets for.
type GroupPartition struct {
	Topic     string
	Partition int32
	// Committed is the group's committed offset; End the partition's high
	// watermark; Lag their difference. -1 when unknown.
	Committed, End, Lag int64
	// Member is the client id of the member assigned the partition, "" when none.
	Member string
	Status GroupStatus
}
