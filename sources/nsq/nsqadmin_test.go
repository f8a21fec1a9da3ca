package nsq_test

import (
	"encoding/json"
	"io"
	"log"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/nsqio/nsq/nsqadmin"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
)

// startNSQAdmin runs nsqadmin in-process against the given lookupds.
func startNSQAdmin(t testing.TB, lookupdURLs []string) string {
	t.Helper()
	opts := nsqadmin.NewOptions()
	opts.HTTPAddress = "127.0.0.1:0"
	opts.Logger = log.New(io.Discard, "", 0)
	for _, u := range lookupdURLs {
		opts.NSQLookupdHTTPAddresses = append(opts.NSQLookupdHTTPAddresses, strings.TrimPrefix(u, "http://"))
	}
	a, err := nsqadmin.New(opts)
	if err != nil {
		t.Fatalf("start nsqadmin: %v", err)
	}
	go a.Main()
	t.Cleanup(a.Exit)
	return "http://" + a.RealHTTPAddr().String()
}

// The /api shapes, as internal/clusterinfo encodes them.
type adminTopic struct {
	TopicName    string         `json:"topic_name"`
	Depth        int64          `json:"depth"`
	MemoryDepth  int64          `json:"memory_depth"`
	BackendDepth int64          `json:"backend_depth"`
	MessageCount int64          `json:"message_count"`
	Paused       bool           `json:"paused"` // on any node
	Channels     []adminChannel `json:"channels"`
	Nodes        []adminTopic   `json:"nodes"`
	Node         string         `json:"node"` // broadcast_address:http_port; "*" for the total
	E2E          *adminE2E      `json:"e2e_processing_latency"`
	Message      string         `json:"message"`
}

// adminE2E is nsqadmin's count-weighted average of the nodes' percentiles.
type adminE2E struct {
	Count       int                  `json:"count"`
	Percentiles []map[string]float64 `json:"percentiles"`
}

type adminChannel struct {
	ChannelName   string         `json:"channel_name"`
	Depth         int64          `json:"depth"`
	MemoryDepth   int64          `json:"memory_depth"`
	BackendDepth  int64          `json:"backend_depth"`
	InFlightCount int64          `json:"in_flight_count"`
	DeferredCount int64          `json:"deferred_count"`
	RequeueCount  int64          `json:"requeue_count"`
	TimeoutCount  int64          `json:"timeout_count"`
	MessageCount  int64          `json:"message_count"`
	ClientCount   int            `json:"client_count"`
	Paused        bool           `json:"paused"` // on any node
	Nodes         []adminChannel `json:"nodes"`
	Node          string         `json:"node"`
	E2E           *adminE2E      `json:"e2e_processing_latency"`
	Message       string         `json:"message"`
}

// pausedOn lists the nodes nsqadmin shows paused, by address.
func pausedOn[T any](nodes []T, node func(T) (string, bool)) []string {
	var out []string
	for _, n := range nodes {
		if addr, paused := node(n); paused {
			out = append(out, addr)
		}
	}
	slices.SortFunc(out, byAddr)
	return out
}

// checkE2E compares merged percentiles with nsqadmin's average: none where
// no node sampled any (nsqadmin then shows 0s), else equal to the nanosecond.
func checkE2E(t *testing.T, what string, got []sources.Percentile, want *adminE2E) {
	t.Helper()
	if want == nil || want.Count == 0 {
		if len(got) != 0 {
			t.Errorf("%s E2E %v, nsqadmin has no samples", what, got)
		}
		return
	}
	if len(got) != len(want.Percentiles) {
		t.Errorf("%s E2E %v, nsqadmin %v", what, got, want.Percentiles)
		return
	}
	for _, wp := range want.Percentiles {
		i := slices.IndexFunc(got, func(p sources.Percentile) bool { return p.Quantile == wp["quantile"] })
		if i < 0 || math.Abs(float64(got[i].Value)-wp["average"]) >= 1 {
			t.Errorf("%s E2E %v, nsqadmin %v", what, got, want.Percentiles)
		}
	}
}

func adminGet(t testing.TB, base, path string, v any) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatalf("nsqadmin %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("nsqadmin %s: HTTP %d: %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("nsqadmin %s: %v", path, err)
	}
}

