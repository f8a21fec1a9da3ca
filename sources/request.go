package sources

import (
	"context"
	"errors"
	"time"
)

// Action names what a request asks a source to do, as "system.object.verb".
type Action string

// readActions are the actions that change nothing on a cluster. Every other
// action counts as mutating, so a new action is refused in read-only mode until
// it is listed here on purpose.
var readActions = map[Action]bool{}

// Mutating reports whether the action changes cluster state.
func (a Action) Mutating() bool { return !readActions[a] }

// Request is a user action handed to a source. It is plain data: the UI and the
// `topicat` subcommands build the same requests.
type Request struct {
	// ID is set by the caller to match the Result to the request.
	ID     uint64
	Action Action
	// Target names what the action applies to: a topic, "topic/channel", a group.
	Target string
	Params map[string]string
}

// Result is a source's answer to a request, with an outcome per broker, node or
// partition so that a partial failure is shown instead of lost.
type Result struct {
	Request Request
	Targets []TargetResult
	// Err is set when the request as a whole failed (refused, bad input, nothing reachable).
	Err  string
	Took time.Duration
}

// TargetResult is the outcome of a request on one broker, node or partition.
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
// controls, and requests it carries out.
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
}

// ReadOnly wraps a source so that every mutating request is refused before it
// reaches the cluster.
func ReadOnly(s Source) Source { return readOnly{s} }

type readOnly struct{ Source }

func (r readOnly) Do(ctx context.Context, req Request) Result {
	if req.Action.Mutating() {
		return Result{Request: req, Err: ErrReadOnly.Error()}
	}
	return r.Source.Do(ctx, req)
}
