package main

import (
	"strings"
	"testing"

	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// TestEndToEndBrokerStopped: a broker stopped under the running dashboard.
// The screen says which one and since when. The topics it led read partial,
// not smaller. The lagging group stays listed, and health is not green. A
// topic's page says what it could not read.
func TestEndToEndBrokerStopped(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	k := kafkatest.NewCluster(t)
	k.CreateTopics(3, 3, "orders")
	k.SpreadLeaders("orders")
	k.Produce("orders", 300)
	k.Commit("billing", map[string]map[int32]int64{"orders": {0: 1, 1: 1, 2: 1}})

	term := startTerminal(t, 160, 30, nil, bin, "-b", strings.Join(k.Addrs(), ","), "--refresh", "300ms")
	term.waitFor("Brokers", "up")
	term.keys("2")
	term.waitFor("orders", "300")

	k.BrokerDown(2)
	term.keys("1")
	term.waitFor("DOWN")
	term.keys("2")
	term.waitFor("orders", "(partial)")
	term.keys("3")
	s := term.waitFor("billing")
	if strings.Contains(s, "no rows") {
		t.Fatalf("the group vanished during the outage:\n%s", s)
	}
	term.keys("7")
	term.waitFor("broker 2")

	term.keys("2", "/")
	term.text("orders")
	term.keys("Enter", "Enter")
	term.waitFor("Topic orders", "✖", "broker 2")

	k.BrokerUp(2)
	term.keys("Escape", "Escape", "1")
	term.waitFor("3 brokers")
}
