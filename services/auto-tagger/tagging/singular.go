package tagging

import "strings"

// Singular returns the English singular of a lower-case word: "sneakers" ->
// "sneaker", "brushes" -> "brush", "batteries" -> "battery", "hoodies" ->
// "hoodie", "knives" -> "knife", "women" -> "woman". Words that are plural
// only ("jeans", "leggings", "sunglasses"), words that merely end in s
// ("dress", "cactus", "lens", "wireless") and words of three letters or fewer
// are returned unchanged. Tags are English (the rule lexicon's canonical
// names, and what the LLM is asked for), so English rules suffice.
// Singular is idempotent.
func Singular(w string) string {
	if len(w) <= 3 || !strings.HasSuffix(w, "s") {
		if s, ok := irregular[w]; ok {
			return s
		}
		return w
	}
	if s, ok := irregular[w]; ok {
		return s
	}
	if keepS[w] {
		return w
	}
	for _, suf := range keepSuffixes {
		if strings.HasSuffix(w, suf) {
			return w
		}
	}
	stem := w[:len(w)-1] // without the final s
	switch {
	case strings.HasSuffix(w, "ies"):
		if len(w) == 4 || ieWords[stem] {
			return stem // ties -> tie, hoodies -> hoodie
		}
		return w[:len(w)-3] + "y" // batteries -> battery
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "xes"),
		strings.HasSuffix(w, "ches") && !eWords[stem], strings.HasSuffix(w, "shes"):
		return w[:len(w)-2] // dresses -> dress, boxes -> box, watches -> watch, brushes -> brush
	case strings.HasSuffix(w, "oes") && len(w) > 5 && !eWords[stem]:
		return w[:len(w)-2] // tomatoes -> tomato (shoes, toes keep their e)
	}
	return stem
}

// irregular maps irregular plurals to their singulars.
var irregular = map[string]string{
	"women": "woman", "men": "man", "children": "child", "feet": "foot", "teeth": "tooth", "mice": "mouse",
	"geese": "goose", "people": "person", "knives": "knife", "wives": "wife", "leaves": "leaf", "shelves": "shelf",
	"halves": "half", "loaves": "loaf", "scarves": "scarf", "wolves": "wolf", "calves": "calf", "lives": "life",
	"thieves": "thief", "dice": "die", "lenses": "lens", "buses": "bus", "gases": "gas", "cacti": "cactus",
	"indices": "index", "appendices": "appendix", "oxen": "ox", "kids": "kid", "womens": "woman", "mens": "man",
	"ladies": "lady", "babies": "baby",
}

// keepS are words ending in s that are singular or plural-only.
var keepS = setOf(
	"jeans", "pants", "leggings", "shorts", "trousers", "tights", "overalls", "pajamas", "pyjamas", "sweatpants",
	"joggers", "slacks", "capris", "culottes", "chinos", "briefs", "boxers", "panties", "undies", "sweats",
	"sunglasses", "glasses", "eyeglasses", "goggles", "binoculars", "scissors", "tweezers", "tongs", "pliers",
	"shears", "clippers", "headphones", "earphones", "clothes", "news", "series", "species", "means",
	"linens", "suspenders", "thanks", "savings", "lens", "canvas", "atlas", "alias", "christmas", "xmas",
	"always", "perhaps", "chips", "vans", "crocs", "uggs", "keds", "airpods", "locs", "jammies", "flats", "bermudas",
)

// keepSuffixes end words that are not plurals.
var keepSuffixes = []string{"ss", "us", "is", "ous", "ics"}

// ieWords are singulars ending in "ie" whose plural ends in "ies".
var ieWords = setOf(
	"cookie", "movie", "smoothie", "hoodie", "beanie", "brownie", "selfie", "bootie", "onesie", "veggie",
	"rookie", "zombie", "pixie", "goalie", "sweetie", "bestie", "boxie", "scrunchie", "bowtie", "necktie",
	"pie", "tie", "lie", "die", "auntie", "birdie", "cutie", "genie", "hippie", "indie", "junkie", "calorie",
	"lingerie", "prairie", "specie", "kiddie", "undie", "nightie", "jammie", "dearie", "sortie", "coterie",
)

// eWords are singulars ending in "e" before the plural's s where the
// "ches"/"oes" rules would cut too much.
var eWords = setOf("ache", "niche", "cache", "quiche", "douche", "headache", "moustache", "mustache",
	"shoe", "toe", "hoe", "canoe", "oboe", "floe", "sloe", "throe", "backache", "toothache", "cliche", "avalanche")
