package sources

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PosKind says how a Position picks an offset in each partition.
type PosKind int

const (
	// PosOldest is the first offset still in the log (oldest, start, beginning).
	PosOldest PosKind = iota
	// PosNewest is the end of the log: only what is produced from now on (newest, end).
	PosNewest
	// PosOffset is an absolute offset N.
	PosOffset
	// PosAfterStart is N after the log start (+N); as the end of a range, N
	// after the range's own start.
	PosAfterStart
	// PosBeforeEnd is N before the end of the log (-N).
	PosBeforeEnd
	// PosTime is the first record at or after Time (@TIME).
	PosTime
)

// Position is one side of a Range, resolved per partition by the source.
type Position struct {
	Kind PosKind
	N    int64
	Time time.Time
}

// Range is where a read starts and, when HasEnd, where it stops (exclusive).
type Range struct {
	Start  Position
	End    Position
	HasEnd bool
}

// OnlyNew reports whether the range reads only what arrives from now on, the
// one start NSQ can offer.
func (r Range) OnlyNew() bool { return r.Start.Kind == PosNewest && !r.HasEnd }

// RangeHelp is the grammar in one paragraph, for flags and prompts.
const RangeHelp = `START or START:END, END exclusive. oldest | newest | N (offset) | +N (N after the start) | -N (N before the end) | @TIME, TIME = RFC 3339, a date (UTC), Unix seconds or ms, or a duration ago like -10m. E.g. -10, @-1h:-30m, oldest:+100, @2026-11-26`

// ParseRange reads the start grammar shared by the tail screen and
// `topicat tail --from`: rpk's offsets (oldest/newest, N, +N, -N, @TIME,
// START:END) plus kcat's words (beginning, end, s@MS, e@MS). Relative times
// are taken from now.
func ParseRange(s string, now time.Time) (Range, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Range{}, errors.New("empty start point: " + RangeHelp)
	}
	if s == "stored" {
		return Range{}, errors.New(`"stored" offsets belong to a consumer group; topicat reads without one: give oldest, newest, an offset or @TIME`)
	}
	if strings.HasPrefix(s, "e@") { // kcat: read from the beginning up to a timestamp
		end, err := parsePosition(s[1:], now)
		if err != nil {
			return Range{}, fmt.Errorf("start point %q: %w", s, err)
		}
		return Range{Start: Position{Kind: PosOldest}, End: end, HasEnd: true}, nil
	}
	if p, err := parsePosition(s, now); err == nil {
		return Range{Start: p}, nil
	} else if !strings.Contains(s, ":") {
		return Range{}, fmt.Errorf("start point %q: %w", s, err)
	}
	// A time may hold colons itself (@2026-11-26T10:00:00Z): take the first
	// split where both sides read.
	var firstErr error
	for i := 0; i < len(s); i++ {
		if s[i] != ':' {
			continue
		}
		r, err := parseSides(s[:i], s[i+1:], now)
		if err == nil {
			return r, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return Range{}, fmt.Errorf("range %q: %w", s, firstErr)
}

func parseSides(a, b string, now time.Time) (Range, error) {
	r := Range{HasEnd: true}
	if a != "" { // ":END" starts at the oldest
		p, err := parsePosition(a, now)
		if err != nil {
			return r, fmt.Errorf("start %q: %w", a, err)
		}
		r.Start = p
	}
	if b == "" {
		return r, errors.New("nothing after the colon: give an end, or leave out the colon to read on")
	}
	end, err := parsePosition(b, now)
	if err != nil && r.Start.Kind == PosTime && (b[0] == '-' || b[0] == '+') {
		// After a time, "-30m" is a time too (@-1h:-30m), as rpk reads it.
		end, err = parsePosition("@"+b, now)
	}
	if err != nil {
		return r, fmt.Errorf("end %q: %w", b, err)
	}
	if end.Kind == PosOldest {
		return r, errors.New("a range cannot end at the oldest offset")
	}
	r.End = end
	return r, nil
}

func parsePosition(s string, now time.Time) (Position, error) {
	switch s {
	case "oldest", "start", "beginning", "earliest":
		return Position{Kind: PosOldest}, nil
	case "newest", "end", "latest":
		return Position{Kind: PosNewest}, nil
	}
	switch {
	case strings.HasPrefix(s, "s@"): // kcat's start timestamp in ms
		s = s[1:]
		fallthrough
	case strings.HasPrefix(s, "@"):
		t, err := parseTime(s[1:], now)
		if err != nil {
			return Position{}, err
		}
		return Position{Kind: PosTime, Time: t}, nil
	case strings.HasPrefix(s, "+"), strings.HasPrefix(s, "-"):
		n, err := strconv.ParseInt(s[1:], 10, 64)
		if err != nil || n < 0 {
			if _, derr := parseDuration(s[1:]); derr == nil {
				return Position{}, fmt.Errorf("%q: a time needs @, as in @%s", s, s)
			}
			return Position{}, fmt.Errorf("%q: want a count after %c, e.g. %c100", s, s[0], s[0])
		}
		if s[0] == '+' {
			return Position{Kind: PosAfterStart, N: n}, nil
		}
		return Position{Kind: PosBeforeEnd, N: n}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return Position{}, fmt.Errorf("%q is not a start point: %s", s, RangeHelp)
	}
	return Position{Kind: PosOffset, N: n}, nil
}

// timeLayouts are the absolute forms @TIME accepts besides Unix numbers;
// those without a zone are UTC.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"}

func parseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("@ needs a time: RFC 3339, a date, Unix seconds or ms, or a duration ago like -10m")
	}
	if s[0] == '-' || s[0] == '+' {
		d, err := parseDuration(s[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("@%s: %w", s, err)
		}
		if s[0] == '-' {
			d = -d
		}
		return now.Add(d), nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case n >= 1e12: // 13 digits and more: milliseconds
			return time.UnixMilli(n), nil
		case n >= 1e9: // 10 digits: seconds, 2001 on
			return time.Unix(n, 0), nil
		}
		return time.Time{}, fmt.Errorf("@%s: a Unix time has 10 digits (seconds) or 13 (ms); for a date write 2026-11-26", s)
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("@%s: not a time; want RFC 3339 (2026-11-26T10:00:00Z), a date (2026-11-26), Unix seconds or ms, or a duration ago (-10m)", s)
}

