package main

import (
	"context"
	"errors"
	"io"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// adminCluster is a kfake cluster for the admin commands and what tells
// their effect: Kafka's own answers through kadm.
type adminCluster struct {
	*kafkatest.Cluster
	t       *testing.T
	brokers string
}

func newAdminCluster(t *testing.T) *adminCluster {
	t.Helper()
	c := kafkatest.NewCluster(t)
	return &adminCluster{Cluster: c, t: t, brokers: strings.Join(c.Addrs(), ",")}
}

func (a *adminCluster) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	a.t.Cleanup(cancel)
	return ctx
}

// partitions is how many partitions Kafka's metadata gives topic now; -1
// when it does not exist.
func (a *adminCluster) partitions(topic string) int {
	a.t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(a.ctx(), a.Client())
	if err != nil {
		a.t.Fatal(err)
	}
	for _, mt := range resp.Topics {
		if mt.Topic != nil && *mt.Topic == topic && mt.ErrorCode == 0 {
			return len(mt.Partitions)
		}
	}
	return -1
}

func (a *adminCluster) config(topic, key string) string {
	a.t.Helper()
	rcs, err := a.Admin().DescribeTopicConfigs(a.ctx(), topic)
	if err != nil {
		a.t.Fatal(err)
	}
	rc, _ := rcs.On(topic, nil)
	for _, c := range rc.Configs {
		if c.Key == key {
			return c.MaybeValue()
		}
	}
	return ""
}

func (a *adminCluster) offsets(group string) map[string]map[int32]int64 {
	a.t.Helper()
	rs, err := a.Admin().FetchOffsets(a.ctx(), group)
	out := map[string]map[int32]int64{}
	if errors.Is(err, kerr.GroupIDNotFound) {
		return out
	}
	if err != nil {
		a.t.Fatal(err)
	}
	rs.Each(func(o kadm.OffsetResponse) {
		if out[o.Topic] == nil {
			out[o.Topic] = map[int32]int64{}
		}
		out[o.Topic][o.Partition] = o.At
	})
	return out
}

func (a *adminCluster) groupListed(group string) bool {
	a.t.Helper()
	ls, err := a.Admin().ListGroups(a.ctx())
	if err != nil {
		a.t.Fatal(err)
	}
	_, ok := ls[group]
	return ok
}

func (a *adminCluster) logStart(topic string, p int32) int64 {
	a.t.Helper()
	ls, err := a.Admin().ListStartOffsets(a.ctx(), topic)
	if err != nil {
		a.t.Fatal(err)
	}
	o, _ := ls.Lookup(topic, p)
	return o.Offset
}

// cli runs topicat against the cluster, stdin not a terminal.
func (a *adminCluster) cli(args ...string) (stdout, stderr string, code int) {
	a.t.Helper()
	return runCLI(a.t, append(args, "-b", a.brokers)...)
}

// want checks a run: its exit code, and the text on each stream ("" for
// nothing there; otherwise contained). A failure is one line on stderr.
type want struct {
	code           int
	stdout, stderr string
}

func check(t *testing.T, args []string, stdout, stderr string, code int, w want) {
	t.Helper()
	if code != w.code {
		t.Fatalf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, w.code, stdout, stderr)
	}
	for _, s := range []struct{ name, got, want string }{{"stdout", stdout, w.stdout}, {"stderr", stderr, w.stderr}} {
		if (s.want == "" && s.got != "") || !strings.Contains(s.got, s.want) {
			t.Fatalf("%v: %s %q, want %q", args, s.name, s.got, s.want)
		}
	}
	if code != 0 && strings.Count(stderr, "\n") != 1 && !strings.Contains(stderr, "(said above)") && !strings.Contains(stderr, "(see NOTE)") {
		t.Fatalf("%v: the error is not one line: %q", args, stderr)
	}
}

