package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/secure"
)

// logRecord is one line of --log-file, the fields the tests read.
type logRecord struct {
	Time    string         `json:"time"`
	Level   string         `json:"level"`
	Msg     string         `json:"msg"`
	Command string         `json:"command"`
	Context string         `json:"context"`
	System  string         `json:"system"`
	Cluster []string       `json:"cluster"`
	Action  string         `json:"action"`
	Target  string         `json:"target"`
	Outcome string         `json:"outcome"`
	Error   string         `json:"error"`
	Request map[string]any `json:"request"`
	Results []targetRecord `json:"results"`
	Who     struct {
		User string `json:"user"`
		Host string `json:"host"`
	} `json:"who"`
	Endpoint string `json:"endpoint"`
}

// readLog parses every line of the log file; a line that is not JSON fails.
func readLog(t *testing.T, path string) ([]logRecord, string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []logRecord
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var r logRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, sc.Text())
		}
		out = append(out, r)
	}
	return out, string(b)
}

func findRecords(recs []logRecord, msg, action string) []logRecord {
	var out []logRecord
	for _, r := range recs {
		if r.Msg == msg && (action == "" || r.Action == action) {
			out = append(out, r)
		}
	}
	return out
}

// TestLogFileAudit: with --log-file every change is an audit record naming
// who, what, where and the outcome per target; reads are request records;
// a broker that fails under a poll is logged by name; the secret in the
// environment and the produced bytes appear nowhere in the file.
func TestLogFileAudit(t *testing.T) {
	a := newAdminCluster(t)
	a.CreateTopic("orders", 2, 3, nil)
	log := filepath.Join(t.TempDir(), "topicat.log")
	const secret = "s3cr3t-hunter2-bytes"
	env := map[string]string{"TOPICAT_SASL_PASSWORD": secret}
	cli := func(stdin string, args ...string) (string, string, int) {
		t.Helper()
		return runCLIWith(t, env, stdin, append(args, "-b", a.brokers, "--log-file", log)...)
	}

	if _, stderr, code := cli("", "create", "topic", "made", "-p", "1", "-r", "1"); code != 0 {
		t.Fatalf("create: exit %d: %s", code, stderr)
	}
	if _, _, code := cli("", "delete", "topic", "absent", "--yes"); code != 1 {
		t.Fatalf("delete of a missing topic: exit %d, want 1", code)
	}
	if _, stderr, code := cli("payload-"+secret+"\n", "produce", "orders"); code != 0 {
		t.Fatalf("produce: exit %d: %s", code, stderr)
	}
	if _, _, code := cli("", "create", "topic", "never", "-p", "1", "-r", "1", "--read-only"); code != 1 {
		t.Fatalf("create under --read-only: exit %d, want 1", code)
	}
	a.BrokerDown(2)
	cli("", "get", "brokers") // partial: its exit status is get's business
	a.BrokerUp(2)

	recs, raw := readLog(t, log)
	if strings.Contains(raw, secret) {
		t.Fatalf("the secret's bytes are in the log:\n%s", raw)
	}
	if starts := findRecords(recs, "start", ""); len(starts) != 5 || starts[0].Command != "topicat create topic" || starts[0].Who.User == "" {
		t.Fatalf("start records: %+v", starts)
	}

	hostname, _ := os.Hostname()
	created := findRecords(recs, "audit", "kafka.topic.create")
	if len(created) != 1 {
		t.Fatalf("audit records of the create: %+v\n%s", created, raw)
	}
	c := created[0]
	if c.Who.User == "" || c.Who.Host != hostname || c.Time == "" || c.System != "kafka" ||
		!slices.Equal(c.Cluster, a.Addrs()) || !strings.HasSuffix(c.Target, "made") || c.Outcome != "ok" || c.Request["partitions"] != float64(1) {
		t.Fatalf("create audited as %+v", c)
	}
	if len(c.Results) == 0 || c.Results[0].Target == "" {
		t.Fatalf("create audited without a result per target: %+v", c)
	}

	deleted := findRecords(recs, "audit", "kafka.topic.delete")
	if len(deleted) != 1 || deleted[0].Outcome != "failed" || deleted[0].Level != "ERROR" || !strings.Contains(raw, "absent") {
		t.Fatalf("failed delete audited as %+v", deleted)
	}

	produced := findRecords(recs, "audit", string(sources.ActionProduce))
	if len(produced) != 1 || produced[0].Request["messages"] != float64(1) || produced[0].Request["topic"] != "orders" || produced[0].Outcome != "ok" {
		t.Fatalf("produce audited as %+v", produced)
	}

	var refused []logRecord
	for _, r := range findRecords(recs, "audit", "") {
		if r.Outcome == "refused" {
			refused = append(refused, r)
		}
	}
	if len(refused) != 1 || refused[0].Command != "topicat create topic" || refused[0].Who.User == "" {
		t.Fatalf("the create refused under --read-only is audited as %+v", refused)
	}

	failing := findRecords(recs, "endpoint failing", "")
	if len(failing) == 0 || !strings.Contains(failing[0].Endpoint, "broker 2") {
		t.Fatalf("the broker that was down is not logged by name: %+v\n%s", failing, raw)
	}
	if f := findRecords(recs, "command failed", ""); len(f) == 0 || f[0].Command != "topicat delete topic" || !strings.Contains(f[0].Error, "absent") {
		t.Fatalf("the failed delete is not logged as a failed command: %+v", f)
	}
}

