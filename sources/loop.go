package sources

import (
	"context"
	"sync"
	"time"
)

// PollFunc takes one snapshot. It returns an error only when nothing could be
// reached at all; the loop then backs off. Partial failures belong in the
// snapshot's Errors.
type PollFunc func(ctx context.Context) (Snapshot, error)

// LoopConfig sets the pace of a poll loop.
type LoopConfig struct {
	Interval time.Duration // between the end of one poll and the start of the next
	// Timeout bounds one poll; zero means the interval, at least 2s.
	Timeout time.Duration
	// MaxBackoff caps the wait after failed polls; zero means 8× the interval, at most 1m.
	MaxBackoff time.Duration
}

// WithDefaults fills in what is zero: a source that needs the effective
// interval or timeout before the loop starts asks here, so the defaults live
// in one place.
func (c LoopConfig) WithDefaults() LoopConfig {
	if c.Interval <= 0 {
		c.Interval = 2 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = max(c.Interval, 2*time.Second)
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = min(8*c.Interval, time.Minute)
	}
	return c
}

// Loop runs a PollFunc in one goroutine: never two polls at once, the next one
// an interval after the last ended, backing off (doubling, capped) while polls
// fail, and publishing the newest snapshot on a channel of one.
type Loop struct {
	cfg     LoopConfig
	poll    PollFunc
	updates chan Snapshot
	kick    chan struct{}

	mu     sync.Mutex
	paused bool
	resume chan struct{} // closed and replaced when polling resumes
}

// NewLoop prepares a loop; Run starts it.
func NewLoop(cfg LoopConfig, poll PollFunc) *Loop {
	return &Loop{
		cfg:     cfg.WithDefaults(),
		poll:    poll,
		updates: make(chan Snapshot, 1),
		kick:    make(chan struct{}, 1),
		resume:  make(chan struct{}),
	}
}

// Updates delivers the newest snapshot; it is closed when Run returns.
func (l *Loop) Updates() <-chan Snapshot { return l.updates }

// Refresh asks for a poll as soon as the current one, if any, has finished.
func (l *Loop) Refresh() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// SetPaused stops or resumes periodic polls; Refresh still polls while paused.
func (l *Loop) SetPaused(p bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.paused == p {
		return
	}
	l.paused = p
	if !p {
		close(l.resume)
		l.resume = make(chan struct{})
	}
}

func (l *Loop) pauseState() (bool, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.paused, l.resume
}

// Run polls until ctx ends, then closes Updates. It polls once at once, and
// runs only once.
func (l *Loop) Run(ctx context.Context) {
	defer close(l.updates)
	obs := ObserverFrom(ctx)
	failures := 0
	for {
		a, ok := l.pollOnce(ctx)
		if !ok {
			return
		}
		snap, err := a.snap, a.err
		if snap != nil {
			l.publish(snap)
		}
		wait := l.cfg.Interval
		if err != nil {
			failures++
			wait = backoff(l.cfg.Interval, l.cfg.MaxBackoff, failures)
		} else {
			failures = 0
		}
		if obs != nil && obs.Polled != nil {
			obs.Polled(snap, err, wait)
		}
		if !l.wait(ctx, wait) {
			return
		}
	}
}

// pollOnce runs one poll bounded by the timeout. It returns as soon as ctx
// ends, even if the poll has not: a client call that ignores its context
// must not hold up a quit or a context switch. Such a poll finishes on its
// own (the source's Close ends its connections) and its answer is dropped;
// no new poll starts after ctx ended, so two never overlap on a live loop.
func (l *Loop) pollOnce(ctx context.Context) (pollAnswer, bool) {
	done := make(chan pollAnswer, 1)
	pctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	go func() {
		defer cancel()
		s, err := l.poll(pctx)
		done <- pollAnswer{s, err}
	}()
	select {
	case a := <-done:
		return a, ctx.Err() == nil
	case <-ctx.Done():
		return pollAnswer{}, false
	}
}

type pollAnswer struct {
	snap Snapshot
	err  error
}

// wait sleeps until the next poll is due, a refresh is asked for, or ctx ends.
func (l *Loop) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		paused, resumed := l.pauseState()
		timer := t.C
		if paused {
			timer = nil
		}
		select {
		case <-ctx.Done():
			return false
		case <-l.kick:
			return true
		case <-timer:
			if p, _ := l.pauseState(); p {
				continue // paused while waiting: hold until resumed or refreshed
			}
			return true
		case <-resumed:
			// Polling resumed: poll now rather than wait out a stale timer.
			return true
		}
	}
}

func (l *Loop) publish(s Snapshot) {
	for {
		select {
		case l.updates <- s:
			return
		default:
		}
		select {
		case <-l.updates: // drop the unread older snapshot: newest wins
		default:
		}
	}
}

func backoff(base, limit time.Duration, failures int) time.Duration {
	d := base
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
