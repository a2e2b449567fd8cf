package captionparser_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"gocloud.dev/pubsub"
	_ "gocloud.dev/pubsub/mempubsub"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/llm"
	"github.com/buylink/buylink/services/caption-parser/captionparser"
	"github.com/buylink/buylink/services/caption-parser/internal/openaitest"
	"github.com/buylink/buylink/services/caption-parser/rules"
)

var postedAt = time.Date(2024, 6, 5, 12, 0, 0, 0, time.UTC)

// recorder is a bus.Publisher that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	envs []events.Envelope
	fail error
}

func (r *recorder) Publish(_ context.Context, env events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.envs = append(r.envs, env)
	return nil
}

func (r *recorder) parsed(t *testing.T) []events.CaptionParsed {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.CaptionParsed
	for _, env := range r.envs {
		var cp events.CaptionParsed
		if err := events.Decode(env, &cp); err != nil {
			t.Fatalf("published event does not decode: %v", err)
		}
		out = append(out, cp)
	}
	return out
}

func videoPosted(t *testing.T, caption string) events.Envelope {
	t.Helper()
	env, err := events.New("corr-1", "bella.shop", "7524354452762037512", &events.VideoPosted{
		PageURL: "https://www.tiktok.com/@bella.shop/video/7524354452762037512", Caption: caption,
		PostedAt: postedAt, Attempt: 1, SellerLinks: []string{"https://instagram.com/bella"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRulesParseWhenNoKeyIsSet(t *testing.T) {
	pub := &recorder{}
	p, err := captionparser.New(captionparser.Config{Logger: quiet()}, pub)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	in := videoPosted(t, "our glow serum is $38 👉 glow.co/serum, code GLOW10 #skincare #glow")
	if err := p.Handle(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if len(pub.envs) != 1 {
		t.Fatalf("%d events published", len(pub.envs))
	}
	env := pub.envs[0]
	if env.Type != events.TypeCaptionParsed || env.CorrelationID != "corr-1" || env.VideoID != in.VideoID || env.Seller != "bella.shop" || env.ID == in.ID {
		t.Errorf("envelope %+v", env)
	}
	cp := pub.parsed(t)[0]
	if cp.Parser != "rules" || cp.Model != "" || cp.Failure != nil || !cp.PostedAt.Equal(postedAt) || cp.Caption == "" ||
		strings.Join(cp.Hashtags, ",") != "skincare,glow" {
		t.Errorf("payload %+v", cp)
	}
	if len(cp.Products) != 1 || cp.Products[0].Title != "Glow serum" || *cp.Products[0].PriceMinor != 3800 ||
		cp.Products[0].BuyURL != "https://glow.co/serum" || cp.Products[0].DiscountCode != "GLOW10" || cp.Products[0].Confidence <= 0 {
		t.Errorf("products %+v", cp.Products)
	}
	if s := p.Stats(); s.ByRules != 1 || s.ByLLM != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestPoisonCaptionsGiveAClearResult(t *testing.T) {
	pub := &recorder{}
	p, err := captionparser.New(captionparser.Config{Logger: quiet()}, pub)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		caption string
		failure string
	}{
		"empty":      {"", ""},
		"blank":      {" \n\t", ""},
		"100 KB":     {strings.Repeat("mug $5 at mugs.com ", 100<<10/19), "at most 16384 are accepted"},
		"binary":     {"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8", "binary"},
		"mojibake":   {"\xff\xfe\xfd\xfc\xfb binary", "not text (5 of its 12 characters are U+FFFD"},
		"NUL":        {"mug $5\x00 at mugs.com", "binary (NUL byte at offset 6)"},
		"no product": {"what a day at the beach 🌊 #summer", ""},
	} {
		pub.envs = nil
		if err := p.Handle(context.Background(), videoPosted(t, tc.caption)); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		cps := pub.parsed(t)
		if len(cps) != 1 {
			t.Errorf("%s: %d events", name, len(cps))
			continue
		}
		cp := cps[0]
		if len(cp.Products) != 0 || cp.Products == nil {
			t.Errorf("%s: products %#v, want an empty list", name, cp.Products)
		}
		switch {
		case tc.failure == "" && cp.Failure != nil:
			t.Errorf("%s: failure %q", name, cp.Failure.Reason)
		case tc.failure != "" && (cp.Failure == nil || !strings.Contains(cp.Failure.Reason, tc.failure)):
			t.Errorf("%s: failure %+v, want one saying %q", name, cp.Failure, tc.failure)
		case tc.failure != "" && cp.Caption != "":
			t.Errorf("%s: a rejected caption is passed on", name)
		}
	}
	if s := p.Stats(); s.Rejected != 4 {
		t.Errorf("rejected %d, want 4", s.Rejected)
	}
}

func TestCheckCaption(t *testing.T) {
	for caption, want := range map[string]string{
		"our mug $5 🍵\n\tline two\r\n": "",
		"Caf\ufffd au lait $5":         "", // one stray replacement character is still text
		"mug \xc3\x28 $5":              "not UTF-8 text (invalid byte 0xc3 at offset 4)",
		"mug\x00":                      "NUL byte at offset 3",
		"mug\x1b[31m":                  "control character U+001B at offset 3",
		strings.Repeat("a", 16<<10+1):  "caption is 16385 bytes; at most 16384 are accepted",
	} {
		got := captionparser.CheckCaption(caption)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("CheckCaption(%.20q) = %q, want %q", caption, got, want)
		}
	}
}

func TestMalformedEventsArePermanent(t *testing.T) {
	p, _ := captionparser.New(captionparser.Config{Logger: quiet()}, &recorder{})
	good := videoPosted(t, "x")
	wrongType := good
	wrongType.Type = events.TypeCaptionParsed
	badData := good
	badData.Data = json.RawMessage(`{"pageUrl": 5}`)
	invalid := good
	invalid.Data = json.RawMessage(`{"pageUrl": "", "attempt": 1}`)
	for name, env := range map[string]events.Envelope{"wrong type": wrongType, "bad data": badData, "invalid": invalid} {
		if err := p.Handle(context.Background(), env); !events.IsPermanent(err) {
			t.Errorf("%s: err %v, want permanent", name, err)
		}
	}
}

func TestPublishFailureIsRetryable(t *testing.T) {
	p, _ := captionparser.New(captionparser.Config{Logger: quiet()}, &recorder{fail: errors.New("topic unavailable")})
	err := p.Handle(context.Background(), videoPosted(t, "mug $5 at mugs.com"))
	if err == nil || events.IsPermanent(err) || !strings.Contains(err.Error(), "topic unavailable") {
		t.Errorf("err %v, want a retryable publish error", err)
	}
}

// newOpenRouter starts a fake OpenAI-compatible API answering with answer.
func newOpenRouter(t *testing.T, answer string) (*openaitest.Server, llm.Config) {
	t.Helper()
	s := openaitest.New(t, answer)
	return s, s.Config()
}

const serumAnswer = `{"products":[{"title":"Glow serum","price":38,"compare_at_price":null,"currency":"USD","buy_url":"glow.co/serum","discount_code":"GLOW10","offer_ends_at":null,"confidence":0.93}]}`

func TestLLMParsesCommerceCaptions(t *testing.T) {
	or, cfg := newOpenRouter(t, serumAnswer)
	pub := &recorder{}
	p, err := captionparser.New(captionparser.Config{LLM: cfg, Logger: quiet()}, pub)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	if err := p.Handle(context.Background(), videoPosted(t, "the glow serum I swear by ✨ $38 at glow.co/serum with code GLOW10")); err != nil {
		t.Fatal(err)
	}
	// A caption without any sign of commerce costs nothing.
	if err := p.Handle(context.Background(), videoPosted(t, "what a day at the beach 🌊 #summer")); err != nil {
		t.Fatal(err)
	}
	cps := pub.parsed(t)
	if or.Count() != 1 || len(cps) != 2 {
		t.Fatalf("%d LLM requests, %d events", or.Count(), len(cps))
	}
	cp := cps[0]
	if cp.Parser != "llm" || cp.Model != openaitest.Model || len(cp.Products) != 1 {
		t.Fatalf("payload %+v", cp)
	}
	if pr := cp.Products[0]; pr.Title != "Glow serum" || *pr.PriceMinor != 3800 || pr.Currency != "USD" || pr.BuyURL != "https://glow.co/serum" || pr.DiscountCode != "GLOW10" || pr.Confidence != 0.93 {
		t.Errorf("product %+v", pr)
	}
	if cps[1].Parser != "rules" || len(cps[1].Products) != 0 {
		t.Errorf("non-commerce caption: %+v", cps[1])
	}
	if s := p.Stats(); s.ByLLM != 1 || s.ByRules != 1 || s.LLM.Calls != 1 || s.LLM.PromptTokens != openaitest.PromptTokens {
		t.Errorf("stats %+v", s)
	}
}

func TestPermanentLLMFailureFallsBackToRules(t *testing.T) {
	for name, set := range map[string]func(*openaitest.Server, *llm.Config){
		"no credits": func(o *openaitest.Server, _ *llm.Config) { o.Fail(402, "Insufficient credits") },
		"bad key":    func(_ *openaitest.Server, c *llm.Config) { c.APIKey = "wrong" },
		"invalid answer": func(o *openaitest.Server, _ *llm.Config) {
			o.SetRaw(200, string(openaitest.Response(t, "nope")))
		},
	} {
		t.Run(name, func(t *testing.T) {
			or, cfg := newOpenRouter(t, serumAnswer)
			set(or, &cfg)
			pub := &recorder{}
			p, err := captionparser.New(captionparser.Config{LLM: cfg, Logger: quiet()}, pub)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Handle(context.Background(), videoPosted(t, "our glow serum is $38 👉 glow.co/serum")); err != nil {
				t.Fatalf("handle: %v", err)
			}
			cp := pub.parsed(t)[0]
			if cp.Parser != "rules" || cp.Model != "" || len(cp.Products) != 1 || cp.Products[0].Title != "Glow serum" {
				t.Errorf("payload %+v", cp)
			}
			if s := p.Stats(); s.Fallbacks != 1 || or.Count() != 1 {
				t.Errorf("fallbacks %d, requests %d", s.Fallbacks, or.Count())
			}
		})
	}
}

func TestTransientLLMFailureIsRetried(t *testing.T) {
	or, cfg := newOpenRouter(t, serumAnswer)
	or.Fail(503, "No available provider")
	pub := &recorder{}
	p, _ := captionparser.New(captionparser.Config{LLM: cfg, Logger: quiet()}, pub)
	err := p.Handle(context.Background(), videoPosted(t, "our glow serum is $38 👉 glow.co/serum"))
	if err == nil || events.IsPermanent(err) || llm.IsPermanent(err) || len(pub.envs) != 0 {
		t.Errorf("err %v, %d events; want a retryable error and nothing published", err, len(pub.envs))
	}
}

func TestRedeliveryNeverPaysTwice(t *testing.T) {
	or, cfg := newOpenRouter(t, serumAnswer)
	cacheURL := "file://" + t.TempDir()
	env := videoPosted(t, "our glow serum is $38 👉 glow.co/serum")
	for range 2 {
		// A new process each time, sharing the cache directory.
		pub := &recorder{}
		p, err := captionparser.New(captionparser.Config{LLM: cfg, CacheURL: cacheURL, Logger: quiet()}, pub)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Handle(context.Background(), env); err != nil {
			t.Fatal(err)
		}
		if cp := pub.parsed(t)[0]; cp.Parser != "llm" || len(cp.Products) != 1 {
			t.Errorf("payload %+v", cp)
		}
		_ = p.Close()
	}
	if or.Count() != 1 {
		t.Errorf("%d LLM requests for one caption delivered twice", or.Count())
	}
}

func TestNewFailsOnABadCacheURL(t *testing.T) {
	_, cfg := newOpenRouter(t, serumAnswer)
	if _, err := captionparser.New(captionparser.Config{LLM: cfg, CacheURL: "nosuch://x", Logger: quiet()}, &recorder{}); err == nil {
		t.Error("bad cache URL accepted")
	}
	if _, err := captionparser.New(captionparser.Config{}, nil); err == nil {
		t.Error("nil publisher accepted")
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("OPENROUTER_API_KEY", "")
	t.Setenv("LLM_CACHE_URL", "file:///tmp/x")
	cfg, err := captionparser.ConfigFromEnv()
	if err != nil || cfg.LLM.Enabled() || cfg.CacheURL != "file:///tmp/x" || cfg.LLM.Model != llm.DefaultModel {
		t.Errorf("%+v %v", cfg, err)
	}
	t.Setenv("LLM_TIMEOUT", "never")
	if _, err := captionparser.ConfigFromEnv(); err == nil {
		t.Error("bad LLM_TIMEOUT accepted")
	}
}

// sink keeps dead letters.
type sink struct {
	mu      sync.Mutex
	letters []bus.DeadLetter
}

func (s *sink) DeadLetter(_ context.Context, dl bus.DeadLetter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.letters = append(s.letters, dl)
	return nil
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.letters)
}

// TestWorkerOnTheEmbeddedBus runs the handler in the long-poll worker host
// on mem:// topics: good and poison captions come out as caption.parsed, an
// undecodable message ends in the dead-letter sink, and nothing crashes.
func TestWorkerOnTheEmbeddedBus(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	topics, err := bus.NewTopics("mem://" + events.NewID() + "-{name}")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = topics.Close(context.Background()) }()
	if err := topics.Open(ctx, events.TypeVideoPosted, events.TypeCaptionParsed); err != nil {
		t.Fatal(err)
	}
	in, err := pubsub.OpenSubscription(ctx, topics.TopicURL(events.TypeVideoPosted))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = in.Shutdown(context.Background()) }()
	out, err := pubsub.OpenSubscription(ctx, topics.TopicURL(events.TypeCaptionParsed))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = out.Shutdown(context.Background()) }()
	p, err := captionparser.New(captionparser.Config{Logger: quiet()}, topics)
	if err != nil {
		t.Fatal(err)
	}
	dead := &sink{}
	w := &bus.Worker{Name: captionparser.Name, Sub: in, Handler: p.Handle, DeadLetters: dead, Logger: quiet(), Backoff: func(int) time.Duration { return time.Millisecond }}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	captions := []string{"our mug is $12 at mugs.com/m", "\xff\xfe\xfd\xfc binary", strings.Repeat("x", 100<<10), ""}
	for _, c := range captions {
		if err := topics.Publish(ctx, videoPosted(t, c)); err != nil {
			t.Fatal(err)
		}
	}
	vpTopic, err := pubsub.OpenTopic(ctx, topics.TopicURL(events.TypeVideoPosted))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = vpTopic.Shutdown(context.Background()) }()
	if err := vpTopic.Send(ctx, &pubsub.Message{Body: []byte(`{"not":"an envelope"`)}); err != nil {
		t.Fatal(err)
	}
	failures, products := 0, 0
	for range captions {
		rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
		msg, err := out.Receive(rctx)
		rcancel()
		if err != nil {
			t.Fatalf("no caption.parsed: %v", err)
		}
		msg.Ack()
		env, err := events.Parse(msg.Body)
		if err != nil {
			t.Fatal(err)
		}
		var cp events.CaptionParsed
		if err := events.Decode(env, &cp); err != nil {
			t.Fatal(err)
		}
		if cp.Failure != nil {
			failures++
		}
		products += len(cp.Products)
	}
	for deadline := time.Now().Add(10 * time.Second); dead.count() == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if failures != 2 || products != 1 || dead.count() != 1 {
		t.Errorf("failures %d, products %d, dead letters %d; want 2, 1, 1", failures, products, dead.count())
	}
}

