/* svg.c — waveform / log-mel / F0 figures as SVG (see svg.h): XML escaping,
 * the colour map, the heat map (a PNG from audio/png.h), axis ticks and the
 * panel layout. */
#include "audio/svg.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/png.h"
#include "core/atomic_file.h"
#include "core/sbuf.h"

/* --- XML text and base64 ---------------------------------------------------- */

/* Text content or attribute value with XML's five special characters escaped. */
static void put_xml_text(vx_sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': vx_sbuf_lit(b, "&amp;"); break;
        case '<': vx_sbuf_lit(b, "&lt;"); break;
        case '>': vx_sbuf_lit(b, "&gt;"); break;
        case '"': vx_sbuf_lit(b, "&quot;"); break;
        case '\'': vx_sbuf_lit(b, "&apos;"); break;
        default:
            /* Control characters are not allowed in XML 1.0 text. */
            if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
                vx_sbuf_put(b, s, 1);
        }
    }
}

static void put_base64(vx_sbuf *b, const uint8_t *d, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (!vx_sbuf_reserve(b, (n + 2) / 3 * 4))
        return;
    char *o = b->data + b->len;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = tab[(v >> 6) & 63];
        *o++ = tab[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0);
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

/* --- colour map ------------------------------------------------------------ */

/* viridis sampled at 17 evenly spaced points (ref: matplotlib.colormaps["viridis"],
 * van der Walt & Smith, CC0). */
static const float k_viridis[17][3] = {
    {0.2670f, 0.0049f, 0.3294f}, {0.2823f, 0.0950f, 0.4173f}, {0.2788f, 0.1755f, 0.4834f},
    {0.2590f, 0.2515f, 0.5247f}, {0.2297f, 0.3224f, 0.5457f}, {0.1994f, 0.3876f, 0.5546f},
    {0.1727f, 0.4488f, 0.5579f}, {0.1490f, 0.5081f, 0.5573f}, {0.1276f, 0.5669f, 0.5506f},
    {0.1206f, 0.6258f, 0.5335f}, {0.1579f, 0.6838f, 0.5017f}, {0.2461f, 0.7389f, 0.4520f},
    {0.3692f, 0.7889f, 0.3829f}, {0.5160f, 0.8312f, 0.2943f}, {0.6785f, 0.8637f, 0.1895f},
    {0.8456f, 0.8873f, 0.0997f}, {0.9932f, 0.9062f, 0.1439f},
};

void vx_svg_colormap(double v, uint8_t rgb[3])
{
    if (!(v > 0.0))
        v = 0.0;
    if (v > 1.0)
        v = 1.0;
    double pos = v * 16.0;
    int i = (int)pos;
    if (i > 15)
        i = 15;
    double f = pos - i;
    for (int c = 0; c < 3; c++) {
        double x = k_viridis[i][c] + f * (k_viridis[i + 1][c] - k_viridis[i][c]);
        rgb[c] = (uint8_t)lround(x * 255.0);
    }
}

/* --- axes ----------------------------------------------------------------- */

/* Maps data values in [lo, hi] linearly onto pixels [p0, p1]. */
typedef struct axis {
    double lo, hi, p0, p1;
} axis;

static double ax_map(const axis *a, double v)
{
    return a->p0 + (v - a->lo) / (a->hi - a->lo) * (a->p1 - a->p0);
}

/* A 1-2-5 step giving about `target` intervals over `span`. */
static double nice_step(double span, int target)
{
    if (!(span > 0))
        return 1.0;
    double raw = span / target;
    double mag = pow(10.0, floor(log10(raw)));
    double norm = raw / mag;
    double unit = norm < 1.5 ? 1.0 : norm < 3.5 ? 2.0 : norm < 7.5 ? 5.0 : 10.0;
    return unit * mag;
}

/* Digits after the point needed to print multiples of `step`. */
static int step_decimals(double step)
{
    int d = (int)ceil(-log10(step) - 1e-9);
    return d < 0 ? 0 : d > 6 ? 6 : d;
}

/* Smallest multiple of `step` >= v. */
static double ceil_to(double v, double step) { return ceil(v / step - 1e-9) * step; }


/* A tick value with a typographic minus sign (U+2212) and never "-0". */
static void tick_label(char *buf, size_t size, double v, double step)
{
    if (fabs(v) < step * 1e-6)
        v = 0.0;
    snprintf(buf, size, "%s%.*f", v < 0 ? "\u2212" : "", step_decimals(step), fabs(v));
}

typedef enum { SIDE_LEFT, SIDE_RIGHT, SIDE_BOTTOM } tick_side;

/* Tick marks at every multiple of `step` on a vertical axis at x = `at` or a
 * horizontal axis at y = `at`, with their values as labels when `labels`. */
static void draw_ticks(vx_sbuf *b, const axis *a, double step, double at, tick_side side, bool labels)
{
    long first = lround(ceil(fmin(a->lo, a->hi) / step - 1e-9));
    long last = lround(floor(fmax(a->lo, a->hi) / step + 1e-9));
    double dir = side == SIDE_LEFT ? -1.0 : 1.0;
    vx_sbuf_lit(b, "<g stroke=\"#222\" stroke-width=\"1\">\n");
    for (long k = first; k <= last; k++) {
        double p = ax_map(a, k * step);
        if (side == SIDE_BOTTOM)
            vx_sbuf_printf(b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", p, at, p,
                      at + 5);
        else
            vx_sbuf_printf(b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", at, p,
                      at + 5 * dir, p);
    }
    vx_sbuf_lit(b, "</g>\n");
    if (!labels)
        return;
    vx_sbuf_lit(b, "<g fill=\"#222\">\n");
    char text[32];
    for (long k = first; k <= last; k++) {
        double p = ax_map(a, k * step);
        tick_label(text, sizeof text, k * step, step);
        if (side == SIDE_BOTTOM)
            vx_sbuf_printf(b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%s</text>\n", p,
                      at + 18, text);
        else
            vx_sbuf_printf(b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\">%s</text>\n",
                      at + 8 * dir, p + 4, side == SIDE_LEFT ? "end" : "start", text);
    }
    vx_sbuf_lit(b, "</g>\n");
}

/* A label rotated to read bottom-to-top, centred on (x, y). */
static void vertical_label(vx_sbuf *b, double x, double y, const char *text)
{
    vx_sbuf_printf(b,
              "<text transform=\"translate(%.2f %.2f) rotate(-90)\" text-anchor=\"middle\" "
              "font-size=\"13\">",
              x, y);
    put_xml_text(b, text);
    vx_sbuf_lit(b, "</text>\n");
}

/* --- layout ---------------------------------------------------------------- */

#define FIG_WIDTH 960.0
#define MARGIN_LEFT 78.0
#define WAVE_HEIGHT 130.0
#define SPEC_HEIGHT 280.0
#define PANEL_GAP 18.0
#define AXIS_BOTTOM 50.0
#define F0_AXIS_WIDTH 62.0
#define CBAR_WIDTH 14.0
#define CBAR_BLOCK 84.0 /* colour bar, its ticks and its label */

typedef struct layout {
    double width, height;
    double x0, x1;          /* plot area, shared by the panels */
    double wave_y0, wave_y1;
    double spec_y0, spec_y1;
    double cbar_x;
    axis time;
} layout;

static bool finite_f(float v) { return isfinite(v); }

static vx_status check_figure(const vx_svg_figure *fig)
{
    if (!fig)
        return vx_fail(VX_ERR_ARG, "svg: figure is NULL");
    if (!fig->wave && !fig->mel)
        return vx_fail(VX_ERR_ARG, "svg: nothing to draw; give a waveform, a spectrogram or both");
    if (fig->wave && (fig->wave_len <= 0 || fig->sample_rate <= 0))
        return vx_fail(VX_ERR_ARG, "svg: waveform needs wave_len > 0 (%lld) and sample_rate > 0 (%d)",
                       (long long)fig->wave_len, fig->sample_rate);
    if (fig->mel && (fig->mel_frames <= 0 || fig->n_mels <= 0 || !(fig->mel_hop_s > 0) ||
                     fig->mel_frames > (1 << 24) || fig->n_mels > 4096))
        return vx_fail(VX_ERR_ARG,
                       "svg: spectrogram needs 0 < mel_frames (%lld) <= 2^24, 0 < n_mels (%d) <= "
                       "4096 and mel_hop_s > 0 (%g)",
                       (long long)fig->mel_frames, fig->n_mels, fig->mel_hop_s);
    if (fig->f0 && !fig->mel)
        return vx_fail(VX_ERR_ARG, "svg: the F0 contour is drawn over a spectrogram; give mel too");
    if (fig->f0 && (fig->f0_frames <= 0 || !(fig->f0_hop_s > 0)))
        return vx_fail(VX_ERR_ARG, "svg: F0 needs f0_frames > 0 (%lld) and f0_hop_s > 0 (%g)",
                       (long long)fig->f0_frames, fig->f0_hop_s);
    return VX_OK;
}

static layout make_layout(const vx_svg_figure *fig)
{
    layout L;
    double duration = 0.0;
    if (fig->wave)
        duration = (double)fig->wave_len / fig->sample_rate;
    if (fig->mel)
        duration = fmax(duration, fig->mel_t0_s + (fig->mel_frames - 0.5) * fig->mel_hop_s);
    L.width = FIG_WIDTH;
    L.x0 = MARGIN_LEFT;
    L.x1 = FIG_WIDTH - (fig->mel ? CBAR_BLOCK : 24.0) - (fig->f0 ? F0_AXIS_WIDTH : 0.0);
    L.cbar_x = L.x1 + (fig->f0 ? F0_AXIS_WIDTH : 16.0);
    double y = fig->title && fig->title[0] ? 44.0 : 18.0;
    L.wave_y0 = L.wave_y1 = L.spec_y0 = L.spec_y1 = y;
    if (fig->wave) {
        L.wave_y0 = y;
        L.wave_y1 = y + WAVE_HEIGHT;
        y = L.wave_y1 + PANEL_GAP;
    }
    if (fig->mel) {
        L.spec_y0 = y;
        L.spec_y1 = y + SPEC_HEIGHT;
        y = L.spec_y1;
    } else {
        y = L.wave_y1;
    }
    L.height = y + AXIS_BOTTOM;
    L.time = (axis){0.0, duration > 0 ? duration : 1.0, L.x0, L.x1};
    return L;
}

/* The time ticks of one panel whose bottom edge is at y; labelled on the last panel. */
static void time_ticks(vx_sbuf *b, const layout *L, double y, bool last)
{
    draw_ticks(b, &L->time, nice_step(L->time.hi - L->time.lo, 8), y, SIDE_BOTTOM, last);
    if (last)
        vx_sbuf_printf(b,
                  "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" font-size=\"13\" "
                  "fill=\"#222\">Time (s)</text>\n",
                  (L->x0 + L->x1) / 2, y + 40);
}

static void frame_rect(vx_sbuf *b, double x0, double y0, double x1, double y1)
{
    vx_sbuf_printf(b,
              "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
              "stroke=\"#222\" stroke-width=\"1\"/>\n",
              x0, y0, x1 - x0, y1 - y0);
}

static void draw_waveform(vx_sbuf *b, const vx_svg_figure *fig, const layout *L, bool last)
{
    double peak = 0.0;
    for (int64_t i = 0; i < fig->wave_len; i++)
        if (finite_f(fig->wave[i]))
            peak = fmax(peak, fabs(fig->wave[i]));
    if (peak <= 0.0)
        peak = 1.0;
    double step = nice_step(2.0 * peak, 4);
    double top = ceil_to(peak, step);
    axis amp = {-top, top, L->wave_y1, L->wave_y0};

    vx_sbuf_lit(b, "<g id=\"waveform\">\n");
    vx_sbuf_printf(b,
              "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#bbb\" "
              "stroke-width=\"0.6\"/>\n",
              L->x0, ax_map(&amp, 0.0), L->x1, ax_map(&amp, 0.0));
    /* Envelope: min and max of the samples under each pixel column. */
    int cols = (int)(L->x1 - L->x0);
    vx_sbuf_lit(b, "<path fill=\"#2a6fb0\" stroke=\"#2a6fb0\" stroke-width=\"0.6\" d=\"");
    double duration = (double)fig->wave_len / fig->sample_rate;
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < cols; k++) {
            int c = pass == 0 ? k : cols - 1 - k;
            double t0 = (double)c / cols * L->time.hi, t1 = (double)(c + 1) / cols * L->time.hi;
            if (t0 >= duration)
                continue;
            int64_t i0 = (int64_t)(t0 * fig->sample_rate);
            int64_t i1 = (int64_t)ceil(fmin(t1, duration) * fig->sample_rate);
            if (i1 <= i0)
                i1 = i0 + 1;
            if (i1 > fig->wave_len)
                i1 = fig->wave_len;
            double lo = 0.0, hi = 0.0;
            bool any = false;
            for (int64_t i = i0; i < i1; i++) {
                if (!finite_f(fig->wave[i]))
                    continue;
                lo = any ? fmin(lo, fig->wave[i]) : fig->wave[i];
                hi = any ? fmax(hi, fig->wave[i]) : fig->wave[i];
                any = true;
            }
            double v = pass == 0 ? hi : lo;
            vx_sbuf_printf(b, "%s%.1f %.2f", (pass == 0 && k == 0) ? "M" : " L", L->x0 + c + 0.5,
                      ax_map(&amp, v));
        }
    }
    vx_sbuf_lit(b, " Z\"/>\n");
    frame_rect(b, L->x0, L->wave_y0, L->x1, L->wave_y1);
    draw_ticks(b, &amp, step, L->x0, SIDE_LEFT, true);
    vertical_label(b, L->x0 - 52, (L->wave_y0 + L->wave_y1) / 2, "Amplitude");
    time_ticks(b, L, L->wave_y1, last);
    vx_sbuf_lit(b, "</g>\n");
}

