package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
	"github.com/topicat/topicat/themes"
	"github.com/topicat/topicat/tui"
)

// soakScreen is the dashboard as the last frame showed it, plain text,
// kept by a tea filter on the program's own goroutine.
type soakScreen struct {
	mu   sync.Mutex
	text string
}

func (s *soakScreen) filter(m tea.Model, msg tea.Msg) tea.Msg {
	v := ansi.Strip(m.View().Content)
	s.mu.Lock()
	s.text = v
	s.mu.Unlock()
	return msg
}

func (s *soakScreen) get() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.text
}

// TestSoak runs the dashboard in-process on a kfake cluster and an
// in-process NSQ cluster (two lookupds, two nsqd) while brokers, nsqd and a
// lookupd are failed and restored, cycle after cycle, with the panes
// switched under it and --log-file's logger on. It proves: no panic, every
// fault is seen and every recovery picked up without a restart, every pane
// shows the recovered state at the end, the heap comes back near where it
// was once warm, and once the dashboard quit its goroutines are gone.
//
// Skipped under -short. The default is a bounded run for CI (8 cycles, well
// under a minute); TOPICAT_SOAK_CYCLES=N runs N cycles, for hours if asked.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test: skipped under -short")
	}
	cycles := 8
	if v := os.Getenv("TOPICAT_SOAK_CYCLES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("TOPICAT_SOAK_CYCLES=%q: want a number of cycles", v)
		}
		cycles = n
	}

	k := kafkatest.NewCluster(t)
	k.CreateTopics(3, 3, "orders")
	k.Produce("orders", 60)
	n := nsqtest.NewCluster(t, 2, 2, nsqtest.NoE2E())
	for i := range 2 {
		n.CreateChannel(i, "events", "archive")
		n.Publish(i, "events", "a", "b")
	}
	n.WaitTopic("events", 0, 1)

	// The helpers' own goroutines start before the baseline: kafkatest's
	// control (and its forwarding client) at the first BrokerDown.
	k.BrokerDown(0)
	k.BrokerUp(0)
	settleGoroutines := func() int {
		// The test's HTTP client is the cluster's, not the dashboard's: its
		// idle keep-alive connections are not the dashboard's to close.
		n.HTTPClient().CloseIdleConnections()
		runtime.GC()
		time.Sleep(50 * time.Millisecond)
		return runtime.NumGoroutine()
	}
	before := settleGoroutines()
	beforeBy := goroutinesByCreator()

	logPath := filepath.Join(t.TempDir(), "soak.log")
	lg, err := openActionLog(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var polls atomic.Int64
	ctx, cancel := context.WithCancel(withActionLog(t.Context(), lg))
	ctx = sources.WithObserver(ctx, &sources.Observer{Polled: func(sources.Snapshot, error, time.Duration) { polls.Add(1) }})

	// Two contexts: "soak-one" on both clusters, "soak-two" on Kafka only.
	// Their sessions are built as buildSource builds sources, but NSQ on
	// the cluster's own HTTP client: it cuts a stopped node's keep-alive
	// connections, which an in-process nsqd would otherwise go on answering.
	const refresh = 100 * time.Millisecond
	var sessions sync.WaitGroup // every session's sources, until closed
	open := func(ctx context.Context, name string) (*tui.Session, error) {
		s := settings{Context: name, Brokers: k.Addrs(), Refresh: refresh, Timeout: time.Second}
		if name == "soak-one" {
			s.Lookupd = n.LookupdURLs()
		}
		ks, err := kafka.New(kafka.Config{Brokers: s.Brokers, Interval: refresh, Timeout: s.Timeout})
		if err != nil {
			return nil, err
		}
		bs := []built{observe(built{src: ks, run: ks.Run, close: ks.Close}, s, sources.Kafka)}
		sess := &tui.Session{Label: name, Kafka: bs[0].src}
		if len(s.Lookupd) > 0 {
			ns, err := nsq.New(nsq.Config{Lookupds: s.Lookupd, Interval: refresh, Timeout: s.Timeout, HTTPClient: n.HTTPClient()})
			if err != nil {
				return nil, err
			}
			bs = append(bs, observe(built{src: ns, run: ns.Run, close: func() {}}, s, sources.NSQ))
			sess.NSQ = bs[1].src
		}
		ctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for _, b := range bs {
			wg.Go(func() { b.run(ctx) })
		}
		sessions.Add(1)
		var once sync.Once
		sess.Close = func() {
			once.Do(func() {
				stop()
				wg.Wait()
				for _, b := range bs {
					b.close()
				}
				sessions.Done()
			})
		}
		return sess, nil
	}
	first, err := open(ctx, "soak-one")
	if err != nil {
		t.Fatal(err)
	}
	palette, err := themes.Load(themes.Default)
	if err != nil {
		t.Fatal(err)
	}
	keys, typing := io.Pipe()
	screen := &soakScreen{}
	uiDone := make(chan error, 1)
	go func() {
		uiDone <- tui.Run(ctx, tui.Options{
			Context: first.Label, Palette: palette, Kafka: first.Kafka, NSQ: first.NSQ, Close: first.Close,
			Contexts: []string{"soak-one", "soak-two"}, Current: "soak-one", OpenContext: open,
		}, tea.WithInput(keys), tea.WithOutput(io.Discard), tea.WithWindowSize(160, 50), tea.WithFilter(screen.filter),
			tea.WithoutSignalHandler())
	}()
	// The UI's end is read once, by press when it ends under the soak or by stop.
	var uiErr error
	uiEnded := false
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		typing.Close()
		keys.Close()
		if !uiEnded {
			uiErr, uiEnded = <-uiDone, true
			if uiErr != nil {
				t.Errorf("the dashboard ended with %v", uiErr)
			}
		}
		first.Close()
		sessions.Wait() // the UI closes every session it switched away from, and the last one
	}
	t.Cleanup(stop)

	press := func(key string) {
		t.Helper()
		wrote := make(chan error, 1)
		go func() { _, err := io.WriteString(typing, key); wrote <- err }()
		select {
		case err := <-wrote:
			if err != nil {
				t.Fatalf("key %q: %v", key, err)
			}
		case uiErr = <-uiDone:
			uiEnded = true
			t.Fatalf("the dashboard ended under the soak: %v", uiErr)
		}
	}
	// waitPane shows pane key and waits until its screen holds every want,
	// one of oneOf (when given), and none of not.
	waitPane := func(what, key string, want, oneOf, not []string) {
		t.Helper()
		deadline := time.Now().Add(40 * time.Second) // only bounds a hang
		for {
			press(key)
			time.Sleep(refresh)
			text := screen.get()
			ok := len(oneOf) == 0
			for _, w := range oneOf {
				ok = ok || strings.Contains(text, w)
			}
			for _, w := range want {
				ok = ok && strings.Contains(text, w)
			}
			for _, w := range not {
				ok = ok && !strings.Contains(text, w)
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: pane %s never showed all of %q, one of %q, none of %q:\n%s", what, key, want, oneOf, not, text)
			}
		}
	}
	healthy := func(what string) {
		t.Helper()
		t.Logf("%s: waiting for every pane to recover (%d polls so far)", what, polls.Load())
		waitPane(what, "1", []string{"Brokers", "up"}, nil, []string{"DOWN"})
		waitPane(what, "2", []string{"orders"}, nil, []string{"(partial)", "DOWN"})
		waitPane(what, "3", nil, nil, []string{"DOWN"})
		waitPane(what, "4", []string{n.HTTPAddr(0), n.HTTPAddr(1), "up"}, nil, []string{"DOWN", "gone"})
		waitPane(what, "5", []string{"events"}, nil, []string{"(partial)"})
		waitPane(what, "6", []string{"archive"}, nil, []string{"(partial)"})
		waitPane(what, "7", nil, nil, nil)
	}

	healthy("at start")
	var warm runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&warm)

	for c := range cycles {
		// Away to the other context and back, the old session's sources
		// stopped each time.
		press(":ctx soak-two\r")
		waitPane(fmt.Sprintf("cycle %d, on soak-two", c), "1", []string{"soak-two", "up"}, nil, []string{"soak-one"})
		press(":ctx soak-one\r")
		waitPane(fmt.Sprintf("cycle %d, back on soak-one", c), "4", []string{"soak-one", n.HTTPAddr(0), n.HTTPAddr(1)}, nil, nil)

		broker := int32(c % 3)
		node := c % 2
		k.BrokerDown(broker)
		if c%2 == 0 {
			n.HaltNSQD(node) // gone from the network, still listed by the lookupds
		} else {
			n.StopNSQD(node)
		}
		if c == 0 {
			// Once only: a restarted lookupd learns the nodes at their
			// next heartbeat, 15s later, and the last check waits for it.
			n.StopLookupd(0)
		}
		waitPane(fmt.Sprintf("cycle %d, broker %d down", c, broker), "1", []string{"DOWN"}, nil, nil)
		waitPane(fmt.Sprintf("cycle %d, nsqd %d down", c, node), "4", nil, []string{"DOWN", "gone"}, nil)
		k.BrokerUp(broker)
		n.RestartNSQD(node)
		if c == 0 {
			n.RestartLookupd(0)
		}
		healthy(fmt.Sprintf("cycle %d, restored", c))
	}
	// The lookupd that came back lists the nodes again.
	n.WaitLookupds("the restarted lookupd to list both nodes", func(ps []nsqtest.Producer) bool { return len(ps) == 2 })
	healthy("at the end")
	if p := polls.Load(); p < int64(10*cycles) {
		t.Errorf("only %d polls in %d cycles", p, cycles)
	}

	var end runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&end)
	if limit := warm.HeapAlloc*3/2 + 16<<20; end.HeapAlloc > limit {
		t.Errorf("heap %d MB after %d cycles, %d MB once warm (limit %d MB)", end.HeapAlloc>>20, cycles, warm.HeapAlloc>>20, limit>>20)
	}

	stop()
	lg.close()
	recs, raw := readLog(t, logPath)
	for _, msg := range []string{"endpoint failing", "endpoint recovered"} {
		if len(findRecords(recs, msg, "")) == 0 {
			t.Errorf("no %q in the log:\n%.2000s", msg, raw)
		}
	}

	// Every goroutine the dashboard started has ended: the sources' loops
	// and polls, the UI's commands, the clients' connections.
	deadline := time.Now().Add(20 * time.Second) // only bounds a hang
	for {
		now := settleGoroutines()
		if now <= before+5 {
			break
		}
		if time.Now().After(deadline) {
			var more []string
			for creator, n := range goroutinesByCreator() {
				if n > beforeBy[creator] {
					more = append(more, fmt.Sprintf("%d more created by %s", n-beforeBy[creator], creator))
				}
			}
			t.Fatalf("%d goroutines before the dashboard, %d after it quit:\n%s", before, now, strings.Join(more, "\n"))
		}
	}
}

// goroutinesByCreator counts the live goroutines by the function that
// started them, to name what a leak is made of.
func goroutinesByCreator() map[string]int {
	buf := make([]byte, 4<<20)
	out := map[string]int{}
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		creator := "main"
		if _, after, ok := strings.Cut(g, "\ncreated by "); ok {
			creator, _, _ = strings.Cut(after, "\n")
			creator, _, _ = strings.Cut(creator, " in goroutine")
		}
		out[creator]++
	}
	return out
}
