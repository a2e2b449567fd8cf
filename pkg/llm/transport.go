package llm

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// captureKey carries a *capture in a request context.
type captureKey struct{}

// capture keeps the raw response of one attempt: go-openai decodes only
// OpenAI's fields, and OpenRouter's extras (usage.cost, provider, an error in
// a 200 body, Retry-After) live outside them.
type capture struct {
	status int
	header http.Header
	body   []byte
}

// capturingDoer sends requests with the attribution headers, bounds the
// response body, and records the response in the request's capture.
type capturingDoer struct {
	next           *http.Client
	referer, title string
}

// Do implements openai.HTTPDoer.
func (d *capturingDoer) Do(req *http.Request) (*http.Response, error) {
	if d.referer != "" {
		req.Header.Set("HTTP-Referer", d.referer)
	}
	if d.title != "" {
		req.Header.Set("X-Title", d.title)
	}
	resp, err := d.next.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	_ = resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if len(body) > maxResponseBytes {
		return nil, fmt.Errorf("response larger than %d bytes", maxResponseBytes)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if c, ok := req.Context().Value(captureKey{}).(*capture); ok {
		c.status, c.header, c.body = resp.StatusCode, resp.Header, body
	}
	return resp, nil
}
