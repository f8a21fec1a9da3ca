package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/themes"
	"github.com/topicat/topicat/tui/views"
)

// newCompletionCmd prints cobra's completion scripts. It replaces cobra's
// default command (a subcommand per shell, each with a page of help) with
// one that takes the shell as its argument.
func newCompletionCmd() *cobra.Command {
	shells := map[string]func(root *cobra.Command, w io.Writer) error{
		"bash": func(root *cobra.Command, w io.Writer) error { return root.GenBashCompletionV2(w, true) },
		"zsh":  func(root *cobra.Command, w io.Writer) error { return root.GenZshCompletion(w) },
		"fish": func(root *cobra.Command, w io.Writer) error { return root.GenFishCompletion(w, true) },
		// Accepted but not advertised: topicat is not tried on Windows.
		"powershell": func(root *cobra.Command, w io.Writer) error { return root.GenPowerShellCompletionWithDesc(w) },
	}
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print the shell completion script for bash, zsh or fish",
		Long: `Print the shell completion script for bash, zsh or fish. It completes commands, flags,
the views of "topicat get", themes, and context names from the config file. The bash script
needs the bash-completion package.`,
		Example: `  source <(topicat completion bash)        # this shell; add the line to ~/.bashrc to keep it
  topicat completion zsh > "${fpath[1]}/_topicat"
  topicat completion fish > ~/.config/fish/completions/topicat.fish`,
		ValidArgs:   []cobra.Completion{"bash", "zsh", "fish"},
		Annotations: map[string]string{noClusterFlags: "true"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || shells[args[0]] == nil {
				return usageErr("completion needs one shell: bash, zsh or fish (see topicat completion --help)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := shells[args[0]](cmd.Root(), cmd.OutOrStdout()); err != nil {
				return fmt.Errorf("write %s completion: %w", args[0], err)
			}
			return nil
		},
	}
}

// registerClusterCompletions completes the values of the root's cluster
// flags that have a known set of values.
func registerClusterCompletions(root *cobra.Command, d *deps) {
	// Errors here are only a misspelt flag name, which the tests catch.
	_ = root.RegisterFlagCompletionFunc("context", d.completeContexts)
	_ = root.RegisterFlagCompletionFunc("theme", cobra.FixedCompletions(themes.Names(), cobra.ShellCompDirectiveNoFileComp))
	for _, name := range []string{"brokers", "lookupd", "nsqd", "refresh", "timeout"} {
		_ = root.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
}

// completeContexts lists the config file's contexts, from the file that
// --config (typed earlier on the line), TOPICAT_CONFIG or the default names.
func (d *deps) completeContexts(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cfg, _, err := d.cluster.readConfig(d.env)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, name := range cfg.names() {
		if strings.HasPrefix(name, toComplete) {
			out = append(out, name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeViews completes the words of get: a system or a view first, a view
// of that system after a system. A view's own argument (a topic) is not
// completed: that would take a poll of the cluster on every tab.
func completeViews(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var system sources.System
	switch {
	case len(args) == 0:
	case len(args) == 1 && (args[0] == string(sources.Kafka) || args[0] == string(sources.NSQ)):
		system = sources.System(args[0])
	default:
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	add := func(name, help string) {
		if strings.HasPrefix(name, toComplete) {
			out = append(out, cobra.CompletionWithDesc(name, help))
		}
	}
	if system == "" {
		add(string(sources.Kafka), "only Kafka's views, as in kafka topics")
		add(string(sources.NSQ), "only NSQ's views, as in nsq topics")
	}
	// A name in both systems (topics) is offered once, saying so.
	systemsOf := map[string][]string{}
	var order []string
	help := map[string]string{}
	for _, v := range views.All() {
		if system != "" && v.System != system && v.System != "" {
			continue
		}
		if _, seen := help[v.Name]; !seen {
			order = append(order, v.Name)
			help[v.Name] = v.Help
		}
		systemsOf[v.Name] = append(systemsOf[v.Name], string(v.System))
	}
	for _, name := range order {
		if sys := systemsOf[name]; len(sys) > 1 {
			slices.Sort(sys)
			add(name, strings.Join(sys, " or ")+" "+name)
			continue
		}
		add(name, help[name])
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
