package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// These benchmarks run whole processes: the topicat binary against kcat on
// the same kfake topic, and the dashboard's memory with 1 MB messages
// flowing. They report figures; nothing asserts a duration.

// fillTopic produces n records of size bytes spread over partitions.
func fillTopic(b *testing.B, k *kafkatest.Cluster, topic string, partitions int32, n, size int) {
	b.Helper()
	k.CreateTopics(partitions, 1, topic)
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Addrs()...), kgo.ProducerBatchMaxBytes(1<<20), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	value := []byte(strings.Repeat("x", size))
	ctx := context.Background()
	for i := range n {
		cl.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte(strconv.Itoa(i % 1000)), Value: value}, func(_ *kgo.Record, err error) {
			if err != nil {
				b.Error(err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTailVsKcat reads the same 1,000,000-record topic with
// `topicat tail --from oldest -n N -o jsonl` and `kcat -C -o beginning -c N -J`,
// both to /dev/null, alternating runs, and reports each one's median and
// their ratio (below 1: topicat is faster).
func BenchmarkTailVsKcat(b *testing.B) {
	kcatPath, err := exec.LookPath("kcat")
	if err != nil {
		b.Skip("kcat not installed")
	}
	bin := binary(b)
	const n, size = 1_000_000, 100
	k := kafkatest.NewCluster(b)
	fillTopic(b, k, "bench", 6, n, size)
	brokers := strings.Join(k.Addrs(), ",")
	timed := runTimer(b)
	var tops, kcats []time.Duration
	b.ResetTimer()
	for range b.N {
		tops = append(tops, timed(bin, "tail", "bench", "-b", brokers, "--from", "oldest", "-n", fmt.Sprint(n), "-o", "jsonl"))
		kcats = append(kcats, timed(kcatPath, "-b", brokers, "-C", "-t", "bench", "-o", "beginning", "-c", fmt.Sprint(n), "-J", "-q"))
	}
	b.StopTimer()
	t, c := median(tops), median(kcats)
	b.ReportMetric(t.Seconds(), "topicat-s")
	b.ReportMetric(c.Seconds(), "kcat-s")
	b.ReportMetric(t.Seconds()/c.Seconds(), "ratio")
	b.ReportMetric(float64(n)/t.Seconds(), "topicat-records/s")
}

// runTimer returns a function that runs a command with its output thrown
// away and says how long it took, failing the benchmark if the command fails.
func runTimer(b *testing.B) func(name string, args ...string) time.Duration {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { devnull.Close() })
	return func(name string, args ...string) time.Duration {
		cmd := exec.Command(name, args...)
		cmd.Stdout = devnull
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("%s: %v\n%s", filepath.Base(name), err, stderr.String())
		}
		return time.Since(start)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkTailMemory runs the dashboard in a terminal, tails a topic that
// 1 MB messages keep arriving on, and reports the process's peak resident
// memory once 400 MB have gone through the tail screen (its buffer keeps
// 64 MB of them).
func BenchmarkTailMemory(b *testing.B) {
	if _, err := exec.LookPath("tmux"); err != nil {
		b.Skip("tmux not installed")
	}
	bin := binary(b)
	for range b.N {
		k := kafkatest.NewCluster(b)
		k.CreateTopics(3, 1, "big")
		term := startTerminal(b, 140, 40, nil, bin, "-b", strings.Join(k.Addrs(), ","))
		term.waitFor("Brokers", "up")
		term.keys(":")
		term.text("tail big")
		term.keys("Enter")
		term.waitFor("Tail big", "waiting for messages")

		cl, err := kgo.NewClient(kgo.SeedBrokers(k.Addrs()...), kgo.ProducerBatchMaxBytes(2<<20), kgo.ProducerBatchCompression(kgo.NoCompression()))
		if err != nil {
			b.Fatal(err)
		}
		value := make([]byte, 1_000_000) // 1 MB, under the default message.max.bytes with framing
		const messages = 400
		pid := term.programPID()
		for i := range messages {
			rand.Read(value[:64])
			if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "big", Value: slices.Clone(value)}).FirstErr(); err != nil {
				b.Fatal(err)
			}
			if i%50 == 49 { // let the tail keep up, as a real topic would
				term.waitFor(fmt.Sprintf("read %d", i+1))
			}
		}
		cl.Close()
		term.waitFor(fmt.Sprintf("read %d", messages))
		hwm := procStatus(b, pid, "VmHWM:")
		b.ReportMetric(float64(hwm)/1024, "peak-RSS-MB")
		b.ReportMetric(float64(procStatus(b, pid, "VmRSS:"))/1024, "RSS-MB")
		term.keys("C-c")
	}
}

// procStatus reads a kB figure from /proc/PID/status.
func procStatus(b *testing.B, pid int, field string) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.Atoi(strings.Fields(rest)[0])
			return kb
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// BenchmarkGetTopicsVsKcat compares `topicat get kafka topics -o json` (a
// whole poll: metadata, broker liveness, watermarks, groups, configs) with
// `kcat -L -J` (metadata only) on 1,000 topics × 10 partitions, both piped
// to /dev/null, alternating runs.
func BenchmarkGetTopicsVsKcat(b *testing.B) {
	kcatPath, err := exec.LookPath("kcat")
	if err != nil {
		b.Skip("kcat not installed")
	}
	bin := binary(b)
	k := kafkatest.NewCluster(b)
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("service-%04d.events", i)
	}
	k.CreateTopics(10, 3, names...)
	brokers := strings.Join(k.Addrs(), ",")
	timed := runTimer(b)
	var tops, kcats []time.Duration
	for range b.N {
		tops = append(tops, timed(bin, "get", "kafka", "topics", "-b", brokers, "-o", "json"))
		kcats = append(kcats, timed(kcatPath, "-b", brokers, "-L", "-J"))
	}
	t, c := median(tops), median(kcats)
	b.ReportMetric(t.Seconds()*1000, "topicat-ms")
	b.ReportMetric(c.Seconds()*1000, "kcat-ms")
	b.ReportMetric(t.Seconds()/c.Seconds(), "ratio")
}

