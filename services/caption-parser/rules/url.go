package rules

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// isURLStart reports whether a URL may begin at i: an ASCII letter or digit
// that does not continue a word, a handle or a path.
func isURLStart(text string, i int) bool {
	c := text[i]
	if !isDomainByte(c) || c == '-' {
		return false
	}
	if i > 0 {
		p := text[i-1]
		if isDigit(p) || ('a' <= p && p <= 'z') || ('A' <= p && p <= 'Z') || p == '.' || p == '/' || p == '@' || p == '-' || p == '_' || p == '#' || p >= utf8.RuneSelf && isLetterBefore(text, i) {
			return false
		}
	}
	return true
}

func isLetterBefore(text string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// scanURL returns the end of the URL starting at i, or i when none starts
// there. It recognises http:// and https:// URLs, www. names and bare
// domains whose last label is a known top-level domain ("amzn.to/3xY",
// "shop.co.uk"). Trailing sentence punctuation is not part of the URL.
func scanURL(text string, i int) int {
	// Most words are no link: one without a '.' or ':' after its letters
	// is rejected at once.
	j := i
	for j < len(text) && isDomainByte(text[j]) {
		j++
	}
	if j == len(text) || text[j] != '.' && text[j] != ':' {
		return i
	}
	rest := text[i:]
	switch {
	case hasPrefixFold(rest, "https://"), hasPrefixFold(rest, "http://"):
		end := scanURLChars(text, i+strings.Index(rest, "//")+2)
		return trimURLEnd(text, i, end)
	case hasPrefixFold(rest, "www.") && len(rest) > 4 && isDomainByte(rest[4]):
		return trimURLEnd(text, i, scanURLChars(text, i))
	}
	// Bare domain: labels of [A-Za-z0-9-] separated by dots, the last one a TLD.
	j = i
	lastDot := -1
	labels := 0
	for j < len(text) {
		c := text[j]
		if isDomainByte(c) {
			j++
			continue
		}
		if c == '.' && j+1 < len(text) && isDomainByte(text[j+1]) && j > i && text[j-1] != '.' {
			lastDot = j
			labels++
			j++
			continue
		}
		break
	}
	if labels == 0 {
		return i
	}
	if j < len(text) && (text[j] == '@' || text[j] == '_') {
		return i
	}
	if j < len(text) {
		if r, _ := utf8.DecodeRuneInString(text[j:]); unicode.IsLetter(r) || unicode.IsDigit(r) {
			return i
		}
	}
	tld := text[lastDot+1 : j]
	ltld := lower(tld)
	if !tlds[ltld] || (ltld != tld && strings.ToUpper(tld) != tld) {
		// Unknown, or mixed case: "product.It works" is a missing space.
		return i
	}
	first := text[i : strings.IndexByte(text[i:], '.')+i]
	if allDigits(first) {
		return i
	}
	if j < len(text) && (text[j] == '/' || text[j] == '?') {
		return trimURLEnd(text, i, scanURLChars(text, j))
	}
	if wordTLDs[ltld] && labels == 1 && lastDot-i < 4 {
		// "go.to", "do.it": short words around a dot are prose, not a site.
		return i
	}
	return j
}

func isDomainByte(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '-'
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// scanURLChars consumes the characters a URL may hold: printable ASCII except
// the delimiters RFC 3986 excludes, and letters and digits of any script.
func scanURLChars(text string, i int) int {
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7f || strings.IndexByte("<>\"{}|\\^`", c) >= 0 {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		i += size
	}
	return i
}

// trimURLEnd drops trailing punctuation that ends the sentence rather than the
// URL; a closing bracket stays when the URL opened it.
func trimURLEnd(text string, start, end int) int {
	for end > start {
		c := text[end-1]
		switch c {
		case '.', ',', '!', '?', ';', ':', '\'', '"', '*':
			end--
			continue
		case ')', ']':
			open := byte('(')
			if c == ']' {
				open = '['
			}
			u := text[start:end]
			if strings.Count(u, string(open)) < strings.Count(u, string(c)) {
				end--
				continue
			}
		}
		break
	}
	return end
}

// NormalizeURL returns the URL as written with "https://" added when it has
// no scheme, or "" when it is not a valid http(s) URL.
func NormalizeURL(raw string) string {
	s, _ := normalizeURL(raw)
	return s
}

// normalizeURL is NormalizeURL that also returns the URL parsed (nil when
// the link is "").
func normalizeURL(raw string) (string, *url.URL) {
	s := raw
	if !hasPrefixFold(s, "http://") && !hasPrefixFold(s, "https://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && !hasPrefixFold(s, "http")) {
		return "", nil
	}
	return s, u
}

// hostOf returns the lower-cased host of a normalised URL without "www.".
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return hostName(p)
}

// hostName is hostOf for a URL already parsed.
func hostName(p *url.URL) string {
	return strings.TrimPrefix(strings.ToLower(p.Hostname()), "www.")
}

// IsSocialLink reports whether u points at a social network, a messenger or
// a link-in-bio page: the seller's own channels, not a place to buy.
func IsSocialLink(u string) bool { return socialHost(hostOf(u)) }

// socialHost is IsSocialLink for a host as hostOf returns it.
func socialHost(h string) bool {
	return h != "" && !inDomains(h, shopHosts) && inDomains(h, socialHosts) // shop.tiktok.com is a shop
}

// sameLink reports whether two normalised URLs name the same page, ignoring
// the scheme, "www.", letter case of the host, a trailing slash and the query.
func sameLink(a, b string) bool {
	return linkKey(a) == linkKey(b)
}

func linkKey(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return strings.TrimPrefix(strings.ToLower(p.Hostname()), "www.") + strings.TrimSuffix(p.EscapedPath(), "/")
}

// socialHosts are hosts (and their subdomains) that are never buy links.
var socialHosts = setOf(
	"instagram.com", "instagr.am", "facebook.com", "fb.com", "fb.me", "m.me", "messenger.com",
	"tiktok.com", "vm.tiktok.com", "youtube.com", "youtu.be", "twitter.com", "x.com", "t.co",
	"threads.net", "snapchat.com", "pinterest.com", "pin.it", "linkedin.com", "lnkd.in",
	"discord.gg", "discord.com", "twitch.tv", "reddit.com", "t.me", "telegram.me", "wa.me",
	"whatsapp.com", "linktr.ee", "beacons.ai", "bio.link", "campsite.bio", "lnk.bio",
	"tap.bio", "hoo.be", "stan.store", "spotify.com", "soundcloud.com", "patreon.com",
	"onlyfans.com", "tumblr.com", "vk.com", "weibo.com", "line.me", "lin.ee", "kakao.com", "zalo.me",
	"carrd.co", "allmylinks.com", "solo.to", "msha.ke", "linkin.bio", "komi.io", "snipfeed.co",
)

// inDomains reports whether the host, or a parent domain of it, is in set.
func inDomains(h string, set map[string]bool) bool {
	for d := h; d != ""; {
		if set[d] {
			return true
		}
		k := strings.IndexByte(d, '.')
		if k < 0 {
			return false
		}
		d = d[k+1:]
	}
	return false
}

// shopHost reports the host of a shop, a marketplace, an affiliate network
// or a booking site, or one that calls itself a shop ("shopmila.co",
// "mila.store", "mystore.com"): a link to it is a way to buy on its own.
func shopHost(h string) bool {
	if inDomains(h, shopHosts) {
		return true
	}
	if strings.HasSuffix(h, ".shop") || strings.HasSuffix(h, ".store") || strings.HasSuffix(h, ".myshopify.com") {
		return true
	}
	name, _, _ := strings.Cut(h, ".")
	return strings.Contains(name, "shop") || strings.Contains(name, "store") || strings.Contains(name, "boutique")
}

// newsHosts are news and reference sites.
var newsHosts = setOf(
	"wikipedia.org", "cnn.com", "bbc.com", "bbc.co.uk", "nytimes.com", "theguardian.com", "reuters.com",
	"apnews.com", "vnexpress.net", "tuoitre.vn", "thanhnien.vn", "dantri.com.vn", "kompas.com", "detik.com",
	"tribunnews.com", "cnnindonesia.com", "thairath.co.th", "bangkokpost.com", "g1.globo.com", "uol.com.br",
	"elpais.com", "lemonde.fr", "spiegel.de", "bild.de", "medium.com", "substack.com",
)

// shopHosts are marketplaces, shops, affiliate networks and booking sites
// (and their subdomains).
var shopHosts = setOf(
	"amazon.com", "amazon.co.uk", "amazon.de", "amazon.fr", "amazon.es", "amazon.it", "amazon.ca", "amazon.com.au",
	"amazon.co.jp", "amazon.in", "amazon.com.br", "amazon.com.mx", "amazon.sg", "amzn.to", "amzn.eu", "a.co",
	"shopee.vn", "shopee.co.id", "shopee.co.th", "shopee.ph", "shopee.com.my", "shopee.sg", "shopee.com.br", "shp.ee",
	"tokopedia.com", "tokopedia.link", "tk.tokopedia.com", "lazada.vn", "lazada.co.id", "lazada.co.th", "lazada.com.ph",
	"lazada.com.my", "lazada.sg", "shop.tiktok.com", "vt.tokopedia.com", "etsy.com", "etsy.me", "ebay.com", "ebay.co.uk",
	"ebay.de", "ebay.us", "temu.com", "temu.to", "shein.com", "aliexpress.com", "aliexpress.us", "dhgate.com",
	"walmart.com", "target.com", "bestbuy.com", "sephora.com", "ulta.com", "mercadolivre.com.br", "mercadolibre.com",
	"mercadolibre.com.mx", "magazineluiza.com.br", "americanas.com.br", "bukalapak.com", "blibli.com", "tiki.vn",
	"sendo.vn", "klook.com", "agoda.com", "booking.com", "traveloka.com", "airbnb.com", "trip.com",
	"liketk.it", "shopltk.com", "shopmy.us", "rstyle.me", "howl.me", "gumroad.com", "payhip.com", "depop.com",
	"poshmark.com", "vinted.com", "mercari.com", "stockx.com", "goat.com", "farfetch.com", "ssense.com",
	"fashionphile.com", "therealreal.com", "vestiairecollective.com", "shopify.com",
)

// tlds are the top-level domains a bare domain may end with. The list keeps to
// common generic and country domains so that words joined by a dot in prose
// ("ok.so", "this.is") are not taken for links.
var tlds = setOf(
	"com", "net", "org", "co", "io", "ai", "app", "shop", "store", "online", "site", "xyz", "me",
	"ly", "to", "gg", "tv", "link", "page", "biz", "info", "us", "uk", "ca", "au", "nz", "de",
	"fr", "es", "it", "nl", "be", "ie", "pt", "br", "mx", "in", "id", "jp", "kr", "cn", "tw",
	"hk", "sg", "my", "ph", "th", "vn", "pk", "za", "ng", "ke", "ae", "sa", "tr", "ru", "pl",
	"se", "dk", "fi", "ch", "at", "cz", "gr", "ro", "hu", "ar", "cl", "pe", "eu", "asia",
	"beauty", "fashion", "boutique", "clothing", "style", "art", "design", "studio", "club",
	"life", "world", "live", "today", "fit", "health", "care", "bio", "ee", "gl", "gd", "cc",
	"ws", "pro", "top", "vip", "market", "deals", "sale", "buy", "jewelry", "skin", "hair",
	"makeup", "lk", "bd", "np", "eg", "ma", "il", "no", "sk", "si", "hr", "rs", "ua",
	"lt", "lv", "uy", "ec", "ve", "cr", "do", "gt", "pa", "bo", "py",
)

// wordTLDs are TLDs that are also common short words.
var wordTLDs = setOf("it", "in", "to", "me", "my", "do", "no", "be", "at", "us", "id", "so", "is", "co")

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
