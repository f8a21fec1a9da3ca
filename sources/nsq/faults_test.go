package nsq_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// One nsqd stops: it stays listed as down, its topics are marked partial, and
// it comes back when restarted.
func TestNodeDown(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 3)
	for i := range 3 {
		c.CreateChannel(i, "orders", "c")
		c.Publish(i, "orders", nsqtest.Messages(i+1)...)
	}
	c.CreateChannel(0, "solo", "c")
	c.CreateChannel(1, "only-on-1", "c")
	c.Publish(1, "only-on-1", nsqtest.Messages(5)...)
	c.WaitTopic("orders", 0, 1, 2)
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
	snap1 := poll(t, src)
	down := c.HTTPAddr(1)
	before := findNode(t, snap1, down)
	lastOnly := findTopic(t, snap1, "only-on-1")

	c.StopNSQD(1)
	snap2 := poll(t, src)
	// Then let the lookupds notice (they drop a node when its connection
	// closes) and poll again: the node must stay, from the last snapshot.
	c.WaitRegistered()
	snap3 := poll(t, src)

	for i, snap := range []*sources.NSQSnapshot{snap2, snap3} {
		n := findNode(t, snap, down)
		if n.Up || n.DownSince != snap2.Taken || !strings.Contains(n.Err, down) || n.Health != "" {
			t.Errorf("poll %d: stopped node = Up %v DownSince %v (want %v) Err %q Health %q",
				i+2, n.Up, n.DownSince, snap2.Taken, n.Err, n.Health)
		}
		if n.Hostname != before.Hostname || n.TCPPort != before.TCPPort || n.Version != before.Version || n.StartTime != before.StartTime {
			t.Errorf("poll %d: identity lost: %+v", i+2, n)
		}
		want := sources.EndpointError{Endpoint: "nsqd " + down, Op: "stats", Since: snap2.Taken}
		if len(snap.Errors) != 1 || snap.Errors[0].Endpoint != want.Endpoint || snap.Errors[0].Op != want.Op ||
			snap.Errors[0].Since != want.Since || snap.Errors[0].Err == "" {
			t.Errorf("poll %d: errors %+v, want one like %+v", i+2, snap.Errors, want)
		}
		orders := findTopic(t, snap, "orders")
		if !orders.Partial || !orders.Channels[0].Partial || orders.Messages != 1+3 || slices.Contains(orders.Nodes, down) {
			t.Errorf("poll %d: orders = %+v, want partial with the 4 messages of nodes 0 and 2", i+2, orders)
		}
		if solo := findTopic(t, snap, "solo"); solo.Partial {
			t.Errorf("poll %d: solo marked partial", i+2)
		}
		// A topic only the silent node carries keeps its last totals, marked partial.
		only := findTopic(t, snap, "only-on-1")
		if !only.Partial || only.In != -1 || only.Messages != lastOnly.Messages || only.Channels[0].Depth != 5 || !only.Channels[0].Partial {
			t.Errorf("poll %d: only-on-1 = %+v, want last totals (5 messages) marked partial", i+2, only)
		}
	}
	if n := findNode(t, snap3, down); len(n.Lookupds) != 0 {
		t.Errorf("after de-registration the node is known to %v, want none", n.Lookupds)
	}

	c.RestartNSQD(1)
	snap4 := poll(t, src)
	n := findNode(t, snap4, down)
	if !n.Up || !n.DownSince.IsZero() || n.Err != "" || len(snap4.Errors) != 0 || len(n.Lookupds) != 2 {
		t.Errorf("restarted node = %+v, errors %v", n, snap4.Errors)
	}
	orders := findTopic(t, snap4, "orders")
	if orders.Partial || len(orders.Nodes) != 3 || orders.In < 0 {
		t.Errorf("orders after restart = %+v", orders)
	}
}

// A node that left every lookupd is dropped after ForgetAfter; a configured one stays.
func TestNodeForgotten(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 3)
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs(), NSQDs: []string{c.HTTPAddr(2)}, ForgetAfter: time.Nanosecond})
	if n := len(poll(t, src).Nodes); n != 3 {
		t.Fatalf("%d nodes, want 3", n)
	}
	c.StopNSQD(1)
	c.StopNSQD(2)
	c.WaitRegistered()
	snap := poll(t, src)
	if len(snap.Nodes) != 2 {
		t.Fatalf("nodes %+v, want node 0 and the configured node 2", snap.Nodes)
	}
	if n := findNode(t, snap, c.HTTPAddr(2)); n.Up || n.Hostname == "" {
		t.Errorf("configured node = %+v, want down with its identity", n)
	}
	if len(snap.Errors) != 1 {
		t.Errorf("errors %v, want one for the configured node", snap.Errors)
	}
}

