package devstack

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/buylink/buylink/services/product-service/storefront"
)

func init() {
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

// TestAPIResponsesMatchTheOpenAPIDocument checks real answers of both HTTP
// services, composed here with real tokens of the local issuer, against the
// one OpenAPI document (product-service's own suite covers its other routes).
func TestAPIResponsesMatchTheOpenAPIDocument(t *testing.T) {
	base, _, _ := start(t, t.TempDir(), noDemo)
	doc, err := openapi3.NewLoader().LoadFromData(storefront.OpenAPIDocument())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	token := devLogin(t, base, `{"handle":"demo"}`)
	const video = "https://www.tiktok.com/@demo/video/7524157935543832863"
	for _, ex := range []struct {
		method, path, body string
		token              bool
		status             int
		invalid            bool // sent on purpose: only the answer is checked
	}{
		{"GET", "/api/sellers/me", "", true, 200, false},
		{"POST", "/api/sellers", `{"handle":"demo","displayName":"buylink demo shop"}`, true, 200, false},
		{"POST", "/api/sellers", `{"handle":"someone.else","displayName":"Someone"}`, true, 409, false},
		{"POST", "/api/sellers", `{"handle":"x"}`, true, 400, true},
		{"POST", "/api/videos", `{"video_url":"` + video + `","seller_handle":"demo","caption":"Speckled mug $19.99 shop.example.com/mug"}`, true, 202, false},
		{"POST", "/api/videos", `{"video_url":"` + video + `","seller_handle":"demo"}`, true, 200, false},
		{"POST", "/api/videos", `{"video_url":"https://tiktok.com.evil.io/@demo/video/1","seller_handle":"demo"}`, true, 400, false},
		{"GET", "/api/videos/7524157935543832863", "", true, 200, false},
		{"GET", "/api/videos?seller=demo&limit=5", "", true, 200, false},
		{"GET", "/api/videos", "", false, 401, true},
		{"GET", "/api/seller/products?limit=10", "", true, 200, false},
		{"GET", "/api/seller/clicks?days=7", "", true, 200, false},
	} {
		t.Run(ex.method+" "+ex.path, func(t *testing.T) {
			req, err := http.NewRequest(ex.method, base+ex.path, strings.NewReader(ex.body))
			if err != nil {
				t.Fatal(err)
			}
			if ex.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if ex.token {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != ex.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, ex.status, body)
			}
			req.Body = io.NopCloser(strings.NewReader(ex.body))
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("no documented route: %v", err)
			}
			opts := &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
			if !ex.invalid {
				if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
					t.Fatalf("the request does not match the document: %v", err)
				}
			}
			if err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
				RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)), Options: opts,
			}); err != nil {
				t.Fatalf("the response does not match the document: %v\n%s", err, body)
			}
		})
	}
}
