package catalog

import (
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"
)

// Limits on field sizes, shared by every store and API.
const (
	MaxURLLength     = 2048
	MaxCaptionBytes  = 16 << 10
	MaxTitleRunes    = 200
	MaxCodeRunes     = 64
	MaxTags          = 10
	MaxTagRunes      = 32
	MaxThumbnails    = 10
	MaxImages        = 35
	MaxReasonRunes   = 500
	MaxNameRunes     = 80
	MaxPriceMinor    = 100_000_000_00 // 100 million in a two-decimal currency
	MaxCategoryRunes = 64
)

var (
	handleRE  = regexp.MustCompile(`^[a-z0-9._]{2,24}$`)
	videoIDRE = regexp.MustCompile(`^[0-9]{1,24}$`)
	tagRE     = regexp.MustCompile(`^[a-z0-9&'+][a-z0-9 &'+]*$`)
)

// NormalizeHandle trims spaces and a leading '@' and lower-cases a TikTok handle.
// It does not validate; ValidateHandle does.
func NormalizeHandle(h string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@"))
}

// ValidateHandle checks TikTok's handle rules: 2-24 characters of lower-case
// a-z, 0-9, '.' and '_', not ending with a period.
func ValidateHandle(field, h string) error {
	if h == "" {
		return Invalid(field, "is required")
	}
	if !handleRE.MatchString(h) {
		return Invalid(field, "must be 2-24 characters of a-z, 0-9, '.' or '_' (got %q)", truncate(h, 40))
	}
	if strings.HasSuffix(h, ".") {
		return Invalid(field, "must not end with a period")
	}
	return nil
}

// ValidateVideoID checks a TikTok video id: 1-24 decimal digits.
func ValidateVideoID(field, id string) error {
	if id == "" {
		return Invalid(field, "is required")
	}
	if !videoIDRE.MatchString(id) {
		return Invalid(field, "must be a numeric TikTok video id (got %q)", truncate(id, 40))
	}
	return nil
}

// ValidateCurrency checks an ISO 4217 currency code (upper case).
func ValidateCurrency(field, code string) error {
	if len(code) != 3 || strings.ToUpper(code) != code {
		return Invalid(field, "must be an upper-case ISO 4217 code (got %q)", truncate(code, 10))
	}
	if _, err := currency.ParseISO(code); err != nil {
		return Invalid(field, "%q is not an ISO 4217 currency", code)
	}
	return nil
}

// CurrencyScale returns the ISO 4217 minor-unit exponent of a currency: 2 for
// USD and IDR, 0 for JPY, 3 for KWD. (CLDR's display rounding differs for some
// currencies, such as IDR; prices are stored in ISO minor units.)
func CurrencyScale(code string) int {
	if s, ok := isoExponents[code]; ok {
		return s
	}
	return 2
}

// isoExponents lists the active ISO 4217 currencies whose minor-unit exponent
// is not 2.
var isoExponents = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
	"UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// ValidateText checks a free-text field: valid UTF-8, no control characters
// other than newlines and tabs when multiline, and at most maxRunes runes.
func ValidateText(field, s string, maxRunes int, multiline bool) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return Invalid(field, "must be at most %d characters (got %d)", maxRunes, n)
	}
	for _, r := range s {
		if r == '\n' || r == '\t' || r == '\r' {
			if multiline {
				continue
			}
			return Invalid(field, "must be a single line")
		}
		if unicode.IsControl(r) {
			return Invalid(field, "must not contain control characters")
		}
	}
	return nil
}

// ValidateHTTPURL checks that raw is an absolute http or https URL without
// user information and at most MaxURLLength bytes long.
func ValidateHTTPURL(field, raw string) error {
	_, err := parseHTTPURL(field, raw)
	return err
}

// ValidatePublicURL is ValidateHTTPURL plus a host that is a public name or a
// public IP address: buy links that shoppers are sent to must never point at
// loopback, private networks or cloud metadata endpoints.
func ValidatePublicURL(field, raw string) error {
	u, err := parseHTTPURL(field, raw)
	if err != nil {
		return err
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if ip, perr := netip.ParseAddr(host); perr == nil {
		if !IsPublicIP(ip) {
			return Invalid(field, "must point at a public host, not %s", host)
		}
		return nil
	}
	if !strings.Contains(host, ".") || host == "localhost" || strings.HasSuffix(host, ".localhost") ||
		strings.HasSuffix(host, ".local") || strings.HasSuffix(host, ".internal") {
		return Invalid(field, "must point at a public host, not %q", host)
	}
	return nil
}

func parseHTTPURL(field, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, Invalid(field, "is required")
	}
	if len(raw) > MaxURLLength {
		return nil, Invalid(field, "must be at most %d bytes (got %d)", MaxURLLength, len(raw))
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
		return nil, Invalid(field, "must not contain spaces, control or formatting characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, Invalid(field, "is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, Invalid(field, "must be an http or https URL (got scheme %q)", truncate(u.Scheme, 20))
	}
	if u.User != nil {
		return nil, Invalid(field, "must not contain user information")
	}
	if u.Hostname() == "" {
		return nil, Invalid(field, "must have a host")
	}
	return u, nil
}

// IsPublicIP reports whether ip is a globally routable unicast address: not
// loopback, private, CGNAT, link-local (which covers the cloud metadata
// addresses), multicast, unspecified, IPv6 ULA, documentation or benchmarking
// ranges, in plain or IPv4-mapped form.
func IsPublicIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsMulticast() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublicPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

var nonPublicPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // CGNAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated) embeds any IPv4
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated (SIIT) embeds any IPv4
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 can reach IPv4 private space
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"), // 6to4 embeds arbitrary IPv4
	netip.MustParsePrefix("fd00:ec2::/32"),
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
