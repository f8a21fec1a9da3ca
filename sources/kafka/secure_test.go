package kafka_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
	"github.com/topicat/topicat/sources/secure"
	"github.com/topicat/topicat/sources/secure/securetest"
)

// secretsSeen collects every secret the tests configure: every failure
// wantFailure checks is searched for all of them.
var secretsSeen sync.Map

// envSecret is a Secret read from a fake environment holding value.
func envSecret(value string) secure.Secret {
	secretsSeen.Store(value, true)
	return secure.Secret{Env: "TOPICAT_TEST_SECRET", Getenv: func(string) string { return value }}
}

// securePoll polls a source made from cfg once, as the dashboard would,
// bounded so that a hang fails the test rather than the run.
func securePoll(t *testing.T, cfg kafka.Config) (*sources.KafkaSnapshot, error) {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	s, err := kafka.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.Poll(ctx)
}

// wantTopics fails unless the poll succeeded and saw topic.
func wantTopics(t *testing.T, snap *sources.KafkaSnapshot, err error, topic string) {
	t.Helper()
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	for _, tp := range snap.Topics {
		if tp.Name == topic {
			return
		}
	}
	t.Fatalf("topic %s not seen; errors %+v", topic, snap.Errors)
}

// wantFailure fails unless the poll failed with an error holding every one
// of want, before its deadline (the failure is recognised, not waited out).
func wantFailure(t *testing.T, err error, want ...string) string {
	t.Helper()
	if err == nil {
		t.Fatal("Poll succeeded, want a failure")
	}
	got := err.Error()
	noSecretIn(t, got)
	if strings.Contains(got, "timed out") {
		t.Errorf("the failure was waited out, not recognised: %s", got)
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("error %q\n does not say %q", got, w)
		}
	}
	return got
}

// noSecretIn fails if any secret a test configured appears in text.
func noSecretIn(t *testing.T, text string) {
	t.Helper()
	secretsSeen.Range(func(k, _ any) bool {
		if strings.Contains(text, k.(string)) {
			t.Errorf("secret %q appears in %q", k, text)
		}
		return true
	})
}

// TestSASLUserPassword: kfake with SASL and a user per mechanism: the right
// password polls the topics; a wrong one, or an unknown user, says so.
func TestSASLUserPassword(t *testing.T) {
	for _, tc := range []struct {
		mech  string // ours
		kafka string // kfake's
	}{
		{secure.Plain, "PLAIN"},
		{secure.ScramSHA256, "SCRAM-SHA-256"},
		{secure.ScramSHA512, "SCRAM-SHA-512"},
	} {
		t.Run(tc.kafka, func(t *testing.T) {
			right := "right-" + tc.mech + "-pw"
			c := kafkatest.NewCluster(t, kfake.EnableSASL(), kfake.Superuser(tc.kafka, "alice", right), kfake.SeedTopics(3, "orders"))
			cfg := func(user, pw string) kafka.Config {
				return kafka.Config{Brokers: c.Addrs(), SASL: &secure.SASL{Mechanism: tc.mech, User: user, Password: envSecret(pw)}}
			}
			t.Run("right password", func(t *testing.T) {
				snap, err := securePoll(t, cfg("alice", right))
				wantTopics(t, snap, err, "orders")
			})
			t.Run("wrong password", func(t *testing.T) {
				_, err := securePoll(t, cfg("alice", "wrong-"+tc.mech+"-pw"))
				wantFailure(t, err, "SASL "+tc.kafka+" authentication failed for user alice: wrong user name or password (broker 127.0.0.1:")
			})
			t.Run("unknown user", func(t *testing.T) {
				_, err := securePoll(t, cfg("mallory", right))
				wantFailure(t, err, "authentication failed for user mallory: wrong user name or password")
			})
		})
	}
}

