package nsq

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	gonsq "github.com/nsqio/go-nsq"

	"github.com/topicat/topicat/sources"
)

// rdyPerNode is how many messages each nsqd may have in flight to a tail.
// go-nsq's default of 1 in all would starve every node but one; nsq_tail uses
// 200. More buys little: nsqd sends while the tail finishes messages as fast
// as they are queued, and messages in flight sit in socket buffers.
const rdyPerNode = 200

// maxInFlight is the tail's allowance over nodes: rdyPerNode each, at most
// half the queue, which is the room left when hold stops nsqd sending.
func maxInFlight(nodes int) int { return min(rdyPerNode*max(nodes, 1), queueRecords/2) }

// tailStream reads a topic through an ephemeral channel of its own on every
// nsqd that carries the topic. It implements sources.Stream.
type tailStream struct {
	src     *Source
	topic   string
	channel string
	cons    *gonsq.Consumer
	queue   *recordQueue
	probs   *problems

	// infos and listed belong to whoever runs apply: Tail, then watch.
	infos map[string]infoJSON
	// listed is when each node (by TCP address) was last seen carrying the topic.
	listed map[string]time.Time

	// flowMu orders changes of go-nsq's max-in-flight: want is what the
	// nodes call for, held is set while the queue is over half full.
	flowMu sync.Mutex
	want   int
	held   atomic.Bool

	stop      context.CancelFunc
	wg        sync.WaitGroup // watch and the connects it runs
	closeOnce sync.Once

	// reported is the Problem the last Next returned under; Next's own.
	reported string
}

var _ sources.Stream = (*tailStream)(nil)

// Tail opens a stream of the messages published to a topic from now on. NSQ
// keeps no log to seek in, so only a range starting at "newest" without an
// end is accepted.
//
// It subscribes through an ephemeral channel named after topicat, so it never
// takes messages from a real channel, and nsqd deletes the channel when the
// tail closes. It subscribes only on nodes that carry the topic already, since
// subscribing creates the topic; a topic that no node carries is an error.
// Nodes that take the topic on later are found every poll interval. ctx
// bounds the opening; the stream lives until Close.
func (s *Source) Tail(ctx context.Context, spec sources.TailSpec) (sources.Stream, error) {
	if err := checkTailSpec(spec); err != nil {
		return nil, err
	}
	start := time.Now()
	infos := map[string]infoJSON{}
	fctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	found := s.findTopic(fctx, spec.Topic, infos)
	cancel()
	if len(found.nodes) == 0 {
		return nil, s.noTopicError(spec.Topic, found)
	}

	t := &tailStream{
		src:     s,
		topic:   spec.Topic,
		channel: s.tailName.channel(s.tails.Add(1)),
		queue:   newRecordQueue(queueRecords, queueBytes),
		probs:   newProblems(),
		infos:   infos,
		listed:  map[string]time.Time{},
	}
	t.want = maxInFlight(len(found.nodes))
	cfg := gonsq.NewConfig()
	cfg.MaxInFlight = t.want
	// Every attempt is shown: the tail fails nothing.
	cfg.MaxAttempts = 0
	// go-nsq redials a lost node on its own every LookupdPollInterval without
	// asking whether the node still carries the topic, and a SUB would create
	// it again there. watch does the redialing, asking first; go-nsq's own
	// attempt comes so late that watch has either redialed or given up the
	// node (DisconnectFromNSQD) by then.
	cfg.LookupdPollInterval = 5 * time.Minute
	cfg.DialTimeout = s.cfg.Timeout
	// A tail is watched: a quiet topic's message shows within 0.1s, not
	// nsqd's default 0.25s (nsqd's floor is 25ms).
	cfg.OutputBufferTimeout = 100 * time.Millisecond
	cfg.UserAgent = "topicat go-nsq/" + gonsq.VERSION
	if err := s.setTCP(ctx, cfg); err != nil {
		return nil, fmt.Errorf("tail %s: %w", t.topic, err)
	}
	cons, err := gonsq.NewConsumer(t.topic, t.channel, cfg)
	if err != nil {
		return nil, fmt.Errorf("tail %s: %w", t.topic, err)
	}
	cons.SetLogger(authLog{next: nsqLog{t.probs}, words: s.tcpWords}, gonsq.LogLevelError)
	cons.AddHandler(t)
	t.cons = cons

	var wctx context.Context
	wctx, t.stop = context.WithCancel(context.Background())
	opened := make(chan struct{})
	t.wg.Go(func() {
		t.apply(wctx, found)
		close(opened)
	})
	select {
	case <-opened:
	case <-ctx.Done():
		go t.Close()
		return nil, fmt.Errorf("tail %s: subscribing: %w", t.topic, plainError(ctx.Err(), time.Since(start)))
	}
	if cons.Stats().Connections == 0 {
		why := t.probs.String()
		t.Close()
		return nil, fmt.Errorf("tail %s: could not subscribe on any nsqd: %s", t.topic, why)
	}
	t.wg.Go(func() { t.watch(wctx) })
	return t, nil
}

