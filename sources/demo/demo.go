// Package demo runs the embedded default: a 3-broker Kafka cluster (kfake, the
// real wire protocol) and an NSQ cluster (two nsqlookupd and three nsqd, the
// real code) inside this process on 127.0.0.1, seeded with topics and kept busy by
// synthetic producers and consumers, so `topicat demo` shows the real product
// with no cluster at hand. Its addresses work for kcat and nsq_tail too.
package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nsqio/go-nsq"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources/nsq/nsqembed"
)

// What the demo seeds, and what each piece is there to show.
var kafkaTopics = []struct {
	name       string
	partitions int32
	rf         int16
	perTick    int // records per 100 ms
}{
	{"orders", 6, 3, 3},
	{"payments", 3, 3, 2},
	{"clickstream", 12, 3, 8},
	{"audit-log", 2, 1, 1}, // replication factor 1: the health lint's example
}

const (
	groupBilling   = "billing"        // keeps up with orders and payments
	groupAnalytics = "analytics"      // reads clickstream slower than it is written: lag grows
	groupArchiver  = "audit-archiver" // committed once and stopped: Empty with lag
)

var nsqTopics = []struct {
	name     string
	channels []string
	perTick  int // messages per 200 ms per nsqd
}{
	{"events", []string{"archive", "indexer"}, 2},
	{"emails", []string{"sender"}, 1},      // sender is paused on the first nsqd only: its depth grows there
	{"notifications", []string{"push"}, 1}, // push has no consumer: messages pile up
}

// nsqInactive is registered in the lookupds and produced by no nsqd:
// nsqadmin's "inactive" list.
const nsqInactive, nsqInactiveChannel = "legacy-import", "replay"

const nsqNodes, nsqLookupds = 3, 2

// Addrs are where the demo clusters listen.
type Addrs struct {
	Brokers     []string // host:port
	LookupdHTTP []string // http://host:port
	NSQDHTTP    []string // host:port
	NSQDTCP     []string // host:port
}

