// Package urlpolicy is buylink's one rule for URLs that users, sellers and
// scrapers give us (buy links, avatars, media, covers, profile links) and
// for the addresses our fetchers dial.
//
// A URL is read the way browsers read it (the WHATWG URL Standard), so that
// what we check is where a shopper's browser or our fetcher really goes:
//
//   - only http and https, with "//" and a host; no user information, no
//     whitespace, control, formatting (zero-width, bidi) characters or
//     backslashes, which browsers drop or read as "/";
//   - the host through UTS #46 (IDNA) mapping, as browsers do: full-width
//     and circled digits, ideographic full stops and upper case become the
//     ASCII they stand for ("①②⑦。0。0。1" is 127.0.0.1);
//   - a host that ends in a number is an IPv4 address in any form browsers
//     accept: decimal, octal (0177.0.0.1), hex (0x7f.1), one to four parts
//     (127.1, 2130706433); such hosts must be written as the plain dotted
//     quad, and IPv6 literals must carry no zone;
//   - an address must be public unicast: loopback, private, CGNAT, link-local
//     (which holds the cloud metadata services), multicast, broadcast,
//     unspecified, reserved, documentation and benchmarking ranges are
//     refused, also inside IPv6 (IPv4-mapped, IPv4-compatible, NAT64, 6to4,
//     Teredo) — see IsPublicAddr;
//   - a name must be a public DNS name: two labels at least, none of the
//     special-use or private suffixes (localhost, .local, .internal, .arpa,
//     .test, ...), and no name that spells a non-public address for a
//     wildcard DNS service (10.0.0.1.nip.io, 127-0-0-1.sslip.io) or is a
//     well-known alias of loopback (localtest.me, lvh.me).
//
// Names are not resolved here: a fetcher must also check the address it
// dials (Policy.DialControl), which is what stops DNS rebinding.
package urlpolicy

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"unicode"

	"golang.org/x/net/idna"
)

// The kinds of refusal, in the chain of every error this package returns
// (test them with errors.Is).
var (
	// ErrScheme: the URL is not an absolute http or https URL.
	ErrScheme = errors.New("urlpolicy: not an http or https URL")
	// ErrMalformed: browsers would not read the URL, or would read it
	// differently than other programs.
	ErrMalformed = errors.New("urlpolicy: malformed URL")
	// ErrNotPublic: the host is not a public internet host.
	ErrNotPublic = errors.New("urlpolicy: not a public internet host")
)

// Error is a refusal: its kind and a reason written to follow a field's
// name ("buyUrl: must point at a public host, not ...").
type Error struct {
	Kind   error
	Reason string
}

func (e *Error) Error() string { return e.Reason }

// Unwrap returns the kind.
func (e *Error) Unwrap() error { return e.Kind }

func refuse(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// Policy is the rule; its zero value is production's.
type Policy struct {
	// AllowLoopback admits loopback addresses (127.0.0.0/8, ::1) and the
	// names localhost and *.localhost: for tests and the single-process
	// devstack only, never in production.
	AllowLoopback bool
}

// Host is a URL's host as a browser reads it: a domain name or an address.
type Host struct {
	// Domain is the name in ASCII (IDNA) and lower case, without a trailing
	// dot; empty when the host is an address.
	Domain string
	// Addr is the address when the host is one.
	Addr netip.Addr
	// Input is the host as written.
	Input string
}

// IsLoopback reports whether the host is a loopback address or the name
// localhost (or a name under it).
func (h Host) IsLoopback() bool {
	if h.Addr.IsValid() {
		return h.Addr.Unmap().IsLoopback()
	}
	return h.Domain == "localhost" || strings.HasSuffix(h.Domain, ".localhost")
}

// String is the host as browsers serialise it.
func (h Host) String() string {
	if h.Addr.IsValid() {
		return h.Addr.String()
	}
	return h.Domain
}

// ParseURL reads raw as a browser would and checks its form: an absolute
// http or https URL with a host browsers can read, without user information,
// whitespace, control, formatting characters or backslashes, and with an
// IPv4 host written as a plain dotted quad. It does not judge where the host
// is: Policy.CheckURL does.
func ParseURL(raw string) (*url.URL, Host, error) {
	if i := strings.IndexFunc(raw, badURLRune); i >= 0 {
		r := []rune(raw[i:])[0]
		if r == '\\' {
			return nil, Host{}, refuse(ErrMalformed, "must not contain backslashes (browsers read them as \"/\")")
		}
		return nil, Host{}, refuse(ErrMalformed, "must not contain spaces, control or formatting characters (found %U)", r)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, Host{}, refuse(ErrMalformed, "is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" {
			return nil, Host{}, refuse(ErrScheme, "must be an http or https URL (got one without a scheme)")
		}
		return nil, Host{}, refuse(ErrScheme, "must be an http or https URL (got scheme %q)", clip(u.Scheme, 20))
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, Host{}, refuse(ErrMalformed, "must have a host (https://host/...)")
	}
	if u.User != nil {
		return nil, Host{}, refuse(ErrMalformed, "must not contain user information")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, Host{}, refuse(ErrMalformed, "has an invalid port %q", clip(p, 10))
		}
	}
	h, err := ParseHost(u.Hostname())
	if err != nil {
		return nil, Host{}, err
	}
	return u, h, nil
}

// badURLRune reports the runes a URL must not contain: ASCII whitespace and
// controls (browsers strip tabs and newlines anywhere), Unicode spaces,
// controls and formatting characters (zero-width, bidi overrides), and the
// backslash, which browsers read as a slash in http(s) URLs.
func badURLRune(r rune) bool {
	return r <= ' ' || r == 0x7f || r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) ||
		unicode.Is(unicode.Cf, r) || r == utf8RuneError
}

