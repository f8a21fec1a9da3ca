package nsq

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gonsq "github.com/nsqio/go-nsq"

	"github.com/topicat/topicat/sources/secure"
)

// Every HTTP request to a lookupd or an nsqd goes through secureTransport,
// which is why the rest of the package can go on writing "http://"+addr:
//
//   - an nsqd given as https:// is asked over HTTPS;
//   - an nsqd answering 403 TLS_REQUIRED on its HTTP port is asked again
//     on the HTTPS port it names, and from then on directly there, when TLS
//     is configured; when it is not, the answer says to configure it;
//   - basic auth and the configured headers go with every request;
//   - TLS and proxy refusals are put in words.
//
// nsqd v1.3 checks the auth secret (--auth-http-address) only on its TCP
// port: its HTTP API answers anyone who reaches it, so the secret is sent
// with AUTH by tail (go-nsq), never over HTTP.
type secureTransport struct {
	base  http.RoundTripper
	tlsOn bool // TLS is configured: TLS_REQUIRED is retried over HTTPS
	auth  secure.NSQAuth
	// credHosts are the host:port the user gave (lookupds, nsqd): the only
	// ones that get basic auth and headers.
	credHosts map[string]bool
	creds     *secretCache

	mu sync.Mutex
	// https maps an address asked over http to where to ask over https:
	// itself for an nsqd given as https://, its HTTPS port once it
	// answered TLS_REQUIRED (upgraded).
	https    map[string]string
	upgraded map[string]bool
}

// newSecureTransport wraps base (whose TLS configuration is the one for
// HTTPS). httpsAddrs are nsqd given as https://.
func newSecureTransport(base http.RoundTripper, tlsOn bool, auth secure.NSQAuth, httpsAddrs, credHosts map[string]bool) *secureTransport {
	t := &secureTransport{base: base, tlsOn: tlsOn, auth: auth, credHosts: credHosts, creds: newSecretCache(),
		https: map[string]string{}, upgraded: map[string]bool{}}
	for a := range httpsAddrs {
		t.https[a] = a
	}
	return t
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the base.
func (t *secureTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (t *secureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	asked := req.URL.Host
	if t.credHosts[asked] {
		if err := t.authorize(out); err != nil {
			closeBody(req)
			return nil, err
		}
	}
	if req.URL.Scheme == "http" {
		t.mu.Lock()
		to, ok := t.https[asked]
		t.mu.Unlock()
		if ok {
			out.URL.Scheme, out.URL.Host = "https", to
		}
	}
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		if out.URL.Scheme == "https" && req.URL.Scheme == "http" {
			// Its HTTPS port may have moved with a restart: ask over http
			// next time, which says where it is now.
			t.mu.Lock()
			if t.upgraded[asked] {
				delete(t.https, asked)
				delete(t.upgraded, asked)
			}
			t.mu.Unlock()
		}
		return nil, tlsWords(err)
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
	default:
		return resp, nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	var m struct {
		Message   string `json:"message"`
		HTTPSPort int    `json:"https_port"`
	}
	json.Unmarshal(body, &m)
	if m.Message == "TLS_REQUIRED" && out.URL.Scheme == "http" {
		if t.tlsOn && m.HTTPSPort > 0 {
			return t.upgrade(req, asked, m.HTTPSPort)
		}
		return answer(resp, tlsRequiredWords(t.tlsOn, m.HTTPSPort)), nil
	}
	// Anything else is a proxy in front (nsqd and nsqlookupd ask for no
	// credentials): perhaps the password changed, so read it again.
	t.creds.forget()
	return answer(resp, t.refusedWords(resp.StatusCode)), nil
}

// upgrade asks again on the node's HTTPS port and remembers it.
func (t *secureTransport) upgrade(req *http.Request, asked string, port int) (*http.Response, error) {
	host, _, err := net.SplitHostPort(asked)
	if err != nil {
		return nil, err
	}
	to := net.JoinHostPort(host, strconv.Itoa(port))
	again := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, fmt.Errorf("requires TLS (https port %d); give the node as https://%s", port, to)
		}
		if again.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	t.mu.Lock()
	t.https[asked], t.upgraded[asked] = to, true
	t.mu.Unlock()
	// RoundTrip again: the address now maps to HTTPS, and a proxy's
	// refusal is worded there.
	return t.RoundTrip(again)
}

// authorize adds basic auth and the configured headers, reading the secrets
// under the request's context.
func (t *secureTransport) authorize(req *http.Request) error {
	ctx := req.Context()
	if t.auth.LookupdUser != "" || !t.auth.LookupdPassword.IsZero() {
		pw := ""
		if !t.auth.LookupdPassword.IsZero() {
			v, err := t.creds.get(ctx, "lookupd password", t.auth.LookupdPassword)
			if err != nil {
				return err
			}
			pw = v
		}
		req.SetBasicAuth(t.auth.LookupdUser, pw)
	}
	for name, sec := range t.auth.Headers {
		v, err := t.creds.get(ctx, "header "+name, sec)
		if err != nil {
			return err
		}
		req.Header.Set(name, v)
	}
	return nil
}

// sameHostRedirects keeps the credentials, which the transport adds to
// every request, from following a redirect to another host.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Host != via[0].URL.Host {
		return fmt.Errorf("redirected to another host (%s): not followed with the NSQ credentials", req.URL.Host)
	}
	return nil
}

