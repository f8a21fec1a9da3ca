// Command topicat is a terminal dashboard for Kafka and NSQ clusters.
package main

import (
	"context"
	"errors"
	"flag"
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

const usage = `topicat: a terminal dashboard for Kafka and NSQ clusters

Usage:
  topicat [flags]                       open the dashboard
  topicat demo [--print-addrs] [flags]  start embedded Kafka and NSQ clusters with live traffic and open the dashboard on them
  topicat get VIEW [ARG] [-o table|json] [flags]
                                        print what a pane shows, for scripts (topicat get --help lists the views)
  topicat version                       print the version

Examples:
  topicat demo
  topicat -b localhost:9092 --lookupd http://localhost:4161
  topicat get kafka topics -b localhost:9092 -o json`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is the whole program behind main, so tests can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) int {
	err := dispatch(ctx, args, stdout, stderr, env)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintln(stderr, "topicat:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "topicat:", err)
		return 1
	}
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) error {
	if len(args) > 0 {
		switch args[0] {
		case "version", "--version":
			fmt.Fprintln(stdout, versionString())
			return nil
		case "demo":
			return runDemo(ctx, args[1:], stdout, stderr, env)
		case "get":
			return runGet(ctx, args[1:], stdout, stderr, env)
		case "help":
			fmt.Fprintln(stdout, usage)
			return nil
		}
	}
	return runDashboard(ctx, args, stdout, env)
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
