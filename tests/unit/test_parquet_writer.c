/* Unit tests of the Parquet writer: the Thrift compact encoder, the RLE / bit-packed
 * hybrid, the dictionary, the writer's errors and file framing.
 *
 * `test_parquet_writer --emit DIR` instead writes a fixed set of Parquet files
 * (every type, codec, page version, dictionary fallback, LIST and null
 * combination) with a sidecar NAME.expected.json holding every value written;
 * tests/e2e/writer_oracle.test.mjs reads them back with DuckDB, hyparquet,
 * parquet-wasm and Polars and compares value by value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "parquet/encode.h"
#include "parquet/format.h"
#include "parquet/thrift_write.h"
#include "sluice/parquet.h"

/* ------------------------------------------------------------ thrift */

static void test_thrift_compact(void **state)
{
    (void)state;
    sl_buf b;
    sl_buf_init(&b, 0);
    pq_tw t;
    pq_tw_init(&t, &b);
    pq_tw_begin(&t);
    pq_tw_i32(&t, 1, -1);            /* delta 1, type I32: 0x15, zigzag(-1) = 1 */
    pq_tw_i64(&t, 3, 300);           /* delta 2, I64: 0x26, zigzag 600 = 0xd8 0x04 */
    pq_tw_bool(&t, 4, true);         /* delta 1, TRUE: 0x11 */
    pq_tw_string(&t, 20, "ab");      /* delta 16: long form 0x08, zigzag(20)=40, len 2 */
    pq_tw_struct_begin(&t, 21);      /* 0x1c */
    pq_tw_i32(&t, 1, 5);             /* nested ids restart: 0x15 0x0a */
    pq_tw_struct_end(&t);            /* 0x00 */
    pq_tw_list_begin(&t, 22, PQ_TT_I32, 2);   /* 0x19, 0x25 */
    pq_tw_elem_i32(&t, 1);
    pq_tw_elem_i32(&t, -2);          /* 0x02 0x03 */
    pq_tw_list_begin(&t, 23, PQ_TT_I32, 20);  /* 0x19, 0xf5, 20 */
    pq_tw_end(&t);
    assert_int_equal(pq_tw_status(&t), SL_OK);
    static const uint8_t want[] = {0x15, 0x01, 0x26, 0xd8, 0x04, 0x11, 0x08, 40, 2, 'a', 'b',
                                   0x1c, 0x15, 0x0a, 0x00, 0x19, 0x25, 0x02, 0x03,
                                   0x19, 0xf5, 20, 0x00};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    sl_buf_free(&b);
}

