package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// newManCmd writes man/topicat.1 for packagers and for the test that keeps
// the committed page in step with the help. It is hidden: users read the page,
// they do not make it.
func newManCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:               "man",
		Short:             "Write the man page topicat.1 into --dir",
		Hidden:            true,
		Annotations:       map[string]string{noClusterFlags: "true"},
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			// A tree of its own, so that nothing of this run (flags parsed,
			// the environment) shows in the page.
			page := manPage(newRootCmd(&deps{env: func(string) string { return "" }}))
			return os.WriteFile(filepath.Join(dir, "topicat.1"), page, 0o644)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "man", "directory to write topicat.1 into")
	_ = cmd.MarkFlagDirname("dir")
	return cmd
}

// manPage renders the whole command tree as one page, from the same Short,
// Long, Example and flag usages that --help prints. cobra/doc writes a page
// per command; one page is what `man topicat` users search with /.
// No date or version goes in, so the page only changes when the help does.
func manPage(root *cobra.Command) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, ".TH TOPICAT 1 \"\" \"topicat\" \"User Commands\"\n")
	// No hyphenation and a ragged right: names and flags stay whole words.
	b.WriteString(".nh\n.ad l\n")
	fmt.Fprintf(&b, ".SH NAME\ntopicat \\- %s\n", roffEscape(lowerFirst(root.Short)))
	b.WriteString(".SH SYNOPSIS\n.B topicat\n[flags]\n.br\n.B topicat\n.I COMMAND\n[flags]\n")
	b.WriteString(".SH DESCRIPTION\n")
	roffText(&b, root.Long)
	if root.Example != "" {
		b.WriteString(".SH EXAMPLES\n")
		roffExample(&b, root.Example)
	}
	b.WriteString(".SH OPTIONS\n")
	roffFlags(&b, root.LocalNonPersistentFlags())
	b.WriteString(".SH CLUSTER FLAGS\nEvery command that talks to a cluster takes these, before or after its own words.\n")
	roffFlags(&b, root.PersistentFlags())
	b.WriteString(".SH COMMANDS\n")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() {
				continue
			}
			roffCommand(&b, sub)
			walk(sub)
		}
	}
	walk(root)
	b.WriteString(".SH ENVIRONMENT\n")
	for _, e := range [][2]string{
		{"TOPICAT_CONFIG", "the config file, as --config"},
		{"XDG_CONFIG_HOME", "where topicat/config.yaml is looked for (default ~/.config)"},
		{"NO_COLOR", "when set, no colour"},
		{"TOPICAT_SASL_PASSWORD, TOPICAT_SASL_TOKEN, TOPICAT_NSQ_AUTH_SECRET", "secrets, instead of the --*-file flags"},
	} {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roffEscape(e[0]), roffEscape(e[1]))
	}
	b.WriteString(".SH EXIT STATUS\n0 on success, 1 on an error (or a finding of error severity from get health), 2 on a usage error, 3 when get answered only in part.\n")
	b.WriteString(".SH SEE ALSO\n\"topicat COMMAND \\-\\-help\" prints the same help for one command.\n")
	return b.Bytes()
}

// roffCommand writes one subcommand: its usage line, description, examples
// and its own flags (the cluster flags have their section).
func roffCommand(b *bytes.Buffer, c *cobra.Command) {
	fmt.Fprintf(b, ".SS \"%s\"\n", roffEscape(c.CommandPath()))
	// The usage lines of the help.
	var uses []string
	if c.Runnable() {
		uses = append(uses, c.UseLine())
	}
	if c.HasAvailableSubCommands() {
		uses = append(uses, c.CommandPath()+" COMMAND [flags]")
	}
	for i, u := range uses {
		if i > 0 {
			b.WriteString(".br\n")
		}
		fmt.Fprintf(b, ".B %s\n", roffEscape(u))
	}
	b.WriteString(".PP\n")
	desc := c.Long
	if desc == "" {
		desc = c.Short
	}
	roffText(b, desc)
	if c.Example != "" {
		b.WriteString(".PP\nExamples:\n")
		roffExample(b, c.Example)
	}
	roffFlags(b, c.LocalFlags())
}

// roffFlags writes each visible flag but --help as pflag prints it in the
// help: the names and value name, then the usage with its default.
func roffFlags(b *bytes.Buffer, flags *pflag.FlagSet) {
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" {
			return
		}
		head, usage := flagUsage(f)
		// "-b, --brokers host:port": the names end at the long name.
		end := strings.Index(head, "--"+f.Name) + len("--"+f.Name)
		names, value := head[:end], strings.TrimSpace(head[end:])
		fmt.Fprintf(b, ".TP\n\\fB%s\\fR", roffEscape(names))
		if value != "" {
			fmt.Fprintf(b, " \\fI%s\\fR", roffEscape(value))
		}
		fmt.Fprintf(b, "\n%s\n", roffEscape(usage))
	})
}

// flagUsage splits pflag's own help line for f into the names part and the
// usage part, so the page says exactly what --help says. A mark put before the
// usage shows where one ends and the other starts.
func flagUsage(f *pflag.Flag) (head, usage string) {
	const mark = "\x01"
	one := pflag.NewFlagSet("", pflag.ContinueOnError)
	cp := *f
	cp.Usage = mark + f.Usage
	one.AddFlag(&cp)
	line := one.FlagUsagesWrapped(0)
	head, usage, _ = strings.Cut(line, mark)
	// A usage may span lines; the page fills them again.
	return strings.TrimSpace(head), strings.Join(strings.Fields(usage), " ")
}

// roffText writes help text: paragraphs split at blank lines; a paragraph
// with an indented line is a table or list and keeps its lines as typed.
func roffText(b *bytes.Buffer, text string) {
	for i, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		if i > 0 {
			b.WriteString(".PP\n")
		}
		lines := strings.Split(para, "\n")
		verbatim := false
		for _, l := range lines {
			if strings.HasPrefix(l, " ") {
				verbatim = true
			}
		}
		if verbatim {
			b.WriteString(".nf\n")
		}
		for _, l := range lines {
			if verbatim {
				l = strings.TrimRight(l, " ")
			} else {
				l = strings.TrimSpace(l)
			}
			b.WriteString(roffLine(l) + "\n")
		}
		if verbatim {
			b.WriteString(".fi\n")
		}
	}
}

// roffExample writes examples as typed, indented and unfilled.
func roffExample(b *bytes.Buffer, text string) {
	b.WriteString(".PP\n.RS 4\n.nf\n")
	for _, l := range strings.Split(strings.Trim(text, "\n"), "\n") {
		b.WriteString(roffLine(strings.TrimPrefix(strings.TrimRight(l, " "), "  ")) + "\n")
	}
	b.WriteString(".fi\n.RE\n")
}

// roffLine escapes a text line; a line that starts with . or ' would be a
// request, and an empty line would be a blank line in filled text.
func roffLine(s string) string {
	s = roffEscape(s)
	if s == "" || strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = "\\&" + s
	}
	return s
}

// roffEscape makes text literal: backslashes, and hyphens as \- so that a
// flag copied from the page is typed with ASCII minus signs.
func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	return strings.ReplaceAll(s, "-", `\-`)
}
