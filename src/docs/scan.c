/* sluice docs: the tables of a directory, and one pass over each column for its
 * statistics. Distinct counts are exact up to 64-bit hash collisions (XXH3 of the
 * value's bytes: for n distinct values a collision, which would undercount by one,
 * has probability about n^2 / 2^65, under 10^-6 below six million values). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "base/grow.h"
#include "docs/docs_int.h"
#include "schema/infer.h"
#include "sluice/json.h"

/* ---- the hash set ---- */

static sl_status dset_rehash(dset *s, size_t cap)
{
    uint64_t *n = calloc(cap, sizeof *n);
    if (!n)
        return SL_ERR_NOMEM;
    for (size_t i = 0; i < s->cap; i++) {
        uint64_t h = s->slot[i];
        if (!h)
            continue;
        size_t k = (size_t)h & (cap - 1);
        while (n[k])
            k = (k + 1) & (cap - 1);
        n[k] = h;
    }
    free(s->slot);
    s->slot = n;
    s->cap = cap;
    return SL_OK;
}

sl_status dset_add(dset *s, uint64_t h, bool *added)
{
    *added = false;
    if (h == 0) {
        *added = !s->has_zero;
        s->n += !s->has_zero;
        s->has_zero = true;
        return SL_OK;
    }
    if ((s->n + 1) * 2 > s->cap) {
        sl_status st = dset_rehash(s, s->cap ? s->cap * 2 : 64);
        if (st != SL_OK)
            return st;
    }
    size_t k = (size_t)h & (s->cap - 1);
    while (s->slot[k]) {
        if (s->slot[k] == h)
            return SL_OK;
        k = (k + 1) & (s->cap - 1);
    }
    s->slot[k] = h;
    s->n++;
    *added = true;
    return SL_OK;
}

bool dset_has(const dset *s, uint64_t h)
{
    if (h == 0)
        return s->has_zero;
    if (!s->cap)
        return false;
    for (size_t k = (size_t)h & (s->cap - 1); s->slot[k]; k = (k + 1) & (s->cap - 1))
        if (s->slot[k] == h)
            return true;
    return false;
}

void dset_free(dset *s)
{
    free(s->slot);
    memset(s, 0, sizeof *s);
}

/* ---- finding the tables ---- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The Parquet files of directory path, sorted; *n 0 when there are none. */
static sl_status list_parquet(sl_docs *d, const char *path, char ***out, size_t *n, sl_error *err)
{
    *out = NULL;
    *n = 0;
    DIR *dir = opendir(path);
    if (!dir)
        return sl_error_set(err, SL_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    char **v = NULL;
    size_t cap = 0;
    sl_status st = SL_OK;
    for (struct dirent *e; st == SL_OK && (e = readdir(dir));) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, ".parquet"))
            continue;
        char full[4096];
        struct stat sb;
        if (snprintf(full, sizeof full, "%s/%s", path, e->d_name) >= (int)sizeof full || stat(full, &sb) != 0 ||
            !S_ISREG(sb.st_mode))
            continue;
        if (*n == cap) {
            char **nv = sl_grow_array(v, &cap, sizeof *nv, 16);
            if (!nv) {
                st = SL_ERR_NOMEM;
                break;
            }
            v = nv;
        }
        if (!(v[(*n)++] = sl_arena_strndup(&d->arena, full, strlen(full))))
            st = SL_ERR_NOMEM;
    }
    closedir(dir);
    if (st != SL_OK) {
        free(v);
        return sl_error_set(err, st, "out of memory");
    }
    if (*n > 1)
        qsort(v, *n, sizeof *v, cmp_str);
    *out = v;
    return SL_OK;
}

static int cmp_table(const void *a, const void *b)
{
    return strcmp(((const dtable *)a)->name, ((const dtable *)b)->name);
}

/* What sluice keeps beside the tables of an output directory (docs/state-layout.md). */
static bool not_a_table_dir(const char *name)
{
    static const char *const skip[] = {"raw", "quarantine", "duplicates", "processed", "ddl", NULL};
    if (name[0] == '.' || strcmp(name, "_sluice") == 0)
        return true;
    for (size_t i = 0; skip[i]; i++)
        if (strcmp(name, skip[i]) == 0)
            return true;
    return false;
}

