// Package corpus holds the rules every evaluation on a real corpus shares:
// which examples are the hold-out that is never tuned on, and where each
// example's language is read from.
package corpus

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// HoldoutEvery makes every HoldoutEvery-th example, counted from 1 in the
// order of the ids, part of the hold-out.
const HoldoutEvery = 3

// Split returns the tuned part and the hold-out of items: sorted by id
// (byte order), the items at positions 3, 6, 9, ... are the hold-out.
func Split[T any](items []T, id func(T) string) (tuned, holdout []T) {
	sorted := append([]T(nil), items...)
	sort.SliceStable(sorted, func(a, b int) bool { return id(sorted[a]) < id(sorted[b]) })
	for i, it := range sorted {
		if (i+1)%HoldoutEvery == 0 {
			holdout = append(holdout, it)
		} else {
			tuned = append(tuned, it)
		}
	}
	return tuned, holdout
}

// LoadLanguages reads the languages of a corpus's examples, by id, from a
// tab-separated file whose header names an "id" and a "lang" column (a
// corpus's sources.tsv).
func LoadLanguages(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	idCol, langCol := -1, -1
	for i, h := range strings.Split(strings.TrimRight(lines[0], "\r"), "\t") {
		switch strings.TrimSpace(h) {
		case "id":
			idCol = i
		case "lang":
			langCol = i
		}
	}
	if idCol < 0 || langCol < 0 {
		return nil, fmt.Errorf("%s: the header names no id and lang columns", path)
	}
	langs := map[string]string{}
	for n, line := range lines[1:] {
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		if len(f) <= max(idCol, langCol) {
			return nil, fmt.Errorf("%s:%d: %d columns, want at least %d", path, n+2, len(f), max(idCol, langCol)+1)
		}
		langs[f[idCol]] = f[langCol]
	}
	return langs, nil
}
