// Command topicat is a terminal dashboard for Kafka and NSQ clusters.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// Stamped by the release build (-ldflags "-X main.version=…").
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is the whole program behind main, so tests can call it: the command tree
// is built anew for each call and reaches the environment only through env.
//
// Exit codes: 0 done (help included), 2 the command line was wrong, 3 `get`
// printed figures from a cluster of which some endpoints did not answer, 1
// anything else (a cluster that did not answer, a health finding of error
// severity).
// Errors are one line on stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	d := &deps{env: env, stdin: stdin}
	root := newRootCmd(d)
	root.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := singleDashLong(root, args)
	if err == nil {
		err = root.ExecuteContext(ctx)
	}
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "topicat:", err)
	// What cobra rejects before a command runs (flags, arguments, unknown
	// commands, required flags) is the caller's words being off.
	if !d.ran || errors.As(err, new(usageError)) {
		return 2
	}
	if errors.As(err, new(partialError)) {
		return 3
	}
	return 1
}

func versionString() string {
	v, c, d := version, commit, date
	if v == "" {
		v = "dev"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	s := "topicat " + v
	if c != "" {
		s += " (" + c
		if d != "" {
			s += ", " + d
		}
		s += ")"
	}
	return s
}

// usageError is the caller's words being off: exit code 2.
type usageError struct{ error }

func usageErr(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }
