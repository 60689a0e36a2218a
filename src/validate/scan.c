/* One pass over every table, row group by row group, split into units of work
 * (see "work units" below) that a pool of threads runs: each column is read
 * once by its own unit, which does everything asked of it in one loop (its
 * profile's sketches, null, range, enum and pattern checks), and the key unit
 * reads the key columns first (so that a row whose key repeats is known before
 * its other columns are seen) and keeps what relate.c needs. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "base/fsutil.h"
#include "base/grow.h"
#include "sluice/gen.h"
#include "sluice/sluice.h"
#include "validate/vd.h"

/* ------------------------------------------------------------ small parts */

void vd_sample_add(vd_samples *s, uint64_t row, uint32_t cap)
{
    if (s->n < cap && s->n < VD_MAX_SAMPLES)
        s->row[s->n++] = row;
}

sl_status vd_keyset_init(vd_keyset *s, uint64_t expect)
{
    size_t cap = 16;
    while (cap < expect + expect / 3 + 1)
        cap *= 2;
    s->h = calloc(cap, sizeof *s->h);
    s->row = malloc(cap * sizeof *s->row);
    s->cap = cap;
    s->n = 0;
    if (!s->h || !s->row) {
        vd_keyset_free(s);
        return SL_ERR_NOMEM;
    }
    return SL_OK;
}

void vd_keyset_free(vd_keyset *s)
{
    free(s->h);
    free(s->row);
    memset(s, 0, sizeof *s);
}

size_t vd_keyset_put(vd_keyset *s, uint64_t h, uint32_t row, uint32_t *first)
{
    if (s->n + 1 > s->cap - s->cap / 4)
        return SIZE_MAX;
    size_t m = s->cap - 1, i = vd_keyset_slot(s, h);
    while (s->h[i]) {
        if (s->h[i] == h) {
            *first = s->row[i];
            return i;
        }
        i = (i + 1) & m;
    }
    s->h[i] = h;
    s->row[i] = row;
    s->n++;
    *first = row;
    return i;
}

size_t vd_keyset_find(const vd_keyset *s, uint64_t h)
{
    if (!s->cap)
        return SIZE_MAX;
    size_t m = s->cap - 1, i = vd_keyset_slot(s, h);
    while (s->h[i]) {
        if (s->h[i] == h)
            return i;
        i = (i + 1) & m;
    }
    return SIZE_MAX;
}

/* ------------------------------------------------------------- hashing */

int vd_family(sl_pq_type t)
{
    switch (t) {
    case SL_PQ_INT8: case SL_PQ_INT16: case SL_PQ_INT32: case SL_PQ_INT64:
    case SL_PQ_UINT8: case SL_PQ_UINT16: case SL_PQ_UINT32: case SL_PQ_UINT64:
        return VD_FAM_INT;
    case SL_PQ_FLOAT: case SL_PQ_DOUBLE: return VD_FAM_FLOAT;
    case SL_PQ_DECIMAL: return VD_FAM_DEC;
    case SL_PQ_STRING: case SL_PQ_BINARY: case SL_PQ_FIXED: return VD_FAM_STR;
    case SL_PQ_DATE: return VD_FAM_DATE;
    case SL_PQ_TIMESTAMP: return VD_FAM_TS;
    case SL_PQ_TIME: return VD_FAM_TIME;
    case SL_PQ_BOOL: return VD_FAM_BOOL;
    default: return VD_FAM_OTHER;
    }
}

static int64_t to_micros(int64_t v, sl_pq_time_unit u)
{
    return u == SL_PQ_MILLIS ? v * 1000 : u == SL_PQ_NANOS ? v / 1000 : v;
}

static inline uint64_t nz(uint64_t h)
{
    return h ? h : 1;
}

uint64_t vd_hash_value(const sl_pq_column *c, const sl_pq_column_data *d, size_t k)
{
    return vd_hash_seeded(c, d, k, 0);
}

