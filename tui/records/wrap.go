package records

import (
	"github.com/charmbracelet/x/ansi"
	"github.com/topicat/topicat/tui/safetext"
)

const tabWidth = 8

// wrapper turns raw lines into safe lines of at most width display cells.
// A line is made safe first (each unsafe rune becomes its safetext escape),
// then broken between grapheme clusters measured as ansi.StringWidth measures
// them, never inside a cluster or inside an escape such as \x1b; a tab becomes
// spaces to the next multiple of 8 columns of its line.
type wrapper struct {
	width int // 0: no limit
	lines []string
	line  []byte // the visual line being filled
	col   int    // its width
	lcol  int    // width of the logical line so far, for tab stops
	safe  []byte // the logical line as safe text, tabs kept as '\t'
	spans []span // where safe holds escapes
}

// span is where safe holds an escape: a break may not fall inside it.
type span struct{ start, end int }

// add appends one logical line (without its newline) as one or more lines.
func (w *wrapper) add(raw []byte) {
	w.escape(raw)
	w.lcol = 0
	s, spans := w.safe, w.spans
	for i := 0; i < len(s); {
		if s[i] == '\t' {
			for range tabWidth - w.lcol%tabWidth {
				w.place(nil, 1)
			}
			i++
			continue
		}
		// A unit is a cluster, or the clusters that cover an escape.
		start, width := i, 0
		for {
			n, cw := cluster(s[i:])
			i += n
			width += cw
			for len(spans) > 0 && spans[0].end <= i {
				spans = spans[1:]
			}
			if len(spans) == 0 || i <= spans[0].start {
				break
			}
		}
		if w.width > 0 && width > w.width && i-start > 1 {
			// An escape wider than the whole line: split it after all.
			for j := start; j < i; {
				n, cw := cluster(s[j:i])
				w.place(s[j:j+n], cw)
				j += n
			}
			continue
		}
		w.place(s[start:i], width)
	}
	w.flush()
}

// escape fills w.safe with raw made safe and w.spans with where escapes are.
func (w *wrapper) escape(raw []byte) {
	w.safe, w.spans = w.safe[:0], w.spans[:0]
	for i := 0; i < len(raw); {
		c := raw[i]
		if c >= 0x20 && c < 0x7f {
			w.safe = append(w.safe, c)
			i++
			continue
		}
		if c == '\t' {
			w.safe = append(w.safe, c)
			i++
			continue
		}
		r, size := safetext.DecodeRune(raw[i:])
		start := len(w.safe)
		w.safe = safetext.AppendLine(w.safe, raw[i:i+size])
		if size == 1 && r >= 0x80 || !safetext.Safe(r) {
			w.spans = append(w.spans, span{start, len(w.safe)})
		}
		i += size
	}
}

// cluster is the length and width of the first grapheme cluster of s.
func cluster(s []byte) (int, int) {
	if s[0] < 0x80 && (len(s) == 1 || s[1] < 0x80) {
		return 1, 1 // printable ASCII (safe text has no controls) followed by ASCII
	}
	c, w := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
	return len(c), w
}

// place puts text of the given width on the line, or on a new one when it
// does not fit; nil text is a space (from a tab).
func (w *wrapper) place(text []byte, width int) {
	if w.width > 0 && w.col > 0 && w.col+width > w.width {
		w.flush()
	}
	if text == nil {
		w.line = append(w.line, ' ')
	} else {
		w.line = append(w.line, text...)
	}
	w.col += width
	w.lcol += width
}

func (w *wrapper) flush() {
	w.lines = append(w.lines, string(w.line))
	w.line, w.col = w.line[:0], 0
}
