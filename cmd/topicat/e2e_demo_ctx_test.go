package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// TestEndToEndDemoContexts: `topicat demo --config F` offers the demo's own
// clusters and F's context in :ctx, switches to the context (its brokers on
// screen, the demo's gone) and back to the demo while its clusters kept
// running (its topics on screen), and quitting leaves the terminal as it was.
func TestEndToEndDemoContexts(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	ext := kafkatest.NewCluster(t)
	ext.CreateTopics(1, 1, "ext-events")
	cfg := writeConfig(t, `current-context: ext
contexts:
  ext:
    label: EXT cluster
    kafka: {brokers: [`+strings.Join(ext.Addrs(), ", ")+`]}
`)
	term := startTerminal(t, 140, 30, []string{"TERM=xterm-256color"}, bin, "demo", "--config", cfg, "--refresh", "300ms")
	// The demo opens on its own clusters, whatever F's current-context says.
	s := term.waitFor("KAFKA Brokers  3 rows", " up ", "demo: kcat -b 127.0.0.1:")
	demoBroker := regexp.MustCompile(`kcat -b (127\.0\.0\.1:\d+)`).FindStringSubmatch(s)[1]
	if strings.Contains(s, "EXT cluster") {
		t.Fatalf("the demo opened on the config's context:\n%s", s)
	}

	term.keys(":")
	term.text("ctx")
	term.keys("Enter")
	term.waitFor("Contexts", "* demo", "embedded clusters", "  ext")
	term.keys("Down", "Enter")
	s = term.waitFor("switched to EXT cluster", "KAFKA Brokers", ext.Addrs()[0])
	if strings.Contains(s, demoBroker) {
		t.Fatalf("the demo's broker on the ext context:\n%s", s)
	}
	term.keys("2")
	s = term.waitFor("ext-events")
	if strings.Contains(s, "clickstream") {
		t.Fatalf("the demo's topics on the ext context:\n%s", s)
	}

	term.keys(":")
	term.text("ctx")
	term.keys("Enter")
	term.waitFor("Contexts", "  demo", "* ext")
	term.keys("Up", "Enter")
	term.waitFor("switched to demo", "KAFKA Brokers  3 rows", demoBroker)
	term.keys("2")
	s = term.waitFor("orders", "payments", "clickstream", "audit-log")
	if strings.Contains(s, "ext-events") {
		t.Fatalf("the ext context's topics on the demo:\n%s", s)
	}
	term.keys("q")
	term.restored(term.exited())
}
