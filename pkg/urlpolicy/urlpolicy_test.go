package urlpolicy

import (
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

// Hosts as the URL Standard's host parser reads them (the expectations
// follow the standard's own examples and web-platform-tests), "" for a host
// browsers refuse.
func TestParseHostReadsHostsAsBrowsersDo(t *testing.T) {
	cases := map[string]string{
		"example.com": "example.com", "EXAMPLE.com.": "example.com", "Shop.Example.COM": "shop.example.com",
		"bücher.de": "xn--bcher-kva.de", "xn--bcher-kva.de": "xn--bcher-kva.de", "faß.de": "xn--fa-hia.de",
		"a_b.example.com": "a_b.example.com", "r3---sn-apo3qvuoxuxbt-j5pe.googlevideo.com": "r3---sn-apo3qvuoxuxbt-j5pe.googlevideo.com",
		"ｅｘａｍｐｌｅ．ｃｏｍ": "example.com",
		"127.0.0.1":   "127.0.0.1", "127.1": "127.0.0.1", "0x7f.1": "127.0.0.1", "0177.0.0.1": "127.0.0.1",
		"2130706433": "127.0.0.1", "0x7f000001": "127.0.0.1", "0X7F000001": "127.0.0.1", "017700000001": "127.0.0.1",
		"0x7f.0.0.0x1": "127.0.0.1", "127.0.0.1.": "127.0.0.1", "192.168.1": "192.168.0.1", "10.1": "10.0.0.1",
		"0xa9.0xfe.0xa9.0xfe": "169.254.169.254", "0xA9FEA9FE": "169.254.169.254", "0251.0376.0251.0376": "169.254.169.254",
		"①②⑦.0.0.1": "127.0.0.1", "１２７．０．０．１": "127.0.0.1", "127。0。0。1": "127.0.0.1", "127｡0｡0｡1": "127.0.0.1",
		"0x": "0.0.0.0", "0": "0.0.0.0", "0x.0x.0": "0.0.0.0", "4294967295": "255.255.255.255", "8.8.2056": "8.8.8.8",
		"::1": "::1", "::ffff:127.0.0.1": "::ffff:127.0.0.1", "2606:4700::1111": "2606:4700::1111",
		// Refused by browsers.
		"1.2.3.4.5": "", "256.0.0.1": "", "08.0.0.1": "", "1.2.3.09": "", "0x100000000": "", "4294967296": "",
		"foo.09": "", "foo.0x": "", "1.256.0.0": "", "a b.com": "", "a%2fb.com": "", "a<b.com": "", "xn--a.com": "",
		"fe80::1%eth0": "", "1::2::3": "", "": "", "a^b.com": "", "a|b.com": "",
	}
	for in, want := range cases {
		h, err := ParseHost(in)
		got := ""
		if err == nil || h.Addr.IsValid() { // an address in a refused form still parsed
			got = h.String()
		}
		if got != want {
			t.Errorf("ParseHost(%q) = %q (%v), want %q", in, got, err, want)
		}
	}
}

// An attack is a URL an attacker gives us as a buy link, avatar or media
// URL, hoping that we store it or fetch it although it leads inside.
type attack struct {
	url  string
	kind error
}

// hostAttacks are every disguise of a non-public host we know.
var hostAttacks = []attack{
	// The forms of issue 13 (numeric and IDNA disguises of internal addresses).
	{"http://0xa9.0xfe.0xa9.0xfe/latest/meta-data/", ErrNotPublic},
	{"http://127.1/", ErrNotPublic},
	{"http://0x7f.1/", ErrNotPublic},
	{"http://0177.0.0.1/", ErrNotPublic},
	{"http://192.168.1/", ErrNotPublic},
	{"http://10.1/", ErrNotPublic},
	{"http://①②⑦.0.0.1/", ErrNotPublic},
	// More numeric forms.
	{"http://2130706433/", ErrNotPublic},
	{"http://0x7f000001/", ErrNotPublic},
	{"http://017700000001/", ErrNotPublic},
	{"http://0x7F.0.0.1:8080/admin", ErrNotPublic},
	{"http://0300.0250.0001.0001/", ErrNotPublic},
	{"http://3232235777/", ErrNotPublic},
	{"http://0/", ErrNotPublic},
	{"http://0x/", ErrNotPublic},
	{"http://0.0.0.0/", ErrNotPublic},
	{"http://127.0.0.1./", ErrNotPublic},
	{"http://１２７．０．０．１/", ErrNotPublic},
	{"http://127。0。0。1/", ErrNotPublic},
	{"http://%E2%91%A0%E2%91%A1%E2%91%A6.0.0.1/", ErrNotPublic},
	{"http://evil.com%E3%80%82127.0.0.1/", ErrMalformed},
	// Plain private, shared, reserved and metadata addresses.
	{"http://127.0.0.1/", ErrNotPublic},
	{"http://10.0.0.1/", ErrNotPublic},
	{"http://172.16.5.4/", ErrNotPublic},
	{"http://192.168.0.1/", ErrNotPublic},
	{"http://169.254.169.254/latest/meta-data/", ErrNotPublic},
	{"http://169.254.170.2/v2/credentials", ErrNotPublic},
	{"http://100.64.0.1/", ErrNotPublic},
	{"http://100.100.100.200/latest/meta-data/", ErrNotPublic},
	{"http://168.63.129.16/metadata/instance", ErrNotPublic},
	{"http://192.0.0.192/opc/v1/instance/", ErrNotPublic},
	{"http://224.0.0.1/", ErrNotPublic},
	{"http://255.255.255.255/", ErrNotPublic},
	{"http://198.18.0.1/", ErrNotPublic},
	{"http://192.0.2.1/", ErrNotPublic},
	// IPv6, and IPv6 forms of IPv4.
	{"http://[::1]/", ErrNotPublic},
	{"http://[0:0:0:0:0:0:0:1]/", ErrNotPublic},
	{"http://[::]/", ErrNotPublic},
	{"http://[::ffff:127.0.0.1]/", ErrNotPublic},
	{"http://[::ffff:7f00:1]/", ErrNotPublic},
	{"http://[::ffff:a9fe:a9fe]/", ErrNotPublic},
	{"http://[0:0:0:0:0:ffff:c0a8:101]/", ErrNotPublic},
	{"http://[::127.0.0.1]/", ErrNotPublic},
	{"http://[::ffff:0:7f00:1]/", ErrNotPublic},
	{"http://[64:ff9b::7f00:1]/", ErrNotPublic},
	{"http://[64:ff9b::a9fe:a9fe]/", ErrNotPublic},
	{"http://[64:ff9b:1::a00:1]/", ErrNotPublic},
	{"http://[2002:7f00:1::]/", ErrNotPublic},
	{"http://[2002:a9fe:a9fe::1]/", ErrNotPublic},
	{"http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", ErrNotPublic},
	{"http://[fd00:ec2::254]/latest/meta-data/", ErrNotPublic},
	{"http://[fc00::1]/", ErrNotPublic},
	{"http://[fe80::1]/", ErrNotPublic},
	{"http://[fe80::1%25eth0]/", ErrMalformed},
	{"http://[fec0::1]/", ErrNotPublic},
	{"http://[ff02::1]/", ErrNotPublic},
	{"http://[2001:db8::1]/", ErrNotPublic},
	{"http://[100::1]/", ErrNotPublic},
	// Names.
	{"http://localhost/", ErrNotPublic},
	{"http://LOCALHOST./", ErrNotPublic},
	{"http://ｌｏｃａｌｈｏｓｔ/", ErrNotPublic},
	{"http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/", ErrNotPublic},
	{"http://admin.localhost/", ErrNotPublic},
	{"http://intranet/", ErrNotPublic},
	{"http://instance-data/latest/", ErrNotPublic},
	{"http://metadata.google.internal/computeMetadata/v1/", ErrNotPublic},
	{"http://instance-data.ec2.internal/", ErrNotPublic},
	{"http://printer.local/", ErrNotPublic},
	{"http://router.lan/", ErrNotPublic},
	{"http://fileserver.corp/", ErrNotPublic},
	{"http://1.0.0.127.in-addr.arpa/", ErrNotPublic},
	{"http://shop.test/", ErrNotPublic},
	{"http://169.254.169.254.nip.io/", ErrNotPublic},
	{"http://app.10.0.0.1.sslip.io/", ErrNotPublic},
	{"http://10-0-0-1.sslip.io/", ErrNotPublic},
	{"http://app-127-0-0-1.nip.io/", ErrNotPublic},
	{"http://localtest.me/", ErrNotPublic},
	{"http://www.lvh.me/", ErrNotPublic},
	{"http://a..b.com/", ErrNotPublic},
	{"http://a!b.com/", ErrNotPublic},
	// Characters browsers drop or reinterpret, and parser confusion.
	{"http://loc\u00adalhost/", ErrMalformed},
	{"http://127.0.0.1\u200b/", ErrMalformed},
	{"http://ev\til.com/", ErrMalformed},
	{"http://evil.com\n/", ErrMalformed},
	{"http://good.com\\@127.0.0.1/", ErrMalformed},
	{"https:\\\\127.0.0.1/", ErrMalformed},
	{"http://good.com@127.0.0.1/", ErrMalformed},
	{"http://user:pass@shop.example.com/", ErrMalformed},
	{"http://%31%32%37.0.0.1/", ErrMalformed},
	{"http://localhost%00.evil.com/", ErrMalformed},
	{"https:evil.com/", ErrMalformed},
	{"https:/evil.com/", ErrMalformed},
	{"https:///evil.com/", ErrMalformed},
	{"http://shop.example.com:99999/", ErrMalformed},
	{"http://shop.example.com:0/", ErrMalformed},
	{"http://shop.example.com/\u202egnp.exe", ErrMalformed},
	{"http://shop.example.com/ a", ErrMalformed},
	{"http://shop.example.com/\xff", ErrMalformed},
	// Schemes.
	{"javascript:alert(document.cookie)", ErrScheme},
	{"JavaScript:alert(1)", ErrScheme},
	{"data:text/html,<script>alert(1)</script>", ErrScheme},
	{"file:///etc/passwd", ErrScheme},
	{"gopher://127.0.0.1:6379/_INFO", ErrScheme},
	{"ftp://shop.example.com/", ErrScheme},
	{"//evil.com/x", ErrScheme},
	{"/relative/path", ErrScheme},
	// Public addresses in forms only some programs read.
	{"http://0x08080808/", ErrMalformed},
	{"http://134744072/", ErrMalformed},
	{"http://8.8.2056/", ErrMalformed},
	{"http://010.010.010.010/", ErrMalformed}, // 8.8.8.8 in octal
}

func TestAttackDisguisedHosts(t *testing.T) {
	refused := 0
	for _, a := range hostAttacks {
		_, err := CheckURL(a.url)
		want := a.kind
		var pe *Error
		switch {
		case err == nil:
			t.Errorf("%q: accepted", a.url)
		case !errors.Is(err, want) || !errors.As(err, &pe) || pe.Reason == "":
			t.Errorf("%q: refused as %v, want %v", a.url, err, want)
		default:
			refused++
		}
	}
	t.Logf("attack table disguised hosts: %d tries, %d refused", len(hostAttacks), refused)
}

func TestCheckURLAcceptsRealPublicURLs(t *testing.T) {
	for _, u := range []string{
		"https://shop.example.com/x?utm_source=a", "http://amzn.to/3xYz", "https://8.8.8.8/", "https://[2606:4700::1111]/",
		"https://bücher.de/katalog", "https://xn--bcher-kva.de/", "https://shop.example.com:8443/a#frag", "HTTPS://Shop.Example.COM./p",
		"https://s.click.aliexpress.com/e/_DdXyZ", "https://a_b.example.com/", "https://tokopedia.link/abc", "https://shopee.co.id/product/1/2",
		"https://100.128.0.1/", "https://172.32.0.1/", "https://192.169.0.1/", "https://[::ffff:8.8.8.8]/", "https://linktr.ee/lumen.desk",
		"https://www.amazon.com/dp/B0C1234567?tag=lumen-20&th=1", "https://example.com/ürün?q=ä", "https://shop.example.com/%09/x",
	} {
		if _, err := CheckURL(u); err != nil {
			t.Errorf("%q: %v", u, err)
		}
	}
}

func TestLoopbackOnlyWhenAllowed(t *testing.T) {
	dev := Policy{AllowLoopback: true}
	for _, u := range []string{"http://127.0.0.1:8080/media/x", "http://localhost:8080/media/x", "http://[::1]:9/", "http://app.localhost/"} {
		if _, err := dev.CheckURL(u); err != nil {
			t.Errorf("dev %q: %v", u, err)
		}
		if _, err := CheckURL(u); !errors.Is(err, ErrNotPublic) {
			t.Errorf("production %q: %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1/", "http://169.254.169.254/", "http://127.1/", "http://printer.local/"} {
		if _, err := dev.CheckURL(u); err == nil {
			t.Errorf("dev %q accepted", u)
		}
	}
}

func TestRefusalsNameTheAddress(t *testing.T) {
	for u, want := range map[string]string{
		"http://0x7f.1/":                   `must point at a public host, not 127.0.0.1 (a loopback address, written "0x7f.1")`,
		"http://169.254.169.254/":          "not 169.254.169.254 (a link-local address (cloud metadata))",
		"http://0x08080808/":               `must write the IP address 8.8.8.8 as 8.8.8.8 (got "0x08080808")`,
		"http://10-0-0-1.sslip.io/":        "a name that spells 10.0.0.1, a private address",
		"javascript:alert(1)":              `must be an http or https URL (got scheme "javascript")`,
		"http://good.com\\@evil.com/":      "must not contain backslashes",
		"http://[2002:7f00:1::]/":          "a 6to4 address (it embeds IPv4)",
		"http://metadata.google.internal/": "a special-use or private name (.internal)",
	} {
		_, err := CheckURL(u)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", u, err, want)
		}
	}
}

func TestIsPublicAddr(t *testing.T) {
	for s, want := range map[string]bool{
		"8.8.8.8": true, "2606:4700::1111": true, "1.1.1.1": true, "::ffff:8.8.8.8": true, "100.128.0.1": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "100.64.0.1": false,
		"169.254.169.254": false, "169.254.170.2": false, "0.0.0.0": false, "224.0.0.1": false, "255.255.255.255": false,
		"::1": false, "fc00::1": false, "fe80::1": false, "fd00:ec2::254": false, "::ffff:10.0.0.1": false, "::": false,
		"64:ff9b::808:808": false, "2002:808:808::": false, "2001::1": false, "2001:db8::1": false, "ff0e::1": false,
		"168.63.129.16": false, "192.88.99.1": false,
	} {
		if got := IsPublicAddr(netip.MustParseAddr(s)); got != want {
			t.Errorf("IsPublicAddr(%s) = %v", s, got)
		}
	}
}

func TestDialControlChecksTheDialledAddress(t *testing.T) {
	for addr, ok := range map[string]bool{
		"8.8.8.8:443": true, "[2606:4700::1111]:443": true, "127.0.0.1:80": false, "[::1]:80": false,
		"10.0.0.1:80": false, "169.254.169.254:80": false, "[::ffff:127.0.0.1]:80": false, "not-an-address": false,
	} {
		if err := (Policy{}).DialControl("tcp", addr, nil); (err == nil) != ok {
			t.Errorf("DialControl(%s) = %v", addr, err)
		}
	}
	dev := Policy{AllowLoopback: true}
	if dev.DialControl("tcp", "127.0.0.1:80", nil) != nil || dev.DialControl("tcp", "[::1]:80", nil) != nil || dev.DialControl("tcp", "10.0.0.1:80", nil) == nil {
		t.Error("AllowLoopback admits loopback and nothing else")
	}
}

// FuzzCheckURL holds the policy's promise against every input: what it
// accepts is an http(s) URL whose host no reader turns into a non-public
// address: not the URL Standard's parser, not Go's IDNA lookup profile with
// net.ParseIP, not the raw host string.
func FuzzCheckURL(f *testing.F) {
	for _, a := range hostAttacks {
		f.Add(a.url)
	}
	for _, s := range []string{"https://shop.example.com/x", "https://8.8.8.8/", "https://bücher.de/", "http://[2606:4700::1111]/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := CheckURL(raw)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Reason == "" {
				t.Fatalf("%q: refusal without a reason: %v", raw, err)
			}
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.User != nil {
			t.Fatalf("%q: accepted %v", raw, u)
		}
		host := u.Hostname()
		for _, form := range []string{host, strings.TrimSuffix(host, ".")} {
			if ip := net.ParseIP(form); ip != nil {
				if a, _ := netip.AddrFromSlice(ip); !IsPublicAddr(a) {
					t.Fatalf("%q: accepted non-public host %s", raw, form)
				}
			}
		}
		if ascii, err := idna.Lookup.ToASCII(host); err == nil {
			if ip := net.ParseIP(strings.TrimSuffix(ascii, ".")); ip != nil {
				if a, _ := netip.AddrFromSlice(ip); !IsPublicAddr(a) {
					t.Fatalf("%q: accepted %s, which Go's IDNA reads as %s", raw, host, ascii)
				}
			}
		}
		h, err := ParseHost(host)
		if err != nil {
			t.Fatalf("%q: accepted, but its host does not parse: %v", raw, err)
		}
		if h.Addr.IsValid() && !IsPublicAddr(h.Addr) {
			t.Fatalf("%q: accepted address %s", raw, h.Addr)
		}
		if _, err := url.Parse(u.String()); err != nil {
			t.Fatalf("%q: accepted URL does not round-trip: %v", raw, err)
		}
	})
}
