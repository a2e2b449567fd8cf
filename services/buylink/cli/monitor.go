package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// queueRow is one queue (AWS) or worker (devstack). Nil fields are not known
// for that runtime.
type queueRow struct {
	Worker   string
	Depth    *int64
	InFlight *int64
	Oldest   *time.Duration
	DLQ      *int64
	// Handled and Failed are the devstack workers' counts since start.
	Handled *int64
	Failed  *int64
}

// serviceRow is one running part: an ECS service, a Lambda function, a
// health endpoint or a devstack worker.
type serviceRow struct {
	Kind, Name, Status, Detail string
	// Bad marks a part that needs attention.
	Bad bool
}

// errorLine is one recent error.
type errorLine struct {
	At      time.Time
	Source  string
	Message string
}

// workerMetrics are one worker's event metrics over the window.
type workerMetrics struct {
	Worker, EventType                                    string
	Processed, Retryable, Permanent, Panics, DeadLetters float64
	LatencyP50, LatencyP99                               float64
	HasLatency                                           bool
}

// metricsView is the --metrics section.
type metricsView struct {
	Window  string
	Workers []workerMetrics
	// LLM is per worker: calls, cache hits, failures, tokens, cost.
	LLM                []llmMetrics
	Clicks             float64
	ThumbP50, ThumbP99 float64
	HasThumb           bool
}

type llmMetrics struct {
	Worker                                         string
	Calls, CacheHits, Failures, Prompt, Completion float64
	CostUSD                                        float64
}

// source is where the monitor reads: AWS or a devstack.
type source interface {
	describe() string
	queues(ctx context.Context) ([]queueRow, error)
	services(ctx context.Context) ([]serviceRow, error)
	errors(ctx context.Context, since time.Duration, limit int) ([]errorLine, error)
	metrics(ctx context.Context, since time.Duration) (metricsView, error)
}

type monitorFlags struct {
	queues, services, errors, metrics, watch bool
	interval                                 time.Duration
	frames                                   int
	since                                    time.Duration
	limit                                    int
}

