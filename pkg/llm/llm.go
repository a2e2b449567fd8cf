// Package llm asks a chat model for JSON that fits a schema, through
// OpenRouter's OpenAI-compatible API (github.com/sashabaranov/go-openai).
//
// A Client takes a system prompt, user content and a JSON schema, sends them
// with response_format json_schema (strict), and decodes the answer into the
// caller's struct after validating it against the schema. Around that one
// call it does what a paid, rate-limited remote API needs:
//
//   - a timeout per attempt, and retries with exponential backoff on 408,
//     429, 5xx and transport failures, honouring Retry-After (seconds or a
//     date) and OpenRouter's X-RateLimit-Reset; a wait longer than
//     Config.MaxRetryWait is not slept through but returned, so the caller's
//     queue retries later;
//   - OpenRouter's HTTP-200 answers that carry {"error": {...}} in the body
//     are errors, classified by their code;
//   - 400, 401, 402 (out of credits), 403, 404 and answers that do not fit the
//     schema are permanent: IsPermanent reports them, and retrying cannot help;
//   - answers are cached by a hash of model, prompt version, prompts, schema
//     and user content (Cache: in memory, or a gocloud blob bucket), so the
//     same input is never paid for twice;
//   - every call's token usage and cost (OpenRouter's usage.cost, in USD) is
//     logged and passed to a Metrics recorder; Counters is a minimal in-process
//     one.
//
// The client is generic: the caption parser and the auto-tagger share it,
// each with its own prompt, schema and result type.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Defaults of Config.
const (
	DefaultBaseURL      = "https://openrouter.ai/api/v1"
	DefaultModel        = "anthropic/claude-3.5-sonnet"
	DefaultAppTitle     = "buylink"
	DefaultTimeout      = 60 * time.Second
	DefaultMaxAttempts  = 4
	DefaultMaxRetryWait = 30 * time.Second
	DefaultMaxTokens    = 2048
)

// MaxUserBytes bounds the user content of one request.
const MaxUserBytes = 256 << 10

// maxResponseBytes bounds the body read from the API.
const maxResponseBytes = 4 << 20

// Config chooses the API, the model and the call limits. ConfigFromEnv reads
// it from the environment; zero fields take the defaults.
type Config struct {
	// APIKey is the OpenRouter key (OPENROUTER_API_KEY). Without one there is
	// no client: callers use their rule-based fallback.
	APIKey string
	// BaseURL is the API root (LLM_BASE_URL, default DefaultBaseURL).
	BaseURL string
	// Model is the OpenRouter model id (LLM_MODEL, default DefaultModel).
	Model string
	// AppURL and AppTitle are sent as HTTP-Referer and X-Title, OpenRouter's
	// app attribution headers (LLM_APP_URL, LLM_APP_TITLE; the title
	// defaults to DefaultAppTitle, the URL is not sent when empty).
	AppURL, AppTitle string
	// Timeout bounds one attempt (LLM_TIMEOUT, a Go duration, default 60s).
	Timeout time.Duration
	// MaxAttempts bounds the attempts of one call (LLM_MAX_ATTEMPTS, default 4).
	MaxAttempts int
	// MaxRetryWait is the longest wait between attempts the client sleeps
	// through (LLM_MAX_RETRY_WAIT, default 30s); a longer Retry-After ends
	// the call with a retryable error.
	MaxRetryWait time.Duration
	// MaxTokens bounds the answer's tokens (LLM_MAX_TOKENS, default 2048).
	MaxTokens int
}

// ConfigFromEnv reads a Config from the environment, failing with the
// variable's name when one is malformed.
func ConfigFromEnv() (Config, error) {
	c := Config{
		APIKey:   os.Getenv("OPENROUTER_API_KEY"),
		BaseURL:  os.Getenv("LLM_BASE_URL"),
		Model:    os.Getenv("LLM_MODEL"),
		AppURL:   os.Getenv("LLM_APP_URL"),
		AppTitle: os.Getenv("LLM_APP_TITLE"),
	}
	for _, d := range []struct {
		name, value string
		dst         *time.Duration
	}{
		{"LLM_TIMEOUT", os.Getenv("LLM_TIMEOUT"), &c.Timeout},
		{"LLM_MAX_RETRY_WAIT", os.Getenv("LLM_MAX_RETRY_WAIT"), &c.MaxRetryWait},
	} {
		if s := d.value; s != "" {
			v, err := time.ParseDuration(s)
			if err != nil || v <= 0 {
				return c, fmt.Errorf("%s must be a positive duration such as 30s (got %q)", d.name, s)
			}
			*d.dst = v
		}
	}
	for _, n := range []struct {
		name, value string
		dst         *int
		min, max    int
	}{
		{"LLM_MAX_ATTEMPTS", os.Getenv("LLM_MAX_ATTEMPTS"), &c.MaxAttempts, 1, 10},
		{"LLM_MAX_TOKENS", os.Getenv("LLM_MAX_TOKENS"), &c.MaxTokens, 16, 200_000},
	} {
		if s := n.value; s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < n.min || v > n.max {
				return c, fmt.Errorf("%s must be an integer in %d..%d (got %q)", n.name, n.min, n.max, s)
			}
			*n.dst = v
		}
	}
	return c.withDefaults(), c.withDefaults().Validate()
}

