package ingestion

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// The seller routes answer two kinds of callers: API clients with a bearer
// token (JSON), and the dashboard's forms, which carry the session cookie
// and a CSRF token and expect to be sent back to a page (browser mode): on
// success with ?done=, on failure with the message in a flash next to the
// field at fault.

const browserKey = "ingestion.browser"

// sellerAuth authenticates a bearer token, or else the browser session
// (requiring the CSRF token on anything but GET), and marks the request's
// mode for isBrowser.
func (a *api) sellerAuth(c *gin.Context) {
	if _, ok := auth.BearerToken(c.GetHeader("Authorization")); ok || !isForm(c) {
		auth.Middleware(a.Verifier)(c)
		return
	}
	id, err := a.browser.Authenticate(c)
	// A multipart body (the upload form, and only it) is streamed: its
	// handler checks the csrf part, which the form sends before the file.
	switch {
	case err != nil || c.Request.Method == http.MethodGet:
	case c.ContentType() == "multipart/form-data" && c.FullPath() != PathSellerVideos:
		err = catalog.Invalid("Content-Type", "this form must be sent urlencoded")
	case c.ContentType() != "multipart/form-data":
		err = auth.CheckCSRF(c)
	}
	if err != nil {
		if catalog.IsCode(err, catalog.CodeUnauthorized) {
			c.Redirect(http.StatusSeeOther, auth.PathLogin+"?next="+pathDashboard)
			c.Abort()
			return
		}
		web.WriteError(c, err)
		return
	}
	c.Set(browserKey, true)
	c.Request = c.Request.WithContext(auth.WithIdentity(c.Request.Context(), id))
	c.Next()
}

// isForm reports whether the request is an HTML form's (urlencoded or
// multipart), which is how the dashboard posts.
func isForm(c *gin.Context) bool {
	ct := c.ContentType()
	return ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data"
}

// isBrowser reports whether sellerAuth took the request in browser mode.
func isBrowser(c *gin.Context) bool { return c.GetBool(browserKey) }

// backWithError sends a browser back to page with err's message next to
// its field, and the form's values to fill it in again.
func backWithError(c *gin.Context, page string, err error, values map[string]string) {
	var de *catalog.Error
	field := ""
	if errors.As(err, &de) {
		field = de.Field
	}
	web.SetFlash(c, web.Flash{Field: field, Message: publicMessage(err), Values: values})
	c.Redirect(http.StatusSeeOther, page)
}

// publicMessage is what a caller may read of an error, with the field name
// left to the form that shows it.
func publicMessage(err error) string {
	var de *catalog.Error
	if !errors.As(err, &de) || de.Code == catalog.CodeInternal {
		return "Something went wrong on our side. Please try again."
	}
	msg := de.Message
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg
}
