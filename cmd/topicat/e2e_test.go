package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// These tests run the real binary in a real terminal: tmux on a private
// socket, keys sent with send-keys, the screen read with capture-pane.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds topicat once per test run.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "topicat-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "topicat")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// sgrColour matches an SGR colour parameter: 30–38, 40–48, 90–97, 100–107
// (39 and 49 are resets to the default colour, not colours).
var sgrColour = regexp.MustCompile(`\x1b\[(?:[0-9:;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:[;:][0-9:;]*)?m`)

// terminal is one tmux session running a command.
type terminal struct {
	t      testing.TB
	socket string
	status string // the command's exit status is written here
}

func needTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed; .ci/run must install it")
		}
		t.Skip("tmux not installed")
	}
	if testing.Short() {
		t.Skip("end-to-end test skipped with -short")
	}
}

// startTerminal runs argv in a w×h tmux pane with env set. After the command
// exits, the pane stays to show what it left behind.
func startTerminal(t testing.TB, w, h int, env []string, argv ...string) *terminal {
	t.Helper()
	dir := t.TempDir()
	term := &terminal{t: t, socket: filepath.Join(dir, "tmux.sock"), status: filepath.Join(dir, "status")}
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	script := fmt.Sprintf("%s; echo \"exit=$?\" > %s; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon' >> %s; echo exited; sleep 600",
		strings.Join(quoted, " "), term.status, term.status)
	args := []string{"-S", term.socket, "-f", "/dev/null", "new-session", "-d", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h)}
	// A config file of the developer's must not change what the test sees.
	env = append([]string{"XDG_CONFIG_HOME=" + dir, "TOPICAT_CONFIG="}, env...)
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, "sh", "-c", script)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-S", term.socket, "kill-server").Run() })
	return term
}

