package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/topicat/topicat/sources/secure"
)

// newConfigCmd is `topicat config view|contexts|use NAME`: the config file
// as topicat reads it (secrets as <redacted>), its contexts, and which one
// is current.
func newConfigCmd(d *deps) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Show the config file, list its contexts, choose the current one",
		Long: `Show the config file as topicat reads it (secrets shown as <redacted>, with where they
come from), list its contexts, or choose the current one.

The file is $XDG_CONFIG_HOME/topicat/config.yaml, or --config, or $TOPICAT_CONFIG.`,
		Example: `  topicat config view
  topicat config view -c prod
  topicat config contexts
  topicat config use staging`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErr("config needs a command: view, contexts or use NAME (see topicat config --help)")
		},
	}
	c.AddCommand(
		&cobra.Command{
			Use:   "view",
			Short: "Print the config as read, secrets as <redacted> (one context with -c)",
			Args:  noArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				cfg, path, err := d.configFile(cmd)
				if err != nil {
					return err
				}
				return viewConfig(cmd.OutOrStdout(), cfg, path, d.cluster.context)
			},
		},
		&cobra.Command{
			Use:   "contexts",
			Short: "List the contexts, the current one marked *",
			Args:  noArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				cfg, path, err := d.configFile(cmd)
				if err != nil {
					return err
				}
				if len(cfg.Contexts) == 0 {
					return fmt.Errorf("%s defines no contexts (see topicat --help)", path)
				}
				width := 0
				for _, n := range cfg.names() {
					width = max(width, len(n))
				}
				for _, n := range cfg.names() {
					mark := " "
					if n == cfg.CurrentContext {
						mark = "*"
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", mark, strings.TrimSpace(fmt.Sprintf("%-*s  %s", width, n, describeContext(cfg.Contexts[n]))))
				}
				return nil
			},
		},
		&cobra.Command{
			Use:               "use NAME",
			Short:             "Make NAME the current context, keeping the file's comments",
			Args:              cobra.ExactArgs(1),
			ValidArgsFunction: completeContexts(d),
			RunE: func(cmd *cobra.Command, args []string) error {
				cfg, path, err := d.configFile(cmd)
				if err != nil {
					return err
				}
				name := args[0]
				if _, ok := cfg.Contexts[name]; !ok {
					return usageErr("no context %q in %s (contexts: %s)", name, path, cfg.list())
				}
				if err := setCurrentContext(path, name); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "current context is now %s (%s)\n", name, path)
				return nil
			},
		},
	)
	return c
}

// completeContexts offers the config file's context names.
func completeContexts(d *deps) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		cfg, _, err := d.cluster.readConfig(d.env)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return cfg.names(), cobra.ShellCompDirectiveNoFileComp
	}
}

// configFile reads the config file for a config subcommand: it must exist.
func (d *deps) configFile(cmd *cobra.Command) (*fileConfig, string, error) {
	path, _ := d.cluster.configPath(d.env)
	if path == "" {
		return nil, "", usageErr("no config file: neither $XDG_CONFIG_HOME nor $HOME is set; use --config FILE")
	}
	cfg, err := loadConfig(path, true, d.env)
	if err != nil {
		return nil, path, usageErr("%v", err)
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "topicat: warning:", w)
	}
	return cfg, path, nil
}

// describeContext is a context's line in `config contexts`.
func describeContext(c contextConfig) string {
	var parts []string
	if c.Label != "" {
		parts = append(parts, fmt.Sprintf("%q", c.Label))
	}
	if len(c.Kafka.Brokers) > 0 {
		parts = append(parts, "kafka "+strings.Join(c.Kafka.Brokers, ","))
	}
	if n := append(append([]string{}, c.NSQ.Lookupd...), c.NSQ.NSQD...); len(n) > 0 {
		parts = append(parts, "nsq "+strings.Join(n, ","))
	}
	if c.ReadOnly {
		parts = append(parts, "read-only")
	}
	return strings.Join(parts, "  ")
}

