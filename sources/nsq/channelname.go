package nsq

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/topicat/topicat/sources"
)

// nameRule is nsqd's rule for topic and channel names, 1–64 characters in all.
var nameRule = regexp.MustCompile(`^[.a-zA-Z0-9_-]+(#ephemeral)?$`)

const maxNameLen = 64

func validName(s string) bool { return len(s) <= maxNameLen && nameRule.MatchString(s) }

const ephemeralSuffix = "#ephemeral"

// tailName names topicat's tail channels, topicat-HOST-PID-INSTANCE-N:
// whoever reads nsqadmin or /stats sees who subscribed, from which host and
// process.
//
// INSTANCE tells two Sources of one process apart (two contexts on one
// cluster, a test's sources): their stream counters N both start at 1, and
// two tails sharing a channel would split the messages between them.
type tailName struct {
	host string // sanitized short host name
	id   string // PID-INSTANCE
}

func newTailName() tailName {
	host, _ := os.Hostname()
	host, _, _ = strings.Cut(host, ".")
	var b [4]byte
	rand.Read(b[:])
	return tailName{host: sanitizeName(host), id: strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])}
}

// channel is the ephemeral channel of the nth stream. The host name gives
// way to stay within nsqd's 64 characters; the rest takes at most 59
// (a 10-digit PID, a 20-digit n).
func (t tailName) channel(n uint64) string {
	tail := "-" + t.id + "-" + strconv.FormatUint(n, 10) + ephemeralSuffix
	room := maxNameLen - len(sources.TailChannelPrefix) - len(tail)
	return sources.TailChannelPrefix + t.host[:min(len(t.host), max(room, 0))] + tail
}

// sanitizeName keeps what nsqd allows in a name and turns every other
// character into '-'.
func sanitizeName(s string) string {
	if s == "" {
		return "host"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '-'
	}, s)
}
