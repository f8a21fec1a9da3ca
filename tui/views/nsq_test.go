package views

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
)

var nsqNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

const (
	lookA, lookB   = "http://10.0.0.9:4161", "http://10.0.0.10:4161"
	nodeA, nodeB   = "10.0.0.5:4151", "10.0.0.6:4151"
	nodeC, nodeOld = "10.0.0.7:4151", "10.0.0.8:4151"
)

// nsqCluster is a cluster in trouble: one lookupd down, three nodes that
// carry orders (one down, its figures from its last answer), one gone; the
// archive channel paused on one node of three.
func nsqCluster() Data {
	archive := func(depth int64, paused bool, clients int) sources.NSQChannelStats {
		return sources.NSQChannelStats{Name: "archive", Depth: depth, BackendDepth: depth / 2, Messages: 100, Clients: clients, Paused: paused, In: 2, Out: 1}
	}
	orders := func(depth int64, ch sources.NSQChannelStats) sources.NSQTopicStats {
		return sources.NSQTopicStats{Name: "orders", Depth: depth, Messages: 100, In: 2, Channels: []sources.NSQChannelStats{ch},
			E2E: []sources.Percentile{{Quantile: 0.99, Value: 12 * time.Millisecond}}}
	}
	return Data{NSQ: &sources.NSQSnapshot{
		Meta: sources.Meta{Seq: 4, Taken: nsqNow, LastOK: nsqNow},
		Lookupds: []sources.Lookupd{
			{Addr: lookA, Up: true, Version: "1.3.0", Nodes: 3, Topics: 1},
			{Addr: lookB, Up: false, DownSince: nsqNow.Add(-2 * time.Minute), Nodes: -1, Topics: -1, Err: "connection refused"},
		},
		Nodes: []sources.NSQNode{
			{Addr: nodeA, Hostname: "nsq-a", TCPPort: 4150, Version: "1.3.0", Health: "OK", Up: true, StartTime: nsqNow.Add(-time.Hour), Lookupds: []string{lookA},
				Topics: []sources.NSQTopicStats{orders(0, archive(40, true, 0))}},
			{Addr: nodeB, Hostname: "nsq-b", Up: false, DownSince: nsqNow.Add(-time.Minute), Err: "stats: connection refused", Lookupds: []string{lookA},
				Topics: []sources.NSQTopicStats{orders(0, archive(7, false, 0))}},
			{Addr: nodeC, Hostname: "nsq-c", Up: true, Health: "OK", Lookupds: []string{lookA},
				Topics: []sources.NSQTopicStats{orders(3, archive(0, false, 2))}},
			{Addr: nodeOld, Hostname: "nsq-old", Gone: true, GoneSince: nsqNow.Add(-30 * time.Second)},
		},
		Topics: []sources.NSQTopic{{Name: "orders", Depth: 3, Messages: 300, In: 6, Ins: []float64{-1, 4, 6}, Depths: []int64{1, 2, 3},
			Nodes: []string{nodeA, nodeB, nodeC}, Tombstoned: []string{nodeOld}, Partial: true,
			E2E: []sources.Percentile{{Quantile: 0.99, Value: 12 * time.Millisecond}, {Quantile: 0.5, Value: 800 * time.Microsecond}},
			Channels: []sources.NSQChannel{{Topic: "orders", Name: "archive", Depth: 47, BackendDepth: 23, Messages: 300, Clients: 2,
				PausedOn: []string{nodeA}, Nodes: []string{nodeA, nodeB, nodeC}, In: 6, Out: -1, Outs: []float64{-1, 3}, Depths: []int64{40, 47},
				Climbing: true, Drain: sources.CatchUpNever, Partial: true}}}},
		Inactive: []sources.NSQInactive{{Topic: "retired", Lookupds: []string{lookA}}, {Topic: "retired", Channel: "old", Lookupds: []string{lookA}}},
	}}
}

// text builds a view and prints it as `get -o table` does.
func text(t *testing.T, v *View, d Data, arg string) (Table, string) {
	t.Helper()
	table, _, err := v.Build(d, arg)
	if err != nil {
		t.Fatal(err)
	}
	return table, tableText(t, table)
}

