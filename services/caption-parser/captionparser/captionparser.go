// Package captionparser is the caption-parser worker's logic: it consumes
// video.posted, reads the caption's products, and publishes caption.parsed.
//
// With an OpenRouter key (OPENROUTER_API_KEY) every caption the rules see as
// a possible offer (rules.Facts.Commerce: a price, a link, a code, a call to
// action or a deal word in any language, priced or not) goes to the LLM
// parser (llmparse), whose answers are cached by input hash (LLM_CACHE_URL:
// a file:// directory or the media bucket, so a redelivered event never
// pays twice); every other caption, and every caption when no key is set,
// goes to the rule parser (rules). When the LLM
// fails for good (no credits, bad key, an answer that does not fit) the
// rules parse the caption instead; the event's parser field says which one
// produced the products. A transient LLM failure (rate limit, outage) is
// returned, so the queue redelivers the event later. Past the seller's or
// the total daily LLM budget (Config.Budget) the rules parse what the LLM
// would have, and the event's note says why.
//
// Captions that are not text (invalid UTF-8, NUL bytes) or longer than
// catalog.MaxCaptionBytes end in a caption.parsed carrying a Failure; an
// empty caption gives zero products. Nothing crashes the worker.
package captionparser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/llm"
	"github.com/buylink/buylink/services/caption-parser/llmparse"
	"github.com/buylink/buylink/services/caption-parser/rules"
)

// Name is the worker's name in logs and dead letters.
const Name = "caption-parser"

// Config configures a Parser.
type Config struct {
	// LLM configures the model; without an API key only the rules run.
	LLM llm.Config
	// CacheURL is where LLM answers are cached (LLM_CACHE_URL): "" keeps
	// them in memory, a gocloud blob URL ("file:///var/cache/buylink",
	// "s3://media-bucket?region=eu-west-1") shares them between processes.
	CacheURL string
	// Logger defaults to slog.Default() (not read from the environment).
	Logger *slog.Logger
	// HTTPClient sends LLM requests (tests; not read from the environment).
	HTTPClient *http.Client
	// Budget bounds the LLM spend per seller and in total per day
	// (*quota.Budget, LLM_BUDGET_*); nil spends without bound.
	Budget Budget
}

// Budget is the daily LLM budget (*quota.Budget): Allow answers "" when
// the seller may spend now, else why not; Spend charges a call's cost.
type Budget interface {
	Allow(ctx context.Context, seller string) (string, error)
	Spend(ctx context.Context, seller string, costUSD float64) error
}

// ConfigFromEnv reads the configuration (see llm.ConfigFromEnv and CacheURL).
func ConfigFromEnv() (Config, error) {
	lc, err := llm.ConfigFromEnv()
	if err != nil {
		return Config{}, err
	}
	return Config{LLM: lc, CacheURL: os.Getenv("LLM_CACHE_URL")}, nil
}

// Parser parses captions and publishes the results. It is safe for
// concurrent use.
type Parser struct {
	pub        bus.Publisher
	llm        *llmparse.Parser
	usage      *llm.Counters
	closeCache func() error
	budget     Budget
	log        *slog.Logger

	byRules, byLLM, fallbacks, rejected, overBudget atomic.Int64
}

