package security

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
	"github.com/buylink/buylink/services/devstack"
	"github.com/buylink/buylink/services/thumbnail-generator/thumbgen"
)

// TestMain lets the test binary act as the thumbnail generator's decoding
// child (as the devstack binary does) and prints the attack table.
func TestMain(m *testing.M) {
	thumbgen.MaybeRunChild()
	code := m.Run()
	attacks.print(os.Stdout)
	os.Exit(code)
}

// table counts the tries and refusals of each attack, for the closing note.
type table struct {
	mu    sync.Mutex
	order []string
	rows  map[string]*[2]int
}

var attacks = &table{rows: map[string]*[2]int{}}

// try records one try of an attack; a try that was not refused fails t.
func try(t *testing.T, attack, what string, refused bool, format string, args ...any) {
	t.Helper()
	attacks.mu.Lock()
	r, ok := attacks.rows[attack]
	if !ok {
		r = &[2]int{}
		attacks.rows[attack] = r
		attacks.order = append(attacks.order, attack)
	}
	r[0]++
	if refused {
		r[1]++
	}
	attacks.mu.Unlock()
	if !refused {
		t.Errorf("%s: %s was not refused: "+format, append([]any{attack, what}, args...)...)
	}
}

func (tb *table) print(w io.Writer) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.order) == 0 {
		return
	}
	sort.Strings(tb.order)
	tries, refused := 0, 0
	fmt.Fprintf(w, "\nattack table (issue 13)\n%-58s %6s %8s\n", "attack", "tries", "refused")
	for _, a := range tb.order {
		r := tb.rows[a]
		tries, refused = tries+r[0], refused+r[1]
		fmt.Fprintf(w, "%-58s %6d %8d\n", a, r[0], r[1])
	}
	fmt.Fprintf(w, "%-58s %6d %8d\n", "total", tries, refused)
}

// option configures startStack.
type option struct {
	videos []oembedtest.Video
	config func(*devstack.Config)
}

// knows makes TikTok's oEmbed fake know the videos.
func knows(videos ...oembedtest.Video) option { return option{videos: videos} }

// withConfig changes the stack's configuration.
func withConfig(f func(*devstack.Config)) option { return option{config: f} }

// stack is a devstack running for one test.
type stack struct {
	base, dir string
	tiktok    *oembedtest.Server
}

// startStack runs a devstack without the demo shop on a free loopback port
// until the test ends; TikTok's oEmbed is a fake knowing the videos of the options.
func startStack(t *testing.T, options ...option) *stack {
	t.Helper()
	var videos []oembedtest.Video
	var changes []func(*devstack.Config)
	for _, o := range options {
		videos = append(videos, o.videos...)
		if o.config != nil {
			changes = append(changes, o.config)
		}
	}
	s := &stack{dir: t.TempDir(), tiktok: oembedtest.NewServer(t, videos...)}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := devstack.Config{Addr: "127.0.0.1:0", DataDir: s.dir, Out: io.Discard, NoDemo: true, Metrics: metrics.New("security"),
		SweepEvery: time.Hour, TikTokOEmbedURL: s.tiktok.Endpoint(), Ready: func(a string) { ready <- a }}
	for _, c := range changes {
		c(&cfg)
	}
	go func() { done <- devstack.Run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	select {
	case a := <-ready:
		s.base = "http://" + a
	case err := <-done:
		cancel()
		t.Fatalf("the devstack did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("the devstack did not start within 30s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("the devstack stopped with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("the devstack did not stop within 30s")
		}
	})
	return s
}

// answer is an HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// message is the error message of a JSON error answer, or the body.
func (a answer) message() string {
	var e struct {
		Error struct{ Code, Message string }
	}
	if json.Unmarshal(a.body, &e) == nil && e.Error.Message != "" {
		return e.Error.Message
	}
	return string(a.body)
}

func (a answer) String() string {
	b := a.body
	if len(b) > 300 {
		b = b[:300]
	}
	return fmt.Sprintf("%d %s", a.status, b)
}

// client never follows redirects: the tests read them.
var client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 60 * time.Second}

