package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/topicat/topicat/sources/secure"
)

// Environment variables that carry a secret for a one-off run: a secret is
// never a flag's value, since argv is readable by every user of the host.
const (
	envSASLPassword  = "TOPICAT_SASL_PASSWORD"
	envSASLToken     = "TOPICAT_SASL_TOKEN"
	envNSQAuthSecret = "TOPICAT_NSQ_AUTH_SECRET"
)

// securityFlags mirror a context's TLS, SASL and NSQ auth for one-off use.
// A flag given changes that one setting of the context's; the rest stays.
type securityFlags struct {
	kafkaTLS, nsqTLS        tlsFlags
	mechanism, user         string
	passwordFile, tokenFile string
	nsqSecretFile           string
}

type tlsFlags struct {
	prefix                    string // "" for Kafka, "nsq-" for NSQ
	on, insecure              bool
	ca, cert, key, serverName string
}

func (f *securityFlags) register(fs *pflag.FlagSet) {
	f.kafkaTLS.register(fs, "", "Kafka")
	fs.StringVar(&f.mechanism, "sasl-mechanism", "", "Kafka SASL `mechanism`: "+strings.Join(secure.Mechanisms, ", "))
	fs.StringVar(&f.user, "sasl-user", "", "Kafka SASL `user` (plain, scram); the password comes from $"+envSASLPassword+" or --sasl-password-file")
	fs.StringVar(&f.passwordFile, "sasl-password-file", "", "read the Kafka SASL password from `file` (or set $"+envSASLPassword+")")
	fs.StringVar(&f.tokenFile, "sasl-token-file", "", "read the OAUTHBEARER token from `file` (or set $"+envSASLToken+")")
	f.nsqTLS.register(fs, "nsq-", "NSQ")
	fs.StringVar(&f.nsqSecretFile, "nsq-auth-secret-file", "", "read the nsqd auth secret from `file` (or set $"+envNSQAuthSecret+")")
}

func (t *tlsFlags) register(fs *pflag.FlagSet, prefix, system string) {
	t.prefix = prefix
	fs.BoolVar(&t.on, prefix+"tls", false, "connect to "+system+" over TLS (implied by the other --"+prefix+"tls flags)")
	fs.StringVar(&t.ca, prefix+"tls-ca", "", "trust the CA certificates in `file` (PEM) for "+system)
	fs.StringVar(&t.cert, prefix+"tls-cert", "", "client certificate `file` (PEM) for "+system+", with --"+prefix+"tls-key")
	fs.StringVar(&t.key, prefix+"tls-key", "", "client key `file` (PEM) for "+system+", with --"+prefix+"tls-cert")
	fs.StringVar(&t.serverName, prefix+"tls-server-name", "", "the `name` "+system+"'s certificates must carry (default the host dialled)")
	fs.BoolVar(&t.insecure, prefix+"tls-insecure", false, "accept any certificate from "+system+" (shown as a warning in the header)")
}

// merge applies the TLS flags given over a context's TLS (nil: none).
func (t *tlsFlags) merge(base *secure.TLS, fs *pflag.FlagSet) (*secure.TLS, error) {
	ch := func(n string) bool { return fs.Changed(t.prefix + n) }
	others := ch("tls-ca") || ch("tls-cert") || ch("tls-key") || ch("tls-server-name") || ch("tls-insecure")
	switch {
	case !ch("tls") && !others:
		return base, nil
	case ch("tls") && !t.on && !others: // --tls=false turns the context's off
		return nil, nil
	}
	out := secure.TLS{}
	if base != nil {
		out = *base
	}
	if ch("tls-ca") {
		out.CAFile = t.ca
	}
	if ch("tls-cert") {
		out.CertFile = t.cert
	}
	if ch("tls-key") {
		out.KeyFile = t.key
	}
	if ch("tls-server-name") {
		out.ServerName = t.serverName
	}
	if ch("tls-insecure") {
		out.InsecureSkipVerify = t.insecure
	}
	if (out.CertFile == "") != (out.KeyFile == "") {
		return nil, fmt.Errorf("--%stls-cert and --%stls-key go together: a client certificate needs both", t.prefix, t.prefix)
	}
	return &out, nil
}

