package catalog

import (
	"strings"
	"testing"
	"time"
)

func TestNormalizeSocial(t *testing.T) {
	for _, c := range []struct{ network, in, want string }{
		{SocialTikTok, "@Bella.Shop", "bella.shop"},
		{SocialTikTok, "https://www.tiktok.com/@bella.shop?lang=en", "bella.shop"},
		{SocialInstagram, "https://instagram.com/Bella_Shop/", "bella_shop"},
		{SocialInstagram, "bella.shop", "bella.shop"},
		{SocialYouTube, "https://www.youtube.com/@BellaShop", "BellaShop"},
		{SocialYouTube, "@bella-shop", "bella-shop"},
		{SocialX, "https://twitter.com/bella_shop", "bella_shop"},
		{SocialX, "HTTPS://x.com/Bella#top", "Bella"},
		{SocialEmail, "hello@bella.example", "hello@bella.example"},
		{SocialEmail, "  ", ""},
	} {
		got, err := NormalizeSocial(c.network, c.in)
		if err != nil || got != c.want {
			t.Errorf("%s %q: got %q, %v; want %q", c.network, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct{ network, in, why string }{
		{SocialTikTok, "bella.", "ends with a period"},
		{SocialTikTok, "https://evil.example/@bella", "another host"},
		{SocialInstagram, ".bella", "leading period"},
		{SocialInstagram, "bel..la", "two periods"},
		{SocialInstagram, strings.Repeat("a", 31), "too long"},
		{SocialYouTube, "ab", "too short"},
		{SocialX, "bella.shop", "a period"},
		{SocialX, strings.Repeat("a", 16), "too long"},
		{SocialX, "https://x.com.evil.io/bella", "look-alike host"},
		{SocialEmail, "Bella <hello@bella.example>", "a display name"},
		{SocialEmail, "hello@localhost", "no domain dot"},
		{SocialEmail, "not an address", "not an address"},
		{"myspace", "bella", "unknown network"},
	} {
		if _, err := NormalizeSocial(c.network, c.in); !IsCode(err, CodeInvalid) {
			t.Errorf("%s %q (%s): want invalid, got %v", c.network, c.in, c.why, err)
		}
	}
	s := Socials{TikTok: "bella.shop", Email: "a@b.example"}
	if s.URL(SocialTikTok) != "https://www.tiktok.com/@bella.shop" || s.URL(SocialEmail) != "mailto:a@b.example" || s.URL(SocialX) != "" {
		t.Errorf("social URLs: %q %q", s.URL(SocialTikTok), s.URL(SocialEmail))
	}
}

func TestAccentColour(t *testing.T) {
	if c, err := NormalizeColor("c", " B14 "); err != nil || c != "#bb1144" {
		t.Fatalf("short form: %q %v", c, err)
	}
	if _, err := NormalizeColor("c", "#12345"); !IsCode(err, CodeInvalid) {
		t.Fatalf("5 digits: %v", err)
	}
	if r := Contrast("#000000", "#ffffff"); r < 20.9 || r > 21.01 {
		t.Fatalf("black on white: %.2f", r)
	}
	// #767676 is the lightest grey with 4.5:1 on white; #777777 is not.
	if err := ValidateAccentColor("accentColor", "#767676"); err != nil {
		t.Fatalf("#767676: %v", err)
	}
	err := ValidateAccentColor("accentColor", "#777777")
	if !IsCode(err, CodeInvalid) || !strings.Contains(err.Error(), "4.4:1") {
		t.Fatalf("#777777 must be refused with its contrast: %v", err)
	}
	for _, c := range []string{"#b0124f", "#0b5d1e", "#1a1a1a", ""} {
		if err := ValidateAccentColor("accentColor", c); err != nil {
			t.Errorf("%q: %v", c, err)
		}
	}
	if err := ValidateAccentColor("accentColor", "#B0124F"); !IsCode(err, CodeInvalid) {
		t.Errorf("upper case is not the stored form: %v", err)
	}
}

func TestNewHandles(t *testing.T) {
	for _, h := range []string{"admin", "api", "login", "dashboard", "signup"} {
		if err := ValidateNewHandle("handle", h); !IsCode(err, CodeInvalid) || !strings.Contains(err.Error(), "reserved") {
			t.Errorf("%q: want reserved, got %v", h, err)
		}
	}
	if err := ValidateNewHandle("handle", "bella.shop"); err != nil {
		t.Error(err)
	}
	if err := ValidateNewHandle("handle", "Bella"); !IsCode(err, CodeInvalid) {
		t.Errorf("TikTok rules first: %v", err)
	}
}

func TestIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		l, p, v := NewLinkID(), NewManualProductID(), NewUploadVideoID()
		if !IsLinkID(l) || IsLinkID(p) || len(p) != len(ProductID("1", 0)) || seen[l] || seen[p] || seen[v] {
			t.Fatalf("ids %q %q %q", l, p, v)
		}
		if ValidateVideoID("id", v) != nil || !IsUploadVideoID(v) {
			t.Fatalf("upload id %q", v)
		}
		seen[l], seen[p], seen[v] = true, true, true
	}
}

func TestProductDeleteRestore(t *testing.T) {
	p := Product{ID: "p1", Status: ProductPublished}
	now := time.Now()
	p.Delete(now)
	p.Delete(now.Add(time.Hour)) // deleting again keeps the first time and status
	if p.Status != ProductDeleted || !p.DeletedAt.Equal(now.UTC()) || p.RestoreStatus != ProductPublished {
		t.Fatalf("deleted: %+v", p)
	}
	if err := p.Restore(); err != nil || p.Status != ProductPublished || p.DeletedAt != nil {
		t.Fatalf("restored: %+v %v", p, err)
	}
	if err := p.Restore(); !IsCode(err, CodeConflict) {
		t.Fatalf("restore twice: %v", err)
	}
}