// An nsqd restart zeroes its counters: its share of the rate is unknown, never negative.
func TestCounterReset(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 2)
	for i := range 2 {
		c.CreateChannel(i, "t", "c")
		c.Publish(i, "t", nsqtest.Messages(5)...)
	}
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
	settled := func(want0, want1 uint64) {
		t.Helper()
		for i, want := range []uint64{want0, want1} {
			nsqtest.WaitFor(t, "channel c to get every message", func() bool {
				ch, ok := c.NSQD(i).FindChannel(t, "t", "c")
				return ok && ch.MessageCount == want
			})
		}
	}
	settled(5, 5)
	snap1 := poll(t, src)
	c.Publish(0, "t", nsqtest.Messages(3)...)
	settled(8, 5)
	snap2 := poll(t, src)
	if got, want := findTopic(t, snap2, "t").In, 3/snap2.Taken.Sub(snap1.Taken).Seconds(); got != want {
		t.Fatalf("rate %v, want %v", got, want)
	}

	c.RestartNSQD(0)
	c.Publish(1, "t", nsqtest.Messages(2)...)
	settled(0, 7)
	snap3 := poll(t, src)
	tp := findTopic(t, snap3, "t")
	if want := 2 / snap3.Taken.Sub(snap2.Taken).Seconds(); tp.In != want {
		t.Errorf("rate after restart %v, want %v (node 1's share only)", tp.In, want)
	}
	if ch := tp.Channels[0]; ch.Out != 0 || ch.Depth != 8+7 {
		t.Errorf("channel after restart = %+v, want egress 0 and depth 15 (node 0's kept on disk)", ch)
	}
	n0 := findNode(t, snap3, c.HTTPAddr(0))
	if ts, _ := nodeTopic(n0, "t"); ts.Messages != 0 || ts.Channels[0].Depth != 8 {
		t.Errorf("restarted node's t = %+v", ts)
	}
}

func TestLookupdDown(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 2)
	urls := c.LookupdURLs()
	src := newSource(t, c, nsq.Config{Lookupds: urls})
	poll(t, src)
	c.StopLookupd(0)
	snap2 := poll(t, src)
	snap3 := poll(t, src)
	for i, snap := range []*sources.NSQSnapshot{snap2, snap3} {
		l := snap.Lookupds[0]
		if l.Up || l.DownSince != snap2.Taken || !strings.Contains(l.Err, urls[0]) || l.Version != "1.3.0" || l.Nodes != 2 {
			t.Errorf("poll %d: stopped lookupd = %+v", i+2, l)
		}
		if !snap.Lookupds[1].Up {
			t.Errorf("poll %d: other lookupd = %+v", i+2, snap.Lookupds[1])
		}
		if len(snap.Errors) != 1 || snap.Errors[0].Endpoint != "lookupd "+urls[0] || snap.Errors[0].Op != "nodes" {
			t.Errorf("poll %d: errors %+v", i+2, snap.Errors)
		}
		if len(snap.Nodes) != 2 {
			t.Fatalf("poll %d: %d nodes, want 2", i+2, len(snap.Nodes))
		}
		for _, n := range snap.Nodes {
			if !n.Up || !slices.Equal(n.Lookupds, urls[1:]) {
				t.Errorf("poll %d: node %+v, want up and known to the lookupd that answered", i+2, n)
			}
		}
	}

	// A source that starts while the lookupd is down knows the nodes from the other.
	fresh := newSource(t, c, nsq.Config{Lookupds: urls})
	snap := poll(t, fresh)
	if len(snap.Nodes) != 2 || !snap.Nodes[0].Up || !slices.Equal(snap.Nodes[0].Lookupds, urls[1:]) || snap.Lookupds[0].Up {
		t.Errorf("fresh source: nodes %+v lookupds %+v", snap.Nodes, snap.Lookupds)
	}
}

// stallServer answers nothing until the client gives up.
func stallServer(t *testing.T) *httptest.Server {
	stop := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(s.Close)
	t.Cleanup(func() { close(stop) })
	return s
}

