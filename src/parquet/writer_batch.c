/* Batches (sluice/parquet.h): a writer without a file fills its column buffers on
 * any thread, and sl_pq_write_batch moves them into a writer of a file with one
 * copy per column. The result is byte for byte the file that writing the same
 * values one by one makes: the buffered bytes are the same, and a row group ends
 * after the same row, because the row and byte thresholds are checked as
 * sl_pq_write_end_row checks them. */
#include <stdlib.h>
#include <string.h>

#include "parquet/writer_internal.h"

/* A position in a column's buffers: slots, value bytes, values, and for a domain
 * column the values' PLAIN bytes (pq_wcol.dom_bytes) so far. */
typedef struct cursor {
    size_t slot, byte, nval;
    uint64_t plain;
} cursor;

/* Moves slots [a, b) of the batch's column from to the writer's column to. */
static sl_status move_slots(pq_wcol *to, const pq_wcol *from, const cursor *a, const cursor *b)
{
    sl_status s = SL_OK;
    size_t ns = b->slot - a->slot;
    if (b->byte > a->byte)
        s = sl_buf_append(&to->values, from->values.data + a->byte, b->byte - a->byte);
    if (!s && ns && to->max_def)
        s = sl_buf_append(&to->defs, from->defs.data + a->slot, ns);
    if (!s && ns && to->max_rep)
        s = sl_buf_append(&to->reps, from->reps.data + a->slot, ns);
    if (s)
        return s;
    to->nslots += ns;
    to->nvalues += b->nval - a->nval;
    to->dom_bytes += b->plain - a->plain;
    return SL_OK;
}

/* Advances k past one row of column c and adds the bytes the value calls counted
 * for it: 2 a slot (its levels) and each present value's buffered size. */
static void next_row(const pq_wcol *c, cursor *k, uint64_t *bytes)
{
    size_t s = k->slot;
    do {
        *bytes += 2;
        if (!c->max_def || c->defs.data[s] == c->max_def) {
            size_t n = c->width;
            uint64_t counted;
            if (c->dom) {   /* an index, counted as the string it stands for */
                uint32_t e;
                memcpy(&e, c->values.data + k->byte, 4);
                n = 4;
                counted = 4 + (uint64_t)pq_domain_len(c->dom, e);
                k->plain += counted;
            } else {
                if (!n) {
                    uint32_t len;
                    memcpy(&len, c->values.data + k->byte, 4);
                    n = 4 + (size_t)len;
                }
                counted = n;
            }
            k->byte += n;
            k->nval++;
            *bytes += counted;
        }
        s++;
    } while (c->max_rep && s < c->nslots && c->reps.data[s] != 0);
    k->slot = s;
}

/* What the value calls would have added to rg_bytes for the batch's rows: each
 * buffered value's bytes and 2 a slot. */
static uint64_t batch_bytes(const sl_pq_writer *b)
{
    uint64_t n = 0;
    for (size_t i = 0; i < b->ncols; i++)
        n += (b->cols[i].dom ? b->cols[i].dom_bytes : b->cols[i].values.len) + 2 * b->cols[i].nslots;
    return n;
}

static void batch_clear(sl_pq_writer *b)
{
    for (size_t i = 0; i < b->ncols; i++) {
        pq_wcol *c = &b->cols[i];
        sl_buf_clear(&c->values);
        sl_buf_clear(&c->defs);
        sl_buf_clear(&c->reps);
        c->nslots = c->nvalues = c->dom_bytes = 0;
    }
    b->rows = b->rg_rows = b->rg_bytes = 0;
}

