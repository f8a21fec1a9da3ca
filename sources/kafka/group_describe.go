package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
)

// groupNow is what a describe says of one group, whichever protocol it
// speaks: the classic one (DescribeGroups) or KIP-848's (ConsumerGroupDescribe).
type groupNow struct {
	exists       bool
	state        string
	protocolType string
	protocol     string
	coordinator  int32
	members      []memberNow // by member ID
}

// memberNow is one member and its assignment, each topic named, or known by
// ID alone (kfake's KIP-848 groups; Kafka sends both).
type memberNow struct {
	id, clientID, host string
	assigned           []kmsg.AssignmentTopicPartition
}

// describeGroupInfo asks the group's coordinator about it with both describe
// requests at once: a KIP-848 group answers ConsumerGroupDescribe, a classic
// group answers DescribeGroups (and ConsumerGroupDescribe answers it
// GROUP_ID_NOT_FOUND, as it does on brokers before Kafka 4.0 too).
func (s *Source) describeGroupInfo(ctx context.Context, group string) (groupNow, error) {
	return retried(ctx, func() (groupNow, error) { return s.describeGroupOnce(ctx, group) }, unanswered)
}

func (s *Source) describeGroupOnce(ctx context.Context, group string) (groupNow, error) {
	var (
		wg         sync.WaitGroup
		next       groupNow
		nextFound  bool
		classic    kadm.DescribedGroups
		classicErr error
	)
	wg.Go(func() { next, nextFound = s.describeConsumerGroup(ctx, group) })
	wg.Go(func() { classic, classicErr = s.adm.DescribeGroups(ctx, group) })
	wg.Wait()
	if nextFound {
		return next, nil
	}
	if classicErr != nil {
		return groupNow{}, s.byBroker(ctx, "describe group", classicErr)
	}
	d, ok := classic[group]
	switch {
	case !ok:
		return groupNow{}, errors.New("describe group: missing from the answer")
	case errors.Is(d.Err, kerr.GroupIDNotFound), d.Err == nil && d.State == "Dead":
		return groupNow{coordinator: d.Coordinator.NodeID}, nil
	case d.Err != nil:
		return groupNow{}, &wordedErr{
			text:  "describe group: " + brokerErrText(d.Coordinator.NodeID, d.Coordinator.Host, d.Coordinator.Port, errors.New(kafkaErr(d.Err, d.ErrMessage))),
			cause: d.Err,
		}
	}
	info := groupNow{
		exists:       true,
		state:        d.State,
		protocolType: d.ProtocolType,
		protocol:     d.Protocol,
		coordinator:  d.Coordinator.NodeID,
	}
	for _, m := range d.Members {
		mi := memberNow{id: m.MemberID, clientID: m.ClientID, host: m.ClientHost}
		// Only the consumer protocol's assignment names partitions;
		// connect's and others' are opaque here.
		if c, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range c.Topics {
				mi.assigned = append(mi.assigned, kmsg.AssignmentTopicPartition{Topic: t.Topic, Partitions: slices.Clone(t.Partitions)})
			}
		}
		info.members = append(info.members, mi)
	}
	return info, nil
}

// describeConsumerGroup asks for a KIP-848 group directly (kadm drops the
// topic IDs that kfake's assignments carry alone); found is false for a
// classic group, an unknown one, or a broker that does not speak KIP-848.
func (s *Source) describeConsumerGroup(ctx context.Context, group string) (info groupNow, found bool) {
	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	req.Groups = []string{group}
	for _, sh := range s.cl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			continue
		}
		for _, g := range sh.Resp.(*kmsg.ConsumerGroupDescribeResponse).Groups {
			if g.Group != group || g.ErrorCode != 0 {
				continue
			}
			info = groupNow{
				exists:       true,
				state:        g.State,
				protocolType: "consumer",
				protocol:     g.AssignorName,
				coordinator:  sh.Meta.NodeID,
			}
			for _, m := range g.Members {
				info.members = append(info.members, memberNow{
					id: m.MemberID, clientID: m.ClientID, host: m.ClientHost,
					assigned: m.Assignment.TopicPartitions,
				})
			}
			slices.SortFunc(info.members, func(a, b memberNow) int { return strings.Compare(a.id, b.id) })
			return info, true
		}
	}
	return groupNow{}, false
}