// New returns a parser publishing to pub. It opens the LLM answer cache when
// an API key is configured.
func New(cfg Config, pub bus.Publisher) (*Parser, error) {
	if pub == nil {
		return nil, errors.New("captionparser: a publisher is required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	p := &Parser{pub: pub, usage: &llm.Counters{}, closeCache: func() error { return nil }, budget: cfg.Budget, log: log.With("worker", Name)}
	if !cfg.LLM.Enabled() {
		p.log.Info("no LLM key: captions are parsed by the rules")
		return p, nil
	}
	cache, closeCache, err := llm.OpenCache(context.Background(), cfg.CacheURL)
	if err != nil {
		return nil, fmt.Errorf("captionparser: %w", err)
	}
	client, err := llm.New(cfg.LLM, llm.Options{HTTPClient: cfg.HTTPClient, Cache: cache, Metrics: p.usage, Logger: p.log})
	if err != nil {
		_ = closeCache()
		return nil, fmt.Errorf("captionparser: %w", err)
	}
	p.llm, p.closeCache = llmparse.New(client), closeCache
	p.log.Info("captions with signs of commerce are parsed by the LLM", "model", client.Model(), "cache", cacheName(cfg.CacheURL))
	return p, nil
}

func cacheName(u string) string {
	if u == "" {
		return "memory"
	}
	if i := strings.Index(u, "://"); i > 0 {
		return u[:i]
	}
	return u
}

// Close releases the answer cache.
func (p *Parser) Close() error { return p.closeCache() }

// Handle is the bus.Handler for video.posted: it parses the caption and
// publishes caption.parsed. A malformed event is a permanent error (dead
// letter); a transient LLM or publish failure is retryable.
func (p *Parser) Handle(ctx context.Context, env events.Envelope) error {
	var vp events.VideoPosted
	if err := events.Decode(env, &vp); err != nil {
		return err
	}
	out, err := p.parse(ctx, env.Seller, rules.Input{Text: vp.Caption, PostedAt: vp.PostedAt, SellerLinks: vp.SellerLinks})
	if err != nil {
		return err
	}
	next, err := events.Next(env, &out)
	if err != nil {
		return events.Permanent(err)
	}
	if err := p.pub.Publish(ctx, next); err != nil {
		return fmt.Errorf("captionparser: publish %s for video %s: %w", next.Type, env.VideoID, err)
	}
	p.log.InfoContext(ctx, "caption parsed", "video_id", env.VideoID, "parser", out.Parser, "model", out.Model, "note", out.Note,
		"products", len(out.Products), "failure", out.Failure != nil)
	return nil
}

// Parse reads a caption's products. Its only errors are a transient LLM
// failure and a budget that cannot be read; everything else is a result.
func (p *Parser) Parse(ctx context.Context, in rules.Input) (events.CaptionParsed, error) {
	return p.parse(ctx, "", in)
}

// parse reads a caption of the seller's. A caption bound for the LLM goes
// to the rules instead when the seller's or the total LLM budget of the
// day is spent, and the event's note says so; the LLM's cost is charged to
// the seller.
func (p *Parser) parse(ctx context.Context, seller string, in rules.Input) (events.CaptionParsed, error) {
	out := events.CaptionParsed{Parser: catalog.ProductFromRules, PostedAt: in.PostedAt, Products: []events.ParsedProduct{}}
	if reason := CheckCaption(in.Text); reason != "" {
		p.rejected.Add(1)
		out.Failure = &events.Failure{Reason: reason}
		return out, nil
	}
	out.Caption, out.Hashtags = in.Text, rules.Hashtags(in.Text)
	useLLM := p.llm != nil && strings.TrimSpace(in.Text) != "" && rules.Analyze(in).Commerce
	if useLLM && p.budget != nil {
		why, err := p.budget.Allow(ctx, seller)
		if err != nil {
			return out, fmt.Errorf("captionparser: read the LLM budget: %w", err)
		}
		if why != "" {
			useLLM, out.Note = false, why
			p.overBudget.Add(1)
			p.log.WarnContext(ctx, "llm budget spent; the rules parse this caption", "seller", seller, "note", why)
		} else {
			ctx = llm.WithSpend(ctx, func(ctx context.Context, usd float64) {
				if err := p.budget.Spend(ctx, seller, usd); err != nil {
					p.log.ErrorContext(ctx, "could not charge an LLM call to the budget", "seller", seller, "cost_usd", usd, "err", err)
				}
			})
		}
	}
	if useLLM {
		res, err := p.llm.Parse(ctx, in)
		switch {
		case err == nil:
			p.byLLM.Add(1)
			out.Parser, out.Model, out.Products = catalog.ProductFromLLM, res.Model, res.Products
			if len(res.Notes) > 0 {
				p.log.InfoContext(ctx, "llm answer fields dropped by validation", "notes", res.Notes)
			}
			return out, nil
		case !llm.IsPermanent(err):
			return out, err
		default:
			p.fallbacks.Add(1)
			p.log.WarnContext(ctx, "llm failed for good; the rules parse this caption", "err", err)
		}
	}
	p.byRules.Add(1)
	if ps := rules.Parse(in); ps != nil {
		out.Products = ps
	}
	return out, nil
}

// CheckCaption returns why a caption cannot be parsed, or "" when it can:
// it must be at most catalog.MaxCaptionBytes of UTF-8 text without control
// characters other than line breaks and tabs. Invalid bytes that travelled
// through JSON arrive as U+FFFD: more than a few of them mean the caption
// was not text either.
func CheckCaption(s string) string {
	if len(s) > catalog.MaxCaptionBytes {
		return fmt.Sprintf("caption is %d bytes; at most %d are accepted", len(s), catalog.MaxCaptionBytes)
	}
	runes, replaced := 0, 0
	for i, r := range s {
		runes++
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return fmt.Sprintf("caption is not UTF-8 text (invalid byte 0x%02x at offset %d)", s[i], i)
		case r == utf8.RuneError:
			replaced++
		case r == 0:
			return fmt.Sprintf("caption is binary (NUL byte at offset %d)", i)
		case unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t':
			return fmt.Sprintf("caption is binary (control character U+%04X at offset %d)", r, i)
		}
	}
	if replaced > 3 && replaced*20 > runes {
		return fmt.Sprintf("caption is not text (%d of its %d characters are U+FFFD, bytes that were not UTF-8)", replaced, runes)
	}
	return ""
}

// Stats are the parser's running totals.
type Stats struct {
	// ByRules and ByLLM count captions each parser read; Fallbacks those the
	// rules read after the LLM failed for good; OverBudget those the rules
	// read because an LLM budget was spent; Rejected captions that could
	// not be parsed at all.
	ByRules, ByLLM, Fallbacks, OverBudget, Rejected int64
	// LLM holds the model's calls, tokens and cost.
	LLM llm.CounterSnapshot
}

// Stats returns the running totals.
func (p *Parser) Stats() Stats {
	return Stats{
		ByRules: p.byRules.Load(), ByLLM: p.byLLM.Load(), Fallbacks: p.fallbacks.Load(), OverBudget: p.overBudget.Load(),
		Rejected: p.rejected.Load(),
		LLM:      p.usage.Snapshot(),
	}
}
