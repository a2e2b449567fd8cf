package ingestion_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

func TestPostVideoAcceptsStoresAndPublishes(t *testing.T) {
	e := newEnv(t, nil)
	body := jsonBody(map[string]string{
		"video_url": videoURL + "?is_from_webapp=1&sender_device=pc", "seller_handle": "@Bella.Shop",
		"caption": "Linen shirt $29.99 👉 shop.example.com/linen code BELLA10", "media_url": "https://cdn.example.com/v/1.mp4",
	})
	r := e.do("POST", "/api/videos", e.token(bellaID), body, "X-Correlation-ID", "corr-123")
	if r.status != http.StatusAccepted || r.header.Get("Location") != "/api/videos/"+videoID {
		t.Fatalf("first post: %d %s (Location %q)", r.status, r.body, r.header.Get("Location"))
	}
	var v catalog.Video
	r.decode(t, &v)
	if v.ID != videoID || v.Seller != bella || v.Status != catalog.VideoQueued || v.PageURL != videoURL ||
		v.MediaURL != "https://cdn.example.com/v/1.mp4" || v.Source != catalog.SourceManual || v.CorrelationID != "corr-123" || v.Attempts != 1 {
		t.Fatalf("video %+v", v)
	}
	evs := e.pub.events()
	if len(evs) != 1 {
		t.Fatalf("%d events published, want 1", len(evs))
	}
	env := evs[0]
	var p events.VideoPosted
	if err := events.Decode(env, &p); err != nil {
		t.Fatal(err)
	}
	if env.Type != events.TypeVideoPosted || env.CorrelationID != "corr-123" || env.VideoID != videoID || env.Seller != bella ||
		p.PageURL != videoURL || p.MediaURL != v.MediaURL || !strings.HasPrefix(p.Caption, "Linen shirt") || p.Attempt != 1 {
		t.Fatalf("event %+v %+v", env, p)
	}

	// The same video in another URL form is the same video: 200, nothing published.
	again := jsonBody(map[string]string{"video_url": "https://m.tiktok.com/v/" + videoID + ".html", "seller_handle": bella, "caption": "changed"})
	r = e.do("POST", "/api/videos", e.token(bellaID), again)
	var same catalog.Video
	r.decode(t, &same)
	if r.status != http.StatusOK || same.ID != videoID || !strings.HasPrefix(same.Caption, "Linen shirt") || !same.CreatedAt.Equal(v.CreatedAt) {
		t.Fatalf("repeat: %d %+v", r.status, same)
	}
	if n := len(e.pub.events()); n != 1 || e.countVideos() != 1 {
		t.Fatalf("repeat published %d events, stored %d videos", n, e.countVideos())
	}
}

