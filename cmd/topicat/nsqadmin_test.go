package main

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// nsqAdminCluster is an in-process NSQ cluster for the NSQ admin commands,
// and what tells their effect: nsqd's and nsqlookupd's own HTTP APIs.
type nsqAdminCluster struct {
	*nsqtest.Cluster
	t        *testing.T
	lookupds string
}

func newNSQAdminCluster(t *testing.T, lookupds, nodes int) *nsqAdminCluster {
	t.Helper()
	c := nsqtest.NewCluster(t, lookupds, nodes, nsqtest.NoE2E())
	return &nsqAdminCluster{Cluster: c, t: t, lookupds: strings.Join(c.LookupdURLs(), ",")}
}

// cli runs topicat against the cluster's lookupds, stdin not a terminal.
func (n *nsqAdminCluster) cli(args ...string) (stdout, stderr string, code int) {
	n.t.Helper()
	return runCLI(n.t, append(args, "--lookupd", n.lookupds)...)
}

// channel is channel topic/name on nsqd i as its /stats gives it.
func (n *nsqAdminCluster) channel(i int, topic, name string) (nsqtest.ChannelStats, bool) {
	n.t.Helper()
	return n.NSQD(i).FindChannel(n.t, topic, name)
}

// topic is topic on nsqd i as its /stats gives it.
func (n *nsqAdminCluster) topic(i int, name string) (nsqtest.TopicStats, bool) {
	n.t.Helper()
	for _, tp := range n.Stats(i).Topics {
		if tp.Name == name {
			return tp, true
		}
	}
	return nsqtest.TopicStats{}, false
}

// registered says whether every lookupd has topic (and channel, if given)
// registered: its /topics, or its /channels?topic=.
func (n *nsqAdminCluster) registered(topic, channel string) bool {
	n.t.Helper()
	for _, base := range n.LookupdURLs() {
		path, key := "/topics", "topics"
		if channel != "" {
			path, key = "/channels?"+url.Values{"topic": {topic}}.Encode(), "channels"
		}
		resp, err := n.HTTPClient().Get(base + path)
		if err != nil {
			n.t.Fatal(err)
		}
		var v map[string][]string
		err = json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			n.t.Fatalf("GET %s%s: HTTP %d: %v", base, path, resp.StatusCode, err)
		}
		if !slices.Contains(v[key], cmp.Or(channel, topic)) {
			return false
		}
	}
	return true
}

// handedOut are the nodes every lookupd hands consumers for topic (its
// /lookup), by HTTP address, sorted; each lookupd must agree.
func (n *nsqAdminCluster) handedOut(topic string) []string {
	n.t.Helper()
	var first []string
	for l, base := range n.LookupdURLs() {
		resp, err := n.HTTPClient().Get(base + "/lookup?" + url.Values{"topic": {topic}}.Encode())
		if err != nil {
			n.t.Fatal(err)
		}
		var v struct {
			Producers []nsqtest.Producer `json:"producers"`
		}
		err = json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if err != nil {
			n.t.Fatalf("lookup %s on %s: %v", topic, base, err)
		}
		var addrs []string
		for _, p := range v.Producers {
			addrs = append(addrs, p.HTTPAddr())
		}
		slices.Sort(addrs)
		if l > 0 && !slices.Equal(addrs, first) {
			n.t.Fatalf("the lookupds disagree on topic %s: %v and %v", topic, first, addrs)
		}
		first = addrs
	}
	return first
}

// nodeLines are the lines a command prints for nodes, one per node: "nsqd ADDR: detail".
func (n *nsqAdminCluster) nodeLines(detail string, nodes ...int) string {
	var b strings.Builder
	for _, i := range nodes {
		b.WriteString("nsqd " + n.HTTPAddr(i) + ": " + detail + "\n")
	}
	return b.String()
}

