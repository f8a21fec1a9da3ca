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
	// Lookupds are nsqlookupd HTTP addresses: host:4161, http://host:4161,
	// or https://host:4161 for one behind a TLS proxy.
	Lookupds []string
	// NSQDs are nsqd HTTP addresses polled whether or not a lookupd lists them:
	// host:4151, http://host:4151, or https://host:4152 for its HTTPS port.
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

	// httpsNSQDs are the NSQDs given as https://: every request to them
	// goes over HTTPS (the transport rewrites the scheme, secure.go).
	httpsNSQDs map[string]bool
}

const (
	defaultMaxConcurrent = 32
	defaultForgetAfter   = 5 * time.Minute
)

// withDefaults fills zero fields and normalizes addresses: lookupds become
// http://host:port (https:// when so given), nsqd become host:port (those
// given as https:// noted in httpsNSQDs). Duplicates are dropped.
func (c Config) withDefaults() (Config, error) {
	if len(c.Lookupds) == 0 && len(c.NSQDs) == 0 {
		return c, errors.New("nsq: no lookupd and no nsqd address given; need at least one")
	}
	lookupds, httpsLookupds, err := normalizeAll("lookupd", c.Lookupds)
	if err != nil {
		return c, err
	}
	for i, a := range lookupds {
		if httpsLookupds[a] {
			lookupds[i] = "https://" + a
		} else {
			lookupds[i] = "http://" + a
		}
	}
	nsqds, httpsNSQDs, err := normalizeAll("nsqd", c.NSQDs)
	if err != nil {
		return c, err
	}
	c.Lookupds, c.NSQDs, c.httpsNSQDs = lookupds, nsqds, httpsNSQDs
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

// normalizeAll normalizes addrs, dropping duplicates; https holds those
// given as https://.
func normalizeAll(kind string, addrs []string) (out []string, https map[string]bool, err error) {
	out = make([]string, 0, len(addrs))
	seen := make(map[string]bool, len(addrs))
	for _, a := range addrs {
		n, secure, err := parseAddr(a)
		if err != nil {
			return nil, nil, fmt.Errorf("nsq: %s address %q: %w", kind, shownAddr(a), err)
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, n)
		if secure {
			if https == nil {
				https = map[string]bool{}
			}
			https[n] = true
		}
	}
	return out, https, nil
}

// shownAddr is an address as errors show it: a password written in it is
// redacted.
func shownAddr(a string) string {
	if u, err := url.Parse(strings.TrimSpace(a)); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), secure.Redacted)
			return strings.Replace(u.String(), url.PathEscape(secure.Redacted), secure.Redacted, 1)
		}
	}
	return a
}

// normalizeAddr turns host:port, http://host:port or https://host:port into host:port.
func normalizeAddr(s string) (string, error) {
	a, _, err := parseAddr(s)
	return a, err
}

// parseAddr is normalizeAddr, also telling whether the address was given as https://.
func parseAddr(s string) (hostport string, https bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false, errors.New("empty")
	}
	hostport = s
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", false, errors.New("not a URL")
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return "", false, fmt.Errorf("scheme %q not supported; use host:port, http://host:port or https://host:port", u.Scheme)
		}
		if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			// A user in the URL would put a password in argv and the config
			// in plain sight: credentials go in the lookupd user and password.
			return "", false, fmt.Errorf("give only %s://host:port, without path, query or user", u.Scheme)
		}
		hostport, https = u.Host, u.Scheme == "https"
	}
	hostport, err = checkHostPort(hostport)
	return hostport, https, err
}

// checkHostPort checks host:port and writes the port plainly.
func checkHostPort(hostport string) (string, error) {
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
