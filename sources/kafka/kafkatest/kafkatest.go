// Package kafkatest starts in-process Kafka clusters (kfake) for tests, seeds
// them with topics, records and group offsets, and injects the faults a
// dashboard must survive: a broker that stops answering, a broker that metadata
// no longer lists, a partition without a leader, a shrunken ISR. Every cluster
// is closed by t.Cleanup.
package kafkatest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// setupTimeout bounds one helper call; generous because CI machines are shared.
const setupTimeout = 30 * time.Second

// Cluster is a kfake cluster owned by one test.
type Cluster struct {
	Fake *kfake.Cluster

	t     testing.TB
	addrs []string

	closeOnce  sync.Once
	clientOnce sync.Once
	cl         *kgo.Client
	adm        *kadm.Client

	// The fault control is installed on first use: until then requests
	// skip the control path entirely.
	controlOnce sync.Once
	fwd         *kgo.Client

	mu       sync.Mutex
	down     map[int32]bool
	omitted  map[int32]bool // left out of metadata's broker list
	rewrites map[topicPartition]func(*kmsg.MetadataResponseTopicPartition)
	// brokerConfigs are settings added to (or replacing those in) every
	// broker's DescribeConfigs answer.
	brokerConfigs map[string]string
	// forwarding: a request of this key is being forwarded for rewriting.
	forwarding map[int16]bool
	// secure are the TLS and SASL options of the helpers' own clients.
	secure []kgo.Opt
}

type topicPartition struct {
	topic     string
	partition int32
}

// errBrokerDown makes kfake close the connection, as a dead broker would.
var errBrokerDown = errors.New("kafkatest: broker is down")

// NewCluster starts a cluster: 3 brokers on random 127.0.0.1 ports unless
// opts say otherwise (later options win).
func NewCluster(t testing.TB, opts ...kfake.Opt) *Cluster {
	t.Helper()
	fake, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(3)}, opts...)...)
	if err != nil {
		t.Fatalf("kafkatest: start kfake: %v", err)
	}
	c := &Cluster{
		Fake:     fake,
		t:        t,
		addrs:    fake.ListenAddrs(),
		down:     make(map[int32]bool),
		omitted:  make(map[int32]bool),
		rewrites: make(map[topicPartition]func(*kmsg.MetadataResponseTopicPartition)),

		brokerConfigs: make(map[string]string),
		forwarding:    make(map[int16]bool),
	}
	t.Cleanup(c.Close)
	return c
}

// Close stops the cluster now, as when every broker goes away; cleanup calls
// it too. Its own clients close first: a producer closed after its cluster
// waits for it.
func (c *Cluster) Close() {
	c.closeOnce.Do(func() {
		if c.cl != nil {
			c.cl.Close()
		}
		c.mu.Lock()
		fwd := c.fwd
		c.mu.Unlock()
		if fwd != nil {
			fwd.Close()
		}
		c.Fake.Close()
	})
}

// ClientOpts makes the helpers' own clients (seeding, groups, faults) use
// opts, such as kgo.DialTLSConfig and kgo.SASL for a cluster started with
// kfake.TLS or kfake.EnableSASL. Call it before any helper.
func (c *Cluster) ClientOpts(opts ...kgo.Opt) *Cluster {
	c.secure = slices.Clone(opts)
	return c
}

// clientOpts are the options every helper client starts from.
func (c *Cluster) clientOpts() []kgo.Opt {
	return append([]kgo.Opt{kgo.SeedBrokers(c.addrs...)}, c.secure...)
}

// Addrs are the brokers' host:port listeners.
func (c *Cluster) Addrs() []string { return slices.Clone(c.addrs) }

// Client is a kgo client for seeding the cluster; records go to the partition
// they name.
func (c *Cluster) Client() *kgo.Client {
	c.clientOnce.Do(func() {
		cl, err := kgo.NewClient(append(c.clientOpts(),
			kgo.RecordPartitioner(kgo.ManualPartitioner()),
			kgo.MetadataMinAge(10*time.Millisecond),
		)...)
		if err != nil {
			c.t.Fatalf("kafkatest: client: %v", err)
		}
		c.cl = cl
		c.adm = kadm.NewClient(cl)
	})
	return c.cl
}

// Admin is a kadm client on Client.
func (c *Cluster) Admin() *kadm.Client {
	c.Client()
	return c.adm
}

func (c *Cluster) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), setupTimeout)
}

