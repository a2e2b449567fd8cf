package taxonomy

import (
	"regexp"
	"slices"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
)

var idRE = regexp.MustCompile(`^[a-z]+/[a-z][a-z-]*[a-z]$`)

func TestCategories(t *testing.T) {
	cs := Categories()
	if len(cs) < 60 {
		t.Fatalf("only %d categories", len(cs))
	}
	seen := map[string]bool{}
	tops := map[string]bool{}
	for i, c := range cs {
		switch {
		case !idRE.MatchString(c.ID) || len(c.ID) > catalog.MaxCategoryRunes:
			t.Errorf("id %q is not top/sub in lower case", c.ID)
		case seen[c.ID]:
			t.Errorf("id %q repeated", c.ID)
		case c.Name == "" || c.Covers == "":
			t.Errorf("%s has no name or description", c.ID)
		case c.Tag != "" && catalog.NormalizeTag(c.Tag) != c.Tag:
			t.Errorf("%s: tag %q is not normalised", c.ID, c.Tag)
		}
		seen[c.ID] = true
		tops[c.Top()] = true
		if got, ok := Lookup(c.ID); !ok || got != c || Order(c.ID) != i {
			t.Errorf("Lookup/Order(%s) disagree with the list", c.ID)
		}
	}
	// The top levels are all there.
	for _, top := range []string{"apparel", "beauty", "home", "kitchen", "electronics", "toys", "sports", "pets", "food", "books"} {
		if !tops[top] {
			t.Errorf("top level %q is missing", top)
		}
	}
	if _, ok := Lookup("beauty"); ok || Order("nope/nope") != -1 {
		t.Error("unknown ids must not resolve")
	}
	if !slices.Equal(IDs()[:2], []string{cs[0].ID, cs[1].ID}) {
		t.Error("IDs must follow the display order")
	}
	cs[0].ID = "changed"
	if Categories()[0].ID == "changed" {
		t.Error("Categories must return a copy")
	}
}
