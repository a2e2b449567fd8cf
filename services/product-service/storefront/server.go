// Package storefront is product-service's HTTP surface: the public JSON API
// (/api/shops, /api/products), the server-rendered shop pages (/s/...), the
// click redirect (/r/...), the seller API (/api/seller/...) and dashboard
// (/dashboard), the page assets and the OpenAPI document (/openapi.json).
//
// Public responses are rendered once and kept in a short-lived in-process
// cache with their gzip form and ETag (304 on a match); a shop's pages are
// cut from one snapshot of the shop (snapshot.go), and responses any query
// string can name are cached apart from the shops' own pages. Writes made
// through this process invalidate the caches at once (Invalidate, also wired
// to the projector), and CacheTTL bounds staleness for writes made elsewhere.
//
// Seller endpoints authenticate with pkg/auth: the JSON API takes a bearer
// token (auth.Middleware); the dashboard also takes the token from the
// TokenCookie cookie and sends browsers without one to LoginURL. Every seller
// endpoint acts on the caller's own seller (admins may name one with
// ?seller=); another seller's product is not found (404).
//
// Media are not served here: mount media.Handler next to this server (the
// service's main and devstack do).
package storefront

import (
	"context"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/web"
	"github.com/buylink/buylink/services/product-service/clicks"
)

// TokenCookie is the cookie the dashboard reads the seller's token from when
// the request has no Authorization header. The login flow sets it.
const TokenCookie = auth.SessionCookie

// Store is what the storefront needs of a catalog store.
type Store interface {
	GetSeller(ctx context.Context, handle string) (catalog.Seller, error)
	GetSellerBySub(ctx context.Context, sub string) (catalog.Seller, error)
	UpdateSeller(ctx context.Context, handle string, fn func(*catalog.Seller) error) (catalog.Seller, error)
	GetVideo(ctx context.Context, id string) (catalog.Video, error)
	ListVideos(ctx context.Context, q catalog.VideoQuery, p catalog.Page) ([]catalog.Video, string, error)
	catalog.LinkStore
	GetProduct(ctx context.Context, id string) (catalog.Product, error)
	UpsertProduct(ctx context.Context, id string, fn func(*catalog.Product, bool) error) (catalog.Product, error)
	DeleteProduct(ctx context.Context, id string) error
	ListProducts(ctx context.Context, q catalog.ProductQuery, p catalog.Page) ([]catalog.Product, string, error)
	RecordClick(ctx context.Context, c catalog.Click) error
	DailyClicks(ctx context.Context, seller string, from, to time.Time) ([]catalog.DailyClicks, error)
	RecordView(ctx context.Context, v catalog.View) error
	DailyViews(ctx context.Context, seller string, from, to time.Time) ([]catalog.DailyViews, error)
}

// Media turns media keys into the addresses browsers load and stores the
// sellers' uploaded images (*media.Store).
type Media interface {
	URL(key string) string
	PutImage(ctx context.Context, prefix, field string, r io.Reader) (media.Squares, error)
}

// Config configures a Server.
type Config struct {
	Store    Store
	Media    Media
	Verifier auth.Verifier
	// Renewer renews the dashboard's sessions before they expire (the
	// local issuer in devstack, the hosted UI on AWS); nil renews none.
	Renewer auth.Renewer
	// PublicURL is the absolute address shoppers use ("https://buylink.shop");
	// links in pages, OpenGraph tags and QR codes are built on it.
	PublicURL string
	// LoginURL is where the dashboard sends a browser without a valid token,
	// with ?next=<the page asked for> added (default "/login").
	LoginURL string
	// CacheTTL bounds how long a public response is reused (default 5s).
	CacheTTL time.Duration
	// Clicks tunes the click recorder.
	Clicks clicks.Options
	// Counting tunes what counts as a click or page view (de-duplication
	// window, per-client budget, the store replicas share visits in); the
	// defaults are clicks.NewGate's, its Logger Logger.
	Counting clicks.GateOptions
	// Metrics receives the Clicks, PageViews and CountingLimited metrics
	// (default metrics.Default()).
	Metrics *metrics.Registry
	// Logger defaults to slog.Default(); Now to time.Now.
	Logger *slog.Logger
	Now    func() time.Time
}

