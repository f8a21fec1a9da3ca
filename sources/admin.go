package sources

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// The Kafka detail pages and admin actions, as typed requests. Describe*
// and a ResetOffsets preview change nothing and are listed as read-only;
// every other action is refused under --read-only.
const (
	ActionDescribeTopic  Action = "kafka.topic.describe"
	ActionDescribeGroup  Action = "kafka.group.describe"
	ActionDescribeBroker Action = "kafka.broker.describe"
	ActionCreateTopic    Action = "kafka.topic.create"
	ActionDeleteTopic    Action = "kafka.topic.delete"
	ActionAlterTopic     Action = "kafka.topic.alter"
	ActionPreviewReset   Action = "kafka.group.reset-offsets.preview"
	ActionResetOffsets   Action = "kafka.group.reset-offsets"
	ActionDeleteGroup    Action = "kafka.group.delete"
	ActionDeleteRecords  Action = "kafka.records.delete"
)

// DescribeTopic asks for what the topic page shows beyond the snapshot:
// every config with its source, and the size on disk. Answer: *TopicDetail.
type DescribeTopic struct{ Topic string }

func (d DescribeTopic) Action() Action { return ActionDescribeTopic }
func (d DescribeTopic) Target() string { return "topic " + d.Topic }

// TopicDetail is a topic's configs and size.
type TopicDetail struct {
	Topic   string   `json:"topic"`
	Configs []Config `json:"configs"` // by name
	// Replicas are the partition replicas with their size on disk, where
	// DescribeLogDirs answered; LogDirsErr says what did not.
	Replicas   []ReplicaSize `json:"replicas"`
	LogDirsErr string        `json:"log_dirs_error,omitempty"`
}

// ReplicaSize is one replica of a partition on one broker.
type ReplicaSize struct {
	Partition int32  `json:"partition"`
	Broker    int32  `json:"broker"`
	Dir       string `json:"dir"`
	Bytes     int64  `json:"bytes"`
}

// Config is one topic or broker setting as DescribeConfigs gives it.
type Config struct {
	Name  string `json:"name"`
	Value string `json:"value"` // "" for a sensitive value, which Kafka does not send
	// Source is where the value comes from: "topic", "broker", "cluster",
	// "static broker config", "default".
	Source    string `json:"source"`
	Default   bool   `json:"default"` // the value is the built-in default
	Sensitive bool   `json:"sensitive"`
	ReadOnly  bool   `json:"read_only"`
}

// DescribeGroup asks for what the group page shows beyond the snapshot:
// members and their assignment, and per partition how old the next unread
// message is. Answer: *GroupDetail.
type DescribeGroup struct{ Group string }

func (d DescribeGroup) Action() Action { return ActionDescribeGroup }
func (d DescribeGroup) Target() string { return "group " + d.Group }

// GroupDetail is a group's members and per-partition position.
type GroupDetail struct {
	Group        string                 `json:"group"`
	State        string                 `json:"state"`
	ProtocolType string                 `json:"protocol_type"`
	Protocol     string                 `json:"protocol"`
	Coordinator  int32                  `json:"coordinator"`
	Members      []GroupMember          `json:"members"`
	Partitions   []GroupPartitionDetail `json:"partitions"` // by topic and partition
}

// GroupMember is one member of a group.
type GroupMember struct {
	ID       string            `json:"id"`
	ClientID string            `json:"client_id"`
	Host     string            `json:"host"`
	Assigned []TopicPartitions `json:"assigned"`
}

// TopicPartitions are partitions of one topic.
type TopicPartitions struct {
	Topic      string  `json:"topic"`
	Partitions []int32 `json:"partitions"`
}

// GroupPartitionDetail is a group's position in one partition.
type GroupPartitionDetail struct {
	GroupPartition
	// TimeLag is how old the next unread message is: now minus the
	// timestamp of the record at the committed offset; 0 when caught up,
	// -1 when unknown.
	TimeLag time.Duration
}

// MarshalJSON is GroupPartition's, with time_lag in seconds (null when unknown).
func (d GroupPartitionDetail) MarshalJSON() ([]byte, error) {
	var lag *float64
	if d.TimeLag >= 0 {
		s := d.TimeLag.Seconds()
		lag = &s
	}
	return JoinJSON(d.GroupPartition, struct {
		TimeLag *float64 `json:"time_lag"`
	}{lag})
}

// DescribeBroker asks for a broker's configs and log dirs. Answer: *BrokerDetail.
type DescribeBroker struct{ Broker int32 }

func (d DescribeBroker) Action() Action { return ActionDescribeBroker }
func (d DescribeBroker) Target() string { return fmt.Sprintf("broker %d", d.Broker) }

// BrokerDetail is a broker's settings and disks.
type BrokerDetail struct {
	Broker  int32    `json:"broker"`
	Configs []Config `json:"configs"` // by name
	LogDirs []LogDir `json:"log_dirs"`
}

// LogDir is one log directory of a broker.
type LogDir struct {
	Path       string `json:"path"`
	Bytes      int64  `json:"bytes"` // of the replicas in it
	Partitions int    `json:"partitions"`
	Err        string `json:"error,omitempty"`
}

// CreateTopic creates a topic. Targets: one per topic.
type CreateTopic struct {
	Topic             string
	Partitions        int32
	ReplicationFactor int16
	Configs           map[string]string
}

