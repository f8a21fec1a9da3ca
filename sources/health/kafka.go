package health

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/topicat/topicat/sources"
)

// Kafka returns the findings for one Kafka snapshot. A nil snapshot has none.
func Kafka(s *sources.KafkaSnapshot) []Finding {
	if s == nil {
		return nil
	}
	fs := start(sources.Kafka, s.Meta, "no broker has answered",
		"check the --brokers addresses, the network path and the brokers themselves")
	brokers(fs, s)
	cluster(fs, s)
	leaderImbalance(fs, s)
	for _, t := range s.Topics {
		topic(fs, s, t)
	}
	for _, g := range s.Groups {
		group(fs, s, g)
	}
	return fs.sorted()
}

func brokers(fs *list, s *sources.KafkaSnapshot) {
	for _, b := range s.Brokers {
		if b.Up {
			continue
		}
		why := fmt.Sprintf("it leads %s and hosts %s; partitions whose only replica is here are unavailable", Quantity(b.Leaders, "partition"), Quantity(b.Replicas, "replica"))
		if n := staleGroupsOf(s, b.ID); n > 0 {
			why += fmt.Sprintf("; the %s it coordinates cannot be read (shown as last read)", Quantity(n, "consumer group"))
		} else {
			why += "; the consumer groups it coordinates cannot be listed"
		}
		fs.add(Error, fmt.Sprintf("broker %d", b.ID), "broker is down", why,
			"check the broker process and its host; its last error was: "+b.LastErr)
	}
}

func staleGroupsOf(s *sources.KafkaSnapshot, id int32) int {
	n := 0
	for _, g := range s.Groups {
		if g.Stale && g.Coordinator == id {
			n++
		}
	}
	return n
}

// cluster checks the broker settings that decide what new topics get: the
// seeds' incident began with topics auto-created with one replica.
func cluster(fs *list, s *sources.KafkaSnapshot) {
	c := s.Cluster
	if s.LastOK.IsZero() {
		return
	}
	if c.DefaultReplicationFactor < 0 && c.AutoCreateTopics == nil && c.Err != "" {
		fs.add(Info, "kafka cluster", "broker settings unknown",
			"default.replication.factor and auto.create.topics.enable could not be read, so the checks on them did not run: "+c.Err,
			"grant DescribeConfigs on the cluster to this client, or check these settings on the brokers")
		return
	}
	if c.DefaultReplicationFactor != 1 || len(s.Brokers) < 2 {
		return
	}
	const fix = "set default.replication.factor=3 (and min.insync.replicas=2) on the brokers, then raise the replication factor of the topics that have one replica"
	switch {
	case c.AutoCreateTopics != nil && *c.AutoCreateTopics:
		fs.add(Error, "kafka cluster", "default.replication.factor is 1 and topics are auto-created",
			"a producer or consumer naming a topic that does not exist creates it with one replica: when that broker stops, the topic is offline and clients loop on metadata errors",
			fix+"; or set auto.create.topics.enable=false")
	case c.AutoCreateTopics == nil:
		why := "topics created without a replication factor get one replica: when that broker stops, they are offline"
		if c.Err != "" {
			why += "; whether topics are auto-created is unknown (" + c.Err + "): if they are, any client naming a new topic creates one"
		}
		fs.add(Warning, "kafka cluster", "default.replication.factor is 1", why, fix)
	default:
		fs.add(Info, "kafka cluster", "default.replication.factor is 1",
			"topics created without a replication factor (tools that leave it to the broker) get one replica", fix)
	}
}

// leaderImbalance flags a broker leading far more than its share of the
// partitions led by live brokers.
func leaderImbalance(fs *list, s *sources.KafkaSnapshot) {
	var up, total int
	for _, b := range s.Brokers {
		if b.Up {
			up++
			total += b.Leaders
		}
	}
	if up < 2 || total < 2*up {
		return
	}
	share := float64(total) / float64(up)
	for _, b := range s.Brokers {
		if !b.Up || float64(b.Leaders) <= 1.5*share || float64(b.Leaders)-share < 3 {
			continue
		}
		fs.add(Warning, fmt.Sprintf("broker %d", b.ID),
			fmt.Sprintf("leads %d partitions, %.1f× its share", b.Leaders, float64(b.Leaders)/share),
			fmt.Sprintf("it serves the produce and fetch traffic of %d of %d partitions while a live broker's share is %.0f: it saturates first, and its failure moves the most leaderships", b.Leaders, total, share),
			"run a preferred leader election (kafka-leader-election.sh --election-type PREFERRED --all-topic-partitions), check auto.leader.rebalance.enable, or reassign partitions")
	}
}