// BenchmarkHugeClusterDashboard runs the dashboard in a terminal on kafbat's
// freezing size (9,000 topics, 39,000 partitions, 2,200 groups in kfake, in
// this process) and reports the dashboard process's peak resident memory
// after a few polls, and how long a keystroke takes to show while polls go on.
func BenchmarkHugeClusterDashboard(b *testing.B) {
	if _, err := exec.LookPath("tmux"); err != nil {
		b.Skip("tmux not installed")
	}
	bin := binary(b)
	k := kafkatest.NewCluster(b)
	var names []string
	for i := range 9000 {
		names = append(names, fmt.Sprintf("team-%03d.service-%04d.events", i%300, i))
		if len(names) == 500 || i == 8999 {
			n := int32(4)
			if i < 3000 {
				n = 5
			}
			k.CreateTopics(n, 3, names...)
			names = names[:0]
		}
	}
	for g := range 2200 {
		k.Commit(fmt.Sprintf("consumer-%04d", g), map[string]map[int32]int64{fmt.Sprintf("team-%03d.service-%04d.events", g%300, g): {0: 0}})
	}
	for range b.N {
		term := startTerminal(b, 160, 45, nil, bin, "-b", strings.Join(k.Addrs(), ","), "--refresh", "2s", "--timeout", "20s")
		term.waitFor("Brokers", "up")
		term.keys("2")
		term.waitFor("9000 rows")
		pid := term.programPID()
		// A few polls, and keys in between.
		var worst time.Duration
		for i := range 6 {
			start := time.Now()
			if i%2 == 0 {
				term.keys("M")
				term.waitFor("sorted by MESSAGES")
			} else {
				term.keys("M")
				term.waitFor("MESSAGES▼")
			}
			worst = max(worst, time.Since(start))
			time.Sleep(time.Second)
		}
		b.ReportMetric(float64(procStatus(b, pid, "VmHWM:"))/1024, "peak-RSS-MB")
		b.ReportMetric(float64(worst.Milliseconds()), "worst-key-to-screen-ms")
		term.keys("C-c")
	}
}
