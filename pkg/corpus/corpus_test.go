package corpus

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSplitTakesEveryThirdByID(t *testing.T) {
	ids := []string{"rc-009", "rc-001", "rc-004", "rc-002", "rc-008", "rc-003", "rc-006", "rc-005", "rc-007", "rc-010"}
	tuned, holdout := Split(ids, func(s string) string { return s })
	if got := strings.Join(holdout, ","); got != "rc-003,rc-006,rc-009" {
		t.Fatalf("hold-out %s", got)
	}
	if len(tuned) != 7 || tuned[0] != "rc-001" || tuned[6] != "rc-010" {
		t.Fatalf("tuned %v", tuned)
	}
	if ids[0] != "rc-009" {
		t.Fatal("Split reordered its input")
	}
}

func TestLoadLanguages(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	langs, err := LoadLanguages(write("ok.tsv", "id\tsource\tlang\r\nrc-001\tforum\tth\r\nrc-002\tblog\tvi\n"))
	if err != nil || len(langs) != 2 || langs["rc-001"] != "th" || langs["rc-002"] != "vi" {
		t.Fatalf("%v %v", langs, err)
	}
	if _, err := LoadLanguages(write("nohead.tsv", "ident\tlanguage\nrc-001\tth\n")); err == nil || !strings.Contains(err.Error(), "no id and lang columns") {
		t.Fatalf("header without the columns: %v", err)
	}
	if _, err := LoadLanguages(write("short.tsv", "id\tsource\tlang\nrc-001\tforum\n")); err == nil || !strings.Contains(err.Error(), "short.tsv:2: 2 columns") {
		t.Fatalf("short row: %v", err)
	}
	if _, err := LoadLanguages(filepath.Join(dir, "missing.tsv")); err == nil {
		t.Fatal("a missing file was read")
	}
}
