package catalog

import (
	"strings"
	"testing"
)

func TestLifecycleHappyPath(t *testing.T) {
	var v Video
	v.Enqueue("c1", true)
	if v.Status != VideoQueued || v.Attempts != 1 || v.CorrelationID != "c1" {
		t.Fatalf("enqueued %+v", v)
	}
	v.StepDone(StepCaption)
	v.ProductCount = 2
	v.Settle()
	if v.Status != VideoProcessing {
		t.Fatalf("after the caption: %s", v.Status)
	}
	v.StepDone(StepThumbnails)
	v.Settle()
	if v.Status != VideoProcessing {
		t.Fatalf("tags still needed: %s", v.Status)
	}
	v.StepDone(StepTags)
	v.Settle()
	if v.Status != VideoReady {
		t.Fatalf("every step done: %s", v.Status)
	}
	// No products: tags are not needed.
	var w Video
	w.Enqueue("c2", false)
	if w.Attempts != 0 {
		t.Fatalf("not started: attempts %d", w.Attempts)
	}
	w.StepDone(StepCaption)
	w.StepDone(StepThumbnails)
	w.Settle()
	if w.Status != VideoReady {
		t.Fatalf("no products: %s", w.Status)
	}
}

func TestLifecycleFailures(t *testing.T) {
	var v Video
	v.Enqueue("c", true)
	v.StepFailed(StepThumbnails, "no frame\x00 decoded\u202e")
	v.StepFailed(StepTags, "later")
	v.Settle()
	if v.Status != VideoFailed || v.FailureReason != "thumbnails: no frame decoded" {
		t.Fatalf("failed %q %q", v.Status, v.FailureReason)
	}
	if err := v.validateReason(); err != nil {
		t.Fatal(err)
	}
	// A dead letter fails an unfinished video once, with its reason.
	var d Video
	d.Enqueue("c", true)
	if !d.DeadLettered("caption-parser", "LLM answer did not fit the schema") || d.Status != VideoFailed ||
		d.FailureReason != "caption-parser: LLM answer did not fit the schema" {
		t.Fatalf("dead-lettered %+v", d)
	}
	if d.DeadLettered("projector", "again") || !strings.HasPrefix(d.FailureReason, "caption-parser:") {
		t.Fatalf("a second dead letter changed %q", d.FailureReason)
	}
	// ... and never a ready one.
	r := Video{Status: VideoReady}
	if r.DeadLettered("projector", "late duplicate") || r.Status != VideoReady {
		t.Fatalf("ready video %+v", r)
	}
	// Finishing every step undoes a dead letter's failure.
	d.StepDone(StepCaption)
	d.StepDone(StepThumbnails)
	d.Settle()
	if d.Status != VideoReady || d.FailureReason != "" {
		t.Fatalf("after finishing: %+v", d)
	}
	// An overlong or empty reason is cut or named.
	var long Video
	long.StepFailed(StepCaption, strings.Repeat("é", 3*MaxReasonRunes))
	if err := long.validateReason(); err != nil {
		t.Fatal(err)
	}
	var empty Video
	empty.StepFailed(StepCaption, " \n ")
	if empty.FailureReason != "caption: failed without a reason" {
		t.Fatalf("empty reason: %q", empty.FailureReason)
	}
}

func TestLifecycleRestart(t *testing.T) {
	v := Video{Status: VideoProcessing, Attempts: 1, Steps: map[string]string{StepCaption: StepDone}}
	if !v.Restart(3) || v.Attempts != 2 || v.Status != VideoQueued || v.Steps != nil {
		t.Fatalf("restarted %+v", v)
	}
	v.Attempts = 3
	if v.Restart(3) || v.Status != VideoFailed || v.FailureReason != "the pipeline did not finish after 3 attempts" {
		t.Fatalf("gave up %+v", v)
	}
}

// validateReason checks the reason as Validate does.
func (v *Video) validateReason() error {
	return ValidateText("failureReason", v.FailureReason, MaxReasonRunes, true)
}