// Server serves the storefront. Create it with New, mount it with Register
// and Close it to drain the click recorder.
type Server struct {
	store    Store
	media    Media
	verifier auth.Verifier
	browser  *auth.Browser
	base     string
	login    string
	log      *slog.Logger
	now      func() time.Time
	// cache holds the public responses a shop has a bounded number of
	// (its pages, known filters, API pages); searches those any query
	// string can name (search text, unknown filters, product queries), so
	// random queries cannot push the shops' pages out; snapshots the shops.
	cache     *responseCache
	searches  *responseCache
	snapshots *ttlCache[string, *snapshot]
	clicks    *clicks.Recorder
	gate      *clicks.Gate
	viewed    *metrics.Counter
	limited   *metrics.Counter
	pages     *template.Template
	// openAPIDoc is the OpenAPI document naming this site as its server.
	openAPIDoc *response
}

// New checks the configuration and starts the click recorder.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Store == nil:
		return nil, catalog.Invalid("Store", "is required")
	case cfg.Media == nil:
		return nil, catalog.Invalid("Media", "is required")
	case cfg.Verifier == nil:
		return nil, catalog.Invalid("Verifier", "is required")
	}
	base, err := url.Parse(cfg.PublicURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, catalog.Invalid("PublicURL", "must be an absolute http(s) URL (got %q)", cfg.PublicURL)
	}
	if cfg.LoginURL == "" {
		cfg.LoginURL = "/login"
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Clicks.Logger = cfg.Logger
	if cfg.Counting.Logger == nil {
		cfg.Counting.Logger = cfg.Logger
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.Default()
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	doc, err := servedOpenAPI(strings.TrimSuffix(base.String(), "/"))
	if err != nil {
		return nil, err
	}
	recorderOptions := cfg.Clicks
	recorderOptions.Counted = cfg.Metrics.Counter(metrics.Clicks, metrics.Count)
	return &Server{
		store: cfg.Store, media: cfg.Media, verifier: cfg.Verifier, browser: &auth.Browser{Verifier: cfg.Verifier, Renewer: cfg.Renewer, Now: cfg.Now},
		base: strings.TrimSuffix(base.String(), "/"), login: cfg.LoginURL, log: cfg.Logger, now: cfg.Now,
		cache:     newTTLCache[pageKey, *response](cfg.CacheTTL, maxPages, cfg.Now),
		searches:  newTTLCache[pageKey, *response](cfg.CacheTTL, maxSearches, cfg.Now),
		snapshots: newTTLCache[string, *snapshot](cfg.CacheTTL, maxSnapshots, cfg.Now),
		clicks:    clicks.NewRecorder(cfg.Store, recorderOptions),
		gate:      clicks.NewGate(cfg.Counting),
		viewed:    cfg.Metrics.Counter(metrics.PageViews, metrics.Count),
		limited:   cfg.Metrics.Counter(metrics.CountingLimited, metrics.Count),
		pages:     pages, openAPIDoc: doc,
	}, nil
}

// Register mounts every route on r.
func (s *Server) Register(r gin.IRouter) {
	r.GET("/", s.landing)
	registerIcons(r)
	r.GET("/openapi.json", s.openAPI)
	r.GET("/assets/:file", serveAsset)

	r.GET("/api/shops/:handle", s.apiShop)
	r.GET("/api/products", s.apiProducts)
	r.POST("/api/views", s.recordView)

	r.GET("/r/:productId", s.redirect)
	r.HEAD("/r/:productId", s.redirect)

	r.GET("/s/:handle", s.shopPage)
	r.HEAD("/s/:handle", s.shopPage)
	r.GET("/s/:handle/v/:videoId", s.videoPage)
	r.HEAD("/s/:handle/v/:videoId", s.videoPage)
	r.GET("/s/:handle/qr.svg", s.qrCode)

	r.GET("/s/:handle/theme.css", s.themeCSS)

	api := r.Group("/api/seller", auth.Middleware(s.verifier), noStore)
	api.GET("/products", s.sellerProducts)
	api.POST("/products", s.sellerCreateProduct)
	api.GET("/products/:id", s.sellerProduct)
	api.PATCH("/products/:id", s.sellerPatch)
	api.DELETE("/products/:id", s.sellerDelete)
	api.POST("/products/:id/restore", s.sellerRestore)
	api.PUT("/products/:id/image", s.sellerChooseImage)
	web.HandleLargeBody(api, http.MethodPost, "/products/:id/image", maxImageBody, s.sellerUploadProductImage)
	api.PUT("/products/order", s.sellerReorder)
	api.GET("/clicks", s.sellerClicks)
	api.GET("/profile", s.sellerProfile)
	api.PATCH("/profile", s.sellerPatchProfile)
	web.HandleLargeBody(api, http.MethodPost, "/profile/avatar", maxImageBody, s.sellerUploadAvatar)
	api.DELETE("/profile/avatar", s.sellerDeleteAvatar)
	api.GET("/links", s.sellerLinks)
	api.POST("/links", s.sellerCreateLink)
	api.PUT("/links/order", s.sellerReorderLinks)
	api.PATCH("/links/:id", s.sellerPatchLink)
	api.DELETE("/links/:id", s.sellerDeleteLink)
	web.HandleLargeBody(api, http.MethodPost, "/links/:id/image", maxImageBody, s.sellerUploadLinkImage)

	r.GET("/dashboard/claim", noStore, s.dashboardAuthOnly, s.dashboardClaim)
	dash := r.Group("/dashboard", noStore, s.dashboardAuth)
	dash.GET("", s.dashboard)
	dash.GET("/products/new", s.dashboardNewProduct)
	web.HandleLargeBody(dash, http.MethodPost, "/products", maxImageBody, s.dashboardCreateProduct)
	dash.POST("/products/order", s.dashboardReorder)
	dash.GET("/products/:id", s.dashboardEdit)
	dash.POST("/products/:id", s.dashboardSave)
	web.HandleLargeBody(dash, http.MethodPost, "/products/:id/image", maxImageBody, s.dashboardProductImage)
	dash.POST("/products/:id/:action", s.dashboardAction)
	dash.GET("/profile", s.dashboardProfile)
	web.HandleLargeBody(dash, http.MethodPost, "/profile", maxImageBody, s.dashboardSaveProfile)
	dash.GET("/links", s.dashboardLinks)
	web.HandleLargeBody(dash, http.MethodPost, "/links", maxImageBody, s.dashboardSaveLink)
	dash.POST("/links/order", s.dashboardReorderLinks)
	dash.GET("/links/:id", s.dashboardEditLink)
	web.HandleLargeBody(dash, http.MethodPost, "/links/:id", maxImageBody, s.dashboardSaveLink)
	dash.POST("/links/:id/:action", s.dashboardLinkAction)
	dash.GET("/videos", s.dashboardVideos)
}

// Invalidate drops the cached public responses; call it after changing
// products outside this server (the projector's OnChange).
func (s *Server) Invalidate() {
	s.snapshots.invalidate()
	s.cache.invalidate()
	s.searches.invalidate()
}

// Close stops the click recorder after writing every queued click, or when
// ctx ends.
func (s *Server) Close(ctx context.Context) error { return s.clicks.Close(ctx) }

// ClickStats reports the click recorder's counts.
func (s *Server) ClickStats() clicks.Stats { return s.clicks.Stats() }

func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Next()
}

