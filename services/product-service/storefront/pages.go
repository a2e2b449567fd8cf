package storefront

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"image/color"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/taxonomy"
	"github.com/buylink/buylink/pkg/web"
)

//go:embed assets templates openapi.json
var files embed.FS

// Page sizes and limits of the shop pages.
const (
	shopPageSize  = 48
	eagerImages   = 4 // the first row or two load at once, the rest lazily
	buildDeadline = 10 * time.Second
)

// assets are the embedded CSS and JS, served under content-hashed names.
var (
	assets    = map[string]*response{} // by served name: "app.1a2b3c4d.css"
	assetPath = map[string]string{}    // "app.css" -> "/assets/app.1a2b3c4d.css"
)

var assetTypes = map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}

func init() {
	entries, err := files.ReadDir("assets")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		body, err := files.ReadFile("assets/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(e.Name())
		served := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:4]) + ext
		r := &response{contentType: assetTypes[ext], cacheControl: "public, max-age=31536000, immutable", body: body}
		if r.contentType == "" {
			panic("storefront: no content type for asset " + e.Name())
		}
		r.seal()
		assets[served] = r
		assetPath[e.Name()] = "/assets/" + served
	}
}

func serveAsset(c *gin.Context) {
	r, ok := assets[c.Param("file")]
	if !ok {
		c.AbortWithStatus(http.StatusNotFound)
		return
	}
	r.write(c)
}

func parseTemplates() (*template.Template, error) {
	return template.New("").Funcs(template.FuncMap{
		"asset": func(name string) string { return assetPath[name] },
		"pct":   func(r *float64) string { return strconv.FormatFloat(*r*100, 'f', 1, 64) + "%" },
		"act": func(v dashView, r dashRow, action, label string) actionButton {
			return actionButton{View: v, Row: r, Action: action, Label: label}
		},
		"field": func(v interface{ fieldErrors() map[string]string }, name string) fieldView {
			return fieldView{Field: name, Errors: v.fieldErrors()}
		},
		"linkForm": func(v linksView, l *linkRow) linkFormView {
			f := linkFormView{View: v, Title: v.Form["title"], URL: v.Form["url"], StartsAt: v.Form["startsAt"], EndsAt: v.Form["endsAt"]}
			if l != nil {
				f.Link, f.Title, f.URL, f.StartsAt, f.EndsAt = l, l.Title, l.URL, l.StartsAt, l.EndsAt
			}
			return f
		},
	}).ParseFS(files, "templates/*.html")
}

// fieldView is one form field's error, for the "err" and "inv" templates.
type fieldView struct {
	Field  string
	Errors map[string]string
}

// linkFormView is the link form, empty or for one link.
type linkFormView struct {
	View                         linksView
	Link                         *linkRow
	Title, URL, StartsAt, EndsAt string
}

// actionButton is one of a dashboard row's action forms.
type actionButton struct {
	View          dashView
	Row           dashRow
	Action, Label string
}

// render executes a page template.
func (s *Server) render(name string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := s.pages.ExecuteTemplate(&b, name, data); err != nil {
		return nil, catalog.Internal(err, "render %s", name)
	}
	return b.Bytes(), nil
}

// renderHTML answers with a page that is not cached (errors, dashboard).
func (s *Server) renderHTML(c *gin.Context, status int, name string, data any) {
	body, err := s.render(name, data)
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "render failed", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	c.Header("Content-Security-Policy", web.PageCSP)
	c.Data(status, "text/html; charset=utf-8", body)
}

// pageMeta is the head of a page: title, description and social previews.
type pageMeta struct {
	Title, Description, URL, Image, ImageAlt string
}

// card is one product card.
type card struct {
	PublicProduct
	Image *Image
	Lazy  bool
	// VideoPage is the path of the "shop this video" page of the product's video.
	VideoPage     string
	OfferEndsISO  string
	OfferEndsText string
}

// filterLink is one entry of the shop's category row.
type filterLink struct {
	Name, URL string
	Active    bool
}

type videoView struct {
	ID, TikTokURL string
	// Cover is the video's cover picture, if known.
	Cover string
}

