// A small C layer over FFmpeg's libavformat/libavcodec/libswscale: open an
// MP4/MOV file (and nothing else), list its keyframes from the container
// index, decode single keyframes after a seek, or decode sequentially, and
// convert frames to packed BGR at a chosen size.
#ifndef THUMBGEN_DECODE_H
#define THUMBGEN_DECODE_H

#include <stdint.h>

typedef struct tg_video tg_video;

enum { TG_END = 1 };

// Bounds on the coded size of a video and of every decoded frame, in pixels.
enum { TG_MIN_SIDE = 16, TG_MAX_SIDE = 4096 };

typedef struct {
	int width, height;      // coded size, before rotation
	int rotation;           // clockwise display rotation: 0, 90, 180 or 270
	double fps;             // average frame rate, 0 if unknown
	double duration;        // seconds, 0 if unknown
	int64_t frames;         // frame count from the container, 0 if unknown
	int keyframes;          // entries flagged as keyframes in the index
	char codec[32];
} tg_info;

// tg_open opens path with the mov/mp4 demuxer only and the file protocol
// only, and prepares a single-threaded decoder for the best video stream.
// A coded size outside TG_MIN_SIDE..TG_MAX_SIDE is refused before any
// decoder is opened. Returns 0 or a negative AVERROR; err receives a message.
int tg_open(const char *path, tg_video **out, tg_info *info, char *err, int errlen);

// tg_set_output sets the size frames are converted to (each side in
// 1..TG_MAX_SIDE) and allocates the output picture the way libswscale
// requires: rows aligned and padded for its SIMD writers (av_frame_get_buffer).
// Returns 0 or a negative AVERROR.
int tg_set_output(tg_video *v, int out_w, int out_h, char *err, int errlen);

// tg_output returns the last converted picture: out_h rows of out_w*3 BGR
// bytes, each starting *linesize bytes after the previous one.
const uint8_t *tg_output(tg_video *v, int *linesize);

void tg_close(tg_video *v);

// tg_keyframe_times fills up to max presentation-order seek targets (stream
// time base units, converted to seconds) of keyframes; returns the count.
int tg_keyframe_times(tg_video *v, double *secs, int max);

// tg_keyframe seeks to the keyframe at or before secs and decodes it alone
// into the output picture; *pts receives its time in seconds.
int tg_keyframe(tg_video *v, double secs, double *pts, char *err, int errlen);

// tg_rewind prepares sequential decoding from the start.
int tg_rewind(tg_video *v);

// tg_next decodes the next frame in presentation order. When want_secs <= the
// frame's time, the frame is converted into the output picture and
// *converted is set to 1. Returns 0, TG_END after the last frame, or a
// negative AVERROR.
int tg_next(tg_video *v, double want_secs, double *pts, int *converted, char *err, int errlen);

// tg_warm_up opens and closes a decoder of each codec phones record in
// and a converter, so that their one-time set-up (tables, code pages) is
// done before a video waits for it.
void tg_warm_up(void);

#endif
