package tui

import (
	"fmt"
	"image/color"
	"regexp"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/topicat/topicat/tui/safetext"
)

// colourNames are the colours a context may be given by name; ANSI 256
// codes that read well under white text on dark and light terminals.
var colourNames = map[string]string{
	"red": "160", "orange": "166", "yellow": "136", "green": "28", "blue": "25",
	"purple": "91", "magenta": "163", "cyan": "30", "grey": "240", "gray": "240",
}

var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// ParseColour reads a context's colour: a name (red, orange, yellow, green,
// blue, purple, magenta, cyan, grey), #rrggbb, or an ANSI code 0-255. ""
// is no colour.
func ParseColour(s string) (color.Color, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return nil, nil
	}
	if c, ok := colourNames[s]; ok {
		return lipgloss.Color(c), nil
	}
	if hexColour.MatchString(s) {
		return lipgloss.Color(s), nil
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 255 {
		return lipgloss.Color(s), nil
	}
	return nil, fmt.Errorf("%q is not a colour: use red, orange, yellow, green, blue, purple, magenta, cyan, grey, #rrggbb or an ANSI code 0-255", s)
}

// label is the session's name in the header: on its colour when it has one,
// so that prod never looks like staging.
func (m *Model) label() string {
	text := safetext.Line(m.session.Label)
	c, _ := ParseColour(m.session.Colour) // checked where the config is read
	if c == nil {
		return m.styles.Bar.Render(text)
	}
	return lipgloss.NewStyle().Background(c).Foreground(lipgloss.Color("15")).Bold(true).Render(" " + text + " ")
}
