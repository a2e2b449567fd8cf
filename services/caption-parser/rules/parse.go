// Package rules reads products out of a TikTok caption with hand-written,
// language-aware rules: no model, no network, no randomness. It is the
// parser buylink uses when no LLM key is configured, and the fallback when
// the LLM fails for good.
//
// Parse is a pure function of its Input. It finds money amounts in many
// written forms ($19.99, 19,99 €, 1.299,00 €, Rp 150.000, Rp150rb, ¥1,980,
// R$ 49,90, CA$25, 19.99 USD, "2 for $30"), decides what each amount means
// (the price, a former price, a threshold, a discount, income), finds buy
// links, discount codes and offer end dates, and cuts the caption into
// products: one per list item ("1️⃣ lamp – $15.99"), one per priced phrase
// of an inline list, or one for the whole caption. A caption yields products
// only when it offers something: a current price and a sign of a sale (a
// buy link, a cart, "link in bio", a code).
package rules

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
)

// MaxProducts bounds the products read from one caption.
const MaxProducts = 20

// MaxTextBytes bounds the text read: longer input is cut (at a character
// boundary) before parsing. TikTok captions hold at most 4,000 characters.
const MaxTextBytes = 16 << 10

// Bounds on what one caption may hold, so that hostile input stays linear.
const (
	maxPrices = 200
	maxLinks  = 50
	maxCodes  = 20
)

// Input is one caption and what the parser needs to know about its video.
type Input struct {
	Text string
	// PostedAt anchors relative offer ends ("ends Sunday", "48 hrs only").
	// Zero means unknown: no offer end is computed.
	PostedAt time.Time
	// SellerLinks are the seller's own links (bio, socials): never buy links.
	SellerLinks []string
}

// Parse returns the products the caption offers, in caption order, with
// Index set from 0. It never fails: text that offers nothing yields none.
func Parse(in Input) []events.ParsedProduct {
	var c *parse
	select {
	case c = <-parses:
	default:
		c = new(parse)
	}
	c.init(in)
	out := c.products()
	// The products hold nothing of c: its slices serve a next caption.
	if cap(c.toks) <= maxPooledTokens {
		select {
		case parses <- c:
		default:
		}
	}
	return out
}

// parses holds parses for Parse to reuse with the room of their slices (a
// channel rather than a sync.Pool, which every garbage collection empties);
// those of hostile captions longer than maxPooledTokens are left to the
// collector.
var parses = make(chan *parse, 16)

const maxPooledTokens = 4096

// parse holds the analysis of one caption.
type parse struct {
	in Input
	// text is the caption with styled letters made plain (plainText); orig
	// is the caption as written.
	text, orig string
	// low is text in lower case, byte for byte (lowerAligned).
	low  string
	toks []token
	// lang is the caption's language (detectLanguage), "" when unknown;
	// scripted reports letters of a script written without spaces (Thai,
	// Japanese, Chinese).
	lang     string
	scripted bool
	// inApp caches boughtInApp: 0 not read yet, 1 no, 2 yes.
	inApp int8
	// foldCues reports a language whose cue words are read without
	// accents (cueWord).
	foldCues bool
	// stopMask selects the stop words of the caption's language (stops).
	stopMask uint16
	cues     []cueMatch
	// placeNames are the places the caption names (places), read once.
	placeNames []string
	placesDone bool
	// codeWord reports a word that introduces a code, with or without one.
	codeWord bool
	prices   []price
	links    []link
	codes    []code
	// isoMentioned holds upper-case ISO codes written anywhere ("prices in CAD").
	isoMentioned map[string]bool
	// priceOf maps a token to the index of the price it belongs to, or -1;
	// it is empty when the caption has no price.
	priceOf []int
	// paragraph numbers each token's paragraph (blank-line separated),
	// made on first use.
	paragraph []int
	// lineList holds the lines (lines), made on first use.
	lineList []line
	// taken is scratch space for inheritBareAmounts.
	taken []bool
	// phraseBuf is scratch space for the words before an amount (classify).
	phraseBuf []byte
	// cands holds the title candidates (bestTitle), and scored the scores
	// of their titles (titleScore).
	cands    []candidate
	scored   []scoredTitle
	hashtags []string
	// foldedTags are the hashtags folded (inHashtag), made on first use,
	// and joinedTags the same joined by NUL.
	foldedTags []string
	joinedTags string
	// ctaTok marks the tokens of calls to action (inCallToAction), made on
	// first use.
	ctaTok []bool
	// split remembers the titles already split into words (wordsOf)
	// and splitWords holds their words.
	split      []splitTitle
	splitWords []string
	// titleLows holds titles as titleSpan cut them, in lower case.
	titleLows []titleLow
}

// link is one URL of the caption.
type link struct {
	tok int
	url string // normalised: https:// added to bare domains
	// host is the url's host, lower case, without "www." (hostOf).
	host string
	// buy reports a public link that may be a buy link: not social, not a
	// link-in-bio page, not news, not the seller's own.
	buy bool
	// shop reports a buy link that is a way to buy on its own: a shop,
	// marketplace or affiliate host, or a link a buy word introduces
	// ("shop: x.com", "order at x.com", "👉 x.com").
	shop bool
}

// code is one discount code of the caption.
type code struct {
	tok   int
	value string
	// listed reports a code of a list of codes ("name: CODE" pairs).
	listed bool
}

func newParse(in Input) *parse {
	c := new(parse)
	c.init(in)
	return c
}

