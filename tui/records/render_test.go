package records

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/topicat/topicat/tui/safetext"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		mode  Mode
		width int
		want  []string
		used  Mode
	}{
		{"json object keeps key order", `{"z":1,"a":{"y":[1,2],"b":{}},"e":[]}`, Auto, 80,
			[]string{"{", `  "z": 1,`, `  "a": {`, `    "y": [`, "      1,", "      2", "    ],", `    "b": {}`, "  },", `  "e": []`, "}"}, JSON},
		{"json big numbers as written", `[12345678901234567890123, 1.0e-400, -0]`, Auto, 80,
			[]string{"[", "  12345678901234567890123,", "  1.0e-400,", "  -0", "]"}, JSON},
		{"json scalar", ` "hi" `, Auto, 80, []string{`"hi"`}, JSON},
		{"json string escapes kept, raw unsafe runes escaped", "{\"a\":\"\\u001b[2J\u202e\"}", Auto, 80,
			[]string{"{", `  "a": "\u001b[2J\u202e"`, "}"}, JSON},
		{"text", "hello\nworld\n", Auto, 80, []string{"hello", "world"}, Text},
		{"text keeps empty lines", "a\n\nb", Auto, 80, []string{"a", "", "b"}, Text},
		{"text with colour codes", "\x1b[31mERROR\x1b[0m disk full", Auto, 80, []string{`\x1b[31mERROR\x1b[0m disk full`}, Text},
		{"tabs become spaces to the next stop", "a\tb\tc\n\tx", Text, 80, []string{"a       b       c", "        x"}, Text},
		{"hard wrap", "abcdefghij", Text, 4, []string{"abcd", "efgh", "ij"}, Text},
		{"wide characters are two cells", "日本語テキ", Text, 5, []string{"日本", "語テ", "キ"}, Text},
		{"an escape is not split", "ab\x1bcd", Text, 4, []string{"ab", `\x1b`, "cd"}, Text},
		{"a cluster is not split", "ae\u0301e\u0301", Text, 2, []string{"ae\u0301", "e\u0301"}, Text},
		{"escape wider than the line is split after all", "\u202e", Text, 4, []string{`\u20`, "2e"}, Text},
		{"zero width means no wrap", strings.Repeat("x", 100), Text, 0, []string{strings.Repeat("x", 100)}, Text},
		{"json requested, not json", "plain", JSON, 80, []string{"plain"}, Text},
		{"binary goes hex", "\x00\x01\x02abc", Auto, 80,
			[]string{"00000000  00 01 02 61 62 63                                 |...abc|", "00000006"}, Hex},
		{"text requested on binary", "a\x00b", Text, 80, []string{`a\x00b`}, Text},
		{"empty", "", Auto, 80, nil, Text},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, used := Render([]byte(tc.in), tc.mode, tc.width)
			if used != tc.used {
				t.Errorf("used %v, want %v", used, tc.used)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") || len(got) != len(tc.want) {
				t.Fatalf("Render =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestHexdumpLayout(t *testing.T) {
	got, _ := Render([]byte("0123456789abcdefghij"), Hex, 10)
	want := []string{
		"00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|",
		"00000010  67 68 69 6a                                       |ghij|",
		"00000014",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("hex =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestHexdumpMatchesHexdump compares with the real tool where there is one.
func TestHexdumpMatchesHexdump(t *testing.T) {
	path, err := exec.LookPath("hexdump")
	if err != nil {
		t.Skip("no hexdump here")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 8, 15, 16, 17, 100, 4099} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		cmd := exec.Command(path, "-C", "-v")
		cmd.Stdin = bytes.NewReader(b)
		want, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(hexdump(b), "\n") + "\n"; got != string(want) {
			t.Fatalf("%d bytes:\n%s\nhexdump -C:\n%s", n, got, want)
		}
	}
}

// TestRenderWrapInvariants: at every width, lines are safe, fit, and put back
// together they are the safe text of the input (tabs aside).
func TestRenderWrapInvariants(t *testing.T) {
	inputs := []string{
		"日本語のテキスト、中文字符，한국어 텍스트 mixed with ascii",
		"family 👨\u200d👩\u200d👧\u200d👦 and 🇯🇵🇫🇷 flags, e\u0301 and \x00\u0301 and 0\ufe0f",
		"\x1b[2J\x1b]52;c;aGk=\x07\u009b\u202e\xff\xfe" + strings.Repeat("z", 50),
		"\U0010FFFF\U000F0000\U000E0001 above the BMP",
	}
	for _, in := range inputs {
		for width := 8; width <= 40; width++ {
			lines, _ := Render([]byte(in), Text, width)
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > width {
					t.Fatalf("width %d: line %q is %d wide", width, l, w)
				}
				if safetext.Line(l) != l {
					t.Fatalf("line %q is not safe text", l)
				}
			}
			if got, want := strings.Join(lines, ""), safetext.Line(in); got != want {
				t.Fatalf("width %d: lines join to\n%q\nwant\n%q", width, got, want)
			}
		}
	}
}

func TestRenderHugeValue(t *testing.T) {
	text := bytes.Repeat([]byte("lorem ipsum dolor sit amet, 日本語 \x1b[0m\n"), 250_000) // ~10 MB
	jsonDoc := append([]byte(`{"items":[`), bytes.Repeat([]byte(`{"id":12345,"name":"lorem ipsum dolor"},`), 250_000)...)
	jsonDoc = append(jsonDoc, `{}]}`...)
	bin := bytes.Repeat([]byte{0, 1, 2, 0xff}, 2_500_000)
	for _, tc := range []struct {
		name string
		b    []byte
		used Mode
	}{{"text", text, Text}, {"json", jsonDoc, JSON}, {"hex", bin, Hex}} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			lines, used := Render(tc.b, Auto, 80)
			took := time.Since(start)
			if used != tc.used {
				t.Fatalf("used %v, want %v", used, tc.used)
			}
			if took > 2*time.Second {
				t.Fatalf("Render of %d bytes took %v", len(tc.b), took)
			}
			t.Logf("%d bytes: %d lines in %v", len(tc.b), len(lines), took)
			last := lines[len(lines)-1]
			if !strings.Contains(last, "more not shown") || !strings.Contains(last, "save the message") {
				t.Fatalf("last line %q does not say what was left out", last)
			}
			var shown int
			for _, l := range lines {
				shown += len(l)
			}
			if shown > 8*RenderLimit {
				t.Fatalf("rendered %d bytes of lines for a %d limit", shown, RenderLimit)
			}
		})
	}
}

