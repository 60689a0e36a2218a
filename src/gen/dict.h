/* Dictionaries: the word lists realistic values are drawn from (given names, streets,
 * departments...), shipped as data files in data/dict/ and compiled into the library.
 * A line is `entry`, `entry<TAB>weight`, or for cities `city<TAB>state<TAB>weight`. */
#ifndef SLUICE_GEN_DICT_H
#define SLUICE_GEN_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "gen/rng.h"

/* Walker's alias method: a weighted pick of one of n entries in constant time, from
 * one 64-bit draw (the high half picks a column, the low half its two outcomes).
 * A column's threshold and alias share one 8-byte slot, so a pick from a large table
 * (a zipf over 100,000 parent keys) costs one cache miss, not two. */
typedef struct sl_alias_slot {
    uint32_t thr;            /* entry i is kept when the low 32 bits are below thr */
    uint32_t alias;          /* else its alias is picked */
} sl_alias_slot;

typedef struct sl_alias {
    size_t n;
    sl_alias_slot *slot;
} sl_alias;

/* Builds the table for n > 0 weights (>= 0, not all 0, not normalised). Returns 0, or
 * -1 when memory runs out. */
int sl_alias_build(sl_alias *a, const double *w, size_t n);
void sl_alias_free(sl_alias *a);

/* The slot sl_alias_pick reads for bits: to start its load ahead. */
static inline const sl_alias_slot *sl_alias_slot_of(const sl_alias *a, uint64_t bits)
{
    return &a->slot[((bits >> 32) * (uint64_t)a->n) >> 32];
}

static inline size_t sl_alias_pick(const sl_alias *a, uint64_t bits)
{
    size_t i = (size_t)(((bits >> 32) * (uint64_t)a->n) >> 32);
    sl_alias_slot s = a->slot[i];
    return (uint32_t)bits < s.thr ? i : s.alias;
}

typedef struct sl_dict {
    const char *name;
    size_t n;
    const char **entry;      /* NUL-terminated */
    uint32_t *len;
    const char **second;     /* the second field of three-field lines, or NULL */
    uint32_t *second_len;
    sl_alias *alias;         /* the weights; NULL: all equal */
    int plain;               /* every entry is plain (see sl_val_plain_str) */
} sl_dict;

/* The dictionary called name (data/dict/<name>.txt), loaded on first use and kept for
 * the life of the process; thread-safe. NULL when there is no such dictionary or it
 * is malformed (sl_dict_error() says why). */
const sl_dict *sl_dict_get(const char *name);
const char *sl_dict_error(void);

/* Index of a draw from d with random bits: weighted where d has weights. */
size_t sl_dict_pick(const sl_dict *d, uint64_t bits);

/* Index into a cumulative weight table of n entries (cum[n-1] == 1) for u in [0, 1). */
size_t sl_cum_pick(const double *cum, size_t n, double u);

/* Whether s[0..n) is plain: safe to write as JSON or CSV without escapes or quotes. */
int sl_is_plain(const char *s, size_t n);

#endif