static void test_page_header(void **state)
{
    (void)state;
    sl_buf b;
    sl_buf_init(&b, 0);
    pq_w_page_header h = {.type = PQ_PAGE_DATA, .uncompressed_size = 100,
                          .compressed_size = 50, .num_values = 7, .encoding = PQ_ENC_PLAIN};
    assert_int_equal(pq_tw_page_header(&b, &h), SL_OK);
    static const uint8_t want[] = {0x15, 0x00, 0x15, 200, 1, 0x15, 100, 0x2c,
                                   0x15, 14, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    sl_buf_free(&b);
}

/* ------------------------------------------------------------ RLE hybrid */

static uint64_t rd_varint(const uint8_t *p, size_t *pos)
{
    uint64_t v = 0;
    int sh = 0;
    while (p[*pos] & 0x80) {
        v |= (uint64_t)(p[(*pos)++] & 0x7f) << sh;
        sh += 7;
    }
    return v | (uint64_t)p[(*pos)++] << sh;
}

/* An independent decoder, written from the spec, for round trips. */
static size_t rle_decode(const uint8_t *p, size_t len, int bw, uint32_t *out, size_t n)
{
    size_t pos = 0, k = 0;
    while (pos < len && k < n) {
        uint64_t h = rd_varint(p, &pos);
        if (h & 1) {
            size_t cnt = (size_t)(h >> 1) * 8;
            uint64_t bitpos = 0;
            for (size_t i = 0; i < cnt; i++) {
                uint32_t v = 0;
                for (int b = 0; b < bw; b++, bitpos++)
                    v |= (uint32_t)((p[pos + bitpos / 8] >> (bitpos % 8)) & 1) << b;
                if (k < n)
                    out[k++] = v;
            }
            pos += (size_t)(h >> 1) * (size_t)bw;
        } else {
            uint32_t v = 0;
            for (int i = 0; i < (bw + 7) / 8; i++)
                v |= (uint32_t)p[pos++] << (8 * i);
            for (size_t i = 0; i < (h >> 1) && k < n; i++)
                out[k++] = v;
        }
    }
    assert_int_equal(pos, len);
    return k;
}

static void test_rle_roundtrip(void **state)
{
    (void)state;
    enum { N = 5000 };
    uint32_t *v = malloc(N * sizeof *v), *back = malloc(N * sizeof *back);
    uint8_t *v8 = malloc(N);
    uint64_t x = 88172645463325252ull;
    for (int bw = 0; bw <= 32; bw++) {
        uint32_t mask = bw == 32 ? UINT32_MAX : (1u << bw) - 1;
        for (size_t i = 0; i < N; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            /* stretches of runs, short runs and noise */
            v[i] = (i / 700) % 2 ? (uint32_t)(i / 37) & mask : (uint32_t)x & mask;
            v8[i] = (uint8_t)(v[i] & 0xff);
        }
        for (size_t n = 0; n < 40; n += 3) {   /* short inputs and padding */
            sl_buf b;
            sl_buf_init(&b, 0);
            assert_int_equal(pq_rle_encode_u32(&b, v, n, bw), SL_OK);
            assert_int_equal(rle_decode(b.data, b.len, bw, back, n), n);
            assert_memory_equal(back, v, n * sizeof *v);
            sl_buf_free(&b);
        }
        sl_buf b;
        sl_buf_init(&b, 0);
        assert_int_equal(pq_rle_encode_u32(&b, v, N, bw), SL_OK);
        assert_int_equal(rle_decode(b.data, b.len, bw, back, N), N);
        assert_memory_equal(back, v, N * sizeof *v);
        if (bw <= 8) {
            sl_buf_clear(&b);
            assert_int_equal(pq_rle_encode_u8(&b, v8, N, bw), SL_OK);
            assert_int_equal(rle_decode(b.data, b.len, bw, back, N), N);
            for (size_t i = 0; i < N; i++)
                assert_int_equal(back[i], v8[i]);
        }
        sl_buf_free(&b);
    }
    /* A long run is one RLE run: header varint(1000 << 1), one value byte. */
    uint8_t ones[1000];
    memset(ones, 1, sizeof ones);
    sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(pq_rle_encode_u8(&b, ones, 1000, 1), SL_OK);
    static const uint8_t want[] = {0xd0, 0x0f, 0x01};
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, want, 3);
    sl_buf_free(&b);
    free(v);
    free(back);
    free(v8);
}

static void test_plain_bools(void **state)
{
    (void)state;
    uint8_t v[10] = {1, 0, 1, 1, 0, 0, 0, 1, 1, 0};
    sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(pq_plain_bools(&b, v, 10), SL_OK);
    assert_int_equal(b.len, 2);
    assert_int_equal(b.data[0], 0x8d);
    assert_int_equal(b.data[1], 0x01);
    sl_buf_free(&b);
}

