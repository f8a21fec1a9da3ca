package main

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/demo"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
	"github.com/topicat/topicat/tui"
)

// TestDemoContexts: the demo's :ctx offers "demo" (its own clusters, noted
// as such, open at start) and the config file's contexts; "demo" opens the
// embedded clusters again, a config context opens its cluster with the
// run's --read-only, and a config context also named demo is offered as
// "demo (config)" on its own cluster, not passed off as the embedded one.
func TestDemoContexts(t *testing.T) {
	other, clash := kafkatest.NewCluster(t), kafkatest.NewCluster(t)
	other.CreateTopics(1, 1, "other-topic")
	clash.CreateTopics(1, 1, "clash-topic")
	cfg := writeConfig(t, `current-context: other
contexts:
  other:
    kafka: {brokers: [`+strings.Join(other.Addrs(), ", ")+`]}
  demo:
    kafka: {brokers: [`+strings.Join(clash.Addrs(), ", ")+`]}
`)
	d := &deps{env: func(string) string { return "" }}
	root := newRootCmd(d)
	if err := root.ParseFlags([]string{"--config", cfg, "--read-only", "--refresh", "200ms"}); err != nil {
		t.Fatal(err)
	}
	s, c, err := demoBase(&d.cluster, d.env)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := demo.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dc.Close)
	s, msg := demoContexts(s, dc.Addrs(), c, d.reopener(root))
	o, err := dashboardOptions(t.Context(), s, msg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	if want := []string{"demo", "demo (config)", "other"}; !slices.Equal(o.Contexts, want) || o.Current != "demo" || o.Context != "demo" {
		t.Fatalf("contexts %q current %q label %q, want %q current demo", o.Contexts, o.Current, o.Context, want)
	}
	if o.ContextNotes["demo"] == "" || !strings.Contains(o.Message, "demo (config)") {
		t.Fatalf("notes %q message %q", o.ContextNotes, o.Message)
	}
	waitTopics(t, o.Kafka, "orders", "payments")

	for _, c := range []struct {
		name, label, topic string
		brokers            []string
	}{
		{"other", "other", "other-topic", other.Addrs()},
		{"demo (config)", "demo (config)", "clash-topic", clash.Addrs()},
		{"demo", "demo", "orders", dc.Addrs().Brokers},
	} {
		sess := openContext(t, o, c.name)
		// Only the demo has NSQ: nothing of it stays on a Kafka-only context.
		if sess.Label != c.label || !sess.ReadOnly || (sess.NSQ != nil) != (c.name == "demo") {
			t.Fatalf("%s: %+v", c.name, sess)
		}
		k := waitTopics(t, sess.Kafka, c.topic)
		var got []string
		for _, b := range k.Brokers {
			got = append(got, net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))))
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(c.brokers))
		if !slices.Equal(got, want) {
			t.Fatalf("%s: brokers %q, want %q", c.name, got, want)
		}
	}
}

func openContext(t *testing.T, o tui.Options, name string) *tui.Session {
	t.Helper()
	sess, err := o.OpenContext(t.Context(), name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(sess.Close)
	return sess
}

// waitTopics reads src's snapshots until one lists every topic.
func waitTopics(t *testing.T, src sources.Source, topics ...string) *sources.KafkaSnapshot {
	t.Helper()
	deadline := time.After(30 * time.Second) // only bounds a hang
	var last sources.Snapshot
	for {
		select {
		case snap := <-src.Updates():
			last = snap
			k, _ := snap.(*sources.KafkaSnapshot)
			if k != nil && allTopics(k, topics) {
				return k
			}
		case <-deadline:
			t.Fatalf("no snapshot with %q; last %+v", topics, last)
		}
	}
}

func allTopics(k *sources.KafkaSnapshot, want []string) bool {
	for _, w := range want {
		if !slices.ContainsFunc(k.Topics, func(t sources.Topic) bool { return t.Name == w }) {
			return false
		}
	}
	return true
}
