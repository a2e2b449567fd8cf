package catalog

import "time"

// Seller is a TikTok seller with a storefront. A handle is owned by exactly one
// identity (Sub, the token subject) and each identity owns at most one seller.
type Seller struct {
	Handle      string `json:"handle"`
	Sub         string `json:"sub"`
	DisplayName string `json:"displayName"`
	AvatarURL   string `json:"avatarUrl,omitempty"`
	Bio         string `json:"bio,omitempty"`
	// IngestCursor is the posted time of the newest video the scheduler has
	// ingested; the next scheduled run asks only for newer ones.
	IngestCursor time.Time `json:"ingestCursor,omitzero"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// Validate strips invisible and bidirectional control characters from the
// seller's display name and bio (CleanText), then checks every field.
func (s *Seller) Validate() error {
	s.DisplayName, s.Bio = CleanText(s.DisplayName), CleanText(s.Bio)
	if err := ValidateHandle("handle", s.Handle); err != nil {
		return err
	}
	if s.Sub == "" {
		return Invalid("sub", "is required")
	}
	if err := ValidateText("sub", s.Sub, 128, false); err != nil {
		return err
	}
	if err := ValidateText("displayName", s.DisplayName, MaxNameRunes, false); err != nil {
		return err
	}
	if err := ValidateText("bio", s.Bio, 500, true); err != nil {
		return err
	}
	if s.AvatarURL != "" {
		if err := ValidatePublicURL("avatarUrl", s.AvatarURL); err != nil {
			return err
		}
	}
	return nil
}