// Cluster is a running demo.
type Cluster struct {
	kafka    *kfake.Cluster
	lookupds []*nsqembed.Lookupd
	nsqds    []*nsqembed.NSQD
	addrs    Addrs

	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// Start brings up both clusters, seeds them and starts the traffic. The
// traffic stops with ctx or Close.
func Start(ctx context.Context) (_ *Cluster, err error) {
	c := &Cluster{}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	c.kafka, err = kfake.NewCluster(kfake.NumBrokers(3), kfake.ClusterID("topicat-demo"))
	if err != nil {
		return nil, fmt.Errorf("start kafka cluster: %w", err)
	}
	c.addrs.Brokers = c.kafka.ListenAddrs()

	var lookupdTCP []string
	for range nsqLookupds {
		l, err := nsqembed.StartLookupd("", "")
		if err != nil {
			return nil, err
		}
		c.lookupds = append(c.lookupds, l)
		c.addrs.LookupdHTTP = append(c.addrs.LookupdHTTP, l.URL())
		lookupdTCP = append(lookupdTCP, l.TCPAddr())
	}
	for i := range nsqNodes {
		d, err := nsqembed.StartNSQD(nsqembed.NSQDOptions{ID: int64(i + 1), Lookupds: lookupdTCP})
		if err != nil {
			return nil, err
		}
		c.nsqds = append(c.nsqds, d)
		c.addrs.NSQDHTTP = append(c.addrs.NSQDHTTP, d.HTTPAddr())
		c.addrs.NSQDTCP = append(c.addrs.NSQDTCP, d.TCPAddr())
	}

	tctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go func() { // the caller's ctx ends the traffic too
		select {
		case <-ctx.Done():
			cancel()
		case <-tctx.Done():
		}
	}()
	if err := c.seedKafka(ctx); err != nil {
		return nil, err
	}
	if err := c.seedNSQ(ctx); err != nil {
		return nil, err
	}
	if err := c.startKafkaTraffic(tctx); err != nil {
		return nil, err
	}
	if err := c.startNSQTraffic(tctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Addrs reports where the clusters listen.
func (c *Cluster) Addrs() Addrs { return c.addrs }

// Close stops the traffic and both clusters.
func (c *Cluster) Close() {
	c.once.Do(func() {
		if c.cancel != nil {
			c.cancel()
		}
		c.wg.Wait()
		for _, d := range c.nsqds {
			d.Close()
		}
		for _, l := range c.lookupds {
			l.Close()
		}
		if c.kafka != nil {
			c.kafka.Close()
		}
	})
}

func (c *Cluster) seedKafka(ctx context.Context) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.addrs.Brokers...))
	if err != nil {
		return fmt.Errorf("seed kafka: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	for _, t := range kafkaTopics {
		if _, err := adm.CreateTopic(ctx, t.partitions, t.rf, nil, t.name); err != nil {
			return fmt.Errorf("seed kafka: create topic %s: %w", t.name, err)
		}
	}
	// A backlog so the first screen has figures, and a group that read part of
	// audit-log once and then stopped.
	var recs []*kgo.Record
	for _, t := range kafkaTopics {
		for range 40 * t.perTick {
			recs = append(recs, record(t.name))
		}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("seed kafka: produce backlog: %w", err)
	}
	offs := kadm.Offsets{}
	for p := range int32(2) {
		offs.Add(kadm.Offset{Topic: "audit-log", Partition: p, At: 5, LeaderEpoch: -1})
	}
	if _, err := adm.CommitOffsets(ctx, groupArchiver, offs); err != nil {
		return fmt.Errorf("seed kafka: commit %s offsets: %w", groupArchiver, err)
	}
	return nil
}

func (c *Cluster) startKafkaTraffic(ctx context.Context) error {
	producer, err := kgo.NewClient(kgo.SeedBrokers(c.addrs.Brokers...), kgo.ClientID("demo-producer"))
	if err != nil {
		return fmt.Errorf("start kafka producer: %w", err)
	}
	c.run(ctx, producer.Close, 100*time.Millisecond, func() {
		for _, t := range kafkaTopics {
			for range t.perTick {
				producer.Produce(ctx, record(t.name), nil)
			}
		}
	})
	for _, g := range []struct {
		group  string
		topics []string
		batch  int
		pause  time.Duration
	}{
		{groupBilling, []string{"orders", "payments"}, 500, 0},
		{groupAnalytics, []string{"clickstream"}, 25, 500 * time.Millisecond}, // ~50/s of ~80/s
	} {
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.addrs.Brokers...), kgo.ConsumerGroup(g.group),
			kgo.ConsumeTopics(g.topics...), kgo.ClientID("demo-"+g.group), kgo.AutoCommitInterval(time.Second))
		if err != nil {
			return fmt.Errorf("start kafka consumer %s: %w", g.group, err)
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			defer cl.Close()
			for ctx.Err() == nil {
				cl.PollRecords(ctx, g.batch)
				if g.pause > 0 {
					sleep(ctx, g.pause)
				}
			}
		}()
	}
	return nil
}

