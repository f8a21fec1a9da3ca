package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
)

func TestPartitionRate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	type reading struct {
		after time.Duration // since t0
		high  int64         // -1: could not be read
		want  float64
	}
	for _, tc := range []struct {
		name     string
		readings []reading
	}{
		{"first reading", []reading{{0, 5, -1}}},
		{"steady", []reading{{0, 5, -1}, {2 * time.Second, 25, 10}, {3 * time.Second, 35, 10}}},
		{"idle", []reading{{0, 5, -1}, {time.Second, 5, 0}}},
		{"unreadable, then read again: the rate since the last reading",
			[]reading{{0, 5, -1}, {time.Second, -1, -1}, {4 * time.Second, 45, 10}}},
		{"watermark went back: no honest figure, then counted from there",
			[]reading{{0, 50, -1}, {time.Second, 3, -1}, {2 * time.Second, 9, 6}}},
		{"no time passed", []reading{{0, 5, -1}, {0, 9, -1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHistory(t0)
			for i, r := range tc.readings {
				th := h.topic("orders", [16]byte{1}, 1, uint64(i+1))
				if got := th.observe(0, r.high, h.at(t0.Add(r.after))); got != r.want {
					t.Errorf("reading %d: rate = %v, want %v", i, got, r.want)
				}
			}
		})
	}

	// A topic re-created gets a new ID: its history starts again.
	h := newHistory(t0)
	h.topic("orders", [16]byte{1}, 1, 1).observe(0, 5, h.at(t0))
	if got := h.topic("orders", [16]byte{2}, 1, 2).observe(0, 9, h.at(t0.Add(time.Second))); got != -1 {
		t.Errorf("rate after re-creation = %v, want -1", got)
	}
}

func TestFirstFailuresKeepsTheDownOne(t *testing.T) {
	answeredErr := fmt.Errorf("list groups: %w", kerr.CoordinatorLoadInProgress) // the broker answered
	errDown := errors.New("EOF")                                                 // it did not
	got := firstFailures([]failure{
		{1, "list groups", answeredErr},
		{1, "list offsets", errDown},
		{1, "fetch offsets", errDown},
		{2, "list groups", answeredErr},
		{2, "describe groups", answeredErr},
	})
	if f := got[1]; f.op != "list offsets" || !f.down {
		t.Errorf("broker 1: %+v", f)
	}
	if f := got[2]; f.op != "list groups" || f.down {
		t.Errorf("broker 2: %+v", f)
	}
}

// metaWith is a metadata answer listing brokers and one topic whose
// partitions have the given replica sets; the first replica leads.
func metaWith(listed []int32, replicas ...[]int32) *kmsg.MetadataResponse {
	resp := kmsg.NewPtrMetadataResponse()
	for _, id := range listed {
		b := kmsg.NewMetadataResponseBroker()
		b.NodeID, b.Host, b.Port = id, "127.0.0.1", 9000+id
		resp.Brokers = append(resp.Brokers, b)
	}
	t := kmsg.NewMetadataResponseTopic()
	t.Topic = kmsg.StringPtr("orders")
	for i, rs := range replicas {
		p := kmsg.NewMetadataResponseTopicPartition()
		p.Partition, p.Leader, p.Replicas, p.ISR = int32(i), rs[0], rs, rs
		t.Partitions = append(t.Partitions, p)
	}
	resp.Topics = append(resp.Topics, t)
	return resp
}

// pollBrokers lists brokers as takeSnapshot does, at a time of the test's
// choosing, with the probe failures given, and keeps the result as the
// previous snapshot.
func pollBrokers(s *Source, meta *kmsg.MetadataResponse, now time.Time, probed ...failure) []sources.Broker {
	gone := s.missing(meta, now)
	bs := s.brokers(meta, gone, firstFailures(append(missingFailures(gone), probed...)), now)
	s.state.prev = &sources.KafkaSnapshot{Brokers: bs}
	return bs
}