#define DB_PER_NEPER (20.0 / M_LN10) /* 20 log10(x) = DB_PER_NEPER * ln(x) */

/* Colour scale of the spectrogram in dB: [*lo, *hi]. */
static void db_limits(const vx_svg_figure *fig, double *lo, double *hi)
{
    double mx = -INFINITY, mn = INFINITY;
    int64_t n = fig->mel_frames * fig->n_mels;
    for (int64_t i = 0; i < n; i++) {
        if (!finite_f(fig->mel[i]))
            continue;
        mx = fmax(mx, fig->mel[i] * DB_PER_NEPER);
        mn = fmin(mn, fig->mel[i] * DB_PER_NEPER);
    }
    if (!isfinite(mx))
        mx = mn = 0.0; /* nothing finite: draw it all in the lowest colour */
    double range = fig->db_range > 0 ? fig->db_range : 80.0;
    *lo = fmax(mn, mx - range);
    /* A constant spectrogram (silence at the log floor) is drawn in the lowest colour. */
    *hi = mx - *lo < 1e-6 ? *lo + range : mx;
}

/* Columns of the heat map: at most this many, averaging groups of frames beyond. */
#define MAX_IMAGE_COLUMNS 2048
/* Pixels per cell are replicated up to this factor to keep cell edges crisp. */
#define MAX_CELL_REPEAT 8

