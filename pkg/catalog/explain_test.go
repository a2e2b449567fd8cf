package catalog

import (
	"strings"
	"testing"
)

// A failed video's reason, as the workers word it, is said to its seller in
// plain words with what to do next.
func TestExplainFailures(t *testing.T) {
	cases := map[string]string{
		"thumbnail-generator: the post has neither a video nor images to cut thumbnails from":  "could not get this post's video or pictures",
		"thumbnail-generator: none of the 1 slideshow images is usable: safefetch: status 404": "could not get this post's video or pictures",
		"thumbnail-generator: download the video: safefetch: transfer below 32 KiB/s":          "could not be downloaded",
		"sweeper: did not finish after 3 attempts":                                             "took too long",
		"thumbnail-generator: decoding failed: invalid data found when processing input":       "could not be read",
		"auto-tagger: the model answered nonsense":                                             "Something went wrong: auto-tagger: the model answered nonsense",
	}
	for reason, want := range cases {
		v := Video{Status: VideoFailed, FailureReason: reason}
		got := v.Explain()
		if want != "" && !strings.Contains(got, want) {
			t.Errorf("Explain(%q) = %q, want it to say %q", reason, got, want)
		}
		if got == "" {
			t.Errorf("Explain(%q) is empty", reason)
		}
	}
}
