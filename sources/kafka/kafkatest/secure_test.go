package kafkatest_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/topicat/topicat/sources/kafka/kafkatest"
	"github.com/topicat/topicat/sources/secure/securetest"
)

// clientTLS trusts ca, as a client of a cluster behind it would.
func clientTLS(t *testing.T, ca *securetest.CA) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(ca.File)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("the CA file holds no certificate")
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// TestSecureClusterHelpers: with ClientOpts, the helpers seed a cluster
// behind TLS and SASL; the server certificate verifies against the CA for
// the names it was issued for, and for no other.
func TestSecureClusterHelpers(t *testing.T) {
	ca := securetest.NewCA(t, "kafkatest CA")
	c := kafkatest.NewCluster(t, kfake.TLS(ca.ServerTLS(nil, "127.0.0.1")), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-256", "admin", "admin-pw")).
		ClientOpts(kgo.DialTLSConfig(clientTLS(t, ca)), kgo.SASL(scram.Auth{User: "admin", Pass: "admin-pw"}.AsSha256Mechanism()))
	c.CreateTopics(2, 1, "orders")
	if first := c.Fill("orders", 1, 3, nil); first != 0 {
		t.Errorf("first offset %d, want 0", first)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ends, err := c.Admin().ListEndOffsets(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := ends.Lookup("orders", 1); o.Offset != 3 {
		t.Errorf("end offset %d, want 3", o.Offset)
	}

	leaf := ca.ServerTLS(nil, "kafka.internal").Certificates[0]
	cert, err := x509.ParseCertificate(leaf.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "kafka.internal"}); err != nil {
		t.Errorf("the server certificate does not verify for its name: %v", err)
	}
	var hn x509.HostnameError
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "other.internal"}); !errors.As(err, &hn) {
		t.Errorf("the server certificate verifies for a name it lacks: %v", err)
	}
}
