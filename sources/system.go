package sources

import (
	"errors"
	"fmt"
)

// ErrNoSystem says no cluster is configured at all.
var ErrNoSystem = errors.New("no cluster is configured")

// PickSystem reads "[kafka|nsq] WORDS…", the one rule of the `:tail`,
// `:produce`, `topicat tail` and `topicat produce` arguments: a system named
// must be configured; without one, prefer is taken when configured (the
// system of the pane on screen; "" for none), else the only configured
// system. It returns the system and the words after the system word.
func PickSystem(words []string, configured func(System) bool, prefer System) (System, []string, error) {
	if len(words) > 0 {
		if w := System(words[0]); w == Kafka || w == NSQ {
			if !configured(w) {
				return "", nil, fmt.Errorf("%s is not configured", w)
			}
			return w, words[1:], nil
		}
	}
	kafka, nsq := configured(Kafka), configured(NSQ)
	switch {
	case prefer != "" && configured(prefer):
		return prefer, words, nil
	case kafka && nsq:
		return "", nil, errors.New("both Kafka and NSQ are configured: name one, kafka or nsq")
	case kafka:
		return Kafka, words, nil
	case nsq:
		return NSQ, words, nil
	}
	return "", nil, ErrNoSystem
}
