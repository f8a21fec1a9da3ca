// Package secure says how topicat reaches a secured cluster: TLS settings,
// SASL and NSQ auth, and the secrets they need. It holds no client library:
// sources/kafka and sources/nsq turn these into their clients' options, and
// cmd/topicat fills them from flags and the config file.
//
// A secret is kept as where to find it (an environment variable, a file, a
// command) and read only when a connection needs it, so that it never sits
// in argv, in a config dump or in an error; every way of printing a Secret
// prints "<redacted>" or where it comes from, never the value.
package secure

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// Redacted is what is shown in place of a secret.
const Redacted = "<redacted>"

// Secret is where a password, token or key is found. At most one of Env,
// File, Cmd and Inline is set.
type Secret struct {
	Env    string // an environment variable's name
	File   string // a file's path; surrounding whitespace is trimmed
	Cmd    string // a shell command (sh -c); its standard output, trimmed
	Inline string // written in the config file itself: accepted, with a warning
	// Getenv reads the environment; nil means the process's.
	Getenv func(string) string
}

// IsZero reports whether no source is set.
func (s Secret) IsZero() bool { return s.Env == "" && s.File == "" && s.Cmd == "" && s.Inline == "" }

// From says where the secret comes from, never what it is: "$TOPICAT_SASL_PASSWORD",
// "file /etc/topicat/pw", "command", "the config file".
func (s Secret) From() string {
	switch {
	case s.Env != "":
		return "$" + s.Env
	case s.File != "":
		return "file " + s.File
	case s.Cmd != "":
		return "command"
	case s.Inline != "":
		return "the config file"
	}
	return "nowhere"
}

func (s Secret) String() string   { return Redacted }
func (s Secret) GoString() string { return Redacted }

// MarshalJSON and MarshalYAML never write the value.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }
func (s Secret) MarshalYAML() (any, error)    { return Redacted, nil }

// Resolve reads the secret. Its errors say where it looked, never what it found.
func (s Secret) Resolve(ctx context.Context) (string, error) {
	switch {
	case s.Env != "":
		getenv := s.Getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		v := getenv(s.Env)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is empty or not set", s.Env)
		}
		return v, nil
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("secret file %s is empty", s.File)
		}
		return v, nil
	case s.Cmd != "":
		var out bytes.Buffer
		c := exec.CommandContext(ctx, "sh", "-c", s.Cmd)
		c.Stdout = &out
		// Its own process group, killed whole when ctx ends, and no long
		// wait on a grandchild holding the pipe: a quit or a :ctx switch
		// never hangs on a secret command.
		killGroupOnCancel(c)
		c.WaitDelay = 500 * time.Millisecond
		// Its stderr is not kept: a helper that fails verbosely (set -x, a
		// debug line) may print the very secret there.
		if err := c.Run(); err != nil {
			if ctx.Err() != nil {
				return "", fmt.Errorf("secret command did not finish: %w", ctx.Err())
			}
			return "", fmt.Errorf("secret command failed: %w (its output is not shown: it may hold the secret)", err)
		}
		v := strings.TrimSpace(out.String())
		if v == "" {
			return "", errors.New("secret command printed nothing")
		}
		return v, nil
	case s.Inline != "":
		return s.Inline, nil
	}
	return "", errors.New("no secret given")
}

// TLS is how to verify the server and who to be. A nil *TLS means plaintext.
type TLS struct {
	CAFile             string // PEM bundle trusted instead of the system's roots
	CertFile, KeyFile  string // a client certificate, both or neither
	ServerName         string // the name the certificate must carry; default the host dialled
	InsecureSkipVerify bool   // trust any certificate: shown as a warning in the header
}

// Config builds the crypto/tls configuration. Its errors name the file and
// what is wrong with it in words.
func (t *TLS) Config() (*tls.Config, error) {
	if t == nil {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read TLS CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS CA file %s holds no PEM certificate", t.CAFile)
		}
		c.RootCAs = pool
	}
	switch {
	case t.CertFile != "" && t.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load TLS client certificate %s and key %s: %w", t.CertFile, t.KeyFile, err)
		}
		c.Certificates = []tls.Certificate{cert}
	case t.CertFile != "" || t.KeyFile != "":
		return nil, errors.New("a TLS client certificate needs both a certificate file and a key file")
	}
	return c, nil
}

// SASL mechanisms topicat speaks to Kafka, as --sasl-mechanism names them.
const (
	Plain       = "plain"
	ScramSHA256 = "scram-sha-256"
	ScramSHA512 = "scram-sha-512"
	OAuthBearer = "oauthbearer"
	AWSMSKIAM   = "aws-msk-iam"
)

// Mechanisms are the SASL mechanisms, in the order help lists them.
var Mechanisms = []string{Plain, ScramSHA256, ScramSHA512, OAuthBearer, AWSMSKIAM}

// SASL is Kafka's authentication. A nil *SASL means none.
type SASL struct {
	Mechanism string // one of Mechanisms
	User      string // plain, scram
	Password  Secret // plain, scram
	Token     Secret // oauthbearer: the bearer token, read again at each authentication
	AWS       AWS    // aws-msk-iam
}

// AWS is where MSK IAM finds credentials: the standard environment
// variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)
// unless a profile or a command says otherwise.
type AWS struct {
	Region  string // signs for this region; default AWS_REGION
	Profile string // from the shared credentials file (~/.aws/credentials)
	// Cmd prints credentials as JSON, the credential_process format
	// ({"AccessKeyId":…,"SecretAccessKey":…,"SessionToken":…}).
	Cmd Secret
}

// NSQAuth is what secured NSQ deployments ask for.
type NSQAuth struct {
	// Secret is sent with AUTH on nsqd's TCP port (tail, publish over TCP)
	// and as the auth secret on its HTTP API when nsqd runs with an auth server.
	Secret Secret
	// LookupdUser and LookupdPassword are basic auth for lookupds (and nsqd
	// HTTP) behind a proxy; Headers are sent with every HTTP request.
	LookupdUser     string
	LookupdPassword Secret
	Headers         map[string]Secret
}

// IsZero reports whether no NSQ auth is configured.
func (a NSQAuth) IsZero() bool {
	return a.Secret.IsZero() && a.LookupdUser == "" && a.LookupdPassword.IsZero() && len(a.Headers) == 0
}

// CertNames lists the names a certificate is valid for (DNS names, IP
// addresses, else its common name), for an error that says why a name did
// not match.
func CertNames(c *x509.Certificate) string {
	names := slices.Clone(c.DNSNames)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, c.Subject.CommonName)
	}
	if len(names) == 0 {
		return "no name"
	}
	return strings.Join(names, ", ")
}
