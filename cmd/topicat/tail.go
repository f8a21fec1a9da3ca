package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/records"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/tail"
)

// newTailCmd is `topicat tail [kafka|nsq] TOPIC`: the tail screen's twin for
// pipes, reading with no consumer group.
func newTailCmd(d *deps) *cobra.Command {
	var (
		from, partitions, output, format string
		count                            int64
	)
	cmd := &cobra.Command{
		Use:   "tail [kafka|nsq] TOPIC",
		Short: "Print a topic's messages as they arrive, or from a point in the past",
		Long: `Print a topic's messages, one per line, as the tail screen shows them. Kafka partitions are read
directly, with no consumer group and no commits; NSQ is read through an #ephemeral channel of
topicat's own, so no real channel loses a message. Nothing about the cluster changes.

--from takes START or START:END (END exclusive; a range stops by itself):
  oldest | newest | N (an offset) | +N (N after the start) | -N (N before the end)
  @TIME: RFC 3339, a date (UTC), Unix seconds or ms, or a duration ago (@-10m)
  e.g. -10 (the default, as tail(1)), oldest:newest, @-1h:-30m, oldest:+100
kcat's words work too (beginning, end, s@MS, e@MS). NSQ cannot seek: it reads from newest.

-o text (default) prints the screen's fields; written to a terminal it is made safe exactly as
the screen is, piped it is left as it is. -o jsonl is one JSON object per message, lossless
(base64 for bytes that are not UTF-8, and said so), -o json one array. -f takes kcat's format
verbs: ` + records.FormatHelp,
		Example: `  topicat tail orders -b localhost:9092                       # the last 10 of each partition, then new ones
  topicat tail orders -b k:9092 --from oldest -n 1000 -o jsonl > orders.jsonl
  topicat tail orders -b k:9092 --from @-1h:-30m -p 0,3-5
  topicat tail orders -b k:9092 -f '%p@%o %k=%s\n'
  topicat tail nsq events --lookupd http://localhost:4161`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageErr("tail needs a topic: tail [kafka|nsq] TOPIC (see topicat tail --help)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := d.settings(cmd)
			if err != nil {
				return err
			}
			sys, topic, err := pickSystem("tail", args, s)
			if err != nil {
				return err
			}
			spec := sources.TailSpec{Topic: topic, Now: time.Now()}
			start := from
			if start == "" {
				start = tail.DefaultStart
				if sys == sources.NSQ {
					start = "newest"
				}
			}
			if spec.Range, err = sources.ParseRange(start, spec.Now); err != nil {
				return usageErr("--from: %v", err)
			}
			if spec.Partitions, err = sources.ParsePartitions(partitions); err != nil {
				return usageErr("-p: %v", err)
			}
			if sys == sources.NSQ && (!spec.Range.OnlyNew() || spec.Partitions != nil) {
				return usageErr("NSQ cannot seek and has no partitions: a tail reads what is published from now on (drop --from and -p)")
			}
			if count < 0 {
				return usageErr("-n %d: want a count of messages, 0 for no limit", count)
			}
			out, err := newRecordWriter(cmd.OutOrStdout(), output, format, cmd.Flags().Changed("output"))
			if err != nil {
				return err
			}
			return runTail(cmd.Context(), s, sys, spec, count, out, cmd.ErrOrStderr())
		},
	}
	cmd.ValidArgsFunction = d.completeTopicArg // completion.go
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "where to start, and where to stop: START[:END] (see above; default -10 on Kafka, newest on NSQ)")
	f.StringVar(&from, "offset", "", "alias of --from, for kcat hands")
	f.StringVarP(&partitions, "partitions", "p", "", "Kafka partitions to read: 0,3-5 (default all)")
	f.Int64VarP(&count, "count", "n", 0, "stop after this many messages (0: no limit)")
	f.StringVarP(&output, "output", "o", "text", "output `format`: text, json or jsonl")
	f.StringVarP(&format, "format", "f", "", "kcat-style format string, e.g. '%t %p@%o %k %s\\n'")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]cobra.Completion{"text", "json", "jsonl"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("from", cobra.FixedCompletions([]cobra.Completion{"oldest", "newest", "-10", "@-10m", "oldest:newest"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// pickSystem reads "[kafka|nsq] TOPIC" as the : commands do.
func pickSystem(verb string, args []string, s settings) (sources.System, string, error) {
	sys, rest, err := sources.PickSystem(args, func(sys sources.System) bool { return configuredFor(s, sys) }, "")
	switch {
	case errors.Is(err, sources.ErrNoSystem):
		return "", "", usageErr("no cluster given: use --brokers (Kafka), --lookupd or --nsqd (NSQ), or --context")
	case err != nil && len(args) > 0 && (args[0] == string(sources.Kafka) || args[0] == string(sources.NSQ)):
		return "", "", usageErr("%v: give %s", err, map[string]string{"kafka": "--brokers host:9092", "nsq": "--lookupd http://host:4161 or --nsqd host:4151"}[args[0]])
	case err != nil:
		return "", "", usageErr("%v: say \"%s kafka %s\" or \"%s nsq %s\"", err, verb, args[len(args)-1], verb, args[len(args)-1])
	case len(rest) != 1:
		return "", "", usageErr("%s needs one topic: %s [kafka|nsq] TOPIC (see topicat %s --help)", verb, verb, verb)
	case rest[0] == "":
		return "", "", usageErr("%s needs a topic name", verb)
	}
	return sys, rest[0], nil
}

// batchSize is how many records one read hands over.
const batchSize = 10_000

// runTail streams records to out until the range ends, COUNT were written, or
// ctx ends (ctrl+c); a fatal stream error is exit 1.
func runTail(ctx context.Context, s settings, sys sources.System, spec sources.TailSpec, count int64, out *recordWriter, stderr io.Writer) error {
	b, err := buildSource(s, sys)
	if err != nil {
		return err
	}
	defer b.close()
	st, err := b.src.Tail(ctx, spec)
	if err != nil {
		return fmt.Errorf("tail %s: %w", safetext.Line(spec.Topic), err)
	}
	defer st.Close()
	if err := out.begin(); err != nil {
		return err
	}
	var written int64
	problem := ""
	for count == 0 || written < count {
		max := batchSize
		if count > 0 {
			max = int(min(int64(batchSize), count-written))
		}
		recs, err := st.Next(ctx, max)
		for i := range recs {
			if err := out.write(&recs[i]); err != nil {
				return err
			}
		}
		written += int64(len(recs))
		if ferr := out.flush(); ferr != nil {
			return ferr
		}
		if p := st.Problem(); p != problem { // say each new trouble once, on stderr
			problem = p
			if p != "" {
				fmt.Fprintf(stderr, "topicat: %s\n", safetext.Line(p))
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF), ctx.Err() != nil:
			return out.end()
		default:
			out.end()
			return fmt.Errorf("tail %s: %w", safetext.Line(spec.Topic), err)
		}
	}
	return out.end()
}

// recordWriter prints records as -o and -f ask, buffered, flushed per batch.
type recordWriter struct {
	w        *bufio.Writer
	output   string
	format   *records.Format
	sanitize bool // stdout is a terminal: print exactly what a screen would
	n        int
	line     []byte
}

func newRecordWriter(w io.Writer, output, format string, outputSet bool) (*recordWriter, error) {
	rw := &recordWriter{w: bufio.NewWriterSize(w, 1<<20), output: output}
	rw.sanitize = isTerminal(w)
	switch output {
	case "text", "json", "jsonl":
	default:
		if _, err := sources.ParseRange(output, time.Now()); err == nil {
			return nil, usageErr("-o %q: -o is the output format here (text, json or jsonl); the start point is --from (kcat's -o)", output)
		}
		return nil, usageErr("-o %q: want text, json or jsonl", output)
	}
	if format != "" {
		if outputSet && output != "text" {
			return nil, usageErr("-f formats text; it does not go with -o %s", output)
		}
		f, err := records.ParseFormat(format)
		if err != nil {
			return nil, usageErr("-f: %v", err)
		}
		rw.format = f
	}
	return rw, nil
}

func (rw *recordWriter) begin() error {
	if rw.output == "json" {
		_, err := rw.w.WriteString("[")
		return err
	}
	return nil
}

func (rw *recordWriter) write(r *sources.Record) error {
	b := rw.line[:0]
	switch {
	case rw.format != nil:
		b = rw.format.Append(b, r, rw.sanitize)
	case rw.output == "text":
		b = records.TextLine(b, r, rw.sanitize)
	case rw.output == "jsonl":
		b = append(records.AppendJSON(b, r), '\n')
	case rw.output == "json":
		if rw.n > 0 {
			b = append(b, ',')
		}
		b = records.AppendJSON(append(b, "\n  "...), r)
	}
	rw.line = b
	rw.n++
	if _, err := rw.w.Write(b); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

func (rw *recordWriter) flush() error {
	if err := rw.w.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

func (rw *recordWriter) end() error {
	if rw.output == "json" {
		if _, err := rw.w.WriteString("\n]\n"); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return rw.flush()
}
