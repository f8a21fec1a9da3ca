// Package kafka polls a Kafka cluster with franz-go and publishes
// sources.KafkaSnapshot values: brokers and whether they answer, topics with
// partitions and watermarks, consumer groups with their lag. It also streams
// a topic's records (Tail, without a consumer group) and produces (Do). It
// never imports a UI library.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/secure"
)

// Config says which cluster to poll and how often.
type Config struct {
	// Brokers are bootstrap addresses, host:port each.
	Brokers []string
	// ClientID is sent to the brokers; empty means "topicat".
	ClientID string
	// Interval is the pause between polls; zero means 2s.
	Interval time.Duration
	// Timeout bounds one poll; zero means the interval, at least 2s.
	Timeout time.Duration
	// SkipGroups leaves consumer groups out of the snapshots: a one-shot
	// `topicat get` of a view that shows none need not wait for them.
	SkipGroups bool

	// TLS, when set, encrypts every connection; SASL, when set,
	// authenticates it. They become kgo options in secureOpts.
	TLS  *secure.TLS
	SASL *secure.SASL
}

// Source polls one Kafka cluster. The embedded Loop provides Updates,
// Refresh, SetPaused and Run.
type Source struct {
	*sources.Loop

	cl    *kgo.Client
	adm   *kadm.Client
	seeds []string
	// conn is how every client of this source reaches the cluster: the
	// polling client, and the stream and producer clients in opened.
	conn []kgo.Opt
	// opened holds the streams and producer clients that Tail and Do open;
	// Close closes them.
	opened opened
	// limits are the topics' message size limits, learnt when producing.
	limits messageLimits
	// timeLagCache keeps how old the record at a group's committed offset
	// is, while that offset does not move (DescribeGroup).
	timeLagCache *timeLagCache
	// closed explains connections brokers close before answering, for
	// every path: see connErr.
	closed *closedVerdicts

	timeout      time.Duration // of one poll
	probeTimeout time.Duration // of the per-broker liveness check
	skipGroups   bool

	// pollMu serialises polls so that the state carried from one poll to the
	// next stays consistent when Poll is also called outside the loop.
	pollMu sync.Mutex
	state  pollState
}

