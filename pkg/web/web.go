// Package web is the HTTP base every buylink service builds on: a gin engine
// with recovery, request and correlation ids, access logs, security headers,
// body and URL size limits, JSON errors mapped from domain codes in exactly one
// place (WriteError), strict JSON binding, health endpoints and a server with
// timeouts and graceful shutdown.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/obs"
)

// Header names for the ids carried between services and into events.
const (
	HeaderRequestID     = "X-Request-ID"
	HeaderCorrelationID = "X-Correlation-ID"
)

// PageCSP is the Content-Security-Policy of every HTML page buylink serves:
// its own scripts, styles and images (media may redirect to the bucket over
// https), forms posting to itself, nothing inline.
const PageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"connect-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Defaults for Options.
const (
	DefaultMaxBodyBytes = 64 << 10
	DefaultMaxURLBytes  = 4 << 10
)

// Options configure New.
type Options struct {
	Logger *slog.Logger
	// MaxBodyBytes bounds request bodies (default 64 KiB); larger ones get 413.
	MaxBodyBytes int64
	// MaxURLBytes bounds the request URI (default 4 KiB); longer ones get 414.
	MaxURLBytes int
	// TrustedProxies are the addresses or CIDRs (a load balancer's subnets)
	// whose X-Forwarded-For gin believes for the client IP; none by default,
	// so a client cannot choose its own IP (rate limits key on it).
	TrustedProxies []string
}

func init() { gin.SetMode(gin.ReleaseMode) }

// New returns a gin engine with buylink's middleware and JSON 404/405 answers.
func New(o Options) *gin.Engine {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxURLBytes <= 0 {
		o.MaxURLBytes = DefaultMaxURLBytes
	}
	r := gin.New()
	if err := r.SetTrustedProxies(o.TrustedProxies); err != nil {
		o.Logger.Error("ignoring invalid trusted proxies; trusting none", "proxies", o.TrustedProxies, "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.Use(ids(), accessLog(o.Logger), recovery(o.Logger), securityHeaders(), limits(o.MaxBodyBytes, o.MaxURLBytes))
	r.NoRoute(func(c *gin.Context) {
		WriteError(c, catalog.Errorf(catalog.CodeNotFound, "no route for %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		writeJSONError(c, http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf("%s is not allowed here", c.Request.Method))
	})
	return r
}

// validID reports whether a caller's request or correlation id can be
// echoed and logged: 1 to 128 of A-Z a-z 0-9 . _ -.
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '.', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

// Canonical header keys, written straight into the header map on the hot
// path (textproto.CanonicalMIMEHeaderKey of each).
const (
	keyRequestID     = "X-Request-Id"
	keyCorrelationID = "X-Correlation-Id"
)

// ids takes the request and correlation ids from the request headers (or
// makes new ones), puts them on the context for logs and events, and echoes
// them in the response.
func ids() gin.HandlerFunc {
	return func(c *gin.Context) {
		rid := c.Request.Header.Get(keyRequestID)
		if !validID(rid) {
			rid = events.NewID()
		}
		cid := c.Request.Header.Get(keyCorrelationID)
		if !validID(cid) {
			cid = rid
		}
		ctx := obs.WithCorrelationID(obs.WithRequestID(c.Request.Context(), rid), cid)
		c.Request = c.Request.WithContext(ctx)
		h := c.Writer.Header()
		h[keyRequestID] = []string{rid}
		if cid == rid {
			h[keyCorrelationID] = h[keyRequestID]
		} else {
			h[keyCorrelationID] = []string{cid}
		}
		c.Next()
	}
}

// Access logs. Every failed (status >= 400) and every slow request is
// logged; successful ones are logged while they come at up to
// successLogsPerSecond a second, and past that only counted: the next
// success logged says how many were left out ("unlogged"), so a busy
// storefront does not spend its time writing identical lines.
const (
	successLogsPerSecond = 50
	slowRequest          = time.Second
)

// logBudget is the access log's per-second allowance of success lines.
type logBudget struct {
	second   atomic.Int64 // the Unix second the allowance is for
	used     atomic.Int64 // success lines logged in that second
	unlogged atomic.Int64 // successes left out since the last logged one
}

// take reports whether a success at now may be logged.
func (b *logBudget) take(now time.Time) bool {
	sec := now.Unix()
	if old := b.second.Load(); old != sec && b.second.CompareAndSwap(old, sec) {
		b.used.Store(0)
	}
	if b.used.Add(1) <= successLogsPerSecond {
		return true
	}
	b.unlogged.Add(1)
	return false
}

func accessLog(log *slog.Logger) gin.HandlerFunc {
	var budget logBudget
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		elapsed := time.Since(start)
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case status >= 400 || elapsed >= slowRequest:
		case c.Request.URL.Path == "/healthz" || c.Request.URL.Path == "/readyz":
			level = slog.LevelDebug
		case !budget.take(start):
			return
		}
		ctx := c.Request.Context()
		if !log.Enabled(ctx, level) {
			return
		}
		attrs := []any{"method", c.Request.Method, "path", c.Request.URL.Path, "route", c.FullPath(),
			"status", status, "bytes", c.Writer.Size(), "ms", elapsed.Milliseconds()}
		if n := budget.unlogged.Swap(0); n > 0 {
			attrs = append(attrs, "unlogged", n)
		}
		log.Log(ctx, level, "http request", attrs...)
	}
}

func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if err, ok := r.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(r)
				}
				log.ErrorContext(c.Request.Context(), "handler panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					WriteError(c, catalog.Internal(fmt.Errorf("panic: %v", r), "unexpected failure"))
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// The security headers' values, shared by every response (net/http only
// reads them).
var (
	nosniff        = []string{"nosniff"}
	referrerPolicy = []string{"strict-origin-when-cross-origin"}
	frameDeny      = []string{"DENY"}
	sameOrigin     = []string{"same-origin"}
	hsts           = []string{"max-age=63072000; includeSubDomains"}
)

func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h["X-Content-Type-Options"] = nosniff
		h["Referrer-Policy"] = referrerPolicy
		h["X-Frame-Options"] = frameDeny
		h["Cross-Origin-Opener-Policy"] = sameOrigin
		if c.Request.TLS != nil || c.Request.Header.Get("X-Forwarded-Proto") == "https" {
			h["Strict-Transport-Security"] = hsts
		}
		c.Next()
	}
}

