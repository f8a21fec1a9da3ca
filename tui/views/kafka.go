package views

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/topicat/topicat/sources"
)

func kafkaSnap(d Data) (*sources.KafkaSnapshot, error) {
	if d.Kafka == nil {
		return nil, ErrNotConfigured{sources.Kafka}
	}
	return d.Kafka, nil
}

// brokerRow adds what a broker row needs from the snapshot around it.
type brokerRow struct {
	sources.Broker
	Controller bool
	DownFor    string
}

// MarshalJSON is the broker's, with the row's own fields.
func (r brokerRow) MarshalJSON() ([]byte, error) {
	return sources.JoinJSON(r.Broker, struct {
		Controller bool   `json:"controller"`
		DownFor    string `json:"down_for,omitempty"`
	}{r.Controller, r.DownFor})
}

func kafkaBrokers() *View {
	cols := []col[brokerRow]{
		{Column: Column{Title: "ID", Sort: 'I', Min: 2, Right: true}, text: func(b brokerRow) string { return num(b.ID) }, num: func(b brokerRow) float64 { return float64(b.ID) }},
		{Column: Column{Title: "ADDRESS", Sort: 'A', Min: 12, Flex: true, Key: true}, text: func(b brokerRow) string {
			if b.Host == "" {
				return "unknown"
			}
			return net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
		}},
		{Column: Column{Title: "RACK", Sort: 'R', Min: 4, Max: 16}, text: func(b brokerRow) string { return b.Rack }},
		{Column: Column{Title: "CTRL", Sort: 'C', Min: 4}, text: func(b brokerRow) string { return yes(b.Controller, "★") }},
		{Column: Column{Title: "STATE", Sort: 'S', Min: 5, Max: 40}, text: func(b brokerRow) string {
			if b.Up {
				return "up"
			}
			return strings.TrimSpace("DOWN " + b.DownFor)
		}},
		{Column: Column{Title: "LEADERS", Sort: 'L', Min: 7, Right: true}, text: func(b brokerRow) string { return num(b.Leaders) }, num: func(b brokerRow) float64 { return float64(b.Leaders) }},
		{Column: Column{Title: "REPLICAS", Sort: 'E', Min: 8, Right: true}, text: func(b brokerRow) string { return num(b.Replicas) }, num: func(b brokerRow) float64 { return float64(b.Replicas) }},
		{Column: Column{Title: "LAST ERROR", Sort: 'T', Min: 10, Max: 60}, text: func(b brokerRow) string { return b.LastErr }},
	}
	return define(View{Name: "brokers", Title: "Brokers", System: sources.Kafka, Detail: "broker", SkipsGroups: true, Help: "Kafka brokers: address, rack, controller, state, partitions led"}, cols,
		func(d Data, _ string) ([]brokerRow, error) {
			s, err := kafkaSnap(d)
			if err != nil {
				return nil, err
			}
			rows := make([]brokerRow, len(s.Brokers))
			for i, b := range s.Brokers {
				rows[i] = brokerRow{Broker: b, Controller: b.ID == s.Controller}
				if !b.Up && !b.DownSince.IsZero() {
					rows[i].DownFor = "for " + Ago(s.Taken.Sub(b.DownSince))
				}
			}
			return rows, nil
		},
		func(b brokerRow) string { return num(b.ID) },
		func(b brokerRow, f findings) Status {
			st, _ := f.status(sources.Kafka, fmt.Sprintf("broker %d", b.ID))
			return st
		})
}

