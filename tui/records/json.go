package records

import (
	"encoding/base64"
	"strconv"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/safetext"
)

// AppendJSON appends a record as one compact JSON object, no newline: what
// `tail -o jsonl` prints a line of, and what saving or copying a record writes.
//
//	Kafka: {"topic","partition","offset","timestamp","key","headers":[{"key","value"}],"value"}
//	NSQ:   {"topic","id","attempts","nsqd","timestamp","value"}
//
// The timestamp is RFC 3339 in UTC to the millisecond. It is lossless: a key,
// value, header key or header value that is not UTF-8 is written in base64
// with a sibling "key_encoding"/"value_encoding": "base64"; a nil key, Kafka
// value (a tombstone) or header value is null. Strings are escaped so that
// nothing acts on a terminal even when JSON lines are printed to one (see
// safetext.AppendJSONString).
func AppendJSON(dst []byte, r *sources.Record) []byte {
	dst = append(dst, `{"topic":`...)
	dst = safetext.AppendJSONString(dst, r.Topic)
	if isNSQ(r) {
		dst = append(dst, `,"id":`...)
		dst = safetext.AppendJSONString(dst, r.ID)
		dst = append(dst, `,"attempts":`...)
		dst = strconv.AppendUint(dst, uint64(r.Attempts), 10)
		dst = append(dst, `,"nsqd":`...)
		dst = safetext.AppendJSONString(dst, r.Node)
		dst = appendJSONTime(dst, r)
		dst = appendJSONBytes(dst, `,"value":`, `,"value_encoding":"base64"`, r.Value, false)
		return append(dst, '}')
	}
	dst = append(dst, `,"partition":`...)
	dst = strconv.AppendInt(dst, int64(r.Partition), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, r.Offset, 10)
	dst = appendJSONTime(dst, r)
	dst = appendJSONBytes(dst, `,"key":`, `,"key_encoding":"base64"`, r.Key, true)
	dst = append(dst, `,"headers":[`...)
	for i := range r.Headers {
		h := &r.Headers[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONBytes(dst, `{"key":`, `,"key_encoding":"base64"`, h.Key, false)
		dst = appendJSONBytes(dst, `,"value":`, `,"value_encoding":"base64"`, h.Value, true)
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	dst = appendJSONBytes(dst, `,"value":`, `,"value_encoding":"base64"`, r.Value, true)
	return append(dst, '}')
}

func appendJSONTime(dst []byte, r *sources.Record) []byte {
	dst = append(dst, `,"timestamp":"`...)
	return append(appendRFC3339Milli(dst, r.Timestamp), '"')
}

// appendJSONBytes writes name (with its separator) and b: a string when b is
// UTF-8, else base64 followed by the encoding marker; null when b is nil and
// nullable.
func appendJSONBytes[T string | []byte](dst []byte, name, marker string, b T, nullable bool) []byte {
	dst = append(dst, name...)
	if nullable && len(b) == 0 && isNilBytes(b) {
		return append(dst, "null"...)
	}
	if validUTF8(b) {
		return safetext.AppendJSONString(dst, b)
	}
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, []byte(b))
	dst = append(dst, '"')
	return append(dst, marker...)
}

func isNilBytes[T string | []byte](b T) bool {
	v, ok := any(b).([]byte)
	return ok && v == nil
}
