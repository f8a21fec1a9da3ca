package views

import (
	"fmt"
	"slices"
	"strings"

	"github.com/topicat/topicat/sources"
)

// Target is what "[kafka|nsq] VIEW [ARG]" names.
type Target struct {
	// System is the system word given, or the view's system.
	System sources.System
	// View is nil when only a system was named ("kafka").
	View *View
	// Arg is the view's argument, or for a view that takes none, a filter on its rows.
	Arg string
}

// Lookup reads "[kafka|nsq] VIEW [ARG]": the one grammar of the `:` command
// line and of `topicat get`; verb is how the caller's messages name it
// ("get ", ":"). When both systems have the view, prefer decides (the system
// of the pane on screen), else the only configured system.
func Lookup(all []*View, verb string, words []string, configured func(sources.System) bool, prefer sources.System) (Target, error) {
	var t Target
	if len(words) == 0 {
		return t, fmt.Errorf("%sneeds a view: %s", verb, Names(all))
	}
	if w := sources.System(words[0]); w == sources.Kafka || w == sources.NSQ {
		t.System, words = w, words[1:]
		if len(words) == 0 {
			return t, nil
		}
	}
	name, rest := words[0], words[1:]
	var matches []*View
	for _, v := range all {
		if v.Name == name && (t.System == "" || v.System == t.System || v.System == "") {
			matches = append(matches, v)
		}
	}
	if len(matches) > 1 {
		pick := func(keep func(*View) bool) {
			var kept []*View
			for _, v := range matches {
				if keep(v) {
					kept = append(kept, v)
				}
			}
			if len(kept) == 1 {
				matches = kept
			}
		}
		if prefer != "" {
			pick(func(v *View) bool { return v.System == prefer })
		}
		if len(matches) > 1 && configured != nil {
			pick(func(v *View) bool { return configured(v.System) })
		}
	}
	switch {
	case len(matches) == 0 && t.System != "":
		return t, fmt.Errorf("%s has no view %q: %s", t.System, name, Names(all))
	case len(matches) == 0:
		return t, fmt.Errorf("unknown view %q: %s", name, Names(all))
	case len(matches) > 1:
		return t, fmt.Errorf("%q exists for kafka and nsq: say \"%skafka %s\" or \"%snsq %s\"", name, verb, name, verb, name)
	}
	t.View = matches[0]
	if t.System == "" {
		t.System = t.View.System
	}
	t.Arg = strings.Join(rest, " ")
	if t.View.Arg != "" && !t.View.ArgOptional && t.Arg == "" {
		return t, fmt.Errorf("%s%s needs %s", verb, t.View.Name, t.View.Arg)
	}
	return t, nil
}

// Names lists the view names once each, in order.
func Names(all []*View) string {
	var names []string
	for _, v := range all {
		if !slices.Contains(names, v.Name) {
			names = append(names, v.Name)
		}
	}
	return strings.Join(names, ", ")
}
