package kafka

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
)

// guard watches the connections of every client of a source for what TLS
// and SASL did, so that their failures can be worded: kgo returns a
// connection's failure as it met it (a bare EOF when a broker hangs up on
// wrong credentials), without the broker's address or the phase it failed
// in. As a kgo hook it learns which address each failed connection went to;
// through authMech it learns whether authentication had begun there.
type guard struct {
	tls     *tls.Config // nil: plaintext
	tlsFrom string      // where trust comes from, for messages
	mech    *authMech   // nil: no SASL
	// tlsClientCert: a client certificate is configured.
	tlsClientCert bool
	// addrsOf are the addresses a request to a broker may have gone to,
	// when no failed connection says which (closedVerdicts.addrsOf).
	addrsOf func(kgo.BrokerMetadata) []string
	// dialTimeout bounds a TLS dial, handshake included (see dial).
	dialTimeout time.Duration

	mu sync.Mutex
	// authing are the addresses where an authentication began and has not
	// finished: a connection that fails there failed during authentication.
	authing map[string]int
	// fails are the latest failed connections, newest last.
	fails []connFail
	// plaintext are the addresses found to speak plaintext to a TLS dial.
	plaintext map[string]time.Time
}

// connFail is a connection that could not be set up.
type connFail struct {
	addr string
	err  error
	auth bool // it failed during SASL authentication
}

// maxConnFails bounds the failures remembered: enough for every broker of a
// cluster to fail in each of kgo's kinds of connection.
const maxConnFails = 64

func newGuard() *guard {
	return &guard{authing: make(map[string]int), plaintext: make(map[string]time.Time)}
}

var _ kgo.HookBrokerConnect = (*guard)(nil)

func metaAddr(meta kgo.BrokerMetadata) string {
	return net.JoinHostPort(meta.Host, strconv.Itoa(int(meta.Port)))
}

// OnBrokerConnect records where a connection failed, and whether during
// authentication; kgo calls it once the connection is set up or has failed.
func (g *guard) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	addr := metaAddr(meta)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err == nil {
		g.fails = deleteAddr(g.fails, addr)
		return
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, kgo.ErrClientClosed) {
		return
	}
	f := connFail{addr: addr, err: err, auth: g.authing[addr] > 0}
	if f.auth {
		g.authing[addr]--
	}
	g.fails = append(deleteAddr(g.fails, addr), f)
	if len(g.fails) > maxConnFails {
		g.fails = g.fails[len(g.fails)-maxConnFails:]
	}
}

func deleteAddr(fs []connFail, addr string) []connFail {
	out := fs[:0]
	for _, f := range fs {
		if f.addr != addr {
			out = append(out, f)
		}
	}
	return out
}

// failOf is the recorded failure err comes from, if any: kgo hands the
// request the very error its connection failed with.
func (g *guard) failOf(err error) (connFail, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := len(g.fails) - 1; i >= 0; i-- {
		if errors.Is(err, g.fails[i].err) {
			return g.fails[i], true
		}
	}
	return connFail{}, false
}

func (g *guard) authBegan(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.authing[addr]++
}

func (g *guard) authEnded(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.authing[addr] > 0 {
		g.authing[addr]--
	}
}

// authMech is the configured mechanism, telling the guard when an
// authentication begins and ends, and wording its own failures (a secret
// that cannot be read) with the broker's address.
type authMech struct {
	inner   sasl.Mechanism
	user    string
	timeout time.Duration // bounds reading the secret
	guard   *guard
}

func (m *authMech) Name() string { return m.inner.Name() }

func (m *authMech) Authenticate(ctx context.Context, host string) (sasl.Session, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	s, first, err := m.inner.Authenticate(ctx, host)
	if err != nil {
		return nil, nil, &authError{mech: m.Name(), user: m.user, addr: host, why: err.Error(), cause: err}
	}
	m.guard.authBegan(host)
	return &authSession{inner: s, m: m, addr: host}, first, nil
}

type authSession struct {
	inner sasl.Session
	m     *authMech
	addr  string
}

func (s *authSession) Challenge(resp []byte) (bool, []byte, error) {
	done, next, err := s.inner.Challenge(resp)
	switch {
	case err != nil:
		// Failed on our side: kgo returns this error, not a closed
		// connection, so the guard need not know.
		s.m.guard.authEnded(s.addr)
		return false, nil, &authError{mech: s.m.Name(), user: s.m.user, addr: s.addr, why: err.Error(), cause: err}
	case done:
		s.m.guard.authEnded(s.addr)
	}
	return done, next, nil
}