// CreateTopics creates topics with the given partitions and replication
// factor in one CreateTopics request.
func (c *Cluster) CreateTopics(partitions int32, rf int16, names ...string) {
	c.t.Helper()
	c.createTopics(partitions, rf, nil, names...)
}

// CreateTopic creates one topic with configs (nil for none).
func (c *Cluster) CreateTopic(name string, partitions int32, rf int16, configs map[string]string) {
	c.t.Helper()
	c.createTopics(partitions, rf, configs, name)
}

// CreateInternalTopic creates a topic that metadata flags as internal, the
// way __consumer_offsets is on a real cluster (kfake has none of its own).
func (c *Cluster) CreateInternalTopic(name string, partitions int32, rf int16) {
	c.t.Helper()
	c.createTopics(partitions, rf, map[string]string{"kfake.is_internal": "true"}, name)
}

func (c *Cluster) createTopics(partitions int32, rf int16, configs map[string]string, names ...string) {
	c.t.Helper()
	ctx, cancel := c.ctx()
	defer cancel()
	var cfg map[string]*string
	if configs != nil {
		cfg = make(map[string]*string, len(configs))
		for k, v := range configs {
			cfg[k] = kadm.StringPtr(v)
		}
	}
	resps, err := c.Admin().CreateTopics(ctx, partitions, rf, cfg, names...)
	if err != nil {
		c.t.Fatalf("kafkatest: create topics: %v", err)
	}
	if err := resps.Error(); err != nil {
		c.t.Fatalf("kafkatest: create topics: %v", err)
	}
}

// Produce writes n records to topic, round-robin over its partitions starting
// at partition 0, and returns how many each partition received.
func (c *Cluster) Produce(topic string, n int) map[int32]int64 {
	c.t.Helper()
	parts := len(c.Fake.PartitionInfos(topic))
	if parts == 0 {
		c.t.Fatalf("kafkatest: produce: topic %q has no partitions", topic)
	}
	counts := make(map[int32]int64, parts)
	rs := make([]*kgo.Record, n)
	for i := range rs {
		p := int32(i % parts)
		rs[i] = &kgo.Record{Topic: topic, Partition: p, Value: []byte("v")}
		counts[p]++
	}
	c.ProduceRecords(rs...)
	return counts
}

// ProduceRecords writes records synchronously; each names its partition.
func (c *Cluster) ProduceRecords(rs ...*kgo.Record) {
	c.t.Helper()
	if len(rs) == 0 {
		return
	}
	ctx, cancel := c.ctx()
	defer cancel()
	cl := c.Client()
	for {
		var failed []*kgo.Record
		var lastErr error
		for _, r := range cl.ProduceSync(ctx, rs...) {
			if r.Err != nil {
				failed, lastErr = append(failed, r.Record), r.Err
			}
		}
		if len(failed) == 0 {
			return
		}
		// A topic just re-created has a new ID the client learns only from
		// fresh metadata; retry what failed until the deadline.
		if ctx.Err() != nil || !retriable(lastErr) {
			c.t.Fatalf("kafkatest: produce: %v", lastErr)
		}
		if errors.Is(lastErr, kerr.UnknownTopicID) {
			topics := make(map[string]bool)
			for _, r := range failed {
				topics[r.Topic] = true
			}
			cl.PurgeTopicsFromProducing(slices.Collect(maps.Keys(topics))...)
		}
		cl.ForceMetadataRefresh()
		time.Sleep(10 * time.Millisecond)
		rs = failed
	}
}

func retriable(err error) bool {
	return errors.Is(err, kerr.UnknownTopicID) || errors.Is(err, kerr.UnknownTopicOrPartition) || kerr.IsRetriable(err)
}

// Commit stores group offsets (topic → partition → offset) as an admin would,
// leaving the group Empty: a consumer that stopped behind the end.
func (c *Cluster) Commit(group string, offsets map[string]map[int32]int64) {
	c.t.Helper()
	ctx, cancel := c.ctx()
	defer cancel()
	var os kadm.Offsets
	for t, ps := range offsets {
		for p, o := range ps {
			os.AddOffset(t, p, o, -1)
		}
	}
	if err := c.Admin().CommitAllOffsets(ctx, group, os); err != nil {
		c.t.Fatalf("kafkatest: commit %s: %v", group, err)
	}
}

