/* Part unification (see unify.h). */
#include "ingest/unify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "schema/infer.h"
#include "sluice/json.h"

static bool same_column(const sl_pq_column *a, const sl_pq_column *b)
{
    return strcmp(a->name, b->name) == 0 && a->type == b->type && a->list == b->list &&
           a->optional == b->optional && a->element_optional == b->element_optional &&
           (a->type != SL_PQ_TIMESTAMP || a->utc == b->utc) &&
           (a->type != SL_PQ_DECIMAL || (a->precision == b->precision && a->scale == b->scale));
}

/* Whether the part r reads already has exactly the final schema. */
static bool reader_is_final(const sl_pq_reader *r, const sl_pq_column *cols, size_t ncols)
{
    bool same = sl_pq_reader_num_columns(r) == ncols;
    for (size_t i = 0; same && i < ncols; i++)
        same = same_column(sl_pq_reader_column(r, i), &cols[i]);
    return same;
}

static bool part_is_final(const char *path, const sl_pq_column *cols, size_t ncols)
{
    sl_pq_reader *r;
    if (sl_pq_reader_open(path, &r, NULL))
        return false;
    bool same = reader_is_final(r, cols, ncols);
    sl_pq_reader_free(r);
    return same;
}

/* A FLOAT the shortest way that reads back to the same float. */
static sl_status float_text(sl_buf *out, double d)
{
    float f = (float)d;
    if (f != f || f - f != 0)
        return sl_json_write_double(out, d); /* NaN, infinities: as the JSON writer does */
    char tmp[48];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, (double)f);
        if (strtof(tmp, NULL) == f)
            break;
    }
    if (!strpbrk(tmp, ".eEn"))
        return sl_buf_printf(out, "%s.0", tmp);
    return sl_buf_puts(out, tmp);
}

/* Big-endian two's complement bytes (at most 16) as a signed 128-bit integer. */
static __int128 be_int128(const uint8_t *p, size_t len)
{
    unsigned __int128 v = len && (p[0] & 0x80) ? ~(unsigned __int128)0 : 0;
    for (size_t i = 0; i < len && i < 16; i++)
        v = v << 8 | p[i];
    return (__int128)v;
}

sl_status sl_unify_i128_text(sl_buf *out, int64_t hi, uint64_t lo)
{
    __int128 s = (__int128)((unsigned __int128)(uint64_t)hi << 64 | lo);
    unsigned __int128 v = s < 0 ? -(unsigned __int128)s : (unsigned __int128)s;
    char digits[48];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    if (s < 0 && sl_buf_putc(out, '-'))
        return SL_ERR_NOMEM;
    while (nd)
        if (sl_buf_putc(out, (uint8_t)digits[--nd]))
            return SL_ERR_NOMEM;
    return SL_OK;
}

sl_status sl_unify_text(const sl_pq_column *src, const sl_pq_column_data *d, uint64_t k,
                        sl_buf *out)
{
    char tmp[48];
    size_t n;
    switch (src->type) {
    case SL_PQ_BOOL:
        return sl_buf_puts(out, d->i64[k] ? "true" : "false");
    case SL_PQ_INT8: case SL_PQ_INT16: case SL_PQ_INT32: case SL_PQ_INT64:
    case SL_PQ_UINT8: case SL_PQ_UINT16: case SL_PQ_UINT32:
        return sl_buf_printf(out, "%lld", (long long)d->i64[k]);
    case SL_PQ_UINT64:
        return sl_buf_printf(out, "%llu", (unsigned long long)(uint64_t)d->i64[k]);
    case SL_PQ_FLOAT:
        return float_text(out, d->f64[k]);
    case SL_PQ_DOUBLE:
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
        /* sluice writes decimal(38,0): integers beyond int64 */
        if (src->precision <= 18)
            return sl_buf_printf(out, "%lld", (long long)d->i64[k]);
        __int128 s = be_int128(d->data + d->offsets[k], d->offsets[k + 1] - d->offsets[k]);
        return sl_unify_i128_text(out, (int64_t)(s >> 64), (uint64_t)s);
    }
    default:
        return sl_buf_append(out, d->data + d->offsets[k], d->offsets[k + 1] - d->offsets[k]);
    }
}

