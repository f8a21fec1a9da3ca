package safetext

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendJSONString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "abc", `"abc"`},
		{"json escapes", "a\"b\\c\nd\te\rf", `"a\"b\\c\nd\te\rf"`},
		{"esc and nul", "\x1b[2J\x00", `"\u001b[2J\u0000"`},
		{"del", "a\x7f", `"a\u007f"`},
		{"c1 csi", "a\u009bb", `"a\u009bb"`},
		{"bidi override", "\u202eabc", `"\u202eabc"`},
		{"zero width joiner", "👨\u200d👩", `"👨\u200d👩"`},
		{"line separator", "a\u2028b\u2029", `"a\u2028b\u2029"`},
		{"tag character above BMP", "a\U000E0001", `"a\udb40\udc01"`},
		{"private use above BMP", "\U000F0000", `"\udb80\udc00"`},
		{"cjk and combining kept", "日本e\u0301", `"日本e` + "\u0301" + `"`},
		{"invalid utf8", "a\xffb", `"a\ufffdb"`},
		{"real replacement char kept", "\ufffd", "\"\ufffd\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(AppendJSONString(nil, tc.in))
			if got != tc.want {
				t.Fatalf("AppendJSONString(%q) = %s, want %s", tc.in, got, tc.want)
			}
			if gotB := string(AppendJSONString(nil, []byte(tc.in))); gotB != got {
				t.Fatalf("[]byte form differs: %s vs %s", gotB, got)
			}
			var back string
			if err := json.Unmarshal([]byte(got), &back); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if utf8.ValidString(tc.in) && back != tc.in {
				t.Fatalf("decodes to %q, want %q", back, tc.in)
			}
		})
	}
}

func TestEscapeJSON(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"nothing to do", `{"a":[1,"x"]}`, `{"a":[1,"x"]}`},
		{"c1 in value", "{\"a\":\"x\u009by\"}", `{"a":"x\u009by"}`},
		{"bidi in key", "{\"\u202eab\":1}", `{"\u202eab":1}`},
		{"escaped quote does not end the string", "[\"a\\\"\u202e\"]", `["a\"\u202e"]`},
		{"escaped backslash before quote", "[\"a\\\\\",\"\u202e\"]", `["a\\","\u202e"]`},
		{"existing escapes untouched", `["\u001b\n"]`, `["\u001b\n"]`},
		{"del", "[\"\x7f\"]", `["\u007f"]`},
		{"invalid utf8 becomes U+FFFD", "[\"a\xffb\"]", "[\"a\ufffdb\"]"},
		{"above BMP", "[\"\U000E0041\"]", `["\udb40\udc41"]`},
		{"indented output", "{\n  \"a\": \"\u2066x\"\n}", "{\n  \"a\": \"\\u2066x\"\n}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(EscapeJSON([]byte(tc.in))); got != tc.want {
				t.Fatalf("EscapeJSON(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestEscapeJSONOfEncodingJSON is the case `topicat get -o json` has today.
func TestEscapeJSONOfEncodingJSON(t *testing.T) {
	v := map[string]any{"topic\u202e": "evil\u009b2J\u200b", "n": 1.5, "list": []string{"\x1b]52;c;aGk=\x07"}}
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out := EscapeJSON(raw)
	checkNoUnsafe(t, out)
	if !sameJSON(t, raw, out) {
		t.Fatalf("value changed: %s -> %s", raw, out)
	}
}

func TestEscapeJSONReturnsInputWhenClean(t *testing.T) {
	in := []byte(`{"a":"b","c":[1,2,"日本"]}`)
	if n := testing.AllocsPerRun(100, func() { _ = EscapeJSON(in) }); n != 0 {
		t.Fatalf("clean input allocated %v times", n)
	}
}

func checkNoUnsafe(t *testing.T, out []byte) {
	t.Helper()
	for i := 0; i < len(out); {
		r, size := utf8.DecodeRune(out[i:])
		if r == utf8.RuneError && size == 1 {
			t.Fatalf("invalid UTF-8 at %d in %q", i, out)
		}
		if !Safe(r) && r != '\n' && r != ' ' {
			t.Fatalf("unsafe rune %U at %d in %q", r, i, out)
		}
		i += size
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	decode := func(b []byte) any {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("decode %q: %v", b, err)
		}
		return v
	}
	return reflect.DeepEqual(decode(a), decode(b))
}

// FuzzEscapeJSON: for any valid JSON, the output is valid JSON that decodes to
// the same value and holds no rune that could act on a terminal.
func FuzzEscapeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `"a"`, "[\"\u009b\",\"\u202e\"]", "{\"k\\\"\u200b\":\"\\\\\x7f\"}", "\"\xff\xfe\"", `[1e3,-0.5,true,null]`, "\"\U000E0001\"", " [ \"\\ud800\" ] "} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			t.Skip()
		}
		out := EscapeJSON(in)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON out of %q: %q", in, out)
		}
		if !sameJSON(t, in, out) {
			t.Fatalf("value changed: %q -> %q", in, out)
		}
		for i := 0; i < len(out); {
			r, size := utf8.DecodeRune(out[i:])
			if r == utf8.RuneError && size == 1 {
				t.Fatalf("invalid UTF-8 survived in %q", out)
			}
			// Outside strings JSON has only whitespace, which is fine.
			if !Safe(r) && !strings.ContainsRune(" \t\r\n", r) {
				t.Fatalf("unsafe rune %U survived in %q (from %q)", r, out, in)
			}
			i += size
		}
	})
}

// FuzzAppendJSONString: any bytes make a valid JSON string of safe runes that
// decodes to the input when the input is UTF-8.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x1b[0m", "\u009b\u202e\u2028", "\xff", "\U0010FFFF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := AppendJSONString(nil, in)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("invalid JSON out of %q: %q: %v", in, out, err)
		}
		if utf8.ValidString(in) && back != in {
			t.Fatalf("%q decodes to %q", in, back)
		}
		checkNoUnsafe(t, out)
	})
}
