package main

import (
	"os"
	"strings"
	"testing"
)

// TestConfigUseChangesOnlyTheCurrentContext: `config use` rewrites the
// current-context value, or adds it, and leaves every comment, blank line
// and alignment as it was; unusual layouts still keep their comments.
func TestConfigUseChangesOnlyTheCurrentContext(t *testing.T) {
	const body = `# topicat contexts
# second line of the header

theme: nocturne   # a dark one
contexts:
  # the staging cluster
  staging:
    kafka:
      brokers: k1:9092            # one broker, no brackets

  # production: careful
  'prod: eu':
    read-only: true
    kafka:
      brokers:
        - b1:9096 # first
# a foot comment
`
	tests := []struct {
		name, before, use, after string
	}{
		{"added before the first key", body, "staging",
			strings.Replace(body, "theme: nocturne", "current-context: staging\ntheme: nocturne", 1)},
		{"replaced, its comment kept", strings.Replace(body, "theme:", "current-context: staging  # opened by default\ntheme:", 1), "prod: eu",
			strings.Replace(body, "theme:", "current-context: 'prod: eu'  # opened by default\ntheme:", 1)},
		{"a quoted value replaced", strings.Replace(body, "theme:", "current-context: \"staging\"\ntheme:", 1), "prod: eu",
			strings.Replace(body, "theme:", "current-context: 'prod: eu'\ntheme:", 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeConfig(t, tc.before)
			out, errOut, code := runCLI(t, "config", "use", tc.use, "--config", p)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if want := "current context is now " + tc.use + " (" + p + ")\n"; out != want {
				t.Fatalf("stdout %q, want %q", out, want)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.after {
				t.Fatalf("file became:\n%s\nwant:\n%s", b, tc.after)
			}
			cfg, err := loadConfig(p, true, func(string) string { return "" })
			if err != nil || cfg.CurrentContext != tc.use {
				t.Fatalf("read back: %v, current %q", err, cfg.CurrentContext)
			}
		})
	}
	// A flow-style file or an empty value goes through the node round
	// trip: the result reads back right and its comments stay.
	for _, before := range []string{
		"# flow style\n{current-context: a, contexts: {a: {}, b: {}}} # all on one line\n",
		"# empty value\ncurrent-context: # nothing yet\ncontexts:\n  a: {} # the first\n  b: {}\n",
	} {
		p := writeConfig(t, before)
		if _, errOut, code := runCLI(t, "config", "use", "b", "--config", p); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		b, _ := os.ReadFile(p)
		cfg, err := loadConfig(p, true, func(string) string { return "" })
		if err != nil || cfg.CurrentContext != "b" {
			t.Fatalf("read back %q: %v, current %q", b, err, cfg.CurrentContext)
		}
		for _, line := range strings.Split(before, "\n") {
			if _, c, ok := strings.Cut(line, "#"); ok && !strings.Contains(string(b), strings.TrimSpace(c)) {
				t.Fatalf("comment %q lost:\n%s", c, b)
			}
		}
	}
}

func TestConfigContextsAndRefusals(t *testing.T) {
	p := writeConfig(t, "current-context: staging\ncontexts:\n  staging:\n    kafka: {brokers: k1:9092}\n    nsq: {lookupd: http://l:4161}\n  prod:\n    label: PROD\n    read-only: true\n    kafka: {brokers: [p1:9092, p2:9092]}\n")
	out, errOut, code := runCLI(t, "config", "contexts", "--config", p)
	want := "  prod     \"PROD\"  kafka p1:9092,p2:9092  read-only\n* staging  kafka k1:9092  nsq http://l:4161\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s\nwant:\n%s", code, errOut, out, want)
	}
	empty := writeConfig(t, "theme: default\n")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"config", "use", "nope", "--config", p}, `topicat: no context "nope" in ` + p + " (contexts: prod, staging)\n"},
		{[]string{"config", "use", "--config", p}, "accepts 1 arg(s), received 0"},
		{[]string{"config", "view", "-c", "nope", "--config", p}, `topicat: no context "nope" in ` + p + " (contexts: prod, staging)\n"},
		{[]string{"config", "contexts", "--config", empty}, "topicat: " + empty + " defines no contexts (see topicat --help)\n"},
		{[]string{"config", "view", "--config", "/nonexistent/c.yaml"}, "topicat: read config: open /nonexistent/c.yaml: no such file or directory\n"},
		{[]string{"config"}, "config needs a command: view, contexts or use NAME"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, errOut, code := runCLI(t, tc.args...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q, want %q", code, errOut, tc.want)
			}
		})
	}
}

