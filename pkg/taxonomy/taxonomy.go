// Package taxonomy is buylink's fixed product taxonomy: every product the
// auto-tagger sees is put in exactly one of its categories, or in none.
//
// The tree has two levels and follows the top two levels of the Google
// product taxonomy, regrouped for what TikTok sellers sell (kitchen and
// furniture are top levels of their own, cameras sit under electronics).
// A category id is "top/sub" in lower case ("beauty/skincare"); ids are part
// of the data contract (stored on products, used by storefront filters), so
// renaming one is a migration, adding one is not.
package taxonomy

import (
	"slices"
	"strings"
)

// Version changes whenever the list of categories or their meaning changes;
// it is part of the LLM tagger's cache key.
const Version = "2025-12-1"

// Category is one leaf of the taxonomy.
type Category struct {
	// ID is "top/sub", e.g. "beauty/skincare".
	ID string
	// Name is the display name ("Skin care").
	Name string
	// Tag is the normalised tag the category adds to its products
	// ("skincare"); empty when no single word names it well.
	Tag string
	// Covers lists what belongs here, for people and for the LLM prompt.
	Covers string
}

// Top returns the top level of the category ("beauty").
func (c Category) Top() string {
	top, _, _ := strings.Cut(c.ID, "/")
	return top
}

