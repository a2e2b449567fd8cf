package storefront

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/web"
)

// maxImageBody bounds a request carrying one uploaded image and a form.
const maxImageBody = media.MaxImageBytes + 64<<10

// Media prefixes of the sellers' uploaded images.
const (
	prefixAvatars  = "avatars"
	prefixProducts = "products"
	prefixLinks    = "links"
)

// Profile is the seller's profile as its owner edits it.
type Profile struct {
	Handle      string          `json:"handle"`
	DisplayName string          `json:"displayName"`
	Bio         string          `json:"bio"`
	AvatarURL   string          `json:"avatarUrl,omitempty"`
	Socials     catalog.Socials `json:"socials"`
	// SocialURLs are the profiles' addresses, by network.
	SocialURLs  map[string]string `json:"socialUrls"`
	AccentColor string            `json:"accentColor,omitempty"`
	ShopURL     string            `json:"shopUrl"`
}

// ProfilePatch is the body of PATCH /api/seller/profile: each field present
// is changed. Socials are handles or profile URLs (normalised), or "" to
// clear one; accentColor is a hex colour white text can sit on (WCAG AA),
// or "" for buylink's.
type ProfilePatch struct {
	DisplayName Optional[string]            `json:"displayName"`
	Bio         Optional[string]            `json:"bio"`
	Socials     Optional[map[string]string] `json:"socials"`
	AccentColor Optional[string]            `json:"accentColor"`
}

func (pt *ProfilePatch) apply(s *catalog.Seller) error {
	changed := false
	if f := pt.DisplayName; f.Set {
		name := strings.TrimSpace(f.Value)
		if err := auth.ValidateDisplayName("displayName", name); err != nil {
			return err
		}
		if err := sellerText("displayName", name, catalog.MaxNameRunes); err != nil {
			return err
		}
		s.DisplayName, changed = name, true
	}
	if f := pt.Bio; f.Set {
		bio := strings.TrimSpace(strings.ReplaceAll(f.Value, "\r\n", "\n"))
		if err := catalog.ValidateText("bio", bio, catalog.MaxBioRunes, true); err != nil {
			return err
		}
		if strings.ContainsFunc(bio, isBidiControl) {
			return catalog.Invalid("bio", "must not contain bidirectional control characters")
		}
		s.Bio, changed = bio, true
	}
	if f := pt.Socials; f.Set {
		for network, raw := range f.Value {
			v, err := catalog.NormalizeSocial(network, raw)
			if err != nil {
				return err
			}
			s.Socials.Set(network, v)
		}
		changed = true
	}
	if f := pt.AccentColor; f.Set {
		c := strings.TrimSpace(f.Value)
		if c != "" {
			var err error
			if c, err = catalog.NormalizeColor("accentColor", c); err != nil {
				return err
			}
			if err := catalog.ValidateAccentColor("accentColor", c); err != nil {
				return err
			}
		}
		s.AccentColor, changed = c, true
	}
	if !changed {
		return errEmptyPatch
	}
	return nil
}

func (s *Server) profileOf(sl catalog.Seller) Profile {
	p := Profile{Handle: sl.Handle, DisplayName: sl.DisplayName, Bio: sl.Bio, AvatarURL: s.avatarURL(sl, true),
		Socials: sl.Socials, SocialURLs: map[string]string{}, AccentColor: sl.AccentColor, ShopURL: s.shopURL(sl.Handle)}
	for _, n := range catalog.SocialNetworks {
		if u := sl.Socials.URL(n); u != "" {
			p.SocialURLs[n] = u
		}
	}
	return p
}

// avatarURL is the seller's avatar: the uploaded one (large or small), else
// the URL given at onboarding.
func (s *Server) avatarURL(sl catalog.Seller, large bool) string {
	if a := sl.Avatar; a != nil {
		if large {
			return s.media.URL(a.Large)
		}
		return s.media.URL(a.Small)
	}
	return sl.AvatarURL
}

func (s *Server) sellerProfile(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.profileOf(sl))
}

func (s *Server) sellerPatchProfile(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	var pt ProfilePatch
	if err := web.BindJSON(c, &pt); err != nil {
		web.WriteError(c, err)
		return
	}
	sl, err = s.updateSeller(c.Request.Context(), sl.Handle, pt.apply)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.profileOf(sl))
}

