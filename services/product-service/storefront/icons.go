package storefront

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"

	"github.com/gin-gonic/gin"
)

// The site icons: /favicon.ico, the touch icon and the web app manifest with
// its icons. They are drawn once at start (a white shopping bag on the brand
// colour), so the project carries no binary files.
var siteIcons = map[string]*response{}

// brand is the icons' and the manifest's theme colour (app.css --accent).
var brand = color.RGBA{0xb0, 0x12, 0x4f, 0xff}

const iconCache = "public, max-age=86400"

func init() {
	for path, size := range map[string]int{"/apple-touch-icon.png": 180, "/icon-192.png": 192, "/icon-512.png": 512} {
		siteIcons[path] = sealed(&response{contentType: "image/png", cacheControl: iconCache, body: iconPNG(size)})
	}
	siteIcons["/favicon.ico"] = sealed(&response{contentType: "image/x-icon", cacheControl: iconCache, body: pngICO(iconPNG(32), 32)})
	manifest, err := json.Marshal(map[string]any{
		"name": "buylink", "short_name": "buylink", "start_url": "/", "display": "browser",
		"background_color": "#ffffff", "theme_color": "#b0124f",
		"icons": []map[string]string{
			{"src": "/icon-192.png", "sizes": "192x192", "type": "image/png"},
			{"src": "/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
		},
	})
	if err != nil {
		panic(err)
	}
	siteIcons["/manifest.webmanifest"] = sealed(&response{contentType: "application/manifest+json", cacheControl: iconCache, body: manifest})
}

func sealed(r *response) *response {
	r.seal()
	return r
}

// registerIcons mounts the site icons.
func registerIcons(r gin.IRouter) {
	for path, resp := range siteIcons {
		r.GET(path, func(c *gin.Context) { resp.write(c) })
	}
}

// iconPNG draws the icon at size x size pixels: the brand colour to the
// edges (so it can be masked to any shape) with a bag in the middle 60%.
func iconPNG(size int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	f := float64(size)
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	// The bag's body and handle, in units of the icon's size.
	bodyX0, bodyX1, bodyY0, bodyY1 := 0.28*f, 0.72*f, 0.38*f, 0.78*f
	cx, cy, rOut, rIn := 0.5*f, 0.38*f, 0.14*f, 0.09*f
	for y := range size {
		for x := range size {
			px, py := float64(x)+0.5, float64(y)+0.5
			c := brand
			inBody := px >= bodyX0 && px < bodyX1 && py >= bodyY0 && py < bodyY1
			d := math.Hypot(px-cx, py-cy)
			inHandle := py < cy && d <= rOut && d >= rIn
			if inBody || inHandle {
				c = white
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// pngICO wraps one PNG image in an ICO container (PNG entries are valid in
// ICO files since Windows Vista and in every current browser).
func pngICO(pngData []byte, size int) []byte {
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	w(uint16(0)) // reserved
	w(uint16(1)) // type: icon
	w(uint16(1)) // one image
	b.WriteByte(byte(size))
	b.WriteByte(byte(size))
	b.WriteByte(0)          // no palette
	b.WriteByte(0)          // reserved
	w(uint16(1))            // colour planes
	w(uint16(32))           // bits per pixel
	w(uint32(len(pngData))) // image size
	w(uint32(6 + 16))       // offset of the image
	b.Write(pngData)
	return b.Bytes()
}

// landing is the small page at /: what buylink is, and where sellers sign in.
func (s *Server) landing(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	s.renderHTML(c, http.StatusOK, "landing", landingView{Demo: s.shopURL("demo"), Meta: pageMeta{
		Title:       "buylink · your TikTok videos, as a shop",
		Description: "buylink turns a seller's TikTok videos into a link-in-bio shop: every product from every caption, with prices, codes and buy links.",
		URL:         s.base + "/",
	}})
}

type landingView struct {
	Meta pageMeta
	Demo string
}
