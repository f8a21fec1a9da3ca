package kafka_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// selfSigned is a TLS server configuration with a throwaway certificate.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// TestClosedConnectionWording: kgo guesses "is TLS missing?" for any
// connection closed before the first answer; the source keeps that hint
// only for a broker that really speaks TLS.
func TestClosedConnectionWording(t *testing.T) {
	t.Run("a TLS listener asked in plaintext: the hint stays", func(t *testing.T) {
		c := kafkatest.NewCluster(t, kfake.TLS(selfSigned(t)))
		s := newSource(t, c.Addrs())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		snap, err := s.Poll(ctx)
		if err == nil || !strings.Contains(err.Error(), "is TLS missing") {
			t.Fatalf("Poll error = %v, want the TLS hint", err)
		}
		if len(snap.Errors) != 1 || !strings.Contains(snap.Errors[0].Err, "answers a TLS handshake") {
			t.Errorf("errors = %+v", snap.Errors)
		}
	})
	t.Run("a broker that closes every connection: no hint", func(t *testing.T) {
		c := kafkatest.NewCluster(t)
		c.BrokerDown(1) // before any connection: kgo's first read fails
		// kfake holds a TLS handshake unanswered: a short timeout bounds the
		// check (a third of it), so the test does not wait the full second.
		s, err := kafka.New(kafka.Config{Brokers: c.Addrs(), Timeout: 600 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		snap := poll(t, s)
		b := broker(t, snap, 1)
		if b.Up || b.LastErr != "the broker closed the connection before answering" {
			t.Errorf("broker 1 = %+v, want down with a closed connection", b)
		}
		for _, e := range snap.Errors {
			if strings.Contains(e.Err, "TLS") {
				t.Errorf("error with a TLS hint: %+v", e)
			}
		}
	})
}

// resultText is everything a result says, for checking its wording.
func resultText(res sources.Result) string {
	parts := []string{res.Err}
	for _, t := range res.Targets {
		parts = append(parts, t.Target+": "+t.Err)
	}
	if d, ok := res.Data.(*sources.TopicDetail); ok {
		parts = append(parts, d.LogDirsErr)
	}
	return strings.Join(parts, "\n")
}

// TestClosedConnectionOnEveryPath: a detail request, an admin action or a
// tail that meets a plaintext broker that is down words it as the poll does,
// a closed connection with no TLS hint; a TLS listener asked in plaintext
// keeps the hint on those paths too.
func TestClosedConnectionOnEveryPath(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	c.SpreadLeaders("orders") // broker p leads partition p
	for p := range int32(3) {
		c.Fill("orders", p, 3, nil)
	}
	const down = 2
	onDown := groupCoordinatedBy(t, c, "billing", down)
	elsewhere := groupCoordinatedBy(t, c, "audit", 0)
	for _, g := range []string{onDown, elsewhere} {
		c.Commit(g, map[string]map[int32]int64{"orders": {0: 1, 1: 1, 2: 1}})
	}
	s := newSource(t, c.Addrs())
	poll(t, s) // as the dashboard does: the brokers answered in plaintext
	c.BrokerDown(down)

	tail := func(spec sources.TailSpec) func() string {
		return func() string {
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			st, err := s.Tail(ctx, spec)
			if err != nil {
				return err.Error()
			}
			st.Close()
			return ""
		}
	}
	req := func(body sources.Body) func() string {
		return func() string { return resultText(do(t, s, body)) }
	}
	for _, tc := range []struct {
		name string
		say  func() string
	}{
		{"broker page", req(sources.DescribeBroker{Broker: down})},
		{"topic page's log dirs", req(sources.DescribeTopic{Topic: "orders"})},
		{"group page, coordinator down", req(sources.DescribeGroup{Group: onDown})},
		{"group page, a leader down", req(sources.DescribeGroup{Group: elsewhere})},
		{"delete records", req(sources.DeleteRecords{Topic: "orders", Partition: down, Before: 1})},
		{"reset offsets, coordinator down", req(sources.ResetOffsets{Group: onDown, Partition: -1, To: sources.ResetEarliest})},
		{"reset offsets, a leader down", req(sources.ResetOffsets{Group: elsewhere, Topic: "orders", Partition: down, To: sources.ResetEarliest})},
		{"tail", tail(sources.TailSpec{Topic: "orders", Partitions: []int32{down}})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.say()
			if !strings.Contains(got, fmt.Sprintf("broker %d (", down)) {
				t.Errorf("does not say what failed:\n%s", got)
			}
			if !strings.Contains(got, "the broker closed the connection before answering") || strings.Contains(got, "TLS") {
				t.Errorf("want a closed connection without a TLS hint:\n%s", got)
			}
		})
	}

	t.Run("a TLS listener asked in plaintext", func(t *testing.T) {
		c := kafkatest.NewCluster(t, kfake.TLS(selfSigned(t)))
		s := newSource(t, c.Addrs())
		for _, body := range []sources.Body{sources.DescribeBroker{Broker: 0}, sources.DescribeTopic{Topic: "orders"}} {
			if got := resultText(do(t, s, body)); !strings.Contains(got, "answers a TLS handshake on the same port: is TLS missing") {
				t.Errorf("%T: want the TLS hint:\n%s", body, got)
			}
		}
	})
}