// The shape `config view` prints: the file's keys, each secret replaced by
// <redacted> and where it is read from.
type (
	configView struct {
		CurrentContext string                 `yaml:"current-context,omitempty"`
		Theme          string                 `yaml:"theme,omitempty"`
		Contexts       map[string]contextView `yaml:"contexts,omitempty"`
	}
	contextView struct {
		Label    string     `yaml:"label,omitempty"`
		Colour   string     `yaml:"colour,omitempty"`
		ReadOnly bool       `yaml:"read-only,omitempty"`
		Refresh  string     `yaml:"refresh,omitempty"`
		Timeout  string     `yaml:"timeout,omitempty"`
		Theme    string     `yaml:"theme,omitempty"`
		Kafka    *kafkaView `yaml:"kafka,omitempty"`
		NSQ      *nsqView   `yaml:"nsq,omitempty"`
	}
	kafkaView struct {
		Brokers []string  `yaml:"brokers,flow,omitempty"`
		TLS     *tlsView  `yaml:"tls,omitempty"`
		SASL    *saslView `yaml:"sasl,omitempty"`
	}
	nsqView struct {
		Lookupd         []string          `yaml:"lookupd,flow,omitempty"`
		NSQD            []string          `yaml:"nsqd,flow,omitempty"`
		TLS             *tlsView          `yaml:"tls,omitempty"`
		AuthSecret      string            `yaml:"auth-secret,omitempty"`
		LookupdUser     string            `yaml:"lookupd-user,omitempty"`
		LookupdPassword string            `yaml:"lookupd-password,omitempty"`
		Headers         map[string]string `yaml:"headers,omitempty"`
	}
	tlsView struct {
		Enabled    bool   `yaml:"enabled"`
		CA         string `yaml:"ca,omitempty"`
		Cert       string `yaml:"cert,omitempty"`
		Key        string `yaml:"key,omitempty"`
		ServerName string `yaml:"server-name,omitempty"`
		Insecure   bool   `yaml:"insecure-skip-verify,omitempty"`
	}
	saslView struct {
		Mechanism string `yaml:"mechanism"`
		User      string `yaml:"user,omitempty"`
		Password  string `yaml:"password,omitempty"`
		Token     string `yaml:"token,omitempty"`
		AWS       *struct {
			Region      string `yaml:"region,omitempty"`
			Profile     string `yaml:"profile,omitempty"`
			Credentials string `yaml:"credentials,omitempty"`
		} `yaml:"aws,omitempty"`
	}
)

// viewConfig prints the config, or only the context named.
func viewConfig(w io.Writer, cfg *fileConfig, path, only string) error {
	v := configView{CurrentContext: cfg.CurrentContext, Theme: cfg.Theme, Contexts: map[string]contextView{}}
	for name, c := range cfg.Contexts {
		if only == "" || name == only {
			v.Contexts[name] = viewContext(c)
		}
	}
	if only != "" && len(v.Contexts) == 0 {
		return usageErr("no context %q in %s (contexts: %s)", only, path, cfg.list())
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n", path)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func viewContext(c contextConfig) contextView {
	v := contextView{Label: c.Label, Colour: c.Colour, ReadOnly: c.ReadOnly, Theme: c.Theme}
	if c.Refresh > 0 {
		v.Refresh = c.Refresh.String()
	}
	if c.Timeout > 0 {
		v.Timeout = c.Timeout.String()
	}
	if k := c.Kafka; len(k.Brokers) > 0 || k.TLS != nil || k.SASL != nil {
		v.Kafka = &kafkaView{Brokers: k.Brokers, TLS: viewTLS(k.TLS)}
		if s := k.SASL; s != nil {
			sv := &saslView{Mechanism: s.Mechanism, User: s.User, Password: viewSecret(s.Password), Token: viewSecret(s.Token)}
			if s.AWS.Region != "" || s.AWS.Profile != "" || !s.AWS.Cmd.IsZero() {
				sv.AWS = &struct {
					Region      string `yaml:"region,omitempty"`
					Profile     string `yaml:"profile,omitempty"`
					Credentials string `yaml:"credentials,omitempty"`
				}{s.AWS.Region, s.AWS.Profile, viewSecret(s.AWS.Cmd)}
			}
			v.Kafka.SASL = sv
		}
	}
	if n := c.NSQ; len(n.Lookupd)+len(n.NSQD) > 0 || n.TLS != nil || !n.Auth.IsZero() {
		v.NSQ = &nsqView{Lookupd: n.Lookupd, NSQD: n.NSQD, TLS: viewTLS(n.TLS),
			AuthSecret: viewSecret(n.Auth.Secret), LookupdUser: n.Auth.LookupdUser, LookupdPassword: viewSecret(n.Auth.LookupdPassword)}
		if len(n.Auth.Headers) > 0 {
			v.NSQ.Headers = map[string]string{}
			for h, s := range n.Auth.Headers {
				v.NSQ.Headers[h] = viewSecret(s)
			}
		}
	}
	return v
}

func viewTLS(t *secure.TLS) *tlsView {
	if t == nil {
		return nil
	}
	return &tlsView{Enabled: true, CA: t.CAFile, Cert: t.CertFile, Key: t.KeyFile, ServerName: t.ServerName, Insecure: t.InsecureSkipVerify}
}

// viewSecret is "<redacted> (from $NAME)": where, never what.
func viewSecret(s secure.Secret) string {
	if s.IsZero() {
		return ""
	}
	return secure.Redacted + " (from " + s.From() + ")"
}

// setCurrentContext writes current-context into the file and changes
// nothing else: the YAML nodes say where the value is (or where the first
// key is), and only that text is replaced (or a line inserted), so comments,
// blank lines and alignment survive. Layouts too unusual for that (a flow
// or multi-line root) go through a node round trip, which keeps comments.
// The file is replaced in one rename, so a crash never leaves half of it.
func setCurrentContext(path, name string) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real // a symlinked config (dotfiles) stays a symlink
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("config %s: %s", path, syntaxError(err))
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode || len(doc.Content[0].Content) == 0 {
		return fmt.Errorf("config %s: the file should be a map of settings", path)
	}
	out, ok := spliceCurrent(b, doc.Content[0], name)
	if !ok {
		if out, err = reencodeCurrent(b, &doc, name); err != nil {
			return fmt.Errorf("config %s: %w", path, err)
		}
	}
	return replaceFile(path, out)
}

