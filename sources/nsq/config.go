// Package nsq polls an NSQ cluster (nsqlookupd and nsqd over their HTTP APIs)
// and publishes sources.NSQSnapshot values: every lookupd, every nsqd, and the
// topics and channels totalled across nodes, with rates from the previous poll.
package nsq

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/secure"
)

// Config says where the cluster is and how to poll it.
type Config struct {
	// Lookupds are nsqlookupd HTTP addresses: host:4161 or http://host:4161.
	Lookupds []string
	// NSQDs are nsqd HTTP addresses polled whether or not a lookupd lists them:
	// host:4151 or http://host:4151.
	NSQDs []string
	// Interval is the pause between polls; zero means 2s.
	Interval time.Duration
	// Timeout bounds one poll; zero means the interval, at least 2s.
	Timeout time.Duration
	// HTTPClient is used for every request; nil means a client of our own with
	// keep-alive connections (one poll is one request per node).
	HTTPClient *http.Client
	// MaxConcurrent bounds the requests in flight during a poll; zero means 32.
	MaxConcurrent int
	// ForgetAfter is how long a node that no lookupd lists any more stays in the
	// snapshot; zero means 5m, as long as nsqlookupd itself keeps a silent node.
	// lookupd drops a node the moment its connection closes, so a crashed nsqd
	// vanishes at once; keeping it for a while is what lets the snapshot say it
	// is down and mark its topics partial instead of silently shrinking totals.
	ForgetAfter time.Duration
	// SkipInactive leaves out the registrations no node produces
	// (NSQSnapshot.Inactive): one question per topic per lookupd, which a
	// one-shot `get` of a view that does not show them need not wait for.
	SkipInactive bool
	// TLS, when set, is used for https:// addresses and for nsqd's TCP
	// port (tail, publish); Auth for nsqd AUTH and HTTP behind a proxy.
	TLS  *secure.TLS
	Auth secure.NSQAuth
}

const (
	defaultMaxConcurrent = 32
	defaultForgetAfter   = 5 * time.Minute
)

// withDefaults fills zero fields and normalizes addresses: lookupds become
// http://host:port, nsqd become host:port. Duplicates are dropped.
func (c Config) withDefaults() (Config, error) {
	if len(c.Lookupds) == 0 && len(c.NSQDs) == 0 {
		return c, errors.New("nsq: no lookupd and no nsqd address given; need at least one")
	}
	lookupds, err := normalizeAll("lookupd", c.Lookupds)
	if err != nil {
		return c, err
	}
	for i, a := range lookupds {
		lookupds[i] = "http://" + a
	}
	nsqds, err := normalizeAll("nsqd", c.NSQDs)
	if err != nil {
		return c, err
	}
	c.Lookupds, c.NSQDs = lookupds, nsqds
	loop := sources.LoopConfig{Interval: c.Interval, Timeout: c.Timeout}.WithDefaults()
	c.Interval, c.Timeout = loop.Interval, loop.Timeout
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = defaultMaxConcurrent
	}
	if c.ForgetAfter <= 0 {
		c.ForgetAfter = defaultForgetAfter
	}
	return c, nil
}

func normalizeAll(kind string, addrs []string) ([]string, error) {
	out := make([]string, 0, len(addrs))
	seen := make(map[string]bool, len(addrs))
	for _, a := range addrs {
		n, err := normalizeAddr(a)
		if err != nil {
			return nil, fmt.Errorf("nsq: %s address %q: %w", kind, a, err)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// normalizeAddr turns host:port or http://host:port into host:port.
func normalizeAddr(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("empty")
	}
	hostport := s
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", errors.New("not a URL")
		}
		if u.Scheme != "http" {
			return "", fmt.Errorf("scheme %q not supported; use host:port or http://host:port", u.Scheme)
		}
		if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return "", errors.New("give only http://host:port, without path, query or user")
		}
		hostport = u.Host
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) && strings.HasPrefix(ae.Err, "missing port") {
			return "", errors.New("missing port")
		}
		return "", errors.New("want host:port")
	}
	if host == "" {
		return "", errors.New("missing host")
	}
	if strings.ContainsAny(host, "/ ") {
		return "", errors.New("bad host")
	}
	if port == "" {
		return "", errors.New("missing port")
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), nil
}