// refusedWords says why a proxy refused, naming the credentials by where
// they come from.
func (t *secureTransport) refusedWords(code int) string {
	what := "refused access"
	if code == http.StatusUnauthorized {
		what = "asks for credentials"
	}
	switch {
	case t.auth.LookupdUser != "":
		return fmt.Sprintf("%s: the proxy in front refused user %q with the password from %s", what, t.auth.LookupdUser, t.auth.LookupdPassword.From())
	case len(t.auth.Headers) > 0:
		names := make([]string, 0, len(t.auth.Headers))
		for n := range t.auth.Headers {
			names = append(names, n)
		}
		slices.Sort(names)
		return fmt.Sprintf("%s: the proxy in front refused the headers %s", what, strings.Join(names, ", "))
	}
	return what + " (a proxy in front?); configure the lookupd user and password or headers for NSQ"
}

func tlsRequiredWords(tlsOn bool, port int) string {
	if tlsOn {
		return "requires TLS and names no HTTPS port; give the node as https://host:port"
	}
	if port > 0 {
		return fmt.Sprintf("requires TLS (https port %d); configure --nsq-tls", port)
	}
	return "requires TLS; configure --nsq-tls"
}

// answer replaces a refusal's body by words, in nsqd's {"message"} form,
// so that callers report it as they do any answer of nsqd.
func answer(resp *http.Response, words string) *http.Response {
	b, _ := json.Marshal(map[string]string{"message": words})
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Del("Content-Encoding")
	return resp
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// secretCache keeps what secrets resolved to for a while: a secret read
// by a command would otherwise run the command for every node every poll.
type secretCache struct {
	mu       sync.Mutex
	vals     map[string]cached
	forgotAt time.Time
}

type cached struct {
	v  string
	at time.Time
}

// secretTTL is how long a resolved secret is used before it is read again.
const secretTTL = time.Minute

func newSecretCache() *secretCache { return &secretCache{vals: map[string]cached{}} }

func (c *secretCache) get(ctx context.Context, what string, s secure.Secret) (string, error) {
	c.mu.Lock()
	v, ok := c.vals[what]
	c.mu.Unlock()
	if ok && time.Since(v.at) < secretTTL {
		return v.v, nil
	}
	val, err := s.Resolve(ctx)
	if err != nil {
		// Resolve's errors say where it looked, never what it found.
		return "", fmt.Errorf("could not read the NSQ %s from %s: %v", what, s.From(), err)
	}
	c.mu.Lock()
	c.vals[what] = cached{v: val, at: time.Now()}
	c.mu.Unlock()
	return val, nil
}

// forget makes the next request read the secrets again, at most every few
// seconds: a proxy refusing every node of a poll must not run a password
// command for each.
func (c *secretCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.forgotAt) < 5*time.Second {
		return
	}
	c.forgotAt = time.Now()
	clear(c.vals)
}

