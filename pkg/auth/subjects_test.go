package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
)

// No dev login mints the admin's subject (issue 13, item 7): local subjects
// are namespaced, and the admin's lives where no account name reaches.
func TestAttackDevLoginCannotMintTheAdmin(t *testing.T) {
	e := newLocalEnv(t, 0)
	owners := map[string]string{"demo": "local|demo", "ops_shop": AdminSub, "cog_shop": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}
	dev := &DevLogin{Issuer: e.issuer, SubOf: func(_ context.Context, handle string) (string, error) {
		if sub, ok := owners[handle]; ok {
			return sub, nil
		}
		return "", catalog.NotFound("seller", handle)
	}}
	e.router.POST("/auth/dev/login", dev.Handle)
	e.router.POST("/login", dev.Submit)
	attacks := []struct {
		body   string
		status int
	}{
		{`{"sub":"` + AdminSub + `"}`, 400},
		{`{"sub":"` + AdminSub + `","username":"admin"}`, 400},
		{`{"sub":"local|admin\u007croot"}`, 400},
		{`{"sub":"LOCAL|admin|root"}`, 400},
		{`{"sub":"local|Admin|Root"}`, 400},
		{`{"sub":"local|admin|root "}`, 400},
		{`{"sub":"local|admin|root\u0000"}`, 400},
		{`{"sub":"local|admin|"}`, 400},
		{`{"sub":"local||admin"}`, 400},
		{`{"sub":"local|admin|root","groups":["admins"]}`, 400},
		{`{"handle":"ops_shop"}`, 403},
		{`{"handle":"cog_shop"}`, 403},
	}
	refused := 0
	for _, a := range attacks {
		w := post(t, e, "/auth/dev/login", "127.0.0.1", a.body)
		if w.Code != a.status {
			t.Errorf("%s: %d %s", a.body, w.Code, w.Body)
			continue
		}
		refused++
	}
	// The browser form refuses the admin's seller too.
	req := url.Values{"handle": {"ops_shop"}, "next": {"/dashboard"}}
	if w := postForm(t, e, "/login", req); w.Code != http.StatusForbidden || len(w.Result().Cookies()) != 0 {
		t.Errorf("form sign-in to the admin's seller: %d %v", w.Code, w.Result().Cookies())
	} else {
		refused++
	}
	// The issuer itself: the admins group only with the admin's subject,
	// the admin's subject only with the admins group.
	if _, err := e.issuer.Issue(Identity{Sub: AdminSub}); !catalog.IsCode(err, catalog.CodeInvalid) {
		t.Errorf("admin subject without the group: %v", err)
	} else {
		refused++
	}
	if _, err := e.issuer.Issue(Identity{Sub: "local|mallory", Groups: []string{GroupAdmins}}); !catalog.IsCode(err, catalog.CodeInvalid) {
		t.Errorf("an account in the admins group: %v", err)
	} else {
		refused++
	}
	t.Logf("attack table dev login minting the admin: %d tries, %d refused", len(attacks)+3, refused)

	// "local|admin", the admin's subject before namespacing, is an ordinary
	// account name now: it signs in as nobody special.
	w := post(t, e, "/auth/dev/login", "127.0.0.1", `{"sub":"local|admin","username":"admin"}`)
	var tok Token
	_ = json.Unmarshal(w.Body.Bytes(), &tok)
	id, err := e.v.Verify(t.Context(), tok.Token)
	if w.Code != 200 || err != nil || id.Sub == AdminSub || id.IsAdmin() {
		t.Fatalf("local|admin: %d %+v %v", w.Code, id, err)
	}
	if !IsLocalAccount("local|demo") || IsLocalAccount(AdminSub) || IsLocalAccount("local|") || IsLocalAccount("demo") || strings.Count(AdminSub, "|") != 2 {
		t.Fatal("IsLocalAccount")
	}
}

func postForm(t *testing.T, e *localEnv, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	e.router.ServeHTTP(w, req)
	return w
}
