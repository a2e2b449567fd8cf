package llm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// answer is the result type of the tests' schema.
type answer struct {
	Title    string  `json:"title"`
	Price    float64 `json:"price"`
	Currency string  `json:"currency"`
}

// listingSchema is the schema of the fixture request
// (testdata/openrouter/structured_output_request.json).
func listingSchema(t *testing.T) *Schema {
	t.Helper()
	var req struct {
		ResponseFormat struct {
			JSONSchema struct {
				Name   string          `json:"name"`
				Schema json.RawMessage `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	if err := json.Unmarshal(fixture(t, "structured_output_request.json"), &req); err != nil {
		t.Fatal(err)
	}
	s, err := NewSchema(req.ResponseFormat.JSONSchema.Name, req.ResponseFormat.JSONSchema.Schema)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// okBody is the OpenRouter response sample with its message content
// set to content (and its tool call removed), plus usage.cost.
func okBody(t *testing.T, content string, finish string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixture(t, "chat_completion_response.json"), &m); err != nil {
		t.Fatal(err)
	}
	ch := m["choices"].([]any)[0].(map[string]any)
	msg := ch["message"].(map[string]any)
	msg["content"] = content
	delete(msg, "tool_calls")
	ch["finish_reason"], ch["native_finish_reason"] = finish, finish
	m["usage"].(map[string]any)["cost"] = 0.00123
	out, _ := json.Marshal(m)
	return out
}

// errorBody is the documented OpenRouter error shape with the given code and message.
func errorBody(t *testing.T, code int, message string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixture(t, "error_response.json"), &m); err != nil {
		t.Fatal(err)
	}
	e := m["error"].(map[string]any)
	e["code"], e["message"] = code, message
	out, _ := json.Marshal(m)
	return out
}

// reply is one canned response of the fake server.
type reply struct {
	status int
	header map[string]string
	body   []byte
	delay  time.Duration
}

// fakeOpenRouter serves the replies in order (the last one repeats) and
// records every request.
type fakeOpenRouter struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	replies  []reply
	requests []recorded
}

type recorded struct {
	header http.Header
	body   map[string]any
}

func newFake(t *testing.T, replies ...reply) *fakeOpenRouter {
	f := &fakeOpenRouter{t: t, replies: replies}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOpenRouter) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/chat/completions" {
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		http.Error(w, "request body is not JSON", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, recorded{r.Header.Clone(), body})
	n := len(f.requests)
	rp := f.replies[min(n-1, len(f.replies)-1)]
	f.mu.Unlock()
	if rp.delay > 0 {
		select {
		case <-time.After(rp.delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range rp.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rp.status)
	_, _ = w.Write(rp.body)
}

func (f *fakeOpenRouter) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// newTestClient returns a client of the fake server that records its sleeps
// instead of sleeping.
func newTestClient(t *testing.T, f *fakeOpenRouter, cfg Config, opt Options) (*Client, *[]time.Duration) {
	t.Helper()
	cfg.APIKey = "test-key"
	cfg.BaseURL = f.srv.URL + "/api/v1"
	cfg.AppURL = "https://buylink.test"
	c, err := New(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	slept := &[]time.Duration{}
	c.sleep = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		*slept = append(*slept, d)
		return nil
	}
	c.backoff = func(attempt int) time.Duration { return time.Duration(attempt) * time.Millisecond }
	return c, slept
}

func listingRequest(t *testing.T, user string) Request {
	return Request{
		System: "Answer with the listing as JSON.", User: user,
		Schema: listingSchema(t), PromptVersion: "listing-v1",
	}
}

const goodAnswer = `{"title":"Linen throw","price":39.5,"currency":"EUR"}`

func TestCompleteSendsAStructuredRequestAndDecodesTheAnswer(t *testing.T) {
	f := newFake(t, reply{status: 200, body: okBody(t, goodAnswer, "stop")})
	counters := &Counters{}
	c, _ := newTestClient(t, f, Config{Model: "mistralai/mistral-small-3.1-24b-instruct"}, Options{Metrics: counters})
	var got answer
	res, err := c.Complete(context.Background(), listingRequest(t, "Stone-washed linen throw, 39.50 EUR, link in bio"), &got)
	if err != nil {
		t.Fatal(err)
	}
	if got != (answer{"Linen throw", 39.5, "EUR"}) {
		t.Errorf("decoded %+v", got)
	}
	if res.Model != "mistralai/mistral-small-3.1-24b-instruct" || res.Provider != "Mistral" || res.GenerationID != "gen-1752390011-q3MZk8LhR2vTnYw5XcPd" {
		t.Errorf("result %+v", res)
	}
	if res.Usage != (Usage{PromptTokens: 318, CompletionTokens: 27, TotalTokens: 345, CostUSD: 0.00123}) || res.Attempts != 1 || res.Cached {
		t.Errorf("usage/attempts %+v", res)
	}
	// The request: headers, model, messages, and the fixture's response_format shape.
	if f.count() != 1 {
		t.Fatalf("%d requests, want 1", f.count())
	}
	req := f.requests[0]
	for h, want := range map[string]string{
		"Authorization": "Bearer test-key", "HTTP-Referer": "https://buylink.test", "X-Title": "buylink",
		"Content-Type": "application/json",
	} {
		if got := req.header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	if req.body["model"] != "mistralai/mistral-small-3.1-24b-instruct" || req.body["stream"] != false {
		t.Errorf("model/stream: %v %v", req.body["model"], req.body["stream"])
	}
	msgs := req.body["messages"].([]any)
	if len(msgs) != 2 || msgs[0].(map[string]any)["role"] != "system" || msgs[1].(map[string]any)["role"] != "user" ||
		msgs[1].(map[string]any)["content"] != "Stone-washed linen throw, 39.50 EUR, link in bio" {
		t.Errorf("messages %v", msgs)
	}
	var fixtureReq map[string]any
	_ = json.Unmarshal(fixture(t, "structured_output_request.json"), &fixtureReq)
	want, _ := json.Marshal(fixtureReq["response_format"])
	gotRF, _ := json.Marshal(req.body["response_format"])
	if string(gotRF) != string(want) {
		t.Errorf("response_format\n got %s\nwant %s", gotRF, want)
	}
	if s := counters.Snapshot(); s.Calls != 1 || s.PromptTokens != 318 || s.CompletionTokens != 27 || s.CostUSD != 0.00123 || s.Failures != 0 {
		t.Errorf("counters %+v", s)
	}
}

func TestRateLimitIsRetriedAfterRetryAfter(t *testing.T) {
	f := newFake(t,
		reply{status: 429, header: map[string]string{"Retry-After": "7"}, body: errorBody(t, 429, "Rate limit exceeded")},
		reply{status: 200, body: okBody(t, goodAnswer, "stop")},
	)
	counters := &Counters{}
	c, slept := newTestClient(t, f, Config{}, Options{Metrics: counters})
	var got answer
	res, err := c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &got)
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 || f.count() != 2 {
		t.Errorf("attempts %d, requests %d; want 2", res.Attempts, f.count())
	}
	if len(*slept) != 1 || (*slept)[0] != 7*time.Second {
		t.Errorf("slept %v, want [7s] from Retry-After", *slept)
	}
	if s := counters.Snapshot(); s.Retries != 1 {
		t.Errorf("retries %d, want 1", s.Retries)
	}
}

func TestServerErrorsAreRetriedWithBackoff(t *testing.T) {
	f := newFake(t,
		reply{status: 502, body: []byte("<html>Bad Gateway</html>")},
		reply{status: 503, header: map[string]string{"Retry-After": time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)}, body: errorBody(t, 503, "No available provider")},
		reply{status: 200, body: okBody(t, goodAnswer, "stop")},
	)
	c, slept := newTestClient(t, f, Config{}, Options{})
	var got answer
	res, err := c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &got)
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 3 {
		t.Errorf("attempts %d, want 3", res.Attempts)
	}
	if len(*slept) != 2 || (*slept)[0] != time.Millisecond || (*slept)[1] < 1*time.Second || (*slept)[1] > 3*time.Second {
		t.Errorf("slept %v, want [1ms backoff, ~3s from an HTTP-date Retry-After]", *slept)
	}
}

func TestErrorInA200BodyIsAnError(t *testing.T) {
	// Retryable code in a 200 body: retried.
	f := newFake(t,
		reply{status: 200, body: errorBody(t, 502, "Provider returned error")},
		reply{status: 200, body: okBody(t, goodAnswer, "stop")},
	)
	c, _ := newTestClient(t, f, Config{}, Options{})
	var got answer
	res, err := c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &got)
	if err != nil || res.Attempts != 2 || got.Title != "Linen throw" {
		t.Fatalf("got %+v, %v after %d attempts", got, err, res.Attempts)
	}
	// Permanent code in a 200 body: not retried.
	f = newFake(t, reply{status: 200, body: errorBody(t, 402, "Insufficient credits")})
	c, _ = newTestClient(t, f, Config{}, Options{})
	_, err = c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &got)
	var le *Error
	if !errors.As(err, &le) || le.Status != 402 || !IsPermanent(err) || f.count() != 1 {
		t.Fatalf("err %v (requests %d), want a permanent 402 after one request", err, f.count())
	}
	if !strings.Contains(err.Error(), "Insufficient credits") {
		t.Errorf("error %q does not carry the API's message", err)
	}
}

func TestPermanentStatusesAreNotRetried(t *testing.T) {
	for _, tc := range []struct {
		status int
		msg    string
	}{{402, "Insufficient credits"}, {401, "No auth credentials found"}, {400, "Invalid schema"}, {403, "Input flagged by moderation"}, {404, "No endpoints found"}} {
		f := newFake(t, reply{status: tc.status, body: errorBody(t, tc.status, tc.msg)})
		counters := &Counters{}
		c, slept := newTestClient(t, f, Config{}, Options{Metrics: counters})
		var got answer
		res, err := c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &got)
		var le *Error
		if !errors.As(err, &le) || le.Status != tc.status || !le.Permanent || !IsPermanent(err) {
			t.Errorf("%d: err %#v, want a permanent *Error", tc.status, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), strconv.Itoa(tc.status)) {
			t.Errorf("%d: error %q should name the status and the API's message", tc.status, err)
		}
		if f.count() != 1 || res.Attempts != 1 || len(*slept) != 0 {
			t.Errorf("%d: %d requests, %d attempts, slept %v; want one and no wait", tc.status, f.count(), res.Attempts, *slept)
		}
		if s := counters.Snapshot(); s.Failures != 1 {
			t.Errorf("%d: failures %d, want 1", tc.status, s.Failures)
		}
	}
}

func TestTooLongRetryAfterEndsTheCallRetryable(t *testing.T) {
	f := newFake(t, reply{status: 429, header: map[string]string{"Retry-After": "3600"}, body: errorBody(t, 429, "Rate limit exceeded")})
	c, slept := newTestClient(t, f, Config{MaxRetryWait: time.Minute}, Options{})
	var got answer
	_, err := c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &got)
	var le *Error
	if !errors.As(err, &le) || le.Permanent || le.RetryAfter != time.Hour || f.count() != 1 || len(*slept) != 0 {
		t.Fatalf("err %#v, requests %d, slept %v; want a retryable 429 with RetryAfter 1h after one request", err, f.count(), *slept)
	}
}

func TestRateLimitResetHeader(t *testing.T) {
	reset := time.Now().Add(5 * time.Second).UnixMilli()
	f := newFake(t,
		reply{status: 429, header: map[string]string{"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(reset, 10)}, body: errorBody(t, 429, "Rate limit exceeded")},
		reply{status: 200, body: okBody(t, goodAnswer, "stop")},
	)
	c, slept := newTestClient(t, f, Config{}, Options{})
	var got answer
	if _, err := c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &got); err != nil {
		t.Fatal(err)
	}
	if len(*slept) != 1 || (*slept)[0] < 3*time.Second || (*slept)[0] > 5*time.Second {
		t.Errorf("slept %v, want about 5s from X-RateLimit-Reset", *slept)
	}
}

func TestAttemptsAreBounded(t *testing.T) {
	f := newFake(t, reply{status: 500, body: errorBody(t, 500, "Internal error")})
	c, slept := newTestClient(t, f, Config{MaxAttempts: 3}, Options{})
	var got answer
	res, err := c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &got)
	if err == nil || IsPermanent(err) || res.Attempts != 3 || f.count() != 3 || len(*slept) != 2 {
		t.Fatalf("err %v, attempts %d, requests %d, sleeps %d; want a retryable error after 3 attempts", err, res.Attempts, f.count(), len(*slept))
	}
}

func TestAttemptTimeout(t *testing.T) {
	f := newFake(t, reply{status: 200, body: okBody(t, goodAnswer, "stop"), delay: 5 * time.Second})
	c, _ := newTestClient(t, f, Config{Timeout: 50 * time.Millisecond, MaxAttempts: 2}, Options{})
	var got answer
	res, err := c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &got)
	if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "no answer within 50ms") || res.Attempts != 2 {
		t.Fatalf("err %v after %d attempts; want a retryable timeout after 2", err, res.Attempts)
	}
}

func TestCancelledContextStopsRetrying(t *testing.T) {
	f := newFake(t, reply{status: 503, body: errorBody(t, 503, "busy")})
	c, _ := newTestClient(t, f, Config{}, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	c.sleep = func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }
	var got answer
	_, err := c.Complete(ctx, listingRequest(t, "Linen throw 39.50 EUR"), &got)
	if err == nil || f.count() != 1 {
		t.Fatalf("err %v after %d requests; want a failure after one", err, f.count())
	}
}

func TestUnusableAnswers(t *testing.T) {
	for name, tc := range map[string]struct {
		body      []byte
		permanent bool
		invalid   bool
	}{
		"not the schema":   {okBody(t, `{"title":"Linen throw"}`, "stop"), true, true},
		"extra field":      {okBody(t, `{"title":"Linen throw","price":1,"currency":"EUR","x":1}`, "stop"), true, true},
		"not JSON":         {okBody(t, `sunny, 14 degrees`, "stop"), true, true},
		"cut off":          {okBody(t, `{"title":"Lin`, "length"), true, true},
		"empty":            {okBody(t, ``, "stop"), true, true},
		"content filter":   {okBody(t, ``, "content_filter"), true, false},
		"provider error":   {okBody(t, ``, "error"), false, false},
		"undecodable body": {[]byte(`{"choices": "nope"`), false, false},
	} {
		f := newFake(t, reply{status: 200, body: tc.body})
		c, _ := newTestClient(t, f, Config{MaxAttempts: 2}, Options{})
		var got answer
		_, err := c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &got)
		if err == nil || IsPermanent(err) != tc.permanent || errors.Is(err, ErrInvalidOutput) != tc.invalid {
			t.Errorf("%s: err %v; want permanent=%v invalid=%v", name, err, tc.permanent, tc.invalid)
		}
		if wantReqs := map[bool]int{true: 1, false: 2}[tc.permanent]; f.count() != wantReqs {
			t.Errorf("%s: %d requests, want %d", name, f.count(), wantReqs)
		}
	}
}

func TestFencedAnswerIsAccepted(t *testing.T) {
	f := newFake(t, reply{status: 200, body: okBody(t, "```json\n"+goodAnswer+"\n```", "stop")})
	c, _ := newTestClient(t, f, Config{}, Options{})
	var got answer
	if _, err := c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &got); err != nil || got.Title != "Linen throw" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestCacheAvoidsPayingTwice(t *testing.T) {
	f := newFake(t, reply{status: 200, body: okBody(t, goodAnswer, "stop")})
	counters := &Counters{}
	cache := NewMemoryCache(10)
	c, _ := newTestClient(t, f, Config{}, Options{Cache: cache, Metrics: counters})
	var a, b answer
	if _, err := c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &a); err != nil {
		t.Fatal(err)
	}
	res, err := c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &b)
	if err != nil || !res.Cached || res.Attempts != 0 || b != a || f.count() != 1 {
		t.Fatalf("second call: %+v %v, %d requests; want a cache hit equal to the first answer", res, err, f.count())
	}
	if res.Model != "mistralai/mistral-small-3.1-24b-instruct" {
		t.Errorf("cached result model %q", res.Model)
	}
	// Another input, prompt version or model is another key.
	other := listingRequest(t, "Paris")
	if _, err := c.Complete(context.Background(), other, &b); err != nil || f.count() != 2 {
		t.Fatalf("other input: %v, %d requests", err, f.count())
	}
	other = listingRequest(t, "Linen throw 39.50 EUR")
	other.PromptVersion = "listing-v2"
	if _, err := c.Complete(context.Background(), other, &b); err != nil || f.count() != 3 {
		t.Fatalf("other prompt version: %v, %d requests", err, f.count())
	}
	if s := counters.Snapshot(); s.Calls != 4 || s.CacheHits != 1 || s.PromptTokens != 3*318 {
		t.Errorf("counters %+v", s)
	}
}