// tcpTLS is the TLS configuration for nsqd's TCP port. go-nsq sets the
// server name to the host it dials, so a configured server name is checked
// by verifying the certificate ourselves.
func tcpTLS(base *tls.Config, serverName string) *tls.Config {
	if base == nil {
		return nil
	}
	c := base.Clone()
	if serverName == "" || c.InsecureSkipVerify {
		return c
	}
	roots := c.RootCAs
	c.InsecureSkipVerify = true
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("nsqd presented no certificate")
		}
		opts := x509.VerifyOptions{Roots: roots, DNSName: serverName, Intermediates: x509.NewCertPool()}
		for _, ic := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(ic)
		}
		if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
			return errors.New(certWords(err))
		}
		return nil
	}
	return c
}

// setTCP makes a go-nsq configuration speak TLS and AUTH as configured.
func (s *Source) setTCP(ctx context.Context, c *gonsq.Config) error {
	if s.tcpTLS != nil {
		c.TlsV1, c.TlsConfig = true, s.tcpTLS
	}
	if !s.cfg.Auth.Secret.IsZero() {
		v, err := s.cfg.Auth.Secret.Resolve(ctx)
		if err != nil {
			return fmt.Errorf("could not read the nsqd auth secret from %s: %v", s.cfg.Auth.Secret.From(), err)
		}
		c.AuthSecret = v
	}
	return nil
}

// checkTLSOffered asks nsqd's TCP port, as go-nsq's IDENTIFY does, whether
// it speaks TLS, before go-nsq connects there: go-nsq goes on in plaintext
// when nsqd offers no TLS, which would send the messages and the auth
// secret in the clear although TLS is configured. A yes is kept a minute.
func (s *Source) checkTLSOffered(ctx context.Context, tcp string) error {
	if s.tcpTLS == nil {
		return nil
	}
	if at, ok := s.tlsOffered.Load(tcp); ok && time.Since(at.(time.Time)) < secretTTL {
		return nil
	}
	d := net.Dialer{Timeout: s.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", tcp)
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(s.cfg.Timeout)
	}
	conn.SetDeadline(deadline)
	cmd, err := gonsq.Identify(map[string]any{
		"tls_v1": true, "feature_negotiation": true,
		"client_id": "topicat", "user_agent": "topicat TLS check",
	})
	if err != nil {
		return err
	}
	if _, err := conn.Write(gonsq.MagicV2); err != nil {
		return err
	}
	if _, err := cmd.WriteTo(conn); err != nil {
		return err
	}
	frame, data, err := gonsq.ReadUnpackedResponse(conn)
	if err != nil {
		return err
	}
	if frame == gonsq.FrameTypeError {
		return fmt.Errorf("nsqd answered %s", data)
	}
	var r struct {
		TLSv1 bool `json:"tls_v1"`
	}
	if json.Unmarshal(data, &r) != nil || !r.TLSv1 {
		return errors.New("offers no TLS on its TCP port, and TLS is configured: not connecting in plaintext")
	}
	s.tlsOffered.Store(tcp, time.Now())
	return nil
}

// tlsError is a TLS failure in words.
type tlsError struct {
	words string
	err   error
}

func (e *tlsError) Error() string { return e.words }
func (e *tlsError) Unwrap() error { return e.err }

// tlsWords words a failed HTTPS request: who signed an untrusted
// certificate, which names it carries, plaintext where TLS was expected.
func tlsWords(err error) error {
	var (
		cve *tls.CertificateVerificationError
		rhe tls.RecordHeaderError
		ae  tls.AlertError
	)
	switch {
	case errors.As(err, &cve):
		return &tlsError{certWords(cve.Err), err}
	case errors.As(err, &rhe), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return &tlsError{"answered in plaintext, not TLS: is this its HTTPS port?", err}
	case errors.As(err, &ae):
		return &tlsError{"refused the TLS handshake (" + strings.TrimPrefix(ae.Error(), "tls: ") + ")", err}
	}
	var x509Err error
	for _, target := range []any{new(x509.UnknownAuthorityError), new(x509.HostnameError), new(x509.CertificateInvalidError)} {
		if errors.As(err, target) {
			x509Err = err
		}
	}
	if x509Err != nil {
		return &tlsError{certWords(err), err}
	}
	return err
}

