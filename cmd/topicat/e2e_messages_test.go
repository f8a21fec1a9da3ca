package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources/kafka/kafkatest"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
	"github.com/topicat/topicat/tui/records/recordstest"
)

// clipboard turns on tmux's acceptance of OSC 52 from the program, so that a
// copy (or a payload trying to write the clipboard) lands in a tmux buffer.
func (term *terminal) clipboard() {
	term.tmux("set-option", "-g", "set-clipboard", "on")
}

// buffers lists tmux's paste buffers: what reached the clipboard.
func (term *terminal) buffers() string {
	out, _ := term.run("list-buffers", "-F", "#{buffer_sample}")
	return out
}

// TestEndToEndInlineTailAndProduce is the inline flow on the demo: open a
// topic, t, see the messages arrive, enter for the detail, copy it, P, type
// a message, send, see its partition@offset, see it arrive in the tail — on
// Kafka, then on NSQ.
func TestEndToEndInlineTailAndProduce(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	term := startTerminal(t, 140, 45, []string{"TERM=xterm-256color"}, bin, "demo")
	term.clipboard()
	term.waitFor("Brokers", "up")

	// Kafka: orders, tailed from its row.
	term.keys("2", "/")
	term.text("orders")
	term.keys("Enter")
	term.waitFor("1 of 4 rows")
	term.keys("t")
	s := term.waitFor("KAFKA Topics › Tail orders", "partitions all", "no consumer group", "following", "@")
	if !regexp.MustCompile(`\d@\d+\s+o-\d+`).MatchString(s) {
		t.Fatalf("no orders message with partition@offset and key:\n%s", s)
	}
	term.keys("Enter")
	term.waitFor("Tail orders › Message ", "partition", "── value · JSON", `"order_id":`)
	term.keys("y")
	term.waitFor("copied the value")
	if b := term.buffers(); !strings.Contains(b, `"order_id"`) {
		t.Fatalf("the copy did not reach the clipboard: buffers %q", b)
	}
	term.keys("Escape")
	term.waitFor("Tail orders")

	term.keys("P")
	term.waitFor("Produce to KAFKA orders", "ctrl+s send")
	term.text(`{"hello":"from the e2e test"}`)
	term.keys("Tab")
	term.text("e2e-key")
	term.keys("C-s")
	s = term.waitFor("✔ partition ")
	where := regexp.MustCompile(`✔ partition (\d+) @ offset (\d+)`).FindStringSubmatch(s)
	if where == nil {
		t.Fatalf("no partition @ offset:\n%s", s)
	}
	// It arrives in the tail above the form, at the place the answer named.
	term.waitFor(where[1]+"@"+where[2], "e2e-key", `{"hello":"from the e2e test"}`)
	term.keys("Escape", "Escape")
	term.waitFor("KAFKA Topics")

	// NSQ: the events topic, tailed on an ephemeral channel.
	term.keys(":")
	term.text("nsq topics")
	term.keys("Enter")
	term.waitFor("NSQ Topics", "events")
	term.keys("/")
	term.text("events")
	term.keys("Enter", "t")
	term.waitFor("NSQ Topics › Tail events", "ephemeral", "#1 ")
	term.keys("P")
	term.waitFor("Produce to NSQ events", "defer")
	term.text("nsq-hello-from-e2e")
	term.keys("C-s")
	term.waitFor("✔ OK from nsqd 127.0.0.1:")
	term.waitFor("nsq-hello-from-e2e")
	term.keys("Escape", "q", "q")
	term.restored(term.exited())
}

