package storefront_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/services/product-service/storefront"
)

func init() {
	for _, ct := range []string{"text/html", "image/svg+xml", "text/css", "text/javascript", "image/jpeg"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
}

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(storefront.OpenAPIDocument())
	if err != nil {
		t.Fatalf("the OpenAPI document does not load: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("want an OpenAPI 3.1 document, got %s", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValidAndCoversBothServices(t *testing.T) {
	doc := loadSpec(t)
	for _, op := range []struct{ method, path string }{
		// ingestion-api
		{"POST", "/api/videos"}, {"GET", "/api/videos"}, {"GET", "/api/videos/{id}"}, {"POST", "/api/sellers"}, {"GET", "/api/sellers/me"},
		// product-service
		{"GET", "/api/shops/{handle}"}, {"GET", "/api/products"}, {"GET", "/r/{productId}"}, {"GET", "/s/{handle}"},
		{"GET", "/s/{handle}/v/{videoId}"}, {"GET", "/api/seller/products"}, {"PATCH", "/api/seller/products/{id}"},
		{"DELETE", "/api/seller/products/{id}"}, {"PUT", "/api/seller/products/order"}, {"GET", "/api/seller/clicks"},
		{"GET", "/dashboard"}, {"GET", "/openapi.json"}, {"GET", "/healthz"},
		// self-service
		{"POST", "/api/seller/products"}, {"POST", "/api/seller/products/{id}/restore"}, {"PUT", "/api/seller/products/{id}/image"},
		{"POST", "/api/seller/products/{id}/image"}, {"GET", "/api/seller/profile"}, {"PATCH", "/api/seller/profile"},
		{"POST", "/api/seller/profile/avatar"}, {"DELETE", "/api/seller/profile/avatar"}, {"GET", "/api/seller/links"},
		{"POST", "/api/seller/links"}, {"PUT", "/api/seller/links/order"}, {"PATCH", "/api/seller/links/{id}"},
		{"DELETE", "/api/seller/links/{id}"}, {"POST", "/api/seller/links/{id}/image"}, {"GET", "/api/seller/videos"},
		{"POST", "/api/seller/videos"}, {"POST", "/api/seller/videos/{id}/retry"}, {"POST", "/api/seller/videos/{id}/reparse"},
		{"GET", "/api/handles/{handle}"}, {"GET", "/dashboard/claim"}, {"GET", "/dashboard/videos"}, {"GET", "/dashboard/links"},
		{"GET", "/dashboard/profile"},
		// signing in
		{"GET", "/login"}, {"POST", "/login"}, {"GET", "/signup"}, {"POST", "/signup"}, {"POST", "/logout"},
		{"GET", "/auth/callback"}, {"POST", "/auth/dev/login"}, {"POST", "/auth/admin/login"}, {"GET", "/auth/.well-known/jwks.json"},
	} {
		if p := doc.Paths.Find(op.path); p == nil || p.GetOperation(op.method) == nil {
			t.Errorf("the document lacks %s %s", op.method, op.path)
		}
	}
}

// exchange is one real request to check against the document.
type exchange struct {
	method, path, body, contentType string
	headers                         []string
	status                          int
	// invalid requests are sent on purpose; only their responses are checked.
	invalid bool
}

func TestResponsesMatchTheOpenAPIDocument(t *testing.T) {
	r := newRig(t, time.Time{})
	r.seed()
	doc := loadSpec(t)
	doc.Servers = openapi3.Servers{{URL: r.base}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	mug, lamp := pid(vidMugs, 0), pid(vidOther, 0)
	if err := r.store.RecordClick(context.Background(), clickOf(mug)); err != nil {
		t.Fatal(err)
	}
	_, page := r.get("/s/" + bella)
	css := string(regexp.MustCompile(`/assets/app\.[0-9a-f]{8}\.css`).Find(page))
	img := string(regexp.MustCompile(`/media/thumbs/[0-9a-f]{2}/[0-9a-f]{64}\.jpg`).Find(page))
	_, shopJSON := r.get("/api/shops/" + bella)
	etag := ""
	if resp, _ := r.get("/api/shops/" + bella); resp != nil {
		etag = resp.Header.Get("ETag")
	}
	csrf := r.csrf(tokBella)
	bearer := []string{"Authorization", "Bearer " + tokBella}
	form := "application/x-www-form-urlencoded"
	saveForm := url.Values{"csrf": {csrf}, "title": {"Mug"}, "price": {"19.99"}, "currency": {"USD"}, "status": {"published"}}.Encode()
	exchanges := []exchange{
		{method: "GET", path: "/openapi.json", status: 200},
		{method: "GET", path: "/healthz", status: 200},
		{method: "GET", path: "/readyz", status: 200},
		{method: "GET", path: "/api/shops/" + bella + "?limit=2", status: 200},
		{method: "GET", path: "/api/shops/" + bella, headers: []string{"If-None-Match", etag}, status: 304},
		{method: "GET", path: "/api/shops/" + bella + "?limit=500", status: 400, invalid: true},
		{method: "GET", path: "/api/shops/nobody.here", status: 404},
		{method: "GET", path: "/api/products?seller=" + bella + "&tag=kitchen&q=mug&minPrice=1&maxPrice=100000&limit=5", status: 200},
		{method: "GET", path: "/api/products?cursor=forged", status: 400},
		{method: "GET", path: "/api/products?q=" + strings.Repeat("x", 5000), status: 414, invalid: true},
		{method: "GET", path: "/r/" + mug, status: 302},
		{method: "HEAD", path: "/r/" + mug, status: 302},
		{method: "GET", path: "/r/pmissing", status: 404},
		{method: "GET", path: "/s/" + bella, status: 200},
		{method: "HEAD", path: "/s/" + bella, status: 200},
		{method: "GET", path: "/s/" + bella + "?cursor=forged", status: 400},
		{method: "GET", path: "/s/nobody.here", status: 404},
		{method: "GET", path: "/s/" + bella + "/v/" + vidMugs, status: 200},
		{method: "GET", path: "/s/" + bella + "/qr.svg", status: 200},
		{method: "GET", path: css, status: 200},
		{method: "GET", path: img, status: 200},
		{method: "GET", path: "/api/seller/products?status=published&limit=10", headers: bearer, status: 200},
		{method: "GET", path: "/api/seller/products", status: 401, invalid: true},
		{method: "GET", path: "/api/seller/products/" + mug, headers: bearer, status: 200},
		{method: "GET", path: "/api/seller/products/" + lamp, headers: bearer, status: 404},
		{method: "PATCH", path: "/api/seller/products/" + mug, headers: bearer, contentType: "application/json",
			body: `{"title":"Mug","priceMinor":1899,"tags":["mug"],"offerEndsAt":"2030-01-01T00:00:00Z","pinned":true}`, status: 200},
		{method: "PATCH", path: "/api/seller/products/" + mug, headers: bearer, contentType: "application/json",
			body: `{"buyUrl":"javascript:alert(1)"}`, status: 400},
		{method: "PATCH", path: "/api/seller/products/" + mug, headers: bearer, contentType: "application/json",
			body: `{"title":"` + strings.Repeat("x", 70<<10) + `"}`, status: 413, invalid: true},
		{method: "PUT", path: "/api/seller/products/order", headers: bearer, contentType: "application/json",
			body: `{"productIds":["` + pid(vidMugs, 1) + `","` + mug + `"]}`, status: 204},
		{method: "PUT", path: "/api/seller/products/order", headers: bearer, contentType: "application/json", body: `{"productIds":[]}`, status: 400, invalid: true},
		{method: "GET", path: "/api/seller/clicks?days=30", headers: bearer, status: 200},
		{method: "GET", path: "/api/seller/clicks?days=0", headers: bearer, status: 400, invalid: true},
		{method: "DELETE", path: "/api/seller/products/" + pid(vidBottle, 1), headers: bearer, status: 204},
		{method: "GET", path: "/dashboard", headers: cookie(tokBella), status: 200},
		{method: "GET", path: "/dashboard", status: 303},
		{method: "GET", path: "/dashboard/products/" + mug, headers: cookie(tokBella), status: 200},
		{method: "POST", path: "/dashboard/products/" + mug, headers: cookie(tokBella), contentType: form, body: saveForm, status: 303},
		{method: "POST", path: "/dashboard/products/" + mug, headers: cookie(tokBella), contentType: form,
			body: url.Values{"csrf": {csrf}, "title": {""}}.Encode(), status: 400},
		{method: "POST", path: "/dashboard/products/" + mug + "/pin", headers: cookie(tokBella), contentType: form,
			body: url.Values{"csrf": {csrf}}.Encode(), status: 303},
		{method: "POST", path: "/dashboard/products/" + mug + "/pin", headers: cookie(tokBella), contentType: form,
			body: url.Values{"csrf": {"forged"}}.Encode(), status: 403},
	}
	if len(shopJSON) == 0 || etag == "" {
		t.Fatal("no shop to compare")
	}
	for _, ex := range exchanges {
		t.Run(ex.method+" "+truncatePath(ex.path), func(t *testing.T) {
			checkExchange(t, r, router, ex)
		})
	}
}

func truncatePath(p string) string {
	if len(p) > 80 {
		return p[:80] + "…"
	}
	return p
}

func checkExchange(t *testing.T, r *rig, router routers.Router, ex exchange) {
	t.Helper()
	var body io.Reader
	if ex.body != "" {
		body = strings.NewReader(ex.body)
	}
	headers := append([]string{}, ex.headers...)
	if ex.contentType != "" {
		headers = append(headers, "Content-Type", ex.contentType)
	}
	resp, respBody := r.req(ex.method, ex.path, body, headers...)
	if resp.StatusCode != ex.status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, ex.status, truncate(respBody))
	}
	// The request as the server saw it, for the validator.
	req, err := http.NewRequest(ex.method, r.base+ex.path, strings.NewReader(ex.body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("no documented route: %v", err)
	}
	if route.Operation.Responses.Status(resp.StatusCode) == nil {
		t.Fatalf("status %d is not documented for %s %s", resp.StatusCode, ex.method, route.Path)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if !ex.invalid {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Fatalf("the request does not match the document: %v", err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(respBody)), Options: opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("the response does not match the document: %v\n%s", err, truncate(respBody))
	}
	if resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther {
		if resp.Header.Get("Location") == "" {
			t.Fatalf("%d without Location", resp.StatusCode)
		}
	}
}

func clickOf(productID string) catalog.Click {
	return catalog.Click{ProductID: productID, Seller: bella, At: time.Now()}
}

// TestOpenAPICoversEveryRoute holds the document to the routes the
// storefront registers.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	doc := loadSpec(t)
	r := newRig(t, time.Time{})
	router := gin.New()
	r.srv.Register(router)
	if len(router.Routes()) < 50 {
		t.Fatalf("only %d routes registered", len(router.Routes()))
	}
	for _, rt := range router.Routes() {
		path := regexp.MustCompile(`:([A-Za-z]+)`).ReplaceAllString(rt.Path, "{$1}")
		p := doc.Paths.Find(path)
		if p == nil {
			// Routes whose parameter the document names differently.
			for _, alt := range []string{strings.Replace(path, "{id}", "{productId}", 1)} {
				if p = doc.Paths.Find(alt); p != nil {
					break
				}
			}
		}
		if p == nil || p.GetOperation(rt.Method) == nil {
			t.Errorf("the document lacks %s %s", rt.Method, path)
		}
	}
}

var camelCase = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// TestOpenAPIBodiesAreCamelCase holds every property of every schema to
// camelCase; the only exceptions are the documented aliases (deprecated,
// x-alias-of naming the camelCase field).
func TestOpenAPIBodiesAreCamelCase(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(storefront.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	aliases := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for name, sch := range props {
					m, _ := sch.(map[string]any)
					if alias, _ := m["x-alias-of"].(string); alias != "" {
						aliases++
						if m["deprecated"] != true || !camelCase.MatchString(alias) || props[alias] == nil {
							t.Errorf("%s.%s: an alias must be deprecated and name a camelCase field of the same body", path, name)
						}
						continue
					}
					if !camelCase.MatchString(name) {
						t.Errorf("%s.%s is not camelCase", path, name)
					}
				}
			}
			for k, x := range v {
				walk(path+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s/%d", path, i), x)
			}
		}
	}
	walk("#", doc)
	if aliases != 3 {
		t.Fatalf("want the 3 aliases of POST /api/videos, found %d", aliases)
	}
}

// TestOpenAPILintsClean runs Redocly's linter (pinned in tools/openapi,
// installed by make deps) on the document: it must report no error.
func TestOpenAPILintsClean(t *testing.T) {
	root := repoRoot(t)
	bin := filepath.Join(root, "tools", "openapi", "node_modules", ".bin", "redocly")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the OpenAPI linter is not installed (%v): run make deps (npm ci in tools/openapi)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "lint", "--format=stylish", filepath.Join(root, "services", "product-service", "storefront", "openapi.json"))
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("Your API description is valid")) || bytes.Contains(out, []byte(" error ")) {
		t.Fatalf("redocly lint: %v\n%s", err, out)
	}
	t.Logf("redocly lint: %s", lastLine(out))
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func TestServedOpenAPINamesThePublicURL(t *testing.T) {
	r := newRig(t, time.Time{})
	resp, body := r.get("/openapi.json")
	wantStatus(t, resp, body, 200)
	var doc struct {
		Servers []struct{ URL string } `json:"servers"`
		Paths   map[string]any         `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != r.base || len(doc.Paths) < 40 {
		t.Fatalf("servers %+v, %d paths", doc.Servers, len(doc.Paths))
	}
}