func kafkaTopics() *View {
	cols := []col[sources.Topic]{
		{Column: Column{Title: "TOPIC", Sort: 'T', Min: 10, Flex: true, Key: true}, text: func(t sources.Topic) string {
			return t.Name + yes(t.Internal, " (internal)") + yes(t.Partial, " (partial)")
		}},
		{Column: Column{Title: "PARTS", Sort: 'A', Min: 5, Right: true}, text: func(t sources.Topic) string { return num(len(t.Partitions)) }, num: func(t sources.Topic) float64 { return float64(len(t.Partitions)) }},
		{Column: Column{Title: "RF", Sort: 'R', Min: 2, Right: true}, text: func(t sources.Topic) string { return num(t.ReplicationFactor) }, num: func(t sources.Topic) float64 { return float64(t.ReplicationFactor) }},
		{Column: Column{Title: "URP", Sort: 'U', Min: 3, Right: true}, text: func(t sources.Topic) string { return num(t.UnderReplicated) }, num: func(t sources.Topic) float64 { return float64(t.UnderReplicated) }},
		{Column: Column{Title: "OFFLINE", Sort: 'O', Min: 7, Right: true}, text: func(t sources.Topic) string { return num(t.Offline) }, num: func(t sources.Topic) float64 { return float64(t.Offline) }},
		// A total that misses partitions says so: "193?" is at least 193.
		{Column: Column{Title: "MESSAGES", Sort: 'M', Min: 8, Right: true}, text: func(t sources.Topic) string { return num(t.Messages) + yes(t.Partial, "?") }, num: func(t sources.Topic) float64 { return float64(t.Messages) }},
		{Column: Column{Title: "RATE", Sort: 'E', Min: 6, Right: true}, text: func(t sources.Topic) string { return rate(t.Rate) + yes(t.Partial && t.Rate >= 0, "?") }, num: func(t sources.Topic) float64 { return t.Rate }},
		{Column: Column{Title: "TREND", Min: 5, Max: 10}, text: func(t sources.Topic) string { return Spark(t.Rates) }},
		{Column: Column{Title: "CLEANUP", Sort: 'C', Min: 7, Max: 14}, text: func(t sources.Topic) string { return t.CleanupPolicy }},
		{Column: Column{Title: "RETENTION", Sort: 'N', Min: 9, Right: true}, text: func(t sources.Topic) string { return retention(t.RetentionMs, t.CleanupPolicy != "") }, num: func(t sources.Topic) float64 { return float64(t.RetentionMs) }},
	}
	return define(View{Name: "topics", Title: "Topics", System: sources.Kafka, Detail: "topic", Optional: "internal topics", SkipsGroups: true,
		Help:     "Kafka topics: partitions, replication, health, messages, produce rate and its trend, cleanup, retention",
		Messages: func(key, _ string) (string, []int32) { return key, nil }}, cols,
		func(d Data, _ string) ([]sources.Topic, error) {
			s, err := kafkaSnap(d)
			if err != nil {
				return nil, err
			}
			return s.Topics, nil
		},
		func(t sources.Topic) string { return t.Name },
		func(t sources.Topic, f findings) Status {
			if st, ok := f.status(sources.Kafka, "topic "+t.Name); ok && st != Normal {
				return st
			}
			switch {
			case t.Err != "":
				return Bad
			case t.Partial:
				return Warn
			case t.Internal:
				return Muted
			}
			return Normal
		},
		noted(func(t sources.Topic) string {
			switch {
			case t.Err != "":
				return t.Name + ": " + t.Err
			case t.Partial:
				return t.Name + ": some partitions' offsets could not be read (their leader is down or missing): MESSAGES and RATE are at least what is shown"
			}
			return ""
		}),
		optional(func(t sources.Topic) bool { return t.Internal }))
}

func kafkaPartitions() *View {
	cols := []col[sources.Partition]{
		{Column: Column{Title: "PARTITION", Sort: 'A', Min: 9, Right: true}, text: func(p sources.Partition) string { return num(p.ID) }, num: func(p sources.Partition) float64 { return float64(p.ID) }},
		{Column: Column{Title: "LEADER", Sort: 'L', Min: 6, Right: true}, text: func(p sources.Partition) string {
			if p.Leader < 0 {
				return "none"
			}
			return num(p.Leader)
		}, num: func(p sources.Partition) float64 { return float64(p.Leader) }},
		{Column: Column{Title: "REPLICAS", Sort: 'R', Min: 8}, text: func(p sources.Partition) string { return ids(p.Replicas) }},
		{Column: Column{Title: "ISR", Sort: 'I', Min: 5}, text: func(p sources.Partition) string { return ids(p.ISR) }},
		{Column: Column{Title: "OFFLINE", Sort: 'O', Min: 7}, text: func(p sources.Partition) string { return ids(p.OfflineReplicas) }},
		{Column: Column{Title: "LOW", Sort: 'W', Min: 6, Right: true}, text: func(p sources.Partition) string { return offset(p.Low) }, num: func(p sources.Partition) float64 { return float64(p.Low) }},
		{Column: Column{Title: "HIGH", Sort: 'H', Min: 6, Right: true}, text: func(p sources.Partition) string { return offset(p.High) }, num: func(p sources.Partition) float64 { return float64(p.High) }},
		{Column: Column{Title: "MESSAGES", Sort: 'M', Min: 8, Right: true}, text: func(p sources.Partition) string {
			if p.Low < 0 || p.High < 0 {
				return "?"
			}
			return num(p.High - p.Low)
		}, num: func(p sources.Partition) float64 { return float64(p.High - p.Low) }},
		{Column: Column{Title: "RATE", Sort: 'T', Min: 6, Right: true}, text: func(p sources.Partition) string { return rate(p.Rate) }, num: func(p sources.Partition) float64 { return p.Rate }},
		{Column: Column{Title: "ERROR", Sort: 'E', Min: 5, Flex: true}, text: func(p sources.Partition) string {
			if p.Err == "" && p.IsOffline() {
				return "no leader: offline"
			}
			return p.Err
		}},
	}
	return define(View{Name: "partitions", Title: "Partitions", System: sources.Kafka, Arg: "TOPIC", Home: "topics", SkipsGroups: true, Help: "one topic's partitions: leader, replicas, ISR, offsets",
		Messages: func(key, topic string) (string, []int32) {
			p, err := strconv.ParseInt(key, 10, 32)
			if err != nil {
				return topic, nil
			}
			return topic, []int32{int32(p)}
		}}, cols,
		func(d Data, topic string) ([]sources.Partition, error) {
			s, err := kafkaSnap(d)
			if err != nil {
				return nil, err
			}
			for _, t := range s.Topics {
				if t.Name == topic {
					return t.Partitions, nil
				}
			}
			return nil, fmt.Errorf("kafka topic %q not found", topic)
		},
		func(p sources.Partition) string { return num(p.ID) },
		func(p sources.Partition, _ findings) Status {
			switch {
			case p.IsOffline() || p.Err != "":
				return Bad
			case p.UnderReplicated():
				return Warn
			}
			return Normal
		})
}

