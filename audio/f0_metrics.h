/* f0_metrics.h — F0 error measures between a reference and a test contour,
 * part of the evaluation suite with audio/mcd.h.
 *
 * Inputs are F0 tracks as audio/pitch.h writes them (Hz, 0 = unvoiced) and an
 * alignment: K pairs (ref frame ia[k], test frame ib[k]), normally the DTW
 * path of vx_mcd_dtw (a frame may appear in several pairs and then counts
 * each time); with no alignment, frame k is paired with frame k and both
 * tracks must have the same length. Over the K pairs, with V the pairs whose
 * frames are both voiced (F0 > 0), r = ref F0 and s = test F0:
 *   rmse_hz     sqrt(mean_V (s - r)^2)
 *   rmse_cents  sqrt(mean_V (1200 log2(s / r))^2)
 *   vde         voicing decision error: pairs where exactly one frame is
 *               voiced, divided by K
 *   corr        Pearson correlation of r and s (Hz) over V
 * rmse_* are NAN when V is empty; corr is NAN when |V| < 2 or either side
 * has zero variance over V. All measures are symmetric when the two tracks
 * (and the two columns of the alignment) are swapped. */
#ifndef VX_AUDIO_F0_METRICS_H
#define VX_AUDIO_F0_METRICS_H

#include <stdint.h>

#include "core/status.h"

typedef struct vx_f0_metrics {
    int64_t pairs;          /* K: aligned frame pairs compared             */
    int64_t both_voiced;    /* |V|                                         */
    int64_t voicing_errors; /* pairs with exactly one voiced frame         */
    double rmse_hz;         /* NAN when both_voiced == 0                   */
    double rmse_cents;      /* NAN when both_voiced == 0                   */
    double vde;             /* voicing_errors / pairs                      */
    double corr;            /* NAN when undefined (see above)              */
} vx_f0_metrics;

/* Metrics of test [n_test] against ref [n_ref] over the alignment ia, ib
 * [n_pairs] (both NULL: frame k with frame k, n_ref == n_test pairs).
 * Fails (VX_ERR_ARG) on an empty track, a negative or non-finite F0, only one
 * of ia / ib given, an index out of range, or (without an alignment) tracks
 * of different lengths. *out is zeroed on failure. */
vx_status vx_f0_metrics_compute(const float *ref, int64_t n_ref, const float *test, int64_t n_test,
                                const int32_t *ia, const int32_t *ib, int64_t n_pairs,
                                vx_f0_metrics *out);

#endif
