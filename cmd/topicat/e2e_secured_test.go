package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/topicat/topicat/sources/kafka/kafkatest"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
	"github.com/topicat/topicat/sources/secure/securetest"
)

// The "Done when": secured clusters opened from contexts, switched
// with :ctx, a wrong password said in words, and no secret anywhere.

// securedClusters are a kfake cluster speaking SCRAM-SHA-512 over TLS only
// and an NSQ cluster (one lookupd, one nsqd) whose nsqd requires TLS and
// asks an auth server about every TCP client's secret. Each Kafka user and
// each NSQ secret is distinct, so that a leak names its source.
type securedClusters struct {
	ca    *securetest.CA
	kafka *kafkatest.Cluster
	nsq   *nsqtest.Cluster
	// accepted counts the auth server's acceptances of each NSQ secret.
	accepted map[string]*atomic.Int64
	// users are the Kafka users and their passwords; nsqSecrets are the
	// secrets the auth server accepts.
	users      map[string]string
	nsqSecrets []string
}

func newSecuredClusters(t *testing.T, users map[string]string, nsqSecrets ...string) *securedClusters {
	t.Helper()
	ca := securetest.NewCA(t, "topicat e2e CA")
	opts := []kfake.Opt{kfake.TLS(ca.ServerTLS(nil, "127.0.0.1")), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-512", "seeder", "seeder-pw")}
	for u, pw := range users {
		opts = append(opts, kfake.Superuser("SCRAM-SHA-512", u, pw))
	}
	pem, err := os.ReadFile(ca.File)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	k := kafkatest.NewCluster(t, opts...).ClientOpts(
		kgo.DialTLSConfig(&tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}),
		kgo.SASL(scram.Auth{User: "seeder", Pass: "seeder-pw"}.AsSha512Mechanism()))

	accepted := map[string]*atomic.Int64{}
	for _, s := range nsqSecrets {
		accepted[s] = new(atomic.Int64)
	}
	// nsqd's auth protocol: GET /auth?secret=…, answered with the
	// identity's authorizations, or refused.
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, ok := accepted[r.URL.Query().Get("secret")]
		if r.URL.Path != "/auth" || !ok {
			http.Error(w, "NOT_AUTHORIZED", http.StatusForbidden)
			return
		}
		n.Add(1)
		json.NewEncoder(w).Encode(map[string]any{
			"ttl": 3600, "identity": "topicat-e2e", "identity_url": "",
			"authorizations": []map[string]any{{"topic": ".*", "channels": []string{".*"}, "permissions": []string{"subscribe", "publish"}}},
		})
	}))
	t.Cleanup(auth.Close)
	cert, key := ca.ServerFiles("nsqd.test", "127.0.0.1")
	n := nsqtest.NewCluster(t, 1, 1, nsqtest.TLSCert(cert, key), nsqtest.TLSRequired(),
		nsqtest.AuthServer(auth.Listener.Addr().String()))
	return &securedClusters{ca: ca, kafka: k, nsq: n, accepted: accepted, users: users, nsqSecrets: nsqSecrets}
}

// secretFileOf writes value to a file of its own, as an operator would.
func secretFileOf(t *testing.T, name, value string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// leaks names the secrets found in text, as they are or base64-encoded (as a
// SASL PLAIN payload or a basic-auth header would carry them).
func leaks(text string, secrets ...string) []string {
	var found []string
	for _, s := range secrets {
		if strings.Contains(text, s) || strings.Contains(text, base64.StdEncoding.EncodeToString([]byte(s))) {
			found = append(found, s)
		}
	}
	return found
}

// descendants are the processes under pid: its children, theirs, and so on.
func descendants(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone since the listing
		}
		// pid (comm) state ppid …: comm may hold spaces and parentheses.
		i := strings.LastIndexByte(string(stat), ')')
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, children[p]...)
		queue = append(queue, children[p]...)
	}
	return out
}

// cmdline is a process's argv joined by spaces; "" if it is gone.
func cmdline(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strings.ReplaceAll(string(b), "\x00", " ")
}

