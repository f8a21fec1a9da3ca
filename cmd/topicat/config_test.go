package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/secure"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodConfig = `current-context: staging
theme: nocturne
contexts:
  staging:
    kafka:
      brokers: [k1:9092, k2:9092]
    nsq:
      lookupd: [http://l1:4161]
    refresh: 5s
  prod:
    kafka:
      brokers: [p1:9092]
    read-only: true
`

func resolveArgs(t *testing.T, args []string, env map[string]string) (settings, error) {
	t.Helper()
	var cf clusterFlags
	fs := pflag.NewFlagSet("topicat", pflag.ContinueOnError)
	cf.register(fs)
	if err := fs.Parse(args); err != nil {
		return settings{}, err
	}
	return cf.resolve(fs, func(k string) string { return env[k] })
}

func TestResolveSettings(t *testing.T) {
	cfg := writeConfig(t, goodConfig)
	noHome := map[string]string{}
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, s settings)
	}{
		{"flags only", []string{"-b", "a:1,b:2", "--brokers", "c:3", "--nsqd", "n:4151"}, noHome, func(t *testing.T, s settings) {
			if strings.Join(s.Brokers, " ") != "a:1 b:2 c:3" || s.NSQD[0] != "n:4151" || s.Theme != "default" || s.Refresh != 2*time.Second {
				t.Fatalf("%+v", s)
			}
		}},
		{"empty elements and spaces skipped", []string{"-b", " a:1,, b:2,", "--lookupd=http://l:1,", "--nsqd", ","}, noHome, func(t *testing.T, s settings) {
			if strings.Join(s.Brokers, " ") != "a:1 b:2" || strings.Join(s.Lookupd, " ") != "http://l:1" || len(s.NSQD) != 0 {
				t.Fatalf("%+v", s)
			}
		}},
		{"current context", []string{"--config", cfg}, noHome, func(t *testing.T, s settings) {
			if s.Context != "staging" || len(s.Brokers) != 2 || s.Lookupd[0] != "http://l1:4161" || s.Refresh != 5*time.Second || s.Theme != "nocturne" {
				t.Fatalf("%+v", s)
			}
		}},
		{"named context is read-only and flags cannot undo it", []string{"--config", cfg, "-c", "prod"}, noHome, func(t *testing.T, s settings) {
			if s.Context != "prod" || !s.ReadOnly || s.Brokers[0] != "p1:9092" {
				t.Fatalf("%+v", s)
			}
		}},
		{"flag addresses override the context", []string{"--config", cfg, "-b", "x:1", "--refresh", "1s"}, noHome, func(t *testing.T, s settings) {
			if len(s.Brokers) != 1 || s.Brokers[0] != "x:1" || s.Refresh != time.Second || s.Lookupd[0] != "http://l1:4161" {
				t.Fatalf("%+v", s)
			}
		}},
		{"TOPICAT_CONFIG", nil, map[string]string{"TOPICAT_CONFIG": cfg}, func(t *testing.T, s settings) {
			if s.Context != "staging" {
				t.Fatalf("%+v", s)
			}
		}},
		{"XDG default missing is fine", []string{"-b", "a:1"}, map[string]string{"XDG_CONFIG_HOME": t.TempDir()}, func(t *testing.T, s settings) {
			if s.Context != "" || s.Brokers[0] != "a:1" {
				t.Fatalf("%+v", s)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := resolveArgs(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, s)
		})
	}
}

func TestBadInputIsOneClearLine(t *testing.T) {
	badYAML := writeConfig(t, "contexts:\n  a:\n    kafka:\n      brokres: [x:1]\n")
	badDuration := writeConfig(t, "contexts:\n  a:\n    refresh: soon\n")
	badCurrent := writeConfig(t, "current-context: nope\ncontexts:\n  a: {}\n")
	noCurrent := writeConfig(t, "contexts:\n  staging:\n    kafka: {brokers: s:1}\n  prod:\n    kafka: {brokers: p:1}\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"--brokerz", "x:1"}, 2, `unknown flag: --brokerz: did you mean "--brokers"?`},
		{"malformed broker", []string{"-b", "localhost"}, 2, `kafka: broker address "localhost": missing port`},
		{"bad port", []string{"-b", "h:99999"}, 2, `broker address "h:99999": port must be a number from 1 to 65535`},
		{"malformed lookupd", []string{"--lookupd", "http://"}, 2, `nsq: lookupd address "http://": missing port`},
		{"malformed nsqd", []string{"--nsqd", "h:x"}, 2, `nsqd address "h:x"`},
		{"no cluster", nil, 2, "no cluster given"},
		{"unknown key with its line", []string{"--config", badYAML}, 2, "line 4: contexts.a.kafka.brokres is not a setting here (known: brokers, sasl, tls)"},
		{"bad duration with its line", []string{"--config", badDuration}, 2, `line 3: contexts.a.refresh "soon" is not a duration`},
		{"unknown current context", []string{"--config", badCurrent}, 2, `current-context "nope" is not among the contexts (a)`},
		{"unknown context", []string{"--config", badCurrent, "-c", "zzz"}, 2, `current-context "nope"`},
		{"missing config", []string{"--config", "/nonexistent/topicat.yaml"}, 2, "read config"},
		{"a topic config given as the config file", []string{"create", "topic", "t", "-b", "127.0.0.1:1", "--config", "retention.ms=1"}, 2, "a topic's settings are --topic-config k=v"},
		{"unknown theme", []string{"-b", "h:1", "--theme", "neon"}, 2, `unknown theme "neon"`},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"get without view", []string{"get", "-b", "h:1"}, 2, "get needs a view"},
		{"get unknown view", []string{"get", "bogus", "-b", "h:1"}, 2, `unknown view "bogus"`},
		{"get ambiguous", []string{"get", "topics", "-b", "h:1", "--nsqd", "h:2"}, 2, `say "get kafka topics" or "get nsq topics"`},
		{"get unconfigured", []string{"get", "nodes", "-b", "h:1"}, 2, "nsq is not configured"},
		{"get bad output", []string{"get", "brokers", "-b", "h:1", "-o", "xml"}, 2, `-o "xml"`},
		{"demo with brokers", []string{"demo", "-b", "h:1"}, 2, "demo runs its own clusters"},
		{"demo with a missing config", []string{"demo", "--config", "/nonexistent/topicat.yaml"}, 2, "read config"},
		{"demo with a bad config", []string{"demo", "--config", badYAML}, 2, "line 4: contexts.a.kafka.brokres is not a setting here"},
		{"refresh below the floor", []string{"-b", "h:1", "--refresh", "1ms"}, 2, "--refresh 1ms is below the floor of 100ms: polling faster only burns CPU"},
		{"timeout below the floor", []string{"-b", "h:1", "--timeout", "1ms"}, 2, "--timeout 1ms is below the floor of 10ms: no connection completes that fast"},
		{"demo refresh below the floor", []string{"demo", "--refresh", "1ms"}, 2, "--refresh 1ms is below the floor of 100ms"},
		{"negative refresh", []string{"-b", "h:1", "--refresh", "-1s"}, 2, "--refresh -1s is below the floor of 100ms"},
		{"contexts but none current", []string{"--config", noCurrent}, 2, "has no current-context: pick one with --context NAME or `topicat config use NAME` (contexts: prod, staging)"},
		{"get with contexts but none current", []string{"get", "kafka", "topics", "--config", noCurrent}, 2, "has no current-context: pick one with --context NAME"},
		{"unknown SASL mechanism", []string{"-b", "h:1", "--sasl-mechanism", "kerberos"}, 2, `--sasl-mechanism "kerberos" is not one of plain, scram-sha-256, scram-sha-512, oauthbearer, aws-msk-iam`},
		{"SASL without a user", []string{"-b", "h:1", "--sasl-mechanism", "plain"}, 2, "SASL plain needs a user: --sasl-user"},
		{"SASL without a password", []string{"-b", "h:1", "--sasl-mechanism", "scram-sha-256", "--sasl-user", "u"}, 2, "SASL scram-sha-256 needs a password: set $TOPICAT_SASL_PASSWORD or --sasl-password-file (a password is never a flag's value)"},
		{"SASL user without a mechanism", []string{"-b", "h:1", "--sasl-user", "u"}, 2, "the SASL flags need --sasl-mechanism"},
		{"TLS cert without key", []string{"-b", "h:1", "--tls-cert", "/c.pem"}, 2, "--tls-cert and --tls-key go together"},
		{"TLS CA missing", []string{"-b", "h:1", "--tls-ca", "/nonexistent/ca.pem"}, 2, "Kafka TLS: read TLS CA file: open /nonexistent/ca.pem: no such file or directory"},
		{"NSQ TLS CA missing", []string{"--nsqd", "h:1", "--nsq-tls-ca", "/nonexistent/ca.pem"}, 2, "NSQ TLS: read TLS CA file: open /nonexistent/ca.pem"},
		{"a secret is no flag value", []string{"-b", "h:1", "--sasl-password", "x"}, 2, "unknown flag: --sasl-password: topicat takes no password as a flag value, which anyone on the host can read in the process list; give it with --sasl-password-file, $TOPICAT_SASL_PASSWORD or a context of the config file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
			code := run(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
			msg := stderr.String()
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("stderr %q lacks %q", msg, tc.want)
			}
			if n := strings.Count(strings.TrimSpace(msg), "\n"); n != 0 {
				t.Fatalf("error is %d lines, want one: %q", n+1, msg)
			}
			if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic") {
				t.Fatalf("stack trace on bad input: %s", msg)
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"get", "-h"}, {"demo", "--help"}, {"version"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" }); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		if out := stdout.String() + stderr.String(); !strings.Contains(out, "topicat") {
			t.Fatalf("%v printed %q", args, out)
		}
	}
}

// TestConfigErrorsSpeakPlainly: each mistake names the file, the line and
// the field in words, never a Go type.
func TestConfigErrorsSpeakPlainly(t *testing.T) {
	tests := []struct {
		name, body, want string // want follows "config FILE: "
	}{
		{"contexts as a list", "contexts: [a, b]\n", "line 1: contexts should be a map of context names to their settings, not a list"},
		{"unknown key", "contexts:\n  a:\n    kafka:\n      brokres: [x:1]\n", "line 4: contexts.a.kafka.brokres is not a setting here (known: brokers, sasl, tls)"},
		{"unknown top-level key", "curent-context: a\n", "line 1: curent-context is not a setting here (known: contexts, current-context, theme)"},
		{"the file a list", "- a\n- b\n", "line 1: the config file should be a map of settings, not a list"},
		{"a context as a list", "contexts:\n  a: [x]\n", "line 2: contexts.a should be a context, not a list"},
		{"brokers as a map", "contexts:\n  a:\n    kafka:\n      brokers: {x: 1}\n", "line 4: contexts.a.kafka.brokers should be a list of addresses, not a map"},
		{"kafka as text", "contexts:\n  a:\n    kafka: k:9092\n", "line 3: contexts.a.kafka should be a map of Kafka settings, not text"},
		{"bad duration", "contexts:\n  a:\n    refresh: soon\n", `line 3: contexts.a.refresh "soon" is not a duration (e.g. 2s, 500ms)`},
		{"refresh below the floor", "contexts:\n  a:\n    refresh: 10ms\n", "line 3: contexts.a.refresh 10ms is below the floor of 100ms: polling faster only burns CPU"},
		{"timeout below the floor", "contexts:\n  a:\n    timeout: 1ms\n", "line 3: contexts.a.timeout 1ms is below the floor of 10ms: no connection completes that fast"},
		{"read-only not a bool", "contexts:\n  a:\n    read-only: yes please\n", `line 3: contexts.a.read-only should be true or false, not "yes please"`},
		{"unknown colour", "contexts:\n  a:\n    colour: pinkish\n", `line 3: contexts.a.colour "pinkish" is not a colour: use red, orange, yellow, green, blue, purple, magenta, cyan, grey, #rrggbb or an ANSI code 0-255`},
		{"unknown mechanism", "contexts:\n  a:\n    kafka:\n      sasl:\n        mechanism: GSSAPI\n", `line 5: contexts.a.kafka.sasl.mechanism "GSSAPI" is not one of plain, scram-sha-256, scram-sha-512, oauthbearer, aws-msk-iam`},
		{"no mechanism", "contexts:\n  a:\n    kafka:\n      sasl:\n        user: u\n", "line 5: contexts.a.kafka.sasl needs a mechanism: one of plain, scram-sha-256, scram-sha-512, oauthbearer, aws-msk-iam"},
		{"scram without a user", "contexts:\n  a:\n    kafka:\n      sasl: {mechanism: scram-sha-512, password-env: PW}\n", "line 4: contexts.a.kafka.sasl scram-sha-512 needs a user"},
		{"two password sources", "contexts:\n  a:\n    kafka:\n      sasl:\n        mechanism: plain\n        password-env: PW\n        password-file: /pw\n", "line 7: contexts.a.kafka.sasl.password-file is a second source for password (it is already read from $PW): give only one"},
		{"a password as a list", "contexts:\n  a:\n    kafka:\n      sasl:\n        password: [x]\n", "line 5: contexts.a.kafka.sasl.password should be text, not a list"},
		{"cert without key", "contexts:\n  a:\n    kafka:\n      tls:\n        cert: /c.pem\n", "line 5: contexts.a.kafka.tls needs both cert and key for a client certificate, or neither"},
		{"tls as text", "contexts:\n  a:\n    nsq:\n      tls: yes\n", "line 4: contexts.a.nsq.tls should be a map of TLS settings (or true), not text"},
		{"headers as a list", "contexts:\n  a:\n    nsq:\n      headers: [a]\n", "line 4: contexts.a.nsq.headers should be a map of header names to values, not a list"},
		{"a header with two sources", "contexts:\n  a:\n    nsq:\n      headers:\n        X-Key: {env: K, file: /k}\n", "line 5: contexts.a.nsq.headers.X-Key.file is a second source for the same header: give one of env, file or cmd"},
		{"a key twice", "contexts:\n  a:\n    refresh: 1s\n    refresh: 2s\n", "line 4: contexts.a.refresh is given twice (first on line 3)"},
		{"unknown current context", "current-context: nope\ncontexts:\n  a: {}\n", `line 1: current-context "nope" is not among the contexts (a)`},
		{"current context without contexts", "current-context: nope\n", `line 1: current-context "nope" is not among the contexts (none are defined)`},
		{"malformed YAML", "contexts:\n  a: [\n", "line 2: the YAML is malformed: did not find expected node content"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeConfig(t, tc.body)
			_, err := loadConfig(p, true, func(string) string { return "" })
			if want := "config " + p + ": " + tc.want; err == nil || err.Error() != want {
				t.Fatalf("config error\n got: %v\nwant: %s", err, want)
			}
			if strings.Contains(err.Error(), "main.") || strings.Contains(err.Error(), "!!") {
				t.Fatalf("a Go or YAML type in %q", err)
			}
		})
	}
}

