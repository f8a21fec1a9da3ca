package records

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/safetext"
)

// Matcher is the tail's filter. It looks at the key, the value, and each
// header's key and value, each text on its own (so a regex's ^ and $ anchor to
// one of them).
type Matcher struct {
	re     *regexp.Regexp
	needle []byte // plain text; lower-cased when ascii
	ascii  bool
	first  []rune // the needle's first rune and its case variants, when not ascii
}

// NewMatcher parses a filter: "" matches every record; "~REGEX" is a Go
// regular expression (case-sensitive unless it says (?i)); anything else is
// text matched case-insensitively anywhere.
func NewMatcher(expr string) (*Matcher, error) {
	if pat, ok := strings.CutPrefix(expr, "~"); ok {
		re, err := regexp.Compile(pat)
		if err != nil {
			return nil, regexError(pat, err)
		}
		return &Matcher{re: re}, nil
	}
	m := &Matcher{needle: []byte(expr), ascii: true}
	for i, c := range m.needle {
		if c >= utf8.RuneSelf {
			m.ascii = false
			break
		}
		m.needle[i] = lowerASCII(c)
	}
	if !m.ascii {
		m.needle = []byte(expr)
		r, _ := utf8.DecodeRune(m.needle)
		m.first = append(m.first, r)
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m.first = append(m.first, f)
		}
	}
	return m, nil
}

// regexError says in one line what is wrong, without Go's "error parsing
// regexp:" preamble; the pattern is quoted so it cannot break the line.
func regexError(pat string, err error) error {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Errorf("invalid regex %q: %s %q", pat, se.Code, se.Expr)
	}
	return fmt.Errorf("invalid regex %q: %v", pat, err)
}

// Match reports whether the record passes the filter.
func (m *Matcher) Match(r *sources.Record) bool {
	if m.re == nil && len(m.needle) == 0 {
		return true
	}
	if m.matchBytes(r.Key) || m.matchBytes(r.Value) {
		return true
	}
	for i := range r.Headers {
		h := &r.Headers[i]
		if m.matchString(h.Key) || m.matchBytes(h.Value) {
			return true
		}
	}
	return false
}

func (m *Matcher) matchBytes(b []byte) bool {
	switch {
	case m.re != nil:
		return m.re.Match(b)
	case m.ascii:
		return containsFoldASCII(b, m.needle)
	default:
		return containsFold(b, m.needle, m.first)
	}
}

func (m *Matcher) matchString(s string) bool {
	switch {
	case m.re != nil:
		return m.re.MatchString(s)
	case m.ascii:
		return containsFoldASCII(s, m.needle)
	default:
		return containsFold(s, m.needle, m.first)
	}
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// containsFoldASCII reports whether h contains the lower-case ASCII needle,
// folding ASCII letters only: no allocation, no rune decoding. (It does not
// see the Kelvin sign as a k; the Unicode path below does.)
func containsFoldASCII[T string | []byte](h T, needle []byte) bool {
	first := needle[0]
	firstUpper := first
	if 'a' <= first && first <= 'z' {
		firstUpper = first - ('a' - 'A')
	}
	for i, last := 0, len(h)-len(needle); i <= last; i++ {
		if c := h[i]; c != first && c != firstUpper {
			continue
		}
		j := 1
		for j < len(needle) && lowerASCII(h[i+j]) == needle[j] {
			j++
		}
		if j == len(needle) {
			return true
		}
	}
	return false
}

// containsFold reports whether h contains needle under Unicode simple case
// folding, as strings.EqualFold compares; bytes of h that are not UTF-8 match
// nothing. first is the needle's first rune in all its cases: a position is
// tried only when it starts with one of them.
func containsFold[T string | []byte](h T, needle []byte, first []rune) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c < utf8.RuneSelf {
			if !slices.Contains(first, rune(c)) {
				continue
			}
		} else if !utf8.RuneStart(c) {
			continue
		} else if r, _ := safetext.DecodeRune(h[i:]); !slices.Contains(first, r) {
			continue
		}
		if hasPrefixFold(h[i:], needle) {
			return true
		}
	}
	return false
}

func hasPrefixFold[T string | []byte](h T, needle []byte) bool {
	i := 0
	for j := 0; j < len(needle); {
		if i >= len(h) {
			return false
		}
		r1, n1 := safetext.DecodeRune(h[i:])
		r2, n2 := utf8.DecodeRune(needle[j:])
		if r1 == utf8.RuneError && n1 <= 1 || !equalFold(r1, r2) {
			return false
		}
		i += n1
		j += n2
	}
	return true
}

func equalFold(a, b rune) bool {
	if a == b {
		return true
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}
