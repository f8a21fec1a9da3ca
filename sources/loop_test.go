package sources

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

type fakeSnap struct{ n int64 }

func (fakeSnap) System() System { return Kafka }
func (fakeSnap) Metadata() Meta { return Meta{} }

func TestLoopNewestWinsAndNeverOverlaps(t *testing.T) {
	const published = 20
	var running, polls atomic.Int64
	overlap := make(chan struct{}, 1)
	l := NewLoop(LoopConfig{Interval: time.Millisecond}, func(ctx context.Context) (Snapshot, error) {
		if running.Add(1) > 1 {
			select {
			case overlap <- struct{}{}:
			default:
			}
		}
		defer running.Add(-1)
		n := polls.Add(1)
		if n > published { // hold the next poll, so exactly `published` went out
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return fakeSnap{n}, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	// Nobody reads while 20 polls publish: the channel holds only the newest.
	for polls.Load() <= published {
		time.Sleep(time.Millisecond)
	}
	if got := (<-l.Updates()).(fakeSnap).n; got != published {
		t.Fatalf("the unread snapshot is poll %d, want the newest, %d", got, published)
	}
	select {
	case <-overlap:
		t.Fatal("two polls ran at once")
	default:
	}
	cancel()
	<-done
	if _, ok := <-l.Updates(); ok {
		t.Fatal("Updates still open after Run returned")
	}
}

func TestLoopPauseAndRefresh(t *testing.T) {
	var polls atomic.Int64
	l := NewLoop(LoopConfig{Interval: time.Hour}, func(ctx context.Context) (Snapshot, error) {
		return fakeSnap{polls.Add(1)}, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	if s := (<-l.Updates()).(fakeSnap); s.n != 1 {
		t.Fatalf("first poll = %d", s.n)
	}
	l.SetPaused(true)
	l.Refresh() // a refresh polls once even while paused
	if s := (<-l.Updates()).(fakeSnap); s.n != 2 {
		t.Fatalf("refresh while paused gave poll %d, want 2", s.n)
	}
	l.SetPaused(false) // resuming polls at once rather than after the hour
	if s := (<-l.Updates()).(fakeSnap); s.n != 3 {
		t.Fatalf("resume gave poll %d, want 3", s.n)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second}, {10, 10 * time.Second},
	}
	for _, tc := range tests {
		if got := backoff(time.Second, 10*time.Second, tc.failures); got != tc.want {
			t.Errorf("backoff after %d failures = %v, want %v", tc.failures, got, tc.want)
		}
	}
}

func TestReadOnlyRefusesMutations(t *testing.T) {
	s := ReadOnly(stubSource{})
	for _, body := range []Body{
		Produce{Topic: "orders", Messages: []Message{{Value: []byte("x"), Partition: AnyPartition}}},
		newAction{}, // an action nobody listed as read-only
	} {
		res := s.Do(context.Background(), Request{Body: body})
		if res.Err != ErrReadOnly.Error() || !res.Failed() {
			t.Fatalf("read-only let %s through: %+v", body.Action(), res)
		}
	}
	// Reading is not refused: a tail reaches the source.
	if _, err := s.Tail(context.Background(), TailSpec{Topic: "orders"}); err == nil || err.Error() != "tail reached the source" {
		t.Fatalf("read-only stopped a tail: %v", err)
	}
}

type newAction struct{}

func (newAction) Action() Action { return "kafka.topic.truncate" }
func (newAction) Target() string { return "orders" }

type stubSource struct{ Source }

func (stubSource) Do(context.Context, Request) Result {
	return Result{Err: errors.New("reached the cluster").Error()}
}

func (stubSource) Tail(context.Context, TailSpec) (Stream, error) {
	return nil, errors.New("tail reached the source")
}

func TestTrackErrorsKeepsSince(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := TrackErrors(nil, []EndpointError{{Endpoint: "broker 2", Err: "refused"}}, t0)
	cur := TrackErrors(prev, []EndpointError{{Endpoint: "broker 2", Err: "refused"}, {Endpoint: "broker 3", Err: "timeout"}}, t0.Add(time.Minute))
	if !cur[0].Since.Equal(t0) || !cur[1].Since.Equal(t0.Add(time.Minute)) {
		t.Fatalf("since not carried: %+v", cur)
	}
}

func TestActionsCarry(t *testing.T) {
	var got []Produce
	a := Actions{Produce: func(_ context.Context, p Produce) Result {
		got = append(got, p)
		return Result{Targets: []TargetResult{{Target: "message 1", Detail: "partition 0 @ offset 1"}}}
	}}
	p := Produce{Topic: "orders"}
	for _, body := range []Body{p, &p} {
		res := a.Carry(context.Background(), Request{ID: 7, Body: body})
		if res.Err != "" || res.Request.ID != 7 || res.Request.Target() != "orders" || len(res.Targets) != 1 {
			t.Fatalf("Carry(%T) = %+v", body, res)
		}
	}
	if len(got) != 2 {
		t.Fatalf("handler ran %d times", len(got))
	}
	for _, tc := range []struct {
		a    Actions
		body Body
	}{{a, newAction{}}, {Actions{}, p}, {a, (*Produce)(nil)}} {
		if res := tc.a.Carry(context.Background(), Request{Body: tc.body}); res.Err != ErrUnsupported.Error() {
			t.Errorf("Carry(%T) without a handler = %+v", tc.body, res)
		}
	}
}

// TestLoopBacksOffAndPicksUpRecovery: while polls fail the wait doubles up to
// the cap; the first poll that succeeds again is published and the pace
// returns to the interval, without a restart.
func TestLoopBacksOffAndPicksUpRecovery(t *testing.T) {
	const failing = 5
	var polls atomic.Int64
	l := NewLoop(LoopConfig{Interval: time.Millisecond, MaxBackoff: 4 * time.Millisecond}, func(ctx context.Context) (Snapshot, error) {
		n := polls.Add(1)
		if n <= failing {
			return nil, errors.New("broker 1 (127.0.0.1:9092): connection refused")
		}
		return fakeSnap{n}, nil
	})
	waits := make(chan time.Duration, failing+2)
	ctx, cancel := context.WithCancel(context.Background())
	ctx = WithObserver(ctx, &Observer{Polled: func(_ Snapshot, _ error, wait time.Duration) {
		select {
		case waits <- wait:
		default:
		}
	}})
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	if s := (<-l.Updates()).(fakeSnap); s.n != failing+1 {
		t.Fatalf("first snapshot is poll %d, want %d (the first that succeeded)", s.n, failing+1)
	}
	want := []time.Duration{1, 2, 4, 4, 4, 1}
	for i, w := range want {
		if got := <-waits; got != w*time.Millisecond {
			t.Fatalf("wait after poll %d = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
}

// TestLoopStopsDuringAStuckPoll: a poll that ignores its context (a client
// call that never returns) does not hold up the end of Run: a quit or a
// context switch never hangs on a slow cluster.
func TestLoopStopsDuringAStuckPoll(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	l := NewLoop(LoopConfig{Interval: time.Millisecond, Timeout: time.Hour}, func(ctx context.Context) (Snapshot, error) {
		close(started)
		<-release // deaf to ctx
		return fakeSnap{1}, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	t.Cleanup(func() { close(release) })
	<-started
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second): // only bounds a hang
		t.Fatal("Run did not return while its poll was stuck")
	}
	if _, ok := <-l.Updates(); ok {
		t.Fatal("a snapshot was published after Run returned")
	}
}

// TestLoopObserverSeesEveryPoll: the observer in Run's context hears each
// poll with its snapshot and error.
func TestLoopObserverSeesEveryPoll(t *testing.T) {
	var polls atomic.Int64
	l := NewLoop(LoopConfig{Interval: time.Hour}, func(ctx context.Context) (Snapshot, error) {
		if polls.Add(1) == 1 {
			return fakeSnap{1}, errors.New("nothing reachable")
		}
		return fakeSnap{2}, nil
	})
	type seen struct {
		n   int64
		err string
	}
	heard := make(chan seen, 2)
	ctx, cancel := context.WithCancel(WithObserver(context.Background(), &Observer{Polled: func(s Snapshot, err error, _ time.Duration) {
		e := ""
		if err != nil {
			e = err.Error()
		}
		heard <- seen{s.(fakeSnap).n, e}
	}}))
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	if got := <-heard; got != (seen{1, "nothing reachable"}) {
		t.Fatalf("first poll heard as %+v", got)
	}
	l.Refresh()
	if got := <-heard; got != (seen{2, ""}) {
		t.Fatalf("second poll heard as %+v", got)
	}
}
