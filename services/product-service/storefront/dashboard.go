package storefront

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/auth"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/web"
)

// dashboardAuth authenticates dashboard requests (the bearer header, or the
// session cookies, renewed before they expire); browsers without a valid
// session go to LoginURL, accounts without a seller to "claim your shop".
func (s *Server) dashboardAuth(c *gin.Context) {
	if !s.authenticate(c) {
		return
	}
	if c.Query("seller") == "" {
		id, _ := auth.FromContext(c.Request.Context())
		if _, err := s.store.GetSellerBySub(c.Request.Context(), id.Sub); catalog.IsCode(err, catalog.CodeNotFound) {
			c.Redirect(http.StatusSeeOther, pathClaim)
			c.Abort()
			return
		}
	}
	c.Next()
}

// dashboardAuthOnly authenticates like dashboardAuth but needs no seller
// (the claim page).
func (s *Server) dashboardAuthOnly(c *gin.Context) {
	if s.authenticate(c) {
		c.Next()
	}
}

// pathClaim is the "claim your shop" page of an account without a seller.
const pathClaim = "/dashboard/claim"

func (s *Server) authenticate(c *gin.Context) bool {
	next := c.Request.URL.RequestURI()
	if c.Request.Method != http.MethodGet {
		next = "/dashboard"
	}
	id, err := s.browser.Authenticate(c)
	if catalog.IsCode(err, catalog.CodeUnavailable) {
		s.htmlError(c, err)
		return false
	}
	if err != nil {
		auth.ClearSession(c.Writer, auth.SecureRequest(c.Request))
		c.Redirect(http.StatusSeeOther, s.loginRedirect(next))
		c.Abort()
		return false
	}
	c.Request = c.Request.WithContext(auth.WithIdentity(c.Request.Context(), id))
	return true
}

// formSeller checks a dashboard form's CSRF token and returns the seller it
// acts for; on failure it has answered with the error page.
func (s *Server) formSeller(c *gin.Context) (catalog.Seller, bool) {
	err := checkCSRF(c)
	var sl catalog.Seller
	if err == nil {
		sl, err = s.actingSeller(c)
	}
	if err != nil {
		s.htmlError(c, err)
		return sl, false
	}
	return sl, true
}