uint64_t vd_hash_seeded(const sl_pq_column *c, const sl_pq_column_data *d, size_t k, uint64_t seed)
{
    uint64_t f = (uint64_t)vd_family(c->type) ^ seed;
    int64_t v;
    switch (vd_family(c->type)) {
    case VD_FAM_INT: case VD_FAM_DATE: case VD_FAM_BOOL:
        v = d->i64[k];
        return nz(XXH3_64bits_withSeed(&v, 8, f));
    case VD_FAM_TS: case VD_FAM_TIME:
        v = to_micros(d->i64[k], c->time_unit);
        return nz(XXH3_64bits_withSeed(&v, 8, f));
    case VD_FAM_FLOAT: {
        double x = d->f64[k];
        if (x == 0)
            x = 0;
        if (isnan(x))
            x = NAN;
        return nz(XXH3_64bits_withSeed(&x, 8, f));
    }
    case VD_FAM_DEC:
        if (d->i64) {
            v = d->i64[k];
            return nz(XXH3_64bits_withSeed(&v, 8, f * 100u + (uint64_t)c->scale));
        }
        break;    /* p > 18: big-endian bytes, below */
    default:
        break;
    }
    if (!d->offsets)
        return 1;
    return nz(XXH3_64bits_withSeed(d->data + d->offsets[k], (size_t)(d->offsets[k + 1] - d->offsets[k]), f));
}

static double pow10i(int32_t s)
{
    double p = 1;
    for (int32_t i = 0; i < s && i < 40; i++)
        p *= 10;
    return p;
}

/* The value of slot k as a number for the profile and range checks. */
static double num_value(const sl_pq_column *c, const sl_pq_column_data *d, size_t k)
{
    switch (c->type) {
    case SL_PQ_FLOAT: case SL_PQ_DOUBLE: return d->f64[k];
    case SL_PQ_UINT64: return (double)(uint64_t)d->i64[k];
    case SL_PQ_DECIMAL: return d->i64 ? (double)d->i64[k] / pow10i(c->scale) : NAN;
    case SL_PQ_TIMESTAMP: case SL_PQ_TIME: return (double)to_micros(d->i64[k], c->time_unit);
    default: return (double)d->i64[k];
    }
}

bool vd_is_numeric(const sl_pq_column *c)
{
    int f = vd_family(c->type);
    return !c->list && f != VD_FAM_STR && f != VD_FAM_OTHER && !(f == VD_FAM_DEC && c->precision > 18);
}

/* ------------------------------------------------------------- the scan */

typedef struct rg_ctx {
    vd_table *t;
    vd_run *run;
    vd_file *f;
    const uint8_t *mask;     /* the columns of this unit */
    bool key;                /* the key unit: keys, links, whole rows, school rows */
    uint64_t base;           /* table row number of the row group's first row */
    size_t rows;
    uint8_t *repeat;         /* per row: the key repeats an earlier row's */
    uint64_t *hs;            /* per row: the column's value hashes (scratch) */
    uint64_t *keyh;          /* per row: the key's hash, 0 for a null key part */
    uint64_t *rowh;          /* per row: whole rows' hashes (no key) */
    bool profile;            /* this file's sketches are not saved: profile it */
    uint32_t cap;            /* samples per check */
} rg_ctx;

static bool in_values(const vd_colrule *r, const char *s, size_t n)
{
    for (size_t i = 0; i < r->nvalues; i++)
        if (strlen(r->values[i]) == n && memcmp(r->values[i], s, n) == 0)
            return true;
    return false;
}

/* Enum and pattern verdict for a string, cached by hash when the column has
 * few distinct values (the cache stops growing at 4096 entries). */