func topic(fs *list, s *sources.KafkaSnapshot, t sources.Topic) {
	subject := "topic " + t.Name
	if t.Offline > 0 {
		fs.add(Error, subject, Quantity(t.Offline, "offline partition"),
			"producers and consumers of those partitions fail until a leader is elected; the topic's totals miss them",
			"bring back a broker holding a replica, or reassign the partitions")
	}
	if t.UnderReplicated > 0 {
		fs.add(Warning, subject, Quantity(t.UnderReplicated, "under-replicated partition"),
			"fewer replicas are in sync than assigned: one more broker failure may lose data or availability",
			"check the brokers missing from the ISR (disk, network, replica fetcher lag)")
	}
	if !t.Internal && t.ReplicationFactor == 1 && len(s.Brokers) > 1 {
		fs.add(Warning, subject, "replication factor 1",
			"each partition lives on one broker: when that broker stops, the partition is offline and acks=all producers fail",
			"raise the replication factor to 3 (partition reassignment) and set default.replication.factor on the brokers")
	}
	minISR(fs, s, t)
	partial(fs, t)
	skew(fs, t)
}

// minISR flags partitions with fewer in-sync replicas than the topic's
// min.insync.replicas: producers with acks=all fail on them.
func minISR(fs *list, s *sources.KafkaSnapshot, t sources.Topic) {
	need := t.MinInsync
	if need <= 0 {
		need = s.Cluster.MinInsyncReplicas // the topic's own setting is unknown: the brokers' default
	}
	if need <= 1 {
		return
	}
	subject := "topic " + t.Name
	if t.ReplicationFactor > 0 && t.ReplicationFactor < need {
		fs.add(Error, subject, fmt.Sprintf("replication factor %d below min.insync.replicas %d", t.ReplicationFactor, need),
			"there can never be enough in-sync replicas: every acks=all produce fails with NOT_ENOUGH_REPLICAS",
			"raise the replication factor, or lower the topic's min.insync.replicas")
		return
	}
	var short []int32
	missing := map[int32]bool{}
	for _, p := range t.Partitions {
		if p.IsOffline() || len(p.ISR) >= need {
			continue // an offline partition is reported as such
		}
		short = append(short, p.ID)
		for _, r := range p.Replicas {
			if !slices.Contains(p.ISR, r) {
				missing[r] = true
			}
		}
	}
	if len(short) == 0 {
		return
	}
	fs.add(Error, subject, fmt.Sprintf("%s below min.insync.replicas (%d)", Quantity(len(short), "partition"), need),
		fmt.Sprintf("%s %s %s fewer than %d replicas in sync: acks=all producers to them fail with NOT_ENOUGH_REPLICAS (consumers still read)", plural(len(short), "partition", "partitions"), ids(short), plural(len(short), "has", "have"), need),
		fmt.Sprintf("bring brokers %s back in sync (disk, network, replica fetcher); lowering min.insync.replicas trades durability for availability", ids(slices.Sorted(maps.Keys(missing)))))
}

// partial flags a topic whose figures miss partitions that have a leader
// (offline ones are reported as such).
func partial(fs *list, t sources.Topic) {
	if !t.Partial {
		return
	}
	var unread []int32
	why := ""
	for _, p := range t.Partitions {
		if !p.IsOffline() && (p.Low < 0 || p.High < 0) {
			unread = append(unread, p.ID)
			if why == "" {
				why = p.Err
			}
		}
	}
	if len(unread) == 0 {
		return
	}
	fs.add(Warning, "topic "+t.Name, fmt.Sprintf("offsets of %s unreadable", Quantity(len(unread), "partition")),
		fmt.Sprintf("the message count and rate miss %s %s, so they read low: %s", plural(len(unread), "partition", "partitions"), ids(unread), why),
		"check the partitions' leaders: the broker errors say which did not answer")
}