// TestSASLMismatches: each way SASL and the broker disagree has its own words.
func TestSASLMismatches(t *testing.T) {
	t.Run("a mechanism the broker does not offer: its list", func(t *testing.T) {
		c := kafkatest.NewCluster(t, kfake.EnableSASL(), kfake.Superuser("PLAIN", "alice", "pw"))
		_, err := securePoll(t, kafka.Config{Brokers: c.Addrs(), SASL: &secure.SASL{Mechanism: secure.OAuthBearer, Token: envSecret("tok-unoffered")}})
		wantFailure(t, err, "SASL OAUTHBEARER authentication failed: the broker does not offer this mechanism; it offers PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (broker 127.0.0.1:")
	})
	t.Run("the broker wants SASL, none configured", func(t *testing.T) {
		c := kafkatest.NewCluster(t, kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", "alice", "pw"))
		got := wantFailure(t, func() error { _, err := securePoll(t, kafka.Config{Brokers: c.Addrs()}); return err }(),
			"SASL: the broker wants SASL authentication (it offers PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), and none is configured (broker 127.0.0.1:")
		if strings.Contains(got, "TLS") {
			t.Errorf("a TLS hint for a SASL listener: %s", got)
		}
	})
	t.Run("SASL configured, the broker has none", func(t *testing.T) {
		c := kafkatest.NewCluster(t)
		_, err := securePoll(t, kafka.Config{Brokers: c.Addrs(), SASL: &secure.SASL{Mechanism: secure.Plain, User: "alice", Password: envSecret("pw-nosasl")}})
		wantFailure(t, err, "it answers without SASL on this port: SASL is configured for a listener that does not use it")
	})
	t.Run("SASL configured, the broker refuses the handshake as Kafka does without SASL", func(t *testing.T) {
		c := kafkatest.NewCluster(t)
		// Kafka answers a handshake on a listener without SASL with
		// ILLEGAL_SASL_STATE; kfake accepts it, so a control answers.
		c.Fake.ControlKey(int16(kmsg.SASLHandshake), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
			c.Fake.KeepControl()
			resp := kreq.ResponseKind().(*kmsg.SASLHandshakeResponse)
			resp.ErrorCode = kerr.IllegalSaslState.Code
			return resp, nil, true
		})
		_, err := securePoll(t, kafka.Config{Brokers: c.Addrs(), SASL: &secure.SASL{Mechanism: secure.ScramSHA256, User: "alice", Password: envSecret("pw-illegal")}})
		wantFailure(t, err, "SASL SCRAM-SHA-256 authentication failed for user alice: the broker does not use SASL on this port (it refused the SASL handshake)")
	})
	t.Run("a password that cannot be read", func(t *testing.T) {
		c := kafkatest.NewCluster(t, kfake.EnableSASL(), kfake.Superuser("PLAIN", "alice", "pw"))
		pw := secure.Secret{Env: "TOPICAT_NO_SUCH_VAR", Getenv: func(string) string { return "" }}
		_, err := securePoll(t, kafka.Config{Brokers: c.Addrs(), SASL: &secure.SASL{Mechanism: secure.Plain, User: "alice", Password: pw}})
		wantFailure(t, err, "read the password of user alice from $TOPICAT_NO_SUCH_VAR: environment variable TOPICAT_NO_SUCH_VAR is empty or not set")
	})
}