// JoinGroup starts a consumer in a classic group (range assignor) subscribed
// to topics and waits until the group is Stable with it as the one member. It
// commits nothing by itself. The consumer leaves when the test ends.
func (c *Cluster) JoinGroup(group string, topics ...string) *kgo.Client {
	c.t.Helper()
	return c.joinGroup(group, topics, kgo.Balancers(kgo.RangeBalancer()))
}

// JoinConsumerGroup is JoinGroup for a KIP-848 group, whose assignment the
// broker computes.
func (c *Cluster) JoinConsumerGroup(group string, topics ...string) *kgo.Client {
	c.t.Helper()
	return c.joinGroup(group, topics, kgo.ServerSideBalancer())
}

func (c *Cluster) joinGroup(group string, topics []string, protocol kgo.Opt) *kgo.Client {
	c.t.Helper()
	cl, err := kgo.NewClient(append(c.clientOpts(),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topics...),
		kgo.DisableAutoCommit(),
		protocol,
	)...)
	if err != nil {
		c.t.Fatalf("kafkatest: group client: %v", err)
	}
	c.t.Cleanup(cl.Close)
	// Consume in the background, as a live member would, until the client
	// closes at cleanup.
	go func() {
		for {
			if fs := cl.PollFetches(context.Background()); fs.IsClientClosed() {
				return
			}
		}
	}()
	ctx, cancel := c.ctx()
	defer cancel()
	if _, err := c.Fake.WaitGroupStable(ctx, group, 1); err != nil {
		c.t.Fatalf("kafkatest: group %s never became stable: %v", group, err)
	}
	return cl
}

// BrokerDown makes broker id close every connection on its first request, as a
// crashed broker would, while metadata from the others still lists it.
func (c *Cluster) BrokerDown(id int32) {
	c.installControl()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down[id] = true
}

// BrokerUp undoes BrokerDown.
func (c *Cluster) BrokerUp(id int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.down, id)
}

// OmitBroker makes metadata answers leave broker id out of their broker list
// until restore is called, as Kafka does once a dead broker's session expires:
// partitions still name it as a replica (and as leader, unless moved with
// Fake.MoveTopicPartition). If it is the controller, the lowest listed broker
// is named instead. The broker itself still answers; BrokerDown stops that.
func (c *Cluster) OmitBroker(id int32) (restore func()) {
	c.installControl()
	c.mu.Lock()
	c.omitted[id] = true
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.omitted, id)
	}
}

// OfflinePartition makes metadata answer LEADER_NOT_AVAILABLE for the
// partition until the returned function is called.
func (c *Cluster) OfflinePartition(topic string, partition int32) (restore func()) {
	h := c.Fake.Fault(kfake.Fault{
		Keys:       []kmsg.Key{kmsg.Metadata},
		Topic:      topic,
		Partitions: []int32{partition},
		Err:        kerr.LeaderNotAvailable,
		Count:      -1,
	})
	return h.Remove
}

// UnderReplicated makes metadata report isr as the partition's in-sync
// replicas (kfake always reports ISR = replicas) until restore is called.
func (c *Cluster) UnderReplicated(topic string, partition int32, isr []int32) (restore func()) {
	isr = slices.Clone(isr)
	return c.rewrite(topic, partition, func(p *kmsg.MetadataResponseTopicPartition) {
		p.ISR = slices.Clone(isr)
	})
}

// OfflineReplicas makes metadata report replicas as offline (and out of the
// ISR, as Kafka does) until restore is called.
func (c *Cluster) OfflineReplicas(topic string, partition int32, offline []int32) (restore func()) {
	offline = slices.Clone(offline)
	return c.rewrite(topic, partition, func(p *kmsg.MetadataResponseTopicPartition) {
		p.OfflineReplicas = slices.Clone(offline)
		p.ISR = slices.DeleteFunc(slices.Clone(p.ISR), func(r int32) bool { return slices.Contains(offline, r) })
	})
}

func (c *Cluster) rewrite(topic string, partition int32, fn func(*kmsg.MetadataResponseTopicPartition)) (restore func()) {
	c.installControl()
	key := topicPartition{topic, partition}
	c.mu.Lock()
	c.rewrites[key] = fn
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.rewrites, key)
	}
}