func TestPostVideoRefusesBadInput(t *testing.T) {
	e := newEnv(t, nil)
	bellaTok, otherTok := e.token(bellaID), e.token(otherID)
	post := func(fields map[string]string) string {
		m := map[string]string{"video_url": videoURL, "seller_handle": bella}
		for k, v := range fields {
			if v == "-" {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return jsonBody(m)
	}
	cases := []struct {
		name, token, body string
		headers           []string
		status            int
		want              string
	}{
		{"non-TikTok host", bellaTok, post(map[string]string{"video_url": "https://www.youtube.com/watch?v=" + videoID}), nil, 400, `videoUrl: must be a tiktok.com video URL (got host "www.youtube.com")`},
		{"look-alike host", bellaTok, post(map[string]string{"video_url": "https://tiktok.com.evil.io/@bella.shop/video/" + videoID}), nil, 400, `got host "tiktok.com.evil.io"`},
		{"look-alike prefix", bellaTok, post(map[string]string{"video_url": "https://nottiktok.com/@bella.shop/video/" + videoID}), nil, 400, "must be a tiktok.com video URL"},
		{"javascript scheme", bellaTok, post(map[string]string{"video_url": "javascript:alert(1)"}), nil, 400, `got scheme "javascript"`},
		{"ftp scheme", bellaTok, post(map[string]string{"video_url": "ftp://www.tiktok.com/@bella.shop/video/" + videoID}), nil, 400, `got scheme "ftp"`},
		{"file scheme", bellaTok, post(map[string]string{"video_url": "file:///etc/passwd"}), nil, 400, `got scheme "file"`},
		{"photo URL", bellaTok, post(map[string]string{"video_url": "https://www.tiktok.com/@bella.shop/photo/7393647281003810054"}), nil, 400, "photo post"},
		{"missing id", bellaTok, post(map[string]string{"video_url": "https://www.tiktok.com/@bella.shop/video/"}), nil, 400, "has no video id"},
		{"non-numeric id", bellaTok, post(map[string]string{"video_url": "https://www.tiktok.com/@bella.shop/video/12ab"}), nil, 400, "not numeric"},
		{"URL over 2 KB", bellaTok, post(map[string]string{"video_url": videoURL + "?x=" + strings.Repeat("a", 2100)}), nil, 400, "must be at most 2048 bytes"},
		{"missing URL", bellaTok, post(map[string]string{"video_url": "-"}), nil, 400, "videoUrl: is required"},
		{"video of another profile", bellaTok, post(map[string]string{"video_url": "https://www.tiktok.com/@meenitech/video/" + videoID}), nil, 400, "is a video of @meenitech, not of seller @bella.shop"},
		{"unknown seller", bellaTok, post(map[string]string{"seller_handle": "nobody_here"}), nil, 404, `seller "nobody_here" not found`},
		{"someone else's seller", otherTok, post(nil), nil, 403, "may not post videos for seller @bella.shop"},
		{"invalid seller handle", bellaTok, post(map[string]string{"seller_handle": "Bad Handle!"}), nil, 400, "sellerHandle: must be"},
		{"missing seller handle", bellaTok, post(map[string]string{"seller_handle": "-"}), nil, 400, "sellerHandle: is required"},
		{"media URL on a private address", bellaTok, post(map[string]string{"media_url": "http://169.254.169.254/latest/meta-data/"}), nil, 400, "mediaUrl: must point at a public host"},
		{"media URL on localhost", bellaTok, post(map[string]string{"media_url": "http://localhost:8080/v.mp4"}), nil, 400, "mediaUrl: must point at a public host"},
		{"media URL with javascript", bellaTok, post(map[string]string{"media_url": "javascript:alert(1)"}), nil, 400, "mediaUrl: must be an http or https URL"},
		{"caption over 16 KiB", bellaTok, post(map[string]string{"caption": strings.Repeat("a", catalog.MaxCaptionBytes+1)}), nil, 400, "caption: must be at most 16384 bytes"},
		{"caption with control characters", bellaTok, post(map[string]string{"caption": "a\x00b"}), nil, 400, "caption: must not contain control characters"},
		{"body over 64 KiB", bellaTok, post(map[string]string{"caption": strings.Repeat("a", 65<<10)}), nil, 413, "at most 65536 are accepted"},
		{"trailing data", bellaTok, post(nil) + ` {"more": 1}`, nil, 400, "has data after the JSON value"},
		{"unknown field", bellaTok, `{"video_url":"` + videoURL + `","seller_handle":"bella.shop","price":10}`, nil, 400, `has an unknown field "price"`},
		{"wrong type", bellaTok, `{"video_url":123,"seller_handle":"bella.shop"}`, nil, 400, "video_url: must be a string"},
		{"not JSON", bellaTok, `video_url=x`, nil, 400, "not valid JSON"},
		{"a field and its alias disagree", bellaTok, `{"videoUrl":"` + videoURL + `","video_url":"https://www.tiktok.com/@bella.shop/video/1","sellerHandle":"bella.shop"}`, nil, 400,
			"videoUrl: is given twice with different values"},
		{"empty body", bellaTok, ``, nil, 400, "is empty"},
		{"bad idempotency key", bellaTok, post(nil), []string{"Idempotency-Key", "has spaces in it"}, 400, "Idempotency-Key: must be printable ASCII"},
		{"no token", "", post(nil), nil, 401, "a bearer token is required"},
		{"forged token", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJsb2NhbHxiZWxsYSJ9.", post(nil), nil, 401, `must be signed with RS256, not "none"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("POST", "/api/videos", c.token, c.body, c.headers...)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if msg := r.message(t); !strings.Contains(msg, c.want) {
				t.Fatalf("message %q does not say %q", msg, c.want)
			}
		})
	}
	if n := e.countVideos(); n != 0 {
		t.Fatalf("bad requests stored %d videos", n)
	}
	if n := len(e.pub.events()); n != 0 {
		t.Fatalf("bad requests published %d events", n)
	}
}

