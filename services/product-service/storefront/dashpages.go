package storefront

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// Addresses of ingestion's seller routes the dashboard's forms post to.
const (
	pathSellersAPI      = "/api/sellers"
	pathSellerVideosAPI = "/api/seller/videos"
)

// claimView is "claim your shop": an account signed in (Cognito's sign-up)
// without a seller yet.
type claimView struct {
	dashBase
	Action, CheckScript, CheckURL string
}

func (s *Server) dashboardClaim(c *gin.Context) {
	id, _ := auth.FromContext(c.Request.Context())
	if _, err := s.store.GetSellerBySub(c.Request.Context(), id.Sub); err == nil {
		c.Redirect(http.StatusSeeOther, "/dashboard")
		return
	}
	b := s.dashBase(c, catalog.Seller{Handle: "new"}, "claim", "Claim your shop")
	b.Meta.Title = "Claim your shop · buylink"
	if b.Form["handle"] == "" && id.Username != "" && catalog.ValidateNewHandle("handle", catalog.NormalizeHandle(id.Username)) == nil {
		b.Form["handle"] = catalog.NormalizeHandle(id.Username)
	}
	s.renderHTML(c, http.StatusOK, "claim", claimView{dashBase: b, Action: pathSellersAPI,
		CheckScript: auth.AssetPath("handle.js"), CheckURL: auth.PathHandleAvailability})
}

// profileView is the profile editor with its live preview.
type profileView struct {
	dashBase
	Profile  Profile
	Networks []socialField
	Avatar   string
	Accent   string
}

type socialField struct {
	Name, Label, Value, Hint string
}

var socialLabels = map[string][2]string{
	catalog.SocialTikTok: {"TikTok", "@handle"}, catalog.SocialInstagram: {"Instagram", "@username or profile link"},
	catalog.SocialYouTube: {"YouTube", "@handle"}, catalog.SocialX: {"X", "@username"}, catalog.SocialEmail: {"E-mail", "hello@example.com"},
}

func (s *Server) profileView(c *gin.Context, sl catalog.Seller) profileView {
	v := profileView{dashBase: s.dashBase(c, sl, "profile", "Profile"), Profile: s.profileOf(sl), Avatar: s.avatarURL(sl, false),
		Accent: sl.AccentColor}
	if v.Accent == "" {
		v.Accent = "#b0124f"
	}
	for _, n := range catalog.SocialNetworks {
		val := sl.Socials.Get(n)
		if f, ok := v.Form["socials."+n]; ok {
			val = f
		}
		v.Networks = append(v.Networks, socialField{Name: n, Label: socialLabels[n][0], Hint: socialLabels[n][1], Value: val})
	}
	return v
}

func (s *Server) dashboardProfile(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	s.renderHTML(c, http.StatusOK, "profile", s.profileView(c, sl))
}

// dashboardSaveProfile saves the profile form (multipart: the avatar may
// come with it) and goes back to the editor, or shows it again with the
// message next to the field at fault.
func (s *Server) dashboardSaveProfile(c *gin.Context) {
	sl, ok := s.formSeller(c)
	if !ok {
		return
	}
	var err error
	socials := map[string]string{}
	form := map[string]string{"displayName": c.PostForm("displayName"), "bio": c.PostForm("bio"), "accentColor": c.PostForm("accentColor")}
	for _, n := range catalog.SocialNetworks {
		socials[n] = c.PostForm("socials." + n)
		form["socials."+n] = socials[n]
	}
	pt := ProfilePatch{
		DisplayName: Optional[string]{Set: true, Value: form["displayName"]}, Bio: Optional[string]{Set: true, Value: form["bio"]},
		Socials: Optional[map[string]string]{Set: true, Value: socials}, AccentColor: Optional[string]{Set: true, Value: form["accentColor"]},
	}
	if sl, err = s.updateSeller(c.Request.Context(), sl.Handle, pt.apply); err == nil && c.ContentType() == "multipart/form-data" {
		if file, ferr := uploadedFile(c, "avatar"); ferr != nil {
			err = ferr
		} else if file != nil {
			_ = file.Close()
			sl, err = s.setAvatar(c, sl)
		}
	}
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/dashboard/profile"+withDone(sellerQuery(c), "profile"))
		return
	}
	if !catalog.IsCode(err, catalog.CodeInvalid) && !catalog.IsCode(err, catalog.CodeTooLarge) {
		s.htmlError(c, err)
		return
	}
	if sl, err2 := s.actingSeller(c); err2 == nil {
		v := s.profileView(c, sl)
		v.Form = form
		for i := range v.Networks {
			v.Networks[i].Value = form["socials."+v.Networks[i].Name]
		}
		v.Profile.DisplayName, v.Profile.Bio = form["displayName"], form["bio"]
		v.withFieldError(err, nil)
		s.renderHTML(c, web.StatusOf(catalog.CodeOf(err)), "profile", v)
		return
	}
	s.htmlError(c, err)
}

