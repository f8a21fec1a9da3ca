package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestClosedVerdicts(t *testing.T) {
	ctx := context.Background()
	firstRead := fmt.Errorf("api versions: %w", &kgo.ErrFirstReadEOF{})
	for _, tc := range []struct {
		name     string
		tls      bool  // what the check finds
		answered bool  // the broker answered in plaintext before
		err      error // what kgo said
		want     string
		checks   int
	}{
		{"closed before the first answer, plaintext port", false, false, firstRead, "the broker closed the connection before answering", 1},
		{"closed before the first answer, TLS port", true, false, firstRead, "the broker closed the plaintext connection and answers a TLS handshake on the same port: is TLS missing from the configuration?", 1},
		{"closed, but it answered in plaintext before: no check", true, true, firstRead, "the broker closed the connection before answering", 0},
		{"an established connection closed", true, false, io.EOF, "the broker closed the connection before answering", 0},
		{"another error is left alone", true, false, errors.New("dial tcp: connection refused"), "dial tcp: connection refused", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClosedVerdicts(nil)
			checks := 0
			c.check = func(context.Context, string) bool { checks++; return tc.tls }
			b := kmsg.NewMetadataResponseBroker()
			b.NodeID, b.Host, b.Port = 2, "127.0.0.1", 9092
			c.learn([]kmsg.MetadataResponseBroker{b})
			if tc.answered {
				c.plaintext(2, time.Now())
			}
			for range 3 { // the verdict is kept: one check at most
				got := c.explain(ctx, 2, tc.err)
				if got.Error() != tc.want || !errors.Is(got, tc.err) {
					t.Fatalf("explain = %q (wraps it: %v), want %q", got, errors.Is(got, tc.err), tc.want)
				}
			}
			if checks != tc.checks {
				t.Errorf("%d checks, want %d", checks, tc.checks)
			}
		})
	}
}