static int repeat_for(double pixels, int cells)
{
    int k = (int)ceil(pixels / cells);
    return k < 1 ? 1 : k > MAX_CELL_REPEAT ? MAX_CELL_REPEAT : k;
}

static bool draw_heatmap(vx_sbuf *b, const vx_svg_figure *fig, const layout *L, double lo, double hi)
{
    int64_t frames = fig->mel_frames;
    int n_mels = fig->n_mels;
    int group = (int)((frames + MAX_IMAGE_COLUMNS - 1) / MAX_IMAGE_COLUMNS); /* frames per column */
    int cols = (int)((frames + group - 1) / group);
    int sx = repeat_for(L->x1 - L->x0, cols), sy = repeat_for(L->spec_y1 - L->spec_y0, n_mels);
    int w = cols * sx, h = n_mels * sy;
    size_t row = 1 + 3 * (size_t)w;
    uint8_t *raw = calloc((size_t)h, row);
    if (!raw)
        return false;
    for (int m = 0; m < n_mels; m++) {
        int bin = n_mels - 1 - m; /* top rows = highest mel bin */
        uint8_t *line = raw + (size_t)m * sy * row;
        line[0] = 0; /* filter None */
        for (int c = 0; c < cols; c++) {
            double sum = 0.0;
            int count = 0;
            for (int64_t t = (int64_t)c * group; t < (int64_t)(c + 1) * group && t < frames; t++) {
                float v = fig->mel[(size_t)t * n_mels + bin];
                if (finite_f(v)) {
                    sum += v;
                    count++;
                }
            }
            uint8_t rgb[3];
            vx_svg_colormap(count ? (sum / count * DB_PER_NEPER - lo) / (hi - lo) : 0.0, rgb);
            for (int k = 0; k < sx; k++)
                memcpy(line + 1 + 3 * ((size_t)c * sx + k), rgb, 3);
        }
        for (int k = 1; k < sy; k++)
            line[k * row] = 2; /* filter Up: a copy of the row above is all zeros */
    }
    size_t png_len = 0;
    uint8_t *png = vx_png_encode_rgb(raw, w, h, &png_len);
    free(raw);
    if (!png)
        return false;
    double t_start = fig->mel_t0_s - 0.5 * fig->mel_hop_s;
    double t_end = t_start + (double)cols * group * fig->mel_hop_s;
    double x0 = ax_map(&L->time, t_start), x1 = ax_map(&L->time, t_end);
    vx_sbuf_printf(b,
              "<image x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
              "preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\" "
              "style=\"image-rendering:pixelated\" clip-path=\"url(#spec-clip)\" "
              "xlink:href=\"data:image/png;base64,",
              x0, L->spec_y0, x1 - x0, L->spec_y1 - L->spec_y0);
    put_base64(b, png, png_len);
    vx_sbuf_lit(b, "\"/>\n");
    free(png);
    return true;
}

