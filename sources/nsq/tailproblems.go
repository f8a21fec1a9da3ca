package nsq

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// problems is what a stream is riding out, by subject: "nsqd HOST:PORT" for
// a node it reads from, the endpoint for a lookupd or a configured nsqd that
// did not answer, and "" for trouble go-nsq reported about nothing in
// particular.
type problems struct {
	mu  sync.Mutex
	seq uint64
	by  map[string]problem
}

type problem struct {
	text string
	seq  uint64 // when the text last changed, to find the latest
	at   time.Time
}

func newProblems() *problems { return &problems{by: map[string]problem{}} }

func (p *problems) set(subject, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.by[subject]; ok && old.text == text {
		return
	}
	p.seq++
	p.by[subject] = problem{text: text, seq: p.seq, at: time.Now()}
}

func (p *problems) clear(subject string) {
	p.mu.Lock()
	delete(p.by, subject)
	p.mu.Unlock()
}

func (p *problems) get(subject string) (problem, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.by[subject]
	return pr, ok
}

// keepOnly drops the problems of subjects that keep says no to.
func (p *problems) keepOnly(keep func(subject string, pr problem) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for s, pr := range p.by {
		if !keep(s, pr) {
			delete(p.by, s)
		}
	}
}

// String is the latest problem, and how many others there are.
func (p *problems) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.by) == 0 {
		return ""
	}
	all := make([]problem, 0, len(p.by))
	for _, pr := range p.by {
		all = append(all, pr)
	}
	latest := slices.MaxFunc(all, func(a, b problem) int { return cmp.Compare(a.seq, b.seq) })
	switch n := len(all) - 1; n {
	case 0:
		return latest.text
	case 1:
		return latest.text + " (and 1 other problem)"
	default:
		return fmt.Sprintf("%s (and %d other problems)", latest.text, n)
	}
}

// nsqLog takes go-nsq's log lines instead of stderr. Errors become problems;
// the rest is chatter about connecting and draining.
//
// go-nsq writes "ERR    1 [topic/channel] (HOST:PORT) IO error - EOF" for a
// connection and the same without "(HOST:PORT)" for the consumer.
type nsqLog struct{ p *problems }

func (l nsqLog) Output(_ int, s string) error {
	if !strings.HasPrefix(s, "ERR") {
		return nil
	}
	_, msg, ok := strings.Cut(s, "] ")
	if !ok {
		return nil
	}
	subject := ""
	if rest, found := strings.CutPrefix(msg, "("); found {
		if addr, m, ok := strings.Cut(rest, ") "); ok {
			subject, msg = "nsqd "+addr, m
		}
	}
	if subject == "" {
		l.p.set("", "go-nsq: "+msg)
		return nil
	}
	l.p.set(subject, subject+": "+wordNSQError(msg))
	return nil
}

// wordNSQError turns go-nsq's connection errors into a user's words.
func wordNSQError(msg string) string {
	what, cause, _ := strings.Cut(msg, " - ")
	switch {
	case strings.HasPrefix(what, "protocol error"):
		return "nsqd answered " + cause
	case cause == "":
		return msg
	case strings.HasPrefix(what, "IO error"), strings.HasPrefix(what, "error sending command"):
		return "connection lost (" + plainCause(cause) + "), reconnecting"
	}
	return plainCause(cause) + ", retrying"
}

// plainCause names the usual network failures as plainError does, for
// errors that reach us as text.
func plainCause(cause string) string {
	switch {
	case strings.HasSuffix(cause, "EOF"):
		return "closed by nsqd"
	case strings.Contains(cause, "connection refused"):
		return "connection refused"
	case strings.Contains(cause, "connection reset"):
		return "connection reset"
	case strings.Contains(cause, "i/o timeout"):
		return "timed out"
	case strings.Contains(cause, "no such host"):
		return "host does not resolve"
	}
	return cause
}
