package tiktok

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
)

// Post is one TikTok post read from a scraper item, normalised for buylink.
type Post struct {
	ID string
	// Author is the author's handle (normalised).
	Author  string
	PageURL string
	// MediaURL is the video file; empty for a slideshow, which has ImageURLs.
	MediaURL  string
	CoverURL  string
	ImageURLs []string
	Caption   string
	Hashtags  []string
	PostedAt  time.Time
	// AuthorLinks are the author's own links (the profile's bio link): never
	// buy links.
	AuthorLinks []string
}

// Video returns the post as a queued catalog video of the seller.
func (p Post) Video(seller, source string) catalog.Video {
	return catalog.Video{
		ID: p.ID, Seller: seller, PageURL: p.PageURL, MediaURL: p.MediaURL, CoverURL: p.CoverURL,
		ImageURLs: slices.Clone(p.ImageURLs), Caption: p.Caption, PostedAt: p.PostedAt,
		Status: catalog.VideoQueued, Source: source,
	}
}

// Batch is what a list of scraper items holds.
type Batch struct {
	// Posts are the usable items, in input order.
	Posts []Post
	// ErrorItems counts the scraper's error items ({"error": ...}), such as
	// a profile that does not exist.
	ErrorItems int
	// Invalid counts items that could not be read as a post.
	Invalid int
	// Problems says why items were skipped, one line each (the first
	// MaxProblems).
	Problems []string
}

// MaxProblems bounds Batch.Problems.
const MaxProblems = 20

// Skipped counts every item that is not in Posts.
func (b *Batch) Skipped() int { return b.ErrorItems + b.Invalid }

func (b *Batch) note(i int, format string, args ...any) {
	if len(b.Problems) < MaxProblems {
		b.Problems = append(b.Problems, fmt.Sprintf("item %d: ", i+1)+fmt.Sprintf(format, args...))
	}
}

