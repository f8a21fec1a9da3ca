package main

import (
	"strings"
	"testing"
)

// TestEndToEndDeleteAsksForTheName: on a terminal a destructive command asks
// for the name to be typed; a wrong one aborts and changes nothing, the right
// one goes ahead. (ctrl+c at the question is TestAskName's: here it would end
// the pane's shell too.)
func TestEndToEndDeleteAsksForTheName(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	a := newAdminCluster(t)
	a.CreateTopics(1, 3, "doomed")
	tests := []struct {
		name, typed string
		key         string
		status      string
		screen      string
		partitions  int // of doomed afterwards; -1 gone
	}{
		{"a wrong name", "doom", "Enter", "exit=1", `topicat: aborted: "doom" is not "doomed"; nothing was changed`, 1},
		{"the name", "doomed", "Enter", "exit=0", "topic doomed: deleted", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			term := startTerminal(t, 120, 10, nil, bin, "delete", "topic", "doomed", "-b", a.brokers)
			term.waitFor("Delete topic doomed and all its records? Type doomed to confirm:")
			term.text(tc.typed)
			term.keys(tc.key)
			if status := term.exited(); !strings.HasPrefix(status, tc.status) {
				t.Fatalf("status %q, want %s\n%s", status, tc.status, term.screen())
			}
			term.waitFor(tc.screen)
			if got := a.partitions("doomed"); got != tc.partitions {
				t.Fatalf("doomed has %d partitions after, want %d", got, tc.partitions)
			}
		})
	}
}

// TestEndToEndResetShowsThePlanBeforeAsking: --execute on a terminal prints
// the plan, then asks; what is committed is the plan shown, even when the
// end moved while the question waited.
func TestEndToEndResetShowsThePlanBeforeAsking(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	a := newAdminCluster(t)
	a.CreateTopics(1, 3, "events")
	a.Fill("events", 0, 10, nil)
	a.Commit("billing", map[string]map[int32]int64{"events": {0: 4}})

	term := startTerminal(t, 120, 12, nil, bin, "reset-offsets", "billing", "--to", "latest", "--execute", "-b", a.brokers)
	term.waitFor("events  0          4    10   10   6           0", "Commit these offsets for group billing? Type billing to confirm:")
	a.Fill("events", 0, 5, nil) // the end moves to 15 while the question waits
	term.text("billing")
	term.keys("Enter")
	if status := term.exited(); !strings.HasPrefix(status, "exit=0") {
		t.Fatalf("status %q\n%s", status, term.screen())
	}
	if got := a.offsets("billing")["events"][0]; got != 10 {
		t.Fatalf("committed %d, want 10: the plan shown, not the end when confirmed", got)
	}
}