static bool string_ok(vd_col *c, uint64_t h, const uint8_t *s, size_t n)
{
    vd_verdicts *v = &c->vcache;
    if (!v->cap) {
        v->h = calloc(8192, sizeof *v->h);
        v->ok = malloc(8192);
        if (!v->h || !v->ok) {
            free(v->h);
            free(v->ok);
            v->h = NULL;
            v->ok = NULL;
        } else {
            v->cap = 8192;
        }
    }
    uint32_t i = 0;
    if (v->cap) {
        i = (uint32_t)h & (v->cap - 1);
        while (v->h[i]) {
            if (v->h[i] == (h | 1))
                return v->ok[i];
            i = (i + 1) & (v->cap - 1);
        }
    }
    const vd_colrule *r = c->rule;
    bool ok = true;
    if (r->nvalues)
        ok = in_values(r, (const char *)s, n);
    if (ok && r->re_ok) {
        regmatch_t m = {.rm_so = 0, .rm_eo = (regoff_t)n};
        ok = regexec(&r->re, (const char *)s, 1, &m, REG_STARTEND) == 0;
    }
    if (v->cap && v->n < v->cap / 2) {
        v->h[i] = h | 1;
        v->ok[i] = ok;
        v->n++;
    }
    return ok;
}

static void fail(rg_ctx *x, vd_col *c, int ck, size_t r)
{
    c->fail[ck]++;
    vd_sample_add(&c->samp[ck], x->base + r, x->cap);
}

/* Profile of a flat slot already known present. */
static void profile_value(vd_col *c, vd_prof *p, const sl_pq_column_data *d, size_t k, uint64_t h)
{
    /* a nearly unique column has no top values: stop counting them early */
    if ((p->values & 0x1fff) == 0 && !p->top.off && vd_hll_estimate(p->hll) > 0.5 * (double)p->values)
        vd_prof_stop_top(p);
    if (p->numeric) {
        double v = num_value(&c->pq, d, k);
        p->sum += v;
        /* numbers are kept as their 8 bytes and formatted for the report */
        int seen = vd_prof_count(p, h, (const char *)&v, sizeof v);
        if (seen != 2)
            vd_hll_add(p->hll, h);
        if (!seen)
            vd_kll_add(&p->kll, v);
    } else if (d->offsets) {
        const char *s = (const char *)d->data + d->offsets[k];
        size_t n = (size_t)(d->offsets[k + 1] - d->offsets[k]);
        p->len_sum += n;
        /* a value seen before in this file changes neither the distinct count
         * nor min and max: a column of few values costs a probe per row */
        if (c->pq.type == SL_PQ_STRING && vd_prof_count(p, h, s, n) == 2)
            return;
        vd_hll_add(p->hll, h);
        if (c->pq.type == SL_PQ_STRING)
            vd_prof_str_minmax(p, s, n);
    } else {
        vd_hll_add(p->hll, h);
    }
}

static void range_check(rg_ctx *x, vd_col *c, const sl_pq_column_data *d, size_t k, size_t r)
{
    const vd_colrule *ru = c->rule;
    if (c->pq.list || c->type_bad)
        return;
    c->checked[VD_CK_RANGE] += (ru->has_min || ru->has_max || ru->nvalues) != 0;
    c->checked[VD_CK_PATTERN] += ru->re_ok;
    if (d->offsets && c->pq.type == SL_PQ_STRING) {
        if (!ru->nvalues && !ru->re_ok)
            return;
        const uint8_t *s = d->data + d->offsets[k];
        size_t n = (size_t)(d->offsets[k + 1] - d->offsets[k]);
        if (string_ok(c, x->hs[r], s, n))
            return;
        /* which rule failed: the enum wins (out_of_range), then the pattern */
        if (ru->nvalues && !in_values(ru, (const char *)s, n))
            fail(x, c, VD_CK_RANGE, r);
        else
            fail(x, c, VD_CK_PATTERN, r);
        return;
    }
    if (!c->prof.numeric)
        return;
    double v = num_value(&c->pq, d, k);
    bool bad = (ru->has_min && v < ru->min) || (ru->has_max && v > ru->max);
    if (!bad && ru->nvalues) {
        char txt[40];
        int n = snprintf(txt, sizeof txt, "%lld", (long long)d->i64[k]);
        bad = vd_family(c->pq.type) == VD_FAM_INT && !in_values(ru, txt, (size_t)n);
    }
    if (bad)
        fail(x, c, VD_CK_RANGE, r);
}

