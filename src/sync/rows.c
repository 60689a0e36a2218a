/* Rows as sync handles them: a Parquet file read one row group at a time, each
 * row converted to the final schema by the lattice converter of
 * src/ingest/unify.c, and hashed (its key, its content) or written out as JSON
 * for a conflict or orphan record. Memory is one row group of the source and a
 * few scratch buffers per column, reused from row to row. */
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "base/digits.h"
#include "sync/rows.h"

/* ------------------------------------------------------------ sources */

sl_status sync_src_open(sync_src *s, const char *path, const sl_pq_column *cols, size_t ncols,
                        sl_error *err)
{
    memset(s, 0, sizeof *s);
    s->held = s->origin = -1;
    sl_status st = sl_pq_reader_open(path, &s->r, err);
    if (st)
        return st;
    size_t pn = sl_pq_reader_num_columns(s->r);
    s->map = malloc((ncols ? ncols : 1) * sizeof *s->map);
    s->data = calloc(pn ? pn : 1, sizeof *s->data);
    s->want = calloc(pn ? pn : 1, 1);
    if (!s->map || !s->data || !s->want) {
        sync_src_close(s);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < ncols; i++) {
        s->map[i] = -1;
        for (size_t p = 0; p < pn; p++)
            if (strcmp(sl_pq_reader_column(s->r, p)->name, cols[i].name) == 0) {
                s->map[i] = (long)p;
                s->want[p] = 1;
            }
    }
    for (size_t p = 0; p < pn; p++) {
        const char *n = sl_pq_reader_column(s->r, p)->name;
        if (strcmp(n, SYNC_HELD_COL) == 0)
            s->held = (long)p;
        else if (strcmp(n, SYNC_ORIGIN_COL) == 0)
            s->origin = (long)p;
        else
            continue;
        s->want[p] = 1;
    }
    s->ncols = ncols;
    s->nrg = sl_pq_reader_num_row_groups(s->r);
    s->rg = (size_t)-1;
    return SL_OK;
}

sl_status sync_src_group(sync_src *s, size_t rg, sl_error *err)
{
    s->rg = rg;
    s->rows = sl_pq_reader_row_group_rows(s->r, rg);
    for (size_t p = 0; p < sl_pq_reader_num_columns(s->r); p++) {
        if (!s->want[p])
            continue;
        sl_status st = sl_pq_reader_read_column(s->r, rg, p, &s->data[p], err);
        if (st)
            return st;
    }
    return SL_OK;
}

sl_status sync_src_next_group(sync_src *s, sl_error *err)
{
    for (size_t rg = s->rg + 1; rg < s->nrg; rg++)
        if (sl_pq_reader_row_group_rows(s->r, rg))
            return sync_src_group(s, rg, err);
    s->rg = s->nrg;
    return SL_EOF;
}

const sl_pq_column *sync_src_column(const sync_src *s, size_t i)
{
    return s->map[i] < 0 ? NULL : sl_pq_reader_column(s->r, (size_t)s->map[i]);
}

int64_t sync_src_i64(const sync_src *s, long col, uint64_t row, int64_t dflt)
{
    if (col < 0)
        return dflt;
    const sl_pq_column_data *d = &s->data[col];
    return d->valid && !d->valid[row] ? dflt : d->i64[row];
}

void sync_src_close(sync_src *s)
{
    sl_pq_reader_free(s->r);
    free(s->map);
    free(s->data);
    free(s->want);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------ rows */

sl_status sync_row_init(sync_row *row, const sl_pq_column *cols, size_t ncols)
{
    memset(row, 0, sizeof *row);
    row->cols = cols;
    row->ncols = ncols;
    row->v = calloc(ncols ? ncols : 1, sizeof *row->v);
    row->tmp = calloc(ncols ? ncols : 1, sizeof *row->tmp);
    if (!row->v || !row->tmp) {
        sync_row_free(row);
        return SL_ERR_NOMEM;
    }
    sl_buf_init(&row->etmp, 0);
    sl_buf_init(&row->scratch, 0);
    return SL_OK;
}

void sync_row_free(sync_row *row)
{
    if (row->tmp)
        for (size_t i = 0; i < row->ncols; i++)
            sl_buf_free(&row->tmp[i]);
    free(row->tmp);
    free(row->v);
    sl_buf_free(&row->etmp);
    sl_buf_free(&row->scratch);
    memset(row, 0, sizeof *row);
}

static sl_status load_col(sync_row *row, const sync_src *s, uint64_t r, size_t i)
{
    long p = s->map[i];
    return sl_unify_value_of(&row->cols[i], p < 0 ? NULL : sl_pq_reader_column(s->r, (size_t)p),
                             p < 0 ? NULL : &s->data[p], r, &row->tmp[i], &row->v[i]);
}

sl_status sync_row_load(sync_row *row, const sync_src *s, uint64_t r)
{
    for (size_t i = 0; i < row->ncols; i++) {
        sl_status st = load_col(row, s, r, i);
        if (st)
            return st;
    }
    return SL_OK;
}

sl_status sync_row_load_some(sync_row *row, const sync_src *s, uint64_t r, const uint32_t *cols,
                             size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sl_status st = load_col(row, s, r, cols[i]);
        if (st)
            return st;
    }
    return SL_OK;
}