static void test_dictionary(void **state)
{
    (void)state;
    pq_dict d;
    pq_dict_init(&d, 0);
    uint32_t idx;
    char s[32];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 5000; i++) {
            int n = snprintf(s, sizeof s, "value-%d", i);
            assert_int_equal(pq_dict_put(&d, (uint8_t *)s, (uint32_t)n, SIZE_MAX, &idx), SL_OK);
            assert_int_equal(idx, (uint32_t)i);
        }
    assert_int_equal(d.count, 5000);
    uint32_t len;
    const uint8_t *p = pq_dict_entry(&d, 1234, &len);
    assert_int_equal(len, 10);
    assert_memory_equal(p, "value-1234", 10);
    /* The empty string is a value like any other. */
    assert_int_equal(pq_dict_put(&d, (const uint8_t *)"", 0, SIZE_MAX, &idx), SL_OK);
    assert_int_equal(idx, 5000);
    /* Past max_bytes nothing is inserted, but known values are still found. */
    size_t full = d.data.len;
    assert_int_equal(pq_dict_put(&d, (const uint8_t *)"new", 3, full, &idx), SL_ERR_LIMIT);
    assert_int_equal(pq_dict_put(&d, (const uint8_t *)"value-7", 7, full, &idx), SL_OK);
    assert_int_equal(idx, 7);
    pq_dict_free(&d);

    pq_dict_init(&d, 8);
    for (int64_t i = -500; i < 500; i++) {
        int64_t v = i * 1000003;
        assert_int_equal(pq_dict_put(&d, (uint8_t *)&v, 8, SIZE_MAX, &idx), SL_OK);
        assert_int_equal(idx, (uint32_t)(i + 500));
    }
    int64_t v = -500 * 1000003LL;
    assert_int_equal(pq_dict_put(&d, (uint8_t *)&v, 8, SIZE_MAX, &idx), SL_OK);
    assert_int_equal(idx, 0);
    pq_dict_free(&d);
}

/* ------------------------------------------------------------ writer */

static char tmp_path[256];

static const char *tmpfile_name(const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(tmp_path, sizeof tmp_path, "%s/sluice-pqw-%d-%s", dir ? dir : "/tmp", (int)getpid(), name);
    return tmp_path;
}

static void test_writer_errors(void **state)
{
    (void)state;
    sl_pq_column cols[] = {
        {.name = "id", .type = SL_PQ_INT32},
        {.name = "name", .type = SL_PQ_STRING, .optional = true},
        {.name = "tags", .type = SL_PQ_STRING, .list = true},
        {.name = "small", .type = SL_PQ_INT8, .optional = true},
    };
    sl_pq_writer *w;
    sl_error err;
    const char *path = tmpfile_name("errors.parquet");
    assert_int_equal(sl_pq_writer_open(path, cols, 4, NULL, &w, &err), SL_OK);
    const sl_error *e = sl_pq_writer_error(w);

    assert_int_equal(sl_pq_write_double(w, 0, 1.5), SL_ERR_USAGE);
    assert_string_equal(e->msg, "column 'id' is INT32: sl_pq_write_double does not fit it; use sl_pq_write_int");
    assert_int_equal(sl_pq_write_null(w, 0), SL_ERR_USAGE);
    assert_string_equal(e->msg, "column 'id' is required: null is not allowed");
    assert_int_equal(sl_pq_write_int(w, 3, 300), SL_ERR_USAGE);
    assert_string_equal(e->msg, "column 'small': 300 is out of range for INT8");
    assert_int_equal(sl_pq_write_bytes(w, 2, "x", 1), SL_ERR_USAGE);
    assert_string_equal(e->msg, "column 'tags' is a LIST: call sl_pq_write_list_begin before its elements");
    assert_int_equal(sl_pq_write_int(w, 9, 1), SL_ERR_USAGE);
    assert_string_equal(e->msg, "sl_pq_write_int: column 9 does not exist (4 columns)");

    /* The failed calls changed nothing: the row can still be completed. */
    assert_int_equal(sl_pq_write_int(w, 0, 1), SL_OK);
    assert_int_equal(sl_pq_write_int(w, 0, 2), SL_ERR_USAGE);
    assert_string_equal(e->msg, "column 'id' already has a value in row 0");
    assert_int_equal(sl_pq_write_list_begin(w, 2), SL_OK);
    assert_int_equal(sl_pq_write_null(w, 2), SL_ERR_USAGE);
    assert_string_equal(e->msg, "column 'tags': list elements are required, a null element is not allowed");
    assert_int_equal(sl_pq_write_bytes(w, 2, "a", 1), SL_OK);
    assert_int_equal(sl_pq_write_end_row(w), SL_ERR_USAGE);
    assert_string_equal(e->msg, "row 0 ended without a value for column 'name'");
    assert_int_equal(sl_pq_write_null(w, 1), SL_OK);
    assert_int_equal(sl_pq_write_null(w, 3), SL_OK);
    assert_int_equal(sl_pq_write_end_row(w), SL_ERR_USAGE);
    assert_string_equal(e->msg, "row 0 ended with the list of column 'tags' still open");
    assert_int_equal(sl_pq_write_list_end(w, 2), SL_OK);
    assert_int_equal(sl_pq_write_end_row(w), SL_OK);
    assert_int_equal(sl_pq_writer_rows(w), 1);
    assert_int_equal(sl_pq_writer_close(w, true, &err), SL_OK);

    /* The file is framed: PAR1 ... footer, footer length, PAR1. */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n > 12);
    assert_memory_equal(buf, "PAR1", 4);
    assert_memory_equal(buf + n - 4, "PAR1", 4);
    uint32_t flen = buf[n - 8] | buf[n - 7] << 8 | buf[n - 6] << 16 | (uint32_t)buf[n - 5] << 24;
    assert_true(flen > 0 && flen < n - 12);
    /* created_by is in the footer */
    assert_non_null(memmem(buf + n - 8 - flen, flen, "sluice version ", 15));
    remove(path);

    /* I/O errors name the file and the reason. */
    assert_int_equal(sl_pq_writer_open("/nonexistent-dir/x.parquet", cols, 4, NULL, &w, &err),
                     SL_ERR_IO);
    assert_null(w);
    assert_string_equal(err.msg, "cannot open '/nonexistent-dir/x.parquet': No such file or directory");
    sl_pq_column bad = {.name = "d", .type = SL_PQ_DECIMAL, .precision = 40};
    assert_int_equal(sl_pq_writer_open(path, &bad, 1, NULL, &w, &err), SL_ERR_USAGE);
    sl_pq_writer_close(NULL, false, NULL);
    sl_pq_writer_abort(NULL);
}

