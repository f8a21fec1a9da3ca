package actions

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
	"github.com/topicat/topicat/tui/dialog"
	"github.com/topicat/topicat/tui/screen"
	"github.com/topicat/topicat/tui/views"
)

// The keys that change an NSQ cluster, as nsqadmin has them: pause and
// unpause (z), empty (ctrl+e), delete (ctrl+x) a topic or channel on every
// node that has it; tombstone a topic on one node (ctrl+t); create a topic
// or channel on the nodes and in the lookupds (n). Each is one typed
// request; its answer goes to the status line, per node.

func nsqFor(host screen.Host, v *views.View, arg, key string) []screen.Binding {
	none := ""
	if key == "" {
		none = "no row is selected"
	}
	switch {
	case v.Name == "topics" && v.Owner == "":
		return append(topicKeys(host, key, none), newTopic(host))
	case v.Name == "channels" && v.Owner == "": // all channels, or one topic's
		topic, channel, _ := strings.Cut(key, "/")
		return append(channelKeys(host, topic, channel, none), newChannel(host, firstOf(arg, topic)))
	case v.Owner == "topic" && v.Name == "nodes": // the topic page's node rows
		tomb := none
		if key == "" {
			tomb = "select a node's row (the total is no node)"
		}
		return append(topicKeys(host, arg, ""),
			screen.Binding{Keys: []string{"ctrl+t"}, Help: "tombstone the topic on this node", Mutating: true, Disabled: tomb,
				Run: func() tea.Cmd { return Tombstone(host, arg, key) }},
			newChannel(host, arg))
	case v.Owner == "topic" && v.Name == "channels":
		topic, channel, _ := strings.Cut(key, "/")
		return append(channelKeys(host, topic, channel, none), newChannel(host, arg))
	case v.Owner == "channel":
		topic, channel, _ := strings.Cut(arg, "/")
		return channelKeys(host, topic, channel, "")
	case v.Owner == "node" && v.Name == "topics":
		return []screen.Binding{{Keys: []string{"ctrl+t"}, Help: "tombstone this topic on this node", Mutating: true, Disabled: none,
			Run: func() tea.Cmd { return Tombstone(host, key, arg) }}}
	case v.Name == "inactive":
		topic, channel, _ := strings.Cut(key, "/")
		return []screen.Binding{{Keys: []string{"ctrl+x"}, Help: "delete this registration from the lookupds", Mutating: true, Disabled: none,
			Run: func() tea.Cmd { return DeleteNSQ(host, topic, channel) }}}
	}
	return nil
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// topicKeys pause or unpause, empty and delete a topic.
func topicKeys(host screen.Host, topic, none string) []screen.Binding {
	var paused bool
	var on, nodes []string
	if _, t, _ := views.FindNSQTopic(host.Data(), topic); t != nil {
		paused, on, nodes = t.Paused, t.PausedOn, t.Nodes
	}
	return thingKeys(host, topic, "", paused, on, nodes, none)
}

// channelKeys pause or unpause, empty and delete a channel.
func channelKeys(host screen.Host, topic, channel, none string) []screen.Binding {
	var paused bool
	var on, nodes []string
	if _, _, c, _ := views.FindNSQChannel(host.Data(), topic+"/"+channel); c != nil {
		paused, on, nodes = c.Paused, c.PausedOn, c.Nodes
	}
	return thingKeys(host, topic, channel, paused, on, nodes, none)
}

func thingKeys(host screen.Host, topic, channel string, paused bool, on, nodes []string, none string) []screen.Binding {
	kind := kindOf(channel)
	// Paused anywhere, z resumes it everywhere: a pause on some nodes only
	// is the state to undo (pausing the rest is a second z).
	pause := sources.NSQPause{Topic: topic, Channel: channel, Unpause: paused || len(on) > 0}
	help := "pause " + kind
	if pause.Unpause {
		help = "unpause " + kind
		if p := views.PausedOn(paused, on, nodes); p != "paused" {
			help += " (" + p + ")"
		}
	}
	return []screen.Binding{
		{Keys: []string{"z"}, Help: help, Footer: true, Mutating: true, Disabled: none, Run: func() tea.Cmd { return nsqRequest(host, pause) }},
		{Keys: []string{"ctrl+e"}, Help: "empty " + kind + " (drop its messages)", Mutating: true, Disabled: none, Run: func() tea.Cmd { return EmptyNSQ(host, topic, channel) }},
		{Keys: []string{"ctrl+x"}, Help: "delete " + kind, Mutating: true, Disabled: none, Run: func() tea.Cmd { return DeleteNSQ(host, topic, channel) }},
	}
}

func kindOf(channel string) string {
	if channel == "" {
		return "topic"
	}
	return "channel"
}

// named is what a confirmation asks to type: the topic, or TOPIC/CHANNEL.
func named(topic, channel string) string {
	if channel == "" {
		return topic
	}
	return topic + "/" + channel
}

// holders says how many nodes carry a topic or channel and what it holds.
func holders(host screen.Host, topic, channel string) (nodes int, depth int64, ok bool) {
	if channel == "" {
		if _, t, _ := views.FindNSQTopic(host.Data(), topic); t != nil {
			return len(t.Nodes), t.Depth, true
		}
		return 0, 0, false
	}
	if _, _, c, _ := views.FindNSQChannel(host.Data(), topic+"/"+channel); c != nil {
		return len(c.Nodes), c.Depth, true
	}
	return 0, 0, false
}

// EmptyNSQ asks for the name and drops the queued messages of a topic or
// channel on every node that has it.
func EmptyNSQ(host screen.Host, topic, channel string) tea.Cmd {
	return confirmNSQ(host, "Empty", topic, channel,
		"Drops the messages queued in topic "+topic+" itself, on every node that has it; its channels keep theirs. This cannot be undone.",
		"Drops every message of channel "+named(topic, channel)+" — queued, in flight and deferred — on every node that has it. This cannot be undone.",
		sources.NSQEmpty{Topic: topic, Channel: channel})
}

// DeleteNSQ asks for the name and deletes a topic or channel: from every
// lookupd, then from every node that has it.
func DeleteNSQ(host screen.Host, topic, channel string) tea.Cmd {
	return confirmNSQ(host, "Delete", topic, channel,
		"Deletes topic "+topic+" from every lookupd, then from every node that has it, with its channels and their messages. A producer that publishes to it again creates it anew.",
		"Deletes channel "+named(topic, channel)+" from every lookupd, then from every node that has it, with its messages. A consumer that subscribes again creates it anew, empty.",
		sources.NSQDelete{Topic: topic, Channel: channel})
}

// confirmNSQ asks for a topic's or channel's name, saying what the action
// does to it and what it holds, then sends body.
func confirmNSQ(host screen.Host, verb, topic, channel, topicWhat, channelWhat string, body sources.Body) tea.Cmd {
	name := named(topic, channel)
	what := []string{topicWhat}
	if channel != "" {
		what = []string{channelWhat}
	}
	if n, depth, ok := holders(host, topic, channel); ok {
		what = append(what, fmt.Sprintf("It holds %s on %s.", health.Quantity(depth, "message"), health.Quantity(n, "node")))
	}
	return host.Open(dialog.NewConfirm(host, verb+" "+kindOf(channel)+" "+name, what, name, func() tea.Cmd {
		return nsqRequest(host, body)
	}))
}

// Tombstone asks for the topic's name and tombstones it on one node: the
// lookupds stop handing the node out for it, then the node deletes it.
func Tombstone(host screen.Host, topic, node string) tea.Cmd {
	what := []string{"Every lookupd stops handing nsqd " + node + " out for topic " + topic + ", then the node deletes the topic with its channels and their messages. The other nodes keep it: this retires the topic from one node."}
	if _, n, _ := views.FindNSQNode(host.Data(), node); n != nil {
		for _, t := range n.Topics {
			if t.Name == topic {
				queued := t.Depth
				for _, c := range t.Channels {
					queued += c.Depth
				}
				what = append(what, fmt.Sprintf("It holds %d messages there in the topic and its %d channel(s).", queued, len(t.Channels)))
			}
		}
	}
	return host.Open(dialog.NewConfirm(host, "Tombstone topic "+topic+" on nsqd "+node, what, topic, func() tea.Cmd {
		return nsqRequest(host, sources.NSQTombstone{Topic: topic, Node: node})
	}))
}

// nodeField is the form's node field: empty for every node up.
var nodeField = dialog.Field{Label: "on node", Placeholder: "every nsqd up (or one HOST:PORT)"}

// newTopic is n on the topics: a topic, and a channel of it if given.
func newTopic(host screen.Host) screen.Binding {
	return screen.Binding{Keys: []string{"n"}, Help: "new topic (and channel)", Footer: true, Mutating: true, Run: func() tea.Cmd {
		return createNSQ(host, "New NSQ topic", []dialog.Field{
			{Label: "topic", Placeholder: "orders"},
			{Label: "channel", Placeholder: "none; or a channel to create with it"},
			nodeField,
		})
	}}
}

// newChannel is n where a topic is at hand: a channel of it.
func newChannel(host screen.Host, topic string) screen.Binding {
	return screen.Binding{Keys: []string{"n"}, Help: "new channel", Footer: true, Mutating: true, Run: func() tea.Cmd {
		return createNSQ(host, "New NSQ channel", []dialog.Field{
			{Label: "topic", Value: topic, Placeholder: "orders"},
			{Label: "channel", Placeholder: "archive"},
			nodeField,
		})
	}}
}

// createNSQ opens the create form: it creates on the nodes as well as in
// the lookupds (nsqadmin registers in lookupd only), so consumers find it
// and messages published before they subscribe are kept.
func createNSQ(host screen.Host, title string, fields []dialog.Field) tea.Cmd {
	return host.Open(dialog.NewForm(host, dialog.FormSpec{
		Title:      title,
		Fields:     fields,
		SubmitHelp: "create",
		Hint: func(v []string) string {
			if v[1] != "" {
				return ""
			}
			return "a topic without a channel keeps what is published to it until a channel exists, then copies it there only"
		},
		Submit: func(v []string) (sources.System, sources.Body, error) {
			if v[0] == "" {
				return "", nil, fmt.Errorf("give the topic a name")
			}
			if strings.Contains(v[0], "/") || strings.Contains(v[1], "/") {
				return "", nil, fmt.Errorf("a name holds no /: the topic and the channel go in their own fields")
			}
			return sources.NSQ, sources.NSQCreate{Topic: v[0], Channel: v[1], Node: v[2]}, nil
		},
		Answer: func(res sources.Result) ([]string, bool, bool) {
			if lines, bad := failed(res); bad {
				return append(lines, details(res)...), true, false
			}
			c := res.Request.Body.(sources.NSQCreate)
			return append([]string{"✔ created " + kindOf(c.Channel) + " " + named(c.Topic, c.Channel)}, details(res)...), false, true
		},
	}))
}

// nsqRequest sends a body whose answer goes to the status line.
func nsqRequest(host screen.Host, body sources.Body) tea.Cmd {
	return host.Request(nil, sources.NSQ, body)
}