// parseDuration is time.ParseDuration with days ("2d", "1d12h").
func parseDuration(s string) (time.Duration, error) {
	var days int64
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration (e.g. 10m, 2h, 1d)", s)
		}
		days, s = n, s[i+1:]
		if s == "" {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (e.g. 10m, 2h, 1d)", s)
	}
	return time.Duration(days)*24*time.Hour + d, nil
}

// String writes the position back in the grammar.
func (p Position) String() string {
	switch p.Kind {
	case PosOldest:
		return "oldest"
	case PosNewest:
		return "newest"
	case PosOffset:
		return strconv.FormatInt(p.N, 10)
	case PosAfterStart:
		return "+" + strconv.FormatInt(p.N, 10)
	case PosBeforeEnd:
		return "-" + strconv.FormatInt(p.N, 10)
	case PosTime:
		return "@" + p.Time.UTC().Format(time.RFC3339)
	}
	return "?"
}

// String writes the range back in the grammar.
func (r Range) String() string {
	if r.HasEnd {
		return r.Start.String() + ":" + r.End.String()
	}
	return r.Start.String()
}

// ParsePartitions reads a partition list: "0,3-5" → [0 3 4 5]. Empty means all (nil).
func ParsePartitions(s string) ([]int32, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		return nil, nil
	}
	var out []int32
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := partitionNumber(lo)
		if err != nil {
			return nil, fmt.Errorf("partitions %q: %w", s, err)
		}
		b := a
		if isRange {
			if b, err = partitionNumber(hi); err != nil {
				return nil, fmt.Errorf("partitions %q: %w", s, err)
			}
			if b < a {
				return nil, fmt.Errorf("partitions %q: range %s runs backwards", s, part)
			}
			if b-a > 1<<16 {
				return nil, fmt.Errorf("partitions %q: range %s is too wide", s, part)
			}
		}
		for p := a; p <= b; p++ {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func partitionNumber(s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a partition number (e.g. 0,3-5)", s)
	}
	return int32(n), nil
}

// FormatPartitions writes partitions back compactly: [0 1 2 5] → "0-2,5".
func FormatPartitions(ps []int32) string {
	if len(ps) == 0 {
		return "all"
	}
	var b strings.Builder
	for i := 0; i < len(ps); {
		j := i
		for j+1 < len(ps) && ps[j+1] == ps[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(ps[i])))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(int(ps[j])))
		}
		i = j + 1
	}
	return b.String()
}
