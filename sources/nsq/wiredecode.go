package nsq

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// A hand-written decoder for nsqd's /stats: most of a one-shot `get` went
// to encoding/json's reflection over this one shape. It reads exactly what nsqd 1.0–1.3 send (null arrays and missing
// fields included) and gives up on anything else: escapes or a case other
// than nsqd's in a key, a repeated key, a value of an unexpected type, a
// fraction where a whole number belongs, a syntax error. Then
// encoding/json decodes the same bytes, so that the result and the error
// are always its (FuzzStatsDecode holds the two equal).

// decodeBody decodes b, a whole /stats answer, into st, which must be the
// zero value. The answer is its first JSON value; what follows is ignored,
// as json.Decoder does.
func (st *statsJSON) decodeBody(b []byte) error {
	s := wireScanner{b: b}
	if s.stats(st) {
		return nil
	}
	*st = statsJSON{}
	return json.NewDecoder(bytes.NewReader(b)).Decode(st)
}

// bodyDecoder is a wire type with a decoder of its own for a whole answer.
type bodyDecoder interface {
	decodeBody(b []byte) error
}

// wireScanner reads JSON from b at i. Its methods report false when the
// input is not what they read fast; the caller then gives up.
type wireScanner struct {
	b []byte
	i int
	// Lists are read into these and copied out at their length: one
	// allocation each rather than the growing of append.
	topicsBuf   []topicJSON
	channelsBuf []channelJSON
	// e2es are handed out from blocks: every topic and channel has one.
	e2es []e2eJSON
	// names holds the channel names seen: the same few recur on every topic.
	names map[string]string
}

// maxSkipDepth bounds the nesting of skipped values (encoding/json allows
// 10,000; deeper than this is left to it).
const maxSkipDepth = 200

var (
	statsFields   = []string{"version", "health", "start_time", "topics"}
	topicFields   = []string{"topic_name", "depth", "backend_depth", "message_count", "message_bytes", "paused", "e2e_processing_latency", "channels"}
	channelFields = []string{"channel_name", "depth", "backend_depth", "in_flight_count", "deferred_count", "message_count",
		"requeue_count", "timeout_count", "client_count", "clients", "paused", "e2e_processing_latency"}
	e2eFields        = []string{"count", "percentiles"}
	percentileFields = []string{"quantile", "value"}
)

