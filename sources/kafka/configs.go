package kafka

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
)

// settingsEvery is how often every topic's and the brokers' settings are
// read again: they rarely change, and at thousands of topics the answer is
// the largest of a poll. A topic new since the last reading is read at the
// next poll.
const settingsEvery = 30 * time.Second

// Only the settings the snapshot carries are asked for, which keeps the
// answer for thousands of topics small.
var (
	topicConfigNames  = []string{"cleanup.policy", "retention.ms", "min.insync.replicas", "max.message.bytes"}
	brokerConfigNames = []string{"default.replication.factor", "auto.create.topics.enable", "min.insync.replicas", "message.max.bytes"}
)

// settingsCache holds the settings last read.
type settingsCache struct {
	topics   map[string]topicSettings
	topicsAt time.Time // when every topic was last read
	cluster  sources.ClusterConfig
	// clusterAt is when the broker settings were last read; zero until then.
	clusterAt time.Time
}

type topicSettings struct {
	id              [16]byte
	cleanupPolicy   string
	retentionMs     int64
	minInsync       int
	maxMessageBytes int64
}

// unknownSettings are a topic's settings before they are read.
var unknownSettings = topicSettings{retentionMs: -1, minInsync: -1, maxMessageBytes: -1}

// unknownCluster is the broker settings before they are read.
func unknownCluster(why string) sources.ClusterConfig {
	return sources.ClusterConfig{DefaultReplicationFactor: -1, MinInsyncReplicas: -1, MessageMaxBytes: -1, Err: why}
}

// settingsPlan is what one poll asks: the topics whose settings are due (all
// of them every settingsEvery, else those never read) and whether the broker
// settings are due, all of one live broker.
type settingsPlan struct {
	broker    int32
	topics    []string
	ids       map[string][16]byte
	all       bool // every topic is asked: the reading is a full one
	brokerDue bool
}

// init makes an empty cache say that nothing was read yet.
func (c *settingsCache) init() {
	if c.topics == nil {
		c.topics = make(map[string]topicSettings)
		c.cluster = unknownCluster("not read yet")
	}
}

func (c *settingsCache) plan(meta *kmsg.MetadataResponse, up []int32, controller int32, now time.Time) settingsPlan {
	p := settingsPlan{broker: -1, ids: make(map[string][16]byte)}
	if len(up) == 0 {
		return p
	}
	// The controller if it answers, else the lowest broker that does.
	p.broker = up[0]
	if slices.Contains(up, controller) {
		p.broker = controller
	}
	p.all = now.Sub(c.topicsAt) >= settingsEvery
	p.brokerDue = now.Sub(c.clusterAt) >= settingsEvery
	for _, t := range meta.Topics {
		if t.Topic == nil || t.ErrorCode != 0 {
			continue
		}
		if cached, ok := c.topics[*t.Topic]; p.all || !ok || cached.id != t.TopicID {
			p.topics = append(p.topics, *t.Topic)
			p.ids[*t.Topic] = t.TopicID
		}
	}
	return p
}

// settingsResult is one reading of settings.
type settingsResult struct {
	topics    map[string]topicSettings
	topicErrs map[string]error
	cluster   *sources.ClusterConfig // nil when not asked
	fail      *failure
}

// readSettings asks one broker, in one DescribeConfigs request, for the
// planned topics' settings and its own.
func (s *Source) readSettings(ctx context.Context, p settingsPlan) settingsResult {
	var res settingsResult
	if p.broker < 0 || (len(p.topics) == 0 && !p.brokerDue) {
		return res
	}
	req := kmsg.NewPtrDescribeConfigsRequest()
	for _, t := range p.topics {
		rr := kmsg.NewDescribeConfigsRequestResource()
		rr.ResourceType = kmsg.ConfigResourceTypeTopic
		rr.ResourceName = t
		rr.ConfigNames = topicConfigNames
		req.Resources = append(req.Resources, rr)
	}
	brokerName := strconv.Itoa(int(p.broker))
	if p.brokerDue {
		rr := kmsg.NewDescribeConfigsRequestResource()
		rr.ResourceType = kmsg.ConfigResourceTypeBroker
		rr.ResourceName = brokerName
		rr.ConfigNames = brokerConfigNames
		req.Resources = append(req.Resources, rr)
	}
	resp, err := req.RequestWith(ctx, s.cl.Broker(int(p.broker)))
	if err != nil {
		err = s.brokerErr(ctx, p.broker, err)
		res.fail = &failure{p.broker, "describe configs", err}
		if p.brokerDue {
			cc := unknownCluster(fmt.Sprintf("describe configs on broker %d: %v", p.broker, err))
			res.cluster = &cc
		}
		return res
	}
	res.topics = make(map[string]topicSettings, len(p.topics))
	for _, r := range resp.Resources {
		rerr := kerr.ErrorForCode(r.ErrorCode)
		switch r.ResourceType {
		case kmsg.ConfigResourceTypeTopic:
			if rerr != nil {
				if res.topicErrs == nil {
					res.topicErrs = make(map[string]error)
				}
				res.topicErrs[r.ResourceName] = rerr
				continue
			}
			ts := topicSettingsOf(r.Configs)
			ts.id = p.ids[r.ResourceName]
			res.topics[r.ResourceName] = ts
		case kmsg.ConfigResourceTypeBroker:
			if r.ResourceName != brokerName {
				continue
			}
			cc := clusterConfigOf(p.broker, r.Configs)
			if rerr != nil {
				cc = unknownCluster(fmt.Sprintf("describe configs on broker %d: %v", p.broker, rerr))
			}
			res.cluster = &cc
		}
	}
	if p.brokerDue && res.cluster == nil {
		cc := unknownCluster(fmt.Sprintf("describe configs on broker %d: its settings were missing from the answer", p.broker))
		res.cluster = &cc
	}
	return res
}

