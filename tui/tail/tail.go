// Package tail is the tail screen: a topic's messages as they arrive (or from
// a point in the past on Kafka), one line each, in a ring buffer bounded by
// count and bytes. Records come from a source's stream in batches, at most
// one UI message per frame; the screen follows the newest, pauses, filters,
// opens a message, copies it, saves the buffer, and produces to the topic.
package tail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/dialog"
	"github.com/topicat/topicat/tui/message"
	"github.com/topicat/topicat/tui/records"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/screen"
	"github.com/topicat/topicat/tui/views"
)

// Defaults of the buffer and the pace of delivery.
const (
	DefaultMaxCount = 10_000
	DefaultMaxBytes = 64 << 20
	// DefaultStart shows the last few records of each partition at once, so
	// a quiet topic is not a blank screen, and then follows.
	DefaultStart = "-10"
	// frame is the least time between two batches reaching the UI.
	frame = 50 * time.Millisecond
	// maxBatch bounds one batch; at one batch a frame that is 400,000 records/s.
	maxBatch = 20_000
	// previewBytes of a value are shown in the list; the rest only in the detail.
	previewBytes = 512
)

// Config says what to tail.
type Config struct {
	System     sources.System
	Topic      string
	Partitions []int32 // nil: all
	// Start is the start point in the offset grammar; "" means DefaultStart on
	// Kafka and newest on NSQ (which cannot seek).
	Start string
	// MaxCount and MaxBytes bound the buffer; zero means the defaults.
	MaxCount int
	MaxBytes int64
	// Frame is the least time between batches; zero means 50ms.
	Frame time.Duration
}

// Screen is the tail screen.
type Screen struct {
	host screen.Host
	cfg  Config
	rng  sources.Range

	// Each (re)opened stream gets an id; batches of an older one are dropped.
	streamID int
	stream   sources.Stream
	cancel   context.CancelFunc
	opening  bool
	pulling  bool
	ended    string // why reading stopped for good ("end of the range reached", an error)
	failed   bool
	describe string
	problem  string

	ring    *records.Ring
	matcher *records.Matcher
	filter  string
	matches []uint64 // seqs that match the filter, ascending; used when matcher != nil

	line screen.Filter // the / input

	cursor uint64 // the selected record's seq
	top    int    // index of the first row on screen
	follow bool
	paused bool

	received  uint64
	evicted   uint64 // the ring's Evicted when this start point opened
	rate      float64
	rateAt    time.Time
	rateCount uint64
	lastBatch time.Time

	width, height int
}

var (
	_ screen.Screen   = (*Screen)(nil)
	_ screen.Typist   = (*Screen)(nil)
	_ screen.Prompter = (*Screen)(nil)
	_ screen.Informer = (*Screen)(nil)
	_ screen.Sizer    = (*Screen)(nil)
)

// Messages from the screen's own work.
type (
	openedMsg struct {
		id     int
		stream sources.Stream
		err    error
	}
	batchMsg struct {
		id      int
		recs    []sources.Record
		err     error
		problem string
	}
	savedMsg struct {
		path string
		n    int
		err  error
	}
)

// Discard closes a stream that opened after its screen was gone.
func (m openedMsg) Discard() {
	if m.stream != nil {
		m.stream.Close()
	}
}