// TestSecureConfigErrors: a configuration that cannot work is refused by New
// in words.
func TestSecureConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  kafka.Config
		want string
	}{
		{"unknown mechanism", kafka.Config{SASL: &secure.SASL{Mechanism: "gssapi"}}, `unknown SASL mechanism "gssapi": use one of plain, scram-sha-256, scram-sha-512, oauthbearer, aws-msk-iam`},
		{"no mechanism", kafka.Config{SASL: &secure.SASL{}}, "SASL needs a mechanism"},
		{"plain without a user", kafka.Config{SASL: &secure.SASL{Mechanism: secure.Plain, Password: secure.Secret{Env: "PW"}}}, "SASL PLAIN needs a user name"},
		{"scram without a password", kafka.Config{SASL: &secure.SASL{Mechanism: secure.ScramSHA512, User: "alice"}}, "SASL SCRAM-SHA-512 needs the password of user alice"},
		{"oauth without a token", kafka.Config{SASL: &secure.SASL{Mechanism: secure.OAuthBearer}}, "SASL OAUTHBEARER needs a token"},
		{"a region the signer cannot use", kafka.Config{SASL: &secure.SASL{Mechanism: secure.AWSMSKIAM, AWS: secure.AWS{Region: "eu-west-1"}}}, "the broker name 127.0.0.1 does not carry the region eu-west-1"},
		{"a CA file that is missing", kafka.Config{TLS: &secure.TLS{CAFile: "/nonexistent/ca.pem"}}, "read TLS CA file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Brokers = []string{"127.0.0.1:9092"}
			_, err := kafka.New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("a region the broker's name carries", func(t *testing.T) {
		s, err := kafka.New(kafka.Config{
			Brokers: []string{"b-1.prod.abc123.c2.kafka.eu-west-1.amazonaws.com:9098"},
			SASL:    &secure.SASL{Mechanism: secure.AWSMSKIAM, AWS: secure.AWS{Region: "eu-west-1"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	})
}

// TestTLS: kfake behind TLS with certificates made in the test: a trusted
// CA polls; an untrusted CA, a name the certificate lacks, plaintext to the
// TLS port and TLS to a plaintext port each say what is wrong.
func TestTLS(t *testing.T) {
	ca := securetest.NewCA(t, "topicat test CA")
	other := securetest.NewCA(t, "someone else's CA")
	for _, tc := range []struct {
		name   string
		server []kfake.Opt // nil: plaintext
		tls    func() *secure.TLS
		want   []string // nil: the poll succeeds
	}{
		{"trusted CA", []kfake.Opt{kfake.TLS(ca.ServerTLS(nil, "127.0.0.1"))}, func() *secure.TLS { return &secure.TLS{CAFile: ca.File} }, nil},
		{"server name set", []kfake.Opt{kfake.TLS(ca.ServerTLS(nil, "kafka.internal"))}, func() *secure.TLS { return &secure.TLS{CAFile: ca.File, ServerName: "kafka.internal"} }, nil},
		{"untrusted CA", []kfake.Opt{kfake.TLS(other.ServerTLS(nil, "127.0.0.1"))}, func() *secure.TLS { return &secure.TLS{CAFile: ca.File} },
			[]string{`TLS: the broker's certificate is not trusted: it is signed by "someone else's CA", which is not among the CA file ` + ca.File + " (broker 127.0.0.1:"}},
		{"name mismatch", []kfake.Opt{kfake.TLS(ca.ServerTLS(nil, "kafka-1.internal", "kafka.internal"))}, func() *secure.TLS { return &secure.TLS{CAFile: ca.File} },
			[]string{"TLS: the broker's certificate is for kafka-1.internal, kafka.internal, not 127.0.0.1: dial a name it carries, or set the TLS server name to one"}},
		{"TLS to a plaintext port", nil, func() *secure.TLS { return &secure.TLS{CAFile: ca.File} },
			[]string{"TLS: the broker answers in plaintext on this port, not TLS: TLS is configured for a listener that does not use it (broker 127.0.0.1:"}},
		{"plaintext to a TLS port", []kfake.Opt{kfake.TLS(ca.ServerTLS(nil, "127.0.0.1"))}, func() *secure.TLS { return nil },
			[]string{"answers a TLS handshake on the same port: is TLS missing from the configuration?"}},
		{"client certificate required, none given", []kfake.Opt{kfake.TLS(ca.ServerTLS(ca, "127.0.0.1"))}, func() *secure.TLS { return &secure.TLS{CAFile: ca.File} },
			[]string{"TLS: the broker requires a client certificate, and none is configured (broker 127.0.0.1:"}},
		{"client certificate given", []kfake.Opt{kfake.TLS(ca.ServerTLS(ca, "127.0.0.1"))}, func() *secure.TLS {
			cert, key := ca.ClientFiles("topicat")
			return &secure.TLS{CAFile: ca.File, CertFile: cert, KeyFile: key}
		}, nil},
		{"insecure skip verify", []kfake.Opt{kfake.TLS(other.ServerTLS(nil, "kafka.internal"))}, func() *secure.TLS { return &secure.TLS{InsecureSkipVerify: true} }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := kafkatest.NewCluster(t, append(tc.server, kfake.SeedTopics(2, "orders"))...)
			snap, err := securePoll(t, kafka.Config{Brokers: c.Addrs(), TLS: tc.tls()})
			if tc.want == nil {
				wantTopics(t, snap, err, "orders")
				return
			}
			wantFailure(t, err, tc.want...)
		})
	}
}

// TestTLSBrokerDown: with TLS configured, a broker that closes its
// connections is said to have closed them; the plaintext client's "is TLS
// missing?" hint would be wrong, and no port is checked for it.
func TestTLSBrokerDown(t *testing.T) {
	ca := securetest.NewCA(t, "topicat test CA")
	c := kafkatest.NewCluster(t, kfake.TLS(ca.ServerTLS(nil, "127.0.0.1")), kfake.SeedTopics(1, "orders"))
	c.BrokerDown(1)
	snap, err := securePoll(t, kafka.Config{Brokers: c.Addrs(), TLS: &secure.TLS{CAFile: ca.File}})
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	b := broker(t, snap, 1)
	if b.Up || b.LastErr != "the broker closed the connection before answering" {
		t.Errorf("broker 1 = %+v, want down with a closed connection", b)
	}
	for _, e := range snap.Errors {
		if strings.Contains(e.Err, "TLS") {
			t.Errorf("an error with a TLS hint: %+v", e)
		}
	}
}

// TestSCRAMOverTLS: the issue's own case, both at once, right and wrong.
func TestSCRAMOverTLS(t *testing.T) {
	ca := securetest.NewCA(t, "topicat test CA")
	c := kafkatest.NewCluster(t, kfake.TLS(ca.ServerTLS(nil, "127.0.0.1")), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-512", "alice", "scram-tls-right"), kfake.SeedTopics(2, "orders"))
	cfg := func(pw string) kafka.Config {
		return kafka.Config{Brokers: c.Addrs(), TLS: &secure.TLS{CAFile: ca.File},
			SASL: &secure.SASL{Mechanism: secure.ScramSHA512, User: "alice", Password: envSecret(pw)}}
	}
	snap, err := securePoll(t, cfg("scram-tls-right"))
	wantTopics(t, snap, err, "orders")
	_, err = securePoll(t, cfg("scram-tls-wrong"))
	wantFailure(t, err, "SASL SCRAM-SHA-512 authentication failed for user alice: wrong user name or password")
}

// TestEveryClientAuthenticates: the stream a tail opens uses the same TLS
// and SASL as the poll: it reads the records.
func TestEveryClientAuthenticates(t *testing.T) {
	ca := securetest.NewCA(t, "topicat test CA")
	c := kafkatest.NewCluster(t, kfake.TLS(ca.ServerTLS(nil, "127.0.0.1")), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-256", "alice", "every-client-pw"), kfake.SeedTopics(1, "orders"))
	s, err := kafka.New(kafka.Config{Brokers: c.Addrs(), Timeout: 5 * time.Second, TLS: &secure.TLS{CAFile: ca.File},
		SASL: &secure.SASL{Mechanism: secure.ScramSHA256, User: "alice", Password: envSecret("every-client-pw")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	res := do(t, s, sources.Produce{Topic: "orders", Messages: []sources.Message{{Value: []byte("hello")}}})
	if res.Err != "" {
		t.Fatalf("produce: %s", resultText(res))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := s.Tail(ctx, sources.TailSpec{Topic: "orders"}) // from the oldest
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for {
		recs, err := st.Next(ctx, 10)
		if err != nil {
			t.Fatalf("tail: %v", err)
		}
		for _, r := range recs {
			if string(r.Value) == "hello" {
				return
			}
		}
	}
}

// tokenBroker makes c accept one SASL mechanism through kfake's control
// hooks (kfake speaks only PLAIN and SCRAM): the handshake for mech is
// accepted and any other is refused with the list, and each authentication
// step's payload is handed to step, which answers it with a challenge, or
// refuses it with an error as a broker would.
func tokenBroker(c *kafkatest.Cluster, mech string, step func(payload []byte) (challenge []byte, err error)) {
	c.Fake.ControlKey(int16(kmsg.SASLHandshake), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		req := kreq.(*kmsg.SASLHandshakeRequest)
		resp := req.ResponseKind().(*kmsg.SASLHandshakeResponse)
		resp.SupportedMechanisms = []string{mech}
		if req.Mechanism != mech {
			resp.ErrorCode = kerr.UnsupportedSaslMechanism.Code
		}
		return resp, nil, true
	})
	c.Fake.ControlKey(int16(kmsg.SASLAuthenticate), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		req := kreq.(*kmsg.SASLAuthenticateRequest)
		resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		challenge, err := step(req.SASLAuthBytes)
		if err != nil {
			resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
			resp.ErrorMessage = kmsg.StringPtr(err.Error())
		}
		resp.SASLAuthBytes = challenge
		return resp, nil, true
	})
}

// TestOAuthBearer: the token comes from a command run at each
// authentication; the broker sees it as the bearer token; a refused token
// says what the broker said.
func TestOAuthBearer(t *testing.T) {
	const good = "eyJ.good-token.sig"
	var (
		mu   sync.Mutex
		seen int
	)
	c := kafkatest.NewCluster(t, kfake.SeedTopics(2, "orders"))
	tokenBroker(c, "OAUTHBEARER", func(p []byte) ([]byte, error) {
		// RFC 7628 as Kafka does it: a refused token is answered with an
		// error challenge, the client's \x01 with the failure.
		if string(p) == "\x01" {
			return nil, errors.New("invalid_token: the token has expired")
		}
		// A gs2 header, then auth=Bearer <token>, \x01-separated.
		tok, ok := strings.CutPrefix(string(p), "n,,\x01auth=Bearer ")
		if !ok {
			return nil, errors.New("malformed initial response")
		}
		tok, _, _ = strings.Cut(tok, "\x01")
		if tok != good {
			return []byte(`{"status":"invalid_token"}`), nil
		}
		mu.Lock()
		seen++
		mu.Unlock()
		return nil, nil
	})
	runs := filepath.Join(t.TempDir(), "runs")
	tokenCmd := func(tok string) secure.Secret {
		secretsSeen.Store(tok, true)
		return secure.Secret{Cmd: fmt.Sprintf("echo run >> %s; printf %%s %s", runs, tok)}
	}
	t.Run("accepted", func(t *testing.T) {
		snap, err := securePoll(t, kafka.Config{Brokers: c.Addrs(), SASL: &secure.SASL{Mechanism: secure.OAuthBearer, Token: tokenCmd(good)}})
		wantTopics(t, snap, err, "orders")
		b, err := os.ReadFile(runs)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		// One token per connection: the poll reaches the seed and each broker.
		if n := strings.Count(string(b), "run"); n < 2 || n != seen {
			t.Errorf("the command ran %d times for %d authentications, want one per authentication, more than one", n, seen)
		}
	})
	t.Run("refused", func(t *testing.T) {
		_, err := securePoll(t, kafka.Config{Brokers: c.Addrs(), SASL: &secure.SASL{Mechanism: secure.OAuthBearer, Token: tokenCmd("eyJ.stale-token.sig")}})
		wantFailure(t, err, "SASL OAUTHBEARER authentication failed: the broker refused the credentials: invalid_token: the token has expired (broker 127.0.0.1:")
	})
	t.Run("a token command that fails", func(t *testing.T) {
		_, err := securePoll(t, kafka.Config{Brokers: c.Addrs(), SASL: &secure.SASL{Mechanism: secure.OAuthBearer, Token: secure.Secret{Cmd: "echo no login >&2; exit 3"}}})
		wantFailure(t, err, "read the OAUTHBEARER token from command: secret command failed: exit status 3 (its output is not shown: it may hold the secret)")
	})
}

// TestMSKIAM: MSK IAM against a broker that checks the SigV4-signed JSON as
// MSK does: every field present, the credential naming the access key and
// the region, and the signature verified with the secret key. Credentials
// come from the environment, a profile, or a command.
func TestMSKIAM(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1") // the broker's name, 127.0.0.1, carries none
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		t.Setenv(k, "")
	}
	creds := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(creds, []byte("[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = default-secret\n\n[prod]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret-key\naws_session_token = profile-session-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	for _, s := range []string{"env-secret-key", "env-session-token", "profile-secret-key", "profile-session-token", "cmd-secret-key"} {
		secretsSeen.Store(s, true)
	}

	for _, tc := range []struct {
		name          string
		env           map[string]string
		aws           secure.AWS
		key, secret   string // what the broker expects
		token         string
		wantFail      string
		brokerRefuses bool
	}{
		{name: "environment", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret-key", "AWS_SESSION_TOKEN": "env-session-token"},
			key: "AKIAENV", secret: "env-secret-key", token: "env-session-token"},
		{name: "profile", aws: secure.AWS{Profile: "prod"}, key: "AKIAPROFILE", secret: "profile-secret-key", token: "profile-session-token"},
		{name: "command", aws: secure.AWS{Cmd: secure.Secret{Cmd: `printf '{"Version":1,"AccessKeyId":"AKIACMD","SecretAccessKey":"cmd-secret-key"}'`}},
			key: "AKIACMD", secret: "cmd-secret-key"},
		{name: "a secret key the broker does not know", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret-key"},
			key: "AKIAENV", secret: "another-secret-key", brokerRefuses: true,
			wantFail: "SASL AWS_MSK_IAM authentication failed: the broker refused the credentials: signature does not match (broker 127.0.0.1:"},
		{name: "no credentials", wantFail: "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or a credentials command"},
		{name: "a profile that is missing", aws: secure.AWS{Profile: "staging"}, wantFail: "AWS profile staging is not in " + creds},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c := kafkatest.NewCluster(t, kfake.SeedTopics(2, "orders"))
			var checked atomic.Int32
			tokenBroker(c, "AWS_MSK_IAM", func(p []byte) ([]byte, error) {
				if err := checkSigV4(p, "127.0.0.1", "eu-west-1", tc.key, tc.secret, tc.token); err != nil {
					return nil, err
				}
				checked.Add(1)
				// MSK answers an accepted signature with its request's id.
				return []byte(`{"version":"2020_10_22","request-id":"r-1"}`), nil
			})
			snap, err := securePoll(t, kafka.Config{Brokers: c.Addrs(), SASL: &secure.SASL{Mechanism: secure.AWSMSKIAM, AWS: tc.aws}})
			if tc.wantFail != "" {
				wantFailure(t, err, tc.wantFail)
				return
			}
			wantTopics(t, snap, err, "orders")
			if checked.Load() == 0 {
				t.Error("the broker checked no signature")
			}
		})
	}
}

// checkSigV4 verifies an MSK IAM payload as the broker would: the JSON
// fields, and the SigV4 signature over the presigned "GET /" request.
func checkSigV4(payload []byte, host, region, key, secret, token string) error {
	var f map[string]string
	if err := json.Unmarshal(payload, &f); err != nil {
		return fmt.Errorf("payload is not JSON: %v", err)
	}
	for k, want := range map[string]string{
		"version": "2020_10_22", "host": host, "action": "kafka-cluster:Connect",
		"x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-signedheaders": "host", "x-amz-expires": "900",
	} {
		if f[k] != want {
			return fmt.Errorf("field %s = %q, want %q", k, f[k], want)
		}
	}
	for _, k := range []string{"user-agent", "x-amz-date", "x-amz-signature"} {
		if f[k] == "" {
			return fmt.Errorf("field %s missing", k)
		}
	}
	date := f["x-amz-date"]
	if len(date) != len("20060102T150405Z") {
		return fmt.Errorf("x-amz-date %q", date)
	}
	scope := date[:8] + "/" + region + "/kafka-cluster/aws4_request"
	if f["x-amz-credential"] != key+"/"+scope {
		return fmt.Errorf("x-amz-credential %q, want the key %s and the scope %s", f["x-amz-credential"], key, scope)
	}
	if f["x-amz-security-token"] != token {
		return errors.New("session token is not the one expected")
	}
	q := url.Values{}
	q.Set("Action", f["action"])
	q.Set("X-Amz-Algorithm", f["x-amz-algorithm"])
	q.Set("X-Amz-Credential", f["x-amz-credential"])
	q.Set("X-Amz-Date", date)
	q.Set("X-Amz-Expires", f["x-amz-expires"])
	q.Set("X-Amz-SignedHeaders", f["x-amz-signedheaders"])
	if token != "" {
		q.Set("X-Amz-Security-Token", token)
	}
	canon := "GET\n/\n" + strings.ReplaceAll(q.Encode(), "+", "%20") + "\nhost:" + host + "\n\nhost\n" + hex.EncodeToString(sha256.New().Sum(nil))
	sum := sha256.Sum256([]byte(canon))
	toSign := "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	mac := func(k []byte, s string) []byte { h := hmac.New(sha256.New, k); h.Write([]byte(s)); return h.Sum(nil) }
	k := mac(mac(mac(mac([]byte("AWS4"+secret), date[:8]), region), "kafka-cluster"), "aws4_request")
	if hex.EncodeToString(mac(k, toSign)) != f["x-amz-signature"] {
		return errors.New("signature does not match")
	}
	return nil
}

// TestTailTroubleSASL: a stream's client that cannot authenticate (the
// password changed after the dashboard connected) rides it out and says
// why, in the same words as the poll, from kgo's hooks.
func TestTailTroubleSASL(t *testing.T) {
	c := kafkatest.NewCluster(t, kfake.EnableSASL(), kfake.Superuser("PLAIN", "alice", "tail-right-pw"), kfake.SeedTopics(1, "orders"))
	var (
		mu sync.Mutex
		pw = "tail-right-pw"
	)
	secretsSeen.Store("tail-right-pw", true)
	secretsSeen.Store("tail-rotated-pw", true)
	password := secure.Secret{Env: "TOPICAT_TEST_PW", Getenv: func(string) string { mu.Lock(); defer mu.Unlock(); return pw }}
	s, err := kafka.New(kafka.Config{Brokers: c.Addrs(), Timeout: 5 * time.Second, SASL: &secure.SASL{Mechanism: secure.Plain, User: "alice", Password: password}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	wantTopics(t, poll(t, s), nil, "orders")
	mu.Lock()
	pw = "tail-rotated-pw"
	mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := s.Tail(ctx, sources.TailSpec{Topic: "orders"})
	if err != nil {
		t.Fatalf("Tail: %v", err)
	}
	defer st.Close()
	for {
		if _, err := st.Next(ctx, 10); err != nil {
			t.Fatalf("the tail never said what failed: %v", err)
		}
		if p := st.Problem(); p != "" {
			noSecretIn(t, p)
			if !strings.Contains(p, "SASL PLAIN authentication failed for user alice: wrong user name or password (broker 127.0.0.1:") {
				t.Errorf("the tail's trouble does not say what failed: %s", p)
			}
			return
		}
	}
}

// TestNoSecretInErrors: with secrets read from a file, the environment and
// a command, failed authentications show none of them anywhere a person or
// a program reads: the poll's error, the snapshot's errors and brokers, its
// JSON, and a tail's trouble.
func TestNoSecretInErrors(t *testing.T) {
	const pw = "file-pw-Zq9"
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secretsSeen.Store(pw, true)
	secretsSeen.Store("cmd-pw-Xy7", true)
	c := kafkatest.NewCluster(t, kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "alice", "the-right-one"), kfake.SeedTopics(1, "orders"))
	for _, tc := range []struct {
		name string
		pw   secure.Secret
	}{
		{"file", secure.Secret{File: pwFile}},
		{"environment", envSecret("env-pw-Wv3")},
		{"command", secure.Secret{Cmd: "printf cmd-pw-Xy7"}},
		{"config file", func() secure.Secret {
			secretsSeen.Store("inline-pw-Uu1", true)
			return secure.Secret{Inline: "inline-pw-Uu1"}
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := kafka.New(kafka.Config{Brokers: c.Addrs(), Timeout: 5 * time.Second,
				SASL: &secure.SASL{Mechanism: secure.ScramSHA256, User: "alice", Password: tc.pw}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			snap, err := s.Poll(ctx)
			wantFailure(t, err, "wrong user name or password")
			b, jerr := json.Marshal(snap)
			if jerr != nil {
				t.Fatal(jerr)
			}
			noSecretIn(t, string(b))
			noSecretIn(t, fmt.Sprintf("%+v %#v", snap, tc.pw))
			st, err := s.Tail(ctx, sources.TailSpec{Topic: "orders"})
			if err != nil {
				wantFailure(t, err, "wrong user name or password")
				return
			}
			defer st.Close()
			// The stream rides out its trouble: read what it says of it.
			for {
				if _, err := st.Next(ctx, 10); err != nil {
					t.Fatalf("the tail never said what failed: %v", err)
				}
				if p := st.Problem(); p != "" {
					noSecretIn(t, p)
					if !strings.Contains(p, "wrong user name or password") {
						t.Errorf("the tail's trouble does not say what failed: %s", p)
					}
					return
				}
			}
		})
	}
}