func TestPostVideoAsAdminAndExpiredToken(t *testing.T) {
	e := newEnv(t, nil)
	admin := e.token(auth.AdminSub, auth.GroupAdmins)
	r := e.do("POST", "/api/videos", admin, jsonBody(map[string]string{"video_url": videoURL, "seller_handle": bella}))
	if r.status != http.StatusAccepted {
		t.Fatalf("admin post: %d %s", r.status, r.body)
	}
	old, err := auth.NewLocalIssuer(auth.LocalIssuerConfig{URL: e.issuer.URL(), Key: issuerKey(), Now: func() time.Time { return time.Now().Add(-3 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := old.Issue(auth.Identity{Sub: bellaID})
	r = e.do("POST", "/api/videos", expired.Token, jsonBody(map[string]string{"video_url": videoURL, "seller_handle": bella}))
	if r.status != 401 || r.message(t) != "the token has expired" {
		t.Fatalf("expired token: %d %s", r.status, r.body)
	}
}

func TestPostVideoResolvesShortLinks(t *testing.T) {
	redirects := map[string]string{
		"/ZMhvqjqjP/": "https://www.tiktok.com/@bella.shop/video/" + videoID + "?_t=8nX&_r=1",
		"/ZMother1/":  "https://www.tiktok.com/@meenitech/video/7523974732983651591",
		"/ZMevil12/":  "http://169.254.169.254/latest/meta-data/",
	}
	resolver, tiktokSrv := shortLinks(t, redirects)
	e := newEnv(t, func(d *ingestion.Deps) { d.Resolver = resolver })
	tok := e.token(bellaID)
	cases := []struct {
		short  string
		status int
		want   string
	}{
		{"https://vm.tiktok.com/ZMhvqjqjP/", 202, ""},
		{"https://vm.tiktok.com/ZMother1/", 400, "is a video of @meenitech, not of seller @bella.shop"},
		{"https://vt.tiktok.com/ZMevil12/", 400, "does not lead to a TikTok video"},
		{"https://vm.tiktok.com/ZMgone123/", 400, "does not exist"},
	}
	for _, c := range cases {
		r := e.do("POST", "/api/videos", tok, jsonBody(map[string]string{"video_url": c.short, "seller_handle": bella}))
		if r.status != c.status {
			t.Fatalf("%s: %d %s", c.short, r.status, r.body)
		}
		if c.status == 202 {
			var v catalog.Video
			r.decode(t, &v)
			if v.ID != videoID || v.PageURL != videoURL {
				t.Fatalf("resolved video %+v", v)
			}
		} else if msg := r.message(t); !strings.Contains(msg, c.want) {
			t.Fatalf("%s: %q", c.short, msg)
		}
	}
	tiktokSrv.Close()
	r := e.do("POST", "/api/videos", tok, jsonBody(map[string]string{"video_url": "https://vm.tiktok.com/ZMhvqjqjP/", "seller_handle": bella}))
	if r.status != 503 || r.header.Get("Retry-After") == "" || !strings.Contains(r.message(t), "could not resolve the TikTok short link") {
		t.Fatalf("TikTok unreachable: %d %s", r.status, r.body)
	}
}

// shortLinks is a TikTok short-link server answering each path with a
// redirect to redirects[path] (404 for others), and a resolver sending every
// request to it.
func shortLinks(t *testing.T, redirects map[string]string) (*tiktok.Resolver, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if loc, ok := redirects[r.URL.Path]; ok {
			http.Redirect(w, r, loc, http.StatusMovedPermanently)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	target, _ := url.Parse(srv.URL)
	return &tiktok.Resolver{Client: &http.Client{Transport: rewrite{target}}}, srv
}

// rewrite sends every request to the target server (the test's TikTok).
type rewrite struct{ target *url.URL }

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = rw.target.Scheme, rw.target.Host
	return http.DefaultTransport.RoundTrip(r)
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token(bellaID)
	body := `{"video_url":"` + videoURL + `","seller_handle":"bella.shop","caption":"hi"}`
	reordered := "{\n  \"caption\": \"hi\",\n  \"seller_handle\": \"bella.shop\",\n  \"video_url\": \"" + videoURL + "\"\n}"

	first := e.do("POST", "/api/videos", tok, body, "Idempotency-Key", "order-42")
	if first.status != 202 || first.header.Get(ingestion.HeaderReplayed) != "" || first.header.Get("Location") == "" {
		t.Fatalf("first: %d %s", first.status, first.body)
	}
	replay := e.do("POST", "/api/videos", tok, reordered, "Idempotency-Key", "order-42")
	if replay.status != 202 || string(replay.body) != string(first.body) || replay.header.Get(ingestion.HeaderReplayed) != "true" {
		t.Fatalf("replay: %d %s (replayed %q)", replay.status, replay.body, replay.header.Get(ingestion.HeaderReplayed))
	}
	if n := len(e.pub.events()); n != 1 {
		t.Fatalf("replays published: %d events", n)
	}
	reused := e.do("POST", "/api/videos", tok, `{"video_url":"`+videoURL+`","seller_handle":"bella.shop","caption":"other"}`, "Idempotency-Key", "order-42")
	if reused.status != http.StatusUnprocessableEntity || !strings.Contains(reused.message(t), "already used for a different request") {
		t.Fatalf("reused key: %d %s", reused.status, reused.body)
	}
	// Without the key, the same body is a repeat of a stored video.
	if r := e.do("POST", "/api/videos", tok, body); r.status != 200 {
		t.Fatalf("repeat without a key: %d", r.status)
	}
	// Keys are per account: an admin's request with the same key is its own.
	admin := e.token(auth.AdminSub, auth.GroupAdmins)
	if r := e.do("POST", "/api/videos", admin, body, "Idempotency-Key", "order-42"); r.status != 200 || r.header.Get(ingestion.HeaderReplayed) != "" {
		t.Fatalf("another account's key: %d %v", r.status, r.header)
	}
	// A failed request is not remembered: the corrected retry with the same key works.
	bad := e.do("POST", "/api/videos", tok, `{"video_url":"https://evil.io/x","seller_handle":"bella.shop"}`, "Idempotency-Key", "order-43")
	fixed := e.do("POST", "/api/videos", tok, `{"video_url":"https://www.tiktok.com/@bella.shop/video/42","seller_handle":"bella.shop"}`, "Idempotency-Key", "order-43")
	if bad.status != 400 || fixed.status != 202 {
		t.Fatalf("failed then corrected: %d then %d %s", bad.status, fixed.status, fixed.body)
	}
	if r := e.do("POST", "/api/videos", tok, body, "Idempotency-Key", strings.Repeat("k", 256)); r.status != 400 || !strings.Contains(r.message(t), "at most 255") {
		t.Fatalf("long key: %d %s", r.status, r.body)
	}
}

func TestGetVideo(t *testing.T) {
	e := newEnv(t, nil)
	if r := e.do("POST", "/api/videos", e.token(bellaID), jsonBody(map[string]string{"video_url": videoURL, "seller_handle": bella})); r.status != 202 {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	if _, err := e.store.UpdateVideo(t.Context(), videoID, func(v *catalog.Video) error {
		v.Status, v.FailureReason, v.ProductCount = catalog.VideoFailed, "the video could not be downloaded", 2
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r := e.do("GET", "/api/videos/"+videoID, e.token(bellaID), "")
	var v catalog.Video
	r.decode(t, &v)
	if r.status != 200 || v.Status != catalog.VideoFailed || v.FailureReason != "the video could not be downloaded" || v.ProductCount != 2 {
		t.Fatalf("owner: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/videos/"+videoID, e.token(auth.AdminSub, auth.GroupAdmins), ""); r.status != 200 {
		t.Fatalf("admin: %d", r.status)
	}
	for _, c := range []struct {
		path, token string
		status      int
		want        string
	}{
		{"/api/videos/" + videoID, e.token(otherID), 404, `video "` + videoID + `" not found`},
		{"/api/videos/42", e.token(bellaID), 404, `video "42" not found`},
		{"/api/videos/abc", e.token(bellaID), 400, "id: must be a numeric TikTok video id"},
		{"/api/videos/" + videoID, "", 401, "a bearer token is required"},
	} {
		r := e.do("GET", c.path, c.token, "")
		if r.status != c.status || !strings.Contains(r.message(t), c.want) {
			t.Errorf("%s: %d %s", c.path, r.status, r.body)
		}
	}
}

func TestListVideos(t *testing.T) {
	e := newEnv(t, nil)
	base := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		v := catalog.Video{ID: "10" + string(rune('0'+i)), Seller: bella, PageURL: "https://www.tiktok.com/@bella.shop/video/10" + string(rune('0'+i)),
			PostedAt: base.Add(time.Duration(i) * time.Hour), Status: catalog.VideoQueued}
		if i%2 == 0 {
			v.Status = catalog.VideoReady
		}
		if _, _, err := e.store.UpsertVideo(t.Context(), v); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := e.store.UpsertVideo(t.Context(), catalog.Video{ID: "200", Seller: other, PageURL: "https://www.tiktok.com/@other_shop/video/200", Status: catalog.VideoQueued}); err != nil {
		t.Fatal(err)
	}
	list := func(token, query string) (int, []string, string) {
		r := e.do("GET", "/api/videos"+query, token, "")
		if r.status != 200 {
			return r.status, nil, r.message(t)
		}
		var page struct {
			Videos     []catalog.Video `json:"videos"`
			NextCursor string          `json:"nextCursor"`
		}
		r.decode(t, &page)
		var ids []string
		for _, v := range page.Videos {
			ids = append(ids, v.ID)
		}
		return 200, ids, page.NextCursor
	}
	tok := e.token(bellaID)
	if st, ids, _ := list(tok, ""); st != 200 || strings.Join(ids, ",") != "104,103,102,101,100" {
		t.Fatalf("own videos: %d %v", st, ids)
	}
	if st, ids, _ := list(tok, "?status=ready"); st != 200 || strings.Join(ids, ",") != "104,102,100" {
		t.Fatalf("ready: %d %v", st, ids)
	}
	if st, ids, _ := list(tok, "?status=queued,failed&seller=bella.shop"); st != 200 || strings.Join(ids, ",") != "103,101" {
		t.Fatalf("queued or failed: %d %v", st, ids)
	}
	_, page1, next := list(tok, "?limit=2")
	_, page2, next2 := list(tok, "?limit=2&cursor="+url.QueryEscape(next))
	if strings.Join(page1, ",") != "104,103" || strings.Join(page2, ",") != "102,101" || next2 == "" {
		t.Fatalf("pages %v %v", page1, page2)
	}
	if st, ids, _ := list(e.token(auth.AdminSub, auth.GroupAdmins), ""); st != 200 || len(ids) != 6 {
		t.Fatalf("admin sees every video: %d %v", st, ids)
	}
	for _, c := range []struct {
		token, query string
		status       int
		want         string
	}{
		{tok, "?seller=other_shop", 403, "may not read the videos of seller @other_shop"},
		{tok, "?seller=ghost_shop", 404, `seller "ghost_shop" not found`},
		{tok, "?status=done", 400, `status: must be queued, processing, ready or failed (got "done")`},
		{tok, "?limit=0", 400, "limit: must be between 1 and 100"},
		{tok, "?limit=500", 400, "limit: must be between 1 and 100"},
		{tok, "?limit=ten", 400, "limit: must be a whole number"},
		{tok, "?cursor=forged", 400, "cursor: is not a cursor returned by this listing"},
		{tok, "?sort=asc", 400, "sort: is not a parameter of this listing"},
		{e.token("local|newcomer"), "", 404, "this account has no seller yet"},
	} {
		if st, _, msg := list(c.token, c.query); st != c.status || !strings.Contains(msg, c.want) {
			t.Errorf("%s: %d %q", c.query, st, msg)
		}
	}
}

func TestAFailedPublishIsRecoveredByTheSweeper(t *testing.T) {
	e := newEnv(t, nil)
	e.pub.fail = true
	r := e.do("POST", "/api/videos", e.token(bellaID), jsonBody(map[string]string{"video_url": videoURL, "seller_handle": bella}))
	if r.status != 202 {
		t.Fatalf("post while the bus is down: %d %s", r.status, r.body)
	}
	if !strings.Contains(e.logs.String(), "the sweeper will restart it") {
		t.Fatalf("the failed publish was not logged: %s", e.logs)
	}
	e.pub.fail = false
	sw := &bus.Sweeper{Videos: e.store, Publisher: e.pub, Now: func() time.Time { return time.Now().Add(time.Hour) }}
	res, err := sw.SweepOnce(t.Context())
	if err != nil || res.Restarted != 1 {
		t.Fatalf("sweep: %+v %v", res, err)
	}
	if evs := e.pub.events(); len(evs) != 1 || evs[0].VideoID != videoID {
		t.Fatalf("events after the sweep: %+v", evs)
	}
}

func TestRegisterGuardsTheDevLogin(t *testing.T) {
	e := newEnv(t, nil)
	if r := e.do("POST", ingestion.PathDevLogin, "", `{"handle":"bella.shop"}`); r.status != 404 {
		t.Fatalf("dev login without DevLogin: %d", r.status)
	}
	err := ingestion.Register(e.router.Group("/x"), ingestion.Deps{Store: e.store, Idempotency: e.store, Publisher: e.pub, Verifier: fakeVerifier{}, DevLogin: true})
	if err == nil || !strings.Contains(err.Error(), "local issuer") {
		t.Fatalf("dev login without a local issuer: %v", err)
	}
	if err := ingestion.Register(e.router.Group("/y"), ingestion.Deps{Store: e.store}); err == nil {
		t.Fatal("missing deps accepted")
	}
}

type fakeVerifier struct{}

func (fakeVerifier) Verify(context.Context, string) (auth.Identity, error) {
	return auth.Identity{}, nil
}
