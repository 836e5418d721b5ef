/* pitch.h — fundamental frequency (F0) with a voiced/unvoiced decision, and the
 * FastSpeech2 post-processing of F0 (interpolation, per-phoneme averages, log).
 *
 * The estimator follows WORLD's DIO + StoneMask as published (ref: Morise,
 * Kawahara, Katayose, "Fast and reliable F0 estimation method based on the
 * period extraction of vocal fold vibration of singing voice and speech",
 * AES 35th conf., 2009; Morise, Yokomori, Ozawa, "WORLD: a vocoder-based
 * high-quality speech synthesis system", IEICE Trans. E99-D(7), 2016):
 *
 *  DIO   the signal (DC removed, 50 Hz high-pass) is low-passed by a bank of
 *        Nuttall-window filters whose cut-offs are spaced `channels_in_octave`
 *        per octave above f0_floor. In each band the intervals between four
 *        kinds of events (rising and falling zero crossings, peaks, dips) give
 *        four period estimates per frame; their mean is the band's F0
 *        candidate and their spread (std / mean) its score. A candidate is
 *        kept only inside [cut-off / 2, cut-off] and [f0_floor, f0_ceil]. The
 *        best-scoring band wins per frame; a contour is then fixed in four
 *        steps: drop jumps larger than `allowed_range`, drop voiced runs
 *        shorter than a minimum, and extend voiced runs forwards and backwards
 *        with the candidate nearest a linear prediction. Frames with no
 *        reliable candidate are unvoiced (F0 = 0).
 *  StoneMask  each voiced frame is refined by the instantaneous frequency of
 *        the first harmonics, measured with a Blackman window three periods
 *        long and its derivative (ref: Abe, Kobayashi, Imai, "Harmonics
 *        tracking and pitch extraction based on instantaneous frequency",
 *        ICASSP 1995): F0 = sum_k a_k IF_k / sum_k a_k k over the harmonic
 *        amplitudes a_k; corrections above 20 % are discarded.
 *
 * Frame i lies at t = i * hop / sample_rate seconds; a signal of n samples
 * gives n / hop + 1 frames (pyworld.dio with frame_period = 1000 hop / sr ms).
 * F0 arrays hold Hz as float, 0 for unvoiced frames. */
#ifndef VX_AUDIO_PITCH_H
#define VX_AUDIO_PITCH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

typedef struct vx_f0_cfg {
    int sample_rate;           /* Hz                                             */
    int hop;                   /* samples between frames                         */
    double f0_floor;           /* lowest F0 searched, Hz (pyworld 71)            */
    double f0_ceil;            /* highest F0 searched, Hz (pyworld 800)          */
    double channels_in_octave; /* filter bands per octave (pyworld 2)            */
    double allowed_range;      /* largest relative F0 jump between frames (0.1)  */
    bool refine;               /* StoneMask refinement of DIO's estimate         */
} vx_f0_cfg;

/* The FastSpeech2 LJSpeech recipe: sr 22050, hop 256, floor 71, ceil 800,
 * 2 bands per octave, allowed range 0.1, StoneMask on. */
vx_f0_cfg vx_f0_cfg_fastspeech2(void);

/* Frames produced for n samples: n / hop + 1 (0 for a bad cfg or n < 0). */
int64_t vx_f0_frames(const vx_f0_cfg *cfg, int64_t n_samples);

/* x [n] -> f0 [vx_f0_frames(cfg, n)]: DIO, then StoneMask when cfg->refine.
 * Fails (VX_ERR_ARG) on a bad cfg or an empty signal, VX_ERR_OOM on no memory. */
vx_status vx_f0_estimate(const vx_f0_cfg *cfg, const float *x, int64_t n, float *f0);

/* DIO alone: x [n] -> f0 [vx_f0_frames(cfg, n)]. */
vx_status vx_f0_dio(const vx_f0_cfg *cfg, const float *x, int64_t n, float *f0);

/* StoneMask alone: refine f0_in [frames] (any estimate, 0 = unvoiced) on x [n]
 * into f0_out [frames] (may alias f0_in). */
vx_status vx_f0_stonemask(const vx_f0_cfg *cfg, const float *x, int64_t n, const float *f0_in,
                          int64_t frames, float *f0_out);

/* Linear interpolation over unvoiced frames (0), holding the first and last
 * voiced values at the edges (FastSpeech2's interp1d with edge fill). With no
 * voiced frame at all the output is all zeros. `out` may alias `f0`. */
void vx_f0_interpolate(const float *f0, int64_t frames, float *out);

/* FastSpeech2's phoneme-level pitch: the raw contour f0 [frames] (0 =
 * unvoiced) is interpolated over unvoiced frames (vx_f0_interpolate), then
 * out[p] is the mean over the durations[p] frames of phoneme p, 0 for a zero
 * duration (vx_average_by_duration of energy.h). Fails (VX_ERR_ARG) on a
 * negative duration or when the durations add up to more than `frames`. */
vx_status vx_f0_phoneme_average(const float *f0, int64_t frames, const int32_t *durations,
                                int n_phonemes, float *out);

/* out[i] = log(f0[i]) for voiced frames, `unvoiced_value` otherwise.
 * `out` may alias `f0`. */
void vx_f0_log(const float *f0, int64_t frames, float unvoiced_value, float *out);

typedef struct vx_f0_summary {
    int64_t frames;
    int64_t voiced;          /* frames with F0 > 0                       */
    double voiced_fraction;  /* voiced / frames (0 when frames == 0)     */
    double median_hz;        /* over voiced frames; 0 when none          */
    double min_hz, max_hz;   /* over voiced frames; 0 when none          */
    double mean_hz;          /* over voiced frames; 0 when none          */
} vx_f0_summary;

/* Statistics of a contour. Fails (VX_ERR_OOM) only when no memory is left
 * for the median's scratch copy. */
vx_status vx_f0_summarize(const float *f0, int64_t frames, vx_f0_summary *out);

#endif
