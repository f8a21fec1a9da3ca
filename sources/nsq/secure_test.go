package nsq_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
	"github.com/topicat/topicat/sources/secure"
	"github.com/topicat/topicat/sources/secure/securetest"
)

// tlsCluster is one lookupd and one nsqd that requires TLS, serving a
// certificate for 127.0.0.1 and "nsqd.test" signed by ca.
func tlsCluster(t testing.TB, ca *securetest.CA, opts ...nsqtest.Option) *nsqtest.Cluster {
	t.Helper()
	cert, key := ca.ServerFiles("nsqd.test", "127.0.0.1")
	return nsqtest.NewCluster(t, 1, 1, append([]nsqtest.Option{nsqtest.TLSCert(cert, key), nsqtest.TLSRequired()}, opts...)...)
}

func httpsPort(c *nsqtest.Cluster, i int) string {
	_, port, _ := net.SplitHostPort(c.HTTPSAddr(i))
	return port
}

// nodeError polls once and answers what nsqd i failed with: the poll's
// error when no node answered, which names the first.
func nodeError(t testing.TB, src *nsq.Source, c *nsqtest.Cluster, i int) string {
	t.Helper()
	snap, err := src.Poll(context.Background())
	if snap == nil && err != nil {
		return err.Error()
	}
	if n := findNode(t, snap, c.HTTPAddr(i)); !n.Up {
		return n.Err
	}
	return ""
}

// An nsqd that requires TLS, with TLS configured: its HTTP port's
// TLS_REQUIRED is retried on its HTTPS port (stats, publish) and the tail
// reads over TLS on its TCP port, where plaintext is refused. With an auth
// server too, the secret goes over TLS, and so does the publish (over TCP).
func TestTLSRequiredNode(t *testing.T) {
	ca := securetest.NewCA(t, "topicat test CA")
	c := tlsCluster(t, ca)
	const secret = "tls-auth-s3cret"
	authAddr, asked := authServer(t, map[string][]string{secret: {"subscribe", "publish"}})
	authed := tlsCluster(t, ca, nsqtest.AuthServer(authAddr))
	trust := &secure.TLS{CAFile: ca.File}
	cases := []struct {
		name string
		c    *nsqtest.Cluster
		cfg  nsq.Config
	}{
		{"lookupd, TLS_REQUIRED retried over HTTPS", c, nsq.Config{Lookupds: c.LookupdURLs(), TLS: trust}},
		{"nsqd given as https://", c, nsq.Config{NSQDs: []string{"https://" + c.HTTPSAddr(0)}, TLS: trust}},
		{"server name", c, nsq.Config{Lookupds: c.LookupdURLs(), TLS: &secure.TLS{CAFile: ca.File, ServerName: "nsqd.test"}}},
		{"auth secret over TLS", authed, nsq.Config{Lookupds: authed.LookupdURLs(), TLS: trust, Auth: secure.NSQAuth{Secret: secure.Secret{Inline: secret}}}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := tailSource(t, tc.c, tc.cfg)
			topic := "secure" + strconv.Itoa(i)
			p := produce(topic, "first")
			p.CreateTopic = true
			if res := do(t, src, p); res.Err != "" || res.Failed() {
				t.Fatalf("publish over TLS: %+v", res)
			}
			snap := poll(t, src)
			if len(snap.Nodes) != 1 || !snap.Nodes[0].Up || snap.Nodes[0].Err != "" {
				t.Fatalf("nodes %+v, want the TLS node up", snap.Nodes)
			}
			if tp := findTopic(t, snap, topic); tp.Messages != 1 {
				t.Errorf("topic %+v, want its one message", tp)
			}
			st := openTail(t, src, topic)
			waitTailClients(t, src, topic)
			if res := do(t, src, produce(topic, "a", "b")); res.Err != "" || res.Failed() {
				t.Fatalf("publish: %+v", res)
			}
			// A topic without channels keeps its messages for the first
			// one: the tail's.
			if got := recordBodies(readRecords(t, st, 3)); got != "first,a,b" {
				t.Errorf("tail read %s, want first,a,b", got)
			}
		})
	}
	if asked.Load() == 0 {
		t.Error("the auth server was never asked")
	}
}

