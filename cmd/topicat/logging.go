package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/secure"
)

// --log-file: the screen belongs to the UI, so what topicat did goes to a
// file as JSON lines (log/slog): each request and its answer, polls that
// fail and endpoints that go down or come back, and an audit record of
// every action that changes a cluster (who, what, on which context and
// cluster, when, the result per target). Secrets never reach it: a
// secure.Secret logs as <redacted>, the command line is not logged, and
// produced messages are logged as counts, not contents.

const logFileFlag = "log-file"

// registerLogging adds --log-file to root's persistent flags and wraps every
// command of the tree so that the log is open while it runs. Call it once
// the tree is built.
func registerLogging(root *cobra.Command) {
	root.PersistentFlags().String(logFileFlag, "", "append a JSON log of requests, errors and an audit of every change to `file` (secrets redacted)")
	wrapWithLog(root)
}

func wrapWithLog(cmd *cobra.Command) {
	if runE := cmd.RunE; runE != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			path, _ := c.Flags().GetString(logFileFlag)
			if path == "" {
				return runE(c, args)
			}
			lg, err := openActionLog(path)
			if err != nil {
				return usageErr("--log-file: %v", err)
			}
			defer lg.close()
			lg.l.Info("start", slog.String("command", c.CommandPath()), slog.String("version", versionString()),
				lg.whoAttr(), slog.Int("pid", os.Getpid()))
			c.SetContext(withActionLog(c.Context(), lg))
			err = runE(c, args)
			switch {
			case err != nil && err.Error() == sources.ErrReadOnly.Error():
				// Refused before a source was built: audited here, as the
				// command that was refused.
				lg.l.LogAttrs(c.Context(), slog.LevelError, "audit", slog.String("command", c.CommandPath()),
					slog.String("outcome", "refused"), slog.String("error", err.Error()), lg.whoAttr(), slog.Bool("read_only", true))
			case err != nil:
				lg.l.Error("command failed", slog.String("command", c.CommandPath()), slog.String("error", err.Error()))
			default:
				lg.l.Info("done", slog.String("command", c.CommandPath()))
			}
			return err
		}
	}
	for _, sub := range cmd.Commands() {
		wrapWithLog(sub)
	}
}

// actionLog is the open --log-file.
type actionLog struct {
	l          *slog.Logger
	out        *logFile
	user, host string
}

func openActionLog(path string) (*actionLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	out := &logFile{f: f}
	u, h := whoAmI()
	return &actionLog{l: newJSONLogger(out), out: out, user: u, host: h}, nil
}

func (lg *actionLog) close() { lg.out.Close() }

func (lg *actionLog) whoAttr() slog.Attr {
	return slog.Group("who", slog.String("user", lg.user), slog.String("host", lg.host))
}

// newJSONLogger writes JSON lines with every secret redacted.
func newJSONLogger(w *logFile) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo, ReplaceAttr: redactAttr}))
}

// redactAttr keeps secrets out of the log whatever a caller hands it: a
// Secret by value or pointer, or a string under a name that says secret.
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindAny:
		switch a.Value.Any().(type) {
		case secure.Secret, *secure.Secret:
			return slog.String(a.Key, secure.Redacted)
		}
	case slog.KindString:
		k := strings.ToLower(a.Key)
		for _, w := range []string{"password", "secret", "token"} {
			if strings.Contains(k, w) {
				return slog.String(a.Key, secure.Redacted)
			}
		}
	}
	return a
}

// logFile serialises writes and ignores those after Close: a request the
// UI started may answer after the command returned.
type logFile struct {
	mu     sync.Mutex
	f      *os.File
	closed bool
}

func (w *logFile) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, os.ErrClosed
	}
	return w.f.Write(p)
}

func (w *logFile) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.closed = true
		w.f.Close()
	}
}

// whoAmI is the OS user and host an audit record names.
func whoAmI() (string, string) {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	} else if name == "" {
		name = fmt.Sprintf("uid %d", os.Getuid())
	}
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return name, host
}

type actionLogKey struct{}

func withActionLog(ctx context.Context, lg *actionLog) context.Context {
	return context.WithValue(ctx, actionLogKey{}, lg)
}

