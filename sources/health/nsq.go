package health

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/topicat/topicat/sources"
)

// NSQ returns the findings for one NSQ snapshot. A nil snapshot has none.
//
// Topics and channels are judged on each node that answered, as nsqd keeps
// them: a channel paused on one node of three is delivered by the other two,
// and depth with no clients on two nodes is unread there whatever the third
// does. Each problem is reported once per topic or channel, naming the nodes
// when they are not all that carry it. A node that is down keeps its last
// figures in the snapshot; they are not judged (they are not now): its own
// finding says what the totals miss.
func NSQ(s *sources.NSQSnapshot) []Finding {
	if s == nil {
		return nil
	}
	fs := start(sources.NSQ, s.Meta, "no nsqd or lookupd has answered",
		"check the --lookupd and --nsqd addresses, the network path and the daemons themselves")
	nsqLookupds(fs, s)
	nsqNodes(fs, s)
	merged := make(map[string]*sources.NSQTopic, len(s.Topics))
	for i := range s.Topics {
		merged[s.Topics[i].Name] = &s.Topics[i]
	}
	for _, t := range answering(s) {
		nsqTopic(fs, t, merged[t.name])
	}
	return fs.sorted()
}

func nsqLookupds(fs *list, s *sources.NSQSnapshot) {
	for _, l := range s.Lookupds {
		if l.Up {
			continue
		}
		// What a down lookupd knew is no figure of now: nothing here uses it.
		why := "consumers that discover nsqd through it see no new producers, and nodes registered only with it are not found"
		if !l.DownSince.IsZero() {
			why += "; down since " + l.DownSince.Format(time.RFC3339)
		}
		fs.add(Warning, "lookupd "+l.Addr, "lookupd unreachable", why, lastError("check the nsqlookupd process", l.Err))
	}
}

func nsqNodes(fs *list, s *sources.NSQSnapshot) {
	upLookupds := 0
	for _, l := range s.Lookupds {
		if l.Up {
			upLookupds++
		}
	}
	newest := ""
	for _, n := range s.Nodes {
		if !n.Gone && compareVersions(n.Version, newest) > 0 {
			newest = n.Version
		}
	}
	for _, n := range s.Nodes {
		subject := "nsqd " + n.Addr
		switch {
		case n.Gone:
			why := "every lookupd that listed it let it go, as they do when nsqd shuts down; it is shown for a while, then dropped"
			if !n.GoneSince.IsZero() {
				why += " (gone since " + n.GoneSince.Format(time.RFC3339) + ")"
			}
			fs.add(Info, subject, "left the cluster cleanly", why+"; it held no messages at its last answer, so it was most likely retired", "nothing, if it was retired; otherwise start it again")
			continue
		case !n.Up:
			why := "its topics' totals are partial and its queued messages are not delivered"
			if len(n.Topics) > 0 {
				why = fmt.Sprintf("the totals of its %s miss its share", Quantity(len(n.Topics), "topic"))
				if q := n.Queued(); q > 0 {
					why += fmt.Sprintf(", and the %s queued on it at its last answer %s not delivered", Quantity(q, "message"), plural(q, "is", "are"))
				}
			}
			fs.add(Error, subject, "nsqd is down", why, lastError("check the nsqd process and its host", n.Err))
			continue
		case n.Health != "" && n.Health != "OK":
			fs.add(Error, subject, "nsqd unhealthy", "nsqd reports: "+n.Health, "check its disk and data path")
		}
		switch q := n.Queued(); {
		case upLookupds == 0 || len(n.Lookupds) >= upLookupds:
		case len(n.Lookupds) == 0 && q > 0:
			fs.add(Warning, subject, fmt.Sprintf("%s on a node no lookupd knows", Quantity(q, "message")),
				fmt.Sprintf("consumers that find nsqd through the lookupds never connect to it, so what is queued on it (%s) is never read by them", topicsHolding(n)),
				"point this nsqd's --lookupd-tcp-address at the lookupds, or consume from it directly")
		default:
			fs.add(Warning, subject, fmt.Sprintf("known to %d of %s", len(n.Lookupds), Quantity(upLookupds, "lookupd")),
				"consumers using the other lookupds never find this node's messages",
				"check --lookupd-tcp-address on this nsqd")
		}
		if n.Version != "" && compareVersions(n.Version, newest) < 0 {
			fs.add(Info, subject, "older version "+n.Version, "the cluster runs "+newest+" elsewhere", "upgrade this nsqd")
		}
	}
}