/* The F0 axis range: the caller's, or [min, nice ceiling above the highest voiced F0]. */
static axis f0_axis(const vx_svg_figure *fig, const layout *L, double *step)
{
    double lo = fig->f0_min_hz > 0 ? fig->f0_min_hz : 0.0, hi = fig->f0_max_hz;
    if (!(hi > lo)) {
        double mx = 0.0;
        for (int64_t i = 0; i < fig->f0_frames; i++)
            if (finite_f(fig->f0[i]) && fig->f0[i] > mx)
                mx = fig->f0[i];
        if (!(mx > lo))
            mx = lo + 400.0;
        double s = nice_step(1.1 * mx - lo, 5);
        hi = ceil_to(1.1 * mx, s);
    }
    *step = nice_step(hi - lo, 6);
    return (axis){lo, hi, L->spec_y1, L->spec_y0};
}

static bool voiced(const vx_svg_figure *fig, int64_t i)
{
    return finite_f(fig->f0[i]) && fig->f0[i] > 0.0f;
}

static void draw_f0(vx_sbuf *b, const vx_svg_figure *fig, const layout *L)
{
    double step;
    axis hz = f0_axis(fig, L, &step);
    /* A dark halo under a light line keeps the contour visible on any colour. */
    static const char *const strokes[2] = {
        "fill=\"none\" stroke=\"#000\" stroke-opacity=\"0.55\" stroke-width=\"4.2\"",
        "fill=\"none\" stroke=\"#ff5a36\" stroke-width=\"2.2\""};
    vx_sbuf_lit(b, "<g id=\"f0\" clip-path=\"url(#spec-clip)\" stroke-linejoin=\"round\" stroke-linecap=\"round\">\n");
    for (int layer = 0; layer < 2; layer++) {
        for (int64_t i = 0; i < fig->f0_frames;) {
            if (!voiced(fig, i)) {
                i++;
                continue;
            }
            int64_t j = i;
            while (j < fig->f0_frames && voiced(fig, j))
                j++;
            if (j - i == 1) {
                double t = fig->f0_t0_s + i * fig->f0_hop_s;
                vx_sbuf_printf(b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.1f\" %s/>\n",
                          ax_map(&L->time, t), ax_map(&hz, fig->f0[i]), layer ? 1.1 : 2.1,
                          strokes[layer]);
            } else {
                vx_sbuf_printf(b, "<polyline %s points=\"", strokes[layer]);
                for (int64_t k = i; k < j; k++) {
                    double t = fig->f0_t0_s + k * fig->f0_hop_s;
                    vx_sbuf_printf(b, "%s%.2f,%.2f", k == i ? "" : " ", ax_map(&L->time, t),
                              ax_map(&hz, fig->f0[k]));
                }
                vx_sbuf_lit(b, "\"/>\n");
            }
            i = j;
        }
    }
    vx_sbuf_lit(b, "</g>\n");
    /* The Hz axis on the right. */
    draw_ticks(b, &hz, step, L->x1, SIDE_RIGHT, true);
    vertical_label(b, L->x1 + 50, (L->spec_y0 + L->spec_y1) / 2, "F0 (Hz)");
    /* Legend in the top-left corner of the plot. */
    double lx = L->x0 + 10, ly = L->spec_y0 + 10;
    vx_sbuf_printf(b,
              "<g id=\"legend\"><rect x=\"%.2f\" y=\"%.2f\" width=\"58\" height=\"22\" rx=\"3\" "
              "fill=\"#fff\" fill-opacity=\"0.85\" stroke=\"#888\" stroke-width=\"0.6\"/>\n"
              "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" %s/>\n"
              "<text x=\"%.2f\" y=\"%.2f\" fill=\"#222\">F0</text></g>\n",
              lx, ly, lx + 7, ly + 11, lx + 29, ly + 11, strokes[1], lx + 35, ly + 15.5);
}