func (s *wireScanner) stats(st *statsJSON) bool {
	s.space()
	if !s.consume('{') {
		return false
	}
	var seen uint32
	for n := 0; ; n++ {
		key, more, ok := s.key(n)
		if !ok {
			return false
		}
		if !more {
			return true // the rest of b is not the answer's
		}
		var bit uint32
		switch string(key) {
		case "version":
			bit, ok = 1<<0, s.str(&st.Version)
		case "health":
			bit, ok = 1<<1, s.str(&st.Health)
		case "start_time":
			bit, ok = 1<<2, s.int64(&st.StartTime)
		case "topics":
			bit, ok = 1<<3, s.topics(&st.Topics)
		default:
			ok = s.unknown(key, statsFields)
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

func (s *wireScanner) topics(dst *[]topicJSON) bool {
	if s.null() {
		*dst = nil
		return true
	}
	if !s.consume('[') {
		return false
	}
	buf := s.topicsBuf[:0]
	for n := 0; ; n++ {
		more, ok := s.element(n)
		if !ok {
			return false
		}
		if !more {
			*dst = append([]topicJSON{}, buf...)
			s.topicsBuf = buf
			return true
		}
		buf = append(buf, topicJSON{})
		if !s.null() && !s.topic(&buf[len(buf)-1]) {
			return false
		}
	}
}

func (s *wireScanner) topic(t *topicJSON) bool {
	if !s.consume('{') {
		return false
	}
	var seen uint32
	for n := 0; ; n++ {
		key, more, ok := s.key(n)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		var bit uint32
		switch string(key) {
		case "topic_name":
			bit, ok = 1<<0, s.str(&t.Name)
		case "depth":
			bit, ok = 1<<1, s.int64(&t.Depth)
		case "backend_depth":
			bit, ok = 1<<2, s.int64(&t.BackendDepth)
		case "message_count":
			bit, ok = 1<<3, s.uint64(&t.MessageCount)
		case "message_bytes":
			bit, ok = 1<<4, s.uint64(&t.MessageBytes)
		case "paused":
			bit, ok = 1<<5, s.bool(&t.Paused)
		case "e2e_processing_latency":
			bit, ok = 1<<6, s.e2e(&t.E2E)
		case "channels":
			bit, ok = 1<<7, s.channels(&t.Channels)
		default:
			ok = s.unknown(key, topicFields)
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

func (s *wireScanner) channels(dst *[]channelJSON) bool {
	if s.null() {
		*dst = nil
		return true
	}
	if !s.consume('[') {
		return false
	}
	buf := s.channelsBuf[:0]
	for n := 0; ; n++ {
		more, ok := s.element(n)
		if !ok {
			return false
		}
		if !more {
			*dst = append([]channelJSON{}, buf...)
			s.channelsBuf = buf
			return true
		}
		buf = append(buf, channelJSON{})
		if !s.null() && !s.channel(&buf[len(buf)-1]) {
			return false
		}
	}
}

func (s *wireScanner) channel(c *channelJSON) bool {
	if !s.consume('{') {
		return false
	}
	var seen uint32
	for n := 0; ; n++ {
		key, more, ok := s.key(n)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		var bit uint32
		switch string(key) {
		case "channel_name":
			bit, ok = 1<<0, s.name(&c.Name)
		case "depth":
			bit, ok = 1<<1, s.int64(&c.Depth)
		case "backend_depth":
			bit, ok = 1<<2, s.int64(&c.BackendDepth)
		case "in_flight_count":
			bit, ok = 1<<3, s.int64(&c.InFlight)
		case "deferred_count":
			bit, ok = 1<<4, s.int64(&c.Deferred)
		case "message_count":
			bit, ok = 1<<5, s.uint64(&c.MessageCount)
		case "requeue_count":
			bit, ok = 1<<6, s.uint64(&c.RequeueCount)
		case "timeout_count":
			bit, ok = 1<<7, s.uint64(&c.TimeoutCount)
		case "client_count":
			bit, ok = 1<<8, s.int(&c.ClientCount)
		case "clients":
			bit, ok = 1<<9, s.clients(&c.Clients)
		case "paused":
			bit, ok = 1<<10, s.bool(&c.Paused)
		case "e2e_processing_latency":
			bit, ok = 1<<11, s.e2e(&c.E2E)
		default:
			ok = s.unknown(key, channelFields)
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

// clients counts a channel's clients: only how many there are is read.
func (s *wireScanner) clients(dst *[]struct{}) bool {
	if s.null() {
		*dst = nil
		return true
	}
	if !s.consume('[') {
		return false
	}
	count := 0
	for n := 0; ; n++ {
		more, ok := s.element(n)
		if !ok {
			return false
		}
		if !more {
			*dst = make([]struct{}, count)
			return true
		}
		count++
		if s.null() {
			continue
		}
		// An object's fields are nothing to struct{}, whatever their names.
		if s.peek() != '{' || !s.skip(1) {
			return false
		}
	}
}

func (s *wireScanner) e2e(dst **e2eJSON) bool {
	if s.null() {
		*dst = nil
		return true
	}
	if !s.consume('{') {
		return false
	}
	if len(s.e2es) == 0 {
		s.e2es = make([]e2eJSON, 256)
	}
	e := &s.e2es[0]
	s.e2es = s.e2es[1:]
	var seen uint32
	for n := 0; ; n++ {
		key, more, ok := s.key(n)
		if !ok {
			return false
		}
		if !more {
			*dst = e
			return true
		}
		var bit uint32
		switch string(key) {
		case "count":
			bit, ok = 1<<0, s.int(&e.Count)
		case "percentiles":
			bit, ok = 1<<1, s.percentiles(e)
		default:
			ok = s.unknown(key, e2eFields)
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

func (s *wireScanner) percentiles(e *e2eJSON) bool {
	if s.null() {
		e.Percentiles = nil
		return true
	}
	if !s.consume('[') {
		return false
	}
	out := []percentileJSON{}
	for n := 0; ; n++ {
		more, ok := s.element(n)
		if !ok {
			return false
		}
		if !more {
			e.Percentiles = out
			return true
		}
		out = append(out, percentileJSON{})
		if !s.null() && !s.percentile(&out[len(out)-1]) {
			return false
		}
	}
}

func (s *wireScanner) percentile(p *percentileJSON) bool {
	if !s.consume('{') {
		return false
	}
	var seen uint32
	for n := 0; ; n++ {
		key, more, ok := s.key(n)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		var bit uint32
		switch string(key) {
		case "quantile":
			bit, ok = 1<<0, s.float(&p.Quantile)
		case "value":
			bit, ok = 1<<1, s.float(&p.Value)
		default:
			ok = s.unknown(key, percentileFields)
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

// key reads the n-th key of an object whose '{' is read, and the ':' after
// it; more is false at the closing '}'. A key with an escape or a byte
// outside printable ASCII is left to encoding/json.
func (s *wireScanner) key(n int) (key []byte, more, ok bool) {
	s.space()
	if s.i >= len(s.b) {
		return nil, false, false
	}
	if s.b[s.i] == '}' {
		s.i++
		return nil, false, true
	}
	if n > 0 {
		if s.b[s.i] != ',' {
			return nil, false, false
		}
		s.i++
		s.space()
	}
	if !s.consume('"') {
		return nil, false, false
	}
	start := s.i
	for s.i < len(s.b) && plainByte[s.b[s.i]] {
		s.i++
	}
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, false
	}
	key = s.b[start:s.i]
	s.i++
	s.space()
	if !s.consume(':') {
		return nil, false, false
	}
	s.space()
	return key, true, true
}

// plainByte is what a string may hold that needs no unquoting: printable
// ASCII but the quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// element readies the n-th element of an array whose '[' is read; more is
// false at the closing ']'.
func (s *wireScanner) element(n int) (more, ok bool) {
	s.space()
	if s.i >= len(s.b) {
		return false, false
	}
	if s.b[s.i] == ']' {
		s.i++
		return false, true
	}
	if n > 0 {
		if s.b[s.i] != ',' {
			return false, false
		}
		s.i++
		s.space()
	}
	return true, true
}

// unknown skips the value of a key that is none of names. encoding/json
// matches keys without regard to case, so a key that is one of names in
// another case is left to it.
func (s *wireScanner) unknown(key []byte, names []string) bool {
	for _, n := range names {
		if len(n) == len(key) && bytes.EqualFold(key, []byte(n)) {
			return false
		}
	}
	return s.skip(0)
}

func (s *wireScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *wireScanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *wireScanner) consume(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *wireScanner) literal(word string) bool {
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

// null reads a null if there is one: a no-op for numbers, strings and
// bools, nil for lists and pointers, as encoding/json has it.
func (s *wireScanner) null() bool { return s.peek() == 'n' && s.literal("null") }

func (s *wireScanner) str(dst *string) bool {
	if s.null() {
		return true
	}
	if raw, ok := s.plain(); ok {
		*dst = string(raw)
		return true
	}
	return s.peek() == '"' && s.slowStr(s.i, dst)
}

// name is str for a name that recurs: one string for all its copies.
func (s *wireScanner) name(dst *string) bool {
	raw, ok := s.plain()
	if !ok {
		return s.str(dst)
	}
	if n, ok := s.names[string(raw)]; ok {
		*dst = n
		return true
	}
	if s.names == nil {
		s.names = map[string]string{}
	}
	*dst = string(raw)
	s.names[*dst] = *dst
	return true
}

// plain reads a string of printable ASCII without escapes and returns
// what is between its quotes; on anything else it reads nothing.
func (s *wireScanner) plain() ([]byte, bool) {
	if s.peek() != '"' {
		return nil, false
	}
	i := s.i + 1
	for i < len(s.b) && plainByte[s.b[i]] {
		i++
	}
	if i >= len(s.b) || s.b[i] != '"' {
		return nil, false
	}
	raw := s.b[s.i+1 : i]
	s.i = i + 1
	return raw, true
}

// slowStr reads a string with escapes or beyond ASCII from its opening
// quote at start, unquoted as encoding/json does (invalid UTF-8 and lone
// surrogates become U+FFFD).
func (s *wireScanner) slowStr(start int, dst *string) bool {
	s.i = start
	if !s.skip(0) {
		return false
	}
	return json.Unmarshal(s.b[start:s.i], dst) == nil
}

func (s *wireScanner) bool(dst *bool) bool {
	switch {
	case s.null():
	case s.literal("true"):
		*dst = true
	case s.literal("false"):
		*dst = false
	default:
		return false
	}
	return true
}

// digits reads a whole number (no fraction or exponent, which encoding/json
// refuses for integer fields) and returns its text.
func (s *wireScanner) digits(signed bool) ([]byte, bool) {
	start := s.i
	if signed && s.peek() == '-' {
		s.i++
	}
	switch c := s.peek(); {
	case c == '0':
		s.i++
	case c >= '1' && c <= '9':
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
		}
	default:
		return nil, false
	}
	switch s.peek() {
	case '.', 'e', 'E', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return nil, false
	}
	return s.b[start:s.i], true
}

func (s *wireScanner) int64(dst *int64) bool {
	if s.null() {
		return true
	}
	d, ok := s.digits(true)
	if !ok {
		return false
	}
	if len(d) <= 18 { // cannot overflow
		var n int64
		neg := d[0] == '-'
		if neg {
			d = d[1:]
		}
		for _, c := range d {
			n = n*10 + int64(c-'0')
		}
		if neg {
			n = -n
		}
		*dst = n
		return true
	}
	n, err := strconv.ParseInt(string(d), 10, 64)
	*dst = n
	return err == nil
}

func (s *wireScanner) int(dst *int) bool {
	var n int64
	if s.null() {
		return true
	}
	if !s.int64(&n) || int64(int(n)) != n {
		return false
	}
	*dst = int(n)
	return true
}

func (s *wireScanner) uint64(dst *uint64) bool {
	if s.null() {
		return true
	}
	d, ok := s.digits(false)
	if !ok {
		return false
	}
	if len(d) <= 19 {
		var n uint64
		for _, c := range d {
			n = n*10 + uint64(c-'0')
		}
		*dst = n
		return true
	}
	n, err := strconv.ParseUint(string(d), 10, 64)
	*dst = n
	return err == nil
}

func (s *wireScanner) float(dst *float64) bool {
	if s.null() {
		return true
	}
	start := s.i
	if !s.number() {
		return false
	}
	f, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
	*dst = f
	return err == nil
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *wireScanner) number() bool {
	s.consume('-')
	switch c := s.peek(); {
	case c == '0':
		s.i++
	case c >= '1' && c <= '9':
		s.run()
	default:
		return false
	}
	if s.consume('.') && !s.run() {
		return false
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		if !s.run() {
			return false
		}
	}
	return true
}

// run reads one or more digits.
func (s *wireScanner) run() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// skip reads any valid JSON value and drops it; depth is how deep it is.
func (s *wireScanner) skip(depth int) bool {
	if depth > maxSkipDepth {
		return false
	}
	switch s.peek() {
	case '{':
		s.i++
		for n := 0; ; n++ {
			s.space()
			if n == 0 && s.consume('}') {
				return true
			}
			if n > 0 {
				if s.consume('}') {
					return true
				}
				if !s.consume(',') {
					return false
				}
				s.space()
			}
			if s.peek() != '"' || !s.skip(depth+1) {
				return false
			}
			s.space()
			if !s.consume(':') {
				return false
			}
			s.space()
			if !s.skip(depth + 1) {
				return false
			}
		}
	case '[':
		s.i++
		for n := 0; ; n++ {
			s.space()
			if n == 0 && s.consume(']') {
				return true
			}
			if n > 0 {
				if s.consume(']') {
					return true
				}
				if !s.consume(',') {
					return false
				}
				s.space()
			}
			if !s.skip(depth + 1) {
				return false
			}
		}
	case '"':
		s.i++
		for s.i < len(s.b) {
			c := s.b[s.i]
			s.i++
			switch {
			case c == '"':
				return true
			case c < 0x20:
				return false
			case c == '\\':
				switch s.peek() {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					s.i++
				case 'u':
					if len(s.b)-s.i < 5 {
						return false
					}
					for _, h := range s.b[s.i+1 : s.i+5] {
						if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
							return false
						}
					}
					s.i += 5
				default:
					return false
				}
			}
		}
		return false
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	return s.number()
}