// New makes a tail screen; Start opens the stream.
func New(host screen.Host, cfg Config) *Screen {
	if cfg.MaxCount <= 0 {
		cfg.MaxCount = DefaultMaxCount
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Frame <= 0 {
		cfg.Frame = frame
	}
	if cfg.Start == "" {
		cfg.Start = DefaultStart
		if cfg.System == sources.NSQ {
			cfg.Start = "newest"
		}
	}
	s := &Screen{host: host, cfg: cfg, ring: records.NewRing(cfg.MaxCount, cfg.MaxBytes), follow: true}
	s.line = screen.NewFilter("text matches key, value, headers; ~regex; enter keeps, esc clears", s.setFilter)
	r, err := sources.ParseRange(cfg.Start, time.Now())
	if err != nil {
		s.ended, s.failed = err.Error(), true
	}
	s.rng = r
	return s
}

// Title is the breadcrumb label.
func (s *Screen) Title() string {
	t := "Tail " + s.cfg.Topic
	if len(s.cfg.Partitions) > 0 {
		t += " [" + sources.FormatPartitions(s.cfg.Partitions) + "]"
	}
	return t
}

// Start opens the stream.
func (s *Screen) Start() tea.Cmd {
	if s.failed {
		return nil
	}
	return s.open()
}

// Stop closes the stream, off the UI: closing an NSQ stream waits for nsqd
// to let go, which a stalled node can make slow. A batch still on its way is
// dropped with the screen; a stream still opening is closed by openedMsg's
// Discard.
func (s *Screen) Stop() {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
	if st := s.stream; st != nil {
		go st.Close()
		s.stream = nil
	}
}

func (s *Screen) open() tea.Cmd {
	src := s.host.Source(s.cfg.System)
	if src == nil {
		s.ended, s.failed = string(s.cfg.System)+" is not configured", true
		return nil
	}
	s.streamID++
	id := s.streamID
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.opening = true
	spec := sources.TailSpec{Topic: s.cfg.Topic, Partitions: s.cfg.Partitions, Range: s.rng}
	return s.host.Async(s, func(session context.Context) tea.Msg {
		defer context.AfterFunc(session, cancel)()
		st, err := src.Tail(ctx, spec)
		if err == nil && ctx.Err() != nil { // stopped while opening: nobody will close it
			st.Close()
			return nil
		}
		return openedMsg{id: id, stream: st, err: err}
	})
}

// pull asks the stream for the next batch, no sooner than a frame after the
// last one, so the UI gets at most one message per frame however fast the
// topic is.
func (s *Screen) pull() tea.Cmd {
	if s.paused || s.pulling || s.stream == nil || s.ended != "" {
		return nil
	}
	s.pulling = true
	st, id, wait := s.stream, s.streamID, s.cfg.Frame-time.Since(s.lastBatch)
	return s.host.Async(s, func(context.Context) tea.Msg {
		if wait > 0 {
			time.Sleep(wait)
		}
		recs, err := st.Next(context.Background(), maxBatch)
		return batchMsg{id: id, recs: recs, err: err, problem: st.Problem()}
	})
}

// Update takes the stream's answers, the filter's typing and the mouse.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case openedMsg:
		if msg.id != s.streamID { // a stream of an earlier start point
			go msg.Discard()
			return nil
		}
		s.opening = false
		if msg.err != nil {
			s.ended, s.failed = msg.err.Error(), true
			return nil
		}
		s.stream = msg.stream
		s.describe = msg.stream.Describe()
		return s.pull()
	case batchMsg:
		if msg.id != s.streamID {
			return nil
		}
		s.pulling = false
		s.Ingest(msg.recs)
		s.problem = msg.problem
		switch {
		case msg.err == nil:
		case errors.Is(msg.err, io.EOF):
			s.ended = "end of the range reached"
		case errors.Is(msg.err, sources.ErrStreamClosed), errors.Is(msg.err, context.Canceled):
			return nil
		default:
			s.ended, s.failed = msg.err.Error(), true
		}
		return s.pull()
	case savedMsg:
		if msg.err != nil {
			s.host.Notify("✖ save: " + msg.err.Error())
		} else {
			s.host.Notify(fmt.Sprintf("✔ saved %s to %s", screen.Plural(msg.n, "message"), msg.path))
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			s.moveBy(-3)()
		case tea.MouseWheelDown:
			s.moveBy(3)()
		}
	case tea.KeyPressMsg, tea.PasteMsg:
		if s.line.Active() {
			return s.line.Update(msg)
		}
	}
	return nil
}

// Ingest adds a batch to the buffer, as a batch from the stream does;
// benchmarks feed it directly.
func (s *Screen) Ingest(recs []sources.Record) {
	if len(recs) == 0 {
		return
	}
	now := time.Now()
	start := s.ring.End()
	s.ring.Push(recs)
	s.received += uint64(len(recs))
	s.lastBatch = now
	if s.rateAt.IsZero() {
		s.rateAt, s.rateCount = now, 0
	} else if d := now.Sub(s.rateAt); d >= time.Second {
		s.rate = float64(s.received-s.rateCount) / d.Seconds()
		s.rateAt, s.rateCount = now, s.received
	}
	if s.matcher != nil {
		s.prune()
		for seq := max(start, s.ring.First()); seq < s.ring.End(); seq++ {
			if r, ok := s.ring.Get(seq); ok && s.matcher.Match(r) {
				s.matches = append(s.matches, seq)
			}
		}
	}
	if s.follow {
		s.cursor = s.lastSeq()
	}
	s.clamp()
}

// prune drops evicted seqs from the matches.
func (s *Screen) prune() {
	first := s.ring.First()
	i := sort.Search(len(s.matches), func(i int) bool { return s.matches[i] >= first })
	if i > 0 {
		s.matches = append(s.matches[:0], s.matches[i:]...)
	}
}

