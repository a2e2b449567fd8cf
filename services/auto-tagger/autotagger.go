// Package autotagger is the auto-tagger worker's logic: it consumes
// caption.parsed, gives every parsed product a category from the fixed
// taxonomy (package taxonomy) and up to TAGGER_MAX_TAGS confident tags, and
// publishes product.tagged with one TaggedProduct per parsed product, by
// the product's Index.
//
// Tagging is done by the rule tagger (package rules) unless an LLM
// Completer is configured, in which case the LLM tagger (package llmtag)
// tags and the rules fill in for what the model cannot (see llmtag). The
// event's tagger field says which one produced the tags ("rules" or "llm",
// with the model). Past the seller's or the total daily LLM budget
// (Config.Budget) the rules tag instead, and the event's note says why.
//
// Every caption.parsed yields a product.tagged, so the video's pipeline can
// complete:
//
//   - a caption.parsed with a Failure gives a product.tagged with no
//     products and the same Failure (the projector may read either event;
//     both say why the video failed);
//   - one with zero products gives a product.tagged with zero products;
//   - an empty or hostile title (HTML, control characters, 100 KB of text)
//     gives that product an empty category and no tags, never an error.
//
// Errors: a malformed event, or one with more than tagging.MaxProducts
// products, is permanent (dead-lettered); a transient LLM failure or a
// failed publish is retryable, and the redelivered event does not pay the
// LLM twice (answers are cached by input hash).
package autotagger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/llm"
	"github.com/buylink/buylink/services/auto-tagger/llmtag"
	"github.com/buylink/buylink/services/auto-tagger/rules"
	"github.com/buylink/buylink/services/auto-tagger/tagging"
)

// Name is the worker's name in logs and dead letters.
const Name = "auto-tagger"

// Config configures a Service.
type Config struct {
	// Limits bound every tag list (TAGGER_MAX_TAGS, TAGGER_MIN_CONFIDENCE).
	Limits tagging.Limits
	// LLM tags with a model when set (see llmtag for the adapter around
	// pkg/llm's client); nil tags with the rules only.
	LLM llmtag.Completer
	// Cache keeps LLM answers by input hash; nil keeps them in memory
	// (llm.NewMemoryCache). Unused without LLM.
	Cache llmtag.Cache
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Budget bounds the LLM spend per seller and in total per day
	// (*quota.Budget, LLM_BUDGET_*); nil spends without bound. Unused
	// without LLM.
	Budget Budget
}

// Budget is the daily LLM budget (*quota.Budget): Allow answers "" when
// the seller may spend now, else why not; Spend charges a call's cost.
type Budget interface {
	Allow(ctx context.Context, seller string) (string, error)
	Spend(ctx context.Context, seller string, costUSD float64) error
}

// ConfigFromEnv reads the limits (see tagging.LimitsFromEnv) and, when
// OPENROUTER_API_KEY is set, builds the LLM tagger's model client (see
// llm.ConfigFromEnv) with its answer cache at LLM_CACHE_URL ("" keeps
// answers in memory). The returned close function releases the cache.
func ConfigFromEnv(ctx context.Context, log *slog.Logger) (Config, func() error, error) {
	noop := func() error { return nil }
	l, err := tagging.LimitsFromEnv()
	if err != nil {
		return Config{}, noop, err
	}
	cfg := Config{Limits: l, Logger: log}
	lc, err := llm.ConfigFromEnv()
	if err != nil {
		return Config{}, noop, err
	}
	if !lc.Enabled() {
		return cfg, noop, nil
	}
	cache, closeCache, err := llm.OpenCache(ctx, os.Getenv("LLM_CACHE_URL"))
	if err != nil {
		return Config{}, noop, fmt.Errorf("autotagger: %w", err)
	}
	if cfg.LLM, err = NewLLMCompleter(lc, llm.Options{Logger: log}); err != nil {
		_ = closeCache()
		return Config{}, noop, err
	}
	cfg.Cache = cache
	return cfg, closeCache, nil
}

// llmCompleter is pkg/llm's client as the LLM tagger's Completer. Answers
// are cached by the tagger (Config.Cache), so the client keeps none.
type llmCompleter struct {
	c       *llm.Client
	mu      sync.Mutex
	schemas map[string]*llm.Schema // compiled once per schema name
}

