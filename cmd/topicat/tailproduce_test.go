package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// kcat runs kcat, the independent Kafka client, with stdin; its stdout.
func kcat(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("kcat is not on PATH; .ci/run must install it (Debian package kcat)")
		}
		t.Skip("kcat is not on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// jsonl decodes `tail -o jsonl` output.
type jsonRecord struct {
	Topic         string  `json:"topic"`
	Partition     int32   `json:"partition"`
	Offset        int64   `json:"offset"`
	Key           *string `json:"key"`
	KeyEncoding   string  `json:"key_encoding"`
	Value         string  `json:"value"`
	ValueEncoding string  `json:"value_encoding"`
	Headers       []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"headers"`
	ID       string `json:"id"`
	Attempts int    `json:"attempts"`
	NSQD     string `json:"nsqd"`
}

func decodeJSONL(t *testing.T, out string) []jsonRecord {
	t.Helper()
	var recs []jsonRecord
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r jsonRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("not a JSON line: %v\n%s", err, sc.Text())
		}
		recs = append(recs, r)
	}
	return recs
}

// TestProduceAndTailRoundTripWithKcat: what topicat produces kcat reads, what
// kcat produces topicat tails, with keys, headers, codecs and partitions.
func TestProduceAndTailRoundTripWithKcat(t *testing.T) {
	k := kafkatest.NewCluster(t)
	k.CreateTopics(3, 3, "orders")
	brokers := strings.Join(k.Addrs(), ",")

	out, errOut, code := runCLIWith(t, nil, "k1:v1\n\nk2:v2\n", "produce", "orders", "-b", brokers, "-K:", "-H", "a=b", "-H", "a=c", "-p", "1", "-z", "zstd")
	if code != 0 {
		t.Fatalf("produce: exit %d: %s", code, errOut)
	}
	if got := strings.Split(strings.TrimSpace(out), "\n"); len(got) != 2 || got[0] != "partition 1 @ offset 0" || got[1] != "partition 1 @ offset 1" {
		t.Fatalf("produce printed %q", out)
	}
	var seen []string
	for _, line := range strings.Split(strings.TrimSpace(kcat(t, "", "-b", brokers, "-C", "-t", "orders", "-p", "1", "-o", "beginning", "-e", "-J")), "\n") {
		var m struct {
			Key     string   `json:"key"`
			Payload string   `json:"payload"`
			Headers []string `json:"headers"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("kcat -J line %q: %v", line, err)
		}
		seen = append(seen, m.Key+"="+m.Payload+" "+strings.Join(m.Headers, ","))
	}
	if want := []string{"k1=v1 a,b,a,c", "k2=v2 a,b,a,c"}; !slices.Equal(seen, want) {
		t.Fatalf("kcat read %q, want %q", seen, want)
	}

	kcat(t, "kc:from kcat\n", "-b", brokers, "-P", "-t", "orders", "-p", "2", "-K:", "-H", "x=y", "-z", "gzip")
	out, errOut, code = runCLI(t, "tail", "orders", "-b", brokers, "--from", "oldest:newest", "-o", "jsonl")
	if code != 0 {
		t.Fatalf("tail: exit %d: %s", code, errOut)
	}
	recs := decodeJSONL(t, out)
	if len(recs) != 3 {
		t.Fatalf("tail read %d records, want 3:\n%s", len(recs), out)
	}
	slices.SortFunc(recs, func(a, b jsonRecord) int {
		return int(a.Partition*100+int32(a.Offset)) - int(b.Partition*100+int32(b.Offset))
	})
	last := recs[2]
	if last.Partition != 2 || last.Offset != 0 || last.Key == nil || *last.Key != "kc" || last.Value != "from kcat" || len(last.Headers) != 1 || last.Headers[0].Key != "x" || last.Headers[0].Value != "y" {
		t.Fatalf("the kcat record as topicat read it: %+v", last)
	}

	t.Run("count, partitions, format", func(t *testing.T) {
		out, errOut, code := runCLI(t, "tail", "kafka", "orders", "-b", brokers, "--offset", "beginning", "-p", "1", "-n", "1", "-f", `%t %p@%o %k=%s %h\n`)
		if code != 0 || out != "orders 1@0 k1=v1 a=b,a=c\n" {
			t.Fatalf("exit %d, %q, %s", code, out, errOut)
		}
	})
	t.Run("json is one array", func(t *testing.T) {
		out, _, code := runCLI(t, "tail", "orders", "-b", brokers, "--from", "oldest:newest", "-o", "json")
		var arr []jsonRecord
		if err := json.Unmarshal([]byte(out), &arr); code != 0 || err != nil || len(arr) != 3 {
			t.Fatalf("exit %d, %v, %d records:\n%s", code, err, len(arr), out)
		}
	})
	t.Run("bad input is a usage error", func(t *testing.T) {
		for _, args := range [][]string{
			{"tail", "orders", "--from", "soon"},
			{"tail", "orders", "-p", "x"},
			{"tail", "orders", "-o", "yaml"},
			{"tail", "orders", "-o", "beginning"},
			{"tail", "orders", "-o", "jsonl", "-f", "%s"},
			{"tail", "orders", "-f", "%Q"},
			{"tail", "nsq", "orders"},
			{"produce", "orders", "-z", "brotli"},
			{"produce", "orders", "--acks", "some"},
			{"produce", "orders", "-H", "novalue"},
			{"produce", "orders", "-k", "a", "-K:"},
			{"produce", "orders", "--defer", "1s"},
		} {
			_, errOut, code := runCLI(t, append(args, "-b", brokers)...)
			if code != 2 || strings.Count(errOut, "\n") != 1 {
				t.Errorf("%v: exit %d, %q", args, code, errOut)
			}
		}
	})
}