// New checks the configuration and prepares a client; nothing is dialled
// until the first poll.
func New(cfg Config) (*Source, error) {
	seeds, err := validateBrokers(cfg.Brokers)
	if err != nil {
		return nil, err
	}
	// The loop's defaults, asked for here so that the client's timeouts and
	// the loop's pace come from the same figures.
	loop := sources.LoopConfig{Interval: cfg.Interval, Timeout: cfg.Timeout}.WithDefaults()
	// A secret is read within the poll's time: a password command that
	// hangs fails the connection, not the dashboard.
	secOpts, g, err := secureOpts(cfg, seeds, loop.Timeout)
	if err != nil {
		return nil, err
	}
	s := &Source{
		seeds:   seeds,
		conn:    append(connOpts(cfg, seeds), secOpts...),
		timeout: loop.Timeout,
		// A third of the poll: a broker that does not answer in that time is
		// reported down, and the rest of the poll still has time to finish.
		probeTimeout: loop.Timeout / 3,
		timeLagCache: newTimeLagCache(timeLagCacheSize),
		closed:       newClosedVerdicts(seeds),
		skipGroups:   cfg.SkipGroups,
	}
	s.closed.guarded(g)
	cl, err := kgo.NewClient(append(slices.Clone(s.conn), pollOpts(loop.Interval, loop.Timeout)...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka: create client: %w", err)
	}
	s.cl = cl
	s.adm = kadm.NewClient(cl)
	s.Loop = sources.NewLoop(loop, s.poll)
	return s, nil
}

// connOpts are the options every client of the source shares: where the
// cluster is and who is asking; secureOpts add how (TLS, SASL).
func connOpts(cfg Config, seeds []string) []kgo.Opt {
	clientID := cfg.ClientID
	if clientID == "" {
		clientID = "topicat"
	}
	return []kgo.Opt{
		kgo.SeedBrokers(seeds...),
		kgo.ClientID(clientID),
	}
}

// pollOpts tune the polling client to the loop's pace.
func pollOpts(interval, timeout time.Duration) []kgo.Opt {
	return []kgo.Opt{
		// kgo caches metadata for MetadataMinAge (5s by default): a topic just
		// created or a broker just lost would stay hidden for several polls.
		kgo.MetadataMinAge(min(250*time.Millisecond, max(interval/4, 10*time.Millisecond))),
		// Three dials must fit in one poll so that a bootstrap list of
		// unreachable hosts fails with a dial error, not the poll's deadline.
		kgo.DialTimeout(dialTimeout(timeout)),
		// A dashboard polls again soon: fail fast rather than retry for the
		// default 30s, which would make every poll wait on one bad broker.
		kgo.RequestRetries(2),
		kgo.RetryTimeout(timeout / 2),
		kgo.RetryBackoffFn(func(tries int) time.Duration {
			return min(time.Duration(tries)*50*time.Millisecond, 250*time.Millisecond)
		}),
	}
}

// dialTimeout is how long a connection may take to set up, TLS handshake
// included: a third of the poll's timeout, within bounds.
func dialTimeout(timeout time.Duration) time.Duration {
	return min(max(timeout/3, 100*time.Millisecond), 10*time.Second)
}

// validateBrokers returns the trimmed addresses or a message naming the bad one.
func validateBrokers(addrs []string) ([]string, error) {
	var out []string
	for _, a := range addrs {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if i := strings.LastIndex(a, "@"); i >= 0 {
			// Never echoed: what precedes @ may be a password.
			return nil, fmt.Errorf("kafka: broker address …@%s holds a user name or password; give credentials with SASL, not in the address", a[i+1:])
		}
		host, port, err := net.SplitHostPort(a)
		switch {
		case err != nil && strings.Contains(err.Error(), "missing port"):
			return nil, fmt.Errorf("kafka: broker address %q: missing port", a)
		case err != nil:
			return nil, fmt.Errorf("kafka: broker address %q: %w", a, err)
		case host == "":
			return nil, fmt.Errorf("kafka: broker address %q: missing host", a)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("kafka: broker address %q: port must be a number from 1 to 65535", a)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, errors.New("kafka: no broker addresses given")
	}
	return out, nil
}

// System reports sources.Kafka.
func (s *Source) System() sources.System { return sources.Kafka }

// Close releases the connections: the open streams and producer clients
// first, then the polling client. Stop Run (cancel its context) first; a poll
// still running fails.
func (s *Source) Close() {
	s.opened.closeAll()
	s.cl.Close()
}

// Poll takes one snapshot now, outside the loop's schedule; the loop uses it
// too, so figures derived across polls (rates, down-since) stay consistent.
// The snapshot is never nil. The error is non-nil only when no broker answered.
// The poll ends at the configured Timeout or when ctx ends, whichever is first.
func (s *Source) Poll(ctx context.Context) (*sources.KafkaSnapshot, error) {
	s.pollMu.Lock()
	defer s.pollMu.Unlock()
	s.state.budget = budget(ctx, s.timeout)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.takeSnapshot(ctx)
}

// budget is how long a poll has: the timeout, or less when ctx ends sooner.
// The loop's deadline, set a moment before for the same timeout, counts as
// the timeout, so that errors name the configured figure.
func budget(ctx context.Context, timeout time.Duration) time.Duration {
	d, ok := ctx.Deadline()
	if !ok {
		return timeout
	}
	if left := time.Until(d); left < timeout-10*time.Millisecond {
		return max(left, 0).Round(time.Millisecond)
	}
	return timeout
}

func (s *Source) poll(ctx context.Context) (sources.Snapshot, error) {
	snap, err := s.Poll(ctx)
	return snap, err
}

var _ sources.Source = (*Source)(nil)
