package rules

import (
	"math/bits"
	"strings"
	"unicode/utf8"
)

// cue is what a phrase of a caption says about selling.
type cue uint8

const (
	// cueBuy is a way to buy: a cart, "link in bio", "DM to order",
	// "order now", "klik lokasi", "thêm vào giỏ hàng", "สั่งได้เลย".
	cueBuy cue = iota + 1
	// cueContact is a channel a buyer can write to or call: WhatsApp, LINE,
	// Zalo, inbox, a hotline, "reach me", "liên hệ". An offer with a
	// product named, not a way to buy on its own.
	cueContact
	// cueAvailable says the thing can be had: "available at", "in stock",
	// "tersedia", "có sẵn", "disponível".
	cueAvailable
	// cueBook invites a booking: "book now", "booking", "đặt phòng", "จอง".
	cueBook
	// cuePromo speaks of a deal without offering one by itself: sale,
	// promo, discount, voucher, "giảm giá", "diskon", "ลด".
	cuePromo
	// cueExperience tells of money spent or earned, not an offer: "I
	// paid", "we stayed", "would you pay", "mình đã", "bỏ ra", "gastei".
	cueExperience
	// cueStory tells of a thing tried or bought: a haul, a review, a
	// recommendation. A call to action still makes it an offer.
	cueStory
	// cueNews marks news and commentary: "breaking", "news", "tin tức".
	cueNews
	// cueEvent announces an event one attends or registers for, not a thing
	// one buys: "register at", "free entry", "save the date", "konser",
	// "đăng ký tham gia", "ลงทะเบียน", "inscrições".
	cueEvent
	// cueGiveaway runs a giveaway or a contest: "giveaway", "to enter",
	// "tag a friend", "bagi-bagi", "minigame", "แจก", "sorteio".
	cueGiveaway
	// cueDonation asks for money for a cause: "donate", "fundraiser",
	// "donasi", "quyên góp", "บริจาค", "doação".
	cueDonation
	// cueTutorial teaches or shows how: "how to", "tutorial", "recipe",
	// "cara membuat", "hướng dẫn", "วิธี", "receita". Like a story, a call to
	// action still makes it an offer.
	cueTutorial
	// cueChannel points to the creator's content, not to a product: "new
	// video", "full video on YouTube", "subscribe", "my channel", "kênh".
	cueChannel
)

// lookalike reports the cues of captions that look like offers and are
// not: experiences, stories, news, events, giveaways, donations and
// tutorials. They never make the LLM gate send a caption.
func (k cue) lookalike() bool { return k >= cueExperience }