// shopView is the data of the shop and "shop this video" pages.
type shopView struct {
	Meta     pageMeta
	Seller   PublicSeller
	Links    []PublicLink
	Theme    string
	ShopPath string
	// Categories is the category row; Filter what the page is filtered by.
	Categories []filterLink
	Filter     shopFilter
	Video      *videoView
	Products   []card
	Empty      string
	NextURL    string
	JSONLD     template.JS
}

func (s *Server) cards(items []catalog.Product, now time.Time) []card {
	out := make([]card, 0, len(items))
	for i, p := range items {
		pp := s.publicProduct(p, now)
		c := card{PublicProduct: pp, Lazy: i >= eagerImages}
		if len(pp.Images) > 0 {
			c.Image = &pp.Images[0]
		}
		if p.OfferEndsAt != nil {
			c.OfferEndsISO = p.OfferEndsAt.UTC().Format(time.RFC3339)
			c.OfferEndsText = p.OfferEndsAt.UTC().Format("Jan 2, 2006 15:04 UTC")
		}
		if c.OfferEnded {
			// The sale price ended with the offer: show the regular price
			// (the "was" price) if there is one, else no price at all.
			c.Price, c.CompareAt = c.CompareAt, nil
		}
		if c.VideoID != "" {
			c.VideoPage = "/s/" + p.Seller + "/v/" + c.VideoID
		}
		out = append(out, c)
	}
	return out
}

// buildContext detaches a cache fill from the request that started it:
// other requests wait for the same fill.
func buildContext(c *gin.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(c.Request.Context()), buildDeadline)
}

// shopFilter is what a shop page lists: a tag, a category and search text,
// read and checked like the API's filters of the same names.
type shopFilter struct {
	Tag, Category, Text string
}

func readShopFilter(c *gin.Context) (shopFilter, error) {
	var f shopFilter
	var err error
	if f.Tag, err = tagParam(c); err != nil {
		return f, err
	}
	if f.Category, err = categoryParam(c); err != nil {
		return f, err
	}
	f.Text, err = textParam(c)
	return f, err
}

// Empty reports whether nothing is filtered.
func (f shopFilter) Empty() bool { return f == shopFilter{} }

// query is the filter as a query string ("" when empty), with more added.
func (f shopFilter) query(more url.Values) string {
	qs := url.Values{}
	for k, v := range more {
		qs[k] = v
	}
	for k, v := range map[string]string{"tag": f.Tag, "category": f.Category, "q": f.Text} {
		if v != "" {
			qs.Set(k, v)
		}
	}
	if len(qs) == 0 {
		return ""
	}
	return "?" + qs.Encode()
}

func (s *Server) shopPage(c *gin.Context) {
	key := pageKey{route: routeShop, handle: c.Param("handle")}
	var f shopFilter
	if c.Request.URL.RawQuery != "" {
		var err error
		if f, err = readShopFilter(c); err != nil {
			s.htmlError(c, err)
			return
		}
		key.tag, key.category, key.text, key.cursor = f.Tag, f.Category, f.Text, c.Query("cursor")
	}
	build := func(snap *snapshot) func() (*response, error) {
		return func() (*response, error) { return s.buildShop(snap, f, key.cursor) }
	}
	// Search text is never known to a shop: straight to the searches.
	tier := s.cache
	if f.Text != "" {
		tier = s.searches
	}
	r, err := getResponse(tier, key, func() (*response, error) {
		if catalog.ValidateHandle("handle", key.handle) != nil {
			return nil, catalog.NotFound("shop", key.handle)
		}
		ctx, cancel := buildContext(c)
		defer cancel()
		snap, err := s.shopSnapshot(ctx, key.handle)
		if err != nil {
			return nil, err
		}
		if tier == s.cache && !snap.knows(f) {
			return nil, errUnknownFilter{snap}
		}
		return build(snap)()
	})
	var unknown errUnknownFilter
	if errors.As(err, &unknown) {
		r, err = getResponse(s.searches, key, build(unknown.snap))
	}
	if err != nil {
		s.htmlError(c, err)
		return
	}
	r.write(c)
}

