package nsq

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The JSON that nsqd and nsqlookupd 1.0–1.3 send. Arrays may be null and
// fields that older versions lack stay zero.

type statsJSON struct {
	Version   string      `json:"version"`
	Health    string      `json:"health"`
	StartTime int64       `json:"start_time"`
	Topics    []topicJSON `json:"topics"`
}

type topicJSON struct {
	Name         string `json:"topic_name"`
	Depth        int64  `json:"depth"`
	BackendDepth int64  `json:"backend_depth"`
	MessageCount uint64 `json:"message_count"`
	// MessageBytes arrived in nsqd 1.2.
	MessageBytes uint64        `json:"message_bytes"`
	Paused       bool          `json:"paused"`
	E2E          *e2eJSON      `json:"e2e_processing_latency"`
	Channels     []channelJSON `json:"channels"`
}

type channelJSON struct {
	Name         string `json:"channel_name"`
	Depth        int64  `json:"depth"`
	BackendDepth int64  `json:"backend_depth"`
	InFlight     int64  `json:"in_flight_count"`
	Deferred     int64  `json:"deferred_count"`
	MessageCount uint64 `json:"message_count"`
	RequeueCount uint64 `json:"requeue_count"`
	TimeoutCount uint64 `json:"timeout_count"`
	// ClientCount arrived in nsqd 1.2; before that only the clients array tells,
	// and include_clients=false is ignored, so the array is there to count.
	// When both are there they agree.
	ClientCount int        `json:"client_count"`
	Clients     []struct{} `json:"clients"`
	Paused      bool       `json:"paused"`
	E2E         *e2eJSON   `json:"e2e_processing_latency"`
}

func (c channelJSON) clients() int { return max(c.ClientCount, len(c.Clients)) }

// e2eJSON is nsqd's end-to-end latency summary; percentiles is null unless
// nsqd runs with --e2e-processing-latency-percentile. Values are nanoseconds.
type e2eJSON struct {
	Count       int              `json:"count"`
	Percentiles []percentileJSON `json:"percentiles"`
}

type percentileJSON struct {
	Quantile float64 `json:"quantile"`
	Value    float64 `json:"value"`
}

type infoJSON struct {
	Version          string `json:"version"`
	BroadcastAddress string `json:"broadcast_address"`
	Hostname         string `json:"hostname"`
	HTTPPort         int    `json:"http_port"`
	TCPPort          int    `json:"tcp_port"`
	StartTime        int64  `json:"start_time"`
}

type lookupdNodesJSON struct {
	Producers []producerJSON `json:"producers"`
}

type producerJSON struct {
	RemoteAddress    string   `json:"remote_address"`
	Hostname         string   `json:"hostname"`
	BroadcastAddress string   `json:"broadcast_address"`
	TCPPort          int      `json:"tcp_port"`
	HTTPPort         int      `json:"http_port"`
	Version          string   `json:"version"`
	Tombstones       []bool   `json:"tombstones"`
	Topics           []string `json:"topics"`
}

type lookupdTopicsJSON struct {
	Topics []string `json:"topics"`
}

type lookupdInfoJSON struct {
	Version string `json:"version"`
}

// maxBody bounds what one answer may make us read, so a misbehaving endpoint
// cannot take the memory with it. /stats without clients is ~100 bytes per channel.
const maxBody = 64 << 20

const statsPath = "/stats?format=json&include_clients=false&include_mem=false"

// getJSON fetches base+path and decodes the JSON answer into v. Errors are
// plain causes ("connection refused", "HTTP 500: NOK - …"); callers say which
// endpoint and what was attempted.
func getJSON(ctx context.Context, client *http.Client, base, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return err
	}
	// Asks nsq before 1.0 for the bare body too, instead of {"status_code","data"}.
	req.Header.Set("Accept", "application/vnd.nsq; version=1.0")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return waitError(ctx, err, time.Since(start))
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxBody)
	if resp.StatusCode != http.StatusOK {
		return statusError(resp.StatusCode, body)
	}
	if d, ok := v.(bodyDecoder); ok {
		err = decodeWhole(body, d, v)
	} else {
		err = json.NewDecoder(body).Decode(v)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || isTimeout(err) {
			return waitError(ctx, err, time.Since(start))
		}
		return decodeError(path, err)
	}
	// Drain so the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(body, 4<<10))
	return nil
}