func checkTailSpec(spec sources.TailSpec) error {
	if len(spec.Partitions) > 0 {
		return fmt.Errorf("NSQ topics have no partitions (asked for %s): a tail reads every message of the topic; leave partitions out",
			sources.FormatPartitions(spec.Partitions))
	}
	if !spec.Range.OnlyNew() {
		if spec.Range.Start.Kind == sources.PosNewest {
			return fmt.Errorf(`NSQ cannot seek: a tail reads messages published from now on (start "newest") until it is closed; the end in %s needs a log, which nsqd does not keep`, spec.Range)
		}
		return fmt.Errorf(`NSQ cannot seek: a tail reads messages published from now on (start "newest"); %s needs a log, which nsqd does not keep`, spec.Range)
	}
	return checkTopicName(spec.Topic)
}

func checkTopicName(topic string) error {
	if !validName(topic) {
		return fmt.Errorf("%q is not an NSQ topic name: 1 to 64 of a-z A-Z 0-9 . _ - (optionally ending in #ephemeral)", topic)
	}
	return nil
}

// noTopicError says why no node was found: none carries the topic, or none answered.
func (s *Source) noTopicError(topic string, found topicSearch) error {
	if len(found.failed) == len(s.cfg.Lookupds)+len(s.cfg.NSQDs) {
		return fmt.Errorf("tail %s: no lookupd or nsqd answered: %s", topic, joinFailures(found.failed))
	}
	err := fmt.Sprintf("NSQ topic %q does not exist: no nsqd carries it, and topicat does not subscribe where it would create the topic", topic)
	if len(found.failed) > 0 {
		err += " (not asked: " + joinFailures(found.failed) + ")"
	}
	return errors.New(err)
}

// watch looks for the topic's nodes every poll interval: it subscribes on
// nodes that took the topic on or came back, and keeps Problem current.
func (t *tailStream) watch(ctx context.Context) {
	tick := time.NewTicker(t.src.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		fctx, cancel := context.WithTimeout(ctx, t.src.cfg.Timeout)
		found := t.src.findTopic(fctx, t.topic, t.infos)
		cancel()
		if ctx.Err() != nil {
			return
		}
		t.apply(ctx, found)
	}
}

// apply subscribes on every node found that the consumer is not connected
// to, and records what went wrong.
func (t *tailStream) apply(ctx context.Context, found topicSearch) {
	now := time.Now()
	for _, base := range t.src.cfg.Lookupds {
		t.endpointProblem("lookupd "+base, found.failed)
	}
	for _, addr := range t.src.cfg.NSQDs {
		t.endpointProblem("nsqd "+addr, found.failed)
	}

	var wg sync.WaitGroup
	sem := make(chan struct{}, t.src.cfg.MaxConcurrent)
	for _, n := range found.nodes {
		if n.tcp == "" {
			t.probs.set("info "+n.http, "nsqd "+n.http+": /info does not answer, so its TCP address is unknown; retrying")
			continue
		}
		t.probs.clear("info " + n.http)
		subject := "nsqd " + n.tcp
		_, seen := t.listed[n.tcp]
		_, trouble := t.probs.get(subject)
		t.listed[n.tcp] = now
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if !n.checked && (!seen || trouble) {
				// About to subscribe where a lookupd says the topic is: a
				// lookupd hears of a deletion after the node's clients do,
				// and a SUB now would create the topic again.
				cctx, cancel := context.WithTimeout(ctx, t.src.cfg.Timeout)
				_, carries, err := t.src.topicStats(cctx, n.http, t.topic)
				cancel()
				if err == nil && !carries {
					t.cons.DisconnectFromNSQD(n.tcp)
				}
				if err != nil || !carries {
					return
				}
			}
			if !seen || trouble {
				cctx, cancel := context.WithTimeout(ctx, t.src.cfg.Timeout)
				err := t.src.checkTLSOffered(cctx, n.tcp)
				cancel()
				if err != nil {
					t.probs.set(subject, subject+": "+t.src.connectError(err)+", retrying")
					return
				}
			}
			switch err := t.cons.ConnectToNSQD(n.tcp); {
			case err == nil:
				t.probs.clear(subject)
			case errors.Is(err, gonsq.ErrAlreadyConnected):
				// Connected, or a lost connection go-nsq has not let go of
				// yet: its problem stays until a new connection replaces it.
			default:
				t.probs.set(subject, subject+": "+t.src.connectError(err)+", retrying")
			}
		})
	}
	wg.Wait()

	for addr, at := range t.listed {
		if at.Equal(now) {
			continue
		}
		if _, lost := t.probs.get("nsqd " + addr); lost {
			// No longer listed and its connection is gone: keep go-nsq from
			// redialing it, which would create the topic if it was deleted there.
			t.cons.DisconnectFromNSQD(addr)
		}
		if now.Sub(at) >= t.src.cfg.ForgetAfter {
			delete(t.listed, addr)
			t.probs.clear("nsqd " + addr)
		}
	}
	if found.complete && len(found.nodes) == 0 {
		t.probs.set("topic", fmt.Sprintf("topic %q is on no nsqd any more; the tail goes on when it is back", t.topic))
	} else {
		t.probs.clear("topic")
	}
	// go-nsq's own complaints last one interval, or until they come again.
	t.probs.keepOnly(func(subject string, p problem) bool {
		return subject != "" || now.Sub(p.at) < t.src.cfg.Interval
	})
	// A lookupd that did not answer may hide nodes still connected.
	t.setWant(maxInFlight(max(len(found.nodes), t.cons.Stats().Connections)))
}