// actionLogFrom is the log the command runs with, or nil without --log-file.
func actionLogFrom(ctx context.Context) *actionLog {
	lg, _ := ctx.Value(actionLogKey{}).(*actionLog)
	return lg
}

// logScope is which session a source belongs to, as the log names it.
type logScope struct {
	context string
	system  sources.System
	cluster []string
	// readOnly is the session's --read-only.
	readOnly bool
}

func (sc logScope) attrs() []slog.Attr {
	return []slog.Attr{
		slog.String("context", sc.context),
		slog.String("system", string(sc.system)),
		slog.Any("cluster", sc.cluster),
	}
}

// observe hooks a built source to the log the command runs with: its
// requests through Do and Tail, its polls through a sources.Observer on the
// context Run is given. Without --log-file it costs a context lookup per
// request.
func observe(b built, s settings, sys sources.System) built {
	sc := logScope{context: s.Context, system: sys, readOnly: s.ReadOnly}
	switch sys {
	case sources.Kafka:
		sc.cluster = s.Brokers
	case sources.NSQ:
		sc.cluster = append(append([]string{}, s.Lookupd...), s.NSQD...)
	}
	// By pointer: the UI compares sources, and a struct holding a slice
	// cannot be compared.
	b.src = &loggedSource{Source: b.src, scope: sc}
	if run := b.run; run != nil {
		b.run = func(ctx context.Context) {
			if lg := actionLogFrom(ctx); lg != nil {
				ctx = sources.WithObserver(ctx, chain(lg.pollObserver(sc), sources.ObserverFrom(ctx)))
			}
			run(ctx)
		}
	}
	return b
}

// loggedSource logs each request and its answer; it changes neither.
type loggedSource struct {
	sources.Source
	scope logScope
}

func (s *loggedSource) Do(ctx context.Context, req sources.Request) sources.Result {
	start := time.Now()
	res := s.Source.Do(ctx, req)
	if lg := actionLogFrom(ctx); lg != nil {
		lg.request(ctx, s.scope, req, res, time.Since(start))
	}
	return res
}

func (s *loggedSource) Tail(ctx context.Context, spec sources.TailSpec) (sources.Stream, error) {
	st, err := s.Source.Tail(ctx, spec)
	if lg := actionLogFrom(ctx); lg != nil {
		attrs := append(s.scope.attrs(), slog.String("topic", spec.Topic))
		if err != nil {
			lg.l.LogAttrs(ctx, slog.LevelError, "tail failed", append(attrs, slog.String("error", err.Error()))...)
		} else {
			lg.l.LogAttrs(ctx, slog.LevelInfo, "tail", attrs...)
		}
	}
	return st, err
}

// request writes a request's record: "audit" for an action that changes a
// cluster (refused ones included), "request" for one that reads.
func (lg *actionLog) request(ctx context.Context, sc logScope, req sources.Request, res sources.Result, took time.Duration) {
	attrs := append(sc.attrs(),
		slog.String("action", string(req.Action())),
		slog.String("target", req.Target()),
		slog.Any("request", requestValue(req.Body)),
		slog.String("outcome", outcome(res)),
		slog.Float64("took", took.Seconds()),
	)
	if res.Err != "" {
		attrs = append(attrs, slog.String("error", res.Err))
	}
	if len(res.Targets) > 0 {
		rs := make([]targetRecord, len(res.Targets))
		for i, t := range res.Targets {
			rs[i] = targetRecord(t)
		}
		attrs = append(attrs, slog.Any("results", rs))
	}
	level := slog.LevelInfo
	if res.Failed() {
		level = slog.LevelError
	}
	msg := "request"
	if req.Action().Mutating() {
		msg = "audit"
		attrs = append(attrs, lg.whoAttr(), slog.Bool("read_only", sc.readOnly))
	}
	lg.l.LogAttrs(ctx, level, msg, attrs...)
}

// targetRecord is one target's outcome in the log.
type targetRecord struct {
	Target string `json:"target"`
	Detail string `json:"detail,omitempty"`
	Err    string `json:"error,omitempty"`
}

