package nsq

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"

	gonsq "github.com/nsqio/go-nsq"

	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// statsCorpus are /stats answers as nsqd 1.0–1.3 send them and as they
// should never be: each must decode as encoding/json decodes it.
var statsCorpus = []string{
	// nsqd 1.3, E2E percentiles on.
	`{"version":"1.3.0","health":"OK","start_time":1700000000,"topics":[{"topic_name":"orders","channels":[{"channel_name":"billing","depth":3,"backend_depth":1,"in_flight_count":2,"deferred_count":0,"message_count":40,"requeue_count":1,"timeout_count":0,"client_count":1,"clients":[],"paused":false,"e2e_processing_latency":{"count":7,"percentiles":[{"quantile":0.99,"value":1250000},{"quantile":0.5,"value":8.5e5}]}}],"depth":0,"backend_depth":0,"message_count":40,"message_bytes":1200,"paused":true,"e2e_processing_latency":{"count":0,"percentiles":null}}],"producers":[],"memory":{"heap_objects":1}}`,
	// nsqd 1.0: no client_count, no message_bytes, clients listed anyway.
	`{"version":"1.0.0-compat","health":"OK","start_time":1500000000,"topics":[{"topic_name":"t","channels":[{"channel_name":"c","depth":0,"backend_depth":0,"in_flight_count":0,"deferred_count":0,"message_count":0,"requeue_count":0,"timeout_count":0,"clients":[{"name":"x","client_id":"x","tls":false,"pub_counts":[{"topic":"t","count":1}]},null],"paused":false,"e2e_processing_latency":{"count":0,"percentiles":null}}],"depth":0,"backend_depth":0,"message_count":0,"paused":false,"e2e_processing_latency":{"count":0,"percentiles":null}}]}`,
	// Null and empty lists, nulls for scalars, fields missing.
	`{"version":"1.2.1","health":"OK","start_time":1,"topics":null}`,
	`{"topics":[]}`,
	`{"topics":[null,{"topic_name":"a","channels":null,"e2e_processing_latency":null},{"topic_name":null,"depth":null,"paused":null,"channels":[null,{}]}]}`,
	`{"topics":[{"channels":[{"clients":null,"client_count":null}]}]}`,
	`{"topics":[{"e2e_processing_latency":{"percentiles":[]}},{"e2e_processing_latency":{"percentiles":[null,{}]}}]}`,
	"  \r\n\t{ \"topics\" : [ { \"topic_name\" : \"spaced\" , \"depth\" : -5 } ] , \"health\" : \"NOK - disk\" }  ",
	`{}`,
	// What follows the answer is not read.
	`{"topics":[]} trailing`,
	`{"topics":[]}{"topics":null}`,
	// Strings beyond ASCII, escapes, invalid UTF-8, lone surrogates.
	`{"topics":[{"topic_name":"caf\u00e9\n\"q\"\\\/"},{"topic_name":"日本"},{"topic_name":"\ud800x"},{"topic_name":"` + "\xff\xfe" + `"}]}`,
	`{"version":"` + "\x7f" + `"}`,
	// Keys in another case, escaped, repeated, unknown, with a Kelvin sign.
	`{"TOPICS":[{"Topic_Name":"a"}]}`,
	`{"topics":[{"topic_name":"a","topic_name":"b"}],"topics":[{"depth":1},{"depth":2}],"topics":[{},{},{}]}`,
	`{"top\u0069cs":[{"topic_name":"a"}]}`,
	"{\"topics\":[{\"bac\u212aend_depth\":7}]}",
	`{"topics":[{"unknown":{"a":[1,2,{"b":null}],"c":"\u0041"},"topic_name":"t","zz":-1.5e-3}],"extra":true}`,
	`{"version":"1.3.0","version":"1.2.0"}`,
	// Wrong types, fractions and out-of-range numbers.
	`{"topics":{"a":1}}`,
	`{"topics":"none"}`,
	`{"topics":[{"channels":[{"depth":"3"}]}]}`,
	`{"topics":[{"message_count":-1}]}`,
	`{"topics":[{"depth":1.0}]}`,
	`{"topics":[{"depth":1e3}]}`,
	`{"topics":[{"depth":99999999999999999999}]}`,
	`{"topics":[{"depth":-9223372036854775808,"message_count":18446744073709551615}]}`,
	`{"topics":[{"message_count":18446744073709551616}]}`,
	`{"topics":[{"paused":1}]}`,
	`{"topics":[{"paused":"true"}]}`,
	`{"topics":[{"channels":[{"clients":[1]}]}]}`,
	`{"topics":[{"channels":[{"clients":{}}]}]}`,
	`{"topics":[{"e2e_processing_latency":{"percentiles":[{"quantile":1e400}]}}]}`,
	`{"topics":[{"e2e_processing_latency":{"count":1.5}}]}`,
	`{"topics":[{"e2e_processing_latency":[]}]}`,
	`{"start_time":"1"}`,
	`{"version":5}`,
	// Not an object, or not JSON.
	``,
	`   `,
	`null`,
	`[]`,
	`5`,
	`"x"`,
	"\xef\xbb\xbf{}",
	`{not json`,
	`{"topics":[{"topic_name":"t"`,
	`{"topics":[1,]}`,
	`{"topics":[],}`,
	`{"topics":[{"depth":01}]}`,
	`{"topics":[{"depth":-}]}`,
	`{"topics":[{"x":"a` + "\x01" + `"}]}`,
	`{"topics":[{"x":"\q"}]}`,
	`{"topics":[{"x":"\u12"}]}`,
	`{"topics":[{"x":tru}]}`,
	`{"topics" "x"}`,
	`{"topics":[{"x":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}]}`,
}

