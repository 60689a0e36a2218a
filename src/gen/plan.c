/* A run's plan: how many rows each table has, how they split into blocks (one in
 * table mode; one per job-result document), the keys every draw derives from, and
 * the association seat tables. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen/rng.h"
#include "gen/run.h"

void sl_gen_zipf_init(sl_gcolrt *rt, int64_t n, double s);

static uint64_t fixed_rows(const sl_gtable *t, double scale)
{
    double r = nearbyint(t->rows * scale);
    return r < 0 ? 0 : (uint64_t)r;
}

/* Table mode row counts, following "per" chains (acyclic: checked by the loader). */
static uint64_t table_rows(const sl_gplan *p, const sl_gen_options *o, int t, int depth)
{
    const sl_gtable *tb = &p->s->tables[t];
    if (t == p->s->size && o->n)
        return o->n;
    if (tb->per < 0 || depth > 64)
        return fixed_rows(tb, o->scale > 0 ? o->scale : 1);
    /* n x ratio in doubles can land a hair above an integer (300 x 0.07 is
     * 21.000000000000004): the same tolerance as sl_gplan_block_start */
    double r = ceil((double)table_rows(p, o, tb->per, depth + 1) * tb->ratio - 1e-9);
    return (uint64_t)r;
}

static double table_frac(const sl_gen_schema *s, int t, int depth)
{
    if (t == s->size)
        return 1;
    if (s->tables[t].per < 0 || depth > 64)
        return -1;
    double f = table_frac(s, s->tables[t].per, depth + 1);
    return f < 0 ? -1 : f * s->tables[t].ratio;
}

uint64_t sl_gplan_block_start(const sl_gplan *p, int t, uint64_t b)
{
    if (!p->batch)
        return b == 0 ? 0 : p->rows[t];
    if (p->frac[t] < 0)
        return b == 0 ? 0 : p->rows[t];
    double x = ceil((double)(b * p->batch) * p->frac[t] - 1e-9);
    return x < 0 ? 0 : (uint64_t)x;
}

static uint64_t digits_space(uint64_t rows, int *digits)
{
    uint64_t space = 10000;
    int d = 4;
    while (space < rows * 10 && d < 18) {
        space *= 10;
        d++;
    }
    *digits = d;
    return space;
}

#define CACHE_MAX_PARENT_ROWS 4000000

/* See sl_gcolrt.parent_keys. Only in table mode, where the parent's row count is fixed. */
static sl_status cache_parent_keys(sl_gplan *p, sl_error *err)
{
    if (p->batch)
        return SL_OK;
    for (size_t t = 0; t < p->s->ntables; t++) {
        const sl_gtable *tb = &p->s->tables[t];
        for (size_t i = 0; i < tb->ncols; i++) {
            const sl_gcol *c = &tb->cols[i];
            sl_gcolrt *rt = &p->rt[t][i];
            uint64_t n = c->gen == G_REF ? p->rows[c->ref_table] : 0;
            if (c->gen != G_REF || n == 0 || n > CACHE_MAX_PARENT_ROWS ||
                (tb->assoc && ((int)i == tb->left_col || (int)i == tb->right_col)))
                continue;
            rt->parent_keys = malloc(n * sizeof *rt->parent_keys);
            if (!rt->parent_keys)
                return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
            rt->parent_n = n;
            for (uint64_t k = 0; k < n; k++) {
                /* zipf: rank k goes to a fixed random parent (see parent_row in row.c) */
                uint64_t r = c->ref_zipf ? sl_gen_permute(rt->key ^ 0x21bf, n, k) : k;
                sl_val v;
                sl_status st = sl_gen_value(p, c->ref_table, c->ref_col, r, NULL, &p->cache, &v);
                if (st != SL_OK)
                    return sl_error_set(err, st, "cannot compute the keys of '%s'",
                                        p->s->tables[c->ref_table].name);
                if (v.kind == SL_VAL_STRING)
                    v.u.s.sym = (uint32_t)k;   /* its index, for the Parquet writer */
                rt->parent_keys[k] = v;
            }
            if (!c->ref_zipf)
                continue;
            double *w = malloc(n * sizeof *w);
            if (!w)
                return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
            for (uint64_t k = 0; k < n; k++)
                w[k] = pow((double)(k + 1), -c->ref_s);
            int bad = sl_alias_build(&rt->ref_alias, w, n);
            free(w);
            if (bad)
                return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        }
    }
    return SL_OK;
}

