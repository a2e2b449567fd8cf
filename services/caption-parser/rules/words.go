package rules

// Closed word classes the rules use, lower case, in the languages buylink's
// sellers write most: English, German, French, Spanish, Portuguese and
// Indonesian. They are grammar (articles, pronouns, auxiliaries, common
// verbs, prepositions), never product names.

// stopWords end a product title, by language: auxiliaries, pronouns,
// relative words, common verbs and adverbs of running text. A word stops a
// title in captions of its language and in English ones ("son" is "are" in
// Spanish and lipstick in Vietnamese); English words stop every title.
var stopWords = map[string][]string{
	langEN: {"is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "do", "does", "did",
		"don't", "doesn't", "that", "which", "who", "whose", "where", "when", "while", "will", "would",
		"could", "should", "may", "might", "must", "i", "i'm", "i've", "i'll", "im", "you", "you're",
		"he", "she", "it", "it's", "its", "we", "we're", "they", "they're", "me", "him", "us", "them",
		"my", "your", "his", "their", "everyone", "everyone's", "everybody", "someone", "anyone",
		"changed", "changes", "makes", "made", "gives", "gave", "got", "gets", "works", "worked",
		"fits", "fixed", "fixes", "replaced", "replaces", "keeps", "kept", "helps", "helped", "comes",
		"came", "goes", "went", "looks", "feels", "smells", "sold", "sells", "arrived", "lasts",
		"lasted", "holds", "needs", "wants", "loves", "loved", "hates", "actually", "literally",
		"really", "never", "always", "also", "so", "very", "too", "rn", "lol", "omg", "btw", "tho",
		"though", "here", "there", "back", "like", "at", "if", "because", "but", "than", "as", "after",
		"before", "until", "since", "via", "on", "from", "with", "without", "just", "now",
		"only", "today", "available", "restocked", "finally", "officially", "chops", "charges", "left",
		"no", "not", "zero", "none", "what", "what's", "what’s", "think", "please", "welcome", "opens",
		"open", "reach", "contact", "call", "click", "tap", "use", "comment", "follow", "visit", "it’s",
		"i’m", "don’t", "ends", "ending", "starts", "found", "says", "said", "asking", "trying", "try",
		"tried", "send", "screenshot", "linked", "selling"},
	langDE: {"ist", "sind", "war", "hat", "haben", "mit", "für", "ich", "du", "er", "sie", "es", "wir",
		"ihr", "mein", "dein", "zurück", "jetzt", "nur", "heute", "wieder", "auch", "schon", "bis"},
	langFR: {"est", "sont", "c'est", "qui", "que", "avec", "pour", "je", "tu", "il", "elle", "nous", "vous",
		"ne", "n'est", "chez", "jusqu'à", "sur"},
	langES: {"son", "está", "es", "con", "para", "yo", "muy", "aquí", "por", "solo", "ahora", "hoy", "sin", "que", "en"},
	langPT: {"está", "estão", "tá", "é", "são", "com", "para", "eu", "você", "ele", "ela", "muito", "aqui", "por",
		"só", "agora", "já", "hoje", "sem", "que", "no", "na"},
	langID: {"ini", "itu", "yang", "dengan", "untuk", "aja", "banget", "cuma", "hanya", "ya", "kak",
		"adalah", "bisa", "sudah", "lagi", "tanpa", "tidak", "tak", "di", "ke", "kayak", "sambil", "karena", "tapi",
		"jadi", "biar", "dapat", "dapet", "emang", "boleh", "semurah", "punya", "harganya", "turun", "terjun", "udah",
		"langsung", "buruan", "klik", "cek", "yuk", "nih", "deh", "dong", "sih", "lho", "loh", "gak", "ga", "nggak",
		"sahaja", "je", "nak", "dah", "tinggal", "sekarang", "juga", "saja", "perlu", "cobain", "coba", "nyobain", "pake", "pakai"},
	langVI: {"có", "là", "mà", "của", "với", "bên", "tại", "ở", "chỉ", "giá", "thì", "nha", "nhé", "được", "đã", "sẽ",
		"đang", "rất", "quá", "siêu", "để", "khi", "nếu", "hay", "hoặc", "cũng", "vừa", "ngay", "thôi", "ạ",
		"nè", "luôn", "cho", "từ", "đến", "giảm", "tặng", "mình", "tụi", "bạn", "chúng", "rồi", "đừng", "hãy"},
	langTL: {"po", "ay", "sa", "na", "ng", "ngayon", "namin", "natin", "ko", "mo", "niyo", "kasi", "lang", "talaga", "ulit"},
}

