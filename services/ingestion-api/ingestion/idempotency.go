package ingestion

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// Idempotency headers.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderReplayed marks an answer replayed from an earlier request.
	HeaderReplayed = "Idempotent-Replayed"
	maxKeyLength   = 255
)

// idempotencyKey checks an Idempotency-Key header value ("" when absent):
// 1-255 printable ASCII characters without spaces.
func idempotencyKey(h string) (string, error) {
	if h == "" {
		return "", nil
	}
	if len(h) > maxKeyLength {
		return "", catalog.Invalid(HeaderIdempotencyKey, "must be at most %d characters (got %d)", maxKeyLength, len(h))
	}
	for i := 0; i < len(h); i++ {
		if h[i] < 0x21 || h[i] > 0x7e {
			return "", catalog.Invalid(HeaderIdempotencyKey, "must be printable ASCII without spaces")
		}
	}
	return h, nil
}

// idempotent answers a request made with an Idempotency-Key. The key is
// scoped to the caller's account and the route. An earlier successful
// request with the same key and the same body (compared once decoded, so
// formatting does not matter) has its answer replayed; with another body the
// request is refused with 422. Otherwise do runs, and a 2xx answer is kept
// for IdempotencyTTL. Failed requests are not kept, so a corrected retry
// may reuse the key.
func (a *api) idempotent(c *gin.Context, key string, req any, do func() (int, any, error)) {
	ctx := c.Request.Context()
	scope := digest([]byte(identity(c).Sub + "\x00" + c.Request.Method + " " + c.FullPath() + "\x00" + key))
	canonical, err := json.Marshal(req)
	if err != nil {
		web.WriteError(c, catalog.Internal(err, "encode the request"))
		return
	}
	reqHash := digest(canonical)
	rec, err := a.Idempotency.GetIdempotency(ctx, scope)
	switch {
	case err == nil:
		replay(c, rec, reqHash)
		return
	case !catalog.IsCode(err, catalog.CodeNotFound):
		web.WriteError(c, err)
		return
	}
	// Requests with the same key at once run once in this process: the
	// first one's answer is every one's (across replicas the store's
	// conditional put decides, below).
	v, err, shared := a.keyed.Do(scope, func() (any, error) {
		status, body, err := do()
		if err != nil {
			return nil, err
		}
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, catalog.Internal(err, "encode the answer")
		}
		rec := catalog.IdempotencyRecord{Key: scope, RequestHash: reqHash, Status: status, Body: raw, ExpiresAt: time.Now().Add(a.IdempotencyTTL)}
		stored, created, err := a.Idempotency.PutIdempotency(context.WithoutCancel(ctx), rec)
		switch {
		case err != nil:
			a.Logger.WarnContext(ctx, "could not keep an idempotency key", "err", err)
		case !created:
			return replayed{stored}, nil
		}
		return rec, nil
	})
	switch r := v.(type) {
	case nil:
		web.WriteError(c, err)
	case replayed:
		replay(c, r.IdempotencyRecord, reqHash)
	case catalog.IdempotencyRecord:
		if shared {
			replay(c, r, reqHash)
			return
		}
		c.Data(r.Status, "application/json; charset=utf-8", r.Body)
	}
}

// replayed is a record another request kept first.
type replayed struct{ catalog.IdempotencyRecord }

func replay(c *gin.Context, rec catalog.IdempotencyRecord, reqHash string) {
	if rec.RequestHash != reqHash {
		var b web.ErrorBody
		b.Error.Code = "idempotency_key_reused"
		b.Error.Message = "this Idempotency-Key was already used for a different request; use a new key for a new request"
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, b)
		return
	}
	c.Header(HeaderReplayed, "true")
	c.Data(rec.Status, "application/json; charset=utf-8", rec.Body)
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