// cueLexicon holds the phrases of each cue by language, lower case, words
// separated by single spaces. Thai, Japanese and Chinese write no spaces
// between words: their phrases are found anywhere in a run of letters.
// Adding a language is adding its phrases here (and its function words in
// lang.go); nothing else depends on the caption's language.
var cueLexicon = map[cue]map[string][]string{
	cueBuy: {
		langEN: {"link in bio", "links in bio", "link in my bio", "linked in bio", "link in profile", "link in my profile",
			"in my bio", "bio link", "link below", "links below", "link in comments", "link in the comments",
			"cart", "orange cart", "yellow cart", "yellow basket", "orange basket", "yellow bag", "orange bag",
			"tiktok shop", "tiktokshop", "shop tab", "showcase", "storefront", "amazon storefront", "ltk",
			"dm to order", "dm for orders", "dm me to order", "dm for price", "dm for prices", "dm to buy", "dm to book",
			"pm to order", "pm for orders", "message to order", "message us to order", "whatsapp to order",
			"to order", "order now", "order here", "order yours", "order via", "order from", "order online",
			"shop now", "shop here", "shop with", "shop at", "buy now", "buy here", "buy it", "buy yours",
			"get yours", "grab yours", "grab it", "cop yours", "checkout", "add to cart",
			"available for purchase", "available to purchase", "available to order", "to purchase",
			"pre-order", "preorder", "pre order", "place your order", "on amazon", "at target", "at walmart",
			"at costco", "at sephora", "at ulta", "comment link", "comment for link", "comment for the link",
			"free shipping", "shipping available", "ships worldwide", "we ship", "cash on delivery",
			"use my code", "use code", "shop the look", "order on", "order at", "order through", "order thru",
			"grabfood", "foodpanda", "gofood", "shopeefood", "uber eats", "doordash", "tap the location", "click the location", "location tag", "to claim", "comment mine", "comment sold", "mine to claim",
			"dm for link", "dm for the link", "dm for more info", "dm for info", "dm for details", "dm for more details",
			"dm us for bookings", "dm us for booking", "dm me for price", "dm me for the link", "text me to order", "text to order", "message me for", "message me to order",
			"link on my bio", "link on bio", "shop these", "shop this", "shop our", "call me booking"},
		langID: {"keranjang", "keranjang kuning", "klik keranjang", "cek keranjang", "link di bio", "link bio",
			"link di profil", "beli di", "order di", "pesan di", "checkout", "co sekarang", "beli sekarang",
			"pesan sekarang", "order sekarang", "langsung order", "langsung checkout", "buruan beli", "buruan order",
			"buruan checkout", "klik lokasi", "tag lokasi", "klik tag lokasi", "lokasi di bawah", "lokasi dibawah", "klik lokasinya",
			"tag lokasinya", "klik tag lokasinya",
			"klik link", "chat admin", "hubungi admin", "japri", "dm untuk order", "wa untuk order", "cod",
			"gratis ongkir", "free ongkir", "bisa cod", "etalase", "tiktok shop", "beli voucher",
			"beli di sini", "order di sini", "klik link di bio",
			"langsung ke", "cus ke", "buruan ke", "klik tanda ijo", "klik tag location", "klik location", "tag location", "ditag lokasi", "ditack lokasi", "tack lokasi"},
		langMS: {"beg kuning", "beg oren", "troli", "link di bio", "pm untuk order", "dm untuk order", "whatsapp untuk order",
			"boleh order", "order sekarang", "beli sekarang", "tekan beg kuning", "klik beg kuning", "penghantaran percuma"},
		langTL: {"mag-order", "order na", "mine na", "mine sa comments", "pm for orders", "pm sa", "add to cart", "i-add to cart", "check out na",
			"pindutin ang basket", "dilaw na basket", "yellow basket", "link sa bio", "book now"},
		langVI: {"giỏ hàng", "thêm vào giỏ", "thêm vào giỏ hàng", "giỏ hàng vàng", "link ở bio", "link trong bio",
			"link bio", "link ở phần bio", "mua ngay", "mua tại", "mua ở", "đặt hàng", "đặt mua", "chốt đơn",
			"lên đơn", "bấm vào vị trí", "bấm vị trí", "bấm vào địa điểm", "ghim vị trí", "inbox shop", "ib shop", "ib mình", "inbox mình", "đặt phòng", "đặt lịch", "book phòng",
			"book ngay", "book nhanh", "ghé tụi mình", "ghé chúng mình", "ghé chúng tôi", "ghé bên mình", "săn deal", "link sản phẩm", "link mua", "freeship", "miễn phí vận chuyển"},
		langTH: {"ตะกร้า", "กดตะกร้า", "สั่งได้เลย", "สั่งซื้อ", "สั่งเลย", "สั่งได้ที่", "ลิงก์ในไบโอ", "ลิ้งในไบโอ",
			"ลิงค์ในไบโอ", "ทักแชท", "ทักไลน์", "ทักมาได้", "จองห้องพัก", "จองได้ที่", "จองได้", "จองทาง",
			"สนใจทัก", "กดปักหมุด", "ปักหมุด", "ส่งฟรี", "เก็บเงินปลายทาง", "ซื้อได้ที่", "โค้ดส่วนลด"},
		langPT: {"link na bio", "link no perfil", "carrinho", "carrinho laranja", "carrinho amarelo", "compre", "compre já",
			"compre agora", "comprar", "peça já", "peça o seu", "encomende", "encomendas", "faça seu pedido",
			"chama no direct", "chama no whats", "frete grátis", "link nos comentários", "loja", "na shopee"},
		langES: {"link en bio", "enlace en bio", "enlace en la bio", "link en la bio", "enlace en mi perfil",
			"link en mi perfil", "carrito", "cómpralo", "compra aquí", "compra ya", "comprar", "pide el tuyo",
			"haz tu pedido", "pedidos por", "pedidos al", "envío gratis", "envíos a"},
		langFR: {"lien en bio", "lien dans ma bio", "lien dans la bio", "panier", "commander", "commandez",
			"acheter", "achetez", "en vente", "livraison gratuite"},
		langDE: {"link in der bio", "link im profil", "warenkorb", "jetzt bestellen", "bestellen", "kaufen",
			"jetzt kaufen", "versandkostenfrei"},
		langNL: {"verkrijgbaar op", "verkrijgbaar bij", "nu verkrijgbaar", "bestel nu", "bestellen via", "shop nu"},
		langIT: {"scrivici in dm", "scrivimi in dm", "acquistala su", "acquistalo su", "acquista su",
			"disponibile ora", "spedizione gratuita", "per ordinare"},
		langKO: {"구매", "주문", "장바구니", "프로필 링크", "링크는 프로필"},
		langJA: {"購入", "注文", "カート", "プロフィールのリンク"},
	},
	cueContact: {
		langEN: {"whatsapp", "whats app", "what's app", "dm", "dm me", "dm us", "pm", "pm me", "message me", "message us",
			"reach me", "reach us", "contact us", "contact me", "call us", "call or text", "text us", "email us",
			"hotline", "line id", "line app", "line official", "telegram", "viber", "inquiries", "enquiries",
			"for reservations", "for inquiries", "personal shopping", "personal shopper"},
		langID: {"wa", "whatsapp", "hubungi", "info booking", "info pemesanan", "pemesanan", "pesanan", "admin", "dm"},
		langMS: {"whatsapp", "wasap", "hubungi"},
		langTL: {"pm", "message"},
		langVI: {"liên hệ", "inbox", "ib", "zalo", "hotline", "nhắn tin", "gọi ngay", "sđt"},
		langTH: {"ไลน์", "ติดต่อ", "โทร", "แอดไลน์"},
		langPT: {"whatsapp", "direct", "chama na dm", "contato"},
		langES: {"whatsapp", "escríbeme", "escríbenos", "contáctanos", "mándame dm"},
		langFR: {"whatsapp", "contactez"},
		langDE: {"whatsapp", "schreib mir"},
	},
	cueAvailable: {
		langEN: {"available", "now available", "available at", "available in", "available through", "available now",
			"in stock", "back in stock", "restocked", "just dropped", "new arrival", "new arrivals", "new in",
			"sourced", "sourcing", "for sale"},
		langID: {"tersedia", "ready stock", "stok", "restock", "dijual"},
		langMS: {"ada stok", "stok"},
		langVI: {"có sẵn", "hàng về", "sẵn hàng", "còn hàng", "đang bán"},
		langTH: {"มีจำหน่าย", "พร้อมส่ง", "มีของ"},
		langPT: {"disponível", "disponíveis", "à venda", "pronta entrega"},
		langES: {"disponible", "disponibles", "en venta"},
		langFR: {"disponible", "en stock"},
		langDE: {"verfügbar", "erhältlich"},
	},
	cueBook: {
		langEN: {"book now", "book your", "book you", "book with us", "book via", "booking", "bookings", "reserve now",
			"book direct", "book directly", "book online", "book here", "book today", "reserve your", "reserve a",
			"reservations", "book a", "book an", "to book"},
		langID: {"booking", "reservasi", "booking sekarang", "pesan kamar", "booking via"},
		langVI: {"booking", "đặt chỗ", "book"},
		langTH: {"จอง", "booking"},
		langTL: {"book na", "reserve na"},
		langPT: {"reserve", "reservas", "faça sua reserva", "reserve já"},
		langES: {"reserva", "reservas", "haz tu reserva", "reserva ya"},
	},
	cuePromo: {
		langEN: {"sale", "on sale", "promo", "discount", "deal", "deals", "voucher", "coupon", "cashback", "% off",
			"off", "flash sale", "bundle", "limited", "offer", "price", "prices", "shop", "order", "buy", "purchase", "link"},
		langID: {"promo", "diskon", "potongan", "murah", "harga", "voucher", "cashback", "beli", "order", "pesan", "jual"},
		langMS: {"harga", "promosi", "murah", "beli"},
		langTL: {"presyo", "mura", "sale"},
		langVI: {"giá", "giảm giá", "giảm", "ưu đãi", "khuyến mãi", "sale", "deal", "voucher", "rẻ", "mua", "bán", "combo"},
		langTH: {"ราคา", "ลด", "โปร", "ส่วนลด", "ขาย", "ซื้อ", "ถูก"},
		langPT: {"preço", "desconto", "promoção", "oferta", "cupom", "cupons"},
		langES: {"precio", "descuento", "oferta", "promoción", "cupón", "rebaja"},
		langFR: {"prix", "promo", "réduction", "soldes"},
		langDE: {"preis", "rabatt", "angebot", "gutschein"},
		langKO: {"가격", "할인", "세일"},
		langJA: {"価格", "セール", "割引"},
	},
	cueExperience: {
		langEN: {"me when", "i paid", "we paid", "i spent", "we spent", "i earned", "cost me", "cost us", "cost just", "cost only", "i bought", "we bought", "i got this",
			"checked into", "checked in", "we stayed", "i stayed", "stayed at", "would you pay", "would you buy",
			"is it worth", "worth it?", "i found", "found this", "good find", "price i paid", "paid for",
			"throwback", "estimated", "how much", "what $", "what you get", "get you", "gets you"},
		langID: {"saya menginap", "aku menginap", "nginep", "menginap", "habis", "ngabisin", "cuma sharing", "berkat"},
		langTL: {"nag-stay kami", "nag-stay ako", "binili ko", "nabili ko"},
		langVI: {"mình đã", "tụi mình đã", "bỏ ra", "tốn", "lần đầu thử", "cảm ơn"},
		langTH: {"เราพัก", "พักที่นี่", "ซื้อมา", "จ่ายไป"},
		langPT: {"comprei", "paguei", "gastei"},
		langES: {"compré", "pagué", "gasté"},
		langFR: {"j'ai acheté", "j'ai payé"},
		langDE: {"gekauft", "bezahlt"},
	},
	cueStory: {
		langEN: {"i tried", "we tried", "my review", "honest review", "review", "thrift", "thrifted", "haul", "i rented",
			"worth the", "reco", "recommend", "recommendation", "where to stay", "must visit", "must try",
			"we went", "i went", "we visited", "i visited", "my stay", "our stay", "we booked", "i booked",
			"room tour", "hotel tour", "vlog", "day in my life", "your sign to", "come with me", "storytime", "can you believe",
			"i can't believe", "guess how much", "guess the price", "rate this", "pov", "unboxing"},
		langID: {"pengalaman", "review", "sharing", "rekomendasi", "aku beli", "saya beli", "aku coba", "nyobain",
			"kami menginap", "aku nginep", "jalan-jalan", "liburan ke", "worth it"},
		langMS: {"saya beli", "aku beli", "review", "saya cuba", "kami pergi"},
		langTL: {"sulit ba", "pinuntahan", "nag-try", "review"},
		langVI: {"review", "trải nghiệm", "thử", "tham khảo", "đi chơi", "mình ở", "mình đi", "tụi mình đi",
			"mình đặt", "cảm nhận", "có nên", "đáng tiền không", "ăn thử", "ghé thăm"},
		langTH: {"รีวิว", "ประมาณ", "แนะนำ", "พิกัด", "ไปพัก", "ลองกิน", "ลองพัก", "เราไป", "ไปมา"},
		langPT: {"testei", "review", "resenha", "recomendo", "indico", "fomos", "ficamos", "vale a pena", "minha experiência"},
		langES: {"probé", "reseña", "recomiendo", "fuimos", "vale la pena", "mi experiencia"},
		langFR: {"avis", "on a testé", "ça vaut"},
		langDE: {"getestet", "lohnt sich"},
	},
	cueNews: {
		langEN: {"breaking", "news", "announced", "announces", "launches", "launched", "reportedly",
			"according to", "celebrity", "spotted", "congratulations to"},
		langID: {"berita", "info terkini"},
		langVI: {"tin tức", "nguồn", "cập nhật", "chính phủ", "ra mắt"},
		langTH: {"ข่าว"},
		langPT: {"notícia", "notícias", "noticias", "taxação", "imposto"},
		langES: {"noticia", "noticias"},
	},
	cueEvent: {
		langEN: {"register at", "register now", "register here", "registration", "free entry", "free admission",
			"save the date", "join us at", "join us on", "join us for", "see you at", "see you there", "rsvp",
			"concert", "festival", "meetup", "meet and greet", "tickets are free", "open to the public",
			"webinar", "exhibition", "plan a visit", "plan your visit"},
		langID: {"registrasi", "daftar di", "pendaftaran", "konser", "acara", "terbuka untuk umum", "gratis masuk",
			"tiket masuk", "jangan lupa datang", "sampai jumpa di", "festival"},
		langMS: {"daftar di", "pendaftaran", "konsert", "acara", "jumpa di"},
		langTL: {"magparehistro", "concert", "kita-kits"},
		langVI: {"đăng ký tham gia", "đăng ký", "đăng kí", "sự kiện", "lễ hội", "buổi hòa nhạc", "vé mời", "miễn phí vào cửa"},
		langTH: {"ลงทะเบียน", "คอนเสิร์ต", "งานอีเวนต์", "เข้าฟรี", "เทศกาล"},
		langPT: {"inscrições", "inscreva-se", "show gratuito", "festival", "entrada gratuita", "te vejo lá"},
		langES: {"inscripciones", "inscríbete", "concierto", "entrada libre", "entrada gratuita", "festival"},
		langFR: {"inscriptions", "concert", "entrée libre", "entrée gratuite"},
		langDE: {"anmeldung", "konzert", "eintritt frei"},
	},
	cueGiveaway: {
		langEN: {"giveaway", "give away", "giving away", "to enter", "enter to win", "chance to win", "win a", "win this",
			"winner", "winners", "tag a friend", "tag your friend", "tag 2 friends", "tag 3 friends", "contest", "raffle", "sweepstakes"},
		langID: {"giveaway", "bagi-bagi", "pemenang", "menangkan", "ikuti giveaway", "tag teman", "kuis", "undian"},
		langMS: {"peraduan", "pemenang", "tag kawan"},
		langTL: {"pa-raffle", "pa-giveaway", "mananalo"},
		langVI: {"minigame", "mini game", "người thắng", "trúng thưởng", "giveaway"},
		langTH: {"แจกฟรี", "ผู้โชคดี", "กิจกรรมแจก", "ลุ้นรับ"},
		langPT: {"sorteio", "sorteando", "ganhador", "marque um amigo", "marque seus amigos"},
		langES: {"sorteo", "ganador", "etiqueta a un amigo", "concurso"},
		langFR: {"concours", "gagnant", "tirage au sort"},
		langDE: {"gewinnspiel", "verlosung"},
	},
	cueDonation: {
		langEN: {"donate", "donation", "donations", "fundraiser", "fundraising", "gofundme", "charity", "to support the"},
		langID: {"donasi", "penggalangan dana", "galang dana", "sedekah"},
		langMS: {"derma", "sumbangan"},
		langTL: {"donasyon", "mag-donate"},
		langVI: {"quyên góp", "từ thiện"},
		langTH: {"บริจาค", "การกุศล"},
		langPT: {"doação", "doações", "vaquinha"},
		langES: {"donación", "donaciones"},
		langFR: {"cagnotte", "faire un don"},
		langDE: {"spende", "spenden"},
	},
	cueTutorial: {
		langEN: {"how to", "tutorial", "step by step", "recipe", "diy", "tips for", "tips on", "hack", "lesson"},
		langID: {"cara membuat", "cara bikin", "cara masak", "tutorial", "resep", "langkah"},
		langMS: {"cara buat", "resipi", "tutorial"},
		langTL: {"paano", "tutorial", "recipe"},
		langVI: {"hướng dẫn", "cách làm", "công thức", "mẹo", "bí quyết"},
		langTH: {"วิธีทำ", "สอนทำ", "สูตร", "ขั้นตอน"},
		langPT: {"como fazer", "tutorial", "receita", "passo a passo", "dica"},
		langES: {"cómo hacer", "tutorial", "receta", "paso a paso"},
		langFR: {"comment faire", "tutoriel", "recette"},
		langDE: {"anleitung", "rezept"},
	},
	cueChannel: {
		langEN: {"new video", "full video", "my channel", "youtube channel", "broadcast channel", "subscribe",
			"watch the full", "full episode", "new episode", "podcast", "part 2", "pt 2", "follow my other", "my other account"},
		langID: {"channel youtube", "video lengkap", "subscribe", "akun kedua"},
		langMS: {"video penuh", "saluran"},
		langTL: {"buong video"},
		langVI: {"kênh youtube", "video đầy đủ", "đăng ký kênh", "phần 2", "full clip"},
		langTH: {"ช่องยูทูป", "คลิปเต็ม", "ติดตามช่อง"},
		langPT: {"vídeo completo", "meu canal", "inscreva-se no canal", "parte 2"},
		langES: {"video completo", "mi canal", "suscríbete", "parte 2"},
		langFR: {"vidéo complète", "ma chaîne", "abonnez-vous"},
		langDE: {"ganzes video", "mein kanal", "abonniert"},
	},
}

