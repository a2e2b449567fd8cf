package auth

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/web"
)

// The sign-in pages (devstack's login and sign-up, the signed-out page of
// both flows) look like the product and send web.PageCSP: their style and
// script are files under PathAssets, never inline.

//go:embed assets
var assetFiles embed.FS

// PathAssets is where the pages' CSS and JS are served, under
// content-hashed names.
const PathAssets = "/auth/assets/"

type asset struct {
	body        []byte
	contentType string
}

var (
	assets    = map[string]asset{}  // by served name: "auth.1a2b3c4d.css"
	assetPath = map[string]string{} // "auth.css" -> "/auth/assets/auth.1a2b3c4d.css"
)

func init() {
	entries, err := assetFiles.ReadDir("assets")
	if err != nil {
		panic(err)
	}
	types := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
	for _, e := range entries {
		body, err := assetFiles.ReadFile("assets/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(e.Name())
		served := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:4]) + ext
		assets[served] = asset{body: body, contentType: types[ext]}
		assetPath[e.Name()] = PathAssets + served
	}
}

// AssetPath is the served address of one of the sign-in pages' assets
// ("handle.js", the handle check other pages reuse).
func AssetPath(name string) string { return assetPath[name] }

// registerAssets serves the assets (several flows may register them on
// one router: the first wins).
func registerAssets(r gin.IRouter) {
	defer func() { _ = recover() }() // already registered by another flow on this router
	r.GET(PathAssets+":file", func(c *gin.Context) {
		a, ok := assets[c.Param("file")]
		if !ok {
			c.AbortWithStatus(http.StatusNotFound)
			return
		}
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
		c.Data(http.StatusOK, a.contentType, a.body)
	})
}

// pageView is the data of the sign-in pages.
type pageView struct {
	Kind, Title          string
	Handle, DisplayName  string
	Next                 string
	Signup               bool
	Error                string
	Errors               map[string]string
	CheckURL, CSS, Check string
}

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"field": func(v pageView, name string) fieldView { return fieldView{Field: name, Errors: v.Errors} },
}).Parse(`{{define "page"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="robots" content="noindex">
<title>{{.Title}} · buylink</title><link rel="stylesheet" href="{{.CSS}}"></head>
<body><a class="brand" href="/login">buy<span>link</span></a><main id="main"><div class="card">
{{if eq .Kind "login"}}{{template "login" .}}{{else if eq .Kind "signup"}}{{template "signup" .}}{{else}}{{template "signedout" .}}{{end}}
</div></main>{{if eq .Kind "signup"}}<script src="{{.Check}}" defer></script>{{end}}</body></html>{{end}}

{{define "error"}}{{with index .Errors .Field}}<p class="err" id="{{$.Field}}-err">{{.}}</p>{{end}}{{end}}

{{define "login"}}<h1>Sign in to your shop</h1>
<p class="muted">Manage your products, links and videos.</p>
{{with .Error}}<p class="alert" role="alert">{{.}}</p>{{end}}
<form method="post" action="/login" novalidate>
<label for="handle">Your shop handle</label>
<div class="field"><span aria-hidden="true">@</span><input id="handle" name="handle" value="{{.Handle}}" required autocomplete="username" autocapitalize="none" spellcheck="false"{{if index .Errors "handle"}} aria-invalid="true" aria-describedby="handle-err"{{end}}></div>
{{template "error" (field . "handle")}}
<input type="hidden" name="next" value="{{.Next}}"><button type="submit">Sign in</button></form>
{{if .Signup}}<p class="switch">New to buylink? <a href="/signup">Create your shop</a></p>{{end}}{{end}}

{{define "signup"}}<h1>Create your shop</h1>
<p class="muted">Your TikTok videos, shoppable from one link in your bio.</p>
{{with .Error}}<p class="alert" role="alert">{{.}}</p>{{end}}
<form method="post" action="/signup" novalidate>
<label for="handle">Shop handle</label>
<div class="field"><span aria-hidden="true">@</span><input id="handle" name="handle" value="{{.Handle}}" required maxlength="24" autocomplete="off" autocapitalize="none" spellcheck="false" data-check="{{.CheckURL}}" aria-describedby="handle-status handle-hint"{{if index .Errors "handle"}} aria-invalid="true"{{end}}></div>
<p id="handle-status" class="{{if index .Errors "handle"}}err{{else}}hint{{end}}" aria-live="polite">{{index .Errors "handle"}}</p>
<p id="handle-hint" class="hint">Use your TikTok handle: 2-24 characters of a-z, 0-9, '.' and '_'. Your shop will be at /s/<em>handle</em>.</p>
<label for="displayName">Shop name</label>
<div class="field"><input id="displayName" name="displayName" value="{{.DisplayName}}" required maxlength="80"{{if index .Errors "displayName"}} aria-invalid="true" aria-describedby="displayName-err"{{end}}></div>
{{template "error" (field . "displayName")}}
<button type="submit">Create my shop</button></form>
<p class="switch">Already have a shop? <a href="/login">Sign in</a></p>{{end}}

{{define "signedout"}}{{if .Error}}<h1>{{.Title}}</h1><p class="alert" role="alert">{{.Error}}</p><p><a class="btn" href="/dashboard">Back to the dashboard</a></p>
{{else}}<h1>You are signed out</h1><p class="muted">See you soon.</p>
{{if .Next}}<a class="btn" href="{{.Next}}">Finish signing out</a>{{else}}<a class="btn" href="/login">Sign in again</a>{{end}}{{end}}{{end}}`))

// fieldView is one field's error for the "error" template.
type fieldView struct {
	Field  string
	Errors map[string]string
}

// renderPage answers with a sign-in page, without caching, under PageCSP.
func renderPage(c *gin.Context, status int, v pageView) {
	v.CSS, v.Check, v.CheckURL = assetPath["auth.css"], assetPath["handle.js"], PathHandleAvailability
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, "page", v); err != nil {
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Security-Policy", web.PageCSP)
	c.Data(status, "text/html; charset=utf-8", b.Bytes())
}
