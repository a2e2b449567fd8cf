package storefront

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
)

// csrfKey is where dashboardAuth leaves the request's CSRF token.
const csrfKey = "storefront.csrf"

// csrfToken derives the dashboard forms' CSRF token from the session token:
// only a page that could read the token (ours) can know it.
func csrfToken(token string) string {
	sum := sha256.Sum256([]byte("buylink dashboard csrf\x00" + token))
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}

// dashboardAuth authenticates dashboard requests with the bearer header or
// the TokenCookie cookie; browsers without a valid token go to LoginURL.
func (s *Server) dashboardAuth(c *gin.Context) {
	token, ok := auth.BearerToken(c.GetHeader("Authorization"))
	if !ok {
		if v, err := c.Cookie(TokenCookie); err == nil && v != "" {
			token, ok = v, true
		}
	}
	next := c.Request.URL.RequestURI()
	if c.Request.Method != http.MethodGet {
		next = "/dashboard"
	}
	if !ok {
		c.Redirect(http.StatusSeeOther, s.loginRedirect(next))
		c.Abort()
		return
	}
	id, err := s.verifier.Verify(c.Request.Context(), token)
	if catalog.IsCode(err, catalog.CodeUnavailable) {
		s.htmlError(c, err)
		return
	}
	if err != nil {
		http.SetCookie(c.Writer, &http.Cookie{Name: TokenCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		c.Redirect(http.StatusSeeOther, s.loginRedirect(next))
		c.Abort()
		return
	}
	c.Request = c.Request.WithContext(auth.WithIdentity(c.Request.Context(), id))
	c.Set(csrfKey, csrfToken(token))
	c.Next()
}

// checkCSRF verifies the form's csrf field.
func checkCSRF(c *gin.Context) error {
	want := c.GetString(csrfKey)
	got := c.PostForm("csrf")
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return catalog.Errorf(catalog.CodeForbidden, "the form has expired; reload the page and try again")
	}
	return nil
}

// dashRow is one product in the dashboard's list.
type dashRow struct {
	ID, Title, Status, Price, Thumb, EditURL, ActionURL, ShopURL string
	Pinned, First, Last                                          bool
	Clicks                                                       int64
}

type dashView struct {
	Meta        pageMeta
	Seller      PublicSeller
	CSRF        string
	SellerQuery string
	Rows        []dashRow
	Truncated   bool
	Clicks      ClickReport
	Chart       template.HTML
	QR          template.HTML
	QRURL       string
	Notice      string
}

// sellerQuery keeps ?seller= on the dashboard's links for an admin acting
// for another seller.
func sellerQuery(c *gin.Context) string {
	if h := c.Query("seller"); h != "" {
		return "?" + url.Values{"seller": {h}}.Encode()
	}
	return ""
}

func (s *Server) dashboard(c *gin.Context) {
	ctx := c.Request.Context()
	sl, err := s.actingSeller(c)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	all, truncated, err := s.allProducts(ctx, sl.Handle)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	rep, err := s.clickReport(ctx, sl, ClickDays)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	clicksOf := map[string]int64{}
	for _, pc := range rep.Products {
		clicksOf[pc.ProductID] = pc.Total
	}
	sq := sellerQuery(c)
	v := dashView{
		Meta: pageMeta{Title: "Dashboard · @" + sl.Handle}, Seller: s.publicSeller(sl), CSRF: c.GetString(csrfKey),
		SellerQuery: sq, Truncated: truncated, Clicks: rep, Chart: clicksChart(rep),
		QRURL: "/s/" + sl.Handle + "/qr.svg",
	}
	if v.QR, err = qrSVG(v.Seller.ShopURL, "QR code of your shop at "+v.Seller.ShopURL); err != nil {
		s.htmlError(c, err)
		return
	}
	switch c.Query("done") {
	case "saved":
		v.Notice = "Saved. The change is live on your shop."
	case "deleted":
		v.Notice = "Product deleted."
	}
	for i, p := range all {
		row := dashRow{
			ID: p.ID, Title: p.Title, Status: string(p.Status), Pinned: p.Pinned, Clicks: clicksOf[p.ID],
			EditURL: "/dashboard/products/" + p.ID + sq, ActionURL: "/dashboard/products/" + p.ID, ShopURL: "",
			First: i == 0 || all[i-1].Pinned != p.Pinned, Last: i == len(all)-1 || all[i+1].Pinned != p.Pinned,
		}
		if p.PriceMinor != nil {
			row.Price = FormatPrice(*p.PriceMinor, p.Currency)
		}
		if len(p.Thumbnails) > 0 {
			row.Thumb = s.media.URL(p.Thumbnails[0].Key)
		}
		if len(p.VideoIDs) > 0 {
			row.ShopURL = "/s/" + p.Seller + "/v/" + p.VideoIDs[0]
		}
		v.Rows = append(v.Rows, row)
	}
	s.renderHTML(c, http.StatusOK, "dashboard", v)
}

// editForm is the product edit form's values, as typed.
type editForm struct {
	Title, Price, CompareAt, Currency, BuyURL, DiscountCode, OfferEndsAt, Category, Tags, Status string
	Pinned                                                                                       bool
}

type editView struct {
	Meta        pageMeta
	Seller      PublicSeller
	CSRF        string
	SellerQuery string
	ID          string
	Form        editForm
	Error       string
	Statuses    []catalog.ProductStatus
	ShopURL     string
}

// offerLayout is the format of <input type="datetime-local">, read as UTC.
const offerLayout = "2006-01-02T15:04"

func formOf(p catalog.Product) editForm {
	f := editForm{Title: p.Title, Currency: p.Currency, BuyURL: p.BuyURL, DiscountCode: p.DiscountCode, Category: p.Category,
		Status: string(p.Status), Pinned: p.Pinned}
	if p.PriceMinor != nil {
		f.Price = decimalPrice(*p.PriceMinor, p.Currency)
	}
	if p.CompareAtMinor != nil {
		f.CompareAt = decimalPrice(*p.CompareAtMinor, p.Currency)
	}
	if p.OfferEndsAt != nil {
		f.OfferEndsAt = p.OfferEndsAt.UTC().Format(offerLayout)
	}
	names := make([]string, 0, len(p.Tags))
	for _, t := range p.Tags {
		names = append(names, t.Name)
	}
	f.Tags = strings.Join(names, ", ")
	return f
}

// patch turns the form into the same patch the JSON API applies.
func (f editForm) patch() (ProductPatch, error) {
	var pt ProductPatch
	set := func(o *Optional[string], v string) { *o = Optional[string]{Set: true, Value: strings.TrimSpace(v)} }
	set(&pt.Title, f.Title)
	set(&pt.Currency, f.Currency)
	set(&pt.BuyURL, f.BuyURL)
	set(&pt.DiscountCode, f.DiscountCode)
	set(&pt.Category, f.Category)
	code := strings.ToUpper(strings.TrimSpace(f.Currency))
	for _, price := range []struct {
		field, raw string
		dst        *Optional[int64]
	}{{"price", f.Price, &pt.PriceMinor}, {"compareAt", f.CompareAt, &pt.CompareAtMinor}} {
		*price.dst = Optional[int64]{Set: true, Null: true}
		if strings.TrimSpace(price.raw) == "" {
			continue
		}
		if code == "" {
			return pt, catalog.Invalid("currency", "is required when a price is set")
		}
		if catalog.ValidateCurrency("currency", code) != nil {
			return pt, catalog.Invalid("currency", "must be an ISO 4217 code such as USD or EUR (got %q)", truncateRunes(code, 10))
		}
		v, err := parsePrice(price.field, price.raw, code, separators{})
		if err != nil {
			return pt, err
		}
		*price.dst = Optional[int64]{Set: true, Value: v}
	}
	pt.OfferEndsAt = Optional[string]{Set: true}
	if s := strings.TrimSpace(f.OfferEndsAt); s != "" {
		t, err := time.Parse(offerLayout, s)
		if err != nil {
			return pt, catalog.Invalid("offerEndsAt", "must be a date and time such as 2025-08-01T18:00 (got %q)", truncateRunes(s, 30))
		}
		pt.OfferEndsAt.Value = t.UTC().Format(time.RFC3339)
	}
	var tags []string
	for _, t := range strings.Split(f.Tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	pt.Tags = Optional[[]string]{Set: true, Value: tags}
	pt.Status = Optional[catalog.ProductStatus]{Set: true, Value: catalog.ProductStatus(f.Status)}
	pt.Pinned = Optional[bool]{Set: true, Value: f.Pinned}
	return pt, nil
}

// changing keeps only the fields whose value differs from p's, so that
// saving a form marks as edited only what the seller changed.
func (pt ProductPatch) changing(p catalog.Product) ProductPatch {
	before := formOf(p)
	same := func(a, b string) bool { return strings.TrimSpace(a) == strings.TrimSpace(b) }
	after := editForm{Title: pt.Title.Value, Currency: pt.Currency.Value, BuyURL: pt.BuyURL.Value,
		DiscountCode: pt.DiscountCode.Value, Category: pt.Category.Value}
	if same(before.Title, after.Title) {
		pt.Title = Optional[string]{}
	}
	if strings.EqualFold(strings.TrimSpace(before.Currency), strings.TrimSpace(after.Currency)) {
		pt.Currency = Optional[string]{}
	}
	if same(before.BuyURL, after.BuyURL) {
		pt.BuyURL = Optional[string]{}
	}
	if same(before.DiscountCode, after.DiscountCode) {
		pt.DiscountCode = Optional[string]{}
	}
	if same(before.Category, after.Category) {
		pt.Category = Optional[string]{}
	}
	if samePrice(p.PriceMinor, pt.PriceMinor) {
		pt.PriceMinor = Optional[int64]{}
	}
	if samePrice(p.CompareAtMinor, pt.CompareAtMinor) {
		pt.CompareAtMinor = Optional[int64]{}
	}
	var was string
	if p.OfferEndsAt != nil {
		was = p.OfferEndsAt.UTC().Format(time.RFC3339)
	}
	if was == pt.OfferEndsAt.Value {
		pt.OfferEndsAt = Optional[string]{}
	}
	if tags, err := sellerTags(pt.Tags.Value); err == nil && tagNames(tags) == tagNames(p.Tags) {
		pt.Tags = Optional[[]string]{}
	}
	if pt.Status.Value == p.Status {
		pt.Status = Optional[catalog.ProductStatus]{}
	}
	if pt.Pinned.Value == p.Pinned {
		pt.Pinned = Optional[bool]{}
	}
	return pt
}

func tagNames(tags []catalog.Tag) string {
	names := make([]string, 0, len(tags))
	for _, t := range tags {
		names = append(names, t.Name)
	}
	return strings.Join(names, ",")
}

func samePrice(cur *int64, o Optional[int64]) bool {
	if o.Null {
		return cur == nil
	}
	return cur != nil && *cur == o.Value
}

func (s *Server) editView(c *gin.Context, sl catalog.Seller, id string, f editForm) editView {
	return editView{
		Meta: pageMeta{Title: "Edit product · @" + sl.Handle}, Seller: s.publicSeller(sl), CSRF: c.GetString(csrfKey),
		SellerQuery: sellerQuery(c), ID: id, Form: f, ShopURL: "/s/" + sl.Handle,
		Statuses: []catalog.ProductStatus{catalog.ProductPublished, catalog.ProductHidden, catalog.ProductDraft},
	}
}

func (s *Server) dashboardEdit(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	p, err := s.ownProduct(c.Request.Context(), sl, c.Param("id"))
	if err != nil {
		s.htmlError(c, err)
		return
	}
	s.renderHTML(c, http.StatusOK, "edit", s.editView(c, sl, p.ID, formOf(p)))
}

func (s *Server) dashboardSave(c *gin.Context) {
	if err := checkCSRF(c); err != nil {
		s.htmlError(c, err)
		return
	}
	sl, err := s.actingSeller(c)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	id := c.Param("id")
	f := editForm{
		Title: c.PostForm("title"), Price: c.PostForm("price"), CompareAt: c.PostForm("compareAt"), Currency: c.PostForm("currency"),
		BuyURL: c.PostForm("buyUrl"), DiscountCode: c.PostForm("discountCode"), OfferEndsAt: c.PostForm("offerEndsAt"),
		Category: c.PostForm("category"), Tags: c.PostForm("tags"), Status: c.PostForm("status"), Pinned: c.PostForm("pinned") == "on",
	}
	pt, err := f.patch()
	if err == nil {
		_, err = s.updateOwnProduct(c.Request.Context(), sl, id, func(p *catalog.Product) error {
			changing := pt.changing(*p)
			return changing.apply(p)
		})
	}
	switch {
	case err == nil, errors.Is(err, errEmptyPatch):
		c.Redirect(http.StatusSeeOther, "/dashboard"+withDone(sellerQuery(c), "saved"))
	case catalog.IsCode(err, catalog.CodeInvalid):
		v := s.editView(c, sl, id, f)
		v.Error = errorMessage(err)
		s.renderHTML(c, http.StatusBadRequest, "edit", v)
	default:
		s.htmlError(c, err)
	}
}

func errorMessage(err error) string {
	_, msg := errorStatus(err)
	return msg
}

func withDone(query, done string) string {
	if query == "" {
		return "?done=" + done
	}
	return query + "&done=" + done
}

func (s *Server) dashboardAction(c *gin.Context) {
	if err := checkCSRF(c); err != nil {
		s.htmlError(c, err)
		return
	}
	sl, err := s.actingSeller(c)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	ctx, id := c.Request.Context(), c.Param("id")
	done := "saved"
	switch action := c.Param("action"); action {
	case "publish", "hide", "pin", "unpin":
		_, err = s.updateOwnProduct(ctx, sl, id, func(p *catalog.Product) error {
			switch action {
			case "publish":
				p.Status = catalog.ProductPublished
			case "hide":
				p.Status = catalog.ProductHidden
			default:
				p.Pinned = action == "pin"
			}
			return nil
		})
	case "up", "down":
		err = s.move(c, sl, id, action == "up")
	case "delete":
		err, done = s.deleteOwnProduct(ctx, sl, id), "deleted"
	default:
		err = catalog.NotFound("action", action)
	}
	if err != nil {
		s.htmlError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/dashboard"+withDone(sellerQuery(c), done))
}

// move swaps a product with its neighbour in the listing (among pinned or
// unpinned products), numbering the seller's order 1, 2, ... and writing
// only the products whose position changes.
func (s *Server) move(c *gin.Context, sl catalog.Seller, id string, up bool) error {
	ctx := c.Request.Context()
	all, truncated, err := s.allProducts(ctx, sl.Handle)
	if err != nil {
		return err
	}
	if truncated {
		return catalog.Conflict("the shop has more than %d products; reorder them through the API", maxSellerScan)
	}
	i := -1
	for k, p := range all {
		if p.ID == id {
			i = k
		}
	}
	if i < 0 {
		return catalog.NotFound("product", id)
	}
	j := i + 1
	if up {
		j = i - 1
	}
	if j < 0 || j >= len(all) || all[j].Pinned != all[i].Pinned {
		return nil
	}
	all[i], all[j] = all[j], all[i]
	for k, p := range all {
		if p.Position == k+1 {
			continue
		}
		if _, err := s.updateOwnProduct(ctx, sl, p.ID, func(p *catalog.Product) error {
			p.Position = k + 1
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// clicksChart draws daily clicks as an inline SVG bar chart.
func clicksChart(rep ClickReport) template.HTML {
	const w, h, top, bottom = 900, 220, 34, 40
	n := len(rep.Days)
	if n == 0 {
		return ""
	}
	var peak int64 = 1
	for _, d := range rep.Days {
		peak = max(peak, d.Count)
	}
	barW := float64(w) / float64(n)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title">`, w, h)
	fmt.Fprintf(&b, `<title id="chart-title">Clicks per day, %s to %s: %d in total, at most %d on one day</title>`,
		rep.Days[0].Day, rep.Days[n-1].Day, rep.Total, peak)
	fmt.Fprintf(&b, `<line class="axis" x1="0" y1="%d" x2="%d" y2="%d"/>`, h-bottom, w, h-bottom)
	for i, d := range rep.Days {
		if d.Count == 0 {
			continue
		}
		bh := float64(h-top-bottom) * float64(d.Count) / float64(peak)
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d</title></rect>`,
			float64(i)*barW+1, float64(h-bottom)-bh, barW-2, bh, d.Day, d.Count)
	}
	fmt.Fprintf(&b, `<text x="0" y="%d">%s</text>`, h-8, rep.Days[0].Day)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, w, h-8, rep.Days[n-1].Day)
	fmt.Fprintf(&b, `<text x="0" y="26">%s</text>`, strconv.FormatInt(peak, 10))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
