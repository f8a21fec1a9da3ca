package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/topicat/topicat/sources/secure"
)

// fileConfig is the YAML config file: named contexts, each a Kafka cluster, an
// NSQ cluster or both, with per-context settings.
type fileConfig struct {
	CurrentContext string
	Theme          string
	Contexts       map[string]contextConfig
	// currentLine is where current-context is written, for its error.
	currentLine int
	// Warnings are what was accepted but should not be, e.g. a password
	// written in the file; each names the file, line and field.
	Warnings []string
}

type contextConfig struct {
	Kafka struct {
		Brokers []string
		TLS     *secure.TLS
		SASL    *secure.SASL
	}
	NSQ struct {
		Lookupd []string
		NSQD    []string
		TLS     *secure.TLS
		Auth    secure.NSQAuth
	}
	Refresh  time.Duration
	Timeout  time.Duration
	ReadOnly bool
	Theme    string
	// Label names the context in the header instead of its name; Colour is
	// the header's colour for it, so prod never looks like staging.
	Label  string
	Colour string
}

// Floors on nonsense: polling faster than this only burns CPU, and no
// connection completes within less than that.
const (
	minRefresh = 100 * time.Millisecond
	minTimeout = 10 * time.Millisecond
)

// defaultConfigPath is $XDG_CONFIG_HOME/topicat/config.yaml (~/.config/… when unset).
func defaultConfigPath(env func(string) string) string {
	if x := env("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "topicat", "config.yaml")
	}
	if h := env("HOME"); h != "" {
		return filepath.Join(h, ".config", "topicat", "config.yaml")
	}
	return ""
}

// loadConfig reads the config file. A missing file at the default path is no
// error (required is false); one named with --config must exist. env is
// where the secrets named by environment variable are read, later.
func loadConfig(path string, required bool, env func(string) string) (*fileConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if !required && errors.Is(err, fs.ErrNotExist) {
			return &fileConfig{}, nil
		}
		if errors.Is(err, fs.ErrNotExist) && strings.Contains(path, "=") {
			// `create topic … --config retention.ms=1` as other tools spell it.
			return nil, fmt.Errorf("read config: %w (--config names topicat's config file; a topic's settings are --topic-config k=v)", err)
		}
		return nil, fmt.Errorf("read config: %w", err)
	}
	return parseConfig(path, b, env)
}

// parseConfig reads a config file's bytes. Its errors name the file, the
// line and the field in words, and never quote a secret.
func parseConfig(path string, b []byte, env func(string) string) (*fileConfig, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &fileConfig{}, nil // empty, or only comments
		}
		return nil, fmt.Errorf("config %s: %s", path, syntaxError(err))
	}
	w := &walker{path: path, env: env}
	c, err := w.file(&doc)
	if err != nil {
		return nil, err
	}
	c.Warnings = w.warnings
	if c.CurrentContext != "" {
		if _, ok := c.Contexts[c.CurrentContext]; !ok {
			return nil, fmt.Errorf("config %s: line %d: current-context %q is not among the contexts (%s)", path, c.currentLine, c.CurrentContext, c.list())
		}
	}
	return c, nil
}

func (c *fileConfig) names() []string {
	var out []string
	for n := range c.Contexts {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// list is the contexts' names for a message, or "none".
func (c *fileConfig) list() string {
	if len(c.Contexts) == 0 {
		return "none are defined"
	}
	return strings.Join(c.names(), ", ")
}

// syntaxError is yaml's complaint about malformed YAML in one line.
func syntaxError(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	parts := strings.Fields(strings.ReplaceAll(s, "\n", " ; "))
	s = strings.Join(parts, " ")
	if line, rest, ok := strings.Cut(s, ": "); ok && strings.HasPrefix(line, "line ") {
		return line + ": the YAML is malformed: " + rest
	}
	return "the YAML is malformed: " + s
}
