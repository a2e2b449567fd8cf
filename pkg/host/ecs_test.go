package host_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	_ "github.com/buylink/buylink/pkg/catalog/sqlite" // the embedded store DATA_DIR opens
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/metrics"
)

// The HTTP host believes the client address header only when
// CLIENT_IP_HEADER names it, and X-Forwarded-For only from TRUSTED_PROXIES:
// otherwise a client could claim any address (and dodge the per-client
// limits and the visitor de-duplication).
func TestClientAddressHeader(t *testing.T) {
	spoofed := map[string]string{deploy.ViewerAddressHeader: "203.0.113.7", "X-Forwarded-For": "198.51.100.1"}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		headers map[string]string
		want    string
	}{
		{"no header configured", nil, spoofed, "127.0.0.1"},
		{"the edge's header configured", map[string]string{"CLIENT_IP_HEADER": deploy.ViewerAddressHeader}, spoofed, "203.0.113.7"},
		{"configured but absent", map[string]string{"CLIENT_IP_HEADER": deploy.ViewerAddressHeader},
			map[string]string{"X-Forwarded-For": "198.51.100.1"}, "127.0.0.1"},
		{"another header configured", map[string]string{"CLIENT_IP_HEADER": "X-Other-Address"}, spoofed, "127.0.0.1"},
		{"forwarded by a trusted proxy", map[string]string{"TRUSTED_PROXIES": "127.0.0.0/8"}, spoofed, "198.51.100.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := clientAddress(t, tc.env, tc.headers); got != tc.want {
				t.Errorf("client address %q, want %q", got, tc.want)
			}
		})
	}
}

// clientAddress runs product-service's HTTP host with env and returns the
// client address a handler sees for a request with headers.
func clientAddress(t *testing.T, env map[string]string, headers map[string]string) string {
	t.Helper()
	vars := map[string]string{"ADDR": "127.0.0.1:0", "DATA_DIR": t.TempDir()}
	for k, v := range env {
		vars[k] = v
	}
	build := func(context.Context, host.Deps) (*host.Component, error) {
		return &host.Component{Routes: func(r gin.IRouter) error {
			r.GET("/ip", func(c *gin.Context) { c.String(http.StatusOK, c.ClientIP()) })
			return nil
		}}, nil
	}
	ctx, cancel := context.WithCancel(t.Context())
	addr, done := make(chan string, 1), make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		done <- host.Run(ctx, deploy.MustGet(deploy.ProductService), func(k string) string { return vars[k] }, log,
			metrics.New(deploy.ProductService), build, func(a string) { addr <- a })
	}()
	var a string
	select {
	case a = <-addr:
	case err := <-done:
		cancel()
		t.Fatalf("host stopped: %v", err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("host: %v", err)
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+a+"/ip", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /ip: %d %s", resp.StatusCode, body)
	}
	return string(body)
}
