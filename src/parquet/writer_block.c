/* Column blocks (sluice/parquet.h): n rows of a batch given a column at a time.
 * One call per column and block, one loop per call, instead of a call and a type
 * dispatch per value: the generator makes its rows in blocks and hands each
 * column over this way. The buffered bytes are the ones the value calls make
 * (writer.c), so sl_pq_write_batch and the encoder see no difference. */
#include <string.h>

#include "parquet/writer_internal.h"

/* Checks a block call and makes room for n levels; records the column's state so
 * that a failure, or sl_pq_batch_cancel_rows, can restore it. */
static sl_status blk_begin(sl_pq_writer *b, size_t col, int call, size_t n, const char *what,
                           pq_wcol **out)
{
    if (b->failed)
        return b->failed;
    if (!b->batch)
        return sl_error_set(&b->err, SL_ERR_USAGE, "%s: column blocks go to a batch", what);
    if (col >= b->ncols)
        return sl_error_set(&b->err, SL_ERR_USAGE, "%s: column %zu does not exist", what, col);
    pq_wcol *c = &b->cols[col];
    if (c->def.list || c->call != call)
        return sl_error_set(&b->err, SL_ERR_USAGE, "column '%s' is %s%s: %s does not fit it", c->name,
                            c->def.list ? "a LIST of " : "", pq_type_name(c->def.type), what);
    if (c->got)
        return sl_error_set(&b->err, SL_ERR_USAGE, "%s: column '%s' has a value in an open row", what, c->name);
    if (c->blk_slots)
        return sl_error_set(&b->err, SL_ERR_USAGE, "%s: column '%s' was given twice in one block", what, c->name);
    sl_status s;
    if (c->max_def && (s = sl_buf_reserve(&c->defs, n)))
        return pq_fail_mem(b, s, c);
    c->mark_values = c->values.len;
    c->mark_defs = c->defs.len;
    c->mark_nvalues = c->nvalues;
    c->mark_dom_bytes = c->dom_bytes;
    *out = c;
    return SL_OK;
}

/* The levels of the block: one byte a slot (none for a required column, which
 * takes no null). Returns the present slots, or SIZE_MAX for a null in a required
 * column. */
static size_t blk_levels(pq_wcol *c, const uint8_t *present, size_t n)
{
    if (!present) {
        if (c->max_def)
            memset(c->defs.data + c->defs.len, c->max_def, n);
        c->defs.len += c->max_def ? n : 0;
        return n;
    }
    size_t k = 0;
    if (!c->max_def) {
        for (size_t i = 0; i < n; i++)
            k += present[i] != 0;
        return k == n ? n : SIZE_MAX;
    }
    uint8_t *d = c->defs.data + c->defs.len;
    for (size_t i = 0; i < n; i++) {
        d[i] = present[i] ? c->max_def : 0;
        k += present[i] != 0;
    }
    c->defs.len += n;
    return k;
}

/* Ends a block call: counts the slots, or on failure (s, whose message is set)
 * puts the column back. */
static sl_status blk_end(sl_pq_writer *b, pq_wcol *c, size_t n, size_t k, sl_status s)
{
    if (s) {
        c->values.len = c->mark_values;
        c->defs.len = c->mark_defs;
        c->dom_bytes = c->mark_dom_bytes;
        return s;
    }
    c->nslots += n;
    c->nvalues += k;
    c->blk_slots = n;
    return SL_OK;
}

/* The common start of a block call: blk_begin, the levels, and room for the
 * present values at the column's buffered width (an index: 4; bytes: none yet).
 * *k is the number of present slots. */
static sl_status blk_open(sl_pq_writer *b, size_t col, int call, bool index, const uint8_t *present,
                          size_t n, const char *what, pq_wcol **out, size_t *k)
{
    pq_wcol *c = NULL;
    sl_status s = blk_begin(b, col, call, n, what, &c);
    if (s)
        return s;
    if (call == CALL_INT && c->width != 4 && c->width != 8)
        return sl_error_set(&b->err, SL_ERR_USAGE, "%s: column '%s' is a wide DECIMAL", what, c->name);
    if (index && !c->dom)
        return pq_no_domain(b, c);
    *k = blk_levels(c, present, n);
    if (*k == SIZE_MAX)
        return blk_end(b, c, n, 0, pq_null_required(b, c));
    if ((s = sl_buf_reserve(&b->cols[col].values, *k * (index ? 4 : c->width))))
        return blk_end(b, c, n, 0, pq_fail_mem(b, s, c));
    *out = c;
    return SL_OK;
}

#define PRESENT(i) (!present || present[i])

sl_status sl_pq_batch_ints(sl_pq_writer *b, size_t col, const int64_t *v, const uint8_t *present, size_t n)
{
    pq_wcol *c;
    size_t k;
    sl_status s = blk_open(b, col, CALL_INT, false, present, n, "sl_pq_batch_ints", &c, &k);
    if (s)
        return s;
    uint8_t *out = c->values.data + c->values.len;
    int64_t lo = c->int_lo, hi = c->int_hi;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (!PRESENT(i))
            continue;
        int64_t x = v[i];
        if (x < lo || x > hi)
            return blk_end(b, c, n, 0, pq_int_range(b, c, x));
        if (c->width == 8) {
            memcpy(out + 8 * j, &x, 8);
        } else {
            int32_t y = (int32_t)x;
            memcpy(out + 4 * j, &y, 4);
        }
        j++;
    }
    c->values.len += k * c->width;
    return blk_end(b, c, n, k, SL_OK);
}

