package sources

import (
	"encoding/json"
	"testing"
)

// TestHandWrittenJSONIsValid: Topic and Partition write JSON by hand; it
// must stay valid and decode to the same names and figures whatever a name
// holds.
func TestHandWrittenJSONIsValid(t *testing.T) {
	for _, name := range []string{"orders", `quo"te\back`, "ctl\x01\x1b[2J", "bidi\u202e ls\u2028", "<html>&", "日本語"} {
		tp := Topic{Name: name, Rate: 1.5, Rates: []float64{-1, 0, 2e-7, 3e21}, RetentionMs: RetentionForever, MinInsync: -1, MaxMessageBytes: -1,
			Partitions: []Partition{{ID: 0, Leader: -1, Low: -1, High: 5, Rate: -1, Err: name}}}
		b, err := json.Marshal([]Topic{tp})
		if err != nil || !json.Valid(b) {
			t.Fatalf("%q: %v %s", name, err, b)
		}
		var got []struct {
			Name       string     `json:"name"`
			Rates      []*float64 `json:"rates"`
			Retention  int64      `json:"retention_ms"`
			MinInsync  *int       `json:"min_insync_replicas"`
			Partitions []struct {
				Leader *int32 `json:"leader"`
				High   int64  `json:"high"`
				Err    string `json:"error"`
			} `json:"partitions"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		g := got[0]
		if g.Name != name || g.Rates[0] != nil || *g.Rates[3] != 3e21 || g.Retention != -1 || g.MinInsync != nil ||
			g.Partitions[0].Leader != nil || g.Partitions[0].High != 5 || g.Partitions[0].Err != name {
			t.Fatalf("%q decoded as %+v from %s", name, g, b)
		}
	}
}