// stopLangs maps every stop word to its languages, a bit per language
// (langBit).
var stopLangs = func() map[string]uint16 {
	m := map[string]uint16{}
	for lang, words := range stopWords {
		for _, w := range words {
			m[w] |= langBit(lang)
		}
	}
	return m
}()

// langBit is the bit of a language in the masks of stopLangs; Malay shares
// Indonesian's.
func langBit(lang string) uint16 {
	if lang == langMS {
		lang = langID
	}
	for i, l := range latinLangs {
		if l == lang {
			return 1 << i
		}
	}
	switch lang {
	case langVI:
		return 1 << 8
	case langTH:
		return 1 << 9
	}
	return 1 << 10
}

// stops reports a word that ends a title in this caption, by its flags
// (vocab): a stop word of English or of the caption's language (of any
// language when the language is unknown).
func (c *parse) stops(f vocabFlags) bool {
	return uint16(f>>vStopShift)&c.stopMask != 0
}

// stopsTok is stops for a word of the caption.
func (c *parse) stopsTok(t token) bool { return c.stops(t.vocab) }

// stopMaskOf is the mask of the languages whose stop words end titles in
// a caption of the language: English's and its own, all when unknown.
func stopMaskOf(lang string) uint16 {
	switch lang {
	case "":
		return ^uint16(0)
	case langID, langMS:
		// Malay and Indonesian share most of their function words.
		return langBit(langEN) | langBit(langID) | langBit(langMS)
	}
	return langBit(langEN) | langBit(lang)
}

// contextStops end a title only before a number, an article or a pronoun:
// "in 5 colours", "for that glass skin look", "and the", "with my".
var contextStops = setOf("in", "for", "and", "und", "et", "y", "e", "dan", "of", "en", "em", "di")

// determiners are dropped from the start of a title.
var determiners = setOf(
	"the", "this", "these", "that", "those", "our", "my", "a", "an", "your", "his", "her", "their",
	"le", "la", "les", "l'", "un", "une", "ce", "cet", "cette", "ces", "notre", "nos", "mon", "ma", "mes",
	"der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "diese", "dieser", "dieses",
	"diesen", "unser", "unsere", "unseren", "unserem", "meine", "el", "los", "las", "una", "uno",
	"este", "esta", "estos", "estas", "ese", "esa", "esse", "essa", "nuestro", "nuestra", "nuestros",
	"nosso", "nossa", "o", "os", "as", "meu", "minha", "mi", "mis", "and", "und", "e", "y", "dan",
	"ang", "yung", "mga", "itong", "eto", "ini", "các", "những", "chiếc", "cái",
	"et", "also", "plus", "then", "both", "ok", "okay", "so", "omg", "obsessed", "gente", "guys",
	// imperatives that open a pitch: "get 2 pairs", "meet the …", "grab this …"
	"get", "grab", "buy", "shop", "order", "try", "meet", "check", "snag", "score", "cop",
)

// hypeWords are dropped from the start of a title: "viral", "bestselling".
var hypeWords = setOf(
	"viral", "bestselling", "best-selling", "best", "selling", "bestseller", "new", "all-new",
	"favorite", "favourite", "fave", "fav", "famous", "trending", "iconic", "cult", "must-have",
	"perfect", "amazing", "cute", "brand", "hot", "popular", "legendary", "holy", "grail", "promo",
	"affordable", "cheap", "dropped", "restocked", "landed", "arrived", "obsessed", "real", "genuine", "stock", "restock",
)

// trailStrip words are dropped from the end of a title.
var trailStrip = setOf(
	"of", "de", "da", "do", "du", "di", "for", "für", "from", "by", "with", "in", "at", "à", "a",
	"and", "or", "und", "et", "y", "e", "dan", "each", "only", "just", "now", "is", "are", "the",
	"to", "on", "por", "per", "je", "pro", "ea", "cada", "chacun", "ini", "itu", "aja", "cuma", "pake", "pakai", "lewat", "via",
	"under", "over", "below", "around", "about", "than", "ever",
)

// backLeads may stand between a product phrase and its price.
var backLeads = setOf("each", "rn", "tax", "incl", "right", "currently", "yours", "ea", "je", "pro", "cada", "aja",
	"saindo", "sale", "off", "today", "starting", "starts", "from", "desde", "ab", "mulai", "dès", "partir", "only", "ka")

