package rules_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/buylink/buylink/services/auto-tagger/labeled"
	"github.com/buylink/buylink/services/auto-tagger/tagging"
)

// BenchmarkRuleTagger tags the labeled products one by one (each a batch of
// one, with its caption and hashtags when it has them) and reports
// products/s.
func BenchmarkRuleTagger(b *testing.B) {
	exs, err := labeled.Load(filepath.Join("..", "testdata", "labels.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	batches := make([]tagging.Batch, len(exs))
	for i, ex := range exs {
		batches[i] = tagging.Batch{Titles: []string{ex.Title}, Caption: ex.Caption, Hashtags: ex.Hashtags}
	}
	rt := newTagger(b)
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := rt.Tag(ctx, batches[n%len(batches)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "products/s")
}

// BenchmarkRuleTaggerLongCaption tags a video of 5 products whose caption
// has the largest accepted size (16 KiB), and reports products/s.
func BenchmarkRuleTaggerLongCaption(b *testing.B) {
	line := "Obsessed with this LED vanity mirror and the portable blender, both linked in my bio! #tiktokshop #makeuptok\n"
	batch := tagging.Batch{
		Titles:   []string{"LED vanity mirror", "Portable blender", "Organizador de maquillaje giratorio", "Ecksofa in Bouclé", "Kaos oversize pria hitam"},
		Caption:  strings.Repeat(line, 16<<10/len(line)),
		Hashtags: []string{"tiktokshop", "makeuptok", "amazonfinds", "kitchengadgets"},
	}
	rt := newTagger(b)
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := rt.Tag(ctx, batch); err != nil {
			b.Fatal(err)
		}
		n += len(batch.Titles)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "products/s")
}
