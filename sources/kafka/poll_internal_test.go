package kafka

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

func TestRateFormula(t *testing.T) {
	id := [16]byte{1}
	highs := func(id [16]byte, hs map[int32]int64) topicHighs { return topicHighs{id: id, highs: hs} }
	for _, tc := range []struct {
		name    string
		prev    topicHighs
		cur     topicHighs
		elapsed time.Duration
		want    float64
	}{
		{"first poll", topicHighs{}, highs(id, map[int32]int64{0: 5}), time.Second, -1},
		{"steady", highs(id, map[int32]int64{0: 5, 1: 7}), highs(id, map[int32]int64{0: 15, 1: 17}), 2 * time.Second, 10},
		{"idle", highs(id, map[int32]int64{0: 5}), highs(id, map[int32]int64{0: 5}), time.Second, 0},
		{"partition unknown now", highs(id, map[int32]int64{0: 5, 1: 7}), highs(id, map[int32]int64{0: 9}), time.Second, 4},
		{"partition added", highs(id, map[int32]int64{0: 5}), highs(id, map[int32]int64{0: 6, 1: 100}), time.Second, 1},
		{"nothing comparable", highs(id, map[int32]int64{0: 5}), highs(id, map[int32]int64{1: 5}), time.Second, -1},
		{"watermark went back", highs(id, map[int32]int64{0: 50, 1: 7}), highs(id, map[int32]int64{0: 3, 1: 9}), time.Second, -1},
		{"topic re-created", highs(id, map[int32]int64{0: 5}), highs([16]byte{2}, map[int32]int64{0: 9}), time.Second, -1},
		{"no time passed", highs(id, map[int32]int64{0: 5}), highs(id, map[int32]int64{0: 9}), 0, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rate(tc.prev, tc.cur, tc.elapsed); got != tc.want {
				t.Errorf("rate = %v, want %v", got, tc.want)
			}
		})
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