sl_status sync_row_write(const sync_row *row, sl_pq_writer *w, sl_buf *etmp)
{
    for (size_t i = 0; i < row->ncols; i++) {
        sl_status st = sl_unify_write(w, i, &row->cols[i], &row->v[i], etmp);
        if (st)
            return st;
    }
    return SL_OK;
}

/* ------------------------------------------------------------ text and JSON */

/* A scalar value (not null, not a list) of column c in the text a string column
 * would hold for it; *quoted says whether JSON writes it as a string. */
static sl_status scalar_text(const sl_pq_column *c, const sl_unify_value *v, sl_buf *out,
                             bool *quoted)
{
    char tmp[48];
    *quoted = false;
    switch (v->kind) {
    case SL_UV_BYTES:
        *quoted = true;
        return sl_buf_append(out, v->p, v->len);
    case SL_UV_DOUBLE:
        return sl_json_write_double(out, v->d);
    case SL_UV_DEC128:
        return sl_unify_i128_text(out, v->i, v->lo);
    case SL_UV_INT:
        switch (c->type) {
        case SL_PQ_BOOL:
            return sl_buf_puts(out, v->i ? "true" : "false");
        case SL_PQ_DATE:
            *quoted = true;
            return sl_buf_append(out, tmp, sl_format_date(v->i, tmp));
        case SL_PQ_TIME:
            *quoted = true;
            return sl_buf_append(out, tmp, sl_format_time(v->i, tmp));
        case SL_PQ_TIMESTAMP:
            *quoted = true;
            return sl_buf_append(out, tmp, sl_format_timestamp(v->i, c->utc, tmp));
        default:
            return sl_buf_append(out, tmp, sl_put_i64(tmp, v->i));
        }
    default:
        return sl_buf_puts(out, "null");
    }
}

sl_status sync_value_json(const sl_pq_column *c, const sl_unify_value *v, sl_buf *etmp,
                          sl_buf *out)
{
    if (v->kind == SL_UV_NULL)
        return sl_buf_puts(out, "null");
    if (v->kind == SL_UV_LIST) {
        sl_status st = sl_buf_putc(out, '[');
        for (uint64_t k = v->first; !st && k < v->end; k++) {
            sl_unify_value e;
            if (k > v->first && (st = sl_buf_putc(out, ',')))
                break;
            if (!(st = sl_unify_element(c, v->src, v->data, k, etmp, &e)))
                st = sync_value_json(c, &e, NULL, out);
        }
        return st ? st : sl_buf_putc(out, ']');
    }
    if (v->kind == SL_UV_BYTES)
        return sl_json_write_string(out, (const char *)v->p, v->len);
    bool quoted;
    size_t at = out->len;
    sl_status st = scalar_text(c, v, out, &quoted);
    if (st || !quoted)
        return st;
    /* dates and times need no escaping: wrap the text in quotes */
    size_t n = out->len - at;
    if ((st = sl_buf_reserve(out, 2)))
        return st;
    memmove(out->data + at + 1, out->data + at, n);
    out->data[at] = '"';
    out->data[at + 1 + n] = '"';
    out->len += 2;
    return SL_OK;
}

sl_status sync_row_json(sync_row *row, sl_buf *out)
{
    sl_status st = sl_buf_putc(out, '{');
    for (size_t i = 0; !st && i < row->ncols; i++) {
        if (i && (st = sl_buf_putc(out, ',')))
            break;
        if ((st = sl_json_write_string(out, row->cols[i].name, strlen(row->cols[i].name))) ||
            (st = sl_buf_putc(out, ':')))
            break;
        st = sync_value_json(&row->cols[i], &row->v[i], &row->etmp, out);
    }
    return st ? st : sl_buf_putc(out, '}');
}

/* ------------------------------------------------------------ hashes */