// BrokerConfig makes every broker's DescribeConfigs answer report name as
// value (added, or replacing kfake's) until restore is called: for settings
// kfake does not have, such as auto.create.topics.enable. Set kfake's own
// with kfake.BrokerConfigs.
func (c *Cluster) BrokerConfig(name, value string) (restore func()) {
	c.installControl()
	c.mu.Lock()
	c.brokerConfigs[name] = value
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.brokerConfigs, name)
	}
}

// CountRequests counts the requests of key the brokers receive from now on
// (forwarded ones too); count reads the tally.
func (c *Cluster) CountRequests(key kmsg.Key) (count func() int) {
	var n atomic.Int64
	c.Fake.ControlKey(int16(key), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		n.Add(1)
		return nil, nil, false
	})
	return func() int { return int(n.Load()) }
}

// installControl adds one control that sees every request: it fails requests
// to down brokers, and rewrites partitions and omits brokers in metadata
// answers.
func (c *Cluster) installControl() {
	c.controlOnce.Do(func() {
		fwd, err := kgo.NewClient(c.clientOpts()...)
		if err != nil {
			c.t.Fatalf("kafkatest: forwarding client: %v", err)
		}
		c.mu.Lock()
		c.fwd = fwd
		c.mu.Unlock()
		c.Fake.Control(c.control)
	})
}

func (c *Cluster) control(kreq kmsg.Request) (kmsg.Response, error, bool) {
	c.Fake.KeepControl()
	node := c.Fake.CurrentNode()
	key := kreq.Key()
	c.mu.Lock()
	if c.down[node] {
		c.mu.Unlock()
		return nil, errBrokerDown, true
	}
	var forward bool
	switch key {
	case int16(kmsg.Metadata):
		forward = len(c.rewrites) > 0 || len(c.omitted) > 0
	case int16(kmsg.DescribeConfigs):
		forward = len(c.brokerConfigs) > 0
	}
	forward = forward && !c.forwarding[key]
	if forward {
		c.forwarding[key] = true
	}
	c.mu.Unlock()
	if !forward {
		return nil, nil, false // kfake answers as usual
	}

	// kfake has no hook to edit its own answer, so the request is forwarded
	// to the cluster through another client while this control sleeps, and
	// the answer is edited on the way back. The forwarded request comes back
	// through this control: the forwarding flag of its key lets it pass
	// untouched. A request of the same key from elsewhere arriving meanwhile
	// passes untouched too, which tests polling one request at a time never
	// see.
	var (
		resp kmsg.Response
		err  error
	)
	c.Fake.SleepControl(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		switch req := kreq.(type) {
		case *kmsg.MetadataRequest:
			dup := *req
			resp, err = dup.RequestWith(ctx, c.fwd)
		case *kmsg.DescribeConfigsRequest:
			dup := *req // a broker's settings are described by that broker
			resp, err = dup.RequestWith(ctx, c.fwd.Broker(int(node)))
		}
	})
	c.mu.Lock()
	delete(c.forwarding, key)
	rewrites := maps.Clone(c.rewrites)
	omitted := maps.Clone(c.omitted)
	configs := maps.Clone(c.brokerConfigs)
	c.mu.Unlock()
	if err != nil {
		return nil, err, true
	}
	resp.SetVersion(kreq.GetVersion())
	switch resp := resp.(type) {
	case *kmsg.MetadataResponse:
		editMetadata(resp, rewrites, omitted)
	case *kmsg.DescribeConfigsResponse:
		editConfigs(resp, kreq.(*kmsg.DescribeConfigsRequest), configs)
	}
	return resp, nil, true
}

func editMetadata(resp *kmsg.MetadataResponse, rewrites map[topicPartition]func(*kmsg.MetadataResponseTopicPartition), omitted map[int32]bool) {
	resp.Brokers = slices.DeleteFunc(resp.Brokers, func(b kmsg.MetadataResponseBroker) bool { return omitted[b.NodeID] })
	if omitted[resp.ControllerID] {
		resp.ControllerID = -1
		for _, b := range resp.Brokers {
			if resp.ControllerID < 0 || b.NodeID < resp.ControllerID {
				resp.ControllerID = b.NodeID
			}
		}
	}
	for i := range resp.Topics {
		t := &resp.Topics[i]
		if t.Topic == nil {
			continue
		}
		for j := range t.Partitions {
			p := &t.Partitions[j]
			if fn, ok := rewrites[topicPartition{*t.Topic, p.Partition}]; ok && p.ErrorCode == 0 {
				fn(p)
			}
		}
	}
}

