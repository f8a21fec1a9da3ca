// Package screen is the contract between the dashboard's root and the things
// it shows: a table pane, a tail, a message, a form, a dialog. A screen draws
// itself as a string of a given size, declares its keys as data, and reaches
// the rest of the program only through a Host: it never does I/O in Update or
// View, it asks the host to run work off the UI and hand the answer back.
package screen

import (
	"context"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/themes"
	"github.com/topicat/topicat/tui/views"
)

// Screen is one thing on a tab's stack or in the dialog overlay.
type Screen interface {
	// Title is the screen's breadcrumb label.
	Title() string
	// Bindings are the screen's keys as they stand now, disabled ones
	// included with their reason. The root matches keys against them before
	// anything else, refuses mutating ones under --read-only, and builds the
	// footer and the help from them.
	Bindings() []Binding
	// Update takes the messages meant for this screen: keys no binding took,
	// answers to its requests and its own asynchronous messages.
	Update(msg tea.Msg) tea.Cmd
	// View draws the screen in exactly height lines of at most width cells.
	View(width, height int) string
	// Start begins what the screen streams or fetches; it is called when the
	// screen is pushed. Stop ends it; it is called when the screen is popped
	// or the session ends, and must not block: a stream is closed off the UI.
	Start() tea.Cmd
	Stop()
}

// Typist is a screen that has a text input focused: while Typing, every key
// but ctrl+c goes to its Update, so that "q" is a letter and not quit.
type Typist interface{ Typing() bool }

// Sizer is a screen that wants its size before View is asked for, so that View
// only reads state (a table keeps its cursor in the window).
type Sizer interface{ SetSize(width, height int) }

// DataUser is a screen drawn from the snapshots; SetData is called with the
// newest data when the screen is about to show and the data changed.
type DataUser interface{ SetData(views.Data) }

// Informer adds a short state to the breadcrumb line ("12 of 40 rows  filter: ord").
type Informer interface{ Info() string }

// Prompter shows an input line in the footer (a filter being typed).
type Prompter interface{ Prompt() (line string, ok bool) }

// Discarder is a message holding something to release (a stream just
// opened) should it arrive after its screen is gone; Discard runs off the UI.
type Discarder interface{ Discard() }

// Dialog is a screen shown in the overlay, under the screen it belongs to.
type Dialog interface {
	Screen
	// Height is how many lines the dialog wants; the screen above keeps the rest.
	Height(width int) int
}

// Host is what the root offers screens.
type Host interface {
	Data() views.Data
	Styles() themes.Styles
	Now() time.Time
	ReadOnly() bool
	// Source is the configured source of a system, nil when there is none.
	Source(sources.System) sources.Source
	// Push opens a screen above the current one; Pop closes the top one.
	Push(Screen) tea.Cmd
	Pop()
	// Open shows a dialog in the overlay; Close removes it.
	Open(Dialog) tea.Cmd
	Close(Dialog)
	// Notify sets the status line's message.
	Notify(string)
	// Refresh asks every source for a poll now.
	Refresh()
	// Live reports whether s is on view, under no other screen, with
	// refresh not paused: what a screen fetches by itself, it fetches only
	// then.
	Live(s Screen) bool
	// Async runs fn off the UI goroutine with the session's context; its
	// message comes back to s through Update, or is dropped if s is gone or
	// the session changed meanwhile.
	Async(s Screen, fn func(ctx context.Context) tea.Msg) tea.Cmd
	// Request hands an action to a system's source; the answer comes back to
	// s as a ResultMsg. Mutating actions are refused under --read-only before
	// anything is sent.
	Request(s Screen, system sources.System, body sources.Body) tea.Cmd
	// OpenView, OpenTail and OpenProduce open the screens every pane may lead to.
	OpenView(system sources.System, name, arg string) tea.Cmd
	OpenTail(system sources.System, topic string, partitions []int32) tea.Cmd
	OpenProduce(system sources.System, topic string) tea.Cmd
}

// ResultMsg is a source's answer to a request a screen made.
type ResultMsg struct{ Result sources.Result }

// Binding is one key of a screen, as data.
type Binding struct {
	// Keys are matched against tea.KeyPressMsg.String(): "t", "P", "ctrl+s", "enter".
	Keys []string
	// Label is the key as the footer and help show it; empty means Keys[0].
	Label string
	Help  string
	// Mutating actions change a cluster; under --read-only they are refused.
	Mutating bool
	// Disabled, when set, is why the key does nothing here and now.
	Disabled string
	// Footer puts the binding among the footer's hints.
	Footer bool
	// Group gathers bindings the help shows together (GroupSort: "S STATE  L LAG").
	Group string
	// Run carries the action out.
	Run func() tea.Cmd
}

// GroupSort is the group of the shift+letter keys that sort a table.
const GroupSort = "sort"

// Matches reports whether the key press is one of the binding's keys.
func (b Binding) Matches(key string) bool { return slices.Contains(b.Keys, key) }

// Key is how the binding's key is shown.
func (b Binding) Key() string {
	if b.Label != "" {
		return b.Label
	}
	if len(b.Keys) > 0 {
		return b.Keys[0]
	}
	return ""
}

// Find returns the first binding the key matches.
func Find(bs []Binding, key string) (Binding, bool) {
	for _, b := range bs {
		if b.Matches(key) {
			return b, true
		}
	}
	return Binding{}, false
}
