// Package actions holds the keys that change a cluster from the panes: on
// Kafka create, alter and delete topics, edit a topic's config, reset and
// delete groups, delete records; on NSQ (nsq.go) pause, empty, delete,
// tombstone and create topics and channels. Each builds a typed request in a form or a
// confirmation, never does I/O itself, and is marked mutating so that a
// read-only session refuses it; destructive ones ask for the name to be
// typed. A reset previews the offsets and lag it would leave before it can
// be applied.
package actions

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/dialog"
	"github.com/topicat/topicat/tui/screen"
	"github.com/topicat/topicat/tui/views"
)

// For returns the action keys of a view's selected row: key is the row's
// Key, arg the view's argument ("" or the page's subject), detail the page's
// Fetch answer (nil off a page or before it came).
func For(host screen.Host, v *views.View, detail any, arg, key string) []screen.Binding {
	switch v.System {
	case sources.NSQ:
		return nsqFor(host, v, arg, key)
	case sources.Kafka:
	default:
		return nil
	}
	none := ""
	if key == "" {
		none = "no row is selected"
	}
	switch {
	case v.Name == "topics" && v.Owner == "":
		return []screen.Binding{
			{Keys: []string{"n"}, Help: "new topic", Footer: true, Mutating: true, Run: func() tea.Cmd { return CreateTopic(host) }},
			{Keys: []string{"e"}, Help: "alter topic (partitions, configs)", Mutating: true, Disabled: none, Run: func() tea.Cmd { return AlterTopic(host, key) }},
			{Keys: []string{"ctrl+x"}, Help: "delete topic", Mutating: true, Disabled: none, Run: func() tea.Cmd { return DeleteTopic(host, key) }},
		}
	case v.Name == "partitions" && v.Owner != "group":
		return []screen.Binding{
			{Keys: []string{"ctrl+x"}, Help: "delete records before an offset", Mutating: true, Disabled: none, Run: func() tea.Cmd { return DeleteRecords(host, arg, key) }},
		}
	case v.Name == "configs" && v.Owner == "topic":
		return configKeys(host, arg, findConfig(detail, key))
	case v.Name == "groups" && v.Owner == "":
		return groupKeys(host, key, "", -1, none)
	case v.Name == "groups" && v.Owner == "topic": // a topic's readers
		return groupKeys(host, key, arg, -1, none)
	case v.Name == "partitions" && v.Owner == "group":
		topic, p, _ := strings.Cut(key, "\x00")
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil {
			n = -1
		}
		return groupKeys(host, arg, topic, int32(n), none)
	}
	return nil
}

// groupKeys reset a group's offsets (its whole, a topic's, a partition's)
// and delete it.
func groupKeys(host screen.Host, group, topic string, partition int32, none string) []screen.Binding {
	busy := none
	if g := findGroup(host, group); busy == "" && g != nil && g.State != "Empty" && g.State != "Dead" {
		busy = fmt.Sprintf("the group is %s with %d members: stop its consumers first", g.State, g.Members)
	}
	return []screen.Binding{
		// Opening the reset form changes nothing (it previews); applying is refused read-only.
		{Keys: []string{"o"}, Help: "reset offsets (preview first)", Footer: true, Disabled: none, Run: func() tea.Cmd { return ResetOffsets(host, group, topic, partition) }},
		{Keys: []string{"ctrl+x"}, Help: "delete group", Mutating: true, Disabled: busy, Run: func() tea.Cmd { return DeleteGroup(host, group) }},
	}
}

func snapshot(host screen.Host) *sources.KafkaSnapshot { return host.Data().Kafka }

func findTopic(host screen.Host, name string) *sources.Topic {
	_, t, _ := views.FindTopic(host.Data(), name)
	return t
}

func findGroup(host screen.Host, id string) *sources.Group {
	g, _ := views.FindGroup(host.Data(), id)
	return g
}