// cuePhrase is one phrase of the lexicon as words.
type cuePhrase struct {
	words []string
	cue   cue
	lang  string
	// distinct reports a phrase of two words or more, or of one long word
	// (seven letters or more), that counts in every caption (speaks).
	distinct bool
}

// speaks reports whether a phrase of language l counts in a caption of
// language lang: English phrases count in every caption (sellers everywhere
// mix them in), the others in captions of their language (Indonesian and
// Malay as one). Phrases distinct enough not to be read in another
// language (two words or more, or one long word: "carrinho", "keranjang")
// count in every caption, as sellers mix languages.
func speaks(lang, l string, distinct bool) bool {
	switch {
	case distinct || l == langEN || l == lang:
		return true
	case (l == langID || l == langMS) && (lang == langID || lang == langMS):
		return true
	}
	return false
}

// cueIndex maps the first word of each spaced phrase to its phrases;
// scriptCues holds the phrases of the languages written without spaces.
var cueIndex, scriptCues = func() (map[string][]cuePhrase, []cuePhrase) {
	idx := map[string][]cuePhrase{}
	var script []cuePhrase
	for kind, byLang := range cueLexicon {
		for lang, phrases := range byLang {
			for _, p := range phrases {
				if unspaced(p) {
					script = append(script, cuePhrase{words: []string{p}, cue: kind, lang: lang})
					continue
				}
				words := strings.Fields(p)
				distinct := len(words) > 1 || utf8.RuneCountInString(words[0]) >= 7
				idx[words[0]] = append(idx[words[0]], cuePhrase{words: words, cue: kind, lang: lang, distinct: distinct})
			}
		}
	}
	return idx, script
}()

