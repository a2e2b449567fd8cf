package devstack

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
)

//go:embed demo/videos.json
var demoVideosJSON []byte

// demoVideo is one bundled demo post: a TikTok-style id, a real-style
// caption and the colour of its generated product scene.
type demoVideo struct {
	ID      string `json:"id"`
	Scene   string `json:"scene"`
	Caption string `json:"caption"`
}

// seedDemo runs the real pipeline on the bundled demo posts the first time
// the demo seller has no videos: each gets a short generated H.264 clip in
// media, a video row and a video.posted event, exactly like an ingested
// video. Without ffmpeg the posts go through without a clip (captions only).
func seedDemo(ctx context.Context, st *Stack) (string, error) {
	existing, _, err := st.Store.ListVideos(ctx, catalog.VideoQuery{Seller: DemoSeller}, catalog.Page{Limit: 1})
	if err != nil {
		return "", err
	}
	if len(existing) > 0 {
		return "demo shop already seeded", nil
	}
	var demos []demoVideo
	if err := json.Unmarshal(demoVideosJSON, &demos); err != nil {
		return "", fmt.Errorf("devstack: demo inputs: %w", err)
	}
	note := fmt.Sprintf("demo shop: %d videos sent through the pipeline", len(demos))
	ffmpeg, lookErr := exec.LookPath("ffmpeg")
	if lookErr != nil {
		note += " (no ffmpeg on PATH: captions only, no thumbnails)"
	}
	posted := time.Now().UTC().Add(-time.Duration(len(demos)) * time.Hour)
	for i, d := range demos {
		v := catalog.Video{
			ID: d.ID, Seller: DemoSeller, PageURL: "https://www.tiktok.com/@" + DemoSeller + "/video/" + d.ID,
			Caption: d.Caption, PostedAt: posted.Add(time.Duration(i) * time.Hour), Status: catalog.VideoQueued,
			Attempts: 1, Source: catalog.SourceManual, CorrelationID: events.NewID(),
		}
		if lookErr == nil {
			clip, err := demoClip(ctx, ffmpeg, d.Scene)
			if err != nil {
				return "", err
			}
			key, err := st.Media.Put(ctx, "demo", clip, "video/mp4")
			if err != nil {
				return "", err
			}
			v.MediaURL = st.Media.URL(key)
		}
		stored, created, err := st.Store.UpsertVideo(ctx, v)
		if err != nil {
			return "", fmt.Errorf("devstack: demo video %s: %w", d.ID, err)
		}
		if !created {
			continue
		}
		env, err := bus.VideoPostedEvent(stored, nil)
		if err != nil {
			return "", err
		}
		if err := st.Topics.Publish(ctx, env); err != nil {
			return "", err
		}
	}
	return note, nil
}

// demoClip renders a 10 s 720x1280 H.264 clip of a product-like scene: five
// 2 s shots of a coloured "product" on a light gridded backdrop, so the
// thumbnail generator finds five distinct frames.
func demoClip(ctx context.Context, ffmpeg, colour string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "buylink-demo-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	out := filepath.Join(dir, "clip.mp4")
	filter := fmt.Sprintf("color=c=0xf4efe6:s=720x1280:d=10:r=30,drawgrid=w=80:h=80:t=2:c=0x000000@0.08,"+
		"drawbox=x=160:y=300:w=400:h=400:color=%[1]s:t=fill:enable='between(t,0,2)',"+
		"drawbox=x=110:y=560:w=500:h=300:color=%[1]s:t=fill:enable='between(t,2,4)',"+
		"drawbox=x=210:y=420:w=300:h=520:color=%[1]s:t=fill:enable='between(t,4,6)',"+
		"drawbox=x=60:y=160:w=360:h=360:color=%[1]s:t=fill:enable='between(t,6,8)',"+
		"drawbox=x=300:y=760:w=360:h=360:color=%[1]s:t=fill:enable='between(t,8,10)',"+
		"drawbox=x=260:y=500:w=200:h=120:color=white@0.5:t=fill", colour)
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", filter,
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "30", "-movflags", "+faststart", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("devstack: render demo clip: %w: %s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errors.New("devstack: ffmpeg wrote an empty demo clip")
	}
	return b, nil
}