// certWords words a certificate that did not verify.
func certWords(err error) string {
	var (
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &ua) && ua.Cert != nil:
		return fmt.Sprintf("certificate not trusted: %s is signed by %s, which is not a trusted CA (--nsq-tls-ca)",
			certName(ua.Cert), issuerName(ua.Cert))
	case errors.As(err, &ua):
		return "certificate not trusted: it is not signed by a trusted CA (--nsq-tls-ca)"
	case errors.As(err, &he) && he.Certificate != nil:
		return fmt.Sprintf("certificate name mismatch: it is for %s, not %s (--nsq-tls-server-name names the one to expect)",
			secure.CertNames(he.Certificate), he.Host)
	case errors.As(err, &ci) && ci.Reason == x509.Expired && ci.Cert != nil:
		return fmt.Sprintf("certificate %s expired or is not valid yet (valid %s to %s)",
			certName(ci.Cert), ci.Cert.NotBefore.UTC().Format(time.DateOnly), ci.Cert.NotAfter.UTC().Format(time.DateOnly))
	}
	return "certificate not accepted: " + strings.TrimPrefix(err.Error(), "x509: ")
}

func certName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return strconv.Quote(c.Subject.CommonName)
	}
	return "the certificate"
}

func issuerName(c *x509.Certificate) string {
	if c.Issuer.CommonName != "" {
		return strconv.Quote(c.Issuer.CommonName)
	}
	if s := c.Issuer.String(); s != "" {
		return strconv.Quote(s)
	}
	return "an unnamed issuer"
}

// tcpWords words go-nsq's failures to connect with TLS or AUTH, which reach
// us as text: go-nsq flattens the errors it gets.
func (s *Source) tcpWords(msg string) (string, bool) {
	from := s.cfg.Auth.Secret.From()
	switch {
	case strings.Contains(msg, "Auth Required"):
		return "asks for an auth secret and none is configured (--nsq-auth-secret-file)", true
	case strings.Contains(msg, "E_AUTH_FAILED"):
		return "refused the auth secret from " + from + ": its auth server did not accept it (E_AUTH_FAILED)", true
	case strings.Contains(msg, "E_UNAUTHORIZED") && strings.Contains(msg, "no authorizations"):
		return "refused the auth secret from " + from + ": it grants nothing (E_UNAUTHORIZED)", true
	case strings.Contains(msg, "E_UNAUTHORIZED"):
		return "the auth secret from " + from + " does not allow this topic or channel (E_UNAUTHORIZED)", true
	case strings.Contains(msg, "E_AUTH_ERROR"):
		return "could not ask its auth server about the auth secret (E_AUTH_ERROR)", true
	case strings.Contains(msg, "offers no TLS on its TCP port"):
		return "offers no TLS on its TCP port, and TLS is configured: not connecting in plaintext", true
	case strings.Contains(msg, "TLS required"):
		return "requires TLS; configure --nsq-tls", true
	case strings.Contains(msg, "x509: certificate signed by unknown authority"):
		return "certificate not trusted: it is not signed by a trusted CA (--nsq-tls-ca)", true
	case strings.Contains(msg, "x509: certificate is valid for "):
		_, rest, _ := strings.Cut(msg, "x509: certificate is valid for ")
		names, host, _ := strings.Cut(rest, ", not ")
		return fmt.Sprintf("certificate name mismatch: it is for %s, not %s (--nsq-tls-server-name names the one to expect)", names, host), true
	case strings.Contains(msg, "certificate not trusted:"), strings.Contains(msg, "certificate name mismatch:"):
		_, rest, _ := strings.Cut(msg, "certificate ")
		return "certificate " + rest, true
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		return "answered in plaintext, not TLS", true
	case strings.Contains(msg, "remote error: tls: "):
		_, rest, _ := strings.Cut(msg, "remote error: tls: ")
		return "refused the TLS handshake (" + rest + ")", true
	}
	return "", false
}

// authLog words go-nsq's TLS and AUTH complaints about a node before
// nsqLog files them as the node's problem.
type authLog struct {
	next  interface{ Output(int, string) error }
	words func(string) (string, bool)
}

func (l authLog) Output(depth int, s string) error {
	if w, ok := l.words(s); ok && strings.HasPrefix(s, "ERR") {
		// "ERR    1 [topic/channel] (HOST:PORT) what - cause"
		if head, msg, ok := strings.Cut(s, "] ("); ok {
			if addr, _, ok := strings.Cut(msg, ") "); ok {
				s = head + "] (" + addr + ") " + w
			}
		}
	}
	return l.next.Output(depth, s)
}
