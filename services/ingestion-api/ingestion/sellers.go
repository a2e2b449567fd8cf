package ingestion

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// createSellerRequest is the body of POST /api/sellers.
type createSellerRequest struct {
	Handle      string `json:"handle"`
	DisplayName string `json:"display_name"`
	AvatarURL   string `json:"avatar_url"`
	Bio         string `json:"bio"`
}

// createSeller binds a new seller to the caller's account: 201 with the
// seller; 200 with it when the caller already owns exactly this handle (a
// retried request); 409 when the handle is taken or the account owns
// another seller.
func (a *api) createSeller(c *gin.Context) {
	var req createSellerRequest
	if err := web.BindJSON(c, &req); err != nil {
		web.WriteError(c, err)
		return
	}
	s := catalog.Seller{Handle: catalog.NormalizeHandle(req.Handle), Sub: identity(c).Sub, DisplayName: catalog.CleanText(req.DisplayName),
		AvatarURL: req.AvatarURL, Bio: catalog.CleanText(req.Bio)}
	if err := validateSeller(s); err != nil {
		web.WriteError(c, err)
		return
	}
	ctx := c.Request.Context()
	created, err := a.Store.CreateSeller(ctx, s)
	if catalog.IsCode(err, catalog.CodeConflict) {
		if own, gerr := a.Store.GetSellerBySub(ctx, s.Sub); gerr == nil && own.Handle == s.Handle {
			c.JSON(http.StatusOK, own)
			return
		}
	}
	if err != nil {
		web.WriteError(c, err)
		return
	}
	a.Logger.InfoContext(ctx, "seller created", "seller", created.Handle, "sub", created.Sub)
	c.Header("Location", PathSellers+"/me")
	c.JSON(http.StatusCreated, created)
}

// validateSeller checks a new seller with the request's field names.
func validateSeller(s catalog.Seller) error {
	if err := catalog.ValidateHandle("handle", s.Handle); err != nil {
		return err
	}
	if s.DisplayName == "" {
		return catalog.Invalid("display_name", "is required")
	}
	if err := catalog.ValidateText("display_name", s.DisplayName, catalog.MaxNameRunes, false); err != nil {
		return err
	}
	if s.AvatarURL != "" {
		if err := catalog.ValidatePublicURL("avatar_url", s.AvatarURL); err != nil {
			return err
		}
	}
	if err := catalog.ValidateText("bio", s.Bio, 500, true); err != nil {
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
