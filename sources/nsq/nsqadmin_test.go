package nsq_test

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nsqio/nsq/nsqadmin"

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
	Paused       bool           `json:"paused"`
	Channels     []adminChannel `json:"channels"`
	Message      string         `json:"message"`
}

type adminChannel struct {
	ChannelName   string `json:"channel_name"`
	Depth         int64  `json:"depth"`
	MemoryDepth   int64  `json:"memory_depth"`
	BackendDepth  int64  `json:"backend_depth"`
	InFlightCount int64  `json:"in_flight_count"`
	DeferredCount int64  `json:"deferred_count"`
	RequeueCount  int64  `json:"requeue_count"`
	TimeoutCount  int64  `json:"timeout_count"`
	MessageCount  int64  `json:"message_count"`
	ClientCount   int    `json:"client_count"`
	Paused        bool   `json:"paused"`
	Message       string `json:"message"`
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

// Topic and channel totals equal what nsqadmin itself shows for the same cluster.
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
		if tp.Depth != at.Depth || tp.BackendDepth != at.BackendDepth || tp.Depth-tp.BackendDepth != at.MemoryDepth ||
			int64(tp.Messages) != at.MessageCount || tp.Paused != at.Paused || len(tp.Channels) != len(at.Channels) {
			t.Errorf("topic %s: topicat depth %d backend %d messages %d paused %v channels %d; nsqadmin %+v",
				tp.Name, tp.Depth, tp.BackendDepth, tp.Messages, tp.Paused, len(tp.Channels), at)
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
				int64(ch.Messages) != ac.MessageCount || ch.Clients != ac.ClientCount || ch.Paused != ac.Paused {
				t.Errorf("channel %s/%s: topicat %+v; nsqadmin %+v", tp.Name, ch.Name, ch, ac)
			}
			checked++
		}
	}
	if checked != 4 {
		t.Errorf("compared %d channels, want 4", checked)
	}
}
