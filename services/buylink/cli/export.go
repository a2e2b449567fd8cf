package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/buylink/buylink/pkg/tiktok"
)

// maxExportBytes bounds an export file (about 10 KiB a post).
const maxExportBytes = 512 << 20

// readExport reads an Apify TikTok export with pkg/tiktok, the reader the
// ingestion API uses: the dataset's JSON array of items, or Apify's
// flattened CSV. The format comes from the extension (.json, .csv) or,
// failing that, from the first byte.
func readExport(path string) (tiktok.Batch, error) {
	f, err := os.Open(path)
	if err != nil {
		return tiktok.Batch{}, fmt.Errorf("export file: %w", err)
	}
	defer func() { _ = f.Close() }()
	raw, err := io.ReadAll(io.LimitReader(f, maxExportBytes+1))
	if err != nil {
		return tiktok.Batch{}, fmt.Errorf("export file %s: %w", path, err)
	}
	if len(raw) > maxExportBytes {
		return tiktok.Batch{}, fmt.Errorf("export file %s is larger than %d MiB", path, maxExportBytes>>20)
	}
	asJSON := strings.EqualFold(filepath.Ext(path), ".json")
	if !asJSON && !strings.EqualFold(filepath.Ext(path), ".csv") {
		asJSON = bytes.HasPrefix(bytes.TrimSpace(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))), []byte("["))
	}
	decode := tiktok.DecodeCSV
	if asJSON {
		decode = tiktok.DecodeJSON
	}
	b, err := decode(bytes.NewReader(raw))
	if err != nil {
		return tiktok.Batch{}, fmt.Errorf("export file %s: %w", path, err)
	}
	if len(b.Posts)+b.Skipped() == 0 {
		return tiktok.Batch{}, fmt.Errorf("export file %s holds no items", path)
	}
	return b, nil
}