/* ------------------------------------------------------------ emit mode */

/* Deterministic pseudo-random values from (seed, row, column). */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

typedef struct emitter {
    sl_pq_writer *w;
    FILE *js;
    const sl_pq_column *cols;
    size_t ncols;
} emitter;

static void js_str(FILE *f, const uint8_t *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static const char *const words[] = {"alpha", "beta", "\xce\xb2\xce\xb3 unicode", "quote\" back\\slash",
                                    "tab\there\nnewline", "", "zeta", "\xf0\x9f\x90\x9f fish"};

static int64_t pow10i(int n)
{
    int64_t p = 1;
    while (n--)
        p *= 10;
    return p;
}

/* Writes one value of column c (element type) and its canonical JSON form:
 * integers, dates, times and timestamps as decimal strings; floats as the hex bits
 * of the double (or "NaN"); strings as themselves; binary as hex; decimals as the
 * unscaled integer. */
static void emit_value(emitter *em, size_t col, uint64_t r)
{
    const sl_pq_column *c = &em->cols[col];
    sl_pq_writer *w = em->w;
    FILE *f = em->js;
    sl_status s = SL_OK;
    switch (c->type) {
    case SL_PQ_BOOL:
        s = sl_pq_write_bool(w, col, r & 1);
        fprintf(f, r & 1 ? "true" : "false");
        break;
    case SL_PQ_INT8: case SL_PQ_INT16: case SL_PQ_INT32: case SL_PQ_INT64: {
        int bits = c->type == SL_PQ_INT8 ? 8 : c->type == SL_PQ_INT16 ? 16 : c->type == SL_PQ_INT32 ? 32 : 64;
        int64_t v;
        switch (r % 8) {
        case 0: v = bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1)); break;
        case 1: v = bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1; break;
        case 2: case 3: v = (int64_t)(r >> 8) % 7 - 3; break;
        default: v = (int64_t)(r >> 3) >> (64 - bits); break;
        }
        s = sl_pq_write_int(w, col, v);
        fprintf(f, "\"%lld\"", (long long)v);
        break;
    }
    case SL_PQ_FLOAT: case SL_PQ_DOUBLE: {
        static const double special[] = {0.0, -0.0, 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, 1e-310, 3.5, -2.25};
        double d = r % 4 == 0 ? special[(r >> 3) % 8] : ((double)(int64_t)(r >> 11) / 1e6);
        if (c->type == SL_PQ_FLOAT)
            d = (float)d;
        s = sl_pq_write_double(w, col, d);
        if (d != d) {
            fprintf(f, "\"NaN\"");
        } else {
            uint64_t bits;
            memcpy(&bits, &d, 8);
            fprintf(f, "\"%016llx\"", (unsigned long long)bits);
        }
        break;
    }
    case SL_PQ_STRING: case SL_PQ_BINARY: {
        char buf[64];
        const char *p = buf;
        size_t n;
        if (r % 3)
            n = strlen(p = words[(r >> 4) % 8]);
        else
            n = (size_t)snprintf(buf, sizeof buf, "s%llu", (unsigned long long)(r >> 20));
        s = sl_pq_write_bytes(w, col, p, n);
        if (c->type == SL_PQ_STRING) {
            js_str(f, (const uint8_t *)p, n);
        } else {
            fputc('"', f);
            for (size_t i = 0; i < n; i++)
                fprintf(f, "%02x", (uint8_t)p[i]);
            fputc('"', f);
        }
        break;
    }
    case SL_PQ_DATE: case SL_PQ_TIMESTAMP: case SL_PQ_TIME: {
        int64_t v = c->type == SL_PQ_DATE ? (int64_t)(r % 60000) - 20000
                  : c->type == SL_PQ_TIME ? (int64_t)(r % 86400000000ull)
                  : (int64_t)(r % 4000000000000000ull) - 1000000000000000;
        s = sl_pq_write_int(w, col, v);
        fprintf(f, "\"%lld\"", (long long)v);
        break;
    }
    case SL_PQ_DECIMAL:
        if (c->precision <= 18) {
            int64_t lim = pow10i(c->precision);
            int64_t v = (int64_t)(r % (uint64_t)(2 * lim - 1)) - (lim - 1);
            if (r % 5 == 0)
                v = (r & 8) ? lim - 1 : -(lim - 1);
            s = sl_pq_write_int(w, col, v);
            fprintf(f, "\"%lld\"", (long long)v);
        } else {
            __extension__ typedef unsigned __int128 u128;
            u128 mag = (u128)(r >> 1) * (u128)(mix(r) % 10000000000ull);
            bool neg = r & 1;
            u128 v = neg ? ~mag + 1 : mag;
            s = sl_pq_write_decimal128(w, col, (int64_t)(uint64_t)(v >> 64), (uint64_t)v);
            char digits[48];
            int k = 0;
            bool minus = neg && mag != 0;
            do {
                digits[k++] = (char)('0' + (int)(mag % 10));
                mag /= 10;
            } while (mag);
            fprintf(f, "\"%s", minus ? "-" : "");
            while (k)
                fputc(digits[--k], f);
            fputc('"', f);
        }
        break;
    default:
        fail();
    }
    if (s) {
        fprintf(stderr, "emit: %s\n", sl_pq_writer_error(w)->msg);
        exit(1);
    }
}