// liveBrokers is how many brokers answered the last poll, -1 before one.
func liveBrokers(host screen.Host) int {
	s := snapshot(host)
	if s == nil {
		return -1
	}
	n := 0
	for _, b := range s.Brokers {
		if b.Up {
			n++
		}
	}
	return n
}

// CreateTopic opens the form for a new topic.
func CreateTopic(host screen.Host) tea.Cmd {
	live := liveBrokers(host)
	rf := "3"
	if live > 0 && live < 3 {
		rf = strconv.Itoa(live)
	}
	return host.Open(dialog.NewForm(host, dialog.FormSpec{
		Title: "New Kafka topic",
		Fields: []dialog.Field{
			{Label: "name", Placeholder: "orders.v2"},
			{Label: "partitions", Value: "6"},
			{Label: "replication", Value: rf},
			{Label: "configs", Kind: dialog.Lines, Placeholder: "one key=value per line (retention.ms=604800000)", Height: 2},
		},
		SubmitHelp: "create",
		Hint: func(v []string) string {
			n, err := strconv.Atoi(v[2])
			switch {
			case err != nil:
				return ""
			case live >= 0 && n > live:
				return fmt.Sprintf("replication factor %d is more than the %d brokers up: Kafka refuses it", n, live)
			case n < 3:
				return fmt.Sprintf("replication factor %d: losing %d broker(s) takes partitions offline and fails acks=all producers; 3 is usual", n, n)
			}
			return ""
		},
		Submit: func(v []string) (sources.System, sources.Body, error) {
			if v[0] == "" {
				return "", nil, fmt.Errorf("give the topic a name")
			}
			parts, err := positive(v[1], "partitions", math.MaxInt32)
			if err != nil {
				return "", nil, err
			}
			rf, err := positive(v[2], "replication factor", math.MaxInt16)
			if err != nil {
				return "", nil, err
			}
			configs, err := keyValues(v[3])
			if err != nil {
				return "", nil, err
			}
			return sources.Kafka, sources.CreateTopic{Topic: v[0], Partitions: int32(parts), ReplicationFactor: int16(rf), Configs: configs}, nil
		},
		Answer: func(res sources.Result) ([]string, bool, bool) {
			if lines, bad := failed(res); bad {
				return lines, true, false
			}
			c := res.Request.Body.(sources.CreateTopic)
			return []string{fmt.Sprintf("✔ created topic %s: %d partitions, replication factor %d", c.Topic, c.Partitions, c.ReplicationFactor)}, false, true
		},
	}))
}

// AlterTopic opens the form to add partitions and set or delete configs.
func AlterTopic(host screen.Host, name string) tea.Cmd {
	now := "?"
	if t := findTopic(host, name); t != nil {
		now = strconv.Itoa(len(t.Partitions))
	}
	return host.Open(dialog.NewForm(host, dialog.FormSpec{
		Title: "Alter topic " + name,
		Fields: []dialog.Field{
			{Label: "partitions", Placeholder: "now " + now + "; a larger total adds partitions (keys then map elsewhere)"},
			{Label: "set configs", Kind: dialog.Lines, Placeholder: "key=value per line", Height: 2},
			{Label: "reset configs", Kind: dialog.Lines, Placeholder: "a key per line: back to its default", Height: 1},
		},
		SubmitHelp: "apply",
		Submit: func(v []string) (sources.System, sources.Body, error) {
			a := sources.AlterTopic{Topic: name}
			if v[0] != "" {
				n, err := positive(v[0], "partitions", math.MaxInt32)
				if err != nil {
					return "", nil, err
				}
				a.Partitions = int32(n)
			}
			set, err := keyValues(v[1])
			if err != nil {
				return "", nil, err
			}
			a.SetConfigs = set
			for _, l := range strings.Split(v[2], "\n") {
				if l = strings.TrimSpace(l); l != "" {
					a.DeleteConfigs = append(a.DeleteConfigs, l)
				}
			}
			if a.Partitions == 0 && len(a.SetConfigs) == 0 && len(a.DeleteConfigs) == 0 {
				return "", nil, fmt.Errorf("nothing to change: give partitions or configs")
			}
			return sources.Kafka, a, nil
		},
		Answer: func(res sources.Result) ([]string, bool, bool) {
			if lines, bad := failed(res); bad {
				return lines, true, false
			}
			return append([]string{"✔ altered topic " + name}, details(res)...), false, true
		},
	}))
}

