// Package records is how a topic's messages look and where the tail keeps
// them: the ring buffer, the filter, the one-line summary, the detail
// rendering, JSON and kcat-style formats. It draws no UI (no Bubble Tea, no
// lipgloss), so `topicat tail` prints exactly what the tail screen shows.
// Every text it returns for a terminal has passed through safetext.
package records