static void emit_cell(emitter *em, size_t col, uint64_t row, uint64_t seed)
{
    const sl_pq_column *c = &em->cols[col];
    uint64_t r = mix(seed * 1000003 + row * 131 + col);
    bool is_null = c->optional && r % 7 == 0;
    if (is_null) {
        assert_int_equal(sl_pq_write_null(em->w, col), SL_OK);
        fprintf(em->js, "null");
        return;
    }
    if (!c->list) {
        emit_value(em, col, mix(r));
        return;
    }
    assert_int_equal(sl_pq_write_list_begin(em->w, col), SL_OK);
    fputc('[', em->js);
    size_t n = (r >> 8) % 5;   /* 0..4 elements: empty lists too */
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', em->js);
        uint64_t e = mix(r + i + 1);
        if (c->element_optional && e % 5 == 0) {
            assert_int_equal(sl_pq_write_null(em->w, col), SL_OK);
            fprintf(em->js, "null");
        } else {
            emit_value(em, col, e);
        }
    }
    fputc(']', em->js);
    assert_int_equal(sl_pq_write_list_end(em->w, col), SL_OK);
}

static int emit_file(const char *dir, const char *name, const sl_pq_column *cols, size_t ncols,
                     const sl_pq_writer_options *o, uint64_t rows, uint64_t seed)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.parquet", dir, name);
    emitter em = {.cols = cols, .ncols = ncols};
    sl_error err;
    if (sl_pq_writer_open(path, cols, ncols, o, &em.w, &err)) {
        fprintf(stderr, "emit: %s\n", err.msg);
        return 1;
    }
    sl_pq_writer_set_kv(em.w, "sluice.test", name);
    snprintf(path, sizeof path, "%s/%s.expected.json", dir, name);
    em.js = fopen(path, "w");
    if (!em.js)
        return 1;
    fprintf(em.js, "{\"file\":\"%s.parquet\",\"codec\":\"%s\",\"page_version\":%d,\"columns\":[",
            name, sl_pq_codec_name(o->codec), o->page_version);
    for (size_t i = 0; i < ncols; i++) {
        static const char *tn[] = {"BOOL", "INT8", "INT16", "INT32", "INT64", "FLOAT", "DOUBLE",
                                   "STRING", "BINARY", "DATE", "TIMESTAMP", "TIME", "DECIMAL"};
        fprintf(em.js, "%s{\"name\":\"%s\",\"type\":\"%s\",\"optional\":%s,\"list\":%s,"
                "\"element_optional\":%s,\"precision\":%d,\"scale\":%d}", i ? "," : "",
                cols[i].name, tn[cols[i].type], cols[i].optional ? "true" : "false",
                cols[i].list ? "true" : "false", cols[i].element_optional ? "true" : "false",
                cols[i].precision, cols[i].scale);
    }
    fprintf(em.js, "],\"rows\":[");
    for (uint64_t r = 0; r < rows; r++) {
        fprintf(em.js, "%s\n[", r ? "," : "");
        for (size_t c = 0; c < ncols; c++) {
            if (c)
                fputc(',', em.js);
            emit_cell(&em, c, r, seed);
        }
        fputc(']', em.js);
        if (sl_pq_write_end_row(em.w)) {
            fprintf(stderr, "emit: %s\n", sl_pq_writer_error(em.w)->msg);
            return 1;
        }
    }
    fprintf(em.js, "]}\n");
    fclose(em.js);
    if (sl_pq_writer_close(em.w, false, &err)) {
        fprintf(stderr, "emit: %s\n", err.msg);
        return 1;
    }
    return 0;
}

