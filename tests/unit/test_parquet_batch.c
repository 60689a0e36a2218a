/* Unit tests of Parquet writer batches (sl_pq_writer_open_batch, sl_pq_write_batch)
 * and whole rows (sl_pq_write_row): the same rows written value by value, through
 * batches of many sizes, and a row a call must give the same file byte for byte,
 * whichever threshold (rows or bytes) ends a row group and wherever it falls in a
 * batch; and the misuses are errors. Domains (strings given as indices) likewise.
 * The file itself is checked against DuckDB and others by writer_oracle.test.mjs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sluice/parquet.h"

static const sl_pq_column COLS[] = {
    {.name = "id", .type = SL_PQ_INT64},
    {.name = "name", .type = SL_PQ_STRING, .optional = true},
    {.name = "price", .type = SL_PQ_DECIMAL, .precision = 12, .scale = 2, .optional = true},
    {.name = "big", .type = SL_PQ_DECIMAL, .precision = 30, .scale = 3, .optional = true},
    {.name = "ok", .type = SL_PQ_BOOL, .optional = true},
    {.name = "ratio", .type = SL_PQ_FLOAT, .optional = true},
    {.name = "day", .type = SL_PQ_DATE},
    {.name = "tags", .type = SL_PQ_STRING, .list = true, .optional = true, .element_optional = true},
    {.name = "small", .type = SL_PQ_INT16, .optional = true},
};
#define NCOLS (sizeof COLS / sizeof COLS[0])

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Row r through the value calls of w (a writer or a batch). */
static void put_row(sl_pq_writer *w, uint64_t r)
{
    uint64_t h = mix(r);
    static const char *names[] = {"ada", "grace", "edsger", "", "barbara liskov", "ken"};
    char buf[64];
    assert_int_equal(sl_pq_write_int(w, 0, (int64_t)r), SL_OK);
    if (h % 7 == 0) {
        assert_int_equal(sl_pq_write_null(w, 1), SL_OK);
    } else if (h % 5 == 0) {   /* many distinct values: the dictionary falls back */
        int n = snprintf(buf, sizeof buf, "unique-%llu", (unsigned long long)r);
        assert_int_equal(sl_pq_write_bytes(w, 1, buf, (size_t)n), SL_OK);
    } else {
        const char *s = names[(h >> 8) % 6];
        assert_int_equal(sl_pq_write_bytes(w, 1, s, strlen(s)), SL_OK);
    }
    assert_int_equal(h % 11 == 0 ? sl_pq_write_null(w, 2) : sl_pq_write_int(w, 2, (int64_t)(h % 100000) - 50000),
                     SL_OK);
    assert_int_equal(h % 13 == 0 ? sl_pq_write_null(w, 3)
                                 : sl_pq_write_decimal128(w, 3, -(int64_t)(h >> 63), h >> 4),
                     SL_OK);
    assert_int_equal(h % 3 == 0 ? sl_pq_write_null(w, 4) : sl_pq_write_bool(w, 4, (h >> 20) & 1), SL_OK);
    assert_int_equal(sl_pq_write_double(w, 5, (double)(h % 1000) / 7.0), SL_OK);
    assert_int_equal(sl_pq_write_int(w, 6, 19000 + (int64_t)(h % 400)), SL_OK);
    if (h % 9 == 0) {
        assert_int_equal(sl_pq_write_null(w, 7), SL_OK);
    } else {
        assert_int_equal(sl_pq_write_list_begin(w, 7), SL_OK);
        for (uint64_t k = 0; k < (h >> 30) % 4; k++) {
            if ((h >> (40 + k)) & 1)
                assert_int_equal(sl_pq_write_null(w, 7), SL_OK);
            else
                assert_int_equal(sl_pq_write_bytes(w, 7, names[k], strlen(names[k])), SL_OK);
        }
        assert_int_equal(sl_pq_write_list_end(w, 7), SL_OK);
    }
    assert_int_equal(sl_pq_write_int(w, 8, (int64_t)(h % 60000) - 30000), SL_OK);
    assert_int_equal(sl_pq_write_end_row(w), SL_OK);
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)len + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return p;
}

/* Makes the file named by the template (XXXXXX at its end). */
static void make_temp(char *path)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

