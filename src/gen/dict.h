/* Dictionaries: the word lists realistic values are drawn from (given names, streets,
 * departments...), shipped as data files in data/dict/ and compiled into the library.
 * A line is `entry`, `entry<TAB>weight`, or for cities `city<TAB>state<TAB>weight`. */
#ifndef SLUICE_GEN_DICT_H
#define SLUICE_GEN_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "gen/rng.h"

typedef struct sl_dict {
    const char *name;
    size_t n;
    const char **entry;      /* NUL-terminated */
    uint32_t *len;
    const char **second;     /* the second field of three-field lines, or NULL */
    uint32_t *second_len;
    double *cum;             /* cumulative weights, cum[n-1] == 1; NULL: all equal */
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