// init reads a caption into c. Of what c held before (a parse of Parse's
// pool) it keeps only the room of its slices, emptied.
func (c *parse) init(in Input) {
	in.Text = clip(in.Text, MaxTextBytes)
	*c = parse{in: in, orig: in.Text, text: plainText(in.Text),
		toks: c.toks[:0], cues: c.cues[:0], placeNames: c.placeNames[:0], prices: c.prices[:0], links: c.links[:0],
		codes: c.codes[:0], hashtags: c.hashtags[:0], split: c.split[:0], splitWords: c.splitWords[:0],
		priceOf: c.priceOf[:0], paragraph: c.paragraph[:0], lineList: c.lineList[:0], ctaTok: c.ctaTok[:0], phraseBuf: c.phraseBuf,
		foldedTags: c.foldedTags[:0], cands: c.cands, scored: c.scored[:0], taken: c.taken, titleLows: c.titleLows[:0]}
	c.toks, c.low = lexInto(c.toks, c.text)
	c.lang, c.scripted = detectLanguage(c.text, c.toks)
	c.stopMask = stopMaskOf(c.lang)
	c.foldCues = c.lang != langVI && c.lang != langTH
	for i := range c.toks {
		t := &c.toks[i]
		switch t.kind {
		case tWord:
			if w := c.text[t.start:t.end]; t.vocab&vISO != 0 && isoWords[w] {
				if c.isoMentioned == nil {
					c.isoMentioned = map[string]bool{}
				}
				c.isoMentioned[isoCurrency(w)] = true
			}
		case tURL:
			c.addLink(i)
		case tTag:
			if len(c.hashtags) < 30 {
				c.hashtags = append(c.hashtags, c.text[t.start+1:t.end])
			}
		}
	}
	c.findCues()
	c.findPrices()
	c.findCodes()
}

// clip cuts s to at most n bytes at a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func (c *parse) addLink(i int) {
	if len(c.links) >= maxLinks {
		return
	}
	t := &c.toks[i]
	u, parsed := normalizeURL(c.text[t.start:t.end])
	if u == "" || !strings.Contains(c.orig, c.text[t.start:t.end]) {
		return // a link written in styled letters is not the caption's link
	}
	// Shoppers are sent to buy links: never to private hosts or odd schemes,
	// socials, link-in-bio pages or news.
	h := hostName(parsed)
	buy := !socialHost(h) && !inDomains(h, newsHosts) && catalog.ValidatePublicURL("buyUrl", u) == nil
	for _, s := range c.in.SellerLinks {
		if n := NormalizeURL(strings.TrimSpace(s)); n != "" && sameLink(n, u) {
			buy = false
		}
	}
	c.links = append(c.links, link{tok: i, url: u, host: h, buy: buy, shop: buy && (shopHost(h) || c.introducesLink(i))})
}

// introducesLink reports a buy word or an arrow just before the link at i:
// "shop: x.com", "order at x.com", "available on x.com", "👉 x.com".
func (c *parse) introducesLink(i int) bool {
	for j, n := i-1, 0; j >= 0 && n < 3; j-- {
		t := &c.toks[j]
		switch t.kind {
		case tWord:
			if t.in(vLinkLead) {
				return true
			}
			n++
		case tEmoji:
			if strings.ContainsAny(c.text[t.start:t.end], "👉➡⬇👇👆🛒🛍🔗→⇒⏩") {
				return true
			}
			n++
		case tPunct:
			if s := c.text[t.start:t.end]; s == "→" || s == "»" || s == ">" {
				return true
			}
		case tBreak, tURL:
			return false
		default:
			n++
		}
	}
	return false
}

// linkLeads introduce the place to buy: "shop at x", "site: x", "tại x".
var linkLeads = setOf("at", "on", "via", "from", "shop", "site", "store", "website", "web", "order", "buy", "purchase",
	"here", "link", "available", "get", "grab", "tại", "ở", "di", "em", "en", "no", "na", "sur", "auf", "bei", "unter",
	"op", "su", "verkrijgbaar", "acquistala", "acquistalo")

// signals are what a caption says about selling.
type signals struct {
	// shopLink, code and buy are ways to buy: any one makes an offer of the
	// thing the caption names.
	shopLink, code, buy bool
	// contact, available and book make an offer when nothing says the
	// caption tells of an experience or the news.
	contact, available, book bool
	// priced reports a current price; pricedOffer one written as an offer:
	// after a price word ("Price:", "giá", "harga", "ราคา", "from", "at"),
	// or per piece, person or night ("$4 each", "250k/h", "£70 per night").
	priced, pricedOffer bool
	// buyLink reports a link that may be a buy link (see link.buy).
	buyLink                 bool
	experience, story, news bool
	// elsewhere reports an event, a giveaway, a donation or the creator's
	// channel: its links and calls to action lead to attending, entering,
	// giving or watching, not to a purchase.
	elsewhere bool
	// hostShop reports a link to a shop, marketplace or affiliate host
	// (shopHost), a way to buy whatever word comes before it.
	hostShop bool
	// phone reports a phone number to book or order by ("WA +62…",
	// "Hotline: 0986…"): a seller's, whatever else the caption tells.
	phone bool
}

func (c *parse) signals() signals {
	var s signals
	for _, l := range c.links {
		s.shopLink = s.shopLink || l.shop
		s.buyLink = s.buyLink || l.buy
		s.hostShop = s.hostShop || l.buy && shopHost(l.host) && !c.eventLink(l.tok)
	}
	s.code = len(c.codes) > 0
	for _, m := range c.cues {
		switch m.cue {
		case cueBuy:
			s.buy = true
		case cueContact:
			s.contact = true
			s.phone = s.phone || c.toks[m.last].kind == tNum
		case cueAvailable:
			s.available = true
		case cueBook:
			s.book = true
		case cueExperience:
			s.experience = true
		case cueStory:
			s.story = true
		case cueNews:
			s.news = true
		case cueEvent, cueGiveaway, cueDonation, cueChannel:
			s.elsewhere = true
		case cueTutorial:
			s.story = true
		}
	}
	for k := range c.prices {
		if p := &c.prices[k]; p.role == roleCurrent && p.currency != "" {
			s.priced = true
			// "$70 sports bra?", "would you pay £7 a night?": a price asked
			// about is no offer.
			s.pricedOffer = s.pricedOffer || p.offered && !c.asked(p.last) || c.aloneOnLine(p)
		}
	}
	return s
}

