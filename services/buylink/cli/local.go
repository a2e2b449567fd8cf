package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/buylink/buylink/pkg/metrics"
)

// localStack talks to a local devstack's /admin endpoints (see
// services/devstack/admin.go for their contract).
type localStack struct {
	base string
	http *http.Client
}

func (o *options) devstack() (*localStack, error) {
	u, err := url.Parse(o.local)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--local %q is not an http(s) URL such as http://localhost:8080", o.local)
	}
	return &localStack{base: strings.TrimRight(o.local, "/"), http: &http.Client{Timeout: o.timeout}}, nil
}

// localQueue is one worker of GET /admin/queues.
type localQueue struct {
	Worker       string   `json:"worker"`
	EventTypes   []string `json:"eventTypes"`
	InFlight     int64    `json:"inFlight"`
	Handled      int64    `json:"handled"`
	Failed       int64    `json:"failed"`
	DeadLettered int64    `json:"deadLettered"`
	DeadLetters  int      `json:"deadLetters"`
}

// localLetter is one dead letter of GET /admin/deadletters.
type localLetter struct {
	ID        string          `json:"id"`
	Worker    string          `json:"worker"`
	EventType string          `json:"eventType"`
	EventID   string          `json:"eventId"`
	Attempts  int             `json:"attempts"`
	Reason    string          `json:"reason"`
	At        time.Time       `json:"at"`
	Body      json.RawMessage `json:"body"`
}

type localLetters struct {
	Total   int           `json:"total"`
	Letters []localLetter `json:"letters"`
}

type localRedriven struct {
	Redriven  int `json:"redriven"`
	Remaining int `json:"remaining"`
}

func (d *localStack) queues(ctx context.Context) ([]localQueue, error) {
	var q struct {
		Workers []localQueue `json:"workers"`
	}
	return q.Workers, d.do(ctx, http.MethodGet, "/admin/queues", &q)
}

func (d *localStack) metrics(ctx context.Context) (metrics.Snapshot, error) {
	var s metrics.Snapshot
	return s, d.do(ctx, http.MethodGet, "/admin/metrics", &s)
}

func (d *localStack) deadLetters(ctx context.Context, worker string, limit int) (localLetters, error) {
	q := url.Values{"limit": {fmt.Sprint(limit)}}
	if worker != "" {
		q.Set("worker", worker)
	}
	var l localLetters
	return l, d.do(ctx, http.MethodGet, "/admin/deadletters?"+q.Encode(), &l)
}

func (d *localStack) redrive(ctx context.Context, worker string) (localRedriven, error) {
	q := url.Values{}
	if worker == "" {
		q.Set("all", "true")
	} else {
		q.Set("worker", worker)
	}
	var r localRedriven
	return r, d.do(ctx, http.MethodPost, "/admin/deadletters/redrive?"+q.Encode(), &r)
}

// health returns the status code of GET path ("" and an error when the
// devstack does not answer).
func (d *localStack) health(ctx context.Context, path string) (int, time.Duration, error) {
	return getStatus(ctx, d.http, d.base+path)
}

// getStatus GETs a URL and returns its status and how long it took.
func getStatus(ctx context.Context, c *http.Client, u string) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return resp.StatusCode, time.Since(start), nil
}

// do calls an admin endpoint and decodes its JSON answer; an error answer
// becomes its message.
func (d *localStack) do(ctx context.Context, method, path string, dst any) error {
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return fmt.Errorf("devstack at %s does not answer (is `make dev` running?): %w", d.base, unwrapURLError(err))
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("devstack %s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("devstack %s %s: %s", method, strings.SplitN(path, "?", 2)[0], errorMessage(resp.StatusCode, body))
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return fmt.Errorf("devstack %s %s answered something else than its admin JSON (is %s a devstack?): %w", method, path, d.base, err)
	}
	return nil
}

// errorMessage reads buylink's JSON error body {"error":{"code","message"}}.
func errorMessage(status int, body []byte) string {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return fmt.Sprintf("%d %s: %s", status, e.Error.Code, e.Error.Message)
	}
	snippet := strings.TrimSpace(string(body))
	if len(snippet) > 200 {
		snippet = snippet[:200] + "..."
	}
	return fmt.Sprintf("%d %s %s", status, http.StatusText(status), snippet)
}

// unwrapURLError drops the method and URL that *url.Error repeats.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