// waitTailClients waits until the source's poll shows a client on the
// tail's channel: the tail subscribed.
func waitTailClients(t testing.TB, src *nsq.Source, topic string) {
	t.Helper()
	nsqtest.WaitFor(t, "the tail's client on "+topic, func() bool {
		snap, err := src.Poll(context.Background())
		if err != nil || snap == nil {
			return false
		}
		for _, tp := range snap.Topics {
			if tp.Name != topic {
				continue
			}
			for _, ch := range tp.Channels {
				if strings.HasPrefix(ch.Name, "topicat-") && ch.Clients > 0 {
					return true
				}
			}
		}
		return false
	})
}

func recordBodies(rs []sources.Record) string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r.Value))
	}
	return strings.Join(out, ",")
}

// TLS failures each say what is wrong in words: no TLS configured, a CA
// that did not sign the certificate (and who did), a name it does not carry.
func TestTLSFailuresInWords(t *testing.T) {
	ca := securetest.NewCA(t, "topicat test CA")
	other := securetest.NewCA(t, "some other CA")
	c := tlsCluster(t, ca)
	node := "nsqd " + c.HTTPAddr(0) + ": stats: "
	cases := []struct {
		name    string
		tls     *secure.TLS
		wantErr string
	}{
		{"no TLS configured", nil, node + "HTTP 403: requires TLS (https port " + httpsPort(c, 0) + "); configure --nsq-tls"},
		{"untrusted CA", &secure.TLS{CAFile: other.File},
			node + `certificate not trusted: "nsqd.test" is signed by "topicat test CA", which is not a trusted CA (--nsq-tls-ca)`},
		{"name mismatch", &secure.TLS{CAFile: ca.File, ServerName: "nsqd.prod"},
			node + "certificate name mismatch: it is for nsqd.test, 127.0.0.1, not nsqd.prod (--nsq-tls-server-name names the one to expect)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs(), TLS: tc.tls})
			if got := nodeError(t, src, c, 0); !strings.HasSuffix(got, tc.wantErr) {
				t.Errorf("node error\n %q\nwant\n %q", got, tc.wantErr)
			}
		})
	}
}

// A tail on a TLS node with the wrong trust fails on the TCP port too, in
// the same words, whatever the HTTP API said; a node offering no TLS on its
// TCP port is not connected to in plaintext when TLS is configured, for a
// tail or for a publish with the auth secret.
func TestTailTLSFailuresInWords(t *testing.T) {
	ca := securetest.NewCA(t, "topicat test CA")
	other := securetest.NewCA(t, "some other CA")
	cert, key := ca.ServerFiles("nsqd.test", "127.0.0.1")
	// TLS offered, not required: the HTTP API answers in plaintext, so
	// only the TCP port's TLS is in question.
	offered := nsqtest.NewCluster(t, 1, 1, nsqtest.TLSCert(cert, key))
	plain := nsqtest.NewCluster(t, 1, 1)
	for _, c := range []*nsqtest.Cluster{offered, plain} {
		c.CreateTopic(0, "t")
		c.WaitTopic("t", 0)
	}
	cases := []struct {
		name string
		c    *nsqtest.Cluster
		tls  *secure.TLS
		want string
	}{
		{"untrusted CA", offered, &secure.TLS{CAFile: other.File}, "certificate not trusted: it is not signed by a trusted CA (--nsq-tls-ca)"},
		{"name mismatch", offered, &secure.TLS{CAFile: ca.File, ServerName: "nsqd.prod"},
			"certificate name mismatch: it is for nsqd.test, 127.0.0.1, not nsqd.prod (--nsq-tls-server-name names the one to expect)"},
		{"no TLS offered", plain, &secure.TLS{CAFile: ca.File}, "offers no TLS on its TCP port, and TLS is configured: not connecting in plaintext"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			src := tailSource(t, c, nsq.Config{Lookupds: c.LookupdURLs(), TLS: tc.tls, Auth: secure.NSQAuth{Secret: secure.Secret{Inline: "unused"}}})
			st, err := src.Tail(context.Background(), sources.TailSpec{Topic: "t", Range: newest})
			if err == nil {
				st.Close()
				t.Fatal("tail opened, want the TLS failure")
			}
			if want := "nsqd " + c.TCPAddr(0) + ": " + tc.want; !strings.Contains(err.Error(), want) {
				t.Errorf("tail error %q, want it to say %q", err, want)
			}
			// With an auth secret, a publish goes over TCP, and is refused alike.
			res := do(t, src, produce("t", "x"))
			if want := "nsqd " + c.HTTPAddr(0) + ": " + tc.want + " (TCP port " + c.TCPAddr(0) + ")"; len(res.Targets) != 1 || res.Targets[0].Err != want {
				t.Errorf("publish %+v\nwant it refused with\n %q", res, want)
			}
			if got := c.Stats(0).Topics[0].MessageCount; got != 0 {
				t.Errorf("%d messages published, want none", got)
			}
		})
	}
}

