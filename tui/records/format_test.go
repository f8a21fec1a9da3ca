package records

import (
	"strings"
	"testing"

	"github.com/topicat/topicat/sources"
)

func TestFormat(t *testing.T) {
	kafka := kafkaRecord()
	nsq := nsqRecord()
	hostile := kafkaRecord()
	hostile.Topic = "t\u202e"
	hostile.Key = []byte("\x1b]0;x\x07")
	hostile.Value = []byte("v\n\u009b")
	hostile.Headers = []sources.Header{{Key: "h\x1b", Value: []byte("\x1b[2J")}}
	noKey := kafkaRecord()
	noKey.Key, noKey.Headers = nil, nil
	tests := []struct {
		name, format string
		r            sources.Record
		sanitize     bool
		want         string
	}{
		{"kcat default-like", `%t [%p] at offset %o: key %k: %s\n`, kafka, true,
			"orders [2] at offset 90: key user-42: {\"id\":1,\"note\":\"hello\"}\n"},
		{"sizes, headers, timestamp", `%K %S %h %T`, kafka, true, "7 23 trace=t1,src=web 1772357405123"},
		{"nil key size is -1", `%K|%k|%h`, noKey, true, "-1||"},
		{"escapes and percent", `a\tb\\c\r100%%`, kafka, true, "a\tb\\c\r100%"},
		{"nsq partition and offset", `%p %o %i %a`, nsq, true, "10.0.0.5:4150 0b1c2d3e4f5a6b7c 0b1c2d3e4f5a6b7c 3"},
		{"nsq-only verbs empty for kafka", `[%i][%a]`, kafka, true, "[][]"},
		{"sanitized", `%t %k %s %h`, hostile, true, `t\u202e \x1b]0;x\x07 v\n\u009b h\x1b=\x1b[2J`},
		{"raw", `%k|%s|%h`, hostile, false, "\x1b]0;x\x07|v\n\u009b|h\x1b=\x1b[2J"},
		{"literal only", `hello`, kafka, true, "hello"},
		{"empty", ``, kafka, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFormat(tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(f.Append(nil, &tc.r, tc.sanitize)); got != tc.want {
				t.Fatalf("Append =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestParseFormatErrors(t *testing.T) {
	tests := []struct{ format, want string }{
		{"%x", "unknown verb %x"},
		{"%é", "unknown verb %é"},
		{"%\x1b", `unknown verb %\x1b`},
		{"abc%", "ends with a lone %"},
		{`\q`, `unknown escape \q`},
		{`abc\`, `ends with a lone \`},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			_, err := ParseFormat(tc.format)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "%t topic") || strings.ContainsAny(msg, "\n\x1b") {
				t.Fatalf("error %q: want it to say %q, list the verbs, and be one safe line", msg, tc.want)
			}
		})
	}
}