// setWant sets the in-flight allowance the nodes call for.
func (t *tailStream) setWant(want int) {
	t.flowMu.Lock()
	defer t.flowMu.Unlock()
	t.want = want
	t.flowLocked()
}

// hold stops nsqd sending (allowance 0) while the queue is over half full;
// the messages in flight then land in its other half.
func (t *tailStream) hold(held bool) {
	t.flowMu.Lock()
	defer t.flowMu.Unlock()
	t.held.Store(held)
	t.flowLocked()
}

func (t *tailStream) flowLocked() {
	want := t.want
	if t.held.Load() {
		want = 0
	}
	t.cons.ChangeMaxInFlight(want)
}

func (t *tailStream) endpointProblem(endpoint string, failed map[string]string) {
	if err, ok := failed[endpoint]; ok {
		t.probs.set(endpoint, endpoint+": "+err)
	} else {
		t.probs.clear(endpoint)
	}
}

// connectError words a failed subscription; go-nsq hands back dial errors
// as they are, and TLS and AUTH failures as text.
func (s *Source) connectError(err error) string {
	if isTimeout(err) {
		return "timed out"
	}
	if w, ok := s.tcpWords(err.Error()); ok {
		return w
	}
	return plainCause(plainError(err, 0).Error())
}

// HandleMessage copies a message into the queue, waiting while it is full,
// and lets go-nsq finish it: the message is the tail's own copy.
func (t *tailStream) HandleMessage(m *gonsq.Message) error {
	n, size, ok := t.queue.push(sources.Record{
		Topic:     t.topic,
		Partition: -1,
		Offset:    -1,
		Timestamp: time.Unix(0, m.Timestamp),
		Value:     bytes.Clone(m.Body),
		ID:        string(m.ID[:]),
		Attempts:  m.Attempts,
		Node:      m.NSQDAddress,
	})
	// Checked on every message, not once: a Next that released on a
	// length already out of date is put right by the next message.
	if ok && (n >= queueRecords/2 || size >= queueBytes/2) && !t.held.Load() {
		t.hold(true)
	}
	return nil
}

// Next returns up to limit records (at least one), waiting for the first.
// An NSQ tail has no end: it never returns io.EOF.
func (t *tailStream) Next(ctx context.Context, limit int) ([]sources.Record, error) {
	for {
		// Wake now and then while nothing arrives, to report a new problem.
		wait, cancel := context.WithTimeout(ctx, problemTick)
		recs, n, size, err := t.queue.popLeft(wait, max(limit, 1))
		cancel()
		if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			if p := t.Problem(); p != t.reported {
				t.reported = p
				return nil, nil
			}
			continue
		}
		if err == nil && t.held.Load() && n <= queueRecords/4 && size <= queueBytes/4 {
			t.hold(false)
		}
		t.reported = t.Problem()
		return recs, err
	}
}

// problemTick is how often a Next waiting for messages looks at the problems.
const problemTick = time.Second

func (t *tailStream) Describe() string {
	return fmt.Sprintf("a copy of every new message via ephemeral channel %s on %d nsqd; real channels are untouched; the channel vanishes when the tail closes",
		t.channel, t.cons.Stats().Connections)
}

func (t *tailStream) Problem() string { return t.probs.String() }

// Close unsubscribes from every node and waits until go-nsq has let go of
// the connections, so that nsqd deletes the channel; a blocked Next returns.
func (t *tailStream) Close() {
	t.closeOnce.Do(func() {
		t.stop()
		// A subscription under way would otherwise land after Stop and stay.
		t.wg.Wait()
		// Before Stop: a handler waiting for room returns, so that the
		// connections can drain.
		t.queue.close()
		t.cons.Stop()
		<-t.cons.StopChan
	})
}