// aloneOnLine reports a price that has a line of its own, a listing's
// ("AUD 9,200 (M22375)", "💰 450.000đ"): nothing but the amount, marks and
// a reference in brackets.
func (c *parse) aloneOnLine(p *price) bool {
	if p.first > 0 && c.toks[p.first-1].kind != tBreak && c.toks[p.first-1].kind != tEmoji {
		return false
	}
	depth := 0
	for i := p.last + 1; i < len(c.toks) && c.toks[i].kind != tBreak; i++ {
		switch t := &c.toks[i]; {
		case c.isPunct(i, "("):
			depth++
		case c.isPunct(i, ")"):
			depth--
		case t.kind == tEmoji || t.kind == tPunct:
		case depth > 0 && (t.kind == tWord || t.kind == tNum):
		default:
			return false
		}
	}
	return p.first == 0 || c.toks[p.first-1].kind == tBreak || p.first > 1 && c.toks[p.first-2].kind == tBreak
}

// eventLink reports a link that an event or a giveaway introduces in its
// sentence ("đăng kí phiên live tại đây: s.shopee.vn/…", "enter here:
// shop.com/win"): a shop's link to register or enter sells nothing.
func (c *parse) eventLink(tok int) bool {
	for _, m := range c.cues {
		if (m.cue == cueEvent || m.cue == cueGiveaway) && m.last < tok && tok-m.last <= 10 && !c.sentenceBreakBetween(m.last, tok) {
			return true
		}
	}
	return false
}

// offers reports whether the caption offers something: a shop link, a code
// or a price with a link; or, where the caption does not tell of an
// experience or the news, a call to action, a contact, an availability, a
// booking or a price written as an offer.
func (c *parse) offers() bool {
	s := c.signals()
	switch {
	case s.elsewhere:
		// "register at fest.com", "comment to enter", "donate link in bio":
		// only a shop's own link or a code still sells something.
		return s.hostShop || s.code
	case s.shopLink || s.code || s.priced && s.buyLink:
		return true
	case s.phone && (!c.storyHashtags() || c.namesOwnBrand()):
		return true // "cảm ơn quý khách … booking phòng: 0826…": thanks from the seller
	case s.experience || s.news:
		// "how I made $3,000 selling on tiktok shop", "I spent $500 and
		// the cart was half empty": a story, whatever words it uses,
		// unless it sells the teller's own ("link in my bio to purchase
		// my guide").
		return c.sellsOwn()
	case s.buy || c.boughtInApp() || c.tiktokGOTag():
		return true
	case s.story:
		return false // a haul or a review with no way to buy
	case !s.contact && !s.available && !s.book && !s.pricedOffer:
		return false
	case c.storyHashtags() && !c.namesOwnBrand():
		return false // #hotelreview, #roomtour: a review, whatever it quotes
	}
	// A price written as an offer ("250k/h", "£9 a night") is the only
	// sign: a seller's, unless the caption speaks as one person who went,
	// ate or stayed ("I", "mình", "aku", "eu"), or pins the place it went
	// to (📍) with no way to book or write to it: a review.
	return s.contact || s.available || s.book || s.pricedOffer && !c.firstPerson() && !strings.Contains(c.text, "📍")
}

// sellsOwn reports a call to action that sells the caption's own thing: a
// buy verb ending it and "my" or "our" after it ("to purchase my guide",
// "shop our new range").
func (c *parse) sellsOwn() bool {
	for _, m := range c.cues {
		if m.cue == cueBuy && c.toks[m.last].in(vBuyVerb) {
			if w := m.last + 1; w < len(c.toks) && c.toks[w].kind == tWord && ownWords[c.toks[w].low] {
				return true
			}
		}
	}
	return false
}

var ownWords = setOf("my", "our")

// asked reports a question mark ending the sentence of token i (on its
// line, before any other sentence end).
func (c *parse) asked(i int) bool {
	for j := i + 1; j < len(c.toks); j++ {
		switch t := &c.toks[j]; t.kind {
		case tBreak:
			return false
		case tPunct:
			switch c.text[t.start:t.end] {
			case "?", "？":
				return true
			case ".", "!", "！", "。":
				return false
			}
		}
	}
	return false
}

// firstPerson reports a pronoun of the first person singular, as reviewers
// write and shops seldom do.
func (c *parse) firstPerson() bool {
	for i := range c.toks {
		t := &c.toks[i]
		if t.kind == tWord && firstPersonWords[t.low] {
			return true
		}
	}
	return false
}

var firstPersonWords = setOf("i", "i'm", "i’m", "i've", "i’ve", "me", "mình", "tôi", "tui", "tớ", "aku", "saya", "gue", "gw",
	"ako", "eu", "j'ai", "ich", "ฉัน", "ผม")

// maySell reports any sign of commerce: the captions the LLM gate sends. It
// is generous by design: any money amount, link, code word or commerce cue
// (a deal word, a contact, a booking), a thing bought in the app, a shop
// hashtag, a seller's voice, a phone number or an e-mail: every caption the
// rules read as an offer, and more.
func (c *parse) maySell() bool {
	if len(c.prices) > 0 || len(c.codes) > 0 || c.codeWord || c.boughtInApp() || c.tiktokGOTag() {
		return true
	}
	for _, l := range c.links {
		if l.buy {
			return true
		}
	}
	for _, m := range c.cues {
		if !m.cue.lookalike() {
			return true
		}
	}
	for _, h := range c.hashtags {
		if shopHashtag(h) {
			return true
		}
	}
	for i := range c.toks {
		t := &c.toks[i]
		if t.kind == tWord && gateWords[t.low] || c.emailAt(i) || c.phoneAt(i) {
			return true // "ghé bên em", "Contact: x@mail.com", "0868950168"
		}
	}
	return false
}

