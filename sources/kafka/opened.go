package kafka

import (
	"errors"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// errSourceClosed is the answer to Tail and Do once the source is closed.
var errSourceClosed = errors.New("kafka: the source is closed")

// opened holds the clients that Tail and Do open beside the polling client:
// one per stream, one per kind of producer. They retry on their own schedule,
// so none of them shares the polling client's short retries. Closing the
// source closes them all.
type opened struct {
	mu        sync.Mutex
	closed    bool
	streams   map[*stream]struct{}
	producers map[producerKey]*producer
}

// addStream registers st; false once the source is closed.
func (o *opened) addStream(st *stream) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return false
	}
	if o.streams == nil {
		o.streams = make(map[*stream]struct{})
	}
	o.streams[st] = struct{}{}
	return true
}

func (o *opened) removeStream(st *stream) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.streams, st)
}

// producer returns the producer client for key, creating it with mk on first
// use.
func (o *opened) producer(key producerKey, mk func() (*producer, error)) (*producer, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil, errSourceClosed
	}
	if p, ok := o.producers[key]; ok {
		return p, nil
	}
	p, err := mk()
	if err != nil {
		return nil, err
	}
	if o.producers == nil {
		o.producers = make(map[producerKey]*producer)
	}
	o.producers[key] = p
	return p, nil
}

// eachProducer calls fn for every producer client made so far.
func (o *opened) eachProducer(fn func(*kgo.Client)) {
	o.mu.Lock()
	cls := make([]*kgo.Client, 0, len(o.producers))
	for _, p := range o.producers {
		cls = append(cls, p.cl)
	}
	o.mu.Unlock()
	for _, cl := range cls {
		fn(cl)
	}
}

// closeAll closes every stream and producer client; later opens fail.
func (o *opened) closeAll() {
	o.mu.Lock()
	o.closed = true
	streams := o.streams
	producers := o.producers
	o.streams, o.producers = nil, nil
	o.mu.Unlock()
	for st := range streams {
		st.Close()
	}
	var wg sync.WaitGroup
	for _, p := range producers {
		wg.Go(p.cl.Close) // each may wait for its own in-flight requests
	}
	wg.Wait()
}
