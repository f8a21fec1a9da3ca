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
		"error topic payments: 1 offline partition",
		"warning group analytics: no members, lag 40",
		"warning topic audit-log: replication factor 1",
		"warning topic payments: 2 under-replicated partitions",
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