static void draw_colorbar(vx_sbuf *b, const layout *L, double lo, double hi)
{
    vx_sbuf_lit(b, "<g id=\"colorbar\">\n<defs><linearGradient id=\"cmap\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n");
    for (int i = 0; i <= 16; i++) {
        uint8_t rgb[3];
        vx_svg_colormap(i / 16.0, rgb);
        vx_sbuf_printf(b, "<stop offset=\"%.4f\" stop-color=\"#%02x%02x%02x\"/>\n", i / 16.0, rgb[0],
                  rgb[1], rgb[2]);
    }
    vx_sbuf_lit(b, "</linearGradient></defs>\n");
    vx_sbuf_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"url(#cmap)\"/>\n",
              L->cbar_x, L->spec_y0, CBAR_WIDTH, L->spec_y1 - L->spec_y0);
    frame_rect(b, L->cbar_x, L->spec_y0, L->cbar_x + CBAR_WIDTH, L->spec_y1);
    axis db = {lo, hi, L->spec_y1, L->spec_y0};
    double step = nice_step(hi - lo, 5);
    double right = L->cbar_x + CBAR_WIDTH;
    draw_ticks(b, &db, step, right, SIDE_RIGHT, true);
    vertical_label(b, right + 50, (L->spec_y0 + L->spec_y1) / 2, "Magnitude (dB)");
    vx_sbuf_lit(b, "</g>\n");
}

