package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The export reader is deliberately small: pkg/tiktok (the ingestion API's
// Apify reader) was not on main when the CLI was written. It reads the two
// shapes Apify's TikTok scrapers export: the dataset as a JSON array of
// items, and the "flattened" CSV whose headers are paths such as
// authorMeta/name and mediaUrls/0.

// maxExportBytes bounds an export file.
const maxExportBytes = 64 << 20

// exportItem is one video of an export, or the reason it is skipped.
type exportItem struct {
	// Row is the item's position: 1-based index in a JSON array, line-ish
	// row number (header = 1) in a CSV.
	Row      int
	VideoURL string
	Seller   string
	Caption  string
	MediaURL string
	// Skip says why the item is not a video to ingest ("" otherwise).
	Skip string
}

// apifyItem is the part of an Apify TikTok dataset item the CLI reads.
type apifyItem struct {
	Text        string          `json:"text"`
	WebVideoURL string          `json:"webVideoUrl"`
	MediaURLs   []string        `json:"mediaUrls"`
	IsSlideshow bool            `json:"isSlideshow"`
	Error       json.RawMessage `json:"error"`
	AuthorMeta  struct {
		Name string `json:"name"`
	} `json:"authorMeta"`
}

// readExportFile reads an export, choosing the format by extension (.json,
// .csv) or, failing that, by content.
func readExportFile(path string) ([]exportItem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("export file: %w", err)
	}
	defer func() { _ = f.Close() }()
	raw, err := io.ReadAll(io.LimitReader(f, maxExportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("export file %s: %w", path, err)
	}
	if len(raw) > maxExportBytes {
		return nil, fmt.Errorf("export file %s is larger than %d MiB", path, maxExportBytes>>20)
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	asJSON := strings.EqualFold(filepath.Ext(path), ".json")
	if !asJSON && !strings.EqualFold(filepath.Ext(path), ".csv") {
		asJSON = bytes.HasPrefix(bytes.TrimSpace(raw), []byte("["))
	}
	var items []exportItem
	if asJSON {
		items, err = readExportJSON(raw)
	} else {
		items, err = readExportCSV(raw)
	}
	if err != nil {
		return nil, fmt.Errorf("export file %s: %w", path, err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("export file %s holds no items", path)
	}
	return items, nil
}

func readExportJSON(raw []byte) ([]exportItem, error) {
	var items []apifyItem
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("not an Apify dataset (a JSON array of items): %w", err)
	}
	out := make([]exportItem, 0, len(items))
	for i, it := range items {
		media := ""
		if len(it.MediaURLs) > 0 {
			media = it.MediaURLs[0]
		}
		errText := ""
		if len(it.Error) > 0 && string(it.Error) != "null" && string(it.Error) != `""` {
			errText = strings.Trim(string(it.Error), `"`)
		}
		out = append(out, newExportItem(i+1, it.WebVideoURL, it.AuthorMeta.Name, it.Text, media, it.IsSlideshow, errText))
	}
	return out, nil
}

func readExportCSV(raw []byte) ([]exportItem, error) {
	r := csv.NewReader(bytes.NewReader(raw))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("not a CSV export: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	if _, ok := col["webVideoUrl"]; !ok {
		return nil, errors.New("not an Apify TikTok CSV export: no webVideoUrl column")
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []exportItem
	for row := 2; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", row, err)
		}
		out = append(out, newExportItem(row, get(rec, "webVideoUrl"), get(rec, "authorMeta/name"), get(rec, "text"),
			get(rec, "mediaUrls/0"), strings.EqualFold(get(rec, "isSlideshow"), "true"), get(rec, "error")))
	}
	return out, nil
}

// newExportItem makes an item, or a skipped one: an error item of the
// scraper, or one without a video URL. A slideshow's media is images, which
// the API does not take: it is posted without media_url.
func newExportItem(row int, videoURL, seller, caption, media string, slideshow bool, errText string) exportItem {
	it := exportItem{Row: row, VideoURL: videoURL, Seller: seller, Caption: caption, MediaURL: media}
	switch {
	case errText != "":
		it.Skip = "the scraper reported an error: " + errText
	case videoURL == "":
		it.Skip = "no webVideoUrl"
	}
	if slideshow {
		it.MediaURL = ""
	}
	return it
}