// largeBodies are the routes ("METHOD /full/path") registered with
// HandleLargeBody and their body limits.
var largeBodies sync.Map

// Router is a gin router that knows its base path (an engine or a group).
type Router interface {
	gin.IRoutes
	BasePath() string
}

// HandleLargeBody registers a route whose request bodies may be up to
// limit bytes (uploads) instead of the engine's MaxBodyBytes. The handler
// still reads the body through a limit, and should extend the connection's
// read deadline (http.ResponseController) for slow uploads.
func HandleLargeBody(r Router, method, relativePath string, limit int64, handlers ...gin.HandlerFunc) {
	full := path.Join(r.BasePath(), relativePath)
	if strings.HasSuffix(relativePath, "/") && !strings.HasSuffix(full, "/") {
		full += "/"
	}
	largeBodies.Store(method+" "+full, limit)
	r.Handle(method, relativePath, handlers...)
}

func limits(maxBody int64, maxURL int) gin.HandlerFunc {
	return func(c *gin.Context) {
		if len(c.Request.RequestURI) > maxURL {
			writeJSONError(c, http.StatusRequestURITooLong, "uri_too_long",
				fmt.Sprintf("the request URI is %d bytes; at most %d are accepted", len(c.Request.RequestURI), maxURL))
			c.Abort()
			return
		}
		if c.Request.Body == nil || c.Request.Body == http.NoBody {
			c.Next()
			return
		}
		maxBody := maxBody
		if n, ok := largeBodies.Load(c.Request.Method + " " + c.FullPath()); ok && c.FullPath() != "" {
			maxBody = n.(int64)
		}
		if c.Request.ContentLength > maxBody {
			writeJSONError(c, http.StatusRequestEntityTooLarge, "too_large",
				fmt.Sprintf("the request body is %d bytes; at most %d are accepted", c.Request.ContentLength, maxBody))
			c.Abort()
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBody)
		c.Next()
	}
}

// StatusOf maps a domain error code to its HTTP status. It is the only such
// mapping in buylink.
func StatusOf(code catalog.Code) int {
	switch code {
	case catalog.CodeInvalid:
		return http.StatusBadRequest
	case catalog.CodeNotFound:
		return http.StatusNotFound
	case catalog.CodeConflict:
		return http.StatusConflict
	case catalog.CodeUnauthorized:
		return http.StatusUnauthorized
	case catalog.CodeForbidden:
		return http.StatusForbidden
	case catalog.CodeUnavailable:
		return http.StatusServiceUnavailable
	case catalog.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case catalog.CodeRateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// WriteError answers with the JSON error for err: the domain code and public
// message for domain errors, 413 for an oversized body, and a generic 500
// (cause logged, never shown) for anything else.
func WriteError(c *gin.Context, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeJSONError(c, http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("the request body exceeds %d bytes", tooBig.Limit))
		return
	}
	var de *catalog.Error
	if !errors.As(err, &de) {
		de = catalog.Internal(err, "unexpected failure")
	}
	status := StatusOf(de.Code)
	msg := de.PublicMessage()
	if status >= 500 {
		slog.ErrorContext(c.Request.Context(), "request failed", "code", de.Code, "err", err)
		if de.Code == catalog.CodeInternal {
			msg = "internal error"
		}
	}
	switch {
	case de.RetryAfter > 0:
		c.Header("Retry-After", strconv.FormatInt(int64(math.Ceil(de.RetryAfter.Seconds())), 10))
	case de.Code == catalog.CodeUnavailable || de.Code == catalog.CodeRateLimited:
		c.Header("Retry-After", "5")
	}
	writeJSONError(c, status, string(de.Code), msg)
}

func writeJSONError(c *gin.Context, status int, code, msg string) {
	var b ErrorBody
	b.Error.Code, b.Error.Message = code, msg
	c.AbortWithStatusJSON(status, b)
}

// Check is one readiness check.
type Check func(ctx context.Context) error

// Health serves GET /healthz (the process is up) and GET /readyz (every
// check passes within 2 s; 503 naming the failing ones otherwise).
func Health(r gin.IRoutes, checks map[string]Check) {
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		failed := map[string]string{}
		for name, check := range checks {
			if err := check(ctx); err != nil {
				failed[name] = err.Error()
			}
		}
		if len(failed) > 0 {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "failed": failed})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	})
}

// Serve runs an HTTP server for h on ln until ctx is cancelled, then shuts it
// down gracefully (in-flight requests get up to 15 s).
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
