/* peak.h — measure this machine's limits, so benchmarks can report "% of peak".
 *
 * The FMA probe runs independent fused multiply-add chains (enough to hide
 * latency) with the widest vectors the CPU has, on every thread at once; the
 * bandwidth probe times a STREAM-style triad a[i] = b[i] + s·c[i] on arrays
 * far larger than the caches and counts 12 bytes per element (two reads, one
 * write; write-allocate traffic not counted, as STREAM). Both return the best
 * of a few repetitions. */
#ifndef VX_PEAK_H
#define VX_PEAK_H

double vx_probe_fma_gflops(int threads);     /* fp32 GFLOP/s, all threads together */
double vx_probe_bandwidth_gbs(int threads);  /* GB/s, all threads together         */

/* FMA chains with the given instruction set; each returns flops done.
 * (implemented in peak_avx2.c / peak_avx512.c) */
double vx_peak_fma_avx2(long iters);
double vx_peak_fma_avx512(long iters);

#endif
