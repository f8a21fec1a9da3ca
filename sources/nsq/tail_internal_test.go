package nsq

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources"
)

func TestTailChannel(t *testing.T) {
	long := strings.Repeat("h", 80)
	tests := []struct {
		name, host string
		n          uint64
		want       string
	}{
		{"plain", "box", 1, "topicat-box-123-ab12-1#ephemeral"},
		{"sanitized", "my box:α", 7, "topicat-my-box---123-ab12-7#ephemeral"},
		{"no host name", "", 2, "topicat-host-123-ab12-2#ephemeral"},
		{"long host cut", long, 1, "topicat-" + long[:64-len("topicat--123-ab12-1#ephemeral")] + "-123-ab12-1#ephemeral"},
		{"longest ids", long, 1<<64 - 1, "topicat-" + long[:9] + "-4294967295-ab12-18446744073709551615#ephemeral"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := "123-ab12"
			if tc.name == "longest ids" {
				id = "4294967295-ab12"
			}
			got := tailName{host: sanitizeName(tc.host), id: id}.channel(tc.n)
			if got != tc.want {
				t.Errorf("channel %q, want %q", got, tc.want)
			}
			if !validName(got) || !strings.HasSuffix(got, ephemeralSuffix) {
				t.Errorf("%q breaks nsqd's name rule", got)
			}
		})
	}
	if a, b := newTailName(), newTailName(); a.channel(1) == b.channel(1) {
		t.Errorf("two sources share the channel %q", a.channel(1))
	}
}

func rec(n int) sources.Record { return sources.Record{Value: make([]byte, n)} }

func TestRecordQueueBounds(t *testing.T) {
	tests := []struct {
		name          string
		maxRec, maxB  int
		sizes         []int
		wantQueued    int // pushes that go through before one blocks
		wantAllQueued bool
	}{
		{"count bound", 3, 1000, []int{1, 1, 1, 1}, 3, false},
		{"byte bound", 10, 10, []int{4, 4, 4}, 2, false},
		{"big record into empty queue", 10, 10, []int{50, 1}, 1, false},
		{"fits", 10, 10, []int{5, 5}, 2, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := newRecordQueue(tc.maxRec, tc.maxB)
			t.Cleanup(q.close)
			pushed := make(chan int, len(tc.sizes))
			go func() {
				for i, s := range tc.sizes {
					if _, _, ok := q.push(rec(s)); !ok {
						return
					}
					pushed <- i + 1
				}
				close(pushed)
			}()
			// The pusher goes as far as the bound lets it, then waits: read
			// what it managed, then check it is still waiting.
			got := 0
			for range tc.wantQueued {
				got = <-pushed
			}
			if got != tc.wantQueued {
				t.Fatalf("queued %d, want %d", got, tc.wantQueued)
			}
			if tc.wantAllQueued {
				if _, open := <-pushed; open {
					t.Fatalf("more pushes than records")
				}
				return
			}
			select {
			case n := <-pushed:
				t.Fatalf("push %d went through past the bound", n)
			default:
			}
			// One pop makes room; the blocked push then completes.
			recs, err := q.pop(context.Background(), 1)
			if err != nil || len(recs) != 1 || len(recs[0].Value) != tc.sizes[0] {
				t.Fatalf("pop = %d records, %v", len(recs), err)
			}
			if n := <-pushed; n != tc.wantQueued+1 {
				t.Fatalf("after a pop, push %d went through, want %d", n, tc.wantQueued+1)
			}
		})
	}
}

func TestRecordQueueOrderAndClose(t *testing.T) {
	q := newRecordQueue(4, 1<<20)
	go func() {
		for i := range 100 {
			if _, _, ok := q.push(sources.Record{Offset: int64(i), Value: []byte{1}}); !ok {
				return
			}
		}
	}()
	var next int64
	for next < 100 {
		recs, err := q.pop(context.Background(), 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 || len(recs) > 3 {
			t.Fatalf("pop returned %d records", len(recs))
		}
		for _, r := range recs {
			if r.Offset != next {
				t.Fatalf("record %d, want %d", r.Offset, next)
			}
			next++
		}
	}
	if q.bytes != 0 {
		t.Errorf("%d bytes counted in an empty queue", q.bytes)
	}
	// push and popLeft say how full they leave the queue.
	if n, b, ok := q.push(rec(3)); n != 1 || b != 3 || !ok {
		t.Errorf("push into an empty queue = %d records, %d bytes, %v", n, b, ok)
	}
	if n, b, _ := q.push(rec(4)); n != 2 || b != 7 {
		t.Errorf("second push = %d records, %d bytes", n, b)
	}
	if recs, n, b, err := q.popLeft(context.Background(), 1); len(recs) != 1 || n != 1 || b != 4 || err != nil {
		t.Errorf("popLeft = %d records, left %d records, %d bytes, %v", len(recs), n, b, err)
	}
	q.pop(context.Background(), 1)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := q.pop(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("pop with an ended context: %v", err)
	}
	popped := make(chan error)
	go func() {
		_, err := q.pop(context.Background(), 1)
		popped <- err
	}()
	q.close()
	q.close()
	if err := <-popped; !errors.Is(err, sources.ErrStreamClosed) {
		t.Errorf("blocked pop after close: %v", err)
	}
	if _, _, ok := q.push(rec(1)); ok {
		t.Errorf("push after close went through")
	}
}

func TestNSQLogProblems(t *testing.T) {
	tests := []struct {
		line, want string
	}{
		{"ERR    1 [orders/topicat-x#ephemeral] (127.0.0.1:4150) IO error - EOF",
			"nsqd 127.0.0.1:4150: connection lost (closed by nsqd), reconnecting"},
		{"ERR    1 [orders/c] (127.0.0.1:4150) IO error - read tcp 127.0.0.1:5->127.0.0.1:4150: read: connection reset by peer",
			"nsqd 127.0.0.1:4150: connection lost (connection reset), reconnecting"},
		{"ERR    1 [orders/c] (127.0.0.1:4150) error connecting to nsqd - dial tcp 127.0.0.1:4150: connect: connection refused",
			"nsqd 127.0.0.1:4150: connection refused, retrying"},
		{"ERR    1 [orders/c] (127.0.0.1:4150) protocol error - E_FIN_FAILED FIN 0a failed",
			"nsqd 127.0.0.1:4150: nsqd answered E_FIN_FAILED FIN 0a failed"},
		{"ERR    1 [orders/c] something odd", "go-nsq: something odd"},
		{"WRN    1 [orders/c] there are 1 connections left alive", ""},
		{"INF    1 [orders/c] (127.0.0.1:4150) connecting to nsqd", ""},
	}
	for _, tc := range tests {
		p := newProblems()
		nsqLog{p}.Output(2, tc.line)
		if got := p.String(); got != tc.want {
			t.Errorf("%q\n gives %q\n want  %q", tc.line, got, tc.want)
		}
	}
}

func TestProblemsLatest(t *testing.T) {
	p := newProblems()
	p.set("a", "first")
	p.set("b", "second")
	p.set("a", "first") // unchanged: still older than b
	if got := p.String(); got != "second (and 1 other problem)" {
		t.Errorf("got %q", got)
	}
	p.set("a", "third")
	p.set("c", "fourth")
	p.clear("c")
	if got := p.String(); got != "third (and 1 other problem)" {
		t.Errorf("got %q", got)
	}
	p.keepOnly(func(s string, _ problem) bool { return s == "b" })
	if got := p.String(); got != "second" {
		t.Errorf("got %q", got)
	}
	p.clear("b")
	if got := p.String(); got != "" {
		t.Errorf("got %q, want nothing", got)
	}
}