/* Everything one column's chunk is needed for, in one loop over its rows. */
/* One column's chunk, in one loop over its rows. In the key unit: the values'
 * hashes (for whole rows, unique columns, and the per-row hashes relate.c
 * needs); in the column's own unit: the profile and the column's checks. */
static sl_status do_column(rg_ctx *x, vd_col *c, const sl_pq_column_data *d)
{
    const vd_colrule *ru = c->rule;
    bool prof = x->profile && !x->key, own = !x->key;
    vd_prof *p = prof ? &x->f->fprof[c - x->t->cols] : NULL;
    bool checks = own && ru && (ru->has_min || ru->has_max || ru->nvalues || ru->re_ok);
    bool uniq = x->key && c->uniq;
    for (size_t r = 0; r < x->rows; r++) {
        bool null;
        uint64_t h;
        if (c->pq.list) {
            null = d->list_valid && !d->list_valid[r];
            h = 0x5bd1e995;
            for (uint64_t k = d->list_offsets[r]; !null && k < d->list_offsets[r + 1]; k++)
                h = XXH3_64bits_withSeed(&h, 8, d->valid && !d->valid[k] ? 7 : vd_hash_value(&c->pq, d, (size_t)k));
            h = nz(h);
        } else {
            null = d->valid && !d->valid[r];
            h = null ? 0 : vd_hash_value(&c->pq, d, r);
        }
        x->hs[r] = h;
        if (prof)
            p->rows++;
        if (null) {
            if (prof)
                p->nulls++;
            if (own && c->required)
                fail(x, c, VD_CK_NULL, r);
            continue;
        }
        if (prof) {
            p->values++;
            if (!c->pq.list)
                profile_value(c, p, d, r, h);
            else
                vd_hll_add(p->hll, h);
        }
        if (checks)
            range_check(x, c, d, r, r);
        if (uniq && !x->repeat[r]) {
            uint32_t first;
            c->checked[VD_CK_UNIQUE]++;
            if (vd_keyset_put(c->uniq, h, (uint32_t)(x->base + r), &first) == SIZE_MAX)
                return SL_ERR_NOMEM;
            if (first != (uint32_t)(x->base + r))
                fail(x, c, VD_CK_UNIQUE, r);
        }
    }
    if (own && c->required)
        c->checked[VD_CK_NULL] += x->rows;
    if (x->key && c->store)
        for (size_t r = 0; r < x->rows; r++)
            c->h[x->base + r] = x->repeat[r] ? 0 : x->hs[r];
    if (x->key && c->store_i64)
        for (size_t r = 0; r < x->rows; r++) {
            bool null = d->valid && !d->valid[r];
            c->iv[x->base + r] = null ? 0 : d->i64[r];
            c->ivnull[x->base + r] = null;
        }
    return SL_OK;
}

/* Records that row repeats the key (or the whole row) of row first. */
static sl_status add_repeat(vd_table *t, uint32_t row, uint32_t first)
{
    if (t->nrep == t->caprep) {
        vd_repeat *p = sl_grow_array(t->rep, &t->caprep, sizeof *p, 64);
        if (!p)
            return SL_ERR_NOMEM;
        t->rep = p;
    }
    t->rep[t->nrep++] = (vd_repeat){row, first};
    return SL_OK;
}

/* Key hashes of the row group, and which rows repeat a key seen before. The
 * hashes come first, so that each row's slot is fetched eight rows ahead: an
 * index of millions of keys is far larger than a cache. */
