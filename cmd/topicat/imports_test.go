package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportRule holds the design's one-way flow in place: the UI never
// reaches a cluster client library, and sources never reach a UI library.
func TestImportRule(t *testing.T) {
	tests := []struct {
		pkgs      string
		forbidden []string
		why       string
	}{
		{"github.com/topicat/topicat/tui/...", []string{"github.com/twmb/franz-go", "github.com/nsqio/"},
			"the UI gets data from sources/ as snapshots"},
		{"github.com/topicat/topicat/sources/...", []string{"charm.land/", "github.com/charmbracelet/bubbletea", "github.com/charmbracelet/lipgloss", "github.com/charmbracelet/bubbles"},
			"sources publish data; the UI draws it"},
		{"github.com/topicat/topicat/tui/views", []string{"charm.land/"},
			"views serve `topicat get` too, which draws no UI"},
		{"github.com/topicat/topicat/tui/records", []string{"charm.land/"},
			"records format `topicat tail` too, which draws no UI"},
	}
	for _, tc := range tests {
		t.Run(tc.pkgs, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", "-test", tc.pkgs).CombinedOutput()
			if err != nil {
				t.Fatalf("go list: %v\n%s", err, out)
			}
			deps := strings.Fields(string(out))
			if len(deps) < 5 {
				t.Fatalf("go list found almost nothing (%v): the check would pass vacuously", deps)
			}
			for _, d := range deps {
				for _, f := range tc.forbidden {
					if strings.HasPrefix(d, f) {
						t.Errorf("%s depends on %s: %s", tc.pkgs, d, tc.why)
					}
				}
			}
		})
	}
}
