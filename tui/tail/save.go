package tail

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/records"
)

// saveJSONL writes records as JSON lines to a new file (never over an
// existing one, readable by its owner only: payloads may be sensitive) and
// returns the file's absolute path and how many were written.
func saveJSONL(path string, recs []sources.Record) (string, int, error) {
	if strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, path[2:])
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return path, 0, fmt.Errorf("save to %s: %w", path, err)
	}
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return abs, 0, fmt.Errorf("%s exists; give another name (topicat never overwrites a file)", abs)
	}
	if err != nil {
		return abs, 0, fmt.Errorf("save to %s: %w", abs, err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var line []byte
	for _, r := range recs {
		line = append(records.AppendJSON(line[:0], &r), '\n')
		if _, err := w.Write(line); err != nil {
			f.Close()
			return abs, 0, fmt.Errorf("save to %s: %w", abs, err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return abs, 0, fmt.Errorf("save to %s: %w", abs, err)
	}
	if err := f.Close(); err != nil {
		return abs, 0, fmt.Errorf("save to %s: %w", abs, err)
	}
	return abs, len(recs), nil
}

// fileSafe turns a topic name into a file name part.
func fileSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	return string(b)
}
