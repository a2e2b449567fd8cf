package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/buylink/buylink/platform/pulumitest"
)

// The CI summary names every added, changed and removed resource, with the
// inputs that changed, and -check fails on any change.
func TestPlanSummary(t *testing.T) {
	committed, err := graphOf(t, "prod").Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var rs []pulumitest.SnapshotResource
	if err := json.Unmarshal(committed, &rs); err != nil {
		t.Fatal(err)
	}
	// Plant: one resource removed, one added, one input changed.
	var planted []pulumitest.SnapshotResource
	for _, r := range rs {
		switch {
		case r.Type == "aws:sqs/queue:Queue" && r.Name == "projector-dlq":
			continue
		case r.Type == "aws:lambda/function:Function" && r.Name == "sweeper":
			r.Inputs.(map[string]interface{})["timeout"] = 900.0
		}
		planted = append(planted, r)
	}
	planted = append(planted, pulumitest.SnapshotResource{Type: "aws:sns/topic:Topic", Name: "audit", Inputs: map[string]interface{}{"name": "x"}})
	now, err := json.Marshal(planted)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := planDiff(committed, now)
	if err != nil {
		t.Fatal(err)
	}
	var text, md bytes.Buffer
	if err := writeSummary(&text, "prod", len(planted), changes, false); err != nil {
		t.Fatal(err)
	}
	if err := writeSummary(&md, "prod", len(planted), changes, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"plan prod: 1 to add, 1 to change, 1 to remove",
		"  + aws:sns/topic:Topic::audit",
		"  ~ aws:lambda/function:Function::sweeper in buylink:platform:ScheduledFunction::sweeper: timeout",
		"  - aws:sqs/queue:Queue::projector-dlq in buylink:platform:Queue::projector",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, text.String())
		}
	}
	if !strings.Contains(md.String(), "| ~ | `aws:lambda/function:Function::sweeper in buylink:platform:ScheduledFunction::sweeper` | `timeout` |") {
		t.Errorf("markdown summary:\n%s", md.String())
	}

	// summarise: unchanged passes, changed fails with -check only.
	dir := t.TempDir()
	path, summary := filepath.Join(dir, "plan.json"), filepath.Join(dir, "summary.md")
	if err := os.WriteFile(path, committed, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := summarise("prod", path, summary, true, committed, len(rs)); err != nil {
		t.Fatalf("an unchanged plan: %v", err)
	}
	if err := summarise("prod", path, summary, false, now, len(planted)); err != nil {
		t.Fatalf("a changed plan without -check: %v", err)
	}
	if err := summarise("prod", path, summary, true, now, len(planted)); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("a changed plan with -check: %v", err)
	}
	if b, _ := os.ReadFile(summary); strings.Count(string(b), "### Plan `prod`") != 3 {
		t.Fatalf("job summary:\n%s", b)
	}
}