func kafkaGroups() *View {
	cols := []col[sources.Group]{
		{Column: Column{Title: "GROUP", Sort: 'R', Min: 10, Flex: true, Key: true}, text: func(g sources.Group) string { return g.ID + yes(g.Stale, " (stale)") }},
		{Column: Column{Title: "STATE", Sort: 'S', Min: 6, Max: 20}, text: func(g sources.Group) string { return g.State }},
		{Column: Column{Title: "STATUS", Sort: 'U', Min: 6}, text: func(g sources.Group) string { return string(g.Status) }, num: func(g sources.Group) float64 { return float64(g.Status.Rank()) }},
		{Column: Column{Title: "MEMBERS", Sort: 'M', Min: 7, Right: true}, text: func(g sources.Group) string { return num(g.Members) }, num: func(g sources.Group) float64 { return float64(g.Members) }},
		{Column: Column{Title: "TOPICS", Sort: 'T', Min: 6, Max: 30}, text: func(g sources.Group) string { return strings.Join(g.Topics, ",") }},
		{Column: Column{Title: "LAG", Sort: 'L', Min: 5, Right: true}, text: func(g sources.Group) string { return offset(g.Lag) }, num: func(g sources.Group) float64 { return float64(g.Lag) }},
		{Column: Column{Title: "MAX LAG", Sort: 'A', Min: 7, Right: true}, text: func(g sources.Group) string { return offset(g.MaxLag) }, num: func(g sources.Group) float64 { return float64(g.MaxLag) }},
		{Column: Column{Title: "TREND", Min: 5, Max: 10}, text: func(g sources.Group) string { return Spark(g.Lags) }},
		{Column: Column{Title: "CATCH-UP", Sort: 'C', Min: 8, Right: true}, text: func(g sources.Group) string { return catchUp(g.CatchUp, g.Lag) }, num: func(g sources.Group) float64 { return catchUpRank(g.CatchUp) }},
	}
	return define(View{Name: "groups", Title: "Groups", System: sources.Kafka, Detail: "group",
		Help: "Kafka consumer groups: state, health over the recent polls, members, lag and its trend, time to catch up"}, cols,
		func(d Data, _ string) ([]sources.Group, error) {
			s, err := kafkaSnap(d)
			if err != nil {
				return nil, err
			}
			return s.Groups, nil
		},
		func(g sources.Group) string { return g.ID },
		func(g sources.Group, f findings) Status {
			if st, ok := f.status(sources.Kafka, "group "+g.ID); ok && st != Normal {
				return st
			}
			switch {
			case g.Err != "":
				return Bad
			case g.State == "Dead" || g.State == "Empty":
				return Muted
			}
			return Normal
		},
		noted(groupNote))
}

// groupNote says why a group's row is coloured: kept from an earlier poll,
// or failing.
func groupNote(g sources.Group) string {
	switch {
	case g.Stale:
		return fmt.Sprintf("%s: figures from %s, kept because this poll could not read the group: %s", g.ID, g.StaleSince.Format("15:04:05"), g.Err)
	case g.Err != "":
		return g.ID + ": " + g.Err
	}
	return ""
}

// catchUpRank sorts unknown first, then keeping up, then by time, "never" last.
func catchUpRank(d time.Duration) float64 {
	switch d {
	case sources.CatchUpNever:
		return math.MaxFloat64
	case sources.CatchUpSteady:
		return -1
	}
	return float64(d)
}

func offset(o int64) string {
	if o < 0 {
		return "?"
	}
	return num(o)
}

// Figure is an offset or a lag as a plan lists it, digits only: "-" when
// unknown or none (nothing committed).
func Figure(n int64) string {
	if n < 0 {
		return "-"
	}
	return strconv.FormatInt(n, 10)
}

// Ago formats a duration the way a status column wants it: 45s, 3m, 2h5m, 3d.
func Ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