static sl_status check_batch(sl_pq_writer *w, const sl_pq_writer *b)
{
    if (!b->batch || w->batch || b->ncols != w->ncols)
        return sl_error_set(&w->err, SL_ERR_USAGE, "sl_pq_write_batch: not a batch of this writer");
    for (size_t i = 0; i < w->ncols; i++) {
        const pq_wcol *x = &w->cols[i], *y = &b->cols[i];
        if (x->def.type != y->def.type || x->width != y->width || x->max_def != y->max_def ||
            x->max_rep != y->max_rep || x->dom != y->dom)
            return sl_error_set(&w->err, SL_ERR_USAGE, "sl_pq_write_batch: column '%s' of the batch "
                                "is not the writer's", x->name);
    }
    if (pq_row_open(w))
        return sl_error_set(&w->err, SL_ERR_USAGE, "sl_pq_write_batch in the middle of row %llu",
                            (unsigned long long)w->rows);
    if (pq_row_open(b))
        return sl_error_set(&w->err, SL_ERR_USAGE, "sl_pq_write_batch: the batch's last row is not ended");
    for (size_t i = 0; i < b->ncols; i++)
        if (b->cols[i].blk_slots)
            return sl_error_set(&w->err, SL_ERR_USAGE, "sl_pq_write_batch: the batch has a block of "
                                "column '%s' not ended by sl_pq_batch_end_rows", b->cols[i].name);
    if (b->failed)
        return sl_error_set(&w->err, SL_ERR_USAGE, "sl_pq_write_batch: the batch failed: %s", b->err.msg);
    return SL_OK;
}

static sl_status move_all(sl_pq_writer *w, const sl_pq_writer *b, const cursor *from, const cursor *to)
{
    for (size_t i = 0; i < w->ncols; i++) {
        sl_status s = move_slots(&w->cols[i], &b->cols[i], &from[i], &to[i]);
        if (s) {
            w->failed = s;
            return sl_error_set(&w->err, s, "out of memory buffering column '%s'", w->cols[i].name);
        }
    }
    return SL_OK;
}

/* Row by row, for a batch in which a row group ends: moves the rows up to each end,
 * then flushes. */
static sl_status write_split(sl_pq_writer *w, const sl_pq_writer *b)
{
    cursor *k = calloc(2 * w->ncols, sizeof *k), *start = k ? k + w->ncols : NULL;
    if (!k)
        return sl_error_set(&w->err, SL_ERR_NOMEM, "out of memory");
    sl_status s = SL_OK;
    for (uint64_t r = 0; !s && r < b->rows; r++) {
        uint64_t bytes = 0;
        for (size_t i = 0; i < w->ncols; i++)
            next_row(&b->cols[i], &k[i], &bytes);
        w->rows++;
        w->rg_rows++;
        w->rg_bytes += bytes;
        if (w->rg_rows >= w->opt.row_group_rows || w->rg_bytes >= w->opt.row_group_bytes) {
            if (!(s = move_all(w, b, start, k)))
                s = pq_flush(w, true);
            memcpy(start, k, w->ncols * sizeof *k);
        }
    }
    if (!s)
        s = move_all(w, b, start, k);
    free(k);
    return s;
}

sl_status sl_pq_write_batch(sl_pq_writer *w, sl_pq_writer *b)
{
    if (w->failed)
        return w->failed;
    if (atomic_load_explicit(&w->job.failed, memory_order_relaxed))
        return pq_wait(w);
    sl_status s = check_batch(w, b);
    if (s || b->rows == 0)
        return s;
    /* No row but perhaps the last reaches a threshold: move everything at once. */
    uint64_t bytes = batch_bytes(b);
    if (w->rg_rows + b->rows - 1 < w->opt.row_group_rows &&
        w->rg_bytes + bytes < w->opt.row_group_bytes) {
        cursor *k = calloc(2 * w->ncols, sizeof *k);
        if (!k)
            return sl_error_set(&w->err, SL_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < w->ncols; i++) {
            const pq_wcol *c = &b->cols[i];
            k[w->ncols + i] = (cursor){(size_t)c->nslots, c->values.len, (size_t)c->nvalues, c->dom_bytes};
        }
        s = move_all(w, b, k, k + w->ncols);
        free(k);
        if (!s) {
            w->rows += b->rows;
            w->rg_rows += b->rows;
            w->rg_bytes += bytes;
            if (w->rg_rows >= w->opt.row_group_rows || w->rg_bytes >= w->opt.row_group_bytes)
                s = pq_flush(w, true);
        }
    } else {
        s = write_split(w, b);
    }
    batch_clear(b);
    return s;
}
