// Package themes holds the colour palettes as data (YAML files embedded in the
// binary) and turns the chosen one into lipgloss styles. Adding a theme is
// adding a file; no code branches on a theme's name.
package themes

import (
	"embed"
	"fmt"
	"image/color"
	"path"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"go.yaml.in/yaml/v3"
)

//go:embed palettes/*.yaml
var files embed.FS

// Default is the theme used when none is chosen.
const Default = "default"

// Shade is a colour for dark backgrounds and one for light ones; a palette file
// gives either one string for both or {dark: …, light: …}. Empty means the
// terminal's own colour.
type Shade struct{ Dark, Light string }

// UnmarshalYAML accepts "#RRGGBB" or {dark: "#…", light: "#…"}.
func (s *Shade) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		s.Dark, s.Light = n.Value, n.Value
		return nil
	}
	var pair struct {
		Dark  string `yaml:"dark"`
		Light string `yaml:"light"`
	}
	if err := n.Decode(&pair); err != nil {
		return err
	}
	s.Dark, s.Light = pair.Dark, pair.Light
	return nil
}

// Palette is one theme file.
type Palette struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Colors      struct {
		Text        Shade `yaml:"text"`
		Muted       Shade `yaml:"muted"`
		Accent      Shade `yaml:"accent"`
		Good        Shade `yaml:"good"`
		Warn        Shade `yaml:"warn"`
		Bad         Shade `yaml:"bad"`
		BarFg       Shade `yaml:"bar_fg"`
		BarBg       Shade `yaml:"bar_bg"`
		SelectionFg Shade `yaml:"selection_fg"`
		SelectionBg Shade `yaml:"selection_bg"`
		TabActiveFg Shade `yaml:"tab_active_fg"`
		TabActiveBg Shade `yaml:"tab_active_bg"`
	} `yaml:"colors"`
}

// Names lists the built-in themes.
func Names() []string {
	entries, _ := files.ReadDir("palettes")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(names)
	return names
}

// Load reads a built-in palette by name.
func Load(name string) (Palette, error) {
	var p Palette
	b, err := files.ReadFile(path.Join("palettes", name+".yaml"))
	if err != nil {
		return p, fmt.Errorf("unknown theme %q (built-in themes: %s)", name, strings.Join(Names(), ", "))
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("theme %s: %w", name, err)
	}
	return p, nil
}

// Styles are the lipgloss styles every part of the UI draws with. They are
// built once per theme and background, never in a View.
type Styles struct {
	Text, Muted, Accent, Good, Warn, Bad lipgloss.Style
	// Bar is the header and status line background; BarAccent the app name on it.
	Bar, BarAccent lipgloss.Style
	Tab, TabActive lipgloss.Style
	TableHeader    lipgloss.Style
	Selected       lipgloss.Style
	// Badge marks states such as READ-ONLY and PAUSED.
	Badge  lipgloss.Style
	Prompt lipgloss.Style
}

// Styles builds the styles for a dark or light terminal background.
func (p Palette) Styles(dark bool) Styles {
	pick := func(s Shade) color.Color {
		v := s.Light
		if dark {
			v = s.Dark
		}
		if v == "" {
			return nil
		}
		return lipgloss.Color(v)
	}
	fg := func(s Shade) lipgloss.Style {
		st := lipgloss.NewStyle()
		if c := pick(s); c != nil {
			st = st.Foreground(c)
		}
		return st
	}
	withBg := func(st lipgloss.Style, s Shade) lipgloss.Style {
		if c := pick(s); c != nil {
			return st.Background(c)
		}
		return st
	}
	c := p.Colors
	bar := withBg(fg(c.BarFg), c.BarBg)
	sel := withBg(fg(c.SelectionFg), c.SelectionBg).Bold(true)
	if pick(c.SelectionBg) == nil {
		sel = sel.Reverse(true)
	}
	active := withBg(fg(c.TabActiveFg), c.TabActiveBg).Bold(true)
	if pick(c.TabActiveBg) == nil {
		active = active.Reverse(true)
	}
	return Styles{
		Text:        fg(c.Text),
		Muted:       fg(c.Muted).Faint(pick(c.Muted) == nil),
		Accent:      fg(c.Accent).Bold(true),
		Good:        fg(c.Good),
		Warn:        fg(c.Warn).Bold(pick(c.Warn) == nil),
		Bad:         fg(c.Bad).Bold(true),
		Bar:         bar,
		BarAccent:   withBg(fg(c.Accent), c.BarBg).Bold(true),
		Tab:         fg(c.Muted),
		TabActive:   active,
		TableHeader: fg(c.Accent).Bold(true).Underline(pick(c.Accent) == nil),
		Selected:    sel,
		Badge:       withBg(fg(c.TabActiveFg), c.Bad).Bold(true).Padding(0, 1).Reverse(pick(c.Bad) == nil),
		Prompt:      fg(c.Accent).Bold(true),
	}
}
