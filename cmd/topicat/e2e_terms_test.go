//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// The terminals people have over SSH: each TERM, and NO_COLOR, at 80×24 and
// at the 60×15 of a split pane, must show the whole first screen. At 60
// columns the header keeps the context, the health counts and each system's
// up/total and sheds the ages, throughput and words; the tab bar keeps every
// tab's number and the active tab's name; the broker addresses stay whole
// (the columns after them give way), the footer's demo message is cut (with
// …), the help hint is not.

var (
	// 38;5 and 48;5 are 256 colours, 38;2 and 48;2 true colour.
	deepColour = regexp.MustCompile(`\x1b\[[0-9;:]*[34]8[;:][25][;:]`)
	brokerRow  = regexp.MustCompile(`(?m)^.\s+\d\s+127\.0\.0\.1:\d+\s`) // the whole address
)

func TestEndToEndTerminals(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	type colours int
	const (
		deep    colours = iota // 256 colours or more
		sixteen                // the 16 ANSI colours, no more
		none
	)
	for _, env := range []struct {
		name string
		env  []string
		want colours
	}{
		{"xterm-256color", []string{"TERM=xterm-256color"}, deep},
		{"screen-256color", []string{"TERM=screen-256color"}, deep},
		{"tmux-256color", []string{"TERM=tmux-256color"}, deep},
		{"xterm", []string{"TERM=xterm"}, sixteen},
		{"linux", []string{"TERM=linux"}, sixteen},
		{"NO_COLOR", []string{"TERM=xterm-256color", "NO_COLOR=1"}, none},
	} {
		for _, size := range [][2]int{{80, 24}, {60, 15}} {
			w, h := size[0], size[1]
			t.Run(fmt.Sprintf("%s/%dx%d", env.name, w, h), func(t *testing.T) {
				t.Parallel()
				// COLORTERM from the developer's terminal would lift xterm to true colour.
				term := startTerminal(t, w, h, append([]string{"COLORTERM="}, env.env...), bin, "demo")
				header := `^ topicat │ demo │ health (✖ \d+ )?▲ \d+ │ kafka (3 brokers · \d+s ago|3/3 up) │ nsq (3 nodes · \d+s ago|3/3 up)\s*$`
				tabs := " Kafka 1 Brokers 2 Topics 3 Groups │ NSQ 4 Nodes 5 Topics 6 Channels │ 7 Health"
				footer := `^ demo: kcat -b 127\.0\.0\.1:\d+ · nsqlookupd http://127\.0\.0\.1:\d+   \? help`
				if w == 60 {
					// An error count too would shed the name and the words as well.
					header = `^ (topicat │ )?demo │ (health )?(✖ \d+ )?▲ \d+ │ kafka 3/3( up)? │ nsq 3/3( up)?\s*$`
					tabs = " Kafka 1 Brokers 2 3 │ NSQ 4 5 6 │ 7"
					footer = `^ demo: kcat -b 127\.0\.0\.1:\d+ · nsqlookupd [a-z:/.0-9]*…   \? help\s*$`
				}
				// The header's counts come with the first snapshots, after the first frame.
				s := term.waitForMatch(regexp.MustCompile(`(?m)` + strings.TrimSuffix(header, `\s*$`)))
				s = term.waitForMatch(brokerRow) // the same poll; wait out a frame between
				lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
				for i, line := range lines {
					if n := len([]rune(line)); n > w {
						t.Fatalf("line %d is %d columns wide, wider than %d: %q", i, n, w, line)
					}
				}
				if !regexp.MustCompile(header).MatchString(lines[0]) {
					t.Fatalf("header %q does not match %s", lines[0], header)
				}
				if strings.TrimRight(lines[1], " ") != tabs {
					t.Fatalf("tab bar %q, want %q", lines[1], tabs)
				}
				if !strings.HasPrefix(lines[2], " KAFKA Brokers  3 rows") {
					t.Fatalf("pane title %q", lines[2])
				}
				if !strings.Contains(lines[3], "ADDRESS") || !strings.Contains(lines[3], "STATE") {
					t.Fatalf("column heads %q", lines[3])
				}
				if n := len(brokerRow.FindAllString(s, -1)); n != 3 {
					t.Fatalf("want 3 broker rows, saw %d:\n%s", n, s)
				}
				if len(lines) != h {
					t.Fatalf("screen of %d lines, want %d:\n%s", len(lines), h, s)
				}
				if last := lines[h-1]; !regexp.MustCompile(footer).MatchString(last) {
					t.Fatalf("footer %q does not match %s", last, footer)
				}

				raw := term.tmux("capture-pane", "-p", "-e")
				switch {
				case env.want == deep && !deepColour.MatchString(raw):
					t.Fatalf("no 256 colours on %s:\n%q", env.name, raw[:min(len(raw), 400)])
				case env.want == sixteen && !sgrColour.MatchString(raw):
					// tmux answers topicat's colour queries for itself, whatever
					// TERM says: the 16 colours of xterm and linux are checked on a
					// terminal that answers nothing, in TestFirstFrameTerminalNeverAnswers.
					t.Fatalf("no colour on %s:\n%q", env.name, raw[:min(len(raw), 400)])
				case env.want == none && sgrColour.MatchString(raw):
					t.Fatalf("colour codes despite NO_COLOR:\n%q", raw[:min(len(raw), 400)])
				}
				term.keys("q")
				term.restored(term.exited())
			})
		}
	}
}

