package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/topicat/topicat/sources/secure"
	"github.com/topicat/topicat/tui"
)

// The config file is walked as YAML nodes rather than decoded into structs,
// so that every error can name the line and the field in words ("contexts
// should be a map of names to settings, not a list") instead of yaml's Go
// types, and so that a single broker may be written without brackets.

// walker reads a config file's nodes and collects what it warns about.
type walker struct {
	path     string
	env      func(string) string
	warnings []string
}

// handler reads the value of one key; field is its dotted path.
type handler func(v *yaml.Node, field string) error

// configError is a config file mistake: where, which field, what is wrong.
type configError struct {
	path, field, msg string
	line             int
}

func (e *configError) Error() string {
	if e.field == "" {
		return fmt.Sprintf("config %s: line %d: %s", e.path, e.line, e.msg)
	}
	return fmt.Sprintf("config %s: line %d: %s %s", e.path, e.line, e.field, e.msg)
}

func (w *walker) errf(n *yaml.Node, field, format string, a ...any) error {
	return &configError{path: w.path, line: n.Line, field: field, msg: fmt.Sprintf(format, a...)}
}

func (w *walker) file(doc *yaml.Node) (*fileConfig, error) {
	c := &fileConfig{Contexts: map[string]contextConfig{}}
	root := doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return c, nil
		}
		root = root.Content[0]
	}
	err := w.mapping(root, "", "the config file", map[string]handler{
		"current-context": func(v *yaml.Node, f string) error {
			c.currentLine = v.Line
			return w.text(&c.CurrentContext)(v, f)
		},
		"theme": w.text(&c.Theme),
		"contexts": func(v *yaml.Node, f string) error {
			v = deref(v)
			if isNull(v) {
				return nil
			}
			if v.Kind != yaml.MappingNode {
				return w.errf(v, f, "should be a map of context names to their settings, not %s", kindName(v))
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k, body := v.Content[i], v.Content[i+1]
				if k.Value == "" {
					return w.errf(k, f, "has a context with no name")
				}
				if _, dup := c.Contexts[k.Value]; dup {
					return w.errf(k, f, "names context %q twice", k.Value)
				}
				ctx, err := w.context(body, f+"."+k.Value)
				if err != nil {
					return err
				}
				c.Contexts[k.Value] = ctx
			}
			return nil
		},
	})
	return c, err
}

func (w *walker) context(n *yaml.Node, field string) (contextConfig, error) {
	var c contextConfig
	err := w.mapping(n, field, "a context", map[string]handler{
		"kafka": func(v *yaml.Node, f string) error {
			return w.mapping(v, f, "Kafka settings", map[string]handler{
				"brokers": w.list(&c.Kafka.Brokers),
				"tls":     w.tls(&c.Kafka.TLS),
				"sasl":    w.sasl(&c.Kafka.SASL),
			})
		},
		"nsq":       w.nsq(&c),
		"refresh":   w.duration(&c.Refresh, minRefresh, "polling faster only burns CPU"),
		"timeout":   w.duration(&c.Timeout, minTimeout, "no connection completes that fast"),
		"read-only": w.boolean(&c.ReadOnly),
		"theme":     w.text(&c.Theme),
		"label":     w.text(&c.Label),
		"colour":    w.colour(&c.Colour),
		"color":     w.colour(&c.Colour),
	})
	return c, err
}

func (w *walker) nsq(c *contextConfig) handler {
	return func(v *yaml.Node, f string) error {
		a := &c.NSQ.Auth
		ks := map[string]handler{
			"lookupd":      w.list(&c.NSQ.Lookupd),
			"nsqd":         w.list(&c.NSQ.NSQD),
			"tls":          w.tls(&c.NSQ.TLS),
			"lookupd-user": w.text(&a.LookupdUser),
			"headers": func(v *yaml.Node, f string) error {
				return w.headers(v, f, &a.Headers)
			},
		}
		w.secretKeys(ks, "auth-secret", &a.Secret)
		w.secretKeys(ks, "lookupd-password", &a.LookupdPassword)
		return w.mapping(v, f, "NSQ settings", ks)
	}
}

// headers are "Name: value" (written in the file) or "Name: {env|file|cmd: …}".
func (w *walker) headers(v *yaml.Node, f string, dst *map[string]secure.Secret) error {
	v = deref(v)
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		return w.errf(v, f, "should be a map of header names to values, not %s", kindName(v))
	}
	*dst = map[string]secure.Secret{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], deref(v.Content[i+1])
		hf := f + "." + k.Value
		var s secure.Secret
		switch val.Kind {
		case yaml.ScalarNode:
			s.Inline = val.Value // a header is often no secret (a tenant, a host): no warning
		case yaml.MappingNode:
			if err := w.mapping(val, hf, "a header's source", map[string]handler{
				"env":  w.source(&s, "env", &s.Env),
				"file": w.source(&s, "file", &s.File),
				"cmd":  w.source(&s, "cmd", &s.Cmd),
			}); err != nil {
				return err
			}
		default:
			return w.errf(val, hf, "should be the header's value or one of env, file, cmd, not %s", kindName(val))
		}
		s.Getenv = w.env
		(*dst)[k.Value] = s
	}
	return nil
}

