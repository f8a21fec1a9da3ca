package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

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
}

// listFlag collects a flag given several times or comma separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// commonFlags are the flags every command that talks to a cluster takes.
type commonFlags struct {
	brokers, lookupd, nsqd listFlag
	refresh, timeout       time.Duration
	readOnly               bool
	theme, config, context string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.Var(&c.brokers, "brokers", "Kafka bootstrap brokers `host:port,…` (repeatable)")
	fs.Var(&c.brokers, "b", "alias of --brokers, as in kcat")
	fs.Var(&c.lookupd, "lookupd", "nsqlookupd HTTP `addresses` http://host:4161,… (repeatable)")
	fs.Var(&c.nsqd, "nsqd", "nsqd HTTP `addresses` host:4151,… (repeatable)")
	fs.DurationVar(&c.refresh, "refresh", 2*time.Second, "time between polls")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Second, "limit on one poll, connection included")
	fs.BoolVar(&c.readOnly, "read-only", false, "refuse every action that would change a cluster")
	fs.StringVar(&c.theme, "theme", "", "colour theme: "+strings.Join(themes.Names(), ", "))
	fs.StringVar(&c.config, "config", "", "config `file` (default $XDG_CONFIG_HOME/topicat/config.yaml; TOPICAT_CONFIG)")
	fs.StringVar(&c.context, "context", "", "config context to use")
	fs.StringVar(&c.context, "c", "", "alias of --context")
}

// newFlagSet makes a subcommand's flag set with the common flags registered.
func newFlagSet(name string, cf *commonFlags) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cf.register(fs)
	return fs
}

// parseFlags parses args; -h prints the usage and flags to out, a bad flag is
// a one-line usage error.
func parseFlags(fs *flag.FlagSet, args []string, out io.Writer, usage string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(out, usage)
		fmt.Fprintln(out, "\nFlags:")
		fs.SetOutput(out)
		fs.PrintDefaults()
		return err
	}
	if err != nil {
		help := "topicat " + fs.Name() + " -h"
		if fs.Name() == "topicat" {
			help = "topicat -h"
		}
		return usageErr("%v (see %s)", err, help)
	}
	return nil
}

// resolve merges flags over the config context over defaults.
func (c *commonFlags) resolve(fs *flag.FlagSet, env func(string) string) (settings, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	s := settings{Refresh: c.refresh, Timeout: c.timeout, ReadOnly: c.readOnly, Theme: c.theme}

	path, required := c.config, c.config != ""
	if path == "" {
		if path = env("TOPICAT_CONFIG"); path != "" {
			required = true
		} else {
			path = defaultConfigPath(env)
		}
	}
	var cfg *fileConfig
	if path != "" {
		var err error
		if cfg, err = loadConfig(path, required); err != nil {
			return s, err
		}
	} else {
		cfg = &fileConfig{}
	}
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
		s.Context = name
		s.Brokers = ctx.Kafka.Brokers
		s.Lookupd, s.NSQD = ctx.NSQ.Lookupd, ctx.NSQ.NSQD
		if !set["refresh"] && ctx.Refresh > 0 {
			s.Refresh = time.Duration(ctx.Refresh)
		}
		if !set["timeout"] && ctx.Timeout > 0 {
			s.Timeout = time.Duration(ctx.Timeout)
		}
		s.ReadOnly = s.ReadOnly || ctx.ReadOnly // a read-only context cannot be made writable by accident
		if s.Theme == "" {
			s.Theme = ctx.Theme
		}
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
	if s.Refresh <= 0 {
		return s, errors.New("--refresh must be positive")
	}
	if s.Timeout <= 0 {
		return s, errors.New("--timeout must be positive")
	}
	// Addresses are checked by the sources themselves (kafka.New, nsq.New).
	return s, nil
}
