// Package health turns snapshots into findings: what is wrong or risky, why it
// matters and what to do. Findings are pure functions of snapshots, so the
// dashboard's header, its health pane and `topicat get health` agree.
package health

import (
	"cmp"
	"fmt"
	"slices"

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

// All returns the findings of both systems, worst first. Either snapshot may be nil.
func All(k *sources.KafkaSnapshot, n *sources.NSQSnapshot) []Finding {
	fs := append(Kafka(k), NSQ(n)...)
	Sort(fs)
	return fs
}

// plural picks the word for a count: plural(n, "is", "are").
func plural[T ~int | ~int64 | ~uint64](n T, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Quantity is "1 partition", "2 partitions": a count and a regular noun,
// for every message that counts things (findings, status lines, errors).
func Quantity[T ~int | ~int64 | ~uint64](n T, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
