package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"
)

// FlushInterval is how often Setup's EMF output is written (CloudWatch's
// standard resolution).
const FlushInterval = time.Minute

// maxEMFMetrics is EMF's limit of metrics in one directive.
const maxEMFMetrics = 100

// emfOut is where EMF lines go.
type emfOut struct{ w io.Writer }

// StartEMF turns EMF output on: lines go to w every interval (none when
// interval <= 0: the caller flushes), whenever a summary holds 100 values,
// and on Flush. The returned stop writes what is left, turns the output off
// and waits for the background writer; it may be called more than once.
func (r *Registry) StartEMF(w io.Writer, interval time.Duration) (stop func()) {
	r.out.Store(&emfOut{w: w})
	done := make(chan struct{})
	var wg sync.WaitGroup
	if interval > 0 {
		wg.Go(func() {
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					r.flushOrReport()
				case <-done:
					return
				}
			}
		})
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
			r.flushOrReport()
			r.out.Store(nil)
		})
	}
}

// flushOrReport flushes; an unwritable stdout has nowhere better to be
// reported than stderr.
func (r *Registry) flushOrReport() {
	if err := r.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "metrics:", err)
	}
}

// Flush writes, when EMF output is on, every counter's increase since the
// last write (counters that did not move are left out) and every summary's
// unwritten values. Without EMF output it does nothing.
func (r *Registry) Flush() error {
	out := r.out.Load()
	if out == nil {
		return nil
	}
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	groups := map[string]*emfGroup{}
	add := func(s series, value any) {
		k := s.dimKey()
		g, ok := groups[k]
		if !ok {
			g = &emfGroup{dims: s.dims}
			groups[k] = g
		}
		g.metrics = append(g.metrics, emfMetric{s.name, s.unit, value})
	}
	r.each(func(c *Counter) {
		v := c.Value()
		if d := v - c.emitted; d != 0 {
			add(c.series, d)
			c.emitted = v
		}
	}, func(f *counterFunc) {
		v := f.read()
		if d := v - f.emitted; d != 0 {
			add(f.series, d)
			f.emitted = v
		}
	}, func(s *Summary) {
		if vals := s.takePending(); len(vals) > 0 {
			add(s.series, vals)
		}
	})
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	now := time.Now()
	var errs []error
	for _, k := range keys {
		errs = append(errs, r.writeGroup(out, now, groups[k]))
	}
	return errors.Join(errs...)
}

// writeValues writes one summary's full batch of values at once.
func (r *Registry) writeValues(s *Summary, vals []float64) {
	out := r.out.Load()
	if out == nil {
		return
	}
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	if err := r.writeGroup(out, time.Now(), &emfGroup{dims: s.dims, metrics: []emfMetric{{s.name, s.unit, vals}}}); err != nil {
		fmt.Fprintln(os.Stderr, "metrics:", err)
	}
}

type emfGroup struct {
	dims    []Dim
	metrics []emfMetric
}

type emfMetric struct {
	name  string
	unit  Unit
	value any // float64 or []float64
}

// emfDirective is the _aws member of an EMF line.
type emfDirective struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfNamespace `json:"CloudWatchMetrics"`
}

type emfNamespace struct {
	Namespace  string          `json:"Namespace"`
	Dimensions [][]string      `json:"Dimensions"`
	Metrics    []emfDefinition `json:"Metrics"`
}

type emfDefinition struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit"`
}

// writeGroup writes a group's metrics as lines of at most 100 metrics, each a
// JSON object with the _aws directive, the dimension values and the metric
// values as members.
func (r *Registry) writeGroup(out *emfOut, now time.Time, g *emfGroup) error {
	dimNames := []string{DimService}
	for _, d := range g.dims {
		dimNames = append(dimNames, d.Name)
	}
	service := r.Service()
	for start := 0; start < len(g.metrics); start += maxEMFMetrics {
		chunk := g.metrics[start:min(start+maxEMFMetrics, len(g.metrics))]
		line := map[string]any{DimService: service}
		for _, d := range g.dims {
			line[d.Name] = d.Value
		}
		ns := emfNamespace{Namespace: Namespace, Dimensions: [][]string{dimNames}}
		for _, m := range chunk {
			ns.Metrics = append(ns.Metrics, emfDefinition{Name: m.name, Unit: m.unit})
			line[m.name] = m.value
		}
		line["_aws"] = emfDirective{Timestamp: now.UnixMilli(), CloudWatchMetrics: []emfNamespace{ns}}
		b, err := json.Marshal(line)
		if err != nil {
			return fmt.Errorf("encode EMF line: %w", err)
		}
		if _, err := out.w.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("write EMF line: %w", err)
		}
	}
	return nil
}

// Setup names the Default registry's service and, when EMF output is wanted
// (see EMFWanted), starts writing it to stdout every FlushInterval. The
// returned stop writes the last lines; call it at shutdown.
func Setup(service string) (stop func(), err error) {
	Default().SetService(service)
	on, err := EMFWanted(os.Getenv)
	if err != nil || !on {
		return func() {}, err
	}
	return Default().StartEMF(os.Stdout, FlushInterval), nil
}

// EMFWanted reads METRICS_FORMAT: "emf" turns EMF output on, "off" turns it
// off, and "" (the default) turns it on where CloudWatch Logs collects
// stdout: on Lambda (AWS_LAMBDA_FUNCTION_NAME is set) and on ECS
// (ECS_CONTAINER_METADATA_URI_V4 is set).
func EMFWanted(getenv func(string) string) (bool, error) {
	switch f := getenv("METRICS_FORMAT"); f {
	case "emf":
		return true, nil
	case "off":
		return false, nil
	case "":
		return getenv("AWS_LAMBDA_FUNCTION_NAME") != "" || getenv("ECS_CONTAINER_METADATA_URI_V4") != "", nil
	default:
		return false, fmt.Errorf("METRICS_FORMAT must be emf, off or empty (emf on Lambda and ECS), not %q", f)
	}
}