// TestEndToEndWindowTitle: topicat titles the window with its context and
// gives the shell's title back on exit.
func TestEndToEndWindowTitle(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	// The shell titles the pane first, as a prompt does.
	term := startTerminal(t, 80, 24, []string{"TERM=xterm-256color"},
		"sh", "-c", `printf '\033]2;my shell\033\\'; exec "$0" -b 127.0.0.1:1 --timeout 1s`, bin)
	title := func() string {
		return strings.TrimSpace(term.tmux("display-message", "-p", "-t", "0", "#{pane_title}"))
	}
	term.waitFor("topicat", "kafka")
	// The title follows the frame; poll for it the same way.
	deadline := time.Now().Add(30 * time.Second) // bounds a hang only
	for title() != "topicat 127.0.0.1:1" {
		if time.Now().After(deadline) {
			t.Fatalf("the pane title is %q while topicat runs", title())
		}
		time.Sleep(50 * time.Millisecond)
	}
	term.keys("q")
	term.restored(term.exited())
	if got := title(); got != "my shell" {
		t.Fatalf("the pane title is %q after exit, want the shell's %q back", got, "my shell")
	}
}

// TestFirstFrameTerminalNeverAnswers runs topicat on a bare pty that answers
// nothing. topicat asks for the background colour (OSC 11) to pick its
// palette, so the first frame must not wait for the answer: it must come with
// the question still open, and q must still quit. With no answers, TERM alone
// decides how many colours there may be: 16 on xterm and the console.
func TestFirstFrameTerminalNeverAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped with -short")
	}
	bin := binary(t)
	for _, tc := range []struct {
		term string
		deep bool // 256 colours allowed
	}{{"xterm-256color", true}, {"xterm", false}, {"linux", false}} {
		t.Run(tc.term, func(t *testing.T) {
			out := firstFrameOnSilentPTY(t, bin, tc.term)
			if !bytes.Contains(out, []byte("\x1b]11;?")) {
				t.Log("topicat no longer asks for the background colour; this test then proves less")
			}
			if !sgrColour.Match(out) || (!tc.deep && deepColour.Match(out)) {
				t.Fatalf("TERM=%s: want colour, at most 256 colours %v:\n%q", tc.term, tc.deep, out[:min(len(out), 600)])
			}
		})
	}
}

// firstFrameOnSilentPTY runs topicat against an unreachable cluster on a pty
// nobody answers, waits for its first frame, quits with q and returns what it
// wrote.
func firstFrameOnSilentPTY(t *testing.T, bin, term string) []byte {
	master, slave := openPTY(t, 80, 24)
	cmd := exec.Command(bin, "-b", "127.0.0.1:1", "--timeout", "1s")
	env := []string{"TERM=" + term, "XDG_CONFIG_HOME=" + t.TempDir(), "TOPICAT_CONFIG="}
	for _, e := range os.Environ() {
		// Only TERM may speak for the terminal here.
		if k, _, _ := strings.Cut(e, "="); k != "TMUX" && k != "COLORTERM" && k != "NO_COLOR" {
			env = append(env, e)
		}
	}
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	var mu sync.Mutex
	var out bytes.Buffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	seen := func(s string) bool {
		mu.Lock()
		defer mu.Unlock()
		return bytes.Contains(out.Bytes(), []byte(s))
	}
	deadline := time.Now().Add(30 * time.Second) // bounds a hang only
	for !seen("topicat") || !seen("Brokers") {
		if time.Now().After(deadline) {
			mu.Lock()
			t.Fatalf("no first frame on a terminal that does not answer:\n%q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := master.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("topicat: %v", err)
		}
	case <-time.After(30 * time.Second): // bounds a hang only
		t.Fatal("q did not quit on a terminal that does not answer")
	}
	mu.Lock()
	defer mu.Unlock()
	return bytes.Clone(out.Bytes())
}

// openPTY opens a pseudo-terminal of w×h with nothing on its far side.
func openPTY(t *testing.T, w, h int) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	ioctl := func(req uintptr, arg unsafe.Pointer) {
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), req, uintptr(arg)); e != 0 {
			t.Fatalf("ioctl %#x: %v", req, e)
		}
	}
	var unlock int32
	ioctl(syscall.TIOCSPTLCK, unsafe.Pointer(&unlock))
	var n uint32
	ioctl(syscall.TIOCGPTN, unsafe.Pointer(&n))
	ws := struct{ rows, cols, x, y uint16 }{uint16(h), uint16(w), 0, 0}
	ioctl(syscall.TIOCSWINSZ, unsafe.Pointer(&ws))
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return master, slave
}
