package tiktok

import (
	"errors"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
)

func TestParseVideoURLAcceptsRealForms(t *testing.T) {
	const id = "7524354452762037512"
	cases := []struct {
		raw, id, handle, short string
	}{
		{"https://www.tiktok.com/@meenitech/video/" + id, id, "meenitech", ""},
		{"https://www.tiktok.com/@meenitech/video/" + id + "/", id, "meenitech", ""},
		{"https://www.tiktok.com/@meenitech/video/" + id + "?is_from_webapp=1&sender_device=pc&web_id=7", id, "meenitech", ""},
		{"https://www.tiktok.com/@meenitech/video/" + id + "?lang=en#comments", id, "meenitech", ""},
		{"https://tiktok.com/@MeeniTech/video/" + id, id, "meenitech", ""},
		{"http://m.tiktok.com/@hj.lisahalaby/video/7397388276279102726", "7397388276279102726", "hj.lisahalaby", ""},
		{"https://WWW.TIKTOK.COM./@meenitech/video/" + id, id, "meenitech", ""},
		{"https://www.tiktok.com:443/@meenitech/video/" + id, id, "meenitech", ""},
		{"  https://www.tiktok.com/@meenitech/video/" + id + "  ", id, "meenitech", ""},
		{"https://m.tiktok.com/v/" + id + ".html", id, "", ""},
		{"https://m.tiktok.com/v/" + id + ".html?u_code=abc", id, "", ""},
		{"https://www.tiktok.com/embed/v2/" + id, id, "", ""},
		{"https://www.tiktok.com/embed/" + id, id, "", ""},
		{"https://www.tiktok.com/video/" + id, id, "", ""},
		{"https://www.tiktok.com/@/video/" + id + "?_t=8nX&_r=1", id, "", ""},
		{"https://vm.tiktok.com/ZMhvqjqjP/", "", "", "https://vm.tiktok.com/ZMhvqjqjP/"},
		{"https://vt.tiktok.com/ZSFxyz12a", "", "", "https://vt.tiktok.com/ZSFxyz12a/"},
		{"https://www.tiktok.com/t/ZTRabc123/?k=1", "", "", "https://www.tiktok.com/t/ZTRabc123/"},
	}
	for _, c := range cases {
		ref, err := ParseVideoURL("video_url", c.raw)
		if err != nil {
			t.Errorf("%q: %v", c.raw, err)
			continue
		}
		if ref.ID != c.id || ref.Handle != c.handle || ref.ShortURL != c.short {
			t.Errorf("%q: got %+v", c.raw, ref)
		}
		if ref.IsShort() != (c.short != "") {
			t.Errorf("%q: IsShort %v", c.raw, ref.IsShort())
		}
	}
	ref, _ := ParseVideoURL("f", "https://m.tiktok.com/v/"+id+".html")
	if got := ref.PageURL("shop"); got != "https://www.tiktok.com/@shop/video/"+id {
		t.Errorf("page URL by seller handle: %s", got)
	}
	ref, _ = ParseVideoURL("f", "https://tiktok.com/@MeeniTech/video/"+id+"?x=1")
	if got := ref.PageURL("other"); got != "https://www.tiktok.com/@meenitech/video/"+id {
		t.Errorf("canonical page URL: %s", got)
	}
}

