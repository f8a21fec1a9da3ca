package views

import (
	"strings"

	"github.com/topicat/topicat/sources"
)

// The registrations lookupds keep with no node producing them: nsqadmin's
// lookup page. A pane of its own rather than a section of Lookupds, since
// a row here is a topic or channel (a delete key acts on it), not a lookupd.

func nsqInactive() *View {
	cols := []col[sources.NSQInactive]{
		{Column: Column{Title: "TOPIC", Sort: 'T', Min: 10, Flex: true}, text: func(i sources.NSQInactive) string { return i.Topic }},
		{Column: Column{Title: "CHANNEL", Sort: 'C', Min: 8, Max: 40}, text: func(i sources.NSQInactive) string { return i.Channel }},
		{Column: Column{Title: "LOOKUPDS", Sort: 'L', Min: 8, Max: 80}, text: func(i sources.NSQInactive) string { return strings.Join(i.Lookupds, ", ") }},
	}
	return define(View{Name: "inactive", Title: "Inactive", System: sources.NSQ,
		Help: "topics and channels the lookupds list with no node producing them (nsqadmin's lookup page)"}, cols,
		func(d Data, _ string) ([]sources.NSQInactive, error) {
			s, err := nsqSnap(d)
			if err != nil {
				return nil, err
			}
			return s.Inactive, nil
		},
		InactiveKey,
		func(sources.NSQInactive, findings) Status { return Muted },
		noted(func(i sources.NSQInactive) string {
			what := "topic " + i.Topic
			if i.Channel != "" {
				what = "channel " + i.Topic + "/" + i.Channel
			}
			return what + " is registered in " + strings.Join(i.Lookupds, ", ") + " and no node carries it: consumers looking it up find no producer"
		}))
}

// InactiveKey is an inactive registration's row key: "TOPIC" or "TOPIC/CHANNEL".
func InactiveKey(i sources.NSQInactive) string {
	if i.Channel == "" {
		return i.Topic
	}
	return i.Topic + "/" + i.Channel
}
