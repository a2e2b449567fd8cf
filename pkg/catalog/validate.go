package catalog

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/buylink/buylink/pkg/urlpolicy"
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

// ValidateHTTPURL checks the form of a URL: an absolute http or https URL
// of at most MaxURLLength bytes, read as browsers read it (urlpolicy.ParseURL:
// no user information, whitespace, control or formatting characters,
// backslashes, or IP addresses in other forms than the dotted quad). It does
// not judge where the URL leads; ValidatePublicURL does.
func ValidateHTTPURL(field, raw string) error {
	_, err := parseHTTPURL(field, raw, false)
	return err
}

// ValidatePublicURL is ValidateHTTPURL plus buylink's URL policy
// (urlpolicy.CheckURL): the host must be a public name or a public address,
// whatever form it is written in. Every URL a user, seller or scraper gives
// us (buy links shoppers are sent to, avatars, media and profile links) must
// pass it.
func ValidatePublicURL(field, raw string) error {
	_, err := parseHTTPURL(field, raw, true)
	return err
}

func parseHTTPURL(field, raw string, public bool) (*url.URL, error) {
	if raw == "" {
		return nil, Invalid(field, "is required")
	}
	if len(raw) > MaxURLLength {
		return nil, Invalid(field, "must be at most %d bytes (got %d)", MaxURLLength, len(raw))
	}
	u, h, err := urlpolicy.ParseURL(raw)
	if err == nil && public {
		err = urlpolicy.Policy{}.CheckHost(h)
	}
	if err != nil {
		return nil, &Error{Code: CodeInvalid, Field: field, Message: err.Error(), Err: err}
	}
	return u, nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
