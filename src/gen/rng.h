/* Counter-based randomness: every random number sluice generates is a pure function
 * of a key, never the next draw of a sequential stream. A key is built by hashing the
 * tuple (seed, table, column, row, draw) with sl_rng_hash; the same tuple gives the
 * same bits on every machine, so any shard can compute any row.
 *
 * The mixer is SplitMix64's finaliser (Stafford's variant 13), a bijection on 64 bits
 * whose output passes BigCrush when fed a counter. */
#ifndef SLUICE_GEN_RNG_H
#define SLUICE_GEN_RNG_H

#include <stdint.h>

static inline uint64_t sl_rng_mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* sl_rng_hash in two halves: the component's mix, which a row computes once for
 * all its columns, and its combination with a key. */
static inline uint64_t sl_rng_part(uint64_t x)
{
    return sl_rng_mix(x + 0x632be59bd9b4e019ull);
}

static inline uint64_t sl_rng_join(uint64_t key, uint64_t part)
{
    return sl_rng_mix(key ^ part);
}

/* Combines a key with one more component; order matters. */
static inline uint64_t sl_rng_hash(uint64_t key, uint64_t x)
{
    return sl_rng_join(key, sl_rng_part(x));
}

/* A double uniform in [0, 1) from the top 53 bits. */
static inline double sl_rng_unit(uint64_t bits)
{
    return (double)(bits >> 11) * 0x1.0p-53;
}

/* A double uniform in (0, 1): never 0, for logarithms. */
static inline double sl_rng_unit_open(uint64_t bits)
{
    return ((double)(bits >> 11) + 0.5) * 0x1.0p-53;
}

/* An integer uniform in [0, n), n > 0, by Lemire's multiply-shift; the bias is below
 * n / 2^64, far under anything a test could see. */
static inline uint64_t sl_rng_below(uint64_t bits, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)bits * n) >> 64);
}

#endif