// unspaced reports a phrase in Thai, Japanese or Chinese script, or in
// Korean, whose words carry their endings ("구매하세요").
func unspaced(s string) bool {
	for _, r := range s {
		if r >= 0x0E00 && r <= 0x0E7F || r >= 0x3040 && r <= 0x30FF || r >= 0x4E00 && r <= 0x9FFF || r >= 0xAC00 && r <= 0xD7A3 {
			return true
		}
	}
	return false
}

// cueMatch is a phrase of the lexicon found in the caption, by tokens.
type cueMatch struct {
	cue         cue
	first, last int
}

// maxCueMatches bounds the cues recorded for one caption.
const maxCueMatches = 64

// findCues records the cue phrases of the caption, the longest at each
// word. Spaced phrases match whole words in sequence (hashtags, handles and
// links are not words); unspaced ones match inside runs of letters.
func (c *parse) findCues() {
	toks := c.toks
	for i := 0; i < len(toks) && len(c.cues) < maxCueMatches; i++ {
		t := &toks[i]
		if t.kind == tPunct && c.text[t.start:t.end] == "%" && i+1 < len(toks) && toks[i+1].kind == tWord && toks[i+1].low == "off" {
			c.cues = append(c.cues, cueMatch{cuePromo, i, i + 1})
			continue
		}
		if t.kind == tEmoji {
			switch c.text[t.start:t.end] {
			case "📞", "☎️", "☎", "📱", "📲":
				if j := c.phoneAfter(i + 1); j > 0 {
					c.cues = append(c.cues, cueMatch{cueContact, i, j}) // "📞 0907.097.677"
					i = j
				}
			case "🔗":
				if j := c.bioAfter(i); j > 0 {
					c.cues = append(c.cues, cueMatch{cueBuy, i, j}) // "🔗 in bio"
					i = j
				}
			}
			continue
		}
		if t.kind != tWord {
			continue
		}
		if t.in(vPhoneLead) {
			// "WA 0812…", "Hotline 0986…"; a word that may also ask for a
			// call about anything ("Questions? Call 555-…") only in a
			// listing's "Call: 0812…".
			from := i + 1
			if from+1 < len(c.toks) && c.toks[from].kind == tWord && c.isPunct(from+1, ":") {
				from++ // "booking phòng: 0826…", "Hotline đặt: …"
			}
			if j := c.phoneAfter(from); j > 0 && (!colonPhoneLeads[t.low] || c.isPunct(from, ":")) {
				c.cues = append(c.cues, cueMatch{cueContact, i, j})
				i = j
				continue
			}
		}
		if c.scripted && t.end-t.start > 2 && !t.ascii {
			c.scriptCuesIn(i)
		}
		if t.low == "link" || t.low == "links" {
			if j := c.bioAfter(i); j > i+2 || j > 0 && c.cueWord(i+1) != "in" {
				c.cues = append(c.cues, cueMatch{cueBuy, i, j})
				i = j
				continue
			}
		}
		w := c.cueWord(i)
		if w == t.low && t.vocab&vCue == 0 {
			continue
		}
		phrases := cueIndex[w]
		best, bestLen := -1, 0
		next, nextRead := "", false
		for k, p := range phrases {
			if len(p.words) > 1 {
				if !nextRead {
					next, nextRead = c.nextCueWord(i), true
				}
				if p.words[1] != next {
					continue // matchRest would not match it
				}
			}
			if !speaks(c.lang, p.lang, p.distinct) {
				continue
			}
			if n := c.matchRest(i, p.words); n > bestLen || n == bestLen && n > 0 && p.cue < phrases[best].cue {
				best, bestLen = k, n
			}
		}
		if best >= 0 {
			if !c.quoted(i, i+bestLen-1) && (phrases[best].cue != cueBuy || !c.ownedNoun(i)) && (phrases[best].cue != cueEvent || !c.namesProduct(i+bestLen)) && !c.negated(i, phrases[best].cue) {
				c.cues = append(c.cues, cueMatch{phrases[best].cue, i, i + bestLen - 1})
			}
			i += bestLen - 1 // the words of a phrase start no other
		}
	}
}