sl_status docs_find_tables(sl_docs *d, sl_error *err)
{
    DIR *dir = opendir(d->dir);
    if (!dir)
        return sl_error_set(err, SL_ERR_IO, "cannot read '%s': %s", d->dir, strerror(errno));
    size_t cap = 0;
    sl_status st = SL_OK;
    for (struct dirent *e; st == SL_OK && (e = readdir(dir));) {
        char full[4096];
        struct stat sb;
        if (e->d_name[0] == '.' ||
            snprintf(full, sizeof full, "%s/%s", d->dir, e->d_name) >= (int)sizeof full || stat(full, &sb) != 0)
            continue;
        dtable t = {0};
        if (S_ISREG(sb.st_mode) && ends_with(e->d_name, ".parquet")) {
            t.name = sl_arena_strndup(&d->arena, e->d_name, strlen(e->d_name) - 8);
            t.files = malloc(sizeof *t.files);
            if (t.files)
                t.files[0] = t.path = sl_arena_strndup(&d->arena, full, strlen(full));
            t.nfiles = 1;
            if (!t.name || !t.files || !t.path)
                st = SL_ERR_NOMEM;
        } else if (S_ISDIR(sb.st_mode) && !not_a_table_dir(e->d_name)) {
            if ((st = list_parquet(d, full, &t.files, &t.nfiles, err)) != SL_OK)
                break;
            if (t.nfiles == 0)
                continue;
            t.is_dir = true;
            t.name = sl_arena_strndup(&d->arena, e->d_name, strlen(e->d_name));
            t.path = sl_arena_strndup(&d->arena, full, strlen(full));
            if (!t.name || !t.path)
                st = SL_ERR_NOMEM;
        } else {
            continue;
        }
        if (st == SL_OK && d->nt == cap) {
            dtable *nt = sl_grow_array(d->t, &cap, sizeof *nt, 16);
            if (!nt)
                st = SL_ERR_NOMEM;
            else
                d->t = nt;
        }
        if (st != SL_OK) {
            free(t.files);
            break;
        }
        d->t[d->nt++] = t;
    }
    closedir(dir);
    if (st != SL_OK)
        return st == SL_ERR_NOMEM ? sl_error_set(err, st, "out of memory") : st;
    for (size_t i = 0; i < d->nt; i++)   /* one name, two forms: the file wins, as sync writes one */
        for (size_t j = i + 1; j < d->nt; j++)
            if (strcmp(d->t[i].name, d->t[j].name) == 0)
                return sl_error_set(err, SL_ERR_IO, "'%s' holds both %s.parquet and a directory %s/",
                                    d->dir, d->t[i].name, d->t[i].name);
    if (d->nt == 0)
        return sl_error_set(err, SL_ERR_IO, "'%s' holds no Parquet table (<table>.parquet or <table>/*.parquet)",
                            d->dir);
    qsort(d->t, d->nt, sizeof *d->t, cmp_table);
    return SL_OK;
}

/* ---- types ---- */

