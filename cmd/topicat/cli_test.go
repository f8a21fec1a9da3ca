package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/topicat/topicat/themes"
	"github.com/topicat/topicat/tui/views"
)

// commandPaths lists every command of the tree by its words after "topicat",
// the root as an empty list, so a subcommand added later is tested too.
func commandPaths(t *testing.T) [][]string {
	t.Helper()
	paths := [][]string{{}}
	var walk func(c *cobra.Command, prefix []string)
	walk = func(c *cobra.Command, prefix []string) {
		for _, sub := range c.Commands() {
			p := append(slices.Clone(prefix), sub.Name())
			paths = append(paths, p)
			walk(sub, p)
		}
	}
	walk(newRootCmd(&deps{env: func(string) string { return "" }}), nil)
	if len(paths) < 5 {
		t.Fatalf("the tree has only %v", paths)
	}
	return paths
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, path := range commandPaths(t) {
		for _, h := range []string{"-h", "--help"} {
			args := append(slices.Clone(path), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				out, errOut, code := runCLI(t, args...)
				if code != 0 || errOut != "" {
					t.Fatalf("exit %d, stderr %q", code, errOut)
				}
				if !strings.Contains(out, "Usage:\n  topicat "+strings.Join(path, " ")) {
					t.Fatalf("no usage line:\n%s", out)
				}
			})
		}
	}
	for _, args := range [][]string{{"help"}, {"help", "get"}, {"help", "demo"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, errOut, code := runCLI(t, args...)
			if code != 0 || errOut != "" || !strings.Contains(out, "Usage:\n  topicat "+strings.Join(args[1:], " ")) {
				t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
			}
		})
	}
}