func TestMissingBrokers(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	all := []int32{0, 1, 2}
	type step struct {
		after time.Duration // since t0
		meta  *kmsg.MetadataResponse
		// silent: broker 2, if listed, does not answer.
		silent bool
		// want is the row of broker 2, nil when it must not be listed.
		want *sources.Broker
	}
	missing := func(host string, port int32, since time.Duration) *sources.Broker {
		return &sources.Broker{ID: 2, Host: host, Port: port, DownSince: t0.Add(since), LastErr: errNotInMetadata.Error()}
	}
	up := &sources.Broker{ID: 2, Host: "127.0.0.1", Port: 9002, Up: true}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"still named: kept however long it is missing", []step{
			{0, metaWith(all, []int32{2, 0}), false, up},
			{time.Minute, metaWith([]int32{0, 1}, []int32{2, 0}), false, missing("127.0.0.1", 9002, time.Minute)},
			{time.Hour, metaWith([]int32{0, 1}, []int32{2, 0}), false, missing("127.0.0.1", 9002, time.Minute)},
		}},
		{"decommissioned: dropped after five minutes unnamed", []step{
			{0, metaWith(all, []int32{0, 1}), false, up},
			{time.Minute, metaWith([]int32{0, 1}, []int32{0, 1}), false, missing("127.0.0.1", 9002, time.Minute)},
			{time.Minute + forgetMissingAfter, metaWith([]int32{0, 1}, []int32{0, 1}), false, missing("127.0.0.1", 9002, time.Minute)},
			{time.Minute + forgetMissingAfter + time.Second, metaWith([]int32{0, 1}, []int32{0, 1}), false, nil},
			{time.Hour, metaWith([]int32{0, 1}, []int32{0, 1}), false, nil},
		}},
		{"named again after it was dropped: listed by ID", []step{
			{0, metaWith(all, []int32{0, 1}), false, up},
			{time.Minute, metaWith([]int32{0, 1}, []int32{0, 1}), false, missing("127.0.0.1", 9002, time.Minute)},
			{time.Hour, metaWith([]int32{0, 1}, []int32{0, 1}), false, nil},
			{2 * time.Hour, metaWith([]int32{0, 1}, []int32{0, 2}), false, missing("", 0, 2*time.Hour)},
		}},
		{"down, then missing: DownSince kept, the five minutes count from the first miss", []step{
			{0, metaWith(all, []int32{0, 1}), false, up},
			{time.Minute, metaWith(all, []int32{0, 1}), true,
				&sources.Broker{ID: 2, Host: "127.0.0.1", Port: 9002, DownSince: t0.Add(time.Minute), LastErr: "EOF"}},
			{time.Hour, metaWith([]int32{0, 1}, []int32{0, 1}), false, missing("127.0.0.1", 9002, time.Minute)},
			{time.Hour + forgetMissingAfter, metaWith([]int32{0, 1}, []int32{0, 1}), false, missing("127.0.0.1", 9002, time.Minute)},
			{time.Hour + forgetMissingAfter + time.Second, metaWith([]int32{0, 1}, []int32{0, 1}), false, nil},
		}},
		{"never listed, named as a replica: by ID alone", []step{
			{0, metaWith([]int32{0, 1}, []int32{0, 2}), false, missing("", 0, 0)},
			{time.Hour, metaWith([]int32{0, 1}, []int32{0, 2}), false, missing("", 0, 0)},
		}},
		{"back in metadata: up, and its clock forgotten", []step{
			{0, metaWith(all, []int32{0, 1}), false, up},
			{time.Minute, metaWith([]int32{0, 1}, []int32{0, 1}), false, missing("127.0.0.1", 9002, time.Minute)},
			{2 * time.Minute, metaWith(all, []int32{0, 1}), false, up},
			{time.Hour, metaWith([]int32{0, 1}, []int32{0, 1}), false, missing("127.0.0.1", 9002, time.Hour)},
			{time.Hour + forgetMissingAfter, metaWith([]int32{0, 1}, []int32{0, 1}), false, missing("127.0.0.1", 9002, time.Hour)},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Source{}
			for i, st := range tc.steps {
				var probed []failure
				if st.silent {
					probed = append(probed, failure{2, "api versions", errors.New("EOF")})
				}
				bs := pollBrokers(s, st.meta, t0.Add(st.after), probed...)
				var got *sources.Broker
				for j, b := range bs {
					if j > 0 && bs[j-1].ID >= b.ID {
						t.Errorf("step %d: brokers not sorted by ID: %+v", i, bs)
					}
					if b.ID == 2 {
						got = &b
					}
				}
				switch {
				case st.want == nil && got != nil:
					t.Errorf("step %d: broker 2 still listed: %+v", i, *got)
				case st.want != nil && got == nil:
					t.Errorf("step %d: broker 2 not listed", i)
				case st.want != nil && !reflect.DeepEqual(*got, *st.want):
					t.Errorf("step %d: broker 2 =\n%+v, want\n%+v", i, *got, *st.want)
				}
			}
		})
	}
}