sl_status sl_unify_list_text(const sl_pq_column *src, const sl_pq_column_data *d, uint64_t r,
                             sl_buf *out)
{
    sl_status st = sl_buf_putc(out, '[');
    bool quote = src->type == SL_PQ_STRING || src->type == SL_PQ_DATE ||
                 src->type == SL_PQ_TIME || src->type == SL_PQ_TIMESTAMP;
    for (uint64_t k = d->list_offsets[r]; !st && k < d->list_offsets[r + 1]; k++) {
        if (k > d->list_offsets[r] && (st = sl_buf_putc(out, ',')))
            break;
        if (d->valid && !d->valid[k]) {
            st = sl_buf_puts(out, "null");
        } else if (!quote) {
            st = sl_unify_text(src, d, k, out);
        } else if (src->type == SL_PQ_STRING) {
            st = sl_json_write_string(out, (const char *)d->data + d->offsets[k],
                                      d->offsets[k + 1] - d->offsets[k]);
        } else {
            /* ISO dates and times need no escaping */
            if (!(st = sl_buf_putc(out, '"')) && !(st = sl_unify_text(src, d, k, out)))
                st = sl_buf_putc(out, '"');
        }
    }
    return st ? st : sl_buf_putc(out, ']');
}

sl_status sl_unify_element(const sl_pq_column *dst, const sl_pq_column *src,
                           const sl_pq_column_data *d, uint64_t k, sl_buf *tmp,
                           sl_unify_value *out)
{
    if (d->valid && !d->valid[k]) {
        out->kind = SL_UV_NULL;
        return SL_OK;
    }
    switch (dst->type) {
    case SL_PQ_STRING:
    case SL_PQ_BINARY:
        out->kind = SL_UV_BYTES;
        if (src->type == SL_PQ_STRING || src->type == SL_PQ_BINARY) {
            out->p = d->data + d->offsets[k];
            out->len = d->offsets[k + 1] - d->offsets[k];
            return SL_OK;
        }
        sl_buf_clear(tmp);
        sl_status st = sl_unify_text(src, d, k, tmp);
        out->p = tmp->data;
        out->len = tmp->len;
        return st;
    case SL_PQ_FLOAT:
    case SL_PQ_DOUBLE:
        out->kind = SL_UV_DOUBLE;
        out->d = src->type == SL_PQ_DOUBLE || src->type == SL_PQ_FLOAT ? d->f64[k]
                                                                       : (double)d->i64[k];
        return SL_OK;
    case SL_PQ_DECIMAL:
        if (dst->precision <= 18) {
            out->kind = SL_UV_INT;
            out->i = d->i64[k];
            return SL_OK;
        }
        out->kind = SL_UV_DEC128;
        if (src->type == SL_PQ_DECIMAL && src->precision > 18) {
            __int128 v = be_int128(d->data + d->offsets[k], d->offsets[k + 1] - d->offsets[k]);
            out->i = (int64_t)(v >> 64);
            out->lo = (uint64_t)v;
        } else {
            out->i = d->i64[k] < 0 ? -1 : 0;
            out->lo = (uint64_t)d->i64[k];
        }
        return SL_OK;
    default:
        out->kind = SL_UV_INT;
        out->i = d->i64[k];
        return SL_OK;
    }
}

sl_status sl_unify_value_of(const sl_pq_column *dst, const sl_pq_column *src,
                            const sl_pq_column_data *d, uint64_t row, sl_buf *tmp,
                            sl_unify_value *out)
{
    out->kind = SL_UV_NULL;
    if (!src)
        return SL_OK;
    if (!src->list)
        return sl_unify_element(dst, src, d, row, tmp, out);
    if (d->list_valid && !d->list_valid[row])
        return SL_OK;
    if (!dst->list) {
        /* a list in a column widened to string: its JSON text */
        sl_buf_clear(tmp);
        sl_status st = sl_unify_list_text(src, d, row, tmp);
        out->kind = SL_UV_BYTES;
        out->p = tmp->data;
        out->len = tmp->len;
        return st;
    }
    out->kind = SL_UV_LIST;
    out->src = src;
    out->data = d;
    out->first = d->list_offsets[row];
    out->end = d->list_offsets[row + 1];
    return SL_OK;
}

