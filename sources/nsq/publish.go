package nsq

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	gonsq "github.com/nsqio/go-nsq"

	"github.com/topicat/topicat/sources"
)

// Do carries out a request over nsqd's and nsqlookupd's HTTP APIs:
// publishing (sources.Produce), the NSQ detail requests and admin actions.
// Other actions are not supported.
func (s *Source) Do(ctx context.Context, req sources.Request) sources.Result {
	return sources.Actions{
		Produce:            s.publish,
		DescribeNSQNode:    s.describeNode,
		DescribeNSQChannel: s.describeChannel,
		NSQPause:           s.pause,
		NSQEmpty:           s.empty,
		NSQDelete:          s.delete,
		NSQTombstone:       s.tombstone,
		NSQCreate:          s.create,
	}.Carry(ctx, req)
}

// publish sends the messages to one nsqd that carries the topic: /mpub for
// several in one round trip, /pub for one or with a defer (/mpub has none).
//
// Consecutive requests go round the nodes that carry the topic, one node per
// request rather than per message: a request's messages stay together and in
// order on one node, and take one round trip. A node that cannot be reached
// is skipped for the next. A topic that no node carries is refused unless
// the request says to create it; then it is created by the publish on the
// first node that answers, as nsqd does.
func (s *Source) publish(ctx context.Context, p sources.Produce) sources.Result {
	if err := checkProduce(p); err != nil {
		return sources.Result{Err: "refused before sending anything: " + err.Error()}
	}
	fctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	nodes, created, err := s.publishNodes(fctx, p.Topic)
	cancel()
	if err != nil {
		return sources.Result{Err: fmt.Sprintf("publish to %s: %v", p.Topic, err)}
	}
	if created != "" && !p.CreateTopic {
		return sources.Result{Err: fmt.Sprintf("topic %q does not exist on any nsqd that answered; nothing was sent (publishing would create it: topicat produce --create does so on purpose)", p.Topic)}
	}
	pub := &publisher{s: s, topic: p.Topic, deferral: p.Defer, nodes: nodes, down: map[string]string{}}
	defer pub.close()
	deliveries, whole := pub.run(ctx, p.Messages)

	res := sources.Result{Data: deliveries, Err: whole}
	for i, d := range deliveries {
		t := sources.TargetResult{Target: "message " + strconv.Itoa(i+1), Detail: d.String(), Err: d.Err}
		if created != "" && d.Err == "" {
			t.Detail += "; " + created
			created = ""
		}
		res.Targets = append(res.Targets, t)
	}
	return res
}

func checkProduce(p sources.Produce) error {
	if err := checkTopicName(p.Topic); err != nil {
		return err
	}
	if len(p.Messages) == 0 {
		return errors.New("nothing to publish: the request has no messages")
	}
	if p.Compression != "" && p.Compression != "none" {
		return fmt.Errorf("compression %q is a Kafka setting: NSQ publishes each message as it is (leave it at none)", p.Compression)
	}
	if p.Acks != "" && p.Acks != "all" {
		return fmt.Errorf("acks %q is a Kafka setting: nsqd answers once it has taken the message (leave it at all)", p.Acks)
	}
	if p.Defer < 0 {
		return fmt.Errorf("a defer of %s is negative", p.Defer)
	}
	var bad []string
	for i, m := range p.Messages {
		n := i + 1
		switch {
		// An empty key carries nothing, so it is let through.
		case len(m.Key) > 0:
			bad = append(bad, fmt.Sprintf("message %d has a key, and NSQ messages have none: a body only", n))
		case len(m.Headers) > 0:
			bad = append(bad, fmt.Sprintf("message %d has headers, and NSQ messages have none: a body only", n))
		case m.Partition != sources.AnyPartition:
			bad = append(bad, fmt.Sprintf("message %d is for partition %d, and NSQ topics have no partitions", n, m.Partition))
		case len(m.Value) == 0:
			bad = append(bad, fmt.Sprintf("message %d is empty, and nsqd refuses empty messages (MSG_EMPTY)", n))
		}
	}
	switch len(bad) {
	case 0:
		return nil
	case 1:
		return errors.New(bad[0])
	}
	return fmt.Errorf("%s (and %d more like it)", bad[0], len(bad)-1)
}

