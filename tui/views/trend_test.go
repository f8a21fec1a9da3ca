package views

import "testing"

func TestSpark(t *testing.T) {
	tests := []struct {
		name string
		vs   []float64
		want string
	}{
		{"a steady rate that wobbles reads as steady", []float64{10, 10.1, 10.2, 10, 10.1}, "█████"},
		{"a doubling is half then full", []float64{5, 10}, "▅█"},
		{"from zero", []float64{0, 7, 14}, "▁▅█"},
		{"all zero is the floor", []float64{0, 0, 0}, "▁▁▁"},
		{"unknown is a gap", []float64{-1, 4, -1, 8}, " ▅ █"},
		{"nothing known", []float64{-1, -1}, "  "},
		{"none", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Spark(tc.vs); got != tc.want {
				t.Errorf("Spark(%v) = %q, want %q", tc.vs, got, tc.want)
			}
		})
	}
}
