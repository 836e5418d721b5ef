/* cpu.h — what the CPU can run, asked once (cpuid) and cached, for the
 * kernels that dispatch between scalar, AVX2+FMA and AVX-512 versions. */
#ifndef VX_CPU_H
#define VX_CPU_H

#include <stdbool.h>

bool vx_cpu_avx2(void);    /* AVX2 and FMA                 */
bool vx_cpu_avx512(void);  /* AVX-512 F, BW, VL and DQ      */

#endif
