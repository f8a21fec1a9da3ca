// Package health turns snapshots into findings: what is wrong or risky, why it
// matters and what to do. Findings are pure functions of snapshots, so the
// dashboard's header, its health pane and `topicat get health` agree.
package health

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/topicat/topicat/sources"
)

// Severity orders findings; a higher value is worse.
type Severity int

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "info"
	}
}

// MarshalText prints the severity by name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Finding is one problem or risk.
type Finding struct {
	Severity Severity       `json:"severity"`
	System   sources.System `json:"system"`
	// Subject is what the finding is about: "broker 2", "topic audit-log", "nsqd 127.0.0.1:4151".
	Subject string `json:"subject"`
	Title   string `json:"title"`
	Why     string `json:"why"`
	Fix     string `json:"fix"`
}

// Counts tallies findings by severity.
type Counts struct{ Errors, Warnings, Infos int }

// Count tallies findings.
func Count(fs []Finding) Counts {
	var c Counts
	for _, f := range fs {
		switch f.Severity {
		case Error:
			c.Errors++
		case Warning:
			c.Warnings++
		default:
			c.Infos++
		}
	}
	return c
}

// Sort orders findings worst first, then by system and subject.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.System, b.System), cmp.Compare(a.Subject, b.Subject))
	})
}

// NSQ returns the findings for one NSQ snapshot. A nil snapshot has none.
func NSQ(s *sources.NSQSnapshot) []Finding {
	if s == nil {
		return nil
	}
	fs := start(sources.NSQ, s.Meta, "no nsqd or lookupd has answered",
		"check the --lookupd and --nsqd addresses, the network path and the daemons themselves")
	add := fs.add
	for _, l := range s.Lookupds {
		if !l.Up {
			add(Warning, "lookupd "+l.Addr, "lookupd unreachable",
				"consumers that discover nsqd through it see no new producers", "check the nsqlookupd process: "+l.Err)
		}
	}
	upLookupds := 0
	for _, l := range s.Lookupds {
		if l.Up {
			upLookupds++
		}
	}
	newest := ""
	for _, n := range s.Nodes {
		if compareVersions(n.Version, newest) > 0 {
			newest = n.Version
		}
	}
	for _, n := range s.Nodes {
		subject := "nsqd " + n.Addr
		switch {
		case !n.Up:
			add(Error, subject, "nsqd is down",
				"its topics' totals are partial and its queued messages are not delivered", "check the nsqd process and its host: "+n.Err)
			continue
		case n.Health != "" && n.Health != "OK":
			add(Error, subject, "nsqd unhealthy", "nsqd reports: "+n.Health, "check its disk and data path")
		}
		if len(s.Lookupds) > 0 && len(n.Lookupds) < upLookupds {
			add(Warning, subject, fmt.Sprintf("known to %d of %d lookupds", len(n.Lookupds), upLookupds),
				"consumers using the other lookupds never find this node's messages",
				"check --lookupd-tcp-address on this nsqd")
		}
		if n.Version != "" && compareVersions(n.Version, newest) < 0 {
			add(Info, subject, "older version "+n.Version, "the cluster runs "+newest+" elsewhere", "upgrade this nsqd")
		}
	}
	for _, t := range s.Topics {
		if t.Depth > 0 && len(t.Channels) == 0 {
			add(Warning, "topic "+t.Name, fmt.Sprintf("depth %d and no channels", t.Depth),
				"messages queue on the topic with nowhere to go", "create a channel or remove the producer")
		}
		for _, c := range t.Channels {
			subject := "channel " + t.Name + "/" + c.Name
			switch {
			case c.Paused && c.Depth > 0:
				add(Info, subject, fmt.Sprintf("paused with depth %d", c.Depth),
					"nothing is delivered while it is paused", "unpause the channel when its consumers are ready")
			case c.Depth > 0 && c.Clients == 0 && !strings.HasSuffix(c.Name, "#ephemeral"):
				add(Warning, subject, fmt.Sprintf("depth %d and no clients", c.Depth),
					"messages pile up unread", "start a consumer on this channel, or delete it if it is unused")
			}
			if c.BackendDepth > 0 {
				add(Info, subject, fmt.Sprintf("%d messages on disk", c.BackendDepth),
					"the in-memory queue overflowed (--mem-queue-size); delivery is slower from disk", "add consumers or raise max-in-flight")
			}
		}
	}
	return fs.sorted()
}

// list gathers one system's findings.
type list struct {
	system sources.System
	fs     []Finding
}

// start begins a system's findings with, when the cluster has never
// answered, the error finding that says so.
func start(sys sources.System, m sources.Meta, never, fix string) *list {
	l := &list{system: sys}
	if m.LastOK.IsZero() {
		l.add(Error, string(sys)+" cluster", never, "nothing about the cluster is known: "+firstError(m), fix)
	}
	return l
}

func (l *list) add(sev Severity, subject, title, why, fix string) {
	l.fs = append(l.fs, Finding{Severity: sev, System: l.system, Subject: subject, Title: title, Why: why, Fix: fix})
}

func (l *list) sorted() []Finding {
	Sort(l.fs)
	return l.fs
}

func firstError(m sources.Meta) string {
	if len(m.Errors) == 0 {
		return "no answer yet"
	}
	return m.Errors[0].String()
}

// compareVersions compares dotted versions numerically ("1.10.0" > "1.9.2").
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y int
		if i < len(as) {
			fmt.Sscanf(as[i], "%d", &x)
		}
		if i < len(bs) {
			fmt.Sscanf(bs[i], "%d", &y)
		}
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// All returns the findings of both systems, worst first. Either snapshot may be nil.
func All(k *sources.KafkaSnapshot, n *sources.NSQSnapshot) []Finding {
	fs := append(Kafka(k), NSQ(n)...)
	Sort(fs)
	return fs
}
