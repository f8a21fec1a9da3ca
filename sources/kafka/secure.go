package kafka

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/aws"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/topicat/topicat/sources/secure"
)

// secureOpts turn Config.TLS and Config.SASL into kgo options, shared by every
// client of the source. The returned guard remembers what the connections
// met, so that TLS and SASL failures can be worded (see guard.word). timeout
// bounds reading a secret (a command may hang) at each authentication.
func secureOpts(cfg Config, seeds []string, timeout time.Duration) ([]kgo.Opt, *guard, error) {
	g := newGuard()
	var opts []kgo.Opt
	if cfg.TLS != nil {
		tc, err := cfg.TLS.Config()
		if err != nil {
			return nil, nil, fmt.Errorf("kafka: %w", err)
		}
		g.tls = tc
		g.tlsClientCert = len(tc.Certificates) > 0
		g.tlsFrom = "the system's trusted CAs"
		if cfg.TLS.CAFile != "" {
			g.tlsFrom = "the CA file " + cfg.TLS.CAFile
		}
		g.dialTimeout = dialTimeout(timeout)
		opts = append(opts, kgo.Dialer(g.dial))
	}
	if cfg.SASL != nil {
		m, err := mechanism(*cfg.SASL, seeds)
		if err != nil {
			return nil, nil, fmt.Errorf("kafka: %w", err)
		}
		g.mech = &authMech{inner: m, user: cfg.SASL.User, timeout: timeout, guard: g}
		opts = append(opts, kgo.SASL(g.mech))
	}
	opts = append(opts, kgo.WithHooks(g))
	return opts, g, nil
}

// mechanism is franz-go's mechanism for s. Secrets are read at each
// authentication, so that a rotated password or a token command's new token
// is used by the next connection, and nothing is kept in memory in between.
func mechanism(s secure.SASL, seeds []string) (sasl.Mechanism, error) {
	switch s.Mechanism {
	case secure.Plain, secure.ScramSHA256, secure.ScramSHA512:
		if s.User == "" {
			return nil, fmt.Errorf("SASL %s needs a user name", mechName(s.Mechanism))
		}
		if s.Password.IsZero() {
			return nil, fmt.Errorf("SASL %s needs the password of user %s (from an environment variable, a file or a command)", mechName(s.Mechanism), s.User)
		}
	}
	userPass := func(ctx context.Context) (string, string, error) {
		pw, err := s.Password.Resolve(ctx)
		if err != nil {
			return "", "", fmt.Errorf("read the password of user %s from %s: %w", s.User, s.Password.From(), err)
		}
		return s.User, pw, nil
	}
	switch s.Mechanism {
	case secure.Plain:
		return plain.Plain(func(ctx context.Context) (plain.Auth, error) {
			u, p, err := userPass(ctx)
			return plain.Auth{User: u, Pass: p}, err
		}), nil
	case secure.ScramSHA256, secure.ScramSHA512:
		fn := func(ctx context.Context) (scram.Auth, error) {
			u, p, err := userPass(ctx)
			return scram.Auth{User: u, Pass: p}, err
		}
		if s.Mechanism == secure.ScramSHA256 {
			return scram.Sha256(fn), nil
		}
		return scram.Sha512(fn), nil
	case secure.OAuthBearer:
		if s.Token.IsZero() {
			return nil, fmt.Errorf("SASL OAUTHBEARER needs a token (from an environment variable, a file or a command)")
		}
		return oauth.Oauth(func(ctx context.Context) (oauth.Auth, error) {
			tok, err := s.Token.Resolve(ctx)
			if err != nil {
				return oauth.Auth{}, fmt.Errorf("read the OAUTHBEARER token from %s: %w", s.Token.From(), err)
			}
			return oauth.Auth{Token: tok}, nil
		}), nil
	case secure.AWSMSKIAM:
		if err := checkRegion(s.AWS.Region, seeds); err != nil {
			return nil, err
		}
		return aws.ManagedStreamingIAM(func(ctx context.Context) (aws.Auth, error) {
			c, err := awsCredentials(ctx, s.AWS, nil)
			if err != nil {
				return aws.Auth{}, err
			}
			return aws.Auth{AccessKey: c.AccessKeyID, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken}, nil
		}), nil
	case "":
		return nil, fmt.Errorf("SASL needs a mechanism: one of %s", strings.Join(secure.Mechanisms, ", "))
	}
	return nil, fmt.Errorf("unknown SASL mechanism %q: use one of %s", s.Mechanism, strings.Join(secure.Mechanisms, ", "))
}

// mechName is how Kafka names a mechanism ("SCRAM-SHA-256"), for messages.
func mechName(m string) string {
	if m == secure.AWSMSKIAM {
		return "AWS_MSK_IAM"
	}
	return strings.ToUpper(m)
}

// checkRegion: franz-go's MSK IAM signer takes the region from the broker's
// host name (MSK's names carry it) or else from $AWS_REGION, and cannot be
// handed one. A region set in the configuration is therefore only accepted
// where the signer will use that same region, never silently ignored.
func checkRegion(region string, seeds []string) error {
	if region == "" {
		return nil
	}
	for _, a := range seeds {
		host, _, _ := net.SplitHostPort(a)
		if strings.Contains("."+strings.ToLower(host)+".", "."+strings.ToLower(region)+".") {
			continue
		}
		return fmt.Errorf("AWS MSK IAM: the broker name %s does not carry the region %s; the signer takes the region from the broker's name, or from $AWS_REGION for a name without one: set AWS_REGION instead of the region setting", host, region)
	}
	return nil
}

// tlsConfigFor is the TLS configuration a probe of addr uses: the source's
// own, naming the host dialled when no server name is set, as kgo does.
func tlsConfigFor(tc *tls.Config, addr string) *tls.Config {
	if tc == nil {
		return nil
	}
	c := tc.Clone()
	if c.ServerName == "" {
		c.ServerName, _, _ = net.SplitHostPort(addr)
	}
	return c
}