// queued is what a node holds: its topics' depths and its channels'.
func topicQueued(t sources.NSQTopicStats) int64 {
	q := t.Depth
	for _, c := range t.Channels {
		q += c.Depth
	}
	return q
}

// topicsHolding names the topics with messages queued on a node.
func topicsHolding(n sources.NSQNode) string {
	var names []string
	for _, t := range n.Topics {
		if q := topicQueued(t); q > 0 {
			names = append(names, fmt.Sprintf("%s %d", t.Name, q))
		}
	}
	return plural(len(names), "topic ", "topics ") + list5(names)
}

// topicOn and channelOn are a topic's and a channel's figures on one node
// that answered.
type topicOn struct {
	node  string
	stats *sources.NSQTopicStats
}

type channelOn struct {
	node  string
	stats *sources.NSQChannelStats
}

// carried is a topic as the nodes that answered carry it.
type carried struct {
	name     string
	on       []topicOn              // in the snapshot's node order
	channels map[string][]channelOn // by channel name
}

// answering gathers the topics and channels of the nodes that answered, by name.
func answering(s *sources.NSQSnapshot) []*carried {
	byName := map[string]*carried{}
	for i := range s.Nodes {
		n := &s.Nodes[i]
		if !n.Up {
			continue
		}
		for j := range n.Topics {
			ts := &n.Topics[j]
			t := byName[ts.Name]
			if t == nil {
				t = &carried{name: ts.Name, channels: map[string][]channelOn{}}
				byName[ts.Name] = t
			}
			t.on = append(t.on, topicOn{n.Addr, ts})
			for k := range ts.Channels {
				c := &ts.Channels[k]
				t.channels[c.Name] = append(t.channels[c.Name], channelOn{n.Addr, c})
			}
		}
	}
	return slices.SortedFunc(maps.Values(byName), func(a, b *carried) int { return cmp.Compare(a.name, b.name) })
}

func nsqTopic(fs *list, t *carried, m *sources.NSQTopic) {
	subject := "topic " + t.name
	var p paused
	var bare []string
	var bareDepth int64
	for _, o := range t.on {
		switch {
		case o.stats.Paused:
			p.add(o.node, o.stats.Depth, o.stats.In)
		case len(o.stats.Channels) == 0 && o.stats.Depth > 0:
			bare, bareDepth = append(bare, o.node), bareDepth+o.stats.Depth
		}
	}
	p.report(fs, subject, t.name, len(t.on), "its channels get nothing while it is paused: published messages wait on the topic")
	if len(bare) > 0 {
		why, fix := "messages queue on the topic with nowhere to go", "create a channel or remove the producer"
		if len(t.channels) > 0 {
			why = "nsqd copies a message only into the channels on the node it was published to, and these nodes have none: its messages there reach no consumer"
			fix = "create the channels on these nodes too (topicat create nsq TOPIC/CHANNEL creates one on every node)"
		}
		fs.add(Warning, subject, fmt.Sprintf("depth %d and no channels", bareDepth)+onNodes(bare, len(t.on)), why, fix)
	}
	saidNoClients := false
	names := slices.Sorted(maps.Keys(t.channels))
	for _, name := range names {
		var mc *sources.NSQChannel
		if m != nil {
			mc = findChannel(m, name)
		}
		saidNoClients = nsqChannel(fs, t.name, name, t.channels[name], mc) || saidNoClients
	}
	if !saidNoClients || durableCount(names) > 1 {
		unconsumed(fs, t, m, names)
	}
}