// add reads one raw item into the batch; a bad item is counted, never fatal.
func (b *Batch) add(i int, raw []byte) {
	var probe struct {
		Error errorText `json:"error"`
		Input string    `json:"input"`
		URL   string    `json:"url"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		b.Invalid++
		b.note(i, "not a JSON object: %v", err)
		return
	}
	if probe.Error != "" {
		b.ErrorItems++
		b.note(i, "scraper error for %q: %s", clip(probe.Input, 60), clip(string(probe.Error), 200))
		return
	}
	var it item
	if err := json.Unmarshal(raw, &it); err != nil {
		b.Invalid++
		b.note(i, "unreadable: %v", err)
		return
	}
	p, err := it.post()
	if err != nil {
		b.Invalid++
		b.note(i, "%v", err)
		return
	}
	b.Posts = append(b.Posts, p)
}

// item is one dataset item of the clockworks TikTok scrapers, as the API and
// its JSON export give it (and as DecodeCSV rebuilds it). Only the fields
// buylink uses are decoded; the flexible types accept both the API's types
// and the CSV's strings.
type item struct {
	ID            flexString `json:"id"`
	Text          string     `json:"text"`
	CreateTimeISO string     `json:"createTimeISO"`
	CreateTime    flexInt    `json:"createTime"`
	WebVideoURL   string     `json:"webVideoUrl"`
	MediaURLs     []string   `json:"mediaUrls"`
	VideoMeta     struct {
		CoverURL             string `json:"coverUrl"`
		OriginalCoverURL     string `json:"originalCoverUrl"`
		DownloadAddr         string `json:"downloadAddr"`
		OriginalDownloadAddr string `json:"originalDownloadAddr"`
	} `json:"videoMeta"`
	Hashtags []struct {
		Name string `json:"name"`
	} `json:"hashtags"`
	IsSlideshow         flexBool `json:"isSlideshow"`
	SlideshowImageLinks []struct {
		DownloadLink string `json:"downloadLink"`
		TiktokLink   string `json:"tiktokLink"`
	} `json:"slideshowImageLinks"`
	AuthorMeta struct {
		Name    string `json:"name"`
		BioLink string `json:"bioLink"`
	} `json:"authorMeta"`
}

func (it item) post() (Post, error) {
	id := string(it.ID)
	if err := catalog.ValidateVideoID("id", id); err != nil {
		return Post{}, fmt.Errorf("id %q is not a TikTok video id", clip(id, 30))
	}
	p := Post{ID: id, Caption: strings.TrimSpace(it.Text)}
	switch {
	case it.CreateTimeISO != "":
		t, err := time.Parse(time.RFC3339, it.CreateTimeISO)
		if err != nil {
			return Post{}, fmt.Errorf("video %s: createTimeISO %q is not a time", id, clip(it.CreateTimeISO, 40))
		}
		p.PostedAt = t.UTC()
	case it.CreateTime > 0:
		p.PostedAt = time.Unix(int64(it.CreateTime), 0).UTC()
	default:
		return Post{}, fmt.Errorf("video %s has no creation time", id)
	}
	if it.AuthorMeta.Name != "" {
		p.Author = catalog.NormalizeHandle(it.AuthorMeta.Name)
	}
	if it.WebVideoURL != "" {
		ref, err := ParseVideoURL("webVideoUrl", it.WebVideoURL)
		switch {
		case err != nil:
			return Post{}, fmt.Errorf("video %s: %w", id, err)
		case ref.ID != id:
			return Post{}, fmt.Errorf("video %s: webVideoUrl names video %q", id, ref.ID)
		case p.Author == "":
			p.Author = ref.Handle
		}
	}
	if err := catalog.ValidateHandle("author", p.Author); err != nil {
		return Post{}, fmt.Errorf("video %s has no valid author handle: %w", id, err)
	}
	p.PageURL = VideoRef{ID: id}.PageURL(p.Author)
	if it.IsSlideshow {
		for _, l := range it.SlideshowImageLinks {
			if u := firstURL(l.DownloadLink, l.TiktokLink); u != "" && len(p.ImageURLs) < catalog.MaxImages {
				p.ImageURLs = append(p.ImageURLs, u)
			}
		}
	} else {
		media := []string{it.VideoMeta.DownloadAddr, it.VideoMeta.OriginalDownloadAddr}
		if len(it.MediaURLs) > 0 {
			media = append([]string{it.MediaURLs[0]}, media...)
		}
		p.MediaURL = firstURL(media...)
	}
	p.CoverURL = firstURL(it.VideoMeta.CoverURL, it.VideoMeta.OriginalCoverURL)
	for _, h := range it.Hashtags {
		if n := strings.ToLower(strings.TrimSpace(h.Name)); n != "" && !slices.Contains(p.Hashtags, n) {
			p.Hashtags = append(p.Hashtags, n)
		}
	}
	if l := bioLink(it.AuthorMeta.BioLink); l != "" {
		p.AuthorLinks = []string{l}
	}
	return p, nil
}

// firstURL returns the first of urls that passes the URL policy (a public
// http(s) URL).
func firstURL(urls ...string) string {
	for _, u := range urls {
		if u != "" && catalog.ValidatePublicURL("url", u) == nil {
			return u
		}
	}
	return ""
}

// bioLink makes an absolute URL of a profile's bio link ("linktr.ee/x").
func bioLink(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	return firstURL(s)
}

// DecodeJSON reads a JSON array of scraper items: the body of
// run-sync-get-dataset-items, a dataset's items or a JSON export file.
// Error items and unreadable items are counted in the batch, never fatal;
// only input that is not a JSON array is an error.
func DecodeJSON(r io.Reader) (Batch, error) {
	var b Batch
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return b, fmt.Errorf("tiktok: items are not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return b, fmt.Errorf("tiktok: items must be a JSON array (got %v)", tok)
	}
	for i := 0; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return b, fmt.Errorf("tiktok: item %d is not valid JSON: %w", i+1, err)
		}
		b.add(i, raw)
	}
	if _, err := dec.Token(); err != nil {
		return b, fmt.Errorf("tiktok: unterminated item array: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return b, errors.New("tiktok: data after the item array")
	}
	return b, nil
}

// DecodeCSV reads an Apify CSV export of scraper items: a header row of
// flattened paths ("authorMeta/name", "hashtags/0/name", ...; an optional
// UTF-8 byte order mark first) and one item a row. Each row is rebuilt into
// the item's JSON shape; empty cells are absent fields.
func DecodeCSV(r io.Reader) (Batch, error) {
	var b Batch
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	header, err := cr.Read()
	if err != nil {
		return b, fmt.Errorf("tiktok: CSV header: %w", err)
	}
	paths := make([][]string, len(header))
	for i, h := range header {
		paths[i] = strings.Split(strings.TrimSpace(h), "/")
	}
	if !slices.ContainsFunc(paths, func(p []string) bool { return len(p) == 1 && p[0] == "id" }) {
		return b, errors.New("tiktok: the CSV has no id column; is it an export of the TikTok scraper?")
	}
	for i := 0; ; i++ {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				b.Invalid++
				b.note(i, "row on line %d has %d fields, the header %d", pe.StartLine, len(row), len(header))
				continue
			}
			return b, fmt.Errorf("tiktok: CSV: %w", err)
		}
		raw, err := json.Marshal(unflatten(paths, row))
		if err != nil {
			b.Invalid++
			b.note(i, "unreadable row: %v", err)
			continue
		}
		b.add(i, raw)
	}
}

// unflatten rebuilds a nested value from flattened paths: a segment that is
// a number indexes an array.
func unflatten(paths [][]string, row []string) any {
	root := map[string]any{}
	for i, cell := range row {
		if cell == "" || i >= len(paths) {
			continue
		}
		m := root
		p := paths[i]
		for _, seg := range p[:len(p)-1] {
			next, ok := m[seg].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[seg] = next
			}
			m = next
		}
		m[p[len(p)-1]] = cell
	}
	return arrays(root)
}

// arrays turns every map whose keys are all indexes into a slice.
func arrays(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	idx := make([]int, 0, len(m))
	for k, child := range m {
		m[k] = arrays(child)
		if n, err := strconv.Atoi(k); err == nil && n >= 0 && n < 10_000 {
			idx = append(idx, n)
		}
	}
	if len(idx) == 0 || len(idx) != len(m) {
		return m
	}
	out := make([]any, slices.Max(idx)+1)
	for _, n := range idx {
		out[n] = m[strconv.Itoa(n)]
	}
	return out
}

// flexString accepts a JSON string or number (ids arrive as strings from the
// API; older exports had numbers).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		err := json.Unmarshal(b, &s)
		*f = flexString(s)
		return err
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %s", clip(string(b), 30))
	}
	*f = flexString(n.String())
	return nil
}

// flexInt accepts a JSON number or a string of digits ("" is zero).
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("want a number, got %s", clip(string(b), 30))
	}
	*f = flexInt(n)
	return nil
}

// flexBool accepts true/false or the strings "true"/"false".
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(b), `"`) {
	case "true":
		*f = true
	case "false", "", "null":
		*f = false
	default:
		return fmt.Errorf("want true or false, got %s", clip(string(b), 30))
	}
	return nil
}

// errorText reads an item's "error" member: a string, or any other JSON value
// kept as text.
type errorText string

func (e *errorText) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*e = errorText(s)
		return nil
	}
	if string(b) == "null" || string(b) == "false" {
		*e = ""
		return nil
	}
	*e = errorText(b)
	return nil
}