// fullConfig has every setting a context takes.
const fullConfig = `# topicat contexts
current-context: staging # the one topicat opens
contexts:
  staging:
    kafka:
      brokers: k1:9092            # one broker, no brackets
    nsq:
      lookupd: http://l1:4161,http://l2:4161
  prod:
    label: PROD eu-west-1
    colour: red
    read-only: true
    refresh: 5s
    timeout: 3s
    kafka:
      brokers:
        - b1:9096
        - b2:9096
      tls:
        ca: /etc/ca.pem
        cert: /etc/c.pem
        key: /etc/k.pem
        server-name: kafka.prod
      sasl:
        mechanism: SCRAM-SHA-512
        user: topicat
        password-env: PROD_PW
    nsq:
      nsqd: [n1:4151]
      tls: true
      auth-secret-file: /etc/nsq-secret
      lookupd-user: ops
      lookupd-password-cmd: pass nsq/lookupd
      headers:
        X-Tenant: payments
        X-Api-Key: {env: NSQ_KEY}
  msk:
    kafka:
      brokers: [b:9098]
      tls: {insecure-skip-verify: true}
      sasl:
        mechanism: aws-msk-iam
        aws: {region: eu-west-1, profile: ops, credentials-cmd: aws-vault export ops}
  oauth:
    kafka:
      brokers: [b:9093]
      sasl: {mechanism: oauthbearer, token-cmd: get-token}
`

