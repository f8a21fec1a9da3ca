package main

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/nsq"
)

// blackHole accepts connections and never answers on them, as a cluster
// behind a stalled network or a hung process does; accepted says when the
// first connection came.
func blackHole(t *testing.T) (addr string, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan struct{})
	var (
		mu    sync.Mutex
		conns []net.Conn
		once  sync.Once
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			once.Do(func() { close(first) })
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), first
}

// TestQuitDuringASlowRequestNeverHangs: a session on clusters that accept
// connections and never answer is stopped, as a quit or a :ctx switch
// stops it, while a poll and a request are in flight with an hour left on
// their timeouts: the loop returns, the request answers, and the source
// closes, without waiting for the cluster.
func TestQuitDuringASlowRequestNeverHangs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(addr string) (built, error)
		body  sources.Body
	}{
		{"kafka", func(addr string) (built, error) {
			k, err := kafka.New(kafka.Config{Brokers: []string{addr}, Interval: time.Hour, Timeout: time.Hour})
			if err != nil {
				return built{}, err
			}
			return observe(built{src: k, run: k.Run, close: k.Close}, settings{Brokers: []string{addr}}, sources.Kafka), nil
		}, sources.DescribeTopic{Topic: "orders"}},
		{"nsq", func(addr string) (built, error) {
			n, err := nsq.New(nsq.Config{Lookupds: []string{"http://" + addr}, Interval: time.Hour, Timeout: time.Hour})
			if err != nil {
				return built{}, err
			}
			return observe(built{src: n, run: n.Run, close: func() {}}, settings{Lookupd: []string{"http://" + addr}}, sources.NSQ), nil
		}, sources.NSQPause{Topic: "events", Channel: "archive"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, accepted := blackHole(t)
			b, err := tc.build(addr)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			ran := make(chan struct{})
			go func() { b.run(ctx); close(ran) }()
			answered := make(chan sources.Result, 1)
			go func() { answered <- b.src.Do(ctx, sources.Request{ID: 1, Body: tc.body}) }()
			hang := time.After(30 * time.Second) // only bounds a hang
			select {
			case <-accepted: // a poll or the request is waiting on the cluster
			case <-hang:
				t.Fatal("nothing reached the black hole")
			}
			// Both are still waiting on the cluster a moment later.
			select {
			case <-ran:
				t.Fatal("the poll loop ended by itself")
			case res := <-answered:
				t.Fatalf("the request answered before the session was stopped: %+v", res)
			case <-time.After(300 * time.Millisecond):
			}
			cancel()
			select {
			case <-ran:
			case <-hang:
				t.Fatal("the poll loop did not return after the session was stopped")
			}
			select {
			case res := <-answered:
				if !res.Failed() {
					t.Fatalf("a request to a cluster that never answered succeeded: %+v", res)
				}
			case <-hang:
				t.Fatal("the request in flight did not answer after the session was stopped")
			}
			closed := make(chan struct{})
			go func() { b.close(); close(closed) }()
			select {
			case <-closed:
			case <-hang:
				t.Fatal("closing the source waited for the cluster")
			}
		})
	}
}
