package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// demoLookupd is the demo's first lookupd as its footer shows it.
var demoLookupd = regexp.MustCompile(`nsqlookupd (http://127\.0\.0\.1:\d+)`)

// pausedOn says, for each nsqd the lookupd lists, whether it has topic/channel
// paused, by nsqd's own /stats.
func pausedOn(t *testing.T, lookupd, topic, channel string) map[string]bool {
	t.Helper()
	resp, err := http.Get(lookupd + "/nodes")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Producers []nsqtest.Producer `json:"producers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, p := range v.Producers {
		c, ok := nsqtest.NSQD{Addr: p.HTTPAddr()}.FindChannel(t, topic, channel)
		if !ok {
			t.Fatalf("no %s/%s on nsqd %s", topic, channel, p.HTTPAddr())
		}
		out[p.HTTPAddr()] = c.Paused
	}
	return out
}

func countTrue(m map[string]bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}

// TestEndToEndNSQPages: on the demo (two lookupds, three nsqd, emails/sender
// paused on one node), the topic page with its node rows and channels, the
// channel page with its clients, and z on the channel page: unpause where
// it is paused, pause everywhere, unpause again, each answered per node in
// the status line and done on every nsqd, as their own /stats say.
func TestEndToEndNSQPages(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	term := startTerminal(t, 160, 40, []string{"TERM=xterm-256color"}, bin, "demo")
	s := term.waitFor("demo: kcat -b 127.0.0.1:", "nsq 3 nodes")
	lookupd := demoLookupd.FindStringSubmatch(s)[1]

	term.keys("5")
	term.waitFor("NSQ Topics  3 rows", "emails", "events", "notifications", "IN/s")
	term.keys("Enter") // emails, the first row
	term.waitFor("NSQ Topics › Topic emails", "carried by 3 nodes", "MEM + DISK", "TOMBSTONED", "total", "3 nodes")
	term.keys("]")
	term.waitFor("DRAIN", "sender", "paused on 1 of 3")
	term.keys("Enter")
	term.waitFor("Topic emails › Channel emails/sender", "clients    3", "paused on 1 of 3", "OUT/s")
	term.keys("]")
	// Asked of the nodes now that the page is open: the demo's three consumers, one per node.
	s = term.waitFor("REMOTE ADDRESS", "READY", "go-nsq/")
	if n := strings.Count(s, "go-nsq/"); n < 3 {
		t.Fatalf("want a client row per node (3), saw %d:\n%s", n, s)
	}

	if got := countTrue(pausedOn(t, lookupd, "emails", "sender")); got != 1 {
		t.Fatalf("the demo starts with emails/sender paused on 1 node, nsqd says %d", got)
	}
	unpaused := regexp.MustCompile(`(?m)carried by 3 nodes$`)
	term.keys("[", "z")
	term.waitFor("✔ nsq.unpause channel emails/sender done on 3 of 3")
	if got := countTrue(pausedOn(t, lookupd, "emails", "sender")); got != 0 {
		t.Fatalf("unpaused, yet paused on %d nodes", got)
	}
	// z acts on the state shown: wait for the poll that shows the change.
	term.waitForMatch(unpaused)
	term.keys("z")
	term.waitFor("✔ nsq.pause channel emails/sender done on 3 of 3")
	if got := countTrue(pausedOn(t, lookupd, "emails", "sender")); got != 3 {
		t.Fatalf("paused, yet paused on %d of 3 nodes", got)
	}
	term.waitFor("carried by 3 nodes · paused (")
	term.keys("z")
	term.waitFor("✔ nsq.unpause channel emails/sender done on 3 of 3")
	if got := countTrue(pausedOn(t, lookupd, "emails", "sender")); got != 0 {
		t.Fatalf("unpaused, yet paused on %d nodes", got)
	}
	term.waitForMatch(unpaused)

	term.keys("q", "q", "q")
	term.restored(term.exited())
}

// TestEndToEndNSQReadOnly: under --read-only the same key is refused with
// the reason, and nothing changes on the nodes.
func TestEndToEndNSQReadOnly(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	term := startTerminal(t, 160, 40, []string{"TERM=xterm-256color"}, bin, "demo", "--read-only")
	s := term.waitFor("READ-ONLY", "demo: kcat -b 127.0.0.1:", "nsq 3 nodes")
	lookupd := demoLookupd.FindStringSubmatch(s)[1]
	term.keys(":")
	term.text("channel emails/sender")
	term.keys("Enter")
	term.waitFor("Channel emails/sender", "paused on 1 of 3")
	term.keys("z")
	term.waitFor("✖ unpause channel (paused on 1 of 3): " + sources.ErrReadOnly.Error())
	if got := countTrue(pausedOn(t, lookupd, "emails", "sender")); got != 1 {
		t.Fatalf("refused, yet emails/sender is paused on %d nodes, not 1", got)
	}
	term.keys("q", "q")
	term.restored(term.exited())
}

// TestEndToEndNSQDeleteAsksForTheName: on a terminal `delete nsq` asks for
// TOPIC/CHANNEL to be typed; a wrong name aborts and changes nothing, the
// right one deletes it from every lookupd and node, a line for each.
func TestEndToEndNSQDeleteAsksForTheName(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	n := newNSQAdminCluster(t, 1, 2)
	for i := range 2 {
		n.CreateChannel(i, "events", "doomed")
	}
	n.WaitTopic("events", 0, 1)
	for _, tc := range []struct {
		name, typed, status, screen string
		there                       bool
	}{
		{"a wrong name", "events/doom", "exit=1", `topicat: aborted: "events/doom" is not "events/doomed"; nothing was changed`, true},
		{"the name", "events/doomed", "exit=0", "nsqd " + n.HTTPAddr(1) + ": deleted", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			term := startTerminal(t, 140, 10, nil, bin, "delete", "nsq", "events/doomed", "--lookupd", n.lookupds)
			term.waitFor("Delete channel events/doomed from every lookupd and nsqd, with its messages? Type events/doomed to confirm:")
			term.text(tc.typed)
			term.keys("Enter")
			if status := term.exited(); !strings.HasPrefix(status, tc.status) {
				t.Fatalf("status %q, want %s\n%s", status, tc.status, term.screen())
			}
			term.waitFor(tc.screen)
			for i := range 2 {
				if _, ok := n.channel(i, "events", "doomed"); ok != tc.there {
					t.Fatalf("events/doomed on nsqd %d: %v, want %v", i, ok, tc.there)
				}
			}
		})
	}
}