func TestInvalidAnswerIsCachedToo(t *testing.T) {
	f := newFake(t, reply{status: 200, body: okBody(t, `{"title":"Linen throw"}`, "stop")})
	c, _ := newTestClient(t, f, Config{}, Options{Cache: NewMemoryCache(10)})
	var got answer
	for i := range 2 {
		_, err := c.Complete(context.Background(), listingRequest(t, "Linen throw 39.50 EUR"), &got)
		if !errors.Is(err, ErrInvalidOutput) {
			t.Fatalf("call %d: err %v, want ErrInvalidOutput", i, err)
		}
	}
	if f.count() != 1 {
		t.Errorf("%d requests, want 1: a redelivered input must not pay again", f.count())
	}
}

func TestBadRequestsFailBeforeCalling(t *testing.T) {
	f := newFake(t, reply{status: 200, body: okBody(t, goodAnswer, "stop")})
	c, _ := newTestClient(t, f, Config{}, Options{})
	var got answer
	for name, req := range map[string]Request{
		"no schema": {System: "s", User: "u"},
		"no system": {User: "u", Schema: listingSchema(t)},
		"no user":   {System: "s", Schema: listingSchema(t)},
		"too large": {System: "s", User: strings.Repeat("x", MaxUserBytes+1), Schema: listingSchema(t)},
	} {
		if _, err := c.Complete(context.Background(), req, &got); !IsPermanent(err) {
			t.Errorf("%s: err %v, want permanent", name, err)
		}
	}
	if f.count() != 0 {
		t.Errorf("%d requests for bad input", f.count())
	}
}