/* Files a and b hold the same bytes; both are removed. */
static void assert_same_files(const char *a, const char *b)
{
    size_t na, nb;
    uint8_t *pa = slurp(a, &na), *pb = slurp(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(pa, pb, na);
    free(pa);
    free(pb);
    unlink(a);
    unlink(b);
}

/* rows written directly, and through batches of batch_rows (several in flight,
 * appended in order), with the given thresholds: the two files must be equal. */
static void compare(uint64_t rows, uint64_t batch_rows, uint64_t rg_rows, uint64_t rg_bytes)
{
    char a[] = "/tmp/sluice-batch-a-XXXXXX", b[] = "/tmp/sluice-batch-b-XXXXXX";
    make_temp(a);
    make_temp(b);
    sl_pq_writer_options o;
    sl_pq_writer_options_init(&o);
    o.row_group_rows = rg_rows;
    o.row_group_bytes = rg_bytes;
    o.page_size = 4096;   /* several pages a chunk */
    sl_error err;
    sl_pq_writer *w;
    assert_int_equal(sl_pq_writer_open(a, COLS, NCOLS, &o, &w, &err), SL_OK);
    for (uint64_t r = 0; r < rows; r++)
        put_row(w, r);
    assert_int_equal(sl_pq_writer_close(w, false, &err), SL_OK);

    assert_int_equal(sl_pq_writer_open(b, COLS, NCOLS, &o, &w, &err), SL_OK);
    sl_pq_writer *batch[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(sl_pq_writer_open_batch(w, &batch[i], &err), SL_OK);
    uint64_t r = 0;
    while (r < rows) {
        int used = 0;
        for (; used < 3 && r < rows; used++)   /* fill three, then append them in order */
            for (uint64_t k = 0; k < batch_rows && r < rows; k++)
                put_row(batch[used], r++);
        for (int i = 0; i < used; i++)
            assert_int_equal(sl_pq_write_batch(w, batch[i]), SL_OK);
        assert_int_equal(sl_pq_writer_rows(w), r);
    }
    for (int i = 0; i < 3; i++)
        sl_pq_writer_abort(batch[i]);
    assert_int_equal(sl_pq_writer_close(w, false, &err), SL_OK);
    assert_same_files(a, b);
}

static void test_batch_same_bytes(void **state)
{
    (void)state;
    /* row groups that end on a batch boundary, inside a batch, and never */
    compare(5000, 500, 1000, 1 << 30);
    compare(5000, 300, 1000, 1 << 30);
    compare(5000, 500, 999, 1 << 30);    /* a row group ends one row before a batch does */
    compare(5000, 1, 777, 1 << 30);
    compare(3000, 4096, 1 << 20, 1 << 30);
    compare(3000, 5000, 1 << 20, 1 << 30);
    /* the byte threshold ends row groups in the middle of batches */
    compare(6000, 700, 1 << 20, 20000);
    compare(6000, 64, 1000, 9000);
    compare(0, 10, 100, 1 << 30);
}

static void test_batch_errors(void **state)
{
    (void)state;
    char a[] = "/tmp/sluice-batch-e-XXXXXX";
    make_temp(a);
    sl_error err;
    sl_pq_writer *w, *b, *bb;
    assert_int_equal(sl_pq_writer_open(a, COLS, NCOLS, NULL, &w, &err), SL_OK);
    assert_int_equal(sl_pq_writer_open_batch(w, &b, &err), SL_OK);
    assert_int_equal(sl_pq_writer_open_batch(b, &bb, &err), SL_ERR_USAGE);   /* not from a batch */
    assert_null(bb);
    assert_int_equal(sl_pq_writer_flush(b), SL_ERR_USAGE);
    /* the batch checks values as the writer does */
    assert_int_equal(sl_pq_write_bytes(b, 0, "x", 1), SL_ERR_USAGE);
    assert_int_equal(sl_pq_write_int(b, 8, 40000), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(b)->msg, "out of range"));
    assert_int_equal(sl_pq_write_int(b, 0, 1), SL_OK);
    /* an unfinished row in the batch, then in the writer */
    assert_int_equal(sl_pq_write_batch(w, b), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "not ended"));
    sl_pq_writer_abort(b);
    assert_int_equal(sl_pq_writer_open_batch(w, &b, &err), SL_OK);
    put_row(b, 1);
    assert_int_equal(sl_pq_write_int(w, 0, 0), SL_OK);
    assert_int_equal(sl_pq_write_batch(w, b), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "middle of row"));
    /* a batch of another writer's columns */
    char c[] = "/tmp/sluice-batch-f-XXXXXX";
    make_temp(c);
    sl_pq_writer *w2;
    assert_int_equal(sl_pq_writer_open(c, COLS, 3, NULL, &w2, &err), SL_OK);
    assert_int_equal(sl_pq_write_batch(w2, b), SL_ERR_USAGE);
    assert_int_equal(sl_pq_write_batch(w2, w), SL_ERR_USAGE);   /* a writer is not a batch */
    sl_pq_writer_abort(w2);
    assert_int_equal(sl_pq_writer_close(b, false, &err), SL_OK);   /* drops its rows */
    sl_pq_writer_abort(w);
    unlink(a);
    unlink(c);
}

/* ------------------------------------------------------------ whole rows */

/* The scalar columns of COLS (no LIST) and a wide decimal, which takes ints only
 * through the value calls. */
static const sl_pq_column SCALARS[] = {
    {.name = "id", .type = SL_PQ_INT64},
    {.name = "name", .type = SL_PQ_STRING, .optional = true},
    {.name = "price", .type = SL_PQ_DECIMAL, .precision = 12, .scale = 2, .optional = true},
    {.name = "ok", .type = SL_PQ_BOOL, .optional = true},
    {.name = "ratio", .type = SL_PQ_FLOAT, .optional = true},
    {.name = "x", .type = SL_PQ_DOUBLE},
    {.name = "day", .type = SL_PQ_DATE},
    {.name = "small", .type = SL_PQ_INT16, .optional = true},
    {.name = "wide", .type = SL_PQ_DECIMAL, .precision = 30, .scale = 0, .optional = true},
};
#define NSCALARS (sizeof SCALARS / sizeof SCALARS[0])

