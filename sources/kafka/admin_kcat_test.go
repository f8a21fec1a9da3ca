package kafka_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

func needKcat(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("kcat"); err != nil && os.Getenv("CI") != "true" {
		t.Skip("kcat is not on PATH")
	}
}

// TestKcatSeesCreatedTopic: a topic topicat creates is what kcat lists, with
// its partitions and replication factor.
func TestKcatSeesCreatedTopic(t *testing.T) {
	needKcat(t)
	c := kafkatest.NewCluster(t)
	s := newSource(t, c.Addrs())
	succeed(t, s, sources.CreateTopic{Topic: "made", Partitions: 4, ReplicationFactor: 2})

	var md kcatMetadata
	if err := json.Unmarshal(kcat(t, "-b", strings.Join(c.Addrs(), ","), "-L", "-J", "-t", "made"), &md); err != nil {
		t.Fatalf("kcat -L -J output: %v", err)
	}
	if len(md.Topics) != 1 || md.Topics[0].Topic != "made" || len(md.Topics[0].Partitions) != 4 {
		t.Fatalf("kcat lists %+v", md.Topics)
	}
	for _, p := range md.Topics[0].Partitions {
		if len(p.Replicas) != 2 {
			t.Errorf("made/%d: kcat lists replicas %v, want 2", p.Partition, ids(p.Replicas))
		}
	}
}

// TestKcatConsumerStartsWhereResetPut: after topicat moves a group's offsets,
// a consumer of that group (kcat's balanced consumer) starts from them.
func TestKcatConsumerStartsWhereResetPut(t *testing.T) {
	needKcat(t)
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	for p := range int32(3) {
		c.Fill("orders", p, 10, nil)
	}
	c.Commit("kg", map[string]map[int32]int64{"orders": {0: 9, 1: 9, 2: 9}})
	s := newSource(t, c.Addrs())
	for _, r := range []sources.ResetOffsets{
		{Topic: "orders", Partition: 0, To: sources.ResetEarliest},
		{Topic: "orders", Partition: 1, To: sources.ResetOffset, N: 5},
		{Topic: "orders", Partition: 2, To: sources.ResetShift, N: -2},
	} {
		r.Group, r.Execute = "kg", true
		succeed(t, s, r)
	}
	want := map[int32]int64{0: 0, 1: 5, 2: 7}

	out := string(kcat(t, "-b", strings.Join(c.Addrs(), ","), "-G", "kg", "-e", "-q", "-f", "%p %o\n", "orders"))
	first := map[int32]int64{}
	count := map[int32]int64{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var p int32
		var o int64
		if _, err := fmt.Sscanf(line, "%d %d", &p, &o); err != nil {
			t.Fatalf("kcat line %q: %v\n%s", line, err, out)
		}
		if _, seen := first[p]; !seen {
			first[p] = o
		}
		count[p]++
	}
	for p, o := range want {
		if first[p] != o || count[p] != 10-o {
			t.Errorf("orders/%d: kcat started at %d and read %d, want from %d (%d records)", p, first[p], count[p], o, 10-o)
		}
	}
}