// The categories, in display order (by top level, then sub-category).
var categories = []Category{
	{"apparel/tops", "Tops", "top", "t-shirts, shirts, blouses, sweaters, hoodies, cardigans, crop tops, kurtas"},
	{"apparel/bottoms", "Bottoms", "", "jeans, trousers, skirts, shorts, leggings worn as clothing"},
	{"apparel/dresses", "Dresses & jumpsuits", "dress", "dresses, jumpsuits, rompers, abayas"},
	{"apparel/outerwear", "Coats & jackets", "outerwear", "coats, jackets, puffers, blazers, vests, raincoats"},
	{"apparel/activewear", "Activewear", "activewear", "sports bras, gym leggings, tracksuits, workout sets"},
	{"apparel/sleepwear", "Sleepwear & loungewear", "sleepwear", "pajamas, robes, lounge sets, nightgowns"},
	{"apparel/underwear", "Underwear & socks", "underwear", "bras, panties, boxers, shapewear, lingerie, socks, tights"},
	{"apparel/swimwear", "Swimwear", "swimwear", "bikinis, swimsuits, swim trunks, cover-ups"},
	{"apparel/shoes", "Shoes", "shoe", "sneakers, boots, sandals, heels, slippers, slides, flats"},
	{"apparel/accessories", "Clothing accessories", "accessory", "hats, caps, beanies, scarves, belts, gloves, sunglasses, hair clips and scrunchies, ties"},
	{"apparel/jewelry", "Jewelry & watches", "jewelry", "earrings, necklaces, rings, bracelets, anklets, watches, charms"},
	{"bags/handbags", "Handbags & totes", "bag", "handbags, tote bags, crossbody bags, shoulder bags, clutches, belt bags"},
	{"bags/backpacks", "Backpacks", "backpack", "backpacks, school bags, laptop backpacks"},
	{"bags/luggage", "Luggage & travel", "travel", "suitcases, carry-ons, duffel and weekender bags, packing cubes, travel organizers"},
	{"bags/wallets", "Wallets & small goods", "wallet", "wallets, card holders, coin purses, passport covers, keychains"},
	{"beauty/skincare", "Skin care", "skincare", "serums, moisturizers, cleansers, toners, sunscreen, face masks, eye creams, lip masks and balms, pimple patches"},
	{"beauty/makeup", "Makeup", "makeup", "foundation, concealer, lipstick, lip gloss, mascara, eyeshadow, blush, setting spray, false lashes, brows"},
	{"beauty/haircare", "Hair care", "haircare", "shampoo, conditioner, hair masks, hair oil, curl creams, gels, dry shampoo, hair growth products"},
	{"beauty/hair-tools", "Hair styling tools", "hair tool", "hair dryers, straighteners, curling irons, hot air brushes, heatless curlers, hair clippers"},
	{"beauty/fragrance", "Fragrance", "fragrance", "perfumes, eau de parfum, body mists, colognes"},
	{"beauty/nails", "Nails", "nail", "nail polish, press-on nails, gel kits, UV nail lamps, nail tools"},
	{"beauty/bath-body", "Bath & body", "body care", "body wash, body butter, body lotion, scrubs, bath bombs, shower steamers, deodorant, hand cream"},
	{"beauty/tools", "Beauty tools", "beauty tool", "makeup brushes and sponges, vanity and makeup mirrors, eyelash curlers, facial rollers and gua sha, makeup bags"},
	{"health/supplements", "Vitamins & supplements", "supplement", "vitamins, gummies, collagen, protein powder, probiotics, greens powders, electrolytes"},
	{"health/oral-care", "Oral care", "oral care", "toothbrushes, electric toothbrushes, toothpaste, teeth whitening, water flossers"},
	{"health/wellness", "Wellness & recovery", "wellness", "massage guns, massagers, heating pads, posture correctors, sleep masks, acupressure mats"},
	{"health/personal-care", "Personal care", "personal care", "razors, shavers, epilators, IPL hair removal, period care, first aid"},
	{"home/decor", "Home decor", "home decor", "candles, vases, wall art, decorative mirrors, throw pillows, artificial plants, rugs, curtains"},
	{"home/bedding", "Bedding", "bedding", "sheets, duvets, comforters, pillows for sleeping, blankets and throws, mattress toppers"},
	{"home/bath", "Bathroom", "bathroom", "towels, bath mats, shower heads, shower curtains, soap dispensers, bathroom accessories"},
	{"home/storage", "Storage & organization", "organization", "organizers, storage boxes and bins, baskets, hangers, shoe racks, drawer dividers"},
	{"home/cleaning", "Cleaning & household", "cleaning", "sponges, mops, cleaning sprays, stain removers, trash cans, laundry products, lint removers"},
	{"home/lighting", "Lighting", "lighting", "lamps, LED strips, fairy lights, night lights, sunset lamps, light bulbs"},
	{"home/appliances", "Home appliances", "home appliance", "vacuums, robot vacuums, humidifiers, diffusers, air purifiers, fans, heaters, irons, steamers"},
	{"home/garden", "Garden & outdoor", "garden", "plants, planters, seeds, garden tools, hoses, patio and outdoor decor, solar lights"},
	{"furniture/living", "Living room furniture", "furniture", "sofas, couches, armchairs, coffee tables, side tables, TV stands, ottomans"},
	{"furniture/bedroom", "Bedroom furniture", "furniture", "beds, bed frames, mattresses, nightstands, dressers, vanities"},
	{"furniture/office", "Office furniture", "furniture", "desks, standing desks, office and gaming chairs"},
	{"furniture/shelving", "Shelving", "furniture", "shelves, bookcases, floating shelves, shelving units"},
	{"kitchen/appliances", "Kitchen appliances", "kitchen appliance", "blenders, air fryers, coffee and espresso machines, grinders, kettles, toasters, mixers, electric choppers, ice makers"},
	{"kitchen/cookware", "Cookware & bakeware", "cookware", "pans, pots, woks, dutch ovens, baking sheets and molds"},
	{"kitchen/tools", "Kitchen tools", "kitchen tool", "knives, cutting boards, peelers, manual choppers, whisks, graters, spatulas, measuring cups, can openers"},
	{"kitchen/drinkware", "Drinkware", "drinkware", "tumblers, mugs, water bottles, thermoses, glasses, cups, straws"},
	{"kitchen/tableware", "Tableware", "tableware", "plates, bowls, cutlery, serving boards, placemats, tablecloths"},
	{"kitchen/storage", "Food storage", "food storage", "food containers, jars, lunch boxes, beeswax and silicone wraps, spice racks"},
	{"electronics/phone-accessories", "Phone accessories", "phone accessory", "phone cases, chargers, cables, power banks, phone mounts and stands, screen protectors"},
	{"electronics/audio", "Audio", "audio", "earbuds, headphones, speakers, microphones for listening, record players"},
	{"electronics/computers", "Computers & tablets", "computer", "laptops, tablets, keyboards, mice, monitors, laptop stands, USB hubs"},
	{"electronics/wearables", "Wearables", "wearable", "smartwatches, fitness trackers, smart rings"},
	{"electronics/cameras", "Cameras & creator gear", "camera", "cameras, action cameras, ring lights, tripods, selfie sticks, gimbals, wireless microphones"},
	{"electronics/gaming", "Gaming", "gaming", "consoles, controllers, gaming headsets, gaming accessories"},
	{"electronics/tv-video", "TV & video", "tv", "TVs, projectors, streaming devices"},
	{"electronics/smart-home", "Smart home", "smart home", "smart plugs and bulbs, security cameras, video doorbells, smart locks"},
	{"toys/plush", "Plush toys", "plush", "stuffed animals, plushies, squishmallows"},
	{"toys/games", "Games & puzzles", "game", "board games, card games, jigsaw puzzles"},
	{"toys/building", "Building toys", "building toy", "building blocks, brick sets, magnetic tiles, model kits"},
	{"toys/dolls", "Dolls & figures", "doll", "dolls, action figures, collectible figures, blind boxes"},
	{"toys/sensory", "Sensory & fidget toys", "fidget toy", "fidget toys, slime, squishies, pop-its, stress balls"},
	{"toys/learning", "Learning & activity toys", "educational toy", "educational toys, STEM kits, drawing tablets for kids, busy boards, ride-ons, outdoor play"},
	{"baby/feeding", "Baby feeding", "baby feeding", "baby bottles, bibs, high chairs, breast pumps, baby food makers"},
	{"baby/gear", "Baby gear", "baby gear", "strollers, baby carriers, car seats, diaper bags"},
	{"baby/nursery", "Nursery", "nursery", "cribs, baby monitors, swaddles, sleep sacks, bassinets"},
	{"baby/diapering", "Diapering", "diapering", "diapers, baby wipes, changing pads"},
	{"sports/fitness", "Fitness", "fitness", "dumbbells, kettlebells, resistance bands, yoga and pilates mats, jump ropes, weighted vests, walking pads"},
	{"sports/outdoor", "Camping & hiking", "outdoor", "tents, sleeping bags, hiking gear, camping lanterns, fishing gear"},
	{"sports/cycling", "Cycling", "cycling", "bikes, e-bikes, scooters, helmets, bike lights"},
	{"sports/team-sports", "Team sports", "team sport", "footballs, soccer balls, basketballs, volleyballs, jerseys, goals"},
	{"sports/racket", "Racket sports", "racket sport", "tennis, pickleball, padel and badminton rackets, paddles and balls"},
	{"sports/water", "Water sports", "water sport", "swim goggles, snorkels, paddle boards, surf gear"},
	{"pets/dog", "Dog supplies", "dog", "dog beds, leashes, collars, harnesses, dog toys and treats"},
	{"pets/cat", "Cat supplies", "cat", "cat trees, litter boxes, scratchers, cat toys and treats"},
	{"pets/aquarium", "Aquarium", "aquarium", "fish tanks, filters, aquarium decor"},
	{"pets/small-pets", "Small pets & birds", "small pet", "hamster cages, rabbit hutches, bird cages and feeders"},
	{"food/snacks", "Snacks", "snack", "chips, crackers, jerky, nuts, protein bars"},
	{"food/beverages", "Beverages", "beverage", "coffee, tea, matcha, juices, energy drinks, drink mixes"},
	{"food/pantry", "Pantry", "pantry", "sauces, spices, seasonings, oils, honey, spreads, pasta, noodles"},
	{"food/sweets", "Sweets", "sweet", "chocolate, candy, gummies (not vitamins), cookies, desserts"},
	{"books/fiction", "Fiction", "book", "novels, romance, fantasy, thrillers (BookTok)"},
	{"books/nonfiction", "Non-fiction", "book", "self-help, cookbooks, biographies, journals with prompts"},
	{"books/children", "Children's books", "book", "picture books, board books, activity books"},
	{"books/comics", "Comics & manga", "comic", "comics, manga, graphic novels"},
	{"office/stationery", "Stationery", "stationery", "pens, highlighters, notebooks, planners, stickers, sticky notes"},
	{"office/desk", "Desk accessories", "desk accessory", "desk organizers, desk mats, label makers, printers"},
	{"arts/crafts", "Arts & crafts", "craft", "yarn, crochet and knitting kits, paints, canvases, sewing, resin, beads, embroidery"},
	{"arts/party", "Party & celebration", "party supply", "balloons, party decorations, gift wrap, seasonal decorations"},
	{"arts/music", "Musical instruments", "musical instrument", "guitars, ukuleles, keyboards, drums, kalimbas"},
	{"automotive/interior", "Car interior", "car accessory", "car organizers, seat covers, car air fresheners, steering wheel covers, sunshades"},
	{"automotive/care", "Car care", "car care", "car vacuums, detailing gels, car wash, polish, tire inflators"},
	{"automotive/electronics", "Car electronics", "car electronics", "dash cams, car chargers, car phone holders with charging, car stereos"},
	{"hardware/tools", "Tools & hardware", "tool", "drills, screwdrivers, tool sets, tape measures, ladders, hardware"},
	{"travel/stays", "Stays", "stay", "hotel rooms, homestays, guesthouses, resorts, villas, camps and staycations booked from the seller"},
}

