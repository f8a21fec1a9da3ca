// Package nsqembed runs real nsqlookupd and nsqd (github.com/nsqio/nsq v1.3.0)
// inside this process on 127.0.0.1, for `topicat demo` and for tests. Each one
// starts in milliseconds.
package nsqembed

import (
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"time"

	"github.com/nsqio/nsq/nsqd"
	"github.com/nsqio/nsq/nsqlookupd"
)

// Lookupd is an in-process nsqlookupd.
type Lookupd struct {
	l    *nsqlookupd.NSQLookupd
	once sync.Once
}

// StartLookupd starts an nsqlookupd on the given addresses ("127.0.0.1:0" picks free ports).
func StartLookupd(tcpAddr, httpAddr string) (*Lookupd, error) {
	opts := nsqlookupd.NewOptions()
	opts.TCPAddress = or(tcpAddr, "127.0.0.1:0")
	opts.HTTPAddress = or(httpAddr, "127.0.0.1:0")
	opts.BroadcastAddress = "127.0.0.1"
	opts.Logger = quiet()
	l, err := nsqlookupd.New(opts)
	if err != nil {
		return nil, fmt.Errorf("start nsqlookupd: %w", err)
	}
	go l.Main()
	return &Lookupd{l: l}, nil
}

// TCPAddr is where nsqd registers (host:port).
func (l *Lookupd) TCPAddr() string { return l.l.RealTCPAddr().String() }

// HTTPAddr is host:port of the HTTP API.
func (l *Lookupd) HTTPAddr() string { return l.l.RealHTTPAddr().String() }

// URL is the HTTP API as a URL, the form topicat's --lookupd takes.
func (l *Lookupd) URL() string { return "http://" + l.HTTPAddr() }

// Close stops the lookupd; calling it again does nothing.
func (l *Lookupd) Close() { l.once.Do(l.l.Exit) }

// NSQDOptions configures an in-process nsqd.
type NSQDOptions struct {
	// ID must differ between nsqd in one process (the default derives from the hostname).
	ID int64
	// TCPAddr and HTTPAddr default to 127.0.0.1:0; fix them to restart a node in place.
	TCPAddr, HTTPAddr string
	// Lookupds are nsqlookupd TCP addresses to register with.
	Lookupds []string
	// DataPath holds the node's disk queues and the metadata of its topics and
	// channels, loaded at start; empty makes a temporary directory removed on Close.
	DataPath string
	// MemQueueSize is how many messages a topic or channel keeps in memory before spilling to disk; 0 keeps nsqd's default.
	MemQueueSize int64
	// MaxMsgSize in bytes; 0 keeps nsqd's default (1 MiB).
	MaxMsgSize int64
	// MsgTimeout is how long a message may stay in flight before nsqd
	// delivers it again; 0 keeps nsqd's default (1m). nsqd looks for new
	// channels to time out only every --queue-scan-refresh-interval (5s), so
	// that follows MsgTimeout too, for timeouts to show at its pace.
	MsgTimeout time.Duration
	// NoE2E turns off the end-to-end latency percentiles otherwise enabled
	// here. nsqd leaves them off by default, and they are most of what /stats
	// costs on a node with thousands of channels.
	NoE2E bool
	// BroadcastAddress is what the node registers in the lookupds (which
	// hand it to consumers); empty means 127.0.0.1.
	BroadcastAddress string
	// TLSRequired starts the node with a self-signed certificate, an HTTPS
	// port, and --tls-required: its plain HTTP port answers 403 TLS_REQUIRED.
	TLSRequired bool
	// TLSCert and TLSKey are PEM files to serve TLS with (an HTTPS port, and
	// TLS on the TCP port for clients that ask), instead of a self-signed
	// certificate; with TLSRequired, plaintext is refused as above.
	TLSCert, TLSKey string
	// AuthHTTPAddresses are auth servers (--auth-http-address): clients of
	// the TCP port must then AUTH with a secret the server accepts. nsqd
	// asks GET http://ADDR/auth?remote_ip=…&tls=…&secret=…&common_name=….
	AuthHTTPAddresses []string
}

