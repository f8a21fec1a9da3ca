package nsq_test

import (
	"context"
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
)

func TestNewValidatesAddresses(t *testing.T) {
	cases := []struct {
		name     string
		lookupds []string
		nsqds    []string
		wantErr  string
	}{
		{name: "host:port lookupd", lookupds: []string{"127.0.0.1:4161"}},
		{name: "URL lookupd", lookupds: []string{"http://127.0.0.1:4161/"}},
		{name: "URL nsqd", nsqds: []string{"http://localhost:4151"}},
		{name: "IPv6", nsqds: []string{"[::1]:4151"}},
		{name: "both", lookupds: []string{"lookupd:4161"}, nsqds: []string{"nsqd-1:4151"}},
		{name: "nothing", wantErr: "nsq: no lookupd and no nsqd address given; need at least one"},
		{name: "no port", lookupds: []string{"foo"}, wantErr: `nsq: lookupd address "foo": missing port`},
		{name: "URL without port", lookupds: []string{"http://foo"}, wantErr: `nsq: lookupd address "http://foo": missing port`},
		{name: "no host", nsqds: []string{":4151"}, wantErr: `nsq: nsqd address ":4151": missing host`},
		{name: "bad port", nsqds: []string{"nsqd:http"}, wantErr: `nsq: nsqd address "nsqd:http": port "http" is not a number from 1 to 65535`},
		{name: "port out of range", nsqds: []string{"nsqd:70000"}, wantErr: `nsq: nsqd address "nsqd:70000": port "70000" is not a number from 1 to 65535`},
		{name: "https lookupd", lookupds: []string{"https://l:4161"}},
		{name: "https nsqd", nsqds: []string{"https://n:4152/"}},
		{name: "other scheme", lookupds: []string{"ftp://l:4161"}, wantErr: `nsq: lookupd address "ftp://l:4161": scheme "ftp" not supported; use host:port, http://host:port or https://host:port`},
		{name: "user in URL", lookupds: []string{"https://ops:pw@l:4161"}, wantErr: `nsq: lookupd address "https://ops:<redacted>@l:4161": give only https://host:port, without path, query or user`},
		{name: "path", lookupds: []string{"http://l:4161/nodes"}, wantErr: `nsq: lookupd address "http://l:4161/nodes": give only http://host:port, without path, query or user`},
		{name: "empty", nsqds: []string{" "}, wantErr: `nsq: nsqd address " ": empty`},
		{name: "good then bad", nsqds: []string{"a:1", "b"}, wantErr: `nsq: nsqd address "b": missing port`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := nsq.New(nsq.Config{Lookupds: tc.lookupds, NSQDs: tc.nsqds})
			if tc.wantErr == "" {
				if err != nil || s == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("New error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestSourceContract(t *testing.T) {
	s, err := nsq.New(nsq.Config{NSQDs: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.System() != sources.NSQ {
		t.Errorf("System %q", s.System())
	}
	res := s.Do(context.Background(), sources.Request{ID: 7, Body: otherBody{}})
	if res.Err != sources.ErrUnsupported.Error() || res.Request.ID != 7 || res.Request.Target() != "t" {
		t.Errorf("Do = %+v, want ErrUnsupported", res)
	}
}

// otherBody is an action the NSQ source does not carry out.
type otherBody struct{}

func (otherBody) Action() sources.Action { return "other" }
func (otherBody) Target() string         { return "t" }
