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
	Err  string
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
	Err       string
}

// UnderReplicated reports whether fewer replicas are in sync than assigned.
func (p Partition) UnderReplicated() bool { return len(p.ISR) < len(p.Replicas) }

// IsOffline reports whether the partition has no leader to serve it.
func (p Partition) IsOffline() bool { return p.Leader < 0 }

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
	Err    string
}
