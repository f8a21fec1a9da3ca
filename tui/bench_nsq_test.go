package tui

import (
	"fmt"
	"runtime"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
)

// hugeNSQ is 100 nsqd × 100 topics × 3 channels: every node carries every
// topic, so 30,000 channels on the nodes merge into 300.
func hugeNSQ() *sources.NSQSnapshot {
	const nodes, topics, channels = 100, 100, 3
	s := &sources.NSQSnapshot{Meta: sources.Meta{Seq: 1, Taken: t0, LastOK: t0},
		Lookupds: []sources.Lookupd{{Addr: "http://10.0.0.9:4161", Up: true, Nodes: nodes, Topics: topics}}}
	var names []string
	for n := range nodes {
		names = append(names, fmt.Sprintf("10.0.%d.%d:4151", n/250, n%250))
	}
	for n, addr := range names {
		node := sources.NSQNode{Addr: addr, Hostname: fmt.Sprintf("nsq-%03d", n), Up: true, Health: "OK", Version: "1.3.0", Lookupds: []string{"http://10.0.0.9:4161"}}
		for t := range topics {
			ts := sources.NSQTopicStats{Name: fmt.Sprintf("topic-%03d", t), Depth: int64(t), Messages: uint64(n * t), In: 1.5}
			for c := range channels {
				ts.Channels = append(ts.Channels, sources.NSQChannelStats{Name: fmt.Sprintf("channel-%d", c), Depth: int64(c), Messages: uint64(n * t), Clients: 1, In: 1.5, Out: 1.5})
			}
			node.Topics = append(node.Topics, ts)
		}
		s.Nodes = append(s.Nodes, node)
	}
	trend := func() []int64 { return []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10} }
	rates := func() []float64 { return []float64{150, 151, 149, 150, 150, 152, 150, 148, 150, 150} }
	for t := range topics {
		tp := sources.NSQTopic{Name: fmt.Sprintf("topic-%03d", t), Depth: int64(t * nodes), Messages: uint64(t * nodes * 50), In: 150, Ins: rates(), Depths: trend(), Nodes: names}
		for c := range channels {
			tp.Channels = append(tp.Channels, sources.NSQChannel{Topic: tp.Name, Name: fmt.Sprintf("channel-%d", c), Depth: int64(c * nodes),
				Messages: uint64(t * nodes * 50), Clients: nodes, In: 150, Out: 150, Outs: rates(), Depths: trend(), Drain: sources.CatchUpSteady, Nodes: names})
		}
		s.Topics = append(s.Topics, tp)
	}
	return s
}

// BenchmarkHugeNSQ: the dashboard at issue 7's size: taking in a poll, a
// frame of the topics and channels panes, a filter keystroke.
func BenchmarkHugeNSQ(b *testing.B) {
	snap := hugeNSQ()
	setup := func(b *testing.B, pane string) *harness {
		h := newHarness(b, 160, 50, nil)
		h.m.Update(snapshotMsg{1, h.nsq, snap})
		h.m.Update(keyPress(pane))
		return h
	}
	b.Run("apply", func(b *testing.B) {
		h := setup(b, "5")
		var ms runtime.MemStats
		for b.Loop() {
			h.m.Update(snapshotMsg{1, h.nsq, snap})
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
	})
	for _, pane := range []struct{ name, key string }{{"topics-view", "5"}, {"channels-view", "6"}, {"nodes-view", "4"}} {
		b.Run(pane.name, func(b *testing.B) {
			h := setup(b, pane.key)
			for b.Loop() {
				_ = h.m.View()
			}
		})
	}
	b.Run("filter-keystroke", func(b *testing.B) {
		h := setup(b, "6")
		h.m.Update(keyPress("/"))
		keys := []tea.KeyPressMsg{{Code: '7', Text: "7"}, {Code: tea.KeyBackspace}}
		for i := 0; b.Loop(); i++ {
			h.m.Update(keys[i%2])
			_ = h.m.View()
		}
	})
}
