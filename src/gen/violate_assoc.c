/* sluice generate --violations: the association (school: student_classes). Its
 * counts come first, as raw rows per right row (class) and per left row (student),
 * computed from the seats of every block; then over_capacity gives a class
 * enrollments up to its capacity + 1 and over_enrollment_limit a student up to
 * max_per_left + 1, each added row pairing a student and a class that both have
 * room, so no other class or student crosses a limit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "gen/rng.h"
#include "gen/violate_int.h"

uint64_t vp_block_key(const sl_gplan *p, int t, uint64_t block)
{
    return p->tkey[t] ^ (block * 0x9e3779b97f4a7c15ull);   /* as sl_gen_row does */
}

/* The right row (class) whose seats hold association row `row`. */
uint64_t vp_right_of_row(const assoc *a, uint64_t row)
{
    size_t lo = 0, hi = a->nright;   /* the last right row whose seats start at or before row */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->r[mid].first_row <= row)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

uint64_t vp_member(const sl_gplan *p, const assoc *a, uint64_t c, uint64_t j)
{
    const right *r = &a->r[c];
    return r->l0 + sl_gen_permute(vp_block_key(p, a->t, r->block), r->nleft, (r->g0 + j) % r->nleft);
}

static bool in_right(const sl_gplan *p, const assoc *a, uint64_t c, uint64_t l)
{
    for (uint64_t j = 0; j < a->r[c].fill; j++)
        if (vp_member(p, a, c, j) == l)
            return true;
    for (int64_t k = a->r[c].pairs; k >= 0; k = a->pairs[k].next)
        if (a->pairs[k].left == l)
            return true;
    return false;
}

bool vp_right_has_room(const assoc *a, uint64_t c)
{
    const right *r = &a->r[c];
    return !r->target && r->cap >= 0 && (int64_t)(r->fill + r->extra) + 1 <= r->cap;
}

bool vp_left_has_room(const assoc *a, uint64_t l)
{
    return !a->ltarget[l] && a->lcount[l] + 1 <= a->max_left;
}

sl_status vp_assoc_load(planner *pl)
{
    const sl_gplan *p = pl->p;
    assoc *a = &pl->a;
    const sl_gtable *tb = &pl->s->tables[a->t];
    a->nleft = p->rows[tb->left];
    a->nright = p->rows[tb->right];
    a->nblocks = p->nblocks;
    a->max_left = (uint64_t)floor(tb->max_per_left + 1e-9);
    a->seats.block = UINT64_MAX;
    a->lcount = calloc(a->nleft ? a->nleft : 1, sizeof *a->lcount);
    a->ltarget = calloc(a->nleft ? a->nleft : 1, 1);
    a->r = calloc(a->nright ? a->nright : 1, sizeof *a->r);
    a->bfirst = calloc(a->nblocks + 1, sizeof *a->bfirst);
    if (!a->lcount || !a->ltarget || !a->r || !a->bfirst)
        return SL_ERR_NOMEM;
    sl_arena tmp;
    sl_arena_init(&tmp, 4096);
    sl_status st = SL_OK;
    uint64_t rows = 0;
    for (uint64_t b = 0; st == SL_OK && b < a->nblocks; b++) {
        sl_gblock_seats *se = &a->seats;
        if ((st = sl_gseats_load(p, a->t, b, se)) != SL_OK)
            break;
        a->bfirst[b] = se->first_row;
        uint64_t key = vp_block_key(p, a->t, b);
        for (uint64_t i = 0; i < se->nright; i++) {
            uint64_t lo = se->prefix[i] < se->rows ? se->prefix[i] : se->rows;
            uint64_t hi = se->prefix[i + 1] < se->rows ? se->prefix[i + 1] : se->rows;
            right *r = &a->r[se->r0 + i];
            /* no capacity column: no limit; a null capacity: no row is added there */
            *r = (right){b, lo, se->l0, se->nleft, se->first_row + lo, (uint32_t)(hi - lo), 0,
                         tb->cap_col < 0 ? INT64_MAX : -1, -1, false};
            sl_val cap;
            sl_arena_reset(&tmp);
            if (tb->cap_col >= 0 &&
                sl_gen_value(p, tb->right, tb->cap_col, se->r0 + i, NULL, &tmp, &cap) == SL_OK &&
                cap.kind == SL_VAL_INT)
                r->cap = cap.u.i;
        }
        for (uint64_t g = 0; g < se->rows; g++)
            a->lcount[se->l0 + sl_gen_permute(key, se->nleft, g % se->nleft)]++;
        rows = se->first_row + se->rows;
    }
    a->bfirst[a->nblocks] = rows;
    a->rows = rows;
    sl_arena_free(&tmp);
    return st;
}

/* A new row of the association for (left l, right c): the content of a generated
 * row, the keys of l and c. */
