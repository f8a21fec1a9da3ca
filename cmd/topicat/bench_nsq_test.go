package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nsqio/nsq/nsqadmin"

	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// nsqBenchCluster is 20 nsqd × 200 topics × 3 channels (12,000 channels)
// behind one lookupd, the size of sources/nsq's BenchmarkPoll.
func nsqBenchCluster(b *testing.B) *nsqtest.Cluster {
	c := nsqtest.NewCluster(b, 1, 20, nsqtest.NoE2E())
	c.Populate(200, 3, 2)
	return c
}

// BenchmarkGetNSQTopicsVsNSQAdmin: `topicat get nsq topics -o json` (every
// topic with its channels, totalled over the nodes) against nsqadmin
// serving the same figures: its topic list, then every topic's page
// (/api/topics/T, which asks each nsqd that has it), one after another as
// a person clicking through would. Alternating runs on the same cluster;
// the ratio is topicat's median over nsqadmin's.
func BenchmarkGetNSQTopicsVsNSQAdmin(b *testing.B) {
	bin := binary(b)
	c := nsqBenchCluster(b)
	admin := startAdmin(b, c.LookupdURLs())
	timed := runTimer(b)
	adminAll := func() time.Duration {
		start := time.Now()
		var list struct {
			Topics []string `json:"topics"`
		}
		adminJSON(b, admin+"/api/topics", &list)
		if len(list.Topics) != 200 {
			b.Fatalf("nsqadmin lists %d topics", len(list.Topics))
		}
		for _, t := range list.Topics {
			var page struct {
				Channels []json.RawMessage `json:"channels"`
			}
			adminJSON(b, admin+"/api/topics/"+url.PathEscape(t), &page)
			if len(page.Channels) != 3 {
				b.Fatalf("nsqadmin's page of %s has %d channels", t, len(page.Channels))
			}
		}
		return time.Since(start)
	}
	var tops, admins []time.Duration
	for range b.N {
		tops = append(tops, timed(bin, "get", "nsq", "topics", "--lookupd", c.LookupdURLs()[0], "-o", "json"))
		admins = append(admins, adminAll())
	}
	report(b, tops, admins, "nsqadmin-ms")
}

// BenchmarkGetNSQTopicsVsCurl: the same `get` against curl fetching every
// nsqd's /stats (the bytes topicat decodes, without clients or memory) in
// parallel (-Z), the floor for asking every node.
func BenchmarkGetNSQTopicsVsCurl(b *testing.B) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		b.Skip("curl not installed")
	}
	bin := binary(b)
	c := nsqBenchCluster(b)
	timed := runTimer(b)
	args := []string{"-sfZ", "--parallel-max", "32"}
	for i := range 20 {
		args = append(args, "-o", "/dev/null", "http://"+c.HTTPAddr(i)+"/stats?format=json&include_clients=false&include_mem=false")
	}
	var tops, curls []time.Duration
	for range b.N {
		tops = append(tops, timed(bin, "get", "nsq", "topics", "--lookupd", c.LookupdURLs()[0], "-o", "json"))
		curls = append(curls, timed(curl, args...))
	}
	report(b, tops, curls, "curl-ms")
}

// report puts both medians and their ratio on the benchmark line.
func report(b *testing.B, tops, others []time.Duration, unit string) {
	t, o := median(tops), median(others)
	b.ReportMetric(float64(t.Microseconds())/1000, "topicat-ms")
	b.ReportMetric(float64(o.Microseconds())/1000, unit)
	b.ReportMetric(float64(t)/float64(o), "ratio")
}

func startAdmin(b testing.TB, lookupds []string) string {
	opts := nsqadmin.NewOptions()
	opts.HTTPAddress = "127.0.0.1:0"
	opts.Logger = log.New(io.Discard, "", 0)
	for _, u := range lookupds {
		opts.NSQLookupdHTTPAddresses = append(opts.NSQLookupdHTTPAddresses, strings.TrimPrefix(u, "http://"))
	}
	a, err := nsqadmin.New(opts)
	if err != nil {
		b.Fatalf("start nsqadmin: %v", err)
	}
	go a.Main()
	b.Cleanup(a.Exit)
	return "http://" + a.RealHTTPAddr().String()
}

func adminJSON(b testing.TB, u string, v any) {
	resp, err := http.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		b.Fatalf("%s: HTTP %d: %s", u, resp.StatusCode, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		b.Fatalf("%s: %v", u, err)
	}
}

// BenchmarkNSQDashboard runs the dashboard in a terminal against 100 nsqd ×
// 100 topics × 3 channels (30,000 channels on the nodes) and reports its
// peak resident memory after a few polls, and the slowest key-to-screen.
func BenchmarkNSQDashboard(b *testing.B) {
	if _, err := exec.LookPath("tmux"); err != nil {
		b.Skip("tmux not installed")
	}
	bin := binary(b)
	c := nsqtest.NewCluster(b, 1, 100, nsqtest.NoE2E())
	c.Populate(100, 3, 2)
	for range b.N {
		term := startTerminal(b, 160, 45, nil, bin, "--lookupd", c.LookupdURLs()[0], "--refresh", "2s", "--timeout", "20s")
		term.waitFor("Nodes", "100")
		term.keys("5")
		term.waitFor("100 rows")
		pid := term.programPID()
		var worst time.Duration
		for i := range 6 {
			start := time.Now()
			term.keys("/")
			term.text(fmt.Sprintf("topic-0%d", i))
			term.waitFor("10 of 100 rows")
			term.keys("Escape")
			term.waitFor("100 rows")
			worst = max(worst, time.Since(start))
			time.Sleep(time.Second)
		}
		b.ReportMetric(float64(procStatus(b, pid, "VmHWM:"))/1024, "peak-RSS-MB")
		b.ReportMetric(float64(worst.Milliseconds()), "worst-filter-to-screen-ms")
		term.keys("C-c")
	}
}
