package main

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/topicat/topicat/sources/secure"
	"github.com/topicat/topicat/themes"
)

// settings are what a run needs, after flags, the config file and defaults.
type settings struct {
	Context  string
	Brokers  []string
	Lookupd  []string
	NSQD     []string
	Refresh  time.Duration
	Timeout  time.Duration
	ReadOnly bool
	Theme    string
	// Kafka's TLS and SASL, NSQ's TLS and auth: nil or zero for none.
	KafkaTLS *secure.TLS
	SASL     *secure.SASL
	NSQTLS   *secure.TLS
	NSQAuth  secure.NSQAuth
	// Label and Colour are the context's in the header.
	Label, Colour string
	// Contexts are the config file's context names; ConfigPath where it is.
	Contexts   []string
	ConfigPath string
	// Warnings are to print on stderr: a password written in the config.
	Warnings []string
	// reopen resolves another context's settings, for :ctx; nil when
	// the run cannot switch.
	reopen func(name string) (settings, error)
	// contextNotes are said beside a context in the :ctx picker (the demo's).
	contextNotes map[string]string
	// skipGroups is set by a one-shot get of a view that shows no groups.
	skipGroups bool
	// skipInactive is set by a one-shot get of a view that shows no
	// inactive NSQ registrations (only the inactive and lookupds views do).
	skipInactive bool
}

// listFlag collects a flag given several times or comma separated, as kcat's
// -b. Unlike pflag's StringSlice it trims spaces and skips empty elements, so
// "-b a:1,,b:2 " and a trailing comma from a script are harmless.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Type() string   { return "strings" }

func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// clusterFlags are the flags every command that talks to a cluster takes. They
// are persistent flags of the root command, so they go anywhere on the line.
type clusterFlags struct {
	brokers, lookupd, nsqd listFlag
	refresh, timeout       time.Duration
	readOnly               bool
	theme, config, context string
	sec                    securityFlags
}

// register defines the flags on fs (the root command's persistent flags).
func (c *clusterFlags) register(fs *pflag.FlagSet) {
	// pflag shows the back-quoted word as the value's name in the help.
	fs.VarP(&c.brokers, "brokers", "b", "Kafka bootstrap brokers as `host:port`, repeatable and comma-separated")
	fs.Var(&c.lookupd, "lookupd", "nsqlookupd HTTP addresses as `http://host:4161`, repeatable and comma-separated")
	fs.Var(&c.nsqd, "nsqd", "nsqd HTTP addresses as `host:4151`, repeatable and comma-separated")
	fs.DurationVar(&c.refresh, "refresh", 2*time.Second, "time between polls")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Second, "limit on one poll, connecting included")
	fs.BoolVar(&c.readOnly, "read-only", false, "refuse every action that would change a cluster")
	fs.StringVar(&c.theme, "theme", "", "colour theme `name`: "+strings.Join(themes.Names(), ", "))
	fs.StringVar(&c.config, "config", "", "config `file` (default $XDG_CONFIG_HOME/topicat/config.yaml; TOPICAT_CONFIG)")
	fs.StringVarP(&c.context, "context", "c", "", "the config file's context to use, by `name`")
	c.sec.register(fs)
}

// addressed reports whether any cluster address or context was given.
func (c *clusterFlags) addressed() bool {
	return len(c.brokers)+len(c.lookupd)+len(c.nsqd) > 0 || c.context != ""
}

// configPath is the config file to read: --config, then TOPICAT_CONFIG, then
// the default path. named is true for the first two: that file must exist.
func (c *clusterFlags) configPath(env func(string) string) (path string, named bool) {
	if p := cmp.Or(c.config, env("TOPICAT_CONFIG")); p != "" {
		return p, true
	}
	return defaultConfigPath(env), false
}

// readConfig reads the config file the flags and environment point at; no
// file at the default path is an empty config.
func (c *clusterFlags) readConfig(env func(string) string) (*fileConfig, string, error) {
	path, named := c.configPath(env)
	if path == "" {
		return &fileConfig{}, "", nil
	}
	cfg, err := loadConfig(path, named, env)
	return cfg, path, err
}

