package nsq

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/topicat/topicat/sources"
)

const (
	// inactiveEvery is how often the lookupds' registrations are read for
	// topics and channels that no node produces (nsqadmin's "lookup" page):
	// one /lookup per topic per lookupd, too many to ask at every poll of
	// a big cluster, and they change only when someone creates or deletes.
	inactiveEvery = 30 * time.Second
	// inactiveConcurrent bounds those requests in flight, so that they
	// leave the poll's /stats the room.
	inactiveConcurrent = 8
)

// registration is what one lookupd has registered for one topic.
type registration struct {
	topic     string
	channels  []string
	producers int
	gone      bool // deleted between /topics and /lookup
}

// lookupdRegistrations is one lookupd's reading; err when it could not be
// completed, and then none of it is used.
type lookupdRegistrations struct {
	lookupd string
	topics  []registration
	err     error
}

// inactiveDue: a reading is due every inactiveEvery, from the lookupds whose
// /topics answered in this poll.
func (s *Source) inactiveDue(now time.Time, lookupds []lookupdResult) bool {
	return now.Sub(s.state.inactiveTried) >= inactiveEvery &&
		slices.ContainsFunc(lookupds, func(r lookupdResult) bool { return r.topicsOK })
}

// readRegistrations asks every lookupd that listed its topics in this poll
// for each topic's channels and producers (/lookup).
func (s *Source) readRegistrations(ctx context.Context, lookupds []lookupdResult) []lookupdRegistrations {
	type job struct {
		reg *lookupdRegistrations
		i   int
	}
	var out []lookupdRegistrations
	for i, r := range lookupds {
		if r.topicsOK {
			out = append(out, lookupdRegistrations{lookupd: s.cfg.Lookupds[i], topics: make([]registration, len(r.topics))})
			for j, t := range r.topics {
				out[len(out)-1].topics[j].topic = t
			}
		}
	}
	jobs := make(chan job)
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for range inactiveConcurrent {
		wg.Go(func() {
			for j := range jobs {
				reg := &j.reg.topics[j.i]
				mu.Lock()
				failed := j.reg.err != nil
				mu.Unlock()
				if failed {
					continue
				}
				var l lookupJSON
				err := getJSON(ctx, s.client, j.reg.lookupd, "/lookup?"+url.Values{"topic": {reg.topic}}.Encode(), &l)
				switch {
				case answered(err, http.StatusNotFound, "TOPIC_NOT_FOUND"):
					reg.gone = true
				case err != nil:
					mu.Lock()
					if j.reg.err == nil {
						j.reg.err = fmt.Errorf("topic %s: %w", reg.topic, err)
					}
					mu.Unlock()
				default:
					reg.channels, reg.producers = l.Channels, len(l.Producers)
				}
			}
		})
	}
	// A lookupd that failed has the rest of its topics skipped.
	for k := range out {
		for i := range out[k].topics {
			jobs <- job{&out[k], i}
		}
	}
	close(jobs)
	wg.Wait()
	return out
}

// inactiveList is what the readings register that no node carries: topics
// with no producer, and channels no node has. Nodes that did not answer
// count with what they last had; gone nodes do not count. ok is false when
// no lookupd's reading was complete (the previous list stands).
func inactiveList(regs []lookupdRegistrations, nodes []sources.NSQNode, order []string) (list []sources.NSQInactive, ok bool) {
	carried := map[string]map[string]bool{}
	for _, n := range nodes {
		if n.Gone {
			continue
		}
		for _, t := range n.Topics {
			cs := carried[t.Name]
			if cs == nil {
				cs = map[string]bool{}
				carried[t.Name] = cs
			}
			for _, c := range t.Channels {
				cs[c.Name] = true
			}
		}
	}
	found := map[[2]string]*sources.NSQInactive{}
	add := func(topic, channel, lookupd string) {
		k := [2]string{topic, channel}
		in := found[k]
		if in == nil {
			in = &sources.NSQInactive{Topic: topic, Channel: channel}
			found[k] = in
		}
		in.Lookupds = append(in.Lookupds, lookupd)
	}
	for _, r := range regs {
		if r.err != nil {
			continue
		}
		ok = true
		for _, reg := range r.topics {
			if reg.gone {
				continue
			}
			chans, has := carried[reg.topic]
			if !has && reg.producers == 0 {
				add(reg.topic, "", r.lookupd)
			}
			for _, c := range reg.channels {
				if !chans[c] {
					add(reg.topic, c, r.lookupd)
				}
			}
		}
	}
	if !ok {
		return nil, false
	}
	list = make([]sources.NSQInactive, 0, len(found))
	for _, in := range found {
		slices.SortFunc(in.Lookupds, func(a, b string) int { return slices.Index(order, a) - slices.Index(order, b) })
		list = append(list, *in)
	}
	slices.SortFunc(list, func(a, b sources.NSQInactive) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), strings.Compare(a.Channel, b.Channel))
	})
	return list, true
}
