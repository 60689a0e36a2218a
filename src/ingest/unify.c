/* Part unification (see unify.h). */
#include "ingest/unify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "schema/infer.h"
#include "sluice/json.h"

static bool same_column(const sl_pq_column *a, const sl_pq_column *b)
{
    return strcmp(a->name, b->name) == 0 && a->type == b->type && a->list == b->list &&
           a->optional == b->optional && a->element_optional == b->element_optional &&
           (a->type != SL_PQ_TIMESTAMP || a->utc == b->utc) &&
           (a->type != SL_PQ_DECIMAL || (a->precision == b->precision && a->scale == b->scale));
}

/* Whether the single part at path already has exactly the final schema. */
static bool part_is_final(const char *path, const sl_pq_column *cols, size_t ncols)
{
    sl_pq_reader *r;
    if (sl_pq_reader_open(path, &r, NULL))
        return false;
    bool same = sl_pq_reader_num_columns(r) == ncols;
    for (size_t i = 0; same && i < ncols; i++)
        same = same_column(sl_pq_reader_column(r, i), &cols[i]);
    sl_pq_reader_free(r);
    return same;
}

/* Appends slot k of a column of type src as text (for a string target). */
static sl_status slot_text(const sl_pq_column *src, const sl_pq_column_data *d, size_t k,
                           sl_buf *out)
{
    char tmp[48];
    size_t n;
    switch (src->type) {
    case SL_PQ_BOOL:
        return sl_buf_puts(out, d->i64[k] ? "true" : "false");
    case SL_PQ_INT8: case SL_PQ_INT16: case SL_PQ_INT32: case SL_PQ_INT64:
        return sl_buf_printf(out, "%lld", (long long)d->i64[k]);
    case SL_PQ_FLOAT: case SL_PQ_DOUBLE:
        return sl_json_write_double(out, d->f64[k]);
    case SL_PQ_DATE:
        n = sl_format_date(d->i64[k], tmp);
        return sl_buf_append(out, tmp, n);
    case SL_PQ_TIME:
        n = sl_format_time(d->i64[k], tmp);
        return sl_buf_append(out, tmp, n);
    case SL_PQ_TIMESTAMP:
        n = sl_format_timestamp(d->i64[k], src->utc, tmp);
        return sl_buf_append(out, tmp, n);
    case SL_PQ_DECIMAL: {
        /* decimal(38,0) from big-endian two's complement bytes */
        if (src->precision <= 18)
            return sl_buf_printf(out, "%lld", (long long)d->i64[k]);
        const uint8_t *p = d->data + d->offsets[k];
        size_t len = d->offsets[k + 1] - d->offsets[k];
        unsigned __int128 v = (p[0] & 0x80) ? ~(unsigned __int128)0 : 0;
        for (size_t i = 0; i < len; i++)
            v = v << 8 | p[i];
        bool neg = (__int128)v < 0;
        if (neg)
            v = -v;
        char digits[48];
        size_t nd = 0;
        do {
            digits[nd++] = (char)('0' + (int)(v % 10));
            v /= 10;
        } while (v);
        if (neg && sl_buf_putc(out, '-'))
            return SL_ERR_NOMEM;
        while (nd)
            if (sl_buf_putc(out, (uint8_t)digits[--nd]))
                return SL_ERR_NOMEM;
        return SL_OK;
    }
    default:
        return sl_buf_append(out, d->data + d->offsets[k], d->offsets[k + 1] - d->offsets[k]);
    }
}

/* Writes slot k of column data d (type src) into column j (type dst) of w. */
static sl_status write_slot(sl_pq_writer *w, size_t j, const sl_pq_column *dst,
                            const sl_pq_column *src, const sl_pq_column_data *d, size_t k,
                            sl_buf *tmp)
{
    if (d->valid && !d->valid[k])
        return sl_pq_write_null(w, j);
    if (dst->type == SL_PQ_STRING) {
        if (src->type == SL_PQ_STRING)
            return sl_pq_write_bytes(w, j, d->data + d->offsets[k], d->offsets[k + 1] - d->offsets[k]);
        sl_buf_clear(tmp);
        sl_status st = slot_text(src, d, k, tmp);
        return st ? st : sl_pq_write_bytes(w, j, tmp->data, tmp->len);
    }
    switch (dst->type) {
    case SL_PQ_BOOL:
        return sl_pq_write_bool(w, j, d->i64[k] != 0);
    case SL_PQ_DOUBLE:
        return sl_pq_write_double(w, j, src->type == SL_PQ_DOUBLE ? d->f64[k] : (double)d->i64[k]);
    case SL_PQ_DECIMAL:
        if (src->type == SL_PQ_DECIMAL && src->precision > 18) {
            const uint8_t *p = d->data + d->offsets[k];
            uint64_t hi = 0, lo = 0;
            for (int i = 0; i < 8; i++)
                hi = hi << 8 | p[i];
            for (int i = 8; i < 16; i++)
                lo = lo << 8 | p[i];
            return sl_pq_write_decimal128(w, j, (int64_t)hi, lo);
        }
        return sl_pq_write_decimal128(w, j, d->i64[k] < 0 ? -1 : 0, (uint64_t)d->i64[k]);
    default:
        return sl_pq_write_int(w, j, d->i64[k]);
    }
}

