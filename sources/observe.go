package sources

import (
	"context"
	"time"
)

// Observer hears how a loop's polls go, for a log. It rides the context Run
// is given, as net/http/httptrace's hooks do, so that no source carries a
// logger and a loop without one pays nothing.
type Observer struct {
	// Polled is called from the loop's goroutine after each poll with its
	// snapshot (nil if none), its error, and the wait before the next poll:
	// the interval, or longer while backing off.
	Polled func(snap Snapshot, err error, wait time.Duration)
}

type observerKey struct{}

// WithObserver returns ctx carrying o for the loops run with it.
func WithObserver(ctx context.Context, o *Observer) context.Context {
	return context.WithValue(ctx, observerKey{}, o)
}

// ObserverFrom is the observer ctx carries, or nil.
func ObserverFrom(ctx context.Context) *Observer {
	o, _ := ctx.Value(observerKey{}).(*Observer)
	return o
}