func TestHelpTexts(t *testing.T) {
	out, _, _ := runCLI(t, "--help")
	for _, want := range []string{"topicat demo", "topicat get kafka topics -b localhost:9092 -o json", "-b, --brokers host:port", "-c, --context", "completion", "version"} {
		if !strings.Contains(out, want) {
			t.Errorf("topicat --help lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "powershell") {
		t.Errorf("topicat --help offers powershell:\n%s", out)
	}
	out, _, _ = runCLI(t, "get", "--help")
	for _, v := range views.All() {
		if !strings.Contains(out, v.Help) {
			t.Errorf("get --help lacks view %s (%q):\n%s", v.Name, v.Help, out)
		}
	}
	for _, want := range []string{"partitions TOPIC", "channels [TOPIC]", "-o, --output format", "Cluster flags:", "--lookupd"} {
		if !strings.Contains(out, want) {
			t.Errorf("get --help lacks %q:\n%s", want, out)
		}
	}
	// Commands that talk to no cluster do not list the cluster flags.
	for _, args := range [][]string{{"version", "-h"}, {"completion", "-h"}, {"help", "help"}} {
		if out, _, _ := runCLI(t, args...); strings.Contains(out, "--brokers") || !strings.Contains(out, "--help") {
			t.Errorf("%v:\n%s", args, out)
		}
	}
}

func TestVersion(t *testing.T) {
	a, _, c1 := runCLI(t, "version")
	b, _, c2 := runCLI(t, "--version")
	if c1 != 0 || c2 != 0 || a != b || !strings.HasPrefix(a, "topicat ") || strings.Count(a, "\n") != 1 {
		t.Fatalf("version %q (exit %d), --version %q (exit %d)", a, c1, b, c2)
	}
}

// TestUsageErrorsAreOneLine: whatever cobra or topicat rejects on the command
// line is one line naming it, exit 2, and no usage dump.
func TestUsageErrorsAreOneLine(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--brokerz", "x:1"}, `unknown flag: --brokerz: did you mean "--brokers"? (see topicat --help)`},
		{[]string{"-brokers", "x:1"}, `-brokers: long flags take two dashes: --brokers`},
		{[]string{"get", "brokers", "-brokers=x:1"}, `-brokers=x:1: long flags take two dashes: --brokers=x:1`},
		{[]string{"-context", "prod"}, `-context: long flags take two dashes: --context`},
		{[]string{"demo", "-print-addrs"}, `--print-addrs`},
		{[]string{"-b", "h:1", "-lookupd-http-address", "l:1"}, `unknown shorthand flag: 'l' in -lookupd-http-address: did you mean "--lookupd"?`},
		{[]string{"get", "brokers", "--bogus"}, "unknown flag: --bogus (see topicat get --help)"},
		{[]string{"get", "nodes", "--lookup", "l:1"}, `unknown flag: --lookup: did you mean "--lookupd"? (see topicat get --help)`},
		{[]string{"get", "nodes", "-help"}, `did you mean "--help"?`},
		{[]string{"get", "brokers", "-b"}, "flag needs an argument: 'b' (see"},
		{[]string{"get", "brokers", "-b", "h:1", "--refresh", "soon"}, `invalid argument "soon" for "--refresh"`},
		{[]string{"demo", "--print-adrs"}, `did you mean "--print-addrs"?`},
		{[]string{"frobnicate"}, `unknown command "frobnicate" (see topicat --help)`},
		{[]string{"gte", "brokers", "-b", "h:1"}, `unknown command "gte": did you mean "get"?`},
		{[]string{"dmeo"}, `unknown command "dmeo": did you mean "demo"?`},
		{[]string{"help", "bogus"}, `unknown command "bogus"`},
		{[]string{"demo", "extra"}, `topicat demo takes no arguments, got "extra"`},
		{[]string{"version", "extra"}, `topicat version takes no arguments, got "extra"`},
		{[]string{"completion"}, "completion needs one shell: bash, zsh or fish"},
		{[]string{"completion", "tcsh"}, "completion needs one shell"},
		{[]string{"get", "bogus", "-b", "h:1"}, `unknown view "bogus"`},
		{[]string{"get", "kafka"}, `get kafka needs a view`},
		{[]string{"get", "partitions", "-b", "h:1"}, "get partitions needs TOPIC"},
		{[]string{"-c", "nope"}, `context "nope": no contexts are defined`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := runCLI(t, tc.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errOut)
			}
			if !strings.HasPrefix(errOut, "topicat: ") || !strings.Contains(errOut, tc.want) {
				t.Fatalf("stderr %q, want topicat: … %q", errOut, tc.want)
			}
			if strings.Count(errOut, "\n") != 1 || out != "" {
				t.Fatalf("want one line on stderr and nothing on stdout; stderr %q, stdout %q", errOut, out)
			}
		})
	}
}

// parseOnly builds the real tree and parses args as cobra would, without
// running the command: what the command would see.
func parseOnly(t *testing.T, args ...string) (settings, *cobra.Command, []string) {
	t.Helper()
	d := &deps{env: func(string) string { return "" }}
	cmd, rest, err := newRootCmd(d).Find(args)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatal(err)
	}
	s, err := d.settings(cmd)
	if err != nil {
		t.Fatal(err)
	}
	return s, cmd, cmd.Flags().Args()
}