const utf8RuneError = '\uFFFD'

// CheckURL is ParseURL plus the host check: the URL must lead to a public
// host (or loopback, when AllowLoopback).
func (p Policy) CheckURL(raw string) (*url.URL, error) {
	u, h, err := ParseURL(raw)
	if err != nil {
		return nil, err
	}
	if err := p.CheckHost(h); err != nil {
		return nil, err
	}
	return u, nil
}

// CheckURL checks raw under the production policy (Policy{}.CheckURL).
func CheckURL(raw string) (*url.URL, error) { return Policy{}.CheckURL(raw) }

// idnaProfile is UTS #46 as the URL Standard's "domain to ASCII" runs it
// (beStrict false): non-transitional, CheckHyphens off, CheckBidi and
// CheckJoiners on, UseSTD3ASCIIRules off, VerifyDnsLength off.
var idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false), idna.CheckHyphens(false),
	idna.StrictDomainName(false), idna.VerifyDNSLength(false))

// ParseHost reads a URL host as the URL Standard's host parser does, from
// its percent-decoded form without brackets (url.URL.Hostname): an IPv6
// address (no zone), or a domain run through IDNA mapping that is an IPv4
// address when it ends in a number. An IPv4 host must be written as the
// plain dotted quad: other forms are refused as malformed (after a
// non-public address is refused as such, so the reason names it).
func ParseHost(s string) (Host, error) {
	h := Host{Input: s}
	if s == "" {
		return h, refuse(ErrMalformed, "must have a host")
	}
	if strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() {
			return h, refuse(ErrMalformed, "has a host that is not a valid IPv6 address (%q)", clip(s, 60))
		}
		if a.Zone() != "" {
			return h, refuse(ErrMalformed, "must not name an IPv6 zone (%q)", clip(s, 60))
		}
		h.Addr = a
		return h, nil
	}
	ascii, err := idnaProfile.ToASCII(s)
	if err != nil {
		return h, refuse(ErrMalformed, "has a host name browsers cannot read (%q)", clip(s, 60))
	}
	if i := strings.IndexFunc(ascii, forbiddenDomainRune); i >= 0 {
		return h, refuse(ErrMalformed, "has a host with the character %q, which browsers refuse", ascii[i])
	}
	if !endsInNumber(ascii) {
		h.Domain = strings.TrimSuffix(ascii, ".")
		return h, nil
	}
	a, ok := parseIPv4(ascii)
	if !ok {
		return h, refuse(ErrMalformed, "has a host that is neither a name nor an IPv4 address (%q)", clip(s, 60))
	}
	h.Addr = a
	if strings.TrimSuffix(s, ".") != a.String() {
		if why := nonPublicReason(a); why != "" {
			return h, refuse(ErrNotPublic, "must point at a public host, not %s (%s, written %q)", a, why, clip(s, 60))
		}
		return h, refuse(ErrMalformed, "must write the IP address %s as %s (got %q)", a, a, clip(s, 60))
	}
	return h, nil
}