// linksView is the links editor.
type linksView struct {
	dashBase
	Links []linkRow
	Edit  *linkRow
	Max   int
}

type linkRow struct {
	SellerLink
	StartsAt, EndsAt, Schedule string
	First, Last                bool
	Clicks                     int64
}

// linkTimeLayout is <input type="datetime-local">, read as UTC.
const linkTimeLayout = "2006-01-02T15:04"

func (s *Server) linkRows(c *gin.Context, sl catalog.Seller) ([]linkRow, error) {
	all, err := s.store.ListLinks(c.Request.Context(), sl.Handle)
	if err != nil {
		return nil, err
	}
	rep, err := s.clickReport(c.Request.Context(), sl, ClickDays)
	if err != nil {
		return nil, err
	}
	clicks := map[string]int64{}
	for _, pc := range rep.Products {
		clicks[pc.ProductID] = pc.Total
	}
	out := make([]linkRow, 0, len(all))
	for i, l := range all {
		r := linkRow{SellerLink: s.linkView(l), First: i == 0, Last: i == len(all)-1, Clicks: clicks[l.ID]}
		if l.StartsAt != nil {
			r.StartsAt = l.StartsAt.UTC().Format(linkTimeLayout)
		}
		if l.EndsAt != nil {
			r.EndsAt = l.EndsAt.UTC().Format(linkTimeLayout)
		}
		r.Schedule = schedule(l, s.now())
		out = append(out, r)
	}
	return out, nil
}

// schedule says when a scheduled link shows.
func schedule(l catalog.Link, now time.Time) string {
	f := func(t *time.Time) string { return t.UTC().Format("Jan 2, 15:04 UTC") }
	switch {
	case l.StartsAt == nil && l.EndsAt == nil:
		return ""
	case l.EndsAt != nil && !now.Before(*l.EndsAt):
		return "Ended " + f(l.EndsAt)
	case l.StartsAt != nil && now.Before(*l.StartsAt):
		if l.EndsAt != nil {
			return "Shows from " + f(l.StartsAt) + " to " + f(l.EndsAt)
		}
		return "Shows from " + f(l.StartsAt)
	}
	return "Shows until " + f(l.EndsAt)
}

func (s *Server) dashboardLinks(c *gin.Context) { s.linksPage(c, "") }

func (s *Server) dashboardEditLink(c *gin.Context) { s.linksPage(c, c.Param("id")) }

// linksPage renders the links editor, with the form of the link edit when
// one is named.
func (s *Server) linksPage(c *gin.Context, edit string) {
	sl, err := s.actingSeller(c)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	rows, err := s.linkRows(c, sl)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	title := "Links"
	if edit != "" {
		title = "Edit link"
	}
	v := linksView{dashBase: s.dashBase(c, sl, "links", title), Links: rows, Max: catalog.MaxLinks}
	for i := range rows {
		if edit != "" && rows[i].ID == edit {
			v.Edit = &rows[i]
		}
	}
	if edit != "" && v.Edit == nil {
		s.htmlError(c, catalog.NotFound("link", truncateRunes(edit, 40)))
		return
	}
	s.renderHTML(c, http.StatusOK, "links", v)
}

// dashboardSaveLink creates (no id) or saves a link from the links form
// (multipart: an image may come with it).
func (s *Server) dashboardSaveLink(c *gin.Context) {
	sl, ok := s.formSeller(c)
	if !ok {
		return
	}
	var err error
	id := c.Param("id")
	form := map[string]string{"title": c.PostForm("title"), "url": c.PostForm("url"), "startsAt": c.PostForm("startsAt"), "endsAt": c.PostForm("endsAt")}
	pt := LinkPatch{Title: Optional[string]{Set: true, Value: form["title"]}, URL: Optional[string]{Set: true, Value: form["url"]}}
	for _, f := range []struct {
		name string
		dst  *Optional[string]
	}{{"startsAt", &pt.StartsAt}, {"endsAt", &pt.EndsAt}} {
		*f.dst = Optional[string]{Set: true}
		if v := strings.TrimSpace(form[f.name]); v != "" {
			t, perr := time.Parse(linkTimeLayout, v)
			if perr != nil {
				err = catalog.Invalid(f.name, "must be a date and time such as 2025-08-01T18:00 (got %q)", truncateRunes(v, 30))
				break
			}
			f.dst.Value = t.UTC().Format(time.RFC3339)
		}
	}
	var l catalog.Link
	if err == nil {
		l, err = s.putLink(c.Request.Context(), sl, id, func(l *catalog.Link) error { return pt.apply(l, id == "") })
	}
	if err == nil && c.ContentType() == "multipart/form-data" {
		if file, ferr := uploadedFile(c, "image"); ferr != nil {
			err = ferr
		} else if file != nil {
			_ = file.Close()
			_, err = s.setLinkImage(c, sl, l.ID, "image")
		}
	}
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/dashboard/links"+withDone(sellerQuery(c), "link")+"#link-"+l.ID)
		return
	}
	if !catalog.IsCode(err, catalog.CodeInvalid) && !catalog.IsCode(err, catalog.CodeTooLarge) && !catalog.IsCode(err, catalog.CodeConflict) {
		s.htmlError(c, err)
		return
	}
	rows, rerr := s.linkRows(c, sl)
	if rerr != nil {
		s.htmlError(c, rerr)
		return
	}
	v := linksView{dashBase: s.dashBase(c, sl, "links", "Links"), Links: rows, Max: catalog.MaxLinks}
	v.Form = form
	if id != "" {
		v.Edit = &linkRow{SellerLink: SellerLink{Link: catalog.Link{ID: id, Title: form["title"], URL: form["url"]}},
			StartsAt: form["startsAt"], EndsAt: form["endsAt"]}
	}
	v.withFieldError(err, nil)
	s.renderHTML(c, web.StatusOf(catalog.CodeOf(err)), "links", v)
}