/* Row r of SCALARS, as sl_pq_write_row takes it. */
static void scalar_row(uint64_t r, sl_pq_value *v, char *buf)
{
    uint64_t h = mix(r + 77);
    int n = snprintf(buf, 32, "name-%llu", (unsigned long long)(h % 300));
    v[0] = (sl_pq_value){SL_PQV_INT, {.i = (int64_t)r}};
    v[1] = h % 7 == 0 ? (sl_pq_value){SL_PQV_NULL, {.i = 0}} : (sl_pq_value){SL_PQV_BYTES, {.s = {buf, (size_t)n}}};
    v[2] = h % 11 == 0 ? (sl_pq_value){SL_PQV_NULL, {.i = 0}} : (sl_pq_value){SL_PQV_INT, {.i = (int64_t)(h % 99999) - 500}};
    v[3] = h % 3 == 0 ? (sl_pq_value){SL_PQV_NULL, {.i = 0}} : (sl_pq_value){SL_PQV_BOOL, {.i = (int64_t)(h >> 9) & 1}};
    v[4] = (sl_pq_value){SL_PQV_DOUBLE, {.d = (double)(h % 1000) / 3.0}};
    v[5] = (sl_pq_value){SL_PQV_DOUBLE, {.d = (double)(h % 100000) / 7.0}};
    v[6] = (sl_pq_value){SL_PQV_INT, {.i = 18000 + (int64_t)(h % 999)}};
    v[7] = (sl_pq_value){SL_PQV_INT, {.i = (int64_t)(h % 60000) - 30000}};
    v[8] = h % 5 == 0 ? (sl_pq_value){SL_PQV_NULL, {.i = 0}} : (sl_pq_value){SL_PQV_INT, {.i = -(int64_t)(h >> 2)}};
}

static void put_values(sl_pq_writer *w, const sl_pq_value *v)
{
    for (size_t i = 0; i < NSCALARS; i++) {
        sl_status s = SL_OK;
        switch (v[i].kind) {
        case SL_PQV_NULL: s = sl_pq_write_null(w, i); break;
        case SL_PQV_BOOL: s = sl_pq_write_bool(w, i, v[i].u.i != 0); break;
        case SL_PQV_INT: s = sl_pq_write_int(w, i, v[i].u.i); break;
        case SL_PQV_DOUBLE: s = sl_pq_write_double(w, i, v[i].u.d); break;
        case SL_PQV_BYTES: s = sl_pq_write_bytes(w, i, v[i].u.s.p, v[i].u.s.len); break;
        case SL_PQV_INDEX: s = sl_pq_write_index(w, i, (uint32_t)v[i].u.i); break;
        }
        assert_int_equal(s, SL_OK);
    }
    assert_int_equal(sl_pq_write_end_row(w), SL_OK);
}

static void test_row_same_bytes(void **state)
{
    (void)state;
    char a[] = "/tmp/sluice-row-a-XXXXXX", b[] = "/tmp/sluice-row-b-XXXXXX";
    make_temp(a);
    make_temp(b);
    sl_pq_writer_options o;
    sl_pq_writer_options_init(&o);
    o.row_group_rows = 3000;
    o.row_group_bytes = 50000;   /* row groups ended by bytes too */
    o.page_size = 8192;
    sl_error err;
    sl_pq_writer *wa, *wb, *batch;
    assert_int_equal(sl_pq_writer_open(a, SCALARS, NSCALARS, &o, &wa, &err), SL_OK);
    assert_int_equal(sl_pq_writer_open(b, SCALARS, NSCALARS, &o, &wb, &err), SL_OK);
    assert_int_equal(sl_pq_writer_open_batch(wb, &batch, &err), SL_OK);
    sl_pq_value v[NSCALARS];
    char buf[32];
    for (uint64_t r = 0; r < 20000; r++) {
        scalar_row(r, v, buf);
        put_values(wa, v);
        /* the second file: rows straight to the writer and through a batch */
        if (r % 1000 < 500) {
            assert_int_equal(sl_pq_write_row(wb, v), SL_OK);
        } else {
            assert_int_equal(sl_pq_write_row(batch, v), SL_OK);
            if (r % 1000 == 999)
                assert_int_equal(sl_pq_write_batch(wb, batch), SL_OK);
        }
    }
    sl_pq_writer_abort(batch);
    assert_int_equal(sl_pq_writer_close(wa, false, &err), SL_OK);
    assert_int_equal(sl_pq_writer_close(wb, false, &err), SL_OK);
    assert_same_files(a, b);
}