func TestParseVideoURLRejectsBadInput(t *testing.T) {
	const id = "7524354452762037512"
	cases := []struct {
		name, raw, want string
	}{
		{"empty", "", "is required"},
		{"non-TikTok host", "https://www.youtube.com/watch?v=" + id, `got host "www.youtube.com"`},
		{"instagram", "https://instagram.com/@x/video/" + id, "must be a tiktok.com video URL"},
		{"look-alike suffix", "https://tiktok.com.evil.io/@x/video/" + id, `got host "tiktok.com.evil.io"`},
		{"look-alike prefix", "https://eviltiktok.com/@x/video/" + id, "must be a tiktok.com video URL"},
		{"look-alike sub", "https://www.tiktok.com.evil.io/@x/video/" + id, "must be a tiktok.com video URL"},
		{"other tiktok sub", "https://ads.tiktok.com/@x/video/" + id, "must be a tiktok.com video URL"},
		{"CDN host", "https://p16-sign-va.tiktokcdn.com/obj/" + id + ".jpeg", "must be a tiktok.com video URL"},
		{"javascript", "javascript:alert(document.cookie)//https://www.tiktok.com/@x/video/" + id, `got scheme "javascript"`},
		{"ftp", "ftp://www.tiktok.com/@x/video/" + id, `got scheme "ftp"`},
		{"file", "file:///etc/passwd", `got scheme "file"`},
		{"data", "data:text/html,hi", `got scheme "data"`},
		{"no scheme", "www.tiktok.com/@x/video/" + id, "must be an absolute https URL"},
		{"user info", "https://user:pw@www.tiktok.com/@x/video/" + id, "user information"},
		{"odd port", "https://www.tiktok.com:8443/@x/video/" + id, "must not name a port"},
		{"photo post", "https://www.tiktok.com/@hj.lisahalaby/photo/7393647281003810054", "photo post"},
		{"profile", "https://www.tiktok.com/@meenitech", "is the profile of @meenitech"},
		{"missing id", "https://www.tiktok.com/@meenitech/video/", "has no video id"},
		{"non-numeric id", "https://www.tiktok.com/@meenitech/video/abc123", "not numeric"},
		{"negative id", "https://www.tiktok.com/@meenitech/video/-1", "not numeric"},
		{"too long id", "https://www.tiktok.com/@meenitech/video/" + strings.Repeat("9", 30), "too long"},
		{"extra segments", "https://www.tiktok.com/@meenitech/video/" + id + "/x", "unexpected path segments"},
		{"tag page", "https://www.tiktok.com/tag/halabywartono", "is not a TikTok video URL"},
		{"bad handle", "https://www.tiktok.com/@a/video/" + id, "not a valid TikTok handle"},
		{"mobile without id", "https://m.tiktok.com/v/.html", "has no video id"},
		{"mobile bad id", "https://m.tiktok.com/v/12ab.html", "not numeric"},
		{"short without code", "https://vm.tiktok.com/", "without a valid code"},
		{"short bad code", "https://vm.tiktok.com/../../x", "without a valid code"},
		{"control char", "https://www.tiktok.com/@x\n/video/" + id, "control"},
		{"over 2 KB", "https://www.tiktok.com/@meenitech/video/" + id + "?q=" + strings.Repeat("a", 2100), "at most 2048 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseVideoURL("video_url", c.raw)
			if !catalog.IsCode(err, catalog.CodeInvalid) {
				t.Fatalf("want an invalid error, got %v", err)
			}
			var de *catalog.Error
			_ = errors.As(err, &de)
			if de.Field != "video_url" || !strings.Contains(de.Message, c.want) {
				t.Fatalf("message %q (field %q) does not say %q", de.Message, de.Field, c.want)
			}
		})
	}
}

func FuzzParseVideoURL(f *testing.F) {
	f.Add("https://www.tiktok.com/@meenitech/video/7524354452762037512")
	f.Add("https://vm.tiktok.com/ZMhvqjqjP/")
	f.Add("https://m.tiktok.com/v/1.html")
	f.Fuzz(func(t *testing.T, raw string) {
		ref, err := ParseVideoURL("u", raw)
		if err != nil {
			if !catalog.IsCode(err, catalog.CodeInvalid) {
				t.Fatalf("non-domain error %v", err)
			}
			return
		}
		if ref.IsShort() {
			if ref.ID != "" || !strings.HasPrefix(ref.ShortURL, "https://") {
				t.Fatalf("short ref %+v", ref)
			}
			return
		}
		if err := catalog.ValidateVideoID("id", ref.ID); err != nil {
			t.Fatalf("accepted %q with id %q: %v", raw, ref.ID, err)
		}
		if err := catalog.ValidateHTTPURL("page", ref.PageURL("someone")); err != nil {
			t.Fatalf("page URL of %q: %v", raw, err)
		}
	})
}