static sl_status do_keys(rg_ctx *x, const sl_pq_column_data *kd[], bool *nullkey_any)
{
    vd_table *t = x->t;
    for (size_t r = 0; r < x->rows; r++) {
        uint64_t h = 0;
        for (size_t i = 0; i < t->nkey; i++) {
            const sl_pq_column_data *d = kd[i];
            if (d->valid && !d->valid[r]) {
                h = 0;
                break;
            }
            uint64_t v = vd_hash_value(&t->cols[t->key[i]].pq, d, r);
            h = t->nkey == 1 ? v : nz(XXH3_64bits_withSeed(&v, 8, h));
        }
        x->keyh[r] = h;
    }
    for (size_t r = 0; r < x->rows; r++) {
        uint64_t h = x->keyh[r];
        x->repeat[r] = 0;
        if (r + 8 < x->rows)
            vd_keyset_prefetch(&t->keys, x->keyh[r + 8]);
        if (!h) {
            t->null_key_rows++;
            *nullkey_any = true;
            continue;
        }
        uint32_t first, row = (uint32_t)(x->base + r);
        if (vd_keyset_put(&t->keys, h, row, &first) == SIZE_MAX)
            return SL_ERR_NOMEM;
        if (first != row) {
            x->repeat[r] = 1;
            if (add_repeat(t, row, first))
                return SL_ERR_NOMEM;
        }
    }
    return SL_OK;
}

/* Whole-row hashes for a table without a key: exact copies are duplicates. */
static sl_status do_rows(rg_ctx *x, uint64_t *acc)
{
    vd_table *t = x->t;
    for (size_t r = 0; r < x->rows; r++) {
        uint32_t first, row = (uint32_t)(x->base + r);
        if (vd_keyset_put(&t->keys, nz(acc[r]), row, &first) == SIZE_MAX)
            return SL_ERR_NOMEM;
        if (first != row && add_repeat(t, row, first))
            return SL_ERR_NOMEM;
    }
    return SL_OK;
}

static void do_age(rg_ctx *x, const sl_pq_column_data *age, const sl_pq_column_data *year)
{
    vd_table *t = x->t;
    for (size_t r = 0; r < x->rows; r++) {
        if (x->repeat[r] || (age->valid && !age->valid[r]) || (year->valid && !year->valid[r]))
            continue;
        t->age_checked++;
        int64_t d = age->i64[r] - year->i64[r];
        if (d != 5 && d != 6) {
            t->age_fail++;
            vd_sample_add(&t->age_samp, x->base + r, x->cap);
        }
    }
}

/* Whether column c must be read in row group rg of file r by its own unit: the
 * file is being profiled, or a check needs the values. A not-null rule alone
 * is settled by the chunk's null count when the file states it. */
static bool must_read(const vd_col *c, sl_pq_reader *r, size_t rg, size_t k, bool profile)
{
    const vd_colrule *ru = c->rule;
    if (profile || (ru && (ru->has_min || ru->has_max || ru->nvalues || ru->re_ok)))
        return true;
    if (c->required) {
        const sl_pq_chunk_info *ci = sl_pq_reader_chunk(r, rg, k);
        return !ci || !ci->has_null_count || ci->null_count != 0;
    }
    return false;
}

static sl_status read_col(sl_pq_reader *r, size_t rg, size_t k, sl_pq_column_data *d, const vd_file *f,
                          sl_error *err)
{
    sl_status st = sl_pq_reader_read_column(r, rg, k, d, err);
    if (st && !err->file[0])
        sl_error_set_file(err, f->path);
    return st;
}