// phoneLeads introduce a phone number a buyer calls or writes to: "WA +62
// 877 8421 2415", "Hotline 0986970560" (and so do 📞, ☎️, 📱 and 📲).
var (
	phoneLeads = setOf("wa", "whatsapp", "wtsp", "whatsap", "wasap", "zalo", "viber", "call", "tel", "telp", "phone",
		"hotline", "sđt", "sdt", "hp", "text", "booking", "liên", "hệ", "contact", "โทร", "line", "mobile", "cell")
	colonPhoneLeads = setOf("call", "text", "phone", "mobile", "cell", "contact", "booking", "tel")
)

// Phone numbers hold 8 to 15 digits (E.164 at most 15).
const minPhoneDigits, maxPhoneDigits = 8, 15

// phoneAfter returns the last token of a phone number starting at token i
// ("+62 877-8421-2415", "0812.966.566", "(562) 513-0992", after a colon), or
// -1. Groups of digits are joined by spaces, dots, dashes and brackets on
// one line; a number with a unit ("34k") is no phone number.
func (c *parse) phoneAfter(i int) int {
	digits, last := 0, -1
	for j := i; j < len(c.toks) && j < i+12; j++ {
		t := &c.toks[j]
		switch t.kind {
		case tNum:
			if int(t.numEnd) != t.end {
				return -1
			}
			for k := t.start; k < t.end; k++ {
				if isDigit(c.text[k]) {
					digits++
				}
			}
			last = j
			continue
		case tPunct:
			switch c.text[t.start:t.end] {
			case ":", "+", "-", "(", ")", ".", "‑", "–", "\u202a", "\u202c":
				if digits == 0 || c.text[t.start:t.end] != ":" {
					continue
				}
			}
		}
		break
	}
	if digits < minPhoneDigits || digits > maxPhoneDigits {
		return -1
	}
	return last
}

