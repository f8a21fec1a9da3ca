package sources

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Action names what a request asks a source to do.
type Action string

// The actions sources carry out.
const (
	// ActionProduce sends messages to a topic (Kafka produce, NSQ publish).
	ActionProduce Action = "produce"
)

// Mutating reports whether the action changes cluster state. Only the
// actions listed here change nothing: a new action is refused in read-only
// mode until it is listed on purpose.
func (a Action) Mutating() bool {
	switch a {
	case ActionDescribeTopic, ActionDescribeGroup, ActionDescribeBroker, ActionPreviewReset,
		ActionNSQDescribeNode, ActionNSQDescribeChannel:
		return false
	}
	return true
}

// Body is the typed content of a request: one Go type per action, declared in
// this package so that the UI and the subcommands build the same values
// without a client library.
type Body interface {
	Action() Action
	// Target names what the action applies to, in the user's words: a topic,
	// "topic/channel", a group.
	Target() string
}

// Request is a user action handed to a source.
type Request struct {
	// ID is set by the caller to match the Result to the request.
	ID   uint64
	Body Body
}

// Action is the body's action, or "" for an empty request.
func (r Request) Action() Action {
	if r.Body == nil {
		return ""
	}
	return r.Body.Action()
}

// Target is the body's target, or "".
func (r Request) Target() string {
	if r.Body == nil {
		return ""
	}
	return r.Body.Target()
}

// Result is a source's answer to a request, with an outcome per broker, node,
// partition or message, so that a partial failure is shown instead of lost.
type Result struct {
	Request Request
	Targets []TargetResult
	// Err is set when the request as a whole failed (refused, bad input, nothing reachable).
	Err  string
	Took time.Duration
	// Data is the action's typed answer, if it has one: []Delivery for ActionProduce.
	Data any
}

// TargetResult is the outcome of a request on one broker, node, partition or message.
type TargetResult struct {
	Target string
	Detail string
	Err    string
}

// Failed reports whether the request failed as a whole or on any target.
func (r Result) Failed() bool {
	if r.Err != "" {
		return true
	}
	for _, t := range r.Targets {
		if t.Err != "" {
			return true
		}
	}
	return false
}

// ErrReadOnly is the answer to a mutating request under --read-only.
var ErrReadOnly = errors.New("refused: topicat runs read-only (--read-only); this action would change the cluster")

// ErrUnsupported is the answer to an action a source does not carry out.
var ErrUnsupported = errors.New("this action is not supported by this source")

// Source is a cluster poller as the UI sees it: a stream of snapshots, a few
// controls, requests it carries out and message streams it opens.
type Source interface {
	System() System
	// Updates delivers the newest snapshot; older unread ones are dropped. It is
	// closed when the source stops.
	Updates() <-chan Snapshot
	// Refresh asks for a poll now, even while paused.
	Refresh()
	// SetPaused stops or resumes periodic polling.
	SetPaused(bool)
	// Do carries out a request and answers when done or when ctx ends.
	Do(ctx context.Context, req Request) Result
	// Tail opens a stream of a topic's messages. It never changes the
	// cluster: no consumer group, no commits, no real channel drained.
	Tail(ctx context.Context, spec TailSpec) (Stream, error)
}

// Actions are the handlers of the actions a source carries out; nil for an
// action it does not.
type Actions struct {
	Produce        func(context.Context, Produce) Result
	DescribeTopic  func(context.Context, DescribeTopic) Result
	DescribeGroup  func(context.Context, DescribeGroup) Result
	DescribeBroker func(context.Context, DescribeBroker) Result
	CreateTopic    func(context.Context, CreateTopic) Result
	DeleteTopic    func(context.Context, DeleteTopic) Result
	AlterTopic     func(context.Context, AlterTopic) Result
	ResetOffsets   func(context.Context, ResetOffsets) Result
	DeleteGroup    func(context.Context, DeleteGroup) Result
	DeleteRecords  func(context.Context, DeleteRecords) Result

	DescribeNSQNode    func(context.Context, DescribeNSQNode) Result
	DescribeNSQChannel func(context.Context, DescribeNSQChannel) Result
	NSQPause           func(context.Context, NSQPause) Result
	NSQEmpty           func(context.Context, NSQEmpty) Result
	NSQDelete          func(context.Context, NSQDelete) Result
	NSQTombstone       func(context.Context, NSQTombstone) Result
	NSQCreate          func(context.Context, NSQCreate) Result
}

