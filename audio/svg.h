/* svg.h — publication-style figures of audio features as standalone SVG.
 *
 * A figure stacks up to two panels that share one time axis (seconds):
 *   - a waveform (min/max envelope per pixel column, amplitude axis), and
 *   - a log-mel spectrogram heat map (mel-bin axis, viridis colour map, a
 *     colour bar in dB = 20 log10(magnitude)), optionally with an F0 contour
 *     drawn over it on its own Hz axis at the right (unvoiced frames leave gaps).
 * Only the standard library is used: the heat map is an embedded PNG (RGB,
 * cells replicated into blocks so they stay crisp when a viewer smooths the
 * image, run-length deflate, base64 data URI) stretched over the plot area,
 * as matplotlib's SVG backend does for images; everything else is vector.
 * Files are written atomically (temporary file, fsync, rename). */
#ifndef VX_AUDIO_SVG_H
#define VX_AUDIO_SVG_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

typedef struct vx_svg_figure {
    const char *title;        /* NULL or "": no title                                */

    /* Waveform panel (skipped when wave is NULL). */
    const float *wave;        /* [wave_len] samples                                  */
    int64_t wave_len;
    int sample_rate;          /* Hz                                                  */

    /* Spectrogram panel (skipped when mel is NULL). */
    const float *mel;         /* [mel_frames, n_mels] natural-log magnitudes         */
    int64_t mel_frames;
    int n_mels;
    double mel_hop_s;         /* seconds between frames                              */
    double mel_t0_s;          /* centre of frame 0 in seconds (HiFi-GAN: hop / 2 / sr) */
    double db_range;          /* colours span [max - db_range, max] dB; <= 0: 80 dB  */

    /* F0 overlay on the spectrogram (skipped when f0 is NULL). */
    const float *f0;          /* [f0_frames] Hz, 0 = unvoiced                        */
    int64_t f0_frames;
    double f0_hop_s;          /* seconds between frames                              */
    double f0_t0_s;           /* time of frame 0 (pyworld: 0)                        */
    double f0_min_hz;         /* bottom of the Hz axis (default 0)                   */
    double f0_max_hz;         /* top of the Hz axis; <= f0_min_hz: from the data     */
} vx_svg_figure;

/* The figure as a malloc'd NUL-terminated SVG document (*len set when len is
 * not NULL). NULL + VX_ERR_ARG when no panel is given or a panel is
 * inconsistent (e.g. F0 without a spectrogram), VX_ERR_OOM on no memory. */
char *vx_svg_render(const vx_svg_figure *fig, size_t *len);

/* Render and write to `path` atomically ("path.tmp.<pid>", fsync, rename);
 * on failure `path` is left as it was and no temporary file remains. */
vx_status vx_svg_write(const char *path, const vx_svg_figure *fig);

/* The colour map (viridis, 17 control points, linear in between) at
 * v in [0, 1] (clamped; NaN counts as 0) as 8-bit RGB. */
void vx_svg_colormap(double v, uint8_t rgb[3]);

#endif
