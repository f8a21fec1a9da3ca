package tui

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/actions"
	"github.com/topicat/topicat/tui/message"
	"github.com/topicat/topicat/tui/page"
	"github.com/topicat/topicat/tui/produce"
	"github.com/topicat/topicat/tui/screen"
	"github.com/topicat/topicat/tui/tail"
)

func rec(p int32, off int64, key, value string) sources.Record {
	r := sources.Record{Topic: "orders", Partition: p, Offset: off, Timestamp: t0, Value: []byte(value)}
	if key != "" {
		r.Key = []byte(key)
	}
	return r
}

// openTail presses t on the orders row and waits for the stream to open.
func openTail(t *testing.T, h *harness) *fakeStream {
	t.Helper()
	h.keys("2", "down", "t")
	h.until("the tail to open its stream", func() bool {
		h.kafka.mu.Lock()
		defer h.kafka.mu.Unlock()
		return len(h.kafka.streams) == 1
	})
	h.untilScreen("fake stream of orders")
	return h.kafka.stream(t, 0)
}

func TestTailFromATopicRow(t *testing.T) {
	h := newHarness(t, 120, 30, nil).fed()
	st := openTail(t, h)
	spec := h.kafka.tails[0]
	if spec.Topic != "orders" || spec.Partitions != nil || spec.Range.String() != "-10" {
		t.Fatalf("tail spec = %+v, want orders, all partitions, from -10", spec)
	}
	mustContain(t, h.screen(), "KAFKA Topics › Tail orders", "partitions all", "from -10", "waiting for messages")

	st.push(rec(0, 7, "k1", `{"id":1}`), rec(1, 3, "", "plain text"))
	s := h.untilScreen("0@7", "1@3")
	mustContain(t, s, "k1", `{"id":1}`, "plain text", "read 2", "2 kept", "following")
	// following: the cursor is on the newest
	mustContain(t, s, "▸ ")
	if strings.Index(s, "▸") < strings.Index(s, "0@7") {
		t.Fatalf("the cursor is not on the newest message while following:\n%s", s)
	}

	// Enter opens the message; its value shows as JSON.
	h.keys("k", "enter")
	s = h.screen()
	mustContain(t, s, "Tail orders › Message 0@7", "partition 0", "offset    7", "key       k1", "JSON", `"id": 1`)
	h.keys("v")
	mustContain(t, h.screen(), "text")
	h.keys("v")
	mustContain(t, h.screen(), "7b 22 69 64 22 3a 31 7d", `|{"id":1}|`)
	h.keys("esc")
	mustContain(t, h.screen(), "Tail orders")

	// Popping the tail closes its stream.
	h.keys("esc")
	h.until("the stream to close", st.isClosed)
	mustContain(t, h.screen(), "KAFKA Topics")
}

func TestTailOfAPartitionAndAnNSQChannel(t *testing.T) {
	h := newHarness(t, 120, 30, nil).fed()
	h.keys("2", "down", "enter", "t") // orders › partitions › partition 0
	h.until("a tail", func() bool { h.kafka.mu.Lock(); defer h.kafka.mu.Unlock(); return len(h.kafka.tails) == 1 })
	if got := h.kafka.tails[0]; got.Topic != "orders" || !slices.Equal(got.Partitions, []int32{0}) {
		t.Fatalf("tail of a partition row = %+v", got)
	}
	h.keys("esc", "esc", "6", "t") // NSQ channels: events/archive tails the topic
	h.until("an NSQ tail", func() bool { h.nsq.mu.Lock(); defer h.nsq.mu.Unlock(); return len(h.nsq.tails) == 1 })
	got := h.nsq.tails[0]
	if got.Topic != "events" || !got.Range.OnlyNew() {
		t.Fatalf("NSQ tail spec = %+v, want events from newest", got)
	}
	h.untilScreen("NSQ events", "fake stream of events")
	// NSQ cannot seek: the key says why instead of asking.
	h.keys("o")
	mustContain(t, h.screen(), "NSQ cannot seek")
}

