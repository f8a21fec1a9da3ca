package views

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
)

func TestFit(t *testing.T) {
	cols := []Column{{Title: "NAME", Min: 4, Flex: true}, {Title: "N", Min: 3, Right: true}, {Title: "NOTE", Min: 4}}
	tests := []struct {
		name    string
		natural []int
		total   int
		want    []int
	}{
		{"no limit keeps natural", []int{10, 3, 20}, 0, []int{10, 3, 20}},
		{"flex grows to fill", []int{10, 3, 20}, 50, []int{23, 3, 20}},
		{"widest gives way first", []int{10, 3, 20}, 30, []int{10, 3, 13}},
		{"then all shrink to their minimum", []int{10, 3, 20}, 15, []int{4, 3, 4}},
		{"then columns drop from the right", []int{10, 3, 20}, 10, []int{4, 3, 0}},
		{"first column takes a very narrow screen", []int{10, 3, 20}, 3, []int{3, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Fit(cols, tc.natural, tc.total)
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("Fit(%v, %d) = %v, want %v", tc.natural, tc.total, got, tc.want)
				}
			}
			if tc.total > 0 {
				if w := ansi.StringWidth(Line(make([]string, len(cols)), cols, got)); w > tc.total {
					t.Fatalf("line is %d wide, over %d", w, tc.total)
				}
			}
		})
	}
}

// A key column (an address) keeps its width while the columns after it
// drop; it is cut only when nothing else is left to give.
func TestFitSparesKeys(t *testing.T) {
	cols := []Column{{Title: "ID", Min: 2}, {Title: "ADDRESS", Min: 12, Flex: true, Key: true}, {Title: "RACK", Min: 4}, {Title: "STATE", Min: 5}}
	for _, tc := range []struct {
		total int
		want  []int
	}{
		{40, []int{2, 22, 5, 5}}, // room: the address takes what is left
		{32, []int{2, 15, 4, 5}}, // the rack gives way first
		{26, []int{2, 15, 4, 0}}, // then the last column drops, not the address
		{19, []int{2, 15, 0, 0}}, // and the next
		{18, []int{2, 14, 0, 0}}, // only then is the address cut
	} {
		if got := Fit(cols, []int{2, 15, 5, 5}, tc.total); !slices.Equal(got, tc.want) {
			t.Errorf("Fit at %d = %v, want %v", tc.total, got, tc.want)
		}
	}
}

func TestCell(t *testing.T) {
	tests := []struct {
		in    string
		width int
		right bool
		want  string
	}{
		{"abc", 5, false, "abc  "},
		{"abc", 5, true, "  abc"},
		{"abcdef", 4, false, "abc…"},
		{"日本語です", 5, false, "日本…"},
		{"x", 0, false, ""},
	}
	for _, tc := range tests {
		got := Cell(tc.in, tc.width, tc.right)
		if got != tc.want || (tc.width > 0 && ansi.StringWidth(got) != tc.width) {
			t.Errorf("Cell(%q, %d) = %q (width %d), want %q", tc.in, tc.width, got, ansi.StringWidth(got), tc.want)
		}
	}
}

func snapshotData() Data {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	return Data{
		Kafka: &sources.KafkaSnapshot{
			Meta:       sources.Meta{Taken: now},
			Controller: 2,
			Brokers: []sources.Broker{
				{ID: 1, Host: "k1", Port: 9092, Up: true},
				{ID: 2, Host: "k2", Port: 9092, Up: false, DownSince: now.Add(-90 * time.Second), LastErr: "refused"},
			},
			Topics: []sources.Topic{
				{Name: "b-topic", Messages: 5, Partitions: []sources.Partition{{ID: 0, Leader: -1, Low: -1, High: -1}}},
				{Name: "a-topic", Messages: 50, Rate: -1},
			},
			Groups: []sources.Group{{ID: "g", State: "Empty", Lag: -1, MaxLag: -1}},
		},
		NSQ: &sources.NSQSnapshot{Topics: []sources.NSQTopic{
			{Name: "events", Channels: []sources.NSQChannel{{Topic: "events", Name: "archive", Paused: true}}},
			{Name: "jobs", Channels: []sources.NSQChannel{{Topic: "jobs", Name: "worker"}}},
		}},
	}
}

