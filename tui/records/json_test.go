package records

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/records/recordstest"
)

func TestAppendJSON(t *testing.T) {
	ts := time.Date(2026, 3, 1, 9, 30, 5, 123_456_789, zone)
	tests := []struct {
		name string
		r    sources.Record
		want string
	}{
		{"kafka", kafkaRecord(),
			`{"topic":"orders","partition":2,"offset":90,"timestamp":"2026-03-01T09:30:05.123Z","key":"user-42",` +
				`"headers":[{"key":"trace","value":"t1"},{"key":"src","value":"web"}],"value":"{\"id\":1,\"note\":\"hello\"}"}`},
		{"kafka nil key, tombstone, no headers", sources.Record{Topic: "t", Offset: 7, Timestamp: ts},
			`{"topic":"t","partition":0,"offset":7,"timestamp":"2026-03-01T08:30:05.123Z","key":null,"headers":[],"value":null}`},
		{"kafka empty key and value are strings", sources.Record{Topic: "t", Timestamp: ts, Key: []byte{}, Value: []byte{}},
			`{"topic":"t","partition":0,"offset":0,"timestamp":"2026-03-01T08:30:05.123Z","key":"","headers":[],"value":""}`},
		{"nsq", nsqRecord(),
			`{"topic":"events","id":"0b1c2d3e4f5a6b7c","attempts":3,"nsqd":"10.0.0.5:4150","timestamp":"2026-03-01T09:30:05.000Z","value":"payload"}`},
		{"binary is base64 and marked", sources.Record{Topic: "t", Timestamp: ts, Key: []byte{0xff}, Value: []byte{0, 0xfe},
			Headers: []sources.Header{{Key: "h\xff", Value: []byte{0x80}}, {Key: "n", Value: nil}}},
			`{"topic":"t","partition":0,"offset":0,"timestamp":"2026-03-01T08:30:05.123Z","key":"/w==","key_encoding":"base64",` +
				`"headers":[{"key":"aP8=","key_encoding":"base64","value":"gA==","value_encoding":"base64"},{"key":"n","value":null}],` +
				`"value":"AP4=","value_encoding":"base64"}`},
		{"hostile text is escaped, not encoded", sources.Record{Topic: "t", Timestamp: ts, Key: []byte("\x1b[2J"), Value: []byte("a\u009bb\u202ec\u200d\n\"\\\x7f")},
			`{"topic":"t","partition":0,"offset":0,"timestamp":"2026-03-01T08:30:05.123Z","key":"\u001b[2J","headers":[],` +
				`"value":"a\u009bb\u202ec\u200d\n\"\\\u007f"}`},
		{"nsq binary body", sources.Record{Topic: "e", Partition: -1, Offset: -1, Timestamp: ts, ID: "id", Value: []byte{0xc3}},
			`{"topic":"e","id":"id","attempts":0,"nsqd":"","timestamp":"2026-03-01T08:30:05.123Z","value":"ww==","value_encoding":"base64"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := AppendJSON([]byte("> "), &tc.r)
			if string(got) != "> "+tc.want {
				t.Fatalf("AppendJSON =\n%s\nwant\n%s", got[2:], tc.want)
			}
			if !json.Valid(got[2:]) {
				t.Fatal("not valid JSON")
			}
			checkLossless(t, &tc.r, got[2:])
		})
	}
}

func TestAppendJSONDoesNotAllocate(t *testing.T) {
	r := kafkaRecord()
	dst := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { _ = AppendJSON(dst[:0], &r) }); n != 0 {
		t.Fatalf("AppendJSON allocated %v times", n)
	}
}

// decoded is AppendJSON's output read back.
type decoded struct {
	Topic         string  `json:"topic"`
	Key           *string `json:"key"`
	KeyEncoding   string  `json:"key_encoding"`
	Value         *string `json:"value"`
	ValueEncoding string  `json:"value_encoding"`
	Headers       []struct {
		Key           string  `json:"key"`
		KeyEncoding   string  `json:"key_encoding"`
		Value         *string `json:"value"`
		ValueEncoding string  `json:"value_encoding"`
	} `json:"headers"`
	Timestamp string `json:"timestamp"`
	ID        string `json:"id"`
	Attempts  uint16 `json:"attempts"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

// checkLossless decodes out and checks that every byte of r comes back.
func checkLossless(t *testing.T, r *sources.Record, out []byte) {
	t.Helper()
	var d decoded
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	back := func(s *string, enc string) []byte {
		if s == nil {
			return nil
		}
		if enc == "base64" {
			b, err := base64.StdEncoding.DecodeString(*s)
			if err != nil {
				t.Fatalf("bad base64 %q: %v", *s, err)
			}
			return b
		}
		if enc != "" {
			t.Fatalf("unknown encoding %q", enc)
		}
		return []byte(*s)
	}
	same := func(what string, got, want []byte, wantNil bool) {
		if !bytes.Equal(got, want) || (got == nil) != wantNil {
			t.Fatalf("%s: got %q (nil %v), want %q (nil %v)", what, got, got == nil, want, wantNil)
		}
	}
	// RFC 3339 has four-digit years; others are written as Go does and
	// only checked where they can be parsed.
	if y := r.Timestamp.UTC().Year(); y >= 0 && y <= 9999 {
		ts, err := time.Parse(time.RFC3339Nano, d.Timestamp)
		if err != nil || !ts.Equal(r.Timestamp.Truncate(time.Millisecond)) {
			t.Fatalf("timestamp %q (%v), want %v", d.Timestamp, err, r.Timestamp)
		}
	}
	if isNSQ(r) {
		same("value", back(d.Value, d.ValueEncoding), r.Value, false)
		if d.Attempts != r.Attempts {
			t.Fatalf("attempts %d, want %d", d.Attempts, r.Attempts)
		}
		return
	}
	if d.Partition != r.Partition || d.Offset != r.Offset {
		t.Fatalf("partition/offset %d/%d, want %d/%d", d.Partition, d.Offset, r.Partition, r.Offset)
	}
	same("key", back(d.Key, d.KeyEncoding), r.Key, r.Key == nil)
	same("value", back(d.Value, d.ValueEncoding), r.Value, r.Value == nil)
	if len(d.Headers) != len(r.Headers) {
		t.Fatalf("%d headers, want %d", len(d.Headers), len(r.Headers))
	}
	for i, h := range d.Headers {
		same("header key", back(&h.Key, h.KeyEncoding), []byte(r.Headers[i].Key), false)
		same("header value", back(h.Value, h.ValueEncoding), r.Headers[i].Value, r.Headers[i].Value == nil)
	}
}

// FuzzAppendJSON: any record makes valid, terminal-safe JSON from which its
// bytes come back exactly.
func FuzzAppendJSON(f *testing.F) {
	f.Add("orders", []byte("k"), false, []byte("v"), "h", []byte("hv"), int64(5), false, uint16(1))
	f.Add("t", []byte("k"), false, []byte("v"), "h", []byte("hv"), int64(1)<<62, false, uint16(1))
	f.Add("t", []byte("k"), false, []byte("v"), "h", []byte("hv"), int64(-1)<<62, false, uint16(1))
	f.Add("t\u202e", []byte{0xff}, true, []byte("\x1b[2J\u009b"), "\xff", []byte(nil), int64(-1), true, uint16(0))
	for _, s := range recordstest.Hostile() {
		f.Add("t", s.Data, false, s.Data, string(s.Data), s.Data, int64(1), false, uint16(2))
	}
	f.Fuzz(func(t *testing.T, topic string, key []byte, nilKey bool, value []byte, hk string, hv []byte, off int64, nsq bool, attempts uint16) {
		r := sources.Record{Topic: topic, Partition: 3, Offset: off, Timestamp: time.UnixMilli(off).UTC(), Key: key, Value: value,
			Headers: []sources.Header{{Key: hk, Value: hv}}}
		if nilKey {
			r.Key = nil
		}
		if nsq {
			r = sources.Record{Topic: topic, Partition: -1, Offset: -1, Timestamp: r.Timestamp, Value: value, ID: hk, Attempts: attempts, Node: string(key)}
		}
		out := AppendJSON(nil, &r)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON: %s", out)
		}
		if i, c := recordstest.FindUnsafe(string(out), ""); i >= 0 {
			t.Fatalf("unsafe %U at %d in %q", c, i, out)
		}
		checkLossless(t, &r, out)
	})
}
