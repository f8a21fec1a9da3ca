package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"

	"github.com/topicat/topicat/tui/safetext"
)

// confirmation guards a destructive command: on a terminal the name of what
// goes must be typed; without one, --yes must say the caller means it. A
// wrong name aborts, changing nothing.
type confirmation struct {
	in  io.Reader
	out io.Writer // where the question goes: stderr, so stdout stays the command's
	yes bool
}

// confirm asks for name before what happens (e.g. "Delete topic orders and
// all its records"). The name is compared as shown, made safe for the
// terminal, since that is what a person can type.
func (c confirmation) confirm(ctx context.Context, what, name string) error {
	if c.yes {
		return nil
	}
	if err := c.ready(what); err != nil {
		return err
	}
	return askName(ctx, c.in, c.out, what, name)
}

// ready says whether the question can be asked: --yes, or a terminal.
func (c confirmation) ready(what string) error {
	if f, ok := c.in.(*os.File); !c.yes && (!ok || !term.IsTerminal(f.Fd())) {
		return usageErr("no terminal to confirm on (standard input is not one): add --yes to %s", lowerFirst(what))
	}
	return nil
}

// askName asks for name to be typed on in. It returns when a line is read or
// ctx ends: a read blocked on a terminal must not keep ctrl+c from working.
func askName(ctx context.Context, in io.Reader, out io.Writer, what, name string) error {
	shown := safetext.Line(name)
	fmt.Fprintf(out, "%s? Type %s to confirm: ", what, shown)
	lines := make(chan string, 1)
	go func() {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && line == "" {
			close(lines)
			return
		}
		lines <- strings.TrimRight(line, "\r\n")
	}()
	select {
	case typed, ok := <-lines:
		switch {
		case !ok:
			fmt.Fprintln(out)
			return errors.New("aborted: nothing typed; nothing was changed")
		case typed != shown:
			return fmt.Errorf("aborted: %q is not %q; nothing was changed", safetext.Line(typed), shown)
		}
		return nil
	case <-ctx.Done():
		fmt.Fprintln(out)
		return errors.New("aborted; nothing was changed")
	}
}

// lowerFirst turns a sentence into a clause: "Delete topic x" → "delete topic x".
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
