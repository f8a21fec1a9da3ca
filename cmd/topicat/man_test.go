package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// genMan runs `topicat man --dir` in-process and returns the page.
func genMan(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, errOut, code := runCLI(t, "man", "--dir", dir)
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("man: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	page, err := os.ReadFile(filepath.Join(dir, "topicat.1"))
	if err != nil {
		t.Fatal(err)
	}
	return string(page)
}

// The committed page is what the help says now: a changed Short, Long,
// Example or flag needs the page made again.
func TestManPageUpToDate(t *testing.T) {
	committed, err := os.ReadFile(filepath.Join("..", "..", "man", "topicat.1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := genMan(t); got != string(committed) {
		t.Fatalf("man/topicat.1 is out of date with the help; run: go run ./cmd/topicat man --dir man")
	}
}

// The page names every visible command and every visible flag, with the
// usage --help prints for it.
func TestManPageCoversTree(t *testing.T) {
	page := genMan(t)
	// The page escapes hyphens; compare with them plain again.
	plain := strings.ReplaceAll(page, `\-`, "-")
	root := newRootCmd(&deps{env: func(string) string { return "" }})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c != root {
			if !strings.Contains(plain, `.SS "`+c.CommandPath()+`"`) {
				t.Errorf("no section for %q", c.CommandPath())
			}
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden || f.Name == "help" {
				return
			}
			head, usage := flagUsage(f)
			names := head[:strings.Index(head, "--"+f.Name)+len(f.Name)+2]
			if !strings.Contains(plain, `\fB`+names+`\fR`) || !strings.Contains(plain, strings.ReplaceAll(usage, `\`, `\e`)) {
				t.Errorf("%s: flag --%s or its usage %q is missing", c.CommandPath(), f.Name, usage)
			}
		})
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				walk(sub)
			}
		}
	}
	walk(root)
	if strings.Contains(plain, `.SS "topicat man"`) || strings.Contains(plain, "__complete") {
		t.Error("the page lists a hidden command")
	}
}

// groff formats the page without a warning, as man(1) will show it.
func TestManPageRenders(t *testing.T) {
	if _, err := exec.LookPath("groff"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("groff is not installed; .ci/run must install groff-base")
		}
		t.Skip("groff not installed (apt-get install groff-base)")
	}
	dir := t.TempDir()
	if _, _, code := runCLI(t, "man", "--dir", dir); code != 0 {
		t.Fatalf("man: exit %d", code)
	}
	cmd := exec.Command("groff", "-man", "-Tutf8", "-ww", filepath.Join(dir, "topicat.1"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || errb.Len() > 0 {
		t.Fatalf("groff: %v\n%s", err, errb.String())
	}
	text := out.String()
	for _, want := range []string{"NAME", "SYNOPSIS", "CLUSTER FLAGS", "topicat get", "--brokers", "topicat config use"} {
		// groff's terminal output emboldens by overstriking: x\bx.
		if !strings.Contains(stripOverstrike(text), want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
}

// stripOverstrike removes groff's bold and underline (c\bc, _\bc).
func stripOverstrike(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i := 0; i < len(r); i++ {
		if i+2 < len(r) && r[i+1] == '\b' {
			continue // the struck character goes; the one after \b stays
		}
		if r[i] == '\b' {
			continue
		}
		b.WriteRune(r[i])
	}
	return b.String()
}