// The rows on screen are the buffer, or the matches when filtering.

func (s *Screen) n() int {
	if s.matcher != nil {
		return len(s.matches)
	}
	return s.ring.Len()
}

func (s *Screen) seqAt(i int) uint64 {
	if s.matcher != nil {
		return s.matches[i]
	}
	return s.ring.First() + uint64(i)
}

func (s *Screen) indexOf(seq uint64) int {
	if s.matcher != nil {
		return sort.Search(len(s.matches), func(i int) bool { return s.matches[i] >= seq })
	}
	if seq < s.ring.First() {
		return 0
	}
	return int(seq - s.ring.First())
}

func (s *Screen) lastSeq() uint64 {
	if n := s.n(); n > 0 {
		return s.seqAt(n - 1)
	}
	return 0
}

// clamp keeps the cursor on a row that is there.
func (s *Screen) clamp() {
	n := s.n()
	if n == 0 {
		s.cursor = 0
		return
	}
	i := min(s.indexOf(s.cursor), n-1)
	s.cursor = s.seqAt(i)
}

func (s *Screen) selected() (*sources.Record, bool) {
	if s.n() == 0 {
		return nil, false
	}
	return s.ring.Get(s.cursor)
}

func (s *Screen) moveBy(d int) func() tea.Cmd {
	return func() tea.Cmd {
		n := s.n()
		if n == 0 {
			return nil
		}
		i := max(0, min(s.indexOf(s.cursor)+d, n-1))
		s.cursor = s.seqAt(i)
		s.follow = i == n-1 // moving onto the newest row follows again, as less +F
		return nil
	}
}

func (s *Screen) setFilter(expr string) error {
	m, err := records.NewMatcher(expr)
	if err != nil {
		return err
	}
	s.filter = expr
	if expr == "" {
		s.matcher, s.matches = nil, nil
	} else {
		s.matcher, s.matches = m, s.matches[:0]
		for seq := s.ring.First(); seq < s.ring.End(); seq++ {
			if r, ok := s.ring.Get(seq); ok && m.Match(r) {
				s.matches = append(s.matches, seq)
			}
		}
	}
	if s.follow {
		s.cursor = s.lastSeq()
	}
	s.clamp()
	return nil
}

// Typing reports whether the filter input has the keys.
func (s *Screen) Typing() bool { return s.line.Active() }

// Prompt is the filter being typed, for the footer.
func (s *Screen) Prompt() (string, bool) { return s.line.Prompt(s.host.Styles()) }

// Info is the buffer's state for the breadcrumb line.
func (s *Screen) Info() string {
	info := fmt.Sprintf("%s kept", screen.Count(s.ring.Len()))
	if s.matcher != nil {
		info = fmt.Sprintf("%s of %s kept match  filter: %s", screen.Count(len(s.matches)), screen.Count(s.ring.Len()), safetext.Line(s.filter))
	}
	return info
}

// SetSize keeps the cursor's row on screen.
func (s *Screen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.top = screen.Window(s.top, s.indexOf(s.cursor), s.rowsIn(w, h), s.n())
	if s.follow {
		s.top = max(0, s.n()-s.rowsIn(w, h))
	}
}

// rowsIn is how many records fit under the status lines and the header row.
func (s *Screen) rowsIn(w, h int) int {
	_, note := s.note(w)
	return max(h-2-len(note), 0)
}