// TestLLMGateSendsPricelessOffers: every caption the rules see as a
// possible offer goes to the model, with or without a price and in any
// language; a caption with no sign of commerce costs nothing.
func TestLLMGateSendsPricelessOffers(t *testing.T) {
	or, cfg := newOpenRouter(t, `{"products":[]}`)
	p, err := captionparser.New(captionparser.Config{LLM: cfg, Logger: quiet()}, &recorder{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	sent := []string{
		"Montaigne Shoulder Mini, in the new Ribbon Collection !\n\nDM TO ORDER 📲",
		"Áo khoác gió 2 lớp 🧥 thêm vào giỏ hàng nha #aokhoac",
		"Masa sih semurah ini beli kopi lewat aplikasi, klik lokasi dibawah ya ✅",
		"กระเป๋าสานมือ 👜 สั่งได้เลยทางไลน์",
		"Use our travelcode: MIRATRIP for additional discount",
		"This guesthouse in Laos cost just £8 a night!! #laos", // a look-alike: the model decides
	}
	for _, c := range sent {
		if _, err := p.Parse(context.Background(), rules.Input{Text: c, PostedAt: postedAt}); err != nil {
			t.Fatal(err)
		}
	}
	if or.Count() != len(sent) {
		t.Errorf("%d of %d possible offers sent to the model", or.Count(), len(sent))
	}
	for _, c := range []string{"when the beat drops 😂 #dance #fyp", "Day 12 of my glow up journey ✨", ""} {
		if _, err := p.Parse(context.Background(), rules.Input{Text: c, PostedAt: postedAt}); err != nil {
			t.Fatal(err)
		}
	}
	if or.Count() != len(sent) {
		t.Errorf("captions without a sign of commerce were sent: %d requests", or.Count())
	}
}
