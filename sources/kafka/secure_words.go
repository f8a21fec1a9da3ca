package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources/secure"
)

// authError is a SASL failure in words. Unwrap keeps kgo's error for
// errors.Is; the text never holds a secret, only the user's name.
type authError struct {
	mech  string // as Kafka names it: "SCRAM-SHA-256"
	user  string // "" for token mechanisms
	addr  string
	why   string
	cause error
}

func (e *authError) Error() string {
	who := ""
	if e.user != "" && (e.mech == "PLAIN" || strings.HasPrefix(e.mech, "SCRAM")) {
		who = " for user " + e.user
	}
	s := "SASL " + e.mech + " authentication failed" + who + ": " + e.why
	if e.mech == "" { // none configured
		s = "SASL: " + e.why
	}
	if e.addr != "" {
		s += " (broker " + e.addr + ")"
	}
	return s
}

func (e *authError) Unwrap() error { return e.cause }

// tlsError is a TLS failure in words.
type tlsError struct {
	addr  string
	why   string
	cause error
}

func (e *tlsError) Error() string {
	s := "TLS: " + e.why
	if e.addr != "" {
		s += " (broker " + e.addr + ")"
	}
	return s
}

func (e *tlsError) Unwrap() error { return e.cause }

// word rewords a TLS or SASL failure in err for a person, checking with the
// broker (within ctx) what a bare closed connection meant; ok is false for
// any other error. at is the broker the request went to, when known.
func (g *guard) word(ctx context.Context, at kgo.BrokerMetadata, err error) (worded error, ok bool) {
	worded = g.wordWith(ctx, at, err, true)
	return worded, worded != nil
}

// wordNow is word without asking the broker anything, for kgo's hooks.
func (g *guard) wordNow(at kgo.BrokerMetadata, err error) (worded error, ok bool) {
	worded = g.wordWith(context.Background(), at, err, false)
	return worded, worded != nil
}

// wordWith is the worded error, or nil when err is no TLS or SASL failure.
func (g *guard) wordWith(ctx context.Context, at kgo.BrokerMetadata, err error, ask bool) error {
	if g == nil || err == nil {
		return nil
	}
	// Worded already, maybe inside kgo's own words: ours alone.
	if e, ok := errors.AsType[*authError](err); ok {
		return e
	}
	if e, ok := errors.AsType[*tlsError](err); ok {
		return e
	}
	addr := ""
	if at.Host != "" {
		addr = metaAddr(at)
	}
	fail, known := g.failOf(err)
	if known {
		addr = fail.addr
	}
	if e := tlsWords(g, addr, err); e != nil {
		return e
	}
	if g.mech != nil {
		if e := g.saslWords(ctx, addr, fail, known, err, ask); e != nil {
			return e
		}
	} else if firstRead(err) == firstReadSASL {
		// The broker answered the connection's first request (API
		// versions) and hung up on the next: what a SASL listener does to a
		// client that does not authenticate.
		why := "the broker closed the connection after its first answer: it wants SASL authentication, and none is configured"
		if ask {
			// The first address that lists its mechanisms says which.
			cands := []string{addr}
			if addr == "" && g.addrsOf != nil {
				cands = g.addrsOf(at)
			}
			for _, a := range cands {
				if mechs, ok := offeredMechanisms(ctx, a, g.tls); ok && len(mechs) > 0 {
					why = fmt.Sprintf("the broker wants SASL authentication (it offers %s), and none is configured", strings.Join(mechs, ", "))
					addr = a
					break
				}
			}
		}
		return &authError{mech: "", addr: addr, why: why, cause: err}
	}
	if g.tls != nil && firstRead(err) == firstReadDial && addr != "" {
		why := "the broker closed the connection during the TLS handshake: does this port speak TLS?"
		if ask && speaksPlaintext(ctx, addr) {
			why = "the broker answers in plaintext on this port, not TLS: TLS is configured for a listener that does not use it"
		}
		return &tlsError{addr: addr, why: why, cause: err}
	}
	return nil
}