sl_status sl_pq_batch_doubles(sl_pq_writer *b, size_t col, const double *v, const uint8_t *present, size_t n)
{
    pq_wcol *c;
    size_t k;
    sl_status s = blk_open(b, col, CALL_DOUBLE, false, present, n, "sl_pq_batch_doubles", &c, &k);
    if (s)
        return s;
    uint8_t *out = c->values.data + c->values.len;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (!PRESENT(i))
            continue;
        if (c->width == 8) {
            memcpy(out + 8 * j, &v[i], 8);
        } else {
            float f = (float)v[i];
            memcpy(out + 4 * j, &f, 4);
        }
        j++;
    }
    c->values.len += k * c->width;
    return blk_end(b, c, n, k, SL_OK);
}

sl_status sl_pq_batch_bools(sl_pq_writer *b, size_t col, const uint8_t *v, const uint8_t *present, size_t n)
{
    pq_wcol *c;
    size_t k;
    sl_status s = blk_open(b, col, CALL_BOOL, false, present, n, "sl_pq_batch_bools", &c, &k);
    if (s)
        return s;
    uint8_t *out = c->values.data + c->values.len;
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (PRESENT(i))
            out[j++] = v[i] != 0;
    c->values.len += k;
    return blk_end(b, c, n, k, SL_OK);
}

sl_status sl_pq_batch_indices(sl_pq_writer *b, size_t col, const uint32_t *v, const uint8_t *present, size_t n)
{
    pq_wcol *c;
    size_t k;
    sl_status s = blk_open(b, col, CALL_BYTES, true, present, n, "sl_pq_batch_indices", &c, &k);
    if (s)
        return s;
    const pq_domain *d = c->dom;
    uint32_t *out = (uint32_t *)(void *)(c->values.data + c->values.len);
    uint64_t bytes = 0;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (!PRESENT(i))
            continue;
        if (v[i] >= d->n)
            return blk_end(b, c, n, 0, pq_past_domain(b, c, v[i]));
        uint32_t e = pq_domain_canon(d, v[i]);
        memcpy(&out[j++], &e, 4);
        bytes += 4 + (uint64_t)pq_domain_len(d, e);
    }
    c->values.len += k * 4;
    c->dom_bytes += bytes;
    return blk_end(b, c, n, k, SL_OK);
}

sl_status sl_pq_batch_bytes(sl_pq_writer *b, size_t col, const sl_pq_str *v, const uint8_t *present, size_t n)
{
    pq_wcol *c;
    size_t k;
    sl_status s = blk_open(b, col, CALL_BYTES, false, present, n, "sl_pq_batch_bytes", &c, &k);
    if (s)
        return s;
    for (size_t i = 0; i < n; i++) {
        if (!PRESENT(i))
            continue;
        if (v[i].len > INT32_MAX - 64)
            return blk_end(b, c, n, 0, pq_too_long(b, c, v[i].len));
        if (c->dom) {   /* as sl_pq_write_bytes: the string's entry, which must exist */
            uint32_t e = pq_domain_find(c->dom, v[i].p, v[i].len);
            if (e == UINT32_MAX)
                return blk_end(b, c, n, 0, pq_not_in_domain(b, c, v[i].len));
            if ((s = sl_buf_append(&c->values, &e, 4)))
                return blk_end(b, c, n, 0, pq_fail_mem(b, s, c));
            c->dom_bytes += 4 + (uint64_t)v[i].len;
            continue;
        }
        uint32_t len = (uint32_t)v[i].len;
        if ((s = sl_buf_reserve(&c->values, 4 + (size_t)len)))
            return blk_end(b, c, n, 0, pq_fail_mem(b, s, c));
        memcpy(c->values.data + c->values.len, &len, 4);
        if (len)
            memcpy(c->values.data + c->values.len + 4, v[i].p, len);
        c->values.len += 4 + (size_t)len;
    }
    return blk_end(b, c, n, k, SL_OK);
}

sl_status sl_pq_batch_end_rows(sl_pq_writer *b, size_t n)
{
    if (b->failed)
        return b->failed;
    if (!b->batch)
        return sl_error_set(&b->err, SL_ERR_USAGE, "sl_pq_batch_end_rows: column blocks go to a batch");
    for (size_t i = 0; i < b->ncols; i++)
        if (b->cols[i].blk_slots != n)
            return sl_error_set(&b->err, SL_ERR_USAGE, "sl_pq_batch_end_rows: column '%s' was given %llu "
                                "rows, not %zu", b->cols[i].name,
                                (unsigned long long)b->cols[i].blk_slots, n);
    for (size_t i = 0; i < b->ncols; i++)
        b->cols[i].blk_slots = 0;
    b->rows += n;
    b->rg_rows += n;
    return SL_OK;
}

void sl_pq_batch_cancel_rows(sl_pq_writer *b)
{
    for (size_t i = 0; b && i < b->ncols; i++) {
        pq_wcol *c = &b->cols[i];
        if (!c->blk_slots)
            continue;
        c->values.len = c->mark_values;
        c->defs.len = c->mark_defs;
        c->dom_bytes = c->mark_dom_bytes;
        c->nvalues = c->mark_nvalues;
        c->nslots -= c->blk_slots;
        c->blk_slots = 0;
    }
}