// publishNodes are the nsqd (HTTP addresses) to try, the preferred first.
// created is what to say when the publish will create the topic.
func (s *Source) publishNodes(ctx context.Context, topic string) (nodes []string, created string, err error) {
	found := s.findTopic(ctx, topic, nil)
	if n := len(found.nodes); n > 0 {
		first := int((s.publishes.Add(1) - 1) % uint64(n))
		for i := range n {
			nodes = append(nodes, found.nodes[(first+i)%n].http)
		}
		return nodes, "", nil
	}
	// Nobody carries the topic: any node will do, configured ones first.
	nodes = append(nodes, s.cfg.NSQDs...)
	listed, failed := s.listNodes(ctx, s.view())
	for _, a := range listed {
		if !slices.Contains(nodes, a) {
			nodes = append(nodes, a)
		}
	}
	for ep, e := range found.failed {
		failed[ep] = e
	}
	if len(nodes) == 0 {
		if len(failed) > 0 {
			return nil, "", fmt.Errorf("no nsqd to publish to: %s", joinFailures(failed))
		}
		return nil, "", errors.New("no nsqd to publish to: the lookupds list none")
	}
	created = fmt.Sprintf("topic %s created there by this publish: no nsqd had it", topic)
	if len(failed) > 0 {
		created = fmt.Sprintf("topic %s created there by this publish: no nsqd that answered had it (%s)", topic, joinFailures(failed))
	}
	return nodes, created, nil
}

// publisher sends one request's messages.
type publisher struct {
	s        *Source
	topic    string
	deferral time.Duration
	nodes    []string
	// down holds the nodes that could not be reached, and why.
	down map[string]string
	// settings caches nsqd's answers to /config/NAME by node and name,
	// nil when it did not answer.
	settings map[[2]string]json.RawMessage
	// producers publish over TCP when an auth secret is configured (publishtcp.go).
	producers map[string]*gonsq.Producer
}

// run publishes msgs and says where each went. whole is set when nothing
// could be published for a reason that holds for every message.
func (p *publisher) run(ctx context.Context, msgs []sources.Message) (out []sources.Delivery, whole string) {
	out = make([]sources.Delivery, len(msgs))
	if len(msgs) > 1 && p.deferral == 0 {
		node, err := p.send(ctx, func(node string) error {
			return p.post(ctx, node, "/mpub", url.Values{"binary": {"true"}}, mpubBody(msgs))
		})
		// 413: a message or the whole body is over a limit. Each message
		// on its own then says which, and the others go through.
		if !answeredStatus(err, http.StatusRequestEntityTooLarge) {
			for i := range out {
				out[i] = p.delivery(ctx, node, err, msgs[i].Value)
			}
			return out, p.wholeFailure(err, out)
		}
	}
	var q url.Values
	if p.deferral > 0 {
		ms := (p.deferral + time.Millisecond - 1) / time.Millisecond // whole ms, rounded up
		q = url.Values{"defer": {strconv.FormatInt(int64(ms), 10)}}
	}
	for i, m := range msgs {
		node, err := p.send(ctx, func(node string) error { return p.post(ctx, node, "/pub", q, m.Value) })
		out[i] = p.delivery(ctx, node, err, m.Value)
		if i == 0 && (errors.Is(err, errNoNode) || answered(err, http.StatusBadRequest, "INVALID_DEFER")) {
			// Every other message would fail the same way: do not send them.
			for j := range out[1:] {
				out[j+1] = out[0]
			}
			return out, out[0].Err
		}
	}
	return out, ""
}

// wholeFailure is the request's error when its one /mpub reached no node.
func (p *publisher) wholeFailure(err error, out []sources.Delivery) string {
	if errors.Is(err, errNoNode) {
		return out[0].Err
	}
	return ""
}

var errNoNode = errors.New("no nsqd reachable")

// send runs do on the first node that can be reached.
func (p *publisher) send(ctx context.Context, do func(node string) error) (string, error) {
	for _, node := range p.nodes {
		if _, down := p.down[node]; down {
			continue
		}
		err := do(node)
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" && ctx.Err() == nil {
			// Nothing was sent: the next node may take it.
			p.down[node] = plainError(err, 0).Error()
			continue
		}
		return node, err
	}
	return "", errNoNode
}

