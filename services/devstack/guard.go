package devstack

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/urlpolicy"
	"github.com/buylink/buylink/pkg/web"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

// AllowRemoteEnv names the environment variable that lets the devstack
// listen beyond loopback (Config.AllowRemote).
const AllowRemoteEnv = "DEV_ALLOW_REMOTE"

// checkListenAddr refuses a listen address beyond this machine unless
// allowRemote: the devstack signs anyone in without a password.
func checkListenAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("devstack: DEV_ADDR %q is not host:port: %w", addr, err)
	}
	if allowRemote {
		return nil
	}
	if h, err := urlpolicy.ParseHost(strings.Trim(host, "[]")); host != "" && err == nil && h.IsLoopback() {
		return nil
	}
	return fmt.Errorf("devstack: DEV_ADDR %q listens beyond this machine, and the devstack signs anyone in without a password "+
		"(%s, %s): listen on a loopback address such as 127.0.0.1:8080, or set %s=1 to allow it on a network you trust",
		addr, ingestion.PathDevLogin, ingestion.PathLoginPage, AllowRemoteEnv)
}

// hostGuarded reports whether a path is one of the devstack's routes that
// must answer only requests addressed to this machine: the passwordless
// sign-ins (and the sign-up, which signs in too) and the operator endpoints.
func hostGuarded(path string) bool {
	return strings.HasPrefix(path, "/auth/dev/") || path == ingestion.PathLoginPage || path == auth.PathSignup ||
		path == "/admin" || strings.HasPrefix(path, "/admin/")
}

// hostGuard answers the guarded routes only when the request's Host is a
// loopback name or address or the host of the public URL. A web page whose
// name an attacker rebinds to 127.0.0.1 (DNS rebinding) reaches the
// devstack with the attacker's name in Host, and is refused. A post another
// site's page makes the browser send (Origin of another host, or
// Sec-Fetch-Site cross-site) is refused too: a form on any web page could
// otherwise sign the browser in to a shop of the attacker's choosing, or
// create one (login CSRF), since these sign-ins need no password.
func hostGuard(publicURL string) gin.HandlerFunc {
	public := ""
	if u, err := url.Parse(publicURL); err == nil {
		if h, err := urlpolicy.ParseHost(u.Hostname()); err == nil {
			public = h.String()
		}
	}
	return func(c *gin.Context) {
		if !hostGuarded(c.Request.URL.Path) {
			c.Next()
			return
		}
		if allowedHost(c.Request.Host, public) {
			if crossSite(c.Request, public) {
				web.WriteError(c, catalog.Errorf(catalog.CodeForbidden,
					"this devstack endpoint does not answer requests made by another site's page (Origin %q)", clip(c.GetHeader("Origin"), 80)))
				c.Abort()
				return
			}
			c.Next()
			return
		}
		to := "this machine (localhost, 127.0.0.1, [::1])"
		if h, err := urlpolicy.ParseHost(public); err == nil && !h.IsLoopback() {
			to += " or " + public
		}
		web.WriteError(c, catalog.Errorf(catalog.CodeForbidden,
			"this devstack endpoint answers only requests addressed to %s (got Host %q)", to, clip(c.Request.Host, 80)))
		c.Abort()
	}
}

// crossSite reports whether another site's page made the browser send the
// request, a POST or another unsafe method: its Origin names a host that is
// not this machine's, or the browser says so (Sec-Fetch-Site). Requests
// without these headers (curl, the CLI) are not cross-site, and neither are
// GETs, so a link from anywhere still opens the sign-in page.
func crossSite(r *http.Request, public string) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
		return false
	}
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	return err != nil || u.Host == "" || !allowedHost(u.Host, public)
}

// allowedHost reports whether a Host header names this machine.
func allowedHost(hostport, public string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	h, err := urlpolicy.ParseHost(strings.Trim(host, "[]"))
	if err != nil || hostport == "" {
		return false
	}
	return h.IsLoopback() || (public != "" && h.String() == public)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