// negated reports a way to buy, book or have a thing that a negation just
// before denies: "you can't book a room", "không thể đặt", "tidak dijual".
func (c *parse) negated(i int, k cue) bool {
	if k != cueBuy && k != cueBook && k != cueAvailable {
		return false
	}
	for j, n := i-1, 0; j >= 0 && n < 2; j-- {
		t := &c.toks[j]
		if t.kind != tWord {
			return false
		}
		if negations[t.low] {
			return true
		}
		n++
	}
	return false
}

// negations deny the word after them (within two words).
var negations = setOf("can't", "can’t", "cant", "cannot", "don't", "don’t", "won't", "won’t", "not", "never",
	"không", "chẳng", "tidak", "nggak", "belum", "ไม่")

// namesProduct reports a container noun at token i, after an event word it
// makes a product's name: "Concert Pouch", "Festival Bag".
func (c *parse) namesProduct(i int) bool {
	return i < len(c.toks) && c.toks[i].kind == tWord && containerWords[c.toks[i].low]
}

// ownedNoun reports a word that a possessive makes a noun: "your order
// from Shein arrived", "my order on Amazon" tell of an order, they ask for
// none.
func (c *parse) ownedNoun(i int) bool {
	if !orderWords[c.toks[i].low] {
		return false // "in my showcase", "my storefront" still show where to buy
	}
	w := c.prevWord(i, 0)
	return w >= 0 && w == i-1 && possessives[c.toks[w].low]
}