// editConfigs sets the added settings in every broker resource answered,
// when the request asked for them (by name, or for all).
func editConfigs(resp *kmsg.DescribeConfigsResponse, req *kmsg.DescribeConfigsRequest, configs map[string]string) {
	asked := make(map[string]kmsg.DescribeConfigsRequestResource)
	for _, rr := range req.Resources {
		asked[rr.ResourceName] = rr
	}
	for i := range resp.Resources {
		r := &resp.Resources[i]
		if r.ResourceType != kmsg.ConfigResourceTypeBroker || r.ErrorCode != 0 {
			continue
		}
		names := asked[r.ResourceName].ConfigNames
		for _, name := range slices.Sorted(maps.Keys(configs)) {
			if names != nil && !slices.Contains(names, name) {
				continue
			}
			r.Configs = slices.DeleteFunc(r.Configs, func(rc kmsg.DescribeConfigsResponseResourceConfig) bool { return rc.Name == name })
			rc := kmsg.NewDescribeConfigsResponseResourceConfig()
			rc.Name, rc.Value = name, kmsg.StringPtr(configs[name])
			rc.Source = kmsg.ConfigSourceStaticBrokerConfig
			rc.ReadOnly = true
			r.Configs = append(r.Configs, rc)
		}
	}
}

// Fill appends n records to one partition and returns the offset of the
// first. The record at offset o has key "k<o>", value "<partition>/<o>" and
// timestamp at(o) (the produce time when at is nil), so that a test can tell
// from a record alone where it came from. Nothing else may write to the
// partition meanwhile.
func (c *Cluster) Fill(topic string, partition int32, n int, at func(offset int64) time.Time) int64 {
	c.t.Helper()
	ctx, cancel := c.ctx()
	defer cancel()
	// The listing may fail for other partitions (their leader is down).
	ends, err := c.Admin().ListEndOffsets(ctx, topic)
	end, ok := ends.Lookup(topic, partition)
	if !ok || end.Err != nil {
		c.t.Fatalf("kafkatest: fill %s/%d: no end offset (%v, %v)", topic, partition, end.Err, err)
	}
	rs := make([]*kgo.Record, n)
	for i := range rs {
		o := end.Offset + int64(i)
		r := &kgo.Record{
			Topic:     topic,
			Partition: partition,
			Key:       []byte("k" + strconv.FormatInt(o, 10)),
			Value:     []byte(strconv.Itoa(int(partition)) + "/" + strconv.FormatInt(o, 10)),
		}
		if at != nil {
			r.Timestamp = at(o)
		}
		rs[i] = r
	}
	c.ProduceRecords(rs...)
	return end.Offset
}

// ProduceTransaction writes values to one partition in a committed
// transaction, so that the partition ends with a control record (the commit
// marker) one offset past the last value.
func (c *Cluster) ProduceTransaction(topic string, partition int32, values ...string) {
	c.t.Helper()
	cl, err := kgo.NewClient(append(c.clientOpts(),
		kgo.TransactionalID("kafkatest-"+topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
	)...)
	if err != nil {
		c.t.Fatalf("kafkatest: transactional client: %v", err)
	}
	defer cl.Close()
	ctx, cancel := c.ctx()
	defer cancel()
	if err := cl.BeginTransaction(); err != nil {
		c.t.Fatalf("kafkatest: begin transaction: %v", err)
	}
	rs := make([]*kgo.Record, len(values))
	for i, v := range values {
		rs[i] = &kgo.Record{Topic: topic, Partition: partition, Value: []byte(v)}
	}
	if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		c.t.Fatalf("kafkatest: transactional produce: %v", err)
	}
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		c.t.Fatalf("kafkatest: commit transaction: %v", err)
	}
}

// Leader is the broker leading a partition.
func (c *Cluster) Leader(topic string, partition int32) int32 {
	return c.Fake.LeaderFor(topic, partition)
}

// SpreadLeaders makes broker p % brokers the leader of partition p, so that a
// test knows which partitions a broker fault touches (kfake places leaders at
// random).
func (c *Cluster) SpreadLeaders(topic string) {
	c.t.Helper()
	for _, pi := range c.Fake.PartitionInfos(topic) {
		if err := c.Fake.MoveTopicPartition(topic, pi.Partition, pi.Partition%int32(len(c.addrs))); err != nil {
			c.t.Fatalf("kafkatest: move %s/%d: %v", topic, pi.Partition, err)
		}
	}
}
