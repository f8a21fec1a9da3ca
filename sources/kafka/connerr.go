package kafka

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// kgo words a connection the broker closes before its first answer as a
// configuration mistake ("is TLS missing?"). A broker that crashed, or one
// that closes connections while it shuts down, gives the same EOF; telling a
// person to check TLS then sends them the wrong way. So the hint is kept only
// when the broker really speaks TLS on that port, which a TLS handshake of
// our own finds out; otherwise the error says the connection was closed.

// closedError is a connection the broker closed before answering, worded by
// what was found. Unwrap keeps kgo's error for errors.As.
type closedError struct {
	wantsTLS bool
	cause    error
}

func (e *closedError) Error() string {
	if e.wantsTLS {
		return "the broker closed the plaintext connection and answers a TLS handshake on the same port: is TLS missing from the configuration?"
	}
	return "the broker closed the connection before answering"
}

func (e *closedError) Unwrap() error { return e.cause }

// tlsCheckTimeout bounds the handshake that decides whether a port speaks TLS.
const tlsCheckTimeout = time.Second

// speaksTLS reports whether the listener at addr completes (or answers with
// a TLS alert) a TLS handshake. Only the handshake is sent: nothing is
// authenticated or trusted, which is why the certificate is not verified.
func speaksTLS(ctx context.Context, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, tlsCheckTimeout)
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer raw.Close()
	host, _, _ := net.SplitHostPort(addr)
	conn := tls.Client(raw, &tls.Config{ServerName: host, InsecureSkipVerify: true}) //nolint:gosec // a probe that sends no data
	err = conn.HandshakeContext(ctx)
	if err == nil {
		return true
	}
	// The server answered with a TLS alert, only to refuse us (a client
	// certificate required, no common cipher): it speaks TLS.
	op, ok := errors.AsType[*net.OpError](err)
	return ok && op.Op == "remote error"
}

// closedVerdicts explains the connections brokers close before answering.
// It knows each broker's address, and what it found at each address: a port
// that answered in plaintext, or a TLS handshake, keeps its verdict for
// verdictTTL, so a broker that is down costs one check, not one per poll.
// One is shared by the poll, the detail requests and admin actions, and the
// stream and producer clients' trouble, so that they all word it alike.
type closedVerdicts struct {
	seeds []string
	// check decides whether addr speaks TLS; speaksTLS but for tests.
	check func(ctx context.Context, addr string) bool
	// guard words TLS and SASL failures first; nil in tests of the rest.
	guard *guard

	mu       sync.Mutex
	addrs    map[int32]string
	verdicts map[string]verdict
	// checking are the addresses being checked in the background.
	checking map[string]bool
}

type verdict struct {
	tls bool
	at  time.Time
}

// verdictTTL is how long a port's verdict is kept: a broker reconfigured
// for TLS is found out within that time.
const verdictTTL = 5 * time.Minute

func newClosedVerdicts(seeds []string) *closedVerdicts {
	return &closedVerdicts{
		seeds:    seeds,
		check:    speaksTLS,
		addrs:    make(map[int32]string),
		verdicts: make(map[string]verdict),
		checking: make(map[string]bool),
	}
}

// guarded makes c word TLS and SASL failures as g finds them. A source that
// speaks TLS has no use for the check of whether a port speaks it: its
// connections that close did so after a TLS handshake, or during one.
func (c *closedVerdicts) guarded(g *guard) {
	c.guard = g
	g.addrsOf = c.addrsOf
	if g.tls != nil {
		c.check = func(context.Context, string) bool { return false }
	}
}

// anyBroker is the broker of a request kgo sent to a broker of its choosing.
var anyBroker = kgo.BrokerMetadata{NodeID: -1}

// brokerAt is broker id, its address left to what metadata said.
func brokerAt(id int32) kgo.BrokerMetadata { return kgo.BrokerMetadata{NodeID: id} }

// learn records the brokers' addresses from metadata.
func (c *closedVerdicts) learn(brokers []kmsg.MetadataResponseBroker) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range brokers {
		c.addrs[b.NodeID] = net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
	}
}

// plaintext records that broker id answered a plaintext request.
func (c *closedVerdicts) plaintext(id int32, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if addr, ok := c.addrs[id]; ok {
		c.verdicts[addr] = verdict{at: now}
	}
}