func TestStall(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 1)
	c.CreateTopic(0, "t")
	stall := stallServer(t)
	stallAddr := stall.Listener.Addr().String()
	const timeout = 750 * time.Millisecond

	t.Run("nsqd", func(t *testing.T) {
		src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs(), NSQDs: []string{stallAddr}, Timeout: timeout})
		snap, err := src.Poll(context.Background())
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		n := findNode(t, snap, stallAddr)
		if n.Up || !strings.Contains(n.Err, stallAddr) || !strings.Contains(n.Err, "timed out") {
			t.Errorf("stalled node = %+v, want down with a timeout naming it", n)
		}
		if n := findNode(t, snap, c.HTTPAddr(0)); !n.Up {
			t.Errorf("healthy node = %+v", n)
		}
		if len(snap.Errors) != 1 || snap.Errors[0].Endpoint != "nsqd "+stallAddr {
			t.Errorf("errors %v", snap.Errors)
		}
		findTopic(t, snap, "t")
	})
	t.Run("lookupd", func(t *testing.T) {
		// Discovery gets half the budget, so the configured node is still asked.
		src := newSource(t, c, nsq.Config{Lookupds: []string{stall.URL}, NSQDs: []string{c.HTTPAddr(0)}, Timeout: timeout})
		snap, err := src.Poll(context.Background())
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		if l := snap.Lookupds[0]; l.Up || !strings.Contains(l.Err, "timed out") || !strings.Contains(l.Err, stall.URL) {
			t.Errorf("stalled lookupd = %+v", l)
		}
		if n := findNode(t, snap, c.HTTPAddr(0)); !n.Up {
			t.Errorf("configured node = %+v", n)
		}
	})
}

func TestBadAnswers(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"malformed JSON", 200, `{not json`, "malformed JSON from /stats: invalid character 'n'"},
		{"truncated JSON", 200, `{"topics":[{"topic_name":"t"`, "malformed JSON from /stats: unexpected EOF"},
		{"empty body", 200, ``, "empty answer from /stats"},
		{"wrong JSON type", 200, `{"topics":{"a":1}}`, "malformed JSON from /stats: json: cannot unmarshal object"},
		{"unhealthy", 500, `{"message":"NOK - disk full"}`, "HTTP 500: NOK - disk full"},
		{"HTML error page", 404, `<html>not found</html>`, "HTTP 404: <html>not found</html>"},
		{"TLS required", 403, `{"message":"TLS_REQUIRED","https_port":4152}`, "TLS required (HTTPS port 4152)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			t.Cleanup(s.Close)
			addr := s.Listener.Addr().String()
			src := newSource(t, nil, nsq.Config{NSQDs: []string{addr}})
			snap, err := src.Poll(context.Background())
			// The only node failed: nothing answered, so the loop must back off.
			if err == nil || !strings.Contains(err.Error(), addr) {
				t.Errorf("poll error %v, want one naming %s", err, addr)
			}
			n := findNode(t, snap, addr)
			if n.Up || !strings.Contains(n.Err, addr) || !strings.Contains(n.Err, tc.want) {
				t.Errorf("node Err %q, want it to name %s and say %q", n.Err, addr, tc.want)
			}
			if len(snap.Errors) != 1 || !strings.Contains(snap.Errors[0].Err, tc.want) || snap.Errors[0].Op != "stats" {
				t.Errorf("errors %+v", snap.Errors)
			}
		})
	}
}

// Everything down: the snapshot keeps the last picture, with errors, and the
// poll fails so that the loop backs off.
func TestAllDown(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 2)
	for i := range 2 {
		c.CreateChannel(i, "t", "c")
		c.Publish(i, "t", nsqtest.Messages(2)...)
	}
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
	nsqtest.WaitFor(t, "messages in channel c", func() bool {
		tp := findTopic(t, poll(t, src), "t")
		return len(tp.Channels) == 1 && tp.Channels[0].Depth == 4
	})
	snap1 := poll(t, src)
	c.StopLookupd(0)
	c.StopNSQD(0)
	c.StopNSQD(1)
	snap2, err := src.Poll(context.Background())
	if err == nil {
		t.Fatal("poll with everything down: no error")
	}
	if snap2 == nil {
		t.Fatal("nil snapshot")
	}
	if len(snap2.Errors) != 3 || snap2.LastOK != snap1.Taken {
		t.Errorf("errors %v, LastOK %v (want %v)", snap2.Errors, snap2.LastOK, snap1.Taken)
	}
	if l := snap2.Lookupds[0]; l.Up || l.Version != "1.3.0" {
		t.Errorf("lookupd %+v", l)
	}
	if len(snap2.Nodes) != 2 {
		t.Fatalf("nodes %+v", snap2.Nodes)
	}
	for _, n := range snap2.Nodes {
		if n.Up || n.Hostname == "" || len(n.Topics) != 1 {
			t.Errorf("node %+v, want down with its identity and last topics", n)
		}
	}
	tp := findTopic(t, snap2, "t")
	if !tp.Partial || tp.Messages != 4 || tp.Channels[0].Depth != 4 || tp.In != -1 {
		t.Errorf("t = %+v, want the last totals marked partial", tp)
	}
}