// emailAt reports an e-mail address ending at the handle token i
// ("x@mail.com": a word, then a handle with a dot, no space between).
func (c *parse) emailAt(i int) bool {
	t := &c.toks[i]
	return t.kind == tMention && !t.space && i > 0 && c.toks[i-1].kind == tWord && strings.Contains(c.text[t.start:t.end], ".")
}

// phoneAt reports a phone number starting at token i as numbers are
// written to be dialled: from 0 or after '+' ("0868950168", "+62 877…").
func (c *parse) phoneAt(i int) bool {
	t := &c.toks[i]
	if t.kind != tNum || c.text[t.start] != '0' && (i == 0 || !c.isPunct(i-1, "+")) {
		return false
	}
	return c.phoneAfter(i) > 0
}

// gateWords send a caption to the LLM though the rules read no offer in
// it: a seller's voice or a way to reach one.
var gateWords = setOf("ghé", "em", "contact", "email", "info", "shoppable", "boutique", "бутик", "nhận", "quỹ", "dm", "reseller")

// shopHashtag reports a hashtag that speaks of shopping: #tiktokshop,
// #shopee, #giamgia, #diskon, #racuntiktok, #sale.
func shopHashtag(h string) bool { return containsAnyOf(lower(h), shopTagWords) }

// containsAnyOf reports whether s contains any of words.
func containsAnyOf(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

var shopTagWords = []string{"shop", "sale", "promo", "deal", "diskon", "giamgia", "racun", "affiliate", "tiktokmademebuyit",
	"amazonfind", "founditonamazon", "ltk", "preorder", "ready", "order", "jualan", "olshop", "ขาย", "โปร", "achadinho",
	"linkinbio", "reseller", "hotel", "homestay", "khachsan", "nhanghi", "villa", "resort", "booking", "dhgate"}

// storyHashtags reports a hashtag that files the video as a review, a
// vlog, a tutorial, a prank or the news: #hotelreview, #roomtour,
// #รีวิวโรงแรม, #resenha, #tintuc, #recipe (#traveltiktok is not one).
func (c *parse) storyHashtags() bool {
	for _, h := range c.hashtags {
		if containsAnyOf(lower(h), storyTagWords) {
			return true
		}
	}
	return false
}

var storyTagWords = []string{"review", "vlog", "roomtour", "storytime", "prank", "unboxing", "haul", "tutorial", "recipe",
	"howto", "news", "meme", "รีวิว", "ข่าว", "resenha", "reseña", "receita", "receta", "resep", "tintuc", "berita",
	"noticia", "reviewanuong", "congthuc", "huongdan", "pengalaman", "trải", "learnontiktok", "edutok"}

// products cuts the caption into products.
func (c *parse) products() []events.ParsedProduct {
	if !c.offers() {
		return nil
	}
	var items []item
	for _, read := range []func() []item{c.listItems, c.priceBlocks, c.codeItems, c.inlineItems, c.singleItem} {
		if items = read(); len(items) > 0 {
			break
		}
	}
	if len(items) > MaxProducts {
		items = items[:MaxProducts]
	}
	out := make([]events.ParsedProduct, 0, len(items))
	ends := c.offerEnd()
	for _, it := range items {
		if it.title == "" {
			continue
		}
		pp := events.ParsedProduct{Index: len(out), Title: it.title, BuyURL: it.url, DiscountCode: it.code, Confidence: it.confidence()}
		if it.price != nil && it.price.currency != "" {
			m, q := it.price.minor, it.price.currency
			pp.PriceMinor, pp.Currency = &m, q
			if it.old != nil && it.old.currency == q && it.old.minor > m {
				o := it.old.minor
				pp.CompareAtMinor = &o
			}
		}
		if ends != nil {
			e := *ends
			pp.OfferEndsAt = &e
		}
		out = append(out, pp)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// item is one product before it becomes an events.ParsedProduct.
type item struct {
	title     string
	strong    bool // the title came from a list item, a demonstrative or the price's own phrase
	price     *price
	old       *price
	url, code string
}

// confidence grows from 0.5 (a caption that sells something) with a price,
// a buy link, a code and a title read from a strong position.
func (it item) confidence() float64 {
	conf := 0.5
	if it.price != nil && it.price.currency != "" {
		conf += 0.2
	}
	if it.url != "" {
		conf += 0.1
	}
	if it.code != "" {
		conf += 0.05
	}
	if it.strong {
		conf += 0.1
	}
	return min(conf, 0.95)
}

// line is a range of tokens between line breaks.
type line struct{ first, end int }

// lines returns the caption's lines, made on first use. The caller must
// not modify them.
func (c *parse) lines() []line {
	if len(c.lineList) > 0 {
		return c.lineList // a caption has at least one line
	}
	start := 0
	for i := range c.toks {
		t := &c.toks[i]
		if t.kind == tBreak {
			c.lineList = append(c.lineList, line{start, i})
			start = i + 1
		}
	}
	c.lineList = append(c.lineList, line{start, len(c.toks)})
	return c.lineList
}

// markerEnd returns the index after a list marker opening the line (an emoji,
// a bullet, "1." or "1)"), or -1 when the line has none.
func (c *parse) markerEnd(l line) int {
	if l.first >= l.end {
		return -1
	}
	t := &c.toks[l.first]
	switch t.kind {
	case tEmoji:
		return l.first + 1
	case tPunct:
		switch c.text[t.start:t.end] {
		case "-", "•", "·", "*", "–", "—", "+", "~", "◦", "‣", "⁃", ">":
			return l.first + 1
		}
	case tNum:
		if int(t.numEnd) == t.end && l.first+1 < l.end {
			n := c.toks[l.first+1]
			if s := c.text[n.start:n.end]; n.kind == tPunct && (s == "." || s == ")") {
				return l.first + 2
			}
		}
	}
	return -1
}

// listItems finds list lines that each price one product: at least two
// lines holding a current price. A marked line without a price joins the
// list when it sits in the same run of marked lines and either the list has
// two priced lines or the line says its price is coming ("price TBA").
func (c *parse) listItems() []item {
	lines := c.lines()
	type row struct {
		l      line
		marker int // index after the line's list marker, or -1
		price  int // index into c.prices of the line's current price, or -1
		block  int // number of the run of marked lines the line is in, or -1
		joins  bool
	}
	rows := make([]row, 0, len(lines))
	priced, block := 0, 0
	for k, l := range lines {
		r := row{l: l, marker: c.markerEnd(l), price: -1, block: -1}
		if r.marker >= 0 {
			if k == 0 || rows[k-1].marker < 0 {
				block++
			}
			r.block = block
		}
		for j, p := range c.prices {
			if p.num >= l.first && p.num < l.end && p.role == roleCurrent {
				if r.price < 0 || (p.lead && !c.prices[r.price].lead) {
					r.price = j
				}
			}
		}
		if r.price >= 0 && c.priceOnlyLine(l) {
			r.price = -1 // "🇦🇪 AED: 260,000" prices the product named above it
		}
		if r.price >= 0 {
			priced++
		}
		rows = append(rows, r)
	}
	pricedInBlock := map[int]int{}
	for _, r := range rows {
		if r.price >= 0 && r.block >= 0 {
			pricedInBlock[r.block]++
		}
	}
	if priced == 0 {
		return nil
	}
	// An unpriced marked line joins the list under the rule above.
	joined := 0
	for k := range rows {
		r := &rows[k]
		if r.marker < 0 || r.price >= 0 || pricedInBlock[r.block] == 0 || c.lineHasAmount(r.l) || c.isCallToAction(r.l) {
			continue
		}
		if r.joins = priced >= 2 || c.pricePending(r.l); r.joins {
			joined++
		}
	}
	if priced < 2 && joined == 0 {
		return nil
	}
	// Caption-wide link and code: those outside every item line.
	itemLine := make([]bool, len(c.toks))
	for _, r := range rows {
		if r.price >= 0 || r.joins {
			for i := r.l.first; i < r.l.end; i++ {
				itemLine[i] = true
			}
		}
	}
	onItem := func(tok int) bool { return itemLine[tok] }
	general := c.generalLinkCode(onItem)
	var items []item
	for _, r := range rows {
		start := r.l.first
		if r.marker >= 0 {
			start = r.marker
		}
		if r.price < 0 {
			if !r.joins {
				continue
			}
			if title := c.titleFrom(start, r.l.end); title != "" && !c.genericTitle(title) {
				it := item{title: title, strong: true}
				it.url, it.code = c.lineLinkCode(r.l, general)
				items = append(items, it)
			}
			continue
		}
		p := &c.prices[r.price]
		title := c.titleFrom(start, p.first)
		if title == "" {
			title = c.titleFrom(p.last+1, r.l.end)
		}
		it := item{title: withQty(title, p.qty), strong: true, price: p}
		it.old = c.oldPriceIn(r.l.first, r.l.end, p)
		it.url, it.code = c.lineLinkCode(r.l, general)
		items = append(items, it)
	}
	return items
}

// priceOnlyLine reports a line that holds a current price and, besides
// emoji, flags and punctuation, only currency and price words: "🇬🇧
// Pounds: £12,000", "AED :56,000", "Giá: 250k".
func (c *parse) priceOnlyLine(l line) bool {
	priced := false
	for i := l.first; i < l.end; i++ {
		t := &c.toks[i]
		if k, ok := c.inPrice(i); ok {
			priced = priced || c.prices[k].role == roleCurrent
			continue
		}
		if t.kind == tWord && !t.in(vPriceLabel) {
			if _, ok := wordCurrencies[t.low]; !ok && !isoWords[c.text[t.start:t.end]] {
				return false
			}
		}
		if t.kind == tNum || t.kind == tURL || t.kind == tMention {
			return false
		}
	}
	return priced
}

// priceLabelWords label a price: "Price: $300", "Giá: 250k", "ราคา 590".
var priceLabelWords = setOf("price", "prices", "precio", "preço", "prix", "preis", "giá", "harga", "ราคา", "presyo",
	"rate", "rates", "official", "retail", "now", "only", "usd", "aed", "eur", "gbp")

// priceBlocks reads products each followed by its own block of price lines
// (one price per currency: "Hermès Birkin 25 …\n🇦🇪 AED: 260,000\n🇺🇸
// Dollars: $70,000"): the product is the nearest line above the block that
// names one, its price the block's first. It needs two blocks; a single
// block is a single product's.
func (c *parse) priceBlocks() []item {
	lines := c.lines()
	var items []item
	for k := 0; k < len(lines); k++ {
		if !c.priceOnlyLine(lines[k]) || k > 0 && c.priceOnlyLine(lines[k-1]) {
			continue
		}
		var p *price
		for j := range c.prices {
			if q := &c.prices[j]; q.role == roleCurrent && q.num >= lines[k].first && q.num < lines[k].end {
				p = q
				break
			}
		}
		for n := k - 1; n >= 0 && n >= k-3 && p != nil; n-- {
			l := lines[n]
			if l.first >= l.end || c.priceOnlyLine(l) || c.isCallToAction(l) {
				continue
			}
			start := l.first
			if m := c.markerEnd(l); m >= 0 {
				start = m
			}
			if title := c.titleFrom(start, l.end); title != "" && !c.genericTitle(title) {
				items = append(items, item{title: title, strong: true, price: p})
				break
			}
		}
	}
	if len(items) < 2 {
		return nil
	}
	g := c.generalLinkCode(func(int) bool { return false })
	for i := range items {
		items[i].url, items[i].code = g.url, g.code
	}
	return items
}

// genericTitle reports a title that names no product ("Tap the orange cart").
func (c *parse) genericTitle(title string) bool {
	words := titleWords(title)
	if len(words) == 0 {
		return true
	}
	generic := 0
	for _, w := range words {
		if f := vocabOf(w); f&vGeneric != 0 || c.stops(f) {
			generic++
		}
	}
	return generic == len(words) || genericWords[words[len(words)-1]] || isPackPhrase(words)
}

// isCallToAction reports a line that tells the viewer what to do (links,
// carts, codes) rather than naming a product.
func (c *parse) isCallToAction(l line) bool {
	for i := l.first; i < l.end; i++ {
		t := &c.toks[i]
		if t.kind == tURL || t.kind == tWord && ctaWords[t.low] {
			return true
		}
	}
	return false
}

// pricePending reports a line saying its price is not out yet.
func (c *parse) pricePending(l line) bool {
	for i := l.first; i < l.end; i++ {
		t := &c.toks[i]
		if t.kind != tWord {
			continue
		}
		switch t.low {
		case "tba", "tbd", "tbc", "restocking", "preorder", "pre-order", "soon":
			return true
		}
		if t.low == "sold" && i+1 < l.end && c.toks[i+1].low == "out" {
			return true
		}
	}
	return false
}

// lineHasAmount reports any money amount on the line (a threshold line is not a product).
func (c *parse) lineHasAmount(l line) bool {
	for _, p := range c.prices {
		if p.num >= l.first && p.num < l.end {
			return true
		}
	}
	return false
}

type linkCode struct{ url, code string }

// generalLinkCode returns the first buy link and code outside the items.
func (c *parse) generalLinkCode(onItem func(int) bool) linkCode {
	var g linkCode
	for _, l := range c.links {
		if l.buy && !onItem(l.tok) {
			g.url = l.url
			break
		}
	}
	for _, cd := range c.codes {
		if !onItem(cd.tok) {
			g.code = cd.value
			break
		}
	}
	return g
}

// lineLinkCode returns the buy link and code of a line, or the general ones.
func (c *parse) lineLinkCode(l line, g linkCode) (string, string) {
	u, cd := g.url, g.code
	for _, x := range c.links {
		if x.buy && x.tok >= l.first && x.tok < l.end {
			u = x.url
			break
		}
	}
	for _, x := range c.codes {
		if x.tok >= l.first && x.tok < l.end {
			cd = x.value
			break
		}
	}
	return u, cd
}

// oldPriceIn returns the former price written in [first, end) next to p.
func (c *parse) oldPriceIn(first, end int, p *price) *price {
	var best *price
	for k := range c.prices {
		q := &c.prices[k]
		if q.role == roleOld && q.num >= first && q.num < end && q.currency == p.currency {
			if best == nil || abs(q.num-p.num) < abs(best.num-p.num) {
				best = q
			}
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// inlineItems reads several products priced in running text: "the cordless
// car vacuum ($36.99) amzn.to/x and the detailing gel ($7.97) amzn.to/y".
// Each current price must follow its own product phrase.
func (c *parse) inlineItems() []item {
	var cur []int
	for k, p := range c.prices {
		if p.role == roleCurrent {
			cur = append(cur, k)
		}
	}
	if len(cur) < 2 {
		return nil
	}
	var items []item
	seen := map[string]bool{}
	for n, k := range cur {
		p := &c.prices[k]
		lo := 0
		if n > 0 {
			lo = c.prices[cur[n-1]].last + 1
		}
		title, ok := c.phraseBefore(lo, p.first)
		if !ok || title == "" || seen[strings.ToLower(title)] {
			return nil
		}
		seen[strings.ToLower(title)] = true
		it := item{title: withQty(title, p.qty), strong: true, price: p}
		hi := len(c.toks)
		if n+1 < len(cur) {
			hi = c.prices[cur[n+1]].first
		}
		it.old = c.oldPriceIn(lo, hi, p)
		if c.buyLinks() >= len(cur) {
			// A link per product: each takes the one after its price.
			for _, l := range c.links {
				if l.buy && l.tok > p.last && l.tok < hi {
					it.url = l.url
					break
				}
			}
		}
		items = append(items, it)
	}
	// A link or code not tied to one product applies to the others.
	var g linkCode
	for _, l := range c.links {
		if l.buy && !usedLink(items, l.url) {
			g.url = l.url
			break
		}
	}
	if len(c.codes) > 0 {
		g.code = c.codes[0].value
	}
	for i := range items {
		if items[i].url == "" {
			items[i].url = g.url
		}
		items[i].code = g.code
	}
	return items
}

// taggedName returns the longest run of up to four words of the caption
// (one only when capitalised) that is also written as one of its hashtags
// ("Kopi Senja" and #kopisenja, "Mixue" and #mixue), as a title, or "".
func (c *parse) taggedName() string {
	if len(c.hashtags) == 0 {
		return ""
	}
	tags := make(map[string]bool, len(c.hashtags))
	for _, h := range c.hashtags {
		// Not the platform's own tags (#tiktokgo) nor shopping tags.
		if f := fold(h); !strings.Contains(f, "tiktok") && !shopHashtag(f) {
			tags[f] = true
		}
	}
	best, bestN := "", 0
	var sb strings.Builder
	for i := range c.toks {
		sb.Reset()
		for n := 1; n <= 4 && i+n <= len(c.toks); n++ {
			t := &c.toks[i+n-1]
			if t.kind != tWord || n > 1 && !t.space {
				break
			}
			sb.WriteString(fold(t.low))
			// One word only as a name in capitals: "Mixue" and #mixue.
			if n > bestN && tags[sb.String()] && (n > 1 || c.text[t.start] >= 'A' && c.text[t.start] <= 'Z' && !t.in(vGeneric)) {
				best, bestN = c.titleFrom(i, i+n), n
			}
		}
	}
	return best
}

// genericLodging reports a title that is a kind of place to stay and what
// it is like, no name ("Khách sạn view đẹp", "Homestay gần biển"), in a
// caption whose brand tag the words name ("… cùng Sazi nha #sazihotel"):
// the tag names the place better.
func (c *parse) genericLodging(title string) bool {
	first, rest, _ := strings.Cut(title, " ")
	if second, after, _ := strings.Cut(rest, " "); lodgingPair(first, second) {
		rest = after
	} else if !slices.ContainsFunc(lodgingNouns, func(w string) bool { return strings.EqualFold(w, first) }) {
		return false
	}
	for w := range strings.FieldsSeq(rest) {
		if r, _ := utf8.DecodeRuneInString(w); unicode.IsUpper(r) {
			return false // "Khách sạn Mường Thanh" names one
		}
	}
	return c.namesOwnBrand()
}

// namesOwnBrand reports a caption whose words name its own brand tag
// ("INTERSTELLA HOTEL … #interstellahotel", "cùng Sazi nha #sazihotel"): a
// seller speaking of its own place, whatever review tags it adds.
func (c *parse) namesOwnBrand() bool {
	tag := c.brandTag()
	if tag == "" {
		return false
	}
	name, kind, _ := strings.Cut(tag, " ")
	if slices.Contains(brandKinds, lower(name)) {
		name = kind // "Hotel KK"
	}
	for i := range c.toks {
		if t := &c.toks[i]; t.kind == tWord && strings.EqualFold(fold(t.low), name) {
			return true
		}
	}
	return false
}

// brandTag returns the name a seller's brand hashtag gives its offer, or
// "": a hashtag that joins a name to a kind of shop or place to stay
// (#denohome, #lmoonhomestay, #richhotel, #kopikenangan) reads "Deno
// Home". A name before the kind is preferred, as a kind first is most
// often followed by a place (#homestaysaigon, #kopibandung); the name is
// neither a place, a common word nor a platform (#hotelmurah,
// #homestayreview, #hotelroom).
func (c *parse) brandTag() string {
	var after string
	for _, h := range c.hashtags {
		f := fold(h)
		if len(f) > 24 || !isASCII(f) {
			continue
		}
		for _, p := range dealPrefixes {
			f = strings.TrimPrefix(f, p) // #promokopikenangan, #voucherkopisenja
		}
		for _, kind := range brandKinds {
			// The longest kind the tag ends or starts with, only:
			// #homestaydalat is no "Home Staydalat".
			if name, ok := strings.CutSuffix(f, kind); ok {
				if c.brandName(name) {
					return capitalize(name) + " " + kindName(kind)
				}
				break
			}
			if name, ok := strings.CutPrefix(f, kind); ok {
				if after == "" && c.brandName(name) {
					after = capitalize(kindName(kind)) + " " + capitalize(name)
				}
				break
			}
		}
	}
	return after
}

// dealPrefixes open hashtags that wrap a brand in a deal: #promokopikenangan.
var dealPrefixes = []string{"promo", "voucher", "diskon"}

// brandName reports a word that may be the name in a brand tag: three
// letters or more, not a kind, a place, a stop or common word.
func (c *parse) brandName(w string) bool {
	if len(w) < 3 || slices.Contains(brandKinds, w) || stopLangs[w] != 0 || genericWords[w] || notBrandWords[w] {
		return false
	}
	if _, ok := placeCurrencies[w]; ok {
		return false
	}
	return !containsAnyOf(w, storyTagWords) && !containsAnyOf(w, shopTagWords) && !strings.Contains(w, "tiktok")
}

// brandKinds are the kinds of shop and place to stay that sellers join to
// their names in hashtags, the longer first (homestay before home).
var brandKinds = []string{"homestay", "hostel", "hotel", "resort", "villa", "house", "motel", "home", "camp", "cafe",
	"coffee", "kopi", "bakery", "kitchen", "boutique", "studio", "khachsan", "nhanghi", "toko", "warung"}

// kindName writes a kind of brandKinds as a title does: the Vietnamese
// ones with their accents and space ("khachsan" is "khách sạn").
func kindName(kind string) string {
	switch kind {
	case "khachsan":
		return "khách sạn"
	case "nhanghi":
		return "nhà nghỉ"
	}
	return capitalize(kind)
}

// isBrandKind reports a title that, folded, is a kind of brandKinds
// ("Homestay"). fold keeps the number of runes and writes each in a byte or
// more: a title of more runes than the longest kind has bytes is none.
func isBrandKind(title string) bool {
	return utf8.RuneCountInString(title) <= longestBrandKind && slices.Contains(brandKinds, fold(title))
}

// longestBrandKind is the length in bytes of the longest of brandKinds.
var longestBrandKind = func() int {
	n := 0
	for _, k := range brandKinds {
		n = max(n, len(k))
	}
	return n
}()

// notBrandWords are common words joined to a kind in hashtags that name no
// seller: #hotelmurah, #homestaygiare, #besthotel, #hotelroom.
var notBrandWords = setOf("murah", "giare", "cheap", "best", "budget", "luxury", "room", "rooms", "view", "tour", "travel",
	"trip", "life", "vibes", "decor", "design", "goals", "chill", "eco", "beautiful", "new", "sweet", "dep", "dalat",
	"saigon", "hanoi", "cantho", "danang", "vietnam", "bali", "jakarta", "bandung", "manila", "bangkok", "staycation",
	"lover", "lovers", "time", "tok", "gram", "style", "inspo", "ideas", "love", "tips", "hack", "hacks",
	"tinhyeu", "gansanbay", "viewbien", "gannhau", "binhdan")

// buyLinks counts the caption's buy links.
func (c *parse) buyLinks() int {
	n := 0
	for _, l := range c.links {
		if l.buy {
			n++
		}
	}
	return n
}

func usedLink(items []item, u string) bool {
	for _, it := range items {
		if it.url == u {
			return true
		}
	}
	return false
}

// singleItem reads the caption as one product: the price the buyer pays
// (or none), the best title candidate, the first buy link and code.
func (c *parse) singleItem() []item {
	var main *price
	for k := range c.prices {
		p := &c.prices[k]
		if p.role != roleCurrent {
			continue
		}
		if main == nil || betterMain(p, main) {
			main = p
		}
	}
	title, strong := c.bestTitle(main)
	if title == "" || isBrandKind(title) || c.genericLodging(title) {
		// An offer whose words name nothing ("Book nhanh", "klik tag
		// lokasinya") or only its kind ("Homestay"): the seller's brand
		// tag names it (#denohome).
		if tag := c.brandTag(); tag != "" {
			title = tag
		}
	}
	if c.sellsVoucher() {
		// A TikTok GO video sells vouchers for the place it tags, which the
		// caption names as its hashtag does: "kopi senja ... #kopisenja".
		place := c.taggedName()
		if place == "" {
			place = c.brandTag() // the place's own tag: #kopikenangan
		}
		if place != "" {
			title = place
		}
		if title != "" && !strings.Contains(lower(title), "voucher") {
			title += " voucher" // "Kopi Senja voucher"
		}
		if title != "" {
			title += tiktokGO // where the voucher is bought and kept
		}
	}
	if title == "" {
		return nil
	}
	it := item{title: c.withHouse(title), strong: strong}
	if main != nil {
		it.title, it.price = withQty(title, main.qty), main
		it.old = c.oldPriceIn(0, len(c.toks), main)
	}
	for _, l := range c.links {
		if l.buy {
			it.url = l.url
			break
		}
	}
	if len(c.codes) > 0 {
		it.code = c.codes[0].value
	}
	return []item{it}
}

// tiktokGO ends the title of a voucher sold through a video's place tag:
// "Kopi Senja voucher (TikTok GO)".
const tiktokGO = " (TikTok GO)"

// codeItems reads a list of codes ("my codes: brand: CODE brand: CODE"):
// a product per pair, named by the words before its colon.
func (c *parse) codeItems() []item {
	var items []item
	prev := -1
	for _, cd := range c.codes {
		if !cd.listed {
			continue
		}
		colon := cd.tok - 1
		start := colon - 1
		for start > prev+1 && start > colon-8 && c.toks[start-1].kind == tWord {
			start--
		}
		if prev < 0 {
			// The first name starts after the header's colon or emoji.
			for start < colon && c.toks[start].kind != tWord {
				start++
			}
		}
		prev = cd.tok
		title := c.titleFrom(start, colon)
		if title == "" {
			continue
		}
		it := item{title: title, strong: true, code: cd.value}
		for _, l := range c.links {
			if l.buy {
				it.url = l.url
				break
			}
		}
		items = append(items, it)
	}
	if len(items) < 2 {
		return c.segmentCodeItems()
	}
	return items
}

// segmentCodeItems reads a product per code in captions that give codes
// for several brands, each in its own segment (a line, or the text after an
// emoji): "📖 Escreva Bem | cupom: estudamais 🧬 Bio Fácil | cupom:
// estudamais". The product is named by its segment's first phrase. Every
// code needs a segment of its own and every segment a name.
func (c *parse) segmentCodeItems() []item {
	if len(c.codes) < 2 {
		return nil
	}
	var items []item
	lastSeg := -1
	for _, cd := range c.codes {
		start := cd.tok
		for start > 0 && c.toks[start-1].kind != tBreak && c.toks[start-1].kind != tEmoji {
			start--
		}
		if start <= lastSeg {
			return nil // two codes in one segment
		}
		lastSeg = start
		title := c.titleFrom(start, cd.tok)
		if title == "" || c.genericTitle(title) || slices.ContainsFunc(items, func(it item) bool { return strings.EqualFold(it.title, title) }) {
			return nil
		}
		items = append(items, item{title: title, strong: true, code: cd.value})
	}
	return items
}

// betterMain reports whether p is likelier than q to be the price a buyer
// pays for one product: a unit price beats a bundle's ("$4 each or 6 for
// $22"), then a price after "now" or "only" beats one without.
func betterMain(p, q *price) bool {
	if (p.qty < 2) != (q.qty < 2) {
		return p.qty < 2
	}
	return p.lead && !q.lead
}

// withQty names a bundle's size in its title: "Whipped body butter (2-pack)".
func withQty(title string, qty int) string {
	if qty < 2 || title == "" || strings.Contains(title, "(") {
		return title
	}
	return title + " (" + itoa(qty) + "-pack)"
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// Hashtags returns the caption's hashtags without '#', in order, at most 30.
func Hashtags(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range lex(text) {
		if t.kind != tTag {
			continue
		}
		h := text[t.start+1 : t.end]
		if k := strings.ToLower(h); !seen[k] && len(out) < 30 {
			seen[k] = true
			out = append(out, h)
		}
	}
	return out
}

// capitalize upper-cases the first letter; an all-capitals title is first
// lower-cased ("HEATED EYELASH CURLER" -> "Heated eyelash curler").
func capitalize(s string) string {
	letters, allUpper := 0, true
	for _, r := range s {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				allUpper = false
				break // not all in capitals: the count no longer matters
			}
			letters++
		}
	}
	if letters > 4 && allUpper {
		s = strings.ToLower(s)
	}
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.ToUpper(r) == r {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}
