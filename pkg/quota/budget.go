package quota

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Defaults of the LLM budgets, in US dollars per UTC day.
const (
	// DefaultLLMSellerUSDPerDay pays for a few hundred captions and
	// products of one seller a day at a frontier model's prices.
	DefaultLLMSellerUSDPerDay = 1.0
	// DefaultLLMTotalUSDPerDay bounds the whole platform's bill.
	DefaultLLMTotalUSDPerDay = 50.0
)

// Budget is the LLM spend allowed per seller and in total per UTC day,
// shared by every worker that calls the LLM (the caption parser and the
// auto-tagger charge the same counters). Spend is what OpenRouter reports
// each call cost, kept in micro-dollars.
//
// A call is allowed while the day's spend is under both budgets; its cost
// is known only after it, so calls running in parallel when the budget is
// reached can pass it by their own cost (a few cents), never more.
type Budget struct {
	Counters Counters
	// SellerMicroUSD and TotalMicroUSD are the daily budgets in
	// micro-dollars; 0 allows no spend, Unlimited any.
	SellerMicroUSD, TotalMicroUSD int64
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (b *Budget) now() time.Time {
	if b.Now == nil {
		return time.Now()
	}
	return b.Now()
}

// totalSubject is the counter of every seller's spend together.
const totalSubject = "*"

// Allow answers "" when the seller may spend on the LLM now, or why not
// (the budget that is used up, in words meant for the event's note).
func (b *Budget) Allow(ctx context.Context, seller string) (string, error) {
	now := b.now()
	for _, c := range []struct {
		subject, what string
		limit         int64
	}{{seller, "seller @" + seller, b.SellerMicroUSD}, {totalSubject, "all sellers", b.TotalMicroUSD}} {
		if c.limit == Unlimited || c.subject == "" {
			continue
		}
		spent, err := b.Counters.GetCounter(ctx, day.key("llm-spend", now, c.subject))
		if err != nil {
			return "", err
		}
		if spent >= c.limit {
			return fmt.Sprintf("LLM budget per day of %s used up (%s of %s); the rules were used until %s UTC",
				c.what, usd(spent), usd(c.limit), now.UTC().Truncate(24*time.Hour).Add(24*time.Hour).Format("2006-01-02 15:04")), nil
		}
	}
	return "", nil
}

// Spend charges a call's cost to the seller's and the total budget.
func (b *Budget) Spend(ctx context.Context, seller string, costUSD float64) error {
	micro := int64(math.Ceil(costUSD * 1e6))
	if micro <= 0 {
		return nil
	}
	now := b.now()
	for _, subject := range []string{seller, totalSubject} {
		if subject == "" {
			continue
		}
		if _, _, err := b.Counters.AddCounter(context.WithoutCancel(ctx), day.key("llm-spend", now, subject), micro, Unlimited, day.expiry(now)); err != nil {
			return err
		}
	}
	return nil
}

// ParseUSD reads a daily budget in US dollars from the environment
// variable name ("2.50"; 0 allows no LLM spend; "off" is no budget), or
// def when unset, as micro-dollars.
func ParseUSD(name, value string, def float64) (int64, error) {
	v := strings.TrimPrefix(strings.TrimSpace(value), "$")
	switch {
	case v == "":
		return int64(math.Round(def * 1e6)), nil
	case strings.EqualFold(v, "off"):
		return Unlimited, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 1e6 {
		return 0, fmt.Errorf("%s must be US dollars per day from 0 to 1000000 such as 2.50, or off (got %q)", name, value)
	}
	return int64(math.Round(f * 1e6)), nil
}

func usd(micro int64) string { return fmt.Sprintf("$%.2f", float64(micro)/1e6) }

// BudgetFromEnv is the daily LLM budget every LLM worker shares,
// configured by LLM_BUDGET_SELLER_USD_PER_DAY and
// LLM_BUDGET_TOTAL_USD_PER_DAY (a deploy.Env) and counted in store, the
// catalog store.
func BudgetFromEnv(store any, env interface{ Get(name string) string }) (*Budget, error) {
	counters, ok := store.(Counters)
	if !ok {
		return nil, fmt.Errorf("the LLM budgets are counted in the catalog store, and the store %T keeps no counters (set STORE_URL)", store)
	}
	b := &Budget{Counters: counters}
	var err error
	if b.SellerMicroUSD, err = ParseUSD("LLM_BUDGET_SELLER_USD_PER_DAY", env.Get("LLM_BUDGET_SELLER_USD_PER_DAY"), DefaultLLMSellerUSDPerDay); err != nil {
		return nil, err
	}
	if b.TotalMicroUSD, err = ParseUSD("LLM_BUDGET_TOTAL_USD_PER_DAY", env.Get("LLM_BUDGET_TOTAL_USD_PER_DAY"), DefaultLLMTotalUSDPerDay); err != nil {
		return nil, err
	}
	return b, nil
}