static sl_status add_pair_row(planner *pl, uint64_t l, uint64_t c, uint64_t salt)
{
    assoc *a = &pl->a;
    const sl_gtable *tb = &pl->s->tables[a->t];
    if (a->rows == 0)
        return SL_ERR_USAGE;
    sl_val *src;
    sl_status st = vp_row_values(pl, a->t, sl_rng_below(sl_rng_hash(pl->key ^ 0x9a1, salt), a->rows), &src);
    sl_val *x = st == SL_OK ? vp_add_extra(pl, a->t) : NULL;
    if (!x)
        return st != SL_OK ? st : SL_ERR_NOMEM;
    memcpy(x, src, tb->ncols * sizeof *x);
    const sl_gcol *lc = &tb->cols[tb->left_col], *rc = &tb->cols[tb->right_col];
    if ((st = sl_gen_value(pl->p, lc->ref_table, lc->ref_col, l, NULL, &pl->v->arena, &x[tb->left_col])) != SL_OK ||
        (st = sl_gen_value(pl->p, rc->ref_table, rc->ref_col, c, NULL, &pl->v->arena, &x[tb->right_col])) != SL_OK)
        return st;
    if (a->npairs == a->pcap) {
        pair *np = sl_grow_array(a->pairs, &a->pcap, sizeof *np, 64);
        if (!np)
            return SL_ERR_NOMEM;
        a->pairs = np;
    }
    a->pairs[a->npairs] = (pair){l, a->r[c].pairs};
    a->r[c].pairs = (int64_t)a->npairs++;
    a->r[c].extra++;
    a->lcount[l]++;
    return SL_OK;
}

/* Whether candidate x can join `fixed` in one added row: a student x for class fixed,
 * or a class x for student fixed. */
typedef bool (*fits_fn)(const planner *pl, uint64_t fixed, uint64_t x);

static bool student_fits(const planner *pl, uint64_t c, uint64_t l)
{
    return vp_left_has_room(&pl->a, l) && !in_right(pl->p, &pl->a, c, l);
}

static bool class_fits(const planner *pl, uint64_t l, uint64_t c)
{
    return vp_right_has_room(&pl->a, c) && !in_right(pl->p, &pl->a, c, l);
}

/* Up to need distinct candidates that fit, from a keyed permutation of [0, n)
 * continued at *cur, trying each value at most once; returns how many. */
static size_t pick_fitting(const planner *pl, uint64_t key, uint64_t n, uint64_t *cur, size_t need,
                           uint64_t fixed, fits_fn fits, uint64_t *out)
{
    size_t got = 0;
    for (uint64_t tries = 0; got < need && tries < n; tries++) {
        uint64_t x = sl_gen_permute(key, n, (*cur)++ % n);
        bool dup = false;
        for (size_t q = 0; q < got; q++)
            dup |= out[q] == x;
        if (!dup && fits(pl, fixed, x))
            out[got++] = x;
    }
    return got;
}

sl_status vp_over_capacity(planner *pl, uint64_t want)
{
    assoc *a = &pl->a;
    uint64_t done = 0, lcur = 0, key = sl_rng_hash(pl->key, 0x0c1), lkey = sl_rng_hash(pl->key, 0x0c2);
    uint64_t *pick = NULL;
    size_t pcap = 0;
    sl_status st = SL_OK;
    for (uint64_t i = 0; st == SL_OK && done < want && i < a->nright; i++) {
        uint64_t c = sl_gen_permute(key, a->nright, i);
        right *r = &a->r[c];
        if (r->target || r->cap < 0 || (int64_t)(r->fill + r->extra) > r->cap)
            continue;
        size_t need = (size_t)(r->cap + 1 - (int64_t)(r->fill + r->extra));
        if (need > pcap) {
            uint64_t *np = realloc(pick, need * sizeof *np);
            if (!np) {
                st = SL_ERR_NOMEM;
                break;
            }
            pick = np, pcap = need;
        }
        if (pick_fitting(pl, lkey, a->nleft, &lcur, need, c, student_fits, pick) < need)
            continue;   /* not enough students with room for this class; try the next */
        for (size_t q = 0; st == SL_OK && q < need; q++)
            st = add_pair_row(pl, pick[q], c, a->npairs);
        r->target = true;
        done++;
    }
    free(pick);
    if (st != SL_OK)
        return sl_error_set(pl->err, st, "--violations over_capacity: cannot plan");
    return done == want ? SL_OK : vp_short_of(pl, SL_GEN_OVER_CAPACITY, want, done,
                                           "not enough students below the enrollment limit");
}

sl_status vp_over_limit(planner *pl, uint64_t want)
{
    assoc *a = &pl->a;
    uint64_t done = 0, ccur = 0, key = sl_rng_hash(pl->key, 0x11e), ckey = sl_rng_hash(pl->key, 0x11f);
    uint64_t pick[64];
    sl_status st = SL_OK;
    for (uint64_t i = 0; st == SL_OK && done < want && i < a->nleft; i++) {
        uint64_t l = sl_gen_permute(key, a->nleft, i);
        if (a->ltarget[l] || a->lcount[l] > a->max_left)
            continue;
        size_t need = (size_t)(a->max_left + 1 - a->lcount[l]);
        if (need > 64 || pick_fitting(pl, ckey, a->nright, &ccur, need, l, class_fits, pick) < need)
            continue;
        for (size_t q = 0; st == SL_OK && q < need; q++)
            st = add_pair_row(pl, l, pick[q], a->npairs);
        a->ltarget[l] = 1;
        done++;
    }
    if (st != SL_OK)
        return sl_error_set(pl->err, st, "--violations over_enrollment_limit: cannot plan");
    return done == want ? SL_OK : vp_short_of(pl, SL_GEN_OVER_ENROLLMENT_LIMIT, want, done,
                                           "not enough classes below capacity");
}
