package storefront_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

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
