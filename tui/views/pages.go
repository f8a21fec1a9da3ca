package views

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/topicat/topicat/sources"
)

// The detail pages of topics, groups and brokers: a few summary lines and
// sections of rows, from the snapshot and from the page's Fetch answer. Each
// is a screen (Enter on a row), a `:` command and a `topicat get` view.

// errLoading is what a section that needs the page's Fetch answer says
// until it came.
var errLoading = errors.New("loading…")

// Page is a page built, what a page view's Build returns as its data: its
// summary and its sections' tables and data. `topicat get` prints it; the
// page screen builds its sections as tables of their own.
type Page struct {
	Name     string // "topic", "group", "broker"
	Subject  any    // the topic, group or broker as the snapshot has it
	Fields   []Field
	Sections []Section
	Problems []sources.TargetResult // the parts of the Fetch answer that failed
}

// Section is one built section of a page.
type Section struct {
	Name, Title string
	Table       Table
	Data        any
	Err         error
}

// MarshalJSON writes a page as one object: the subject under the page's
// name (as `get topics -o json` has it, in its conventions), each section's
// data under its name or {"error": …} when it could not be built, and
// "problems" (target, error) when part of the Fetch answer failed.
func (p Page) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	subject, err := json.Marshal(p.Subject)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Name, err)
	}
	key := func(k string) {
		name, _ := json.Marshal(k)
		b.Write(name)
		b.WriteByte(':')
	}
	b.WriteByte('{')
	key(p.Name)
	b.Write(subject)
	for _, s := range p.Sections {
		var v any = s.Data
		if s.Err != nil {
			v = map[string]string{"error": s.Err.Error()}
		}
		data, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("section %s: %w", s.Name, err)
		}
		b.WriteByte(',')
		key(s.Name)
		b.Write(data)
	}
	if len(p.Problems) > 0 {
		type problem struct {
			Target string `json:"target"`
			Err    string `json:"error"`
		}
		ps := make([]problem, len(p.Problems))
		for i, t := range p.Problems {
			ps[i] = problem{t.Target, t.Err}
		}
		data, err := json.Marshal(ps)
		if err != nil {
			return nil, err
		}
		b.WriteByte(',')
		key("problems")
		b.Write(data)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// without is a value's JSON object without a key.
type without struct {
	v   any
	key string
}

func (w without) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(w.v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	delete(m, w.key)
	return json.Marshal(m)
}

// page makes a page view; its Build gives a Page as the data.
func page(v View, summary func(Data, string) ([]Field, error), subject func(Data, string) any, sections ...*View) *View {
	v.Summary, v.Subject, v.Sections = summary, subject, sections
	for _, s := range sections {
		s.Arg = v.Arg // built with the page's argument, never as a filter
		s.Owner = v.Name
	}
	pv := &v
	pv.build = func(d Data, arg string) ([]Row, any, error) {
		p, err := buildPage(pv, d, arg)
		return nil, p, err
	}
	return pv
}

func buildPage(v *View, d Data, arg string) (Page, error) {
	p := Page{Name: v.Name, Subject: v.Subject(d, arg), Problems: Problems(d)}
	fields, err := v.Summary(d, arg)
	if err != nil {
		return p, err
	}
	p.Fields = fields
	for _, s := range v.Sections {
		t, data, err := s.Build(d, arg)
		p.Sections = append(p.Sections, Section{Name: s.Name, Title: s.Title, Table: t, Data: data, Err: err})
	}
	return p, nil
}

// Problems are the failed parts of a page's Fetch answer.
func Problems(d Data) []sources.TargetResult {
	var out []sources.TargetResult
	for _, t := range d.DetailProblems {
		if t.Err != "" {
			out = append(out, t)
		}
	}
	return out
}

// FindTopic is a Kafka topic of the snapshot, with the snapshot.
func FindTopic(d Data, name string) (*sources.KafkaSnapshot, *sources.Topic, error) {
	s, err := kafkaSnap(d)
	if err != nil {
		return nil, nil, err
	}
	for i := range s.Topics {
		if s.Topics[i].Name == name {
			return s, &s.Topics[i], nil
		}
	}
	return s, nil, fmt.Errorf("kafka topic %q not found", name)
}

// FindGroup is a Kafka consumer group of the snapshot.
func FindGroup(d Data, id string) (*sources.Group, error) {
	s, err := kafkaSnap(d)
	if err != nil {
		return nil, err
	}
	for i := range s.Groups {
		if s.Groups[i].ID == id {
			return &s.Groups[i], nil
		}
	}
	return nil, fmt.Errorf("kafka group %q not found", id)
}

func findBroker(d Data, arg string) (*sources.KafkaSnapshot, *sources.Broker, error) {
	s, err := kafkaSnap(d)
	if err != nil {
		return nil, nil, err
	}
	id, err := strconv.ParseInt(arg, 10, 32)
	if err != nil {
		return s, nil, fmt.Errorf("broker %q: want a broker id", arg)
	}
	for i := range s.Brokers {
		if s.Brokers[i].ID == int32(id) {
			return s, &s.Brokers[i], nil
		}
	}
	return s, nil, fmt.Errorf("kafka broker %d not found", id)
}

// detail is the page's Fetch answer of type T, or why there is none: the
// request's failure, or errLoading.
func detail[T any](d Data) (*T, error) {
	if t, ok := d.Detail.(*T); ok && t != nil {
		return t, nil
	}
	if d.DetailErr != nil {
		return nil, d.DetailErr
	}
	return nil, errLoading
}

func topicPage() *View {
	return page(View{Name: "topic", Title: "Topic", System: sources.Kafka, Arg: "TOPIC",
		Help:     "one topic: partitions, configs and where they come from, groups reading it with their lag, size on disk",
		Messages: func(_, topic string) (string, []int32) { return topic, nil },
		Fetch:    func(topic string) sources.Body { return sources.DescribeTopic{Topic: topic} }},
		topicSummary, func(d Data, name string) any {
			if _, t, _ := FindTopic(d, name); t != nil {
				return without{t, "partitions"} // the section of that name has them
			}
			return nil
		}, kafkaPartitions(), topicConfigs(), topicGroups(), topicDisk())
}

func topicSummary(d Data, name string) ([]Field, error) {
	s, t, err := FindTopic(d, name)
	if err != nil {
		return nil, err
	}
	fs := []Field{
		{Label: "partitions", Value: fmt.Sprintf("%d · RF %d", len(t.Partitions), t.ReplicationFactor)},
		{Label: "health", Value: fmt.Sprintf("%d under-replicated · %d offline", t.UnderReplicated, t.Offline), Status: worse(t.UnderReplicated > 0, Warn, t.Offline > 0, Bad)},
		{Label: "messages", Value: num(t.Messages) + yes(t.Partial, " at least (some partitions could not be read)") + " · " + rate(t.Rate) + " " + Spark(t.Rates), Status: worse(t.Partial, Warn, false, Normal)},
		{Label: "cleanup", Value: orUnknown(t.CleanupPolicy) + " · retention " + orUnknown(retention(t.RetentionMs, t.CleanupPolicy != ""))},
		{Label: "min ISR", Value: minInsync(t), Status: worse(t.MinInsync > 0 && len(t.Partitions) > 0 && minISR(t) < t.MinInsync, Bad, false, Normal)},
		{Label: "size limit", Value: sizeLimit(s, t, d)},
	}
	if td, err := detail[sources.TopicDetail](d); err == nil {
		var total int64
		for _, r := range td.Replicas {
			total += r.Bytes
		}
		v := bytesText(total) + fmt.Sprintf(" in %d replicas", len(td.Replicas))
		if td.LogDirsErr != "" {
			v += " (" + td.LogDirsErr + ")"
		}
		fs = append(fs, Field{Label: "on disk", Value: v})
	}
	return fs, nil
}

// minISR is the smallest ISR among a topic's partitions, -1 with none.
func minISR(t *sources.Topic) int {
	m := -1
	for _, p := range t.Partitions {
		if m < 0 || len(p.ISR) < m {
			m = len(p.ISR)
		}
	}
	return m
}

// sizeLimit is the message size limit that applies to a topic and where it
// is set: the topic's max.message.bytes, else the brokers' message.max.bytes.
func sizeLimit(s *sources.KafkaSnapshot, t *sources.Topic, d Data) string {
	src := ""
	if td, err := detail[sources.TopicDetail](d); err == nil {
		for _, c := range td.Configs {
			if c.Name == "max.message.bytes" {
				src = " (" + c.Source + ")"
			}
		}
	}
	switch {
	case t.MaxMessageBytes > 0:
		return bytesText(t.MaxMessageBytes) + src + ", measured after compression"
	case s.Cluster.MessageMaxBytes > 0:
		return bytesText(s.Cluster.MessageMaxBytes) + " (brokers' message.max.bytes), measured after compression"
	}
	return "?"
}

func topicConfigs() *View {
	return configsView("configs", "Configs", func(d Data, _ string) ([]sources.Config, error) {
		td, err := detail[sources.TopicDetail](d)
		if err != nil {
			return nil, err
		}
		return td.Configs, nil
	})
}

// configsView lists settings, the ones changed from the default first in
// the eye: defaults are muted.
func configsView(name, title string, items func(Data, string) ([]sources.Config, error)) *View {
	cols := []col[sources.Config]{
		{Column: Column{Title: "NAME", Sort: 'N', Min: 12, Max: 50}, text: func(c sources.Config) string { return c.Name }},
		{Column: Column{Title: "VALUE", Sort: 'V', Min: 8, Flex: true}, text: func(c sources.Config) string {
			if c.Sensitive {
				return "(sensitive)"
			}
			return c.Value
		}},
		{Column: Column{Title: "SOURCE", Sort: 'S', Min: 7, Max: 24}, text: func(c sources.Config) string { return c.Source }},
	}
	return define(View{Name: name, Title: title, System: sources.Kafka}, cols, items,
		func(c sources.Config) string { return c.Name },
		func(c sources.Config, _ findings) Status {
			if c.Default {
				return Muted
			}
			return Normal
		})
}

// topicGroup is a group's reading of one topic: its lag there, -1 when
// unknown (a partition's could not be read, or nothing is committed).
type topicGroup struct {
	Group  string              `json:"group"`
	State  string              `json:"state"`
	Status sources.GroupStatus `json:"status"`
	Lag    int64               `json:"lag"`
	MaxLag int64               `json:"max_lag"`
	Stale  bool                `json:"stale"`
}

// MarshalJSON writes what is unknown as null.
func (g topicGroup) MarshalJSON() ([]byte, error) {
	type plain topicGroup
	var status *sources.GroupStatus
	if g.Status != "" {
		status = &g.Status
	}
	return json.Marshal(struct {
		plain
		Status *sources.GroupStatus `json:"status"`
		Lag    *int64               `json:"lag"`
		MaxLag *int64               `json:"max_lag"`
	}{plain(g), status, sources.Known(g.Lag), sources.Known(g.MaxLag)})
}

func topicGroups() *View {
	cols := []col[topicGroup]{
		{Column: Column{Title: "GROUP", Sort: 'R', Min: 10, Flex: true}, text: func(g topicGroup) string { return g.Group + yes(g.Stale, " (stale)") }},
		{Column: Column{Title: "STATE", Sort: 'S', Min: 6, Max: 20}, text: func(g topicGroup) string { return g.State }},
		{Column: Column{Title: "STATUS", Sort: 'U', Min: 6}, text: func(g topicGroup) string { return orUnknown(string(g.Status)) }},
		{Column: Column{Title: "LAG", Sort: 'L', Min: 5, Right: true}, text: func(g topicGroup) string { return offset(g.Lag) }, num: func(g topicGroup) float64 { return float64(g.Lag) }},
		{Column: Column{Title: "MAX LAG", Sort: 'A', Min: 7, Right: true}, text: func(g topicGroup) string { return offset(g.MaxLag) }, num: func(g topicGroup) float64 { return float64(g.MaxLag) }},
	}
	return define(View{Name: "groups", Title: "Groups", System: sources.Kafka, Detail: "group"}, cols,
		func(d Data, topic string) ([]topicGroup, error) {
			s, err := kafkaSnap(d)
			if err != nil {
				return nil, err
			}
			var out []topicGroup
			for _, g := range s.Groups {
				tg := topicGroup{Group: g.ID, State: g.State, Status: g.Status, Stale: g.Stale, MaxLag: -1}
				reads, unknown := false, false
				for _, p := range g.Partitions {
					if p.Topic != topic {
						continue
					}
					reads = true
					unknown = unknown || p.Lag < 0
					tg.Lag += max(p.Lag, 0)
					tg.MaxLag = max(tg.MaxLag, p.Lag)
				}
				if unknown || !reads {
					tg.Lag = -1 // a sum missing a partition's share is no figure
				}
				if reads || slices.Contains(g.Topics, topic) {
					out = append(out, tg)
				}
			}
			return out, nil
		},
		func(g topicGroup) string { return g.Group },
		nil)
}

func topicDisk() *View {
	cols := []col[sources.ReplicaSize]{
		{Column: Column{Title: "PARTITION", Sort: 'A', Min: 9, Right: true}, text: func(r sources.ReplicaSize) string { return num(r.Partition) }, num: func(r sources.ReplicaSize) float64 { return float64(r.Partition) }},
		{Column: Column{Title: "BROKER", Sort: 'B', Min: 6, Right: true}, text: func(r sources.ReplicaSize) string { return num(r.Broker) }, num: func(r sources.ReplicaSize) float64 { return float64(r.Broker) }},
		{Column: Column{Title: "DIR", Sort: 'D', Min: 6, Flex: true}, text: func(r sources.ReplicaSize) string { return r.Dir }},
		{Column: Column{Title: "SIZE", Sort: 'S', Min: 8, Right: true}, text: func(r sources.ReplicaSize) string { return bytesText(r.Bytes) }, num: func(r sources.ReplicaSize) float64 { return float64(r.Bytes) }},
	}
	return define(View{Name: "disk", Title: "Disk", System: sources.Kafka}, cols,
		func(d Data, _ string) ([]sources.ReplicaSize, error) {
			td, err := detail[sources.TopicDetail](d)
			if err != nil {
				return nil, err
			}
			return td.Replicas, nil
		},
		func(r sources.ReplicaSize) string { return fmt.Sprintf("%d/%d", r.Partition, r.Broker) },
		nil)
}

func groupPage() *View {
	return page(View{Name: "group", Title: "Group", System: sources.Kafka, Arg: "GROUP",
		Help:  "one consumer group: per partition committed and end offsets, lag, how old the next unread message is, owner; members",
		Fetch: func(id string) sources.Body { return sources.DescribeGroup{Group: id} }},
		groupSummary, func(d Data, id string) any {
			g, _ := FindGroup(d, id)
			return g
		}, groupPartitions(), groupMembers())
}

func groupSummary(d Data, id string) ([]Field, error) {
	g, err := FindGroup(d, id)
	if err != nil {
		return nil, err
	}
	fs := []Field{
		{Label: "state", Value: fmt.Sprintf("%s · %s · protocol %s · coordinator %s", g.State, members(g.Members), orUnknown(g.Protocol), brokerID(g.Coordinator))},
		{Label: "lag", Value: offset(g.Lag) + " (max " + offset(g.MaxLag) + ") " + Spark(g.Lags)},
		{Label: "health", Value: orUnknown(string(g.Status)) + " · catch-up " + catchUp(g.CatchUp, g.Lag), Status: statusOf(g.Status)},
	}
	if note := groupNote(*g); note != "" {
		fs = append(fs, Field{Label: "note", Value: note, Status: Bad})
	}
	return fs, nil
}

func members(n int) string {
	if n == 1 {
		return "1 member"
	}
	return fmt.Sprintf("%d members", n)
}

func statusOf(s sources.GroupStatus) Status {
	switch s {
	case sources.StatusOK:
		return Good
	case sources.StatusWarn, sources.StatusRewind:
		return Warn
	case sources.StatusStall, sources.StatusStop:
		return Bad
	}
	return Normal
}

func groupPartitions() *View {
	cols := []col[sources.GroupPartitionDetail]{
		{Column: Column{Title: "TOPIC", Sort: 'T', Min: 8, Flex: true}, text: func(p sources.GroupPartitionDetail) string { return p.Topic }},
		{Column: Column{Title: "PARTITION", Sort: 'A', Min: 9, Right: true}, text: func(p sources.GroupPartitionDetail) string { return num(p.Partition) }, num: func(p sources.GroupPartitionDetail) float64 { return float64(p.Partition) }},
		{Column: Column{Title: "COMMITTED", Sort: 'O', Min: 9, Right: true}, text: func(p sources.GroupPartitionDetail) string { return offset(p.Committed) }, num: func(p sources.GroupPartitionDetail) float64 { return float64(p.Committed) }},
		{Column: Column{Title: "END", Sort: 'E', Min: 6, Right: true}, text: func(p sources.GroupPartitionDetail) string { return offset(p.End) }, num: func(p sources.GroupPartitionDetail) float64 { return float64(p.End) }},
		{Column: Column{Title: "LAG", Sort: 'L', Min: 5, Right: true}, text: func(p sources.GroupPartitionDetail) string { return offset(p.Lag) }, num: func(p sources.GroupPartitionDetail) float64 { return float64(p.Lag) }},
		{Column: Column{Title: "TIME LAG", Sort: 'I', Min: 8, Right: true}, text: func(p sources.GroupPartitionDetail) string { return Duration(p.TimeLag) }, num: func(p sources.GroupPartitionDetail) float64 { return float64(p.TimeLag) }},
		{Column: Column{Title: "MEMBER", Sort: 'M', Min: 6, Max: 40}, text: func(p sources.GroupPartitionDetail) string { return p.Member }},
		{Column: Column{Title: "STATUS", Sort: 'U', Min: 6}, text: func(p sources.GroupPartitionDetail) string { return string(p.Status) }},
	}
	return define(View{Name: "partitions", Title: "Partitions", System: sources.Kafka,
		Messages: func(key, _ string) (string, []int32) {
			topic, p, _ := strings.Cut(key, "\x00")
			n, err := strconv.ParseInt(p, 10, 32)
			if err != nil {
				return topic, nil
			}
			return topic, []int32{int32(n)}
		}}, cols,
		func(d Data, id string) ([]sources.GroupPartitionDetail, error) {
			// The page's answer has the time lag and members, and the
			// partitions assigned with nothing committed; the offsets, lag
			// and status are the snapshot's, newer than the answer and the
			// same as the summary's.
			g, err := FindGroup(d, id)
			if gd, derr := detail[sources.GroupDetail](d); derr == nil {
				out := slices.Clone(gd.Partitions)
				if err == nil {
					polled := make(map[string]sources.GroupPartition, len(g.Partitions))
					for _, p := range g.Partitions {
						polled[p.Topic+"\x00"+num(p.Partition)] = p
					}
					for i := range out {
						if p, ok := polled[out[i].Topic+"\x00"+num(out[i].Partition)]; ok {
							out[i].Committed, out[i].End, out[i].Lag, out[i].Status = p.Committed, p.End, p.Lag, p.Status
						}
					}
				}
				return out, nil
			}
			if err != nil {
				return nil, err
			}
			out := make([]sources.GroupPartitionDetail, len(g.Partitions))
			for i, p := range g.Partitions {
				out[i] = sources.GroupPartitionDetail{GroupPartition: p, TimeLag: -1}
			}
			return out, nil
		},
		func(p sources.GroupPartitionDetail) string { return p.Topic + "\x00" + num(p.Partition) },
		func(p sources.GroupPartitionDetail, _ findings) Status { return statusOf(p.Status) })
}

// member is a group member with its assignment as text.
type member struct {
	sources.GroupMember
	Assignment string `json:"-"`
}

func groupMembers() *View {
	cols := []col[member]{
		{Column: Column{Title: "CLIENT ID", Sort: 'C', Min: 9, Max: 40}, text: func(m member) string { return m.ClientID }},
		{Column: Column{Title: "HOST", Sort: 'H', Min: 6, Max: 40}, text: func(m member) string { return m.Host }},
		{Column: Column{Title: "ASSIGNMENT", Sort: 'N', Min: 10, Flex: true}, text: func(m member) string { return m.Assignment }},
		{Column: Column{Title: "MEMBER ID", Sort: 'I', Min: 9, Max: 60}, text: func(m member) string { return m.ID }},
	}
	return define(View{Name: "members", Title: "Members", System: sources.Kafka}, cols,
		func(d Data, _ string) ([]member, error) {
			gd, err := detail[sources.GroupDetail](d)
			if err != nil {
				return nil, err
			}
			out := make([]member, len(gd.Members))
			for i, m := range gd.Members {
				var parts []string
				for _, tp := range m.Assigned {
					parts = append(parts, tp.Topic+" "+sources.FormatPartitions(tp.Partitions))
				}
				out[i] = member{GroupMember: m, Assignment: strings.Join(parts, "; ")}
			}
			return out, nil
		},
		func(m member) string { return m.ID },
		nil)
}

func brokerPage() *View {
	return page(View{Name: "broker", Title: "Broker", System: sources.Kafka, Arg: "ID",
		Help: "one broker: its configs and where they come from, the partitions it leads, its log dirs",
		Fetch: func(id string) sources.Body {
			n, err := strconv.ParseInt(id, 10, 32)
			if err != nil || n < 0 {
				return nil // the summary says the argument is not a broker ID
			}
			return sources.DescribeBroker{Broker: int32(n)}
		}},
		brokerSummary, func(d Data, id string) any {
			_, b, _ := findBroker(d, id)
			return b
		}, brokerConfigs(), brokerLeads(), brokerDirs())
}

func brokerSummary(d Data, arg string) ([]Field, error) {
	s, b, err := findBroker(d, arg)
	if err != nil {
		return nil, err
	}
	state, st := "up", Good
	if !b.Up {
		state, st = "DOWN since "+b.DownSince.Format("15:04:05")+": "+b.LastErr, Bad
	}
	return []Field{
		{Label: "address", Value: net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))) + yes(b.Rack != "", " · rack "+b.Rack) + yes(b.ID == s.Controller, " · controller")},
		{Label: "state", Value: state, Status: st},
		{Label: "partitions", Value: fmt.Sprintf("leads %d · hosts %d replicas", b.Leaders, b.Replicas)},
	}, nil
}