sl_status sl_gplan_init(sl_gplan *p, const sl_gen_schema *s, const sl_gen_options *o,
                        sl_error *err)
{
    memset(p, 0, sizeof *p);
    p->s = s;
    p->seed = o->seed;
    sl_arena_init(&p->cache, 1 << 16);
    size_t nt = s->ntables;
    p->rows = calloc(nt, sizeof *p->rows);
    p->frac = calloc(nt, sizeof *p->frac);
    p->rt = calloc(nt, sizeof *p->rt);
    p->tkey = calloc(nt, sizeof *p->tkey);
    if (!p->rows || !p->frac || !p->rt || !p->tkey)
        goto nomem;
    /* job-result documents: num_iterations blocks (UINT64_MAX: endless, with --loop) */
    p->batch = o->num_iterations ? (o->max_batch_size ? o->max_batch_size : 10) : 0;
    p->nblocks = o->num_iterations ? o->num_iterations : 1;
    for (size_t t = 0; t < nt; t++) {
        p->frac[t] = table_frac(s, (int)t, 0);
        if (p->batch && s->tables[t].assoc)
            p->frac[t] = -2; /* rows come from the seats of each block */
    }
    for (size_t t = 0; t < nt; t++) {
        if (s->tables[t].assoc)
            continue;
        if (!p->batch || p->frac[t] < 0)
            p->rows[t] = table_rows(p, o, (int)t, 0);
        else
            p->rows[t] = p->nblocks == UINT64_MAX ? UINT64_MAX
                                                  : sl_gplan_block_start(p, (int)t, p->nblocks);
    }
    for (size_t t = 0; t < nt; t++) {
        const sl_gtable *tb = &s->tables[t];
        p->tkey[t] = sl_rng_hash(o->seed, tb->salt);
        p->rt[t] = calloc(tb->ncols ? tb->ncols : 1, sizeof **p->rt);
        if (!p->rt[t])
            goto nomem;
        for (size_t i = 0; i < tb->ncols; i++) {
            const sl_gcol *c = &tb->cols[i];
            sl_gcolrt *rt = &p->rt[t][i];
            rt->key = sl_rng_hash(p->tkey[t], c->salt);
            rt->null_key = sl_rng_hash(rt->key, 0x6e756c6cull);
            uint64_t gsalt = c->group >= 0 ? tb->cols[c->group].salt : 0x51;
            rt->group_key = sl_rng_hash(p->tkey[t], gsalt ^ 0xc17c17ull);
            if (c->gen == G_ZIPF)
                sl_gen_zipf_init(rt, c->n, c->a);
            if (c->gen == G_REF && c->ref_zipf && !p->batch)
                sl_gen_zipf_init(rt, (int64_t)(p->rows[c->ref_table] ? p->rows[c->ref_table] : 1), c->ref_s);
            const sl_gcol *e = c->gen == G_LIST ? c->elem : c;
            if (e->gen == G_ZIPF)
                sl_gen_zipf_init(rt, e->n, e->a);
            if (c->gen == G_EMAIL)
                rt->uniq_space = digits_space(p->rows[t] == UINT64_MAX ? (uint64_t)1e12 : p->rows[t],
                                              &rt->uniq_digits);
            /* an endless run (--loop) repeats a unique pattern once its values are used up */
            if (c->unique && c->gen == G_PATTERN && c->space && !tb->assoc && p->rows[t] > c->space &&
                p->rows[t] != UINT64_MAX) {
                sl_error_at(err, SL_ERR_USAGE, c->line, c->column, UINT64_MAX,
                            "table '%s' has %llu rows but unique pattern '%s' of column '%s' has "
                            "only %llu values", tb->name, (unsigned long long)p->rows[t], c->pattern,
                            c->path, (unsigned long long)c->space);
                sl_gplan_free(p);
                return SL_ERR_USAGE;
            }
        }
    }
    sl_status cs = cache_parent_keys(p, err);
    if (cs != SL_OK) {
        sl_gplan_free(p);
        return cs;
    }
    if (!p->batch)
        for (size_t t = 0; t < nt; t++) {
            if (!s->tables[t].assoc)
                continue;
            sl_gblock_seats seats = {.block = UINT64_MAX};
            sl_status st = sl_gseats_load(p, (int)t, 0, &seats);
            p->rows[t] = seats.rows;
            sl_gseats_free(&seats);
            if (st != SL_OK) {
                sl_gplan_free(p);
                return sl_error_set(err, st, "cannot plan association '%s'", s->tables[t].name);
            }
        }
    return SL_OK;
nomem:
    sl_gplan_free(p);
    return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
}

