package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources/kafka/kafkatest"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// TestCompletionClusterNames: a topic's or group's place completes from a
// poll of the cluster the line (or the current context) names.
func TestCompletionClusterNames(t *testing.T) {
	k := kafkatest.NewCluster(t)
	k.CreateTopics(1, 1, "orders", "audit")
	k.Produce("orders", 3)
	k.Commit("billing", map[string]map[int32]int64{"orders": {0: 1}})
	brokers := strings.Join(k.Addrs(), ",")

	n := nsqtest.NewCluster(t, 1, 1)
	n.CreateTopic(0, "events")
	n.WaitTopic("events", 0)
	lookupd := n.LookupdURLs()[0]

	cfg := filepath.Join(t.TempDir(), "config.yaml")
	body := "current-context: local\ncontexts:\n  local:\n    kafka:\n      brokers: [" + brokers + "]\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	withContext := map[string]string{"TOPICAT_CONFIG": cfg}

	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
		not  []string
	}{
		{"tail: systems and topics", nil, []string{"tail", "-b", brokers, "--lookupd", lookupd, ""}, []string{"kafka", "nsq", "orders", "audit", "events"}, []string{"billing"}},
		{"tail: prefix", nil, []string{"tail", "-b", brokers, "o"}, []string{"orders"}, []string{"audit", "kafka"}},
		{"tail nsq: its topics", nil, []string{"tail", "nsq", "-b", brokers, "--lookupd", lookupd, ""}, []string{"events"}, []string{"orders", "kafka"}},
		{"tail: current context", withContext, []string{"tail", ""}, []string{"orders", "audit"}, nil},
		{"tail: after the topic", nil, []string{"tail", "-b", brokers, "orders", ""}, nil, nil},
		{"produce kafka", nil, []string{"produce", "kafka", "-b", brokers, "a"}, []string{"audit"}, []string{"orders"}},
		{"get topic", nil, []string{"get", "topic", "-b", brokers, ""}, []string{"orders", "audit"}, []string{"billing"}},
		{"get partitions: Kafka only", nil, []string{"get", "partitions", "-b", brokers, "--lookupd", lookupd, ""}, []string{"orders"}, []string{"events"}},
		{"get channels: NSQ only", nil, []string{"get", "channels", "-b", brokers, "--lookupd", lookupd, ""}, []string{"events"}, []string{"orders"}},
		{"get group", nil, []string{"get", "group", "-b", brokers, ""}, []string{"billing"}, []string{"orders"}},
		{"get kafka group", nil, []string{"get", "kafka", "group", "-b", brokers, "b"}, []string{"billing"}, nil},
		{"get brokers takes no name", nil, []string{"get", "brokers", "-b", brokers, ""}, nil, nil},
		{"no cluster: systems only", nil, []string{"tail", ""}, []string{"kafka", "nsq"}, []string{"orders"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, directive := complete(t, tc.env, tc.args...)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("choices %q lack %q", got, w)
				}
			}
			for _, w := range tc.not {
				if slices.Contains(got, w) {
					t.Errorf("choices %q include %q", got, w)
				}
			}
			if len(tc.want) == 0 && len(got) != 0 {
				t.Errorf("want no choices, got %q", got)
			}
			if directive != ":4" {
				t.Errorf("directive %s, want :4 (no file completion)", directive)
			}
		})
	}
}

// An unreachable cluster gives no names rather than an error or a hang past
// the poll's cap (the cap itself is the --timeout machinery's, tested there).
func TestCompletionUnreachableCluster(t *testing.T) {
	got, directive := complete(t, nil, "tail", "-b", "127.0.0.1:1", "--timeout", "50ms", "")
	if !slices.Equal(got, []string{"kafka", "nsq"}) || directive != ":4" {
		t.Fatalf("got %q %s, want the systems only", got, directive)
	}
}