// TestEndToEndSecuredContexts: the binary, in a terminal, opens a context on
// a SCRAM-SHA-512-over-TLS Kafka cluster and sees its brokers up, switches
// with :ctx to a TLS+auth NSQ cluster and sees its nsqd up, switches back,
// then to a context whose password (from a command) is wrong and is told in
// words that user's authentication failed. No secret is on any screen, in
// the argv of topicat or of any process it started, or in its --log-file.
func TestEndToEndSecuredContexts(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	const (
		kafkaPW   = "Kafka-e2e-Scram-pw-7c1d"
		nsqSecret = "Nsq-e2e-auth-secret-9b2e"
		wrongPW   = "Wrong-e2e-pw-3f8a"
	)
	secrets := []string{kafkaPW, nsqSecret, wrongPW}
	c := newSecuredClusters(t, map[string]string{"alice": kafkaPW}, nsqSecret)
	c.kafka.CreateTopics(3, 1, "secured-orders")

	nsqSecretFile := secretFileOf(t, "nsq-secret", nsqSecret)
	// A topic with a message and no channel yet: the first channel, the
	// dashboard's tail, receives it.
	if _, errOut, code := runCLIWith(t, nil, "seeded-before\n", "produce", "nsq", "secured-events", "--create",
		"--lookupd", c.nsq.LookupdURLs()[0], "--nsq-tls-ca", c.ca.File, "--nsq-auth-secret-file", nsqSecretFile); code != 0 {
		t.Fatalf("seed the NSQ topic: exit %d: %s", code, errOut)
	}
	c.nsq.WaitTopic("secured-events", 0)

	dir := t.TempDir()
	gate := filepath.Join(dir, "go") // the password command waits for it
	logFile := filepath.Join(dir, "topicat.log")
	brokers := strings.Join(c.kafka.Addrs(), ", ")
	cfg := writeConfig(t, `current-context: kafka-secure
contexts:
  kafka-secure:
    label: KAFKA scram
    kafka:
      brokers: [`+brokers+`]
      tls: {ca: `+c.ca.File+`}
      sasl: {mechanism: scram-sha-512, user: alice, password-env: TOPICAT_E2E_KAFKA_PW}
  nsq-secure:
    label: NSQ tls-auth
    nsq:
      lookupd: [`+c.nsq.LookupdURLs()[0]+`]
      tls: {ca: `+c.ca.File+`}
      auth-secret-file: `+nsqSecretFile+`
  kafka-wrong:
    label: KAFKA wrong
    kafka:
      brokers: [`+brokers+`]
      tls: {ca: `+c.ca.File+`}
      sasl:
        mechanism: scram-sha-512
        user: alice
        # Held until the test has read the command's argv.
        password-cmd: "while [ ! -e `+gate+` ]; do sleep 0.05; done; cat `+secretFileOf(t, "wrong-pw", wrongPW)+`"
`)
	term := startTerminal(t, 240, 30, []string{"TERM=xterm-256color", "TOPICAT_E2E_KAFKA_PW=" + kafkaPW},
		bin, "--config", cfg, "--refresh", "300ms", "--log-file", logFile)

	var screens []string
	see := func(texts ...string) string {
		t.Helper()
		s := term.waitFor(texts...)
		screens = append(screens, s)
		if l := leaks(s, secrets...); l != nil {
			t.Fatalf("secrets %q on screen:\n%s", l, s)
		}
		return s
	}
	seeMatch := func(re *regexp.Regexp) {
		t.Helper()
		s := term.waitForMatch(re)
		screens = append(screens, s)
		if l := leaks(s, secrets...); l != nil {
			t.Fatalf("secrets %q on screen:\n%s", l, s)
		}
	}
	pid := term.programPID()
	// checkArgv reads the argv of topicat and of every process under it.
	seen := 0
	checkArgv := func() {
		t.Helper()
		for _, p := range append([]int{pid}, descendants(t, pid)...) {
			line := cmdline(p)
			if l := leaks(line, secrets...); l != nil {
				t.Fatalf("secrets %q in the argv of process %d: %s", l, p, line)
			}
			seen++
		}
	}

	see("KAFKA scram", "kafka 3 brokers", "KAFKA Brokers")
	for _, addr := range c.kafka.Addrs() {
		seeMatch(regexp.MustCompile(regexp.QuoteMeta(addr) + `\s.*\sup\s`))
	}
	checkArgv()

	term.keys(":")
	term.text("ctx nsq-secure")
	term.keys("Enter")
	s := see("switched to NSQ tls-auth", "nsq 1 node")
	if strings.Contains(s, "KAFKA scram") {
		t.Fatalf("the Kafka context's header stayed:\n%s", s)
	}
	// The node as the lookupd lists it, read over HTTPS after TLS_REQUIRED.
	see("NSQ Nodes  1 row", c.nsq.HTTPAddr(0), "1/1  up")
	// The tail and the produce form go to nsqd's TCP port over TLS and
	// send the auth secret, which the auth server must accept.
	seeded := c.accepted[nsqSecret].Load()
	term.keys(":")
	term.text("tail nsq secured-events")
	term.keys("Enter")
	see("Tail secured-events", "ephemeral", "seeded-before")
	term.keys("P")
	see("Produce to NSQ secured-events")
	term.text("typed-in-the-form")
	term.keys("C-s")
	see("✔ OK from nsqd 127.0.0.1:")
	see("typed-in-the-form")
	if c.accepted[nsqSecret].Load() == seeded {
		t.Error("the dashboard never gave nsqd the auth secret")
	}
	term.keys("Escape", "Escape")
	checkArgv()

	term.keys(":")
	term.text("ctx kafka-secure")
	term.keys("Enter")
	see("switched to KAFKA scram", "kafka 3 brokers", "KAFKA Brokers")
	term.keys("2")
	see("secured-orders")
	checkArgv()

	// The password command runs as a child of topicat (sh -c); it waits
	// for the gate, so its argv is there to be read.
	term.keys(":")
	term.text("ctx kafka-wrong")
	term.keys("Enter")
	var shell int
	deadline := time.Now().Add(30 * time.Second) // bounds a hang only
	for shell == 0 {
		for _, p := range descendants(t, pid) {
			if strings.Contains(cmdline(p), gate) {
				shell = p
			}
		}
		if shell == 0 && time.Now().After(deadline) {
			t.Fatal("the password command never ran under topicat")
		}
		time.Sleep(20 * time.Millisecond)
	}
	checkArgv()
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	see("switched to KAFKA wrong")
	s = see("SASL SCRAM-SHA-512 authentication failed for user alice", "wrong user name or password")
	if strings.Contains(s, "secured-orders") {
		t.Fatalf("the previous context's topics on the failed one:\n%s", s)
	}
	checkArgv()

	term.keys("q")
	term.restored(term.exited())

	logged, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if l := leaks(string(logged), secrets...); l != nil {
		t.Fatalf("secrets %q in the log file:\n%s", l, logged)
	}
	// The log is not empty by accident: it recorded the failure.
	if !strings.Contains(string(logged), "authentication failed for user alice") {
		t.Errorf("the log file lacks the authentication failure:\n%s", logged)
	}
	t.Logf("%d screens, %d argv reads, %d log bytes: no secret", len(screens), seen, len(logged))
}