// resolve merges flags over the config context over defaults. fs is the
// parsed flag set, to tell a flag given at its default from one not given.
func (c *clusterFlags) resolve(fs *pflag.FlagSet, env func(string) string) (settings, error) {
	s := settings{Refresh: c.refresh, Timeout: c.timeout, ReadOnly: c.readOnly, Theme: c.theme}
	cfg, path, err := c.readConfig(env)
	if err != nil {
		return s, err
	}
	s.Contexts, s.ConfigPath, s.Warnings = cfg.names(), path, cfg.Warnings
	name := c.context
	if name == "" {
		name = cfg.CurrentContext
	}
	if name != "" {
		ctx, ok := cfg.Contexts[name]
		if !ok {
			if len(cfg.Contexts) == 0 {
				return s, fmt.Errorf("context %q: no contexts are defined (config file %s)", name, path)
			}
			return s, fmt.Errorf("context %q is not in %s (contexts: %s)", name, path, strings.Join(cfg.names(), ", "))
		}
		s.applyContext(name, ctx, fs)
	}
	if name == "" && len(cfg.Contexts) > 0 && len(c.brokers)+len(c.lookupd)+len(c.nsqd) == 0 {
		return s, fmt.Errorf("no cluster given and %s has no current-context: pick one with --context NAME or `topicat config use NAME` (contexts: %s)", path, cfg.list())
	}
	if s.Theme == "" {
		s.Theme = cfg.Theme
	}
	if s.Theme == "" {
		s.Theme = themes.Default
	}
	// Addresses on the command line replace the context's for that system.
	if len(c.brokers) > 0 {
		s.Brokers = c.brokers
	}
	if len(c.lookupd) > 0 || len(c.nsqd) > 0 {
		s.Lookupd, s.NSQD = c.lookupd, c.nsqd
	}
	if err := c.sec.apply(&s, fs, env); err != nil {
		if s.Context != "" {
			return s, fmt.Errorf("context %s: %w", s.Context, err)
		}
		return s, err
	}
	if err := floors(s); err != nil {
		return s, err
	}
	if w := s.inClear(); w != "" {
		s.Warnings = append(s.Warnings, w)
	}
	// Addresses are checked by the sources themselves (kafka.New, nsq.New).
	return s, nil
}

// inClear warns of a SASL mechanism that sends its secret as it is (PLAIN's
// password, OAUTHBEARER's token) over a connection without TLS: anyone on
// the path reads it. SCRAM and MSK IAM send no reusable secret.
func (s settings) inClear() string {
	if s.SASL == nil || s.KafkaTLS != nil || len(s.Brokers) == 0 {
		return ""
	}
	switch s.SASL.Mechanism {
	case secure.Plain, secure.OAuthBearer:
		return fmt.Sprintf("SASL %s without TLS sends the %s in clear to every broker; add --tls (tls: in the context)",
			strings.ToUpper(s.SASL.Mechanism), map[string]string{secure.Plain: "password", secure.OAuthBearer: "token"}[s.SASL.Mechanism])
	}
	return ""
}

// applyContext takes a config context's settings; flags given on the
// command line are applied after it.
func (s *settings) applyContext(name string, ctx contextConfig, fs *pflag.FlagSet) {
	s.Context, s.Label, s.Colour = name, cmp.Or(ctx.Label, name), ctx.Colour
	s.Brokers = ctx.Kafka.Brokers
	s.Lookupd, s.NSQD = ctx.NSQ.Lookupd, ctx.NSQ.NSQD
	s.KafkaTLS, s.SASL = ctx.Kafka.TLS, ctx.Kafka.SASL
	s.NSQTLS, s.NSQAuth = ctx.NSQ.TLS, ctx.NSQ.Auth
	if !fs.Changed("refresh") && ctx.Refresh > 0 {
		s.Refresh = ctx.Refresh
	}
	if !fs.Changed("timeout") && ctx.Timeout > 0 {
		s.Timeout = ctx.Timeout
	}
	s.ReadOnly = s.ReadOnly || ctx.ReadOnly // a read-only context cannot be made writable by accident
	if s.Theme == "" {
		s.Theme = ctx.Theme
	}
}

// floors refuses a refresh or timeout too small to mean anything, with the reason.
func floors(s settings) error {
	switch {
	case s.Refresh < minRefresh:
		return fmt.Errorf("--refresh %s is below the floor of %s: polling faster only burns CPU", s.Refresh, minRefresh)
	case s.Timeout < minTimeout:
		return fmt.Errorf("--timeout %s is below the floor of %s: no connection completes that fast", s.Timeout, minTimeout)
	}
	return nil
}
