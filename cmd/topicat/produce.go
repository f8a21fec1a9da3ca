package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/safetext"
)

// produceOptions are the produce command's flags.
type produceOptions struct {
	key, keySep          string
	headers              []string
	partition            int32
	codec, acks          string
	deferFor             time.Duration
	whole, quiet, create bool
	keySet, partitionSet bool
}

// newProduceCmd is `topicat produce [kafka|nsq] TOPIC`: one message per line
// of standard input, as kcat -P, with each delivery printed.
func newProduceCmd(d *deps) *cobra.Command {
	var o produceOptions
	cmd := &cobra.Command{
		Use:   "produce [kafka|nsq] TOPIC",
		Short: "Send standard input to a topic, one message per line",
		Long: `Send standard input to a topic: one message per line (empty lines are skipped), or the whole
input as one message with --whole. Each delivery is printed as "partition 2 @ offset 90" (Kafka)
or "OK from nsqd HOST:PORT" (NSQ); -q prints nothing. A failed line is named on stderr and the
exit status is 1. Refused before anything is read under --read-only.

Kafka: -k sets the key of every message, -K SEP splits each line into key and value at the
first SEP (as kcat -K), -H k=v adds headers (repeatable), -p a partition, -z a codec, --acks.
NSQ: --defer holds each message that long before delivery; a topic no nsqd has is refused unless
--create says to make it (nsqd creates a topic on its first message).`,
		Example: `  echo '{"id":1}' | topicat produce orders -b localhost:9092
  topicat produce orders -b k:9092 -K: -H source=backfill < keyed-lines.txt
  topicat produce orders -b k:9092 --whole -z zstd < big.json
  seq 100 | topicat produce nsq events --lookupd http://localhost:4161`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageErr("produce needs a topic: produce [kafka|nsq] TOPIC (see topicat produce --help)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := d.settings(cmd)
			if err != nil {
				return err
			}
			sys, topic, err := pickSystem("produce", args, s)
			if err != nil {
				return err
			}
			o.keySet, o.partitionSet = cmd.Flags().Changed("key"), cmd.Flags().Changed("partition")
			base, err := o.request(sys, topic)
			if err != nil {
				return err
			}
			if s.ReadOnly { // before a byte of input is read
				return errors.New(sources.ErrReadOnly.Error())
			}
			return runProduce(cmd.Context(), s, sys, base, o, d.stdin, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.ValidArgsFunction = d.completeTopicArg // completion.go
	f := cmd.Flags()
	f.StringVarP(&o.key, "key", "k", "", "key of every message (Kafka)")
	f.StringVarP(&o.keySep, "key-delimiter", "K", "", "split each line into key and value at the first SEP (Kafka)")
	f.StringArrayVarP(&o.headers, "header", "H", nil, "header k=v, repeatable (Kafka)")
	f.Int32VarP(&o.partition, "partition", "p", sources.AnyPartition, "partition (Kafka; default: by key, else spread)")
	f.StringVarP(&o.codec, "compression", "z", "none", "compression: none, gzip, snappy, lz4, zstd (Kafka)")
	f.StringVar(&o.acks, "acks", "all", "acknowledgements: all, leader, none (Kafka)")
	f.DurationVar(&o.deferFor, "defer", 0, "hold each message this long before delivery (NSQ)")
	f.BoolVar(&o.create, "create", false, "publish to a topic no nsqd has yet, which creates it (NSQ; otherwise refused)")
	f.BoolVar(&o.whole, "whole", false, "send the whole input as one message")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing on success")
	_ = cmd.RegisterFlagCompletionFunc("compression", cobra.FixedCompletions([]cobra.Completion{"none", "gzip", "snappy", "lz4", "zstd"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("acks", cobra.FixedCompletions([]cobra.Completion{"all", "leader", "none"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// request checks the flags against the system and returns the request every
// chunk of input is sent with, messages aside.
func (o *produceOptions) request(sys sources.System, topic string) (sources.Produce, error) {
	p := sources.Produce{Topic: topic}
	if sys == sources.NSQ {
		for flag, set := range map[string]bool{"-k": o.keySet, "-K": o.keySep != "", "-H": len(o.headers) > 0, "-p": o.partitionSet,
			"-z": o.codec != "none", "--acks": o.acks != "all"} {
			if set {
				return p, usageErr("%s is for Kafka: NSQ messages have no key, headers, partition, compression or acks", flag)
			}
		}
		if o.deferFor < 0 {
			return p, usageErr("--defer %s: want a positive duration", o.deferFor)
		}
		p.Defer, p.CreateTopic = o.deferFor, o.create
		return p, nil
	}
	if o.deferFor != 0 {
		return p, usageErr("--defer is for NSQ: Kafka has no delayed delivery")
	}
	if o.create {
		return p, usageErr("--create is for NSQ: topicat does not create Kafka topics on produce")
	}
	if o.keySet && o.keySep != "" {
		return p, usageErr("-k and -K both set the key: give one")
	}
	if o.partition < 0 && o.partition != sources.AnyPartition {
		return p, usageErr("-p %d: want a partition number", o.partition)
	}
	var err error
	if p.Compression, err = sources.ParseCodec(o.codec); err != nil {
		return p, usageErr("-z: %v", err)
	}
	if p.Acks, err = sources.ParseAcks(o.acks); err != nil {
		return p, usageErr("--acks: %v", err)
	}
	return p, nil
}

// headers parses -H k=v.
func (o *produceOptions) parsedHeaders() ([]sources.Header, error) {
	var hs []sources.Header
	for _, h := range o.headers {
		k, v, ok := strings.Cut(h, "=")
		if !ok || k == "" {
			return nil, usageErr("-H %q: want key=value", h)
		}
		hs = append(hs, sources.Header{Key: k, Value: []byte(v)})
	}
	return hs, nil
}

// Input is sent in chunks, one request each: a chunk goes when it is full or
// when the input has paused, so that a pipe that writes now and then (tail -f
// app.log | topicat produce) sends each line as it comes, and a fast one
// still sends a thousand messages a round trip.
const (
	chunkMessages = 1000
	chunkBytes    = 4 << 20
	inputIdle     = 50 * time.Millisecond
)

// inputLine is one message read from standard input, with its line number.
type inputLine struct {
	n    int
	data []byte
}

// readInput sends the messages of the input, one per line (empty lines
// skipped) or the whole input as one, and then the read error, io.EOF at
// the end. It runs in a goroutine of its own: a read blocked on a terminal
// must not keep ctrl+c from ending the command.
func readInput(in io.Reader, whole bool, lines chan<- inputLine, done chan<- error) {
	defer close(lines)
	r := bufio.NewReaderSize(in, 1<<20)
	if whole {
		data, err := io.ReadAll(r)
		if err != nil {
			done <- err
			return
		}
		if len(data) > 0 {
			lines <- inputLine{1, data}
		}
		done <- io.EOF
		return
	}
	for n := 1; ; n++ {
		data, err := r.ReadBytes('\n')
		data = bytes.TrimSuffix(bytes.TrimSuffix(data, []byte("\n")), []byte("\r"))
		if len(data) > 0 {
			lines <- inputLine{n, data}
		}
		if err != nil {
			done <- err
			return
		}
	}
}

// runProduce reads the input, sends it chunk by chunk and prints where each
// message went; lines that failed are named and make the exit status 1.
func runProduce(ctx context.Context, s settings, sys sources.System, base sources.Produce, o produceOptions, in io.Reader, stdout, stderr io.Writer) error {
	headers, err := o.parsedHeaders()
	if err != nil {
		return err
	}
	b, err := buildSource(s, sys)
	if err != nil {
		return err
	}
	defer b.close()
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	var (
		chunk  []sources.Message
		nums   []int // the input line of each message in chunk
		size   int
		sent   int
		failed []int
	)
	send := func() error {
		if len(chunk) == 0 {
			return nil
		}
		req := base
		req.Messages = chunk
		res := b.src.Do(ctx, sources.Request{ID: uint64(nums[0]), Body: req})
		if res.Err != "" {
			return fmt.Errorf("%s not sent (%d sent before them): %s", lineRange(nums), sent, safetext.Line(res.Err))
		}
		for i, t := range res.Targets {
			n := nums[min(i, len(nums)-1)]
			if t.Err != "" {
				failed = append(failed, n)
				fmt.Fprintf(stderr, "topicat: line %d: %s\n", n, safetext.Line(t.Err))
				continue
			}
			sent++
			if !o.quiet {
				fmt.Fprintln(out, t.Detail)
			}
		}
		chunk, nums, size = chunk[:0], nums[:0], 0
		return out.Flush()
	}
	add := func(l inputLine) {
		m := sources.Message{Value: l.data, Headers: headers, Partition: o.partition}
		if o.keySet {
			m.Key = []byte(o.key)
		}
		if o.keySep != "" {
			if k, v, ok := bytes.Cut(l.data, []byte(o.keySep)); ok {
				m.Key, m.Value = k, v
			}
		}
		chunk = append(chunk, m)
		nums = append(nums, l.n)
		size += len(l.data)
	}

	lines, done := make(chan inputLine, chunkMessages), make(chan error, 1)
	go readInput(in, o.whole, lines, done)
	idle := time.NewTimer(inputIdle)
	defer idle.Stop()
	for open := true; open; {
		select {
		case l, ok := <-lines:
			if !ok {
				open = false
				break
			}
			add(l)
			if len(chunk) >= chunkMessages || size >= chunkBytes {
				if err := send(); err != nil {
					return err
				}
			}
			idle.Reset(inputIdle)
		case <-idle.C:
			if err := send(); err != nil {
				return err
			}
		case <-ctx.Done():
			if len(chunk) > 0 {
				return fmt.Errorf("interrupted: %s read and not sent (%d sent)", lineRange(nums), sent)
			}
			return fmt.Errorf("interrupted (%d sent)", sent)
		}
	}
	if err := send(); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, io.EOF) {
		return fmt.Errorf("read standard input: %w (%d sent)", err, sent)
	}
	switch {
	case len(failed) > 0:
		return fmt.Errorf("%d of %d messages failed (%s, said above)", len(failed), len(failed)+sent, lineList(failed))
	case sent == 0 && o.whole:
		return errors.New("nothing to send: standard input was empty")
	case sent == 0:
		return errors.New("nothing to send: standard input had no message (empty lines are skipped)")
	}
	return nil
}

// lineRange names the lines of a chunk: "line 3", "lines 2001-3000".
func lineRange(nums []int) string {
	if len(nums) == 1 {
		return fmt.Sprintf("line %d", nums[0])
	}
	return fmt.Sprintf("lines %d-%d", nums[0], nums[len(nums)-1])
}

// lineList writes line numbers, at most ten of them: "line 3", "lines 3, 7".
func lineList(ns []int) string {
	if len(ns) == 1 {
		return fmt.Sprintf("line %d", ns[0])
	}
	var parts []string
	for i, n := range ns {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("and %d more", len(ns)-10))
			break
		}
		parts = append(parts, fmt.Sprint(n))
	}
	return "lines " + strings.Join(parts, ", ")
}