func TestViewsBuild(t *testing.T) {
	d := snapshotData()
	all := All()
	find := func(sys sources.System, name string) *View {
		for _, v := range all {
			if v.System == sys && v.Name == name {
				return v
			}
		}
		t.Fatalf("no view %s/%s", sys, name)
		return nil
	}
	tests := []struct {
		view      *View
		arg       string
		wantRows  int
		wantCells []string
	}{
		{find(sources.Kafka, "brokers"), "", 2, []string{"k2:9092", "DOWN for 1m", "★", "refused"}},
		{find(sources.Kafka, "topics"), "", 2, []string{"a-topic", "–"}},
		{find(sources.Kafka, "partitions"), "b-topic", 1, []string{"none", "?"}},
		{find(sources.Kafka, "groups"), "", 1, []string{"Empty", "?"}},
		{find(sources.NSQ, "channels"), "", 2, []string{"archive", "paused", "worker"}},
		{find(sources.NSQ, "channels"), "jobs", 1, []string{"worker"}},
	}
	for _, tc := range tests {
		t.Run(tc.view.Name+" "+tc.arg, func(t *testing.T) {
			table, raw, err := tc.view.Build(d, tc.arg)
			if err != nil {
				t.Fatal(err)
			}
			if len(table.Rows) != tc.wantRows {
				t.Fatalf("%d rows, want %d", len(table.Rows), tc.wantRows)
			}
			var text bytes.Buffer
			if err := WriteTable(&text, table, table.Rows); err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.wantCells {
				if !strings.Contains(text.String(), c) {
					t.Fatalf("table lacks %q:\n%s", c, text.String())
				}
			}
			if _, err := json.Marshal(raw); err != nil {
				t.Fatalf("data behind the view does not marshal: %v", err)
			}
		})
	}
}

func TestViewErrors(t *testing.T) {
	d := snapshotData()
	for _, v := range All() {
		if v.Arg == "" {
			continue
		}
		if _, _, err := v.Build(d, "no-such-topic"); err == nil || !strings.Contains(err.Error(), "no-such-topic") {
			t.Errorf("%s with an unknown argument: %v", v.Name, err)
		}
	}
	var nc ErrNotConfigured
	if _, _, err := All()[0].Build(Data{}, ""); !errors.As(err, &nc) {
		t.Errorf("a view without its snapshot says %v", err)
	}
}

func TestSortedNumericAndStable(t *testing.T) {
	v := kafkaTopics()
	table, _, err := v.Build(snapshotData(), "")
	if err != nil {
		t.Fatal(err)
	}
	msgs := 5 // MESSAGES column
	if got := table.Sorted(msgs, false); got[0].Key != "b-topic" {
		t.Fatalf("ascending by messages starts with %s", got[0].Key)
	}
	if got := table.Sorted(msgs, true); got[0].Key != "a-topic" {
		t.Fatalf("descending by messages starts with %s", got[0].Key)
	}
	if got := table.Sorted(-1, false); got[0].Key != "b-topic" {
		t.Fatal("no sort must keep the snapshot's order")
	}
}

func TestRowsAreSafeText(t *testing.T) {
	d := Data{Kafka: &sources.KafkaSnapshot{Topics: []sources.Topic{{Name: "x\x1b[2J\x9b1m"}}}}
	table, _, err := kafkaTopics().Build(d, "")
	if err != nil {
		t.Fatal(err)
	}
	if c := table.Rows[0].Cells[0]; strings.ContainsAny(c, "\x1b\u009b") {
		t.Fatalf("cell carries control characters: %q", c)
	}
}

