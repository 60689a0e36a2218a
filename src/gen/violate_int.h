/* Injected violations, inside: the plan being made, shared by violate.c (the
 * in-place kinds, duplicates, the plan's entry points) and violate_assoc.c (the
 * association's counts and the enrollments that break its limits). */
#ifndef SLUICE_GEN_VIOLATE_INT_H
#define SLUICE_GEN_VIOLATE_INT_H

#include <stdbool.h>

#include "gen/violate.h"

typedef struct mod {
    uint64_t row;
    uint32_t col;
    sl_val val;
} mod;

typedef struct vtable {
    mod *mods;                /* sorted by row once planned; one per row */
    size_t nmods, mcap;
    sl_val *extra;            /* nextra rows of ncols values */
    size_t nextra, xcap;
    uint64_t key, cursor;     /* rows handed out: permute(key, rows, 0..cursor) */
} vtable;

struct sl_gviol {
    sl_arena arena;           /* every added row's values and their strings */
    vtable *t;
    size_t ntables;
};

/* An association's right row (class): where its seats are and how full it is. */
typedef struct right {
    uint64_t block, g0, l0, nleft, first_row;
    uint32_t fill;            /* generated rows */
    uint32_t extra;           /* rows added by the plan */
    int64_t cap;              /* capacity, or -1 when unknown (null) or not declared */
    int64_t pairs;            /* the newest added pair of this right row, or -1 */
    bool target;              /* made over capacity */
} right;

typedef struct pair {
    uint64_t left;
    int64_t next;             /* the previous pair of the same right row, or -1 */
} pair;

typedef struct assoc {
    int t;                    /* the association table, -1 when there is none */
    uint64_t rows, nleft, nright, max_left;
    uint32_t *lcount;         /* rows per left row (student), added rows included */
    uint8_t *ltarget;         /* left rows made over the limit */
    right *r;
    uint64_t *bfirst;         /* first row of each block */
    uint64_t nblocks;
    pair *pairs;
    size_t npairs, pcap;
    sl_gblock_seats seats;    /* the block last loaded */
} assoc;

typedef struct planner {
    const sl_gplan *p;
    const sl_gen_schema *s;
    sl_gviol *v;
    uint64_t key;
    assoc a;
    uint64_t *orphan_next;    /* per parent table: orphan keys handed out */
    sl_error *err;
} planner;

/* violate.c */
bool vp_take_row(planner *pl, int t, uint64_t *row);
sl_val *vp_add_extra(planner *pl, int t);
sl_status vp_row_values(planner *pl, int t, uint64_t row, sl_val **vals);
sl_status vp_short_of(planner *pl, sl_gen_violation k, uint64_t want, uint64_t done, const char *why);

/* violate_assoc.c */
sl_status vp_assoc_load(planner *pl);
uint64_t vp_right_of_row(const assoc *a, uint64_t row);
uint64_t vp_member(const sl_gplan *p, const assoc *a, uint64_t c, uint64_t j);
bool vp_right_has_room(const assoc *a, uint64_t c);
bool vp_left_has_room(const assoc *a, uint64_t l);
uint64_t vp_block_key(const sl_gplan *p, int t, uint64_t block);
sl_status vp_over_capacity(planner *pl, uint64_t want);
sl_status vp_over_limit(planner *pl, uint64_t want);

#endif