// NewLLMCompleter returns the LLM tagger's Completer over a pkg/llm client.
func NewLLMCompleter(cfg llm.Config, o llm.Options) (llmtag.Completer, error) {
	o.Cache = nil
	c, err := llm.New(cfg, o)
	if err != nil {
		return nil, fmt.Errorf("autotagger: %w", err)
	}
	return &llmCompleter{c: c, schemas: map[string]*llm.Schema{}}, nil
}

// Model implements llmtag.Completer.
func (a *llmCompleter) Model() string { return a.c.Model() }

func (a *llmCompleter) schema(name string, raw []byte) (*llm.Schema, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.schemas[name]; ok {
		return s, nil
	}
	s, err := llm.NewSchema(name, raw)
	if err != nil {
		return nil, events.Permanent(fmt.Errorf("autotagger: schema %s: %w", name, err))
	}
	a.schemas[name] = s
	return s, nil
}

// Complete implements llmtag.Completer; pkg/llm's permanent failures become
// permanent errors of the bus contract.
func (a *llmCompleter) Complete(ctx context.Context, r llmtag.Request, out any) (llmtag.Answer, error) {
	schema, err := a.schema(r.SchemaName, r.Schema)
	if err != nil {
		return llmtag.Answer{}, err
	}
	res, err := a.c.Complete(ctx, llm.Request{System: r.System, User: r.User, Schema: schema, PromptVersion: r.PromptVersion}, out)
	if llm.IsPermanent(err) {
		err = events.Permanent(err)
	}
	return llmtag.Answer{Model: res.Model}, err
}

// Service tags products and publishes the results. It is safe for
// concurrent use.
type Service struct {
	pub    bus.Publisher
	tagger tagging.Tagger
	// rules tags when the LLM budget is spent (the same as tagger without
	// an LLM).
	rules  tagging.Tagger
	budget Budget
	limits tagging.Limits
	log    *slog.Logger

	seen, byRules, byLLM, failuresForwarded, overBudget atomic.Int64
}