// request is one request to the stack.
type request struct {
	method, path string
	body         io.Reader
	contentType  string
	token        string
	cookies      []*http.Cookie
	header       map[string]string
}

func (s *stack) do(t *testing.T, r request) answer {
	t.Helper()
	return s.doHost(t, r, "")
}

// doHost sends the request with another Host header ("" keeps the stack's).
func (s *stack) doHost(t *testing.T, r request, host string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), r.method, s.base+r.path, r.body)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for _, c := range r.cookies {
		req.AddCookie(c)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

// json sends a JSON body (v marshalled, or a string as is) with a bearer token.
func (s *stack) json(t *testing.T, method, path, token string, v any) answer {
	t.Helper()
	var body []byte
	switch b := v.(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	r := request{method: method, path: path, token: token}
	if body != nil {
		r.body, r.contentType = bytes.NewReader(body), "application/json"
	}
	return s.do(t, r)
}

// form posts a URL-encoded form with a browser's session cookies.
func (s *stack) form(t *testing.T, path string, cookies []*http.Cookie, v url.Values, header map[string]string) answer {
	t.Helper()
	return s.do(t, request{method: "POST", path: path, body: strings.NewReader(v.Encode()),
		contentType: "application/x-www-form-urlencoded", cookies: cookies, header: header})
}

// part is one part of a multipart form: a field, or a file when filename is set.
type part struct{ name, filename, contentType, value string }

func multipartBody(t *testing.T, parts ...part) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		if p.filename == "" {
			if err := w.WriteField(p.name, p.value); err != nil {
				t.Fatal(err)
			}
			continue
		}
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename)}
		h["Content-Type"] = []string{p.contentType}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = pw.Write([]byte(p.value))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, w.FormDataContentType()
}

// seller is a shop on the stack with its owner's bearer token and browser session.
type seller struct {
	handle, token, csrf string
	cookies             []*http.Cookie
}

// newSeller signs up a local account and creates its shop, then signs its
// browser in through the login form.
func (s *stack) newSeller(t *testing.T, handle string) seller {
	t.Helper()
	sl := seller{handle: handle, token: s.devToken(t, map[string]string{"sub": "local|" + handle})}
	if a := s.json(t, "POST", "/api/sellers", sl.token, map[string]string{"handle": handle, "displayName": "Shop " + handle}); a.status != 201 {
		t.Fatalf("create seller %s: %s", handle, a)
	}
	a := s.form(t, "/login", nil, url.Values{"handle": {handle}, "next": {"/dashboard"}}, nil)
	if a.status != http.StatusSeeOther {
		t.Fatalf("sign in %s: %s", handle, a)
	}
	resp := http.Response{Header: a.header}
	sl.cookies = resp.Cookies()
	page := s.do(t, request{method: "GET", path: "/dashboard", cookies: sl.cookies})
	m := csrfRE.FindSubmatch(page.body)
	if page.status != 200 || m == nil {
		t.Fatalf("dashboard of %s: %s", handle, page)
	}
	sl.csrf = string(m[1])
	return sl
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// devToken signs in through the dev login.
func (s *stack) devToken(t *testing.T, body map[string]string) string {
	t.Helper()
	a := s.json(t, "POST", "/auth/dev/login", "", body)
	var tok struct{ Token string }
	if err := json.Unmarshal(a.body, &tok); a.status != 200 || err != nil || tok.Token == "" {
		t.Fatalf("dev login %v: %s", body, a)
	}
	return tok.Token
}

// decode reads a JSON answer that must have the status.
func decode[T any](t *testing.T, a answer, status int) T {
	t.Helper()
	var v T
	if a.status != status {
		t.Fatalf("want %d, got %s", status, a)
	}
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("decode %s: %v", a, err)
	}
	return v
}

// follow reads the page a redirect leads to, with the browser's cookies and
// those the redirect set (a flash).
func (s *stack) follow(t *testing.T, a answer, cookies []*http.Cookie) answer {
	t.Helper()
	resp := http.Response{Header: a.header}
	return s.do(t, request{method: "GET", path: a.header.Get("Location"), cookies: append(append([]*http.Cookie(nil), cookies...), resp.Cookies()...)})
}
