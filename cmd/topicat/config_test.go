package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodConfig = `current-context: staging
theme: nocturne
contexts:
  staging:
    kafka:
      brokers: [k1:9092, k2:9092]
    nsq:
      lookupd: [http://l1:4161]
    refresh: 5s
  prod:
    kafka:
      brokers: [p1:9092]
    read-only: true
`

func resolveArgs(t *testing.T, args []string, env map[string]string) (settings, error) {
	t.Helper()
	var cf clusterFlags
	fs := pflag.NewFlagSet("topicat", pflag.ContinueOnError)
	cf.register(fs)
	if err := fs.Parse(args); err != nil {
		return settings{}, err
	}
	return cf.resolve(fs, func(k string) string { return env[k] })
}

func TestResolveSettings(t *testing.T) {
	cfg := writeConfig(t, goodConfig)
	noHome := map[string]string{}
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, s settings)
	}{
		{"flags only", []string{"-b", "a:1,b:2", "--brokers", "c:3", "--nsqd", "n:4151"}, noHome, func(t *testing.T, s settings) {
			if strings.Join(s.Brokers, " ") != "a:1 b:2 c:3" || s.NSQD[0] != "n:4151" || s.Theme != "default" || s.Refresh != 2*time.Second {
				t.Fatalf("%+v", s)
			}
		}},
		{"empty elements and spaces skipped", []string{"-b", " a:1,, b:2,", "--lookupd=http://l:1,", "--nsqd", ","}, noHome, func(t *testing.T, s settings) {
			if strings.Join(s.Brokers, " ") != "a:1 b:2" || strings.Join(s.Lookupd, " ") != "http://l:1" || len(s.NSQD) != 0 {
				t.Fatalf("%+v", s)
			}
		}},
		{"current context", []string{"--config", cfg}, noHome, func(t *testing.T, s settings) {
			if s.Context != "staging" || len(s.Brokers) != 2 || s.Lookupd[0] != "http://l1:4161" || s.Refresh != 5*time.Second || s.Theme != "nocturne" {
				t.Fatalf("%+v", s)
			}
		}},
		{"named context is read-only and flags cannot undo it", []string{"--config", cfg, "-c", "prod"}, noHome, func(t *testing.T, s settings) {
			if s.Context != "prod" || !s.ReadOnly || s.Brokers[0] != "p1:9092" {
				t.Fatalf("%+v", s)
			}
		}},
		{"flag addresses override the context", []string{"--config", cfg, "-b", "x:1", "--refresh", "1s"}, noHome, func(t *testing.T, s settings) {
			if len(s.Brokers) != 1 || s.Brokers[0] != "x:1" || s.Refresh != time.Second || s.Lookupd[0] != "http://l1:4161" {
				t.Fatalf("%+v", s)
			}
		}},
		{"TOPICAT_CONFIG", nil, map[string]string{"TOPICAT_CONFIG": cfg}, func(t *testing.T, s settings) {
			if s.Context != "staging" {
				t.Fatalf("%+v", s)
			}
		}},
		{"XDG default missing is fine", []string{"-b", "a:1"}, map[string]string{"XDG_CONFIG_HOME": t.TempDir()}, func(t *testing.T, s settings) {
			if s.Context != "" || s.Brokers[0] != "a:1" {
				t.Fatalf("%+v", s)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := resolveArgs(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, s)
		})
	}
}

func TestBadInputIsOneClearLine(t *testing.T) {
	badYAML := writeConfig(t, "contexts:\n  a:\n    kafka:\n      brokres: [x:1]\n")
	badDuration := writeConfig(t, "contexts:\n  a:\n    refresh: soon\n")
	badCurrent := writeConfig(t, "current-context: nope\ncontexts:\n  a: {}\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"--brokerz", "x:1"}, 2, `unknown flag: --brokerz: did you mean "--brokers"?`},
		{"malformed broker", []string{"-b", "localhost"}, 2, `kafka: broker address "localhost": missing port`},
		{"bad port", []string{"-b", "h:99999"}, 2, `broker address "h:99999": port must be a number from 1 to 65535`},
		{"malformed lookupd", []string{"--lookupd", "http://"}, 2, `nsq: lookupd address "http://": missing port`},
		{"malformed nsqd", []string{"--nsqd", "h:x"}, 2, `nsqd address "h:x"`},
		{"no cluster", nil, 2, "no cluster given"},
		{"unknown key with its line", []string{"--config", badYAML}, 2, "line 4: field brokres not found"},
		{"bad duration with its line", []string{"--config", badDuration}, 2, `line 3: "soon" is not a duration`},
		{"unknown current context", []string{"--config", badCurrent}, 2, `current-context "nope" is not among the contexts (a)`},
		{"unknown context", []string{"--config", badCurrent, "-c", "zzz"}, 2, `current-context "nope"`},
		{"missing config", []string{"--config", "/nonexistent/topicat.yaml"}, 2, "read config"},
		{"unknown theme", []string{"-b", "h:1", "--theme", "neon"}, 2, `unknown theme "neon"`},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"get without view", []string{"get", "-b", "h:1"}, 2, "get needs a view"},
		{"get unknown view", []string{"get", "bogus", "-b", "h:1"}, 2, `unknown view "bogus"`},
		{"get ambiguous", []string{"get", "topics", "-b", "h:1", "--nsqd", "h:2"}, 2, `say "get kafka topics" or "get nsq topics"`},
		{"get unconfigured", []string{"get", "nodes", "-b", "h:1"}, 2, "nsq is not configured"},
		{"get bad output", []string{"get", "brokers", "-b", "h:1", "-o", "xml"}, 2, `-o "xml"`},
		{"demo with brokers", []string{"demo", "-b", "h:1"}, 2, "demo runs its own clusters"},
		{"demo with a missing config", []string{"demo", "--config", "/nonexistent/topicat.yaml"}, 2, "read config"},
		{"demo with a bad config", []string{"demo", "--config", badYAML}, 2, "line 4: field brokres not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
			code := run(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
			msg := stderr.String()
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("stderr %q lacks %q", msg, tc.want)
			}
			if n := strings.Count(strings.TrimSpace(msg), "\n"); n != 0 {
				t.Fatalf("error is %d lines, want one: %q", n+1, msg)
			}
			if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic") {
				t.Fatalf("stack trace on bad input: %s", msg)
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"get", "-h"}, {"demo", "--help"}, {"version"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" }); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		if out := stdout.String() + stderr.String(); !strings.Contains(out, "topicat") {
			t.Fatalf("%v printed %q", args, out)
		}
	}
}

func TestConfigErrorsSpeakPlainly(t *testing.T) {
	bad := writeConfig(t, "contexts:\n  a:\n    kafka:\n      brokres: [x:1]\n")
	_, err := loadConfig(bad, true)
	if want := "config " + bad + ": line 4: field brokres not found"; err == nil || err.Error() != want {
		t.Fatalf("config error = %v, want %q", err, want)
	}
}