// authServer speaks nsqd's auth protocol: GET /auth?secret=… answers what
// the secret may do on every topic and channel, or 403 for an unknown one.
func authServer(t testing.TB, perms map[string][]string) (addr string, asked *atomic.Int64) {
	t.Helper()
	asked = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		p, ok := perms[r.URL.Query().Get("secret")]
		if r.URL.Path != "/auth" || !ok {
			http.Error(w, "NOT_AUTHORIZED", http.StatusForbidden)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{
			"ttl": 3600, "identity": "topicat-test", "identity_url": "",
			"authorizations": []map[string]any{{"topic": ".*", "channels": []string{".*"}, "permissions": p}},
		})
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), asked
}

func secretFile(t testing.TB, value string) secure.Secret {
	t.Helper()
	f := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(f, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return secure.Secret{File: f}
}

// An nsqd with an auth server: the right secret tails and publishes (over
// TCP, where nsqd checks it); a secret allowed only to subscribe tails but
// cannot publish; a wrong one, or none, is refused in words naming the
// node's TCP port, and no secret's value is in any error.
func TestAuthSecret(t *testing.T) {
	const good, readOnly, bad = "s3cret-good-value", "r3ad-only-value", "wr0ng-secret-value"
	addr, asked := authServer(t, map[string][]string{good: {"subscribe", "publish"}, readOnly: {"subscribe"}})
	c := nsqtest.NewCluster(t, 1, 1, nsqtest.AuthServer(addr))
	c.CreateTopic(0, "t")
	c.WaitTopic("t", 0)
	tcp := "nsqd " + c.TCPAddr(0) + ": "
	wrong := secure.Secret{Env: "TOPICAT_TEST_NSQ_SECRET", Getenv: func(string) string { return bad }}
	refused := "refused the auth secret from $TOPICAT_TEST_NSQ_SECRET: its auth server did not accept it (E_AUTH_FAILED)"
	cases := []struct {
		name    string
		secret  secure.Secret
		tailErr string // "" when the tail reads
		pubErr  string // "" when the publish goes through; "-" not checked
	}{
		{"right secret", secretFile(t, good), "", ""},
		{"subscribe only", secure.Secret{Inline: readOnly}, "",
			"nsqd " + c.HTTPAddr(0) + ": the auth secret from the config file does not allow this topic or channel (E_UNAUTHORIZED) (TCP port " + c.TCPAddr(0) + ")"},
		{"wrong secret", wrong, tcp + refused, "nsqd " + c.HTTPAddr(0) + ": " + refused + " (TCP port " + c.TCPAddr(0) + ")"},
		// Without a secret topicat publishes over HTTP, which nsqd v1.3
		// does not guard: only the tail is refused.
		{"no secret", secure.Secret{}, tcp + "asks for an auth secret and none is configured (--nsq-auth-secret-file)", "-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := tailSource(t, c, nsq.Config{Lookupds: c.LookupdURLs(), Auth: secure.NSQAuth{Secret: tc.secret}})
			var errs []string
			st, err := src.Tail(context.Background(), sources.TailSpec{Topic: "t", Range: newest})
			switch {
			case tc.tailErr == "" && err != nil:
				t.Fatalf("Tail: %v", err)
			case tc.tailErr == "":
				t.Cleanup(st.Close)
				waitTailClients(t, src, "t")
			case err == nil:
				st.Close()
				t.Errorf("tail opened, want %q", tc.tailErr)
			case !strings.Contains(err.Error(), tc.tailErr):
				t.Errorf("tail error\n %q\nwant it to say\n %q", err, tc.tailErr)
			}
			if err != nil {
				errs = append(errs, err.Error())
			}
			res := do(t, src, produce("t", "one", "two"))
			errs = append(errs, res.Err)
			for _, tr := range res.Targets {
				errs = append(errs, tr.Err)
			}
			switch {
			case tc.pubErr == "-":
			case tc.pubErr == "" && (res.Err != "" || res.Failed()):
				t.Errorf("publish: %+v", res)
			case tc.pubErr != "" && (len(res.Targets) == 0 || res.Targets[0].Err != tc.pubErr):
				t.Errorf("publish %+v\nwant the messages refused with\n %q", res, tc.pubErr)
			}
			if tc.tailErr == "" && tc.pubErr == "" {
				if got := recordBodies(readRecords(t, st, 2)); got != "one,two" {
					t.Errorf("tail read %s, want one,two", got)
				}
			}
			all := strings.Join(errs, "\n")
			for _, secret := range []string{good, readOnly, bad} {
				if strings.Contains(all, secret) {
					t.Errorf("errors show a secret:\n%s", all)
				}
			}
		})
	}
	if asked.Load() == 0 {
		t.Error("the auth server was never asked")
	}
}