var orderWords = setOf("order", "orders", "pre-order", "preorder", "pedido", "pesanan")

var possessives = setOf("my", "your", "our", "his", "her", "their", "mi", "tu", "meu", "minha", "seu", "sua")

// matchRest returns the number of tokens the words of a phrase match from
// token i (quotes between them aside: comment "LINK"), or 0. Token i is a
// word whose cueWord is the phrase's first word (cueIndex): the rest is
// matched.
func (c *parse) matchRest(i int, words []string) int {
	j := i + 1
	for _, w := range words[1:] {
		for j < len(c.toks) && c.isQuote(j) {
			j++
		}
		if j >= len(c.toks) || c.toks[j].kind != tWord || c.cueWord(j) != w {
			return 0
		}
		j++
	}
	return j - i
}

// nextCueWord is the cueWord of the word after token i, as matchRest
// reads it (quotes aside), or "" when a word does not follow.
func (c *parse) nextCueWord(i int) string {
	j := i + 1
	for j < len(c.toks) && c.isQuote(j) {
		j++
	}
	if j >= len(c.toks) || c.toks[j].kind != tWord {
		return ""
	}
	return c.cueWord(j)
}

func (c *parse) isQuote(i int) bool {
	t := &c.toks[i]
	return t.kind == tPunct && strings.Contains(quoteMarks, c.text[t.start:t.end])
}

const quoteMarks = "'\"“”‘’«»„"

// quoted reports a phrase between quotation marks: reported speech
// ("says 'add to cart'"), not a call to action.
func (c *parse) quoted(first, last int) bool {
	return first > 0 && last+1 < len(c.toks) && c.isQuote(first-1) && c.isQuote(last+1)
}

// cueWord is the word at token i as the lexicon writes it: lower case,
// and, outside Vietnamese (where accents tell words apart), with the
// accents sellers add for style dropped ("biö").
func (c *parse) cueWord(i int) string {
	t := &c.toks[i]
	if t.vocab&vCue != 0 || t.ascii || !c.foldCues {
		return t.low
	}
	if f := fold(t.low); f != t.low && cueIndex[f] != nil {
		return f
	}
	return t.low
}

// bioAfter returns the token of "bio" when it follows the link word at i
// on the same line within six words ("link to the keycaps in bio", "link
// for everything in my bio"), or -1.
func (c *parse) bioAfter(i int) int {
	for j := i + 1; j < len(c.toks) && j <= i+8; j++ {
		t := &c.toks[j]
		if t.kind == tBreak || t.kind == tURL {
			return -1
		}
		if t.kind == tWord && (t.low == "bio" || fold(t.low) == "bio") {
			return j
		}
	}
	return -1
}

