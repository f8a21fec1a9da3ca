package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/topicat/topicat/sources"
)

// createTopic creates a topic. A replication factor larger than the brokers
// the cluster lists is refused before anything is sent, with the count; a
// small one is allowed (the UI warns). Targets: the topic.
func (s *Source) createTopic(ctx context.Context, c sources.CreateTopic) sources.Result {
	switch {
	case c.Topic == "":
		return failed("create topic: no name given")
	case c.Partitions < 1:
		return failed("create topic %s: %d partitions: want at least 1", c.Topic, c.Partitions)
	case c.ReplicationFactor < 1:
		return failed("create topic %s: replication factor %d: want at least 1", c.Topic, c.ReplicationFactor)
	}
	for k := range c.Configs {
		if k == "" {
			return failed("create topic %s: a config with no name", c.Topic)
		}
	}
	ctx, cancel := actionContext(ctx)
	defer cancel()
	meta, err := retried(ctx, func() (kadm.Metadata, error) { return s.adm.BrokerMetadata(ctx) }, unanswered)
	if err != nil {
		return failed("create topic %s: metadata: %v", c.Topic, s.connErr(ctx, anyBroker, err))
	}
	if n := len(meta.Brokers); int(c.ReplicationFactor) > n {
		return failed("create topic %s: replication factor %d is more than the cluster's %s (%s): at most %d",
			c.Topic, c.ReplicationFactor, count(n, "live broker"), brokerIDList(meta.Brokers), n)
	}
	var configs map[string]*string
	if len(c.Configs) > 0 {
		configs = make(map[string]*string, len(c.Configs))
		for k, v := range c.Configs {
			configs[k] = kadm.StringPtr(v)
		}
	}
	rs, err := s.adm.CreateTopics(ctx, c.Partitions, c.ReplicationFactor, configs, c.Topic)
	if err != nil {
		return failed("create topic %s: %s", c.Topic, s.shardErrText(ctx, err))
	}
	r, ok := rs[c.Topic]
	if !ok {
		return failed("create topic %s: missing from the answer", c.Topic)
	}
	t := sources.TargetResult{Target: "topic " + c.Topic}
	switch {
	case errors.Is(r.Err, kerr.TopicAlreadyExists):
		t.Err = "already exists"
	case r.Err != nil:
		t.Err = kafkaErr(r.Err, r.ErrMessage)
	default:
		t.Detail = fmt.Sprintf("created: %s, replication factor %d", count(int(c.Partitions), "partition"), c.ReplicationFactor)
		if len(c.Configs) > 0 {
			t.Detail += ", " + configList(c.Configs)
		}
	}
	return sources.Result{Targets: []sources.TargetResult{t}}
}

// deleteTopic deletes a topic and its records. Targets: the topic.
func (s *Source) deleteTopic(ctx context.Context, d sources.DeleteTopic) sources.Result {
	if d.Topic == "" {
		return failed("delete topic: no name given")
	}
	ctx, cancel := actionContext(ctx)
	defer cancel()
	rs, err := s.adm.DeleteTopics(ctx, d.Topic)
	if err != nil {
		return failed("delete topic %s: %s", d.Topic, s.shardErrText(ctx, err))
	}
	r, ok := rs[d.Topic]
	if !ok {
		return failed("delete topic %s: missing from the answer", d.Topic)
	}
	t := sources.TargetResult{Target: "topic " + d.Topic, Detail: "deleted"}
	switch {
	case isUnknownTopic(r.Err):
		t.Detail, t.Err = "", "does not exist"
	case r.Err != nil:
		t.Detail, t.Err = "", kafkaErr(r.Err, r.ErrMessage)
	}
	return sources.Result{Targets: []sources.TargetResult{t}}
}

