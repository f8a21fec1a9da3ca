package main

import (
	"bytes"
	"encoding/json"
	"runtime/debug"

	"github.com/topicat/topicat/sources"
)

// marshalJSON is json.Marshal(data). The lists of values that write their
// JSON by hand are joined as they are: encoding/json would re-read each
// one's output to check and compact it, a third of the time at 12,000
// NSQ channels.
func marshalJSON(data any) ([]byte, error) {
	switch xs := data.(type) {
	case []sources.NSQTopic:
		return marshalList(xs)
	case []sources.NSQChannel:
		return marshalList(xs)
	case []sources.Topic:
		return marshalList(xs)
	}
	return json.Marshal(data)
}

// marshalList is json.Marshal of xs, whose MarshalJSON write compact JSON
// with HTML characters escaped, as json.Marshal leaves them.
func marshalList[T json.Marshaler](xs []T) ([]byte, error) {
	if xs == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 1024*len(xs)+2)
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		m, err := x.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b = append(b, m...)
	}
	return append(b, ']'), nil
}

// marshalIndent is json.MarshalIndent(data, "", "  ").
func marshalIndent(data any) ([]byte, error) {
	b, err := marshalJSON(data)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(2 * len(b))
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// oneShotGC lets the heap of a command that polls once and exits grow five
// times over what it holds before collecting, rather than twice: `get nsq
// topics` at 12,000 channels spent a fifth of its CPU collecting garbage
// that the exit frees anyway. A GOGC the user set is kept. It returns what
// puts the setting back (the tests run commands in one process).
func oneShotGC(env func(string) string) func() {
	if env("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(400)
	return func() { debug.SetGCPercent(prev) }
}