// saslWords words a failure of a client that authenticates, or returns nil.
func (g *guard) saslWords(ctx context.Context, addr string, fail connFail, known bool, err error, ask bool) error {
	m := g.mech
	fails := func(why string) error {
		return &authError{mech: m.Name(), user: m.user, addr: addr, why: why, cause: err}
	}
	token := m.Name() == "OAUTHBEARER" || m.Name() == "AWS_MSK_IAM"
	switch {
	case errors.Is(err, kerr.SaslAuthenticationFailed):
		if token {
			return fails("the broker refused the credentials: " + serverMessage(err))
		}
		return fails("wrong user name or password")
	case errors.Is(err, kerr.UnsupportedSaslMechanism):
		why := "the broker does not offer this mechanism"
		if ask && addr != "" {
			if mechs, ok := offeredMechanisms(ctx, addr, g.tls); ok && len(mechs) > 0 {
				why = "the broker does not offer this mechanism; it offers " + strings.Join(mechs, ", ")
			}
		}
		return fails(why)
	case errors.Is(err, kerr.IllegalSaslState):
		return fails("the broker does not use SASL on this port (it refused the SASL handshake): remove SASL from the configuration, or use the port of its SASL listener")
	case known && fail.auth && closedConn(err):
		// Kafka answers wrong credentials with an error, but some brokers
		// (and kfake) hang up instead; so does a listener without SASL.
		if ask && answersWithoutSASL(ctx, addr, g.tls) {
			return fails("the broker hung up on the authentication, and it answers without SASL on this port: SASL is configured for a listener that does not use it")
		}
		if token {
			return fails("the broker hung up on the credentials: they were refused")
		}
		return fails("wrong user name or password")
	}
	return nil
}

// serverMessage is what the broker said with an error code, after kgo's
// name for the code.
func serverMessage(err error) string {
	if _, msg, ok := strings.Cut(err.Error(), kerr.SaslAuthenticationFailed.Error()+": "); ok && msg != "" {
		return msg
	}
	return "no reason given"
}

// closedConn: the broker closed the connection.
func closedConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// kgo's guesses for a connection closed before its first answer, told apart
// by their text: the kind is not exported.
const (
	firstReadNone = iota
	firstReadDial // during the TLS handshake, or at once after the dial
	firstReadTLS  // during the API versions request
	firstReadSASL // at the first request after it
)

func firstRead(err error) int {
	e, ok := errors.AsType[*kgo.ErrFirstReadEOF](err)
	if !ok {
		return firstReadNone
	}
	switch s := e.Error(); {
	case strings.Contains(s, "is SASL missing"):
		return firstReadSASL
	case strings.Contains(s, "after a dial"):
		return firstReadDial
	}
	return firstReadTLS
}

// tlsWords words a certificate or handshake failure, or returns nil.
func tlsWords(g *guard, addr string, err error) error {
	if g.tls == nil {
		return nil
	}
	fails := func(why string) error { return &tlsError{addr: addr, why: why, cause: err} }
	if e, ok := errors.AsType[x509.UnknownAuthorityError](err); ok && e.Cert != nil {
		signer := "signed by " + nameOf(e.Cert.Issuer.CommonName)
		if e.Cert.Issuer.String() == e.Cert.Subject.String() {
			signer = "self-signed (" + nameOf(e.Cert.Issuer.CommonName) + ")"
		}
		return fails(fmt.Sprintf("the broker's certificate is not trusted: it is %s, which is not among %s", signer, g.tlsFrom))
	}
	if e, ok := errors.AsType[x509.HostnameError](err); ok && e.Certificate != nil {
		return fails(fmt.Sprintf("the broker's certificate is for %s, not %s: dial a name it carries, or set the TLS server name to one", secure.CertNames(e.Certificate), e.Host))
	}
	if e, ok := errors.AsType[x509.CertificateInvalidError](err); ok {
		switch e.Reason {
		case x509.Expired:
			return fails("the broker's certificate has expired, or is not valid yet: " + e.Detail)
		case x509.NotAuthorizedToSign:
			return fails("the broker's certificate was signed by a certificate that is not a CA")
		}
		return fails("the broker's certificate is invalid: " + e.Error())
	}
	if op, ok := errors.AsType[*net.OpError](err); ok && op.Op == "remote error" {
		// The broker's TLS alert; crypto/tls does not export its type.
		why := strings.TrimPrefix(op.Err.Error(), "tls: ")
		switch {
		case why == "certificate required" && g.tlsClientCert:
			return fails("the broker requires a client certificate and refused the one configured")
		case why == "certificate required":
			return fails("the broker requires a client certificate, and none is configured")
		case why == "bad certificate" || why == "unknown certificate authority":
			return fails("the broker refused the client certificate: " + why)
		}
		return fails("the broker refused the TLS handshake: " + why)
	}
	if _, ok := errors.AsType[tls.RecordHeaderError](err); ok {
		return fails("the broker does not answer in TLS on this port: TLS is configured for a listener that does not use it")
	}
	return nil
}

// nameOf quotes a certificate's common name, or says it has none.
func nameOf(cn string) string {
	if cn == "" {
		return "a certificate without a common name"
	}
	return fmt.Sprintf("%q", cn)
}
