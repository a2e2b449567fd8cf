package autotagger_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gocloud.dev/pubsub"
	_ "gocloud.dev/pubsub/mempubsub"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/taxonomy"
	autotagger "github.com/buylink/buylink/services/auto-tagger"
	"github.com/buylink/buylink/services/auto-tagger/llmtag"
	"github.com/buylink/buylink/services/auto-tagger/tagging"
)

// recorder is a Publisher that keeps what it is given, or fails.
type recorder struct {
	mu   sync.Mutex
	envs []events.Envelope
	err  error
}

func (r *recorder) Publish(_ context.Context, env events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.envs = append(r.envs, env)
	return nil
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newService(t *testing.T, cfg autotagger.Config) (*autotagger.Service, *recorder) {
	t.Helper()
	cfg.Logger = quiet()
	rec := &recorder{}
	s, err := autotagger.New(cfg, rec)
	if err != nil {
		t.Fatal(err)
	}
	return s, rec
}

func captionParsed(t *testing.T, p events.CaptionParsed) events.Envelope {
	t.Helper()
	env, err := events.New("corr-1", "bella.shop", "7524157935543832863", &p)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// tagged decodes the one product.tagged the recorder holds and checks the
// chain and the invariants.
func tagged(t *testing.T, rec *recorder, in events.Envelope) events.ProductTagged {
	t.Helper()
	if len(rec.envs) != 1 {
		t.Fatalf("%d events published, want 1", len(rec.envs))
	}
	out := rec.envs[0]
	if out.Type != events.TypeProductTagged || out.CorrelationID != in.CorrelationID || out.Seller != in.Seller || out.VideoID != in.VideoID {
		t.Fatalf("published %+v", out)
	}
	body, _ := out.Marshal()
	parsed, err := events.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	var pt events.ProductTagged
	if err := events.Decode(parsed, &pt); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out.Data), `"products":[`) {
		t.Fatalf("products must encode as a list: %s", out.Data)
	}
	l := tagging.DefaultLimits()
	for _, p := range pt.Products {
		tags := make([]tagging.Tag, len(p.Tags))
		for i, tg := range p.Tags {
			tags[i] = tagging.Tag{Name: tg.Name, Confidence: tg.Confidence}
		}
		if err := l.Check(tags); err != nil {
			t.Fatalf("product %d: %v", p.Index, err)
		}
		if _, ok := taxonomy.Lookup(p.Category); p.Category != "" && !ok {
			t.Fatalf("product %d: category %q", p.Index, p.Category)
		}
	}
	return pt
}

