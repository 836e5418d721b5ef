/* mcd.h — mel-cepstral distortion (MCD) between two utterances, aligned by
 * dynamic time warping (audio/dtw.h).
 *
 * Definition (every step fixed, so the number is reproducible):
 *  1. Features: the HiFi-GAN log-mel of each file at 22050 Hz (audio/mel.h,
 *     vx_logmel_cfg_hifigan: n_fft 1024, hop 256, 80 Slaney mels 0-8000 Hz,
 *     L = ln(max(mel magnitude, 1e-5))), frames [T, M] with M = 80. This
 *     step is the caller's (voxc-eval does it); vx_mcd_dtw takes log-mels.
 *  2. Silence (optional, off by default): with trim_db > 0, frame t is kept
 *     only when its level 20 log10(mean_m exp(L[t, m])) is at least the
 *     file's loudest frame level minus trim_db; each file is trimmed on its
 *     own, interior frames included. With trim_db = 0 every frame is used.
 *  3. Mel-cepstrum of order P (default 24): for d = 0..P
 *         c[t, d] = (1 / M) sum_{m=0}^{M-1} L[t, m] cos(pi d (m + 1/2) / M)
 *     i.e. the DCT-II of the log-mel scaled by 1 / (2M)
 *     (scipy.fft.dct(L, type=2) / (2 M)); then L[t, m] = c[t, 0] +
 *     2 sum_{d>=1} c[t, d] cos(pi d (m + 1/2) / M) over all M orders, the
 *     cepstrum convention of a log-amplitude spectrum sampled uniformly on
 *     the mel axis that the MCD constant assumes. In terms of the
 *     orthonormal DCT-II C: c[d] = C[d] / sqrt(2M) for d >= 1,
 *     c[0] = C[0] / sqrt(M).
 *  4. Vectors: c[t, 1..P] (default) or c[t, 0..P] with include_c0 (c0 is the
 *     mean log level, so it adds loudness differences).
 *  5. DTW (dtw.h: Euclidean local cost, symmetric1 steps) between the two
 *     vector sequences.
 *  6. MCD = (10 / ln 10) sqrt(2 sum_d (c_ref[i, d] - c_test[j, d])^2)
 *     averaged over the pairs (i, j) of the DTW path, in dB. It equals
 *     (10 sqrt(2) / ln 10) x the DTW mean cost.
 * Values are comparable between voxc runs and with any tool computing this
 * definition; they are not the SPTK/WORLD mel-cepstra (alpha 0.455 warping of
 * a CheapTrick envelope) that some papers use, so do not mix the two.
 * MCD(x, x) = 0 and MCD(x, y) = MCD(y, x) (up to exact ties between DTW
 * paths of different lengths, which real features do not produce). */
#ifndef VX_AUDIO_MCD_H
#define VX_AUDIO_MCD_H

#include <stdbool.h>
#include <stdint.h>

#include "audio/dtw.h"
#include "core/status.h"

typedef struct vx_mcd_cfg {
    int order;       /* P: cepstra c_0..c_P are computed, P < n_mels (24) */
    bool include_c0; /* compare c_0..c_P instead of c_1..c_P (false)      */
    double trim_db;  /* silence threshold below the loudest frame; 0 = off */
} vx_mcd_cfg;

/* order 24, c0 excluded, no silence removal. */
vx_mcd_cfg vx_mcd_cfg_default(void);

/* logmel [frames, n_mels] -> cep [frames, order + 1] (step 3 above). Fails
 * (VX_ERR_ARG) unless 0 <= order < n_mels and frames >= 0. */
vx_status vx_mel_cepstrum(const float *logmel, int64_t frames, int n_mels, int order, float *cep);

typedef struct vx_mcd_result {
    double mcd_db;       /* the MCD of step 6                                 */
    int64_t frames_ref;  /* frames of each file that entered the DTW (after   */
    int64_t frames_test; /* silence removal)                                  */
    vx_dtw_path path;    /* the alignment, as indices into the ORIGINAL
                            (untrimmed) frames of each file                   */
} vx_mcd_result;

/* MCD between ref [t_ref, n_mels] and test [t_test, n_mels] log-mels (steps
 * 2-6). *out gets the result and the path (free with vx_mcd_result_free).
 * Fails (VX_ERR_ARG) on a bad cfg, an empty input, a non-finite value or a
 * pair too long for vx_dtw; *out is zeroed on failure. */
vx_status vx_mcd_dtw(const vx_mcd_cfg *cfg, const float *ref, int64_t t_ref, const float *test,
                     int64_t t_test, int n_mels, vx_mcd_result *out);

/* Free the path and zero the struct (safe on a zeroed struct). */
void vx_mcd_result_free(vx_mcd_result *r);

#endif
