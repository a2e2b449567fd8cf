package rules

import "strings"

// houseBrands maps the hashtag of a fashion or beauty house (folded, no
// spaces) to its name as written. Sellers of a house's goods name the model
// in the caption ("Capucines Mini", "Mini Jodie") and the house in a
// hashtag (#louisvuitton): the product card names both.
var houseBrands = map[string]string{
	"louisvuitton": "Louis Vuitton", "chanel": "Chanel", "hermes": "Hermès", "dior": "Dior", "gucci": "Gucci",
	"prada": "Prada", "bottegaveneta": "Bottega Veneta", "celine": "Celine", "fendi": "Fendi", "ysl": "YSL",
	"saintlaurent": "Saint Laurent", "balenciaga": "Balenciaga", "loewe": "Loewe", "goyard": "Goyard",
	"miumiu": "Miu Miu", "valentino": "Valentino", "givenchy": "Givenchy", "burberry": "Burberry", "chloe": "Chloé",
	"cartier": "Cartier", "coach": "Coach", "michaelkors": "Michael Kors", "katespade": "Kate Spade",
	"toryburch": "Tory Burch", "longchamp": "Longchamp", "marcjacobs": "Marc Jacobs", "jacquemus": "Jacquemus",
	"polene": "Polène", "rolex": "Rolex", "tiffany": "Tiffany", "vancleef": "Van Cleef", "versace": "Versace",
	"alexandermcqueen": "Alexander McQueen", "maxmara": "Max Mara", "moncler": "Moncler", "nike": "Nike",
	"adidas": "Adidas", "newbalance": "New Balance", "stanley": "Stanley", "dyson": "Dyson", "apple": "Apple",
}

// withHouse puts the house a caption's hashtags name before a title of two
// words or more that does not name it: "Capucines Mini" with #louisvuitton
// is "Louis Vuitton Capucines Mini". A title of one word keeps its own
// (a brand added would outweigh it), and so does a kind from a shop
// ("Shoes (Shoebar)"), which may sell any house's look, and a title with
// no capitalised word past its first, which names no model.
func (c *parse) withHouse(title string) string {
	house := ""
	for _, h := range c.hashtags {
		if name, ok := houseBrands[fold(h)]; ok {
			if house != "" && house != name {
				return title // two houses: the caption's words must choose
			}
			house = name
		}
	}
	if house == "" || len(c.wordsOf(title)) < 2 || strings.Contains(title, "(") || c.capitalsIn(title) == 0 {
		return title
	}
	f := fold(title)
	for _, w := range strings.Fields(fold(house)) {
		if strings.Contains(f, w) {
			return title
		}
	}
	return house + " " + title
}