// errUnknownFilter sends a shop page filtered by what its shop does not
// know (snapshot.knows) to the searches cache, with the snapshot read.
type errUnknownFilter struct{ snap *snapshot }

func (errUnknownFilter) Error() string { return "filter unknown to the shop" }

func (s *Server) seller(ctx context.Context, handle string) (catalog.Seller, error) {
	sl, err := s.store.GetSeller(ctx, handle)
	if catalog.IsCode(err, catalog.CodeNotFound) {
		return sl, catalog.NotFound("shop", handle)
	}
	return sl, err
}

// buildShop renders a page of a shop from its snapshot.
func (s *Server) buildShop(snap *snapshot, f shopFilter, cursor string) (*response, error) {
	items, next, err := snap.list(f, cursor)
	if err != nil {
		return nil, err
	}
	sl, handle := snap.seller, snap.seller.Handle
	now := s.now()
	seller := s.publicSeller(sl)
	shopPath := "/s/" + handle
	v := shopView{
		Seller: seller, ShopPath: shopPath, Categories: categoryLinks(handle, snap.products, f), Filter: f,
		Products: s.cards(items, now),
		Empty:    "No products here yet. New videos show up within minutes.",
	}
	if cursor == "" && f.Empty() {
		v.Links = snap.links
	}
	if sl.AccentColor != "" {
		v.Theme = shopPath + "/theme.css?c=" + strings.TrimPrefix(sl.AccentColor, "#")
	}
	v.Meta = pageMeta{Title: seller.DisplayName + " (@" + handle + ") · Shop", Description: seller.Bio, URL: seller.ShopURL + f.query(nil)}
	switch {
	case f.Text != "":
		v.Meta.Title = "“" + f.Text + "” · " + v.Meta.Title
		v.Empty = "No products match “" + f.Text + "”."
	case f.Category != "":
		name := f.Category
		if cat, ok := taxonomy.Lookup(f.Category); ok {
			name = cat.Name
		}
		v.Meta.Title = name + " · " + v.Meta.Title
		v.Empty = "No products in " + name + "."
	case f.Tag != "":
		v.Meta.Title = f.Tag + " · " + v.Meta.Title
		v.Empty = "No products tagged " + f.Tag + "."
	}
	if v.Meta.Description == "" {
		v.Meta.Description = "Everything from @" + handle + "'s TikTok videos, in one place."
	}
	if next != "" {
		v.NextURL = shopPath + f.query(url.Values{"cursor": {next}})
	}
	return s.pageResponse(v, v.Meta.URL)
}

// listingOrder is the order of products on every shop page: pinned first,
// then the seller's position, then newest video first, and within one video
// the caption's order.
func listingOrder(a, b catalog.Product) int {
	if a.Pinned != b.Pinned {
		if a.Pinned {
			return -1
		}
		return 1
	}
	return cmp.Or(cmp.Compare(a.Position, b.Position), b.VideoPostedAt.Compare(a.VideoPostedAt),
		cmp.Compare(firstVideo(a), firstVideo(b)), cmp.Compare(a.Index, b.Index), cmp.Compare(a.ID, b.ID))
}

func firstVideo(p catalog.Product) string {
	if len(p.VideoIDs) == 0 {
		return ""
	}
	return p.VideoIDs[0]
}

func (s *Server) videoPage(c *gin.Context) {
	handle, videoID := c.Param("handle"), c.Param("videoId")
	if catalog.ValidateHandle("handle", handle) != nil || catalog.ValidateVideoID("videoId", videoID) != nil {
		s.htmlError(c, catalog.NotFound("video", videoID))
		return
	}
	r, err := getResponse(s.cache, pageKey{route: routeVideo, handle: handle, video: videoID}, func() (*response, error) {
		ctx, cancel := buildContext(c)
		defer cancel()
		return s.buildVideo(ctx, handle, videoID)
	})
	if err != nil {
		s.htmlError(c, err)
		return
	}
	r.write(c)
}