// source sets one of a header's secret sources, refusing a second.
func (w *walker) source(s *secure.Secret, name string, dst *string) handler {
	return func(v *yaml.Node, f string) error {
		if !s.IsZero() {
			return w.errf(v, f, "is a second source for the same header: give one of env, file or cmd")
		}
		return w.text(dst)(v, f)
	}
}

func (w *walker) tls(dst **secure.TLS) handler {
	return func(v *yaml.Node, f string) error {
		v = deref(v)
		if v.Kind == yaml.ScalarNode && v.Tag == "!!bool" { // tls: true, with the system's roots
			if v.Value == "true" {
				*dst = &secure.TLS{}
			}
			return nil
		}
		if isNull(v) {
			return nil
		}
		t := &secure.TLS{}
		if err := w.mapping(v, f, "TLS settings (or true)", map[string]handler{
			"ca":                   w.text(&t.CAFile),
			"cert":                 w.text(&t.CertFile),
			"key":                  w.text(&t.KeyFile),
			"server-name":          w.text(&t.ServerName),
			"insecure-skip-verify": w.boolean(&t.InsecureSkipVerify),
		}); err != nil {
			return err
		}
		if (t.CertFile == "") != (t.KeyFile == "") {
			return w.errf(v, f, "needs both cert and key for a client certificate, or neither")
		}
		*dst = t
		return nil
	}
}

func (w *walker) sasl(dst **secure.SASL) handler {
	return func(v *yaml.Node, f string) error {
		v = deref(v)
		if isNull(v) {
			return nil
		}
		s := &secure.SASL{}
		ks := map[string]handler{
			"mechanism": func(v *yaml.Node, f string) error {
				if err := w.text(&s.Mechanism)(v, f); err != nil {
					return err
				}
				s.Mechanism = strings.ToLower(s.Mechanism)
				if !slices.Contains(secure.Mechanisms, s.Mechanism) {
					return w.errf(v, f, "%q is not one of %s", v.Value, strings.Join(secure.Mechanisms, ", "))
				}
				return nil
			},
			"user": w.text(&s.User),
			"aws": func(v *yaml.Node, f string) error {
				ks := map[string]handler{"region": w.text(&s.AWS.Region), "profile": w.text(&s.AWS.Profile)}
				w.secretKeys(ks, "credentials", &s.AWS.Cmd)
				return w.mapping(v, f, "AWS settings", ks)
			},
		}
		w.secretKeys(ks, "password", &s.Password)
		w.secretKeys(ks, "token", &s.Token)
		if err := w.mapping(v, f, "SASL settings", ks); err != nil {
			return err
		}
		if err := checkSASL(s); err != nil {
			return w.errf(v, f, "%v", err)
		}
		*dst = s
		return nil
	}
}

// checkSASL says what a mechanism lacks, in the config's words.
func checkSASL(s *secure.SASL) error {
	switch s.Mechanism {
	case "":
		return fmt.Errorf("needs a mechanism: one of %s", strings.Join(secure.Mechanisms, ", "))
	case secure.Plain, secure.ScramSHA256, secure.ScramSHA512:
		if s.User == "" {
			return fmt.Errorf("%s needs a user", s.Mechanism)
		}
	}
	// A missing password or token may come from the environment: see
	// needsSecret, once flags and environment are merged.
	return nil
}

// secretKeys adds NAME-env, NAME-file, NAME-cmd and NAME (written in the
// file, with a warning) for one secret; at most one of them may be given.
func (w *walker) secretKeys(ks map[string]handler, name string, dst *secure.Secret) {
	set := func(field func(*secure.Secret) *string, warn bool) handler {
		return func(v *yaml.Node, f string) error {
			v = deref(v)
			if v.Kind != yaml.ScalarNode {
				return w.errf(v, f, "should be text, not %s", kindName(v)) // never quote it: it may be the secret
			}
			if isNull(v) || v.Value == "" {
				return nil
			}
			if !dst.IsZero() {
				return w.errf(v, f, "is a second source for %s (it is already read from %s): give only one", name, dst.From())
			}
			*field(dst) = v.Value
			dst.Getenv = w.env
			if warn {
				w.warnings = append(w.warnings, fmt.Sprintf("config %s: line %d: %s is written in the file; prefer %s-env, %s-file or %s-cmd", w.path, v.Line, f, name, name, name))
			}
			return nil
		}
	}
	ks[name+"-env"] = set(func(s *secure.Secret) *string { return &s.Env }, false)
	ks[name+"-file"] = set(func(s *secure.Secret) *string { return &s.File }, false)
	ks[name+"-cmd"] = set(func(s *secure.Secret) *string { return &s.Cmd }, false)
	if name != "credentials" { // AWS credentials come from a command only
		ks[name] = set(func(s *secure.Secret) *string { return &s.Inline }, true)
	} else {
		delete(ks, name+"-env")
		delete(ks, name+"-file")
	}
}

