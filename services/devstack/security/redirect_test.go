package security

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/auth"
)

// openRedirects are next values a browser resolves to another origin, or
// encoded and disguised forms of them (issue 13, item 3: the TAB).
var openRedirects = []string{
	"/%09/evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "//evil.example", "///evil.example",
	"/\\evil.example", "\\\\evil.example", "/%2F%2Fevil.example", "/%5C/evil.example", "https://evil.example/",
	"HTTPS://evil.example/", "http:evil.example", "javascript:alert(document.domain)", "java\tscript:alert(1)",
	"data:text/html,<script>alert(1)</script>", " //evil.example", "\x00//evil.example", "/\u200b/evil.example",
	"/\u3000/evil.example", "/%0d%0aSet-Cookie:%20x=y", "//evil.example@localhost/",
}

var nextFieldRE = regexp.MustCompile(`name="next" value="([^"]*)"`)

// Open redirect after sign-in (issue 13, item 3, fixed): the devstack's
// sign-in form, given any of these next values, returns the browser to the
// dashboard on its own origin, and the sign-in page never carries them.
func TestAttackOpenRedirectAfterSignIn(t *testing.T) {
	s := startStack(t)
	s.newSeller(t, "own.shop")
	origin, err := url.Parse(s.base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	for _, next := range openRedirects {
		a := s.form(t, "/login", nil, url.Values{"handle": {"own.shop"}, "next": {next}}, nil)
		loc := a.header.Get("Location")
		to, err := origin.Parse(loc)
		try(t, "open redirect after sign-in", "POST /login next="+next, a.status == http.StatusSeeOther && err == nil &&
			to.Host == origin.Host && loc == auth.DefaultNext, "%s Location %q", a, loc)

		page := s.do(t, request{method: "GET", path: "/login?next=" + url.QueryEscape(next)})
		m := nextFieldRE.FindSubmatch(page.body)
		try(t, "open redirect after sign-in", "GET /login?next="+next, page.status == 200 && m != nil && html.UnescapeString(string(m[1])) == auth.DefaultNext,
			"%s", page)
	}
	// A page of the site is kept.
	a := s.form(t, "/login", nil, url.Values{"handle": {"own.shop"}, "next": {"/dashboard/links"}}, nil)
	if a.header.Get("Location") != "/dashboard/links" {
		t.Fatalf("a local next: %s %q", a, a.header.Get("Location"))
	}
	if strings.Contains(a.header.Get("Location"), "evil") {
		t.Fatal("unreachable")
	}
}
