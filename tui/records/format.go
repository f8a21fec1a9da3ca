package records

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/safetext"
)

// FormatHelp lists what a format string may hold, for errors and --help.
const FormatHelp = `verbs: %t topic, %p partition (NSQ: nsqd address), %o offset (NSQ: message id), ` +
	`%k key, %s value, %S value size, %K key size (-1 without a key), %h headers as k=v,k2=v2, ` +
	`%T timestamp in ms (-1 without one), %i NSQ message id, %a NSQ attempts, %%; escapes: \n \t \r \\`

// Format is a parsed kcat-style format string (`topicat tail -f`).
type Format struct {
	parts []part
}

// part is literal text, or a verb when verb != 0.
type part struct {
	lit  string
	verb byte
}

// ParseFormat parses a kcat-style format: verbs as kcat spells them (%t %p %o
// %k %s %S %K %h %T %%) plus %i and %a for NSQ, and the escapes \n \t \r \\.
// For an NSQ record, which has no partition or offset, %p is the nsqd address
// and %o the message id; %i and %a print nothing for a Kafka record. Nothing
// is added at the end: say \n to end each record with a newline.
func ParseFormat(s string) (*Format, error) {
	f := &Format{}
	var lit []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '%', '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("format %q ends with a lone %c; %s", s, c, FormatHelp)
			}
			i++
			next := s[i]
			if c == '\\' {
				e := unescape(next)
				if e == 0 {
					return nil, fmt.Errorf("format %q: unknown escape \\%s; %s", s, runeAt(s, i), FormatHelp)
				}
				lit = append(lit, e)
				continue
			}
			switch next {
			case '%':
				lit = append(lit, '%')
			case 't', 'p', 'o', 'k', 's', 'S', 'K', 'h', 'T', 'i', 'a':
				if len(lit) > 0 {
					f.parts = append(f.parts, part{lit: string(lit)})
					lit = lit[:0]
				}
				f.parts = append(f.parts, part{verb: next})
			default:
				return nil, fmt.Errorf("format %q: unknown verb %%%s; %s", s, runeAt(s, i), FormatHelp)
			}
		default:
			lit = append(lit, c)
		}
	}
	if len(lit) > 0 {
		f.parts = append(f.parts, part{lit: string(lit)})
	}
	return f, nil
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	case '\\':
		return '\\'
	}
	return 0
}

// runeAt is the character at s[i], made safe to quote in an error.
func runeAt(s string, i int) string {
	_, size := utf8.DecodeRuneInString(s[i:])
	return safetext.Line(s[i : i+size])
}

// Append writes one record in the format. With sanitize (stdout is a
// terminal) every field from the record is safe text, as on the screen;
// without (a pipe), what producers wrote (key, value, headers) is written as
// it is, as in TextLine. The format's own text is the user's, written as typed.
func (f *Format) Append(dst []byte, r *sources.Record, sanitize bool) []byte {
	for _, p := range f.parts {
		switch p.verb {
		case 0:
			dst = append(dst, p.lit...)
		case 't':
			dst = safetext.AppendLine(dst, r.Topic)
		case 'p':
			if isNSQ(r) {
				dst = safetext.AppendLine(dst, r.Node)
			} else {
				dst = strconv.AppendInt(dst, int64(r.Partition), 10)
			}
		case 'o':
			if isNSQ(r) {
				dst = safetext.AppendLine(dst, r.ID)
			} else {
				dst = strconv.AppendInt(dst, r.Offset, 10)
			}
		case 'k':
			dst = appendRaw(dst, r.Key, "", sanitize)
		case 's':
			dst = appendRaw(dst, r.Value, "", sanitize)
		case 'S':
			dst = strconv.AppendInt(dst, int64(len(r.Value)), 10)
		case 'K':
			if r.Key == nil {
				dst = append(dst, "-1"...)
			} else {
				dst = strconv.AppendInt(dst, int64(len(r.Key)), 10)
			}
		case 'h':
			for i, h := range r.Headers {
				if i > 0 {
					dst = append(dst, ',')
				}
				if sanitize {
					dst = safetext.AppendLine(dst, h.Key)
				} else {
					dst = append(dst, h.Key...)
				}
				dst = append(dst, '=')
				dst = appendRaw(dst, h.Value, "", sanitize)
			}
		case 'T':
			dst = strconv.AppendInt(dst, unixMilli(r.Timestamp), 10)
		case 'i':
			if isNSQ(r) {
				dst = safetext.AppendLine(dst, r.ID)
			}
		case 'a':
			if isNSQ(r) {
				dst = strconv.AppendUint(dst, uint64(r.Attempts), 10)
			}
		}
	}
	return dst
}
