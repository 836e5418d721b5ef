/* fftconv_avx2.c — fftconv_lanes.h built with -mavx2 -mfma (two vectors per
 * 16 tiles); called only after cpuid says the CPU has them. */
#define FFTCONV_NAME(name) name##_avx2
#include "core/kernels/fftconv_lanes.h"
