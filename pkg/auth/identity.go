// Package auth authenticates buylink's sellers and admins. A request carries
// a bearer JWT; a Verifier checks it and yields the caller's Identity, which
// Middleware puts on the request context for handlers (FromContext).
package auth

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// GroupAdmins is the group whose members may act on every seller.
const GroupAdmins = "admins"

// Identity is an authenticated caller.
type Identity struct {
	// Sub is the token subject: the stable id a seller is bound to.
	Sub      string   `json:"sub"`
	Username string   `json:"username,omitempty"`
	Groups   []string `json:"groups,omitempty"`
}

// IsAdmin reports whether the caller is in the admins group.
func (i Identity) IsAdmin() bool { return slices.Contains(i.Groups, GroupAdmins) }

type ctxKey struct{}

// WithIdentity returns ctx carrying the identity.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the identity Middleware put on ctx.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(ctxKey{}).(Identity)
	return id, ok && id.Sub != ""
}

// Verifier checks a bearer token and returns its identity; a bad token is a
// catalog unauthorized error saying what was wrong.
type Verifier interface {
	Verify(ctx context.Context, token string) (Identity, error)
}

// Middleware requires a valid "Authorization: Bearer <token>" header and puts
// the caller's identity on the request context; otherwise it answers 401.
func Middleware(v Verifier) gin.HandlerFunc {
	return func(c *gin.Context) {
		token, ok := BearerToken(c.GetHeader("Authorization"))
		if !ok {
			c.Header("WWW-Authenticate", `Bearer realm="buylink"`)
			web.WriteError(c, catalog.Errorf(catalog.CodeUnauthorized, "a bearer token is required"))
			return
		}
		id, err := v.Verify(c.Request.Context(), token)
		if err != nil {
			c.Header("WWW-Authenticate", `Bearer realm="buylink", error="invalid_token"`)
			if !catalog.IsCode(err, catalog.CodeUnavailable) {
				err = &catalog.Error{Code: catalog.CodeUnauthorized, Message: publicMessage(err), Err: err}
			}
			web.WriteError(c, err)
			return
		}
		c.Request = c.Request.WithContext(WithIdentity(c.Request.Context(), id))
		c.Next()
	}
}

func publicMessage(err error) string {
	var de *catalog.Error
	if errors.As(err, &de) && de.Code == catalog.CodeUnauthorized {
		return de.PublicMessage()
	}
	return "the token is not valid"
}

// BearerToken extracts the token of an "Authorization: Bearer <token>" value.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// CanActFor reports whether the caller may act for the seller: its owner or an admin.
func CanActFor(id Identity, seller catalog.Seller) bool {
	return id.IsAdmin() || (id.Sub != "" && id.Sub == seller.Sub)
}