// TestTailPipesBytesAsTheyAre: piped, -o text is not mangled; jsonl keeps
// bytes that are not UTF-8 lossless and says so.
func TestTailPipesBytesAsTheyAre(t *testing.T) {
	k := kafkatest.NewCluster(t)
	k.CreateTopics(1, 1, "raw")
	brokers := strings.Join(k.Addrs(), ",")
	if _, errOut, code := runCLIWith(t, nil, "esc\x1b[2Jhere\n\xff\xfe\n", "produce", "raw", "-b", brokers, "-q"); code != 0 {
		t.Fatalf("produce: %s", errOut)
	}
	out, _, _ := runCLI(t, "tail", "raw", "-b", brokers, "--from", "oldest:newest")
	if !strings.Contains(out, "esc\x1b[2Jhere") {
		t.Fatalf("piped text was changed: %q", out)
	}
	out, _, _ = runCLI(t, "tail", "raw", "-b", brokers, "--from", "oldest:newest", "-o", "jsonl")
	recs := decodeJSONL(t, out)
	if len(recs) != 2 || recs[0].Value != "esc\x1b[2Jhere" || recs[1].ValueEncoding != "base64" {
		t.Fatalf("jsonl: %+v", recs)
	}
	if b, err := base64.StdEncoding.DecodeString(recs[1].Value); err != nil || string(b) != "\xff\xfe" {
		t.Fatalf("base64 value %q decodes to %q (%v)", recs[1].Value, b, err)
	}
	if strings.Contains(out, "\x1b") {
		t.Fatal("jsonl carries a raw ESC")
	}
}