func (term *terminal) tmux(args ...string) string {
	term.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", term.socket}, args...)...).CombinedOutput()
	if err != nil {
		term.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// run is tmux without failing the test: for commands that may answer an error.
func (term *terminal) run(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-S", term.socket}, args...)...).CombinedOutput()
	return string(out), err
}

// programPID is the program under test: the pane's shell's child, or the
// pane's process itself when the shell exec'd the command (dash does).
func (term *terminal) programPID() int {
	term.t.Helper()
	pane := strings.TrimSpace(term.tmux("display-message", "-p", "-t", "0", "#{pane_pid}"))
	deadline := time.Now().Add(30 * time.Second) // bounds a hang only
	for {
		if comm, err := os.ReadFile("/proc/" + pane + "/comm"); err == nil && strings.HasPrefix(strings.TrimSpace(string(comm)), "topicat") {
			pid, _ := strconv.Atoi(pane)
			return pid
		}
		if raw, err := os.ReadFile("/proc/" + pane + "/task/" + pane + "/children"); err == nil {
			if fields := strings.Fields(string(raw)); len(fields) > 0 {
				pid, err := strconv.Atoi(fields[0])
				if err != nil {
					term.t.Fatal(err)
				}
				return pid
			}
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("the pane's process %s started no program", pane)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (term *terminal) screen() string { return term.tmux("capture-pane", "-p") }

// waitFor polls the screen until every text is on it. The deadline is generous
// on purpose: it only bounds a hang, it does not measure speed.
func (term *terminal) waitFor(texts ...string) string {
	term.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := term.screen()
		missing := ""
		for _, want := range texts {
			if !strings.Contains(s, want) {
				missing = want
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("screen never showed %q:\n%s", missing, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForMatch polls the screen until re matches it.
func (term *terminal) waitForMatch(re *regexp.Regexp) string {
	term.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := term.screen()
		if re.MatchString(s) {
			return s
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("screen never matched %s:\n%s", re, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// keys sends keys one at a time, as a person types. After Escape it waits
// out the terminal reader's escape timeout (50ms), so that esc and the next
// key are never read together as alt+key.
func (term *terminal) keys(keys ...string) {
	for _, k := range keys {
		term.tmux("send-keys", "-t", "0", k)
		if k == "Escape" {
			time.Sleep(200 * time.Millisecond)
		} else {
			time.Sleep(30 * time.Millisecond)
		}
	}
}

func (term *terminal) text(s string) { term.tmux("send-keys", "-t", "0", "-l", "--", s) }

// exited waits for the program to end and returns its status lines.
func (term *terminal) exited() string {
	term.t.Helper()
	term.waitFor("exited")
	b, err := os.ReadFile(term.status)
	if err != nil {
		term.t.Fatal(err)
	}
	return string(b)
}

// restored checks the terminal is back as the program found it.
func (term *terminal) restored(status string) {
	term.t.Helper()
	if !strings.HasPrefix(status, "exit=0") {
		term.t.Fatalf("topicat exited with %q", status)
	}
	if !strings.Contains(status, "\nicanon") {
		term.t.Fatalf("terminal left in raw mode (stty: %q)", status)
	}
	flags := term.tmux("display-message", "-p", "-t", "0", "#{alternate_on} #{cursor_flag} #{mouse_any_flag}")
	if strings.TrimSpace(flags) != "0 1 0" {
		term.t.Fatalf("terminal not restored: alternate screen, cursor, mouse = %q, want 0 1 0", flags)
	}
}

func TestEndToEndDemo(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	term := startTerminal(t, 100, 30, []string{"TERM=xterm-256color"}, bin, "demo")

	// "up" alone is in "Groups" on the tab bar: wait for the rows.
	s := term.waitFor("topicat", "demo", "KAFKA Brokers  3 rows", " up ", "demo: kcat -b 127.0.0.1:")
	if n := len(regexp.MustCompile(`(?m)^.\s+\d\s+127\.0\.0\.1:\d+`).FindAllString(s, -1)); n != 3 {
		t.Fatalf("want 3 broker rows, saw %d:\n%s", n, s)
	}
	term.keys("2")
	term.waitFor("KAFKA Topics", "orders", "payments", "clickstream", "audit-log")
	term.keys("Enter")
	term.waitFor("Topic audit-log", "PARTITION", "LEADER", "size limit")
	term.keys("Escape")
	term.waitFor("KAFKA Topics  4 rows")
	term.keys("3")
	term.waitFor("analytics", "billing", "audit-archiver", "Empty")
	term.keys("4")
	// Two lookupds in the demo, each knowing every node.
	term.waitFor("NSQ Nodes", "1.3.0", "2/2")
	term.keys("6")
	// The demo pauses emails/sender on the first node only.
	term.waitFor("NSQ Channels", "archive", "indexer", "push", "sender", "CLIENTS", "emails/sender: paused on 1 of 3 nodes")
	term.keys("7")
	term.waitFor("replication factor 1", "depth", "no clients", "What to do:")

	term.keys("?")
	term.waitFor("Keys", "Commands", "? or esc closes this help")
	term.keys("Escape")
	term.waitFor("Health  ")

	term.keys(":")
	term.text("nsq topics")
	term.keys("Enter")
	term.waitFor("NSQ Topics", "events", "emails", "notifications")

	term.keys("/")
	term.text("notif")
	term.waitFor("1 of 3 rows", "filter: notif")
	term.keys("Enter", "Escape")
	term.waitFor("NSQ Topics  3 rows")

	term.keys("p")
	term.waitFor("PAUSED")
	term.keys("p", "r")

	colour := term.tmux("capture-pane", "-p", "-e")
	if !sgrColour.MatchString(colour) {
		t.Fatalf("no colour on a 256-colour terminal:\n%q", colour[:min(len(colour), 400)])
	}

	term.keys("q")
	status := term.exited()
	term.restored(status)
	// The demo prints its addresses once the dashboard is gone, for kcat and friends.
	term.waitFor("kafka brokers  127.0.0.1:", "kcat -b 127.0.0.1:")
}

func TestEndToEndNoColorAndSmallTerminal(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	term := startTerminal(t, 80, 24, []string{"NO_COLOR=1", "TERM=xterm-256color"}, bin, "demo", "--read-only")
	s := term.waitFor("READ-ONLY", "127.0.0.1:")
	for i, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if len([]rune(line)) > 80 {
			t.Fatalf("line %d is wider than 80 columns: %q", i, line)
		}
	}
	raw := term.tmux("capture-pane", "-p", "-e")
	if sgrColour.MatchString(raw) {
		t.Fatalf("colour codes despite NO_COLOR:\n%q", raw[:min(len(raw), 400)])
	}
	term.keys("C-c")
	term.restored(term.exited())
}

func TestEndToEndUnreachableCluster(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	// Port 1 on loopback refuses at once; the status line must say so, not hang or crash.
	term := startTerminal(t, 100, 30, nil, bin, "-b", "127.0.0.1:1", "--nsqd", "127.0.0.1:1", "--timeout", "2s")
	term.waitFor("✖ kafka", "✖ nsq", "refused")
	term.keys("q")
	term.restored(term.exited())
}

// TestEndToEndHostileNames: names come from the cluster and anyone who can
// commit offsets can pick a group id. One full of escape sequences must show
// as text, and the terminal's title and screen must stay as they were.
func TestEndToEndHostileNames(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	k := kafkatest.NewCluster(t)
	k.CreateTopics(1, 3, "orders")
	k.Produce("orders", 5)
	evil := "evil\x1b]0;PWNED\x07\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b[31m\u202eredrum"
	k.Commit(evil, map[string]map[int32]int64{"orders": {0: 1}})

	term := startTerminal(t, 120, 30, []string{"TERM=xterm-256color"}, bin, "-b", strings.Join(k.Addrs(), ","))
	term.waitFor("Brokers", "up")
	term.keys("3")
	s := term.waitFor(`evil\x1b]0;PWNED\x07\x1b]52;c;`, "orders")
	if strings.Contains(s, "\u202e") {
		t.Fatal("a bidi override reached the screen")
	}
	// topicat sets the title itself; the group's OSC 0 must not.
	if got := term.tmux("display-message", "-p", "-t", "0", "#{pane_title}"); !strings.HasPrefix(got, "topicat ") || strings.Contains(got, "PWNED") {
		t.Fatalf("the pane title is %q", got)
	}
	term.keys("q")
	term.restored(term.exited())
}

// TestEndToEndBrokerDiesMidSession: a broker stops answering while the
// dashboard runs; its row says DOWN, the status line carries one line for it,
// the header counts the error, the rest stays on screen, and it recovers.
func TestEndToEndBrokerDiesMidSession(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	k := kafkatest.NewCluster(t)
	k.CreateTopics(3, 3, "orders")
	k.Produce("orders", 10)
	term := startTerminal(t, 120, 30, nil, bin, "-b", strings.Join(k.Addrs(), ","), "--refresh", "200ms", "--timeout", "2s")
	term.waitFor("Brokers", "up")

	k.BrokerDown(2)
	s := term.waitFor("DOWN for", "✖ kafka broker 2", "health ✖ 1")
	if n := strings.Count(s, "✖ kafka broker 2"); n != 1 {
		t.Fatalf("the failing broker has %d status lines, want 1:\n%s", n, s)
	}
	if n := strings.Count(s, " up "); n != 2 {
		t.Fatalf("want the 2 other brokers still up:\n%s", s)
	}
	term.keys("2")
	term.waitFor("orders")

	k.BrokerUp(2)
	term.keys("1")
	s = term.waitFor("✔ healthy")
	if strings.Contains(s, "DOWN") || strings.Contains(s, "✖") {
		t.Fatalf("no recovery:\n%s", s)
	}
	term.keys("q")
	term.restored(term.exited())
}

// TestEndToEndBashCompletion: the script of `topicat completion bash`, sourced
// into a real bash, completes subcommands, views and contexts by asking the
// binary.
func TestEndToEndBashCompletion(t *testing.T) {
	needTmux(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	// cobra's bash script stands on the bash-completion package, as most do.
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(bashCompletion); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("bash-completion is not installed; .ci/run must install it")
		}
		t.Skip("bash-completion not installed (apt-get install bash-completion)")
	}
	bin := binary(t)
	cfg := writeConfig(t, goodConfig)
	term := startTerminal(t, 160, 20, []string{"PS1=$ "}, bash, "--norc", "--noprofile", "-i")
	term.text(". " + bashCompletion + "; PATH=" + filepath.Dir(bin) + ":$PATH; source <(topicat completion bash)")
	term.keys("Enter")
	for _, tc := range []struct{ typed, want string }{
		{"topicat dem", "topicat demo"},
		{"topicat get kaf", "topicat get kafka"},
		// channel (a page) and channels (a pane): bash completes the prefix they share.
		{"topicat get -b h:1 nsq cha", "topicat get -b h:1 nsq channel"},
		{"topicat get -b h:1 nsq inac", "topicat get -b h:1 nsq inactive"},
		{"topicat --config " + cfg + " -c st", "-c staging"},
		{"topicat --theme noc", "--theme nocturne"},
	} {
		term.text(tc.typed)
		term.keys("Tab")
		term.waitFor(tc.want)
		// ctrl+u clears the line in turn with the typing; ctrl+c, a
		// signal, could overtake a completion still running.
		term.keys("C-u")
	}
	// After a unique completion bash adds a space, so the next word follows.
	term.text("topicat get kafka par")
	term.keys("Tab")
	term.text("-o js")
	term.keys("Tab")
	term.waitFor("topicat get kafka partitions -o json")
	term.keys("C-u")
	term.text("exit")
	term.keys("Enter")
	term.exited()
}