// Bindings are the tail's keys.
func (s *Screen) Bindings() []screen.Binding {
	empty := ""
	if s.n() == 0 {
		empty = "no message is selected"
	}
	body := max(s.rowsIn(s.width, s.height), 1)
	seek := ""
	if s.cfg.System == sources.NSQ {
		seek = "NSQ cannot seek: a tail reads what is published from now on"
	}
	bs := []screen.Binding{
		{Keys: []string{"up", "k"}, Label: "↑/k", Help: "up (stops following)", Run: s.moveBy(-1)},
		{Keys: []string{"down", "j"}, Label: "↓/j", Help: "down", Run: s.moveBy(1)},
		{Keys: []string{"pgup", "ctrl+u", "ctrl+b"}, Label: "ctrl+u", Help: "page up", Run: s.moveBy(-body)},
		{Keys: []string{"pgdown", "ctrl+d", "ctrl+f"}, Label: "ctrl+d", Help: "page down", Run: s.moveBy(body)},
		{Keys: []string{"home", "g"}, Label: "g", Help: "oldest kept", Run: func() tea.Cmd {
			if s.n() > 0 {
				s.cursor, s.follow = s.seqAt(0), false
			}
			return nil
		}},
		{Keys: []string{"end", "G"}, Label: "G", Help: "newest, and follow", Run: func() tea.Cmd { s.follow, s.cursor = true, s.lastSeq(); return nil }},
		{Keys: []string{"f"}, Help: "follow on/off", Footer: true, Run: func() tea.Cmd {
			s.follow = !s.follow
			if s.follow {
				s.cursor = s.lastSeq()
			}
			return nil
		}},
		{Keys: []string{"space"}, Help: "pause/resume reading", Footer: true, Run: s.togglePause},
		{Keys: []string{"enter"}, Help: "open message", Footer: true, Disabled: empty, Run: s.openSelected},
		{Keys: []string{"/"}, Help: "filter", Footer: true, Run: func() tea.Cmd { return s.line.Open(s.filter) }},
		{Keys: []string{"y"}, Help: "copy value", Footer: true, Disabled: empty, Run: s.copy(false)},
		{Keys: []string{"Y"}, Help: "copy message as JSON", Disabled: empty, Run: s.copy(true)},
		{Keys: []string{"s"}, Help: "save as JSON lines", Footer: true, Disabled: empty, Run: s.save},
		{Keys: []string{"o"}, Help: "start point (offset, time)", Footer: true, Disabled: seek, Run: s.seek},
		{Keys: []string{"P"}, Help: "produce to " + s.cfg.Topic, Footer: true, Mutating: true, Run: func() tea.Cmd {
			return s.host.OpenProduce(s.cfg.System, s.cfg.Topic)
		}},
	}
	if s.filter != "" {
		bs = append(bs, screen.Binding{Keys: []string{"esc"}, Help: "clear filter", Footer: true, Run: func() tea.Cmd { s.setFilter(""); return nil }})
	}
	return bs
}

func (s *Screen) togglePause() tea.Cmd {
	s.paused = !s.paused
	if s.paused {
		if s.cfg.System == sources.NSQ {
			s.host.Notify("reading paused: space resumes; meanwhile nsqd keeps up to its --mem-queue-size for this tail and drops the rest")
		} else {
			s.host.Notify("reading paused: space resumes where it stopped")
		}
		return nil
	}
	s.host.Notify("reading resumed")
	return s.pull()
}

func (s *Screen) openSelected() tea.Cmd {
	r, ok := s.selected()
	if !ok {
		return nil
	}
	return s.host.Push(message.New(s.host, s.cfg.System, *r))
}

// copy puts the selected value, or the whole message as JSON, on the clipboard.
func (s *Screen) copy(asJSON bool) func() tea.Cmd {
	return func() tea.Cmd {
		r, ok := s.selected()
		if !ok {
			return nil
		}
		return message.Copy(s.host, r, asJSON)
	}
}

// note is the line under the status: what failed, the trouble being ridden
// out, or what the stream reads and how; wrapped to two lines at most, so a
// narrow terminal still says that no consumer group or real channel is used.
func (s *Screen) note(width int) (lipgloss.Style, []string) {
	st := s.host.Styles()
	style, text := st.Muted, safetext.Line(s.describe)
	switch {
	case s.failed:
		style, text = st.Bad, "✖ "+safetext.Line(s.ended)
	case s.problem != "":
		style, text = st.Warn, "▲ "+safetext.Line(s.problem)
	case s.opening:
		text = "opening…"
	}
	lines := strings.Split(ansi.Wrap(text, max(width-2, 10), " "), "\n")
	return style, lines[:min(len(lines), 2)]
}

// View draws the status lines, the header row and the visible records.
func (s *Screen) View(width, height int) string {
	st := s.host.Styles()
	lines := make([]string, 0, height)
	lines = append(lines, screen.Truncate(" "+s.statusLine(), width))
	style, note := s.note(width)
	for _, l := range note {
		lines = append(lines, screen.Truncate(" "+style.Render(l), width))
	}
	body := s.rowsIn(width, height)
	n := s.n()
	top := max(0, min(s.top, n-body))
	var shown []*sources.Record
	for i := top; i < n && i < top+body; i++ {
		if r, ok := s.ring.Get(s.seqAt(i)); ok {
			shown = append(shown, r)
		}
	}
	now := s.host.Now()
	rows := make([][]string, len(shown))
	for i, r := range shown {
		rows[i] = records.Summarize(r, now, previewBytes).Cells()
	}
	const marker = 2 // "▸ " before the selected row
	columns := records.Columns(s.cfg.System)
	widths := fit(s.cfg.System, columns, rows, width-marker)
	titles := make([]string, len(columns))
	for i, c := range columns {
		titles[i] = c.Title
	}
	lines = append(lines, st.TableHeader.Render(views.Cell("  "+views.Line(titles, columns, widths), width, false)))
	if n == 0 {
		lines = append(lines, "  "+st.Muted.Render(s.emptyText()))
		return screen.Fill(lines, height)
	}
	cursor := s.indexOf(s.cursor)
	for i, cells := range rows {
		text := views.Line(cells, columns, widths)
		if top+i == cursor {
			lines = append(lines, st.Selected.Render(views.Cell("▸ "+text, width, false)))
		} else {
			lines = append(lines, st.Text.Render(views.Cell("  "+text, width, false)))
		}
	}
	return screen.Fill(lines, height)
}

