// Package apifytest is a fake Apify API for tests. It speaks the wire format
// of the endpoints buylink uses (status codes, error bodies, pagination
// headers, run objects) and serves scraper items in the shape the real
// scrapers produce (the samples Fixture returns, written for buylink). It
// decodes the actor input by itself, so a client that sends the wrong field
// names fails against it.
package apifytest

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

//go:embed samples/*.json samples/*.csv
var samples embed.FS

// Samples of the scrapers' output (samples/README.md says what each holds).
const (
	// ProfileJSON is a profile scrape of ProfileHandle: 10 dataset items.
	ProfileJSON = "profile_scrape.json"
	// ExportCSV is a flattened CSV export of ExportHandle: an error item,
	// then 11 posts (7 videos, 4 slideshows).
	ExportCSV = "export.csv"
)

// ProfileHandle is the profile of ProfileJSON's items; ExportHandle the
// author of ExportCSV's posts.
const (
	ProfileHandle = "linenandclay"
	ExportHandle  = "clayandcrumb"
)

// Fixture returns a sample's bytes.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := samples.ReadFile("samples/" + name)
	if err != nil {
		t.Fatalf("apifytest: no sample %s: %v", name, err)
	}
	return b
}

// FixturePath writes a sample into the test's temporary directory and
// returns its path, for code that reads files.
func FixturePath(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, Fixture(t, name), 0o600); err != nil {
		t.Fatalf("apifytest: %v", err)
	}
	return p
}

// ProfileItems returns the 10 items of ProfileJSON, newest first.
func ProfileItems(t testing.TB) []json.RawMessage {
	t.Helper()
	var items []json.RawMessage
	if err := json.Unmarshal(Fixture(t, ProfileJSON), &items); err != nil {
		t.Fatalf("apifytest: %s: %v", ProfileJSON, err)
	}
	return items
}

// Endpoint names an API endpoint of the fake.
type Endpoint string

// The endpoints.
const (
	SyncRun      Endpoint = "POST /v2/acts/{actor}/run-sync-get-dataset-items"
	StartRun     Endpoint = "POST /v2/acts/{actor}/runs"
	GetRun       Endpoint = "GET /v2/actor-runs/{id}"
	DatasetItems Endpoint = "GET /v2/datasets/{id}/items"
)

// Fault makes the next matching call answer an error instead.
type Fault struct {
	Endpoint Endpoint
	// Profile limits the fault to runs for this profile ("" matches any).
	Profile string
	Status  int
	// Type and Message fill Apify's {"error":{"type","message"}} body.
	Type, Message string
	Header        http.Header
}

// Input is the actor input as the fake reads it.
type Input struct {
	Profiles                      []string `json:"profiles"`
	ProfileScrapeSections         []string `json:"profileScrapeSections"`
	ProfileSorting                string   `json:"profileSorting"`
	ResultsPerPage                int      `json:"resultsPerPage"`
	OldestPostDateUnified         string   `json:"oldestPostDateUnified"`
	ShouldDownloadVideos          bool     `json:"shouldDownloadVideos"`
	ShouldDownloadCovers          bool     `json:"shouldDownloadCovers"`
	ShouldDownloadSlideshowImages bool     `json:"shouldDownloadSlideshowImages"`
}

// Call records one request the fake answered.
type Call struct {
	Endpoint Endpoint
	Status   int
	Query    string
	Input    Input
	At       time.Time
}

// Server is a fake Apify API on a loopback port.
type Server struct {
	URL   string
	Token string
	Actor string

	mu       sync.Mutex
	profiles map[string][]json.RawMessage
	faults   []Fault
	calls    []Call
	runs     map[string]*fakeRun
	// RunPolls is how many status reads an asynchronous run stays RUNNING.
	runPolls int
	runEnd   string
	// PageLimit caps a dataset page whatever the client asks (tests paging).
	pageLimit int
	// Delay holds every sync run open this long (concurrency tests).
	delay time.Duration
}

type fakeRun struct {
	id, datasetID, status string
	polls                 int
	items                 []json.RawMessage
}