func brokerConfigs() *View {
	return configsView("configs", "Configs", func(d Data, _ string) ([]sources.Config, error) {
		bd, err := detail[sources.BrokerDetail](d)
		if err != nil {
			return nil, err
		}
		return bd.Configs, nil
	})
}

// led is a partition a broker leads.
type led struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Replicas  []int32 `json:"replicas"`
	ISR       []int32 `json:"isr"`
}

func brokerLeads() *View {
	cols := []col[led]{
		{Column: Column{Title: "TOPIC", Sort: 'T', Min: 8, Flex: true}, text: func(l led) string { return l.Topic }},
		{Column: Column{Title: "PARTITION", Sort: 'A', Min: 9, Right: true}, text: func(l led) string { return num(l.Partition) }, num: func(l led) float64 { return float64(l.Partition) }},
		{Column: Column{Title: "REPLICAS", Sort: 'R', Min: 8}, text: func(l led) string { return ids(l.Replicas) }},
		{Column: Column{Title: "ISR", Sort: 'I', Min: 5}, text: func(l led) string { return ids(l.ISR) }},
	}
	return define(View{Name: "leads", Title: "Leads", System: sources.Kafka}, cols,
		func(d Data, arg string) ([]led, error) {
			s, b, err := findBroker(d, arg)
			if err != nil {
				return nil, err
			}
			var out []led
			for _, t := range s.Topics {
				for _, p := range t.Partitions {
					if p.Leader == b.ID {
						out = append(out, led{Topic: t.Name, Partition: p.ID, Replicas: p.Replicas, ISR: p.ISR})
					}
				}
			}
			return out, nil
		},
		func(l led) string { return l.Topic + "/" + num(l.Partition) },
		func(l led, _ findings) Status {
			if len(l.ISR) < len(l.Replicas) {
				return Warn
			}
			return Normal
		})
}

