package nsq

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/topicat/topicat/sources/secure"
)

// A node answering TLS_REQUIRED on its HTTP port is asked on the HTTPS
// port it names, with the request's body; later requests go there directly;
// when that port stops answering, the HTTP port is asked again.
func TestTransportRemembersHTTPSPort(t *testing.T) {
	var plainHits, tlsHits atomic.Int64
	var gotBody atomic.Value
	secured := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tlsHits.Add(1)
		b, _ := io.ReadAll(r.Body)
		gotBody.Store(string(b))
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(secured.Close)
	_, port, _ := net.SplitHostPort(secured.Listener.Addr().String())
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainHits.Add(1)
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"message": "TLS_REQUIRED", "https_port": %s}`, port)
	}))
	t.Cleanup(plain.Close)

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secured.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{NSQDs: []string{plain.Listener.Addr().String()}, TLS: &secure.TLS{CAFile: caFile}})
	if err != nil {
		t.Fatal(err)
	}
	node := "http://" + plain.Listener.Addr().String()
	post := func(body string) error {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, node+"/pub?topic=t", strings.NewReader(body))
		if err != nil {
			return err
		}
		resp, err := s.client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return statusError(resp.StatusCode, resp.Body)
		}
		return nil
	}
	steps := []struct {
		body             string
		wantPlain, wantS int64
	}{
		{"one", 1, 1}, // TLS_REQUIRED, then HTTPS
		{"two", 1, 2}, // HTTPS at once
	}
	for _, st := range steps {
		if err := post(st.body); err != nil {
			t.Fatalf("post %s: %v", st.body, err)
		}
		if plainHits.Load() != st.wantPlain || tlsHits.Load() != st.wantS || gotBody.Load() != st.body {
			t.Errorf("after %s: %d plain and %d TLS requests, body %q; want %d, %d and the body",
				st.body, plainHits.Load(), tlsHits.Load(), gotBody.Load(), st.wantPlain, st.wantS)
		}
	}
	secured.Close()
	if err := post("three"); err == nil {
		t.Fatal("post to a closed HTTPS port succeeded")
	}
	// Asked on the HTTP port again, which still names the closed port.
	post("four")
	if plainHits.Load() != 2 {
		t.Errorf("%d plain requests, want the HTTP port asked again after the HTTPS port failed", plainHits.Load())
	}
}

// Without TLS configured, TLS_REQUIRED is not followed: the answer says to
// configure it.
func TestTransportTLSRequiredWithoutTLS(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"message": "TLS_REQUIRED", "https_port": 4152}`)
	}))
	t.Cleanup(plain.Close)
	s, err := New(Config{NSQDs: []string{plain.Listener.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	err = getJSON(context.Background(), s.client, "http://"+plain.Listener.Addr().String(), "/info", &infoJSON{})
	if want := "HTTP 403: requires TLS (https port 4152); configure --nsq-tls"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

// A secret read by a command runs the command once, not on every request,
// and again after a proxy refused it.
func TestSecretReadOnceThenAgainAfterRefusal(t *testing.T) {
	count := filepath.Join(t.TempDir(), "runs")
	var refuse atomic.Bool
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pw, _ := r.BasicAuth(); pw != "pw" || refuse.Load() {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"producers": []}`)
	}))
	t.Cleanup(proxy.Close)
	auth := secure.NSQAuth{LookupdUser: "ops", LookupdPassword: secure.Secret{Cmd: "echo run >> " + count + "; printf pw"}}
	s, err := New(Config{Lookupds: []string{proxy.URL}, Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	runs := func() int {
		b, _ := os.ReadFile(count)
		return strings.Count(string(b), "run")
	}
	get := func() error {
		return getJSON(context.Background(), s.client, s.cfg.Lookupds[0], "/nodes", &lookupdNodesJSON{})
	}
	for i := range 3 {
		if err := get(); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if n := runs(); n != 1 {
		t.Errorf("the password command ran %d times for 3 requests, want 1", n)
	}
	refuse.Store(true)
	err = get()
	if want := `HTTP 401: asks for credentials: the proxy in front refused user "ops" with the password from command`; err == nil || err.Error() != want {
		t.Errorf("refused: %v, want %q", err, want)
	}
	refuse.Store(false)
	if err := get(); err != nil {
		t.Fatal(err)
	}
	if n := runs(); n != 2 {
		t.Errorf("the password command ran %d times, want it read again after the refusal", n)
	}
}

// go-nsq's failures reach us as text: each is put in words.
func TestTCPWords(t *testing.T) {
	s := &Source{cfg: Config{Auth: secure.NSQAuth{Secret: secure.Secret{File: "/etc/nsq/secret"}}}}
	cases := []struct{ msg, want string }{
		{"Auth Required", "asks for an auth secret and none is configured (--nsq-auth-secret-file)"},
		{"Error authenticating E_AUTH_FAILED AUTH failed", "refused the auth secret from file /etc/nsq/secret: its auth server did not accept it (E_AUTH_FAILED)"},
		{"Error authenticating E_UNAUTHORIZED AUTH no authorizations found", "refused the auth secret from file /etc/nsq/secret: it grants nothing (E_UNAUTHORIZED)"},
		{`E_UNAUTHORIZED AUTH failed for PUB on "t" ""`, "the auth secret from file /etc/nsq/secret does not allow this topic or channel (E_UNAUTHORIZED)"},
		{"E_AUTH_ERROR AUTH error no auth server", "could not ask its auth server about the auth secret (E_AUTH_ERROR)"},
		{"E_INVALID cannot SUB in current state (TLS required)", "requires TLS; configure --nsq-tls"},
		{"failed to IDENTIFY - tls: failed to verify certificate: x509: certificate signed by unknown authority", "certificate not trusted: it is not signed by a trusted CA (--nsq-tls-ca)"},
		{"failed to IDENTIFY - tls: failed to verify certificate: x509: certificate is valid for a.test, 10.0.0.5, not b.test",
			"certificate name mismatch: it is for a.test, 10.0.0.5, not b.test (--nsq-tls-server-name names the one to expect)"},
		{"failed to IDENTIFY - tls: first record does not look like a TLS handshake", "answered in plaintext, not TLS"},
		{"failed to IDENTIFY - remote error: tls: certificate required", "refused the TLS handshake (certificate required)"},
	}
	for _, tc := range cases {
		got, ok := s.tcpWords(tc.msg)
		if !ok || got != tc.want {
			t.Errorf("tcpWords(%q) = %q, %v; want %q", tc.msg, got, ok, tc.want)
		}
	}
	if got, ok := s.tcpWords("IO error - EOF"); ok {
		t.Errorf("tcpWords of a connection error = %q, want it left to nsqLog", got)
	}
	for i, line := range []string{"ERR    1 [t/c] (127.0.0.1:4150) Auth Required", "ERR    1 [t/c] (127.0.0.1:4150) error connecting to nsqd - Error authenticating E_AUTH_FAILED AUTH failed"} {
		p := newProblems()
		authLog{next: nsqLog{p}, words: s.tcpWords}.Output(2, line)
		want := []string{"nsqd 127.0.0.1:4150: asks for an auth secret and none is configured (--nsq-auth-secret-file)",
			"nsqd 127.0.0.1:4150: refused the auth secret from file /etc/nsq/secret: its auth server did not accept it (E_AUTH_FAILED)"}[i]
		if got := p.String(); got != want {
			t.Errorf("log line %q filed as %q, want %q", line, got, want)
		}
	}
}

// Credentials do not follow a redirect to another host.
func TestCredentialsStayOnHost(t *testing.T) {
	var leaked atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Token") != "" {
			leaked.Store(true)
		}
		io.WriteString(w, `{"producers": []}`)
	}))
	t.Cleanup(elsewhere.Close)
	// Another host: the same server by name instead of by address.
	_, port, _ := net.SplitHostPort(elsewhere.Listener.Addr().String())
	other := "http://localhost:" + port
	lookupd := httptest.NewServer(http.RedirectHandler(other+"/nodes", http.StatusFound))
	t.Cleanup(lookupd.Close)
	s, err := New(Config{Lookupds: []string{lookupd.URL}, Auth: secure.NSQAuth{Headers: map[string]secure.Secret{"X-Token": {Inline: "tok"}}}})
	if err != nil {
		t.Fatal(err)
	}
	err = getJSON(context.Background(), s.client, s.cfg.Lookupds[0], "/nodes", &lookupdNodesJSON{})
	if want := "redirected to another host (localhost:" + port + "): not followed with the NSQ credentials"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if leaked.Load() {
		t.Error("the header reached the other host")
	}
}

// Basic auth and headers go only to the addresses the user gave: a node a
// lookupd lists (anyone can register one) never sees them.
func TestCredentialsOnlyToGivenHosts(t *testing.T) {
	seen := map[string]string{}
	var mu sync.Mutex
	record := func(name string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[name] = r.Header.Get("Authorization") + "|" + r.Header.Get("X-Team")
			mu.Unlock()
		}))
		t.Cleanup(s.Close)
		return s
	}
	given, listed := record("given"), record("listed")
	auth := secure.NSQAuth{LookupdUser: "ops", LookupdPassword: secure.Secret{Inline: "pw"}, Headers: map[string]secure.Secret{"X-Team": {Inline: "t1"}}}
	tr := newSecureTransport(http.DefaultTransport, false, auth, nil, map[string]bool{given.Listener.Addr().String(): true})
	c := &http.Client{Transport: tr}
	for _, s := range []*httptest.Server{given, listed} {
		resp, err := c.Get(s.URL + "/nodes")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if seen["given"] == "|" || seen["listed"] != "|" {
		t.Errorf("credentials seen %q, want them on the given host only", seen)
	}
}