func TestAdminCommands(t *testing.T) {
	a := newAdminCluster(t)
	a.CreateTopics(2, 3, "events")
	for p := range int32(2) {
		a.Fill("events", p, 10, func(o int64) time.Time { return time.Date(2020, 1, 1, 0, int(o), 0, 0, time.UTC) })
	}
	a.JoinGroup("live", "events")
	a.Commit("idle", map[string]map[int32]int64{"events": {0: 1}})
	a.Commit("billing", map[string]map[int32]int64{"events": {0: 5, 1: 8}})

	steps := []struct {
		name  string
		args  []string
		want  want
		after func(t *testing.T)
	}{
		{"create a topic", []string{"create", "topic", "orders", "-p", "3", "-r", "3", "--topic-config", "retention.ms=1000"},
			want{0, "topic orders: created: 3 partitions, replication factor 3, retention.ms=1000\n", ""}, func(t *testing.T) {
				if a.partitions("orders") != 3 || a.config("orders", "retention.ms") != "1000" {
					t.Fatal("orders is not as created")
				}
			}},
		{"create with one copy: warned", []string{"create", "topic", "audit", "-p", "1", "-r", "1"},
			want{0, "topic audit: created: 1 partition, replication factor 1\n", "topicat: warning: replication factor 1"}, nil},
		{"create with more copies than brokers", []string{"create", "topic", "wide", "-p", "1", "-r", "4"},
			want{1, "", "topicat: create topic wide: replication factor 4 is more than the cluster's 3 live brokers (0, 1, 2): at most 3\n"}, func(t *testing.T) {
				if a.partitions("wide") != -1 {
					t.Fatal("wide was created")
				}
			}},
		{"create what exists", []string{"create", "topic", "orders", "-p", "1", "-r", "1"}, want{1, "", "topicat: topic orders: already exists\n"}, nil},
		{"create without -r", []string{"create", "topic", "x", "-p", "1"}, want{2, "", "create topic needs -p PARTITIONS and -r REPLICATION-FACTOR"}, nil},
		{"create with a bad config", []string{"create", "topic", "x", "-p", "1", "-r", "1", "--topic-config", "retention.ms"}, want{2, "", `--topic-config "retention.ms": want name=value`}, nil},
		{"create what", []string{"create", "queue", "x"}, want{2, "", `create "queue": topicat can create topic NAME`}, nil},

		{"alter partitions and configs", []string{"alter", "topic", "orders", "--partitions", "5", "--topic-config", "retention.ms=2000", "--delete-config", "cleanup.policy"},
			want{0, "topic orders partitions: 3 → 5 partitions\ntopic orders configs: set retention.ms=2000; deleted cleanup.policy (back to the default)\n", ""}, func(t *testing.T) {
				if a.partitions("orders") != 5 || a.config("orders", "retention.ms") != "2000" {
					t.Fatal("orders is not as altered")
				}
			}},
		{"alter to fewer partitions", []string{"alter", "topic", "orders", "--partitions", "2"},
			want{1, "", "orders has 5 partitions (0-4) and Kafka cannot remove partitions: give 5 or more"}, func(t *testing.T) {
				if a.partitions("orders") != 5 {
					t.Fatal("partitions changed")
				}
			}},
		{"alter nothing", []string{"alter", "topic", "orders"}, want{2, "", "alter topic needs something to change"}, nil},

		{"delete a topic without a terminal", []string{"delete", "topic", "audit"},
			want{2, "", "no terminal to confirm on (standard input is not one): add --yes to delete topic audit and all its records"}, func(t *testing.T) {
				if a.partitions("audit") != 1 {
					t.Fatal("audit was deleted without --yes")
				}
			}},
		{"delete a topic", []string{"delete", "topic", "audit", "--yes"}, want{0, "topic audit: deleted\n", ""}, func(t *testing.T) {
			if a.partitions("audit") != -1 {
				t.Fatal("audit is still there")
			}
		}},
		{"delete a topic that is not there", []string{"delete", "topic", "audit", "-y"}, want{1, "", "topicat: topic audit: does not exist\n"}, nil},

		{"delete an active group", []string{"delete", "group", "live", "--yes"},
			want{1, "", "topicat: group live is Stable with 1 member: stop its consumers first; Kafka refuses to delete an active group\n"}, func(t *testing.T) {
				if !a.groupListed("live") {
					t.Fatal("live was deleted")
				}
			}},
		{"delete a group without a terminal", []string{"delete", "group", "idle"}, want{2, "", "add --yes to delete group idle"}, nil},
		{"delete a group", []string{"delete", "group", "idle", "--yes"}, want{0, "group idle: deleted, with its committed offsets\n", ""}, func(t *testing.T) {
			if a.groupListed("idle") {
				t.Fatal("idle is still listed")
			}
		}},

		{"delete records", []string{"delete", "records", "events:1@4", "--yes"},
			want{0, "events/1: records before offset 4 deleted: the log starts at 4\n", ""}, func(t *testing.T) {
				if a.logStart("events", 1) != 4 {
					t.Fatal("events/1 does not start at 4")
				}
			}},
		{"delete records past the end", []string{"delete", "records", "events:0@40", "--yes"},
			want{1, "", "offset 40 is past the end of the partition (10): give 10 or less"}, nil},
		{"delete records, badly said", []string{"delete", "records", "events@4", "--yes"}, want{2, "", "no :PARTITION; want TOPIC:PARTITION@OFFSET"}, nil},
		{"delete records without a terminal", []string{"delete", "records", "events:0@4"}, want{2, "", "add --yes to delete the records of events/0 before offset 4"}, func(t *testing.T) {
			if a.logStart("events", 0) != 0 {
				t.Fatal("records deleted without --yes")
			}
		}},

		{"reset-offsets: a dry run", []string{"reset-offsets", "billing", "--to", "earliest"},
			want{0, "TOPIC   PARTITION  OLD  NEW  END  LAG BEFORE  LAG AFTER  NOTE\nevents  0          5    0    10   5           10         \nevents  1          8    4    10   2           6          \n",
				"topicat: dry run: nothing changed; add --execute to commit these offsets\n"}, func(t *testing.T) {
				if got := a.offsets("billing"); got["events"][0] != 5 || got["events"][1] != 8 {
					t.Fatalf("the dry run moved offsets: %v", got)
				}
			}},
		{"reset-offsets --execute without a terminal", []string{"reset-offsets", "billing", "--to", "earliest", "--execute"},
			want{2, "", "add --yes to move the committed offsets of group billing (every partition it has committed) to earliest"}, func(t *testing.T) {
				if got := a.offsets("billing"); got["events"][0] != 5 {
					t.Fatalf("offsets moved: %v", got)
				}
			}},
		{"reset-offsets one partition back", []string{"reset-offsets", "billing", "--topic", "events:1", "--to", "-3", "--execute", "--yes"},
			want{0, "events  1          8    5    10   2           5          committed\n", ""}, func(t *testing.T) {
				if got := a.offsets("billing"); !maps.Equal(got["events"], map[int32]int64{0: 5, 1: 5}) {
					t.Fatalf("Kafka has %v", got)
				}
			}},
		{"reset-offsets to a time", []string{"reset-offsets", "billing", "--topic", "events", "--to", "@2020-01-01T00:07:00Z", "--execute", "--yes"},
			want{0, "events  0          5    7    10   5           3          committed\n", ""}, func(t *testing.T) {
				if got := a.offsets("billing"); !maps.Equal(got["events"], map[int32]int64{0: 7, 1: 7}) {
					t.Fatalf("Kafka has %v", got)
				}
			}},
		{"reset-offsets clamped", []string{"reset-offsets", "billing", "--topic", "events:0", "--to", "99"},
			want{0, "clamped to the end 10 (99 asked)", "dry run"}, nil},
		{"reset-offsets of an active group", []string{"reset-offsets", "live", "--to", "latest"},
			want{1, "", "topicat: group live is Stable with 1 member: stop its consumers first; Kafka refuses to move an active group's offsets\n"}, nil},
		{"reset-offsets failing a partition", []string{"reset-offsets", "billing", "--topic", "orders", "--to", "+1", "--execute", "--yes"},
			want{1, "failed: nothing committed to shift from", "topicat: 5 of 5 partitions failed: orders/0, orders/1, orders/2, orders/3, orders/4 (see NOTE)\n"}, nil},
		{"reset-offsets without --to", []string{"reset-offsets", "billing"}, want{2, "", "reset-offsets needs --to"}, nil},
		{"reset-offsets to nowhere", []string{"reset-offsets", "billing", "--to", "soon"}, want{2, "", `--to: "soon": want earliest, latest, @TIME, an offset, or +N/-N to shift`}, nil},
		{"reset-offsets of a bad partition", []string{"reset-offsets", "billing", "--topic", "events:x", "--to", "earliest"}, want{2, "", `--topic "events:x": "x" is not a partition number`}, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			stdout, stderr, code := a.cli(st.args...)
			check(t, st.args, stdout, stderr, code, st.want)
			if st.after != nil {
				st.after(t)
			}
		})
	}
}