// skew flags a topic whose messages pile up in one partition.
func skew(fs *list, t sources.Topic) {
	if t.Partial || len(t.Partitions) < 2 || t.Messages < 1000 {
		return
	}
	mean := float64(t.Messages) / float64(len(t.Partitions))
	var hot sources.Partition
	var most int64 = -1
	for _, p := range t.Partitions {
		if n := p.High - p.Low; n > most {
			most, hot = n, p
		}
	}
	if float64(most) <= 2*mean {
		return
	}
	fs.add(Warning, "topic "+t.Name, fmt.Sprintf("partition %d holds %.1f× the average", hot.ID, float64(most)/mean),
		fmt.Sprintf("%d of %d messages are in one of %d partitions: the consumer that reads it lags while others idle, and its leader's disk fills first", most, t.Messages, len(t.Partitions)),
		"check the record keys (a hot key, or a partitioner that sends keyless records to one partition)")
}

func group(fs *list, s *sources.KafkaSnapshot, g sources.Group) {
	subject := "group " + g.ID
	switch {
	case g.Stale && coordinatorDown(s, g.Coordinator):
		fs.add(Error, subject, fmt.Sprintf("coordinator broker %d unreachable", g.Coordinator),
			fmt.Sprintf("its consumers cannot commit, join or rebalance while the coordinator is down; its figures are those read %s: %s", at(g.StaleSince), g.Err),
			"bring the broker back; Kafka moves a group's coordinator when its __consumer_offsets partition gets a new leader, which needs a replica on a live broker")
	case g.Stale:
		fs.add(Warning, subject, "figures stale since "+at(g.StaleSince),
			"part of the group could not be read this poll, so its lag is as last read: "+g.Err,
			"see the failing broker's error")
	case g.Err != "":
		fs.add(Warning, subject, "figures incomplete",
			"the group could not be read in full, so its lag may read low: "+g.Err,
			"see the failing broker's error")
	}
	lag := fmt.Sprintf("lag %d", g.Lag)
	if g.Lag < 0 {
		lag = "lag unknown"
	}
	parts := partitionsWith(g)
	switch g.Status {
	case sources.StatusStop:
		fs.add(Error, subject, "stopped (STOP), "+lag,
			"nothing has committed "+parts+" for longer than the window while new data arrives: no consumer reads them, and messages may expire unread",
			"start the group's consumers, or delete the group if it is retired")
	case sources.StatusStall:
		fs.add(Error, subject, "stalled (STALL), "+lag,
			"the committed offset "+parts+" has not moved for the whole window although a member holds them and data arrives: the consumer is stuck (a message it cannot process, a blocked handler)",
			"check the consumer's logs; restart it, or skip the message with an offset reset")
	case sources.StatusWarn:
		fs.add(Warning, subject, "lag growing (WARN), "+lag+catchUpText(g.CatchUp),
			"offsets advance but the lag never decreases over the window: the consumers are slower than the producers",
			"add consumers (up to the partition count), make processing faster, or look for frequent rebalances")
	case sources.StatusRewind:
		fs.add(Warning, subject, "offsets went back (REWIND)",
			"a committed offset moved backwards "+parts+": records are processed again",
			"if no one reset the group's offsets, look for a consumer committing old offsets")
	}
	if g.State == "Empty" && g.Lag > 0 && g.Status != sources.StatusStop {
		fs.add(Warning, subject, fmt.Sprintf("no members, lag %d", g.Lag),
			"committed offsets fall further behind while nothing consumes; messages may expire unread",
			"start the group's consumers, or delete the group if it is retired")
	}
}

func coordinatorDown(s *sources.KafkaSnapshot, id int32) bool {
	for _, b := range s.Brokers {
		if b.ID == id {
			return !b.Up
		}
	}
	return false
}

// partitionsWith names the group's partitions that have the group's status.
func partitionsWith(g sources.Group) string {
	var names []string
	for _, p := range g.Partitions {
		if p.Status == g.Status {
			names = append(names, fmt.Sprintf("%s/%d", p.Topic, p.Partition))
		}
	}
	switch {
	case len(names) == 0:
		return "on its partitions"
	case len(names) > 5:
		return "on " + strings.Join(names[:5], ", ") + fmt.Sprintf(" and %d more", len(names)-5)
	}
	return "on " + strings.Join(names, ", ")
}

func catchUpText(d time.Duration) string {
	switch {
	case d == sources.CatchUpNever:
		return ", never catches up at this pace"
	case d > 0:
		return ", catches up in about " + d.Round(time.Second).String()
	}
	return ""
}

func at(t time.Time) string {
	if t.IsZero() {
		return "earlier"
	}
	return "at " + t.Format(time.RFC3339)
}

func ids(xs []int32) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