func newMonitorCmd(o *options) *cobra.Command {
	var f monitorFlags
	cmd := &cobra.Command{
		Use:   "monitor",
		Short: "Show queues, services, recent errors and metrics (live until Ctrl-C without a section flag)",
		Long: `monitor shows the pipeline's state.

  --queues    per queue: depth, in flight, age of the oldest message, DLQ depth
              (devstack: per worker in flight, handled, failed, dead letters)
  --services  ECS desired/running, Lambda state, errors and throttles, health endpoints
  --errors    recent error log lines (CloudWatch Logs Insights; devstack: recent dead letters)
  --metrics   throughput, failures by kind, latency, LLM tokens and cost, clicks
              (AWS: over --since; devstack: since it started)

Without a section flag every section is shown and redrawn every --interval
until Ctrl-C (or for --frames frames). With section flags they are shown
once, or redrawn with --watch.`,
		Args: cobraArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.interval < time.Second {
				return usageError{fmt.Errorf("--interval must be at least 1s (got %s)", f.interval)}
			}
			if f.frames < 0 || f.limit < 1 || f.limit > 10000 || f.since < time.Minute {
				return usageError{errors.New("--frames must be >= 0, --limit in 1..10000, --since at least 1m")}
			}
			src, err := o.source(cmd.Context())
			if err != nil {
				return err
			}
			return runMonitor(cmd.Context(), o.stdout, src, f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.queues, "queues", false, "show the queues")
	fl.BoolVar(&f.services, "services", false, "show the services")
	fl.BoolVar(&f.errors, "errors", false, "show recent errors")
	fl.BoolVar(&f.metrics, "metrics", false, "show throughput, latency and failures")
	fl.BoolVar(&f.watch, "watch", false, "redraw the chosen sections every --interval")
	fl.DurationVar(&f.interval, "interval", 5*time.Second, "time between redraws")
	fl.IntVar(&f.frames, "frames", 0, "stop after this many redraws (0: until Ctrl-C)")
	fl.DurationVar(&f.since, "since", time.Hour, "window of --errors and --metrics on AWS")
	fl.IntVar(&f.limit, "limit", 20, "error lines to show")
	return cmd
}

// source picks the monitor's source from the target flags.
func (o *options) source(ctx context.Context) (source, error) {
	if o.isLocal() {
		d, err := o.devstack()
		if err != nil {
			return nil, err
		}
		return &localSource{d: d}, nil
	}
	if o.stackFile == "" && len(o.queueURLs) == 0 && o.cluster == "" && len(o.functions) == 0 && len(o.logGroups) == 0 && o.apiURL == "" {
		return nil, errNoTarget
	}
	c, err := o.aws(ctx)
	if err != nil {
		return nil, err
	}
	return &awsSource{c: c, o: o, dlqs: map[string]string{}}, nil
}

type section struct {
	title string
	draw  func(ctx context.Context, w io.Writer) error
	// every, when set, redraws the live view's section at most that often
	// (a Logs Insights query is billed by the data it scans).
	every time.Duration
	last  time.Time
	shown []byte
}

// errorsEvery is how often the live view queries the recent errors again.
const errorsEvery = time.Minute

// runMonitor draws the sections once, or repeatedly when live.
func runMonitor(ctx context.Context, out io.Writer, src source, f monitorFlags) error {
	all := !f.queues && !f.services && !f.errors && !f.metrics
	live := all || f.watch
	var secs []section
	if all || f.queues {
		secs = append(secs, section{title: "QUEUES", draw: func(ctx context.Context, w io.Writer) error {
			rows, err := src.queues(ctx)
			if err == nil {
				drawQueues(w, rows)
			}
			return err
		}})
	}
	if all || f.services {
		secs = append(secs, section{title: "SERVICES", draw: func(ctx context.Context, w io.Writer) error {
			rows, err := src.services(ctx)
			if err == nil {
				drawServices(w, rows)
			}
			return err
		}})
	}
	if all || f.errors {
		secs = append(secs, section{title: "RECENT ERRORS", every: errorsEvery, draw: func(ctx context.Context, w io.Writer) error {
			lines, err := src.errors(ctx, f.since, f.limit)
			if err == nil {
				drawErrors(w, lines)
				fmt.Fprintf(w, "  (as of %s)\n", time.Now().Format("15:04:05"))
			}
			return err
		}})
	}
	if all || f.metrics {
		secs = append(secs, section{title: "METRICS", draw: func(ctx context.Context, w io.Writer) error {
			v, err := src.metrics(ctx, f.since)
			if err == nil {
				drawMetrics(w, v)
			}
			return err
		}})
	}
	for frame := 1; ; frame++ {
		var buf bytes.Buffer
		var errs []error
		for i := range secs {
			s := &secs[i]
			fmt.Fprintf(&buf, "%s\n", s.title)
			if s.shown != nil && time.Since(s.last) < s.every {
				buf.Write(s.shown)
				buf.WriteString("\n")
				continue
			}
			var sb bytes.Buffer
			if err := s.draw(ctx, &sb); err != nil {
				if ctx.Err() != nil {
					return nil // Ctrl-C while drawing
				}
				errs = append(errs, fmt.Errorf("%s: %w", strings.ToLower(s.title), err))
				fmt.Fprintf(&sb, "  unavailable: %s\n", oneLine(err))
			} else if s.every > 0 {
				s.shown, s.last = sb.Bytes(), time.Now()
			}
			buf.Write(sb.Bytes())
			buf.WriteString("\n")
		}
		if live {
			fmt.Fprint(out, "\x1b[H\x1b[2J")
			fmt.Fprintf(out, "buylink monitor  %s  %s  (every %s, Ctrl-C to stop)\n\n", src.describe(), time.Now().Format("15:04:05"), f.interval)
		}
		_, _ = out.Write(buf.Bytes())
		if !live {
			return errors.Join(errs...)
		}
		if frame == 1 && len(errs) == len(secs) {
			return fmt.Errorf("nothing could be read from %s: %w", src.describe(), errs[0])
		}
		if f.frames > 0 && frame >= f.frames {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(f.interval):
		}
	}
}

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

func num(p *int64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

func age(p *time.Duration) string {
	if p == nil {
		return "-"
	}
	return p.Round(time.Second).String()
}

func drawQueues(w io.Writer, rows []queueRow) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "  no queues")
		return
	}
	local := rows[0].Handled != nil
	tw := table(w)
	if local {
		fmt.Fprintln(tw, "  WORKER\tIN FLIGHT\tHANDLED\tFAILED\tDEAD LETTERS")
	} else {
		fmt.Fprintln(tw, "  QUEUE\tDEPTH\tIN FLIGHT\tOLDEST\tDLQ")
	}
	for _, r := range rows {
		if local {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", r.Worker, num(r.InFlight), num(r.Handled), num(r.Failed), num(r.DLQ))
		} else {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", r.Worker, num(r.Depth), num(r.InFlight), age(r.Oldest), num(r.DLQ))
		}
	}
	_ = tw.Flush()
}

