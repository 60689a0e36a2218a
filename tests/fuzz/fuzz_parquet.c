/* libFuzzer target for the Parquet reader: opens the bytes as a file, reads every
 * column of every row group, formats statistics and the rows (NDJSON and CSV) to a
 * memory stream, and checks the invariants of the decoded arrays. Small limits keep
 * hostile sizes from turning into out-of-memory reports. Built without libFuzzer,
 * with replay.c, it re-runs the saved corpus in `make check`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/buf.h"
#include "sluice/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                     \
    do {                                                                             \
        if (!(c)) {                                                                  \
            fprintf(stderr, "fuzz_parquet: check failed at line %d: %s\n", __LINE__, #c); \
            abort();                                                                 \
        }                                                                            \
    } while (0)

static void check_column(const sl_pq_column *c, const sl_pq_column_data *cd)
{
    if (c->list) {
        CHECK(cd->list_offsets != NULL);
        CHECK(cd->list_offsets[0] == 0);
        for (size_t r = 0; r < cd->num_rows; r++)
            CHECK(cd->list_offsets[r] <= cd->list_offsets[r + 1]);
        CHECK(cd->list_offsets[cd->num_rows] == cd->num_values);
    } else {
        CHECK(cd->num_values == cd->num_rows);
    }
    if (cd->offsets) {
        CHECK(cd->offsets[0] == 0);
        for (size_t k = 0; k < cd->num_values; k++)
            CHECK(cd->offsets[k] <= cd->offsets[k + 1]);
    }
    /* Touch every slot so that ASan sees any short array. */
    volatile uint64_t sink = 0;
    for (size_t k = 0; k < cd->num_values; k++) {
        if (cd->valid)
            sink += cd->valid[k];
        if (cd->i64)
            sink += (uint64_t)cd->i64[k];
        if (cd->f64)
            sink += (uint64_t)(cd->f64[k] == cd->f64[k]);
    }
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_error err;
    sl_pq_reader *r;
    if (sl_pq_reader_open_mem(data, size, "fuzz", &r, &err) != SL_OK) {
        CHECK(r == NULL);
        CHECK(err.code != SL_OK);
        return 0;
    }
    sl_pq_reader_set_limits(r, (size_t)1 << 20, (size_t)1 << 24);
    sl_buf stat;
    sl_buf_init(&stat, 0);
    for (size_t g = 0; g < sl_pq_reader_num_row_groups(r); g++) {
        for (size_t c = 0; c < sl_pq_reader_num_columns(r); c++) {
            const sl_pq_column *col = sl_pq_reader_column(r, c);
            const sl_pq_chunk_info *ci = sl_pq_reader_chunk(r, g, c);
            CHECK(col && ci);
            if (ci->has_min_max) {
                (void)sl_pq_format_stat(col, ci->min, ci->min_len, &stat);
                (void)sl_pq_format_stat(col, ci->max, ci->max_len, &stat);
            }
            sl_pq_column_data cd;
            if (sl_pq_reader_read_column(r, g, c, &cd, &err) == SL_OK)
                check_column(col, &cd);
            else
                CHECK(err.code != SL_OK);
        }
    }
    sl_buf_free(&stat);
    (void)sl_pq_type_name(SL_PQ_UNSUPPORTED);
    (void)sl_pq_reader_created_by(r);
    for (size_t i = 0; i < sl_pq_reader_num_kv(r); i++) {
        const char *k, *v;
        sl_pq_reader_kv(r, i, &k, &v);
        CHECK(k && v);
    }
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out) {
        (void)sl_pq_reader_write_ndjson(r, out, 1000, &err);
        (void)sl_pq_reader_write_csv(r, out, 1000, &err);
        fclose(out);
        free(text);
    }
    /* Row groups copied as they are (sync's republish) into a writer of the same
     * columns: only checked chunks may be copied, whatever the footer claims. */
    size_t nc = sl_pq_reader_num_columns(r);
    sl_pq_column *cols = nc ? calloc(nc, sizeof *cols) : NULL;
    sl_pq_writer *w = NULL;
    if (cols) {
        for (size_t c = 0; c < nc; c++)
            cols[c] = *sl_pq_reader_column(r, c);
        if (sl_pq_writer_open("/dev/null", cols, nc, NULL, &w, &err) == SL_OK) {
            for (size_t g = 0; g < sl_pq_reader_num_row_groups(r); g++)
                if (sl_pq_writer_copy_row_group(w, r, g, &err) != SL_OK)
                    CHECK(err.code != SL_OK);
            sl_pq_writer_abort(w);
        }
        free(cols);
    }
    sl_pq_reader_free(r);
    return 0;
}
