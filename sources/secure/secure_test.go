package secure_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/topicat/topicat/sources/secure"
)

// planted is the secret every test hides; no output may carry it.
const planted = "hunter2-Zq9!planted"

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestResolve(t *testing.T) {
	env := map[string]string{"PW": planted, "EMPTY": ""}
	getenv := func(k string) string { return env[k] }
	file := writeFile(t, "pw", "\n  "+planted+"  \n")
	tests := []struct {
		name string
		s    secure.Secret
	}{
		{"env", secure.Secret{Env: "PW", Getenv: getenv}},
		{"file, trimmed", secure.Secret{File: file}},
		{"command, trimmed", secure.Secret{Cmd: "printf '%s\\n' '" + planted + "'"}},
		{"inline", secure.Secret{Inline: planted}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.s.Resolve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got != planted {
				t.Fatalf("Resolve = %q, want the planted secret", got)
			}
		})
	}
}

// TestResolveErrorsSayWhereNotWhat: each failure says where it looked, and
// never carries what a command printed on stdout or a file held.
func TestResolveErrorsSayWhereNotWhat(t *testing.T) {
	getenv := func(k string) string { return map[string]string{"EMPTY": ""}[k] }
	empty := writeFile(t, "empty", " \n")
	tests := []struct {
		name string
		s    secure.Secret
		want string
	}{
		{"env unset", secure.Secret{Env: "EMPTY", Getenv: getenv}, "environment variable EMPTY is empty or not set"},
		{"file missing", secure.Secret{File: "/nonexistent/pw"}, "read secret file: open /nonexistent/pw: no such file or directory"},
		{"file empty", secure.Secret{File: empty}, "secret file " + empty + " is empty"},
		{"command fails after printing the secret", secure.Secret{Cmd: "echo " + planted + "; exit 3"}, "secret command failed: exit status 3 (its output is not shown: it may hold the secret)"},
		{"command fails echoing the secret on stderr", secure.Secret{Cmd: "echo token=" + planted + " >&2; exit 1"}, "secret command failed: exit status 1 (its output is not shown: it may hold the secret)"},
		{"command prints nothing", secure.Secret{Cmd: "true"}, "secret command printed nothing"},
		{"nothing set", secure.Secret{}, "no secret given"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.s.Resolve(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != tc.want {
				t.Fatalf("error %q, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), planted) {
				t.Fatalf("error carries the secret: %q", err)
			}
		})
	}
}

func TestResolveCommandStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (secure.Secret{Cmd: "sleep 600"}).Resolve(ctx); err == nil {
		t.Fatal("a cancelled context's command succeeded")
	}
}

// TestSecretNeverPrints: every way Go prints a value prints <redacted>,
// alone and inside the structs that carry secrets.
func TestSecretNeverPrints(t *testing.T) {
	secrets := map[string]secure.Secret{
		"inline": {Inline: planted},
		"env":    {Env: planted}, // even a secret's source is not printed by these
		"file":   {File: planted},
		"cmd":    {Cmd: "echo " + planted},
	}
	for name, s := range secrets {
		sasl := secure.SASL{Mechanism: secure.ScramSHA512, User: "u", Password: s, Token: s, AWS: secure.AWS{Cmd: s}}
		auth := secure.NSQAuth{Secret: s, LookupdPassword: s, Headers: map[string]secure.Secret{"Authorization": s}}
		for _, v := range []any{s, &s, sasl, &sasl, auth} {
			outs := map[string]string{
				"%v":  fmt.Sprintf("%v", v),
				"%+v": fmt.Sprintf("%+v", v),
				"%#v": fmt.Sprintf("%#v", v),
				"%s":  fmt.Sprintf("%s", v),
			}
			var j strings.Builder
			enc := json.NewEncoder(&j)
			enc.SetEscapeHTML(false) // so that <redacted> reads as itself
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			outs["json"] = j.String()
			y, err := yaml.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			outs["yaml"] = string(y)
			for how, out := range outs {
				if strings.Contains(out, planted) {
					t.Errorf("%s secret printed with %s: %s", name, how, out)
				}
				if !strings.Contains(out, secure.Redacted) {
					t.Errorf("%s secret printed with %s lacks %s: %s", name, how, secure.Redacted, out)
				}
			}
		}
	}
}