// TestConfigViewNeverPrintsASecret plants one secret in the environment, a
// file, a command and the config itself, and reads every output of the
// config commands, their errors and a failing get's: the secret is in none.
func TestConfigViewNeverPrintsASecret(t *testing.T) {
	const secret = "s3cr3t-Planted-7a1"
	pwFile := writeConfig(t, secret+"\n")
	body := `current-context: env
contexts:
  env:
    kafka:
      brokers: [127.0.0.1:1]
      sasl: {mechanism: scram-sha-256, user: u, password-env: PLANTED}
    nsq:
      lookupd: [http://127.0.0.1:1]
      auth-secret-env: PLANTED
      lookupd-user: ops
      lookupd-password-file: ` + pwFile + `
      headers:
        Authorization: ` + secret + `
        X-Key: {cmd: echo ` + secret + `}
  file:
    kafka:
      brokers: [127.0.0.1:1]
      sasl: {mechanism: plain, user: u, password-file: ` + pwFile + `}
  cmd:
    kafka:
      brokers: [127.0.0.1:1]
      sasl: {mechanism: oauthbearer, token-cmd: echo ` + secret + `}
  inline:
    kafka:
      brokers: [127.0.0.1:1]
      sasl: {mechanism: plain, user: u, password: ` + secret + `}
`
	p := writeConfig(t, body)
	bad := writeConfig(t, "contexts:\n  a:\n    kafka:\n      sasl: {mechanism: plain, user: u, password: ["+secret+"]}\n")
	env := map[string]string{"PLANTED": secret, "TOPICAT_SASL_PASSWORD": secret, "TOPICAT_NSQ_AUTH_SECRET": secret}
	runs := [][]string{
		{"config", "view", "--config", p},
		{"config", "view", "-c", "inline", "--config", p},
		{"config", "contexts", "--config", p},
		{"config", "use", "inline", "--config", p},
		{"config", "view", "--config", bad},
		{"get", "kafka", "brokers", "-o", "json", "--timeout", "300ms", "--config", p, "-c", "file"},
		{"get", "nsq", "nodes", "-o", "json", "--timeout", "300ms", "--config", p, "-c", "env"},
		{"get", "kafka", "brokers", "-o", "json", "--timeout", "300ms", "-b", "127.0.0.1:1", "--sasl-mechanism", "plain", "--sasl-user", "u"},
	}
	sawRedacted := false
	for _, args := range runs {
		out, errOut, _ := runCLIEnv(t, env, args...)
		if strings.Contains(out+errOut, secret) {
			t.Fatalf("%v printed the secret:\nstdout: %s\nstderr: %s", args, out, errOut)
		}
		sawRedacted = sawRedacted || strings.Contains(out, "<redacted> (from $PLANTED)")
	}
	if !sawRedacted {
		t.Fatal("config view never said where a secret comes from")
	}
	// The view says where each secret is read from, and warns of the one
	// written in the file.
	out, errOut, code := runCLIEnv(t, env, "config", "view", "--config", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"password: <redacted> (from $PLANTED)", "password: <redacted> (from file " + pwFile + ")", "token: <redacted> (from command)",
		"password: <redacted> (from the config file)", "auth-secret: <redacted> (from $PLANTED)", "Authorization: <redacted> (from the config file)",
		"X-Key: <redacted> (from command)", "lookupd-password: <redacted> (from file " + pwFile + ")",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("config view lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "contexts.inline.kafka.sasl.password is written in the file; prefer password-env, password-file or password-cmd") {
		t.Errorf("no warning of the password written in the file: %q", errOut)
	}
}

// TestReadmeConfigReads: the README's example config is one topicat reads.
func TestReadmeConfigReads(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "### Config file\n")
	_, rest, ok2 := strings.Cut(rest, "```yaml\n")
	example, _, ok3 := strings.Cut(rest, "```\n")
	if !ok || !ok2 || !ok3 {
		t.Fatal("no yaml example under the README's Config file heading")
	}
	cfg, err := parseConfig("README.md", []byte(example), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Contexts) < 4 || cfg.Contexts["prod"].Kafka.SASL == nil || cfg.Contexts["prod"].NSQ.TLS == nil {
		t.Fatalf("the example lost its contexts: %+v", cfg)
	}
}
