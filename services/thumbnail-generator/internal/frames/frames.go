// Package frames decodes chosen frames of an MP4/MOV video through FFmpeg's
// libraries, the ones OpenCV's own video reader uses. It exists because
// OpenCV's VideoCapture can only seek by decoding every frame from the
// previous keyframe: here a keyframe is reached by a seek and decoded alone
// (the cost of `ffmpeg -skip_frame nokey`), and short videos can be read
// sequentially with only the wanted frames converted.
//
// Only the ISO media demuxer and the file protocol are enabled, so a playlist
// or a file referring to other files or URLs is refused, never followed. The
// package decodes untrusted input: run it in a resource-limited child process.
package frames

/*
#cgo pkg-config: libavformat libavcodec libavutil libswscale
#cgo LDFLAGS: -lm
#include <stdlib.h>
#include "decode.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"time"
	"unsafe"
)

// Limits on what Open accepts. The sides bound the coded size and every
// decoded frame (the C layer checks them again on each frame).
const (
	MaxSide     = C.TG_MAX_SIDE
	MinSide     = C.TG_MIN_SIDE
	MaxDuration = 20 * time.Minute
	MaxFPS      = 240
)

// Info describes a video as displayed (rotation applied to the size).
type Info struct {
	Width, Height int
	// Rotation is the clockwise display rotation in degrees (0, 90, 180, 270)
	// that frames need; Width and Height already include it.
	Rotation  int
	FPS       float64
	Duration  time.Duration
	Frames    int64
	Keyframes int
	Codec     string
}

// Frame is one decoded picture, packed BGR at the output size, as coded
// (not yet rotated).
type Frame struct {
	Time          time.Duration
	Width, Height int
	BGR           []byte
}

// Video is an open video file. It is not safe for concurrent use.
type Video struct {
	v      *C.tg_video
	info   Info
	w, h   int
	errBuf [256]C.char
}

// Open opens an MP4/MOV file and checks that its video stream is decodable
// and of sane size, rate and length. Frames come out scaled so that their
// shorter side is at most maxShort pixels (0: coded size).
func Open(path string, maxShort int) (*Video, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	vid := &Video{}
	var ci C.tg_info
	if rc := C.tg_open(cpath, &vid.v, &ci, &vid.errBuf[0], C.int(len(vid.errBuf))); rc < 0 {
		return nil, fmt.Errorf("frames: %s", C.GoString(&vid.errBuf[0]))
	}
	w, h := int(ci.width), int(ci.height)
	vid.info = Info{
		Width: w, Height: h, Rotation: int(ci.rotation), FPS: float64(ci.fps),
		Duration:  time.Duration(float64(ci.duration) * float64(time.Second)),
		Frames:    int64(ci.frames),
		Keyframes: int(ci.keyframes),
		Codec:     C.GoString(&ci.codec[0]),
	}
	if vid.info.Rotation == 90 || vid.info.Rotation == 270 {
		vid.info.Width, vid.info.Height = h, w
	}
	switch {
	case vid.info.Duration <= 0 || vid.info.Duration > MaxDuration:
		vid.Close()
		return nil, fmt.Errorf("frames: video duration %s is not within (0, %s]", vid.info.Duration, MaxDuration)
	case vid.info.FPS <= 0 || vid.info.FPS > MaxFPS:
		vid.Close()
		return nil, fmt.Errorf("frames: frame rate %.2f is not within (0, %d]", vid.info.FPS, MaxFPS)
	}
	vid.w, vid.h = w, h
	if short := min(w, h); maxShort > 0 && short > maxShort {
		vid.w = max(2, (w*maxShort/short)&^1)
		vid.h = max(2, (h*maxShort/short)&^1)
	}
	if rc := C.tg_set_output(vid.v, C.int(vid.w), C.int(vid.h), &vid.errBuf[0], C.int(len(vid.errBuf))); rc < 0 {
		vid.Close()
		return nil, fmt.Errorf("frames: %s", C.GoString(&vid.errBuf[0]))
	}
	return vid, nil
}

// WarmUp does the decoders' and the converter's one-time set-up, so that a
// process started ahead of its video (a spare child) has it done before the
// video arrives.
func WarmUp() { C.tg_warm_up() }

// Info describes the video.
func (v *Video) Info() Info { return v.info }

// Close releases the decoder.
func (v *Video) Close() {
	if v.v != nil {
		C.tg_close(v.v)
		v.v = nil
	}
}

// KeyframeTimes lists the container index's keyframes as seek points, in
// seconds from the stream's start, in decoding order.
func (v *Video) KeyframeTimes() []time.Duration {
	if v.info.Keyframes == 0 {
		return nil
	}
	secs := make([]C.double, v.info.Keyframes)
	n := int(C.tg_keyframe_times(v.v, &secs[0], C.int(len(secs))))
	out := make([]time.Duration, n)
	for i := range n {
		out[i] = time.Duration(float64(secs[i]) * float64(time.Second))
	}
	return out
}

// Keyframe seeks to the keyframe at or before t and decodes it alone.
func (v *Video) Keyframe(t time.Duration) (Frame, error) {
	var pts C.double
	if rc := C.tg_keyframe(v.v, C.double(t.Seconds()), &pts, &v.errBuf[0], C.int(len(v.errBuf))); rc < 0 {
		return Frame{}, fmt.Errorf("frames: keyframe at %s: %s", t, C.GoString(&v.errBuf[0]))
	}
	return v.frame(pts), nil
}

// Sequential decodes the video from the start and calls fn with the first
// frame at or after each of the ascending times, stopping at the end of the
// video, after fn returns an error, or after maxFrames decoded frames.
func (v *Video) Sequential(times []time.Duration, maxFrames int, fn func(Frame) error) error {
	if rc := C.tg_rewind(v.v); rc < 0 {
		return errors.New("frames: cannot rewind the video")
	}
	for i, decoded := 0, 0; i < len(times) && decoded < maxFrames; decoded++ {
		var pts C.double
		var converted C.int
		rc := C.tg_next(v.v, C.double(times[i].Seconds()), &pts, &converted, &v.errBuf[0], C.int(len(v.errBuf)))
		if rc == C.TG_END {
			return nil
		}
		if rc < 0 {
			return fmt.Errorf("frames: %s", C.GoString(&v.errBuf[0]))
		}
		if converted == 0 {
			continue
		}
		f := v.frame(pts)
		for i < len(times) && times[i] <= f.Time {
			i++
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// frame copies the converted picture out of its padded rows.
func (v *Video) frame(pts C.double) Frame {
	var linesize C.int
	data := C.tg_output(v.v, &linesize)
	row, stride := v.w*3, int(linesize)
	if stride < row {
		panic(fmt.Sprintf("frames: output rows of %d bytes hold fewer than %d", stride, row))
	}
	src := unsafe.Slice((*byte)(unsafe.Pointer(data)), stride*(v.h-1)+row)
	bgr := make([]byte, row*v.h)
	for y := range v.h {
		copy(bgr[y*row:(y+1)*row], src[y*stride:y*stride+row])
	}
	return Frame{Time: time.Duration(float64(pts) * float64(time.Second)), Width: v.w, Height: v.h, BGR: bgr}
}