// Public addresses.

func (s *Server) shopURL(handle string) string { return s.base + "/s/" + handle }

func (s *Server) videoShopURL(handle, videoID string) string {
	return s.base + "/s/" + handle + "/v/" + videoID
}

func (s *Server) clickURL(productID string) string { return s.base + "/r/" + productID }

// tiktokVideoURL is the canonical TikTok address of a seller's video.
func tiktokVideoURL(handle, videoID string) string {
	return "https://www.tiktok.com/@" + handle + "/video/" + videoID
}

// loginRedirect is LoginURL with next= set to the page asked for.
func (s *Server) loginRedirect(next string) string {
	u, err := url.Parse(s.login)
	if err != nil {
		return s.login
	}
	q := u.Query()
	q.Set("next", next)
	u.RawQuery = q.Encode()
	return u.String()
}

// htmlError renders an error page with the status of err's domain code.
func (s *Server) htmlError(c *gin.Context, err error) {
	status, msg := errorStatus(err)
	if status >= 500 {
		s.log.ErrorContext(c.Request.Context(), "page failed", "path", c.Request.URL.Path, "err", err)
	}
	c.Header("Cache-Control", "no-store")
	s.renderHTML(c, status, "error", errorPage{Status: status, Title: http.StatusText(status), Message: msg})
	c.Abort()
}

type errorPage struct {
	Status  int
	Title   string
	Message string
}

func errorStatus(err error) (int, string) {
	var de *catalog.Error
	if !errors.As(err, &de) || de.Code == catalog.CodeInternal {
		return http.StatusInternalServerError, "Something went wrong on our side. Please try again."
	}
	return web.StatusOf(de.Code), de.PublicMessage()
}