func tableText(t *testing.T, table Table) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteTable(&b, table, table.Rows); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func row(t *testing.T, table Table, key string) Row {
	t.Helper()
	for _, r := range table.Rows {
		if r.Key == key {
			return r
		}
	}
	t.Fatalf("no row %q", key)
	return Row{}
}

func cell(t *testing.T, table Table, r Row, title string) string {
	t.Helper()
	for i, c := range table.Columns {
		if c.Title == title {
			return r.Cells[i]
		}
	}
	t.Fatalf("no column %s", title)
	return ""
}

func marshal(t *testing.T, v any) map[string]json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}

// TestNSQNodesPane: known-by reads against every lookupd configured, down
// or not; a node down says for how long, a node gone is muted, not an error.
func TestNSQNodesPane(t *testing.T) {
	table, _ := text(t, nsqNodes(), nsqCluster(), "")
	for _, tc := range []struct {
		key, lookupds, state string
		status               Status
	}{
		{nodeA, "1/2", "up", Normal},
		{nodeB, "1/2", "DOWN for 1m", Bad},
		{nodeOld, "0/2", "gone for 30s", Muted},
	} {
		r := row(t, table, tc.key)
		if got := cell(t, table, r, "LOOKUPDS"); got != tc.lookupds {
			t.Errorf("%s LOOKUPDS %q, want %q", tc.key, got, tc.lookupds)
		}
		if got := cell(t, table, r, "STATE"); got != tc.state {
			t.Errorf("%s STATE %q, want %q", tc.key, got, tc.state)
		}
		if r.Status != tc.status {
			t.Errorf("%s status %v, want %v", tc.key, r.Status, tc.status)
		}
	}
	direct := Data{NSQ: &sources.NSQSnapshot{Nodes: []sources.NSQNode{{Addr: nodeA, Up: true}}}}
	table, _ = text(t, nsqNodes(), direct, "")
	if got := cell(t, table, table.Rows[0], "LOOKUPDS"); got != "–" {
		t.Errorf("a node polled directly with no lookupd reads %q", got)
	}
	up, of := NSQNodesUp(nsqCluster().NSQ)
	if up != 2 || of != 3 {
		t.Errorf("NSQNodesUp = %d of %d, want 2 of 3 (the gone node is no outage)", up, of)
	}
}

// TestNSQTopicsAndChannelsPanes: IN/s and OUT/s under their own headers,
// trends, the climbing mark, the time to drain, and where it is paused.
func TestNSQTopicsAndChannelsPanes(t *testing.T) {
	d := nsqCluster()
	table, out := text(t, nsqTopics(), d, "")
	r := row(t, table, "orders")
	for title, want := range map[string]string{"IN/s": "6.0/s?", "IN TREND": " ▆█", "DEPTH TREND": "▃▆█", "DEPTH": "3?", "PAUSED": ""} {
		if got := cell(t, table, r, title); got != want {
			t.Errorf("topics %s = %q, want %q\n%s", title, got, want, out)
		}
	}
	if strings.Contains(out, "RATE") {
		t.Errorf("the topics pane still says RATE:\n%s", out)
	}
	table, out = text(t, nsqChannels(), d, "")
	r = row(t, table, "orders/archive")
	for title, want := range map[string]string{"IN/s": "6.0/s", "OUT/s": "–", "DEPTH": "47 ▲?", "DRAIN": "never", "PAUSED": "paused on 1 of 3", "OUT TREND": " █"} {
		if got := cell(t, table, r, title); got != want {
			t.Errorf("channels %s = %q, want %q\n%s", title, got, want, out)
		}
	}
	if !strings.Contains(r.Note, "paused on 1 of 3 nodes (10.0.0.5:4151); the others deliver") {
		t.Errorf("note %q", r.Note)
	}
	if in, ok := NSQIn(d.NSQ); !ok || in != 6 {
		t.Errorf("NSQIn = %v %v", in, ok)
	}
}

