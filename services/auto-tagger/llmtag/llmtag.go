// Package llmtag is the LLM tagger: one structured completion per batch (the
// products of one caption.parsed event), with a strict JSON schema whose
// category is an enum of the taxonomy, and code that validates everything
// the model says before it becomes a tag.
//
// Validation, product by product: an index the request did not send, or
// sent already, is dropped; a product the answer lacks gets the rule
// tagger's result; a category outside the taxonomy is replaced by the rule
// tagger's; a category confidence under minCategoryConfidence means no
// category; tag names go through tagging.Name (URLs, handles, prices, stop
// words refused; normalised, singular), confidences are clamped to [0,1],
// and the list through tagging.Limits.Finalize (threshold, duplicates,
// order, at most MaxTags). So a hostile or broken answer (an unknown
// category, a confidence of 7, fifty tags, URLs as tags) can never produce
// an invalid product.
//
// The titles, caption and hashtags are untrusted: they go to the model as
// JSON data in the user message, never in the system prompt, and the system
// prompt tells the model to treat them as data, not instructions.
//
// Answers are cached by a hash of the prompt version, the taxonomy version,
// the model and the sanitised batch, so a redelivered event never pays
// twice. A permanent failure (the Completer's error satisfies
// events.IsPermanent: bad key, no credits, refusal, an answer that does not
// fit the schema) falls back to the rule tagger for the whole batch; any
// other failure is returned, so the event is retried.
//
// The Completer is pkg/llm's client behind a small adapter
// (autotagger.NewLLMCompleter); Cache is any of pkg/llm's caches, so a blob
// cache (llm.OpenCache) shares answers between processes.
package llmtag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/taxonomy"
	"github.com/buylink/buylink/services/auto-tagger/tagging"
)

// Completer makes one structured completion: it sends the system prompt
// and the user content with the JSON schema (strict) and decodes the
// model's answer into out. Errors that retrying cannot fix must satisfy
// events.IsPermanent.
type Completer interface {
	Complete(ctx context.Context, req Request, out any) (Answer, error)
	// Model names the configured model; it is part of the cache key.
	Model() string
}

// Request is one completion.
type Request struct {
	System string
	// User is the untrusted data, as JSON.
	User string
	// SchemaName and Schema constrain the answer (Schema() under SchemaName).
	SchemaName string
	Schema     json.RawMessage
	// PromptVersion names the prompt's revision (PromptVersion).
	PromptVersion string
}

// Answer describes a completed call.
type Answer struct {
	// Model is the model that answered.
	Model string
}

// PromptVersion changes whenever the prompt or the schema changes meaning;
// it keys the cache.
const PromptVersion = "tagger-2025-07-1"

// SchemaName names the answer's schema to the API.
const SchemaName = "product_tags"

// minCategoryConfidence: a category the model is less sure of is dropped.
const minCategoryConfidence = 0.5

// categoryTagWeight scales the category confidence into its tag's.
const categoryTagWeight = 0.9

// noCategory is the enum value for "no category fits".
const noCategory = "none"

