package main

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/buylink/buylink/platform/pulumitest"
)

// planChange is one resource a plan adds, removes or changes against the
// committed snapshot.
type planChange struct {
	// Kind is "+" (added), "-" (removed) or "~" (changed inputs).
	Kind     string
	Resource string // "type::name" (and "in parent" when it has one)
	// Paths are the inputs that differ ("containerDefinitions[0].environment").
	Paths []string
}

// maxPaths bounds the changed inputs listed per resource.
const maxPaths = 8

// planDiff compares two plan snapshots (Graph.Snapshot), resource by
// resource: matched by type, name and parent.
func planDiff(before, after []byte) ([]planChange, error) {
	index := func(raw []byte, which string) (map[string]pulumitest.SnapshotResource, error) {
		var rs []pulumitest.SnapshotResource
		if err := json.Unmarshal(raw, &rs); err != nil {
			return nil, fmt.Errorf("read the %s plan: %w", which, err)
		}
		out := make(map[string]pulumitest.SnapshotResource, len(rs))
		for _, r := range rs {
			out[resourceKey(r)] = r
		}
		return out, nil
	}
	b, err := index(before, "committed")
	if err != nil {
		return nil, err
	}
	a, err := index(after, "new")
	if err != nil {
		return nil, err
	}
	var out []planChange
	for k, r := range a {
		old, ok := b[k]
		switch {
		case !ok:
			out = append(out, planChange{Kind: "+", Resource: k})
		case !reflect.DeepEqual(old, r):
			var paths []string
			diffPaths("", old.Inputs, r.Inputs, &paths)
			if old.DeleteBeforeReplace != r.DeleteBeforeReplace {
				paths = append(paths, "(deleteBeforeReplace)")
			}
			out = append(out, planChange{Kind: "~", Resource: k, Paths: paths})
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, planChange{Kind: "-", Resource: k})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return strings.Index("+~-", out[i].Kind) < strings.Index("+~-", out[j].Kind)
		}
		return out[i].Resource < out[j].Resource
	})
	return out, nil
}

func resourceKey(r pulumitest.SnapshotResource) string {
	k := r.Type + "::" + r.Name
	if r.Parent != "" {
		k += " in " + r.Parent
	}
	return k
}

// diffPaths collects the paths at which a and b differ: objects by key,
// arrays by index when their lengths agree, any other difference at the
// value itself.
func diffPaths(path string, a, b interface{}, out *[]string) {
	if reflect.DeepEqual(a, b) {
		return
	}
	am, aok := a.(map[string]interface{})
	bm, bok := b.(map[string]interface{})
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := k
			if path != "" {
				p = path + "." + k
			}
			diffPaths(p, am[k], bm[k], out)
		}
		return
	}
	al, aok := a.([]interface{})
	bl, bok := b.([]interface{})
	if aok && bok && len(al) == len(bl) {
		for i := range al {
			diffPaths(path+"["+strconv.Itoa(i)+"]", al[i], bl[i], out)
		}
		return
	}
	if path == "" {
		path = "(inputs)"
	}
	*out = append(*out, path)
}

// counts tallies changes by kind.
func counts(changes []planChange) (added, changed, removed int) {
	for _, c := range changes {
		switch c.Kind {
		case "+":
			added++
		case "~":
			changed++
		case "-":
			removed++
		}
	}
	return
}

// writeSummary writes the readable per-resource summary of a stack's plan.
func writeSummary(w io.Writer, stack string, total int, changes []planChange, markdown bool) error {
	added, changed, removed := counts(changes)
	var b strings.Builder
	if markdown {
		fmt.Fprintf(&b, "### Plan `%s`: %d to add, %d to change, %d to remove (%d resources)\n\n", stack, added, changed, removed, total)
		if len(changes) > 0 {
			b.WriteString("| | resource | changed inputs |\n|---|---|---|\n")
			for _, c := range changes {
				fmt.Fprintf(&b, "| %s | `%s` | %s |\n", c.Kind, c.Resource, strings.Join(quote(shorten(c.Paths)), ", "))
			}
			b.WriteString("\n")
		}
	} else {
		fmt.Fprintf(&b, "plan %s: %d to add, %d to change, %d to remove (%d resources)\n", stack, added, changed, removed, total)
		for _, c := range changes {
			fmt.Fprintf(&b, "  %s %s", c.Kind, c.Resource)
			if len(c.Paths) > 0 {
				fmt.Fprintf(&b, ": %s", strings.Join(shorten(c.Paths), ", "))
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func shorten(paths []string) []string {
	if len(paths) <= maxPaths {
		return paths
	}
	return append(paths[:maxPaths:maxPaths], fmt.Sprintf("... %d more", len(paths)-maxPaths))
}

func quote(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = "`" + x + "`"
	}
	return out
}
