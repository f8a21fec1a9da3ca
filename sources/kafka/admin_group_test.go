package kafka_test

import (
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

func listedGroups(t *testing.T, c *kafkatest.Cluster) map[string]bool {
	t.Helper()
	ls, err := c.Admin().ListGroups(admCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]bool)
	for _, g := range ls.Groups() {
		out[g] = true
	}
	return out
}

func TestDeleteGroup(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(2, 3, "orders")
	c.Commit("idle", map[string]map[int32]int64{"orders": {0: 1, 1: 2}})
	c.JoinGroup("live", "orders")
	s := newSource(t, c.Addrs())

	// An active group is refused with why, and stays.
	refused(t, s, sources.DeleteGroup{Group: "live"},
		"group live is Stable with 1 member: stop its consumers first; Kafka refuses to delete an active group")
	if !listedGroups(t, c)["live"] {
		t.Fatal("the refused group is gone")
	}

	res := succeed(t, s, sources.DeleteGroup{Group: "idle"})
	if res.Targets[0].Target != "group idle" || res.Targets[0].Detail != "deleted, with its committed offsets" {
		t.Errorf("targets %+v", res.Targets)
	}
	if listedGroups(t, c)["idle"] {
		t.Error("idle is still listed")
	}
	if got := committedOffsets(t, c, "idle"); len(got) != 0 {
		t.Errorf("idle still has offsets %v", got)
	}

	res = do(t, s, sources.DeleteGroup{Group: "idle"})
	if res.Err != "" || len(res.Targets) != 1 || res.Targets[0].Err != "does not exist" {
		t.Fatalf("deleting it again: %+v", res)
	}
	refused(t, s, sources.DeleteGroup{}, "no group given")
}