func TestFlagsAnywhere(t *testing.T) {
	tests := []struct {
		args    []string
		cmd     string
		words   string
		brokers string
		output  string
	}{
		{[]string{"-b", "a:1,b:2", "--brokers", "c:3", "-b=d:4", "--brokers=e:5,f:6"}, "topicat", "", "a:1 b:2 c:3 d:4 e:5 f:6", ""},
		{[]string{"-b", " a:1,,b:2 ,", "-bc:3"}, "topicat", "", "a:1 b:2 c:3", ""},
		{[]string{"get", "kafka", "topics", "-b", "a:1", "-o", "json"}, "get", "kafka topics", "a:1", "json"},
		{[]string{"get", "-o", "json", "kafka", "-b", "a:1,b:2", "topics", "--brokers", "c:3"}, "get", "kafka topics", "a:1 b:2 c:3", "json"},
		{[]string{"-b", "a:1", "get", "partitions", "--output=json", "orders"}, "get", "partitions orders", "a:1", "json"},
		{[]string{"get", "brokers", "--", "-b"}, "get", "brokers -b", "", "table"},
		{[]string{"demo", "--read-only", "-b", "a:1"}, "demo", "", "a:1", ""},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			s, cmd, words := parseOnly(t, tc.args...)
			if cmd.Name() != tc.cmd || strings.Join(words, " ") != tc.words || strings.Join(s.Brokers, " ") != tc.brokers {
				t.Fatalf("command %s, words %q, brokers %q", cmd.Name(), words, s.Brokers)
			}
			if tc.output != "" {
				if o, _ := cmd.Flags().GetString("output"); o != tc.output {
					t.Fatalf("-o %q, want %q", o, tc.output)
				}
			}
		})
	}
}

// TestNoStateBetweenRuns: each run builds its own tree, so the flags of one
// run are not seen by the next (a leaked -b would make the second poll h:1).
func TestNoStateBetweenRuns(t *testing.T) {
	if _, errOut, code := runCLI(t, "get", "nodes", "-b", "h:1"); code != 2 || !strings.Contains(errOut, "nsq is not configured") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, errOut, code := runCLI(t, "get", "brokers"); code != 2 || !strings.Contains(errOut, "kafka is not configured") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		t.Run(shell, func(t *testing.T) {
			out, errOut, code := runCLI(t, "completion", shell)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			// cobra's scripts ask the program itself (topicat __complete …)
			// for subcommands, views and flag values, so they name no
			// subcommand: check they call it, and that it offers get.
			if !strings.Contains(out, "topicat") || !strings.Contains(out, "__complete") {
				t.Fatalf("%s script does not call topicat __complete:\n%.400s", shell, out)
			}
		})
	}
	if out, _, _ := runCLI(t, "completion", "bash"); !strings.HasPrefix(out, "# bash completion V2 for topicat") || !strings.Contains(out, "get") {
		t.Fatalf("bash script:\n%.400s", out)
	}
}