// TestLogFileRefusedUnderReadOnly: a change refused by a read-only source
// is audited as refused.
func TestLogFileRefusedUnderReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	lg, err := openActionLog(path)
	if err != nil {
		t.Fatal(err)
	}
	b := observe(built{src: sources.ReadOnly(refusingSource{})}, settings{Context: "prod", Brokers: []string{"k1:9092"}, ReadOnly: true}, sources.Kafka)
	ctx := withActionLog(t.Context(), lg)
	res := b.src.Do(ctx, sources.Request{ID: 1, Body: sources.DeleteTopic{Topic: "orders"}})
	lg.close()
	if res.Err != sources.ErrReadOnly.Error() {
		t.Fatalf("not refused: %+v", res)
	}
	recs, _ := readLog(t, path)
	if len(recs) != 1 || recs[0].Msg != "audit" || recs[0].Outcome != "refused" || recs[0].Context != "prod" || !strings.HasSuffix(recs[0].Target, "orders") {
		t.Fatalf("records: %+v", recs)
	}
}

type refusingSource struct{ sources.Source }

func (refusingSource) Do(_ context.Context, req sources.Request) sources.Result {
	return sources.Result{Request: req, Err: "reached the cluster"}
}

// TestLogRedactsSecrets: whatever a caller logs, a secret's value does not
// reach the file.
func TestLogRedactsSecrets(t *testing.T) {
	const value = "tok-9f8e7d"
	path := filepath.Join(t.TempDir(), "x.log")
	lg, err := openActionLog(path)
	if err != nil {
		t.Fatal(err)
	}
	s := secure.Secret{Inline: value}
	sasl := &secure.SASL{Mechanism: secure.Plain, User: "alice", Password: s}
	lg.l.Info("probe",
		slog.Any("secret", s), slog.Any("ptr", &s), slog.Any("sasl", sasl),
		slog.String("password", value), slog.String("auth_token", value),
		slog.Group("g", slog.Any("inner", s)))
	lg.close()
	lg.l.Info("after close", slog.String("x", "y")) // ignored, not a panic
	_, raw := readLog(t, path)
	if strings.Contains(raw, value) || !strings.Contains(raw, secure.Redacted) || !strings.Contains(raw, "alice") {
		t.Fatalf("log:\n%s", raw)
	}
}

func TestLogFileUnwritable(t *testing.T) {
	_, stderr, code := runCLI(t, "get", "brokers", "-b", "127.0.0.1:1", "--log-file", filepath.Join(t.TempDir(), "no", "such", "dir", "x.log"))
	if code != 2 || !strings.Contains(stderr, "--log-file") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("exit %d: %q", code, stderr)
	}
}

func TestSnakeKeys(t *testing.T) {
	for in, want := range map[string]string{"Topic": "topic", "ResetTo": "reset_to", "TLSVersion": "tls_version", "ID": "id", "Partitions": "partitions", "AuthIdentity": "auth_identity"} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}