void docs_type_text(const sl_pq_column *c, char *out, size_t n)
{
    char t[40];
    switch (c->type) {
    case SL_PQ_BOOL: snprintf(t, sizeof t, "boolean"); break;
    case SL_PQ_DECIMAL: snprintf(t, sizeof t, "decimal(%d,%d)", c->precision, c->scale); break;
    case SL_PQ_FLOAT: snprintf(t, sizeof t, "float"); break;
    case SL_PQ_DOUBLE: snprintf(t, sizeof t, "double"); break;
    case SL_PQ_TIMESTAMP:
        snprintf(t, sizeof t, "timestamp%s%s", c->time_unit == SL_PQ_MILLIS ? "(ms)" : c->time_unit == SL_PQ_NANOS ? "(ns)" : "",
                 c->utc ? "" : " without time zone");
        break;
    default:   /* sluice's own names are the reader's in lower case: int32, string */
        snprintf(t, sizeof t, "%s", sl_pq_type_name(c->type));
        for (char *p = t; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        break;
    }
    snprintf(out, n, c->list ? "list<%s>" : "%s", t);
}

/* ---- values ---- */

typedef struct dval {
    int64_t i;
    double d;
    const uint8_t *p;
    size_t n;
} dval;

enum { CMP_NONE, CMP_INT, CMP_UINT, CMP_DOUBLE, CMP_BYTES, CMP_BIGDEC };

static int cmp_class(const sl_pq_column *c)
{
    switch (c->type) {
    case SL_PQ_UINT64: return CMP_UINT;
    case SL_PQ_FLOAT: case SL_PQ_DOUBLE: return CMP_DOUBLE;
    case SL_PQ_STRING: return CMP_BYTES;
    case SL_PQ_DECIMAL: return c->precision > 18 ? CMP_BIGDEC : CMP_INT;
    case SL_PQ_BINARY: case SL_PQ_FIXED: case SL_PQ_UNSUPPORTED: return CMP_NONE;
    default: return CMP_INT;
    }
}

static dval slot_val(const sl_pq_column *c, const sl_pq_column_data *cd, size_t k)
{
    dval v = {0};
    if (cd->f64)
        v.d = cd->f64[k];
    else if (cd->i64)
        v.i = cd->i64[k];
    if (cd->offsets) {
        v.p = cd->data + cd->offsets[k];
        v.n = (size_t)(cd->offsets[k + 1] - cd->offsets[k]);
    }
    (void)c;
    return v;
}

static int cmp_val(int cls, const dval *a, const dval *b)
{
    switch (cls) {
    case CMP_INT: return a->i < b->i ? -1 : a->i > b->i;
    case CMP_UINT: return (uint64_t)a->i < (uint64_t)b->i ? -1 : (uint64_t)a->i > (uint64_t)b->i;
    case CMP_DOUBLE: return a->d < b->d ? -1 : a->d > b->d;
    case CMP_BIGDEC:   /* two's complement: flip the sign bit, then unsigned bytes */
        if (a->n && b->n && a->n == b->n && (a->p[0] ^ 0x80) != (b->p[0] ^ 0x80))
            return (a->p[0] ^ 0x80) < (b->p[0] ^ 0x80) ? -1 : 1;
        __attribute__((fallthrough));
    default: {
        size_t m = a->n < b->n ? a->n : b->n;
        int r = m ? memcmp(a->p, b->p, m) : 0;
        return r ? r : a->n < b->n ? -1 : a->n > b->n;
    }
    }
}

static uint64_t hash_val(const sl_pq_column *c, const dval *v)
{
    int cls = cmp_class(c);
    if (v->p || cls == CMP_BYTES || cls == CMP_BIGDEC || cls == CMP_NONE)
        return XXH3_64bits_withSeed(v->p ? v->p : (const uint8_t *)"", v->n, 2);
    if (cls == CMP_DOUBLE) {
        double d = v->d == 0 ? 0 : v->d;   /* -0 and 0 are one value */
        return XXH3_64bits_withSeed(&d, sizeof d, 3);
    }
    return XXH3_64bits_withSeed(&v->i, sizeof v->i, 1);
}

static sl_status put_i128(sl_buf *out, __int128 u, int scale)
{
    char digits[48];
    int n = 0;
    bool neg = u < 0;
    unsigned __int128 m = neg ? (unsigned __int128)0 - (unsigned __int128)u : (unsigned __int128)u;
    do {
        digits[n++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m || n <= scale);
    sl_status st = sl_buf_putc(out, '"');
    if (st == SL_OK && neg)
        st = sl_buf_putc(out, '-');
    for (int i = n - 1; st == SL_OK && i >= 0; i--) {
        st = sl_buf_putc(out, (uint8_t)digits[i]);
        if (st == SL_OK && i == scale && scale > 0)
            st = sl_buf_putc(out, '.');
    }
    return st ? st : sl_buf_putc(out, '"');
}

static int64_t to_micros(const sl_pq_column *c, int64_t x)
{
    if (c->time_unit == SL_PQ_MILLIS)
        return x * 1000;
    if (c->time_unit == SL_PQ_NANOS)
        return x >= 0 ? x / 1000 : -((-x + 999) / 1000);
    return x;
}

/* Appends v as JSON: numbers for integers and floating point, strings for the rest
 * (dates and times in ISO 8601, decimals exact, binary as hex). */
static sl_status put_val(sl_buf *out, const sl_pq_column *c, const dval *v)
{
    char tmp[48];
    size_t n;
    switch (c->type) {
    case SL_PQ_BOOL: return sl_buf_puts(out, v->i ? "true" : "false");
    case SL_PQ_UINT64: return sl_buf_printf(out, "%llu", (unsigned long long)(uint64_t)v->i);
    case SL_PQ_FLOAT: case SL_PQ_DOUBLE: return sl_json_write_double(out, v->d);
    case SL_PQ_STRING: return sl_json_write_string(out, (const char *)v->p, v->n);
    case SL_PQ_DATE:
        n = sl_format_date(v->i, tmp);
        return sl_json_write_string(out, tmp, n);
    case SL_PQ_TIMESTAMP:
        n = sl_format_timestamp(to_micros(c, v->i), c->utc, tmp);
        return sl_json_write_string(out, tmp, n);
    case SL_PQ_TIME:
        n = sl_format_time(to_micros(c, v->i), tmp);
        return sl_json_write_string(out, tmp, n);
    case SL_PQ_DECIMAL: {
        if (c->precision <= 18)
            return put_i128(out, v->i, c->scale);
        __int128 u = v->n && (v->p[0] & 0x80) ? -1 : 0;
        for (size_t i = 0; i < v->n && i < 16; i++)
            u = (__int128)(((unsigned __int128)u << 8) | v->p[i]);
        return put_i128(out, u, c->scale);
    }
    case SL_PQ_BINARY: case SL_PQ_FIXED: {
        static const char hex[] = "0123456789abcdef";
        sl_status st = sl_buf_puts(out, "\"0x");
        for (size_t i = 0; st == SL_OK && i < v->n && i < 64; i++) {
            st = sl_buf_putc(out, (uint8_t)hex[v->p[i] >> 4]);
            if (st == SL_OK)
                st = sl_buf_putc(out, (uint8_t)hex[v->p[i] & 15]);
        }
        return st ? st : sl_buf_puts(out, v->n > 64 ? "...\"" : "\"");
    }
    default: return sl_buf_printf(out, "%lld", (long long)v->i);
    }
}

/* ---- one column ---- */

typedef struct colscan {
    int cls;
    bool have;
    dval min, max;
    sl_buf bmin, bmax;   /* the bytes min.p and max.p point to */
} colscan;

static sl_status note_minmax(colscan *cs, const dval *v)
{
    if (cs->cls == CMP_NONE || (cs->cls == CMP_DOUBLE && isnan(v->d)))
        return SL_OK;
    for (int side = 0; side < 2; side++) {
        dval *cur = side ? &cs->max : &cs->min;
        int r = cs->have ? cmp_val(cs->cls, v, cur) : 0;
        if (cs->have && (side ? r <= 0 : r >= 0))
            continue;
        *cur = *v;
        if (v->p) {
            sl_buf *b = side ? &cs->bmax : &cs->bmin;
            sl_buf_clear(b);
            sl_status st = sl_buf_append(b, v->p, v->n);
            if (st != SL_OK)
                return st;
            cur->p = b->data;
        }
    }
    cs->have = true;
    return SL_OK;
}

static sl_status note_example(sl_docs *d, dcol *col, const dval *v)
{
    if (col->nexamples >= d->examples)
        return SL_OK;
    sl_buf b;
    sl_buf_init(&b, 0);
    sl_status st = put_val(&b, &col->pq, v);
    if (st == SL_OK && !(col->example[col->nexamples++] = sl_arena_strndup(&d->arena, (const char *)b.data, b.len)))
        st = SL_ERR_NOMEM;
    sl_buf_free(&b);
    return st;
}

static sl_status scan_chunk(sl_docs *d, dcol *col, colscan *cs, const sl_pq_column_data *cd)
{
    const sl_pq_column *c = &col->pq;
    sl_status st = SL_OK;
    bool added;
    for (size_t r = 0; st == SL_OK && r < cd->num_rows; r++) {
        if (!c->list) {
            if (cd->valid && !cd->valid[r]) {
                col->nulls++;
                continue;
            }
            dval v = slot_val(c, cd, r);
            col->values++;
            if ((st = dset_add(&col->set, hash_val(c, &v), &added)) == SL_OK && added)
                st = note_example(d, col, &v);
            if (st == SL_OK)
                st = note_minmax(cs, &v);
            continue;
        }
        if (cd->list_valid && !cd->list_valid[r]) {
            col->nulls++;
            continue;
        }
        col->values++;
        uint64_t h = 0x6c697374;   /* a list's hash: its elements' in order, nulls marked */
        for (uint64_t k = cd->list_offsets[r]; st == SL_OK && k < cd->list_offsets[r + 1]; k++) {
            if (cd->valid && !cd->valid[k]) {
                h = XXH3_64bits_withSeed(&h, sizeof h, 7);
                continue;
            }
            dval v = slot_val(c, cd, k);
            uint64_t e[2] = {h, hash_val(c, &v)};
            h = XXH3_64bits(e, sizeof e);
            st = note_minmax(cs, &v);
        }
        if (st == SL_OK && (st = dset_add(&col->set, h, &added)) == SL_OK && added && col->nexamples < d->examples) {
            sl_buf b;
            sl_buf_init(&b, 0);
            st = sl_buf_putc(&b, '[');
            for (uint64_t k = cd->list_offsets[r]; st == SL_OK && k < cd->list_offsets[r + 1]; k++) {
                dval v = slot_val(c, cd, k);
                if (k > cd->list_offsets[r])
                    st = sl_buf_putc(&b, ',');
                if (st == SL_OK)
                    st = cd->valid && !cd->valid[k] ? sl_buf_puts(&b, "null") : put_val(&b, c, &v);
            }
            if (st == SL_OK && (st = sl_buf_putc(&b, ']')) == SL_OK &&
                !(col->example[col->nexamples++] = sl_arena_strndup(&d->arena, (const char *)b.data, b.len)))
                st = SL_ERR_NOMEM;
            sl_buf_free(&b);
        }
    }
    return st;
}

static bool same_column(const sl_pq_column *a, const sl_pq_column *b)
{
    return strcmp(a->name, b->name) == 0 && a->type == b->type && a->list == b->list &&
           a->precision == b->precision && a->scale == b->scale && a->time_unit == b->time_unit && a->utc == b->utc;
}

static bool key_like(const char *name)
{
    return ends_with(name, "_id") || strcmp(name, "id") == 0 || strcmp(name, "_key") == 0 ||
           strcmp(name, "_parent_key") == 0;
}

sl_status docs_scan_table(sl_docs *d, dtable *t, sl_error *err)
{
    sl_pq_reader **rd = calloc(t->nfiles, sizeof *rd);
    if (!rd)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st = SL_OK;
    for (size_t f = 0; st == SL_OK && f < t->nfiles; f++) {
        if ((st = sl_pq_reader_open(t->files[f], &rd[f], err)) != SL_OK) {
            sl_error_set_file(err, t->files[f]);
            break;
        }
        size_t nc = sl_pq_reader_num_columns(rd[f]);
        t->rows += sl_pq_reader_num_rows(rd[f]);
        if (f == 0) {
            /* the columns may already exist, declared by a schema: match by name */
            dcol *cols = calloc(nc ? nc : 1, sizeof *cols);
            if (!cols) {
                st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
                break;
            }
            for (size_t i = 0; i < nc; i++) {
                const sl_pq_column *pc = sl_pq_reader_column(rd[0], i);
                cols[i].pq = *pc;
                cols[i].name = sl_arena_strndup(&d->arena, pc->name, strlen(pc->name));
                cols[i].pq.name = cols[i].name;
                if (!cols[i].name)
                    st = SL_ERR_NOMEM;
                docs_type_text(pc, cols[i].type, sizeof cols[i].type);
                sl_buf_init(&cols[i].min, 0);
                sl_buf_init(&cols[i].max, 0);
                for (size_t k = 0; k < t->ncols; k++)
                    if (strcmp(t->cols[k].name, pc->name) == 0) {
                        cols[i].declared = t->cols[k].declared;
                        cols[i].decl_nullable = t->cols[k].decl_nullable;
                        cols[i].decl_unique = t->cols[k].decl_unique;
                        cols[i].decl_ref = t->cols[k].decl_ref;
                        cols[i].pk = t->cols[k].pk;
                    }
                cols[i].keep_set = key_like(cols[i].name) || cols[i].pk || cols[i].decl_ref || cols[i].decl_unique;
            }
            free(t->cols);
            t->cols = cols;
            t->ncols = nc;
        } else if (nc != t->ncols) {
            st = sl_error_set(err, SL_ERR_SCHEMA, "'%s' has %zu columns but '%s' has %zu", t->files[f], nc,
                              t->files[0], t->ncols);
        } else {
            for (size_t i = 0; st == SL_OK && i < nc; i++)
                if (!same_column(sl_pq_reader_column(rd[f], i), &t->cols[i].pq))
                    st = sl_error_set(err, SL_ERR_SCHEMA, "column %zu of '%s' differs from '%s' ('%s')", i,
                                      t->files[f], t->files[0], t->cols[i].name);
        }
    }
    for (size_t i = 0; st == SL_OK && i < t->ncols; i++) {
        dcol *col = &t->cols[i];
        colscan cs = {.cls = cmp_class(&col->pq)};
        sl_buf_init(&cs.bmin, 0);
        sl_buf_init(&cs.bmax, 0);
        for (size_t f = 0; st == SL_OK && col->pq.type != SL_PQ_UNSUPPORTED && f < t->nfiles; f++)
            for (size_t rg = 0; st == SL_OK && rg < sl_pq_reader_num_row_groups(rd[f]); rg++) {
                sl_pq_column_data cd;
                if ((st = sl_pq_reader_read_column(rd[f], rg, i, &cd, err)) != SL_OK)
                    sl_error_set_file(err, t->files[f]);
                else if ((st = scan_chunk(d, col, &cs, &cd)) != SL_OK)
                    st = sl_error_set(err, st, "out of memory");
            }
        if (st == SL_OK && cs.have) {
            col->has_minmax = true;
            if ((st = put_val(&col->min, &col->pq, &cs.min)) == SL_OK)
                st = put_val(&col->max, &col->pq, &cs.max);
        }
        col->distinct = col->set.n;
        if (!col->keep_set)
            dset_free(&col->set);
        sl_buf_free(&cs.bmin);
        sl_buf_free(&cs.bmax);
        if (st == SL_OK && col->pq.type == SL_PQ_UNSUPPORTED)
            col->nulls = 0, col->values = 0;
    }
    for (size_t f = 0; f < t->nfiles; f++)
        sl_pq_reader_free(rd[f]);
    free(rd);
    return st;
}

/* Whether t's primary key holds: no null in a key column, no key twice (for a key
 * of several columns, their values hashed together row by row). */
sl_status docs_check_key(sl_docs *d, dtable *t, sl_error *err)
{
    size_t npk = 0, one = 0;
    bool nulls = false;
    for (size_t i = 0; i < t->ncols; i++)
        if (t->cols[i].pk) {
            npk++, one = i;
            nulls |= t->cols[i].nulls > 0 || t->cols[i].pq.list || t->cols[i].pq.type == SL_PQ_UNSUPPORTED;
        }
    t->pk_valid = false;
    if (npk == 0 || nulls)
        return SL_OK;
    if (npk == 1) {
        t->pk_valid = t->cols[one].distinct == t->rows;
        return SL_OK;
    }
    dset set = {0};
    uint64_t *h = NULL;
    sl_status st = SL_OK;
    for (size_t f = 0; st == SL_OK && f < t->nfiles; f++) {
        sl_pq_reader *r = NULL;
        if ((st = sl_pq_reader_open(t->files[f], &r, err)) != SL_OK)
            break;
        for (size_t rg = 0; st == SL_OK && rg < sl_pq_reader_num_row_groups(r); rg++) {
            size_t n = (size_t)sl_pq_reader_row_group_rows(r, rg);
            uint64_t *nh = realloc(h, (n ? n : 1) * sizeof *h);
            if (!nh) {
                st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
                break;
            }
            h = nh;
            memset(h, 0, n * sizeof *h);
            for (size_t i = 0; st == SL_OK && i < t->ncols; i++) {
                if (!t->cols[i].pk)
                    continue;
                sl_pq_column_data cd;
                if ((st = sl_pq_reader_read_column(r, rg, i, &cd, err)) != SL_OK)
                    break;
                for (size_t k = 0; k < n && k < cd.num_rows; k++) {
                    dval v = slot_val(&t->cols[i].pq, &cd, k);
                    uint64_t e[2] = {h[k], hash_val(&t->cols[i].pq, &v)};
                    h[k] = XXH3_64bits(e, sizeof e);
                }
            }
            bool added;
            for (size_t k = 0; st == SL_OK && k < n; k++)
                if ((st = dset_add(&set, h[k], &added)) != SL_OK)
                    st = sl_error_set(err, st, "out of memory");
        }
        sl_pq_reader_free(r);
    }
    t->pk_valid = st == SL_OK && set.n == t->rows;
    free(h);
    dset_free(&set);
    return st;
}