static void test_row_errors(void **state)
{
    (void)state;
    char a[] = "/tmp/sluice-row-e-XXXXXX";
    make_temp(a);
    sl_error err;
    sl_pq_writer *w;
    assert_int_equal(sl_pq_writer_open(a, SCALARS, NSCALARS, NULL, &w, &err), SL_OK);
    sl_pq_value v[NSCALARS];
    char buf[32];
    scalar_row(1, v, buf);
    /* each the error of the value call it comes to, with its message */
    v[0] = (sl_pq_value){SL_PQV_NULL, {.i = 0}};
    assert_int_equal(sl_pq_write_row(w, v), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "'id' is required"));
    sl_pq_writer_abort(w);
    assert_int_equal(sl_pq_writer_open(a, SCALARS, NSCALARS, NULL, &w, &err), SL_OK);
    scalar_row(1, v, buf);
    v[7] = (sl_pq_value){SL_PQV_INT, {.i = 40000}};
    assert_int_equal(sl_pq_write_row(w, v), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "out of range"));
    sl_pq_writer_abort(w);
    assert_int_equal(sl_pq_writer_open(a, SCALARS, NSCALARS, NULL, &w, &err), SL_OK);
    scalar_row(1, v, buf);
    v[6] = (sl_pq_value){SL_PQV_BYTES, {.s = {"x", 1}}};
    assert_int_equal(sl_pq_write_row(w, v), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "does not fit"));
    sl_pq_writer_abort(w);
    /* a row begun with the value calls */
    assert_int_equal(sl_pq_writer_open(a, SCALARS, NSCALARS, NULL, &w, &err), SL_OK);
    scalar_row(1, v, buf);
    assert_int_equal(sl_pq_write_int(w, 0, 5), SL_OK);
    assert_int_equal(sl_pq_write_row(w, v), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "already has a value"));
    sl_pq_writer_abort(w);
    unlink(a);
}

/* ------------------------------------------------------------ column blocks */

#define NBLK (NSCALARS - 1)   /* SCALARS but the wide DECIMAL, which takes no block */

/* Rows [r0, r0 + n) of SCALARS as column blocks into batch b; with bad, row r0's
 * "small" is out of range, so that call fails. Returns that call's status. */
static sl_status scalar_block(sl_pq_writer *b, uint64_t r0, size_t n, bool bad)
{
    enum { MAXN = 200 };
    int64_t iv[NBLK][MAXN];
    double dv[NBLK][MAXN];
    uint8_t bv[MAXN], present[NBLK][MAXN];
    sl_pq_str sv[MAXN];
    char text[MAXN][32];
    assert_true(n <= MAXN);
    for (size_t k = 0; k < n; k++) {
        sl_pq_value v[NSCALARS];
        scalar_row(r0 + k, v, text[k]);
        for (size_t c = 0; c < NBLK; c++) {
            present[c][k] = v[c].kind != SL_PQV_NULL;
            iv[c][k] = v[c].u.i;
            dv[c][k] = v[c].u.d;
        }
        bv[k] = (uint8_t)v[3].u.i;
        sv[k] = (sl_pq_str){v[1].u.s.p, v[1].u.s.len};
    }
    if (bad)
        iv[7][0] = 40000;
    sl_status s;
    /* ints, bytes, bools, doubles; "small" last, so that the others wait to be
     * taken back when it fails */
    if ((s = sl_pq_batch_ints(b, 6, iv[6], NULL, n)) || (s = sl_pq_batch_doubles(b, 5, dv[5], NULL, n)) ||
        (s = sl_pq_batch_doubles(b, 4, dv[4], present[4], n)) || (s = sl_pq_batch_bools(b, 3, bv, present[3], n)) ||
        (s = sl_pq_batch_ints(b, 2, iv[2], present[2], n)) || (s = sl_pq_batch_bytes(b, 1, sv, present[1], n)) ||
        (s = sl_pq_batch_ints(b, 0, iv[0], NULL, n)) || (s = sl_pq_batch_ints(b, 7, iv[7], present[7], n)))
        return s;
    return sl_pq_batch_end_rows(b, n);
}

static void test_block_same_bytes(void **state)
{
    (void)state;
    char a[] = "/tmp/sluice-blk-a-XXXXXX", b[] = "/tmp/sluice-blk-b-XXXXXX";
    make_temp(a);
    make_temp(b);
    sl_pq_writer_options o;
    sl_pq_writer_options_init(&o);
    o.row_group_rows = 2500;
    o.row_group_bytes = 40000;
    o.page_size = 4096;
    sl_error err;
    sl_pq_writer *wa, *wb, *batch;
    assert_int_equal(sl_pq_writer_open(a, SCALARS, NBLK, &o, &wa, &err), SL_OK);
    assert_int_equal(sl_pq_writer_open(b, SCALARS, NBLK, &o, &wb, &err), SL_OK);
    assert_int_equal(sl_pq_writer_open_batch(wb, &batch, &err), SL_OK);
    sl_pq_value v[NSCALARS];
    char buf[32];
    uint64_t r = 0;
    while (r < 15000) {
        size_t n = 1 + (size_t)(mix(r) % 200);
        bool bad = mix(r) % 5 == 0;
        if (scalar_block(batch, r, n, bad) != SL_OK) {
            /* a failed call leaves its column, and cancel takes the block back: the
             * rows then go one by one */
            assert_true(bad);
            assert_non_null(strstr(sl_pq_writer_error(batch)->msg, "out of range"));
            sl_pq_batch_cancel_rows(batch);
            for (size_t k = 0; k < n; k++) {
                scalar_row(r + k, v, buf);
                assert_int_equal(sl_pq_write_row(batch, v), SL_OK);
            }
        } else {
            assert_false(bad);
        }
        for (size_t k = 0; k < n; k++) {
            scalar_row(r + k, v, buf);
            assert_int_equal(sl_pq_write_row(wa, v), SL_OK);
        }
        r += n;
        if (mix(r) % 4 == 0)
            assert_int_equal(sl_pq_write_batch(wb, batch), SL_OK);
    }
    assert_int_equal(sl_pq_write_batch(wb, batch), SL_OK);
    sl_pq_writer_abort(batch);
    assert_int_equal(sl_pq_writer_close(wa, false, &err), SL_OK);
    assert_int_equal(sl_pq_writer_close(wb, false, &err), SL_OK);
    assert_same_files(a, b);
}