func (s *Server) buildVideo(ctx context.Context, handle, videoID string) (*response, error) {
	sl, err := s.seller(ctx, handle)
	if err != nil {
		return nil, err
	}
	vid, err := s.store.GetVideo(ctx, videoID)
	if catalog.IsCode(err, catalog.CodeNotFound) || (err == nil && vid.Seller != handle) {
		return nil, catalog.NotFound("video", videoID)
	}
	if err != nil {
		return nil, err
	}
	q := catalog.ProductQuery{Seller: handle, VideoID: videoID, Statuses: []catalog.ProductStatus{catalog.ProductPublished}}
	items, _, err := s.store.ListProducts(ctx, q, catalog.Page{Limit: catalog.MaxPageLimit})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(items, listingOrder)
	seller := s.publicSeller(sl)
	pageURL := s.videoShopURL(handle, videoID)
	v := shopView{
		Seller: seller, ShopPath: "/s/" + handle, Products: s.cards(items, s.now()),
		Video: &videoView{ID: videoID, TikTokURL: tiktokVideoURL(handle, videoID), Cover: s.videoCover(vid)},
		Empty: "No products from this video yet.",
		Meta: pageMeta{
			Title: "Shop this video · " + seller.DisplayName + " (@" + handle + ")", URL: pageURL,
			Description: "The products from @" + handle + "'s TikTok video, with links, prices and codes.",
		},
	}
	if !vid.Status.Final() {
		v.Empty = "The products from this video are on their way. Check back in a minute."
	}
	return s.pageResponse(v, pageURL)
}

// videoCover is the address of a video's cover: the cover TikTok gave us
// (https only), else the video's first product picture.
func (s *Server) videoCover(v catalog.Video) string {
	if strings.HasPrefix(v.CoverURL, "https://") {
		return v.CoverURL
	}
	if len(v.Thumbnails) > 0 {
		return s.media.URL(v.Thumbnails[0].Key)
	}
	return ""
}

// pageResponse renders a shop page with its preview image and JSON-LD.
func (s *Server) pageResponse(v shopView, pageURL string) (*response, error) {
	for _, c := range v.Products {
		if c.Image != nil {
			v.Meta.Image, v.Meta.ImageAlt = c.Image.URL, c.Title
			break
		}
	}
	ld, err := s.jsonLD(v, pageURL)
	if err != nil {
		return nil, err
	}
	v.JSONLD = ld
	body, err := s.render("shop", v)
	if err != nil {
		return nil, err
	}
	return &response{contentType: "text/html; charset=utf-8", cacheControl: pageCacheControl, csp: web.PageCSP, body: body}, nil
}

// jsonLD describes the page's products as a schema.org ItemList of Product.
// encoding/json escapes <, > and &, so the result is safe inside <script>.
func (s *Server) jsonLD(v shopView, pageURL string) (template.JS, error) {
	type offer struct {
		Type         string `json:"@type"`
		Price        string `json:"price"`
		Currency     string `json:"priceCurrency"`
		URL          string `json:"url,omitempty"`
		ValidUntil   string `json:"priceValidUntil,omitempty"`
		Availability string `json:"availability"`
	}
	type product struct {
		Type     string   `json:"@type"`
		Name     string   `json:"name"`
		URL      string   `json:"url"`
		Image    []string `json:"image,omitempty"`
		Category string   `json:"category,omitempty"`
		Offers   *offer   `json:"offers,omitempty"`
	}
	type item struct {
		Type     string  `json:"@type"`
		Position int     `json:"position"`
		Item     product `json:"item"`
	}
	items := make([]item, 0, len(v.Products))
	for i, c := range v.Products {
		page := c.ShopVideoURL
		if page == "" {
			page = v.Seller.ShopURL
		}
		p := product{Type: "Product", Name: c.Title, URL: page + "#t-" + c.ID, Category: c.Category}
		for _, im := range c.Images {
			p.Image = append(p.Image, im.URL)
		}
		if c.Price != nil {
			p.Offers = &offer{Type: "Offer", Price: decimalPrice(c.Price.Minor, c.Price.Currency), Currency: c.Price.Currency,
				URL: c.ClickURL, Availability: "https://schema.org/InStock"}
			if c.OfferEndsAt != nil && !c.OfferEnded {
				p.Offers.ValidUntil = c.OfferEndsAt.UTC().Format(time.DateOnly)
			}
		}
		items = append(items, item{Type: "ListItem", Position: i + 1, Item: p})
	}
	b, err := json.Marshal(map[string]any{
		"@context": "https://schema.org", "@type": "ItemList", "name": v.Meta.Title, "url": pageURL,
		"numberOfItems": len(items), "itemListElement": items,
	})
	if err != nil {
		return "", catalog.Internal(err, "encode JSON-LD")
	}
	return template.JS(b), nil
}