// sameLines reports whether out holds exactly the lines want holds, in any
// order: the nodes answer in parallel, but are printed as configured.
func sameLines(out, want string) bool {
	a, b := strings.Split(strings.TrimSuffix(out, "\n"), "\n"), strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestNSQAdminCommands runs each NSQ admin subcommand on two lookupds and
// three nsqd and checks its effect through nsqd's and nsqlookupd's own
// HTTP APIs: one line per node, --yes without a terminal for the
// destructive ones, and usage errors before anything is sent.
func TestNSQAdminCommands(t *testing.T) {
	n := newNSQAdminCluster(t, 2, 3)
	for i := range 3 {
		n.CreateChannel(i, "events", "archive")
		n.Publish(i, "events", "a", "b", "c", "d", "e")
	}
	for i := range 2 { // orders lives on the first two nodes only
		n.CreateChannel(i, "orders", "billing")
	}
	n.WaitTopic("events", 0, 1, 2)
	n.WaitTopic("orders", 0, 1)

	lookupdLines := func(detail string) string {
		var b strings.Builder
		for _, u := range n.LookupdURLs() {
			b.WriteString("lookupd " + u + ": " + detail + "\n")
		}
		return b.String()
	}
	steps := []struct {
		name   string
		args   []string
		code   int
		stdout string // every line, in any order
		stderr string // contained; "" for nothing
		after  func(t *testing.T)
	}{
		{"pause a channel", []string{"pause", "nsq", "events/archive"}, 0, n.nodeLines("paused", 0, 1, 2), "", func(t *testing.T) {
			for i := range 3 {
				if c, _ := n.channel(i, "events", "archive"); !c.Paused {
					t.Fatalf("events/archive is not paused on nsqd %d", i)
				}
			}
		}},
		{"pause it again", []string{"pause", "nsq", "events/archive"}, 0, n.nodeLines("paused (it already was)", 0, 1, 2), "", nil},
		{"unpause, nsq left out", []string{"unpause", "events/archive"}, 0, n.nodeLines("unpaused", 0, 1, 2), "", func(t *testing.T) {
			for i := range 3 {
				if c, _ := n.channel(i, "events", "archive"); c.Paused {
					t.Fatalf("events/archive is still paused on nsqd %d", i)
				}
			}
		}},
		{"pause a topic on the nodes that have it", []string{"pause", "orders"}, 0, n.nodeLines("paused", 0, 1), "", func(t *testing.T) {
			for i := range 2 {
				if tp, _ := n.topic(i, "orders"); !tp.Paused {
					t.Fatalf("orders is not paused on nsqd %d", i)
				}
			}
			if n.HasTopic(2, "orders") {
				t.Fatal("orders was made on nsqd 2, which did not have it")
			}
		}},
		{"unpause the topic", []string{"unpause", "nsq", "orders"}, 0, n.nodeLines("unpaused", 0, 1), "", func(t *testing.T) {
			if tp, _ := n.topic(0, "orders"); tp.Paused {
				t.Fatal("orders is still paused on nsqd 0")
			}
		}},
		{"pause what no node has", []string{"pause", "nsq", "events/nope"}, 1, "", "nothing was changed", nil},

		{"empty without a terminal", []string{"empty", "nsq", "events/archive"}, 2, "",
			"add --yes to empty channel events/archive on every nsqd that has it, dropping its messages\n", func(t *testing.T) {
				if c, _ := n.channel(0, "events", "archive"); c.Depth != 5 {
					t.Fatalf("events/archive holds %d on nsqd 0, want 5 still", c.Depth)
				}
			}},
		{"empty a channel", []string{"empty", "nsq", "events/archive", "--yes"}, 0, n.nodeLines("emptied (5 queued before)", 0, 1, 2), "", func(t *testing.T) {
			for i := range 3 {
				if c, _ := n.channel(i, "events", "archive"); c.Depth != 0 {
					t.Fatalf("events/archive holds %d on nsqd %d after empty", c.Depth, i)
				}
			}
		}},

		{"create a channel on every node and lookupd", []string{"create", "nsq", "orders/audit"}, 0,
			lookupdLines("created") + n.nodeLines("created", 0, 1) + n.nodeLines("created, with topic orders", 2), "", func(t *testing.T) {
				for i := range 3 {
					if _, ok := n.channel(i, "orders", "audit"); !ok {
						t.Fatalf("no orders/audit on nsqd %d", i)
					}
				}
				if !n.registered("orders", "audit") {
					t.Fatal("orders/audit is not registered in every lookupd")
				}
			}},
		{"create what is there, nsq left out", []string{"create", "orders/audit"}, 0, lookupdLines("created") + n.nodeLines("already there", 0, 1, 2), "", nil},
		{"create a topic on one node", []string{"create", "nsq", "fresh", "--node", n.HTTPAddr(1)}, 0, lookupdLines("created") + n.nodeLines("created", 1), "", func(t *testing.T) {
			if !n.HasTopic(1, "fresh") || n.HasTopic(0, "fresh") || !n.registered("fresh", "") {
				t.Fatal("fresh is not on nsqd 1 and in the lookupds only")
			}
		}},
		{"create a bad name", []string{"create", "nsq", "bad name"}, 1, "", "is not an NSQ topic name", nil},

		{"delete without a terminal", []string{"delete", "nsq", "orders/audit"}, 2, "", "add --yes to delete channel orders/audit from every lookupd and nsqd, with its messages\n", func(t *testing.T) {
			if _, ok := n.channel(0, "orders", "audit"); !ok {
				t.Fatal("orders/audit deleted without --yes")
			}
		}},
		{"delete a channel", []string{"delete", "nsq", "orders/audit", "-y"}, 0, lookupdLines("deleted") + n.nodeLines("deleted", 0, 1, 2), "", func(t *testing.T) {
			for i := range 3 {
				if _, ok := n.channel(i, "orders", "audit"); ok {
					t.Fatalf("orders/audit is still on nsqd %d", i)
				}
			}
			if n.registered("orders", "audit") {
				t.Fatal("orders/audit is still registered")
			}
		}},
		{"delete a topic, nsq left out", []string{"delete", "fresh", "--yes"}, 0, lookupdLines("deleted") + n.nodeLines("deleted", 1), "", func(t *testing.T) {
			if n.HasTopic(1, "fresh") || n.registered("fresh", "") {
				t.Fatal("fresh is still there")
			}
		}},

		{"tombstone without --node", []string{"tombstone", "nsq", "events", "--yes"}, 2, "", "tombstone needs --node HOST:PORT", nil},
		{"tombstone without a terminal", []string{"tombstone", "nsq", "events", "--node", n.HTTPAddr(2)}, 2, "",
			"add --yes to tombstone topic events on nsqd " + n.HTTPAddr(2) + ", which deletes it there with its messages\n", func(t *testing.T) {
				if !n.HasTopic(2, "events") {
					t.Fatal("events deleted without --yes")
				}
			}},
		{"tombstone a topic on one node", []string{"tombstone", "nsq", "events", "--node", n.HTTPAddr(2), "--yes"}, 0,
			lookupdLines("tombstoned") + n.nodeLines("deleted topic events", 2), "", func(t *testing.T) {
				if n.HasTopic(2, "events") || !n.HasTopic(0, "events") || !n.HasTopic(1, "events") {
					t.Fatal("events is not gone from nsqd 2 only")
				}
				// Consumers are no longer sent to nsqd 2 for it.
				if got, want := n.handedOut("events"), []string{n.HTTPAddr(0), n.HTTPAddr(1)}; !slices.Equal(got, slices.Sorted(slices.Values(want))) {
					t.Fatalf("the lookupds hand out %v for events, want %v", got, want)
				}
			}},
		{"tombstone a channel", []string{"tombstone", "nsq", "events/archive", "--node", n.HTTPAddr(0), "--yes"}, 2, "", "tombstone acts on a topic, not a channel: give TOPIC", nil},

		{"a bad TOPIC/CHANNEL", []string{"pause", "nsq", "a/b/c"}, 2, "", `pause "a/b/c": want TOPIC or TOPIC/CHANNEL`, nil},
		{"kafka named", []string{"pause", "kafka", "orders"}, 2, "", "pause is an NSQ action; Kafka has none", nil},
		{"no argument", []string{"empty", "nsq", "--yes"}, 2, "", "empty needs one TOPIC[/CHANNEL]", nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			stdout, stderr, code := n.cli(st.args...)
			if code != st.code || !sameLines(stdout, st.stdout) || (st.stderr == "") != (stderr == "") || !strings.Contains(stderr, st.stderr) {
				t.Fatalf("%v: exit %d, want %d\nstdout: %q\nwant:   %q\nstderr: %q\nwant:   %q", st.args, code, st.code, stdout, st.stdout, stderr, st.stderr)
			}
			if code != 0 && strings.Count(stderr, "\n") != 1 {
				t.Fatalf("%v: the error is not one line: %q", st.args, stderr)
			}
			if st.after != nil {
				st.after(t)
			}
		})
	}
}

