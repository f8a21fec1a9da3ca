package kafka_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// kcatIO runs kcat with stdin, as kcat does (skipping without kcat, except
// under CI=true).
func kcatIO(t *testing.T, stdin string, args ...string) []byte {
	t.Helper()
	path, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("kcat is not on PATH; CI must install it (Debian package kcat)")
		}
		t.Skip("kcat is not on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// kcatRecord is one line of `kcat -C -J`.
type kcatRecord struct {
	Partition int32    `json:"partition"`
	Offset    int64    `json:"offset"`
	Headers   []string `json:"headers"` // key, value, key, value…
	Key       *string  `json:"key"`
	Payload   *string  `json:"payload"`
}

func kcatConsume(t *testing.T, brokers, topic string) []kcatRecord {
	t.Helper()
	var out []kcatRecord
	sc := bufio.NewScanner(bytes.NewReader(kcatIO(t, "", "-b", brokers, "-C", "-J", "-e", "-q", "-o", "beginning", "-t", topic)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r kcatRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("kcat -J line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b kcatRecord) int {
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(a.Offset - b.Offset)
	})
	return out
}

// flatHeaders writes headers as kcat -J does.
func flatHeaders(hs []sources.Header) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Key, string(h.Value))
	}
	return out
}

// TestKcatProducesTopicatTails: what kcat writes (keys, headers, codecs,
// partitions), a tail reads the same.
func TestKcatProducesTopicatTails(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "fromkcat")
	brokers := strings.Join(c.Addrs(), ",")
	kcatIO(t, "k1:v1\nk2:v2\nk3:a value with spaces\n", "-b", brokers, "-P", "-t", "fromkcat", "-K:", "-H", "trace=abc", "-H", "trace=def", "-z", "gzip", "-p", "1")
	kcatIO(t, "x:y\n", "-b", brokers, "-P", "-t", "fromkcat", "-K:", "-H", "only=1", "-z", "snappy", "-p", "2")
	kcatIO(t, "z:zz\n", "-b", brokers, "-P", "-t", "fromkcat", "-K:", "-z", "zstd", "-p", "0")

	s := newSource(t, c.Addrs())
	st := openTail(t, s, sources.TailSpec{Topic: "fromkcat", Partitions: []int32{1, 2}, Range: mustRange(t, "oldest:newest")})
	var got []string
	for _, r := range readToEOF(t, st, 100) {
		got = append(got, fmt.Sprintf("%d@%d %s=%s %v", r.Partition, r.Offset, r.Key, r.Value, flatHeaders(r.Headers)))
	}
	slices.Sort(got)
	want := []string{
		"1@0 k1=v1 [trace abc trace def]",
		"1@1 k2=v2 [trace abc trace def]",
		"1@2 k3=a value with spaces [trace abc trace def]",
		"2@0 x=y [only 1]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("tail read\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestTopicatProducesKcatConsumes: what topicat produces, kcat reads the same.
func TestTopicatProducesKcatConsumes(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "fromtopicat")
	s := newSource(t, c.Addrs())
	msgs := []sources.Message{
		{Key: []byte("k1"), Value: []byte("v1"), Partition: 0, Headers: []sources.Header{{Key: "h", Value: []byte("1")}, {Key: "h", Value: []byte("2")}}},
		{Key: nil, Value: []byte("no key"), Partition: 2},
		{Key: []byte("k3"), Value: []byte("{\"json\": true}"), Partition: sources.AnyPartition},
		{Key: []byte("k4"), Value: bytes.Repeat([]byte("compressible "), 100), Partition: 1, Headers: []sources.Header{{Key: "only", Value: []byte("x")}}},
	}
	for _, codec := range []sources.Codec{"zstd", "gzip", "lz4", "snappy", "none"} {
		if res := doProduce(t, s, sources.Produce{Topic: "fromtopicat", Compression: codec, Messages: msgs}); res.Failed() {
			t.Fatalf("%s: %+v", codec, res)
		}
	}
	recs := kcatConsume(t, strings.Join(c.Addrs(), ","), "fromtopicat")
	if len(recs) != 5*len(msgs) {
		t.Fatalf("kcat read %d records, want %d", len(recs), 5*len(msgs))
	}
	// Every message arrives five times (once per codec), where it was sent.
	seen := make(map[string]int)
	for _, r := range recs {
		key := "<null>"
		if r.Key != nil {
			key = *r.Key
		}
		payload := ""
		if r.Payload != nil {
			payload = *r.Payload
		}
		seen[fmt.Sprintf("%s=%s %v", key, payload, r.Headers)]++
		if key == "k1" && r.Partition != 0 || key == "<null>" && r.Partition != 2 || key == "k4" && r.Partition != 1 {
			t.Errorf("kcat read %s in partition %d", key, r.Partition)
		}
	}
	for _, m := range msgs {
		key := "<null>"
		if m.Key != nil {
			key = string(m.Key)
		}
		if n := seen[fmt.Sprintf("%s=%s %v", key, m.Value, flatHeaders(m.Headers))]; n != 5 {
			t.Errorf("message %s read %d times by kcat, want 5; kcat saw %v", key, n, seen)
		}
	}
}