// configKeys edit a topic's config and return it to its default.
func configKeys(host screen.Host, topic string, c *sources.Config) []screen.Binding {
	edit, reset := "no row is selected", "no row is selected"
	if c != nil {
		edit, reset = "", ""
		if c.ReadOnly {
			edit, reset = "Kafka does not let "+c.Name+" be changed", "Kafka does not let "+c.Name+" be changed"
		}
		if reset == "" && c.Source != "topic" {
			reset = "the topic does not set " + c.Name + ": it has the " + c.Source + " value"
		}
	}
	return []screen.Binding{
		{Keys: []string{"e"}, Help: "edit this config", Footer: true, Mutating: true, Disabled: edit, Run: func() tea.Cmd { return EditConfig(host, topic, *c) }},
		{Keys: []string{"ctrl+x"}, Help: "return this config to its default", Mutating: true, Disabled: reset, Run: func() tea.Cmd { return ResetConfig(host, topic, *c) }},
	}
}

func findConfig(detail any, name string) *sources.Config {
	if d, ok := detail.(*sources.TopicDetail); ok {
		for i := range d.Configs {
			if d.Configs[i].Name == name {
				return &d.Configs[i]
			}
		}
	}
	return nil
}

// EditConfig asks for a new value of one of a topic's configs, starting
// from the one it has.
func EditConfig(host screen.Host, topic string, c sources.Config) tea.Cmd {
	hint := "enter applies; esc cancels"
	if c.Sensitive {
		hint = "a secret: Kafka does not send its value; " + hint
	}
	return host.Open(dialog.NewPrompt(host, "Set "+c.Name+" of topic "+topic, hint, c.Value,
		func(value string) (tea.Cmd, error) {
			value = strings.TrimSpace(value)
			switch {
			case value == "":
				return nil, fmt.Errorf("want a value; ctrl+x on the config returns it to its default")
			case value == c.Value && !c.Sensitive:
				return nil, fmt.Errorf("%s is already %s: esc leaves it so", c.Name, value)
			}
			return request(host, sources.AlterTopic{Topic: topic, SetConfigs: map[string]string{c.Name: value}}), nil
		}))
}

// ResetConfig asks for the config's name and deletes the topic's override.
func ResetConfig(host screen.Host, topic string, c sources.Config) tea.Cmd {
	what := []string{fmt.Sprintf("Removes the topic's own %s (%s): it takes the broker's or the built-in default.", c.Name, orSecret(c))}
	if strings.HasPrefix(c.Name, "retention.") || c.Name == "cleanup.policy" {
		what = append(what, "Where the default keeps less, Kafka deletes the older messages at once.")
	}
	return host.Open(dialog.NewConfirm(host, "Return "+c.Name+" of topic "+topic+" to its default", what, c.Name, func() tea.Cmd {
		return request(host, sources.AlterTopic{Topic: topic, DeleteConfigs: []string{c.Name}})
	}))
}

func orSecret(c sources.Config) string {
	if c.Sensitive {
		return "a secret"
	}
	return c.Value
}

// DeleteTopic asks for the topic's name and deletes it.
func DeleteTopic(host screen.Host, name string) tea.Cmd {
	what := []string{"Deletes the topic and every message in it, on every broker. This cannot be undone."}
	if t := findTopic(host, name); t != nil {
		what = append(what, fmt.Sprintf("It has %d partitions and %d messages.", len(t.Partitions), t.Messages))
	}
	if readers := readersOf(host, name); len(readers) > 0 {
		what = append(what, "Groups reading it: "+strings.Join(readers, ", ")+".")
	}
	return host.Open(dialog.NewConfirm(host, "Delete topic "+name, what, name, func() tea.Cmd {
		return request(host, sources.DeleteTopic{Topic: name})
	}))
}