// Carry runs the handler of req's action and stamps the result with the
// request and how long it took; an action without a handler is ErrUnsupported.
func (a Actions) Carry(ctx context.Context, req Request) Result {
	start := time.Now()
	if p, ok := req.Body.(*Produce); ok && p != nil { // a body by pointer is the same request
		req.Body = *p
	}
	var res Result
	switch b := req.Body.(type) {
	case Produce:
		res = carry(ctx, a.Produce, b)
	case DescribeTopic:
		res = carry(ctx, a.DescribeTopic, b)
	case DescribeGroup:
		res = carry(ctx, a.DescribeGroup, b)
	case DescribeBroker:
		res = carry(ctx, a.DescribeBroker, b)
	case CreateTopic:
		res = carry(ctx, a.CreateTopic, b)
	case DeleteTopic:
		res = carry(ctx, a.DeleteTopic, b)
	case AlterTopic:
		res = carry(ctx, a.AlterTopic, b)
	case ResetOffsets:
		res = carry(ctx, a.ResetOffsets, b)
	case DeleteGroup:
		res = carry(ctx, a.DeleteGroup, b)
	case DeleteRecords:
		res = carry(ctx, a.DeleteRecords, b)
	case DescribeNSQNode:
		res = carry(ctx, a.DescribeNSQNode, b)
	case DescribeNSQChannel:
		res = carry(ctx, a.DescribeNSQChannel, b)
	case NSQPause:
		res = carry(ctx, a.NSQPause, b)
	case NSQEmpty:
		res = carry(ctx, a.NSQEmpty, b)
	case NSQDelete:
		res = carry(ctx, a.NSQDelete, b)
	case NSQTombstone:
		res = carry(ctx, a.NSQTombstone, b)
	case NSQCreate:
		res = carry(ctx, a.NSQCreate, b)
	default:
		res.Err = ErrUnsupported.Error()
	}
	res.Request = req
	res.Took = time.Since(start)
	return res
}

func carry[B Body](ctx context.Context, handle func(context.Context, B) Result, b B) Result {
	if handle == nil {
		return Result{Err: ErrUnsupported.Error()}
	}
	return handle(ctx, b)
}

// ReadOnly wraps a source so that every mutating request is refused before it
// reaches the cluster.
func ReadOnly(s Source) Source { return readOnly{s} }

type readOnly struct{ Source }

func (r readOnly) Do(ctx context.Context, req Request) Result {
	if req.Action().Mutating() {
		return Result{Request: req, Err: ErrReadOnly.Error()}
	}
	return r.Source.Do(ctx, req)
}

// Produce asks a source to send messages to a topic: one from the produce
// form, a chunk of standard input from `topicat produce`.
type Produce struct {
	Topic    string
	Messages []Message
	// Compression is the Kafka batch codec; "" means none.
	Compression Codec
	// Acks is what the Kafka producer waits for; "" means all.
	Acks Acks
	// Defer asks nsqd to hold each message this long before delivering it (NSQ only).
	Defer time.Duration
	// CreateTopic lets an NSQ publish create a topic no nsqd carries yet
	// (nsqd creates it on the first message); without it an unknown topic is
	// refused, so a typo does not make a topic. Kafka topics are never
	// created by a produce.
	CreateTopic bool
}

func (p Produce) Action() Action { return ActionProduce }
func (p Produce) Target() string { return p.Topic }

// AnyPartition lets the producer choose the partition (by key, else spread).
const AnyPartition int32 = -1

// Message is one message to produce.
type Message struct {
	// Key is nil for a message without a key (Kafka only).
	Key     []byte
	Value   []byte
	Headers []Header // Kafka only
	// Partition is a Kafka partition number, or AnyPartition. Its zero value
	// is partition 0: set AnyPartition to let the producer choose.
	Partition int32
}

// Header is one Kafka record header. Keys may repeat.
type Header struct {
	Key   string
	Value []byte
}

// Codec is a Kafka compression codec.
type Codec string

// Codecs are the Kafka compression codecs, in the order a form offers them.
func Codecs() []Codec { return []Codec{"none", "gzip", "snappy", "lz4", "zstd"} }

// ParseCodec accepts a codec name as kcat's -z does; "" means none.
func ParseCodec(s string) (Codec, error) {
	if s == "" {
		return "none", nil
	}
	for _, c := range Codecs() {
		if string(c) == s {
			return c, nil
		}
	}
	return "", fmt.Errorf("compression %q: want none, gzip, snappy, lz4 or zstd", s)
}

// Acks is how many replicas a Kafka produce waits for.
type Acks string

// AcksChoices are the acknowledgement levels, in the order a form offers them.
func AcksChoices() []Acks { return []Acks{"all", "leader", "none"} }

// ParseAcks accepts all, leader or none (and -1, 1, 0 as Kafka spells them); "" means all.
func ParseAcks(s string) (Acks, error) {
	switch s {
	case "", "all", "-1":
		return "all", nil
	case "leader", "1":
		return "leader", nil
	case "none", "0":
		return "none", nil
	}
	return "", fmt.Errorf("acks %q: want all, leader or none", s)
}

// Delivery is where one produced message went: the typed answer to
// ActionProduce, one per message in order.
type Delivery struct {
	// Partition and Offset are set by Kafka; -1 for NSQ or when unknown (acks=none).
	Partition int32
	Offset    int64
	// Node is the nsqd that took an NSQ message.
	Node string
	Err  string
}

// String says where the message went, as producers print it.
func (d Delivery) String() string {
	switch {
	case d.Err != "":
		return d.Err
	case d.Node != "":
		return "OK from nsqd " + d.Node
	case d.Partition >= 0 && d.Offset >= 0:
		return fmt.Sprintf("partition %d @ offset %d", d.Partition, d.Offset)
	case d.Partition >= 0:
		return fmt.Sprintf("partition %d (acks=none: offset not known)", d.Partition)
	}
	return "sent"
}
