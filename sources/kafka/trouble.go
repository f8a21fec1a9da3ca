package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// troubleTTL is how long a broker's error stays reported without being
// repeated. kgo retries a broker it needs every few seconds at most, so an
// error that is not repeated within this time belongs to a broker the client
// no longer talks to (its partitions moved, or it was a bootstrap address).
const troubleTTL = 15 * time.Second

// trouble is the latest error each broker gave a client that retries by
// itself (kgo does, for fetches and produces), so that a stream or a producer
// can say what it is riding out. It is a kgo hook: every connection attempt
// and every request reports to it, and a broker's entry is cleared as soon
// as that broker answers again. Errors are worded as everywhere else (see
// connErr), without waiting: a hook must be quick.
type trouble struct {
	mu      sync.Mutex
	entries map[string]troubleEntry
	now     func() time.Time
	closed  *closedVerdicts // nil: errors as kgo words them
}

type troubleEntry struct {
	text string
	at   time.Time
}

func newTrouble(closed *closedVerdicts) *trouble {
	return &trouble{entries: make(map[string]troubleEntry), now: time.Now, closed: closed}
}

var (
	_ kgo.HookBrokerConnect = (*trouble)(nil)
	_ kgo.HookBrokerE2E     = (*trouble)(nil)
)

// OnBrokerConnect records a failed dial (or SASL/ApiVersions handshake).
func (t *trouble) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	if err != nil {
		t.brokerFailed(meta, err)
	}
}

// OnBrokerE2E records a request that failed on the wire, and clears the
// broker's entry when a request succeeds.
func (t *trouble) OnBrokerE2E(meta kgo.BrokerMetadata, _ int16, e2e kgo.BrokerE2E) {
	if err := e2e.Err(); err != nil {
		t.brokerFailed(meta, err)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, brokerKey(meta))
	// Once any broker answers, a bootstrap address that failed no longer
	// matters: kgo talks to the brokers metadata names.
	for k := range t.entries {
		if strings.HasPrefix(k, bootstrapPrefix) {
			delete(t.entries, k)
		}
	}
}

func (t *trouble) brokerFailed(meta kgo.BrokerMetadata, err error) {
	// Our own Close and kgo's cancelled requests are not trouble.
	if errors.Is(err, context.Canceled) || errors.Is(err, kgo.ErrClientClosed) || errors.Is(err, net.ErrClosed) {
		return
	}
	t.set(brokerKey(meta), brokerName(meta)+": "+t.closed.explainNow(meta, err).Error())
}

// set records trouble under key, replacing what was there.
func (t *trouble) set(key, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.entries[key] = troubleEntry{text: text, at: t.now()}
}

// clear forgets the trouble under key.
func (t *trouble) clear(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, key)
}

// latest is the most recent trouble still current, as one line, or "".
func (t *trouble) latest() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var (
		newest troubleEntry
		others int
	)
	for k, e := range t.entries {
		if now.Sub(e.at) > troubleTTL {
			delete(t.entries, k)
			continue
		}
		if newest.text != "" {
			others++
		}
		if newest.text == "" || e.at.After(newest.at) || (e.at.Equal(newest.at) && e.text < newest.text) {
			newest = e
		}
	}
	if newest.text == "" {
		return ""
	}
	line := newest.text + ", retrying"
	if others > 0 {
		line += fmt.Sprintf(" (and %d more)", others)
	}
	return line
}

// ofBroker is broker id's current trouble, or "".
func (t *trouble) ofBroker(id int32) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.entries[brokerIDKey(id)]
	if !ok || t.now().Sub(e.at) > troubleTTL {
		return ""
	}
	return e.text
}

// kgo numbers bootstrap connections below zero, before their real IDs are
// known.
func isBootstrap(meta kgo.BrokerMetadata) bool { return meta.NodeID < 0 }

func brokerKey(meta kgo.BrokerMetadata) string {
	if isBootstrap(meta) {
		return bootstrapPrefix + net.JoinHostPort(meta.Host, strconv.Itoa(int(meta.Port)))
	}
	return brokerIDKey(meta.NodeID)
}

const bootstrapPrefix = "bootstrap "

func brokerIDKey(id int32) string { return "broker " + strconv.Itoa(int(id)) }

func brokerName(meta kgo.BrokerMetadata) string {
	if isBootstrap(meta) {
		return "bootstrap broker " + net.JoinHostPort(meta.Host, strconv.Itoa(int(meta.Port)))
	}
	return brokerEndpoint(meta.NodeID, meta.Host, meta.Port)
}