func TestIndentJSONMatchesEncodingJSON(t *testing.T) {
	for _, doc := range []string{
		`{}`, `[]`, `{"a":[{},[],{"b":null}],"c":"x\"y\\","d":[true,false]}`,
		" { \"a\" : [ 1 , 2 ] , \"b\" : { } } ", `"\u00e9"`, `[[[[1]]]]`,
	} {
		var want bytes.Buffer
		if err := json.Indent(&want, bytes.TrimSpace([]byte(doc)), "", "  "); err != nil {
			t.Fatal(err)
		}
		if got, _ := indentJSON(nil, []byte(doc), RenderLimit); string(got) != want.String() {
			t.Errorf("indentJSON(%s) =\n%s\nwant\n%s", doc, got, want.String())
		}
	}
}

// TestRenderPathological: inputs that make naive layouts explode stay within
// a bounded output (time is not asserted: it depends on the machine's load).
func TestRenderPathological(t *testing.T) {
	inputs := map[string][]byte{
		"deep json":             append(bytes.Repeat([]byte("["), 9999), bytes.Repeat([]byte("]"), 9999)...),
		"one long cluster":      append([]byte("a"), bytes.Repeat([]byte("\u0301"), 200_000)...),
		"escapes between marks": bytes.Repeat([]byte("\x00\u0301"), 100_000),
		"regional indicators":   bytes.Repeat([]byte("🇯"), 100_000),
		"spaces inside json":    append(append([]byte("{"), bytes.Repeat([]byte(" "), 1_000_000)...), '}'),
	}
	for name, b := range inputs {
		for _, mode := range []Mode{Auto, Text} {
			lines, _ := Render(b, mode, 20)
			var size int
			for _, l := range lines {
				size += len(l)
			}
			if size > 16*RenderLimit {
				t.Errorf("%s (%v): %d lines, %d bytes", name, mode, len(lines), size)
			}
		}
	}
}
