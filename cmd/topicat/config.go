package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// fileConfig is the YAML config file: named contexts, each a Kafka cluster, an
// NSQ cluster or both, with per-context settings.
type fileConfig struct {
	CurrentContext string                   `yaml:"current-context"`
	Theme          string                   `yaml:"theme"`
	Contexts       map[string]contextConfig `yaml:"contexts"`
}

type contextConfig struct {
	Kafka struct {
		Brokers []string `yaml:"brokers"`
	} `yaml:"kafka"`
	NSQ struct {
		Lookupd []string `yaml:"lookupd"`
		NSQD    []string `yaml:"nsqd"`
	} `yaml:"nsq"`
	Refresh  duration `yaml:"refresh"`
	Timeout  duration `yaml:"timeout"`
	ReadOnly bool     `yaml:"read-only"`
	Theme    string   `yaml:"theme"`
}

// duration reads "2s", "500ms" from YAML.
type duration time.Duration

func (d *duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (e.g. 2s, 500ms)", n.Line, n.Value)
	}
	if v <= 0 {
		return fmt.Errorf("line %d: duration %q must be positive", n.Line, n.Value)
	}
	*d = duration(v)
	return nil
}

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
// error (required is false); one named with --config must exist.
func loadConfig(path string, required bool) (*fileConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if !required && errors.Is(err, fs.ErrNotExist) {
			return &fileConfig{}, nil
		}
		return nil, fmt.Errorf("read config: %w", err)
	}
	var c fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true) // a misspelt key is reported, not silently ignored
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: %s", path, oneLine(err))
	}
	if c.CurrentContext != "" {
		if _, ok := c.Contexts[c.CurrentContext]; !ok {
			return nil, fmt.Errorf("config %s: current-context %q is not among the contexts (%s)", path, c.CurrentContext, strings.Join(c.names(), ", "))
		}
	}
	return &c, nil
}

func (c *fileConfig) names() []string {
	var out []string
	for n := range c.Contexts {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// goType is yaml's mention of a Go type (to the end of its line), which means
// nothing to a user.
var goType = regexp.MustCompile(`(?m) in type .*$`)

// oneLine folds yaml's multi-line errors into one line.
func oneLine(err error) string {
	s := goType.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), "")
	s = strings.ReplaceAll(s, "unmarshal errors:\n", "")
	parts := strings.Fields(strings.ReplaceAll(s, "\n", " ; "))
	return strings.Join(parts, " ")
}
