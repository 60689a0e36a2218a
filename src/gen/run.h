/* One generator run's plan: row counts, blocks, per-column keys and precomputed
 * constants, and the association seat tables; and the function that computes a row.
 * plan.c builds it, row.c computes values from it, emit.c writes them. */
#ifndef SLUICE_GEN_RUN_H
#define SLUICE_GEN_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "gen/model.h"
#include "sluice/gen.h"

/* Per column, what the run fixes before the first row. */
typedef struct sl_gcolrt {
    uint64_t key;             /* hash(seed, table, column): the root of every draw */
    uint64_t null_key;
    uint64_t group_key;       /* city and state of one object share draws */
    double zipf_hx1, zipf_hn, zipf_s; /* rejection-inversion constants */
    uint64_t zipf_n;          /* the n they were computed for */
    uint64_t uniq_space;      /* email: numbers are a bijection on [0, uniq_space) */
    int uniq_digits;
    /* A foreign key in table mode, when the parent is small enough: every parent key
     * computed once, so a row's reference is a pick and a load instead of a rejection
     * loop, a permutation and a key computation. For a zipf reference the keys are
     * stored by rank (parent_keys[k] is the key of the parent row that rank k maps
     * to), their strings copied in that order too, and ref_alias holds the zipf
     * weights over ranks: the popular keys share a few cache lines. */
    sl_val *parent_keys;
    sl_alias ref_alias;
    uint64_t parent_n;
} sl_gcolrt;

/* An association table's seats in one block (all of it in table mode, one batch in
 * job-result mode). */
typedef struct sl_gblock_seats {
    uint64_t block;           /* which block this describes, UINT64_MAX: none yet */
    uint64_t l0, nleft;       /* left rows [l0, l0 + nleft) */
    uint64_t r0, nright;      /* right rows [r0, r0 + nright) */
    uint64_t *prefix;         /* nright + 1 seat offsets: right row r0+i has seats [prefix[i], prefix[i+1]) */
    uint64_t rows;            /* seats used: min(prefix[nright], nleft x max_per_left) */
    uint64_t first_row;       /* the table row of seat 0 */
    uint64_t cap;
} sl_gblock_seats;

typedef struct sl_gplan {
    const sl_gen_schema *s;
    uint64_t seed;
    uint64_t batch;           /* size-table rows per block; 0: one block (table mode) */
    uint64_t nblocks;         /* table mode 1; job mode num_iterations (UINT64_MAX with loop) */
    uint64_t *rows;           /* table mode: rows per table */
    double *frac;             /* rows per size-table row, or -1 for tables of fixed size */
    sl_gcolrt **rt;           /* [table][column] */
    uint64_t *tkey;           /* [table] */
    sl_arena cache;           /* the parent key caches' strings */
    const struct sl_gviol *viol; /* violations to inject (gen/violate.h), or NULL */
} sl_gplan;

sl_status sl_gplan_init(sl_gplan *p, const sl_gen_schema *s, const sl_gen_options *o,
                        sl_error *err);
void sl_gplan_free(sl_gplan *p);

/* Rows of table t in blocks [0, b): the first row of block b. Association tables
 * need the seats (sl_gseats_*). */
uint64_t sl_gplan_block_start(const sl_gplan *p, int t, uint64_t b);

/* Fills seats for block b of association table t; first_row is computed by summing
 * every earlier block when seats->block is not b - 1. */
sl_status sl_gseats_load(const sl_gplan *p, int t, uint64_t b, sl_gblock_seats *seats);
void sl_gseats_free(sl_gblock_seats *seats);

/* Computes row `row` of table t, in block `block` (0 in table mode), into vals
 * (one per column, indexed like the table's columns; objects get null). For an
 * association table, seats must describe the row's block and row must be in it.
 * Strings live in arena or in dictionaries. Returns the number of check
 * constraints the row broke in *broken. */
sl_status sl_gen_row(const sl_gplan *p, int t, uint64_t row, uint64_t block,
                     const sl_gblock_seats *seats, sl_val *vals, sl_arena *arena,
                     unsigned *broken);

/* Rows [row0, row0 + n) of table t in table mode, n <= SL_GEN_BLOCK, row r's values
 * at vals + (r - row0) x ncols: the values sl_gen_row makes, made a column at a
 * time. *broken sums the rows' broken checks. Not for association tables
 * (SL_ERR_USAGE): their seats are found row by row. */
#define SL_GEN_BLOCK 128
sl_status sl_gen_block(const sl_gplan *p, int t, uint64_t row0, size_t n, sl_val *vals,
                       sl_arena *arena, unsigned *broken);

/* The value of table t's column c at row, alone: used for foreign keys, whose value is
 * the parent's key computed at the parent's row. Only for generated columns. */
sl_status sl_gen_value(const sl_gplan *p, int t, int c, uint64_t row, const sl_val *vals,
                       sl_arena *arena, sl_val *out);

/* A keyed bijection on [0, n): Feistel rounds over the next even power of two with
 * cycle walking, so values are unique by construction. */
uint64_t sl_gen_permute(uint64_t key, uint64_t n, uint64_t x);

#endif