// complete runs `topicat __complete args…` in-process, as the shell scripts
// do, and returns the choices (without descriptions) and the directive line.
func complete(t *testing.T, env map[string]string, args ...string) ([]string, string) {
	t.Helper()
	out, errOut, code := runCLIEnv(t, env, append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var choices []string
	for _, l := range lines[:len(lines)-1] {
		choices = append(choices, strings.SplitN(l, "\t", 2)[0])
	}
	return choices, lines[len(lines)-1]
}

func TestCompletion(t *testing.T) {
	cfg := writeConfig(t, goodConfig)
	withConfig := map[string]string{"TOPICAT_CONFIG": cfg}
	// directive 4 is ShellCompDirectiveNoFileComp: no file names offered.
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		want     []string
		not      []string
		wantDesc string
	}{
		{"subcommands", nil, []string{""}, []string{"completion", "demo", "get", "help", "version"}, []string{"__complete", "powershell"}, ""},
		{"subcommand prefix", nil, []string{"g"}, []string{"get"}, []string{"demo"}, ""},
		{"get: systems and views", nil, []string{"get", ""}, []string{"kafka", "nsq", "brokers", "topics", "groups", "nodes", "channels", "health", "partitions", "lookupds"}, nil, ""},
		{"get: prefix", nil, []string{"get", "-b", "h:1", "p"}, []string{"partitions"}, []string{"brokers", "kafka"}, ""},
		{"get kafka: its views", nil, []string{"get", "kafka", ""}, []string{"brokers", "topics", "groups", "partitions", "health"}, []string{"nodes", "channels", "kafka", "nsq"}, ""},
		{"get nsq: its views", nil, []string{"get", "nsq", ""}, []string{"nodes", "topics", "channels", "lookupds", "health"}, []string{"brokers", "groups"}, ""},
		{"get after the view", nil, []string{"get", "partitions", ""}, nil, []string{"brokers", "kafka"}, ""},
		{"get -o", nil, []string{"get", "brokers", "-o", ""}, []string{"table", "json"}, nil, ""},
		{"theme", nil, []string{"--theme", ""}, themes.Names(), nil, ""},
		{"contexts from --config", nil, []string{"--config", cfg, "-c", ""}, []string{"prod", "staging"}, nil, ""},
		{"contexts from TOPICAT_CONFIG", withConfig, []string{"get", "brokers", "--context", "p"}, []string{"prod"}, []string{"staging"}, ""},
		{"no config, no contexts", nil, []string{"-c", ""}, nil, nil, ""},
		{"config use: contexts", withConfig, []string{"config", "use", ""}, []string{"prod", "staging"}, nil, ""},
		{"config use: one context only", withConfig, []string{"config", "use", "prod", ""}, nil, nil, ""},
		{"flags: own and cluster", nil, []string{"get", "brokers", "--"}, []string{"--output", "--quiet", "--brokers", "--context", "--lookupd"}, []string{"--print-addrs"}, ""},
		{"flags: a subcommand's", nil, []string{"tail", "--f"}, []string{"--from", "--format"}, []string{"--output"}, ""},
		{"completion shells", nil, []string{"completion", ""}, []string{"bash", "zsh", "fish"}, []string{"powershell"}, ""},
		{"help topics", nil, []string{"help", ""}, []string{"get", "demo"}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, directive := complete(t, tc.env, tc.args...)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("choices %q lack %q", got, w)
				}
			}
			for _, w := range tc.not {
				if slices.Contains(got, w) {
					t.Errorf("choices %q include %q", got, w)
				}
			}
			if len(tc.want) == 0 && len(got) != 0 {
				t.Errorf("want no choices, got %q", got)
			}
			if directive != ":4" {
				t.Errorf("directive %s, want :4 (no file completion)", directive)
			}
		})
	}
	// Views come with their one-line help, a name in both systems says so.
	out, _, _ := runCLI(t, "__complete", "get", "")
	i := slices.IndexFunc(views.All(), func(v *views.View) bool { return v.Name == "brokers" })
	if i < 0 || !strings.Contains(out, "brokers\t"+views.All()[i].Help) || !strings.Contains(out, "topics\tkafka or nsq topics") {
		t.Fatalf("descriptions:\n%s", out)
	}
}

// TestNoFlagTakesASecret: argv is readable by every user of the host, so a
// password, token or secret is never a flag's value, only a file's path;
// and every command that talks to a cluster takes the security flags.
func TestNoFlagTakesASecret(t *testing.T) {
	root := newRootCmd(&deps{env: func(string) string { return "" }})
	secretish := regexp.MustCompile(`password|secret|token|credential|passphrase`)
	checked := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags(), c.InheritedFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if !secretish.MatchString(f.Name) {
					return
				}
				checked++
				if !strings.HasSuffix(f.Name, "-file") || f.Value.Type() != "string" {
					t.Errorf("%s --%s takes a secret as its value (%s)", c.CommandPath(), f.Name, f.Value.Type())
				}
			})
		}
		if c.Annotations[noClusterFlags] == "" && c.Name() != "help" {
			for _, name := range []string{"tls", "tls-ca", "tls-cert", "tls-key", "tls-server-name", "tls-insecure", "sasl-mechanism", "sasl-user",
				"sasl-password-file", "nsq-tls", "nsq-tls-ca", "nsq-tls-cert", "nsq-tls-key", "nsq-tls-server-name", "nsq-tls-insecure", "nsq-auth-secret-file"} {
				if c.Flag(name) == nil {
					t.Errorf("%s lacks --%s", c.CommandPath(), name)
				}
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if checked < 3 {
		t.Fatalf("only %d secret flags seen: the walk is broken", checked)
	}
}