// TestRowStatusFollowsFindings: a row is coloured by the health pane's own
// judgement of its subject, so the two can never disagree.
func TestRowStatusFollowsFindings(t *testing.T) {
	d := snapshotData()
	d.Kafka.LastOK = d.Kafka.Taken
	d.Kafka.Topics = append(d.Kafka.Topics, sources.Topic{Name: "rf1", ReplicationFactor: 1})
	d.Findings = health.All(d.Kafka, d.NSQ)
	status := func(v *View, key string) Status {
		table, _, err := v.Build(d, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range table.Rows {
			if r.Key == key {
				return r.Status
			}
		}
		t.Fatalf("%s has no row %s", v.Name, key)
		return 0
	}
	if s := status(kafkaBrokers(), "2"); s != Bad {
		t.Errorf("a down broker's row is %v, want Bad", s)
	}
	if s := status(kafkaBrokers(), "1"); s != Normal {
		t.Errorf("a healthy broker's row is %v", s)
	}
	if s := status(kafkaTopics(), "rf1"); s != Warn {
		t.Errorf("an RF 1 topic's row is %v, want Warn", s)
	}
	if s := status(nsqChannels(), "events/archive"); s != Muted {
		t.Errorf("a paused empty channel's row is %v, want Muted", s)
	}
}

// TestRowJSONKeepsEveryField: a row type that adds fields to a snapshot type
// with its own MarshalJSON keeps both, in JSON's conventions.
func TestRowJSONKeepsEveryField(t *testing.T) {
	d := snapshotData()
	d.NSQ = &sources.NSQSnapshot{Nodes: []sources.NSQNode{{Addr: "10.0.0.5:4151", Hostname: "nsq-a", Up: true}}}
	for _, tc := range []struct {
		view *View
		want []string
	}{
		{kafkaBrokers(), []string{`"id":`, `"controller":`, `"up":`}},
		{nsqNodes(), []string{`"lookupds_up":`, `"hostname":`}},
	} {
		_, raw, err := tc.view.Build(d, "")
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s JSON lacks %s: %s", tc.view.Name, w, b)
			}
		}
	}
}

// TestPageJSON: a page is its subject as the list views write it, then its
// sections by name; unknown figures are null, a section that could not be
// built says why, and failed parts of the answer are listed.
func TestPageJSON(t *testing.T) {
	d := snapshotData()
	d.Kafka.Groups = append(d.Kafka.Groups,
		sources.Group{ID: "readers", State: "Stable", Topics: []string{"b-topic"}, Partitions: []sources.GroupPartition{{Topic: "b-topic", Partition: 0, Committed: 3, End: -1, Lag: -1}}},
		sources.Group{ID: "assigned", State: "Stable", Topics: []string{"b-topic"}})
	d.DetailErr = errors.New("describe topic b-topic: no broker answered")
	d.DetailProblems = []sources.TargetResult{{Target: "topic b-topic configs", Err: "broker 2 is down"}, {Target: "fine", Detail: "ok"}}
	_, raw, err := topicPage().Build(d, "b-topic")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	var topic map[string]json.RawMessage
	if err := json.Unmarshal(got["topic"], &topic); err != nil || string(topic["name"]) != `"b-topic"` {
		t.Fatalf("topic: %s", got["topic"])
	}
	if _, ok := topic["partitions"]; ok {
		t.Error("partitions are in the topic and in their section")
	}
	want := map[string]string{
		"groups":   `[{"group":"readers","state":"Stable","stale":false,"status":null,"lag":null,"max_lag":null},{"group":"assigned","state":"Stable","stale":false,"status":null,"lag":null,"max_lag":null}]`,
		"configs":  `{"error":"describe topic b-topic: no broker answered"}`,
		"problems": `[{"target":"topic b-topic configs","error":"broker 2 is down"}]`,
	}
	for k, w := range want {
		if string(got[k]) != w {
			t.Errorf("%s: %s\nwant   %s", k, got[k], w)
		}
	}
	if _, ok := got["partitions"]; !ok {
		t.Errorf("no partitions section: %s", b)
	}
}