#define T(nm, ty, ...) {.name = nm, .type = ty, __VA_ARGS__}

static const sl_pq_column flat_cols[] = {
    T("b", SL_PQ_BOOL), T("b_opt", SL_PQ_BOOL, .optional = true),
    T("i8", SL_PQ_INT8), T("i16_opt", SL_PQ_INT16, .optional = true),
    T("i32", SL_PQ_INT32), T("i32_opt", SL_PQ_INT32, .optional = true),
    T("i64", SL_PQ_INT64), T("i64_opt", SL_PQ_INT64, .optional = true),
    T("f32", SL_PQ_FLOAT), T("f64_opt", SL_PQ_DOUBLE, .optional = true),
    T("s", SL_PQ_STRING), T("s_opt", SL_PQ_STRING, .optional = true),
    T("bin_opt", SL_PQ_BINARY, .optional = true),
    T("date", SL_PQ_DATE), T("ts_opt", SL_PQ_TIMESTAMP, .optional = true),
    T("time", SL_PQ_TIME),
    T("dec9", SL_PQ_DECIMAL, .precision = 9, .scale = 2),
    T("dec18_opt", SL_PQ_DECIMAL, .precision = 18, .scale = 4, .optional = true),
    T("dec30_opt", SL_PQ_DECIMAL, .precision = 30, .scale = 5, .optional = true),
};

