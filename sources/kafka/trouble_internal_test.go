package kafka

import (
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestTrouble(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := newTrouble(nil)
	tr.now = func() time.Time { return now }
	b1 := kgo.BrokerMetadata{NodeID: 1, Host: "10.0.0.1", Port: 9092}
	b2 := kgo.BrokerMetadata{NodeID: 2, Host: "10.0.0.2", Port: 9092}
	seed := kgo.BrokerMetadata{NodeID: math.MinInt32, Host: "kafka", Port: 9092}

	if got := tr.latest(); got != "" {
		t.Errorf("latest with no trouble = %q", got)
	}
	tr.OnBrokerE2E(b1, 1, kgo.BrokerE2E{ReadErr: io.EOF})
	if got, want := tr.latest(), "broker 1 (10.0.0.1:9092): EOF, retrying"; got != want {
		t.Errorf("latest = %q, want %q", got, want)
	}
	now = now.Add(time.Second)
	tr.OnBrokerConnect(b2, 0, nil, errors.New("dial tcp 10.0.0.2:9092: connect: connection refused"))
	if got, want := tr.latest(), "broker 2 (10.0.0.2:9092): dial tcp 10.0.0.2:9092: connect: connection refused, retrying (and 1 more)"; got != want {
		t.Errorf("latest = %q, want %q", got, want)
	}
	if got := tr.ofBroker(1); got != "broker 1 (10.0.0.1:9092): EOF" {
		t.Errorf("ofBroker(1) = %q", got)
	}
	// Our own cancellations and Close are no trouble.
	tr.OnBrokerE2E(b1, 1, kgo.BrokerE2E{ReadErr: context.Canceled})
	tr.OnBrokerE2E(b1, 1, kgo.BrokerE2E{WriteErr: kgo.ErrClientClosed})
	// A broker that answers again is cleared.
	tr.OnBrokerE2E(b2, 1, kgo.BrokerE2E{})
	if got := tr.latest(); !strings.HasPrefix(got, "broker 1 ") || strings.Contains(got, "more") {
		t.Errorf("after broker 2 answered: %q", got)
	}
	// A failed bootstrap address is forgotten once any broker answers.
	tr.OnBrokerConnect(seed, 0, nil, errors.New("no such host"))
	if got := tr.latest(); !strings.HasPrefix(got, "bootstrap broker kafka:9092: no such host") {
		t.Errorf("bootstrap trouble = %q", got)
	}
	tr.OnBrokerE2E(b2, 1, kgo.BrokerE2E{})
	if got := tr.latest(); !strings.HasPrefix(got, "broker 1 ") {
		t.Errorf("after a broker answered, bootstrap trouble stays: %q", got)
	}
	// Trouble not repeated for a while belongs to a broker no longer used.
	now = now.Add(troubleTTL + time.Second)
	if got := tr.latest(); got != "" {
		t.Errorf("stale trouble still reported: %q", got)
	}
	tr.set("partition 3", "partition 3: NOT_LEADER_FOR_PARTITION")
	tr.clear("partition 3")
	if got := tr.latest(); got != "" {
		t.Errorf("cleared trouble still reported: %q", got)
	}
}