func readersOf(host screen.Host, topic string) []string {
	var out []string
	if s := snapshot(host); s != nil {
		for _, g := range s.Groups {
			if slices.Contains(g.Topics, topic) {
				out = append(out, g.ID)
			}
		}
	}
	return out
}

// DeleteRecords asks for an offset of a partition, then for its name, and
// deletes the records before that offset.
func DeleteRecords(host screen.Host, topic, partition string) tea.Cmd {
	p, err := strconv.ParseInt(partition, 10, 32)
	if err != nil {
		host.Notify("select a partition")
		return nil
	}
	low, high := int64(-1), int64(-1)
	if t := findTopic(host, topic); t != nil {
		for _, pp := range t.Partitions {
			if pp.ID == int32(p) {
				low, high = pp.Low, pp.High
			}
		}
	}
	where := fmt.Sprintf("%s/%d", topic, p)
	return host.Open(dialog.NewPrompt(host, "Delete the records of "+where+" before offset",
		fmt.Sprintf("its log starts at %d and ends at %d; %d deletes everything written so far", low, high, high), strconv.FormatInt(high, 10),
		func(text string) (tea.Cmd, error) {
			before, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
			if err != nil || before < 0 {
				return nil, fmt.Errorf("%q: want an offset", text)
			}
			what := []string{fmt.Sprintf("Deletes the records of %s before offset %d: its log start moves there, and consumers behind it jump ahead.", where, before)}
			if low >= 0 && before > low {
				what = append(what, fmt.Sprintf("That is %d records. This cannot be undone.", before-low))
			}
			return host.Open(dialog.NewConfirm(host, "Delete records of "+where, what, where, func() tea.Cmd {
				return request(host, sources.DeleteRecords{Topic: topic, Partition: int32(p), Before: before})
			})), nil
		}))
}

// DeleteGroup asks for the group's name and deletes it.
func DeleteGroup(host screen.Host, group string) tea.Cmd {
	what := []string{"Deletes the group and its committed offsets: its consumers would start again from their reset policy (earliest or latest)."}
	return host.Open(dialog.NewConfirm(host, "Delete group "+group, what, group, func() tea.Cmd {
		return request(host, sources.DeleteGroup{Group: group})
	}))
}