// TestAdminReadOnly: under --read-only every command that would change the
// cluster is refused before anything is sent, and Kafka shows nothing
// changed; a dry run, which changes nothing, still runs.
func TestAdminReadOnly(t *testing.T) {
	a := newAdminCluster(t)
	a.CreateTopic("orders", 2, 3, map[string]string{"retention.ms": "1000"})
	a.Fill("orders", 0, 10, nil)
	a.Commit("idle", map[string]map[int32]int64{"orders": {0: 3}})
	unchanged := func(t *testing.T) {
		t.Helper()
		if a.partitions("orders") != 2 || a.config("orders", "retention.ms") != "1000" || a.partitions("made") != -1 {
			t.Fatal("topics changed")
		}
		if !a.groupListed("idle") || a.offsets("idle")["orders"][0] != 3 || a.logStart("orders", 0) != 0 {
			t.Fatal("groups or records changed")
		}
	}
	for _, args := range [][]string{
		{"create", "topic", "made", "-p", "1", "-r", "1"},
		{"delete", "topic", "orders"}, // refused before it would ask
		{"delete", "topic", "orders", "--yes"},
		{"alter", "topic", "orders", "--partitions", "4", "--topic-config", "retention.ms=5"},
		{"delete", "group", "idle", "--yes"},
		{"delete", "records", "orders:0@5", "--yes"},
		{"reset-offsets", "idle", "--to", "latest", "--execute", "--yes"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			args = append(args, "--read-only")
			stdout, stderr, code := a.cli(args...)
			check(t, args, stdout, stderr, code, want{1, "", "topicat: " + sources.ErrReadOnly.Error() + "\n"})
			unchanged(t)
		})
	}
	t.Run("a dry run", func(t *testing.T) {
		args := []string{"reset-offsets", "idle", "--to", "latest", "--read-only"}
		stdout, stderr, code := a.cli(args...)
		check(t, args, stdout, stderr, code, want{0, "orders  0          3    10   10   7           0", "dry run"})
		unchanged(t)
	})
}

