package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/obs"
)

type payload struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func testEngine(t *testing.T) *gin.Engine {
	r := New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxBodyBytes: 1024})
	r.POST("/echo", func(c *gin.Context) {
		var p payload
		if err := BindJSON(c, &p); err != nil {
			WriteError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"p": p, "correlation": obs.CorrelationID(c.Request.Context())})
	})
	r.GET("/fail/:code", func(c *gin.Context) {
		switch c.Param("code") {
		case "plain":
			WriteError(c, errors.New("secret database detail"))
		case "panic":
			panic("boom")
		default:
			WriteError(c, &catalog.Error{Code: catalog.Code(c.Param("code")), Field: "f", Message: "went wrong"})
		}
	})
	Health(r, map[string]Check{
		"store": func(ctx context.Context) error {
			if ctx.Value(failKey{}) != nil {
				return errors.New("down")
			}
			return nil
		},
	})
	return r
}

type failKey struct{}

func do(r http.Handler, method, target, body string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

func errorOf(t *testing.T, w *httptest.ResponseRecorder) (string, string) {
	t.Helper()
	var b ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil || b.Error.Code == "" {
		t.Fatalf("not a JSON error body: %q", w.Body.String())
	}
	return b.Error.Code, b.Error.Message
}

func TestBindJSONBadInput(t *testing.T) {
	r := testEngine(t)
	cases := []struct {
		name, body string
		status     int
		code, msg  string
	}{
		{"empty", "", 400, "invalid", "body: is empty"},
		{"syntax", `{"name":`, 400, "invalid", "truncated"},
		{"garbage", `{"name" 1}`, 400, "invalid", "not valid JSON"},
		{"unknown field", `{"name":"a","admin":true}`, 400, "invalid", `unknown field "admin"`},
		{"trailing", `{"name":"a"} {"name":"b"}`, 400, "invalid", "data after the JSON"},
		{"wrong type", `{"count":"many"}`, 400, "invalid", "count: must be a number"},
		{"too large", `{"name":"` + strings.Repeat("a", 2000) + `"}`, 413, "too_large", "at most 1024"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := do(r, "POST", "/echo", c.body, nil)
			if w.Code != c.status {
				t.Fatalf("status %d want %d: %s", w.Code, c.status, w.Body)
			}
			code, msg := errorOf(t, w)
			if code != c.code || !strings.Contains(msg, c.msg) {
				t.Fatalf("error %s %q, want %s containing %q", code, msg, c.code, c.msg)
			}
		})
	}
	// Chunked (no Content-Length) bodies are limited while reading.
	req := httptest.NewRequest("POST", "/echo", io.MultiReader(strings.NewReader(`{"name":"`), strings.NewReader(strings.Repeat("a", 4000)+`"}`)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Code != 413 {
		t.Fatalf("chunked oversized body: status %d", w.Code)
	}
	if w := do(r, "POST", "/echo", `{"name":"x"}`, map[string]string{"Content-Type": "text/plain"}); w.Code != 400 {
		t.Fatalf("wrong content type: %d", w.Code)
	}
}

func TestBindJSONOK(t *testing.T) {
	w := do(testEngine(t), "POST", "/echo", `{"name":"a","count":2}`+"\n", map[string]string{HeaderCorrelationID: "corr-42"})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"correlation":"corr-42"`) || w.Header().Get(HeaderCorrelationID) != "corr-42" {
		t.Fatalf("got %d %s %v", w.Code, w.Body, w.Header())
	}
	if w.Header().Get(HeaderRequestID) == "" {
		t.Fatal("no request id in the response")
	}
}

func TestErrorMapping(t *testing.T) {
	r := testEngine(t)
	for code, status := range map[string]int{
		"invalid": 400, "not_found": 404, "conflict": 409, "unauthorized": 401, "forbidden": 403, "unavailable": 503, "internal": 500,
	} {
		w := do(r, "GET", "/fail/"+code, "", nil)
		gotCode, msg := errorOf(t, w)
		if w.Code != status || gotCode != code {
			t.Errorf("%s: status %d code %s, want %d", code, w.Code, gotCode, status)
		}
		if code == "internal" && msg != "internal error" {
			t.Errorf("internal errors must not leak details: %q", msg)
		}
		if code == "invalid" && msg != "f: went wrong" {
			t.Errorf("invalid message: %q", msg)
		}
	}
	w := do(r, "GET", "/fail/plain", "", nil)
	if _, msg := errorOf(t, w); w.Code != 500 || strings.Contains(msg, "secret") {
		t.Fatalf("plain error: %d %q", w.Code, msg)
	}
	w = do(r, "GET", "/fail/panic", "", nil)
	if code, _ := errorOf(t, w); w.Code != 500 || code != "internal" {
		t.Fatalf("panic: %d %s", w.Code, w.Body)
	}
	if w := do(r, "GET", "/nowhere", "", nil); w.Code != 404 {
		t.Fatalf("no route: %d", w.Code)
	}
	if w := do(r, "DELETE", "/echo", "", nil); w.Code != 405 {
		t.Fatalf("no method: %d", w.Code)
	}
	if w := do(r, "GET", "/healthz?"+strings.Repeat("q=1&", 2000), "", nil); w.Code != 414 {
		t.Fatalf("long URI: %d", w.Code)
	}
}

func TestSecurityHeaders(t *testing.T) {
	w := do(testEngine(t), "GET", "/healthz", "", nil)
	for _, h := range []string{"X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
		if w.Header().Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
}

func TestHealth(t *testing.T) {
	r := testEngine(t)
	if w := do(r, "GET", "/healthz", "", nil); w.Code != 200 {
		t.Fatalf("healthz %d", w.Code)
	}
	if w := do(r, "GET", "/readyz", "", nil); w.Code != 200 {
		t.Fatalf("readyz %d", w.Code)
	}
	req := httptest.NewRequest("GET", "/readyz", nil)
	req = req.WithContext(context.WithValue(req.Context(), failKey{}, true))
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Code != 503 || !strings.Contains(w.Body.String(), `"store":"down"`) {
		t.Fatalf("failing readyz: %d %s", w.Code, w.Body)
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(200 * time.Millisecond)
		_, _ = w.Write([]byte("finished"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h) }()
	resp := make(chan string, 1)
	go func() {
		r, err := http.Get("http://" + ln.Addr().String())
		if err != nil {
			resp <- err.Error()
			return
		}
		b, _ := io.ReadAll(r.Body)
		_ = r.Body.Close()
		resp <- string(b)
	}()
	<-started
	cancel()
	if got := <-resp; got != "finished" {
		t.Fatalf("in-flight request was cut: %q", got)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String()); err == nil {
		t.Fatal("server still accepting after shutdown")
	}
}

func TestClientIPIgnoresForwardedForUnlessTrusted(t *testing.T) {
	for _, c := range []struct {
		trusted []string
		want    string
	}{{nil, "192.0.2.1"}, {[]string{"192.0.2.0/24"}, "203.0.113.9"}} {
		r := New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TrustedProxies: c.trusted})
		r.GET("/ip", func(g *gin.Context) { g.String(200, g.ClientIP()) })
		req := httptest.NewRequest("GET", "/ip", nil)
		req.RemoteAddr = "192.0.2.1:1234"
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Body.String() != c.want {
			t.Errorf("trusted %v: client IP %q want %q", c.trusted, w.Body.String(), c.want)
		}
	}
}

func TestHandleLargeBody(t *testing.T) {
	r := New(Options{MaxBodyBytes: 100})
	echo := func(c *gin.Context) {
		b, err := io.ReadAll(c.Request.Body)
		if err != nil {
			WriteError(c, err)
			return
		}
		c.String(http.StatusOK, "%d", len(b))
	}
	HandleLargeBody(r.Group("/up"), http.MethodPost, "/file", 1000, echo)
	r.POST("/small", echo)
	for _, c := range []struct {
		path   string
		n      int
		status int
	}{{"/up/file", 900, 200}, {"/up/file", 1001, 413}, {"/small", 101, 413}, {"/small", 100, 200}} {
		req := httptest.NewRequest(http.MethodPost, c.path, strings.NewReader(strings.Repeat("x", c.n)))
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != c.status {
			t.Errorf("%s with %d bytes: %d, want %d (%s)", c.path, c.n, w.Code, c.status, w.Body)
		}
	}
}

func TestLogBudgetLimitsSuccessLinesPerSecond(t *testing.T) {
	var b logBudget
	t0 := time.Unix(1_700_000_000, 0)
	for i := range successLogsPerSecond {
		if !b.take(t0.Add(time.Duration(i) * time.Millisecond)) {
			t.Fatalf("success %d of the second was not logged; want the first %d logged", i+1, successLogsPerSecond)
		}
	}
	for range 3 {
		if b.take(t0.Add(900 * time.Millisecond)) {
			t.Fatal("a success past the second's allowance was logged")
		}
	}
	if got := b.unlogged.Load(); got != 3 {
		t.Fatalf("unlogged = %d, want 3", got)
	}
	if !b.take(t0.Add(time.Second)) {
		t.Fatal("the allowance did not renew in the next second")
	}
}

// TestAccessLogKeepsEveryFailure: a burst of successes is thinned, every
// failure is logged, and the next success logged counts those left out.
func TestAccessLogKeepsEveryFailure(t *testing.T) {
	var buf strings.Builder
	r := New(Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	r.GET("/ok", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	const n = 3 * successLogsPerSecond
	for range n {
		do(r, http.MethodGet, "/ok", "", nil)
		do(r, http.MethodGet, "/missing", "", nil)
	}
	var ok, failed, unlogged int
	for line := range strings.Lines(buf.String()) {
		var rec struct {
			Status   int `json:"status"`
			Unlogged int `json:"unlogged"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		switch rec.Status {
		case http.StatusNoContent:
			ok++
			unlogged += rec.Unlogged
		case http.StatusNotFound:
			failed++
		}
	}
	if failed != n {
		t.Fatalf("%d of %d failed requests logged; want all", failed, n)
	}
	// The burst may straddle a second boundary: at most two allowances.
	if ok < successLogsPerSecond || ok > 2*successLogsPerSecond || ok == n {
		t.Fatalf("%d of %d successes logged; want them thinned to the per-second allowance", ok, n)
	}
	if ok+unlogged > n {
		t.Fatalf("logged %d + unlogged %d > %d requests", ok, unlogged, n)
	}
}
