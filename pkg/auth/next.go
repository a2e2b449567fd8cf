package auth

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultNext is where a sign-in goes when its next page is missing or refused.
const DefaultNext = "/dashboard"

// maxNextBytes bounds the page to return to after sign-in.
const maxNextBytes = 512

// SafeNext returns next when it is a path on this site, and DefaultNext
// otherwise, so that a sign-in link cannot send a browser to another origin
// (an open redirect). next is the value as decoded from the query or form.
//
// Browsers drop tabs and newlines anywhere in a URL and leading spaces and
// controls, read "\" as "/", and take "//host" and "/\host" for another
// host; so next must start with a single "/", and must hold no backslash,
// no control, whitespace or formatting character (zero-width, bidi), and no
// "." or ".." path segment, neither as written nor after one more
// percent-decoding (so "/%09/evil.example" and "/%2F%2Fevil.example" are
// refused as well); at most 512 bytes of valid UTF-8.
func SafeNext(next string) string {
	if len(next) == 0 || len(next) > maxNextBytes || !utf8.ValidString(next) || !isLocalPath(next) {
		return DefaultNext
	}
	decoded, err := url.PathUnescape(next)
	if err != nil || !utf8.ValidString(decoded) || !isLocalPath(decoded) {
		return DefaultNext
	}
	return next
}

// isLocalPath reports whether s is a path-absolute reference that no browser
// reads as another origin.
func isLocalPath(s string) bool {
	if s == "" || s[0] != '/' || (len(s) > 1 && (s[1] == '/' || s[1] == '\\')) {
		return false
	}
	if strings.ContainsFunc(s, func(r rune) bool {
		return r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
	}) {
		return false
	}
	path, _, _ := strings.Cut(s, "?")
	path, _, _ = strings.Cut(path, "#")
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}