static void test_block_errors(void **state)
{
    (void)state;
    char a[] = "/tmp/sluice-blk-e-XXXXXX";
    make_temp(a);
    sl_error err;
    sl_pq_writer *w, *b;
    int64_t iv[4] = {1, 2, 3, 4};
    double dv[4] = {0};
    uint8_t some[4] = {1, 0, 1, 1};
    assert_int_equal(sl_pq_writer_open(a, SCALARS, NSCALARS, NULL, &w, &err), SL_OK);
    assert_int_equal(sl_pq_batch_ints(w, 0, iv, NULL, 4), SL_ERR_USAGE);   /* not a batch */
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "go to a batch"));
    assert_int_equal(sl_pq_writer_open_batch(w, &b, &err), SL_OK);
    assert_int_equal(sl_pq_batch_ints(b, 8, iv, NULL, 4), SL_ERR_USAGE);   /* wide DECIMAL */
    assert_int_equal(sl_pq_batch_doubles(b, 0, dv, NULL, 4), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(b)->msg, "does not fit"));
    assert_int_equal(sl_pq_batch_ints(b, 0, iv, some, 4), SL_ERR_USAGE);  /* null into required */
    assert_non_null(strstr(sl_pq_writer_error(b)->msg, "is required"));
    assert_int_equal(sl_pq_batch_ints(b, 0, iv, NULL, 4), SL_OK);
    assert_int_equal(sl_pq_batch_ints(b, 0, iv, NULL, 4), SL_ERR_USAGE);   /* twice */
    assert_non_null(strstr(sl_pq_writer_error(b)->msg, "given twice"));
    assert_int_equal(sl_pq_batch_end_rows(b, 4), SL_ERR_USAGE);           /* the others missing */
    assert_non_null(strstr(sl_pq_writer_error(b)->msg, "was given 0 rows, not 4"));
    assert_int_equal(sl_pq_write_batch(w, b), SL_ERR_USAGE);              /* a block not ended */
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "not ended"));
    sl_pq_batch_cancel_rows(b);
    assert_int_equal(sl_pq_write_batch(w, b), SL_OK);                     /* nothing in it */
    assert_int_equal(sl_pq_writer_rows(w), 0);
    assert_int_equal(sl_pq_write_int(b, 0, 5), SL_OK);                    /* a row open */
    assert_int_equal(sl_pq_batch_ints(b, 0, iv, NULL, 4), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(b)->msg, "open row"));
    sl_pq_writer_abort(b);
    assert_int_equal(sl_pq_writer_close(w, false, &err), SL_OK);
    static const sl_pq_column LIST[] = {{.name = "l", .type = SL_PQ_INT64, .list = true}};
    assert_int_equal(sl_pq_writer_open(a, LIST, 1, NULL, &w, &err), SL_OK);
    assert_int_equal(sl_pq_writer_open_batch(w, &b, &err), SL_OK);
    assert_int_equal(sl_pq_batch_ints(b, 0, iv, NULL, 4), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(b)->msg, "a LIST of"));
    sl_pq_writer_abort(b);
    sl_pq_writer_abort(w);
    unlink(a);
}

/* ------------------------------------------------------------ domains
 *
 * Strings given as indices into a fixed list (sl_pq_writer_set_domain) must make
 * the file that the same strings given as bytes make, byte for byte, through every
 * path: the value calls, whole rows, batches, row groups ended by rows or by bytes
 * (an index counts as the string it stands for), dictionaries that cover a chunk,
 * that overflow their byte limit, that the payoff probe drops (mostly distinct),
 * dictionaries off, v2 pages; and the misuses are errors. */

static const sl_pq_column DCOLS[] = {
    {.name = "id", .type = SL_PQ_INT64},
    {.name = "pick", .type = SL_PQ_STRING, .optional = true},   /* small list, repeats, "" */
    {.name = "key", .type = SL_PQ_STRING},                      /* large list */
    {.name = "raw", .type = SL_PQ_BINARY, .optional = true},    /* bytes outside a domain */
    {.name = "n", .type = SL_PQ_INT32, .optional = true},
};
#define NDCOLS (sizeof DCOLS / sizeof DCOLS[0])

static const char *const PICKS[] = {"in_store", "online", "", "contactless", "online", "atm",
                                    "Montréal", "atm", "東京"};
