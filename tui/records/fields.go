package records

import (
	"strconv"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/views"
)

// Fields is one record as a tail row shows it, every field safe text.
type Fields struct {
	Time    string // 15:04:05.000 today, 01-02 15:04:05 before; "" without a timestamp
	Where   string // Kafka P@OFFSET ("2@90"); NSQ #ATTEMPTS ID ("#1 0a1b…")
	Key     string // "" when the record has none; cut like the value
	Headers string // "" when none, else their count ("⚑2")
	Size    string // key, value and header bytes: 120B, 1.2K, 3.4M
	Value   string // the first bytes of the value, on one line, … when cut
}

// Columns are the tail's columns, in the order of Fields.Cells; WHERE is
// titled as the system has it.
func Columns(sys sources.System) []views.Column {
	where := "P@OFFSET"
	if sys == sources.NSQ {
		where = "#TRY ID"
	}
	return []views.Column{
		{Title: "TIME", Min: 12, Max: 14},
		{Title: where, Min: 4, Max: 24},
		{Title: "KEY", Min: 3, Max: 24},
		{Title: "HDR", Max: 4},
		{Title: "SIZE", Min: 4, Max: 5, Right: true},
		{Title: "VALUE", Min: 8, Flex: true},
	}
}

// Cells are the fields in the order of Columns.
func (f Fields) Cells() []string {
	return []string{f.Time, f.Where, f.Key, f.Headers, f.Size, f.Value}
}

// Summarize makes a record's tail row. now decides whether the date is shown
// (only for records of another day than now's, in now's time zone); key and
// value are cut to previewBytes (0 or less: not cut), so a row costs the same
// however big the message is.
func Summarize(r *sources.Record, now time.Time, previewBytes int) Fields {
	// One buffer and one string for all six fields.
	var scratch [256]byte
	b := scratch[:0]
	var ends [6]int
	b = appendShortTime(b, r.Timestamp, now)
	ends[0] = len(b)
	b = appendWhere(b, r)
	ends[1] = len(b)
	if r.Key != nil {
		b = appendPreview(b, r.Key, previewBytes)
	}
	ends[2] = len(b)
	b = appendHeaderCount(b, len(r.Headers))
	ends[3] = len(b)
	b = appendHumanBytes(b, int64(r.Size()))
	ends[4] = len(b)
	b = appendPreview(b, r.Value, previewBytes)
	ends[5] = len(b)
	s := string(b)
	return Fields{
		Time:    s[:ends[0]],
		Where:   s[ends[0]:ends[1]],
		Key:     s[ends[1]:ends[2]],
		Headers: s[ends[2]:ends[3]],
		Size:    s[ends[3]:ends[4]],
		Value:   s[ends[4]:ends[5]],
	}
}

// TextLine appends a record as `topicat tail -o text` prints it: the fields of
// a tail row separated by two spaces and ended by a newline, with the time in
// RFC 3339 UTC to the millisecond, the whole key and value, and "-" for an
// absent key or no headers so every line has six fields. With sanitize (stdout
// is a terminal) every field is safe text as on the screen; without, the key
// and value bytes are written as they are, for a pipe.
func TextLine(dst []byte, r *sources.Record, sanitize bool) []byte {
	dst = appendRFC3339Milli(dst, r.Timestamp)
	dst = append(dst, "  "...)
	dst = appendWhere(dst, r)
	dst = append(dst, "  "...)
	dst = appendRaw(dst, r.Key, "-", sanitize)
	dst = append(dst, "  "...)
	if len(r.Headers) == 0 {
		dst = append(dst, '-')
	}
	dst = appendHeaderCount(dst, len(r.Headers))
	dst = append(dst, "  "...)
	dst = appendHumanBytes(dst, int64(r.Size()))
	dst = append(dst, "  "...)
	dst = appendRaw(dst, r.Value, "", sanitize)
	return append(dst, '\n')
}

func appendRaw(dst, b []byte, empty string, sanitize bool) []byte {
	switch {
	case len(b) == 0:
		return append(dst, empty...)
	case sanitize:
		return safetext.AppendLine(dst, b)
	default:
		return append(dst, b...)
	}
}

// isNSQ tells the two kinds of record apart: NSQ has no partitions.
func isNSQ(r *sources.Record) bool { return r.Partition < 0 }

func appendWhere(dst []byte, r *sources.Record) []byte {
	if isNSQ(r) {
		dst = append(dst, '#')
		dst = strconv.AppendUint(dst, uint64(r.Attempts), 10)
		dst = append(dst, ' ')
		return safetext.AppendLine(dst, r.ID)
	}
	dst = strconv.AppendInt(dst, int64(r.Partition), 10)
	dst = append(dst, '@')
	return strconv.AppendInt(dst, r.Offset, 10)
}

func appendHeaderCount(dst []byte, n int) []byte {
	if n == 0 {
		return dst
	}
	return strconv.AppendInt(append(dst, "⚑"...), int64(n), 10)
}

// appendPreview appends the first n bytes of b as safe text, with … when cut.
func appendPreview(dst, b []byte, n int) []byte {
	cut := cutPoint(b, n)
	dst = safetext.AppendLine(dst, b[:cut])
	if cut < len(b) {
		dst = append(dst, "…"...)
	}
	return dst
}
