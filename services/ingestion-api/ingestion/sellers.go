package ingestion

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// CreateSellerRequest is the body of POST /api/sellers.
type CreateSellerRequest struct {
	Handle      string `json:"handle"`
	DisplayName string `json:"displayName"`
	AvatarURL   string `json:"avatarUrl,omitempty"`
	Bio         string `json:"bio,omitempty"`
}

// Where the dashboard's onboarding lives (product-service): the claim form
// posts here and comes back there.
const (
	pathClaim     = "/dashboard/claim"
	pathDashboard = "/dashboard"
)

// createSeller binds a new seller to the caller's account: 201 with the
// seller; 200 with it when the caller already owns exactly this handle (a
// retried request); 409 when the handle is taken or the account owns
// another seller. The dashboard's "claim your shop" form posts here too
// (browser mode): it is sent on to the dashboard, or back with the error.
func (a *api) createSeller(c *gin.Context) {
	var req CreateSellerRequest
	browser := isBrowser(c)
	if browser {
		req = CreateSellerRequest{Handle: c.PostForm("handle"), DisplayName: c.PostForm("displayName")}
	} else if err := web.BindJSON(c, &req); err != nil {
		web.WriteError(c, err)
		return
	}
	status, s, err := a.onboard(c.Request.Context(), identity(c).Sub, req)
	if browser {
		if err != nil {
			backWithError(c, pathClaim, err, map[string]string{"handle": req.Handle, "displayName": req.DisplayName})
			return
		}
		c.Redirect(http.StatusSeeOther, pathDashboard+"?done=welcome")
		return
	}
	if err != nil {
		web.WriteError(c, err)
		return
	}
	if status == http.StatusCreated {
		c.Header("Location", PathSellers+"/me")
	}
	c.JSON(status, s)
}

// onboard creates the seller of an account: the one way a seller comes to
// be (the API, the claim form and the devstack's sign-up page).
func (a *api) onboard(ctx context.Context, sub string, req CreateSellerRequest) (int, catalog.Seller, error) {
	s := catalog.Seller{Handle: catalog.NormalizeHandle(req.Handle), Sub: sub, DisplayName: strings.TrimSpace(catalog.CleanText(req.DisplayName)),
		AvatarURL: strings.TrimSpace(req.AvatarURL), Bio: strings.TrimSpace(catalog.CleanText(req.Bio))}
	if err := validateSeller(s); err != nil {
		return 0, s, err
	}
	created, err := a.Store.CreateSeller(ctx, s)
	if catalog.IsCode(err, catalog.CodeConflict) {
		if own, gerr := a.Store.GetSellerBySub(ctx, s.Sub); gerr == nil && own.Handle == s.Handle {
			return http.StatusOK, own, nil
		}
	}
	if err != nil {
		return 0, s, err
	}
	a.Logger.InfoContext(ctx, "seller created", "seller", created.Handle, "sub", created.Sub)
	return http.StatusCreated, created, nil
}

// validateSeller checks a new seller with the request's field names.
func validateSeller(s catalog.Seller) error {
	if err := catalog.ValidateNewHandle("handle", s.Handle); err != nil {
		return err
	}
	if err := auth.ValidateDisplayName("displayName", s.DisplayName); err != nil {
		return err
	}
	if s.AvatarURL != "" {
		if err := catalog.ValidatePublicURL("avatarUrl", s.AvatarURL); err != nil {
			return err
		}
	}
	if err := catalog.ValidateText("bio", s.Bio, catalog.MaxBioRunes, true); err != nil {
		return err
	}
	return s.Validate()
}

// mySeller answers the caller's seller.
func (a *api) mySeller(c *gin.Context) {
	s, err := a.Store.GetSellerBySub(c.Request.Context(), identity(c).Sub)
	if catalog.IsCode(err, catalog.CodeNotFound) {
		err = catalog.Errorf(catalog.CodeNotFound, "this account has no seller yet; create one with POST %s", PathSellers)
	}
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, s)
}

// HandleAvailability is the answer of GET /api/handles/{handle}.
type HandleAvailability struct {
	Handle    string `json:"handle"`
	Available bool   `json:"available"`
	// Reason says why a handle cannot be had.
	Reason string `json:"reason,omitempty"`
}

// handleAvailability answers whether a new seller may claim a handle:
// TikTok's rules, the reserved words, and whether a shop has it. Shops are
// public, so this tells nobody anything new.
func (a *api) handleAvailability(c *gin.Context) {
	h := catalog.NormalizeHandle(c.Param("handle"))
	out := HandleAvailability{Handle: h}
	err := catalog.ValidateNewHandle("handle", h)
	if err == nil {
		_, err = a.Store.GetSeller(c.Request.Context(), h)
		switch {
		case catalog.IsCode(err, catalog.CodeNotFound):
			out.Available, err = true, nil
		case err == nil:
			err = catalog.Conflict("@%s is taken", h)
		}
	}
	switch catalog.CodeOf(err) {
	case "":
	case catalog.CodeInvalid, catalog.CodeConflict:
		out.Reason = publicMessage(err)
	default:
		web.WriteError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}
