package nsq

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/topicat/topicat/sources"
)

// Source polls one NSQ cluster. It implements sources.Source.
type Source struct {
	cfg       Config
	client    *http.Client
	ownClient bool
	loop      *sources.Loop
	// tcpTLS is TLS for nsqd's TCP port (tail, and publish when an auth
	// secret is set); nil means plaintext.
	tcpTLS *tls.Config
	// tlsOffered is when each nsqd TCP address last said it speaks TLS (secure.go).
	tlsOffered sync.Map

	// mu serializes polls (the loop's and direct Poll calls) and guards what
	// one poll hands to the next.
	mu    sync.Mutex
	state pollState
	// latest is what actions and details read, without waiting on mu.
	latest atomic.Pointer[view]

	// tailName and tails name each stream's ephemeral channel.
	tailName tailName
	tails    atomic.Uint64
	// publishes turns publish requests round the nodes that carry a topic.
	publishes atomic.Uint64
}

// pollState is what a poll needs from the ones before it.
type pollState struct {
	prev *sources.NSQSnapshot
	// infos caches /info of configured nsqd: their identity rarely changes,
	// and a changed start_time tells when to ask again.
	infos map[string]infoJSON
	// listed is when lookupds last listed each node, and which, by node address.
	listed map[string]listing
	// times are when the last polls were taken, oldest first: the trends
	// in a snapshot end at the newest (trends.go).
	times []time.Time
	// inactiveTried is when the lookupds' registrations were last read (inactive.go).
	inactiveTried time.Time
}

type listing struct {
	at time.Time
	by []string // lookupd URLs
}

var _ sources.Source = (*Source)(nil)

// New checks the configuration and prepares a source; Run starts polling.
func New(cfg Config) (*Source, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Source{
		cfg:      cfg,
		tailName: newTailName(),
		state: pollState{
			infos:  map[string]infoJSON{},
			listed: map[string]listing{},
		},
	}
	if s.client, s.tcpTLS, err = newHTTPClient(cfg); err != nil {
		return nil, err
	}
	s.ownClient = cfg.HTTPClient == nil
	s.loop = sources.NewLoop(sources.LoopConfig{Interval: cfg.Interval, Timeout: cfg.Timeout},
		func(ctx context.Context) (sources.Snapshot, error) {
			snap, err := s.Poll(ctx)
			return snap, err
		})
	return s, nil
}

// newHTTPClient makes the client every request goes through: the
// configured one or one of our own, wrapped for HTTPS and auth (secure.go).
// It also answers the TLS configuration for nsqd's TCP port.
func newHTTPClient(cfg Config) (*http.Client, *tls.Config, error) {
	tlsConf, err := cfg.TLS.Config()
	if err != nil {
		return nil, nil, fmt.Errorf("nsq: %w", err)
	}
	var c http.Client
	if cfg.HTTPClient != nil {
		c = *cfg.HTTPClient
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// One request per node per poll: keep a connection to every node rather
		// than 100 in all, which would redial nodes every poll on big clusters.
		t.MaxIdleConns = 0
		c.Transport = t
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	if t, ok := base.(*http.Transport); ok && tlsConf != nil {
		t = t.Clone()
		t.TLSClientConfig = tlsConf
		base = t
	}
	// Credentials go to the addresses the user gave, never to a node a
	// lookupd lists: anyone can register a node with a lookupd.
	given := map[string]bool{}
	for _, l := range cfg.Lookupds {
		if u, err := url.Parse(l); err == nil {
			given[u.Host] = true
		}
	}
	for _, n := range cfg.NSQDs {
		given[n] = true
	}
	c.Transport = newSecureTransport(base, tlsConf != nil, cfg.Auth, cfg.httpsNSQDs, given)
	if !cfg.Auth.IsZero() && c.CheckRedirect == nil {
		c.CheckRedirect = sameHostRedirects
	}
	var serverName string
	if cfg.TLS != nil {
		serverName = cfg.TLS.ServerName
	}
	return &c, tcpTLS(tlsConf, serverName), nil
}

// Run polls until ctx ends.
func (s *Source) Run(ctx context.Context) {
	s.loop.Run(ctx)
	if s.ownClient {
		s.client.CloseIdleConnections()
	}
}

func (s *Source) System() sources.System           { return sources.NSQ }
func (s *Source) Updates() <-chan sources.Snapshot { return s.loop.Updates() }
func (s *Source) Refresh()                         { s.loop.Refresh() }
func (s *Source) SetPaused(p bool)                 { s.loop.SetPaused(p) }