// scriptCuesByRune maps the first rune of each of scriptCues to the
// phrases' indices in scriptCues, in order.
var scriptCuesByRune = func() map[rune][]int {
	if len(scriptCues) > maxScriptCues {
		panic("rules: more than maxScriptCues unspaced cue phrases")
	}
	m := map[rune][]int{}
	for k, p := range scriptCues {
		r, _ := utf8.DecodeRuneInString(p.words[0])
		m[r] = append(m[r], k)
	}
	return m
}()

// maxScriptCues bounds scriptCues: scriptCuesIn marks the phrases it finds
// in a bit set of this size.
const maxScriptCues = 256

// scriptCuesIn records the unspaced phrases inside the word at token i, in
// the order of scriptCues. Only the phrases that start with one of the
// word's runes are tried, where that rune stands.
func (c *parse) scriptCuesIn(i int) {
	s := c.toks[i].low
	var found [maxScriptCues / 64]uint64
	for at, r := range s {
		for _, k := range scriptCuesByRune[r] {
			if found[k/64]&(1<<(k%64)) == 0 && strings.HasPrefix(s[at:], scriptCues[k].words[0]) {
				found[k/64] |= 1 << (k % 64)
			}
		}
	}
	for w, set := range found {
		for ; set != 0; set &= set - 1 {
			p := scriptCues[w*64+bits.TrailingZeros64(set)]
			if len(c.cues) < maxCueMatches && speaks(c.lang, p.lang, true) {
				c.cues = append(c.cues, cueMatch{p.cue, i, i})
			}
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// locationWords name the place tag of a TikTok GO video: what such a video
// sells through it is a voucher.
var locationWords = setOf("lokasi", "lokasinya", "location", "vị", "trí", "địa", "điểm", "ปักหมุด")

// sellsVoucher reports a caption that sells through the place tag of a
// TikTok GO video ("klik tag lokasi", #tiktokgo): the product is a voucher
// for the place or brand it names.
func (c *parse) sellsVoucher() bool {
	if c.tiktokGOTag() {
		return true
	}
	for _, m := range c.cues {
		if m.cue != cueBuy {
			continue
		}
		for i := m.first; i <= m.last; i++ {
			if t := &c.toks[i]; locationWords[t.low] || c.scripted && strings.Contains(t.low, "ปักหมุด") {
				return true
			}
		}
	}
	// "beli lewat tiktok", "pake voucher tiktok": bought in the app, from a
	// place, is a TikTok GO voucher.
	return c.boughtInApp()
}

// tiktokGOTag reports the #tiktokgo hashtag: the video sells through its
// place tag (TikTok GO).
func (c *parse) tiktokGOTag() bool {
	for _, h := range c.hashtags {
		if strings.EqualFold(h, "tiktokgo") {
			// "Tomoro atau Kopi Kenangan?? #tiktokgo": a question sells nothing.
			return !strings.Contains(c.text, "?")
		}
	}
	return false
}

// boughtInApp reports a thing bought through TikTok itself: "lewat tiktok",
// "pake voucher tik tok", "beli kopi senja di/dari tiktok".
func (c *parse) boughtInApp() bool {
	if c.inApp == 0 {
		c.inApp = 1
		if c.readInApp() {
			c.inApp = 2
		}
	}
	return c.inApp == 2
}

// readInApp is boughtInApp, read from the words.
func (c *parse) readInApp() bool {
	if !strings.Contains(c.low, "tiktok") && !strings.Contains(c.low, "tik tok") {
		return false // words' low cases are c.low's
	}
	for i := 1; i < len(c.toks); i++ {
		t := &c.toks[i]
		if t.kind != tWord || c.toks[i-1].kind != tWord {
			continue
		}
		if t.low == "tik" && i+1 < len(c.toks) && c.toks[i+1].kind == tWord && c.toks[i+1].low == "tok" {
			// "tik tok" in two words: read from its second.
		} else if t.low != "tiktok" {
			continue
		}
		if throughWords[c.toks[i-1].low] {
			return true
		}
		if (c.toks[i-1].low == "di" || c.toks[i-1].low == "dari") && (i+1 >= len(c.toks) || c.toks[i+1].kind != tWord || c.toks[i+1].low != "shop") {
			for j := i - 2; j >= 0 && j >= i-6 && c.toks[j].kind == tWord; j-- {
				if appBuyVerbs[c.toks[j].low] {
					return true // "beli kopi kenangan di tiktok"
				}
			}
		}
	}
	return false
}

// appBuyVerbs buy a thing "di tiktok" (Indonesian, Malay).
var appBuyVerbs = setOf("beli", "belinya", "dibeli", "order")

// throughWords say what follows is where a thing is bought: "lewat tiktok",
// "voucher tiktok".
var throughWords = setOf("lewat", "via", "pake", "pakai", "voucher", "vocher", "qua", "através")