// outcome names how a request went in one word.
func outcome(res sources.Result) string {
	failed := 0
	for _, t := range res.Targets {
		if t.Err != "" {
			failed++
		}
	}
	switch {
	case res.Err == sources.ErrReadOnly.Error():
		return "refused"
	case res.Err != "" || (failed > 0 && failed == len(res.Targets)):
		return "failed"
	case failed > 0:
		return "partial"
	}
	return "ok"
}

// producedRecord is a produce request as logged: how much, never what.
type producedRecord struct {
	Topic       string        `json:"topic"`
	Messages    int           `json:"messages"`
	Bytes       int           `json:"bytes"`
	Compression sources.Codec `json:"compression,omitempty"`
	Acks        sources.Acks  `json:"acks,omitempty"`
	Defer       string        `json:"defer,omitempty"`
	CreateTopic bool          `json:"create_topic,omitempty"`
}

// requestValue is the typed request as JSON. Message contents are data,
// not a record of the action: a produce is logged by size.
func requestValue(body sources.Body) any {
	if p, ok := body.(*sources.Produce); ok && p != nil {
		body = *p
	}
	if p, ok := body.(sources.Produce); ok {
		r := producedRecord{Topic: p.Topic, Messages: len(p.Messages), Compression: p.Compression, Acks: p.Acks, CreateTopic: p.CreateTopic}
		for _, m := range p.Messages {
			r.Bytes += len(m.Key) + len(m.Value)
			for _, h := range m.Headers {
				r.Bytes += len(h.Key) + len(h.Value)
			}
		}
		if p.Defer > 0 {
			r.Defer = p.Defer.String()
		}
		return r
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Sprintf("%+v", body)
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return json.RawMessage(b)
	}
	return snakeKeys(v)
}

// snakeKeys renames the Go field names of a request's JSON ("Topic",
// "ResetTo") to the snake_case every other JSON of topicat uses.
func snakeKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[snake(k)] = snakeKeys(x)
		}
		return out
	case []any:
		for i, x := range v {
			v[i] = snakeKeys(x)
		}
	}
	return v
}

func snake(name string) string {
	var b strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			// A new word starts at an upper case letter after a lower one, or
			// before a lower one inside a run of capitals ("TLSVersion").
			if i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1])) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pollObserver logs a source's failed polls and each endpoint as it goes
// down and comes back, not every poll: a dashboard left open for a day
// writes a line per change.
func (lg *actionLog) pollObserver(sc logScope) *sources.Observer {
	failing := false
	down := map[string]sources.EndpointError{}
	return &sources.Observer{Polled: func(snap sources.Snapshot, err error, wait time.Duration) {
		ctx := context.Background()
		base := sc.attrs()
		switch {
		case err != nil:
			level := slog.LevelWarn
			if !failing {
				level = slog.LevelError
			}
			lg.l.LogAttrs(ctx, level, "poll failed", append(base, slog.String("error", err.Error()), slog.Float64("retry_in", wait.Seconds()))...)
			failing = true
		case failing:
			lg.l.LogAttrs(ctx, slog.LevelInfo, "poll recovered", base...)
			failing = false
		}
		if snap == nil {
			return
		}
		now := map[string]sources.EndpointError{}
		for _, e := range snap.Metadata().Errors {
			now[e.Endpoint] = e
			if _, was := down[e.Endpoint]; !was {
				lg.l.LogAttrs(ctx, slog.LevelWarn, "endpoint failing",
					append(base, slog.String("endpoint", e.Endpoint), slog.String("op", e.Op), slog.String("error", e.Err))...)
			}
		}
		for name, e := range down {
			if _, still := now[name]; !still {
				attrs := append(base, slog.String("endpoint", name))
				if !e.Since.IsZero() {
					attrs = append(attrs, slog.Float64("down_for", time.Since(e.Since).Seconds()))
				}
				lg.l.LogAttrs(ctx, slog.LevelInfo, "endpoint recovered", attrs...)
			}
		}
		down = now
	}}
}

// chain hears a poll with o, then with next (an observer already on the
// context, e.g. a test's), if any.
func chain(o, next *sources.Observer) *sources.Observer {
	if next == nil || next.Polled == nil {
		return o
	}
	return &sources.Observer{Polled: func(snap sources.Snapshot, err error, wait time.Duration) {
		o.Polled(snap, err, wait)
		next.Polled(snap, err, wait)
	}}
}