// apply keeps what a reading found. A failed reading keeps the settings
// read before, and is asked again at the next poll.
func (c *settingsCache) apply(p settingsPlan, r settingsResult, now time.Time) {
	if r.fail == nil && len(p.topics) > 0 {
		for name, ts := range r.topics {
			c.topics[name] = ts
		}
		// A topic refused (not authorized, say) is unknown until the next
		// full reading, not asked for again at every poll.
		for name := range r.topicErrs {
			ts := unknownSettings
			ts.id = p.ids[name]
			c.topics[name] = ts
		}
		if p.all {
			// A full reading also forgets deleted topics.
			for name := range c.topics {
				if _, ok := p.ids[name]; !ok {
					delete(c.topics, name)
				}
			}
			c.topicsAt = now
		}
	}
	if r.cluster != nil {
		cc := *r.cluster
		switch {
		case cc.DefaultReplicationFactor >= 0 || cc.AutoCreateTopics != nil || cc.MinInsyncReplicas >= 0 || cc.MessageMaxBytes >= 0:
			c.cluster, c.clusterAt = cc, now
		case c.clusterAt.IsZero():
			c.cluster = cc // never read: unknown, with the reason; asked again next poll
		}
	}
}

// topic is a topic's settings as last read, or unknown.
func (c *settingsCache) topic(name string, id [16]byte) topicSettings {
	if ts, ok := c.topics[name]; ok && ts.id == id {
		return ts
	}
	return unknownSettings
}

func topicSettingsOf(cfgs []kmsg.DescribeConfigsResponseResourceConfig) topicSettings {
	ts := unknownSettings
	for _, c := range cfgs {
		if c.Value == nil {
			continue
		}
		v := strings.TrimSpace(*c.Value)
		switch c.Name {
		case "cleanup.policy":
			ts.cleanupPolicy = v
		case "retention.ms":
			ts.retentionMs = retentionSetting(v)
		case "min.insync.replicas":
			ts.minInsync = int(settingNumber(v))
		case "max.message.bytes":
			ts.maxMessageBytes = settingNumber(v)
		}
	}
	return ts
}

func clusterConfigOf(broker int32, cfgs []kmsg.DescribeConfigsResponseResourceConfig) sources.ClusterConfig {
	cc := unknownCluster("")
	for _, c := range cfgs {
		if c.Value == nil {
			continue
		}
		v := strings.TrimSpace(*c.Value)
		switch c.Name {
		case "default.replication.factor":
			cc.DefaultReplicationFactor = int(settingNumber(v))
		case "auto.create.topics.enable":
			if b, err := strconv.ParseBool(v); err == nil {
				cc.AutoCreateTopics = &b
			}
		case "min.insync.replicas":
			cc.MinInsyncReplicas = int(settingNumber(v))
		case "message.max.bytes":
			cc.MessageMaxBytes = settingNumber(v)
		}
	}
	var missing []string
	if cc.DefaultReplicationFactor < 0 {
		missing = append(missing, "default.replication.factor")
	}
	if cc.AutoCreateTopics == nil {
		missing = append(missing, "auto.create.topics.enable")
	}
	if len(missing) > 0 {
		cc.Err = fmt.Sprintf("broker %d did not report %s", broker, strings.Join(missing, " or "))
	}
	return cc
}

// settingNumber parses a setting, -1 when it is not a number.
func settingNumber(v string) int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// retentionSetting parses retention.ms, in which -1 means "kept forever":
// sources.RetentionForever here, as -1 means unknown in the snapshot.
func retentionSetting(v string) int64 {
	n := settingNumber(v)
	if n == -1 && v == "-1" {
		return sources.RetentionForever
	}
	return n
}
