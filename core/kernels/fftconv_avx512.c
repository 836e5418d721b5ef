/* fftconv_avx512.c — fftconv_lanes.h built with -mavx512f/bw/vl/dq (one
 * vector per 16 tiles); called only after cpuid says the CPU has them. */
#define FFTCONV_NAME(name) name##_avx512
#include "core/kernels/fftconv_lanes.h"
