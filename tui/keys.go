package tui

import (
	"fmt"
	"unicode"

	"charm.land/bubbles/v2/key"
)

// keyMap is the one definition of the dashboard's keys: Update matches against
// it and the help overlay and footer hints are generated from it.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Back, NextTab, PrevTab, Jump      key.Binding
	Command, Filter, Sort, Help             key.Binding
	Refresh, Pause, Quit, ForceQuit         key.Binding
}

// jumpKeys binds 1…n to the n tabs.
func jumpKeys(n int) key.Binding {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprint(i + 1)
	}
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(fmt.Sprintf("1-%d", n), "jump to pane"))
}

// capitals are the shift+letters the key map already uses; sorting must not take them.
func (k keyMap) capitals() string {
	var out []rune
	for _, g := range k.groups() {
		for _, b := range g {
			for _, s := range b.Keys() {
				if r := []rune(s); len(r) == 1 && unicode.IsUpper(r[0]) {
					out = append(out, r[0])
				}
			}
		}
	}
	return string(out)
}

func defaultKeys() keyMap {
	return keyMap{
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:    key.NewBinding(key.WithKeys("pgup", "ctrl+u", "ctrl+b"), key.WithHelp("ctrl+u", "page up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown", "ctrl+d", "ctrl+f", "space"), key.WithHelp("ctrl+d", "page down")),
		Top:       key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "first row")),
		Bottom:    key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "last row")),
		Open:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open detail")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter / back")),
		NextTab:   key.NewBinding(key.WithKeys("tab", "right", "l"), key.WithHelp("tab", "next pane")),
		PrevTab:   key.NewBinding(key.WithKeys("shift+tab", "left", "h"), key.WithHelp("shift+tab", "previous pane")),
		Jump:      jumpKeys(len(tabViews)),
		Command:   key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command (:topics, :nodes …)")),
		Filter:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter rows")),
		Sort:      key.NewBinding(key.WithHelp("A-Z", "sort by column (shift+letter; again reverses)")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Refresh:   key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "refresh now")),
		Pause:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause/resume refresh")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit (back in a detail)")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// groups arranges the bindings for the help overlay.
func (k keyMap) groups() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Open, k.Back},
		{k.NextTab, k.PrevTab, k.Jump, k.Command, k.Filter, k.Sort},
		{k.Refresh, k.Pause, k.Help, k.Quit, k.ForceQuit},
	}
}

// hints are the few keys the footer shows, help first: a narrow terminal cuts the end.
func (k keyMap) hints() []key.Binding {
	return []key.Binding{k.Help, k.Command, k.Filter, k.Open, k.Back, k.Refresh, k.Pause, k.Quit}
}