// TestEndToEndHostilePayloads produces the hostile corpus and tails it in the
// real binary: the screen shows the payloads as text, and the title, the
// clipboard and the scrollback before topicat are as they were.
func TestEndToEndHostilePayloads(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	k := kafkatest.NewCluster(t)
	k.CreateTopics(1, 3, "hostile")
	samples := recordstest.Hostile()
	var recs []*kgo.Record
	for _, s := range samples {
		recs = append(recs, &kgo.Record{Topic: "hostile", Partition: 0, Key: s.Data, Value: s.Data,
			Headers: []kgo.RecordHeader{{Key: string(s.Data), Value: s.Data}}})
	}
	k.ProduceRecords(recs...)

	script := fmt.Sprintf("echo SCROLLBACK-BEFORE-TOPICAT; exec %s -b %s", bin, strings.Join(k.Addrs(), ","))
	term := startTerminal(t, 140, 45, []string{"TERM=xterm-256color"}, "sh", "-c", script)
	term.clipboard()
	term.waitFor("Brokers", "up")
	term.keys(":")
	term.text("tail hostile")
	term.keys("Enter")
	term.waitFor("Tail hostile")
	term.keys("o")
	term.waitFor("Read hostile from")
	term.keys("C-u")
	term.text("oldest")
	term.keys("Enter")
	s := term.waitFor(fmt.Sprintf("read %d", len(samples)), `before\x1b[2J\x1b[Hafter`)
	safe := func(where string) {
		t.Helper()
		if got := term.tmux("display-message", "-p", "-t", "0", "#{pane_title}"); !strings.HasPrefix(got, "topicat ") || strings.Contains(got, "pwned") {
			t.Fatalf("%s: the pane title is %q", where, got)
		}
		if b := term.buffers(); b != "" {
			t.Fatalf("%s: a payload reached the clipboard: %q", where, b)
		}
		screen := term.screen()
		if strings.Contains(screen, "\u202e") || strings.Contains(screen, "\u200b") {
			t.Fatalf("%s: a bidi or zero-width character reached the screen:\n%s", where, screen)
		}
		if !strings.Contains(screen, "topicat") || !strings.Contains(screen, "Tail hostile") {
			t.Fatalf("%s: the frame is gone (screen cleared or moved):\n%s", where, screen)
		}
	}
	safe("tail")
	if !strings.Contains(s, `\u202e`) || !strings.Contains(s, `\x1b]52;c;aGVsbG8=\x07`) {
		t.Fatalf("payloads not shown as escaped text:\n%s", s)
	}
	// Every message, in every form of the detail.
	term.keys("g")
	for i := range samples {
		term.keys("Enter")
		term.waitFor("Message 0@" + fmt.Sprint(i))
		safe(samples[i].Name)
		for range 3 {
			term.keys("v")
			safe(samples[i].Name + " after v")
		}
		term.keys("Escape", "j")
	}
	// The operator's own copy is the one way bytes reach the clipboard, and
	// control characters go escaped.
	term.keys("g", "y")
	term.waitFor("control characters are escaped")
	if b, _ := term.run("show-buffer"); b != `before\x1b[2J\x1b[Hafter` {
		t.Fatalf("the copy holds %q", b)
	}
	term.keys("q", "q")
	term.restored(term.exited())
	term.waitFor("SCROLLBACK-BEFORE-TOPICAT")

	// topicat tail to a terminal prints the same corpus made safe, as the screen does.
	cli := startTerminal(t, 200, 60, []string{"TERM=xterm-256color"}, bin, "tail", "hostile", "-b", strings.Join(k.Addrs(), ","), "--from", "oldest:newest")
	cli.clipboard()
	status := cli.exited()
	if !strings.HasPrefix(status, "exit=0") {
		t.Fatalf("topicat tail exited with %q", status)
	}
	out := cli.tmux("capture-pane", "-p", "-J", "-S", "-") // the scrollback too: the long line scrolls the rest away
	if !strings.Contains(out, `before\x1b[2J\x1b[Hafter`) || strings.Contains(out, "\u202e") {
		t.Fatalf("tail -o text on a terminal is not made safe:\n%s", out)
	}
	if b := cli.buffers(); b != "" {
		t.Fatalf("a payload printed by topicat tail reached the clipboard: %q", b)
	}
	if got := cli.tmux("display-message", "-p", "-t", "0", "#{pane_title}"); strings.Contains(got, "pwned") {
		t.Fatalf("a payload printed by topicat tail set the title: %q", got)
	}
}

// TestEndToEndReadOnlyRefusesProduce: under --read-only, P and :produce say
// why and open nothing; tailing still works.
func TestEndToEndReadOnlyRefusesProduce(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	term := startTerminal(t, 140, 40, nil, bin, "demo", "--read-only")
	term.waitFor("READ-ONLY", "Brokers", "up")
	term.keys("2", "P")
	term.waitFor("✖ produce a message: refused: topicat runs read-only")
	term.keys("t")
	term.waitFor("Tail audit-log", "following")
	term.keys("P")
	term.waitFor("✖ produce to audit-log: refused: topicat runs read-only")
	if strings.Contains(term.screen(), "Produce to") {
		t.Fatal("the produce form opened under --read-only")
	}
	term.keys("Escape", ":")
	term.text("produce orders")
	term.keys("Enter")
	term.waitFor("refused: topicat runs read-only")
	term.keys("q")
	term.restored(term.exited())
}

// TestEndToEndTailRidesOutFaults: the leader of a tailed partition stops
// answering, then an nsqd of a tailed NSQ topic stops: the tail says so while
// nothing arrives, keeps what it read, and reads on.
func TestEndToEndTailRidesOutFaults(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	k := kafkatest.NewCluster(t)
	k.CreateTopics(1, 3, "orders")
	k.Produce("orders", 3)
	leader := k.Leader("orders", 0)
	n := nsqtest.NewCluster(t, 1, 2)
	for i := range 2 {
		n.CreateTopic(i, "events")
	}
	n.WaitTopic("events", 0, 1)

	term := startTerminal(t, 140, 40, nil, bin, "-b", strings.Join(k.Addrs(), ","), "--lookupd", n.LookupdURLs()[0], "--refresh", "500ms")
	term.waitFor("Brokers", "up")
	term.keys(":")
	term.text("tail orders")
	term.keys("Enter")
	term.waitFor("Tail orders", "read 3")

	k.BrokerDown(leader)
	term.waitFor(fmt.Sprintf("▲ broker %d (127.0.0.1:", leader))
	k.BrokerUp(leader)
	k.Produce("orders", 2)
	term.waitFor("read 5")
	term.waitFor("no consumer group") // the trouble line gives way once the broker answers

	term.keys("Escape", ":")
	term.text("tail nsq events")
	term.keys("Enter")
	term.waitFor("Tail events", "on 2 nsqd")
	n.Publish(0, "events", "before")
	term.waitFor("read 1", "before")
	n.StopNSQD(1)
	term.waitFor("▲ nsqd 127.0.0.1:")
	n.Publish(0, "events", "during")
	term.waitFor("read 2", "during")
	term.keys("q", "q")
	term.restored(term.exited())
}