// New returns a service publishing to pub.
func New(cfg Config, pub bus.Publisher) (*Service, error) {
	if pub == nil {
		return nil, errors.New("autotagger: a publisher is required")
	}
	if cfg.Limits == (tagging.Limits{}) {
		cfg.Limits = tagging.DefaultLimits()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("worker", Name)
	rt, err := rules.New(cfg.Limits)
	if err != nil {
		return nil, fmt.Errorf("autotagger: %w", err)
	}
	s := &Service{pub: pub, tagger: rt, rules: rt, budget: cfg.Budget, limits: cfg.Limits, log: log}
	if cfg.LLM == nil {
		log.Info("no LLM: products are tagged by the rules", "max_tags", cfg.Limits.MaxTags, "min_confidence", cfg.Limits.MinConfidence)
		return s, nil
	}
	cache := cfg.Cache
	if cache == nil {
		cache = llm.NewMemoryCache(llm.DefaultMemoryEntries)
	}
	lt, err := llmtag.New(cfg.LLM, llmtag.Options{Fallback: rt, Cache: cache, Limits: cfg.Limits, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("autotagger: %w", err)
	}
	s.tagger = lt
	log.Info("products are tagged by the LLM, the rules filling in", "model", cfg.LLM.Model(),
		"max_tags", cfg.Limits.MaxTags, "min_confidence", cfg.Limits.MinConfidence)
	return s, nil
}

// Handle is the bus.Handler for caption.parsed.
func (s *Service) Handle(ctx context.Context, env events.Envelope) error {
	var in events.CaptionParsed
	if err := events.Decode(env, &in); err != nil {
		return err
	}
	out, err := s.tag(ctx, env.Seller, in)
	if err != nil {
		return err
	}
	next, err := events.Next(env, &out)
	if err != nil {
		return events.Permanent(err)
	}
	if err := s.pub.Publish(ctx, next); err != nil {
		return fmt.Errorf("autotagger: publish %s for video %s: %w", next.Type, env.VideoID, err)
	}
	s.log.InfoContext(ctx, "products tagged", "video_id", env.VideoID, "tagger", out.Tagger, "model", out.Model, "note", out.Note,
		"products", len(out.Products), "failure", out.Failure != nil)
	return nil
}

// Tag tags the products of a caption.parsed payload. Its errors are a
// transient tagger failure (retryable) or a batch too large to tag
// (permanent).
func (s *Service) Tag(ctx context.Context, in events.CaptionParsed) (events.ProductTagged, error) {
	return s.tag(ctx, "", in)
}

// tag tags the products of a seller's caption. With an LLM tagger and a
// budget, the rules tag instead when the seller's or the total LLM budget
// of the day is spent, and the event's note says so; the LLM's cost is
// charged to the seller.
func (s *Service) tag(ctx context.Context, seller string, in events.CaptionParsed) (events.ProductTagged, error) {
	s.seen.Add(1)
	tagger, note := s.tagger, ""
	if s.budget != nil && tagger != s.rules && in.Failure == nil && len(in.Products) > 0 {
		why, err := s.budget.Allow(ctx, seller)
		if err != nil {
			return events.ProductTagged{}, fmt.Errorf("autotagger: read the LLM budget: %w", err)
		}
		if why != "" {
			tagger, note = s.rules, why
			s.overBudget.Add(1)
			s.log.WarnContext(ctx, "llm budget spent; the rules tag these products", "seller", seller, "note", why)
		} else {
			ctx = llm.WithSpend(ctx, func(ctx context.Context, usd float64) {
				if err := s.budget.Spend(ctx, seller, usd); err != nil {
					s.log.ErrorContext(ctx, "could not charge an LLM call to the budget", "seller", seller, "cost_usd", usd, "err", err)
				}
			})
		}
	}
	var b tagging.Batch // empty for a failed caption: only the tagger's name is wanted
	if in.Failure == nil {
		b = tagging.Batch{Caption: in.Caption, Hashtags: in.Hashtags}
		for _, p := range in.Products {
			b.Titles = append(b.Titles, p.Title)
		}
	}
	tagged, err := tagger.Tag(ctx, b)
	switch {
	case errors.Is(err, tagging.ErrTooManyProducts):
		return events.ProductTagged{}, events.Permanent(fmt.Errorf("autotagger: %w", err))
	case err != nil:
		return events.ProductTagged{}, err
	case len(tagged.Products) != len(b.Titles):
		return events.ProductTagged{}, events.Permanent(fmt.Errorf("autotagger: tagger %s returned %d results for %d products", tagged.Tagger, len(tagged.Products), len(b.Titles)))
	}
	out := events.ProductTagged{Tagger: tagged.Tagger, Model: tagged.Model, Note: note, Products: make([]events.TaggedProduct, 0, len(b.Titles))}
	if in.Failure != nil {
		out.Failure = &events.Failure{Reason: in.Failure.Reason}
		s.failuresForwarded.Add(1)
		return out, nil
	}
	for i, p := range in.Products {
		r := tagged.Products[i]
		if err := s.limits.Check(r.Tags); err != nil {
			// Both taggers finalise their lists; this is the last guard.
			return events.ProductTagged{}, events.Permanent(fmt.Errorf("autotagger: tagger %s broke the tag invariants for product %d: %w", tagged.Tagger, p.Index, err))
		}
		tags := make([]events.Tag, len(r.Tags))
		for k, t := range r.Tags {
			tags[k] = events.Tag{Name: t.Name, Confidence: t.Confidence}
		}
		out.Products = append(out.Products, events.TaggedProduct{Index: p.Index, Category: r.Category, Tags: tags})
	}
	if tagged.Tagger == tagging.TaggerLLM {
		s.byLLM.Add(int64(len(out.Products)))
	} else {
		s.byRules.Add(int64(len(out.Products)))
	}
	return out, nil
}

// Stats are the service's running totals.
type Stats struct {
	// Events counts caption.parsed events tagged; FailuresForwarded those
	// that carried a Failure.
	Events, FailuresForwarded int64
	// ByRules and ByLLM count products by the tagger that tagged them;
	// OverBudget counts events the rules tagged because an LLM budget was
	// spent.
	ByRules, ByLLM, OverBudget int64
}

// Stats returns the running totals.
func (s *Service) Stats() Stats {
	return Stats{Events: s.seen.Load(), FailuresForwarded: s.failuresForwarded.Load(), ByRules: s.byRules.Load(), ByLLM: s.byLLM.Load(),
		OverBudget: s.overBudget.Load()}
}
