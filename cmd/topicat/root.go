package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// deps is what every command shares. A subcommand is one file with a
// newXCmd(d *deps) *cobra.Command, listed in newRootCmd: its own flags are
// local to it (bound to variables in that function), the cluster flags come
// from the root, d.settings(cmd) turns them into settings, cmd.Context() is
// cancelled by ctrl+c, and an error it returns is exit 1 unless it is a
// usageErr (exit 2).
type deps struct {
	// env looks up environment variables (os.Getenv, or a map in tests).
	env func(string) string
	// stdin is what produce reads.
	stdin io.Reader
	// cluster holds the root's persistent flags once cobra has parsed them.
	cluster clusterFlags
	// ran is set when a command's RunE starts: an error before that is cobra
	// rejecting the command line.
	ran bool
	// warned is set once the config's warnings were printed.
	warned bool
}

// settings resolves the cluster flags over the config file for cmd; a bad
// flag value or config file is a usage error.
func (d *deps) settings(cmd *cobra.Command) (settings, error) {
	s, err := d.cluster.resolve(cmd.Flags(), d.env)
	if err != nil {
		return s, usageErr("%v", err)
	}
	if !d.warned { // a command may resolve its settings more than once
		d.warned = true
		for _, w := range s.Warnings {
			fmt.Fprintln(cmd.ErrOrStderr(), "topicat: warning:", w)
		}
	}
	return s, nil
}

const rootExamples = `  topicat demo                                      # embedded clusters with live traffic
  topicat -b localhost:9092 --lookupd http://localhost:4161
  topicat -c prod                                   # a context from the config file
  topicat config use prod                           # the context topicat opens (config contexts lists them)
  topicat get kafka topics -b localhost:9092 -o json`

// noClusterFlags annotates a command that talks to no cluster: its help does
// not list the cluster flags it inherits.
const noClusterFlags = "topicat/no-cluster-flags"

// usageTemplate is the part of every command's help after its description:
// cobra's sections, with the inherited flags named for what they are.
const usageTemplate = `Usage:{{if .Runnable}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} COMMAND [flags]{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Commands:{{range .Commands}}{{if or .IsAvailableCommand (eq .Name "help")}}
  {{rpad .Name .NamePadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if and .HasAvailableInheritedFlags (not (index .Annotations "` + noClusterFlags + `"))}}

Cluster flags:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

"{{.CommandPath}} COMMAND --help" tells more about a command.{{end}}
`

// newRootCmd builds the whole command tree. Nothing in it is package-level, so
// each run (and each test) gets its own flags and state.
func newRootCmd(d *deps) *cobra.Command {
	root := &cobra.Command{
		Use:   "topicat",
		Short: "A terminal dashboard for Kafka and NSQ clusters",
		Long: `topicat: a terminal dashboard for Kafka and NSQ clusters. With no command it opens the
dashboard on the clusters named by the flags or by a context of the config file.

Config file: $XDG_CONFIG_HOME/topicat/config.yaml (or --config, TOPICAT_CONFIG). NO_COLOR=1
turns colour off.`,
		Example: rootExamples,
		Version: versionString(),
		Args:    unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDashboard(cmd, d)
		},
		// Errors are ours to print, as one line (see run).
		SilenceErrors:              true,
		SilenceUsage:               true,
		SuggestionsMinimumDistance: 2,
		CompletionOptions:          cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetUsageTemplate(usageTemplate)
	// Defined here so cobra does not add its -v shorthand, which tail may want.
	root.Flags().Bool("version", false, "print the version")
	d.cluster.register(root.PersistentFlags())
	root.SetFlagErrorFunc(flagError)
	help := newHelpCmd()
	root.SetHelpCommand(help) // cobra adds it to the tree only when it executes
	root.AddCommand(
		newDemoCmd(d),
		newGetCmd(d),
		newTailCmd(d),
		newProduceCmd(d),
		newCreateCmd(d),
		newDeleteCmd(d),
		newAlterCmd(d),
		newResetOffsetsCmd(d),
		newNSQVerbCmd(d, "pause"),
		newNSQVerbCmd(d, "unpause"),
		newNSQVerbCmd(d, "empty"),
		newNSQVerbCmd(d, "tombstone"),
		newConfigCmd(d),
		newVersionCmd(),
		newCompletionCmd(),
		newManCmd(), // hidden: writes man/topicat.1 (man.go)
	)
	registerClusterCompletions(root, d)
	registerLogging(root) // --log-file (logging.go)
	markRuns(root, &d.ran)
	markRuns(help, &d.ran)
	return root
}

// markRuns wraps every RunE in the tree to set *ran when it starts.
func markRuns(cmd *cobra.Command, ran *bool) {
	if runE := cmd.RunE; runE != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			*ran = true
			return runE(c, args)
		}
	}
	for _, sub := range cmd.Commands() {
		markRuns(sub, ran)
	}
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "version",
		Short:             "Print the version",
		Annotations:       map[string]string{noClusterFlags: "true"},
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), versionString())
			return err
		},
	}
}

