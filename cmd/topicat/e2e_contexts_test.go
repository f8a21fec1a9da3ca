package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// TestEndToEndContextSwitch: the binary opens the config's current context
// (its label and read-only badge in the header), :ctx lists the contexts
// and switches to another cluster on the first pane, :ctx NAME switches
// back, and quitting leaves the terminal as it was.
func TestEndToEndContextSwitch(t *testing.T) {
	needTmux(t)
	bin := binary(t)
	a, b := kafkatest.NewCluster(t), kafkatest.NewCluster(t)
	a.CreateTopics(1, 1, "alpha-orders")
	b.CreateTopics(1, 1, "beta-events")
	cfg := writeConfig(t, `current-context: alpha
contexts:
  alpha:
    label: ALPHA prod
    colour: red
    read-only: true
    kafka: {brokers: [`+strings.Join(a.Addrs(), ", ")+`]}
  beta:
    kafka: {brokers: `+b.Addrs()[0]+`}
  gamma:
    kafka:
      brokers: [`+b.Addrs()[0]+`]
      sasl: {mechanism: scram-sha-256, user: u, password-env: PLANTED}
  delta:
    kafka:
      brokers: [`+b.Addrs()[0]+`]
      sasl: {mechanism: plain, user: u, password: `+leaked+`}
`)
	term := startTerminal(t, 140, 30, []string{"TERM=xterm-256color", "PLANTED=" + planted}, bin, "--config", cfg, "--refresh", "300ms")
	// The password written in the file is warned of where it can be seen.
	term.waitFor("ALPHA prod", "READ-ONLY", "kafka 3 brokers", "⚠ config ")
	term.keys("2")
	term.waitFor("alpha-orders")

	term.keys(":")
	term.text("ctx")
	term.keys("Enter")
	term.waitFor("Contexts", "* alpha", "  beta")
	term.keys("Down", "Enter")
	s := term.waitFor("switched to beta", "KAFKA Brokers")
	if strings.Contains(s, "READ-ONLY") || strings.Contains(s, "ALPHA") {
		t.Fatalf("alpha's header stayed:\n%s", s)
	}
	term.keys("2")
	s = term.waitFor("beta-events")
	if strings.Contains(s, "alpha-orders") {
		t.Fatalf("alpha's topics on beta:\n%s", s)
	}

	term.keys(":")
	term.text("ctx alpha")
	term.keys("Enter")
	term.waitFor("switched to ALPHA prod", "READ-ONLY")

	// Contexts with secrets, on a cluster that speaks no SASL: what fails
	// is on screen, the secrets are not, nor in the process's argv.
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", term.programPID()))
	if err != nil {
		t.Fatal(err)
	}
	for _, ctx := range []string{"gamma", "delta"} {
		term.keys(":")
		term.text("ctx " + ctx)
		term.keys("Enter")
		term.waitFor("switched to "+ctx, "KAFKA Brokers")
		s := term.waitFor("never reached", "authentication failed for user u")
		for _, out := range []string{s, string(cmdline)} {
			if strings.Contains(out, planted) || strings.Contains(out, leaked) {
				t.Fatalf("a secret is shown:\n%s", out)
			}
		}
	}
	term.keys("q")
	term.restored(term.exited())
}

// The secrets of TestEndToEndContextSwitch: one in the environment, one
// written in the config file.
const (
	planted = "Pl4nted-env-secret"
	leaked  = "Wr1tten-in-config"
)
