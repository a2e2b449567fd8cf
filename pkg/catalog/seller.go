package catalog

import (
	"math"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Seller is a TikTok seller with a storefront. A handle is owned by exactly one
// identity (Sub, the token subject) and each identity owns at most one seller.
type Seller struct {
	Handle      string `json:"handle"`
	Sub         string `json:"sub"`
	DisplayName string `json:"displayName"`
	// AvatarURL is an avatar elsewhere on the web; Avatar, an uploaded one,
	// takes precedence.
	AvatarURL string  `json:"avatarUrl,omitempty"`
	Avatar    *Avatar `json:"avatar,omitempty"`
	Bio       string  `json:"bio,omitempty"`
	// Socials are the seller's profiles elsewhere, shown on the shop.
	Socials Socials `json:"socials,omitzero"`
	// AccentColor is the shop's button colour ("#b0124f"); white text on it
	// meets WCAG AA (ValidateAccentColor). Empty uses buylink's.
	AccentColor string `json:"accentColor,omitempty"`
	// IngestCursor is the posted time of the newest video the scheduler has
	// ingested; the next scheduled run asks only for newer ones.
	IngestCursor time.Time `json:"ingestCursor,omitzero"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// Avatar is an uploaded avatar, re-encoded and cropped square into media.
type Avatar struct {
	// Small and Large are the media keys of the 256 and 512 px JPEGs.
	Small string `json:"small"`
	Large string `json:"large"`
}

// Socials are a seller's profiles on other networks: handles without '@'
// (normalised by NormalizeSocial), and a contact e-mail address.
type Socials struct {
	TikTok    string `json:"tiktok,omitempty"`
	Instagram string `json:"instagram,omitempty"`
	YouTube   string `json:"youtube,omitempty"`
	X         string `json:"x,omitempty"`
	Email     string `json:"email,omitempty"`
}

// The social networks of Socials, by their JSON field names.
const (
	SocialTikTok    = "tiktok"
	SocialInstagram = "instagram"
	SocialYouTube   = "youtube"
	SocialX         = "x"
	SocialEmail     = "email"
)

// SocialNetworks lists the networks of Socials in display order.
var SocialNetworks = []string{SocialTikTok, SocialInstagram, SocialYouTube, SocialX, SocialEmail}

// Get returns the value for a network name of SocialNetworks.
func (s *Socials) Get(network string) string {
	switch network {
	case SocialTikTok:
		return s.TikTok
	case SocialInstagram:
		return s.Instagram
	case SocialYouTube:
		return s.YouTube
	case SocialX:
		return s.X
	case SocialEmail:
		return s.Email
	}
	return ""
}

// Set stores the value for a network name of SocialNetworks.
func (s *Socials) Set(network, v string) {
	switch network {
	case SocialTikTok:
		s.TikTok = v
	case SocialInstagram:
		s.Instagram = v
	case SocialYouTube:
		s.YouTube = v
	case SocialX:
		s.X = v
	case SocialEmail:
		s.Email = v
	}
}

// URL is the address of a network's profile ("mailto:" for e-mail); "" when
// the seller has none there.
func (s *Socials) URL(network string) string {
	v := s.Get(network)
	if v == "" {
		return ""
	}
	switch network {
	case SocialTikTok:
		return "https://www.tiktok.com/@" + v
	case SocialInstagram:
		return "https://www.instagram.com/" + v + "/"
	case SocialYouTube:
		return "https://www.youtube.com/@" + v
	case SocialX:
		return "https://x.com/" + v
	case SocialEmail:
		return "mailto:" + v
	}
	return ""
}

// Rules of each network's handles, and the hosts whose profile URLs are
// accepted in place of a handle.
var (
	instagramRE = regexp.MustCompile(`^[a-z0-9._]{1,30}$`)
	youtubeRE   = regexp.MustCompile(`^[A-Za-z0-9._-]{3,30}$`)
	xRE         = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)
	socialHosts = map[string][]string{
		SocialTikTok:    {"tiktok.com", "www.tiktok.com", "m.tiktok.com"},
		SocialInstagram: {"instagram.com", "www.instagram.com"},
		SocialYouTube:   {"youtube.com", "www.youtube.com", "m.youtube.com"},
		SocialX:         {"x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"},
	}
)

// NormalizeSocial reads what a seller typed for a network: a handle (with
// or without '@') or the profile's URL, or an e-mail address. It returns the
// stored form, or an invalid error for the field naming the network's rules.
// Empty input is valid and clears the value.
func NormalizeSocial(network, raw string) (string, error) {
	field := "socials." + network
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", nil
	}
	if len(v) > 320 {
		return "", Invalid(field, "is too long")
	}
	if network == SocialEmail {
		return normalizeEmail(field, v)
	}
	hosts, ok := socialHosts[network]
	if !ok {
		return "", Invalid("socials", "%q is not a network (use %s)", truncate(network, 20), strings.Join(SocialNetworks, ", "))
	}
	if strings.Contains(v, "/") {
		rest := v
		for _, scheme := range []string{"https://", "http://"} {
			if len(rest) >= len(scheme) && strings.EqualFold(rest[:len(scheme)], scheme) {
				rest = rest[len(scheme):]
			}
		}
		host, path, _ := strings.Cut(rest, "/")
		if !slices.Contains(hosts, strings.ToLower(host)) {
			return "", Invalid(field, "must be a handle or a link to %s (got host %q)", hosts[0], truncate(host, 40))
		}
		path, _, _ = strings.Cut(path, "?")
		path, _, _ = strings.Cut(path, "#")
		v = strings.Trim(path, "/")
	}
	v = strings.TrimPrefix(v, "@")
	switch network {
	case SocialTikTok:
		v = strings.ToLower(v)
		if err := ValidateHandle(field, v); err != nil {
			return "", Invalid(field, "must be a TikTok handle: 2-24 characters of a-z, 0-9, '.' or '_', not ending with '.' (got %q)", truncate(raw, 40))
		}
	case SocialInstagram:
		v = strings.ToLower(v)
		if !instagramRE.MatchString(v) || strings.HasPrefix(v, ".") || strings.HasSuffix(v, ".") || strings.Contains(v, "..") {
			return "", Invalid(field, "must be an Instagram username: 1-30 letters, digits, '.' or '_', no '.' at either end or twice in a row (got %q)", truncate(raw, 40))
		}
	case SocialYouTube:
		if !youtubeRE.MatchString(v) {
			return "", Invalid(field, "must be a YouTube handle such as @bellashop: 3-30 letters, digits, '.', '-' or '_' (got %q)", truncate(raw, 40))
		}
	case SocialX:
		if !xRE.MatchString(v) {
			return "", Invalid(field, "must be an X username: 1-15 letters, digits or '_' (got %q)", truncate(raw, 40))
		}
	}
	return v, nil
}

func normalizeEmail(field, v string) (string, error) {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v || len(v) > 254 {
		return "", Invalid(field, "must be an e-mail address such as hello@example.com (got %q)", truncate(v, 40))
	}
	_, domain, _ := strings.Cut(a.Address, "@")
	if !strings.Contains(domain, ".") || strings.ContainsAny(v, " <>()[]\\,;:\"") {
		return "", Invalid(field, "must be an e-mail address such as hello@example.com (got %q)", truncate(v, 40))
	}
	return a.Address, nil
}

// validate checks every stored value.
func (s *Socials) validate() error {
	for _, n := range SocialNetworks {
		v := s.Get(n)
		got, err := NormalizeSocial(n, v)
		if err != nil {
			return err
		}
		if got != v {
			return Invalid("socials."+n, "is not in its normal form (%q)", got)
		}
	}
	return nil
}

// MinAccentContrast is the contrast white text must have on a shop's accent
// colour: WCAG 2 level AA for normal text.
const MinAccentContrast = 4.5

var colorRE = regexp.MustCompile(`^#([0-9a-f]{3}|[0-9a-f]{6})$`)

// NormalizeColor reads a CSS hex colour ("#B0124F", "#b14") into the
// stored form "#rrggbb".
func NormalizeColor(field, raw string) (string, error) {
	c := strings.ToLower(strings.TrimSpace(raw))
	if c != "" && !strings.HasPrefix(c, "#") {
		c = "#" + c
	}
	if !colorRE.MatchString(c) {
		return "", Invalid(field, "must be a colour such as #b0124f (got %q)", truncate(raw, 20))
	}
	if len(c) == 4 {
		c = "#" + strings.Repeat(c[1:2], 2) + strings.Repeat(c[2:3], 2) + strings.Repeat(c[3:4], 2)
	}
	return c, nil
}

// ValidateAccentColor checks a stored accent colour ("#rrggbb"): white
// button text on it must have a contrast of at least MinAccentContrast.
func ValidateAccentColor(field, c string) error {
	if c == "" {
		return nil
	}
	norm, err := NormalizeColor(field, c)
	if err != nil {
		return err
	}
	if norm != c {
		return Invalid(field, "must be written as #rrggbb in lower case (got %q)", truncate(c, 20))
	}
	if ratio := Contrast(c, "#ffffff"); ratio < MinAccentContrast {
		return Invalid(field, "%s is too light: white text on it has a contrast of %.1f:1, at least %.1f:1 is needed (WCAG AA); choose a darker colour",
			c, math.Floor(ratio*10)/10, MinAccentContrast)
	}
	return nil
}

// Contrast is the WCAG 2 contrast ratio of two "#rrggbb" colours, 1 to 21.
func Contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is the WCAG relative luminance of a "#rrggbb" colour.
func luminance(c string) float64 {
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(c[1+2*i:3+2*i], 16, 8)
		s := float64(v) / 255
		if s <= 0.04045 {
			s /= 12.92
		} else {
			s = math.Pow((s+0.055)/1.055, 2.4)
		}
		l += w * s
	}
	return l
}

// ReservedHandles are handles no new seller may take: the site's own paths
// and names that would mislead shoppers.
var ReservedHandles = []string{
	"about", "account", "admin", "administrator", "api", "app", "assets", "auth", "billing", "blog", "buylink",
	"dashboard", "dev", "docs", "help", "home", "login", "logout", "me", "media", "new", "official", "openapi",
	"privacy", "r", "register", "root", "s", "security", "settings", "shop", "signin", "signout", "signup",
	"static", "staff", "support", "system", "terms", "www",
}

// ValidateNewHandle checks the handle a new seller claims: TikTok's rules
// (ValidateHandle) and none of ReservedHandles.
func ValidateNewHandle(field, h string) error {
	if err := ValidateHandle(field, h); err != nil {
		return err
	}
	if slices.Contains(ReservedHandles, h) {
		return Invalid(field, "%q is reserved; choose another handle", h)
	}
	return nil
}

// Limits of a seller's profile.
const (
	MaxBioRunes = 500
	// MaxSubRunes bounds an account's subject.
	MaxSubRunes = 128
)

// Validate strips invisible and bidirectional control characters from the
// seller's display name and bio (CleanText), then checks every field.
func (s *Seller) Validate() error {
	s.DisplayName, s.Bio = CleanText(s.DisplayName), CleanText(s.Bio)
	if err := ValidateHandle("handle", s.Handle); err != nil {
		return err
	}
	if s.Sub == "" {
		return Invalid("sub", "is required")
	}
	if err := ValidateText("sub", s.Sub, MaxSubRunes, false); err != nil {
		return err
	}
	if err := ValidateText("displayName", s.DisplayName, MaxNameRunes, false); err != nil {
		return err
	}
	if err := ValidateText("bio", s.Bio, MaxBioRunes, true); err != nil {
		return err
	}
	if s.AvatarURL != "" {
		if err := ValidatePublicURL("avatarUrl", s.AvatarURL); err != nil {
			return err
		}
	}
	if a := s.Avatar; a != nil && (a.Small == "" || a.Large == "") {
		return Invalid("avatar", "needs both image keys")
	}
	if err := s.Socials.validate(); err != nil {
		return err
	}
	return ValidateAccentColor("accentColor", s.AccentColor)
}