func (s *Server) dashboardLinkAction(c *gin.Context) {
	sl, ok := s.formSeller(c)
	if !ok {
		return
	}
	var err error
	ctx, id := c.Request.Context(), c.Param("id")
	done, anchor := "link", "#link-"+id
	switch action := c.Param("action"); action {
	case "up", "down":
		err = s.moveLink(ctx, sl, id, action == "up")
	case "delete":
		var l catalog.Link
		if l, err = s.ownLink(ctx, sl, id); err == nil &&
			s.askFirst(c, sl, "links", l.Title, "/dashboard/links/"+id+"/delete", "/dashboard/links"+sellerQuery(c)+anchor) {
			return
		}
		if err == nil {
			err = s.deleteOwnLink(ctx, sl, id)
		}
		done, anchor = "linkdeleted", ""
	default:
		err = catalog.NotFound("action", action)
	}
	if err != nil {
		s.htmlError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/dashboard/links"+withDone(sellerQuery(c), done)+anchor)
}

// dashboardReorderLinks saves the links' order a drag and drop made.
func (s *Server) dashboardReorderLinks(c *gin.Context) { s.saveOrder(c, s.reorderLinks) }

// videosView is the Videos panel.
type videosView struct {
	dashBase
	Videos  []videoRow
	Pending bool
	Action  string
	More    string
}

type videoRow struct {
	ID, Status, Explanation, Caption, PageURL, Source, ShopURL string
	Thumbs                                                     []string
	Products                                                   int
	Failed, CanRetry, Final, FromTikTok                        bool
	RetryAction, ReparseAction                                 string
}

// videoSources name where a video's media came from, for its seller.
var videoSources = map[string]string{
	catalog.MediaFromSeller: "video link given", catalog.MediaFromUpload: "uploaded file", catalog.MediaFromApify: "found by Apify",
	catalog.MediaFromOEmbed: "TikTok's cover picture only", catalog.MediaNone: "no video or picture found",
}

func (s *Server) dashboardVideos(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	items, next, err := s.store.ListVideos(c.Request.Context(), catalog.VideoQuery{Seller: sl.Handle}, catalog.Page{Limit: 50, Cursor: c.Query("cursor")})
	if err != nil {
		s.htmlError(c, err)
		return
	}
	sq := sellerQuery(c)
	v := videosView{dashBase: s.dashBase(c, sl, "videos", "Videos"), Action: pathSellerVideosAPI + sq}
	if next != "" {
		v.More = "/dashboard/videos?cursor=" + next
	}
	for _, vid := range items {
		r := videoRow{ID: vid.ID, Status: string(vid.Status), Explanation: vid.Explain(), Caption: vid.Caption, PageURL: vid.PageURL,
			Source: videoSources[vid.MediaSource], Products: vid.ProductCount, Failed: vid.Status == catalog.VideoFailed,
			Final: vid.Status.Final(), FromTikTok: !catalog.IsUploadVideoID(vid.ID), ShopURL: "/s/" + sl.Handle + "/v/" + vid.ID,
			RetryAction:   pathSellerVideosAPI + "/" + vid.ID + "/retry" + sq,
			ReparseAction: pathSellerVideosAPI + "/" + vid.ID + "/reparse" + sq}
		r.CanRetry = r.Failed || (!r.Final && s.now().Sub(vid.UpdatedAt) > 10*time.Minute)
		v.Pending = v.Pending || !r.Final
		for i, t := range vid.Thumbnails {
			if i == 4 {
				break
			}
			r.Thumbs = append(r.Thumbs, s.media.URL(t.Key))
		}
		v.Videos = append(v.Videos, r)
	}
	s.renderHTML(c, http.StatusOK, "videos", v)
}