func TestTagsEveryParsedProductByIndex(t *testing.T) {
	s, rec := newService(t, autotagger.Config{})
	in := captionParsed(t, events.CaptionParsed{
		Parser: "rules",
		Products: []events.ParsedProduct{
			{Index: 0, Title: "LED vanity mirror", Confidence: 0.9},
			{Index: 2, Title: "Organizador de maquillaje giratorio", Confidence: 0.8},
			{Index: 5, Title: "Mystery bundle", Confidence: 0.5},
		},
		Caption:  "3 faves: the LED vanity mirror, an organizer and a mystery bundle #makeuptok",
		Hashtags: []string{"makeuptok", "tiktokshop"},
	})
	if err := s.Handle(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	pt := tagged(t, rec, in)
	if pt.Tagger != "rules" || pt.Model != "" || pt.Failure != nil || len(pt.Products) != 3 {
		t.Fatalf("product.tagged %+v", pt)
	}
	want := []struct {
		index    int
		category string
		tag      string
	}{{0, "beauty/tools", "vanity mirror"}, {2, "home/storage", "makeup organizer"}, {5, "", ""}}
	for i, w := range want {
		p := pt.Products[i]
		if p.Index != w.index || p.Category != w.category {
			t.Errorf("product %d: %+v, want index %d category %q", i, p, w.index, w.category)
		}
		if w.tag != "" && !slices.ContainsFunc(p.Tags, func(tg events.Tag) bool { return tg.Name == w.tag }) {
			t.Errorf("product %d: tags %+v, want %q", i, p.Tags, w.tag)
		}
	}
	if st := s.Stats(); st.Events != 1 || st.ByRules != 3 || st.ByLLM != 0 {
		t.Errorf("stats %+v", st)
	}
}

// A failed or empty caption still yields a product.tagged, so the video's
// pipeline completes.
func TestFailedAndEmptyCaptionsStillComplete(t *testing.T) {
	s, rec := newService(t, autotagger.Config{})
	failed := captionParsed(t, events.CaptionParsed{Parser: "rules", Products: []events.ParsedProduct{}, Failure: &events.Failure{Reason: "caption is binary (NUL byte at offset 3)"}})
	if err := s.Handle(context.Background(), failed); err != nil {
		t.Fatal(err)
	}
	pt := tagged(t, rec, failed)
	if len(pt.Products) != 0 || pt.Failure == nil || pt.Failure.Reason != "caption is binary (NUL byte at offset 3)" || pt.Tagger != "rules" {
		t.Fatalf("failed caption: %+v", pt)
	}

	s, rec = newService(t, autotagger.Config{})
	empty := captionParsed(t, events.CaptionParsed{Parser: "llm", Model: "m", Products: nil, Caption: "just vibes #fyp"})
	if err := s.Handle(context.Background(), empty); err != nil {
		t.Fatal(err)
	}
	if pt := tagged(t, rec, empty); len(pt.Products) != 0 || pt.Failure != nil {
		t.Fatalf("empty caption: %+v", pt)
	}
	if st := s.Stats(); st.Events != 1 || st.FailuresForwarded != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestHostileTitlesGiveEmptyResults(t *testing.T) {
	s, rec := newService(t, autotagger.Config{})
	titles := []string{"", `<script>alert("x")</script>`, strings.Repeat("\x01\x7f\x1b", 3000), "\u202e\u200b\ufeff", "Ceramic mug<br/>", strings.Repeat("lorem ipsum ", 8500)}
	var ps []events.ParsedProduct
	for i, title := range titles {
		ps = append(ps, events.ParsedProduct{Index: i, Title: title})
	}
	in := captionParsed(t, events.CaptionParsed{Parser: "rules", Products: ps})
	if err := s.Handle(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	pt := tagged(t, rec, in)
	for _, i := range []int{0, 1, 2, 3, 5} {
		if p := pt.Products[i]; p.Category != "" || len(p.Tags) != 0 {
			t.Errorf("hostile title %d: %+v", i, p)
		}
	}
	if pt.Products[4].Category != "kitchen/drinkware" {
		t.Errorf("HTML around a real title: %+v", pt.Products[4])
	}
}

func TestMalformedEventsArePermanent(t *testing.T) {
	s, rec := newService(t, autotagger.Config{})
	good := captionParsed(t, events.CaptionParsed{Parser: "rules", Products: []events.ParsedProduct{{Index: 0, Title: "Mug"}}})
	wrongType, _ := events.New("c", "bella.shop", "1", &events.VideoPosted{PageURL: "https://x", Attempt: 1})
	badData := good
	badData.Data = json.RawMessage(`{"parser": 7}`)
	repeated := good
	repeated.Data = json.RawMessage(`{"parser":"rules","products":[{"index":1,"title":"a"},{"index":1,"title":"b"}]}`)
	version := good
	version.Version = 9
	var many []events.ParsedProduct
	for i := range tagging.MaxProducts + 1 {
		many = append(many, events.ParsedProduct{Index: i, Title: "Mug"})
	}
	tooMany := captionParsed(t, events.CaptionParsed{Parser: "rules", Products: many})
	for name, env := range map[string]events.Envelope{"wrong type": wrongType, "bad data": badData, "repeated index": repeated, "version": version, "too many products": tooMany} {
		if err := s.Handle(context.Background(), env); err == nil || !events.IsPermanent(err) {
			t.Errorf("%s: err = %v, want a permanent error", name, err)
		}
	}
	if len(rec.envs) != 0 {
		t.Fatalf("%d events published for malformed input", len(rec.envs))
	}
}

func TestPublishFailureIsRetryable(t *testing.T) {
	s, rec := newService(t, autotagger.Config{})
	rec.err = errors.New("sns: throttled")
	in := captionParsed(t, events.CaptionParsed{Parser: "rules", Products: []events.ParsedProduct{{Index: 0, Title: "Mug"}}})
	err := s.Handle(context.Background(), in)
	if err == nil || events.IsPermanent(err) || !strings.Contains(err.Error(), "throttled") {
		t.Fatalf("err = %v, want a retryable publish error", err)
	}
}

// model is a Completer answering like pkg/llm's client (see llmtag's tests
// for the hostile answers).
type model struct {
	mu    sync.Mutex
	calls int
	fail  error
}

func (m *model) Model() string { return "anthropic/claude-3.5-sonnet" }

func (m *model) Complete(_ context.Context, req llmtag.Request, out any) (llmtag.Answer, error) {
	m.mu.Lock()
	m.calls++
	m.mu.Unlock()
	if m.fail != nil {
		return llmtag.Answer{}, m.fail
	}
	var in struct {
		Products []struct {
			Index int    `json:"index"`
			Title string `json:"title"`
		} `json:"products"`
	}
	if err := json.Unmarshal([]byte(req.User), &in); err != nil {
		return llmtag.Answer{}, events.Permanent(err)
	}
	var ps []string
	for _, p := range in.Products {
		ps = append(ps, fmt.Sprintf(`{"index":%d,"category":"kitchen/drinkware","category_confidence":0.92,"tags":[{"name":"Mugs","confidence":0.93},{"name":"ceramic","confidence":0.81}]}`, p.Index))
	}
	return llmtag.Answer{Model: "anthropic/claude-3.5-sonnet"}, json.Unmarshal([]byte(`{"products":[`+strings.Join(ps, ",")+`]}`), out)
}

func TestLLMTaggingAndRedelivery(t *testing.T) {
	m := &model{}
	s, rec := newService(t, autotagger.Config{LLM: m})
	in := captionParsed(t, events.CaptionParsed{Parser: "llm", Products: []events.ParsedProduct{{Index: 3, Title: "Tidepool ceramic mug"}}})
	for range 2 { // the queue redelivers
		if err := s.Handle(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.envs) != 2 || m.calls != 1 {
		t.Fatalf("%d published, %d model calls; want 2 and 1", len(rec.envs), m.calls)
	}
	first, second := rec.envs[0], rec.envs[1]
	rec.envs = rec.envs[:1]
	pt := tagged(t, rec, in)
	if pt.Tagger != "llm" || pt.Model != "anthropic/claude-3.5-sonnet" || pt.Products[0].Index != 3 || pt.Products[0].Category != "kitchen/drinkware" || pt.Products[0].Tags[0].Name != "mug" {
		t.Fatalf("product.tagged %+v", pt)
	}
	if string(first.Data) != string(second.Data) {
		t.Fatalf("redelivery changed the result:\n%s\n%s", first.Data, second.Data)
	}
	if st := s.Stats(); st.ByLLM != 2 {
		t.Errorf("stats %+v", st)
	}

	// A transient model failure is retried; a permanent one falls back.
	m = &model{fail: errors.New("llm: 429 Too Many Requests")}
	s, _ = newService(t, autotagger.Config{LLM: m})
	if err := s.Handle(context.Background(), in); err == nil || events.IsPermanent(err) {
		t.Fatalf("transient: %v", err)
	}
	m = &model{fail: events.Permanent(errors.New("llm: 402 Payment Required"))}
	s, rec = newService(t, autotagger.Config{LLM: m})
	if err := s.Handle(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if pt := tagged(t, rec, in); pt.Tagger != "rules" || pt.Products[0].Category != "kitchen/drinkware" {
		t.Fatalf("fallback: %+v", pt)
	}
}

func TestConfig(t *testing.T) {
	t.Setenv("TAGGER_MAX_TAGS", "4")
	t.Setenv("TAGGER_MIN_CONFIDENCE", "0.8")
	t.Setenv("OPENROUTER_API_KEY", "")
	cfg, closeCache, err := autotagger.ConfigFromEnv(t.Context(), nil)
	if err == nil {
		defer closeCache()
	}
	if cfg.LLM != nil {
		t.Fatal("an LLM without a key")
	}
	if err != nil || cfg.Limits != (tagging.Limits{MaxTags: 4, MinConfidence: 0.8}) {
		t.Fatalf("%+v %v", cfg, err)
	}
	s, rec := newService(t, cfg)
	in := captionParsed(t, events.CaptionParsed{Parser: "rules", Products: []events.ParsedProduct{{Index: 0, Title: "Pink satin pajama set for women, handmade, vintage, cozy"}}})
	if err := s.Handle(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	for _, tg := range tagged(t, rec, in).Products[0].Tags {
		if tg.Confidence < 0.8 {
			t.Errorf("tag %+v below TAGGER_MIN_CONFIDENCE", tg)
		}
	}
	if got := len(rec.envs); got != 1 {
		t.Fatal(got)
	}
	t.Setenv("TAGGER_MAX_TAGS", "11")
	if _, _, err := autotagger.ConfigFromEnv(t.Context(), nil); err == nil || !strings.Contains(err.Error(), "TAGGER_MAX_TAGS") {
		t.Fatalf("err %v", err)
	}
	if _, err := autotagger.New(autotagger.Config{}, nil); err == nil {
		t.Fatal("no publisher accepted")
	}
	if _, err := autotagger.New(autotagger.Config{Limits: tagging.Limits{MaxTags: 0, MinConfidence: 2}}, &recorder{}); err == nil {
		t.Fatal("bad limits accepted")
	}
}

// The service under the real worker host on the embedded bus:
// caption.parsed in, product.tagged out, a poison event dead-lettered.
func TestWorkerOnTheEmbeddedBus(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	prefix := "mem://" + events.NewID() + "-"
	topics, err := bus.NewTopics(prefix + "{name}")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = topics.Close(context.Background()) }()
	if err := topics.Open(ctx, events.TypeCaptionParsed, events.TypeProductTagged); err != nil {
		t.Fatal(err)
	}
	in, err := pubsub.OpenSubscription(ctx, prefix+"caption-parsed")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = in.Shutdown(context.Background()) }()
	out, err := pubsub.OpenSubscription(ctx, prefix+"product-tagged")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = out.Shutdown(context.Background()) }()
	s, err := autotagger.New(autotagger.Config{Logger: quiet()}, topics)
	if err != nil {
		t.Fatal(err)
	}
	dl := &deadLetters{}
	w := &bus.Worker{Name: autotagger.Name, Sub: in, Handler: s.Handle, DeadLetters: dl, Logger: quiet(), Backoff: func(int) time.Duration { return time.Millisecond }}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	env := captionParsed(t, events.CaptionParsed{Parser: "rules", Products: []events.ParsedProduct{{Index: 0, Title: "Cordless hair straightener"}}})
	if err := topics.Publish(ctx, env); err != nil {
		t.Fatal(err)
	}
	poison := env
	poison.ID, poison.Data = events.NewID(), json.RawMessage(`{"parser":""}`)
	if err := topics.Publish(ctx, poison); err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 15*time.Second)
	defer rcancel()
	msg, err := out.Receive(rctx)
	if err != nil {
		t.Fatal(err)
	}
	msg.Ack()
	got, err := events.Parse(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	var pt events.ProductTagged
	if err := events.Decode(got, &pt); err != nil || got.CorrelationID != env.CorrelationID || pt.Products[0].Category != "beauty/hair-tools" {
		t.Fatalf("product.tagged %+v %v", pt, err)
	}
	for deadline := time.Now().Add(15 * time.Second); dl.count() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the poison event was not dead-lettered")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

type deadLetters struct {
	mu  sync.Mutex
	got []bus.DeadLetter
}

func (d *deadLetters) DeadLetter(_ context.Context, l bus.DeadLetter) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, l)
	return nil
}

func (d *deadLetters) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.got)
}