func TestNewNeedsAKeyAndAValidConfig(t *testing.T) {
	if _, err := New(Config{}, Options{}); err == nil || !strings.Contains(err.Error(), "OPENROUTER_API_KEY") {
		t.Errorf("no key: %v", err)
	}
	if _, err := New(Config{APIKey: "k", BaseURL: "ftp://x"}, Options{}); err == nil || !strings.Contains(err.Error(), "LLM_BASE_URL") {
		t.Errorf("bad base URL: %v", err)
	}
	c, err := New(Config{APIKey: "k"}, Options{})
	if err != nil || c.Model() != DefaultModel || c.cfg.BaseURL != DefaultBaseURL {
		t.Errorf("defaults: %v %+v", err, c)
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("OPENROUTER_API_KEY", "k")
	t.Setenv("LLM_MODEL", "openai/gpt-4o-mini")
	t.Setenv("LLM_TIMEOUT", "20s")
	t.Setenv("LLM_MAX_ATTEMPTS", "2")
	cfg, err := ConfigFromEnv()
	if err != nil || cfg.Model != "openai/gpt-4o-mini" || cfg.Timeout != 20*time.Second || cfg.MaxAttempts != 2 ||
		cfg.BaseURL != DefaultBaseURL || !cfg.Enabled() || cfg.MaxTokens != DefaultMaxTokens {
		t.Fatalf("%+v %v", cfg, err)
	}
	for env, val := range map[string]string{"LLM_TIMEOUT": "soon", "LLM_MAX_ATTEMPTS": "0", "LLM_MAX_TOKENS": "x", "LLM_BASE_URL": "not a url", "LLM_MAX_RETRY_WAIT": "-1s"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, val)
			if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), env) {
				t.Errorf("%s=%q: err %v, want one naming the variable", env, val, err)
			}
		})
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    http.Header
		want time.Duration
	}{
		{http.Header{"Retry-After": {"2"}}, 2 * time.Second},
		{http.Header{"Retry-After": {"0.5"}}, 500 * time.Millisecond},
		{http.Header{"Retry-After": {now.Add(10 * time.Second).Format(http.TimeFormat)}}, 10 * time.Second},
		{http.Header{"Retry-After": {now.Add(-time.Hour).Format(http.TimeFormat)}}, 0},
		{http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(now.Add(4*time.Second).UnixMilli(), 10)}}, 4 * time.Second},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{nil, 0},
	} {
		if got := retryAfter(tc.h, now); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.h, got, tc.want)
		}
	}
}

// WithSpend is told what each paid call cost, and nothing for a cached one.
func TestSpendIsToldEachPaidCall(t *testing.T) {
	f := newFake(t, reply{status: 200, body: okBody(t, goodAnswer, "stop")})
	c, _ := newTestClient(t, f, Config{}, Options{Cache: NewMemoryCache(10)})
	var spent []float64
	ctx := WithSpend(context.Background(), func(_ context.Context, usd float64) { spent = append(spent, usd) })
	req := listingRequest(t, "Stone-washed linen throw, 39.50 EUR, link in bio")
	for range 2 {
		var got answer
		if _, err := c.Complete(ctx, req, &got); err != nil {
			t.Fatal(err)
		}
	}
	if len(spent) != 1 || spent[0] != 0.00123 {
		t.Fatalf("spend told %v; want the one paid call's 0.00123", spent)
	}
}