var byID = func() map[string]int {
	m := make(map[string]int, len(categories))
	for i, c := range categories {
		m[c.ID] = i
	}
	return m
}()

// Categories returns every category in display order. The slice is a copy.
func Categories() []Category { return slices.Clone(categories) }

// IDs returns every category id in display order.
func IDs() []string {
	ids := make([]string, len(categories))
	for i, c := range categories {
		ids[i] = c.ID
	}
	return ids
}

// Lookup returns the category with the given id.
func Lookup(id string) (Category, bool) {
	i, ok := byID[id]
	if !ok {
		return Category{}, false
	}
	return categories[i], true
}

// Order returns the category's position in display order, or -1 for an
// unknown id; taggers break ties with it, so results are deterministic.
func Order(id string) int {
	if i, ok := byID[id]; ok {
		return i
	}
	return -1
}

// Attribute groups: what the tags after the category describe. Style
// includes patterns and fits; Ingredient covers key ingredients and scents.
const (
	Colour     = "colour"
	Material   = "material"
	Ingredient = "ingredient"
	Style      = "style"
	Audience   = "audience"
	Feature    = "feature"
)

// AttributeGroups lists the attribute groups in the order the taggers
// describe them.
func AttributeGroups() []string {
	return []string{Colour, Material, Ingredient, Style, Audience, Feature}
}