static sl_status scan_rg(rg_ctx *x, sl_pq_reader *r, const size_t *map, size_t rg, sl_pq_column_data *cd,
                         uint8_t *have, sl_error *err)
{
    vd_table *t = x->t;
    vd_file *f = x->f;
    sl_status st;
    memset(have, 0, t->ncols);
    memset(x->repeat, 0, x->rows);
    if (x->key && t->nkey) {
        const sl_pq_column_data *kd[VD_MAX_KEY];
        bool nk = false;
        bool all = true;
        for (size_t i = 0; i < t->nkey; i++) {
            size_t k = map[t->key[i]];
            if (k == SIZE_MAX) {
                all = false;
                break;
            }
            if ((st = read_col(r, rg, k, &cd[t->key[i]], f, err)))
                return st;
            have[t->key[i]] = 1;
            kd[i] = &cd[t->key[i]];
        }
        if (all && (st = do_keys(x, kd, &nk)))
            return sl_error_set(err, st, "out of memory");
    }
    uint64_t *acc = x->key && !t->nkey ? x->rowh : NULL;
    if (acc)
        memset(acc, 0, x->rows * sizeof *acc);
    for (size_t c = 0; c < t->ncols; c++) {
        vd_col *col = &t->cols[c];
        size_t k = map[c];
        if (!x->mask[c] || col->missing || col->pq.type == SL_PQ_UNSUPPORTED)
            continue;
        if (k == SIZE_MAX) {
            /* the file lacks the column: its rows are nulls there */
            if (x->key)
                continue;
            if (x->profile) {
                f->fprof[c].rows += x->rows;
                f->fprof[c].nulls += x->rows;
            }
            if (col->required) {
                col->checked[VD_CK_NULL] += x->rows;
                for (size_t i = 0; i < x->rows; i++)
                    fail(x, col, VD_CK_NULL, i);
            }
            continue;
        }
        if (!x->key && !must_read(col, r, rg, k, x->profile)) {
            if (col->required)
                col->checked[VD_CK_NULL] += x->rows;
            continue;
        }
        if (!have[c] && (st = read_col(r, rg, k, &cd[c], f, err)))
            return st;
        have[c] = 1;
        if ((st = do_column(x, col, &cd[c])))
            return sl_error_set(err, st, "out of memory");
        if (acc)
            for (size_t i = 0; i < x->rows; i++)
                acc[i] = (acc[i] ^ x->hs[i]) * 0x9E3779B97F4A7C15ull + c;
    }
    if (acc && (st = do_rows(x, acc)))
        return sl_error_set(err, st, "out of memory");
    if (x->key && t->school_age) {
        long a = vd_find_col(t, "age"), y = vd_find_col(t, "year");
        if (have[a] && have[y])
            do_age(x, &cd[a], &cd[y]);
    }
    return SL_OK;
}

/* ------------------------------------------------------------ work units */

/* A table is scanned by several units, each reading its own columns of every
 * file. The key unit does what needs rows in order: the key and which rows
 * repeat it, the per-row hashes and values relate.c needs, unique columns, the
 * school's age and year, whole-row hashes of a table without a key. Each column
 * also has a unit of its own: its profile and checks. Units run on a pool of
 * threads, largest first, so that one big table keeps both cores busy; a column
 * read by two units is decoded twice, in parallel. Whatever a unit writes is
 * its own (a column's checks belong to its unit, structure to the key unit). */
typedef struct unit {
    size_t table;
    bool key;
    uint8_t *mask;
    uint64_t cost;
    sl_status st;
    sl_error err;
} unit;

static bool in_key_unit(const vd_table *t, const vd_col *c)
{
    return !t->nkey || c->key_pos >= 0 || c->store || c->store_i64 || c->uniq ||
           (t->school_age && (strcmp(c->name, "age") == 0 || strcmp(c->name, "year") == 0));
}

