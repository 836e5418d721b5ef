/* rng.h — seeded, counter-based random numbers.
 *
 * Value number i of a stream is a pure function of (seed, i): a splitmix64
 * hash of the key and counter. Any thread can produce any slice of the stream,
 * so results never depend on the thread count, and the whole state is two
 * integers that a checkpoint can save. */
#ifndef VX_RNG_H
#define VX_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct vx_rng {
    uint64_t seed;    /* stream key                          */
    uint64_t counter; /* index of the next value to produce  */
} vx_rng;

void vx_rng_init(vx_rng *r, uint64_t seed);

/* 64 random bits for position `i` of the stream keyed by `seed`. */
uint64_t vx_rng_bits_at(uint64_t seed, uint64_t i);

/* Fill n values and advance the counter by n (uniform in [lo, hi)). */
void vx_rng_uniform(vx_rng *r, float *out, size_t n, float lo, float hi);

/* Fill n normal values (Box-Muller on positions 2k, 2k+1 of the counter
 * stream); advances the counter by 2n so any slice can be recomputed. */
void vx_rng_normal(vx_rng *r, float *out, size_t n, float mean, float std);

#endif
