package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/topicat/topicat/sources"
)

// countingListener accepts connections and counts them: an address that
// tells whether anything was sent to it.
func countingListener(t *testing.T) (addr string, dialled func() int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), n.Load
}

// TestReadOnlyWalksEveryCommand walks cobra's command tree: every command is
// either listed as one that changes a cluster, with words that would change
// one, or as one that does not, with why. A command added later and listed
// nowhere fails here, so none escapes --read-only by being new. Each one
// that changes a cluster is refused with the read-only message, both under
// --read-only and under a context with read-only: true, and nothing is sent:
// the cluster's address is a listener that counts connections.
func TestReadOnlyWalksEveryCommand(t *testing.T) {
	addr, dialled := countingListener(t)
	kafka := []string{"-b", addr}
	nsq := []string{"--lookupd", "http://" + addr, "--nsqd", addr}
	type change struct {
		args  []string
		flags []string // the cluster flags it needs
		stdin string
	}
	changes := map[string][]change{
		"create topic":   {{[]string{"create", "topic", "made", "-p", "1", "-r", "1"}, kafka, ""}},
		"create nsq":     {{[]string{"create", "nsq", "made/x"}, nsq, ""}},
		"delete topic":   {{[]string{"delete", "topic", "orders"}, kafka, ""}, {[]string{"delete", "topic", "orders", "--yes"}, kafka, ""}},
		"delete group":   {{[]string{"delete", "group", "idle", "--yes"}, kafka, ""}},
		"delete records": {{[]string{"delete", "records", "orders:0@5", "--yes"}, kafka, ""}},
		"delete nsq":     {{[]string{"delete", "nsq", "events/archive", "--yes"}, nsq, ""}, {[]string{"delete", "nsq", "events"}, nsq, ""}},
		"alter topic":    {{[]string{"alter", "topic", "orders", "--partitions", "4"}, kafka, ""}},
		"reset-offsets":  {{[]string{"reset-offsets", "idle", "--to", "latest", "--execute", "--yes"}, kafka, ""}},
		"produce": {
			{[]string{"produce", "kafka", "orders"}, kafka, "x\n"},
			{[]string{"produce", "nsq", "events", "--create"}, nsq, "x\n"},
		},
		"pause":     {{[]string{"pause", "nsq", "events/archive"}, nsq, ""}, {[]string{"pause", "nsq", "events"}, nsq, ""}},
		"unpause":   {{[]string{"unpause", "nsq", "events/archive"}, nsq, ""}},
		"empty":     {{[]string{"empty", "nsq", "events/archive", "--yes"}, nsq, ""}, {[]string{"empty", "nsq", "events/archive"}, nsq, ""}},
		"tombstone": {{[]string{"tombstone", "nsq", "events", "--node", addr, "--yes"}, nsq, ""}},
	}
	// Commands that change no cluster, and why; a listed command that does
	// not exist (yet) is harmless.
	reads := map[string]string{
		"":                "the dashboard: its key bindings are walked by the tui tests, its requests refused by sources.ReadOnly",
		"demo":            "the dashboard on its own demo clusters",
		"get":             "reads snapshots and pages",
		"tail":            "reads without a consumer group or a real channel",
		"create":          "the verb alone is a usage error",
		"delete":          "the verb alone is a usage error",
		"alter":           "the verb alone is a usage error",
		"version":         "prints the version",
		"completion":      "prints a script",
		"man":             "writes the man page into a local directory",
		"help":            "prints help",
		"config":          "reads or edits the local config file, no cluster",
		"config view":     "prints the config, secrets redacted",
		"config contexts": "lists the contexts",
		"config use":      "edits the local config file, no cluster",
	}
	seen := map[string]bool{}
	for _, path := range commandPaths(t) {
		name := strings.Join(path, " ")
		seen[name] = true
		_, isChange := changes[name]
		_, isRead := reads[name]
		switch {
		case isChange && isRead:
			t.Errorf("command %q is listed both as changing a cluster and as not", name)
		case !isChange && !isRead:
			t.Errorf("command %q is new: list it in this test as changing a cluster (with words that would) or as not (with why)", name)
		}
	}
	for name := range changes {
		if !seen[name] {
			t.Errorf("%q is listed as changing a cluster but is no command", name)
		}
	}

	// A read-only context, as a config file gives it.
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	body := "current-context: prod\ncontexts:\n  prod:\n    read-only: true\n    kafka:\n      brokers: [" + addr + "]\n" +
		"    nsq:\n      lookupd: [http://" + addr + "]\n      nsqd: [" + addr + "]\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	wantErr := "topicat: " + sources.ErrReadOnly.Error() + "\n"
	for name, cases := range changes {
		for _, c := range cases {
			for _, how := range []struct {
				name string
				args []string
				env  map[string]string
			}{
				{"--read-only", append(append(append([]string{}, c.args...), c.flags...), "--read-only"), nil},
				// TOPICAT_CONFIG, as --config is also create and alter topic's own flag.
				{"read-only context", c.args, map[string]string{"TOPICAT_CONFIG": cfg}},
			} {
				t.Run(name+"/"+strings.Join(c.args[len(strings.Fields(name)):], " ")+"/"+how.name, func(t *testing.T) {
					before := dialled()
					stdout, stderr, code := runCLIWith(t, how.env, c.stdin, how.args...)
					if code != 1 || stdout != "" || stderr != wantErr {
						t.Fatalf("%q: exit %d\nstdout: %q\nstderr: %q", how.args, code, stdout, stderr)
					}
					if n := dialled() - before; n != 0 {
						t.Fatalf("%q: refused, but only after %d connections to the cluster", how.args, n)
					}
				})
			}
		}
	}
}