// TestProduceErrorsNameTheCause: over the limit (random bytes: Kafka measures
// after compression), an unknown topic, a partition out of range, read-only.
func TestProduceErrorsNameTheCause(t *testing.T) {
	k := kafkatest.NewCluster(t)
	k.CreateTopic("small", 1, 1, map[string]string{"max.message.bytes": "2048"})
	brokers := strings.Join(k.Addrs(), ",")
	big := make([]byte, 8192)
	rand.Read(big)
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  []string
	}{
		{"over the limit", string(big), []string{"produce", "small", "--whole", "-z", "gzip"}, 1, []string{"2,048", "max.message.bytes", "compress", "1 of 1 messages failed (line 1, said above)"}},
		{"unknown topic", "x\n", []string{"produce", "nope"}, 1, []string{`"nope"`, "does not exist"}},
		{"partition out of range", "x\n", []string{"produce", "small", "-p", "4"}, 1, []string{"line 1 not sent (0 sent before them)", "has 1 partition"}},
		{"read-only", "x\n", []string{"produce", "small", "--read-only"}, 1, []string{"refused: topicat runs read-only"}},
		{"nothing to send", "\n\n", []string{"produce", "small"}, 1, []string{"nothing to send"}},
		{"nothing to send whole", "", []string{"produce", "small", "--whole"}, 1, []string{"standard input was empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runCLIWith(t, nil, tc.stdin, append(tc.args, "-b", brokers)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Fatalf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
	// Nothing of that reached the topic.
	out, _, _ := runCLI(t, "tail", "small", "-b", brokers, "--from", "oldest:newest", "-o", "jsonl")
	if out != "" {
		t.Fatalf("refused produces reached the topic:\n%s", out)
	}
}

// TestTailAndProduceNSQ: a tail on an ephemeral channel sees what produce
// publishes, and leaves no channel behind.
func TestTailAndProduceNSQ(t *testing.T) {
	n := nsqtest.NewCluster(t, 1, 2)
	for i := range 2 {
		n.CreateTopic(i, "events")
		n.CreateChannel(i, "events", "archive")
	}
	n.WaitTopic("events", 0, 1)
	lookupd := n.LookupdURLs()[0]

	type result struct {
		out, errOut string
		code        int
	}
	done := make(chan result, 1)
	go func() {
		out, errOut, code := runCLI(t, "tail", "nsq", "events", "--lookupd", lookupd, "-n", "3", "-o", "jsonl")
		done <- result{out, errOut, code}
	}()
	// Publish once the tail's channel is on both nodes.
	tailing := func() bool {
		for i := range 2 {
			found := false
			for _, tp := range n.Stats(i).Topics {
				for _, c := range tp.Channels {
					found = found || sources.IsTailChannel(c.Name)
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(30 * time.Second); !tailing(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the tail never subscribed")
		}
	}
	out, errOut, code := runCLIWith(t, nil, "one\ntwo\nthree\n", "produce", "nsq", "events", "--lookupd", lookupd)
	if code != 0 || strings.Count(out, "OK from nsqd 127.0.0.1:") != 3 {
		t.Fatalf("produce: exit %d\n%s\n%s", code, out, errOut)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the tail did not stop after -n 3")
	}
	if r.code != 0 {
		t.Fatalf("tail: exit %d: %s", r.code, r.errOut)
	}
	var values []string
	for _, rec := range decodeJSONL(t, r.out) {
		values = append(values, rec.Value)
		if rec.ID == "" || rec.Attempts != 1 || !regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(rec.NSQD) {
			t.Fatalf("NSQ record fields: %+v", rec)
		}
	}
	slices.Sort(values)
	if !slices.Equal(values, []string{"one", "three", "two"}) {
		t.Fatalf("the tail read %q", values)
	}
	// The real channel got every message; the tail's channel is gone.
	for deadline := time.Now().Add(30 * time.Second); tailing(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the tail's ephemeral channel outlived the tail")
		}
	}
	// NSQ cannot seek: said before connecting, as a usage error.
	if _, errOut, code := runCLI(t, "tail", "nsq", "events", "--lookupd", lookupd, "--from", "oldest"); code != 2 || !strings.Contains(errOut, "NSQ cannot seek") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// An unknown topic is refused unless --create says to make it.
	_, errOut, code = runCLIWith(t, nil, "x\n", "produce", "nsq", "evnets", "--lookupd", lookupd)
	if code != 1 || !strings.Contains(errOut, `topic "evnets" does not exist`) || n.HasTopic(0, "evnets") || n.HasTopic(1, "evnets") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	out, errOut, code = runCLIWith(t, nil, "x\n", "produce", "nsq", "fresh", "--lookupd", lookupd, "--create")
	if code != 0 || !strings.Contains(out, "topic fresh created there") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	_, errOut, code = runCLIWith(t, nil, "x\n", "produce", "nsq", "events", "--lookupd", lookupd, "-k", "key")
	if code != 2 || !strings.Contains(errOut, "NSQ messages have no key") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// TestProduceStreamsItsInput: a line is sent when the input pauses, not
// when a chunk fills or the input ends, and ctrl+c ends a read that waits.
func TestProduceStreamsItsInput(t *testing.T) {
	k := kafkatest.NewCluster(t)
	k.CreateTopics(1, 1, "orders")
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"produce", "orders", "-b", strings.Join(k.Addrs(), ",")}, pr, &out, &errb, func(string) string { return "" })
	}()
	if _, err := io.WriteString(pw, "first\n"); err != nil {
		t.Fatal(err)
	}
	// The line reaches the topic while the input stays open.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if o, _, _ := runCLI(t, "tail", "orders", "-b", strings.Join(k.Addrs(), ","), "--from", "oldest:newest"); strings.Contains(o, "first") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a line was not sent while the input stayed open")
		}
	}
	cancel() // ctrl+c, with the read still waiting
	select {
	case code := <-done:
		if code != 1 || !strings.Contains(errb.String(), "interrupted (1 sent)") {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ctrl+c did not end a produce waiting for input")
	}
	pw.Close()
}