// TestNSQTopicClimbing: a topic whose depth grew at each recent poll is
// marked beside its depth in the Topics pane and on its page, as a channel is.
func TestNSQTopicClimbing(t *testing.T) {
	for _, tc := range []struct {
		name              string
		climbing, partial bool
		cell, summary     string
		status            Status
	}{
		{"climbing", true, false, "3 ▲", "3 ▲ climbing (memory + disk 3 + 0)", Warn},
		{"climbing, partial", true, true, "3 ▲?", "3 at least ▲ climbing (memory + disk 3 + 0)", Warn},
		{"steady", false, false, "3", "3 (memory + disk 3 + 0)", Normal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := nsqCluster()
			tp := &d.NSQ.Topics[0]
			tp.Climbing, tp.Partial = tc.climbing, tc.partial
			table, out := text(t, nsqTopics(), d, "")
			if got := cell(t, table, row(t, table, "orders"), "DEPTH"); got != tc.cell {
				t.Errorf("topics DEPTH = %q, want %q\n%s", got, tc.cell, out)
			}
			p := buildPageOf(t, nsqTopicPage(), d, "orders")
			f := p.Fields[0]
			if f.Label != "depth" || !strings.HasPrefix(f.Value, tc.summary) || f.Status != tc.status {
				t.Errorf("summary %s %q (status %v), want %q (status %v)", f.Label, f.Value, f.Status, tc.summary, tc.status)
			}
			if got := string(marshal(t, p)["topic"]); !strings.Contains(got, fmt.Sprintf(`"climbing":%v`, tc.climbing)) {
				t.Errorf("topic JSON lacks climbing %v: %s", tc.climbing, got)
			}
		})
	}
}

func TestPausedOnAndDrain(t *testing.T) {
	three := []string{nodeA, nodeB, nodeC}
	for _, tc := range []struct {
		paused bool
		on     []string
		want   string
	}{
		{false, nil, ""},
		{false, []string{nodeA}, "paused on 1 of 3"},
		{true, three, "paused"},
		{false, three, "paused"},
	} {
		if got := PausedOn(tc.paused, tc.on, three); got != tc.want {
			t.Errorf("PausedOn(%v, %v) = %q, want %q", tc.paused, tc.on, got, tc.want)
		}
	}
	for _, tc := range []struct {
		d     time.Duration
		depth int64
		want  string
	}{
		{sources.CatchUpNever, 5, "never"},
		{sources.CatchUpSteady, 5, "holds"},
		{sources.CatchUpUnknown, 5, "?"},
		{0, 0, "empty"},
		{300 * time.Millisecond, 5, "<1s"},
		{90 * time.Second, 5, "1m"},
	} {
		if got := Drain(tc.d, tc.depth); got != tc.want {
			t.Errorf("Drain(%v, %d) = %q, want %q", tc.d, tc.depth, got, tc.want)
		}
	}
	if got := E2E([]sources.Percentile{{Quantile: 0.999, Value: 1500 * time.Millisecond}, {Quantile: 0.5, Value: 250 * time.Microsecond}}); got != "p99.9 1.50s · p50 250µs" {
		t.Errorf("E2E = %q", got)
	}
}

// TestNSQLookupdsPane: a lookupd that is down knows nothing now: "?" on
// screen, null in JSON, not what it knew before.
func TestNSQLookupdsPane(t *testing.T) {
	table, out := text(t, nsqLookupds(), nsqCluster(), "")
	up, down := row(t, table, lookA), row(t, table, lookB)
	for title, want := range map[string][2]string{"NODES": {"3", "?"}, "TOPICS": {"1", "?"}, "INACTIVE": {"2", "?"}, "STATE": {"up", "DOWN for 2m"}} {
		if got := [2]string{cell(t, table, up, title), cell(t, table, down, title)}; got != want {
			t.Errorf("%s = %q, want %q\n%s", title, got, want, out)
		}
	}
	_, raw, _ := nsqLookupds().Build(nsqCluster(), "")
	b, _ := json.Marshal(raw)
	if !strings.Contains(string(b), `"version":null,"nodes":null,"topics":null,"inactive":null`) {
		t.Errorf("a down lookupd's JSON: %s", b)
	}
	table, _ = text(t, nsqInactive(), nsqCluster(), "")
	if len(table.Rows) != 2 || table.Rows[1].Key != "retired/old" {
		t.Errorf("inactive rows %+v", table.Rows)
	}
}

