package main

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/topicat/topicat/tui/dialog"
)

// TestEndToEndKafkaDepth drives the Kafka pages and actions on the demo: the
// lagging group reads WARN with its trend and time to catch up, the group
// and topic pages show what the snapshot lacks, and a topic is created (kcat
// lists it), its offsets reset with a preview, and deleted by its name.
func TestEndToEndKafkaDepth(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	term := startTerminal(t, 160, 45, []string{"TERM=xterm-256color"}, bin, "demo", "--refresh", "300ms")
	s := term.waitFor("Brokers", "up", "demo: kcat -b 127.0.0.1:")
	broker := regexp.MustCompile(`kcat -b (127\.0\.0\.1:\d+)`).FindStringSubmatch(s)[1]

	// Groups: billing keeps up, analytics falls behind, and says so.
	term.keys("3")
	term.waitFor("STATUS", "CATCH-UP")
	s = term.waitForMatch(regexp.MustCompile(`analytics\s.*WARN`))
	if !regexp.MustCompile(`billing\s.*OK`).MatchString(s) {
		t.Fatalf("billing is not OK:\n%s", s)
	}
	term.keys("/")
	term.text("analytics")
	term.keys("Enter", "Enter")
	term.waitFor("Groups › Group analytics", "catch-up", "COMMITTED", "TIME LAG", "clickstream")
	term.keys("]")
	term.waitFor("CLIENT ID", "demo-analytics")
	term.keys("Escape", "Escape")

	// A topic's page: its configs and where they come from.
	term.keys("2", "/")
	term.text("orders")
	term.keys("Enter", "Enter")
	term.waitFor("Topics › Topic orders", "size limit", "measured after compression", "Partitions", "Configs")
	term.keys("]")
	term.waitFor("cleanup.policy", "SOURCE")
	term.keys("Escape", "Escape")

	// Create a topic from the form; kcat, another client, lists it.
	term.keys("n")
	term.waitFor("New Kafka topic")
	term.text("e2e-created")
	term.keys("Tab", "C-u")
	term.text("4")
	term.keys("C-s")
	term.waitFor("✔ created topic e2e-created: 4 partitions, replication factor 3")
	var meta struct {
		Topics []struct {
			Topic      string            `json:"topic"`
			Partitions []json.RawMessage `json:"partitions"`
		} `json:"topics"`
	}
	if err := json.Unmarshal([]byte(kcat(t, "", "-b", broker, "-L", "-J", "-t", "e2e-created")), &meta); err != nil || len(meta.Topics) != 1 || len(meta.Topics[0].Partitions) != 4 {
		t.Fatalf("kcat does not list the created topic with 4 partitions: %+v %v", meta, err)
	}

	// Reset the stopped group's offsets: preview, then apply behind its name.
	term.keys("3", "/")
	term.text("audit-archiver")
	term.keys("Enter", "o")
	term.waitFor("Reset the offsets of group audit-archiver", "ctrl+s preview")
	term.keys("Tab", "Tab")
	term.text("latest")
	term.keys("C-s")
	term.waitFor("audit-log/0", "ctrl+e applies this")
	term.keys("C-e")
	term.waitFor("Type audit-archiver to confirm")
	term.text("audit-archiver")
	term.waitFor("› audit-archiver")
	time.Sleep(dialog.ArmDelay) // Enter confirms only once the dialog has armed
	term.keys("Enter")
	term.waitFor("✔ reset the offsets of group audit-archiver")

	// Delete the created topic: by its name only.
	term.keys("Escape", "2", "/")
	term.text("e2e-created")
	term.keys("Enter", "C-x")
	term.waitFor("Delete topic e2e-created", "Type e2e-created to confirm")
	term.text("e2e-created")
	term.waitFor("› e2e-created")
	time.Sleep(dialog.ArmDelay)
	term.keys("Enter")
	term.waitFor("kafka.topic.delete topic e2e-created done")
	term.waitFor("no rows match the filter e2e-created") // gone from the next poll
	term.keys("q")
	term.restored(term.exited())
}
