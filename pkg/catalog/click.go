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

// View is one shopper's visit to a seller's shop page or one of its
// "shop this video" pages. Like a click it carries nothing personal.
type View struct {
	Seller string `json:"seller"`
	// Page is the video id of a "shop this video" page, or "" for the shop.
	Page string    `json:"page,omitempty"`
	At   time.Time `json:"at"`
}

// Validate checks the view.
func (v *View) Validate() error {
	if err := ValidateHandle("seller", v.Seller); err != nil {
		return err
	}
	if v.Page != "" {
		if err := ValidateVideoID("page", v.Page); err != nil {
			return err
		}
	}
	if v.At.IsZero() {
		return Invalid("at", "is required")
	}
	return nil
}

// DailyViews is the number of views of one page on one UTC day.
type DailyViews struct {
	// Page is the video id of a "shop this video" page, or "" for the shop.
	Page  string    `json:"page"`
	Day   time.Time `json:"day"` // midnight UTC
	Count int64     `json:"count"`
}
