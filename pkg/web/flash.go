package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"
)

// FlashCookie carries one message from a form's handler to the page it
// redirects to (post, redirect, get), for a message next to a field. Only
// this site can set it, so a link cannot put words on a seller's page.
const FlashCookie = "buylink_flash"

// Flash is a message for the next page: a form field's error (Field set),
// a page-wide error, or a notice (OK).
type Flash struct {
	Field   string `json:"f,omitempty"`
	Message string `json:"m"`
	OK      bool   `json:"ok,omitempty"`
	// Values are the form's values, to fill the form in again.
	Values map[string]string `json:"v,omitempty"`
}

// SetFlash leaves a flash for the next request (a minute at most).
func SetFlash(c *gin.Context, f Flash) {
	b, err := json.Marshal(f)
	if err != nil || len(b) > 3000 {
		f.Values = nil
		b, _ = json.Marshal(f)
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: FlashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/", MaxAge: 60,
		HttpOnly: true, Secure: c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https", SameSite: http.SameSiteLaxMode})
}

// TakeFlash returns the request's flash and clears it.
func TakeFlash(c *gin.Context) (Flash, bool) {
	raw, err := c.Cookie(FlashCookie)
	if err != nil || raw == "" {
		return Flash{}, false
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: FlashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(raw)
	var f Flash
	if err != nil || json.Unmarshal(b, &f) != nil || f.Message == "" {
		return Flash{}, false
	}
	return f, true
}