// Topic and channel totals, per-node rows, pause and E2E equal what
// nsqadmin itself shows for the same cluster, in which orders/audit is
// paused on one node of three (nsqadmin: paused; topicat: paused on 1 of 3).
func TestMatchesNSQAdmin(t *testing.T) {
	sc := newScenario(t)
	admin := startNSQAdmin(t, sc.c.LookupdURLs())
	snap := poll(t, newSource(t, sc.c, nsq.Config{Lookupds: sc.c.LookupdURLs()}))
	if len(snap.Topics) != 3 {
		t.Fatalf("topics %v", topicNames(snap))
	}
	checked := 0
	for _, tp := range snap.Topics {
		var at adminTopic
		adminGet(t, admin, "/api/topics/"+url.PathEscape(tp.Name), &at)
		if at.Message != "" {
			t.Errorf("nsqadmin warns for %s: %s", tp.Name, at.Message)
		}
		atPausedOn := pausedOn(at.Nodes, func(n adminTopic) (string, bool) { return n.Node, n.Paused })
		if tp.Depth != at.Depth || tp.BackendDepth != at.BackendDepth || tp.Depth-tp.BackendDepth != at.MemoryDepth ||
			int64(tp.Messages) != at.MessageCount || (len(tp.PausedOn) > 0) != at.Paused || !slices.Equal(tp.PausedOn, atPausedOn) ||
			len(tp.Channels) != len(at.Channels) || len(tp.Nodes) != len(at.Nodes) {
			t.Errorf("topic %s: topicat depth %d backend %d messages %d paused %v channels %d; nsqadmin %+v",
				tp.Name, tp.Depth, tp.BackendDepth, tp.Messages, tp.Paused, len(tp.Channels), at)
		}
		checkE2E(t, "topic "+tp.Name, tp.E2E, at.E2E)
		for _, an := range at.Nodes {
			n := findNode(t, snap, an.Node)
			nt, _ := nodeTopic(n, tp.Name)
			if nt.Depth != an.Depth || nt.BackendDepth != an.BackendDepth || int64(nt.Messages) != an.MessageCount || nt.Paused != an.Paused {
				t.Errorf("topic %s on %s: topicat %+v; nsqadmin %+v", tp.Name, an.Node, nt, an)
			}
		}
		var inFlight, deferred int64
		for _, ac := range at.Channels {
			inFlight += ac.InFlightCount
			deferred += ac.DeferredCount
		}
		if tp.InFlight != inFlight || tp.Deferred != deferred {
			t.Errorf("topic %s: in-flight %d deferred %d, nsqadmin's channels sum to %d and %d", tp.Name, tp.InFlight, tp.Deferred, inFlight, deferred)
		}
		for _, ch := range tp.Channels {
			var ac adminChannel
			adminGet(t, admin, "/api/topics/"+url.PathEscape(tp.Name)+"/"+url.PathEscape(ch.Name), &ac)
			if ch.Depth != ac.Depth || ch.BackendDepth != ac.BackendDepth || ch.Depth-ch.BackendDepth != ac.MemoryDepth ||
				ch.InFlight != ac.InFlightCount || ch.Deferred != ac.DeferredCount ||
				int64(ch.Requeued) != ac.RequeueCount || int64(ch.TimedOut) != ac.TimeoutCount ||
				int64(ch.Messages) != ac.MessageCount || ch.Clients != ac.ClientCount ||
				(len(ch.PausedOn) > 0) != ac.Paused || len(ch.Nodes) != len(ac.Nodes) ||
				!slices.Equal(ch.PausedOn, pausedOn(ac.Nodes, func(n adminChannel) (string, bool) { return n.Node, n.Paused })) {
				t.Errorf("channel %s/%s: topicat %+v; nsqadmin %+v", tp.Name, ch.Name, ch, ac)
			}
			checkE2E(t, "channel "+tp.Name+"/"+ch.Name, ch.E2E, ac.E2E)
			for _, an := range ac.Nodes {
				nc, _ := nodeChannel(findNode(t, snap, an.Node), tp.Name, ch.Name)
				if nc.Depth != an.Depth || nc.BackendDepth != an.BackendDepth || nc.InFlight != an.InFlightCount || nc.Deferred != an.DeferredCount ||
					int64(nc.Messages) != an.MessageCount || int64(nc.Requeued) != an.RequeueCount || int64(nc.TimedOut) != an.TimeoutCount ||
					nc.Clients != an.ClientCount || nc.Paused != an.Paused {
					t.Errorf("channel %s/%s on %s: topicat %+v; nsqadmin %+v", tp.Name, ch.Name, an.Node, nc, an)
				}
			}
			checked++
		}
	}
	if checked != 4 {
		t.Errorf("compared %d channels, want 4", checked)
	}
	// The case nsqadmin gets wrong, told right.
	audit := findChannel(t, findTopic(t, snap, "orders"), "audit")
	if audit.Paused || !slices.Equal(audit.PausedOn, []string{sc.c.HTTPAddr(1)}) || len(audit.Nodes) != 3 {
		t.Errorf("orders/audit paused %v on %v of %v, want paused on node 1 only", audit.Paused, audit.PausedOn, audit.Nodes)
	}
	// billing's consumer finished messages: there are samples to compare.
	if billing := findChannel(t, findTopic(t, snap, "orders"), "billing"); len(billing.E2E) != 2 {
		t.Errorf("orders/billing E2E %v, want the two percentiles nsqd computes here", billing.E2E)
	}
}