// alterTopic adds partitions and sets or deletes configs (one incremental
// alter of the configs). Everything is checked before anything is sent:
// fewer partitions than the topic has is refused with the count. Targets:
// "topic T partitions" and "topic T configs", for what was asked.
func (s *Source) alterTopic(ctx context.Context, a sources.AlterTopic) sources.Result {
	switch {
	case a.Topic == "":
		return failed("alter topic: no name given")
	case a.Partitions < 0:
		return failed("alter topic %s: %d partitions: want a count", a.Topic, a.Partitions)
	case a.Partitions == 0 && len(a.SetConfigs) == 0 && len(a.DeleteConfigs) == 0:
		return failed("alter topic %s: nothing to change: give partitions or configs", a.Topic)
	}
	for k := range a.SetConfigs {
		if k == "" {
			return failed("alter topic %s: a config with no name", a.Topic)
		}
		if slices.Contains(a.DeleteConfigs, k) {
			return failed("alter topic %s: %s is both set and deleted", a.Topic, k)
		}
	}
	if slices.Contains(a.DeleteConfigs, "") {
		return failed("alter topic %s: a config with no name", a.Topic)
	}
	ctx, cancel := actionContext(ctx)
	defer cancel()
	ti, err := s.lookupTopic(ctx, a.Topic)
	switch {
	case errors.Is(err, errNoTopic):
		return failed("topic %q does not exist", a.Topic)
	case err != nil:
		return failed("alter topic %s: %v", a.Topic, err)
	}
	now := int32(len(ti.partitions))
	if a.Partitions > 0 && a.Partitions < now {
		return failed("alter topic %s: %s and Kafka cannot remove partitions: give %d or more", a.Topic, partitionCount(a.Topic, int(now)), now)
	}

	var res sources.Result
	if a.Partitions > 0 {
		res.Targets = append(res.Targets, s.addPartitions(ctx, a.Topic, now, a.Partitions))
	}
	if len(a.SetConfigs)+len(a.DeleteConfigs) > 0 {
		res.Targets = append(res.Targets, s.alterConfigs(ctx, a))
	}
	return res
}

// addPartitions raises a topic's partition count from now to want.
func (s *Source) addPartitions(ctx context.Context, topic string, now, want int32) sources.TargetResult {
	t := sources.TargetResult{Target: "topic " + topic + " partitions"}
	if want == now {
		t.Detail = fmt.Sprintf("already %s: nothing to add", count(int(now), "partition"))
		return t
	}
	rs, err := s.adm.UpdatePartitions(ctx, int(want), topic)
	if err != nil {
		err = errors.New(s.shardErrText(ctx, err))
	} else {
		r, ok := rs[topic]
		switch {
		case !ok:
			err = errors.New("missing from the answer")
		case r.Err != nil:
			err = errors.New(kafkaErr(r.Err, r.ErrMessage))
		}
	}
	if err != nil {
		t.Err = fmt.Sprintf("add partitions (%d → %d): %v", now, want, err)
		return t
	}
	t.Detail = fmt.Sprintf("%d → %d partitions", now, want)
	return t
}

// alterConfigs sets and deletes a topic's configs in one incremental alter
// (all or nothing on the broker).
func (s *Source) alterConfigs(ctx context.Context, a sources.AlterTopic) sources.TargetResult {
	t := sources.TargetResult{Target: "topic " + a.Topic + " configs"}
	var alters []kadm.AlterConfig
	for _, k := range slices.Sorted(maps.Keys(a.SetConfigs)) {
		alters = append(alters, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: kadm.StringPtr(a.SetConfigs[k])})
	}
	deleted := slices.Sorted(slices.Values(a.DeleteConfigs))
	deleted = slices.Compact(deleted)
	for _, k := range deleted {
		alters = append(alters, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: k})
	}
	rs, err := s.adm.AlterTopicConfigs(ctx, alters, a.Topic)
	if err != nil {
		t.Err = "alter configs: " + s.shardErrText(ctx, err)
		return t
	}
	r, err := rs.On(a.Topic, nil)
	switch {
	case err != nil:
		t.Err = "alter configs: missing from the answer"
		return t
	case r.Err != nil:
		t.Err = "alter configs: " + kafkaErr(r.Err, r.ErrMessage)
		return t
	}
	var done []string
	if len(a.SetConfigs) > 0 {
		done = append(done, "set "+configList(a.SetConfigs))
	}
	if len(deleted) > 0 {
		done = append(done, "deleted "+strings.Join(deleted, ", ")+" (back to the default)")
	}
	t.Detail = strings.Join(done, "; ")
	return t
}

// configList writes configs as k=v, by name.
func configList(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ", ")
}

// brokerIDList names brokers by ID: "0, 1, 2".
func brokerIDList(bs kadm.BrokerDetails) string {
	ids := make([]int, 0, len(bs))
	for _, b := range bs {
		ids = append(ids, int(b.NodeID))
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return strings.Join(parts, ", ")
}
