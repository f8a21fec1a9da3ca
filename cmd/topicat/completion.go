package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

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
the views of "topicat get", themes, context names from the config file, and the topic and
group names of the cluster (one poll, at most 2s). The bash script needs the bash-completion
package.`,
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
// of that system after a system. A view's own argument is completeGet's.
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

// completionPoll caps the poll behind a topic or group completion: a tab
// that hangs on an unreachable cluster is worse than no names.
const completionPoll = 2 * time.Second

// clusterNames lists the topic names (or, with groups, the Kafka consumer
// group IDs) that start with toComplete, from one poll of the cluster the
// command line or the current context names, system "" meaning every
// configured one. Names are only offered after the user pressed tab at a
// topic's place, so the poll is not paid on every other tab.
func (d *deps) clusterNames(cmd *cobra.Command, system sources.System, groups bool, toComplete string) []cobra.Completion {
	s, err := d.cluster.resolve(cmd.Flags(), d.env)
	if err != nil {
		return nil
	}
	if groups {
		system = sources.Kafka
	}
	s.Timeout = min(s.Timeout, completionPoll)
	s.skipGroups, s.skipInactive = !groups, true
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completionPoll)
	defer cancel()
	data, _, err := collect(ctx, s, system, io.Discard)
	if err != nil {
		return nil
	}
	var names []string
	switch {
	case groups && data.Kafka != nil:
		for _, g := range data.Kafka.Groups {
			names = append(names, g.ID)
		}
	case !groups:
		if data.Kafka != nil {
			for _, t := range data.Kafka.Topics {
				names = append(names, t.Name)
			}
		}
		if data.NSQ != nil {
			for _, t := range data.NSQ.Topics {
				names = append(names, t.Name)
			}
		}
	}
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, toComplete) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// completeTopicArg completes "[kafka|nsq] TOPIC" (tail, produce): the
// systems and the topics of every configured one, then a system's topics.
func (d *deps) completeTopicArg(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	switch {
	case len(args) == 0:
		for _, sys := range []string{string(sources.Kafka), string(sources.NSQ)} {
			if strings.HasPrefix(sys, toComplete) {
				out = append(out, sys)
			}
		}
		out = append(out, d.clusterNames(cmd, "", false, toComplete)...)
	case len(args) == 1 && (args[0] == string(sources.Kafka) || args[0] == string(sources.NSQ)):
		out = d.clusterNames(cmd, sources.System(args[0]), false, toComplete)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeGet completes get's words: views by completeViews, then the
// topic or group that a page of a topic or group takes.
func (d *deps) completeGet(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	words := args
	var system sources.System
	if len(words) > 0 && (words[0] == string(sources.Kafka) || words[0] == string(sources.NSQ)) {
		system, words = sources.System(words[0]), words[1:]
	}
	if len(words) != 1 {
		return completeViews(cmd, args, toComplete)
	}
	switch words[0] {
	case "group":
		return d.clusterNames(cmd, sources.Kafka, true, toComplete), cobra.ShellCompDirectiveNoFileComp
	case "partitions":
		system = sources.Kafka
	case "channels":
		system = sources.NSQ
	case "topic":
	default:
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return d.clusterNames(cmd, system, false, toComplete), cobra.ShellCompDirectiveNoFileComp
}