func drawServices(w io.Writer, rows []serviceRow) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "  no services")
		return
	}
	tw := table(w)
	fmt.Fprintln(tw, "  KIND\tNAME\tSTATUS\tDETAIL")
	for _, r := range rows {
		mark := ""
		if r.Bad {
			mark = " !"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s%s\t%s\n", r.Kind, r.Name, r.Status, mark, r.Detail)
	}
	_ = tw.Flush()
}

func drawErrors(w io.Writer, lines []errorLine) {
	if len(lines) == 0 {
		fmt.Fprintln(w, "  none")
		return
	}
	for _, l := range lines {
		msg := l.Message
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		fmt.Fprintf(w, "  %s  %s  %s\n", l.At.UTC().Format("2006-01-02 15:04:05"), l.Source, msg)
	}
}

func drawMetrics(w io.Writer, v metricsView) {
	fmt.Fprintf(w, "  %s\n", v.Window)
	if len(v.Workers) == 0 {
		fmt.Fprintln(w, "  no events handled yet")
	}
	tw := table(w)
	if len(v.Workers) > 0 {
		fmt.Fprintln(tw, "  WORKER\tEVENT\tPROCESSED\tRETRYABLE\tPERMANENT\tPANICS\tDEAD LETTERS\tP50 MS\tP99 MS")
	}
	for _, m := range v.Workers {
		p50, p99 := "-", "-"
		if m.HasLatency {
			p50, p99 = fmt.Sprintf("%.0f", m.LatencyP50), fmt.Sprintf("%.0f", m.LatencyP99)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Worker, m.EventType, count(m.Processed), count(m.Retryable),
			count(m.Permanent), count(m.Panics), count(m.DeadLetters), p50, p99)
	}
	_ = tw.Flush()
	if len(v.LLM) > 0 {
		tw = table(w)
		fmt.Fprintln(tw, "  LLM\tCALLS\tCACHE HITS\tFAILURES\tPROMPT TOKENS\tCOMPLETION TOKENS\tCOST USD")
		for _, l := range v.LLM {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%.4f\n", l.Worker, count(l.Calls), count(l.CacheHits), count(l.Failures),
				count(l.Prompt), count(l.Completion), l.CostUSD)
		}
		_ = tw.Flush()
	}
	thumbs := "-"
	if v.HasThumb {
		thumbs = fmt.Sprintf("p50 %.0f ms, p99 %.0f ms", v.ThumbP50, v.ThumbP99)
	}
	fmt.Fprintf(w, "  clicks %s   thumbnail time %s\n", count(v.Clicks), thumbs)
}

func count(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// sortWorkers orders worker rows by worker then event type.
func sortWorkers(ws []workerMetrics) {
	sort.Slice(ws, func(i, j int) bool {
		if ws[i].Worker != ws[j].Worker {
			return ws[i].Worker < ws[j].Worker
		}
		return ws[i].EventType < ws[j].EventType
	})
}