/* Rows of every file (footers only), and what the table keeps across units. */
static sl_status prepare_table(vd_run *run, vd_table *t, sl_error *err)
{
    sl_status st;
    for (size_t i = 0; i < t->nfiles; i++) {
        sl_pq_reader *r;
        vd_file *f = &t->files[i];
        if ((st = vd_open_reader(f->path, &r, err)))
            return st;
        f->row0 = t->rows;
        f->rows = sl_pq_reader_num_rows(r);
        t->rows += f->rows;
        for (size_t g = 0; g < sl_pq_reader_num_row_groups(r); g++)
            if (sl_pq_reader_row_group_rows(r, g) > t->maxrg)
                t->maxrg = sl_pq_reader_row_group_rows(r, g);
        sl_pq_reader_free(r);
        if (!f->reuse) {
            if (!(f->fprof = calloc(t->ncols + 1, sizeof *f->fprof)))
                return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
            for (size_t c = 0; c < t->ncols; c++)
                vd_prof_init(&f->fprof[c], t->cols[c].prof.numeric);
        }
    }
    if (t->rows > VD_MAX_ROWS)
        return sl_error_set(err, SL_ERR_LIMIT, "table '%s' has %llu rows, more than validate handles (%llu)",
                            t->name, (unsigned long long)t->rows, (unsigned long long)VD_MAX_ROWS);
    if (vd_keyset_init(&t->keys, t->rows))
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < t->ncols; c++) {
        vd_col *col = &t->cols[c];
        if (col->rule && col->rule->unique && col->key_pos < 0 && !col->missing &&
            (!(col->uniq = calloc(1, sizeof *col->uniq)) || vd_keyset_init(col->uniq, t->rows)))
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        if ((col->store && !(col->h = calloc(t->rows + 1, sizeof *col->h))) ||
            (col->store_i64 && (!(col->iv = calloc(t->rows + 1, sizeof *col->iv)) ||
                                !(col->ivnull = calloc(t->rows + 1, 1)))))
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    return SL_OK;
}

static sl_status scan_unit(vd_run *run, unit *u, sl_error *err)
{
    vd_table *t = &run->tabs[u->table];
    sl_status st = SL_OK;
    size_t m = t->maxrg + 1;
    rg_ctx x = {.t = t, .run = run, .mask = u->mask, .key = u->key, .cap = run->o->samples};
    size_t *map = malloc((t->ncols + 1) * sizeof *map);
    sl_pq_column_data *cd = calloc(t->ncols + 1, sizeof *cd);
    uint8_t *have = malloc(t->ncols + 1);
    x.repeat = malloc(m);
    x.hs = malloc(m * sizeof *x.hs);
    x.keyh = malloc(m * sizeof *x.keyh);
    x.rowh = malloc(m * sizeof *x.rowh);
    if (!map || !cd || !have || !x.repeat || !x.hs || !x.keyh || !x.rowh) {
        st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; !st && i < t->nfiles; i++) {
        vd_file *f = &t->files[i];
        sl_pq_reader *r;
        if ((st = vd_open_file(t, f, &r, map, err)))
            break;
        x.f = f;
        x.profile = !f->reuse;
        if (u->key) {
            t->files_reused += f->reuse;
            t->files_read += !f->reuse;
        }
        uint64_t base = f->row0;
        for (size_t g = 0; !st && g < sl_pq_reader_num_row_groups(r); g++) {
            x.base = base;
            x.rows = (size_t)sl_pq_reader_row_group_rows(r, g);
            st = scan_rg(&x, r, map, g, cd, have, err);
            base += x.rows;
        }
        sl_pq_reader_free(r);
        /* Only a column's own unit profiles it (do_column), so only that unit
         * folds it: the key unit also has the key columns in its mask, and
         * folding them here raced with their own units on other threads. */
        for (size_t c = 0; x.profile && !u->key && c < t->ncols; c++)
            if (u->mask[c])
                vd_prof_fold(&f->fprof[c]);
    }
done:
    free(map);
    free(cd);
    free(have);
    free(x.repeat);
    free(x.hs);
    free(x.keyh);
    free(x.rowh);
    return st;
}

/* Every file's sketches, in file order: saved ones merged, new ones kept for
 * state.c and merged. The order is fixed, so the numbers are too. */
