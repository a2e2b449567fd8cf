package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/web"
)

// nextAttacks are next values (as decoded from the query or form) that a
// browser resolves to another origin than the sign-in page's: the open
// redirects of issue 13 (item 3) and their relatives. TestSafeNextAgainstChromium
// proves each one really leaves the origin in Chromium.
var nextAttacks = []string{
	"//evil.example/x", "///evil.example/x", "/\\evil.example/x", "\\\\evil.example/x", "\\/evil.example/x", "/\\/evil.example/x",
	"/\t/evil.example/x", "/\n/evil.example/x", "/\r/evil.example/x", "/\r\n/evil.example/x", "/\t\\evil.example/x",
	"\t//evil.example/x", " //evil.example/x", "\x00//evil.example/x", "\x1f//evil.example/x", "\x0c//evil.example/x",
	"//\tevil.example/x", "/\t\t/evil.example", "//evil.example\t/x",
	"https://evil.example/x", "HTTPS://evil.example/x", "http:evil.example/x", "http:/evil.example/x", "http:\\\\evil.example/x",
	"javascript:alert(document.domain)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
	"vbscript:msgbox(1)", "//evil.example@buylink.example.evil.example/",
}

// nextRefusedAnyway stay on the origin in browsers but are refused all the
// same: encoded forms of the attacks, whitespace and controls, dot segments.
var nextRefusedAnyway = []string{
	"", "dashboard", "/%09/evil.example", "/%2F%2Fevil.example", "/%2f/evil.example", "/%5C/evil.example", "/%5c%5cevil.example",
	"/%0d%0aSet-Cookie:%20x=y", "/a\r\nSet-Cookie: x", "/%00", "/\u00a0/evil.example", "/\u3000/evil.example", "/\u2028/evil.example",
	"/\u200b/evil.example", "/\u202e/moc.elpmaxe.live", "/\ufeff/x", "/./x", "/../x", "/a/../../x", "/%2e%2e/x", "/%2E/x",
	"https:evil.example", "/x%zz", "/\xff", "/" + strings.Repeat("a", 512), "/a b",
}

// nextAccepted are pages a sign-in may return to.
var nextAccepted = []string{
	"/dashboard", "/dashboard/products", "/dashboard/products?status=draft&sort=position#top", "/s/demo", "/dashboard/products/pk3x",
	"/@demo", "/dashboard?q=caf%C3%A9", "/dashboard:x", "/s/démo", "/dashboard?next=/x", "/" + strings.Repeat("a", 511),
}

func TestAttackOpenRedirectAfterSignIn(t *testing.T) {
	refused := 0
	for _, in := range append(append([]string{}, nextAttacks...), nextRefusedAnyway...) {
		if got := SafeNext(in); got != DefaultNext {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, DefaultNext)
			continue
		}
		refused++
	}
	for _, in := range nextAccepted {
		if got := SafeNext(in); got != in {
			t.Errorf("SafeNext(%q) = %q, want it kept", in, got)
		}
	}
	t.Logf("attack table open redirect (next): %d tries, %d refused", len(nextAttacks)+len(nextRefusedAnyway), refused)
}

// chromiumPath is Debian's chromium (scripts/apt-packages.txt).
const chromiumPath = "/usr/bin/chromium"

// resolveInChromium resolves each reference against base with Chromium's
// own URL parser (new URL(ref, base), the parser navigation and Location
// use) and returns the origins, "error" where the parser refuses.
func resolveInChromium(t *testing.T, base string, refs []string) []string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("this test needs Debian's chromium at %s (scripts/deps.sh installs it): %v", chromiumPath, err)
	}
	in, _ := json.Marshal(refs) // escapes <, > and &: safe inside <script>
	b, _ := json.Marshal(base)
	page := `<!doctype html><html><head><meta charset="utf-8"></head><body><pre id="out"></pre><script>
const refs = ` + string(in) + `, base = ` + string(b) + `;
document.getElementById("out").textContent = JSON.stringify(refs.map(r => { try { return new URL(r, base).origin; } catch (e) { return "error"; } }));
</script></body></html>`
	dir := t.TempDir()
	file := filepath.Join(dir, "resolve.html")
	if err := os.WriteFile(file, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromiumPath, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--dump-dom", "file://"+file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	_, answer, _ := strings.Cut(string(out), `<pre id="out">`)
	answer, _, _ = strings.Cut(answer, "</pre>")
	var origins []string
	if err := json.Unmarshal([]byte(html.UnescapeString(answer)), &origins); err != nil || len(origins) != len(refs) {
		t.Fatalf("chromium's answer (%d origins for %d references) %.300q: %v", len(origins), len(refs), answer, err)
	}
	return origins
}

