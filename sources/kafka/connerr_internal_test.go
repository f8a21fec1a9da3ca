package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestClosedVerdicts(t *testing.T) {
	ctx := context.Background()
	firstRead := fmt.Errorf("api versions: %w", &kgo.ErrFirstReadEOF{})
	for _, tc := range []struct {
		name     string
		tls      bool  // what the check finds
		answered bool  // the broker answered in plaintext before
		err      error // what kgo said
		want     string
		checks   int
	}{
		{"closed before the first answer, plaintext port", false, false, firstRead, "the broker closed the connection before answering", 1},
		{"closed before the first answer, TLS port", true, false, firstRead, "the broker closed the plaintext connection and answers a TLS handshake on the same port: is TLS missing from the configuration?", 1},
		{"closed, but it answered in plaintext before: no check", true, true, firstRead, "the broker closed the connection before answering", 0},
		{"an established connection closed", true, false, io.EOF, "the broker closed the connection before answering", 0},
		{"another error is left alone", true, false, errors.New("dial tcp: connection refused"), "dial tcp: connection refused", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClosedVerdicts(nil)
			checks := 0
			c.check = func(context.Context, string) bool { checks++; return tc.tls }
			b := kmsg.NewMetadataResponseBroker()
			b.NodeID, b.Host, b.Port = 2, "127.0.0.1", 9092
			c.learn([]kmsg.MetadataResponseBroker{b})
			if tc.answered {
				c.plaintext(2, time.Now())
			}
			for range 3 { // the verdict is kept: one check at most
				got := c.explain(ctx, brokerAt(2), tc.err)
				if got.Error() != tc.want || !errors.Is(got, tc.err) {
					t.Fatalf("explain = %q (wraps it: %v), want %q", got, errors.Is(got, tc.err), tc.want)
				}
			}
			if checks != tc.checks {
				t.Errorf("%d checks, want %d", checks, tc.checks)
			}
		})
	}
}

// TestClosedVerdictsAddresses: the address checked is the one the request
// went to: kgo's, or metadata's for an ID; every known one when kgo chose.
func TestClosedVerdictsAddresses(t *testing.T) {
	ctx := context.Background()
	firstRead := fmt.Errorf("api versions: %w", &kgo.ErrFirstReadEOF{})
	for _, tc := range []struct {
		name    string
		at      kgo.BrokerMetadata
		tlsAt   string   // the one address that speaks TLS
		checked []string // the addresses checked, sorted
		want    bool     // the TLS hint
	}{
		{"kgo's address", kgo.BrokerMetadata{NodeID: 2, Host: "10.0.0.9", Port: 9092}, "10.0.0.9:9092", []string{"10.0.0.9:9092"}, true},
		{"metadata's address for an ID", brokerAt(2), "10.0.0.2:9092", []string{"10.0.0.2:9092"}, true},
		{"an ID metadata never named: nothing to check", brokerAt(7), "10.0.0.2:9092", nil, false},
		{"kgo chose: seeds and known brokers", anyBroker, "seed:9092", []string{"10.0.0.1:9092", "10.0.0.2:9092", "seed:9092"}, true},
		{"kgo chose, all plaintext", anyBroker, "", []string{"10.0.0.1:9092", "10.0.0.2:9092", "seed:9092"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClosedVerdicts([]string{"seed:9092"})
			var (
				mu      sync.Mutex
				checked []string
			)
			c.check = func(_ context.Context, addr string) bool {
				mu.Lock()
				defer mu.Unlock()
				checked = append(checked, addr)
				return addr == tc.tlsAt
			}
			bs := make([]kmsg.MetadataResponseBroker, 2)
			for i := range bs {
				bs[i] = kmsg.NewMetadataResponseBroker()
				bs[i].NodeID, bs[i].Host, bs[i].Port = int32(i+1), fmt.Sprintf("10.0.0.%d", i+1), 9092
			}
			c.learn(bs)
			got := c.explain(ctx, tc.at, firstRead)
			if hint := strings.Contains(got.Error(), "TLS"); hint != tc.want {
				t.Errorf("explain = %q, want the TLS hint: %v", got, tc.want)
			}
			slices.Sort(checked)
			if !slices.Equal(checked, tc.checked) {
				t.Errorf("checked %v, want %v", checked, tc.checked)
			}
		})
	}
}

// TestExplainNow: a hook never waits on a check: an address without a
// verdict reads as closed and is checked in the background, and the failure
// reported again says what was found.
func TestExplainNow(t *testing.T) {
	firstRead := fmt.Errorf("api versions: %w", &kgo.ErrFirstReadEOF{})
	at := kgo.BrokerMetadata{NodeID: 2, Host: "10.0.0.2", Port: 9092}
	for _, tls := range []bool{false, true} {
		c := newClosedVerdicts(nil)
		release, done := make(chan struct{}), make(chan struct{})
		c.check = func(context.Context, string) bool {
			<-release
			defer close(done)
			return tls
		}
		if got := c.explainNow(at, firstRead); got.Error() != "the broker closed the connection before answering" || !errors.Is(got, firstRead) {
			t.Fatalf("tls %v: before the check: %q", tls, got)
		}
		c.explainNow(at, firstRead) // a check under way is not started again
		close(release)
		<-done
		for {
			if _, known := c.verdict("10.0.0.2:9092"); known {
				break
			}
			runtime.Gosched()
		}
		if got := strings.Contains(c.explainNow(at, firstRead).Error(), "is TLS missing"); got != tls {
			t.Errorf("tls %v: after the check, the TLS hint: %v", tls, got)
		}
	}
	var nilVerdicts *closedVerdicts
	if err := nilVerdicts.explainNow(at, firstRead); err != firstRead {
		t.Errorf("no verdicts: %v, want kgo's error as it is", err)
	}
}
