package kafka_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// kcat runs kcat (librdkafka, an independent client) and returns its stdout.
func kcat(t *testing.T, args ...string) []byte {
	t.Helper()
	path, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("kcat is not on PATH; CI must install it (Debian package kcat)")
		}
		t.Skip("kcat is not on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// kcatMetadata is the part of `kcat -L -J` the snapshot is checked against.
type kcatMetadata struct {
	Brokers []struct {
		ID   int32  `json:"id"`
		Name string `json:"name"`
	} `json:"brokers"`
	Topics []struct {
		Topic      string `json:"topic"`
		Partitions []struct {
			Partition int32        `json:"partition"`
			Leader    int32        `json:"leader"`
			Replicas  []kcatBroker `json:"replicas"`
			ISRs      []kcatBroker `json:"isrs"`
		} `json:"partitions"`
	} `json:"topics"`
}

type kcatBroker struct {
	ID int32 `json:"id"`
}

func ids(bs []kcatBroker) []int32 {
	out := make([]int32, 0, len(bs))
	for _, b := range bs {
		out = append(out, b.ID)
	}
	return out
}

// kcatOffsets runs `kcat -Q -J` for every partition at the logical offset
// (-1 end, -2 start) and returns topic → partition → offset.
func kcatOffsets(t *testing.T, brokers string, snap *sources.KafkaSnapshot, logical int) map[string]map[int32]int64 {
	t.Helper()
	args := []string{"-b", brokers, "-Q", "-J"}
	for _, tp := range snap.Topics {
		for _, p := range tp.Partitions {
			args = append(args, "-t", fmt.Sprintf("%s:%d:%d", tp.Name, p.ID, logical))
		}
	}
	// {"orders":{"topic":"orders","0":{"partition":0,"offset":11},…},…}
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal(kcat(t, args...), &raw); err != nil {
		t.Fatalf("kcat -Q output: %v", err)
	}
	out := make(map[string]map[int32]int64)
	for topic, fields := range raw {
		out[topic] = make(map[int32]int64)
		for k, v := range fields {
			p, err := strconv.Atoi(k)
			if err != nil {
				continue // the "topic" field
			}
			var o struct {
				Offset int64 `json:"offset"`
			}
			if err := json.Unmarshal(v, &o); err != nil {
				t.Fatalf("kcat -Q partition %s/%s: %v", topic, k, err)
			}
			out[topic][int32(p)] = o.Offset
		}
	}
	return out
}

// TestKcatCrossCheck compares a snapshot with what kcat reads from the same
// cluster: brokers, topics, leaders, replicas, ISR and watermarks.
func TestKcatCrossCheck(t *testing.T) {
	if _, err := exec.LookPath("kcat"); err != nil && os.Getenv("CI") != "true" {
		t.Skip("kcat is not on PATH")
	}
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	c.CreateTopics(4, 2, "payments")
	c.CreateTopic("audit", 1, 1, nil)
	c.CreateInternalTopic("__consumer_offsets", 2, 3)
	c.Produce("orders", 31)
	c.Produce("payments", 9)
	if err := c.Fake.DeleteRecords("orders", 0, 3); err != nil { // a non-zero low watermark
		t.Fatal(err)
	}
	s := newSource(t, c.Addrs())
	// A shrunken ISR, so that kcat must agree on more than kfake's default.
	leader := topic(t, poll(t, s), "payments").Partitions[2].Leader
	c.UnderReplicated("payments", 2, []int32{leader})
	snap := poll(t, s)
	brokers := strings.Join(c.Addrs(), ",")

	var md kcatMetadata
	if err := json.Unmarshal(kcat(t, "-b", brokers, "-L", "-J"), &md); err != nil {
		t.Fatalf("kcat -L -J output: %v", err)
	}
	var kcatBrokers []int32
	for _, b := range md.Brokers {
		kcatBrokers = append(kcatBrokers, b.ID)
		if sb := broker(t, snap, b.ID); b.Name != fmt.Sprintf("%s:%d", sb.Host, sb.Port) {
			t.Errorf("broker %d: kcat %s, snapshot %s:%d", b.ID, b.Name, sb.Host, sb.Port)
		}
	}
	slices.Sort(kcatBrokers)
	if got := brokerIDs(snap); !slices.Equal(kcatBrokers, got) {
		t.Errorf("brokers: kcat %v, snapshot %v", kcatBrokers, got)
	}

	var kcatTopics, snapTopics []string
	for _, kt := range md.Topics {
		kcatTopics = append(kcatTopics, kt.Topic)
		st := topic(t, snap, kt.Topic)
		if len(kt.Partitions) != len(st.Partitions) {
			t.Errorf("%s: kcat %d partitions, snapshot %d", kt.Topic, len(kt.Partitions), len(st.Partitions))
			continue
		}
		for _, kp := range kt.Partitions {
			sp := st.Partitions[kp.Partition]
			if kp.Leader != sp.Leader || !slices.Equal(ids(kp.Replicas), sp.Replicas) || !slices.Equal(ids(kp.ISRs), sp.ISR) {
				t.Errorf("%s/%d: kcat leader %d replicas %v isr %v; snapshot leader %d replicas %v isr %v",
					kt.Topic, kp.Partition, kp.Leader, ids(kp.Replicas), ids(kp.ISRs), sp.Leader, sp.Replicas, sp.ISR)
			}
		}
	}
	for _, st := range snap.Topics {
		snapTopics = append(snapTopics, st.Name)
	}
	slices.Sort(kcatTopics)
	if !slices.Equal(kcatTopics, snapTopics) {
		t.Errorf("topics: kcat %v, snapshot %v", kcatTopics, snapTopics)
	}
	if p := topic(t, snap, "payments").Partitions[2]; !slices.Equal(p.ISR, []int32{leader}) {
		t.Errorf("the rewritten ISR did not reach the snapshot: %+v", p)
	}

	highs, lows := kcatOffsets(t, brokers, snap, -1), kcatOffsets(t, brokers, snap, -2)
	for _, st := range snap.Topics {
		for _, p := range st.Partitions {
			kh, okh := highs[st.Name][p.ID]
			kl, okl := lows[st.Name][p.ID]
			if !okh || !okl || kh != p.High || kl != p.Low {
				t.Errorf("%s/%d: kcat %d..%d, snapshot %d..%d", st.Name, p.ID, kl, kh, p.Low, p.High)
			}
		}
	}
	if p := topic(t, snap, "orders").Partitions[0]; p.Low != 3 {
		t.Errorf("orders/0 low watermark = %d, want 3 after deleting records", p.Low)
	}
}
