package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
)

// describeConfigs reads every config of one topic or broker in one
// DescribeConfigs request (kgo sends a broker's to that broker), sorted by
// name. It asks Kafka directly rather than through kadm, which drops whether
// a config is read-only.
func (s *Source) describeConfigs(ctx context.Context, kind kmsg.ConfigResourceType, name string) ([]sources.Config, error) {
	if kind != kmsg.ConfigResourceTypeTopic { // a broker's own configs come from it alone
		return s.describeConfigsOnce(ctx, kind, name)
	}
	return retried(ctx, func() ([]sources.Config, error) { return s.describeConfigsOnce(ctx, kind, name) },
		func(err error) bool { return unanswered(err) && !errors.Is(err, errNoTopic) })
}

func (s *Source) describeConfigsOnce(ctx context.Context, kind kmsg.ConfigResourceType, name string) ([]sources.Config, error) {
	req := kmsg.NewPtrDescribeConfigsRequest()
	rr := kmsg.NewDescribeConfigsRequestResource()
	rr.ResourceType = kind
	rr.ResourceName = name
	req.Resources = append(req.Resources, rr)
	for _, sh := range s.cl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			return nil, s.shardErr(ctx, sh.Meta, sh.Err)
		}
		for _, r := range sh.Resp.(*kmsg.DescribeConfigsResponse).Resources {
			if r.ResourceName != name {
				continue
			}
			if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
				if kind == kmsg.ConfigResourceTypeTopic && isUnknownTopic(err) {
					return nil, errNoTopic
				}
				if m := deref(r.ErrorMessage); m != "" {
					return nil, fmt.Errorf("%w: %s", err, m)
				}
				return nil, err
			}
			out := make([]sources.Config, 0, len(r.Configs))
			for _, c := range r.Configs {
				out = append(out, sources.Config{
					Name:      c.Name,
					Value:     deref(c.Value),
					Source:    configSource(c.Source),
					Default:   c.Source == kmsg.ConfigSourceDefaultConfig || (c.Source < 0 && c.IsDefault),
					Sensitive: c.IsSensitive,
					ReadOnly:  c.ReadOnly,
				})
			}
			slices.SortFunc(out, func(a, b sources.Config) int { return strings.Compare(a.Name, b.Name) })
			return out, nil
		}
	}
	return nil, errors.New("missing from the answer")
}

// configSource says where a config's value comes from, in the words of
// sources.Config.Source.
func configSource(src kmsg.ConfigSource) string {
	switch src {
	case kmsg.ConfigSourceDynamicTopicConfig:
		return "topic"
	case kmsg.ConfigSourceDynamicBrokerConfig:
		return "broker"
	case kmsg.ConfigSourceDynamicDefaultBrokerConfig:
		return "cluster"
	case kmsg.ConfigSourceStaticBrokerConfig:
		return "static broker config"
	case kmsg.ConfigSourceDefaultConfig:
		return "default"
	case kmsg.ConfigSourceDynamicBrokerLoggerConfig:
		return "broker logger"
	case kmsg.ConfigSourceClientMetricsConfig:
		return "client metrics"
	case kmsg.ConfigSourceGroupConfig:
		return "group"
	}
	return "unknown"
}
