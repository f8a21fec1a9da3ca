package nsq

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gonsq "github.com/nsqio/go-nsq"
)

// publishOverTCP reports whether publishing goes over nsqd's TCP port:
// when an auth secret is configured. nsqd v1.3 checks the secret, and what
// the auth server allows, only there; its HTTP /pub takes anyone's message.
func (s *Source) publishOverTCP() bool { return !s.cfg.Auth.Secret.IsZero() }

// postTCP does what post does over HTTP (/pub, /mpub, with a defer) as
// PUB, MPUB or DPUB on node's TCP port, after AUTH (and TLS, when
// configured). Refusals come back as nsqd's HTTP answers would, so that
// delivery words them alike.
func (p *publisher) postTCP(ctx context.Context, node, path string, params url.Values, body []byte) error {
	prod, tcp, err := p.producer(ctx, node)
	if err != nil {
		return err
	}
	done := make(chan *gonsq.ProducerTransaction, 1)
	switch {
	case path == "/mpub":
		var msgs [][]byte
		if msgs, err = splitMPub(body); err != nil {
			return err
		}
		err = prod.MultiPublishAsync(p.topic, msgs, done)
	case params.Get("defer") != "":
		ms, _ := strconv.ParseInt(params.Get("defer"), 10, 64)
		err = prod.DeferredPublishAsync(p.topic, time.Duration(ms)*time.Millisecond, body, done)
	default:
		err = prod.PublishAsync(p.topic, body, done)
	}
	if err == nil {
		select {
		case tr := <-done:
			err = tr.Error
		case <-ctx.Done():
			// The command may be on its way: the publish is in doubt.
			return fmt.Errorf("no answer on TCP port %s before the request's deadline", tcp)
		}
	}
	return p.s.tcpAnswer(err, tcp)
}

// producer is a go-nsq producer on node's TCP port, made once per request.
func (p *publisher) producer(ctx context.Context, node string) (*gonsq.Producer, string, error) {
	if prod, ok := p.producers[node]; ok {
		return prod, prod.String(), nil
	}
	// The TCP port is in /info; the host is the one that reaches its HTTP API.
	info, err := p.info(ctx, node)
	if err != nil {
		return nil, "", err
	}
	host, _, err := net.SplitHostPort(node)
	if err != nil {
		return nil, "", err
	}
	tcp := net.JoinHostPort(host, strconv.Itoa(info.TCPPort))
	if err := p.s.checkTLSOffered(ctx, tcp); err != nil {
		return nil, "", p.s.tcpAnswer(err, tcp)
	}
	cfg := gonsq.NewConfig()
	cfg.DialTimeout = p.s.cfg.Timeout
	cfg.UserAgent = "topicat go-nsq/" + gonsq.VERSION
	if err := p.s.setTCP(ctx, cfg); err != nil {
		return nil, "", err
	}
	prod, err := gonsq.NewProducer(tcp, cfg)
	if err != nil {
		return nil, "", fmt.Errorf("TCP producer for %s: %w", tcp, err)
	}
	// The screen belongs to the UI: go-nsq must not write to stderr.
	prod.SetLogger(log.New(io.Discard, "", 0), gonsq.LogLevelError)
	if p.producers == nil {
		p.producers = map[string]*gonsq.Producer{}
	}
	p.producers[node] = prod
	return prod, tcp, nil
}

// info reads node's /info. A transport error comes back as it is, so that
// send moves on to the next node when this one cannot be dialled.
func (p *publisher) info(ctx context.Context, node string) (infoJSON, error) {
	var info infoJSON
	ctx, cancel := context.WithTimeout(ctx, p.s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+node+"/info", nil)
	if err != nil {
		return info, err
	}
	req.Header.Set("Accept", "application/vnd.nsq; version=1.0")
	resp, err := p.s.client.Do(req)
	if err != nil {
		return info, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return info, statusError(resp.StatusCode, resp.Body)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info); err != nil {
		return info, decodeError("/info", err)
	}
	if info.TCPPort <= 0 {
		return info, errors.New("/info names no TCP port")
	}
	return info, nil
}

// close stops the TCP producers of a request.
func (p *publisher) close() {
	for _, prod := range p.producers {
		prod.Stop()
	}
}

// tcpAnswer turns nsqd's TCP refusals into the answers its HTTP API gives
// for the same (MSG_TOO_BIG, INVALID_DEFER), and TLS and AUTH failures into
// words that name the TCP port.
func (s *Source) tcpAnswer(err error, tcp string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "message too big"), strings.Contains(msg, "body too big"):
		return &httpError{code: http.StatusRequestEntityTooLarge, msg: "MSG_TOO_BIG"}
	case strings.Contains(msg, "DPUB timeout"):
		return &httpError{code: http.StatusBadRequest, msg: "INVALID_DEFER"}
	}
	if w, ok := s.tcpWords(msg); ok {
		return &tcpRefusal{words: w + " (TCP port " + tcp + ")"}
	}
	return err
}

// tcpRefusal is nsqd refusing on its TCP port before taking anything. It
// unwraps to an httpError so that publish reports it as an answer (nothing
// was taken), not as a failure in doubt.
type tcpRefusal struct{ words string }

func (e *tcpRefusal) Error() string { return e.words }
func (e *tcpRefusal) Unwrap() error {
	return &httpError{code: http.StatusForbidden, msg: e.words}
}

// splitMPub undoes mpubBody.
func splitMPub(b []byte) ([][]byte, error) {
	bad := errors.New("malformed message batch")
	if len(b) < 4 {
		return nil, bad
	}
	n := binary.BigEndian.Uint32(b)
	b = b[4:]
	out := make([][]byte, 0, n)
	for range n {
		if len(b) < 4 {
			return nil, bad
		}
		l := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint32(len(b)) < l {
			return nil, bad
		}
		out = append(out, b[:l])
		b = b[l:]
	}
	return out, nil
}