// categoryLinks is the category row of a shop: the taxonomy categories of
// its products, most used first (taxonomy order breaks ties), each a link
// filtering the shop. An active tag filter is listed first so it shows.
func categoryLinks(handle string, products []catalog.Product, f shopFilter) []filterLink {
	counts := map[string]int{}
	for _, p := range products {
		if _, ok := taxonomy.Lookup(p.Category); ok {
			counts[p.Category]++
		}
	}
	if _, ok := counts[f.Category]; !ok && f.Category != "" {
		counts[f.Category] = 0
	}
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(taxonomy.Order(a), taxonomy.Order(b)), cmp.Compare(a, b))
	})
	out := make([]filterLink, 0, len(ids)+1)
	if f.Tag != "" {
		out = append(out, filterLink{Name: "#" + f.Tag, URL: "/s/" + handle + shopFilter{Tag: f.Tag}.query(nil), Active: true})
	}
	for _, id := range ids {
		name := id
		if cat, ok := taxonomy.Lookup(id); ok {
			name = cat.Name
		}
		out = append(out, filterLink{Name: name, URL: "/s/" + handle + shopFilter{Category: id}.query(nil), Active: id == f.Category})
	}
	return out
}

// tagParam reads ?tag=, normalised; a value with nothing of a tag in it is invalid.
func tagParam(c *gin.Context) (string, error) {
	raw, ok := c.GetQuery("tag")
	if !ok || raw == "" {
		return "", nil
	}
	tag := catalog.NormalizeTag(raw)
	if tag == "" {
		return "", catalog.Invalid("tag", "%q is not a tag (letters, digits and spaces)", truncateRunes(raw, 40))
	}
	return tag, nil
}

func (s *Server) qrCode(c *gin.Context) {
	handle := c.Param("handle")
	if catalog.ValidateHandle("handle", handle) != nil {
		s.htmlError(c, catalog.NotFound("shop", handle))
		return
	}
	if _, err := s.seller(c.Request.Context(), handle); err != nil {
		s.htmlError(c, err)
		return
	}
	svg, err := qrSVG(s.shopURL(handle), "QR code of the shop at "+s.shopURL(handle))
	if err != nil {
		s.htmlError(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Header("Content-Disposition", `inline; filename="`+handle+`-shop-qr.svg"`)
	c.Data(http.StatusOK, "image/svg+xml", []byte(svg))
}

// qrSVG draws a QR code of content (error correction M, quiet zone of 4
// modules) as a standalone SVG with a title for screen readers.
func qrSVG(content, title string) (template.HTML, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return "", catalog.Internal(err, "encode QR code")
	}
	n := code.Bounds().Dx()
	const quiet = 4
	var p strings.Builder
	for y := range n {
		for x := 0; x < n; {
			if !dark(code.At(x, y)) {
				x++
				continue
			}
			run := 1
			for x+run < n && dark(code.At(x+run, y)) {
				run++
			}
			p.WriteString("M" + strconv.Itoa(x+quiet) + " " + strconv.Itoa(y+quiet) + "h" + strconv.Itoa(run) + "v1h-" + strconv.Itoa(run) + "z")
			x += run
		}
	}
	size := strconv.Itoa(n + 2*quiet)
	svg := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + size + " " + size + `" role="img" aria-labelledby="qr-title" shape-rendering="crispEdges">` +
		`<title id="qr-title">` + template.HTMLEscapeString(title) + `</title>` +
		`<rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="` + p.String() + `"/></svg>`
	return template.HTML(svg), nil
}

func dark(c color.Color) bool { return color.GrayModel.Convert(c).(color.Gray).Y < 128 }