// Options configure a Tagger.
type Options struct {
	// Fallback tags what the model cannot: the whole batch on a permanent
	// failure, single products the answer leaves out or miscategorises.
	// Required (the rule tagger).
	Fallback tagging.Tagger
	// Cache keeps answers by input hash; nil disables caching.
	Cache Cache
	// Limits bound the tag lists (default tagging.DefaultLimits()).
	Limits tagging.Limits
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Tagger is the LLM tagger. It is safe for concurrent use if its Completer
// and Cache are.
type Tagger struct {
	c      Completer
	o      Options
	system string
	schema json.RawMessage
}

// New returns an LLM tagger.
func New(c Completer, o Options) (*Tagger, error) {
	if c == nil {
		return nil, errors.New("llmtag: a Completer is required")
	}
	if o.Fallback == nil {
		return nil, errors.New("llmtag: a fallback tagger is required")
	}
	if o.Limits == (tagging.Limits{}) {
		o.Limits = tagging.DefaultLimits()
	}
	if err := o.Limits.Validate(); err != nil {
		return nil, fmt.Errorf("llmtag: %w", err)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Tagger{c: c, o: o, system: systemPrompt(), schema: Schema()}, nil
}

// answer is the model's reply, as the schema shapes it.
type answer struct {
	Products []answerProduct `json:"products"`
}

type answerProduct struct {
	Index              int         `json:"index"`
	Category           string      `json:"category"`
	CategoryConfidence float64     `json:"category_confidence"`
	Tags               []answerTag `json:"tags"`
}

type answerTag struct {
	Name       string  `json:"name"`
	Confidence float64 `json:"confidence"`
}

// input is the user content: the untrusted data, as JSON.
type input struct {
	Products []inputProduct `json:"products"`
	Caption  string         `json:"caption,omitempty"`
	Hashtags []string       `json:"hashtags,omitempty"`
}

type inputProduct struct {
	Index int    `json:"index"`
	Title string `json:"title"`
}

// Tag tags a batch with the model, falling back to the rule tagger as the
// package documentation says.
func (t *Tagger) Tag(ctx context.Context, b tagging.Batch) (tagging.Tagged, error) {
	b, err := tagging.Sanitize(b)
	if err != nil {
		return tagging.Tagged{}, err
	}
	in := input{Caption: b.Caption, Hashtags: b.Hashtags}
	for i, title := range b.Titles {
		if strings.TrimSpace(title) != "" {
			in.Products = append(in.Products, inputProduct{Index: i, Title: title})
		}
	}
	out := tagging.Tagged{Tagger: tagging.TaggerLLM, Model: t.c.Model(), Products: make([]tagging.Result, len(b.Titles))}
	for i := range out.Products {
		out.Products[i].Tags = []tagging.Tag{}
	}
	if len(in.Products) == 0 {
		return out, nil // nothing to ask about
	}
	user, err := json.Marshal(in)
	if err != nil {
		return tagging.Tagged{}, fmt.Errorf("llmtag: encode input: %w", err)
	}
	key := cacheKey(t.c.Model(), string(user))
	ans, cached := t.fromCache(ctx, key)
	if !cached {
		got, err := t.c.Complete(ctx, Request{
			System: t.system, User: string(user), SchemaName: SchemaName, Schema: t.schema, PromptVersion: PromptVersion,
		}, &ans)
		if err != nil {
			if ctx.Err() == nil && events.IsPermanent(err) {
				t.o.Logger.WarnContext(ctx, "llm tagging failed for good; using the rule tagger", "err", err)
				return t.o.Fallback.Tag(ctx, b)
			}
			return tagging.Tagged{}, fmt.Errorf("llmtag: %w", err)
		}
		if got.Model != "" {
			out.Model = got.Model
		}
		t.toCache(ctx, key, ans)
	}
	fb, err := t.o.Fallback.Tag(ctx, b)
	if err != nil {
		return tagging.Tagged{}, fmt.Errorf("llmtag: fallback: %w", err)
	}
	t.apply(ctx, &out, ans, in, fb)
	return out, nil
}

// apply validates the answer into out; fb is the rule tagger's result for
// the same batch.
func (t *Tagger) apply(ctx context.Context, out *tagging.Tagged, ans answer, in input, fb tagging.Tagged) {
	sent := make(map[int]bool, len(in.Products))
	for _, p := range in.Products {
		sent[p.Index] = false
	}
	var dropped []int
	for _, p := range ans.Products {
		done, ok := sent[p.Index]
		if !ok || done {
			dropped = append(dropped, p.Index)
			continue
		}
		sent[p.Index] = true
		out.Products[p.Index] = t.product(ctx, p, fb.Products[p.Index])
	}
	var missing []int
	for _, p := range in.Products {
		if !sent[p.Index] {
			missing = append(missing, p.Index)
			out.Products[p.Index] = fb.Products[p.Index]
		}
	}
	if len(dropped) > 0 || len(missing) > 0 {
		t.o.Logger.WarnContext(ctx, "llm answer did not match the products sent; rule tags used for the missing ones",
			"unknown_or_repeated", dropped, "missing", missing)
	}
}

// product validates one product of the answer; fb is the rule tagger's
// result for it.
func (t *Tagger) product(ctx context.Context, p answerProduct, fb tagging.Result) tagging.Result {
	res := tagging.Result{}
	cands := make([]tagging.Tag, 0, len(p.Tags)+1)
	for _, tg := range p.Tags {
		cands = append(cands, tagging.Tag{Name: tg.Name, Confidence: tg.Confidence}) // Finalize clamps
	}
	conf := min(max(p.CategoryConfidence, 0), 1)
	switch c, ok := taxonomy.Lookup(p.Category); {
	case p.Category == noCategory:
	case !ok:
		t.o.Logger.WarnContext(ctx, "llm answered a category outside the taxonomy; using the rule tagger's",
			"category", truncate(p.Category, 64), "rules_category", fb.Category)
		res.Category = fb.Category
		if fc, ok := taxonomy.Lookup(fb.Category); ok {
			for _, tg := range fb.Tags {
				if tg.Name == fc.Tag {
					cands = append(cands, tg)
				}
			}
		}
	case conf >= minCategoryConfidence:
		res.Category = c.ID
		if c.Tag != "" {
			cands = append(cands, tagging.Tag{Name: c.Tag, Confidence: conf * categoryTagWeight})
		}
	}
	res.Tags = t.o.Limits.Finalize(cands)
	return res
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