// TestSafeNextAgainstChromium holds SafeNext to what a real browser does:
// every attack leaves the origin in Chromium (so the table is real), and
// nothing SafeNext keeps — the accepted pages and every combination of up
// to four tricky pieces — leaves it.
func TestSafeNextAgainstChromium(t *testing.T) {
	const base = "https://buylink.example/login?next=x"
	const origin = "https://buylink.example"
	pieces := []string{"/", "\\", "\t", "\n", " ", "%09", "%2f", "%5c", ".", "..", "@", ":", "evil.example", "http:", "\x00", "\u3000", "?", "#"}
	var kept []string
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		if prefix != "" && SafeNext(prefix) == prefix {
			kept = append(kept, prefix)
		}
		if n == 0 {
			return
		}
		for _, p := range pieces {
			gen(prefix+p, n-1)
		}
	}
	gen("", 4)
	refs := append(append(append([]string{}, nextAttacks...), nextAccepted...), kept...)
	got := resolveInChromium(t, base, refs)
	for i, ref := range refs {
		isAttack := i < len(nextAttacks)
		switch {
		case isAttack && got[i] == origin:
			t.Errorf("attack %q stays on %s in Chromium: not a real attack", ref, origin)
		case !isAttack && got[i] != origin:
			t.Errorf("SafeNext keeps %q, which Chromium resolves to origin %q", ref, got[i])
		}
	}
	t.Logf("Chromium resolved %d attacks (all cross-origin) and %d kept values (%d generated), all on %s", len(nextAttacks), len(refs)-len(nextAttacks), len(kept), origin)
}

// The sign-in endpoints hand every next value to SafeNext: the devstack
// form (GET and POST /login) and the hosted UI's round trip (its state
// cookie and the callback's redirect).
func TestAttackOpenRedirectThroughTheSignInEndpoints(t *testing.T) {
	iss, err := NewLocalIssuer(LocalIssuerConfig{URL: "http://localhost:8080/auth", Key: testKey(t, 0)})
	if err != nil {
		t.Fatal(err)
	}
	d := &DevLogin{Issuer: iss, SubOf: func(context.Context, string) (string, error) { return "local|demo", nil }}
	h := &HostedUI{BaseURL: "https://auth.example.com", ClientID: "c", RedirectURL: "https://shop.example.com/auth/callback"}
	r := web.New(web.Options{})
	r.GET("/login", d.Page)
	r.POST("/login", d.Submit)
	r.GET("/hosted/login", h.Login)
	for _, next := range []string{"/\t/evil.example", "/%09/evil.example", "//evil.example", "/\\evil.example"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/login?next="+url.QueryEscape(next), nil))
		if !strings.Contains(w.Body.String(), `name="next" value="/dashboard"`) {
			t.Errorf("GET /login?next=%q: the form carries another next: %s", next, w.Body)
		}
		req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"handle": {"demo"}, "next": {next}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w = httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != DefaultNext {
			t.Errorf("POST /login next=%q: %d Location %q", next, w.Code, w.Header().Get("Location"))
		}
		w = httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/hosted/login?next="+url.QueryEscape(next), nil))
		ck := w.Result().Cookies()
		if len(ck) != 1 || !strings.HasSuffix(ck[0].Value, "|"+url.QueryEscape(DefaultNext)) {
			t.Errorf("hosted UI login next=%q: state cookie %+v", next, ck)
		}
	}
}