func (c CreateTopic) Action() Action { return ActionCreateTopic }
func (c CreateTopic) Target() string { return "topic " + c.Topic }

// DeleteTopic deletes a topic and its data.
type DeleteTopic struct{ Topic string }

func (d DeleteTopic) Action() Action { return ActionDeleteTopic }
func (d DeleteTopic) Target() string { return "topic " + d.Topic }

// AlterTopic adds partitions (Partitions is the new total; 0 leaves them)
// and sets or deletes configs (a deleted config returns to its default).
type AlterTopic struct {
	Topic         string
	Partitions    int32
	SetConfigs    map[string]string
	DeleteConfigs []string
}

func (a AlterTopic) Action() Action { return ActionAlterTopic }
func (a AlterTopic) Target() string { return "topic " + a.Topic }

// ResetKind says where ResetOffsets moves a group's offsets.
type ResetKind string

const (
	ResetEarliest ResetKind = "earliest"
	ResetLatest   ResetKind = "latest"
	ResetTime     ResetKind = "time"   // the first offset at or after Time
	ResetOffset   ResetKind = "offset" // N in every partition chosen
	ResetShift    ResetKind = "shift"  // the committed offset moved by N (negative: back)
)

// ResetOffsets moves a group's committed offsets: in every partition it has
// committed, in one topic's, or in one partition (Partition >= 0). Without
// Execute it changes nothing and answers what it would do (a preview, allowed
// read-only). A group that is not Empty is refused. Data: []OffsetChange.
type ResetOffsets struct {
	Group     string
	Topic     string // "" for every topic the group has offsets for
	Partition int32  // -1 for every partition
	To        ResetKind
	N         int64
	Time      time.Time
	Execute   bool
	// Previewed, with Execute, is the preview the user agreed to: exactly
	// its new offsets are committed (not the target planned again, which
	// for latest or a time would have moved), and a partition whose
	// committed offset changed since is refused.
	Previewed []OffsetChange
}

func (r ResetOffsets) Action() Action {
	if r.Execute {
		return ActionResetOffsets
	}
	return ActionPreviewReset
}

func (r ResetOffsets) Target() string { return "group " + r.Group }

// OffsetChange is one partition of a reset: where the group was, where it
// goes, and the lag before and after.
type OffsetChange struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Old, New, End and the lags are -1 when unknown (Old: nothing committed).
	Old       int64 `json:"old"`
	New       int64 `json:"new"`
	End       int64 `json:"end"`
	LagBefore int64 `json:"lag_before"`
	LagAfter  int64 `json:"lag_after"`
	// Note says what the plan changed of what was asked ("clamped to the end 10 (12 asked)").
	Note string `json:"note,omitempty"`
	Err  string `json:"error,omitempty"`
}

// MarshalJSON writes unknown offsets and lags as null.
func (c OffsetChange) MarshalJSON() ([]byte, error) {
	type plain OffsetChange
	return json.Marshal(struct {
		plain
		Old       *int64 `json:"old"`
		New       *int64 `json:"new"`
		End       *int64 `json:"end"`
		LagBefore *int64 `json:"lag_before"`
		LagAfter  *int64 `json:"lag_after"`
	}{plain(c), Known(c.Old), Known(c.New), Known(c.End), Known(c.LagBefore), Known(c.LagAfter)})
}

// DeleteGroup deletes a consumer group and its committed offsets.
type DeleteGroup struct{ Group string }

func (d DeleteGroup) Action() Action { return ActionDeleteGroup }
func (d DeleteGroup) Target() string { return "group " + d.Group }

// DeleteRecords deletes a partition's records before an offset (its log start
// moves there). Targets: the partition, with its new log start; Data: that
// log start, an int64.
type DeleteRecords struct {
	Topic     string
	Partition int32
	Before    int64
}

func (d DeleteRecords) Action() Action { return ActionDeleteRecords }
func (d DeleteRecords) Target() string { return fmt.Sprintf("%s/%d", d.Topic, d.Partition) }

// ParseResetTo reads where to move a group's offsets, as `topicat
// reset-offsets --to` and the reset form take it: earliest (oldest),
// latest (newest), @TIME (the times of the offset grammar), OFFSET, or +N /
// -N to shift the committed offsets.
func ParseResetTo(s string, now time.Time) (ResetKind, int64, time.Time, error) {
	switch s {
	case "earliest", "oldest", "beginning", "start":
		return ResetEarliest, 0, time.Time{}, nil
	case "latest", "newest", "end":
		return ResetLatest, 0, time.Time{}, nil
	case "":
		return "", 0, time.Time{}, errors.New("say where to: earliest, latest, @TIME, an offset, or +N/-N to shift")
	}
	if s[0] == '@' {
		r, err := ParseRange(s, now)
		if err != nil || r.HasEnd || r.Start.Kind != PosTime {
			return "", 0, time.Time{}, fmt.Errorf("%q: want @TIME (RFC 3339, a date, Unix seconds or ms, or a duration ago like @-1h)", s)
		}
		return ResetTime, 0, r.Start.Time, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		return "", 0, time.Time{}, fmt.Errorf("%q: want earliest, latest, @TIME, an offset, or +N/-N to shift", s)
	case s[0] == '+' || s[0] == '-':
		return ResetShift, n, time.Time{}, nil
	case n < 0:
		return "", 0, time.Time{}, fmt.Errorf("%q: an offset is 0 or more", s)
	}
	return ResetOffset, n, time.Time{}, nil
}