// bodies are read into buffers reused across polls: a /stats answer is
// hundreds of KiB, and the decoded values copy what they keep.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// decodeWhole reads the whole answer and decodes it with d. A read that
// fails part way gives what json.Decoder would have: the value if it was
// complete before the failure, else the failure.
func decodeWhole(body io.Reader, d bodyDecoder, v any) error {
	buf := bodies.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 4<<20 {
			buf.Reset()
			bodies.Put(buf)
		}
	}()
	buf.Reset()
	if _, err := buf.ReadFrom(body); err != nil {
		return json.NewDecoder(io.MultiReader(bytes.NewReader(buf.Bytes()), failingReader{err})).Decode(v)
	}
	return d.decodeBody(buf.Bytes())
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// budgetKey carries a poll's whole timeout in its context, so that a
// request cut short by it can say what the user configured.
type budgetKey struct{}

// withBudget bounds ctx by d and remembers d for waitError.
func withBudget(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithValue(ctx, budgetKey{}, d), d)
}

// waitError is plainError, except that a request ended by the poll's
// timeout says that timeout (the configured one) rather than only what it
// waited: a request that started late had less, and says so too.
func waitError(ctx context.Context, err error, took time.Duration) error {
	budget, ok := ctx.Value(budgetKey{}).(time.Duration)
	if !ok || ctx.Err() != context.DeadlineExceeded {
		return plainError(err, took)
	}
	// Within a tenth: it waited for the whole budget, give or take start-up.
	if took >= budget-budget/10 {
		return fmt.Errorf("timed out after %s", budget)
	}
	return fmt.Errorf("timed out after %s, what was left of the %s poll timeout", roundWait(took), budget)
}

func roundWait(d time.Duration) time.Duration {
	return max(d.Round(100*time.Millisecond), 100*time.Millisecond)
}

// decodeError says in words what in an answer is not what nsqd or
// nsqlookupd send ("topics is a string, want a list"), without the Go types
// the decoder names.
func decodeError(path string, err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("empty answer from %s", pathOnly(path))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("malformed JSON from %s: it ends early", pathOnly(path))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the answer"
		}
		return fmt.Errorf("malformed JSON from %s: %s is %s, want %s", pathOnly(path), field, jsonValueWords(te.Value), goTypeWords(te.Type))
	case errors.As(err, &se):
		return fmt.Errorf("malformed JSON from %s: %s (at byte %d)", pathOnly(path), strings.TrimPrefix(se.Error(), "json: "), se.Offset)
	}
	return fmt.Errorf("malformed JSON from %s: %s", pathOnly(path), strings.TrimPrefix(err.Error(), "json: "))
}

// jsonValueWords names a JSON value as the decoder describes it ("string",
// "number -1").
func jsonValueWords(v string) string {
	switch v {
	case "string":
		return "a string"
	case "number":
		return "a number"
	case "bool":
		return "true or false"
	case "array":
		return "a list"
	case "object":
		return "an object"
	}
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return n
	}
	return v
}

// goTypeWords names what a Go type accepts, in JSON's terms.
func goTypeWords(t reflect.Type) string {
	if t == nil {
		return "something else"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return goTypeWords(t.Elem())
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number, 0 or more"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "something else"
}

// httpError is an answer other than 200: the status and nsqd's message
// ("MSG_TOO_BIG", "TOPIC_NOT_FOUND"), so that callers can tell the causes apart.
type httpError struct {
	code int
	// msg is nsqd's {"message"} or the body, cut to 200 characters.
	msg       string
	httpsPort int
}

func (e *httpError) Error() string {
	switch {
	case e.msg == "TLS_REQUIRED" && e.httpsPort > 0:
		return fmt.Sprintf("requires TLS (https port %d); topicat has no TLS for NSQ yet", e.httpsPort)
	case e.msg == "TLS_REQUIRED":
		return "requires TLS; topicat has no TLS for NSQ yet"
	case e.msg == "":
		return fmt.Sprintf("HTTP %d", e.code)
	}
	return fmt.Sprintf("HTTP %d: %s", e.code, e.msg)
}

// answered reports whether err is an answer with this status and message.
func answered(err error, code int, msg string) bool {
	var he *httpError
	return errors.As(err, &he) && he.code == code && he.msg == msg
}

func statusError(code int, body io.Reader) error {
	b, _ := io.ReadAll(io.LimitReader(body, 512))
	var m struct {
		Message   string `json:"message"`
		HTTPSPort int    `json:"https_port"`
	}
	msg := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &m) == nil && m.Message != "" {
		msg = m.Message
	}
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return &httpError{code: code, msg: msg, httpsPort: m.HTTPSPort}
}

// plainError strips the URL noise from a transport error and names the usual
// causes in a user's words.
func plainError(err error, took time.Duration) error {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		return &unresolvedError{host: dns.Name, cause: dns.Err}
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("timed out after %s", max(took.Round(100*time.Millisecond), 100*time.Millisecond))
	case errors.Is(err, context.Canceled):
		return errors.New("canceled")
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("connection refused")
	case errors.Is(err, syscall.ECONNRESET):
		return errors.New("connection reset")
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("connection closed before an answer")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func pathOnly(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}
