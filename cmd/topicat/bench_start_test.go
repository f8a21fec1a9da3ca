package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The release budgets (README, "Speed, measured"): none is asserted, they are
// here to be run and compared. Each runs the binary as GoReleaser builds it:
// static, stripped, trimmed.
//
//	go test ./cmd/topicat -run '^$' -bench 'Stripped|FirstFrame|Version' -benchtime=20x

var (
	strippedOnce sync.Once
	strippedPath string
	strippedErr  error
)

func strippedBinary(b *testing.B) string {
	b.Helper()
	strippedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "topicat-bench-")
		if err != nil {
			strippedErr = err
			return
		}
		strippedPath = filepath.Join(dir, "topicat")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", strippedPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			strippedErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if strippedErr != nil {
		b.Fatal(strippedErr)
	}
	return strippedPath
}

// BenchmarkStrippedSize reports the release binary's size in MB (10^6 bytes).
func BenchmarkStrippedSize(b *testing.B) {
	fi, err := os.Stat(strippedBinary(b))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
	}
	b.ReportMetric(float64(fi.Size())/1e6, "MB")
}

// BenchmarkVersion: `topicat version`, exec to exit. Budget 20 ms.
func BenchmarkVersion(b *testing.B) {
	bin := strippedBinary(b)
	for b.Loop() {
		if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil {
			b.Fatalf("topicat version: %v\n%s", err, out)
		}
	}
}

// BenchmarkFirstFrame: from launching topicat in a tmux window until its
// header is on screen, with no cluster reachable (connections come after the
// first frame). The screen is polled every millisecond, which the figure
// includes. Budget 100 ms.
func BenchmarkFirstFrame(b *testing.B) {
	if _, err := exec.LookPath("tmux"); err != nil {
		b.Skip("tmux not installed")
	}
	bin := strippedBinary(b)
	// One server for every run, so its start is not counted.
	term := startTerminal(b, 100, 30, []string{"TERM=xterm-256color"}, "sleep", "600")
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		name := fmt.Sprint("run", i)
		start := time.Now()
		// 192.0.2.1 (TEST-NET-1) never answers: the connection stays pending.
		term.tmux("new-window", "-d", "-n", name, bin, "-b", "192.0.2.1:9092", "--timeout", "10s")
		for {
			out, err := term.run("capture-pane", "-p", "-t", name)
			if err == nil && strings.Contains(out, "topicat │") {
				break
			}
			if time.Since(start) > 30*time.Second { // bounds a hang only
				b.Fatalf("no header after 30s:\n%s", out)
			}
			time.Sleep(time.Millisecond)
		}
		total += time.Since(start)
		term.tmux("kill-window", "-t", name)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/frame")
}