func sectionOf(t *testing.T, p Page, name string) Section {
	t.Helper()
	for _, s := range p.Sections {
		if s.Name == name {
			if s.Err != nil {
				t.Fatalf("section %s: %v", name, s.Err)
			}
			return s
		}
	}
	t.Fatalf("no section %s", name)
	return Section{}
}

func buildPageOf(t *testing.T, v *View, d Data, arg string) Page {
	t.Helper()
	_, raw, err := v.Build(d, arg)
	if err != nil {
		t.Fatal(err)
	}
	return raw.(Page)
}

// TestNSQTopicPage: a row per node that carries it or has it tombstoned,
// the total row last whatever the sort, out of the JSON (whose subject has
// the totals), E2E where nsqd measures it.
func TestNSQTopicPage(t *testing.T) {
	d := nsqCluster()
	p := buildPageOf(t, nsqTopicPage(), d, "orders")
	nodes := sectionOf(t, p, "nodes")
	if n := len(nodes.Table.Rows); n != 5 {
		t.Fatalf("%d rows, want 3 nodes, the tombstoned one and the total", n)
	}
	for col := range nodes.Table.Columns {
		for _, desc := range []bool{false, true} {
			if rows := nodes.Table.Sorted(col, desc); !rows[len(rows)-1].Total {
				t.Fatalf("sorted by %s (desc %v), the total is not last", nodes.Table.Columns[col].Title, desc)
			}
		}
	}
	total := nodes.Table.Rows[4]
	for title, want := range map[string]string{"NODE": "total (partial)", "DEPTH": "3", "MSGS": "300", "CHANS": "1", "E2E": "p99 12.0ms · p50 800µs", "STATE": "3 nodes"} {
		if got := cell(t, nodes.Table, total, title); got != want {
			t.Errorf("total %s = %q, want %q", title, got, want)
		}
	}
	if got := cell(t, nodes.Table, row(t, nodes.Table, nodeB), "STATE"); got != "DOWN for 1m" {
		t.Errorf("the down node's state %q", got)
	}
	old := row(t, nodes.Table, nodeOld)
	if cell(t, nodes.Table, old, "TOMBSTONED") != "tombstoned" || cell(t, nodes.Table, old, "DEPTH") != "–" {
		t.Errorf("the tombstoned node's row %q", old.Cells)
	}
	var rows []map[string]any
	b, _ := json.Marshal(nodes.Data)
	if err := json.Unmarshal(b, &rows); err != nil || len(rows) != 4 {
		t.Fatalf("nodes JSON has %d rows, want the 4 nodes without the total: %s", len(rows), b)
	}
	if rows[3]["carries"] != false || rows[0]["in_rate"] != 2.0 || rows[0]["channel_count"] != 1.0 || rows[0]["channels"] != nil {
		t.Errorf("nodes JSON: %s", b)
	}
	m := marshal(t, p)
	var topic map[string]json.RawMessage
	json.Unmarshal(m["topic"], &topic)
	if string(topic["in_rates"]) != "[null,4,6]" || string(topic["partial"]) != "true" || topic["channels"] != nil {
		t.Errorf("topic JSON: %s", m["topic"])
	}
	if _, ok := m["channels"]; !ok {
		t.Errorf("no channels section: %s", b)
	}
	var fields []string
	for _, f := range p.Fields {
		fields = append(fields, f.Label+" "+f.Value)
	}
	for _, want := range []string{"depth 3 at least (memory + disk 3 + 0)", "IN 6.0/s", "carried by 3 nodes · tombstoned on 10.0.0.8:4151", "e2e p99 12.0ms · p50 800µs", "partial"} {
		if !strings.Contains(strings.Join(fields, "\n"), want) {
			t.Errorf("summary lacks %q:\n%s", want, strings.Join(fields, "\n"))
		}
	}
}