// oldMarkers introduce a former price in the phrases that take two words
// ("au lieu de", "instead of", "de ... por").
var oldMarkers = setOf("de", "dari", "from", "lieu", "au", "instead", "of")

// Demonstratives open the phrase naming the product a caption is about.
var (
	strongDemonstratives = setOf("this", "these", "our", "unser", "unsere", "unseren", "diese", "dieser",
		"dieses", "diesen", "este", "esta", "estos", "estas", "esse", "essa", "nuestro", "nuestra", "nosso",
		"nossa", "ce", "cet", "cette", "notre")
	weakDemonstratives = setOf("the", "le", "la", "el", "das", "der", "die")
)

// genericWords name no product: a title made of them, or ending in one, is
// not a product name.
var genericWords = setOf(
	"finds", "find", "things", "thing", "stuff", "video", "videos", "one", "ones", "gift", "gifts",
	"time", "routine", "items", "item", "products", "haul", "picks", "favorites", "faves",
	"must-haves", "essentials", "deals", "deal", "link", "bio", "cart", "shop", "store", "website",
	"site", "sale", "price", "prices", "code", "day", "week", "weekend", "morning", "night", "today",
	"everything", "anything", "something", "all", "part", "pt", "episode", "review", "unboxing",
	"storytime", "pov", "life", "way", "girlies", "friends", "guys", "bestie", "colours", "colors",
	"sizes", "size", "alert", "drop", "restock", "order", "orders", "shipping", "post", "account",
	"page", "profile", "comments", "comment", "dm", "tiktok", "amazon", "brand", "collection",
	"range", "creations", "team", "business", "biz", "owner", "owners", "customer", "customers", "followers",
	// time
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "tomorrow", "tonight",
	"year", "month", "season", "hour", "hours", "minutes", "days", "weeks", "january", "february",
	"march", "april", "june", "july", "august", "september", "october", "november", "december",
	"sonntag", "samstag", "freitag", "dimanche", "samedi", "domingo", "sábado", "minggu",
	"winter", "summer", "spring", "autumn", "christmas", "holiday", "holidays", "ramadan", "lebaran", "tết", "songkran",
	// channels and deals
	"booking", "whatsapp", "line", "zalo", "id", "tel", "hotline", "email", "inbox", "contact", "call", "reservation",
	"reservations", "livestream", "live", "voucher", "promo", "discount", "diskon", "giảm", "giá", "harga", "ราคา",
	"uang", "money", "welcome", "official", "rate", "rates", "fake", "replica", "views", "followers",
	// media, not products
	"song", "songs", "music", "sound", "audio", "channel", "playlist", "blog", "vlog", "podcast", "youtube", "reel",
	"bài", "viết", "clip", "tập", "konten", "postingan", "vídeo", "conteúdo", "publicación", "คลิป",
	// words of a message, not a name
	"thông", "tin", "ghé", "selection", "edit",
)

// containerWords and unitWords make up pack phrases: "500g bag", "2 x 50 ml bottles".
var (
	containerWords = setOf("bag", "bags", "box", "boxes", "jar", "jars", "bottle", "bottles", "can", "cans", "tube", "tubes", "pouch", "case", "tin", "tins")
	unitWords      = setOf("g", "kg", "ml", "l", "oz", "lb", "lbs", "cl", "gr", "grams", "ounce", "ounces")
)

// ctaWords mark a call to action: a line with one is not a product.
var ctaWords = setOf("cart", "link", "links", "linked", "bio", "code", "codes", "shop", "order", "dm",
	"comment", "keranjang", "carrinho", "carrito", "panier", "storefront", "checkout", "follow", "tap",
	"click", "klik", "shipping", "ships", "cupom", "kode", "profil", "profile", "perfil", "lien")

// variantWords name a variant after "in": "in shade Peony", "in size M".
var variantWords = setOf("shade", "shades", "colour", "colours", "color", "colors", "colorway", "size", "sizes",
	"scent", "scents", "flavor", "flavour", "flavors", "flavours", "style", "finish", "tone", "print",
	"pattern", "farbe", "größe", "couleur", "taille", "cor", "tamanho", "warna", "ukuran")

// discountWords follow a percentage that is a discount: "30% off".
var discountWords = setOf("off", "discount", "rabatt", "desconto", "descuento", "korting", "diskon", "remise",
	"sconto", "reduction", "réduction", "sale", "cashback", "back", "extra", "more", "less")