// checkStatsDecode holds the hand-written decoder to encoding/json on b:
// where it reads b itself the result is encoding/json's; where it gives
// up, decodeBody gives encoding/json's result and error. It reports
// whether the decoder read b itself.
func checkStatsDecode(t *testing.T, b []byte) bool {
	t.Helper()
	var want statsJSON
	wantErr := json.NewDecoder(bytes.NewReader(b)).Decode(&want)

	var fast statsJSON
	s := wireScanner{b: b}
	read := s.stats(&fast)
	if read && wantErr != nil {
		t.Fatalf("%q: the decoder read what encoding/json refuses (%v): %+v", b, wantErr, fast)
	}
	if read && !reflect.DeepEqual(fast, want) {
		t.Fatalf("%q:\n decoder       %+v\n encoding/json %+v", b, fast, want)
	}

	var got statsJSON
	gotErr := got.decodeBody(b)
	switch {
	case (gotErr == nil) != (wantErr == nil):
		t.Fatalf("%q: error %v, encoding/json's %v", b, gotErr, wantErr)
	case gotErr != nil && decodeError(statsPath, gotErr).Error() != decodeError(statsPath, wantErr).Error():
		t.Fatalf("%q: error %q, encoding/json's %q", b, decodeError(statsPath, gotErr), decodeError(statsPath, wantErr))
	case gotErr == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("%q:\n decodeBody    %+v\n encoding/json %+v", b, got, want)
	}
	return read
}

func TestStatsDecodeCorpus(t *testing.T) {
	for _, b := range statsCorpus {
		checkStatsDecode(t, []byte(b))
	}
	// What nsqd sends must be read fast, not left to encoding/json.
	for _, b := range statsCorpus[:8] {
		if !checkStatsDecode(t, []byte(b)) {
			t.Errorf("%q is what nsqd sends, and the decoder left it to encoding/json", b)
		}
	}
}

// TestStatsDecodeRealNSQD decodes what nsqd 1.3 itself answers, with
// paused topics and channels, consumers connected, E2E percentiles on,
// and with clients and memory included too.
func TestStatsDecodeRealNSQD(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 1)
	c.Populate(5, 3, 4)
	c.PauseTopic(0, "topic-001")
	c.PauseChannel(0, "topic-002", "channel-1")
	c.Consume("topic-003", "consumer", gonsq.HandlerFunc(func(*gonsq.Message) error { return nil }))
	c.CreateTopic(0, "empty")
	for _, q := range []string{
		statsPath,
		"/stats?format=json&include_clients=true&include_mem=true",
		"/stats?format=json&topic=topic-003",
	} {
		resp, err := c.HTTPClient().Get("http://" + c.HTTPAddr(0) + q)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !checkStatsDecode(t, b) {
			t.Errorf("%s: nsqd's own answer was left to encoding/json", q)
		}
		var st statsJSON
		if err := st.decodeBody(b); err != nil || len(st.Topics) == 0 {
			t.Fatalf("%s: %d topics, %v", q, len(st.Topics), err)
		}
	}
}

// TestDecodeWholeReadFailure: a read that fails after the answer is whole
// keeps the answer; one that fails before says the failure, as
// json.Decoder did on the stream.
func TestDecodeWholeReadFailure(t *testing.T) {
	cut := errors.New("connection reset")
	var st statsJSON
	if err := decodeWhole(io.MultiReader(strings.NewReader(`{"topics":[{"topic_name":"t"}]}`), failingReader{cut}), &st, &st); err != nil || len(st.Topics) != 1 {
		t.Errorf("whole answer then a failure: %v, %+v", err, st)
	}
	st = statsJSON{}
	if err := decodeWhole(io.MultiReader(strings.NewReader(`{"topics":[{"topic_`), failingReader{cut}), &st, &st); !errors.Is(err, cut) {
		t.Errorf("a failure part way: %v", err)
	}
}

// FuzzStatsDecode: any input decodes as encoding/json decodes it, or both
// fail with the same words. The seed corpus runs in every `go test`.
func FuzzStatsDecode(f *testing.F) {
	for _, b := range statsCorpus {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkStatsDecode(t, b) })
}

// BenchmarkStatsDecode: one nsqd's /stats of 200 topics × 3 channels, by
// encoding/json and by the hand-written decoder.
func BenchmarkStatsDecode(b *testing.B) {
	var st statsJSON
	st.Version, st.Health = "1.3.0", "OK"
	for ti := range 200 {
		t := topicJSON{Name: "topic-" + strconv.Itoa(ti), MessageCount: 40, MessageBytes: 360, E2E: &e2eJSON{}}
		for ci := range 3 {
			t.Channels = append(t.Channels, channelJSON{Name: "channel-" + strconv.Itoa(ci), Depth: 2, MessageCount: 2, Clients: []struct{}{}, E2E: &e2eJSON{}})
		}
		st.Topics = append(st.Topics, t)
	}
	body, _ := json.Marshal(st)
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var st statsJSON
			if err := json.NewDecoder(bytes.NewReader(body)).Decode(&st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hand-written", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var st statsJSON
			if err := st.decodeBody(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