// unconsumed flags a topic whose channels have no client on any node:
// nothing consumes it at all. A topic with one channel that has its own
// "no clients" finding says nothing more.
func unconsumed(fs *list, t *carried, m *sources.NSQTopic, names []string) {
	var durable []string
	var depth int64
	arriving := m != nil && m.In > 0
	for _, o := range t.on {
		arriving = arriving || o.stats.In > 0
	}
	for _, name := range names {
		if ephemeral(name) {
			continue // it goes with its last client
		}
		durable = append(durable, name)
		for _, o := range t.channels[name] {
			if o.stats.Clients > 0 {
				return
			}
			depth += o.stats.Depth
		}
	}
	if len(durable) == 0 {
		return
	}
	title := fmt.Sprintf("no clients on any of its %s", Quantity(len(durable), "channel"))
	if len(durable) == 1 {
		title = "no clients on its channel " + durable[0]
	}
	fix := "start the consumers of " + list5(durable) + ", or delete the topic if it is retired"
	if depth == 0 && !arriving {
		fs.add(Info, "topic "+t.name, title, "nothing consumes this topic; nothing is queued or arriving now, so nothing waits yet", fix)
		return
	}
	fs.add(Warning, "topic "+t.name, fmt.Sprintf("%s, depth %d", title, depth),
		"nothing consumes this topic: every message published to it is copied into its channels and waits there unread", fix)
}

// nsqChannel adds a channel's findings and reports whether one of them is
// that its depth has no clients.
func nsqChannel(fs *list, topic, name string, on []channelOn, m *sources.NSQChannel) (noClients bool) {
	subject := "channel " + topic + "/" + name
	var p paused
	var idle, withClients, onDisk []string
	var idleDepth, diskDepth int64
	for _, o := range on {
		c := o.stats
		switch {
		case c.Paused:
			p.add(o.node, c.Depth, c.In)
		case c.Depth > 0 && c.Clients == 0 && !ephemeral(name):
			idle, idleDepth = append(idle, o.node), idleDepth+c.Depth
		}
		if c.Clients > 0 {
			withClients = append(withClients, o.node)
		}
		if c.BackendDepth > 0 {
			onDisk, diskDepth = append(onDisk, o.node), diskDepth+c.BackendDepth
		}
	}
	// Paused everywhere, its climbing depth is what grows while paused.
	p.climbing = m != nil && m.Climbing && len(p.nodes) == len(on)
	p.report(fs, subject, topic+"/"+name, len(on), "nothing is delivered from it while it is paused")
	if len(idle) > 0 {
		why, fix := "messages pile up unread", "start a consumer on this channel, or delete it if it is unused"
		if len(withClients) > 0 {
			why = fmt.Sprintf("messages pile up unread there while consumers are connected to %s: they cannot reach these nodes, or do not know them (see which lookupds list them)",
				list5(withClients))
			fix = "check that the consumers find and reach these nodes: their lookupds, the nodes' broadcast addresses, the network path"
		}
		fs.add(Warning, subject, fmt.Sprintf("depth %d and no clients", idleDepth)+onNodes(idle, len(on)), why, fix)
	}
	climbing(fs, subject, name, on, m)
	redelivered(fs, subject, on, requeues)
	redelivered(fs, subject, on, timeouts)
	if len(onDisk) > 0 {
		fs.add(Info, subject, Quantity(diskDepth, "message")+" spilled to disk"+onNodes(onDisk, len(on)),
			"the in-memory queue overflowed (--mem-queue-size); delivery is slower from disk", "add consumers or raise max-in-flight")
	}
	return len(idle) > 0
}

// paused is a topic or channel as paused on some of the nodes that carry it.
type paused struct {
	nodes    []string
	depth    int64
	in       float64 // messages per second arriving on those nodes, where known
	climbing bool    // its depth grew at each of the last polls
}

func (p *paused) add(node string, depth int64, in float64) {
	p.nodes = append(p.nodes, node)
	p.depth += depth
	p.in += max(in, 0)
}

// report says "paused with depth 40" or "paused with depth 40 on 1 of 3
// nodes (a)": information while it holds, a warning while messages arrive.
// The figures come before the node names, which a table cuts first.
func (p *paused) report(fs *list, subject, name string, of int, why string) {
	if p.depth == 0 {
		return
	}
	sev, title := Info, fmt.Sprintf("paused with depth %d", p.depth)
	switch {
	case p.in > 0:
		sev, title = Warning, title+fmt.Sprintf(", growing %.1f/s", p.in)
	case p.climbing:
		sev, title = Warning, title+", growing"
	}
	if len(p.nodes) < of {
		title += fmt.Sprintf(" on %d of %s (%s)", len(p.nodes), Quantity(of, "node"), list5(p.nodes))
	}
	if sev == Warning {
		why += "; producers still publish to it, so the backlog grows until it is unpaused (and spills to disk past --mem-queue-size)"
	}
	fix := fmt.Sprintf("unpause it when its consumers are ready (topicat unpause nsq %s acts on every node), or empty it if the messages are not wanted", name)
	if len(p.nodes) < of {
		why += "; it is not paused on the other nodes: a pause that reached only some of them is usually a mistake (a node added since, or a pause that failed there)"
		fix = fmt.Sprintf("unpause it there, or pause it on every node (topicat pause|unpause nsq %s acts on all of them)", name)
	}
	fs.add(sev, subject, title, why, fix)
}