// NewServer starts a fake for the token and actor ("user~name"); it stops
// when the test ends.
func NewServer(t testing.TB, token, actor string) *Server {
	s := &Server{Token: token, Actor: actor, profiles: map[string][]json.RawMessage{}, runs: map[string]*fakeRun{}, runPolls: 1, runEnd: "SUCCEEDED"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/acts/{actor}/run-sync-get-dataset-items", s.syncRun)
	mux.HandleFunc("POST /v2/acts/{actor}/runs", s.startRun)
	mux.HandleFunc("GET /v2/actor-runs/{id}", s.getRun)
	mux.HandleFunc("GET /v2/datasets/{id}/items", s.datasetItems)
	hs := httptest.NewServer(s.auth(mux))
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// SetProfile makes the profile's scrape return these items (newest first
// after the fake sorts them by createTimeISO). A profile never set answers
// the actor's real error item for a profile that does not exist.
func (s *Server) SetProfile(handle string, items []json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.profiles[handle] = slices.Clone(items)
}

// FailNext queues a fault; faults are used once, in order.
func (s *Server) FailNext(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// SetRunBehaviour makes asynchronous runs report RUNNING for polls status
// reads, then end with the status (SUCCEEDED, FAILED, ...).
func (s *Server) SetRunBehaviour(polls int, end string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runPolls, s.runEnd = polls, end
}

// SetPageLimit caps every dataset page at n items.
func (s *Server) SetPageLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageLimit = n
}

// SetSyncDelay holds every synchronous run open for d.
func (s *Server) SetSyncDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Calls returns the requests answered so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Count counts the calls of one endpoint.
func (s *Server) Count(ep Endpoint) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Endpoint == ep {
			n++
		}
	}
	return n
}

func (s *Server) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+s.Token {
			writeError(w, http.StatusUnauthorized, "token-not-valid", "Authentication token is not valid.", nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) record(ep Endpoint, status int, r *http.Request, in Input) {
	s.calls = append(s.calls, Call{Endpoint: ep, Status: status, Query: r.URL.RawQuery, Input: in, At: time.Now()})
}

// fault pops the first queued fault for the endpoint and profile.
func (s *Server) fault(ep Endpoint, profile string) (Fault, bool) {
	for i, f := range s.faults {
		if f.Endpoint == ep && (f.Profile == "" || f.Profile == profile) {
			s.faults = slices.Delete(s.faults, i, i+1)
			return f, true
		}
	}
	return Fault{}, false
}

func (s *Server) readInput(w http.ResponseWriter, r *http.Request, ep Endpoint) (Input, bool) {
	var in Input
	if r.PathValue("actor") != s.Actor {
		writeError(w, http.StatusNotFound, "record-not-found", "Actor was not found", nil)
		return in, false
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusBadRequest, "invalid-input", "The input must be JSON (got "+ct+")", nil)
		return in, false
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "invalid-input", "Input is not valid JSON: "+err.Error(), nil)
		return in, false
	}
	switch {
	case len(in.Profiles) != 1:
		writeError(w, http.StatusBadRequest, "invalid-input", "Input.profiles must list one profile", nil)
	case in.ResultsPerPage < 1:
		writeError(w, http.StatusBadRequest, "invalid-input", "Input.resultsPerPage must be at least 1", nil)
	case in.ProfileSorting != "latest" || !slices.Equal(in.ProfileScrapeSections, []string{"videos"}):
		writeError(w, http.StatusBadRequest, "invalid-input", "the fake expects the newest videos of the profile", nil)
	case in.OldestPostDateUnified != "" && !isDate(in.OldestPostDateUnified):
		writeError(w, http.StatusBadRequest, "invalid-input", "Input.oldestPostDateUnified must be YYYY-MM-DD", nil)
	default:
		return in, true
	}
	s.mu.Lock()
	s.record(ep, http.StatusBadRequest, r, in)
	s.mu.Unlock()
	return in, false
}

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// scrape returns what the actor would put in the dataset for the input.
func (s *Server) scrape(in Input, maxItems int) []json.RawMessage {
	handle := in.Profiles[0]
	items, ok := s.profiles[handle]
	if !ok {
		return []json.RawMessage{json.RawMessage(fmt.Sprintf(
			`{"error":"This profile/hashtag does not exist.","input":%q,"url":%q}`, handle, "https://www.tiktok.com/@"+handle))}
	}
	type dated struct {
		raw json.RawMessage
		at  string
	}
	var ds []dated
	for _, raw := range items {
		var probe struct {
			CreateTimeISO string `json:"createTimeISO"`
		}
		_ = json.Unmarshal(raw, &probe)
		if in.OldestPostDateUnified != "" && probe.CreateTimeISO != "" && probe.CreateTimeISO[:10] < in.OldestPostDateUnified {
			continue
		}
		ds = append(ds, dated{raw, probe.CreateTimeISO})
	}
	slices.SortStableFunc(ds, func(a, b dated) int { return strings.Compare(b.at, a.at) })
	limit := in.ResultsPerPage
	if maxItems > 0 {
		limit = min(limit, maxItems)
	}
	var out []json.RawMessage
	for _, d := range ds[:min(len(ds), limit)] {
		out = append(out, d.raw)
	}
	return out
}