#define NPICKS (sizeof PICKS / sizeof PICKS[0])

#define NKEYS 200000
static char key_text[NKEYS * 12];
static sl_pq_str keys[NKEYS], picks[NPICKS];

/* The lists, made once. */
static void dom_setup(void)
{
    if (keys[0].p)
        return;
    char *p = key_text;
    for (size_t i = 0; i < NKEYS; i++) {
        int n = sprintf(p, "K-%06zu", (i * 7919) % NKEYS);   /* lengths 8, all distinct */
        keys[i] = (sl_pq_str){p, (size_t)n};
        p += n + 1;
    }
    for (size_t i = 0; i < NPICKS; i++)
        picks[i] = (sl_pq_str){PICKS[i], strlen(PICKS[i])};
}

/* How row r draws: the entry of pick (or null), the entry of key. spread > 0 draws
 * keys from the whole list (mostly distinct); else from the first 300. */
static void draw(uint64_t r, int spread, int64_t *pick, uint64_t *key)
{
    uint64_t h = mix(r);
    *pick = h % 10 == 0 ? -1 : (int64_t)((h >> 8) % NPICKS);
    *key = spread ? (h >> 24) % NKEYS : (h >> 24) % 300;
}

typedef enum { BY_BYTES, BY_INDEX, BY_ROW, BY_BATCH, BY_BLOCK } way;

/* Row r of the columns other than pick and key, through the value calls. */
static void put_rest(sl_pq_writer *w, uint64_t r)
{
    uint64_t h = mix(r ^ 0x5555);
    assert_int_equal(sl_pq_write_int(w, 0, (int64_t)r), SL_OK);
    if (h % 6 == 0) {
        assert_int_equal(sl_pq_write_null(w, 3), SL_OK);
    } else {
        char b[16];
        int n = snprintf(b, sizeof b, "r%llu", (unsigned long long)(h % 5000));
        assert_int_equal(sl_pq_write_bytes(w, 3, b, (size_t)n), SL_OK);
    }
    assert_int_equal(h % 4 == 0 ? sl_pq_write_null(w, 4) : sl_pq_write_int(w, 4, (int64_t)(h % 1000)), SL_OK);
}

/* Row r as one sl_pq_write_row: pick and key as indices (or as bytes for one row
 * in 7, which the writer looks up), the rest as values. */
static void row_values(uint64_t r, int spread, sl_pq_value *v, char *b)
{
    int64_t pick;
    uint64_t key;
    draw(r, spread, &pick, &key);
    uint64_t h = mix(r ^ 0x5555);
    v[0] = (sl_pq_value){SL_PQV_INT, {.i = (int64_t)r}};
    if (pick < 0)
        v[1] = (sl_pq_value){SL_PQV_NULL, {.i = 0}};
    else if (r % 7 == 3)
        v[1] = (sl_pq_value){SL_PQV_BYTES, {.s = {picks[pick].p, picks[pick].len}}};
    else
        v[1] = (sl_pq_value){SL_PQV_INDEX, {.i = pick}};
    v[2] = (sl_pq_value){SL_PQV_INDEX, {.i = (int64_t)key}};
    if (h % 6 == 0) {
        v[3] = (sl_pq_value){SL_PQV_NULL, {.i = 0}};
    } else {
        int n = snprintf(b, 16, "r%llu", (unsigned long long)(h % 5000));
        v[3] = (sl_pq_value){SL_PQV_BYTES, {.s = {b, (size_t)n}}};
    }
    v[4] = h % 4 == 0 ? (sl_pq_value){SL_PQV_NULL, {.i = 0}} : (sl_pq_value){SL_PQV_INT, {.i = (int64_t)(h % 1000)}};
}

/* Row r of w by the value calls: pick and key as bytes, or as indices. */
/* Rows [r0, r0 + n) of batch b in column blocks: pick and key as indices, raw as
 * bytes. */
static void put_block(sl_pq_writer *b, uint64_t r0, size_t n, int spread)
{
    int64_t id[300], num[300];
    uint32_t pick[300], key[300];
    uint8_t has_pick[300], has_raw[300], has_num[300];
    sl_pq_str raw[300];
    char text[300][16];
    assert_true(n <= 300);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = r0 + i, h = mix(r ^ 0x5555), k;
        int64_t p;
        draw(r, spread, &p, &k);
        id[i] = (int64_t)r;
        has_pick[i] = p >= 0;
        pick[i] = p >= 0 ? (uint32_t)p : 12345;   /* a null's value is not looked at */
        key[i] = (uint32_t)k;
        has_raw[i] = h % 6 != 0;
        int len = snprintf(text[i], 16, "r%llu", (unsigned long long)(h % 5000));
        raw[i] = (sl_pq_str){text[i], (size_t)len};
        has_num[i] = h % 4 != 0;
        num[i] = (int64_t)(h % 1000);
    }
    assert_int_equal(sl_pq_batch_indices(b, 2, key, NULL, n), SL_OK);   /* any column order */
    assert_int_equal(sl_pq_batch_ints(b, 0, id, NULL, n), SL_OK);
    assert_int_equal(sl_pq_batch_indices(b, 1, pick, has_pick, n), SL_OK);
    assert_int_equal(sl_pq_batch_bytes(b, 3, raw, has_raw, n), SL_OK);
    assert_int_equal(sl_pq_batch_ints(b, 4, num, has_num, n), SL_OK);
    assert_int_equal(sl_pq_batch_end_rows(b, n), SL_OK);
}