// climbing flags a channel whose depth grew at each of the last polls where
// its consumers are connected and it is not paused: those have findings of
// their own. A climb that the paused or unconsumed nodes account for is
// theirs, not the consumers': one message in flight at a poll makes a node's
// IN/s pass its OUT/s for that poll.
func climbing(fs *list, subject, name string, on []channelOn, m *sources.NSQChannel) {
	if m == nil || !m.Climbing || m.Paused || m.Clients == 0 {
		return
	}
	var growing []string
	var in, out, coveredNet float64 // in and out on the growing nodes
	known := false
	for _, o := range on {
		c := o.stats
		if c.In < 0 || c.Out < 0 {
			continue
		}
		known = true
		switch {
		case c.Paused || (c.Clients == 0 && !ephemeral(name)):
			coveredNet += c.In - c.Out
		case c.In > c.Out:
			growing = append(growing, o.node)
			in, out = in+c.In, out+c.Out
		}
	}
	if known && (len(growing) == 0 || in-out < coveredNet) {
		return
	}
	title := fmt.Sprintf("depth climbing to %d", m.Depth)
	if rise, polls := risen(m.Depths); polls > 0 {
		title += fmt.Sprintf(" (+%d over %s)", rise, Quantity(polls, "poll"))
	}
	title += drainText(m.Drain)
	why := "consumers take its messages slower than they arrive: the backlog, and every message's wait, grow"
	switch {
	case known && len(growing) < len(on):
		title += "; growing" + onNodes(growing, len(on))
		why += fmt.Sprintf(" (%.1f/s in, %.1f/s out there)", in, out)
	case m.In >= 0 && m.Out >= 0:
		why += fmt.Sprintf(" (%.1f/s in, %.1f/s out)", m.In, m.Out)
	}
	fs.add(Warning, subject, title, why,
		"add consumers or raise their max-in-flight, or make processing faster")
}

// risen is how much the depth grew over its last run of rises, and over how
// many polls (0 when the last poll was no rise).
func risen(depths []int64) (rise int64, polls int) {
	i := len(depths) - 1
	for i > 0 && depths[i-1] >= 0 && depths[i-1] < depths[i] {
		i--
	}
	if i < 0 || i == len(depths)-1 {
		return 0, 0
	}
	return depths[len(depths)-1] - depths[i], len(depths) - 1 - i
}

func drainText(d time.Duration) string {
	switch {
	case d == sources.CatchUpNever:
		return ", never drains at this pace"
	case d > 0:
		return ", drains in about " + d.Round(time.Second).String()
	}
	return ""
}

// Requeues and timeouts are judged on their rate over the last interval
// between polls where it is known: a channel's are a finding past these
// shares of its throughput on the node, and past minRedeliveryRate, so that
// a handful on a quiet channel is not one. nsqd counts them only since it
// started, so where no rate is known yet (a first poll, `get health`) the
// same shares of its messages since then are judged, past minRedelivered.
const (
	requeueShare      = 0.10
	timeoutShare      = 0.05
	minRedeliveryRate = 0.1 // per second
	minRedelivered    = 10
)

// redelivery is how one kind of redelivery (requeue or timeout) is judged
// and told.
type redelivery struct {
	what     string // "requeue", "timeout"
	share    float64
	count    func(*sources.NSQChannelStats) uint64
	rate     func(*sources.NSQChannelStats) float64
	why, fix string
}

