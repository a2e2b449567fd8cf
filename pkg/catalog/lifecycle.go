package catalog

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The video lifecycle, in one place. A video is
//
//	queued      stored, its pipeline (re)started or about to be
//	processing  at least one step has reported
//	ready       caption and thumbnails done, tags done or not needed
//	failed      a step failed for good, a message about it was dead-lettered,
//	            or it did not finish after the allowed starts
//
// Ingestion calls Enqueue, the product projector StepDone, StepFailed and
// Settle, the sweeper Restart, and whatever keeps dead letters DeadLettered.
// Each method only changes the video in memory: callers apply it inside a
// store's UpdateVideo (or before UpsertVideo), so concurrent writers never
// lose one another's changes.

// The pipeline steps recorded in Video.Steps.
const (
	StepCaption    = "caption"
	StepThumbnails = "thumbnails"
	StepTags       = "tags"
)

// The outcomes recorded for a step.
const (
	StepDone   = "done"
	StepFailed = "failed"
)

// Enqueue makes v a fresh queued video carrying correlationID: no steps,
// no products, no failure. started says whether its pipeline starts now
// (its video.posted is being published: attempt 1) or waits for the
// sweeper (attempt 0).
func (v *Video) Enqueue(correlationID string, started bool) {
	v.Status, v.FailureReason, v.Steps, v.ProductCount = VideoQueued, "", nil, 0
	v.CorrelationID = correlationID
	v.Attempts = 0
	if started {
		v.Attempts = 1
	}
}

// StepDone records that a step finished.
func (v *Video) StepDone(step string) { v.setStep(step, StepDone) }

// StepFailed records a step's permanent failure; the first failing step's
// reason becomes the video's ("thumbnails: no frame decoded").
func (v *Video) StepFailed(step, reason string) {
	for _, outcome := range v.Steps {
		if outcome == StepFailed {
			v.setStep(step, StepFailed)
			return
		}
	}
	v.setStep(step, StepFailed)
	v.FailureReason = failureReason(step, reason)
}

func (v *Video) setStep(step, outcome string) {
	if v.Steps == nil {
		v.Steps = map[string]string{}
	}
	v.Steps[step] = outcome
}

// Settle derives the status from the steps: failed when one failed, ready
// when every needed step is done (which undoes a failure the sweeper or a
// dead letter recorded), processing once any step reported.
func (v *Video) Settle() {
	failed := false
	for _, outcome := range v.Steps {
		failed = failed || outcome == StepFailed
	}
	caption := v.Steps[StepCaption] == StepDone
	done := caption && v.Steps[StepThumbnails] == StepDone && (v.Steps[StepTags] == StepDone || v.ProductCount == 0)
	switch {
	case failed:
		v.Status = VideoFailed
	case done:
		v.Status, v.FailureReason = VideoReady, ""
	case v.Status == VideoFailed:
		// Failed by the sweeper or a dead letter: only finishing every
		// step undoes that.
	case len(v.Steps) > 0:
		v.Status = VideoProcessing
	}
}

// Restart starts an unfinished video's pipeline again, with a new attempt
// and no steps, and reports true; a video that has had maxAttempts starts
// is failed instead (false).
func (v *Video) Restart(maxAttempts int) bool {
	if v.Attempts >= maxAttempts {
		v.Status = VideoFailed
		v.FailureReason = fmt.Sprintf("the pipeline did not finish after %d attempts", v.Attempts)
		return false
	}
	v.Attempts++
	v.Status, v.Steps = VideoQueued, nil
	return true
}

// DeadLettered records that consumer gave up on a message about v, for
// reason, and reports whether v changed: an unfinished video becomes failed
// with the reason; a ready one stays ready (its pipeline finished anyway)
// and a failed one keeps its first reason.
func (v *Video) DeadLettered(consumer, reason string) bool {
	if v.Status.Final() {
		return false
	}
	v.Status, v.FailureReason = VideoFailed, failureReason(consumer, reason)
	return true
}

// failureReason is "<who>: <reason>", cleaned and cut to MaxReasonRunes.
func failureReason(who, reason string) string {
	reason = CleanLine(reason, MaxReasonRunes-utf8.RuneCountInString(who)-2)
	if reason == "" {
		reason = "failed without a reason"
	}
	return who + ": " + reason
}

// CleanLine makes untrusted text a valid single line: invalid UTF-8 and
// invisible or reordering characters dropped (CleanText), controls and
// spaces collapsed to one space, at most maxRunes runes.
func CleanLine(s string, maxRunes int) string {
	s = CleanText(strings.ToValidUTF8(s, ""))
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = b.Len() > 0
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	out := b.String()
	if utf8.RuneCountInString(out) > maxRunes {
		out = strings.TrimSpace(string([]rune(out)[:max(maxRunes, 0)]))
	}
	return out
}