// With a key, the service tags through pkg/llm's real client: here against a
// fake OpenRouter answering in the chat-completions shape.
func TestLLMThroughPkgLLM(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req struct {
			Model          string `json:"model"`
			ResponseFormat struct {
				Type       string `json:"type"`
				JSONSchema struct {
					Name   string `json:"name"`
					Strict bool   `json:"strict"`
				} `json:"json_schema"`
			} `json:"response_format"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.Header.Get("Authorization") != "Bearer test-key" ||
			req.ResponseFormat.Type != "json_schema" || !req.ResponseFormat.JSONSchema.Strict {
			t.Errorf("request: %+v %v %q", req, err, r.Header.Get("Authorization"))
		}
		answer := `{"products":[{"index":0,"category":"kitchen/drinkware","category_confidence":0.93,` +
			`"tags":[{"name":"tumblers","confidence":0.95},{"name":"stainless steel","confidence":0.8},{"name":"https://x.io","confidence":0.9}]}]}`
		body, _ := json.Marshal(map[string]any{
			"id": "gen-1", "object": "chat.completion", "created": 1, "model": req.Model, "provider": "Fake",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "native_finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": answer}}},
			"usage": map[string]any{"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140},
		})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	t.Setenv("OPENROUTER_API_KEY", "test-key")
	t.Setenv("LLM_BASE_URL", srv.URL)
	t.Setenv("LLM_CACHE_URL", "")
	cfg, closeCache, err := autotagger.ConfigFromEnv(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeCache()
	if cfg.LLM == nil || cfg.Cache == nil {
		t.Fatalf("config with a key: %+v", cfg)
	}
	s, rec := newService(t, cfg)
	in := captionParsed(t, events.CaptionParsed{Parser: "rules", Products: []events.ParsedProduct{{Index: 0, Title: "Stainless steel tumbler 40oz"}}})
	if err := s.Handle(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	pt := tagged(t, rec, in)
	if err := s.Handle(context.Background(), in); err != nil { // a redelivery: served from the cache
		t.Fatal(err)
	}
	if pt.Tagger != "llm" || pt.Products[0].Category != "kitchen/drinkware" {
		t.Fatalf("tagged: %+v", pt)
	}
	for _, tg := range pt.Products[0].Tags {
		if strings.Contains(tg.Name, "http") || tg.Name == "tumblers" {
			t.Errorf("unnormalised or hostile tag kept: %+v", tg)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("model called %d times for one event delivered twice", calls.Load())
	}
}
