package devstack

import (
	"encoding/json"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// The admin endpoints, for operators and `buylink monitor --local` /
// `buylink dlq --local`. They answer only requests from a loopback address
// (403 otherwise): the devstack has no operator accounts.
//
//	GET  /admin/metrics                        the metrics registry's snapshot (metrics.Snapshot)
//	GET  /admin/queues                         per worker: in flight, handled, failed, dead-lettered, dead letters kept
//	GET  /admin/deadletters?worker=&limit=     dead letters, oldest first (all workers without worker; limit 100 by default)
//	POST /admin/deadletters/redrive?worker=    re-publish a worker's dead letters (all=true for every worker)
//
// A redriven letter is published again to its event's topic, so every
// consumer of that topic receives it, not only the worker that gave up on
// it: video.posted reaches the caption parser and the thumbnail generator
// alike. That is safe because handlers are idempotent (results are keyed by
// video and position), and it is the same on AWS when a message is re-sent
// to a topic. A letter whose body is not an event stays in the box.

// maxListedLetters bounds the limit of GET /admin/deadletters.
const maxListedLetters = 1000

// QueueStats is one worker's line of GET /admin/queues.
type QueueStats struct {
	Worker string `json:"worker"`
	// EventTypes are the events it consumes.
	EventTypes []string `json:"eventTypes"`
	bus.WorkerStats
	// DeadLetters counts the letters kept in the box now (redriven ones
	// are gone).
	DeadLetters int `json:"deadLetters"`
}

// Queues is the answer of GET /admin/queues.
type Queues struct {
	Workers []QueueStats `json:"workers"`
}

// AdminLetter is a dead letter as the admin endpoints show it: the body as
// JSON when it is JSON, else as a string.
type AdminLetter struct {
	bus.DeadLetter
	Body json.RawMessage `json:"body"`
}

// DeadLetters is the answer of GET /admin/deadletters.
type DeadLetters struct {
	// Total counts the matching letters; Letters holds the first ones.
	Total   int           `json:"total"`
	Letters []AdminLetter `json:"letters"`
}

// Redriven is the answer of POST /admin/deadletters/redrive.
type Redriven struct {
	// Redriven counts letters re-published; Remaining those still in the box
	// for the worker(s), such as bodies that are no event.
	Redriven  int `json:"redriven"`
	Remaining int `json:"remaining"`
}

// wireAdmin adds the /admin routes.
func wireAdmin(st *Stack, router *gin.Engine, w *wiring) {
	g := router.Group("/admin", loopbackOnly)
	g.GET("/metrics", func(c *gin.Context) { c.JSON(http.StatusOK, st.Metrics.Snapshot()) })
	g.GET("/queues", func(c *gin.Context) {
		q := Queues{Workers: []QueueStats{}}
		for _, rw := range st.running {
			dls, err := st.Box.List(c.Request.Context(), rw.name)
			if err != nil {
				web.WriteError(c, catalog.Unavailable(err, "dead letters cannot be read"))
				return
			}
			q.Workers = append(q.Workers, QueueStats{Worker: rw.name, EventTypes: rw.eventTypes, WorkerStats: rw.bw.Stats(), DeadLetters: len(dls)})
		}
		c.JSON(http.StatusOK, q)
	})
	g.GET("/deadletters", func(c *gin.Context) {
		worker, ok := workerParam(c, st, false)
		if !ok {
			return
		}
		limit := 100
		if s := c.Query("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > maxListedLetters {
				web.WriteError(c, catalog.Invalid("limit", "must be an integer in 1..%d", maxListedLetters))
				return
			}
			limit = n
		}
		dls, err := st.Box.List(c.Request.Context(), worker)
		if err != nil {
			web.WriteError(c, catalog.Unavailable(err, "dead letters cannot be read"))
			return
		}
		out := DeadLetters{Total: len(dls), Letters: []AdminLetter{}}
		for _, dl := range dls[:min(limit, len(dls))] {
			out.Letters = append(out.Letters, adminLetter(dl))
		}
		c.JSON(http.StatusOK, out)
	})
	g.POST("/deadletters/redrive", func(c *gin.Context) {
		worker, ok := workerParam(c, st, true)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		n, err := st.Box.Redrive(ctx, worker, st.Topics, nil)
		if err != nil {
			web.WriteError(c, catalog.Unavailable(err, "redrive stopped after %d letters", n))
			return
		}
		left, err := st.Box.List(ctx, worker)
		if err != nil {
			web.WriteError(c, catalog.Unavailable(err, "dead letters cannot be read"))
			return
		}
		st.Log.InfoContext(ctx, "dead letters redriven", "worker", worker, "redriven", n, "remaining", len(left))
		c.JSON(http.StatusOK, Redriven{Redriven: n, Remaining: len(left)})
	})
	w.links = append(w.links, link{"admin (loopback only)", "/admin/queues"})
}

// workerParam reads ?worker=, which must name one of the stack's workers.
// Without it, a listing covers every worker; a redrive (needAll) must say
// all=true, so that a missing parameter never redrives everything.
func workerParam(c *gin.Context, st *Stack, needAll bool) (string, bool) {
	worker := c.Query("worker")
	var names []string
	for _, rw := range st.running {
		if rw.name == worker {
			return worker, true
		}
		names = append(names, rw.name)
	}
	sort.Strings(names)
	known := strings.Join(names, ", ")
	switch {
	case worker != "":
		web.WriteError(c, catalog.Errorf(catalog.CodeNotFound, "no worker %q in this devstack (workers: %s)", worker, known))
	case !needAll || c.Query("all") == "true":
		return "", true
	default:
		web.WriteError(c, catalog.Invalid("worker", "name the worker whose dead letters to redrive (%s), or pass all=true", known))
	}
	return "", false
}

func adminLetter(dl bus.DeadLetter) AdminLetter {
	body := json.RawMessage(dl.Body)
	if !json.Valid(dl.Body) {
		body, _ = json.Marshal(string(dl.Body))
	}
	return AdminLetter{DeadLetter: dl, Body: body}
}

// loopbackOnly refuses requests that do not come from a loopback address.
// It reads the connection's address, never a forwarding header.
func loopbackOnly(c *gin.Context) {
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		web.WriteError(c, catalog.Errorf(catalog.CodeForbidden, "the admin endpoints answer only requests from this machine (loopback)"))
		return
	}
	c.Next()
}