// TestNSQAdminWordNSQ: with Kafka configured too, the word nsq is needed.
func TestNSQAdminWordNSQ(t *testing.T) {
	n := newNSQAdminCluster(t, 1, 1)
	n.CreateChannel(0, "events", "archive")
	n.WaitTopic("events", 0)
	for _, args := range [][]string{
		{"pause", "events/archive"},
		{"delete", "events/archive", "--yes"},
		{"create", "events/other"},
	} {
		stdout, stderr, code := n.cli(append(args, "-b", "127.0.0.1:1")...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "both Kafka and NSQ are configured: say topicat "+args[0]+" nsq events/") &&
			!strings.Contains(stderr, "topicat can "+args[0]) {
			t.Fatalf("%v: exit %d\nstdout: %q\nstderr: %q", args, code, stdout, stderr)
		}
	}
	if c, ok := n.channel(0, "events", "archive"); !ok || c.Paused {
		t.Fatal("events/archive changed")
	}
	if _, ok := n.channel(0, "events", "other"); ok {
		t.Fatal("events/other was created")
	}
	stdout, stderr, code := n.cli("pause", "nsq", "events/archive", "-b", "127.0.0.1:1")
	if code != 0 || stdout != n.nodeLines("paused", 0) {
		t.Fatalf("pause nsq with both configured: exit %d\nstdout: %q\nstderr: %q", code, stdout, stderr)
	}
}