// mapping walks a map's keys, each with its handler; an unknown key is an
// error that lists the known ones. what names the map for a wrong kind.
func (w *walker) mapping(n *yaml.Node, field, what string, ks map[string]handler) error {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		if field == "" {
			return w.errf(n, "", "the config file should be a map of settings, not %s", kindName(n))
		}
		return w.errf(n, field, "should be %s, not %s", withArticle(what), kindName(n))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f := k.Value
		if field != "" {
			f = field + "." + k.Value
		}
		h, ok := ks[k.Value]
		if !ok {
			return w.errf(k, f, "is not a setting here (known: %s)", known(ks))
		}
		if line, dup := seen[k.Value]; dup {
			return w.errf(k, f, "is given twice (first on line %d)", line)
		}
		seen[k.Value] = k.Line
		if err := h(v, f); err != nil {
			return err
		}
	}
	return nil
}

func withArticle(what string) string {
	if strings.HasPrefix(what, "a ") || strings.HasPrefix(what, "an ") || strings.HasPrefix(what, "the ") {
		return what
	}
	return "a map of " + what
}

func known(ks map[string]handler) string {
	var out []string
	for k := range ks {
		if k != "color" { // the American spelling is accepted, not advertised
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func (w *walker) text(dst *string) handler {
	return func(v *yaml.Node, f string) error {
		v = deref(v)
		if v.Kind != yaml.ScalarNode {
			return w.errf(v, f, "should be text, not %s", kindName(v))
		}
		if !isNull(v) {
			*dst = v.Value
		}
		return nil
	}
}

func (w *walker) boolean(dst *bool) handler {
	return func(v *yaml.Node, f string) error {
		v = deref(v)
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
			return w.errf(v, f, "should be true or false, not %s", describe(v))
		}
		*dst = v.Value == "true"
		return nil
	}
}

// list is a list of addresses: [a, b], one per line, or "a" or "a,b" alone.
func (w *walker) list(dst *[]string) handler {
	return func(v *yaml.Node, f string) error {
		v = deref(v)
		var items []*yaml.Node
		switch v.Kind {
		case yaml.ScalarNode:
			if isNull(v) {
				return nil
			}
			items = []*yaml.Node{v}
		case yaml.SequenceNode:
			items = v.Content
		default:
			return w.errf(v, f, "should be a list of addresses, not %s", kindName(v))
		}
		var l listFlag
		for _, it := range items {
			it = deref(it)
			if it.Kind != yaml.ScalarNode {
				return w.errf(it, f, "should be a list of addresses, and this item is %s", kindName(it))
			}
			if strings.Contains(it.Value, "@") {
				// Not quoted back: what precedes @ may be a password.
				return w.errf(it, f, "holds an address with a user name or password in it; give credentials with sasl (kafka) or lookupd-user and lookupd-password-* (nsq), never in the address")
			}
			_ = l.Set(it.Value)
		}
		*dst = l
		return nil
	}
}

func (w *walker) duration(dst *time.Duration, floor time.Duration, why string) handler {
	return func(v *yaml.Node, f string) error {
		v = deref(v)
		if v.Kind != yaml.ScalarNode {
			return w.errf(v, f, "should be a duration such as 2s or 500ms, not %s", kindName(v))
		}
		d, err := time.ParseDuration(v.Value)
		if err != nil {
			return w.errf(v, f, "%q is not a duration (e.g. 2s, 500ms)", v.Value)
		}
		if d < floor {
			return w.errf(v, f, "%s is below the floor of %s: %s", d, floor, why)
		}
		*dst = d
		return nil
	}
}

func (w *walker) colour(dst *string) handler {
	return func(v *yaml.Node, f string) error {
		if err := w.text(dst)(v, f); err != nil {
			return err
		}
		if _, err := tui.ParseColour(*dst); err != nil {
			return w.errf(v, f, "%v", err)
		}
		return nil
	}
}

// deref follows a YAML alias (*name) to what it names.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// kindName says what a node is, in words.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a map"
	}
	if isNull(n) {
		return "empty"
	}
	return "text"
}

// describe quotes a scalar (never used for a secret's value) or names its kind.
func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		return fmt.Sprintf("%q", n.Value)
	}
	return kindName(n)
}