func (s *Server) syncRun(w http.ResponseWriter, r *http.Request) {
	in, ok := s.readInput(w, r, SyncRun)
	if !ok {
		return
	}
	s.mu.Lock()
	delay := s.delay
	if f, ok := s.fault(SyncRun, in.Profiles[0]); ok {
		s.record(SyncRun, f.Status, r, in)
		s.mu.Unlock()
		writeError(w, f.Status, f.Type, f.Message, f.Header)
		return
	}
	items := s.scrape(in, atoi(r.URL.Query().Get("maxItems")))
	s.record(SyncRun, http.StatusCreated, r, in)
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	writeItems(w, http.StatusCreated, items, 0, len(items), len(items))
}

func (s *Server) startRun(w http.ResponseWriter, r *http.Request) {
	in, ok := s.readInput(w, r, StartRun)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.fault(StartRun, in.Profiles[0]); ok {
		s.record(StartRun, f.Status, r, in)
		writeError(w, f.Status, f.Type, f.Message, f.Header)
		return
	}
	n := len(s.runs) + 1
	run := &fakeRun{id: fmt.Sprintf("run%04dHG7ML7M8z", n), datasetID: fmt.Sprintf("ds%04dWkzbQkK", n), status: "RUNNING",
		items: s.scrape(in, atoi(r.URL.Query().Get("maxItems")))}
	s.runs[run.id] = run
	s.record(StartRun, http.StatusCreated, r, in)
	writeJSON(w, http.StatusCreated, nil, runObject(run, s.Actor))
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	run, ok := s.runs[r.PathValue("id")]
	if !ok {
		s.record(GetRun, http.StatusNotFound, r, Input{})
		writeError(w, http.StatusNotFound, "record-not-found", "Actor run was not found", nil)
		return
	}
	if f, ok := s.fault(GetRun, ""); ok {
		s.record(GetRun, f.Status, r, Input{})
		writeError(w, f.Status, f.Type, f.Message, f.Header)
		return
	}
	run.polls++
	if run.polls > s.runPolls {
		run.status = s.runEnd
	}
	s.record(GetRun, http.StatusOK, r, Input{})
	writeJSON(w, http.StatusOK, nil, runObject(run, s.Actor))
}

func (s *Server) datasetItems(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var run *fakeRun
	for _, x := range s.runs {
		if x.datasetID == r.PathValue("id") {
			run = x
		}
	}
	if run == nil {
		s.record(DatasetItems, http.StatusNotFound, r, Input{})
		writeError(w, http.StatusNotFound, "record-not-found", "Dataset was not found", nil)
		return
	}
	if f, ok := s.fault(DatasetItems, ""); ok {
		s.record(DatasetItems, f.Status, r, Input{})
		writeError(w, f.Status, f.Type, f.Message, f.Header)
		return
	}
	q := r.URL.Query()
	offset, limit := atoi(q.Get("offset")), atoi(q.Get("limit"))
	if limit <= 0 || limit > 250_000 {
		limit = 250_000
	}
	if s.pageLimit > 0 {
		limit = min(limit, s.pageLimit)
	}
	start := min(offset, len(run.items))
	end := min(start+limit, len(run.items))
	s.record(DatasetItems, http.StatusOK, r, Input{})
	writeItems(w, http.StatusOK, run.items[start:end], offset, limit, len(run.items))
}

func runObject(r *fakeRun, actor string) map[string]any {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	obj := map[string]any{
		"id": r.id, "actId": actor, "status": r.status, "startedAt": now,
		"defaultDatasetId": r.datasetID, "defaultKeyValueStoreId": "kvs" + r.id, "buildNumber": "0.0.268",
	}
	if r.status != "RUNNING" {
		obj["finishedAt"] = now
	}
	return map[string]any{"data": obj}
}

func writeItems(w http.ResponseWriter, status int, items []json.RawMessage, offset, limit, total int) {
	h := w.Header()
	h.Set("X-Apify-Pagination-Offset", strconv.Itoa(offset))
	h.Set("X-Apify-Pagination-Limit", strconv.Itoa(limit))
	h.Set("X-Apify-Pagination-Count", strconv.Itoa(len(items)))
	h.Set("X-Apify-Pagination-Total", strconv.Itoa(total))
	if items == nil {
		items = []json.RawMessage{}
	}
	writeJSON(w, status, nil, items)
}

func writeError(w http.ResponseWriter, status int, typ, msg string, header http.Header) {
	body := map[string]any{"error": map[string]string{"type": typ, "message": msg}}
	writeJSON(w, status, header, body)
}

func writeJSON(w http.ResponseWriter, status int, header http.Header, v any) {
	for k, vs := range header {
		for _, x := range vs {
			w.Header().Add(k, x)
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