func TestFromSaysWhereOnly(t *testing.T) {
	tests := []struct {
		s    secure.Secret
		want string
	}{
		{secure.Secret{Env: "PW"}, "$PW"},
		{secure.Secret{File: "/etc/pw"}, "file /etc/pw"},
		{secure.Secret{Cmd: "vault read " + planted}, "command"},
		{secure.Secret{Inline: planted}, "the config file"},
		{secure.Secret{}, "nowhere"},
	}
	for _, tc := range tests {
		if got := tc.s.From(); got != tc.want {
			t.Errorf("From() = %q, want %q", got, tc.want)
		}
	}
}

// testCert writes a self-signed CA certificate and its key as PEM files.
func testCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "topicat test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = writeFile(t, "cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	keyFile = writeFile(t, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})))
	return certFile, keyFile
}

func TestTLSConfig(t *testing.T) {
	cert, key := testCert(t)
	notPEM := writeFile(t, "ca.txt", "not a certificate")
	tests := []struct {
		name  string
		tls   *secure.TLS
		want  string // the error; "" for none
		check func(t *testing.T, tls *secure.TLS)
	}{
		{"nil is plaintext", nil, "", nil},
		{"CA, client certificate, name", &secure.TLS{CAFile: cert, CertFile: cert, KeyFile: key, ServerName: "kafka.internal"}, "", nil},
		{"insecure", &secure.TLS{InsecureSkipVerify: true}, "", nil},
		{"CA missing", &secure.TLS{CAFile: "/nonexistent/ca.pem"}, "read TLS CA file: open /nonexistent/ca.pem: no such file or directory", nil},
		{"CA not PEM", &secure.TLS{CAFile: notPEM}, "TLS CA file " + notPEM + " holds no PEM certificate", nil},
		{"cert without key", &secure.TLS{CertFile: cert}, "a TLS client certificate needs both a certificate file and a key file", nil},
		{"key without cert", &secure.TLS{KeyFile: key}, "a TLS client certificate needs both a certificate file and a key file", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.tls.Config()
			if tc.want != "" {
				if err == nil || err.Error() != tc.want {
					t.Fatalf("error %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.tls == nil {
				if c != nil {
					t.Fatal("nil TLS gave a config")
				}
				return
			}
			if c.ServerName != tc.tls.ServerName || c.InsecureSkipVerify != tc.tls.InsecureSkipVerify || c.MinVersion == 0 {
				t.Fatalf("config %+v from %+v", c, tc.tls)
			}
			if (tc.tls.CAFile != "") != (c.RootCAs != nil) || (tc.tls.CertFile != "") != (len(c.Certificates) == 1) {
				t.Fatalf("CA or client certificate not loaded: %+v", c)
			}
		})
	}
}

func TestIsZero(t *testing.T) {
	if !(secure.Secret{}).IsZero() || (secure.Secret{Cmd: "x"}).IsZero() {
		t.Fatal("Secret.IsZero")
	}
	if !(secure.NSQAuth{}).IsZero() || (secure.NSQAuth{LookupdUser: "u"}).IsZero() || (secure.NSQAuth{Headers: map[string]secure.Secret{"A": {}}}).IsZero() {
		t.Fatal("NSQAuth.IsZero")
	}
}

// A secret command that leaves a grandchild holding its output is killed
// with its whole process group when the context ends: Resolve returns.
func TestResolveCommandCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := secure.Secret{Cmd: "sleep 600 & sleep 600; echo x"}.Resolve(ctx)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond) // most likely started by now; a hang fails the test by its timeout
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "secret command did not finish") {
		t.Fatalf("Resolve after cancel: %v", err)
	}
}
