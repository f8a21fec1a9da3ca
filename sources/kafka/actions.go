package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources"
)

// actionTimeout bounds a detail request or an admin action when the caller
// sets no sooner deadline: a person is waiting on the answer, and Kafka's own
// admin timeouts (kadm asks brokers for 15s) fit within it.
const actionTimeout = 30 * time.Second

// actionContext is ctx bounded by actionTimeout.
func actionContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, actionTimeout)
}

// failed is a Result that failed as a whole.
func failed(format string, a ...any) sources.Result {
	return sources.Result{Err: fmt.Sprintf(format, a...)}
}

// kafkaErr words an error a broker answered with, adding the message Kafka
// sent beside the code when there is one.
func kafkaErr(err error, message string) string {
	if err == nil {
		return ""
	}
	text := err.Error()
	if message != "" && !strings.Contains(text, message) {
		text += ": " + message
	}
	return text
}

// shardErrText names the brokers of a kadm error that failed per broker:
// "broker 2 (127.0.0.1:9093): connection refused". Any other error is itself.
// Either is worded by connErr first, for a request kgo sent where it chose.
func (s *Source) shardErrText(ctx context.Context, err error) string {
	err = s.connErr(ctx, anyBroker, err)
	se, ok := errors.AsType[*kadm.ShardErrors](err)
	if !ok {
		return err.Error()
	}
	parts := make([]string, 0, len(se.Errs))
	for _, e := range se.Errs {
		parts = append(parts, brokerErrText(e.Broker.NodeID, e.Broker.Host, e.Broker.Port, e.Err))
	}
	return strings.Join(parts, "; ")
}

// wordedErr is an error reworded for a person (by broker, with what Kafka
// said) that keeps its cause for errors.Is and errors.As.
type wordedErr struct {
	text  string
	cause error
}

func (e *wordedErr) Error() string { return e.text }
func (e *wordedErr) Unwrap() error { return e.cause }

// byBroker is err worded by shardErrText, prefixed with what was attempted.
func (s *Source) byBroker(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	return &wordedErr{text: what + ": " + s.shardErrText(ctx, err), cause: err}
}

// brokerErrText names the broker an error came from; kgo numbers a request it
// could not map to a broker -1.
func brokerErrText(id int32, host string, port int32, err error) string {
	if id < 0 {
		return err.Error()
	}
	return brokerEndpoint(id, host, port) + ": " + err.Error()
}

// shardErr is a kgo shard's error, worded by connErr, naming its broker; the
// cause stays wrapped for errors.Is.
func (s *Source) shardErr(ctx context.Context, meta kgo.BrokerMetadata, err error) error {
	err = s.connErr(ctx, meta, err)
	if meta.NodeID < 0 {
		return err
	}
	return fmt.Errorf("%s: %w", brokerEndpoint(meta.NodeID, meta.Host, meta.Port), err)
}

// isUnknownTopic reports whether Kafka answered that a topic or partition does not exist.
func isUnknownTopic(err error) bool {
	return errors.Is(err, kerr.UnknownTopicOrPartition) || errors.Is(err, kerr.UnknownTopicID)
}

// count is n and word, with an s when n is not 1: "1 member", "2 members".
func count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// tp names a partition as targets do: "orders/3".
func tp(topic string, p int32) string { return fmt.Sprintf("%s/%d", topic, p) }

// retried calls call again, up to lookupTries times in all, while its error
// is one again says to retry. kgo sends a request any broker can answer (or
// the metadata it needs first) to one broker of its choosing, and moves on to
// another only after a dial error: a broker that accepts connections and
// drops them fails the request. Each try goes to the next broker in kgo's
// rotation, as lookupTopic's do.
func retried[T any](ctx context.Context, call func() (T, error), again func(error) bool) (T, error) {
	var (
		v   T
		err error
	)
	for range lookupTries {
		v, err = call()
		if err == nil || ctx.Err() != nil || !again(err) {
			break
		}
	}
	return v, err
}

// unanswered reports whether no broker answered: the error is not one a
// broker sent (a Kafka error code).
func unanswered(err error) bool {
	_, ok := errors.AsType[*kerr.Error](err)
	return err != nil && !ok
}

// unmapped reports whether a kadm call failed before any piece of it reached
// a broker: kgo could not learn where to send it.
func unmapped(err error) bool {
	se, ok := errors.AsType[*kadm.ShardErrors](err)
	if !ok {
		return unanswered(err)
	}
	for _, e := range se.Errs {
		if e.Broker.NodeID >= 0 {
			return false
		}
	}
	return se.AllFailed
}