func (s *Server) updateSeller(ctx context.Context, handle string, fn func(*catalog.Seller) error) (catalog.Seller, error) {
	sl, err := s.store.UpdateSeller(ctx, handle, fn)
	if err == nil {
		s.Invalidate()
	}
	return sl, err
}

// uploadedForm parses a multipart form with at most 1 MiB in memory (the
// rest spills to a temporary file, removed after the request).
func uploadedForm(c *gin.Context) (*multipart.Form, error) {
	if err := c.Request.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, catalog.TooLarge("image", "the image is larger than the limit of %d MB", media.MaxImageBytes>>20)
		}
		return nil, catalog.Invalid("body", "is not a multipart form")
	}
	return c.Request.MultipartForm, nil
}

// uploadedFile is the file of a multipart form's field; nil when the field
// was left empty.
func uploadedFile(c *gin.Context, field string) (multipart.File, error) {
	if c.ContentType() != "multipart/form-data" {
		return nil, nil
	}
	form, err := uploadedForm(c)
	if err != nil {
		return nil, err
	}
	fhs := form.File[field]
	if len(fhs) == 0 || fhs[0].Filename == "" || fhs[0].Size == 0 {
		return nil, nil
	}
	return fhs[0].Open()
}

// uploadedImage is the image file of a multipart request's field, which is
// required.
func uploadedImage(c *gin.Context, field string) (multipart.File, error) {
	if c.ContentType() != "multipart/form-data" {
		return nil, catalog.Invalid(field, "send the image as a multipart/form-data field named %q", field)
	}
	f, err := uploadedFile(c, field)
	if err == nil && f == nil {
		err = catalog.Invalid(field, "choose an image to upload")
	}
	return f, err
}

// putImage stores an uploaded image's squares.
func (s *Server) putImage(ctx context.Context, prefix, field string, r io.Reader) (media.Squares, error) {
	return s.media.PutImage(ctx, prefix, field, r)
}

func (s *Server) sellerUploadAvatar(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	sl, err = s.setAvatar(c, sl)
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.profileOf(sl))
}

// setAvatar stores the request's "avatar" image and makes it the seller's.
func (s *Server) setAvatar(c *gin.Context, sl catalog.Seller) (catalog.Seller, error) {
	f, err := uploadedImage(c, "avatar")
	if err != nil {
		return sl, err
	}
	defer f.Close()
	sq, err := s.putImage(c.Request.Context(), prefixAvatars, "avatar", f)
	if err != nil {
		return sl, err
	}
	return s.updateSeller(c.Request.Context(), sl.Handle, func(x *catalog.Seller) error {
		x.Avatar, x.AvatarURL = &catalog.Avatar{Small: sq.Small, Large: sq.Large}, ""
		return nil
	})
}

func (s *Server) sellerDeleteAvatar(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err == nil {
		sl, err = s.updateSeller(c.Request.Context(), sl.Handle, func(x *catalog.Seller) error {
			x.Avatar, x.AvatarURL = nil, ""
			return nil
		})
	}
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.profileOf(sl))
}

// themeCSS serves a shop's colours: the page's CSP allows no inline style,
// so the accent colour comes as a stylesheet of its own.
func (s *Server) themeCSS(c *gin.Context) {
	handle := c.Param("handle")
	r, err := getResponse(s.cache, pageKey{route: routeTheme, handle: handle}, func() (*response, error) {
		if catalog.ValidateHandle("handle", handle) != nil {
			return nil, catalog.NotFound("shop", handle)
		}
		ctx, cancel := buildContext(c)
		defer cancel()
		sl, err := s.seller(ctx, handle)
		if err != nil {
			return nil, err
		}
		css := ""
		if sl.AccentColor != "" {
			// Validated "#rrggbb": white text on it meets AA, in both schemes.
			css = ":root{--accent:" + sl.AccentColor + ";--on-accent:#fff}" +
				"@media (prefers-color-scheme:dark){:root{--accent:" + sl.AccentColor + ";--on-accent:#fff}}"
		}
		return &response{contentType: "text/css; charset=utf-8", cacheControl: pageCacheControl, body: []byte(css)}, nil
	})
	if err != nil {
		web.WriteError(c, err)
		return
	}
	r.write(c)
}