/* The JSON text of list row r (for a list column widened to string). */
static sl_status list_text(const sl_pq_column *src, const sl_pq_column_data *d, size_t r,
                           sl_buf *out)
{
    sl_buf_clear(out);
    sl_status st = sl_buf_putc(out, '[');
    sl_buf item;
    sl_buf_init(&item, 0);
    for (uint64_t k = d->list_offsets[r]; !st && k < d->list_offsets[r + 1]; k++) {
        if (k > d->list_offsets[r] && (st = sl_buf_putc(out, ',')))
            break;
        if (d->valid && !d->valid[k]) {
            st = sl_buf_puts(out, "null");
            continue;
        }
        sl_buf_clear(&item);
        if ((st = slot_text(src, d, k, &item)))
            break;
        bool quote = src->type == SL_PQ_STRING || src->type == SL_PQ_DATE ||
                     src->type == SL_PQ_TIME || src->type == SL_PQ_TIMESTAMP;
        st = quote ? sl_json_write_string(out, (const char *)item.data, item.len)
                   : sl_buf_append(out, item.data, item.len);
    }
    sl_buf_free(&item);
    return st ? st : sl_buf_putc(out, ']');
}

static sl_status copy_part(sl_pq_writer *w, const char *path, const sl_pq_column *cols,
                           size_t ncols, const char *root_key_prefix, uint64_t *ordinal,
                           sl_buf *tmp, sl_error *err)
{
    sl_pq_reader *r;
    sl_status st = sl_pq_reader_open(path, &r, err);
    if (st)
        return st;
    size_t pn = sl_pq_reader_num_columns(r);
    long *map = malloc((ncols ? ncols : 1) * sizeof *map); /* final column -> part column */
    sl_pq_column_data *data = calloc(pn ? pn : 1, sizeof *data);
    if (!map || !data) {
        st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < ncols; i++) {
        map[i] = -1;
        for (size_t p = 0; p < pn; p++)
            if (strcmp(sl_pq_reader_column(r, p)->name, cols[i].name) == 0)
                map[i] = (long)p;
    }
    for (size_t rg = 0; rg < sl_pq_reader_num_row_groups(r); rg++) {
        for (size_t p = 0; p < pn; p++)
            if ((st = sl_pq_reader_read_column(r, rg, p, &data[p], err)))
                goto done;
        uint64_t rows = sl_pq_reader_row_group_rows(r, rg);
        for (uint64_t row = 0; row < rows; row++) {
            for (size_t i = 0; i < ncols; i++) {
                if (map[i] < 0 && root_key_prefix && strcmp(cols[i].name, "_key") == 0) {
                    /* a root row written before the table had children: its key is
                     * its ordinal, as it would have been */
                    sl_buf_clear(tmp);
                    st = sl_buf_printf(tmp, "%s%llu", root_key_prefix,
                                       (unsigned long long)(*ordinal + row));
                    if (!st)
                        st = sl_pq_write_bytes(w, i, tmp->data, tmp->len);
                } else if (map[i] < 0) {
                    st = sl_pq_write_null(w, i);
                } else {
                    const sl_pq_column *src = sl_pq_reader_column(r, (size_t)map[i]);
                    const sl_pq_column_data *d = &data[map[i]];
                    if (!src->list) {
                        st = write_slot(w, i, &cols[i], src, d, row, tmp);
                    } else if (d->list_valid && !d->list_valid[row]) {
                        st = sl_pq_write_null(w, i);
                    } else if (!cols[i].list) {
                        st = list_text(src, d, row, tmp);
                        if (!st)
                            st = sl_pq_write_bytes(w, i, tmp->data, tmp->len);
                    } else {
                        st = sl_pq_write_list_begin(w, i);
                        for (uint64_t k = d->list_offsets[row]; !st && k < d->list_offsets[row + 1]; k++)
                            st = write_slot(w, i, &cols[i], src, d, k, tmp);
                        if (!st)
                            st = sl_pq_write_list_end(w, i);
                    }
                }
                if (st)
                    goto writer_error;
            }
            if ((st = sl_pq_write_end_row(w)))
                goto writer_error;
        }
        *ordinal += rows;
    }
    goto done;
writer_error:
    if (err)
        *err = *sl_pq_writer_error(w);
done:
    free(map);
    free(data);
    sl_pq_reader_free(r);
    return st;
}

sl_status sl_unify_parts(const char *dest, const char *const *parts, size_t nparts,
                         const sl_pq_column *cols, size_t ncols,
                         const sl_pq_writer_options *wopts, const char *schema_json,
                         const char *lineage, const char *root_key_prefix, sl_error *err)
{
    if (nparts == 1 && part_is_final(parts[0], cols, ncols)) {
        if (rename(parts[0], dest) == 0)
            return SL_OK;
        /* another filesystem: fall through and copy */
    }
    sl_pq_writer *w;
    sl_status st = sl_pq_writer_open(dest, cols, ncols, wopts, &w, err);
    if (st)
        return st;
    if ((st = sl_pq_writer_set_kv(w, "sluice.schema", schema_json)) ||
        (lineage && (st = sl_pq_writer_set_kv(w, "sluice.lineage", lineage)))) {
        sl_pq_writer_abort(w);
        return sl_error_set(err, st, "writing metadata: %s", sl_strerror(st));
    }
    sl_buf tmp;
    sl_buf_init(&tmp, 0);
    uint64_t ordinal = 0;
    for (size_t i = 0; !st && i < nparts; i++)
        st = copy_part(w, parts[i], cols, ncols, root_key_prefix, &ordinal, &tmp, err);
    sl_buf_free(&tmp);
    if (st) {
        sl_pq_writer_abort(w);
        remove(dest);
        return st;
    }
    st = sl_pq_writer_close(w, false, err);
    if (st)
        remove(dest);
    return st;
}