// ResetOffsets opens the reset form for a group, a topic of it or a
// partition: it previews first, and applies only what it previewed.
func ResetOffsets(host screen.Host, group, topic string, partition int32) tea.Cmd {
	part := ""
	if partition >= 0 {
		part = strconv.Itoa(int(partition))
	}
	// What was previewed, and from which field values: ctrl+e applies
	// exactly that, and only while the fields still say the same.
	var (
		previewed     *sources.ResetOffsets
		previewedFrom []string
		form          *dialog.Form
	)
	parse := func(v []string) (sources.ResetOffsets, error) {
		r := sources.ResetOffsets{Group: group, Topic: v[0], Partition: -1}
		if v[1] != "" {
			n, err := strconv.ParseInt(v[1], 10, 32)
			if err != nil || n < 0 {
				return r, fmt.Errorf("partition %q: want a number, or nothing for every partition", v[1])
			}
			if r.Topic == "" {
				return r, fmt.Errorf("a partition needs its topic")
			}
			r.Partition = int32(n)
		}
		kind, n, at, err := sources.ParseResetTo(v[2], time.Now())
		if err != nil {
			return r, err
		}
		r.To, r.N, r.Time = kind, n, at
		return r, nil
	}
	form = dialog.NewForm(host, dialog.FormSpec{
		Title: "Reset the offsets of group " + group,
		Fields: []dialog.Field{
			{Label: "topic", Value: topic, Placeholder: "every topic the group has offsets for"},
			{Label: "partition", Value: part, Placeholder: "every partition"},
			{Label: "to", Placeholder: "earliest | latest | @TIME (@-1h, @2026-11-26) | OFFSET | +N | -N"},
		},
		SubmitHelp: "preview",
		MaxAnswer:  10,
		Submit: func(v []string) (sources.System, sources.Body, error) {
			r, err := parse(v)
			return sources.Kafka, r, err
		},
		Answer: func(res sources.Result) ([]string, bool, bool) {
			r, _ := res.Request.Body.(sources.ResetOffsets)
			if lines, bad := failed(res); bad {
				previewed = nil
				return lines, true, false
			}
			if r.Execute {
				return []string{fmt.Sprintf("✔ reset the offsets of group %s in %d partitions", group, len(changes(res)))}, false, true
			}
			r.Previewed = changes(res)
			previewed, previewedFrom = &r, form.Sent()
			return append(previewLines(changes(res)), "ctrl+e applies this; changing a field asks for a new preview"), false, false
		},
		Extra: func(f *dialog.Form) []screen.Binding {
			why := "preview first (ctrl+s)"
			if previewed != nil && slices.Equal(f.Values(), previewedFrom) {
				why = ""
			}
			return []screen.Binding{{Keys: []string{"ctrl+e"}, Help: "apply the previewed reset", Footer: true, Mutating: true, Disabled: why,
				Run: func() tea.Cmd {
					r := *previewed
					r.Execute = true
					return host.Open(dialog.NewConfirm(host, "Reset the offsets of group "+group,
						[]string{"Commits the previewed offsets (a partition whose offset moved since is left alone); its consumers start there when they next join."}, group,
						func() tea.Cmd { return f.Send(sources.Kafka, r) }))
				}}}
		},
	})
	return host.Open(form)
}

func changes(res sources.Result) []sources.OffsetChange {
	cs, _ := res.Data.([]sources.OffsetChange)
	return cs
}

// previewLines lay out a reset's changes: partition, old → new offset, lag
// before → after.
func previewLines(cs []sources.OffsetChange) []string {
	lines := []string{fmt.Sprintf("%-24s %21s %21s", "PARTITION", "OFFSET", "LAG")}
	for _, c := range cs {
		line := fmt.Sprintf("%-24s %21s %21s", fmt.Sprintf("%s/%d", c.Topic, c.Partition),
			views.Figure(c.Old)+" → "+views.Figure(c.New), views.Figure(c.LagBefore)+" → "+views.Figure(c.LagAfter))
		switch {
		case c.Err != "":
			line += "  ✖ " + c.Err
		case c.Note != "":
			line += "  (" + c.Note + ")"
		}
		lines = append(lines, line)
	}
	return lines
}

// request sends a body whose answer goes to the status line (the dialog that
// asked has closed).
func request(host screen.Host, body sources.Body) tea.Cmd {
	return host.Request(nil, sources.Kafka, body)
}

// failed says what failed in a result, per target.
func failed(res sources.Result) ([]string, bool) {
	if res.Err != "" {
		return []string{"✖ " + res.Err}, true
	}
	var lines []string
	for _, t := range res.Targets {
		if t.Err != "" {
			lines = append(lines, "✖ "+t.Target+": "+t.Err)
		}
	}
	return lines, len(lines) > 0
}

// details are the targets' details of a result that went well.
func details(res sources.Result) []string {
	var out []string
	for _, t := range res.Targets {
		if t.Detail != "" {
			out = append(out, t.Target+": "+t.Detail)
		}
	}
	return out
}

// positive reads a whole number from 1 to most, which the request's field
// holds without wrapping around.
func positive(s, what string, most int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > most {
		return 0, fmt.Errorf("%s %q: want a whole number from 1 to %d", what, s, most)
	}
	return n, nil
}

// keyValues reads "k=v" lines.
func keyValues(s string) (map[string]string, error) {
	out := map[string]string{}
	for i, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("config line %d: want key=value, got %q", i+1, l)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