// TestConfigSecurityReachesTheSources: what a context says, and flags over
// it, arrive in the kafka.Config and nsq.Config that buildSource passes.
func TestConfigSecurityReachesTheSources(t *testing.T) {
	ca, cert, key := testCerts(t)
	cfg := writeConfig(t, strings.NewReplacer("/etc/ca.pem", ca, "/etc/c.pem", cert, "/etc/k.pem", key).Replace(fullConfig))
	pwFile := writeConfig(t, "pw")
	env := map[string]string{"TOPICAT_SASL_PASSWORD": "x", "TOPICAT_NSQ_AUTH_SECRET": "y"}
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, s settings, k kafka.Config, n nsq.Config)
	}{
		{"a broker as text is a list of one", []string{"--config", cfg}, nil, func(t *testing.T, s settings, k kafka.Config, n nsq.Config) {
			if strings.Join(k.Brokers, " ") != "k1:9092" || strings.Join(n.Lookupds, " ") != "http://l1:4161 http://l2:4161" || k.TLS != nil || k.SASL != nil || n.TLS != nil || !n.Auth.IsZero() {
				t.Fatalf("%+v %+v", k, n)
			}
			if s.label() != "staging" || s.warning() != "" {
				t.Fatalf("label %q warning %q", s.label(), s.warning())
			}
		}},
		{"every setting of a context", []string{"--config", cfg, "-c", "prod"}, nil, func(t *testing.T, s settings, k kafka.Config, n nsq.Config) {
			want := secure.TLS{CAFile: ca, CertFile: cert, KeyFile: key, ServerName: "kafka.prod"}
			if k.TLS == nil || *k.TLS != want {
				t.Fatalf("kafka TLS %+v", k.TLS)
			}
			if k.SASL == nil || k.SASL.Mechanism != secure.ScramSHA512 || k.SASL.User != "topicat" || k.SASL.Password.Env != "PROD_PW" || k.SASL.Password.Getenv == nil {
				t.Fatalf("kafka SASL %+v", k.SASL)
			}
			if n.TLS == nil || *n.TLS != (secure.TLS{}) || n.Auth.Secret.File != "/etc/nsq-secret" || n.Auth.LookupdUser != "ops" || n.Auth.LookupdPassword.Cmd != "pass nsq/lookupd" {
				t.Fatalf("nsq %+v %+v", n.TLS, n.Auth)
			}
			if n.Auth.Headers["X-Tenant"].Inline != "payments" || n.Auth.Headers["X-Api-Key"].Env != "NSQ_KEY" {
				t.Fatalf("headers %+v", n.Auth.Headers)
			}
			if k.Interval != 5*time.Second || k.Timeout != 3*time.Second || n.Interval != 5*time.Second || !s.ReadOnly || s.label() != "PROD eu-west-1" || s.Colour != "red" {
				t.Fatalf("%+v", s)
			}
		}},
		{"aws and an unverified certificate", []string{"--config", cfg, "-c", "msk"}, nil, func(t *testing.T, s settings, k kafka.Config, n nsq.Config) {
			if k.SASL == nil || k.SASL.AWS.Region != "eu-west-1" || k.SASL.AWS.Profile != "ops" || k.SASL.AWS.Cmd.Cmd != "aws-vault export ops" {
				t.Fatalf("%+v", k.SASL)
			}
			if s.warning() != "KAFKA TLS NOT VERIFIED" {
				t.Fatalf("warning %q", s.warning())
			}
		}},
		{"oauthbearer token from a command", []string{"--config", cfg, "-c", "oauth"}, nil, func(t *testing.T, s settings, k kafka.Config, n nsq.Config) {
			if k.SASL == nil || k.SASL.Token.Cmd != "get-token" {
				t.Fatalf("%+v", k.SASL)
			}
		}},
		{"flags alone", []string{"-b", "h:1", "--nsqd", "n:1", "--tls", "--sasl-mechanism", "plain", "--sasl-user", "me", "--sasl-password-file", pwFile,
			"--nsq-tls-insecure", "--nsq-tls-server-name", "nsq.local", "--nsq-auth-secret-file", pwFile}, nil, func(t *testing.T, s settings, k kafka.Config, n nsq.Config) {
			if k.TLS == nil || *k.TLS != (secure.TLS{}) {
				t.Fatalf("kafka TLS %+v", k.TLS)
			}
			if k.SASL == nil || k.SASL.Mechanism != "plain" || k.SASL.User != "me" || k.SASL.Password.File != pwFile {
				t.Fatalf("kafka SASL %+v", k.SASL)
			}
			if n.TLS == nil || !n.TLS.InsecureSkipVerify || n.TLS.ServerName != "nsq.local" || n.Auth.Secret.File != pwFile {
				t.Fatalf("nsq %+v %+v", n.TLS, n.Auth)
			}
			if s.warning() != "NSQ TLS NOT VERIFIED" {
				t.Fatalf("warning %q", s.warning())
			}
		}},
		{"secrets from the environment", []string{"-b", "h:1", "--nsqd", "n:1", "--sasl-mechanism", "scram-sha-256", "--sasl-user", "me"}, env, func(t *testing.T, s settings, k kafka.Config, n nsq.Config) {
			pw, err := k.SASL.Password.Resolve(context.Background())
			if err != nil || pw != "x" || k.SASL.Password.Env != "TOPICAT_SASL_PASSWORD" {
				t.Fatalf("password %q %v from %+v", pw, err, k.SASL.Password)
			}
			sec, err := n.Auth.Secret.Resolve(context.Background())
			if err != nil || sec != "y" {
				t.Fatalf("nsq secret %q %v", sec, err)
			}
		}},
		{"flags change one setting of the context's", []string{"--config", cfg, "-c", "prod", "--tls-server-name", "other", "--nsq-tls=false", "--sasl-user", "me"}, env, func(t *testing.T, s settings, k kafka.Config, n nsq.Config) {
			if k.TLS.ServerName != "other" || k.TLS.CAFile != ca || n.TLS != nil {
				t.Fatalf("TLS %+v %+v", k.TLS, n.TLS)
			}
			// A one-off SASL flag: the password of the environment wins.
			if k.SASL.User != "me" || k.SASL.Mechanism != secure.ScramSHA512 || k.SASL.Password.Env != "TOPICAT_SASL_PASSWORD" {
				t.Fatalf("SASL %+v", k.SASL)
			}
			// The context's NSQ secret stays: the environment only fills what is missing.
			if n.Auth.Secret.File != "/etc/nsq-secret" {
				t.Fatalf("auth %+v", n.Auth)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := resolveArgs(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, s, kafkaConfig(s), nsqConfig(s))
		})
	}
}