// busy says why a group's offsets may not be moved nor the group deleted:
// it is not Empty. "" when it is.
func (g groupNow) busy(name string) string {
	if !g.exists || g.state == "Empty" {
		return ""
	}
	return fmt.Sprintf("group %s is %s with %s", name, g.state, count(len(g.members), "member"))
}

// unnamed reports whether some assignment names a topic by ID alone.
func (g groupNow) unnamed() bool {
	for _, m := range g.members {
		for _, a := range m.assigned {
			if a.Topic == "" {
				return true
			}
		}
	}
	return false
}

// sourcesMembers are the members as the group page shows them, topics
// named through names (ID → name); an ID no topic has any more is left out.
func (g groupNow) sourcesMembers(names map[[16]byte]string) []sources.GroupMember {
	out := make([]sources.GroupMember, 0, len(g.members))
	for _, m := range g.members {
		gm := sources.GroupMember{ID: m.id, ClientID: m.clientID, Host: m.host}
		for _, a := range m.assigned {
			topic := a.Topic
			if topic == "" {
				topic = names[a.TopicID]
			}
			if topic == "" {
				continue
			}
			ps := slices.Clone(a.Partitions)
			slices.Sort(ps)
			gm.Assigned = append(gm.Assigned, sources.TopicPartitions{Topic: topic, Partitions: ps})
		}
		slices.SortFunc(gm.Assigned, func(a, b sources.TopicPartitions) int { return strings.Compare(a.Topic, b.Topic) })
		out = append(out, gm)
	}
	return out
}

// groupAndCommits asks the coordinator about the group and for its committed
// offsets at once, each answer with its own error.
func (s *Source) groupAndCommits(ctx context.Context, group string) (info groupNow, infoErr error, commits kadm.OffsetResponses, commitsErr error) {
	var wg sync.WaitGroup
	wg.Go(func() { info, infoErr = s.describeGroupInfo(ctx, group) })
	wg.Go(func() { commits, commitsErr = s.fetchCommitted(ctx, group) })
	wg.Wait()
	return info, infoErr, commits, commitsErr
}

// fetchCommitted is the group's committed offsets; a group Kafka does not
// know has none (Kafka answers GROUP_ID_NOT_FOUND for it since KIP-1043).
//
// kgo names the topics of an answer by ID through a metadata request of its
// own; when that request meets a broker that drops the connection, the topics
// come back unnamed, as errors. That is tried again, as a failure to reach a
// broker is.
func (s *Source) fetchCommitted(ctx context.Context, group string) (kadm.OffsetResponses, error) {
	rs, err := retried(ctx, func() (kadm.OffsetResponses, error) {
		rs, err := s.adm.FetchOffsets(ctx, group)
		if err == nil && unnamedTopics(rs) {
			err = errUnnamedTopics
		}
		return rs, err
	}, func(err error) bool { return unanswered(err) || errors.Is(err, errUnnamedTopics) })
	switch {
	case errors.Is(err, kerr.GroupIDNotFound):
		return nil, nil
	case err != nil:
		return nil, s.byBroker(ctx, "fetch committed offsets", err)
	}
	return rs, nil
}

// errUnnamedTopics is an answer whose topics kgo could not name.
var errUnnamedTopics = errors.New("the topics could not be named (metadata did not answer)")

func unnamedTopics(rs kadm.OffsetResponses) bool {
	for t, ps := range rs {
		if t == "" {
			return true
		}
		for _, p := range ps {
			if errors.Is(p.Err, kerr.UnknownTopicID) {
				return true
			}
		}
	}
	return false
}
