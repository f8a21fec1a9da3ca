package kafka_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

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