var (
	requeues = redelivery{"requeue", requeueShare,
		func(c *sources.NSQChannelStats) uint64 { return c.Requeued }, func(c *sources.NSQChannelStats) float64 { return c.RequeueRate },
		"consumers send messages back (REQ) instead of finishing them: each comes back and is processed again, and the channel's depth stays up",
		"read the consumers' logs for the errors that make them requeue; a message that always fails needs a limit on its attempts (go-nsq MaxAttempts) and somewhere to go"}
	timeouts = redelivery{"timeout", timeoutShare,
		func(c *sources.NSQChannelStats) uint64 { return c.TimedOut }, func(c *sources.NSQChannelStats) float64 { return c.TimeoutRate },
		"consumers held messages past nsqd's message timeout without finishing or touching them: nsqd delivered them again, so they may have been processed twice",
		"make processing faster or call Touch during long work; raise the consumer's msg_timeout (up to nsqd's --max-msg-timeout) if the work is that long"}
)

// redelivered flags the nodes where a channel's requeues or timeouts are a
// large share of what it delivers now, or, on the nodes whose rate is not
// known yet, of its messages since nsqd started. A node whose rate is known
// is judged on it alone: a storm long over is no finding, and one that is
// raging on a channel with a long quiet past is.
func redelivered(fs *list, subject string, on []channelOn, r redelivery) {
	var recent, lifetime []string
	var rate, throughput float64
	var n, msgs uint64
	for _, o := range on {
		c := o.stats
		if x := r.rate(c); x >= 0 {
			// In and Out are known where this rate is: the same two answers.
			t := max(c.In, c.Out, 0)
			if x >= minRedeliveryRate && x >= r.share*t {
				recent = append(recent, o.node)
				rate, throughput = rate+x, throughput+t
			}
			continue
		}
		if k := r.count(c); k >= minRedelivered && float64(k) >= r.share*float64(c.Messages) {
			lifetime = append(lifetime, o.node)
			n, msgs = n+k, msgs+c.Messages
		}
	}
	if len(recent) > 0 {
		title := fmt.Sprintf("%ss %.1f/s", r.what, rate)
		if throughput > 0 {
			title += fmt.Sprintf(", %.0f%% of deliveries", 100*rate/throughput)
		} else {
			title += ", none finished"
		}
		if len(recent) < len(on) {
			title += "," + onNodes(recent, len(on))
		}
		fs.add(Warning, subject, title, r.why+fmt.Sprintf("; measured between the last two polls, against %.1f/s delivered", throughput), r.fix)
	}
	if len(lifetime) > 0 {
		why := r.why
		if msgs > 0 {
			why += fmt.Sprintf("; %.0f%% of its messages since nsqd started", 100*float64(n)/float64(msgs))
		}
		why += "; no rate between two polls is known yet to tell whether it is still happening"
		fs.add(Warning, subject, fmt.Sprintf("%s for %s since nsqd started", Quantity(n, r.what), Quantity(msgs, "message"))+onNodes(lifetime, len(on)), why, r.fix)
	}
}

// onNodes is " on a, b" naming the nodes, or "" when they are all of.
func onNodes(nodes []string, of int) string {
	if len(nodes) >= of {
		return ""
	}
	return " on " + list5(nodes)
}

// list5 lists up to five names, then how many more.
func list5(names []string) string { return Shortlist(names, 5) }

// Shortlist joins names, the first most of them and how many more: a
// message naming nodes or topics stays one readable line.
func Shortlist(names []string, most int) string {
	if len(names) > most {
		return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
	}
	return strings.Join(names, ", ")
}

func ephemeral(name string) bool { return strings.HasSuffix(name, "#ephemeral") }

func durableCount(names []string) int {
	n := 0
	for _, name := range names {
		if !ephemeral(name) {
			n++
		}
	}
	return n
}

func findChannel(t *sources.NSQTopic, name string) *sources.NSQChannel {
	for i := range t.Channels {
		if t.Channels[i].Name == name {
			return &t.Channels[i]
		}
	}
	return nil
}

// lastError ends a fix with the endpoint's error, when there is one.
func lastError(fix, err string) string {
	if err == "" {
		return fix
	}
	return fix + ": " + err
}

// compareVersions compares dotted versions numerically ("1.10.0" > "1.9.2").
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y int
		if i < len(as) {
			fmt.Sscanf(as[i], "%d", &x)
		}
		if i < len(bs) {
			fmt.Sscanf(bs[i], "%d", &y)
		}
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	return 0
}