// TestNSQChannelPage: per-node truth (the unpaused nodes with messages and
// no client are flagged even though the channel is paused somewhere), the
// total, the clients from the page's answer, null for what is unknown.
func TestNSQChannelPage(t *testing.T) {
	d := nsqCluster()
	d.Detail = &sources.NSQChannelDetail{Topic: "orders", Channel: "archive", Clients: []sources.NSQClient{
		{Node: nodeC, Hostname: "worker-1", RemoteAddress: "10.1.0.1:5000", UserAgent: "go-nsq/1.1.0", TLS: true, TLSVersion: "TLS1.3", TLSCipher: "TLS_AES_128_GCM_SHA256",
			Snappy: true, SampleRate: 50, AuthIdentity: "svc-archive", ReadyCount: 10, InFlight: 2, Finished: 90, Requeued: 1, Messages: 93, ConnectedAt: nsqNow.Add(-5 * time.Minute)},
		{Node: nodeC, Hostname: "worker-2", RemoteAddress: "10.1.0.2:5000", ReadyCount: 0},
	}}
	p := buildPageOf(t, nsqChannelPage(), d, "orders/archive")
	nodes := sectionOf(t, p, "nodes")
	for _, tc := range []struct {
		key    string
		status Status
		paused string
	}{
		{nodeA, Muted, "paused"},
		{nodeB, Bad, ""},
		{nodeC, Normal, ""},
	} {
		r := row(t, nodes.Table, tc.key)
		if r.Status != tc.status || cell(t, nodes.Table, r, "PAUSED") != tc.paused {
			t.Errorf("%s: status %v paused %q, want %v %q", tc.key, r.Status, cell(t, nodes.Table, r, "PAUSED"), tc.status, tc.paused)
		}
	}
	total := nodes.Table.Rows[len(nodes.Table.Rows)-1]
	if !total.Total || cell(t, nodes.Table, total, "PAUSED") != "paused on 1 of 3" || cell(t, nodes.Table, total, "DEPTH") != "47" || cell(t, nodes.Table, total, "OUT/s") != "–" {
		t.Errorf("total row %q", total.Cells)
	}
	clients := sectionOf(t, p, "clients")
	out := tableText(t, clients.Table)
	for _, want := range []string{"worker-1", "10.1.0.1:5000", "go-nsq/1.1.0", "TLS1.3 TLS_AES_128_GCM_SHA256", "snappy", "50%", "svc-archive", "5m", nodeC} {
		if !strings.Contains(out, want) {
			t.Errorf("clients lack %q:\n%s", want, out)
		}
	}
	if r := row(t, clients.Table, nodeC+" 10.1.0.2:5000"); r.Status != Warn {
		t.Errorf("a client with ready count 0 is %v, want Warn", r.Status)
	}
	b, _ := json.Marshal(clients.Data)
	if !strings.Contains(string(b), `"connected_at":null,"pub_counts":[],"connected_for":null`) || !strings.Contains(string(b), `"connected_for":300`) {
		t.Errorf("clients JSON: %s", b)
	}
	m := marshal(t, p)
	var ch map[string]json.RawMessage
	json.Unmarshal(m["channel"], &ch)
	if string(ch["out_rate"]) != "null" || string(ch["drain_never"]) != "true" || string(ch["paused_on"]) != `["10.0.0.5:4151"]` {
		t.Errorf("channel JSON: %s", m["channel"])
	}
	consumers := func(p Page) (got []Field) {
		for _, f := range p.Fields {
			if f.Label == "consumers" {
				got = append(got, f)
			}
		}
		return got
	}
	if fs := consumers(p); len(fs) != 0 {
		t.Errorf("a channel with a ready client has consumer findings %+v", fs)
	}
	// Every client at ready count 0: connected, taking nothing.
	d.Detail.(*sources.NSQChannelDetail).Clients[0].ReadyCount = 0
	if fs := consumers(buildPageOf(t, nsqChannelPage(), d, "orders/archive")); len(fs) != 1 || !strings.Contains(fs[0].Value, "2 clients connected, none ready") || fs[0].Status != Normal {
		t.Errorf("consumer findings %+v, want one note (no depth waits on their node) that none of 2 clients is ready", fs)
	}
	// Before the answer: the clients section says it is loading.
	d.Detail = nil
	if s := buildPageOf(t, nsqChannelPage(), d, "orders/archive").Sections[1]; s.Err == nil {
		t.Error("clients before the answer came")
	}
	if nsqChannelPage().Fetch("orders") != nil {
		t.Error("a channel page of no TOPIC/CHANNEL asks the cluster")
	}
}