/* A key component as text: the bytes of a string, the text a string column holds
 * for anything else (so a key keeps its hash when its column widens to string,
 * and an integer foreign key finds a string key with the same digits). */
static sl_status key_text(const sl_pq_column *c, const sl_unify_value *v, sl_buf *scratch,
                          const uint8_t **p, size_t *n)
{
    if (v->kind == SL_UV_BYTES) {
        *p = v->p;
        *n = v->len;
        return SL_OK;
    }
    sl_buf_clear(scratch);
    sl_status st;
    if (v->kind == SL_UV_LIST) {
        sl_buf etmp;   /* a list as a key: rare enough for its own buffer */
        sl_buf_init(&etmp, 0);
        st = sync_value_json(c, v, &etmp, scratch);
        sl_buf_free(&etmp);
    } else {
        bool quoted;
        st = scalar_text(c, v, scratch, &quoted);
    }
    *p = scratch->data;
    *n = scratch->len;
    return st;
}

static sync_hkey from128(XXH128_hash_t h)
{
    return (sync_hkey){h.low64, (uint32_t)h.high64};
}

sl_status sync_value_key(const sl_pq_column *c, const sl_unify_value *v, sl_buf *scratch,
                         sync_hkey *out, bool *null)
{
    *null = v->kind == SL_UV_NULL;
    if (*null)
        return SL_OK;
    const uint8_t *p;
    size_t n;
    sl_status st = key_text(c, v, scratch, &p, &n);
    if (!st)
        *out = from128(XXH3_128bits(p, n));
    return st;
}

sl_status sync_row_key(sync_row *row, const sync_keydef *k, sync_hkey *out, bool *null)
{
    if (k->n == 1)
        return sync_value_key(&row->cols[k->cols[0]], &row->v[k->cols[0]], &row->scratch, out, null);
    /* a composite key: each component's length, then its text, hashed as one */
    sl_buf *all = &row->etmp;
    sl_buf_clear(all);
    sl_status st = SL_OK;
    *null = false;
    for (size_t i = 0; !st && i < k->n; i++) {
        const sl_unify_value *v = &row->v[k->cols[i]];
        if (v->kind == SL_UV_NULL) {
            *null = true;
            return SL_OK;
        }
        const uint8_t *p;
        size_t n;
        if ((st = key_text(&row->cols[k->cols[i]], v, &row->scratch, &p, &n)))
            break;
        uint64_t len = n;
        if (!(st = sl_buf_append(all, &len, sizeof len)))
            st = sl_buf_append(all, p, n);
    }
    if (!st)
        *out = from128(XXH3_128bits(all->data, all->len));
    return st;
}

static uint64_t scalar_hash(const sl_unify_value *v, uint64_t seed)
{
    switch (v->kind) {
    case SL_UV_INT:
        return XXH3_64bits_withSeed(&v->i, sizeof v->i, seed);
    case SL_UV_DOUBLE:
        return XXH3_64bits_withSeed(&v->d, sizeof v->d, seed);
    case SL_UV_BYTES:
        return XXH3_64bits_withSeed(v->p, v->len, seed);
    case SL_UV_DEC128: {
        uint64_t b[2] = {(uint64_t)v->i, v->lo};
        return XXH3_64bits_withSeed(b, sizeof b, seed);
    }
    default:
        return seed ^ 0x9e3779b97f4a7c15ull;
    }
}

sl_status sync_row_content(sync_row *row, const bool *skip, uint64_t *out)
{
    uint64_t h = 0x5157a11ce5eedull;
    for (size_t i = 0; i < row->ncols; i++) {
        const sl_unify_value *v = &row->v[i];
        if (v->kind == SL_UV_NULL || (skip && skip[i]))
            continue;   /* a column that is null does not count: adding one keeps hashes */
        uint64_t vh;
        if (v->kind == SL_UV_LIST) {
            uint64_t count = v->end - v->first;
            vh = XXH3_64bits_withSeed(&count, sizeof count, i);
            for (uint64_t k = v->first; k < v->end; k++) {
                sl_unify_value e;
                sl_status st = sl_unify_element(&row->cols[i], v->src, v->data, k, &row->etmp, &e);
                if (st)
                    return st;
                uint64_t eh = scalar_hash(&e, k - v->first);
                vh = XXH3_64bits_withSeed(&eh, sizeof eh, vh);
            }
        } else {
            vh = scalar_hash(v, i);
        }
        h = XXH3_64bits_withSeed(&vh, sizeof vh, h ^ (uint64_t)i);
    }
    *out = h;
    return SL_OK;
}
