package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
)

// describeTopic answers the topic page: every config of the topic (one
// DescribeConfigs) and its replicas' sizes on disk (one DescribeLogDirs per
// broker). Either half may fail alone: configs as a failed target, log dirs
// in LogDirsErr. Data: *sources.TopicDetail.
func (s *Source) describeTopic(ctx context.Context, d sources.DescribeTopic) sources.Result {
	if d.Topic == "" {
		return failed("describe topic: no topic given")
	}
	ctx, cancel := actionContext(ctx)
	defer cancel()
	ti, err := s.lookupTopic(ctx, d.Topic)
	switch {
	case errors.Is(err, errNoTopic):
		return failed("topic %q does not exist", d.Topic)
	case err != nil:
		return failed("describe topic %s: %v", d.Topic, err)
	}

	detail := &sources.TopicDetail{Topic: d.Topic}
	var (
		wg         sync.WaitGroup
		configsErr error
	)
	wg.Go(func() { detail.Configs, configsErr = s.describeConfigs(ctx, kmsg.ConfigResourceTypeTopic, d.Topic) })
	wg.Go(func() { detail.Replicas, detail.LogDirsErr = s.replicaSizes(ctx, d.Topic, ti.partitions) })
	wg.Wait()

	res := sources.Result{Data: detail}
	if configsErr != nil {
		if detail.LogDirsErr != "" && len(detail.Replicas) == 0 {
			return failed("describe topic %s: configs: %v; log dirs: %s", d.Topic, configsErr, detail.LogDirsErr)
		}
		res.Targets = append(res.Targets, sources.TargetResult{Target: "topic " + d.Topic + " configs", Err: "describe configs: " + configsErr.Error()})
	}
	return res
}

// replicaSizes asks every broker for the sizes of the topic's partitions in
// its log dirs and keeps what each says (kfake says every broker holds every
// partition). What failed, by broker or dir, is the second result.
func (s *Source) replicaSizes(ctx context.Context, topic string, partitions []int32) ([]sources.ReplicaSize, string) {
	dirs, err := retried(ctx, func() (kadm.DescribedAllLogDirs, error) {
		return s.adm.DescribeAllLogDirs(ctx, kadm.TopicsSet{topic: setOf(partitions)})
	}, unmapped)
	var problems []string
	if err != nil {
		problems = append(problems, s.shardErrText(ctx, err))
	}
	var out []sources.ReplicaSize
	for _, dir := range dirs.Sorted() { // by broker and dir
		if dir.Err != nil {
			problems = append(problems, fmt.Sprintf("broker %d dir %s: %v", dir.Broker, dir.Dir, dir.Err))
			continue
		}
		for _, p := range dir.Topics[topic] {
			out = append(out, sources.ReplicaSize{Partition: p.Partition, Broker: dir.Broker, Dir: dir.Dir, Bytes: p.Size})
		}
	}
	slices.SortFunc(out, func(a, b sources.ReplicaSize) int {
		return cmp.Or(cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Broker, b.Broker), strings.Compare(a.Dir, b.Dir))
	})
	return out, strings.Join(problems, "; ")
}

// setOf is a partition set as kadm takes it.
func setOf(ps []int32) map[int32]struct{} {
	out := make(map[int32]struct{}, len(ps))
	for _, p := range ps {
		out[p] = struct{}{}
	}
	return out
}
