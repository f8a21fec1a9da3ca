package health

import (
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
)

func titles(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Severity.String()+" "+f.Subject+": "+f.Title)
	}
	return out
}

func TestKafka(t *testing.T) {
	snap := &sources.KafkaSnapshot{
		Meta:    sources.Meta{LastOK: time.Now()},
		Brokers: []sources.Broker{{ID: 1, Up: true}, {ID: 2, Up: false, LastErr: "connection refused"}, {ID: 3, Up: true}},
		Topics: []sources.Topic{
			{Name: "orders", ReplicationFactor: 3},
			{Name: "audit-log", ReplicationFactor: 1},
			{Name: "__consumer_offsets", Internal: true, ReplicationFactor: 1},
			{Name: "payments", ReplicationFactor: 3, Offline: 1, UnderReplicated: 2},
		},
		Groups: []sources.Group{{ID: "analytics", State: "Empty", Lag: 40}, {ID: "billing", State: "Stable", Lag: 3}},
	}
	got := titles(Kafka(snap))
	want := []string{
		"error broker 2: broker is down",
		"error topic payments: 1 offline partition(s)",
		"warning group analytics: no members, lag 40",
		"warning topic audit-log: replication factor 1",
		"warning topic payments: 2 under-replicated partition(s)",
	}
	if len(got) != len(want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("finding %d = %q, want %q (all: %q)", i, got[i], want[i], got)
		}
	}
	if c := Count(Kafka(snap)); c != (Counts{Errors: 2, Warnings: 3}) {
		t.Fatalf("counts %+v", c)
	}
	if Kafka(nil) != nil {
		t.Fatal("nil snapshot has findings")
	}
}

func TestNSQ(t *testing.T) {
	snap := &sources.NSQSnapshot{
		Meta:     sources.Meta{LastOK: time.Now()},
		Lookupds: []sources.Lookupd{{Addr: "http://a", Up: true}, {Addr: "http://b", Up: true}},
		Nodes: []sources.NSQNode{
			{Addr: "n1:4151", Up: true, Health: "OK", Version: "1.10.0", Lookupds: []string{"http://a", "http://b"}},
			{Addr: "n2:4151", Up: true, Health: "OK", Version: "1.9.2", Lookupds: []string{"http://a"}},
			{Addr: "n3:4151", Up: false, Err: "connection refused"},
		},
		Topics: []sources.NSQTopic{
			{Name: "orphans", Depth: 5},
			{Name: "events", Depth: 12, Channels: []sources.NSQChannel{
				{Name: "archive", Clients: 1},
				{Name: "push", Depth: 9},
				{Name: "emails", Depth: 3, Paused: true},
				{Name: "tail#ephemeral", Depth: 2},
			}},
		},
	}
	got := titles(NSQ(snap))
	want := []string{
		"error nsqd n3:4151: nsqd is down",
		"warning channel events/push: depth 9 and no clients",
		"warning nsqd n2:4151: known to 1 of 2 lookupds",
		"warning topic orphans: depth 5 and no channels",
		"info channel events/emails: paused with depth 3",
		"info nsqd n2:4151: older version 1.9.2",
	}
	if len(got) != len(want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("finding %d = %q, want %q (all: %q)", i, got[i], want[i], got)
		}
	}
}

func TestNeverReachedIsAnError(t *testing.T) {
	k := &sources.KafkaSnapshot{Meta: sources.Meta{Errors: []sources.EndpointError{{Endpoint: "bootstrap 127.0.0.1:1", Err: "connection refused"}}}}
	n := &sources.NSQSnapshot{}
	got := titles(All(k, n))
	want := []string{"error kafka cluster: no broker has answered", "error nsq cluster: no nsqd or lookupd has answered"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %q, want %q", got, want)
	}
	if f := Kafka(k)[0]; !strings.Contains(f.Why, "connection refused") {
		t.Fatalf("the finding does not say why: %q", f.Why)
	}
}
