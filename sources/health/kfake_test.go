package health_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// The cluster-level findings, from faults made on kfake and read back
// through the Kafka source, as `topicat get health` does.

func pollKafka(t *testing.T, s *kafka.Source) *sources.KafkaSnapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := s.Poll(ctx)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	return snap
}

func TestKafkaFindingsOnKfake(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []kfake.Opt
		// before runs before the first poll, during after it; the findings
		// are those of the poll after during (or of the first, without it).
		before, during func(t *testing.T, c *kafkatest.Cluster)
		want           []string // severity, subject and the start of a title
	}{
		{
			name: "ISR below min.insync.replicas",
			before: func(t *testing.T, c *kafkatest.Cluster) {
				c.CreateTopic("payments", 3, 3, map[string]string{"min.insync.replicas": "2"})
				c.UnderReplicated("payments", 1, []int32{c.Leader("payments", 1)})
			},
			want: []string{"error topic payments: 1 partition below min.insync.replicas (2)", "warning topic payments: 1 under-replicated partition"},
		},
		{
			name:   "a topic with one replica",
			before: func(t *testing.T, c *kafkatest.Cluster) { c.CreateTopic("audit-log", 2, 1, nil) },
			want:   []string{"warning topic audit-log: replication factor 1"},
		},
		{
			name: "default.replication.factor 1, auto-creation unknown (kfake does not report it)",
			opts: []kfake.Opt{kfake.BrokerConfigs(map[string]string{"default.replication.factor": "1"})},
			want: []string{"warning kafka cluster: default.replication.factor is 1"},
		},
		{
			name:   "default.replication.factor 1 and topics auto-created",
			opts:   []kfake.Opt{kfake.BrokerConfigs(map[string]string{"default.replication.factor": "1"})},
			before: func(t *testing.T, c *kafkatest.Cluster) { c.BrokerConfig("auto.create.topics.enable", "true") },
			want:   []string{"error kafka cluster: default.replication.factor is 1 and topics are auto-created"},
		},
		{
			name: "leader imbalance",
			before: func(t *testing.T, c *kafkatest.Cluster) {
				c.CreateTopics(12, 3, "orders")
				for p := range int32(12) {
					if err := c.Fake.MoveTopicPartition("orders", p, 0); err != nil {
						t.Fatal(err)
					}
				}
			},
			want: []string{"warning broker 0: leads 12 partitions, 3.0× its share"},
		},
		{
			name: "a leaderless partition",
			before: func(t *testing.T, c *kafkatest.Cluster) {
				c.CreateTopics(3, 3, "payments")
				c.Produce("payments", 30)
				c.OfflinePartition("payments", 1)
			},
			want: []string{"error topic payments: 1 offline partition"},
		},
		{
			name: "partition skew",
			before: func(t *testing.T, c *kafkatest.Cluster) {
				c.CreateTopics(3, 3, "clicks")
				c.Produce("clicks", 300)
				c.Fill("clicks", 0, 1200, nil)
			},
			want: []string{"warning topic clicks: partition 0 holds 2.6× the average"},
		},
		{
			name: "an outage: partial totals, a lagging group's coordinator down",
			before: func(t *testing.T, c *kafkatest.Cluster) {
				c.CreateTopics(3, 3, "orders")
				c.SpreadLeaders("orders")
				c.Produce("orders", 300)
				c.Commit(coordinatedBy(t, c, 2), map[string]map[int32]int64{"orders": {0: 0, 1: 0, 2: 0}})
			},
			during: func(t *testing.T, c *kafkatest.Cluster) { c.BrokerDown(2) },
			want: []string{
				"error broker 2: broker is down",
				"error group billing-2-",
				"warning topic orders: offsets of 1 partition unreadable",
				"warning group billing-2-", // still listed: Empty, lag 300
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := kafkatest.NewCluster(t, tc.opts...)
			if tc.before != nil {
				tc.before(t, c)
			}
			s, err := kafka.New(kafka.Config{Brokers: c.Addrs(), Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			snap := pollKafka(t, s)
			if tc.during != nil {
				tc.during(t, c)
				snap = pollKafka(t, s)
			}
			var got []string
			for _, f := range health.Kafka(snap) {
				got = append(got, f.Severity.String()+" "+f.Subject+": "+f.Title)
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
					t.Errorf("no finding %q in %q", w, got)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("findings %q, want %d: %q", got, len(tc.want), tc.want)
			}
		})
	}
}

// coordinatedBy finds a group name coordinated by broker id.
func coordinatedBy(t *testing.T, c *kafkatest.Cluster, id int32) string {
	t.Helper()
	for i := range 1000 {
		name := "billing-" + strconv.Itoa(int(id)) + "-" + strconv.Itoa(i)
		if c.Fake.CoordinatorFor(name) == id {
			return name
		}
	}
	t.Fatalf("no group coordinated by broker %d", id)
	return ""
}