void sl_gplan_free(sl_gplan *p)
{
    if (!p)
        return;
    if (p->rt)
        for (size_t t = 0; t < p->s->ntables; t++) {
            for (size_t i = 0; p->rt[t] && i < p->s->tables[t].ncols; i++) {
                free(p->rt[t][i].parent_keys);
                sl_alias_free(&p->rt[t][i].ref_alias);
            }
            free(p->rt[t]);
        }
    sl_arena_free(&p->cache);
    free(p->rt);
    free(p->rows);
    free(p->frac);
    free(p->tkey);
    memset(p, 0, sizeof *p);
}

void sl_gseats_free(sl_gblock_seats *seats)
{
    free(seats->prefix);
    seats->prefix = NULL;
    seats->cap = 0;
    seats->block = UINT64_MAX;
}

/* Seats of block b, with first_row left for the caller. */
static sl_status seats_of(const sl_gplan *p, int t, uint64_t b, sl_gblock_seats *st)
{
    const sl_gtable *tb = &p->s->tables[t];
    st->l0 = sl_gplan_block_start(p, tb->left, b);
    st->nleft = sl_gplan_block_start(p, tb->left, b + 1) - st->l0;
    st->r0 = sl_gplan_block_start(p, tb->right, b);
    st->nright = sl_gplan_block_start(p, tb->right, b + 1) - st->r0;
    if (st->nright + 1 > st->cap) {
        uint64_t *n = realloc(st->prefix, (st->nright + 1) * sizeof *n);
        if (!n)
            return SL_ERR_NOMEM;
        st->prefix = n;
        st->cap = st->nright + 1;
    }
    sl_arena a;
    sl_arena_init(&a, 4096);
    uint64_t total = 0, fill_key = sl_rng_hash(p->tkey[t], 0xf111ull);
    for (uint64_t i = 0; i < st->nright; i++) {
        st->prefix[i] = total;
        sl_val cap;
        sl_status s = sl_gen_value(p, tb->right, tb->cap_col, st->r0 + i, NULL, &a, &cap);
        if (s != SL_OK) {
            sl_arena_free(&a);
            return s;
        }
        double c = cap.kind == SL_VAL_INT ? (double)cap.u.i : 0;
        uint64_t limit = c > 0 ? (uint64_t)floor(c * tb->util + 1e-9) : 0;
        if (limit > st->nleft)
            limit = st->nleft;
        uint64_t lo = (uint64_t)ceil((double)limit * tb->fill_min - 1e-9);
        if (lo > limit)
            lo = limit;
        total += lo + sl_rng_below(sl_rng_hash(fill_key, st->r0 + i), limit - lo + 1);
    }
    st->prefix[st->nright] = total;
    sl_arena_free(&a);
    double most = floor((double)st->nleft * tb->max_per_left);
    st->rows = (double)total > most ? (uint64_t)most : total;
    st->block = b;
    return SL_OK;
}

sl_status sl_gseats_load(const sl_gplan *p, int t, uint64_t b, sl_gblock_seats *seats)
{
    uint64_t first = 0;
    if (b > 0 && seats->block == b - 1) {
        first = seats->first_row + seats->rows;
    } else {
        for (uint64_t k = 0; k < b; k++) {
            sl_status s = seats_of(p, t, k, seats);
            if (s != SL_OK)
                return s;
            first += seats->rows;
        }
    }
    sl_status s = seats_of(p, t, b, seats);
    seats->first_row = first;
    return s;
}
