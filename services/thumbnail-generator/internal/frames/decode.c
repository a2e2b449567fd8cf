#include "decode.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

struct tg_video {
	AVFormatContext *fmt;
	AVCodecContext *dec;
	AVFrame *frame; // decoded picture
	AVFrame *out;   // converted BGR picture, allocated by tg_set_output
	AVPacket *pkt;
	struct SwsContext *sws;
	int stream;
	int out_w, out_h;
	int draining;
};

static void set_err(char *err, int errlen, const char *what, int code) {
	char buf[128] = {0};
	if (code < 0) {
		av_strerror(code, buf, sizeof buf);
	}
	snprintf(err, errlen, "%s%s%s", what, code < 0 ? ": " : "", buf);
}

int tg_open(const char *path, tg_video **out, tg_info *info, char *err, int errlen) {
	av_log_set_level(AV_LOG_FATAL); // errors are reported through err
	*out = NULL;
	memset(info, 0, sizeof *info);
	tg_video *v = av_mallocz(sizeof *v);
	if (!v) {
		set_err(err, errlen, "out of memory", AVERROR(ENOMEM));
		return AVERROR(ENOMEM);
	}
	v->stream = -1;
	// Only the ISO media demuxer, only local files: a playlist or a file that
	// names other files or URLs cannot make the demuxer open them.
	const AVInputFormat *mov = av_find_input_format("mov");
	AVDictionary *opts = NULL;
	av_dict_set(&opts, "format_whitelist", "mov,mp4,m4a,3gp,3g2,mj2", 0);
	av_dict_set(&opts, "protocol_whitelist", "file", 0);
	av_dict_set(&opts, "enable_drefs", "0", 0);
	int ret = avformat_open_input(&v->fmt, path, mov, &opts);
	av_dict_free(&opts);
	if (ret < 0) {
		set_err(err, errlen, "not a readable MP4/MOV file", ret);
		tg_close(v);
		return ret;
	}
	v->fmt->probesize = 5 << 20;
	v->fmt->max_analyze_duration = 2 * AV_TIME_BASE;
	if ((ret = avformat_find_stream_info(v->fmt, NULL)) < 0) {
		set_err(err, errlen, "cannot read the stream information", ret);
		tg_close(v);
		return ret;
	}
	const AVCodec *codec = NULL;
	ret = av_find_best_stream(v->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
	if (ret < 0 || !codec) {
		set_err(err, errlen, "no decodable video stream", ret < 0 ? ret : AVERROR_DECODER_NOT_FOUND);
		tg_close(v);
		return ret < 0 ? ret : AVERROR_DECODER_NOT_FOUND;
	}
	v->stream = ret;
	for (unsigned i = 0; i < v->fmt->nb_streams; i++) {
		if ((int)i != v->stream) {
			v->fmt->streams[i]->discard = AVDISCARD_ALL;
		}
	}
	AVStream *st = v->fmt->streams[v->stream];
	int w = st->codecpar->width, h = st->codecpar->height;
	if (w < TG_MIN_SIDE || h < TG_MIN_SIDE || w > TG_MAX_SIDE || h > TG_MAX_SIDE) {
		snprintf(err, errlen, "video size %dx%d is outside %d..%d pixels", w, h, TG_MIN_SIDE, TG_MAX_SIDE);
		tg_close(v);
		return AVERROR_INVALIDDATA;
	}
	v->dec = avcodec_alloc_context3(codec);
	v->frame = av_frame_alloc();
	v->out = av_frame_alloc();
	v->pkt = av_packet_alloc();
	if (!v->dec || !v->frame || !v->out || !v->pkt) {
		set_err(err, errlen, "out of memory", AVERROR(ENOMEM));
		tg_close(v);
		return AVERROR(ENOMEM);
	}
	if ((ret = avcodec_parameters_to_context(v->dec, st->codecpar)) < 0) {
		set_err(err, errlen, "bad codec parameters", ret);
		tg_close(v);
		return ret;
	}
	v->dec->thread_count = 1;
	if ((ret = avcodec_open2(v->dec, codec, NULL)) < 0) {
		set_err(err, errlen, "cannot open the video decoder", ret);
		tg_close(v);
		return ret;
	}
	info->width = st->codecpar->width;
	info->height = st->codecpar->height;
	AVRational fr = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
	info->fps = fr.num > 0 && fr.den > 0 ? av_q2d(fr) : 0;
	if (st->duration > 0) {
		info->duration = st->duration * av_q2d(st->time_base);
	} else if (v->fmt->duration > 0) {
		info->duration = (double)v->fmt->duration / AV_TIME_BASE;
	}
	info->frames = st->nb_frames;
	int n = avformat_index_get_entries_count(st);
	for (int i = 0; i < n; i++) {
		const AVIndexEntry *e = avformat_index_get_entry(st, i);
		if (e && (e->flags & AVINDEX_KEYFRAME)) {
			info->keyframes++;
		}
	}
	const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
	if (m) {
		double r = -av_display_rotation_get((const int32_t *)m);
		if (!isnan(r)) {
			int deg = ((int)lround(r / 90.0) * 90) % 360;
			info->rotation = deg < 0 ? deg + 360 : deg;
		}
	}
	snprintf(info->codec, sizeof info->codec, "%s", codec->name);
	*out = v;
	return 0;
}

int tg_set_output(tg_video *v, int out_w, int out_h, char *err, int errlen) {
	if (out_w < 1 || out_h < 1 || out_w > TG_MAX_SIDE || out_h > TG_MAX_SIDE) {
		snprintf(err, errlen, "output size %dx%d is outside 1..%d pixels", out_w, out_h, TG_MAX_SIDE);
		return AVERROR(EINVAL);
	}
	av_frame_unref(v->out);
	v->out->format = AV_PIX_FMT_BGR24;
	v->out->width = out_w;
	v->out->height = out_h;
	// Alignment chosen for this CPU: every row is padded so that swscale's
	// vector code may write past out_w*3 bytes, and the buffer has room after
	// the last row.
	int ret = av_frame_get_buffer(v->out, 0);
	if (ret < 0) {
		set_err(err, errlen, "cannot allocate the output picture", ret);
		return ret;
	}
	v->out_w = out_w;
	v->out_h = out_h;
	return 0;
}

const uint8_t *tg_output(tg_video *v, int *linesize) {
	*linesize = v->out->linesize[0];
	return v->out->data[0];
}

void tg_close(tg_video *v) {
	if (!v) {
		return;
	}
	sws_freeContext(v->sws);
	av_packet_free(&v->pkt);
	av_frame_free(&v->out);
	av_frame_free(&v->frame);
	avcodec_free_context(&v->dec);
	avformat_close_input(&v->fmt);
	av_free(v);
}

int tg_keyframe_times(tg_video *v, double *secs, int max) {
	AVStream *st = v->fmt->streams[v->stream];
	double tb = av_q2d(st->time_base);
	int n = avformat_index_get_entries_count(st), k = 0;
	for (int i = 0; i < n && k < max; i++) {
		const AVIndexEntry *e = avformat_index_get_entry(st, i);
		if (e && (e->flags & AVINDEX_KEYFRAME)) {
			secs[k++] = e->timestamp * tb;
		}
	}
	return k;
}

static double frame_secs(tg_video *v) {
	AVStream *st = v->fmt->streams[v->stream];
	int64_t ts = v->frame->best_effort_timestamp;
	if (ts == AV_NOPTS_VALUE) {
		ts = v->frame->pts;
	}
	if (ts == AV_NOPTS_VALUE) {
		return 0;
	}
	if (st->start_time != AV_NOPTS_VALUE) {
		ts -= st->start_time;
	}
	double s = ts * av_q2d(st->time_base);
	return s < 0 ? 0 : s;
}

// convert scales the decoded frame into the output picture. A stream may
// change its size mid-way: every frame is checked against the bounds again.
static int convert(tg_video *v, char *err, int errlen) {
	AVFrame *f = v->frame;
	if (!v->out->data[0]) {
		set_err(err, errlen, "no output size set", AVERROR(EINVAL));
		return AVERROR(EINVAL);
	}
	if (f->width < 1 || f->height < 1 || f->width > TG_MAX_SIDE || f->height > TG_MAX_SIDE || !f->data[0]) {
		snprintf(err, errlen, "decoded frame size %dx%d is outside 1..%d pixels", f->width, f->height, TG_MAX_SIDE);
		return AVERROR_INVALIDDATA;
	}
	if (f->format < 0 || !sws_isSupportedInput(f->format)) {
		set_err(err, errlen, "unsupported pixel format", AVERROR_PATCHWELCOME);
		return AVERROR_PATCHWELCOME;
	}
	v->sws = sws_getCachedContext(v->sws, f->width, f->height, f->format, v->out_w, v->out_h,
	                              AV_PIX_FMT_BGR24, SWS_BILINEAR, NULL, NULL, NULL);
	if (!v->sws) {
		set_err(err, errlen, "cannot convert the pixel format", AVERROR(EINVAL));
		return AVERROR(EINVAL);
	}
	int ret = sws_scale(v->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, v->out->data, v->out->linesize);
	if (ret != v->out_h) {
		set_err(err, errlen, "frame conversion failed", ret < 0 ? ret : AVERROR_INVALIDDATA);
		return ret < 0 ? ret : AVERROR_INVALIDDATA;
	}
	return 0;
}

int tg_keyframe(tg_video *v, double secs, double *pts, char *err, int errlen) {
	AVStream *st = v->fmt->streams[v->stream];
	int64_t ts = llround(secs / av_q2d(st->time_base));
	int ret = av_seek_frame(v->fmt, v->stream, ts, AVSEEK_FLAG_BACKWARD);
	if (ret < 0) {
		set_err(err, errlen, "seek failed", ret);
		return ret;
	}
	avcodec_flush_buffers(v->dec);
	v->dec->skip_frame = AVDISCARD_NONKEY;
	v->draining = 0;
	for (;;) {
		ret = av_read_frame(v->fmt, v->pkt);
		if (ret < 0) {
			set_err(err, errlen, "no keyframe after the seek point", ret);
			return ret;
		}
		if (v->pkt->stream_index != v->stream || !(v->pkt->flags & AV_PKT_FLAG_KEY)) {
			av_packet_unref(v->pkt);
			continue;
		}
		ret = avcodec_send_packet(v->dec, v->pkt);
		av_packet_unref(v->pkt);
		if (ret < 0) {
			set_err(err, errlen, "corrupt keyframe", ret);
			return ret;
		}
		// Drain at once: the keyframe is the only picture wanted.
		avcodec_send_packet(v->dec, NULL);
		ret = avcodec_receive_frame(v->dec, v->frame);
		if (ret == AVERROR_EOF || ret == AVERROR(EAGAIN)) {
			avcodec_flush_buffers(v->dec); // nothing came out: try the next keyframe
			continue;
		}
		if (ret < 0) {
			set_err(err, errlen, "corrupt keyframe", ret);
			return ret;
		}
		*pts = frame_secs(v);
		ret = convert(v, err, errlen);
		av_frame_unref(v->frame);
		return ret;
	}
}

int tg_rewind(tg_video *v) {
	int ret = av_seek_frame(v->fmt, v->stream, INT64_MIN, AVSEEK_FLAG_BACKWARD);
	if (ret < 0) {
		ret = avformat_seek_file(v->fmt, v->stream, INT64_MIN, 0, INT64_MAX, 0);
	}
	avcodec_flush_buffers(v->dec);
	v->dec->skip_frame = AVDISCARD_DEFAULT;
	v->draining = 0;
	return ret < 0 ? ret : 0;
}

int tg_next(tg_video *v, double want_secs, double *pts, int *converted, char *err, int errlen) {
	*converted = 0;
	for (;;) {
		int ret = avcodec_receive_frame(v->dec, v->frame);
		if (ret == 0) {
			*pts = frame_secs(v);
			if (*pts >= want_secs) {
				ret = convert(v, err, errlen);
				*converted = ret == 0;
			}
			av_frame_unref(v->frame);
			return ret;
		}
		if (ret == AVERROR_EOF) {
			return TG_END;
		}
		if (ret != AVERROR(EAGAIN)) {
			set_err(err, errlen, "corrupt frame", ret);
			return ret;
		}
		if (v->draining) {
			return TG_END;
		}
		ret = av_read_frame(v->fmt, v->pkt);
		if (ret < 0) {
			v->draining = 1;
			avcodec_send_packet(v->dec, NULL);
			continue;
		}
		if (v->pkt->stream_index != v->stream) {
			av_packet_unref(v->pkt);
			continue;
		}
		ret = avcodec_send_packet(v->dec, v->pkt);
		av_packet_unref(v->pkt);
		if (ret < 0 && ret != AVERROR(EAGAIN) && ret != AVERROR_INVALIDDATA) {
			set_err(err, errlen, "corrupt packet", ret);
			return ret;
		}
	}
}

void tg_warm_up(void) {
	static const enum AVCodecID ids[] = {AV_CODEC_ID_H264, AV_CODEC_ID_HEVC, AV_CODEC_ID_VP9};
	for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		const AVCodec *codec = avcodec_find_decoder(ids[i]);
		AVCodecContext *dec = codec ? avcodec_alloc_context3(codec) : NULL;
		if (dec) {
			dec->thread_count = 1;
			avcodec_open2(dec, codec, NULL);
			avcodec_free_context(&dec);
		}
	}
	struct SwsContext *sws = sws_getContext(1080, 1920, AV_PIX_FMT_YUV420P, 720, 1280, AV_PIX_FMT_BGR24,
	                                        SWS_BILINEAR, NULL, NULL, NULL);
	sws_freeContext(sws);
}