func (s *Screen) statusLine() string {
	st := s.host.Styles()
	sys := "KAFKA"
	if s.cfg.System == sources.NSQ {
		sys = "NSQ"
	}
	parts := []string{st.Accent.Render(sys + " " + safetext.Line(s.cfg.Topic))}
	if s.cfg.System == sources.Kafka {
		parts = append(parts, "partitions "+sources.FormatPartitions(s.cfg.Partitions), "from "+s.rng.String())
	}
	parts = append(parts, "read "+screen.Count(s.received))
	if s.rate > 0 {
		parts = append(parts, fmt.Sprintf("%.0f/s", s.rate))
	}
	if ev := s.ring.Evicted() - s.evicted; ev > 0 {
		parts = append(parts, fmt.Sprintf("%s dropped from the buffer (%s, %s max)", screen.Count(ev), screen.Count(s.cfg.MaxCount), records.HumanBytes(s.cfg.MaxBytes)))
	}
	switch {
	case s.paused:
		parts = append(parts, st.Warn.Render("PAUSED"))
	case s.ended != "" && !s.failed:
		parts = append(parts, st.Good.Render(s.ended))
	case s.follow:
		parts = append(parts, st.Good.Render("following"))
	}
	line := ""
	for i, p := range parts {
		if i > 0 {
			line += st.Muted.Render(" · ")
		}
		line += p
	}
	return line
}

func (s *Screen) emptyText() string {
	switch {
	case s.matcher != nil && s.ring.Len() > 0:
		return "no message kept matches the filter"
	case s.failed:
		return "nothing to show"
	case s.rng.OnlyNew():
		return "waiting for messages: only those produced from now on arrive (o sets an earlier start on Kafka)"
	}
	return "waiting for messages…"
}

// save asks for a file name and writes the buffer (the matches, when
// filtering) there as JSON lines, one message each.
func (s *Screen) save() tea.Cmd {
	name := fmt.Sprintf("%s-%s.jsonl", fileSafe(s.cfg.Topic), time.Now().Format("20060102-150405"))
	what := "all " + screen.Count(s.n()) + " kept messages"
	if s.matcher != nil {
		what = "the " + screen.Count(s.n()) + " messages that match the filter"
	}
	return s.host.Open(dialog.NewPrompt(s.host, "Save "+what+" as JSON lines to", "a new file; an existing one is never overwritten · enter saves, esc cancels", name,
		func(path string) (tea.Cmd, error) {
			if path == "" {
				return nil, errors.New("give a file name")
			}
			recs := make([]sources.Record, 0, s.n())
			for i := range s.n() {
				if r, ok := s.ring.Get(s.seqAt(i)); ok {
					recs = append(recs, *r)
				}
			}
			return s.host.Async(s, func(context.Context) tea.Msg {
				abs, n, err := saveJSONL(path, recs)
				return savedMsg{path: abs, n: n, err: err}
			}), nil
		}))
}

// seek asks for a new start point and reopens the stream from there.
func (s *Screen) seek() tea.Cmd {
	return s.host.Open(dialog.NewPrompt(s.host, "Read "+s.cfg.Topic+" from", sources.RangeHelp, s.rng.String(),
		func(text string) (tea.Cmd, error) {
			r, err := sources.ParseRange(text, time.Now())
			if err != nil {
				return nil, err
			}
			s.Stop()
			s.rng = r
			s.ring.Reset()
			s.evicted = s.ring.Evicted()
			s.matches = s.matches[:0]
			s.received, s.rate, s.rateAt = 0, 0, time.Time{}
			s.ended, s.failed, s.problem, s.pulling, s.follow = "", false, "", false, true
			return s.open(), nil
		}))
}