static const sl_pq_column list_cols[] = {
    T("id", SL_PQ_INT64),
    T("l_b", SL_PQ_BOOL, .list = true, .optional = true, .element_optional = true),
    T("l_i8", SL_PQ_INT8, .list = true),
    T("l_i32", SL_PQ_INT32, .list = true, .optional = true, .element_optional = true),
    T("l_i64", SL_PQ_INT64, .list = true, .element_optional = true),
    T("l_f32", SL_PQ_FLOAT, .list = true, .optional = true),
    T("l_f64", SL_PQ_DOUBLE, .list = true, .optional = true, .element_optional = true),
    T("l_s", SL_PQ_STRING, .list = true, .optional = true, .element_optional = true),
    T("l_s_req", SL_PQ_STRING, .list = true),
    T("l_bin", SL_PQ_BINARY, .list = true, .optional = true, .element_optional = true),
    T("l_date", SL_PQ_DATE, .list = true, .optional = true, .element_optional = true),
    T("l_ts", SL_PQ_TIMESTAMP, .list = true, .optional = true, .element_optional = true),
    T("l_time", SL_PQ_TIME, .list = true, .optional = true),
    T("l_dec9", SL_PQ_DECIMAL, .precision = 9, .scale = 3, .list = true, .optional = true, .element_optional = true),
    T("l_dec18", SL_PQ_DECIMAL, .precision = 18, .scale = 0, .list = true, .element_optional = true),
    T("l_dec30", SL_PQ_DECIMAL, .precision = 30, .scale = 10, .list = true, .optional = true, .element_optional = true),
};

static int emit_all(const char *dir)
{
    static const sl_pq_codec codecs[] = {SL_PQ_CODEC_ZSTD, SL_PQ_CODEC_SNAPPY, SL_PQ_CODEC_GZIP,
                                         SL_PQ_CODEC_LZ4_RAW, SL_PQ_CODEC_NONE};
    static const char *cname[] = {"zstd", "snappy", "gzip", "lz4_raw", "none"};
    size_t nflat = sizeof flat_cols / sizeof flat_cols[0];
    size_t nlist = sizeof list_cols / sizeof list_cols[0];
    int rc = 0;
    char name[128];
    for (size_t k = 0; k < 5; k++) {
        for (int v = 1; v <= 2; v++) {
            sl_pq_writer_options o;
            sl_pq_writer_options_init(&o);
            o.codec = codecs[k];
            o.page_version = (uint8_t)v;
            o.row_group_rows = 1500;   /* several row groups */
            o.page_size = 2048;        /* several pages per chunk */
            snprintf(name, sizeof name, "flat_%s_v%d", cname[k], v);
            rc |= emit_file(dir, name, flat_cols, nflat, &o, 4000, k * 2 + (uint64_t)v);
            snprintf(name, sizeof name, "list_%s_v%d", cname[k], v);
            rc |= emit_file(dir, name, list_cols, nlist, &o, 3000, 100 + k * 2 + (uint64_t)v);
        }
    }
    /* Dictionary fallback part-way through each chunk (dictionary pages, then
     * PLAIN), no dictionary at all, and a single row group of 20k rows. */
    sl_pq_writer_options o;
    sl_pq_writer_options_init(&o);
    o.dictionary_max_bytes = 600;
    o.page_size = 1024;
    rc |= emit_file(dir, "dict_fallback_v1", flat_cols, nflat, &o, 5000, 7);
    rc |= emit_file(dir, "dict_fallback_list", list_cols, nlist, &o, 5000, 8);
    o.page_version = 2;
    rc |= emit_file(dir, "dict_fallback_v2", flat_cols, nflat, &o, 5000, 9);
    sl_pq_writer_options_init(&o);
    o.dictionary = false;
    rc |= emit_file(dir, "no_dictionary", list_cols, nlist, &o, 3000, 10);
    sl_pq_writer_options_init(&o);
    o.row_group_bytes = 64 << 10;   /* row groups by bytes */
    rc |= emit_file(dir, "big_default", flat_cols, nflat, &o, 20000, 11);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--emit") == 0)
        return emit_all(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thrift_compact),
        cmocka_unit_test(test_page_header),
        cmocka_unit_test(test_rle_roundtrip),
        cmocka_unit_test(test_plain_bools),
        cmocka_unit_test(test_dictionary),
        cmocka_unit_test(test_writer_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