// TestNSQAdminPartialFailure: a node that does not answer is one failed
// line among the others' results; the exit status says some failed.
func TestNSQAdminPartialFailure(t *testing.T) {
	n := newNSQAdminCluster(t, 1, 3)
	for i := range 3 {
		n.CreateChannel(i, "events", "archive")
	}
	n.WaitTopic("events", 0, 1, 2)
	n.HaltNSQD(1) // the lookupd goes on listing it

	stdout, stderr, code := n.cli("pause", "nsq", "events/archive", "--timeout", "2s")
	if code != 1 || !sameLines(stdout, n.nodeLines("paused", 0, 2)) {
		t.Fatalf("exit %d\nstdout: %q\nstderr: %q", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "topicat: nsqd "+n.HTTPAddr(1)+": pause channel events/archive: not sent:") ||
		lines[1] != "topicat: 1 of 3 failed: nsqd "+n.HTTPAddr(1)+" (said above)" {
		t.Fatalf("stderr %q", stderr)
	}
	for _, i := range []int{0, 2} {
		if c, _ := n.channel(i, "events", "archive"); !c.Paused {
			t.Fatalf("events/archive is not paused on nsqd %d", i)
		}
	}
}

// TestNSQAdminReadOnly: under --read-only every NSQ admin command is
// refused before anything is sent, and nsqd shows nothing changed.
func TestNSQAdminReadOnly(t *testing.T) {
	n := newNSQAdminCluster(t, 1, 2)
	for i := range 2 {
		n.CreateChannel(i, "events", "archive")
		n.Publish(i, "events", "a", "b")
	}
	n.WaitTopic("events", 0, 1)
	unchanged := func(t *testing.T) {
		t.Helper()
		for i := range 2 {
			c, ok := n.channel(i, "events", "archive")
			if tp, _ := n.topic(i, "events"); !ok || c.Paused || c.Depth != 2 || tp.Paused {
				t.Fatalf("events or events/archive changed on nsqd %d: %+v", i, c)
			}
			if n.HasTopic(i, "made") {
				t.Fatalf("made was created on nsqd %d", i)
			}
		}
	}
	for _, args := range [][]string{
		{"pause", "nsq", "events/archive"},
		{"pause", "events"},
		{"unpause", "nsq", "events/archive"},
		{"empty", "nsq", "events/archive"}, // refused before it would ask
		{"empty", "nsq", "events/archive", "--yes"},
		{"delete", "nsq", "events/archive", "--yes"},
		{"delete", "events", "--yes"},
		{"tombstone", "nsq", "events", "--node", n.HTTPAddr(0), "--yes"},
		{"create", "nsq", "made/x"},
		{"create", "made"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, code := n.cli(append(args, "--read-only")...)
			if code != 1 || stdout != "" || stderr != "topicat: "+sources.ErrReadOnly.Error()+"\n" {
				t.Fatalf("exit %d\nstdout: %q\nstderr: %q", code, stdout, stderr)
			}
			unchanged(t)
		})
	}
}