// TestContextPasswordFromTheEnvironment: a context's SASL without a
// password takes $TOPICAT_SASL_PASSWORD, and says so when it is not set.
func TestContextPasswordFromTheEnvironment(t *testing.T) {
	cfg := writeConfig(t, "current-context: a\ncontexts:\n  a:\n    kafka:\n      brokers: [h:1]\n      sasl: {mechanism: plain, user: u}\n")
	s, err := resolveArgs(t, []string{"--config", cfg}, map[string]string{"TOPICAT_SASL_PASSWORD": "pw"})
	if err != nil || s.SASL.Password.Env != "TOPICAT_SASL_PASSWORD" {
		t.Fatalf("%v %+v", err, s.SASL)
	}
	_, err = resolveArgs(t, []string{"--config", cfg}, nil)
	want := "context a: SASL plain needs a password: password-env, password-file or password-cmd in the config file, or $TOPICAT_SASL_PASSWORD"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
}

// testCerts writes a CA and a client certificate it signed, with the
// client's key, as PEM files.
func testCerts(t *testing.T) (ca, cert, key string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "topicat test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	clientKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	clientTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "topicat"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	clientDER, err := x509.CreateCertificate(rand.Reader, clientTmpl, caTmpl, &clientKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(clientKey)
	if err != nil {
		t.Fatal(err)
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("client.pem", "CERTIFICATE", clientDER), write("client-key.pem", "EC PRIVATE KEY", kb)
}

// TestReopenIsTheContextAlone: :ctx opens another context with the run's
// --read-only, --refresh and --timeout, but not the addresses or security
// flags given for the first one.
func TestReopenIsTheContextAlone(t *testing.T) {
	cfg := writeConfig(t, goodConfig)
	d := &deps{env: func(string) string { return "" }}
	root := newRootCmd(d)
	if err := root.ParseFlags([]string{"--config", cfg, "-b", "x:1", "--read-only", "--refresh", "3s", "--tls-insecure", "--sasl-mechanism", "aws-msk-iam"}); err != nil {
		t.Fatal(err)
	}
	reopen := d.reopener(root)
	s, err := reopen("prod")
	if err != nil {
		t.Fatal(err)
	}
	if s.Context != "prod" || strings.Join(s.Brokers, " ") != "p1:9092" || !s.ReadOnly || s.Refresh != 3*time.Second || s.KafkaTLS != nil || s.SASL != nil {
		t.Fatalf("%+v", s)
	}
	s, err = reopen("staging")
	if err != nil || len(s.Lookupd) != 1 || !s.ReadOnly || s.Theme != "nocturne" {
		t.Fatalf("%v %+v", err, s)
	}
	if _, err := reopen("nope"); err == nil || !strings.Contains(err.Error(), `context "nope" is not in`) {
		t.Fatalf("error %v", err)
	}
}

// TestOpenSessionCloses: a session's Close stops its sources and returns,
// however often it is called.
func TestOpenSessionCloses(t *testing.T) {
	s, err := resolveArgs(t, []string{"-b", "127.0.0.1:1", "--nsqd", "127.0.0.1:1", "--refresh", "100ms", "--timeout", "50ms", "--read-only", "--tls-insecure"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := openSession(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Kafka == nil || sess.NSQ == nil || !sess.ReadOnly || sess.Warning != "KAFKA TLS NOT VERIFIED" || sess.Label != "127.0.0.1:1 127.0.0.1:1" {
		t.Fatalf("%+v", sess)
	}
	<-sess.Kafka.Updates() // polling: a failed poll is a snapshot too
	done := make(chan struct{})
	go func() { sess.Close(); sess.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // only bounds a hang
		t.Fatal("Close did not return")
	}
}

// A password typed into an address (user:password@host), on the command
// line or in the config, is refused without being quoted back.
func TestAddressWithCredentialsNeverEchoed(t *testing.T) {
	cfg := writeConfig(t, "contexts:\n  a:\n    nsq:\n      lookupd: [https://bob:hunter2@l:4161]\ncurrent-context: a\n")
	for _, args := range [][]string{
		{"get", "brokers", "-b", "bob:hunter2@h:9092"},
		{"get", "nodes", "--lookupd", "https://bob:hunter2@l:4161"},
		{"get", "nodes", "--config", cfg},
		{"config", "view", "--config", cfg},
		{"get", "brokers", "-Phunter2", "-b", "h:1"},
	} {
		out, errOut, code := runCLI(t, args...)
		if code != 2 || strings.Contains(out+errOut, "hunter2") {
			t.Errorf("%v: exit %d, output %q %q: want exit 2 and no password", args, code, out, errOut)
		}
	}
}

// SASL PLAIN or OAUTHBEARER without TLS is said once on stderr (and as a
// header badge): the secret crosses the network as it is.
func TestSASLInClearIsWarned(t *testing.T) {
	env := map[string]string{"TOPICAT_SASL_PASSWORD": "pw"}
	for _, tc := range []struct {
		args []string
		warn bool
	}{
		{[]string{"--sasl-mechanism", "plain", "--sasl-user", "u"}, true},
		{[]string{"--sasl-mechanism", "plain", "--sasl-user", "u", "--tls"}, false},
		{[]string{"--sasl-mechanism", "scram-sha-512", "--sasl-user", "u"}, false},
	} {
		s, err := resolveArgs(t, append([]string{"-b", "h:1"}, tc.args...), env)
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.ContainsFunc(s.Warnings, func(w string) bool { return strings.Contains(w, "in clear") }); got != tc.warn {
			t.Errorf("%v: warnings %q, want a clear-text warning %v", tc.args, s.Warnings, tc.warn)
		}
		if got := strings.Contains(s.warning(), "IN CLEAR"); got != tc.warn {
			t.Errorf("%v: header badge %q", tc.args, s.warning())
		}
	}
}
