/* cpu.c — cached cpuid answers (see cpu.h). */
#include "cpu.h"

#if defined(__x86_64__)
static int cached(int *slot, bool (*probe)(void))
{
    if (*slot < 0)
        *slot = probe() ? 1 : 0;
    return *slot;
}

static bool probe_avx2(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static bool probe_avx512(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}

bool vx_cpu_avx2(void)
{
    static int slot = -1;
    return cached(&slot, probe_avx2) == 1;
}

bool vx_cpu_avx512(void)
{
    static int slot = -1;
    return cached(&slot, probe_avx512) == 1;
}
#else
bool vx_cpu_avx2(void) { return false; }
bool vx_cpu_avx512(void) { return false; }
#endif
