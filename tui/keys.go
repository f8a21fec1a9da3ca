package tui

import "charm.land/bubbles/v2/key"

// keyMap is the one definition of the dashboard's keys: Update matches against
// it and the help overlay and footer hints are generated from it.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Back, NextTab, PrevTab, Jump      key.Binding
	Command, Filter, Sort, Help             key.Binding
	Refresh, Pause, Quit, ForceQuit         key.Binding
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
		Jump:      key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1-9", "jump to pane")),
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

// hints are the few keys the footer shows.
func (k keyMap) hints() []key.Binding {
	return []key.Binding{k.Command, k.Filter, k.Open, k.Back, k.Refresh, k.Pause, k.Help, k.Quit}
}