// forbiddenDomainRune is the URL Standard's forbidden domain code point set.
func forbiddenDomainRune(r rune) bool {
	return r <= ' ' || r == 0x7f || strings.ContainsRune("#%/:<>?@[\\]^|", r)
}

// endsInNumber is the URL Standard's "ends in a number": the last label
// (after dropping one empty label of a trailing dot) is all digits, or a
// 0x-prefixed hex number.
func endsInNumber(s string) bool {
	labels := strings.Split(s, ".")
	if labels[len(labels)-1] == "" {
		if len(labels) == 1 {
			return false
		}
		labels = labels[:len(labels)-1]
	}
	last := labels[len(labels)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := parseIPv4Number(last)
	return ok
}

// parseIPv4 is the URL Standard's IPv4 parser: one to four parts of
// decimal, 0-prefixed octal or 0x-prefixed hex numbers; every part but the
// last at most 255, the last filling the remaining bytes.
func parseIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := parseIPv4Number(p)
		if !ok {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v := last
	for i, n := range nums[:len(nums)-1] {
		v += n << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// parseIPv4Number reads one part: "0x"/"0X" hex, a leading "0" octal, else
// decimal; "0x" alone is 0. Values past 2^32 saturate (they fail the
// caller's range check).
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := uint64(10)
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	var n uint64
	for _, c := range []byte(s) {
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		n = min(n*base+d, 1<<33)
	}
	return n, true
}

// CheckHost refuses a host that is not public (loopback passes when
// AllowLoopback).
func (p Policy) CheckHost(h Host) error {
	if h.Addr.IsValid() {
		if p.AllowAddr(h.Addr) {
			return nil
		}
		return refuse(ErrNotPublic, "must point at a public host, not %s (%s)", h.Addr, nonPublicReason(h.Addr))
	}
	if p.AllowLoopback && h.IsLoopback() {
		return nil
	}
	if why := nonPublicName(h.Domain); why != "" {
		return refuse(ErrNotPublic, "must point at a public host, not %q (%s)", clip(h.Domain, 80), why)
	}
	return nil
}

// AllowAddr reports whether a connection to a may be made: a public unicast
// address, or loopback when AllowLoopback.
func (p Policy) AllowAddr(a netip.Addr) bool {
	if p.AllowLoopback && a.Unmap().IsLoopback() {
		return true
	}
	return IsPublicAddr(a)
}

// DialControl is a net.Dialer Control function: it runs after DNS, on the
// very address about to be connected, and refuses any address AllowAddr
// refuses, whatever the URL said.
func (p Policy) DialControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return refuse(ErrNotPublic, "cannot check the dialled address %q", address)
	}
	if !p.AllowAddr(ap.Addr()) {
		return refuse(ErrNotPublic, "refusing to connect to %s (%s)", ap.Addr(), nonPublicReason(ap.Addr()))
	}
	return nil
}

// IsPublicAddr reports whether a is a globally routable unicast address.
// IPv4-mapped addresses are judged by their IPv4 address. Every other
// IPv6 form that embeds or translates to IPv4 (IPv4-compatible, SIIT,
// NAT64, 6to4, Teredo) is refused: it can reach private IPv4 space.
func IsPublicAddr(a netip.Addr) bool { return nonPublicReason(a) == "" }

// nonPublicReason says why a is not public ("" when it is).
func nonPublicReason(a netip.Addr) string {
	a = a.Unmap()
	if !a.IsValid() {
		return "no address"
	}
	if a.Zone() != "" {
		return "a zoned address"
	}
	ranges := special4
	if a.Is6() {
		if !global6.Contains(a) {
			switch {
			case a.IsLoopback():
				return "a loopback address"
			case a.IsUnspecified():
				return "the unspecified address"
			case a.IsMulticast():
				return "a multicast address"
			case a.IsLinkLocalUnicast():
				return "a link-local address"
			case a.IsPrivate():
				return "a private (unique local) address"
			}
			return "outside the global unicast range"
		}
		ranges = special6
	}
	for _, r := range ranges {
		if r.prefix.Contains(a) {
			return r.why
		}
	}
	return ""
}

type specialRange struct {
	prefix netip.Prefix
	why    string
}