func TestTailBufferIsBoundedAndFollowStops(t *testing.T) {
	h := newHarness(t, 120, 20, nil).fed()
	st := openTail(t, h)
	for b := range 5 {
		var batch []sources.Record
		for i := range 100 {
			batch = append(batch, rec(0, int64(b*100+i), "", fmt.Sprintf("v%d", b*100+i)))
		}
		st.push(batch...)
	}
	s := h.untilScreen("read 500")
	// The default buffer keeps them all; the newest is selected.
	mustContain(t, s, "▸ ", "0@499")
	h.keys("k", "k") // moving up stops following
	mustNotContain(t, h.screen(), "following")
	st.push(rec(0, 500, "", "late"))
	s = h.untilScreen("read 501")
	mustContain(t, s, "▸ ")
	if !strings.Contains(s, "0@497") || strings.Contains(s, "▸ 12:00:00.000  0@500") {
		t.Fatalf("the cursor moved while not following:\n%s", s)
	}
	h.keys("G")
	mustContain(t, h.screen(), "following")
}

func TestTailRingDropsOldest(t *testing.T) {
	h := newHarness(t, 120, 20, nil)
	sc := tail.New(h.m, tail.Config{System: sources.Kafka, Topic: "orders", MaxCount: 100})
	h.send(nil)
	h.start(h.m.Push(sc))
	h.until("the stream", func() bool { h.kafka.mu.Lock(); defer h.kafka.mu.Unlock(); return len(h.kafka.streams) == 1 })
	st := h.kafka.stream(t, 0)
	for b := range 3 {
		var batch []sources.Record
		for i := range 100 {
			batch = append(batch, rec(0, int64(b*100+i), "", "x"))
		}
		st.push(batch...)
	}
	s := h.untilScreen("read 300")
	mustContain(t, s, "200 dropped from the buffer", "100 kept")
	// A new start point starts the count of what was dropped afresh.
	h.keys("o")
	h.sendAndRun(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	h.typeText("newest")
	h.keys("enter")
	h.until("a second stream", func() bool { h.kafka.mu.Lock(); defer h.kafka.mu.Unlock(); return len(h.kafka.streams) == 2 })
	mustNotContain(t, h.screen(), "dropped")
}

func TestTailFilter(t *testing.T) {
	h := newHarness(t, 120, 30, nil).fed()
	st := openTail(t, h)
	st.push(rec(0, 1, "user-1", "apple"), rec(0, 2, "user-2", "banana"), rec(0, 3, "user-3", "Apple pie"))
	h.untilScreen("read 3")
	h.keys("/")
	h.typeText("apple")
	s := h.screen()
	mustContain(t, s, "2 of 3 kept match", "apple", "Apple pie")
	mustNotContain(t, s, "banana")
	h.keys("enter")
	// New records are filtered as they arrive.
	st.push(rec(0, 4, "", "crab apple"), rec(0, 5, "", "cherry"))
	s = h.untilScreen("read 5")
	mustContain(t, s, "3 of 5 kept match", "crab apple")
	mustNotContain(t, s, "cherry")
	// A regex, and a bad one says why.
	h.keys("/")
	for range len("apple") {
		h.sendAndRun(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	h.typeText("~^ban")
	mustContain(t, h.screen(), "1 of 5 kept match", "banana")
	h.typeText("(")
	mustContain(t, h.screen(), "regex")
	h.keys("esc")
	mustContain(t, h.screen(), "5 kept")
}

func TestTailSaveCopyAndSeek(t *testing.T) {
	h := newHarness(t, 120, 30, nil).fed()
	st := openTail(t, h)
	st.push(rec(0, 1, "a", "one"), rec(0, 2, "b", "t\x1bwo"))
	h.untilScreen("read 2")

	h.keys("y") // the newest holds an ESC: it is copied escaped
	mustContain(t, h.screen(), "copied the value (7B) to the clipboard with OSC 52; its control characters are escaped")
	h.keys("k", "y")
	mustContain(t, h.screen(), "copied the value (3B) to the clipboard with OSC 52 ")
	h.keys("G")

	path := filepath.Join(t.TempDir(), "saved.jsonl")
	h.keys("s")
	mustContain(t, h.screen(), "Save all 2 kept messages as JSON lines to")
	for range 80 { // clear the suggested name
		h.sendAndRun(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	h.typeText(path)
	h.keys("enter")
	h.untilScreen("saved 2 messages to " + path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var values []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("saved line %q: %v", sc.Text(), err)
		}
		values = append(values, m["value"].(string))
	}
	if !slices.Equal(values, []string{"one", "t\x1bwo"}) {
		t.Fatalf("saved values %q", values)
	}
	// Saving again to the same name never overwrites.
	h.keys("s")
	for range 80 {
		h.sendAndRun(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	h.typeText(path)
	h.keys("enter")
	h.untilScreen("exists")

	// o reopens from another start point.
	h.keys("o")
	for range 10 {
		h.sendAndRun(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	h.typeText("nonsense")
	h.keys("enter")
	mustContain(t, h.screen(), "is not a start point")
	for range 10 {
		h.sendAndRun(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	h.typeText("oldest:+5")
	h.keys("enter")
	h.until("a second stream", func() bool { h.kafka.mu.Lock(); defer h.kafka.mu.Unlock(); return len(h.kafka.streams) == 2 })
	h.until("the first stream to close", st.isClosed)
	if got := h.kafka.tails[1].Range.String(); got != "oldest:+5" {
		t.Fatalf("second tail from %q", got)
	}
	st2 := h.kafka.stream(t, 1)
	st2.push(rec(0, 0, "", "first"))
	st2.end()
	s := h.untilScreen("end of the range reached")
	mustContain(t, s, "read 1", "first")
	mustNotContain(t, s, "t\\x1bwo")
}

func TestProduceFormSendsAndShowsWhereItWent(t *testing.T) {
	h := newHarness(t, 120, 36, nil).fed()
	h.kafka.answer = func(req sources.Request) sources.Result {
		p := req.Body.(sources.Produce)
		d := sources.Delivery{Partition: 2, Offset: 90}
		if p.Messages[0].Partition >= 0 {
			d.Partition = p.Messages[0].Partition
		}
		return sources.Result{Targets: []sources.TargetResult{{Target: "message 1", Detail: d.String()}}, Data: []sources.Delivery{d}}
	}
	st := openTail(t, h)
	h.keys("P")
	s := h.screen()
	mustContain(t, s, "Produce to KAFKA orders", "value", "key", "headers", "partition", "compression", "acks", "Tail orders")
	h.typeText("hello")
	h.keys("enter") // a new line in the value
	h.typeText("world")
	h.keys("tab")
	h.typeText("k-1")
	h.keys("tab")
	h.typeText("trace=abc")
	h.keys("enter")
	h.typeText("trace=def")
	h.keys("tab", "tab", "right", "right") // compression: snappy
	h.keys("ctrl+s")
	h.untilScreen("✔ partition 2 @ offset 90")
	reqs := h.kafka.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	p := reqs[0].Body.(sources.Produce)
	m := p.Messages[0]
	if p.Topic != "orders" || string(m.Value) != "hello\nworld" || string(m.Key) != "k-1" || m.Partition != sources.AnyPartition ||
		len(m.Headers) != 2 || m.Headers[0].Key != "trace" || string(m.Headers[1].Value) != "def" || p.Compression != "snappy" || p.Acks != "all" {
		t.Fatalf("request = %+v %+v", p, m)
	}
	// The form stays filled; a chosen partition goes with the next send.
	h.keys("shift+tab") // back to the partition
	h.typeText("1")
	h.keys("ctrl+s")
	h.untilScreen("✔ partition 1 @ offset 90", "(2 sent)")
	// The tail above keeps reading while the form is open.
	st.push(rec(2, 90, "k-1", "hello\nworld"))
	h.untilScreen("2@90")
	h.keys("esc")
	mustNotContain(t, h.screen(), "Produce to")
}

func TestProduceFormKeepsInputOnFailure(t *testing.T) {
	h := newHarness(t, 120, 36, nil).fed()
	h.kafka.answer = func(req sources.Request) sources.Result {
		return sources.Result{Targets: []sources.TargetResult{{Target: "message 1", Err: "message of 2000000 bytes is over orders' max.message.bytes of 1048588"}}}
	}
	h.keys("2", "down", "P")
	h.typeText("big")
	h.keys("tab", "tab", "tab")
	h.typeText("x") // a partition that is not a number
	h.keys("ctrl+s")
	mustContain(t, h.screen(), `partition "x": want a partition number`)
	if n := len(h.kafka.requests()); n != 0 {
		t.Fatalf("a form with a bad partition sent %d requests", n)
	}
	h.sendAndRun(tea.KeyPressMsg{Code: tea.KeyBackspace})
	h.keys("ctrl+s")
	h.untilScreen("over orders' max.message.bytes")
	mustContain(t, h.screen(), "big")
}

func TestProduceFormOnNSQ(t *testing.T) {
	h := newHarness(t, 120, 36, nil).fed()
	h.nsq.answer = func(req sources.Request) sources.Result {
		return sources.Result{Targets: []sources.TargetResult{{Target: "message 1", Detail: "OK from nsqd 10.0.0.5:4151"}}}
	}
	h.keys("5", "P")
	s := h.screen()
	mustContain(t, s, "Produce to NSQ events", "defer")
	mustNotContain(t, s, "compression", "headers")
	h.typeText("ping")
	h.keys("tab")
	h.typeText("30s")
	h.keys("ctrl+s")
	h.untilScreen("✔ OK from nsqd 10.0.0.5:4151")
	p := h.nsq.requests()[0].Body.(sources.Produce)
	if p.Defer != 30*time.Second || string(p.Messages[0].Value) != "ping" {
		t.Fatalf("NSQ request = %+v", p)
	}
}

func TestProduceReadsAFile(t *testing.T) {
	h := newHarness(t, 120, 36, nil).fed()
	h.kafka.answer = func(req sources.Request) sources.Result {
		return sources.Result{Targets: []sources.TargetResult{{Target: "message 1", Detail: "partition 0 @ offset 1"}}}
	}
	path := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(path, []byte(`{"from":"file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	h.keys("2", "P")
	h.typeText("@" + path)
	h.keys("ctrl+s")
	h.untilScreen("✔ partition 0 @ offset 1")
	if got := string(h.kafka.requests()[0].Body.(sources.Produce).Messages[0].Value); got != `{"from":"file"}` {
		t.Fatalf("sent %q", got)
	}
	h.keys("esc", "P")
	h.typeText("@/nonexistent/file")
	h.keys("ctrl+s")
	h.untilScreen("read the value from /nonexistent/file")
}

// TestEveryMutatingBindingIsRefusedReadOnly walks every binding of every
// kind of screen under --read-only: pressing a mutating one reaches no
// source and says why.
func TestEveryMutatingBindingIsRefusedReadOnly(t *testing.T) {
	h := newHarness(t, 120, 36, func(o *Options) { o.ReadOnly = true }).fed()
	r := rec(0, 1, "k", "v")
	kinds := map[string]func() screen.Screen{}
	for i := range h.m.tabs {
		kinds[fmt.Sprintf("tab %d", i+1)] = func() screen.Screen { return h.m.tabs[i].stack[0] }
	}
	kinds["partitions"] = func() screen.Screen { h.m.OpenView(sources.Kafka, "partitions", "orders"); return h.m.top() }
	kinds["lookupds"] = func() screen.Screen { h.m.OpenView(sources.NSQ, "lookupds", ""); return h.m.top() }
	kinds["kafka tail"] = func() screen.Screen { return tail.New(h.m, tail.Config{System: sources.Kafka, Topic: "orders"}) }
	kinds["nsq tail"] = func() screen.Screen { return tail.New(h.m, tail.Config{System: sources.NSQ, Topic: "events"}) }
	kinds["message"] = func() screen.Screen { return message.New(h.m, sources.Kafka, r) }
	kinds["kafka produce"] = func() screen.Screen { return produce.New(h.m, sources.Kafka, "orders") }
	kinds["nsq produce"] = func() screen.Screen { return produce.New(h.m, sources.NSQ, "events") }
	for _, p := range []struct{ name, arg string }{{"topic", "orders"}, {"group", "billing"}, {"broker", "1"}} {
		kinds[p.name+" page"] = func() screen.Screen { h.m.OpenView(sources.Kafka, p.name, p.arg); return h.m.top() }
		for i := range 4 {
			kinds[fmt.Sprintf("%s page section %d", p.name, i)] = func() screen.Screen {
				h.m.OpenView(sources.Kafka, p.name, p.arg)
				pg := h.m.top().(*page.Screen)
				for range i {
					h.m.key(keyPress("]"))
				}
				return pg
			}
		}
	}
	for _, p := range []struct{ name, arg string }{{"topic", "events"}, {"channel", "events/archive"}, {"node", "10.0.0.5:4151"}} {
		for i := range 3 {
			kinds[fmt.Sprintf("nsq %s page section %d", p.name, i)] = func() screen.Screen {
				h.m.OpenView(sources.NSQ, p.name, p.arg)
				pg := h.m.top().(*page.Screen)
				for range i {
					h.m.key(keyPress("]"))
				}
				return pg
			}
		}
	}
	kinds["inactive"] = func() screen.Screen { h.m.OpenView(sources.NSQ, "inactive", ""); return h.m.top() }
	dialogs := map[string]func() tea.Cmd{
		"create topic":     func() tea.Cmd { return actions.CreateTopic(h.m) },
		"alter topic":      func() tea.Cmd { return actions.AlterTopic(h.m, "orders") },
		"reset":            func() tea.Cmd { return actions.ResetOffsets(h.m, "billing", "", -1) },
		"delete topic":     func() tea.Cmd { return actions.DeleteTopic(h.m, "orders") },
		"empty nsq":        func() tea.Cmd { return actions.EmptyNSQ(h.m, "events", "archive") },
		"delete nsq":       func() tea.Cmd { return actions.DeleteNSQ(h.m, "events", "") },
		"tombstone nsq":    func() tea.Cmd { return actions.Tombstone(h.m, "events", "10.0.0.5:4151") },
		"create nsq topic": func() tea.Cmd { b, _ := screen.Find(h.m.tabs[4].stack[0].Bindings(), "n"); return b.Run() },
	}
	for name, open := range dialogs {
		kinds[name] = func() screen.Screen {
			open()
			d := h.m.dialog()
			h.m.Close(d)
			return d
		}
	}
	mutating := 0
	for name, make := range kinds {
		s := make()
		seen := map[string]string{}
		for _, b := range s.Bindings() {
			if len(b.Keys) == 0 || b.Help == "" {
				t.Errorf("%s: a binding without keys or help: %+v", name, b)
			}
			for _, k := range b.Keys {
				if other, dup := seen[k]; dup {
					t.Errorf("%s: key %q is bound twice (%s, %s)", name, k, other, b.Help)
				}
				seen[k] = b.Help
			}
			if !b.Mutating {
				continue
			}
			mutating++
			h.m.message = ""
			if cmd := h.m.run(b); cmd != nil {
				t.Errorf("%s: %s ran under read-only", name, b.Help)
			}
			if !strings.Contains(h.m.message, "refused: topicat runs read-only") {
				t.Errorf("%s: %s answered %q, want the refusal", name, b.Help, h.m.message)
			}
		}
	}
	if mutating < 4 {
		t.Fatalf("only %d mutating bindings found: the walk would pass vacuously", mutating)
	}
	// And by key, from the screens as a user reaches them: nothing reaches a source.
	h.keys("2", "P")
	mustContain(t, h.screen(), "refused: topicat runs read-only")
	mustNotContain(t, h.screen(), "Produce to")
	h.keys(":")
	h.typeText("produce orders")
	h.keys("enter")
	mustContain(t, h.screen(), "refused: topicat runs read-only")
	h.sendAndRun(h.m.Request(h.m.top(), sources.Kafka, sources.Produce{Topic: "orders"})())
	if n := len(h.kafka.requests()) + len(h.nsq.requests()); n != 0 {
		t.Fatalf("%d requests reached a source under read-only", n)
	}
	// Reading is not refused: a tail opens.
	h.keys("t")
	h.until("a tail under read-only", func() bool { h.kafka.mu.Lock(); defer h.kafka.mu.Unlock(); return len(h.kafka.tails) == 1 })
}

func TestSortLettersAreFixedAndFree(t *testing.T) {
	h := newHarness(t, 120, 30, nil).fed()
	for _, v := range h.m.views {
		letters := map[rune]string{}
		for _, c := range v.Columns {
			if c.Sort == 0 {
				continue
			}
			if other, ok := letters[c.Sort]; ok {
				t.Errorf("%s %s: %c sorts %s and %s", v.System, v.Name, c.Sort, other, c.Title)
			}
			letters[c.Sort] = c.Title
		}
		// No letter may be taken by another key of the table or of the root.
		s := h.m.tabs[0].stack[0]
		h.m.OpenView(v.System, v.Name, "orders")
		s = h.m.top()
		for _, b := range append(s.Bindings(), h.m.bindings()...) {
			if b.Group == screen.GroupSort {
				continue
			}
			for _, k := range b.Keys {
				if r := []rune(k); len(r) == 1 && letters[r[0]] != "" {
					t.Errorf("%s %s: %s sorts %s and is also %q", v.System, v.Name, k, letters[r[0]], b.Help)
				}
			}
		}
		h.m.Pop()
	}
}

func TestStaleSessionMessagesAreDropped(t *testing.T) {
	h := newHarness(t, 100, 30, nil)
	h.send(snapshotMsg{gen: 0, src: h.kafka, snap: kafkaSnap()})
	mustContain(t, h.screen(), "connecting to kafka…")
	top := h.m.top()
	h.m.session.Gen = 2 // as a context switch would
	h.send(routedMsg{gen: 1, to: top, msg: tea.KeyPressMsg{Code: 'G', Text: "G"}})
	h.send(requestDoneMsg{gen: 1, to: top, res: sources.Result{Err: "old"}})
	mustNotContain(t, h.screen(), "old")
}

func TestResultOfAGoneScreenGoesToTheStatusLine(t *testing.T) {
	h := newHarness(t, 120, 30, nil).fed()
	h.kafka.answer = func(req sources.Request) sources.Result {
		return sources.Result{Targets: []sources.TargetResult{{Target: "message 1", Err: "broker 2: connection refused"}}}
	}
	h.keys("2", "down", "P")
	h.typeText("x")
	h.send(keyPress("ctrl+s"))
	cmd := h.lastCmd
	h.keys("esc") // the form closes before the answer
	h.sendAndRun(cmd())
	mustContain(t, h.screen(), "✖ produce orders failed on 1 of 1: message 1: broker 2: connection refused")
}

func TestHostilePayloadsStayText(t *testing.T) {
	h := newHarness(t, 120, 30, nil).fed()
	st := openTail(t, h)
	hostile := []string{
		"\x1b[2J\x1b[Hcleared", "\x1b]52;c;aGVsbG8=\x07clip", "\x1b]0;pwned\x07title", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
		"\u009b31mred", "rtl\u202eevil", "nul\x00byte", "bad\xff\xfeutf8", "wide 漢字漢字", "zw\u200bj\u200d", strings.Repeat("long ", 20000),
	}
	var recs []sources.Record
	for i, v := range hostile {
		r := rec(0, int64(i), v, v)
		r.Headers = []sources.Header{{Key: v, Value: []byte(v)}}
		recs = append(recs, r)
	}
	st.push(recs...)
	h.untilScreen(fmt.Sprintf("read %d", len(hostile)))
	check := func(where string) {
		t.Helper()
		raw := h.m.View().Content
		for _, bad := range []string{"\x1b[2J", "\x1b]52", "\x1b]0;", "\x1b]8;", "\u009b", "\u202e", "\x00", "\x07", "\u200b"} {
			if strings.Contains(raw, bad) {
				t.Fatalf("%s: raw view carries %q", where, bad)
			}
		}
		h.screen() // widths hold
	}
	check("tail")
	for i := range hostile {
		h.keys("g")
		for range i {
			h.keys("j")
		}
		h.keys("enter")
		check(fmt.Sprintf("message %d", i))
		for _, mode := range []string{"v", "v", "v"} {
			h.keys(mode)
			check(fmt.Sprintf("message %d after v", i))
		}
		h.keys("esc")
	}
}

func TestProduceFormFitsASmallTerminal(t *testing.T) {
	h := newHarness(t, 60, 16, nil).fed()
	h.kafka.answer = func(req sources.Request) sources.Result {
		return sources.Result{Targets: []sources.TargetResult{{Target: "message 1", Detail: "partition 0 @ offset 7"}}}
	}
	h.keys("2", "P")
	h.typeText("hi")
	h.keys("ctrl+s")
	h.untilScreen("✔ partition 0 @ offset 7") // the answer line stays in view
}

// TestSwitchSessionDropsTheOld: a context switch stops the old session's
// screens and tails, closes its sources, and drops whatever it still sends.
func TestSwitchSessionDropsTheOld(t *testing.T) {
	h := newHarness(t, 120, 30, nil).fed()
	st := openTail(t, h)
	oldTop := h.m.top()
	closed := make(chan struct{})
	h.m.session.Close = func() { close(closed) }

	k2 := &fakeSource{system: sources.Kafka}
	h.start(h.m.Switch(&Session{Label: "staging", Kafka: k2}))
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("the old session was not closed")
	}
	h.until("the old session's tail stream to close", st.isClosed)
	s := h.screen()
	mustContain(t, s, "staging", "KAFKA Brokers", "connecting to kafka…", "switched to staging")
	mustNotContain(t, s, "prod-eu", "Tail orders")

	// The old session's snapshot, result and screen messages are dropped.
	h.send(snapshotMsg{1, h.kafka, kafkaSnap()})
	h.send(requestDoneMsg{gen: 1, to: oldTop, res: sources.Result{Err: "from the old session"}})
	s = h.screen()
	mustContain(t, s, "connecting to kafka…")
	mustNotContain(t, s, "from the old session")
	// The new one's are taken.
	h.send(snapshotMsg{2, k2, kafkaSnap()})
	mustContain(t, h.screen(), "10.0.0.1:9092")
}

// TestTailPoppedWhileOpeningClosesItsStream: a stream that opens after its
// screen is gone is closed, not leaked.
func TestTailPoppedWhileOpeningClosesItsStream(t *testing.T) {
	h := newHarness(t, 120, 30, nil).fed()
	h.keys("2", "down")
	h.send(keyPress("t"))
	open := h.lastCmd // the tail's Start: opening the stream
	h.send(keyPress("esc"))
	h.sendAndRun(open())
	st := h.kafka.stream(t, 0)
	h.until("the orphaned stream to close", st.isClosed)
}

// TestTopicCommandsNeverSwapTheSystem: a system named that is not configured
// is refused, not replaced by the one that is; nothing on the tabs closes.
func TestTopicCommandsNeverSwapTheSystem(t *testing.T) {
	h := newHarness(t, 120, 30, func(o *Options) { o.NSQ = nil }).fed()
	h.keys("2", "t")
	h.untilScreen("Tail audit-log")
	for _, cmd := range []string{"produce nsq orders", "tail nsq orders", "tail", "produce a b"} {
		h.keys(":")
		h.typeText(cmd)
		h.keys("enter")
		s := h.screen()
		mustNotContain(t, s, "Produce to")
		mustContain(t, s, "Tail audit-log")
	}
	h.keys(":")
	h.typeText("produce nsq orders")
	h.keys("enter")
	mustContain(t, h.screen(), ":produce: nsq is not configured")
}

// TestTopicNamesInBindingsStayText: a binding's help names the topic; the
// footer and the help show it made safe.
func TestTopicNamesInBindingsStayText(t *testing.T) {
	h := newHarness(t, 160, 40, nil).fed()
	h.m.OpenTail(sources.Kafka, "evil\x1b]0;pwned\x07\x1b[2J", nil)
	for _, k := range []string{"", "?"} {
		if k != "" {
			h.keys(k)
		}
		raw := h.m.View().Content
		if strings.Contains(raw, "\x1b]0;") || strings.Contains(raw, "\x1b[2J") || strings.Contains(raw, "\x07") {
			t.Fatalf("a raw escape from a topic name reached the view (after %q)", k)
		}
	}
	mustContain(t, h.screen(), `produce to evil\x1b]0;pwned\x07\x1b[2J`)
}

func TestLongFilterErrorsFitTheFooter(t *testing.T) {
	h := newHarness(t, 80, 24, nil).fed()
	openTail(t, h)
	h.keys("/")
	h.typeText("~(order_id|customer")
	h.screen() // the width check of every line
}

func TestInternalTopicsHiddenUntilToggled(t *testing.T) {
	h := newHarness(t, 140, 30, nil)
	snap := kafkaSnap()
	snap.Topics = append(snap.Topics, sources.Topic{Name: "__consumer_offsets", Internal: true, ReplicationFactor: 3})
	h.send(snapshotMsg{1, h.kafka, snap})
	h.keys("2")
	s := h.screen()
	mustNotContain(t, s, "__consumer_offsets")
	mustContain(t, s, "internal topics hidden: 1 (i shows them)")
	h.keys("i")
	mustContain(t, h.screen(), "__consumer_offsets (internal)")
	h.keys("i")
	mustNotContain(t, h.screen(), "__consumer_offsets")
}

// TestPartialAndStaleAreMarked: figures that could not be read in full say
// so, and a group kept from an earlier poll says why.
func TestPartialAndStaleAreMarked(t *testing.T) {
	h := newHarness(t, 150, 30, nil)
	snap := kafkaSnap()
	snap.Topics[2].Partial, snap.Topics[2].Messages = true, 193
	snap.Groups[0].Stale, snap.Groups[0].StaleSince, snap.Groups[0].Err = true, t0.Add(-time.Minute), "coordinator broker 2 did not answer"
	h.send(snapshotMsg{1, h.kafka, snap})
	h.keys("2", "G")
	mustContain(t, h.screen(), "payments (partial)", "193?", "MESSAGES and RATE are at least what is shown")
	h.keys("3")
	mustContain(t, h.screen(), "billing (stale)", "figures from 11:59:00, kept because this poll could not read the group: coordinator broker 2 did not answer")
}
