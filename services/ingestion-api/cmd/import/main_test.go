package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/tiktok/apifytest"
)

func TestImportCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data", "catalog.db")
	st, err := sqlite.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSeller(t.Context(), catalog.Seller{Handle: apifytest.ExportHandle, Sub: "local|lisa", DisplayName: "Lisa"}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	csv := apifytest.FixturePath(t, apifytest.ExportCSV)

	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"-seller", "@" + apifytest.ExportHandle, "-db", db, csv}, &out, &errOut); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut.String())
	}
	if s := out.String(); !strings.Contains(s, "@clayandcrumb: 11 posts read: 11 new, 0 already stored, 0 skipped") ||
		!strings.Contains(s, "1 error items") || !strings.Contains(s, "This profile/hashtag does not exist.") || !strings.Contains(s, "sweeper") {
		t.Fatalf("summary: %s", s)
	}
	if !strings.Contains(errOut.String(), "importing @clayandcrumb") || !strings.Contains(errOut.String(), "(10/11)") {
		t.Fatalf("no progress bar on stderr: %q", errOut.String())
	}
	out.Reset()
	if err := run(t.Context(), []string{"-seller", apifytest.ExportHandle, "-db", db, "-quiet", csv}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0 new, 11 already stored") {
		t.Fatalf("second import: %s", out.String())
	}

	// The JSON export of another profile: read, skipped, nothing stored.
	out.Reset()
	if err := run(t.Context(), []string{"-seller", apifytest.ExportHandle, "-db", db, "-quiet", apifytest.FixturePath(t, apifytest.ProfileJSON)}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "10 posts read: 0 new, 0 already stored, 10 skipped") {
		t.Fatalf("another profile: %s", out.String())
	}
}

func TestImportCommandErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "catalog.db")
	csv := apifytest.FixturePath(t, apifytest.ExportCSV)
	txt := filepath.Join(dir, "export.txt")
	if err := os.WriteFile(txt, []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte(`{"not":"an array"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{csv}, "usage"},
		{[]string{"-seller", "x y", "-db", db, csv}, "-seller: must be"},
		{[]string{"-seller", "nobody_here", "-db", db, csv}, "seller @nobody_here is not in"},
		{[]string{"-seller", "shop", "-db", db, txt}, "use -format json or -format csv"},
		{[]string{"-seller", "shop", "-db", db, broken}, "must be a JSON array"},
		{[]string{"-seller", "shop", "-db", db, filepath.Join(dir, "missing.csv")}, "no such file"},
		{[]string{"-seller", "shop", "-db", db, "-format", "csv", broken}, "CSV header"},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		err := run(t.Context(), c.args, &out, &errOut)
		if err == nil {
			t.Errorf("%v: no error", c.args)
			continue
		}
		msg := err.Error()
		if errors.Is(err, errUsage) {
			msg += errOut.String()
		}
		if !strings.Contains(msg, c.want) {
			t.Errorf("%v: %q does not say %q", c.args, msg, c.want)
		}
	}
}
