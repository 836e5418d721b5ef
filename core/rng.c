/* rng.c — splitmix64-based counter RNG behind rng.h. */
#include "rng.h"

#include <math.h>

void vx_rng_init(vx_rng *r, uint64_t seed)
{
    r->seed = seed;
    r->counter = 0;
}

/* ref: Steele, Lea, Flood, "Fast splittable pseudorandom number generators"
 * (2014): the splitmix64 finaliser. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t vx_rng_bits_at(uint64_t seed, uint64_t i)
{
    return mix64(mix64(seed + 0x9e3779b97f4a7c15ull) ^ (i * 0x9e3779b97f4a7c15ull + 1));
}

/* 24 random bits -> float in [0, 1) */
static float unit_at(uint64_t seed, uint64_t i)
{
    return (float)(vx_rng_bits_at(seed, i) >> 40) * (1.0f / 16777216.0f);
}

void vx_rng_uniform(vx_rng *r, float *out, size_t n, float lo, float hi)
{
    for (size_t k = 0; k < n; k++)
        out[k] = lo + (hi - lo) * unit_at(r->seed, r->counter + k);
    r->counter += n;
}

/* ref: Box & Muller (1958): z = sqrt(-2 ln u1) cos(2 pi u2). */
void vx_rng_normal(vx_rng *r, float *out, size_t n, float mean, float std)
{
    for (size_t k = 0; k < n; k++) {
        uint64_t i = r->counter + 2 * k;
        double u1 = ((double)(vx_rng_bits_at(r->seed, i) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
        double u2 = (double)(vx_rng_bits_at(r->seed, i + 1) >> 11) * (1.0 / 9007199254740992.0);
        double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        out[k] = (float)(mean + std * z);
    }
    r->counter += 2 * n;
}