func (c *Cluster) seedNSQ(ctx context.Context) error {
	for _, addr := range c.addrs.NSQDHTTP {
		for _, t := range nsqTopics {
			if err := nsqdPost(ctx, addr, "/topic/create", t.name, ""); err != nil {
				return err
			}
			for _, ch := range t.channels {
				if err := nsqdPost(ctx, addr, "/channel/create", t.name, ch); err != nil {
					return err
				}
			}
		}
		if addr == c.addrs.NSQDHTTP[0] {
			if err := nsqdPost(ctx, addr, "/channel/pause", "emails", "sender"); err != nil {
				return err
			}
		}
	}
	for _, u := range c.addrs.LookupdHTTP {
		addr := strings.TrimPrefix(u, "http://")
		if err := nsqdPost(ctx, addr, "/topic/create", nsqInactive, ""); err != nil {
			return err
		}
		if err := nsqdPost(ctx, addr, "/channel/create", nsqInactive, nsqInactiveChannel); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) startNSQTraffic(ctx context.Context) error {
	cfg := nsq.NewConfig()
	cfg.MaxInFlight = 8 // more than the number of nsqd, or all but one starve
	quiet := log.New(io.Discard, "", 0)
	for _, addr := range c.addrs.NSQDTCP {
		p, err := nsq.NewProducer(addr, cfg)
		if err != nil {
			return fmt.Errorf("start nsq producer for %s: %w", addr, err)
		}
		p.SetLogger(quiet, nsq.LogLevelError)
		c.run(ctx, p.Stop, 200*time.Millisecond, func() {
			for _, t := range nsqTopics {
				for range t.perTick {
					_ = p.Publish(t.name, payload(t.name))
				}
			}
		})
	}
	for _, tc := range [][2]string{{"events", "archive"}, {"events", "indexer"}, {"emails", "sender"}} {
		topic, ch := tc[0], tc[1]
		cons, err := nsq.NewConsumer(topic, ch, cfg)
		if err != nil {
			return fmt.Errorf("start nsq consumer %s/%s: %w", topic, ch, err)
		}
		cons.SetLogger(quiet, nsq.LogLevelError)
		cons.AddHandler(nsq.HandlerFunc(func(*nsq.Message) error { return nil }))
		if err := cons.ConnectToNSQDs(c.addrs.NSQDTCP); err != nil {
			return fmt.Errorf("connect nsq consumer %s/%s: %w", topic, ch, err)
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			<-ctx.Done()
			cons.Stop()
			<-cons.StopChan
		}()
	}
	return nil
}

// run calls fn every interval until ctx ends, then stop.
func (c *Cluster) run(ctx context.Context, stop func(), every time.Duration, fn func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer stop()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fn()
			}
		}
	}()
}

// nsqdPost posts to an nsqd's or an nsqlookupd's HTTP API (host:port).
func nsqdPost(ctx context.Context, addr, path, topic, channel string) error {
	q := url.Values{"topic": {topic}}
	if channel != "" {
		q.Set("channel", channel)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+path+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("seed nsqd %s: %s: %w", addr, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("seed nsqd %s: %s %s: %s", addr, path, topic, bytes.TrimSpace(b))
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func record(topic string) *kgo.Record {
	id := rand.Uint64N(1 << 40)
	return &kgo.Record{Topic: topic, Key: fmt.Appendf(nil, "%s-%d", topic[:1], id%5000), Value: payload(topic)}
}

// payload makes a plausible JSON body for a demo topic.
func payload(topic string) []byte {
	switch topic {
	case "orders":
		return fmt.Appendf(nil, `{"order_id":%d,"customer":"c-%d","items":%d,"total_cents":%d}`, rand.Uint32(), rand.IntN(9000), 1+rand.IntN(5), 500+rand.IntN(50000))
	case "payments":
		return fmt.Appendf(nil, `{"payment_id":%d,"method":%q,"amount_cents":%d,"status":"captured"}`, rand.Uint32(), []string{"card", "sepa", "paypal"}[rand.IntN(3)], 500+rand.IntN(50000))
	case "clickstream":
		return fmt.Appendf(nil, `{"session":"s-%d","path":%q,"ms":%d}`, rand.IntN(100000), []string{"/", "/cart", "/checkout", "/search?q=shoes"}[rand.IntN(4)], rand.IntN(900))
	case "audit-log":
		return fmt.Appendf(nil, `{"actor":"u-%d","action":%q}`, rand.IntN(500), []string{"login", "update_profile", "export"}[rand.IntN(3)])
	case "events":
		return fmt.Appendf(nil, `{"type":%q,"user":%d}`, []string{"signup", "login", "purchase"}[rand.IntN(3)], rand.IntN(100000))
	case "emails":
		return fmt.Appendf(nil, `{"to":"user%d@example.com","template":"receipt"}`, rand.IntN(100000))
	case "notifications":
		return fmt.Appendf(nil, `{"device":"d-%d","title":"Your order shipped"}`, rand.IntN(100000))
	}
	return []byte(`{}`)
}