// spliceCurrent edits the text in place; false when the layout is not a
// plain block map with current-context's value on one line.
func spliceCurrent(b []byte, root *yaml.Node, name string) ([]byte, bool) {
	if root.Style&yaml.FlowStyle != 0 {
		return nil, false
	}
	v, err := yaml.Marshal(name) // quoted if the name needs it
	if err != nil {
		return nil, false
	}
	value := strings.TrimSuffix(string(v), "\n")
	if strings.Contains(value, "\n") {
		return nil, false
	}
	lines := strings.SplitAfter(string(b), "\n")
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, val := root.Content[i], root.Content[i+1]
		if k.Value != "current-context" {
			continue
		}
		if val.Kind != yaml.ScalarNode || val.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || val.Value == "" || val.Line != k.Line || val.Line > len(lines) {
			return nil, false
		}
		line := lines[val.Line-1]
		body := strings.TrimRight(line, "\r\n")
		start := val.Column - 1
		if start > len(body) {
			return nil, false
		}
		end := len(body)
		if c := strings.Index(body[start:], " #"); c >= 0 {
			end = start + len(strings.TrimRight(body[start:start+c], " \t")) // the spaces before the comment stay
		}
		lines[val.Line-1] = body[:start] + value + body[end:] + line[len(body):]
		return []byte(strings.Join(lines, "")), true
	}
	first := root.Content[0]
	if first.Line < 1 || first.Line > len(lines) || first.Column != 1 {
		return nil, false
	}
	ins := "current-context: " + value + "\n"
	out := append(append(append([]string{}, lines[:first.Line-1]...), ins), lines[first.Line-1:]...)
	return []byte(strings.Join(out, "")), true
}

// reencodeCurrent sets current-context in the nodes and writes them out.
func reencodeCurrent(b []byte, doc *yaml.Node, name string) ([]byte, error) {
	root := doc.Content[0]
	value := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}
	found := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "current-context" {
			old := root.Content[i+1]
			value.LineComment, value.HeadComment, value.FootComment = old.LineComment, old.HeadComment, old.FootComment
			root.Content[i+1] = value
			found = true
		}
	}
	if !found {
		key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "current-context"}
		root.Content = append([]*yaml.Node{key, value}, root.Content...)
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(indentOf(b))
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// indentOf is the file's indentation step: the least indentation of a
// line that has some; 2 when none has.
func indentOf(b []byte) int {
	best := 0
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimLeft(line, " ")
		n := len(line) - len(t)
		if n > 0 && t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "- ") && (best == 0 || n < best) {
			best = n
		}
	}
	if best < 2 || best > 8 {
		return 2
	}
	return best
}

// replaceFile writes data beside path and renames it over path, keeping its mode.
func replaceFile(path string, data []byte) error {
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.yaml")
	if err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; cleans up a failure
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write config %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write config: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}
