package metrics

import "time"

// Snapshot is a registry's totals since the process started, the JSON the
// devstack serves at GET /admin/metrics.
type Snapshot struct {
	Service string `json:"service"`
	// Since is when the registry was created (the process started).
	Since     time.Time      `json:"since"`
	At        time.Time      `json:"at"`
	Counters  []CounterValue `json:"counters"`
	Summaries []SummaryValue `json:"summaries"`
}

// CounterValue is one counter's total.
type CounterValue struct {
	Name  string            `json:"name"`
	Unit  Unit              `json:"unit"`
	Dims  map[string]string `json:"dims,omitempty"`
	Value float64           `json:"value"`
}

// SummaryValue is one summary's statistics: count, sum, min and max since
// the start, percentiles (nearest rank) over the latest 1024 observations.
type SummaryValue struct {
	Name  string            `json:"name"`
	Unit  Unit              `json:"unit"`
	Dims  map[string]string `json:"dims,omitempty"`
	Count int64             `json:"count"`
	Sum   float64           `json:"sum"`
	Min   float64           `json:"min"`
	Max   float64           `json:"max"`
	P50   float64           `json:"p50"`
	P90   float64           `json:"p90"`
	P99   float64           `json:"p99"`
}

// Snapshot returns the current totals, in name and dimension order.
func (r *Registry) Snapshot() Snapshot {
	s := Snapshot{Service: r.Service(), Since: r.started.UTC(), At: time.Now().UTC(), Counters: []CounterValue{}, Summaries: []SummaryValue{}}
	r.each(func(c *Counter) {
		s.Counters = append(s.Counters, CounterValue{Name: c.name, Unit: c.unit, Dims: c.dimMap(), Value: c.Value()})
	}, func(f *counterFunc) {
		s.Counters = append(s.Counters, CounterValue{Name: f.name, Unit: f.unit, Dims: f.dimMap(), Value: f.read()})
	}, func(sm *Summary) {
		s.Summaries = append(s.Summaries, sm.snapshot())
	})
	return s
}

// Total adds up the counters of that name whose dimensions include every
// pair of match (nil matches all).
func (s Snapshot) Total(name string, match map[string]string) float64 {
	var t float64
	for _, c := range s.Counters {
		if c.Name == name && dimsMatch(c.Dims, match) {
			t += c.Value
		}
	}
	return t
}

// Find returns the summaries of that name whose dimensions include
// every pair of match.
func (s Snapshot) Find(name string, match map[string]string) []SummaryValue {
	var out []SummaryValue
	for _, v := range s.Summaries {
		if v.Name == name && dimsMatch(v.Dims, match) {
			out = append(out, v)
		}
	}
	return out
}

func dimsMatch(dims, match map[string]string) bool {
	for k, v := range match {
		if dims[k] != v {
			return false
		}
	}
	return true
}