func brokerDirs() *View {
	cols := []col[sources.LogDir]{
		{Column: Column{Title: "PATH", Sort: 'P', Min: 6, Flex: true}, text: func(l sources.LogDir) string { return l.Path }},
		{Column: Column{Title: "SIZE", Sort: 'S', Min: 8, Right: true}, text: func(l sources.LogDir) string { return bytesText(l.Bytes) }, num: func(l sources.LogDir) float64 { return float64(l.Bytes) }},
		{Column: Column{Title: "PARTITIONS", Sort: 'A', Min: 10, Right: true}, text: func(l sources.LogDir) string { return num(l.Partitions) }, num: func(l sources.LogDir) float64 { return float64(l.Partitions) }},
		{Column: Column{Title: "ERROR", Sort: 'E', Min: 5, Max: 60}, text: func(l sources.LogDir) string { return l.Err }},
	}
	return define(View{Name: "dirs", Title: "Log dirs", System: sources.Kafka}, cols,
		func(d Data, _ string) ([]sources.LogDir, error) {
			bd, err := detail[sources.BrokerDetail](d)
			if err != nil {
				return nil, err
			}
			return bd.LogDirs, nil
		},
		func(l sources.LogDir) string { return l.Path },
		func(l sources.LogDir, _ findings) Status {
			if l.Err != "" {
				return Bad
			}
			return Normal
		})
}

// worse is the status of the first condition that holds, else Normal.
func worse(a bool, as Status, b bool, bs Status) Status {
	switch {
	case b:
		return bs
	case a:
		return as
	}
	return Normal
}

// brokerID is a broker's ID, or "?" for none known (-1).
func brokerID(id int32) string {
	if id < 0 {
		return "?"
	}
	return strconv.Itoa(int(id))
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// minInsync writes min.insync.replicas and the smallest ISR beside it.
func minInsync(t *sources.Topic) string {
	isr := "smallest ISR " + strconv.Itoa(minISR(t))
	if len(t.Partitions) == 0 {
		isr = "no partitions"
	}
	if t.MinInsync <= 0 { // at least 1 when known
		return "min.insync.replicas ? · " + isr
	}
	return fmt.Sprintf("min.insync.replicas %d · %s", t.MinInsync, isr)
}
