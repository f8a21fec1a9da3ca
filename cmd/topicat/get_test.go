package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
	"github.com/topicat/topicat/tui/views"
)

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runCLIEnv(t, nil, args...)
}

// runCLIEnv runs the program in-process with env over an empty config home.
func runCLIEnv(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runCLIWith(t, env, "", args...)
}

// runCLIWith runs the program with env and stdin.
func runCLIWith(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	all := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
	maps.Copy(all, env)
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return all[k] })
	return out.String(), errb.String(), code
}

// TestGetAgainstRealClusters runs `topicat get` on a kfake cluster and an
// in-process NSQ cluster and checks the figures against what was produced.
func TestGetAgainstRealClusters(t *testing.T) {
	k := kafkatest.NewCluster(t)
	k.CreateTopics(3, 3, "orders")
	k.CreateTopics(1, 1, "audit")
	produced := k.Produce("orders", 30)
	brokers := strings.Join(k.Addrs(), ",")

	n := nsqtest.NewCluster(t, 1, 2)
	for i := range 2 {
		n.CreateTopic(i, "events")
		n.CreateChannel(i, "events", "archive")
		n.Publish(i, "events", "a", "b", "c")
	}
	n.WaitTopic("events", 0, 1)
	lookupd := n.LookupdURLs()[0]

	t.Run("kafka topics json", func(t *testing.T) {
		out, errOut, code := runCLI(t, "get", "kafka", "topics", "-b", brokers, "-o", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var topics []struct {
			Name              string `json:"name"`
			ReplicationFactor int    `json:"replication_factor"`
			Messages          int64  `json:"messages"`
			Partitions        []struct {
				ID int32 `json:"id"`
			} `json:"partitions"`
		}
		if err := json.Unmarshal([]byte(out), &topics); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		var want int64
		for _, c := range produced {
			want += c
		}
		got := map[string]int64{}
		for _, tp := range topics {
			got[tp.Name] = tp.Messages
			if tp.Name == "orders" && (len(tp.Partitions) != 3 || tp.ReplicationFactor != 3) {
				t.Fatalf("orders: %+v", tp)
			}
		}
		if got["orders"] != want || want != 30 {
			t.Fatalf("orders has %d messages, produced %d", got["orders"], want)
		}
	})
	t.Run("an argument to a view that takes none filters it, in json too", func(t *testing.T) {
		out, errOut, code := runCLI(t, "get", "kafka", "topics", "ORD", "-b", brokers, "-o", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var topics []struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal([]byte(out), &topics); err != nil || len(topics) != 1 || topics[0].Name != "orders" {
			t.Fatalf("want orders alone (%v):\n%s", err, out)
		}
		out, _, _ = runCLI(t, "get", "kafka", "topics", "audit", "-b", brokers)
		if strings.Contains(out, "orders") || !strings.Contains(out, "audit") {
			t.Fatalf("table not filtered:\n%s", out)
		}
	})
	t.Run("json escapes C1 and bidi characters in names", func(t *testing.T) {
		evil := "evil\u009b2J\u202eredrum\x1b]0;t\x07"
		k.Commit(evil, map[string]map[int32]int64{"orders": {0: 1}})
		out, errOut, code := runCLI(t, "get", "groups", "-b", brokers, "-o", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, raw := range []string{"\u009b", "\u202e", "\x1b", "\x07"} {
			if strings.Contains(out, raw) {
				t.Fatalf("raw %q in -o json:\n%s", raw, out)
			}
		}
		var groups []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal([]byte(out), &groups); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, g := range groups {
			found = found || g.ID == evil
		}
		if !found {
			t.Fatalf("the group's id does not decode back to itself:\n%s", out)
		}
	})
	t.Run("brokers table", func(t *testing.T) {
		out, errOut, code := runCLI(t, "get", "brokers", "-b", brokers)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") || strings.Count(out, " up ") != 3 {
			t.Fatalf("want a header and 3 brokers up:\n%s", out)
		}
	})
	t.Run("nsq channels of a topic", func(t *testing.T) {
		out, errOut, code := runCLI(t, "get", "channels", "events", "--lookupd", lookupd)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "archive") || !strings.Contains(out, " 6 ") {
			t.Fatalf("want archive with depth 6 (3 messages on each of 2 nodes):\n%s", out)
		}
	})
	t.Run("health names the RF 1 topic and passes without errors", func(t *testing.T) {
		out, errOut, code := runCLI(t, "get", "health", "-b", brokers, "--lookupd", lookupd)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "topic audit") || !strings.Contains(out, "replication factor 1") {
			t.Fatalf("health lacks the RF 1 topic:\n%s", out)
		}
	})
	t.Run("health fails on a broker down", func(t *testing.T) {
		k.BrokerDown(2)
		t.Cleanup(func() { k.BrokerUp(2) })
		out, errOut, code := runCLI(t, "get", "health", "-b", brokers)
		if code != 1 || !strings.Contains(out, "broker 2") || !strings.Contains(errOut, "error severity") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
		}
	})
	t.Run("unknown topic", func(t *testing.T) {
		_, errOut, code := runCLI(t, "get", "partitions", "nope", "-b", brokers)
		if code != 1 || !strings.Contains(errOut, `kafka topic "nope" not found`) {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
}

func TestGetUnreachable(t *testing.T) {
	_, errOut, code := runCLI(t, "get", "brokers", "-b", "127.0.0.1:1", "--timeout", "1s")
	if code != 1 || !strings.Contains(errOut, "kafka: no endpoint answered") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	_, errOut, code = runCLI(t, "get", "nodes", "--nsqd", "127.0.0.1:1", "--timeout", "1s")
	if code != 1 || !strings.Contains(errOut, "nsq: no endpoint answered") || !strings.Contains(errOut, "127.0.0.1:1") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// TestGetTopicAgreesWithKcat: a topic page's partitions from `get topic -o
// json` are what kcat, an independent client, reads: leaders, replicas, ISR
// and the end offsets.
func TestGetTopicAgreesWithKcat(t *testing.T) {
	k := kafkatest.NewCluster(t)
	k.CreateTopics(4, 3, "orders")
	k.Produce("orders", 40)
	brokers := strings.Join(k.Addrs(), ",")
	out, errOut, code := runCLI(t, "get", "topic", "orders", "-b", brokers, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var page struct {
		Topic      map[string]json.RawMessage `json:"topic"`
		Partitions []struct {
			ID       int32   `json:"id"`
			Leader   int32   `json:"leader"`
			Replicas []int32 `json:"replicas"`
			ISR      []int32 `json:"isr"`
			High     int64   `json:"high"`
		} `json:"partitions"`
		Configs []struct {
			Name string `json:"name"`
		} `json:"configs"`
	}
	if err := json.Unmarshal([]byte(out), &page); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if string(page.Topic["name"]) != `"orders"` || string(page.Topic["replication_factor"]) != "3" || len(page.Configs) == 0 || len(page.Partitions) != 4 {
		t.Fatalf("page %+v", page)
	}
	if _, twice := page.Topic["partitions"]; twice {
		t.Error("the partitions are written twice: in the topic and in their section")
	}
	var meta struct {
		Topics []struct {
			Partitions []struct {
				Partition int32 `json:"partition"`
				Leader    int32 `json:"leader"`
				Replicas  []struct {
					ID int32 `json:"id"`
				} `json:"replicas"`
				ISRs []struct {
					ID int32 `json:"id"`
				} `json:"isrs"`
			} `json:"partitions"`
		} `json:"topics"`
	}
	if err := json.Unmarshal([]byte(kcat(t, "", "-b", brokers, "-L", "-J", "-t", "orders")), &meta); err != nil {
		t.Fatal(err)
	}
	ids := func(rs []struct {
		ID int32 `json:"id"`
	}) []int32 {
		var out []int32
		for _, r := range rs {
			out = append(out, r.ID)
		}
		slices.Sort(out)
		return out
	}
	for _, kp := range meta.Topics[0].Partitions {
		p := page.Partitions[kp.Partition]
		if p.Leader != kp.Leader || !slices.Equal(sorted(p.Replicas), ids(kp.Replicas)) || !slices.Equal(sorted(p.ISR), ids(kp.ISRs)) {
			t.Errorf("partition %d: topicat %+v, kcat %+v", kp.Partition, p, kp)
		}
		// kcat -Q with -1 asks the end offset.
		q := kcat(t, "", "-b", brokers, "-Q", "-t", fmt.Sprintf("orders:%d:-1", kp.Partition))
		if !strings.Contains(q, fmt.Sprintf("offset %d", p.High)) {
			t.Errorf("partition %d: topicat's end offset %d, kcat -Q says %q", kp.Partition, p.High, q)
		}
	}
}

func sorted(xs []int32) []int32 { xs = slices.Clone(xs); slices.Sort(xs); return xs }

func TestGetHealthQuiet(t *testing.T) {
	k := kafkatest.NewCluster(t)
	k.CreateTopics(1, 1, "solo")
	brokers := strings.Join(k.Addrs(), ",")
	out, _, code := runCLI(t, "get", "health", "-b", brokers, "-q")
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	k.BrokerDown(k.Leader("solo", 0))
	out, errOut, code := runCLI(t, "get", "health", "-b", brokers, "-q")
	if code != 1 || out != "" || !strings.Contains(errOut, "error severity") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestRateFootnote: a one-shot get cannot know a rate (it needs two polls);
// the footnote names the columns that show "–", and nothing when all are known.
func TestRateFootnote(t *testing.T) {
	channels := func(in, out float64) views.Table {
		t.Helper()
		target, err := views.Lookup(views.All(), "", []string{"nsq", "channels"}, func(sources.System) bool { return true }, "")
		if err != nil {
			t.Fatal(err)
		}
		snap := &sources.NSQSnapshot{Topics: []sources.NSQTopic{{Name: "events", In: in, Channels: []sources.NSQChannel{
			{Topic: "events", Name: "archive", In: in, Out: out, Drain: sources.CatchUpUnknown},
		}}}}
		table, _, err := target.View.Build(views.Data{NSQ: snap}, "")
		if err != nil {
			t.Fatal(err)
		}
		return table
	}
	for _, tc := range []struct {
		name   string
		tables []views.Table
		want   string
	}{
		{"one poll", []views.Table{channels(-1, -1)}, "topicat: – under IN/s and OUT/s: a rate needs two polls and get takes one; the dashboard shows it, -o json gives null\n"},
		{"out unknown only", []views.Table{channels(2, -1)}, "topicat: – under OUT/s: "},
		{"known", []views.Table{channels(2, 1.5)}, ""},
		{"each title once across a page's sections", []views.Table{channels(-1, 1), channels(-1, 1)}, "topicat: – under IN/s: "},
	} {
		got := rateFootnote(tc.tables...)
		if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// A get whose snapshot misses an endpoint prints what it has, marked
// partial, names what did not answer, and exits 3: a script can tell it
// from a complete answer and from no answer at all.
func TestGetPartialExits3(t *testing.T) {
	c := nsqtest.NewCluster(t, 0, 2)
	for i := range 2 {
		c.CreateChannel(i, "orders", "c")
		c.Publish(i, "orders", nsqtest.Messages(i+1)...)
	}
	c.StopNSQD(1)
	nodes := c.HTTPAddr(0) + "," + c.HTTPAddr(1)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"get", "nsq", "topics", "--nsqd", nodes, "-o", "json"}, 3, `"partial":true`},
		{[]string{"get", "nsq", "topics", "--nsqd", nodes}, 3, "(partial)"},
		{[]string{"get", "nsq", "topics", "--nsqd", c.HTTPAddr(0)}, 0, "orders"},
	} {
		out, errOut, code := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, want %d; stdout %q lacks %q", tc.args, code, tc.code, out, tc.want)
		}
		if tc.code == 3 && (!strings.Contains(errOut, c.HTTPAddr(1)) || !strings.Contains(errOut, "the figures are partial: 1 endpoint did not answer")) {
			t.Errorf("%v: stderr %q, want the dead node named and the partial figures said", tc.args, errOut)
		}
	}
}