func TestParseTargets(t *testing.T) {
	for _, tc := range []struct {
		in    string
		topic string
		p     int32
		err   bool
	}{
		{"", "", -1, false}, {"orders", "orders", -1, false}, {"orders:3", "orders", 3, false},
		{"orders:-1", "", 0, true}, {":3", "", 0, true}, {"orders:x", "", 0, true},
	} {
		topic, p, err := parseTopicPartition(tc.in)
		if (err != nil) != tc.err || (!tc.err && (topic != tc.topic || p != tc.p)) {
			t.Errorf("--topic %q → %q %d %v", tc.in, topic, p, err)
		}
	}
	for _, tc := range []struct {
		in   string
		want sources.DeleteRecords
		err  string
	}{
		{"orders:2@100", sources.DeleteRecords{Topic: "orders", Partition: 2, Before: 100}, ""},
		{"my.topic-1:0@0", sources.DeleteRecords{Topic: "my.topic-1", Partition: 0, Before: 0}, ""},
		{"orders:2", sources.DeleteRecords{}, "no @OFFSET"},
		{"orders@2", sources.DeleteRecords{}, "no :PARTITION"},
		{"orders:x@2", sources.DeleteRecords{}, `partition "x"`},
		{"orders:1@-2", sources.DeleteRecords{}, `offset "-2"`},
	} {
		got, err := parseRecordsSpec(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q → %+v %v", tc.in, got, err)
		}
	}
	if _, err := parseConfigs([]string{"a=1", "a=2"}); err == nil || !strings.Contains(err.Error(), "--config a given twice") {
		t.Errorf("a config given twice: %v", err)
	}
	if got, err := parseConfigs([]string{"a=x=y", "b="}); err != nil || got["a"] != "x=y" || got["b"] != "" {
		t.Errorf("values with = and empty: %v %v", got, err)
	}
}

// TestAskName: the typed name must be the name as shown; anything else, or
// nothing, or ctrl+c, aborts.
func TestAskName(t *testing.T) {
	for _, tc := range []struct {
		name, typed, err string
	}{
		{"orders", "orders\n", ""},
		{"orders", "orders\r\n", ""},
		{"orders", "order\n", `aborted: "order" is not "orders"; nothing was changed`},
		{"orders", " orders\n", "aborted"},
		{"orders", "", "aborted: nothing typed"},
		// What a terminal shows of a hostile name is what can be typed.
		{"evil\x1b[2J", "evil\\x1b[2J\n", ""},
	} {
		var out strings.Builder
		err := askName(context.Background(), strings.NewReader(tc.typed), &out, "Delete topic x", tc.name)
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q typed for %q: %v, want %q", tc.typed, tc.name, err, tc.err)
		}
		if !strings.HasPrefix(out.String(), "Delete topic x? Type ") || strings.ContainsRune(out.String(), '\x1b') {
			t.Errorf("prompt %q", out.String())
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	done := make(chan error, 1)
	go func() { done <- askName(ctx, r, io.Discard, "Delete topic x", "x") }()
	cancel() // ctrl+c while the question waits
	if err := <-done; err == nil || !strings.Contains(err.Error(), "aborted") {
		t.Fatalf("ctrl+c: %v", err)
	}
}
