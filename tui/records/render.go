package records

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Mode is how the detail screen shows a value.
type Mode int

const (
	Auto Mode = iota // JSON if it parses, else Text if it reads as text, else Hex
	JSON             // pretty-printed, keys in their order, numbers as written
	Text             // UTF-8 text, line by line
	Hex              // hexdump -C
)

func (m Mode) String() string {
	switch m {
	case JSON:
		return "json"
	case Text:
		return "text"
	case Hex:
		return "hex"
	}
	return "auto"
}

// RenderLimit is how much of a value Render shows: a multi-megabyte message
// must not stall the screen. The rest is summed up in a last line.
const RenderLimit = 1 << 20

// Render lays out a value for the detail screen: safe lines, hard-wrapped at
// width display cells (0 or less: not wrapped; Hex lines are never wrapped).
// It returns the mode used: Auto's choice, or a fallback when the value is not
// JSON (the mode Auto would pick among Text and Hex). Only the first
// RenderLimit bytes are shown, followed by a line saying what was left out.
// An empty value has no lines.
func Render(b []byte, mode Mode, width int) (lines []string, used Mode) {
	used = mode
	if used == Auto || used == JSON && !isJSON(b) {
		used = detect(b)
	}
	shown := b[:cutPoint(b, RenderLimit)]
	w := &wrapper{width: max(width, 0)}
	switch used {
	case JSON:
		text, n := indentJSON(make([]byte, 0, len(shown)+len(shown)/4), shown, 2*RenderLimit)
		shown = shown[:n]
		addLines(w, text)
	case Text:
		addLines(w, bytes.TrimSuffix(shown, []byte("\n")))
	case Hex:
		w.lines = hexdump(shown)
	}
	if left := len(b) - len(shown); left > 0 {
		note := fmt.Appendf(nil, "… %s more not shown (%s in all); save the message to have it whole",
			appendHumanBytes(nil, int64(left)), appendHumanBytes(nil, int64(len(b))))
		w.add(note)
	}
	return w.lines, used
}

func addLines(w *wrapper, text []byte) {
	if len(text) == 0 {
		return
	}
	for {
		line, rest, more := bytes.Cut(text, []byte("\n"))
		w.add(line)
		if !more {
			return
		}
		text = rest
	}
}

func isJSON(b []byte) bool {
	return len(bytes.TrimSpace(b)) > 0 && json.Valid(b)
}

// detect is Auto's choice.
func detect(b []byte) Mode {
	switch {
	case isJSON(b):
		return JSON
	case looksText(b[:cutPoint(b, RenderLimit)]):
		return Text
	}
	return Hex
}

// looksText: UTF-8 with no NUL and few control characters. Tab, newline,
// carriage return and ESC do not count, so a log with colour codes reads as
// text (its escapes shown as \x1b).
func looksText(b []byte) bool {
	controls := 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == 0:
			return false
		case c == '\t' || c == '\n' || c == '\r' || c == 0x1b:
		case c < 0x20 || c == 0x7f:
			controls++
		case c == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f: // C1
			controls++
		}
	}
	return controls*32 <= len(b) && utf8.Valid(b)
}