func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if c.AppTitle == "" {
		c.AppTitle = DefaultAppTitle
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.MaxRetryWait <= 0 {
		c.MaxRetryWait = DefaultMaxRetryWait
	}
	if c.MaxTokens <= 0 {
		c.MaxTokens = DefaultMaxTokens
	}
	return c
}

// Validate checks the configuration after defaults (the key may be empty).
func (c Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("LLM_BASE_URL must be an http(s) URL (got %q)", c.BaseURL)
	}
	if c.AppURL != "" {
		if u, err := url.Parse(c.AppURL); err != nil || u.Host == "" {
			return fmt.Errorf("LLM_APP_URL must be a URL (got %q)", c.AppURL)
		}
	}
	return nil
}

// Enabled reports whether an API key is configured.
func (c Config) Enabled() bool { return c.APIKey != "" }

// Options are a client's collaborators.
type Options struct {
	// HTTPClient sends the requests (default: a plain client; attempts are
	// bounded by Config.Timeout).
	HTTPClient *http.Client
	// Cache keeps answers by input hash; nil disables caching.
	Cache Cache
	// Metrics receives one record per call; nil records nothing.
	Metrics Metrics
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Client makes structured completions. It is safe for concurrent use.
type Client struct {
	cfg     Config
	api     *openai.Client
	cache   Cache
	metrics Metrics
	log     *slog.Logger
	// sleep and backoff are replaced by tests.
	sleep   func(ctx context.Context, d time.Duration) error
	backoff func(attempt int) time.Duration
}

// New returns a client for cfg. It fails when no API key is configured or
// the configuration is invalid.
func New(cfg Config, opt Options) (*Client, error) {
	cfg = cfg.withDefaults()
	if !cfg.Enabled() {
		return nil, errors.New("llm: no API key (set OPENROUTER_API_KEY)")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	hc := opt.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = &capturingDoer{next: hc, referer: cfg.AppURL, title: cfg.AppTitle}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Client{
		cfg: cfg, api: openai.NewClientWithConfig(oc), cache: opt.Cache, metrics: opt.Metrics,
		log: log.With("llm_model", cfg.Model), sleep: sleepCtx, backoff: defaultBackoff,
	}, nil
}

// Model returns the configured model id.
func (c *Client) Model() string { return c.cfg.Model }

// SpendFunc is told the cost of each call that paid something (OpenRouter's
// usage.cost in USD, failed attempts' included); budgets charge it.
type SpendFunc func(ctx context.Context, costUSD float64)

type spendKey struct{}

// WithSpend returns a context under which every Complete call tells spend
// what it cost, so that a caller can charge the calls made for one seller
// to that seller's budget. Cached answers cost nothing and are not told.
func WithSpend(ctx context.Context, spend SpendFunc) context.Context {
	return context.WithValue(ctx, spendKey{}, spend)
}

// Request is one structured completion.
type Request struct {
	// System states the task and its rules.
	System string
	// User is the data to work on. Untrusted input belongs here, never in System.
	User string
	// Schema constrains the answer and validates it.
	Schema *Schema
	// PromptVersion names the revision of the prompt; with the model, the
	// prompts, the schema and the user content it keys the cache.
	PromptVersion string
	// MaxTokens overrides Config.MaxTokens when positive.
	MaxTokens int
}

func (r Request) validate() error {
	switch {
	case r.Schema == nil:
		return permanent("request has no schema")
	case r.System == "":
		return permanent("request has no system prompt")
	case r.User == "":
		return permanent("request has no user content")
	case len(r.User) > MaxUserBytes:
		return permanent(fmt.Sprintf("user content of %d bytes exceeds %d", len(r.User), MaxUserBytes))
	}
	return nil
}

// Usage is what one call consumed.
type Usage struct {
	PromptTokens     int     `json:"promptTokens"`
	CompletionTokens int     `json:"completionTokens"`
	TotalTokens      int     `json:"totalTokens"`
	CostUSD          float64 `json:"costUsd"`
}

func (u *Usage) add(v Usage) {
	u.PromptTokens += v.PromptTokens
	u.CompletionTokens += v.CompletionTokens
	u.TotalTokens += v.TotalTokens
	u.CostUSD += v.CostUSD
}

// Result describes a completed call.
type Result struct {
	// Model is the model that answered, as the API reported it.
	Model string
	// Provider is the upstream provider OpenRouter routed to, when reported.
	Provider string
	// GenerationID is the API's id of the answer.
	GenerationID string
	// Attempts counts the HTTP attempts made (0 for a cache hit).
	Attempts int
	// Cached reports an answer served from the cache; nothing was paid.
	Cached bool
	Usage  Usage
}

// cacheEntry is the cached form of an answer.
type cacheEntry struct {
	Model        string    `json:"model"`
	Provider     string    `json:"provider,omitempty"`
	GenerationID string    `json:"generationId,omitempty"`
	Content      string    `json:"content"`
	Usage        Usage     `json:"usage"`
	CreatedAt    time.Time `json:"createdAt"`
}

// Complete asks the model and decodes its answer into out (a pointer to the
// caller's struct). An answer that does not fit the schema is an error
// wrapping ErrInvalidOutput; it is still cached, so that a redelivered input
// fails the same way without paying again.
func (c *Client) Complete(ctx context.Context, req Request, out any) (Result, error) {
	start := time.Now()
	if err := req.validate(); err != nil {
		return Result{}, err
	}
	key := Key(c.cfg.Model, req.PromptVersion, req.System, string(req.Schema.raw), req.User)
	if c.cache != nil {
		if res, ok, err := c.fromCache(ctx, key, req, out); ok {
			c.observe(CallStats{Model: res.Model, Outcome: OutcomeCached, Duration: time.Since(start)}, err)
			return res, err
		}
	}
	res, content, err := c.call(ctx, req)
	if spend, ok := ctx.Value(spendKey{}).(SpendFunc); ok && res.Usage.CostUSD > 0 {
		spend(ctx, res.Usage.CostUSD)
	}
	if err != nil {
		c.observe(CallStats{Model: c.cfg.Model, Outcome: OutcomeError, Attempts: res.Attempts, Usage: res.Usage, Duration: time.Since(start)}, err)
		return res, err
	}
	if c.cache != nil {
		entry, _ := json.Marshal(cacheEntry{Model: res.Model, Provider: res.Provider, GenerationID: res.GenerationID, Content: content, Usage: res.Usage, CreatedAt: time.Now().UTC()})
		if perr := c.cache.Put(ctx, key, entry); perr != nil {
			c.log.WarnContext(ctx, "llm cache write failed; the answer is not cached", "err", perr)
		}
	}
	err = req.Schema.Decode(content, out)
	c.observe(CallStats{Model: res.Model, Outcome: OutcomeOK, Attempts: res.Attempts, Usage: res.Usage, Duration: time.Since(start)}, err)
	c.log.InfoContext(ctx, "llm call", "model", res.Model, "provider", res.Provider, "generation_id", res.GenerationID,
		"attempts", res.Attempts, "prompt_tokens", res.Usage.PromptTokens, "completion_tokens", res.Usage.CompletionTokens,
		"cost_usd", res.Usage.CostUSD, "ms", time.Since(start).Milliseconds(), "valid", err == nil)
	return res, err
}

// fromCache serves a cached answer; ok is false on a miss or an unreadable entry.
func (c *Client) fromCache(ctx context.Context, key string, req Request, out any) (Result, bool, error) {
	data, found, err := c.cache.Get(ctx, key)
	if err != nil {
		c.log.WarnContext(ctx, "llm cache read failed; calling the model", "err", err)
		return Result{}, false, nil
	}
	if !found {
		return Result{}, false, nil
	}
	var e cacheEntry
	if err := json.Unmarshal(data, &e); err != nil || e.Content == "" {
		c.log.WarnContext(ctx, "llm cache entry unreadable; calling the model", "key", key)
		return Result{}, false, nil
	}
	res := Result{Model: e.Model, Provider: e.Provider, GenerationID: e.GenerationID, Cached: true}
	c.log.DebugContext(ctx, "llm cache hit", "key", key)
	return res, true, req.Schema.Decode(e.Content, out)
}

func (c *Client) observe(s CallStats, err error) {
	if c.metrics == nil {
		return
	}
	var le *Error
	if errors.As(err, &le) {
		s.Status = le.Status
	}
	s.Err = err
	c.metrics.ObserveCall(s)
}

// call makes up to MaxAttempts attempts and returns the answer's content.
func (c *Client) call(ctx context.Context, req Request) (Result, string, error) {
	var res Result
	for attempt := 1; ; attempt++ {
		res.Attempts = attempt
		content, got, err := c.once(ctx, req)
		res.Usage.add(got.Usage)
		if err == nil {
			res.Model, res.Provider, res.GenerationID = got.Model, got.Provider, got.GenerationID
			return res, content, nil
		}
		var le *Error
		if ctx.Err() != nil || !errors.As(err, &le) || le.Permanent || attempt >= c.cfg.MaxAttempts {
			return res, "", err
		}
		wait := c.backoff(attempt)
		if le.RetryAfter > 0 {
			wait = le.RetryAfter
		}
		if wait > c.cfg.MaxRetryWait {
			c.log.WarnContext(ctx, "llm asked to wait longer than allowed; giving up for now", "wait", wait.String(), "err", err)
			return res, "", err
		}
		c.log.WarnContext(ctx, "llm call failed; retrying", "attempt", attempt, "retry_in", wait.String(), "status", le.Status, "err", err)
		if serr := c.sleep(ctx, wait); serr != nil {
			return res, "", err
		}
	}
}

// once makes one attempt.
func (c *Client) once(ctx context.Context, req Request) (string, Result, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	capt := &capture{}
	actx = context.WithValue(actx, captureKey{}, capt)
	maxTokens := c.cfg.MaxTokens
	if req.MaxTokens > 0 {
		maxTokens = req.MaxTokens
	}
	resp, err := c.api.CreateChatCompletion(actx, openai.ChatCompletionRequest{
		Model: c.cfg.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: req.System},
			{Role: openai.ChatMessageRoleUser, Content: req.User},
		},
		MaxTokens: maxTokens,
		// go-openai omits a zero temperature; the smallest positive one is
		// greedy decoding for every provider.
		Temperature: math.SmallestNonzeroFloat32,
		ResponseFormat: &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: req.Schema.Name, Schema: req.Schema, Strict: true},
		},
	})
	if err != nil {
		if ctx.Err() != nil {
			return "", Result{}, ctx.Err()
		}
		if errors.Is(actx.Err(), context.DeadlineExceeded) {
			return "", Result{}, &Error{Message: fmt.Sprintf("no answer within %s", c.cfg.Timeout), Err: err}
		}
		return "", Result{}, classify(err, capt)
	}
	meta := parseBody(capt.body)
	got := Result{Model: resp.Model, Provider: meta.Provider, GenerationID: resp.ID, Usage: Usage{
		PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens,
		TotalTokens: resp.Usage.TotalTokens, CostUSD: meta.Usage.Cost,
	}}
	if got.Model == "" {
		got.Model = c.cfg.Model
	}
	if meta.Error != nil {
		return "", got, bodyError(meta.Error, capt.header)
	}
	if len(resp.Choices) == 0 {
		return "", got, &Error{Status: capt.status, Message: "answer has no choices"}
	}
	ch := resp.Choices[0]
	switch ch.FinishReason {
	case "error":
		return "", got, &Error{Status: capt.status, Message: "the provider failed while answering (finish_reason error)"}
	case openai.FinishReasonContentFilter:
		return "", got, &Error{Status: capt.status, Message: "the answer was withheld by a content filter", Permanent: true}
	case openai.FinishReasonLength:
		return "", got, invalidOutput(fmt.Errorf("answer cut off after %d tokens", maxTokens))
	}
	if ch.Message.Refusal != "" {
		return "", got, &Error{Status: capt.status, Message: "the model refused: " + truncate(ch.Message.Refusal, 200), Permanent: true}
	}
	if ch.Message.Content == "" {
		return "", got, invalidOutput(errors.New("answer is empty"))
	}
	return ch.Message.Content, got, nil
}

// bodyMeta holds what OpenRouter adds to OpenAI's response shape.
type bodyMeta struct {
	Provider string `json:"provider"`
	Usage    struct {
		Cost float64 `json:"cost"`
	} `json:"usage"`
	Error *struct {
		Code     json.RawMessage `json:"code"`
		Message  string          `json:"message"`
		Metadata map[string]any  `json:"metadata"`
	} `json:"error"`
}

func parseBody(body []byte) bodyMeta {
	var m bodyMeta
	_ = json.Unmarshal(body, &m)
	return m
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// defaultBackoff waits 1s, 2s, 4s, ... up to 16s, with ±20% jitter.
func defaultBackoff(attempt int) time.Duration {
	d := time.Second << min(max(attempt-1, 0), 4)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