func sr(prefix, why string) specialRange {
	return specialRange{netip.MustParsePrefix(prefix), why}
}

// global6 is IPv6 global unicast; special6 are its non-public parts.
var global6 = netip.MustParsePrefix("2000::/3")

// The IANA special-purpose registries, plus the public addresses of cloud
// metadata services.
var (
	special4 = []specialRange{
		sr("0.0.0.0/8", "a 'this network' address"),
		sr("10.0.0.0/8", "a private address"),
		sr("100.64.0.0/10", "a shared (CGNAT) address"),
		sr("127.0.0.0/8", "a loopback address"),
		sr("169.254.0.0/16", "a link-local address (cloud metadata)"),
		sr("172.16.0.0/12", "a private address"),
		sr("192.0.0.0/24", "an IETF protocol address"),
		sr("192.0.2.0/24", "a documentation address"),
		sr("192.31.196.0/24", "an AS112 address"),
		sr("192.52.193.0/24", "an AMT address"),
		sr("192.88.99.0/24", "a 6to4 relay address"),
		sr("192.168.0.0/16", "a private address"),
		sr("192.175.48.0/24", "an AS112 address"),
		sr("198.18.0.0/15", "a benchmarking address"),
		sr("198.51.100.0/24", "a documentation address"),
		sr("203.0.113.0/24", "a documentation address"),
		sr("224.0.0.0/4", "a multicast address"),
		sr("240.0.0.0/4", "a reserved or broadcast address"),
		sr("168.63.129.16/32", "the Azure platform (metadata) address"),
	}
	special6 = []specialRange{
		sr("2001::/32", "a Teredo address (it embeds IPv4)"),
		sr("2001::/23", "an IETF protocol address"),
		sr("2001:db8::/32", "a documentation address"),
		sr("2002::/16", "a 6to4 address (it embeds IPv4)"),
		sr("3fff::/20", "a documentation address"),
	}
)

// nonPublicName says why a domain name is not a public name ("" when it
// is). It does not resolve the name.
func nonPublicName(d string) string {
	labels := strings.Split(d, ".")
	if len(d) > 253 {
		return "a name longer than 253 characters"
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "a name with an empty or over-long label"
		}
		if strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return "a name with characters DNS names do not have"
		}
	}
	if len(labels) < 2 {
		return "a name without a domain, which only a local network resolves"
	}
	for _, s := range specialSuffixes {
		if d == s || strings.HasSuffix(d, "."+s) {
			return "a special-use or private name (." + s + ")"
		}
	}
	for _, s := range loopbackNames {
		if d == s || strings.HasSuffix(d, "."+s) {
			return "a public name that resolves to loopback"
		}
	}
	if a, ok := embeddedAddr(labels); ok {
		return "a name that spells " + a.String() + ", " + nonPublicReason(a)
	}
	return ""
}

// specialSuffixes are special-use (RFC 6761, 6762, 7686, 8375, 9476) and
// commonly private top-level names.
var specialSuffixes = []string{
	"localhost", "local", "internal", "intranet", "private", "lan", "home", "corp", "localdomain",
	"arpa", "test", "invalid", "example", "onion", "alt",
}

// loopbackNames are public names whose DNS answers loopback.
var loopbackNames = []string{"localtest.me", "lvh.me", "vcap.me", "lacolhost.com", "localhost.direct"}

// embeddedAddr finds a non-public IPv4 address spelled in a name for a
// wildcard DNS service: four decimal labels ("10.0.0.1.nip.io") or one label
// of four dash-separated numbers, possibly after a prefix
// ("app-127-0-0-1.sslip.io"). Only the labels before the last two count.
func embeddedAddr(labels []string) (netip.Addr, bool) {
	head := labels[:len(labels)-2]
	for i := 0; i+4 <= len(head); i++ {
		if a, err := netip.ParseAddr(strings.Join(head[i:i+4], ".")); err == nil && !IsPublicAddr(a) {
			return a, true
		}
	}
	for _, l := range head {
		parts := strings.Split(l, "-")
		for i := 0; i+4 <= len(parts); i++ {
			if a, err := netip.ParseAddr(strings.Join(parts[i:i+4], ".")); err == nil && !IsPublicAddr(a) {
				return a, true
			}
		}
	}
	return netip.Addr{}, false
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
