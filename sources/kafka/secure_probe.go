package kafka

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// When a connection fails in a way kgo cannot tell apart (a broker hangs up
// on wrong credentials, on a client that does not authenticate, and on a
// client that authenticates where no one asked), one request of our own on a
// fresh connection, outside kgo, finds out which it was. Only requests that
// carry nothing secret are sent.

// secureCheckTimeout bounds one such check.
const secureCheckTimeout = time.Second

// offeredMechanisms asks addr which SASL mechanisms it offers: a handshake
// naming none of them is answered with the list. ok is false when the broker
// did not answer so.
func offeredMechanisms(ctx context.Context, addr string, tc *tls.Config) ([]string, bool) {
	req := kmsg.NewPtrSASLHandshakeRequest()
	req.Version = 1
	req.Mechanism = "TOPICAT-ASKS-WHICH"
	resp, err := rawRequest(ctx, addr, tc, req)
	if err != nil {
		return nil, false
	}
	hs := resp.(*kmsg.SASLHandshakeResponse)
	if !errors.Is(kerr.ErrorForCode(hs.ErrorCode), kerr.UnsupportedSaslMechanism) {
		return nil, false
	}
	return hs.SupportedMechanisms, true
}

// answersWithoutSASL reports whether addr answers a metadata request (for no
// topic) from a client that has not authenticated.
func answersWithoutSASL(ctx context.Context, addr string, tc *tls.Config) bool {
	req := kmsg.NewPtrMetadataRequest()
	req.Version = 4
	req.Topics = []kmsg.MetadataRequestTopic{} // brokers only
	_, err := rawRequest(ctx, addr, tc, req)
	return err == nil
}

// speaksPlaintext reports whether addr answers an API versions request sent
// in plaintext: a Kafka listener without TLS.
func speaksPlaintext(ctx context.Context, addr string) bool {
	req := kmsg.NewPtrApiVersionsRequest()
	req.Version = 0
	_, err := rawRequest(ctx, addr, nil, req)
	return err == nil
}

// rawRequest sends req alone on a new connection to addr (over TLS when tc
// is set) and reads its answer. req's version must not be a flexible one:
// the header written is the classic one.
func rawRequest(ctx context.Context, addr string, tc *tls.Config, req kmsg.Request) (kmsg.Response, error) {
	if req.IsFlexible() {
		return nil, errors.New("raw request: flexible versions are not supported")
	}
	ctx, cancel := context.WithTimeout(ctx, secureCheckTimeout)
	defer cancel()
	var (
		conn net.Conn
		err  error
	)
	if tc != nil {
		d := tls.Dialer{Config: tlsConfigFor(tc, addr)}
		conn, err = d.DialContext(ctx, "tcp", addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()

	const corrID = 1
	const clientID = "topicat"
	buf := make([]byte, 4, 64)
	buf = binary.BigEndian.AppendUint16(buf, uint16(req.Key()))
	buf = binary.BigEndian.AppendUint16(buf, uint16(req.GetVersion()))
	buf = binary.BigEndian.AppendUint32(buf, corrID)
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(clientID)))
	buf = append(buf, clientID...)
	buf = req.AppendTo(buf)
	binary.BigEndian.PutUint32(buf, uint32(len(buf)-4))
	if _, err := conn.Write(buf); err != nil {
		return nil, err
	}

	var size [4]byte
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n < 4 || n > 1<<20 {
		return nil, fmt.Errorf("raw request: answer of %d bytes", n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(conn, body); err != nil {
		return nil, err
	}
	if binary.BigEndian.Uint32(body) != corrID {
		return nil, errors.New("raw request: answer to another request")
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(body[4:]); err != nil {
		return nil, err
	}
	return resp, nil
}