// addrsOf are the addresses a request to broker at may have gone to: its
// own when kgo or metadata says it; every one known when kgo chose.
func (c *closedVerdicts) addrsOf(at kgo.BrokerMetadata) []string {
	if at.Host != "" {
		return []string{net.JoinHostPort(at.Host, strconv.Itoa(int(at.Port)))}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if at.NodeID >= 0 {
		if addr, ok := c.addrs[at.NodeID]; ok {
			return []string{addr}
		}
		return nil
	}
	all := slices.Clone(c.seeds)
	for _, addr := range c.addrs {
		all = append(all, addr)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// closedCause is err as far as it can be worded without a check: an
// established connection closed is a closedError; any other error, or one
// worded already, is left as it is. guess reports that kgo guessed TLS (the
// first read of a connection found it closed), which only a check can tell.
func closedCause(err error) (out error, guess bool) {
	if err == nil {
		return nil, false
	}
	if _, ok := errors.AsType[*closedError](err); ok {
		return err, false
	}
	if _, ok := errors.AsType[*kgo.ErrFirstReadEOF](err); ok {
		return err, true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		// An established connection closed: no guess to check.
		return &closedError{cause: err}, false
	}
	return err, false
}

// explain rewords err from broker at: a connection closed before the first
// answer keeps kgo's TLS hint only when the port speaks TLS, and any other
// closed connection says so. Other errors are returned as they are. A port
// with no verdict yet is checked now, within ctx.
func (c *closedVerdicts) explain(ctx context.Context, at kgo.BrokerMetadata, err error) error {
	if c == nil {
		return err
	}
	if worded, ok := c.guard.word(ctx, at, err); ok {
		return worded
	}
	out, guess := closedCause(err)
	if !guess {
		return out
	}
	return c.explainAt(ctx, c.addrsOf(at), err)
}

// explainNow is explain for kgo's hooks, which must not wait on the network:
// a port with no verdict yet reads as closed (a broker down is the likelier
// cause) and is checked in the background, so that the same failure reported
// again, as kgo reports it at every retry, says what was found.
func (c *closedVerdicts) explainNow(at kgo.BrokerMetadata, err error) error {
	if c == nil {
		return err
	}
	if worded, ok := c.guard.wordNow(at, err); ok {
		return worded
	}
	out, guess := closedCause(err)
	if !guess {
		return out
	}
	for _, addr := range c.addrsOf(at) {
		v, known := c.verdict(addr)
		if !known {
			c.checkLater(addr)
			continue
		}
		if v.tls {
			return &closedError{wantsTLS: true, cause: err}
		}
	}
	return &closedError{cause: err}
}

// explainSeeds rewords err from a bootstrap broker, unknown among the seeds:
// TLS is suspected when any seed speaks it.
func (c *closedVerdicts) explainSeeds(ctx context.Context, err error) error {
	if c == nil || err == nil {
		return err
	}
	if worded, ok := c.guard.word(ctx, anyBroker, err); ok {
		return worded
	}
	if _, ok := errors.AsType[*kgo.ErrFirstReadEOF](err); !ok {
		return err
	}
	return c.explainAt(ctx, c.seeds, err)
}

// explainAt words err by the verdicts of addrs, checking at once those that
// have none.
func (c *closedVerdicts) explainAt(ctx context.Context, addrs []string, err error) error {
	tls := make([]bool, len(addrs))
	var wg sync.WaitGroup
	for i, addr := range addrs {
		if addr == "" {
			continue
		}
		if v, known := c.verdict(addr); known {
			tls[i] = v.tls
			continue
		}
		// Outside the lock, and at once: each waits on the network.
		wg.Go(func() {
			v := verdict{tls: c.check(ctx, addr), at: time.Now()}
			c.mu.Lock()
			c.verdicts[addr] = v
			c.mu.Unlock()
			tls[i] = v.tls
		})
	}
	wg.Wait()
	if slices.Contains(tls, true) {
		return &closedError{wantsTLS: true, cause: err}
	}
	return &closedError{cause: err}
}

// verdict is addr's verdict while it holds.
func (c *closedVerdicts) verdict(addr string) (verdict, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.verdicts[addr]
	if !ok || time.Since(v.at) > verdictTTL {
		return verdict{}, false
	}
	return v, true
}

// checkLater checks addr in the background, once at a time.
func (c *closedVerdicts) checkLater(addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.checking[addr] {
		return
	}
	c.checking[addr] = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), tlsCheckTimeout)
		defer cancel()
		v := verdict{tls: c.check(ctx, addr), at: time.Now()}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.verdicts[addr] = v
		delete(c.checking, addr)
	}()
}

// connErr is how an error from the cluster is worded for a person, on every
// path (poll, detail requests, admin actions, produce, tail): kgo guesses "is
// TLS missing?" for any connection closed before its first answer, which a
// broker that is down causes as well, so the guess is checked (see
// closedVerdicts). at is the broker the request went to (anyBroker when kgo
// chose); each shard of a kadm.ShardErrors is worded by its own broker, in
// place. Call it on the error as kgo or kadm returned it, before adding what
// was attempted: a reworded error replaces kgo's text.
func (s *Source) connErr(ctx context.Context, at kgo.BrokerMetadata, err error) error {
	if se, ok := errors.AsType[*kadm.ShardErrors](err); ok {
		for i := range se.Errs {
			se.Errs[i].Err = s.closed.explain(ctx, se.Errs[i].Broker, se.Errs[i].Err)
		}
		return err
	}
	return s.closed.explain(ctx, at, err)
}