static void put_calls(sl_pq_writer *w, uint64_t r, int spread, bool index)
{
    int64_t pick;
    uint64_t key;
    draw(r, spread, &pick, &key);
    put_rest(w, r);
    if (pick < 0)
        assert_int_equal(sl_pq_write_null(w, 1), SL_OK);
    else if (index)
        assert_int_equal(sl_pq_write_index(w, 1, (uint32_t)pick), SL_OK);
    else
        assert_int_equal(sl_pq_write_bytes(w, 1, picks[pick].p, picks[pick].len), SL_OK);
    if (index)
        assert_int_equal(sl_pq_write_index(w, 2, (uint32_t)key), SL_OK);
    else
        assert_int_equal(sl_pq_write_bytes(w, 2, keys[key].p, keys[key].len), SL_OK);
    assert_int_equal(sl_pq_write_end_row(w), SL_OK);
}

/* Writes rows into a new temporary file (its name in path) one way. */
static void write_file(char *path, way how, uint64_t rows, int spread, const sl_pq_writer_options *o)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    sl_error err;
    sl_pq_writer *w, *batch[2] = {NULL, NULL};
    assert_int_equal(sl_pq_writer_open(path, DCOLS, NDCOLS, o, &w, &err), SL_OK);
    if (how != BY_BYTES) {
        assert_int_equal(sl_pq_writer_set_domain(w, 1, picks, NPICKS), SL_OK);
        assert_int_equal(sl_pq_writer_set_domain(w, 2, keys, NKEYS), SL_OK);
    }
    if (how == BY_BATCH || how == BY_BLOCK)
        for (int i = 0; i < 2; i++)
            assert_int_equal(sl_pq_writer_open_batch(w, &batch[i], &err), SL_OK);
    sl_pq_value v[NDCOLS];
    char b[16];
    for (uint64_t r = 0; r < rows; r++) {
        switch (how) {
        case BY_BYTES: put_calls(w, r, spread, false); break;
        case BY_INDEX: put_calls(w, r, spread, true); break;
        case BY_ROW:
            row_values(r, spread, v, b);
            assert_int_equal(sl_pq_write_row(w, v), SL_OK);
            break;
        case BY_BLOCK: {   /* blocks of 1 to 300 rows, a batch appended every few */
            size_t n = 1 + (size_t)(mix(r) % 300);
            if (n > rows - r)
                n = (size_t)(rows - r);
            put_block(batch[0], r, n, spread);
            r += n - 1;
            if (mix(r) % 3 == 0 || r + 1 == rows)
                assert_int_equal(sl_pq_write_batch(w, batch[0]), SL_OK);
            break;
        }
        case BY_BATCH: {   /* batches of 777 rows, two filled then appended in order */
            sl_pq_writer *t = batch[(r / 777) % 2];
            if (r % 3 == 0) {
                put_calls(t, r, spread, true);
            } else {
                row_values(r, spread, v, b);
                assert_int_equal(sl_pq_write_row(t, v), SL_OK);
            }
            if (r % 1554 == 1553 || r + 1 == rows)
                for (int i = 0; i < 2; i++)
                    assert_int_equal(sl_pq_write_batch(w, batch[i]), SL_OK);
            break;
        }
        }
    }
    for (int i = 0; i < 2; i++)
        sl_pq_writer_abort(batch[i]);
    assert_int_equal(sl_pq_writer_close(w, false, &err), SL_OK);
}

/* Every way of writing gives the bytes-only file. */
static void dom_compare(uint64_t rows, int spread, const sl_pq_writer_options *o)
{
    char ref[] = "/tmp/sluice-dom-ref-XXXXXX";
    write_file(ref, BY_BYTES, rows, spread, o);
    size_t nref;
    uint8_t *pref = slurp(ref, &nref);
    for (way how = BY_INDEX; how <= BY_BLOCK; how++) {
        char path[] = "/tmp/sluice-dom-XXXXXX";
        write_file(path, how, rows, spread, o);
        size_t n;
        uint8_t *p = slurp(path, &n);
        if (n != nref || memcmp(p, pref, n) != 0)
            fail_msg("way %d, %llu rows, spread %d: %zu bytes differ from the %zu written as bytes",
                     (int)how, (unsigned long long)rows, spread, n, nref);
        free(p);
        unlink(path);
    }
    free(pref);
    unlink(ref);
}

