package devstack

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// The devstack listens on this machine only unless told otherwise (issue
// 13, item 7): it signs anyone in without a password.
func TestAttackDevstackListensBeyondLoopback(t *testing.T) {
	refused := 0
	remote := []string{":8080", "0.0.0.0:8080", "[::]:8080", "192.168.1.20:8080", "10.0.0.5:0", "myhost:8080", "evil.example:80",
		"127.1:8080", "[::ffff:0.0.0.0]:8080"}
	for _, addr := range remote {
		err := checkListenAddr(addr, false)
		if err == nil || !strings.Contains(err.Error(), AllowRemoteEnv+"=1") {
			t.Errorf("DEV_ADDR %q: %v", addr, err)
			continue
		}
		if checkListenAddr(addr, true) != nil {
			t.Errorf("DEV_ADDR %q refused although %s is set", addr, AllowRemoteEnv)
		}
		refused++
	}
	for _, addr := range []string{"127.0.0.1:8080", "127.0.0.2:0", "localhost:8080", "[::1]:8080"} {
		if err := checkListenAddr(addr, false); err != nil {
			t.Errorf("DEV_ADDR %q: %v", addr, err)
		}
	}
	if checkListenAddr("8080", true) == nil {
		t.Error("an address without a port accepted")
	}
	// Run refuses before it listens (nothing is bound to all interfaces here).
	err := Run(t.Context(), Config{Addr: "0.0.0.0:0", DataDir: t.TempDir(), Out: io.Discard}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "listens beyond this machine") {
		t.Fatalf("Run on 0.0.0.0: %v", err)
	}
	t.Logf("attack table devstack listen address: %d tries, %d refused", len(remote), refused)
}

// DNS rebinding (issue 13, item 7): a web page whose name its attacker
// points at 127.0.0.1 reaches the devstack from the victim's browser with
// that name in Host. The passwordless sign-ins and the operator endpoints
// answer only requests addressed to this machine or its public URL.
func TestAttackDNSRebindingOnDevRoutes(t *testing.T) {
	base, _, _ := start(t, t.TempDir(), noDemo, func(c *Config) { c.PublicURL = "http://buylink.lan.example:8080" })
	send := func(method, path, host, body string) int {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		req.Header.Set("Content-Type", "application/json")
		if method == "POST" && path == "/login" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	port := base[strings.LastIndex(base, ":"):]
	routes := []struct{ method, path, body string }{
		{"POST", "/auth/dev/login", `{"handle":"demo"}`},
		{"POST", "/auth/dev/login", `{"sub":"local|mallory"}`},
		{"GET", "/login", ""},
		{"POST", "/login", "handle=demo&next=%2Fdashboard"},
		{"GET", "/admin/queues", ""},
		{"GET", "/admin/metrics", ""},
		{"GET", "/admin/deadletters", ""},
		{"POST", "/admin/deadletters/redrive?all=true", ""},
	}
	hostile := []string{"evil.example" + port, "evil.example", "localhost.evil.example" + port, "127.0.0.1.nip.io" + port,
		"buylink.lan.example.evil.example" + port, "0x7f.1" + port, "2130706433" + port}
	refused, tries := 0, 0
	for _, r := range routes {
		for _, h := range hostile {
			tries++
			if code := send(r.method, r.path, h, r.body); code != http.StatusForbidden && code != http.StatusBadRequest {
				t.Errorf("%s %s with Host %q: %d", r.method, r.path, h, code)
				continue
			}
			refused++
		}
		for _, h := range []string{"localhost" + port, "127.0.0.1" + port, "[::1]" + port, "[::ffff:127.0.0.1]" + port, "buylink.lan.example:8080", "LOCALHOST" + port} {
			if code := send(r.method, r.path, h, r.body); code == http.StatusForbidden {
				t.Errorf("%s %s with Host %q: refused", r.method, r.path, h)
			}
		}
	}
	// The public pages do not care who they are addressed to.
	if code := send("GET", "/healthz", "evil.example"+port, ""); code != http.StatusOK {
		t.Errorf("health with another Host: %d", code)
	}
	t.Logf("attack table DNS rebinding on dev routes: %d tries, %d refused", tries, refused)
}

func TestAllowedHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost:8080": true, "localhost": true, "app.localhost:1": true, "127.0.0.1:8080": true, "127.9.9.9": true, "[::1]:8080": true,
		"[::1]": true, "shop.example.com:8443": true, "SHOP.example.com": true,
		"": false, "evil.example": false, "localhost.evil.example": false, "shop.example.com.evil.example": false,
		"0x7f.1:8080": false, "10.0.0.1:8080": false, "[fe80::1]:8080": false, "a b": false, ":8080": false,
	} {
		if got := allowedHost(host, "shop.example.com"); got != want {
			t.Errorf("allowedHost(%q) = %v", host, got)
		}
	}
}