static sl_status finish_table(vd_run *run, vd_table *t)
{
    for (size_t i = 0; i < t->nfiles; i++) {
        vd_file *f = &t->files[i];
        vd_prof *from = f->reuse ? f->saved : f->fprof;
        if (!f->reuse && !run->o->no_state && vd_state_keep(t, f))
            return SL_ERR_NOMEM;
        for (size_t c = 0; from && c < t->ncols; c++)
            if (!t->cols[c].missing)
                vd_prof_merge(&t->cols[c].prof, &from[c]);
        if (f->fprof) {
            for (size_t c = 0; c < t->ncols; c++)
                vd_prof_free(&f->fprof[c]);
            free(f->fprof);
            f->fprof = NULL;
        }
    }
    return SL_OK;
}

typedef struct pool {
    vd_run *run;
    unit *units;
    size_t n;
    pthread_mutex_t mu;
    size_t next;
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->n)
            return NULL;
        unit *u = &p->units[i];
        sl_error_clear(&u->err);
        u->st = scan_unit(p->run, u, &u->err);
    }
}

static int by_cost(const void *a, const void *b)
{
    uint64_t x = ((const unit *)a)->cost, y = ((const unit *)b)->cost;
    return (x < y) - (x > y);
}

static sl_status make_units(vd_run *run, unit **out, size_t *nout, sl_error *err)
{
    size_t n = 0, cap = 0;
    unit *u = NULL;
    for (size_t ti = 0; ti < run->ntabs; ti++) {
        vd_table *t = &run->tabs[ti];
        for (size_t c = 0; c <= t->ncols; c++) {
            /* c == 0: the key unit; then one unit per other column */
            bool key = c == 0;
            size_t col = key ? 0 : c - 1;
            if (!key && (t->cols[col].missing || t->cols[col].pq.type == SL_PQ_UNSUPPORTED))
                continue;
            if (n + 1 > cap) {
                unit *p = realloc(u, (cap = cap ? 2 * cap : 16) * sizeof *p);
                if (!p)
                    goto nomem;
                u = p;
            }
            memset(&u[n], 0, sizeof u[n]);
            u[n].table = ti;
            u[n].key = key;
            if (!(u[n].mask = calloc(t->ncols + 1, 1)))
                goto nomem;
            size_t ncols = 0;
            for (size_t k = 0; k < t->ncols; k++)
                if (key ? in_key_unit(t, &t->cols[k]) : k == col)
                    u[n].mask[k] = 1, ncols++;
            u[n].cost = t->rows * (ncols + (key ? 2 * t->nkey : 0));
            n++;
        }
    }
    qsort(u, n, sizeof *u, by_cost);
    *out = u;
    *nout = n;
    return SL_OK;
nomem:
    for (size_t i = 0; i < n; i++)
        free(u[i].mask);
    free(u);
    return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
}

sl_status vd_scan_all(vd_run *run, sl_error *err)
{
    sl_status st;
    for (size_t i = 0; i < run->ntabs; i++)
        if ((st = prepare_table(run, &run->tabs[i], err)))
            return st;
    pool p = {.run = run};
    if ((st = make_units(run, &p.units, &p.n, err)))
        return st;
    pthread_mutex_init(&p.mu, NULL);
    int n = run->o->threads > 0 ? run->o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if ((size_t)n > p.n)
        n = (int)p.n;
    pthread_t th[64];
    int started = 0;
    for (int i = 1; i < n && i < 64; i++)
        if (pthread_create(&th[started], NULL, worker, &p) == 0)
            started++;
    worker(&p);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&p.mu);
    /* the first failure in table order is the one reported */
    st = SL_OK;
    for (size_t ti = 0; !st && ti < run->ntabs; ti++)
        for (size_t i = 0; !st && i < p.n; i++)
            if (p.units[i].table == ti && p.units[i].st) {
                *err = p.units[i].err;
                st = p.units[i].st;
            }
    for (size_t i = 0; i < p.n; i++)
        free(p.units[i].mask);
    free(p.units);
    for (size_t i = 0; !st && i < run->ntabs; i++)
        if (finish_table(run, &run->tabs[i]))
            st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    return st;
}
