package kafka

import (
	"context"
	"crypto/tls"
	"net"
	"time"
)

// dial connects to a broker over TLS. It is kgo's TLS dial, and one thing
// more: a handshake that fails or hangs (a plaintext Kafka listener closes
// the connection on a ClientHello, or waits for the rest of what it reads as
// a huge request) is followed by a plaintext API versions request, so that a
// port without TLS is named as such rather than as a timeout. A port found so
// is asked again first at its next dial, which then fails at once.
func (g *guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if g.knownPlaintext(addr) {
		pctx, cancel := context.WithTimeout(ctx, g.dialTimeout)
		defer cancel()
		if speaksPlaintext(pctx, addr) {
			return nil, g.plaintextErr(addr, nil)
		}
		g.setPlaintext(addr, false)
	}
	dctx, cancel := context.WithTimeout(ctx, g.dialTimeout)
	defer cancel()
	type dialed struct {
		conn net.Conn
		err  error
	}
	hs := make(chan dialed, 1)
	go func() {
		d := tls.Dialer{Config: tlsConfigFor(g.tls, addr)}
		conn, err := d.DialContext(dctx, network, addr)
		hs <- dialed{conn, err}
	}()
	// A handshake still going after a while may be one a plaintext
	// listener will never answer: ask it in plaintext meanwhile.
	var plain chan bool
	slow := time.NewTimer(g.dialTimeout / 4)
	defer slow.Stop()
	for {
		select {
		case r := <-hs:
			if r.err == nil {
				return r.conn, nil
			}
			return nil, g.handshakeFailed(ctx, addr, r.err)
		case <-slow.C:
			plain = make(chan bool, 1)
			go func() { plain <- speaksPlaintext(dctx, addr) }()
		case yes := <-plain:
			plain = nil
			if !yes {
				continue
			}
			g.setPlaintext(addr, true)
			cancel()
			go func() { // the handshake ends with dctx
				if r := <-hs; r.conn != nil {
					r.conn.Close()
				}
			}()
			return nil, g.plaintextErr(addr, nil)
		}
	}
}

// handshakeFailed words a failed TLS dial: a certificate problem from err; a
// connection closed during the handshake is asked about in plaintext.
func (g *guard) handshakeFailed(ctx context.Context, addr string, err error) error {
	if isDialErr(err) || ctx.Err() != nil || tlsWords(g, addr, err) != nil {
		return err // no TCP connection, or nothing more to learn
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(g.dialTimeout, secureCheckTimeout))
	defer cancel()
	if speaksPlaintext(pctx, addr) {
		g.setPlaintext(addr, true)
		return g.plaintextErr(addr, err)
	}
	return err
}

func (g *guard) plaintextErr(addr string, cause error) error {
	return &tlsError{addr: addr, why: "the broker answers in plaintext on this port, not TLS: TLS is configured for a listener that does not use it", cause: cause}
}

func (g *guard) knownPlaintext(addr string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	at, ok := g.plaintext[addr]
	return ok && time.Since(at) < verdictTTL
}

func (g *guard) setPlaintext(addr string, yes bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if yes {
		g.plaintext[addr] = time.Now()
	} else {
		delete(g.plaintext, addr)
	}
}
