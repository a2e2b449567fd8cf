// Command import ingests an Apify export of a seller's TikTok posts into a
// buylink store: the JSON array of dataset items, or Apify's flattened CSV
// (UTF-8 byte order mark, "authorMeta/name"/"hashtags/0/name" headers).
//
//	go run ./services/ingestion-api/cmd/import -seller hj.lisahalaby export.csv
//
// It writes into the SQLite store devstack uses (-db, by default
// .buylink/catalog.db), whether devstack runs or not: SQLite serialises the
// two writers. It publishes no event, since the platform's topics live in
// its own process; new videos are stored queued with no attempt yet, and the
// platform's sweeper (in devstack, every 30 s for videos queued over 2 min)
// starts their pipeline. Videos are deduplicated on their TikTok id, so a
// repeated import adds nothing, and the seller's ingest cursor moves to the
// newest post so scheduled ingestion continues from there. Posts of another
// profile and the scraper's error items are skipped and counted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/schollz/progressbar/v3"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/tiktok"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "import:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// maxFileBytes bounds the export read (about 10 KiB a post).
const maxFileBytes = 512 << 20

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seller := fs.String("seller", "", "handle of the seller whose posts the file holds (required)")
	db := fs.String("db", filepath.Join(".buylink", "catalog.db"), "SQLite store to write into (devstack's is DATA_DIR/catalog.db)")
	format := fs.String("format", "", "json or csv (default: from the file's extension)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	fs.Usage = func() {
		_, _ = fmt.Fprintln(stderr, "usage: import -seller HANDLE [-db PATH] [-format json|csv] [-quiet] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() != 1 || *seller == "" {
		fs.Usage()
		return errUsage
	}
	handle := catalog.NormalizeHandle(*seller)
	if err := catalog.ValidateHandle("-seller", handle); err != nil {
		return err
	}
	batch, err := readExport(fs.Arg(0), *format)
	if err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	if _, err := st.GetSeller(ctx, handle); catalog.IsCode(err, catalog.CodeNotFound) {
		return fmt.Errorf("seller @%s is not in %s; onboard it first (POST /api/sellers)", handle, *db)
	}

	bar := progressbar.NewOptions(len(batch.Posts),
		progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("importing @"+handle),
		progressbar.OptionShowCount(), progressbar.OptionSetVisibility(!*quiet), progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(false), progressbar.OptionThrottle(0))
	in := &ingestion.Ingester{Videos: st, Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	res, err := ingestion.Import(ctx, st, in, handle, batch.Posts, func() { _ = bar.Add(1) })
	_ = bar.Finish()
	var report strings.Builder
	fmt.Fprintf(&report, "@%s: %d posts read: %d new, %d already stored, %d skipped (another profile or not a valid video); %d error items and %d unreadable items in the file\n",
		handle, len(batch.Posts), res.Created, res.Existing, res.Skipped, batch.ErrorItems, batch.Invalid)
	for _, p := range batch.Problems {
		fmt.Fprintln(&report, "  skipped", p)
	}
	if err == nil && res.Created > 0 {
		report.WriteString("new videos are queued; the running platform's sweeper starts their pipeline (devstack: within about 2 minutes)\n")
	}
	_, werr := io.WriteString(stdout, report.String())
	return errors.Join(err, werr)
}

// readExport decodes an export file by its format or extension.
func readExport(path, format string) (tiktok.Batch, error) {
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	}
	decode := map[string]func(io.Reader) (tiktok.Batch, error){"json": tiktok.DecodeJSON, "csv": tiktok.DecodeCSV}[format]
	if decode == nil {
		return tiktok.Batch{}, fmt.Errorf("cannot tell the format of %s: use -format json or -format csv", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return tiktok.Batch{}, err
	}
	defer func() { _ = f.Close() }()
	lr := &io.LimitedReader{R: f, N: maxFileBytes + 1}
	b, err := decode(lr)
	if lr.N <= 0 {
		return tiktok.Batch{}, fmt.Errorf("%s is over %d MiB", path, maxFileBytes>>20)
	}
	if err != nil {
		return tiktok.Batch{}, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}
