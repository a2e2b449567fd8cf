package catalog

import "time"

// Click is one shopper's visit through a product's buy link or a plain
// link.
type Click struct {
	// ProductID is the id of the product or link clicked (link ids start
	// with "l", IsLinkID).
	ProductID string    `json:"productId"`
	Seller    string    `json:"seller"`
	At        time.Time `json:"at"`
	// ReferrerHost is the host of the page the shopper came from, if known.
	ReferrerHost string `json:"referrerHost,omitempty"`
}

// Validate checks the click.
func (c *Click) Validate() error {
	if c.ProductID == "" {
		return Invalid("productId", "is required")
	}
	if err := ValidateHandle("seller", c.Seller); err != nil {
		return err
	}
	if c.At.IsZero() {
		return Invalid("at", "is required")
	}
	return ValidateText("referrerHost", c.ReferrerHost, 253, false)
}

// DailyClicks is the number of clicks on one product on one UTC day.
type DailyClicks struct {
	ProductID string    `json:"productId"`
	Day       time.Time `json:"day"` // midnight UTC
	Count     int64     `json:"count"`
}