// NSQD is an in-process nsqd.
type NSQD struct {
	n       *nsqd.NSQD
	tempDir string
	once    sync.Once
}

// StartNSQD starts an nsqd and waits until it is listening.
func StartNSQD(o NSQDOptions) (*NSQD, error) {
	opts := nsqd.NewOptions()
	opts.ID = o.ID
	opts.TCPAddress = or(o.TCPAddr, "127.0.0.1:0")
	opts.HTTPAddress = or(o.HTTPAddr, "127.0.0.1:0")
	opts.HTTPSAddress = ""
	opts.BroadcastAddress = or(o.BroadcastAddress, "127.0.0.1")
	opts.NSQLookupdTCPAddresses = o.Lookupds
	opts.Logger = quiet()
	if !o.NoE2E {
		opts.E2EProcessingLatencyPercentiles = []float64{0.5, 0.99}
		opts.E2EProcessingLatencyWindowTime = time.Minute
	}
	if o.MemQueueSize > 0 {
		opts.MemQueueSize = o.MemQueueSize
	}
	if o.MaxMsgSize > 0 {
		opts.MaxMsgSize = o.MaxMsgSize
	}
	if o.MsgTimeout > 0 {
		opts.MsgTimeout = o.MsgTimeout
		opts.QueueScanRefreshInterval = min(opts.QueueScanRefreshInterval, o.MsgTimeout)
	}
	d := &NSQD{}
	opts.DataPath = o.DataPath
	if opts.DataPath == "" {
		dir, err := os.MkdirTemp("", "topicat-nsqd-")
		if err != nil {
			return nil, fmt.Errorf("start nsqd: make data dir: %w", err)
		}
		opts.DataPath, d.tempDir = dir, dir
	}
	switch {
	case o.TLSCert != "" || o.TLSKey != "":
		opts.TLSCert, opts.TLSKey = o.TLSCert, o.TLSKey
		opts.HTTPSAddress = "127.0.0.1:0"
	case o.TLSRequired:
		cert, key, err := selfSigned(opts.DataPath)
		if err != nil {
			d.removeTemp()
			return nil, fmt.Errorf("start nsqd: %w", err)
		}
		opts.TLSCert, opts.TLSKey = cert, key
		opts.HTTPSAddress = "127.0.0.1:0"
	}
	if o.TLSRequired {
		opts.TLSRequired = nsqd.TLSRequired
	}
	opts.AuthHTTPAddresses = o.AuthHTTPAddresses
	n, err := nsqd.New(opts)
	if err != nil {
		d.removeTemp()
		return nil, fmt.Errorf("start nsqd: %w", err)
	}
	// As the nsqd command does: topics and channels persisted in DataPath by an
	// earlier run come back, so a node restarted on the same DataPath keeps them.
	if err := n.LoadMetadata(); err != nil {
		n.Exit()
		d.removeTemp()
		return nil, fmt.Errorf("start nsqd: load metadata from %s: %w", opts.DataPath, err)
	}
	d.n = n
	go n.Main()
	return d, nil
}

// TCPAddr is host:port of the TCP protocol (producers, consumers).
func (d *NSQD) TCPAddr() string { return d.n.RealTCPAddr().String() }

// HTTPAddr is host:port of the HTTP API, the form topicat's --nsqd takes.
func (d *NSQD) HTTPAddr() string { return d.n.RealHTTPAddr().String() }

// HTTPSAddr is host:port of the HTTPS API; "" when TLS is off.
func (d *NSQD) HTTPSAddr() string {
	if a := d.n.RealHTTPSAddr(); a != nil {
		return a.String()
	}
	return ""
}

// Close stops the nsqd and removes a temporary data directory; calling it again does nothing.
func (d *NSQD) Close() {
	d.once.Do(func() {
		d.n.Exit()
		d.removeTemp()
	})
}

func (d *NSQD) removeTemp() {
	if d.tempDir != "" {
		os.RemoveAll(d.tempDir)
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func quiet() *log.Logger { return log.New(io.Discard, "", 0) }