static sl_status write_scalar(sl_pq_writer *w, size_t col, const sl_pq_column *dst,
                              const sl_unify_value *v)
{
    switch (v->kind) {
    case SL_UV_INT:
        return dst->type == SL_PQ_BOOL ? sl_pq_write_bool(w, col, v->i != 0)
                                       : sl_pq_write_int(w, col, v->i);
    case SL_UV_DOUBLE:
        return sl_pq_write_double(w, col, v->d);
    case SL_UV_BYTES:
        return sl_pq_write_bytes(w, col, v->p, v->len);
    case SL_UV_DEC128:
        return sl_pq_write_decimal128(w, col, v->i, v->lo);
    default:
        return sl_pq_write_null(w, col);
    }
}

sl_status sl_unify_write(sl_pq_writer *w, size_t col, const sl_pq_column *dst,
                         const sl_unify_value *v, sl_buf *tmp)
{
    if (v->kind != SL_UV_LIST)
        return write_scalar(w, col, dst, v);
    sl_status st = sl_pq_write_list_begin(w, col);
    for (uint64_t k = v->first; !st && k < v->end; k++) {
        sl_unify_value e;
        if (!(st = sl_unify_element(dst, v->src, v->data, k, tmp, &e)))
            st = write_scalar(w, col, dst, &e);
    }
    return st ? st : sl_pq_write_list_end(w, col);
}

/* The rows of the part r reads, converted value by value into the final schema. */
static sl_status convert_part(sl_pq_writer *w, sl_pq_reader *r, const sl_pq_column *cols,
                              size_t ncols, const char *root_key_prefix, uint64_t *ordinal,
                              sl_buf *tmp, sl_buf *etmp, sl_error *err)
{
    sl_status st = SL_OK;
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
                } else {
                    const sl_pq_column *src = map[i] < 0 ? NULL : sl_pq_reader_column(r, (size_t)map[i]);
                    sl_unify_value v;
                    st = sl_unify_value_of(&cols[i], src, src ? &data[map[i]] : NULL, row, tmp, &v);
                    if (!st)
                        st = sl_unify_write(w, i, &cols[i], &v, etmp);
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
    return st;
}

/* One part into w: a part already in the final schema (the last one, usually: a
 * widening starts a part that has it) as its row groups, copied without decoding;
 * any other converted value by value. */
static sl_status add_part(sl_pq_writer *w, const char *path, const sl_pq_column *cols,
                          size_t ncols, const char *root_key_prefix, uint64_t *ordinal,
                          sl_buf *tmp, sl_buf *etmp, sl_error *err)
{
    sl_pq_reader *r;
    sl_status st = sl_pq_reader_open(path, &r, err);
    if (st)
        return st;
    if (!reader_is_final(r, cols, ncols)) {
        st = convert_part(w, r, cols, ncols, root_key_prefix, ordinal, tmp, etmp, err);
    } else {
        for (size_t g = 0; !st && g < sl_pq_reader_num_row_groups(r); g++)
            if (!(st = sl_pq_writer_copy_row_group(w, r, g, err)))
                *ordinal += sl_pq_reader_row_group_rows(r, g);
    }
    sl_pq_reader_free(r);
    return st;
}

sl_status sl_unify_parts(const char *dest, const char *const *parts, size_t nparts,
                         const sl_pq_column *cols, size_t ncols,
                         const sl_pq_writer_options *wopts, const char *schema_json,
                         const char *lineage, const char *root_key_prefix, sl_error *err)
{
    if (nparts == 1 && part_is_final(parts[0], cols, ncols)) {
        /* The scratch may be on another file system than dest (a state directory
         * elsewhere): then the bytes are copied, which is still no decoding. */
        if (sl_fs_move(parts[0], dest, false, NULL) == SL_OK)
            return SL_OK;
        /* fall through and write it anew */
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
    sl_buf tmp, etmp;
    sl_buf_init(&tmp, 0);
    sl_buf_init(&etmp, 0);
    uint64_t ordinal = 0;
    for (size_t i = 0; !st && i < nparts; i++)
        st = add_part(w, parts[i], cols, ncols, root_key_prefix, &ordinal, &tmp, &etmp, err);
    sl_buf_free(&tmp);
    sl_buf_free(&etmp);
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
