/* Copying a row group from a Parquet file into a writer as it is (see
 * sl_pq_writer_copy_row_group in sluice/parquet.h).
 *
 * A column chunk is self-contained: its pages (dictionary first, then data)
 * are one run of bytes from its first page on, and nothing inside it refers to
 * a file offset. So a row group moves by appending those runs and recording
 * their metadata with the offsets moved to where they now start. Statistics,
 * encodings and the codec stay the chunk's own. Sync uses it to republish a
 * table without decoding and encoding its published rows again. */
#include <stdlib.h>
#include <string.h>

#include "parquet/copy.h"
#include "parquet/format.h"
#include "parquet/writer_internal.h"

sl_status sl_pq_writer_copy_row_group(sl_pq_writer *w, sl_pq_reader *r, size_t g, sl_error *err)
{
    if (w->batch)
        return sl_error_set(err, SL_ERR_USAGE, "a batch writer has no file to copy into");
    pq_copy_want *want = calloc(w->ncols ? w->ncols : 1, sizeof *want);
    pq_copy_chunk *cc = calloc(w->ncols ? w->ncols : 1, sizeof *cc);
    sl_status s = want && cc ? SL_OK : sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    int64_t num_rows = 0;
    for (size_t i = 0; !s && i < w->ncols; i++)
        want[i] = (pq_copy_want){w->cols[i].name, w->cols[i].phys, w->cols[i].max_def, w->cols[i].max_rep};
    /* Every chunk is checked before a byte of any is written. */
    if (!s)
        s = pq_reader_copy_plan(r, g, want, w->ncols, cc, &num_rows, err);
    /* The rows written so far come first, as their own row group. */
    if (!s && (s = pq_flush(w, false)))
        *err = w->err;
    if (!s && w->nrgs == w->cap_rgs) {
        size_t cap = w->cap_rgs ? w->cap_rgs * 2 : 8;
        pq_rg_meta *p = realloc(w->rgs, cap * sizeof *p);
        if (p) {
            w->rgs = p;
            w->cap_rgs = cap;
        } else {
            s = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        }
    }
    pq_rg_meta *rm = s ? NULL : &w->rgs[w->nrgs];
    if (rm && !(rm->chunks = calloc(w->ncols ? w->ncols : 1, sizeof *rm->chunks)))
        s = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    if (!s)
        rm->rg = (pq_w_row_group){
            .chunks = rm->chunks,
            .num_rows = num_rows,
            .file_offset = (int64_t)w->offset,
            .ordinal = w->nrgs <= INT16_MAX ? (int16_t)w->nrgs : -1,
        };
    bool wrote = false;
    for (size_t i = 0; !s && i < w->ncols; i++) {
        const pq_copy_chunk *c = &cc[i];
        int64_t to = (int64_t)w->offset;
        wrote = true;
        if ((s = pq_write_all(w, c->bytes, (size_t)c->total_compressed))) {
            *err = w->err;
            break;
        }
        pq_w_chunk *k = &rm->chunks[i];
        *k = (pq_w_chunk){
            .type = c->type,
            .encodings = c->encodings,
            .path = w->cols[i].path,
            .path_len = w->cols[i].path_len,
            .codec = c->codec,
            .num_values = c->num_values,
            .total_uncompressed = c->total_uncompressed,
            .total_compressed = c->total_compressed,
            .data_page_offset = to + c->data_off,
            .dictionary_page_offset = c->dict_off >= 0 ? to + c->dict_off : -1,
            .file_offset = to,
        };
        k->stats.has_null_count = c->has_null_count;
        k->stats.null_count = c->null_count;
        if (c->has_min_max) {
            uint8_t *mn = sl_arena_alloc(&w->meta, (size_t)c->min_len + c->max_len + 1);
            if (!mn) {
                s = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
                break;
            }
            if (c->min_len)
                memcpy(mn, c->min, c->min_len);
            if (c->max_len)
                memcpy(mn + c->min_len, c->max, c->max_len);
            k->stats.has_min_max = true;
            /* as the writer's own: the deprecated fields use signed order */
            k->stats.legacy_min_max = c->type == PQ_INT32 || c->type == PQ_INT64;
            k->stats.min = mn;
            k->stats.min_len = c->min_len;
            k->stats.max = mn + c->min_len;
            k->stats.max_len = c->max_len;
        }
        rm->rg.total_byte_size += c->total_uncompressed;
        rm->rg.total_compressed += c->total_compressed;
    }
    free(want);
    free(cc);
    if (s) {
        if (rm)
            free(rm->chunks);
        if (wrote)
            w->failed = s;   /* part of the row group is in the file: the writer is done */
        return s;
    }
    w->nrgs++;
    w->rows += (uint64_t)num_rows;
    return SL_OK;
}