// apply merges the security flags and environment into s.
func (f *securityFlags) apply(s *settings, fs *pflag.FlagSet, env func(string) string) error {
	var err error
	if s.KafkaTLS, err = f.kafkaTLS.merge(s.KafkaTLS, fs); err != nil {
		return err
	}
	if s.NSQTLS, err = f.nsqTLS.merge(s.NSQTLS, fs); err != nil {
		return err
	}
	if s.SASL, err = f.sasl(s.SASL, fs, env); err != nil {
		return err
	}
	a := &s.NSQAuth
	switch {
	case fs.Changed("nsq-auth-secret-file"):
		a.Secret = secure.Secret{File: f.nsqSecretFile}
	case a.Secret.IsZero() && env(envNSQAuthSecret) != "":
		a.Secret = secure.Secret{Env: envNSQAuthSecret, Getenv: env}
	}
	// A file that cannot be read says so now, naming it, not at the first poll.
	for _, t := range []struct {
		system string
		tls    *secure.TLS
	}{{"Kafka", s.KafkaTLS}, {"NSQ", s.NSQTLS}} {
		if _, err := t.tls.Config(); err != nil {
			return fmt.Errorf("%s TLS: %v", t.system, err)
		}
	}
	return nil
}

// sasl merges the SASL flags over a context's. A password or token in the
// environment fills what the context lacks, or replaces it when the SASL
// flags say this run is a one-off.
func (f *securityFlags) sasl(base *secure.SASL, fs *pflag.FlagSet, env func(string) string) (*secure.SASL, error) {
	oneOff := fs.Changed("sasl-mechanism") || fs.Changed("sasl-user") || fs.Changed("sasl-password-file") || fs.Changed("sasl-token-file")
	if !oneOff {
		if base == nil {
			return nil, nil
		}
		out := *base
		fromEnv(&out.Password, envSASLPassword, env, false)
		fromEnv(&out.Token, envSASLToken, env, false)
		return &out, needsSecret(&out, "password-env, password-file or password-cmd in the config file, or $"+envSASLPassword, "token-cmd in the config file, or $"+envSASLToken)
	}
	out := secure.SASL{}
	if base != nil {
		out = *base
	}
	if fs.Changed("sasl-mechanism") {
		out.Mechanism = strings.ToLower(f.mechanism)
		if !slices.Contains(secure.Mechanisms, out.Mechanism) {
			return nil, fmt.Errorf("--sasl-mechanism %q is not one of %s", f.mechanism, strings.Join(secure.Mechanisms, ", "))
		}
	}
	if fs.Changed("sasl-user") {
		out.User = f.user
	}
	if fs.Changed("sasl-password-file") {
		out.Password = secure.Secret{File: f.passwordFile}
	} else {
		fromEnv(&out.Password, envSASLPassword, env, true)
	}
	if fs.Changed("sasl-token-file") {
		out.Token = secure.Secret{File: f.tokenFile}
	} else {
		fromEnv(&out.Token, envSASLToken, env, true)
	}
	switch m := out.Mechanism; {
	case m == "":
		return nil, fmt.Errorf("the SASL flags need --sasl-mechanism: one of %s", strings.Join(secure.Mechanisms, ", "))
	case (m == secure.Plain || m == secure.ScramSHA256 || m == secure.ScramSHA512) && out.User == "":
		return nil, fmt.Errorf("SASL %s needs a user: --sasl-user", m)
	}
	return &out, needsSecret(&out, "set $"+envSASLPassword+" or --sasl-password-file (a password is never a flag's value)", "set $"+envSASLToken+", --sasl-token-file, or token-cmd in the config file")
}

// needsSecret says when a mechanism has no password or token to send, and
// where one may come from.
func needsSecret(s *secure.SASL, password, token string) error {
	switch s.Mechanism {
	case secure.Plain, secure.ScramSHA256, secure.ScramSHA512:
		if s.Password.IsZero() {
			return fmt.Errorf("SASL %s needs a password: %s", s.Mechanism, password)
		}
	case secure.OAuthBearer:
		if s.Token.IsZero() {
			return fmt.Errorf("SASL oauthbearer needs a token: %s", token)
		}
	}
	return nil
}

// fromEnv points a secret at an environment variable when it is set, if
// the secret has no source yet or replace says the variable wins.
func fromEnv(s *secure.Secret, name string, env func(string) string, replace bool) {
	if env(name) != "" && (replace || s.IsZero()) {
		*s = secure.Secret{Env: name, Getenv: env}
	}
}