// TestNoSecretAnywhere: against the secured clusters, with secrets read
// from the environment, a file, a command, the config file itself and the
// flags, every command that reads them succeeds (so the secrets were used:
// both clusters refuse anyone without them), and no secret's bytes are in
// any stdout, stderr or --log-file.
func TestNoSecretAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("secured clusters skipped with -short")
	}
	// One Kafka user and one NSQ secret per source, each distinct.
	sources := []string{"env", "file", "cmd", "inline", "flags"}
	users, nsqSecrets := map[string]string{}, []string{}
	kpw := func(src string) string { return "Kpw-" + src + "-5e0b1c" }
	nsec := func(src string) string { return "Nsq-" + src + "-a71f2d" }
	// Refused secrets, written in the config where a careless error
	// message would quote them.
	const wrongPW, wrongSecret = "Kpw-wrong-0d9e4c", "Nsq-wrong-66b3a0"
	secrets := []string{wrongPW, wrongSecret}
	for _, src := range sources {
		users["user-"+src] = kpw(src)
		nsqSecrets = append(nsqSecrets, nsec(src))
		secrets = append(secrets, kpw(src), nsec(src))
	}
	c := newSecuredClusters(t, users, nsqSecrets...)
	for _, src := range sources {
		c.kafka.CreateTopics(1, 1, "k-"+src)
	}

	brokers := strings.Join(c.kafka.Addrs(), ", ")
	lookupd := c.nsq.LookupdURLs()[0]
	contextYAML := func(name, kafkaSecret, nsqSecret string) string {
		return `  ` + name + `:
    label: ` + name + ` secured
    kafka:
      brokers: [` + brokers + `]
      tls: {ca: ` + c.ca.File + `}
      sasl: {mechanism: scram-sha-512, user: user-` + name + `, ` + kafkaSecret + `}
    nsq:
      lookupd: [` + lookupd + `]
      tls: {ca: ` + c.ca.File + `}
      ` + nsqSecret + `
`
	}
	cfg := writeConfig(t, "current-context: env\ncontexts:\n"+
		contextYAML("env", "password-env: TOPICAT_T_KAFKA_PW", "auth-secret-env: TOPICAT_T_NSQ_SECRET")+
		contextYAML("file", "password-file: "+secretFileOf(t, "kpw", kpw("file")), "auth-secret-file: "+secretFileOf(t, "nsec", nsec("file")))+
		contextYAML("cmd", "password-cmd: 'cat "+secretFileOf(t, "kpw-cmd", kpw("cmd"))+"'", "auth-secret-cmd: 'cat "+secretFileOf(t, "nsec-cmd", nsec("cmd"))+"'")+
		contextYAML("inline", "password: "+kpw("inline"), "auth-secret: "+nsec("inline"))+
		contextYAML("wrong", "password: "+wrongPW, "auth-secret: "+wrongSecret))
	// The environment holds the "env" context's secrets for every command,
	// as an operator's shell would, and the NSQ secret of the flags.
	env := map[string]string{
		"TOPICAT_T_KAFKA_PW":      kpw("env"),
		"TOPICAT_T_NSQ_SECRET":    nsec("env"),
		"TOPICAT_NSQ_AUTH_SECRET": nsec("flags"),
	}
	logFile := filepath.Join(t.TempDir(), "topicat.log")

	// check runs one command and fails on a leak or a failure; it answers
	// stdout.
	check := func(t *testing.T, stdin string, wantCode int, args ...string) string {
		t.Helper()
		args = append(args, "--log-file", logFile)
		out, errOut, code := runCLIWith(t, env, stdin, args...)
		for what, text := range map[string]string{"stdout": out, "stderr": errOut} {
			if l := leaks(text, secrets...); l != nil {
				t.Fatalf("%v: secrets %q on %s:\n%s", args, l, what, text)
			}
		}
		if code != wantCode {
			t.Fatalf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, wantCode, out, errOut)
		}
		return out
	}

	t.Run("config", func(t *testing.T) {
		out := check(t, "", 0, "config", "view", "--config", cfg)
		if n := strings.Count(out, "<redacted>"); n < 2*5 {
			t.Errorf("config view shows %d <redacted>, want one per secret of the 5 contexts:\n%s", n, out)
		}
		out = check(t, "", 0, "config", "contexts", "--config", cfg)
		for _, src := range sources[:4] {
			if !strings.Contains(out, src) {
				t.Errorf("config contexts lacks %s:\n%s", src, out)
			}
		}
	})
	for _, src := range sources {
		t.Run(src, func(t *testing.T) {
			where := []string{"-c", src, "--config", cfg}
			if src == "flags" {
				where = []string{"-b", strings.Join(c.kafka.Addrs(), ","), "--tls-ca", c.ca.File,
					"--sasl-mechanism", "scram-sha-512", "--sasl-user", "user-flags", "--sasl-password-file", secretFileOf(t, "kpw-flags", kpw("flags")),
					"--lookupd", lookupd, "--nsq-tls-ca", c.ca.File}
			}
			cmd := func(stdin string, wantCode int, args ...string) string {
				t.Helper()
				return check(t, stdin, wantCode, append(args, where...)...)
			}

			var brokers []struct{ Up bool }
			decode(t, cmd("", 0, "get", "brokers", "-o", "json"), &brokers)
			if len(brokers) != 3 || !brokers[0].Up || !brokers[1].Up || !brokers[2].Up {
				t.Errorf("get brokers: %+v, want the 3 brokers of the SASL cluster up", brokers)
			}
			var nodes []struct {
				Up     bool
				Health string
			}
			decode(t, cmd("", 0, "get", "nsq", "nodes", "-o", "json"), &nodes)
			if len(nodes) != 1 || !nodes[0].Up || nodes[0].Health != "OK" {
				t.Errorf("get nsq nodes: %+v, want the one TLS node up", nodes)
			}

			kTopic, nTopic, msg := "k-"+src, "n-"+src, "hello from "+src
			if out := cmd(msg+"\n", 0, "produce", "kafka", kTopic); !strings.Contains(out, "partition 0 @ offset 0") {
				t.Errorf("produce kafka: %q", out)
			}
			if out := cmd("", 0, "tail", "kafka", kTopic, "--from", "oldest", "-n", "1", "-o", "json"); !strings.Contains(out, msg) {
				t.Errorf("tail kafka: %q, want %q", out, msg)
			}
			before := c.accepted[nsec(src)].Load()
			if out := cmd(msg+"\n", 0, "produce", "nsq", nTopic, "--create"); !strings.Contains(out, "OK from nsqd") {
				t.Errorf("produce nsq: %q", out)
			}
			// The tail finds the topic through the lookupd, which learns
			// of it from nsqd a moment later. A topic with no channel keeps
			// its message for the first channel: the tail's.
			c.nsq.WaitTopic(nTopic, 0)
			if out := cmd("", 0, "tail", "nsq", nTopic, "-n", "1", "-o", "json"); !strings.Contains(out, msg) {
				t.Errorf("tail nsq: %q, want %q", out, msg)
			}
			if c.accepted[nsec(src)].Load() == before {
				t.Errorf("the auth server never accepted the secret from %s: another was used", src)
			}

			var health any
			out := cmd("", 0, "get", "health", "-o", "json")
			decode(t, out, &health)
			if strings.Contains(out, "authentication") || strings.Contains(out, "TLS") {
				t.Errorf("get health reports a security failure:\n%s", out)
			}
		})
	}

	// Refused, each says so in words, without the secret it refused.
	t.Run("wrong", func(t *testing.T) {
		where := []string{"-c", "wrong", "--config", cfg}
		_, errOut, code := runCLIEnv(t, env, append([]string{"get", "brokers", "-o", "json", "--log-file", logFile}, where...)...)
		if code == 0 || !strings.Contains(errOut, "SASL SCRAM-SHA-512 authentication failed for user user-wrong: wrong user name or password") {
			t.Errorf("get brokers with a wrong password: exit %d\n%s", code, errOut)
		}
		c.nsq.WaitTopic("n-env", 0)
		_, errOut2, code := runCLIWith(t, env, "refused\n", append([]string{"produce", "nsq", "n-env", "--log-file", logFile}, where...)...)
		if code == 0 || !strings.Contains(errOut2, "its auth server did not accept it") {
			t.Errorf("produce nsq with a wrong secret: exit %d\n%s", code, errOut2)
		}
		for _, text := range []string{errOut, errOut2} {
			if l := leaks(text, secrets...); l != nil {
				t.Fatalf("secrets %q in an error:\n%s", l, text)
			}
		}
	})

	logged, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if l := leaks(string(logged), secrets...); l != nil {
		t.Fatalf("secrets %q in the log file", l)
	}
	if n := strings.Count(string(logged), `"msg":"start"`); n < 2+7*len(sources)+2 {
		t.Errorf("the log file holds %d commands, want every one", n)
	}
}

func decode(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
}