// TestNSQNodePage: identity, state, the lookupds that know it and the ones
// that do not, its topics and channels, memory and producers once it answered.
func TestNSQNodePage(t *testing.T) {
	d := nsqCluster()
	p := buildPageOf(t, nsqNodePage(), d, nodeA)
	m := marshal(t, p)
	if string(m["node"]) == "" || strings.Contains(string(m["node"]), `"topics"`) || !strings.Contains(string(m["node"]), `"memory":null`) {
		t.Errorf("node JSON before the answer: %s", m["node"])
	}
	d.Detail = &sources.NSQNodeDetail{Node: nodeA,
		Memory:    &sources.NSQMemory{HeapInUseBytes: 3 << 20, HeapObjects: 1200, NextGCBytes: 8 << 20, GCPause99: 300 * time.Microsecond, GCPause100: 2 * time.Millisecond, GCTotalRuns: 42},
		Producers: []sources.NSQClient{{Node: nodeA, Hostname: "api-1", RemoteAddress: "10.2.0.1:6000", PubCounts: []sources.NSQPubCount{{Topic: "orders", Count: 120}}}}}
	p = buildPageOf(t, nsqNodePage(), d, nodeA)
	var fields []string
	for _, f := range p.Fields {
		fields = append(fields, f.Label+" "+f.Value)
	}
	all := strings.Join(fields, "\n")
	for _, want := range []string{"10.0.0.5:4151 · hostname nsq-a", "1.3.0 · started 2026-11-24 11:00:00 (1h0m ago)", "state up · health OK",
		"known to 1/2: http://10.0.0.9:4161 · not to http://10.0.0.10:4161 (down)", "heap in use 3.0 MiB", "42 runs · pauses p95 0µs · p99 300µs · max 2.0ms", "1 · 1 channels"} {
		if !strings.Contains(all, want) {
			t.Errorf("summary lacks %q:\n%s", want, all)
		}
	}
	out := tableText(t, sectionOf(t, p, "producers").Table)
	if !strings.Contains(out, "orders 120") || !strings.Contains(out, "api-1") {
		t.Errorf("producers:\n%s", out)
	}
	ch := sectionOf(t, p, "channels")
	if r := row(t, ch.Table, "orders/archive"); r.Status != Muted {
		t.Errorf("a channel paused on this node is %v", r.Status)
	}
	m = marshal(t, p)
	if !strings.Contains(string(m["node"]), `"heap_in_use_bytes":3145728`) || !strings.Contains(string(m["node"]), `"gc_pause_99":0.0003`) {
		t.Errorf("node JSON: %s", m["node"])
	}
	if _, _, err := nsqNodePage().Build(d, "nowhere:1"); err == nil || !strings.Contains(err.Error(), `"nowhere:1" not found`) {
		t.Errorf("a page of no node: %v", err)
	}
}

// TestTopicResolvesToTheConfiguredSystem: "topic" and "topics" are both
// systems' views; with only NSQ configured they are NSQ's.
func TestTopicResolvesToTheConfiguredSystem(t *testing.T) {
	only := func(s sources.System) func(sources.System) bool { return func(x sources.System) bool { return x == s } }
	both := func(sources.System) bool { return true }
	for _, tc := range []struct {
		words      []string
		configured func(sources.System) bool
		want       sources.System
		err        string
	}{
		{[]string{"topic", "orders"}, only(sources.NSQ), sources.NSQ, ""},
		{[]string{"topic", "orders"}, only(sources.Kafka), sources.Kafka, ""},
		{[]string{"topic", "orders"}, both, "", `"topic" exists for kafka and nsq`},
		{[]string{"nsq", "topic", "orders"}, both, sources.NSQ, ""},
		{[]string{"channel", "orders/archive"}, both, sources.NSQ, ""},
		{[]string{"node", nodeA}, both, sources.NSQ, ""},
	} {
		got, err := Lookup(All(), "get ", tc.words, tc.configured, "")
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: %v, want %q", tc.words, err, tc.err)
			}
		case err != nil || got.View.System != tc.want || !got.View.IsPage():
			t.Errorf("%v: %+v %v, want the %s page", tc.words, got, err, tc.want)
		}
	}
}