static bool draw_spectrogram(vx_sbuf *b, const vx_svg_figure *fig, const layout *L)
{
    double lo, hi;
    db_limits(fig, &lo, &hi);
    vx_sbuf_printf(b,
              "<g id=\"spectrogram\">\n<defs><clipPath id=\"spec-clip\"><rect x=\"%.2f\" "
              "y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/></clipPath></defs>\n",
              L->x0, L->spec_y0, L->x1 - L->x0, L->spec_y1 - L->spec_y0);
    if (!draw_heatmap(b, fig, L, lo, hi))
        return false;
    frame_rect(b, L->x0, L->spec_y0, L->x1, L->spec_y1);
    axis bins = {0.0, fig->n_mels, L->spec_y1, L->spec_y0};
    double step = nice_step(fig->n_mels, 5);
    draw_ticks(b, &bins, step, L->x0, SIDE_LEFT, true);
    vertical_label(b, L->x0 - 52, (L->spec_y0 + L->spec_y1) / 2, "Mel bin");
    time_ticks(b, L, L->spec_y1, true);
    if (fig->f0)
        draw_f0(b, fig, L);
    vx_sbuf_lit(b, "</g>\n");
    draw_colorbar(b, L, lo, hi);
    return true;
}

char *vx_svg_render(const vx_svg_figure *fig, size_t *len)
{
    if (check_figure(fig))
        return NULL;
    layout L = make_layout(fig);
    vx_sbuf b = {0};
    vx_sbuf_printf(&b,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<svg xmlns=\"http://www.w3.org/2000/svg\" "
              "xmlns:xlink=\"http://www.w3.org/1999/xlink\" version=\"1.1\" width=\"%.0f\" "
              "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, "
              "Arial, sans-serif\" font-size=\"12\">\n",
              L.width, L.height, L.width, L.height);
    if (fig->title && fig->title[0]) {
        vx_sbuf_lit(&b, "<title>");
        put_xml_text(&b, fig->title);
        vx_sbuf_lit(&b, "</title>\n");
    }
    vx_sbuf_printf(&b, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n", L.width, L.height);
    if (fig->title && fig->title[0]) {
        vx_sbuf_printf(&b, "<text x=\"%.2f\" y=\"26\" text-anchor=\"middle\" font-size=\"15\" "
                      "font-weight=\"bold\" fill=\"#111\">",
                  (L.x0 + L.x1) / 2);
        put_xml_text(&b, fig->title);
        vx_sbuf_lit(&b, "</text>\n");
    }
    if (fig->wave)
        draw_waveform(&b, fig, &L, !fig->mel);
    bool ok = !fig->mel || draw_spectrogram(&b, fig, &L);
    vx_sbuf_lit(&b, "</svg>\n");
    if (!ok || b.oom) {
        free(b.data);
        return vx_fail_null(VX_ERR_OOM, "svg: out of memory rendering a %lld-frame figure",
                            (long long)(fig->mel ? fig->mel_frames : fig->wave_len));
    }
    if (len)
        *len = b.len;
    return b.data;
}

vx_status vx_svg_write(const char *path, const vx_svg_figure *fig)
{
    if (!path || !path[0])
        return vx_fail(VX_ERR_ARG, "svg: output path is empty");
    size_t n = 0;
    char *doc = vx_svg_render(fig, &n);
    if (!doc)
        return vx_last_status();
    vx_status st = vx_write_file_atomic(path, doc, n);
    free(doc);
    return st;
}