// fakeLookupd serves /nodes, /topics and /info as an nsqlookupd would.
func fakeLookupd(t *testing.T, producers ...map[string]any) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/nodes":
			json.NewEncoder(w).Encode(map[string]any{"producers": producers})
		case "/topics":
			topics := map[string]bool{}
			for _, p := range producers {
				for _, tp := range p["topics"].([]string) {
					topics[tp] = true
				}
			}
			json.NewEncoder(w).Encode(map[string]any{"topics": slices.Sorted(maps.Keys(topics))})
		case "/info":
			fmt.Fprint(w, `{"version":"1.3.0"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func producer(host string, httpPort, tcpPort int, topics []string, tombstones []bool) map[string]any {
	return map[string]any{
		"remote_address": "127.0.0.1:50000", "hostname": "h-" + host, "broadcast_address": host,
		"tcp_port": tcpPort, "http_port": httpPort, "version": "1.3.0",
		"topics": topics, "tombstones": tombstones,
	}
}

func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// What lookupd lists for a node that does not answer marks those topics
// partial, even on the first poll; tombstones come from the parallel arrays.
func TestLookupdListsSilentNodes(t *testing.T) {
	c := nsqtest.NewCluster(t, 0, 1)
	c.CreateChannel(0, "orders", "c")
	c.CreateTopic(0, "fine")
	_, p, _ := net.SplitHostPort(c.HTTPAddr(0))
	_, tp, _ := net.SplitHostPort(c.TCPAddr(0))
	httpPort, _ := strconv.Atoi(p)
	tcpPort, _ := strconv.Atoi(tp)
	dead := closedPort(t)
	l := fakeLookupd(t,
		producer("127.0.0.1", httpPort, tcpPort, []string{"orders", "fine", "old"}, []bool{false, false, true}),
		producer("127.0.0.1", dead, dead+1, []string{"orders", "ghost"}, []bool{false, false}),
		producer("no-such-host.invalid", 4151, 4150, []string{"fine"}, []bool{true}),
	)
	src := newSource(t, c, nsq.Config{Lookupds: []string{l.URL}, Timeout: 5 * time.Second})
	snap := poll(t, src)

	live := findNode(t, snap, c.HTTPAddr(0))
	if !live.Up || !slices.Equal(live.Tombstoned, []string{"old"}) || live.Hostname != "h-127.0.0.1" {
		t.Errorf("live node = %+v", live)
	}
	if o := findTopic(t, snap, "orders"); !o.Partial || o.In != -1 || len(o.Nodes) != 1 {
		t.Errorf("orders = %+v, want partial: the dead node carries it", o)
	}
	if g := findTopic(t, snap, "ghost"); !g.Partial || g.Messages != 0 || len(g.Nodes) != 0 {
		t.Errorf("ghost = %+v, want listed as partial with nothing known", g)
	}
	// Tombstoned on the unresolvable node: not counted as carried there.
	if f := findTopic(t, snap, "fine"); f.Partial {
		t.Errorf("fine = %+v, want complete", f)
	}
	deadAddr := "127.0.0.1:" + strconv.Itoa(dead)
	if n := findNode(t, snap, deadAddr); n.Up || !strings.Contains(n.Err, "connection refused") || !strings.Contains(n.Err, deadAddr) {
		t.Errorf("dead node = %+v", n)
	}
	n := findNode(t, snap, "no-such-host.invalid:4151")
	if strings.Contains(n.Err, "timed out") {
		t.Skipf("DNS did not answer here: %s", n.Err)
	}
	if n.Up || !strings.Contains(n.Err, `broadcast address "no-such-host.invalid"`) || !strings.Contains(n.Err, "does not resolve") {
		t.Errorf("unresolvable node Err %q, want it to say the broadcast address does not resolve", n.Err)
	}
	if len(snap.Errors) != 2 {
		t.Errorf("errors %v, want one per silent node", snap.Errors)
	}
}

// A node that only a now unreachable lookupd listed is kept: that lookupd
// cannot say it left.
func TestNodeKeptWhileItsLookupdIsDown(t *testing.T) {
	c := nsqtest.NewCluster(t, 0, 1)
	_, p, _ := net.SplitHostPort(c.HTTPAddr(0))
	httpPort, _ := strconv.Atoi(p)
	only := fakeLookupd(t, producer("127.0.0.1", httpPort, httpPort+1, []string{}, []bool{}))
	other := fakeLookupd(t)
	src := newSource(t, nil, nsq.Config{Lookupds: []string{only.URL, other.URL}, ForgetAfter: time.Nanosecond})
	if snap := poll(t, src); len(snap.Nodes) != 1 || !slices.Equal(snap.Nodes[0].Lookupds, []string{only.URL}) {
		t.Fatalf("nodes %+v", snap.Nodes)
	}
	only.Close()
	for range 2 {
		snap := poll(t, src)
		if len(snap.Nodes) != 1 || !snap.Nodes[0].Up || len(snap.Nodes[0].Lookupds) != 0 || snap.Lookupds[0].Up {
			t.Fatalf("nodes %+v lookupds %+v", snap.Nodes, snap.Lookupds)
		}
	}
}