// newHelpCmd replaces cobra's help command, which prints a topic it does not
// know as the root's usage with exit 0; ours says so in one line.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:         "help [command]",
		Short:       "Help about any command",
		Annotations: map[string]string{noClusterFlags: "true"},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			parent, _, _ := cmd.Root().Find(args)
			var out []cobra.Completion
			for _, sub := range parent.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			target, _, err := root.Find(args)
			if err != nil {
				return usageErr("%v", err)
			}
			if target == root && len(args) > 0 {
				return unknownCommand(root, args)
			}
			// cobra adds these flags when a command runs; add them now so
			// the help lists them.
			target.InitDefaultHelpFlag()
			target.InitDefaultVersionFlag()
			return target.Help()
		},
	}
}

// singleDashLong rejects a long flag written with one dash (-brokers, as Go's
// flag package and NSQ's tools take it). pflag would read -brokers as
// -b rokers and -context as -c ontext, and go on with a wrong value.
func singleDashLong(root *cobra.Command, args []string) error {
	if len(args) > 0 && strings.HasPrefix(args[0], "__complete") {
		return nil // the shell asking about a line still being typed
	}
	long := map[string]bool{}
	var collect func(c *cobra.Command)
	collect = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) { long[f.Name] = true })
		}
		for _, sub := range c.Commands() {
			collect(sub)
		}
	}
	collect(root)
	for _, a := range args {
		if a == "--" {
			break
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "-"), "=")
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && len(name) > 1 && long[name] {
			return usageErr("%s: long flags take two dashes: --%s", a, strings.TrimPrefix(a, "-"))
		}
	}
	return nil
}

// noArgs is cobra.NoArgs with our wording and exit code.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErr("%s takes no arguments, got %q (see %s --help)", cmd.CommandPath(), args[0], cmd.CommandPath())
	}
	return nil
}

// unknownCommand is the root's Args: the root takes flags only, so a word is
// a subcommand mistyped; cobra's suggestions go on the same line.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		return usageErr("unknown command %q: did you mean %s? (see %s --help)", args[0], orList(s, ""), cmd.CommandPath())
	}
	return usageErr("unknown command %q (see %s --help)", args[0], cmd.CommandPath())
}

// flagError makes pflag's complaint a usage error that says where help is,
// with the flag probably meant when the name is close to one. For a word of
// shorthands (-lookupd-http-address) the whole word is the name compared.
func flagError(cmd *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	if errors.As(err, &ne) {
		typed := ne.GetSpecifiedName()
		if sh := ne.GetSpecifiedShortnames(); len(sh) > 1 {
			typed = sh
		}
		// A secret on the command line would sit in argv and shell history.
		for _, w := range [][2]string{{"password", "TOPICAT_SASL_PASSWORD"}, {"token", "TOPICAT_SASL_TOKEN"}, {"secret", "TOPICAT_NSQ_AUTH_SECRET"}} {
			if !strings.Contains(typed, w[0]) {
				continue
			}
			where := "$" + w[1] + " or a context of the config file"
			if f := strings.TrimSuffix(typed, "-file") + "-file"; cmd.Flags().Lookup(f) != nil {
				where = "--" + f + ", " + where
			}
			return usageErr("%v: topicat takes no %s as a flag value, which anyone on the host can read in the process list; give it with %s", err, w[0], where)
		}
		if s := similarFlags(cmd.Flags(), typed); len(s) > 0 {
			return usageErr("%v: did you mean %s? (see %s --help)", err, orList(s, "--"), cmd.CommandPath())
		}
	}
	// pflag quotes the whole word for an unknown shorthand ("'P' in
	// -Phunter2"): the rest of the word may be a value typed by mistake.
	return usageErr("%s (see %s --help)", shorthandWord.ReplaceAllString(err.Error(), ""), cmd.CommandPath())
}

var shorthandWord = regexp.MustCompile(` in -\S+$`)

// similarFlags lists the long flags closest to name within two edits, or
// that start it (nsq_tail's -lookupd-http-address is our --lookupd). Only
// the closest are offered: -help is --help, not --tls as well.
func similarFlags(fs *pflag.FlagSet, name string) []string {
	if len(name) < 3 { // everything is two edits from a short name
		return nil
	}
	name = strings.ToLower(name)
	var out []string
	best := 3
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := editDistance(name, f.Name)
		if strings.HasPrefix(name, f.Name+"-") {
			d = 0
		}
		switch {
		case d < best:
			best, out = d, []string{f.Name}
		case d == best:
			out = append(out, f.Name)
		}
	})
	return out
}

// orList quotes names with prefix: "a", "a or b", "a, b or c".
func orList(names []string, prefix string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", prefix+n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