func (p *publisher) post(ctx context.Context, node, path string, params url.Values, body []byte) error {
	if p.s.publishOverTCP() {
		return p.postTCP(ctx, node, path, params, body)
	}
	q := url.Values{"topic": {p.topic}}
	maps.Copy(q, params)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+node+path+"?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.nsq; version=1.0")
	resp, err := p.s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return statusError(resp.StatusCode, resp.Body)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	return nil
}

// delivery words the outcome of sending body to node.
func (p *publisher) delivery(ctx context.Context, node string, err error, body []byte) sources.Delivery {
	d := sources.Delivery{Partition: -1, Offset: -1, Node: node}
	if err == nil {
		return d
	}
	d.Node = ""
	switch {
	case errors.Is(err, errNoNode):
		d.Err = "no nsqd reachable: " + joinFailures(p.prefixedDown())
	case answered(err, http.StatusRequestEntityTooLarge, "MSG_TOO_BIG"):
		var limit int64
		if p.config(ctx, node, "max_msg_size", &limit) {
			d.Err = fmt.Sprintf("message of %d bytes is over nsqd %s's --max-msg-size of %d bytes", len(body), node, limit)
		} else {
			d.Err = fmt.Sprintf("message of %d bytes is over nsqd %s's --max-msg-size (nsqd answered MSG_TOO_BIG)", len(body), node)
		}
	case answered(err, http.StatusBadRequest, "INVALID_DEFER"):
		var limit time.Duration
		if p.config(ctx, node, "max_req_timeout", &limit) {
			d.Err = fmt.Sprintf("a defer of %s is over nsqd %s's --max-req-timeout of %s", p.deferral, node, limit)
		} else {
			d.Err = fmt.Sprintf("nsqd %s refused a defer of %s (INVALID_DEFER): it takes up to its --max-req-timeout", node, p.deferral)
		}
	case answered(err, http.StatusServiceUnavailable, "EXITING"):
		d.Err = fmt.Sprintf("nsqd %s is shutting down (EXITING) and did not take the message", node)
	default:
		var he *httpError
		if errors.As(err, &he) {
			d.Err = fmt.Sprintf("nsqd %s: %v", node, err)
		} else {
			// The request may have reached nsqd before it failed.
			d.Err = fmt.Sprintf("nsqd %s: %v; the message may or may not have been taken", node, plainError(err, 0))
		}
	}
	return d
}

func (p *publisher) prefixedDown() map[string]string {
	m := make(map[string]string, len(p.down))
	for n, why := range p.down {
		m["nsqd "+n] = why
	}
	return m
}

// config reads one of nsqd's settings (GET /config/NAME, JSON) into v,
// asking each node once per request.
func (p *publisher) config(ctx context.Context, node, name string, v any) bool {
	key := [2]string{node, name}
	raw, asked := p.settings[key]
	if !asked {
		ctx, cancel := context.WithTimeout(ctx, p.s.cfg.Timeout)
		defer cancel()
		if getJSON(ctx, p.s.client, "http://"+node, "/config/"+name, &raw) != nil {
			raw = nil
		}
		if p.settings == nil {
			p.settings = map[[2]string]json.RawMessage{}
		}
		p.settings[key] = raw
	}
	return raw != nil && json.Unmarshal(raw, v) == nil
}

// mpubBody is /mpub's binary form: a big-endian count, then each message's
// length and bytes.
func mpubBody(msgs []sources.Message) []byte {
	n := 4
	for _, m := range msgs {
		n += 4 + len(m.Value)
	}
	b := make([]byte, 0, n)
	b = binary.BigEndian.AppendUint32(b, uint32(len(msgs)))
	for _, m := range msgs {
		b = binary.BigEndian.AppendUint32(b, uint32(len(m.Value)))
		b = append(b, m.Value...)
	}
	return b
}

func answeredStatus(err error, code int) bool {
	var he *httpError
	return errors.As(err, &he) && he.code == code
}

// joinFailures lists endpoint failures in a stable order.
func joinFailures(m map[string]string) string {
	keys := slices.SortedFunc(maps.Keys(m), compareAddr)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + m[k]
	}
	return strings.Join(parts, "; ")
}
