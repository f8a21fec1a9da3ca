package kafka

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

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
type closedVerdicts struct {
	seeds []string
	// check decides whether addr speaks TLS; speaksTLS but for tests.
	check func(ctx context.Context, addr string) bool

	mu       sync.Mutex
	addrs    map[int32]string
	verdicts map[string]verdict
}

type verdict struct {
	tls bool
	at  time.Time
}

// verdictTTL is how long a port's verdict is kept: a broker reconfigured
// for TLS is found out within that time.
const verdictTTL = 5 * time.Minute

func newClosedVerdicts(seeds []string) *closedVerdicts {
	return &closedVerdicts{seeds: seeds, check: speaksTLS, addrs: make(map[int32]string), verdicts: make(map[string]verdict)}
}

// learn records the brokers' addresses from metadata.
func (c *closedVerdicts) learn(brokers []kmsg.MetadataResponseBroker) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range brokers {
		c.addrs[b.NodeID] = net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
	}
}

// plaintext records that broker id answered a plaintext request.
func (c *closedVerdicts) plaintext(id int32, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if addr, ok := c.addrs[id]; ok {
		c.verdicts[addr] = verdict{at: now}
	}
}

// explain rewords err from broker id: a connection closed before the first
// answer keeps kgo's TLS hint only when the port speaks TLS, and any other
// closed connection says so. Other errors are returned as they are.
func (c *closedVerdicts) explain(ctx context.Context, id int32, err error) error {
	if c == nil || err == nil {
		return err
	}
	if _, ok := errors.AsType[*kgo.ErrFirstReadEOF](err); !ok {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			// An established connection closed: no guess to check.
			return &closedError{cause: err}
		}
		return err
	}
	c.mu.Lock()
	addr := c.addrs[id]
	c.mu.Unlock()
	return c.explainAt(ctx, []string{addr}, err)
}

// explainSeeds rewords err from a bootstrap broker, unknown among the seeds:
// TLS is suspected when any seed speaks it.
func (c *closedVerdicts) explainSeeds(ctx context.Context, err error) error {
	if c == nil || err == nil {
		return err
	}
	if _, ok := errors.AsType[*kgo.ErrFirstReadEOF](err); !ok {
		return err
	}
	return c.explainAt(ctx, c.seeds, err)
}

func (c *closedVerdicts) explainAt(ctx context.Context, addrs []string, err error) error {
	for _, addr := range addrs {
		if addr == "" {
			continue
		}
		c.mu.Lock()
		v, known := c.verdicts[addr]
		c.mu.Unlock()
		if !known || time.Since(v.at) > verdictTTL {
			v = verdict{tls: c.check(ctx, addr), at: time.Now()} // outside the lock: it waits on the network
			c.mu.Lock()
			c.verdicts[addr] = v
			c.mu.Unlock()
		}
		if v.tls {
			return &closedError{wantsTLS: true, cause: err}
		}
	}
	return &closedError{cause: err}
}
