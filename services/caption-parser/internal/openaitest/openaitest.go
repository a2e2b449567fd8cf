// Package openaitest is a fake OpenAI-compatible chat-completions server for
// the caption parser's tests. It answers in the shape OpenRouter sends
// (testdata/chat_completion.json: the provider, native_finish_reason,
// reasoning and usage.cost fields included, with values of our own), with
// the message content a test chooses, or with an error status and body of
// the documented shape {"error":{"code","message"}}.
package openaitest

import (
	_ "embed"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/buylink/buylink/pkg/llm"
)

// Key is the API key the server accepts; any other answers 401.
const Key = "test-key"

// Model is the model the canned response names.
const Model = "mistralai/mistral-small-3.2-24b-instruct"

// PromptTokens is the usage.prompt_tokens of every answer.
const PromptTokens = 512

//go:embed testdata/chat_completion.json
var completion []byte

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the API root to use as LLM_BASE_URL.
	URL string

	mu       sync.Mutex
	anyKey   bool
	status   int
	body     []byte
	requests []map[string]any
}

// New starts a server answering every request with content as the
// assistant message (a JSON document for structured completions). It stops
// when the test ends.
func New(tb testing.TB, content string) *Server {
	tb.Helper()
	s := &Server{status: http.StatusOK}
	s.SetAnswer(tb, content)
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Response returns the canned chat completion with content as its message.
func Response(tb testing.TB, content string) []byte {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(completion, &m); err != nil {
		tb.Fatal(err)
	}
	m["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"] = content
	body, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// SetAnswer makes the server answer 200 with content as the message.
func (s *Server) SetAnswer(tb testing.TB, content string) {
	tb.Helper()
	body := Response(tb, content)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = http.StatusOK, body
}

// SetRaw makes the server answer with this status and body as they are.
func (s *Server) SetRaw(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, []byte(body)
}

// Fail makes the server answer with an error status and the documented
// error body {"error":{"code":status,"message":message}}.
func (s *Server) Fail(status int, message string) {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": status, "message": message}})
	s.SetRaw(status, string(body))
}

// AcceptAnyKey makes the server answer whatever key is sent, as a local
// model server does.
func (s *Server) AcceptAnyKey() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.anyKey = true
}

// Config returns an llm.Config for this server: its key and URL, one attempt.
func (s *Server) Config() llm.Config {
	return llm.Config{APIKey: Key, BaseURL: s.URL, MaxAttempts: 1}
}

// Requests returns the decoded JSON bodies of the requests so far.
func (s *Server) Requests() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.requests...)
}

// Count returns the number of requests so far.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var req map[string]any
	_ = json.Unmarshal(raw, &req)
	s.mu.Lock()
	s.requests = append(s.requests, req)
	status, body, anyKey := s.status, s.body, s.anyKey
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case !anyKey && r.Header.Get("Authorization") != "Bearer "+Key:
		status, body = http.StatusUnauthorized, []byte(`{"error":{"code":401,"message":"No auth credentials found"}}`)
	case r.Method != http.MethodPost || r.URL.Path != "/chat/completions":
		status, body = http.StatusNotFound, []byte(`{"error":{"code":404,"message":"Not Found"}}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