static void test_domain_same_bytes(void **state)
{
    (void)state;
    dom_setup();
    sl_pq_writer_options o;
    sl_pq_writer_options_init(&o);
    o.row_group_rows = 5000;
    o.page_size = 4096;
    dom_compare(12345, 0, &o);                      /* dictionaries cover every chunk */
    dom_compare(40000, 1, NULL);                    /* one row group, probe drops the key dictionary */
    o.row_group_rows = 20000;
    dom_compare(45000, 1, &o);                      /* probe in some chunks, a small last one */
    sl_pq_writer_options_init(&o);
    o.row_group_bytes = 60000;                  /* row groups ended by (counted) bytes */
    dom_compare(20000, 0, &o);
    sl_pq_writer_options_init(&o);
    o.dictionary_max_bytes = 1500;              /* the key dictionary overflows mid-chunk */
    o.row_group_rows = 4000;
    dom_compare(9000, 0, &o);
    o.dictionary = false;                       /* every chunk PLAIN */
    dom_compare(9000, 0, &o);
    sl_pq_writer_options_init(&o);
    o.page_version = 2;
    o.codec = SL_PQ_CODEC_SNAPPY;
    dom_compare(7000, 0, &o);
    dom_compare(1, 0, NULL);                        /* one row */
}

static void test_domain_errors(void **state)
{
    (void)state;
    dom_setup();
    char path[] = "/tmp/sluice-dom-e-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    sl_error err;
    sl_pq_writer *w, *b;
    static const sl_pq_column LIST[] = {{.name = "l", .type = SL_PQ_STRING, .list = true}};
    assert_int_equal(sl_pq_writer_open(path, LIST, 1, NULL, &w, &err), SL_OK);
    assert_int_equal(sl_pq_writer_set_domain(w, 0, picks, NPICKS), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "not a LIST"));
    sl_pq_writer_abort(w);

    assert_int_equal(sl_pq_writer_open(path, DCOLS, NDCOLS, NULL, &w, &err), SL_OK);
    assert_int_equal(sl_pq_writer_set_domain(w, 4, picks, NPICKS), SL_ERR_USAGE);   /* INT32 */
    assert_int_equal(sl_pq_writer_set_domain(w, 9, picks, NPICKS), SL_ERR_USAGE);
    assert_int_equal(sl_pq_writer_set_domain(w, 1, picks, 0), SL_ERR_USAGE);
    assert_int_equal(sl_pq_write_index(w, 1, 0), SL_ERR_USAGE);                  /* no domain */
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "has no domain"));
    assert_int_equal(sl_pq_writer_set_domain(w, 1, picks, NPICKS), SL_OK);
    assert_int_equal(sl_pq_writer_set_domain(w, 1, picks, NPICKS), SL_ERR_USAGE);  /* twice */
    assert_int_equal(sl_pq_write_index(w, 1, NPICKS), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "past the end"));
    assert_int_equal(sl_pq_write_bytes(w, 1, "bus", 3), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "not one of the column's 9 domain strings"));
    assert_int_equal(sl_pq_write_bytes(w, 1, "online", 6), SL_OK);   /* found: taken */
    assert_int_equal(sl_pq_writer_open_batch(w, &b, &err), SL_OK);
    assert_int_equal(sl_pq_writer_set_domain(b, 2, keys, NKEYS), SL_ERR_USAGE);  /* a batch */
    assert_int_equal(sl_pq_write_index(b, 1, 5), SL_OK);   /* the batch has the writer's */
    sl_pq_writer_abort(b);
    sl_pq_writer_abort(w);

    /* after the first row: too late */
    assert_int_equal(sl_pq_writer_open(path, DCOLS, NDCOLS, NULL, &w, &err), SL_OK);
    put_calls(w, 0, 0, false);
    assert_int_equal(sl_pq_writer_set_domain(w, 2, keys, NKEYS), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "before the first row"));
    sl_pq_writer_abort(w);

    /* a whole row: a bad index is the error of its value call, the row taken back */
    assert_int_equal(sl_pq_writer_open(path, DCOLS, NDCOLS, NULL, &w, &err), SL_OK);
    assert_int_equal(sl_pq_writer_set_domain(w, 1, picks, NPICKS), SL_OK);
    assert_int_equal(sl_pq_writer_set_domain(w, 2, keys, NKEYS), SL_OK);
    sl_pq_value v[NDCOLS];
    char buf[16];
    row_values(1, 0, v, buf);
    v[2] = (sl_pq_value){SL_PQV_INDEX, {.i = NKEYS}};
    assert_int_equal(sl_pq_write_row(w, v), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "past the end"));
    sl_pq_writer_abort(w);
    assert_int_equal(sl_pq_writer_open(path, DCOLS, NDCOLS, NULL, &w, &err), SL_OK);
    row_values(1, 0, v, buf);
    v[1] = (sl_pq_value){SL_PQV_INDEX, {.i = 0}};   /* no domain on the column */
    assert_int_equal(sl_pq_write_row(w, v), SL_ERR_USAGE);
    assert_non_null(strstr(sl_pq_writer_error(w)->msg, "has no domain"));
    sl_pq_writer_abort(w);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_same_bytes),
        cmocka_unit_test(test_batch_errors),
        cmocka_unit_test(test_row_same_bytes),
        cmocka_unit_test(test_row_errors),
        cmocka_unit_test(test_block_same_bytes),
        cmocka_unit_test(test_block_errors),
        cmocka_unit_test(test_domain_same_bytes),
        cmocka_unit_test(test_domain_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
