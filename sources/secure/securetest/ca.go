// Package securetest makes certificate authorities and certificates for
// tests of TLS against real peers (kfake, nsqd).
package securetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// CA is a certificate authority made for one test: it signs server and
// client certificates, and its certificate is in File for a client to trust.
type CA struct {
	Cert *x509.Certificate
	File string // the CA certificate, PEM

	t   testing.TB
	key *ecdsa.PrivateKey
	dir string
}

var serial atomic.Int64

// NewCA makes a CA whose certificate carries the common name cn.
func NewCA(t testing.TB, cn string) *CA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("securetest: CA certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("securetest: CA certificate: %v", err)
	}
	ca := &CA{Cert: cert, t: t, key: key, dir: t.TempDir()}
	ca.File = ca.write("ca.pem", "CERTIFICATE", der)
	return ca
}

// ServerTLS is a listener's configuration with a certificate signed by the
// CA for names (host names or IP addresses). With clientCA set, the listener
// requires a client certificate signed by it.
func (ca *CA) ServerTLS(clientCA *CA, names ...string) *tls.Config {
	ca.t.Helper()
	cert, _ := ca.issue("test server", x509.ExtKeyUsageServerAuth, names)
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if clientCA != nil {
		pool := x509.NewCertPool()
		pool.AddCert(clientCA.Cert)
		c.ClientCAs, c.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return c
}

// ClientFiles issues a client certificate for cn and writes it and its key
// as PEM files.
func (ca *CA) ClientFiles(cn string) (certFile, keyFile string) {
	ca.t.Helper()
	cert, key := ca.issue(cn, x509.ExtKeyUsageClientAuth, nil)
	return ca.files(cn, cert, key)
}

// ServerFiles issues a server certificate named cn, valid for cn and names
// (host names or IP addresses), and writes it and its key as PEM files, for
// a server that reads files (nsqd).
func (ca *CA) ServerFiles(cn string, names ...string) (certFile, keyFile string) {
	ca.t.Helper()
	cert, key := ca.issue(cn, x509.ExtKeyUsageServerAuth, append([]string{cn}, names...))
	return ca.files(cn, cert, key)
}

func (ca *CA) files(cn string, cert tls.Certificate, key *ecdsa.PrivateKey) (certFile, keyFile string) {
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		ca.t.Fatalf("securetest: key of %s: %v", cn, err)
	}
	return ca.write(cn+".pem", "CERTIFICATE", cert.Certificate[0]), ca.write(cn+"-key.pem", "EC PRIVATE KEY", kder)
}

func (ca *CA) issue(cn string, usage x509.ExtKeyUsage, names []string) (tls.Certificate, *ecdsa.PrivateKey) {
	key := newKey(ca.t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		ca.t.Fatalf("securetest: certificate for %s: %v", cn, err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, key
}

func (ca *CA) write(name, kind string, der []byte) string {
	path := filepath.Join(ca.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		ca.t.Fatalf("securetest: write %s: %v", name, err)
	}
	return path
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("securetest: key: %v", err)
	}
	return key
}