func TestMissingBrokerKeepsEarlierDownSince(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s := &Source{}
	s.state.prev = &sources.KafkaSnapshot{Brokers: []sources.Broker{
		{ID: 0, Host: "127.0.0.1", Port: 9000, Up: true},
		{ID: 2, Host: "127.0.0.1", Port: 9002, Rack: "r2", DownSince: t0, LastErr: "EOF"},
	}}
	bs := pollBrokers(s, metaWith([]int32{0}, []int32{0, 2}), t0.Add(time.Hour))
	want := sources.Broker{ID: 2, Host: "127.0.0.1", Port: 9002, Rack: "r2", DownSince: t0, LastErr: errNotInMetadata.Error()}
	if len(bs) != 2 || !reflect.DeepEqual(bs[1], want) {
		t.Fatalf("brokers = %+v, want broker 2 as %+v", bs, want)
	}
}

func TestEndpointErrorsOfMissingBrokers(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s := &Source{}
	s.state.prev = &sources.KafkaSnapshot{Brokers: []sources.Broker{{ID: 1, Host: "127.0.0.1", Port: 9001, Up: true}}}
	meta := metaWith([]int32{0}, []int32{0, 1, 2})
	gone := s.missing(meta, t0)
	// Broker 1 also failed a later request: still one error, the metadata one.
	fails := firstFailures(append(missingFailures(gone), failure{1, "list offsets", errors.New("EOF")}))
	bs := s.brokers(meta, gone, fails, t0)
	got := s.endpointErrors(bs, fails, t0)
	want := []sources.EndpointError{
		{Endpoint: "broker 1 (127.0.0.1:9001)", Op: "metadata", Err: errNotInMetadata.Error(), Since: t0},
		{Endpoint: "broker 2", Op: "metadata", Err: errNotInMetadata.Error(), Since: t0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("errors =\n%+v, want\n%+v", got, want)
	}
}

func TestTimedOut(t *testing.T) {
	expired, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	t.Cleanup(cancel)
	live, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	ioTimeout := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	already := &timeoutError{after: time.Second, cause: context.DeadlineExceeded}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		want string // "" for nil
	}{
		{"no error", expired, nil, ""},
		{"the poll's deadline", expired, context.DeadlineExceeded, "timed out after 2.5s"},
		{"the poll's deadline, wrapped", expired, fmt.Errorf("fetch: %w", context.DeadlineExceeded), "timed out after 2.5s"},
		{"an I/O timeout at the poll's deadline", expired, ioTimeout, "timed out after 2.5s"},
		{"already reworded", expired, already, "timed out after 1s"},
		{"another error after the deadline", expired, kerr.NotLeaderForPartition, kerr.NotLeaderForPartition.Error()},
		{"a deadline that is not the poll's", live, context.DeadlineExceeded, context.DeadlineExceeded.Error()},
		{"an I/O timeout before the poll's deadline", live, ioTimeout, ioTimeout.Error()},
		{"a canceled poll", canceled, context.Canceled, context.Canceled.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Source{}
			s.state.budget = 2500 * time.Millisecond
			got := s.timedOut(tc.ctx, tc.err)
			switch {
			case tc.want == "" && got != nil:
				t.Fatalf("timedOut = %v, want nil", got)
			case tc.want == "":
				return
			case got == nil || got.Error() != tc.want:
				t.Fatalf("timedOut = %v, want %q", got, tc.want)
			case !errors.Is(got, tc.err):
				t.Errorf("timedOut(%v) no longer wraps it", tc.err)
			}
		})
	}
}

func TestBudget(t *testing.T) {
	background := context.Background()
	inAnHour, cancel := context.WithTimeout(background, time.Hour)
	t.Cleanup(cancel)
	past, cancel := context.WithDeadline(background, time.Unix(0, 0))
	t.Cleanup(cancel)
	for _, tc := range []struct {
		name     string
		ctx      context.Context
		timeout  time.Duration
		min, max time.Duration
	}{
		{"no deadline", background, 2500 * time.Millisecond, 2500 * time.Millisecond, 2500 * time.Millisecond},
		// The loop's deadline for the same timeout, set a moment ago.
		{"the timeout's own deadline", inAnHour, time.Hour, time.Hour, time.Hour},
		{"a later deadline", inAnHour, time.Minute, time.Minute, time.Minute},
		// Some of the hour has passed since; not a measurement, a bound.
		{"a sooner deadline", inAnHour, 2 * time.Hour, 59 * time.Minute, time.Hour},
		{"a deadline already past", past, time.Second, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := budget(tc.ctx, tc.timeout); got < tc.min || got > tc.max {
				t.Errorf("budget = %v, want %v to %v", got, tc.min, tc.max)
			}
		})
	}
}