// basicAuthProxy is a reverse proxy to target that lets through only
// requests with the user and password, and the header.
func basicAuthProxy(t testing.TB, target, user, password, header, value string) string {
	t.Helper()
	u, err := url.Parse("http://" + target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gu, gp, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="lookupd"`)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		if gu != user || gp != password || r.Header.Get(header) != value {
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// A lookupd behind a proxy that asks for basic auth and a header: the
// credentials get through; none, or a wrong password, is refused in words
// without the password.
func TestLookupdBehindProxy(t *testing.T) {
	const password, tenant = "pr0xy-pass-value", "t3nant-token-value"
	c := nsqtest.NewCluster(t, 1, 1)
	c.CreateTopic(0, "t")
	c.WaitTopic("t", 0)
	proxy := basicAuthProxy(t, strings.TrimPrefix(c.LookupdURLs()[0], "http://"), "ops", password, "X-Tenant", tenant)
	lookupd := "lookupd http://" + proxy + ": nodes: "
	headers := map[string]secure.Secret{"X-Tenant": {Inline: tenant}}
	cases := []struct {
		name    string
		auth    secure.NSQAuth
		wantErr string // of the lookupd; "" for none
	}{
		{"credentials", secure.NSQAuth{LookupdUser: "ops", LookupdPassword: secure.Secret{Inline: password}, Headers: headers}, ""},
		{"none", secure.NSQAuth{},
			lookupd + "HTTP 401: asks for credentials (a proxy in front?); configure the lookupd user and password or headers for NSQ"},
		{"wrong password", secure.NSQAuth{LookupdUser: "ops", LookupdPassword: secretFile(t, "not-"+password), Headers: headers},
			lookupd + `HTTP 403: refused access: the proxy in front refused user "ops" with the password from file `},
		{"password unreadable", secure.NSQAuth{LookupdUser: "ops", LookupdPassword: secure.Secret{File: filepath.Join(t.TempDir(), "missing")}},
			lookupd + "could not read the NSQ lookupd password from file "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := newSource(t, c, nsq.Config{Lookupds: []string{"http://" + proxy}, Auth: tc.auth})
			snap, err := src.Poll(context.Background())
			if tc.wantErr == "" {
				if err != nil || len(snap.Lookupds) != 1 || !snap.Lookupds[0].Up || len(snap.Nodes) != 1 {
					t.Fatalf("poll through the proxy: %v, %+v", err, snap)
				}
				findTopic(t, snap, "t")
				return
			}
			all := errorTexts(snap.Errors)
			if !strings.Contains(all, tc.wantErr) {
				t.Errorf("errors\n %s\nwant one starting\n %s", all, tc.wantErr)
			}
			if strings.Contains(all, password) || strings.Contains(all, tenant) {
				t.Errorf("errors show a secret: %s", all)
			}
		})
	}
}

// No secret's value appears in any error the source gives, whatever fails:
// secrets are checked against every error of polls, tails and publishes
// against an auth node and a proxy that refuse them.
func TestNoSecretInErrors(t *testing.T) {
	secrets := []string{"pw-9f8e7d6c5b", "hdr-1a2b3c4d5e", "auth-0ff1ce5ec"}
	addr, _ := authServer(t, map[string][]string{"the-accepted-one": {"subscribe", "publish"}})
	c := nsqtest.NewCluster(t, 1, 1, nsqtest.AuthServer(addr))
	c.CreateTopic(0, "t")
	c.WaitTopic("t", 0)
	proxy := basicAuthProxy(t, strings.TrimPrefix(c.LookupdURLs()[0], "http://"), "ops", "other", "X-Tenant", "other")
	auth := secure.NSQAuth{
		Secret:          secure.Secret{Cmd: "printf %s " + secrets[2]},
		LookupdUser:     "ops",
		LookupdPassword: secure.Secret{Env: "PW", Getenv: func(string) string { return secrets[0] }},
		Headers:         map[string]secure.Secret{"X-Tenant": {Inline: secrets[1]}},
	}
	var (
		mu   sync.Mutex
		errs []string
	)
	keep := func(s ...string) {
		mu.Lock()
		errs = append(errs, s...)
		mu.Unlock()
	}
	for _, lookupds := range [][]string{{"http://" + proxy}, c.LookupdURLs()} {
		src := tailSource(t, c, nsq.Config{Lookupds: lookupds, NSQDs: []string{c.HTTPAddr(0)}, Auth: auth})
		snap, err := src.Poll(context.Background())
		if err != nil {
			keep(err.Error())
		}
		if snap != nil {
			keep(errorTexts(snap.Errors))
		}
		if _, err := src.Tail(context.Background(), sources.TailSpec{Topic: "t", Range: newest}); err != nil {
			keep(err.Error())
		}
		res := do(t, src, produce("nope", "x"))
		keep(res.Err)
		for _, tr := range res.Targets {
			keep(tr.Err, tr.Detail)
		}
	}
	if len(errs) < 3 {
		t.Fatalf("only %d errors to check: %q", len(errs), errs)
	}
	all := strings.Join(errs, "\n")
	for _, s := range secrets {
		for _, form := range []string{s, base64.StdEncoding.EncodeToString([]byte("ops:" + s))} {
			if strings.Contains(all, form) {
				t.Errorf("an error shows secret %q:\n%s", s, all)
			}
		}
	}
	for _, want := range []string{"refused the auth secret from command", `refused user "ops" with the password from $PW`} {
		if !strings.Contains(all, want) {
			t.Errorf("errors\n%s\nwant one saying %q", all, want)
		}
	}
}

func errorTexts(es []sources.EndpointError) string {
	var out []string
	for _, e := range es {
		out = append(out, e.String())
	}
	return strings.Join(out, "\n")
}
