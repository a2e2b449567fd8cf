package clicks_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/services/product-service/clicks"
)

// slowStore records clicks after a delay, or blocks until released.
type slowStore struct {
	mu      sync.Mutex
	got     []catalog.Click
	delay   time.Duration
	release chan struct{}
	fail    atomic.Bool
}

func (s *slowStore) RecordClick(ctx context.Context, c catalog.Click) error {
	if s.release != nil {
		select {
		case <-s.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	time.Sleep(s.delay)
	if s.fail.Load() {
		return errors.New("disk full")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, c)
	return nil
}

func (s *slowStore) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.got) }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func click(i int) catalog.Click {
	return catalog.Click{ProductID: "p" + string(rune('a'+i%26)), Seller: "demo", At: time.Now()}
}

func TestRecordNeverBlocksAndCloseDrains(t *testing.T) {
	st := &slowStore{delay: 2 * time.Millisecond}
	r := clicks.NewRecorder(st, clicks.Options{Buffer: 64, Writers: 1, Logger: quiet()})
	start := time.Now()
	for i := range 50 {
		if !r.Record(click(i), clicks.Decision{}) {
			t.Fatalf("click %d dropped with room in the buffer", i)
		}
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Fatalf("Record waited for the store: 50 clicks took %v", d)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st.count() != 50 || r.Stats().Recorded != 50 {
		t.Fatalf("after Close: stored %d, stats %+v", st.count(), r.Stats())
	}
	if r.Record(click(0), clicks.Decision{}) {
		t.Fatal("a closed recorder accepted a click")
	}
}

func TestAFullBufferDropsInsteadOfWaiting(t *testing.T) {
	st := &slowStore{release: make(chan struct{})}
	r := clicks.NewRecorder(st, clicks.Options{Buffer: 4, Writers: 1, Logger: quiet()})
	accepted := 0
	for i := range 20 {
		if r.Record(click(i), clicks.Decision{}) {
			accepted++
		}
	}
	// One click is held by the blocked writer, four wait in the buffer.
	if accepted > 5 || r.Stats().Dropped != int64(20-accepted) {
		t.Fatalf("accepted %d, stats %+v", accepted, r.Stats())
	}
	close(st.release)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st.count() != accepted {
		t.Fatalf("stored %d of %d accepted", st.count(), accepted)
	}
}

func TestCloseGivesUpAtTheDeadline(t *testing.T) {
	st := &slowStore{release: make(chan struct{})}
	defer close(st.release)
	r := clicks.NewRecorder(st, clicks.Options{Buffer: 8, Writers: 1, Logger: quiet()})
	for i := range 5 {
		r.Record(click(i), clicks.Decision{})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.Close(ctx); err == nil {
		t.Fatal("Close returned nil with clicks still unwritten")
	}
}

func TestFailedWritesAreCounted(t *testing.T) {
	st := &slowStore{}
	st.fail.Store(true)
	r := clicks.NewRecorder(st, clicks.Options{Logger: quiet()})
	r.Record(click(1), clicks.Decision{})
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.Failed != 1 || s.Recorded != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestIsBot(t *testing.T) {
	bots := []string{"", "  ", "Googlebot/2.1 (+http://www.google.com/bot.html)",
		"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
		"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "Twitterbot/1.0",
		"WhatsApp/2.23.20.0", "TelegramBot (like TwitterBot)", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
		"curl/8.5.0", "Wget/1.21", "python-requests/2.31", "Go-http-client/1.1", "okhttp/4.12.0", "Discordbot/2.0", "AhrefsBot/7.0"}
	for _, ua := range bots {
		if !clicks.IsBot(ua) {
			t.Errorf("IsBot(%q) = false", ua)
		}
	}
	people := []string{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_35.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [Pinterest/iOS]",
	}
	for _, ua := range people {
		if clicks.IsBot(ua) {
			t.Errorf("IsBot(%q) = true", ua)
		}
	}
}

func TestIsPrefetch(t *testing.T) {
	for h, want := range map[[2]string]bool{
		{"Sec-Purpose", "prefetch;prerender"}: true, {"Purpose", "prefetch"}: true, {"X-Moz", "prefetch"}: true,
		{"Sec-Fetch-Mode", "navigate"}: false,
	} {
		hd := http.Header{}
		hd.Set(h[0], h[1])
		if got := clicks.IsPrefetch(hd); got != want {
			t.Errorf("IsPrefetch(%v) = %v", h, got)
		}
	}
}

func TestWithUTM(t *testing.T) {
	for in, want := range map[string]string{
		"https://amzn.to/3xYz":                              "https://amzn.to/3xYz?utm_source=buylink&utm_medium=linkinbio&utm_campaign=bella.shop",
		"https://shop.example.com/p?tag=bella-20&sig=a%2Fb": "https://shop.example.com/p?tag=bella-20&sig=a%2Fb&utm_source=buylink&utm_medium=linkinbio&utm_campaign=bella.shop",
		"https://shop.example.com/p?x=1#reviews":            "https://shop.example.com/p?x=1&utm_source=buylink&utm_medium=linkinbio&utm_campaign=bella.shop#reviews",
		"https://shop.example.com/p?UTM_Source=tiktok":      "https://shop.example.com/p?UTM_Source=tiktok",
		"https://shop.example.com/p?a=1&utm_campaign=x":     "https://shop.example.com/p?a=1&utm_campaign=x",
		"https://shop.example.com/p%20q?":                   "https://shop.example.com/p%20q?utm_source=buylink&utm_medium=linkinbio&utm_campaign=bella.shop",
	} {
		got, err := clicks.WithUTM(in, "bella.shop")
		if err != nil || got != want {
			t.Errorf("WithUTM(%q) = %q, %v\n want %q", in, got, err, want)
		}
	}
}

func TestReferrerHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.TikTok.com/@bella": "www.tiktok.com", "": "", "javascript:x": "", "https://[::1]:8080/": "::1", "not a url": "",
	} {
		if got := clicks.ReferrerHost(in); got != want {
			t.Errorf("ReferrerHost(%q) = %q want %q", in, got, want)
		}
	}
}
