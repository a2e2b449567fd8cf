package security

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Login CSRF and DNS rebinding on the devstack's passwordless sign-ins
// (found by this suite, fixed in services/devstack/guard.go): a form on
// another site's page posting /login, /signup or /auth/dev/login would sign
// the browser in to a shop of the attacker's choosing, or create one; and
// /signup answered any Host. Each is refused with 403, no session cookie
// and no shop, while the same posts from the devstack's own pages work.
func TestAttackLoginCSRF(t *testing.T) {
	s := startStack(t)
	s.newSeller(t, "attacker.shop")
	port := s.base[strings.LastIndex(s.base, ":"):]
	posts := []struct {
		path, contentType, body string
	}{
		{"/login", "application/x-www-form-urlencoded", url.Values{"handle": {"attacker.shop"}, "next": {"/dashboard"}}.Encode()},
		{"/signup", "application/x-www-form-urlencoded", url.Values{"handle": {"planted.shop"}, "displayName": {"Planted"}}.Encode()},
		{"/auth/dev/login", "application/json", `{"handle":"attacker.shop"}`},
		{"/auth/dev/login", "text/plain", `{"sub":"local|mallory"}`},
	}
	sites := []map[string]string{
		{"Origin": "https://evil.example"},
		{"Origin": "http://localhost.evil.example" + port},
		{"Origin": "null"},
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Referer": "https://evil.example/"},
		{"Host": "evil.example" + port}, // DNS rebinding
		{"Host": "127.0.0.1.nip.io" + port},
	}
	for _, p := range posts {
		for _, h := range sites {
			r := request{method: "POST", path: p.path, body: strings.NewReader(p.body), contentType: p.contentType, header: map[string]string{}}
			host := ""
			for k, v := range h {
				if k == "Host" {
					host = v
					continue
				}
				r.header[k] = v
			}
			a := s.doHost(t, r, host)
			try(t, "login CSRF and DNS rebinding on the sign-ins", p.path+" "+p.contentType+" from "+strings.Join(headerList(h), " "),
				a.status == http.StatusForbidden && a.header.Get("Set-Cookie") == "" && !strings.Contains(string(a.body), "token"), "%s", a)
		}
	}
	if a := s.do(t, request{method: "GET", path: "/api/handles/planted.shop"}); !strings.Contains(string(a.body), "available") {
		t.Fatalf("a refused sign-up created the shop: %s", a)
	}
	// From the devstack's own pages, and from a link elsewhere, they work.
	own := map[string]string{"Origin": s.base, "Sec-Fetch-Site": "same-origin"}
	if a := s.do(t, request{method: "POST", path: "/login", body: strings.NewReader(posts[0].body), contentType: posts[0].contentType, header: own}); a.status != http.StatusSeeOther {
		t.Fatalf("a same-origin sign-in: %s", a)
	}
	if a := s.do(t, request{method: "GET", path: "/login", header: map[string]string{"Sec-Fetch-Site": "cross-site"}}); a.status != http.StatusOK {
		t.Fatalf("opening the sign-in page from a link elsewhere: %s", a)
	}
}

func headerList(h map[string]string) []string {
	var out []string
	for _, k := range []string{"Host", "Origin", "Sec-Fetch-Site", "Referer"} {
		if v, ok := h[k]; ok {
			out = append(out, k+": "+v)
		}
	}
	return out
}