// saveOrder saves the order a page's drag and drop made (form field "ids",
// comma-separated) with reorder, and answers 204: the script already shows
// the order.
func (s *Server) saveOrder(c *gin.Context, reorder func(context.Context, catalog.Seller, []string) error) {
	err := checkCSRF(c)
	var sl catalog.Seller
	if err == nil {
		sl, err = s.actingSeller(c)
	}
	if err == nil {
		err = reorder(c.Request.Context(), sl, strings.Split(c.PostForm("ids"), ","))
	}
	if err != nil {
		web.WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// askFirst renders the page asking before a deletion, unless the form says
// the seller confirmed (confirm=yes, which the page's script adds); it
// reports whether it asked.
func (s *Server) askFirst(c *gin.Context, sl catalog.Seller, tab, what, action, cancel string) bool {
	if c.PostForm("confirm") == "yes" {
		return false
	}
	sq := sellerQuery(c)
	s.renderHTML(c, http.StatusOK, "confirm", confirmView{dashBase: s.dashBase(c, sl, tab, "Delete"), What: what, Action: action + sq, Cancel: cancel})
	return true
}

// checkCSRF verifies the form's csrf field (multipart forms are parsed with
// at most 1 MiB in memory first).
func checkCSRF(c *gin.Context) error {
	if c.ContentType() == "multipart/form-data" {
		if _, err := uploadedForm(c); err != nil {
			return err
		}
	}
	return auth.CheckCSRF(c)
}

// dashRow is one product in the dashboard's list.
type dashRow struct {
	ID, Title, Status, Price, Thumb, EditURL, ActionURL, ShopURL string
	Pinned, First, Last                                          bool
	Clicks                                                       int64
	DeletedAt                                                    string
}

// dashBase is what every dashboard page has: the seller, the forms' CSRF
// token, the tab shown, and the message of the last action.
type dashBase struct {
	Meta        pageMeta
	Seller      PublicSeller
	CSRF        string
	SellerQuery string
	Tab         string
	Notice      string
	// Undo, with Notice, restores the product just deleted.
	Undo   string
	Error  string
	Errors map[string]string
	Form   map[string]string
	Script string
}

func (b dashBase) fieldErrors() map[string]string { return b.Errors }

func (s *Server) dashBase(c *gin.Context, sl catalog.Seller, tab, title string) dashBase {
	b := dashBase{Meta: pageMeta{Title: title + " · @" + sl.Handle}, Seller: s.publicSeller(sl), CSRF: auth.CSRF(c),
		SellerQuery: sellerQuery(c), Tab: tab, Errors: map[string]string{}, Form: map[string]string{}, Script: assetPath["dash.js"]}
	if f, ok := web.TakeFlash(c); ok {
		if f.Field != "" {
			b.Errors[f.Field] = f.Message
		} else {
			b.Error = f.Message
		}
		if f.Values != nil {
			b.Form = f.Values
		}
	}
	if msg, ok := doneNotices[c.Query("done")]; ok {
		b.Notice = msg
	}
	return b
}

// doneNotices are the messages after a successful action (?done=).
var doneNotices = map[string]string{
	"saved": "Saved. The change is live on your shop.", "deleted": "Product deleted.", "restored": "Product restored.",
	"created": "Product added to your shop.", "welcome": "Your shop is ready. Add a video or a product to fill it.",
	"added":   "Video added. It shows here while it is read; its products appear on your shop when it is done.",
	"retried": "Started again.", "reparsed": "Reading the new caption.", "profile": "Profile saved.",
	"link": "Link saved.", "linkdeleted": "Link deleted.",
}

type dashView struct {
	dashBase
	Rows      []dashRow
	Bin       []dashRow
	Truncated bool
	Clicks    ClickReport
	// Days is the range shown (7, 30 or 90), Ranges the links to each.
	Days   int
	Ranges []filterLink
	// Chart is the daily clicks of the shop, or of Product when one is
	// chosen (?product=); ViewsChart the daily page views.
	Chart, ViewsChart template.HTML
	Product           *ProductClicks
	QR                template.HTML
	QRURL             string
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
	bin, err := s.purgeBin(ctx, sl)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	days, err := rangeParam(c)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	rep, err := s.clickReport(ctx, sl, days)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	clicksOf := map[string]int64{}
	for _, pc := range rep.Products {
		clicksOf[pc.ProductID] = pc.Total
	}
	sq := sellerQuery(c)
	v := dashView{dashBase: s.dashBase(c, sl, "products", "Products"), Truncated: truncated, Clicks: rep, Days: days,
		QRURL: "/s/" + sl.Handle + "/qr.svg"}
	v.analytics(c)
	if v.QR, err = qrSVG(v.Seller.ShopURL, "QR code of your shop at "+v.Seller.ShopURL); err != nil {
		s.htmlError(c, err)
		return
	}
	if c.Query("done") == "deleted" {
		if id := c.Query("id"); id != "" && len(id) <= 64 {
			v.Undo = id
		}
	}
	row := func(p catalog.Product) dashRow {
		r := dashRow{ID: p.ID, Title: p.Title, Status: string(p.Status), Pinned: p.Pinned, Clicks: clicksOf[p.ID],
			EditURL: "/dashboard/products/" + p.ID + sq, ActionURL: "/dashboard/products/" + p.ID}
		if p.PriceMinor != nil {
			r.Price = FormatPrice(*p.PriceMinor, p.Currency)
		}
		if img := p.CardImage(); img != nil {
			r.Thumb = s.media.URL(img.Key)
		}
		if len(p.VideoIDs) > 0 {
			r.ShopURL = "/s/" + p.Seller + "/v/" + p.VideoIDs[0]
		}
		if p.DeletedAt != nil {
			r.DeletedAt = p.DeletedAt.UTC().Format("Jan 2, 15:04 UTC")
		}
		return r
	}
	for i, p := range all {
		r := row(p)
		r.First, r.Last = i == 0 || all[i-1].Pinned != p.Pinned, i == len(all)-1 || all[i+1].Pinned != p.Pinned
		v.Rows = append(v.Rows, r)
	}
	for _, p := range bin {
		v.Bin = append(v.Bin, row(p))
	}
	s.renderHTML(c, http.StatusOK, "dashboard", v)
}

// editForm is the product edit form's values, as typed.
type editForm struct {
	Title, Price, CompareAt, Currency, BuyURL, DiscountCode, OfferEndsAt, Category, Tags, Status string
	Pinned                                                                                       bool
}

type editView struct {
	dashBase
	ID       string
	Product  editForm
	Statuses []catalog.ProductStatus
	ShopURL  string
	// Choices are the pictures the card may show; Chosen is the card's.
	Choices []imageChoice
	New     bool
}

// imageChoice is one picture a product card may show.
type imageChoice struct {
	Key, URL string
	Chosen   bool
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

// patch turns the form into the same patch the JSON API applies; prices
// are read by the seller's number convention.
func (f editForm) patch(sep separators) (ProductPatch, error) {
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
		v, err := parsePrice(price.field, price.raw, code, sep)
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

func (s *Server) editView(c *gin.Context, sl catalog.Seller, p catalog.Product, f editForm) editView {
	title := "Edit product"
	if p.ID == "" {
		title = "Add a product"
	}
	v := editView{dashBase: s.dashBase(c, sl, "products", title), ID: p.ID, Product: f, ShopURL: "/s/" + sl.Handle, New: p.ID == "",
		Statuses: []catalog.ProductStatus{catalog.ProductPublished, catalog.ProductHidden, catalog.ProductDraft}}
	if p.ID != "" {
		choices, err := s.imageChoices(c.Request.Context(), p)
		if err == nil {
			card := p.CardImage()
			for _, t := range choices {
				v.Choices = append(v.Choices, imageChoice{Key: t.Key, URL: s.media.URL(t.Key), Chosen: card != nil && card.Key == t.Key})
			}
			if p.Image != nil && !slices.ContainsFunc(choices, func(t catalog.Thumbnail) bool { return t.Key == p.Image.Key }) {
				v.Choices = append([]imageChoice{{Key: p.Image.Key, URL: s.media.URL(p.Image.Key), Chosen: true}}, v.Choices...)
			}
		}
	}
	return v
}

// withFieldError puts err's message next to its form field (or above the
// form when it names none).
func (b *dashBase) withFieldError(err error, formFields map[string]string) {
	var de *catalog.Error
	_, msg := errorStatus(err)
	if errors.As(err, &de) && de.Field != "" {
		field := de.Field
		if f, ok := formFields[field]; ok {
			field = f
		}
		b.Errors[field] = upperFirst(de.Message)
		return
	}
	b.Error = msg
}

// productFormFields map the domain's field names to the form's.
var productFormFields = map[string]string{"priceMinor": "price", "compareAtMinor": "compareAt"}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
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
	s.renderHTML(c, http.StatusOK, "edit", s.editView(c, sl, p, formOf(p)))
}

func (s *Server) dashboardNewProduct(c *gin.Context) {
	sl, err := s.actingSeller(c)
	if err != nil {
		s.htmlError(c, err)
		return
	}
	s.renderHTML(c, http.StatusOK, "edit", s.editView(c, sl, catalog.Product{}, editForm{Status: string(catalog.ProductPublished)}))
}

// postedForm reads the product form.
func postedForm(c *gin.Context) editForm {
	return editForm{
		Title: c.PostForm("title"), Price: c.PostForm("price"), CompareAt: c.PostForm("compareAt"), Currency: c.PostForm("currency"),
		BuyURL: c.PostForm("buyUrl"), DiscountCode: c.PostForm("discountCode"), OfferEndsAt: c.PostForm("offerEndsAt"),
		Category: c.PostForm("category"), Tags: c.PostForm("tags"), Status: c.PostForm("status"), Pinned: c.PostForm("pinned") == "on",
	}
}

func (s *Server) dashboardSave(c *gin.Context) {
	sl, ok := s.formSeller(c)
	if !ok {
		return
	}
	var err error
	id := c.Param("id")
	f := postedForm(c)
	pt, err := f.patch(separatorsOf(c.GetHeader("Accept-Language")))
	if err == nil {
		_, err = s.updateOwnProduct(c.Request.Context(), sl, id, func(p *catalog.Product) error {
			changing := pt.changing(*p)
			return changing.apply(p)
		})
	}
	switch {
	case err == nil, errors.Is(err, errEmptyPatch):
		c.Redirect(http.StatusSeeOther, "/dashboard"+withDone(sellerQuery(c), "saved")+"#row-"+id)
	case catalog.IsCode(err, catalog.CodeInvalid):
		cur, gerr := s.ownProduct(c.Request.Context(), sl, id)
		if gerr != nil {
			s.htmlError(c, gerr)
			return
		}
		v := s.editView(c, sl, cur, f)
		v.withFieldError(err, productFormFields)
		s.renderHTML(c, http.StatusBadRequest, "edit", v)
	default:
		s.htmlError(c, err)
	}
}

// dashboardCreateProduct adds a product by hand, with an optional image
// (the form is multipart).
func (s *Server) dashboardCreateProduct(c *gin.Context) {
	sl, ok := s.formSeller(c)
	if !ok {
		return
	}
	var err error
	ctx := c.Request.Context()
	f := postedForm(c)
	fail := func(err error) {
		if !catalog.IsCode(err, catalog.CodeInvalid) && !catalog.IsCode(err, catalog.CodeTooLarge) {
			s.htmlError(c, err)
			return
		}
		v := s.editView(c, sl, catalog.Product{}, f)
		v.withFieldError(err, productFormFields)
		s.renderHTML(c, web.StatusOf(catalog.CodeOf(err)), "edit", v)
	}
	pt, err := f.patch(separatorsOf(c.GetHeader("Accept-Language")))
	if err != nil {
		fail(err)
		return
	}
	var image *catalog.Thumbnail
	if file, err := uploadedFile(c, "image"); err != nil {
		fail(err)
		return
	} else if file != nil {
		sq, err := s.putImage(ctx, prefixProducts, "image", file)
		_ = file.Close()
		if err != nil {
			fail(err)
			return
		}
		image = squareThumbnail(sq.Large)
	}
	p, err := s.createProduct(ctx, sl, pt, image)
	if err != nil {
		fail(err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/dashboard"+withDone(sellerQuery(c), "created")+"#row-"+p.ID)
}

// dashboardProductImage sets a product's card image: one of its pictures
// (choice=<key>, "" for the default) or an uploaded image.
func (s *Server) dashboardProductImage(c *gin.Context) {
	sl, ok := s.formSeller(c)
	if !ok {
		return
	}
	var err error
	id := c.Param("id")
	if file, ferr := uploadedFile(c, "image"); ferr != nil {
		err = ferr
	} else if file != nil {
		_ = file.Close()
		_, err = s.uploadProductImage(c, sl, id)
	} else {
		_, err = s.chooseImage(c.Request.Context(), sl, id, c.PostForm("choice"))
	}
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/dashboard/products/"+id+withDone(sellerQuery(c), "saved"))
		return
	}
	if !catalog.IsCode(err, catalog.CodeInvalid) && !catalog.IsCode(err, catalog.CodeTooLarge) {
		s.htmlError(c, err)
		return
	}
	if p, err2 := s.ownProduct(c.Request.Context(), sl, id); err2 == nil {
		v := s.editView(c, sl, p, formOf(p))
		v.withFieldError(err, nil)
		s.renderHTML(c, web.StatusOf(catalog.CodeOf(err)), "edit", v)
		return
	}
	s.htmlError(c, err)
}

func withDone(query, done string) string {
	if query == "" {
		return "?done=" + done
	}
	return query + "&done=" + done
}

// confirmView asks before a deletion when the page's script did not.
type confirmView struct {
	dashBase
	What, Action, Cancel string
}

func (s *Server) dashboardAction(c *gin.Context) {
	sl, ok := s.formSeller(c)
	if !ok {
		return
	}
	var err error
	ctx, id := c.Request.Context(), c.Param("id")
	done, anchor := "saved", "#row-"+id
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
		var p catalog.Product
		if p, err = s.ownProduct(ctx, sl, id); err == nil &&
			s.askFirst(c, sl, "products", p.Title, "/dashboard/products/"+id+"/delete", "/dashboard"+sellerQuery(c)+anchor) {
			return
		}
		if err == nil {
			err = s.deleteOwnProduct(ctx, sl, id)
		}
		done, anchor = "deleted&id="+url.QueryEscape(id), "#products-h"
	case "restore":
		_, err = s.updateOwnProduct(ctx, sl, id, func(p *catalog.Product) error { return p.Restore() })
		done = "restored"
	default:
		err = catalog.NotFound("action", action)
	}
	if err != nil {
		s.htmlError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/dashboard"+withDone(sellerQuery(c), done)+anchor)
}

// dashboardReorder saves the products' order a drag and drop made.
func (s *Server) dashboardReorder(c *gin.Context) { s.saveOrder(c, s.reorder) }

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

// dashRanges are the analytics ranges the dashboard offers, in days.
var dashRanges = []int{7, 30, 90}

// rangeParam reads the dashboard's ?days= (default 30).
func rangeParam(c *gin.Context) (int, error) {
	raw, ok := c.GetQuery("days")
	if !ok {
		return 30, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || !slices.Contains(dashRanges, n) {
		return 0, catalog.Invalid("days", "must be 7, 30 or 90 (got %q)", truncateRunes(raw, 20))
	}
	return n, nil
}

// analytics fills the range links and the charts: the chosen product's
// clicks (?product=, one of the report's) or the shop's, and page views.
func (v *dashView) analytics(c *gin.Context) {
	for _, d := range dashRanges {
		q := url.Values{"days": {strconv.Itoa(d)}}
		if h := c.Query("seller"); h != "" {
			q.Set("seller", h)
		}
		v.Ranges = append(v.Ranges, filterLink{Name: strconv.Itoa(d) + " days", URL: "/dashboard?" + q.Encode() + "#clicks-h", Active: d == v.Days})
	}
	clicks, what := v.Clicks.Days, "Clicks"
	if id := c.Query("product"); id != "" {
		for i := range v.Clicks.Products {
			if pc := &v.Clicks.Products[i]; pc.ProductID == id {
				v.Product, what = pc, "Clicks on “"+pc.Title+"”"
				clicks = fillDays(v.Clicks.Days, pc.Days)
			}
		}
	}
	v.Chart = dayChart("clicks-chart", what, clicks)
	v.ViewsChart = dayChart("views-chart", "Page views", v.Clicks.ViewDays)
}

// fillDays is sparse (days with counts only) spread over every day of all.
func fillDays(all, sparse []DayCount) []DayCount {
	out := make([]DayCount, len(all))
	at := map[string]int64{}
	for _, d := range sparse {
		at[d.Day] = d.Count
	}
	for i, d := range all {
		out[i] = DayCount{Day: d.Day, Count: at[d.Day]}
	}
	return out
}

// dayChart draws counts per day as an SVG bar chart that stretches to the
// width; its labels are HTML text under and over it, so they keep their
// size (12px and up) on a phone. With nothing counted it says so instead of
// inventing a scale.
func dayChart(id, what string, days []DayCount) template.HTML {
	n := len(days)
	if n == 0 {
		return ""
	}
	var peak, total int64
	for _, d := range days {
		peak, total = max(peak, d.Count), total+d.Count
	}
	esc := template.HTMLEscapeString
	first, last := days[0].Day, days[n-1].Day
	var b strings.Builder
	fmt.Fprintf(&b, `<figure class="chart" id="%s"><figcaption>%s per day, %s to %s: %d in total`, id, esc(what), first, last, total)
	if peak == 0 {
		fmt.Fprintf(&b, `</figcaption><p class="muted">Nothing counted in these %d days.</p></figure>`, n)
		return template.HTML(b.String())
	}
	fmt.Fprintf(&b, `, at most %d on one day</figcaption><p class="peak" aria-hidden="true">%d</p>`, peak, peak)
	const h = 100
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" preserveAspectRatio="none" aria-hidden="true">`, n*10, h)
	for i, d := range days {
		if d.Count == 0 {
			continue
		}
		bh := float64(h) * float64(d.Count) / float64(peak)
		fmt.Fprintf(&b, `<rect class="bar" x="%d.5" y="%.1f" width="9" height="%.1f"><title>%s: %d</title></rect>`, i*10, float64(h)-bh, bh, d.Day, d.Count)
	}
	fmt.Fprintf(&b, `</svg><p class="axis" aria-hidden="true"><span>%s</span><span>%s</span></p></figure>`, first, last)
	return template.HTML(b.String())
}
