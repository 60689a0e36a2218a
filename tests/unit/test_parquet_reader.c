/* Unit tests for the Parquet reader: the thrift compact decoder, the value and
 * level decoders on hand-built bytes, footer corruption, and hostile page headers.
 *
 * Also a dump tool for the end-to-end tests (tests/e2e/reader_oracle.test.mjs):
 *   test_parquet_reader --cat FILE [--csv] [--head N]   rows as NDJSON (or CSV)
 *   test_parquet_reader --schema FILE                    one JSON line per column
 * Exit status: 0 ok, 3 corrupt input, 4 unsupported, 2 anything else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "parquet/decode.h"
#include "parquet/format.h"
#include "parquet/thrift_read.h"
#include "sluice/parquet.h"

/* ------------------------------------------------------------ dump tool */

static int exit_for(sl_status s)
{
    return s == SL_ERR_CORRUPT ? 3 : s == SL_ERR_UNSUPPORTED ? 4 : 2;
}

static int dump_main(int argc, char **argv)
{
    const char *file = argv[2];
    bool csv = false, schema = strcmp(argv[1], "--schema") == 0;
    uint64_t head = 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0)
            csv = true;
        else if (strcmp(argv[i], "--head") == 0 && i + 1 < argc)
            head = strtoull(argv[++i], NULL, 10);
    }
    sl_error err;
    sl_pq_reader *r;
    sl_status s = sl_pq_reader_open(file, &r, &err);
    if (!s && schema) {
        for (size_t i = 0; i < sl_pq_reader_num_columns(r); i++) {
            const sl_pq_column *c = sl_pq_reader_column(r, i);
            printf("{\"name\":\"%s\",\"type\":\"%s\",\"optional\":%s,\"list\":%s,"
                   "\"element_optional\":%s,\"unit\":%d,\"utc\":%s,\"precision\":%d,"
                   "\"scale\":%d,\"fixed_len\":%d}\n",
                   c->name, sl_pq_type_name(c->type), c->optional ? "true" : "false",
                   c->list ? "true" : "false", c->element_optional ? "true" : "false",
                   (int)c->time_unit, c->utc ? "true" : "false", c->precision, c->scale,
                   c->fixed_len);
        }
    } else if (!s) {
        s = csv ? sl_pq_reader_write_csv(r, stdout, head, &err)
                : sl_pq_reader_write_ndjson(r, stdout, head, &err);
    }
    sl_pq_reader_free(r);
    if (s) {
        char msg[1200];
        fprintf(stderr, "sluice: %s\n", sl_error_format(&err, msg, sizeof msg));
        return exit_for(s);
    }
    return 0;
}

/* ------------------------------------------------------------ thrift */

static void test_thrift_varint_and_skip(void **state)
{
    (void)state;
    sl_arena a;
    sl_arena_init(&a, 0);
    sl_error err;
    pq_tr t;
    uint64_t v;
    const uint8_t ok[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    pq_tr_init(&t, ok, sizeof ok, 0, &a, &err);
    assert_int_equal(pq_tr_varint(&t, &v), SL_OK);
    assert_true(v == UINT64_MAX);
    const uint8_t over[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    pq_tr_init(&t, over, sizeof over, 0, &a, &err);
    assert_int_equal(pq_tr_varint(&t, &v), SL_ERR_CORRUPT);
    const uint8_t trunc[] = {0x80, 0x80};
    pq_tr_init(&t, trunc, sizeof trunc, 0, &a, &err);
    assert_int_equal(pq_tr_varint(&t, &v), SL_ERR_CORRUPT);

    /* struct { 1: i32 5, 2: list<struct{1: binary "ab"}> [1], 3: map<i32,i32>{1:2},
     *          4: bool true, 20 (long id): double } STOP */
    const uint8_t st[] = {0x15, 0x0a, 0x19, 0x1c, 0x18, 0x02, 'a', 'b', 0x00, 0x1b, 0x01, 0x55,
                          0x02, 0x04, 0x11, 0x07, 0x28, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x00};
    pq_tr_init(&t, st, sizeof st, 0, &a, &err);
    assert_int_equal(pq_tr_skip(&t, PQ_TT_STRUCT), SL_OK);
    assert_ptr_equal(t.p, st + sizeof st);
    /* Every truncation of it fails cleanly. */
    for (size_t n = 0; n < sizeof st; n++) {
        pq_tr_init(&t, st, n, 0, &a, &err);
        assert_int_equal(pq_tr_skip(&t, PQ_TT_STRUCT), SL_ERR_CORRUPT);
    }
    /* Deep nesting is refused, not a stack overflow. */
    uint8_t deep[4000];
    for (size_t i = 0; i < sizeof deep; i++)
        deep[i] = 0x1c;   /* field 1, struct */
    pq_tr_init(&t, deep, sizeof deep, 0, &a, &err);
    assert_int_equal(pq_tr_skip(&t, PQ_TT_STRUCT), SL_ERR_CORRUPT);
    /* A list claiming 2^31 elements in a few bytes fails before allocating. */
    const uint8_t biglist[] = {0xf5, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00};
    pq_tr_init(&t, biglist, sizeof biglist, 0, &a, &err);
    assert_int_equal(pq_tr_skip(&t, PQ_TT_LIST), SL_ERR_CORRUPT);
    sl_arena_free(&a);
}

static void test_thrift_page_header(void **state)
{
    (void)state;
    sl_arena a;
    sl_arena_init(&a, 0);
    sl_error err;
    pq_tr t;
    pq_page_header h;
    /* type DATA_PAGE(0), uncompressed 100, compressed 50, data header {num 10, enc 0,
     * def 3, rep 3}, an unknown field 9 holding a struct, STOP */
    const uint8_t ph[] = {0x15, 0x00, 0x15, 0xc8, 0x01, 0x15, 0x64, 0x2c, 0x15, 0x14, 0x15, 0x00,
                          0x15, 0x06, 0x15, 0x06, 0x00, 0x4c, 0x15, 0x02, 0x00, 0x00};
    pq_tr_init(&t, ph, sizeof ph, 0, &a, &err);
    assert_int_equal(pq_read_page_header(&t, &h), SL_OK);
    assert_int_equal(h.type, PQ_PAGE_DATA);
    assert_int_equal(h.uncompressed_size, 100);
    assert_int_equal(h.compressed_size, 50);
    assert_true(h.has_data);
    assert_int_equal(h.num_values, 10);
    assert_int_equal(h.def_encoding, PQ_ENC_RLE);
    assert_ptr_equal(t.p, ph + sizeof ph);
    /* Negative sizes are refused. */
    const uint8_t neg[] = {0x15, 0x00, 0x15, 0x01, 0x15, 0x01, 0x00};
    pq_tr_init(&t, neg, sizeof neg, 0, &a, &err);
    assert_int_equal(pq_read_page_header(&t, &h), SL_ERR_CORRUPT);
    sl_arena_free(&a);
}

/* ------------------------------------------------------------ hybrid RLE */

static void test_rle_hybrid(void **state)
{
    (void)state;
    uint32_t out[32];
    /* RLE run of 5 x 3 (bw 2), then a bit-packed group of 8: 0..7 mod 4 */
    const uint8_t a[] = {0x0a, 0x03, 0x03, 0xe4, 0xe4};
    assert_int_equal(pq_rle_decode(a, sizeof a, 2, out, 13), SL_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(out[i], 3);
    for (int i = 0; i < 8; i++)
        assert_int_equal(out[5 + i], (uint32_t)(i % 4));
    /* Asking for more than is there fails. */
    assert_int_equal(pq_rle_decode(a, sizeof a, 2, out, 14), SL_ERR_CORRUPT);
    /* bw 0: every value is 0; a run header alone. */
    const uint8_t z[] = {0x20};
    assert_int_equal(pq_rle_decode(z, 1, 0, out, 16), SL_OK);
    assert_int_equal(out[15], 0);
    /* Wide values: bw 20 RLE run, 3-byte value. */
    const uint8_t w[] = {0x04, 0x56, 0x34, 0x02};
    assert_int_equal(pq_rle_decode(w, sizeof w, 20, out, 2), SL_OK);
    assert_int_equal(out[1], 0x023456);
    /* A cut-short last bit-packed group is fine when the needed values are there. */
    const uint8_t cut[] = {0x03, 0xe4};   /* 1 group, bw 2, only 1 of 2 bytes */
    assert_int_equal(pq_rle_decode(cut, sizeof cut, 2, out, 4), SL_OK);
    assert_int_equal(out[3], 3);
    assert_int_equal(pq_rle_decode(cut, sizeof cut, 2, out, 5), SL_ERR_CORRUPT);
    /* Levels above max are corrupt. */
    uint8_t lv[8];
    const uint8_t l2[] = {0x04, 0x02};
    assert_int_equal(pq_levels_rle(l2, 2, 2, 2, lv, 2), SL_OK);
    assert_int_equal(pq_levels_rle(l2, 2, 2, 1, lv, 2), SL_ERR_CORRUPT);
    /* Deprecated BIT_PACKED levels, MSB first: 1,0,1,1,0,0,0,1 */
    const uint8_t bp[] = {0xb1};
    size_t used;
    assert_int_equal(pq_levels_bitpacked(bp, 1, 1, 1, lv, 8, &used), SL_OK);
    assert_int_equal(used, 1);
    assert_int_equal(lv[0], 1);
    assert_int_equal(lv[1], 0);
    assert_int_equal(lv[7], 1);
    /* A header claiming 2^62 groups with no data fails fast. */
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    assert_int_equal(pq_rle_decode(huge, sizeof huge, 8, out, 32), SL_ERR_CORRUPT);
}

static void test_unpack8_widths(void **state)
{
    (void)state;
    /* Pack 8 values for every width 1..64 and unpack them. */
    for (int w = 1; w <= 64; w++) {
        uint64_t vals[8], got[8];
        uint8_t buf[64] = {0};
        uint64_t mask = w == 64 ? ~(uint64_t)0 : (((uint64_t)1 << w) - 1);
        for (int i = 0; i < 8; i++) {
            vals[i] = (UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(i + w)) & mask;
            for (int b = 0; b < w; b++)
                if (vals[i] >> b & 1) {
                    int bit = i * w + b;
                    buf[bit >> 3] |= (uint8_t)(1u << (bit & 7));
                }
        }
        pq_unpack8(buf, w, got);
        for (int i = 0; i < 8; i++)
            assert_true(got[i] == vals[i]);
    }
}

/* ------------------------------------------------------------ delta */

static size_t put_uvarint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

static size_t put_zigzag(uint8_t *p, int64_t v)
{
    return put_uvarint(p, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/* A tiny DELTA_BINARY_PACKED encoder for tests: block 128, 4 miniblocks of 32. */
static size_t delta_encode(const int64_t *v, size_t n, bool is32, uint8_t *out)
{
    size_t o = 0;
    o += put_uvarint(out + o, 128);
    o += put_uvarint(out + o, 4);
    o += put_uvarint(out + o, n);
    o += put_zigzag(out + o, n ? v[0] : 0);
    for (size_t i = 1; i < n; i += 128) {
        size_t cnt = n - i < 128 ? n - i : 128;
        uint64_t d[128] = {0};
        uint64_t minv = UINT64_MAX;
        int64_t mind = INT64_MAX;
        for (size_t k = 0; k < cnt; k++) {
            uint64_t delta = (uint64_t)v[i + k] - (uint64_t)v[i + k - 1];
            int64_t sd = is32 ? (int64_t)(int32_t)(uint32_t)delta : (int64_t)delta;
            if (sd < mind)
                mind = sd;
        }
        (void)minv;
        for (size_t k = 0; k < cnt; k++) {
            uint64_t delta = (uint64_t)v[i + k] - (uint64_t)v[i + k - 1];
            if (is32)
                delta = (uint64_t)(int64_t)(int32_t)(uint32_t)delta;
            d[k] = delta - (uint64_t)mind;
            if (is32)
                d[k] &= 0xffffffffu;
        }
        o += put_zigzag(out + o, mind);
        uint8_t *widths = out + o;
        o += 4;
        for (int m = 0; m < 4; m++) {
            if ((size_t)m * 32 >= cnt) {
                widths[m] = 0xab;   /* arbitrary: readers must not care */
                continue;
            }
            uint64_t mx = 0;
            for (int k = 0; k < 32; k++)
                mx |= d[m * 32 + k];
            int w = pq_bit_width(mx);
            widths[m] = (uint8_t)w;
            memset(out + o, 0, (size_t)w * 4);
            for (int k = 0; k < 32; k++)
                for (int b = 0; b < w; b++)
                    if (d[m * 32 + k] >> b & 1) {
                        size_t bit = (size_t)k * (size_t)w + (size_t)b;
                        out[o + (bit >> 3)] |= (uint8_t)(1u << (bit & 7));
                    }
            o += (size_t)w * 4;
        }
    }
    return o;
}

static void check_delta(const int64_t *v, size_t n, bool is32)
{
    static uint8_t enc[1 << 16];
    int64_t got[600];
    size_t len = delta_encode(v, n, is32, enc);
    uint64_t total;
    size_t used;
    assert_int_equal(pq_delta_decode(enc, len, is32, got, n, &total, &used), SL_OK);
    assert_int_equal(total, n);
    assert_int_equal(used, len);
    for (size_t i = 0; i < n; i++)
        assert_true(got[i] == v[i]);
    /* Truncations fail cleanly (or succeed only when the cut is in absent padding). */
    for (size_t cut = 0; cut < len; cut++)
        (void)pq_delta_decode(enc, cut, is32, got, n, &total, &used);
}

static void test_delta_binary_packed(void **state)
{
    (void)state;
    int64_t v[600];
    /* Decreasing values: negative deltas. */
    for (int i = 0; i < 300; i++)
        v[i] = 1000 - 7 * i;
    check_delta(v, 300, false);
    check_delta(v, 1, false);
    check_delta(v, 0, false);
    check_delta(v, 129, false);
    /* int64 extremes: deltas wrap around. */
    int64_t ext[] = {INT64_MAX, INT64_MIN, 0, INT64_MIN, INT64_MAX, -1, 1, INT64_MAX};
    check_delta(ext, 8, false);
    /* int32 extremes with 32-bit wrap-around. */
    int64_t e32[] = {INT32_MAX, INT32_MIN, 0, INT32_MIN, INT32_MAX, -1, 1, INT32_MIN, 5};
    check_delta(e32, 9, true);
    /* Constant: min delta equals every delta, bit width 0. */
    for (int i = 0; i < 500; i++)
        v[i] = 42;
    check_delta(v, 500, false);
    /* Random-ish. */
    uint64_t x = 12345;
    for (int i = 0; i < 600; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        v[i] = (int64_t)(x >> (i % 50));
    }
    check_delta(v, 600, false);
    /* Header values that do not make sense are refused. */
    const uint8_t bad1[] = {0x00, 0x04, 0x01, 0x00};          /* block size 0 */
    const uint8_t bad2[] = {0x80, 0x01, 0x03, 0x01, 0x00};    /* 128 / 3 miniblocks */
    int64_t o[4];
    uint64_t total;
    size_t used;
    assert_int_equal(pq_delta_decode(bad1, sizeof bad1, false, o, 1, &total, &used), SL_ERR_CORRUPT);
    assert_int_equal(pq_delta_decode(bad2, sizeof bad2, false, o, 1, &total, &used), SL_ERR_CORRUPT);
    /* A huge claimed count with no blocks fails fast. */
    const uint8_t big[] = {0x80, 0x01, 0x04, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00, 0x00,
                           0x00, 0x00, 0x00};
    clock_t t0 = clock();
    assert_int_equal(pq_delta_decode(big, sizeof big, false, o, 4, &total, &used), SL_ERR_CORRUPT);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
}

static void test_byte_arrays(void **state)
{
    (void)state;
    sl_buf data;
    sl_buf_init(&data, 1 << 20);
    uint64_t ends[8];
    int64_t scratch[16];
    /* PLAIN: "ab", "", "xyz" */
    const uint8_t plain[] = {2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0, 3, 0, 0, 0, 'x', 'y', 'z'};
    assert_int_equal(pq_plain_bytes(plain, sizeof plain, &data, ends, 3), SL_OK);
    assert_int_equal(ends[0], 2);
    assert_int_equal(ends[1], 2);
    assert_int_equal(ends[2], 5);
    assert_memory_equal(data.data, "abxyz", 5);
    assert_int_equal(pq_plain_bytes(plain, sizeof plain - 1, &data, ends, 3), SL_ERR_CORRUPT);
    /* A length of 4 GB in a small page. */
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 'a'};
    assert_int_equal(pq_plain_bytes(huge, sizeof huge, &data, ends, 1), SL_ERR_CORRUPT);

    /* DELTA_BYTE_ARRAY: "apple", "applet", "banana" -> prefixes 0,5,0; suffixes
     * "apple","t","banana" */
    uint8_t enc[256];
    size_t o = 0;
    int64_t pre[] = {0, 5, 0}, suf[] = {5, 1, 6};
    o += delta_encode(pre, 3, false, enc + o);
    o += delta_encode(suf, 3, false, enc + o);
    memcpy(enc + o, "appletbanana", 12);
    o += 12;
    sl_buf_clear(&data);
    assert_int_equal(pq_delta_bytes(enc, o, &data, ends, 3, scratch), SL_OK);
    assert_int_equal(ends[2], 17);
    assert_memory_equal(data.data, "appleappletbanana", 17);
    /* A prefix longer than the previous value is corrupt. */
    int64_t pre_bad[] = {0, 6, 0};
    o = 0;
    o += delta_encode(pre_bad, 3, false, enc + o);
    o += delta_encode(suf, 3, false, enc + o);
    memcpy(enc + o, "appletbanana", 12);
    o += 12;
    assert_int_equal(pq_delta_bytes(enc, o, &data, ends, 3, scratch), SL_ERR_CORRUPT);

    /* DELTA_LENGTH_BYTE_ARRAY: "hi", "", "there" */
    int64_t lens[] = {2, 0, 5};
    o = delta_encode(lens, 3, false, enc);
    memcpy(enc + o, "hithere", 7);
    o += 7;
    sl_buf_clear(&data);
    assert_int_equal(pq_delta_length_bytes(enc, o, &data, ends, 3, scratch), SL_OK);
    assert_int_equal(ends[0], 2);
    assert_int_equal(ends[2], 7);
    assert_int_equal(pq_delta_length_bytes(enc, o - 1, &data, ends, 3, scratch), SL_ERR_CORRUPT);
    sl_buf_free(&data);
}

static void test_byte_stream_split(void **state)
{
    (void)state;
    float f[3] = {1.5f, -2.25f, 1e30f};
    uint8_t raw[12], enc[12];
    memcpy(raw, f, 12);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 4; k++)
            enc[k * 3 + i] = raw[i * 4 + k];
    double out[3];
    assert_int_equal(pq_bss_float(enc, 12, out, 3), SL_OK);
    assert_true(out[0] == 1.5 && out[1] == -2.25 && out[2] == (double)1e30f);
    assert_int_equal(pq_bss_float(enc, 11, out, 3), SL_ERR_CORRUPT);
    int64_t iv[2] = {INT64_MIN, 0x0102030405060708};
    uint8_t r8[16], e8[16];
    memcpy(r8, iv, 16);
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 8; k++)
            e8[k * 2 + i] = r8[i * 8 + k];
    int64_t io[2];
    assert_int_equal(pq_bss_i64(e8, 16, io, 2), SL_OK);
    assert_true(io[0] == INT64_MIN && io[1] == 0x0102030405060708);
    /* FLBA(3) x 2: "abc", "xyz" -> streams "ax" "by" "cz" */
    sl_buf data;
    sl_buf_init(&data, 0);
    uint64_t ends[2];
    assert_int_equal(pq_bss_fixed((const uint8_t *)"axbycz", 6, 3, &data, ends, 2), SL_OK);
    assert_memory_equal(data.data, "abcxyz", 6);
    assert_int_equal(ends[1], 6);
    sl_buf_free(&data);
}

static void test_plain_and_decimal(void **state)
{
    (void)state;
    int64_t v;
    const uint8_t m1[] = {0xff, 0xff};
    assert_true(pq_be_to_i64(m1, 2, &v) && v == -1);
    const uint8_t big[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff,
                           0xff, 0xff, 0xff, 0xff};
    assert_true(pq_be_to_i64(big, 16, &v) && v == INT64_MAX);
    const uint8_t over[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x7f, 0xff, 0xff,
                            0xff, 0xff, 0xff, 0xff, 0xff};
    assert_false(pq_be_to_i64(over, 16, &v));
    /* INT96: Julian day 2440588 + 1, 1 second of nanos -> 86401e9 ns */
    uint8_t i96[12] = {0};
    uint64_t ns = 1000000000;
    memcpy(i96, &ns, 8);
    uint32_t jd = 2440589;
    memcpy(i96 + 8, &jd, 4);
    int64_t out;
    assert_int_equal(pq_plain_int96(i96, 12, &out, 1), SL_OK);
    assert_true(out == INT64_C(86401000000000));
    int64_t bools[10];
    const uint8_t bb[] = {0x05, 0x02};
    assert_int_equal(pq_plain_bool(bb, 2, bools, 10), SL_OK);
    assert_int_equal(bools[0], 1);
    assert_int_equal(bools[1], 0);
    assert_int_equal(bools[2], 1);
    assert_int_equal(bools[9], 1);
    assert_int_equal(pq_plain_bool(bb, 1, bools, 10), SL_ERR_CORRUPT);
}

/* ------------------------------------------------------------ whole files */

/* A minimal valid file: one required INT32 column "x" with values 7, -1, PLAIN,
 * uncompressed, one row group. Built by hand so the tests do not depend on the
 * writer. */
static size_t build_file(uint8_t *f, int32_t page_num_values, int32_t page_size_claim)
{
    size_t o = 0;
    memcpy(f, "PAR1", 4);
    o = 4;
    size_t page_at = o;
    /* PageHeader: type 0, uncompressed 8, compressed 8, data header {n, 0, 3, 3} */
    uint8_t ph[64];
    size_t h = 0;
    ph[h++] = 0x15;
    ph[h++] = 0x00;
    ph[h++] = 0x15;
    h += put_zigzag(ph + h, page_size_claim);
    ph[h++] = 0x15;
    h += put_zigzag(ph + h, page_size_claim);
    ph[h++] = 0x2c;
    ph[h++] = 0x15;
    h += put_zigzag(ph + h, page_num_values);
    ph[h++] = 0x15;
    ph[h++] = 0x00;
    ph[h++] = 0x15;
    ph[h++] = 0x06;
    ph[h++] = 0x15;
    ph[h++] = 0x06;
    ph[h++] = 0x00;
    ph[h++] = 0x00;
    memcpy(f + o, ph, h);
    o += h;
    const uint8_t vals[8] = {7, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    memcpy(f + o, vals, 8);
    o += 8;
    size_t chunk_len = o - page_at;
    size_t meta_at = o;
    uint8_t *m = f + o;
    size_t k = 0;
    m[k++] = 0x15; /* version 1 */
    m[k++] = 0x02;
    m[k++] = 0x19; /* schema list */
    m[k++] = 0x2c; /* 2 structs */
    /* root: name "s", num_children 1 */
    m[k++] = 0x48; m[k++] = 0x01; m[k++] = 's';
    m[k++] = 0x15; m[k++] = 0x02;
    m[k++] = 0x00;
    /* x: type INT32, repetition REQUIRED, name "x" */
    m[k++] = 0x15; m[k++] = 0x02;
    m[k++] = 0x25; m[k++] = 0x00;
    m[k++] = 0x18; m[k++] = 0x01; m[k++] = 'x';
    m[k++] = 0x00;
    m[k++] = 0x16; m[k++] = 0x04; /* num_rows 2 */
    m[k++] = 0x19; m[k++] = 0x1c; /* row_groups: 1 struct */
    /* RowGroup: columns list of 1 ColumnChunk */
    m[k++] = 0x19; m[k++] = 0x1c;
    /* ColumnChunk: file_offset (2) i64, meta_data (3) */
    m[k++] = 0x26; k += put_zigzag(m + k, (int64_t)page_at);
    m[k++] = 0x1c;
    /* ColumnMetaData: type 1, encodings [0], path ["x"], codec 0, num_values 2,
     * total_uncompressed, total_compressed, data_page_offset (9) */
    m[k++] = 0x15; m[k++] = 0x02;
    m[k++] = 0x19; m[k++] = 0x15; m[k++] = 0x00;
    m[k++] = 0x19; m[k++] = 0x18; m[k++] = 0x01; m[k++] = 'x';
    m[k++] = 0x15; m[k++] = 0x00;
    m[k++] = 0x16; m[k++] = 0x04;
    m[k++] = 0x16; k += put_zigzag(m + k, (int64_t)chunk_len);
    m[k++] = 0x16; k += put_zigzag(m + k, (int64_t)chunk_len);
    m[k++] = 0x26; k += put_zigzag(m + k, (int64_t)page_at);
    m[k++] = 0x00; /* end ColumnMetaData */
    m[k++] = 0x00; /* end ColumnChunk */
    m[k++] = 0x16; k += put_zigzag(m + k, (int64_t)(chunk_len)); /* total_byte_size */
    m[k++] = 0x16; m[k++] = 0x04; /* num_rows 2 */
    m[k++] = 0x00; /* end RowGroup */
    m[k++] = 0x00; /* end FileMetaData */
    o += k;
    uint32_t flen = (uint32_t)(o - meta_at);
    memcpy(f + o, &flen, 4);
    o += 4;
    memcpy(f + o, "PAR1", 4);
    return o + 4;
}

static void test_hand_built_file(void **state)
{
    (void)state;
    uint8_t f[512];
    size_t n = build_file(f, 2, 8);
    sl_error err;
    sl_pq_reader *r;
    assert_int_equal(sl_pq_reader_open_mem(f, n, "mem", &r, &err), SL_OK);
    assert_int_equal(sl_pq_reader_num_columns(r), 1);
    assert_int_equal(sl_pq_reader_num_rows(r), 2);
    assert_int_equal(sl_pq_reader_column(r, 0)->type, SL_PQ_INT32);
    sl_pq_column_data cd;
    assert_int_equal(sl_pq_reader_read_column(r, 0, 0, &cd, &err), SL_OK);
    assert_int_equal(cd.num_values, 2);
    assert_null(cd.valid);
    assert_int_equal(cd.i64[0], 7);
    assert_int_equal(cd.i64[1], -1);
    /* Reading again reuses the memory and gives the same values. */
    assert_int_equal(sl_pq_reader_read_column(r, 0, 0, &cd, &err), SL_OK);
    assert_int_equal(cd.i64[1], -1);
    assert_int_equal(sl_pq_reader_read_column(r, 1, 0, &cd, &err), SL_ERR_USAGE);
    char *text = NULL;
    size_t tlen = 0;
    FILE *mf = open_memstream(&text, &tlen);
    assert_int_equal(sl_pq_reader_write_ndjson(r, mf, 0, &err), SL_OK);
    fclose(mf);
    assert_string_equal(text, "{\"x\":7}\n{\"x\":-1}\n");
    free(text);
    sl_pq_reader_free(r);

    /* Every truncation and every single-byte flip: a clean status, never a crash. */
    for (size_t cut = 0; cut < n; cut++) {
        sl_status s = sl_pq_reader_open_mem(f, cut, "mem", &r, &err);
        assert_int_not_equal(s, SL_OK);
        assert_null(r);
        assert_int_equal(err.code, s);
    }
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t g[512];
            memcpy(g, f, n);
            g[i] ^= (uint8_t)(1u << bit);
            if (sl_pq_reader_open_mem(g, n, "mem", &r, &err) == SL_OK) {
                for (size_t c = 0; c < sl_pq_reader_num_columns(r); c++)
                    for (size_t rg = 0; rg < sl_pq_reader_num_row_groups(r); rg++)
                        (void)sl_pq_reader_read_column(r, rg, c, &cd, &err);
                FILE *nul = fopen("/dev/null", "w");
                (void)sl_pq_reader_write_ndjson(r, nul, 0, &err);
                fclose(nul);
                sl_pq_reader_free(r);
            }
        }
    }
}

static void test_corrupt_footer(void **state)
{
    (void)state;
    uint8_t f[512];
    size_t n = build_file(f, 2, 8);
    sl_error err;
    sl_pq_reader *r;
    /* Footer length larger than the file. */
    uint8_t g[512];
    memcpy(g, f, n);
    g[n - 5] = 0x7f;
    assert_int_equal(sl_pq_reader_open_mem(g, n, "bad.parquet", &r, &err), SL_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "footer"));
    assert_string_equal(err.file, "bad.parquet");
    /* Bad magic. */
    memcpy(g, f, n);
    g[0] = 'X';
    assert_int_equal(sl_pq_reader_open_mem(g, n, "m", &r, &err), SL_ERR_CORRUPT);
    memcpy(g, f, n);
    g[n - 1] = 'X';
    assert_int_equal(sl_pq_reader_open_mem(g, n, "m", &r, &err), SL_ERR_CORRUPT);
    assert_int_equal(sl_pq_reader_open_mem("", 0, "m", &r, &err), SL_ERR_CORRUPT);
    assert_int_equal(sl_pq_reader_open("/nonexistent/x.parquet", &r, &err), SL_ERR_IO);
}

static void test_hostile_page_header(void **state)
{
    (void)state;
    uint8_t f[512];
    sl_error err;
    sl_pq_reader *r;
    sl_pq_column_data cd;
    /* A page that claims 2^31-1 values and 2 GB of data: must fail at once. */
    int32_t claims[][2] = {{INT32_MAX, 8}, {2, INT32_MAX}, {INT32_MAX, INT32_MAX}, {3, 8}, {-1, 8}};
    for (size_t i = 0; i < sizeof claims / sizeof claims[0]; i++) {
        size_t n = build_file(f, claims[i][0], claims[i][1]);
        clock_t t0 = clock();
        if (sl_pq_reader_open_mem(f, n, "m", &r, &err) == SL_OK) {
            assert_int_not_equal(sl_pq_reader_read_column(r, 0, 0, &cd, &err), SL_OK);
            sl_pq_reader_free(r);
        }
        assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
    }
}

static void test_format_helpers(void **state)
{
    (void)state;
    sl_buf b;
    sl_buf_init(&b, 0);
    sl_pq_column c = {.name = "d", .type = SL_PQ_DECIMAL, .precision = 38, .scale = 10,
                      .fixed_len = 16};
    /* -1 as 16 bytes big-endian, scale 10 -> -0.0000000001 */
    uint8_t m1[16];
    memset(m1, 0xff, 16);
    assert_int_equal(sl_pq_format_stat(&c, m1, 16, &b), SL_OK);
    sl_buf_putc(&b, 0);
    assert_string_equal((char *)b.data, "-0.0000000001");
    sl_buf_clear(&b);
    /* 10^20 + 5 with scale 2 */
    uint8_t v[16] = {0, 0, 0, 0, 0, 0, 0, 0x05, 0x6b, 0xc7, 0x5e, 0x2d, 0x63, 0x10, 0x00, 0x05};
    assert_int_equal(sl_pq_format_stat(&c, v, 16, &b), SL_OK);
    sl_buf_putc(&b, 0);
    assert_string_equal((char *)b.data, "10000000000.0000000005");
    sl_buf_clear(&b);
    sl_pq_column ts = {.name = "t", .type = SL_PQ_TIMESTAMP, .time_unit = SL_PQ_MICROS, .utc = true};
    int64_t us = INT64_C(1795255200123456);   /* 2026-11-21T10:00:00.123456Z */
    assert_int_equal(sl_pq_format_stat(&ts, (const uint8_t *)&us, 8, &b), SL_OK);
    sl_buf_putc(&b, 0);
    assert_string_equal((char *)b.data, "2026-11-21T10:00:00.123456Z");
    sl_buf_clear(&b);
    int64_t before_epoch = -1;   /* 1969-12-31T23:59:59.999999 */
    ts.utc = false;
    assert_int_equal(sl_pq_format_stat(&ts, (const uint8_t *)&before_epoch, 8, &b), SL_OK);
    sl_buf_putc(&b, 0);
    assert_string_equal((char *)b.data, "1969-12-31T23:59:59.999999");
    sl_buf_clear(&b);
    /* The extremes of every unit format without overflow. */
    for (int unit = 0; unit < 3; unit++) {
        int64_t ext[] = {INT64_MIN, INT64_MAX};
        ts.time_unit = (sl_pq_time_unit)unit;
        for (int k = 0; k < 2; k++) {
            sl_buf_clear(&b);
            assert_int_equal(sl_pq_format_stat(&ts, (const uint8_t *)&ext[k], 8, &b), SL_OK);
        }
    }
    sl_buf_clear(&b);
    ts.time_unit = SL_PQ_NANOS;
    int64_t ns_min = INT64_MIN;   /* 1677-09-21T00:12:43.145224192 */
    assert_int_equal(sl_pq_format_stat(&ts, (const uint8_t *)&ns_min, 8, &b), SL_OK);
    sl_buf_putc(&b, 0);
    assert_string_equal((char *)b.data, "1677-09-21T00:12:43.145224192");
    sl_buf_clear(&b);
    sl_pq_column s = {.name = "s", .type = SL_PQ_STRING};
    assert_int_equal(sl_pq_format_stat(&s, (const uint8_t *)"a\"\n\xff", 4, &b), SL_OK);
    sl_buf_putc(&b, 0);
    assert_string_equal((char *)b.data, "\"a\\\"\\n\xef\xbf\xbd\"");
    sl_buf_clear(&b);
    sl_pq_column i = {.name = "i", .type = SL_PQ_INT32};
    assert_int_equal(sl_pq_format_stat(&i, (const uint8_t *)"abc", 3, &b), SL_ERR_CORRUPT);
    assert_string_equal(sl_pq_type_name(SL_PQ_UINT64), "UINT64");
    sl_buf_free(&b);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && (strcmp(argv[1], "--cat") == 0 || strcmp(argv[1], "--schema") == 0))
        return dump_main(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thrift_varint_and_skip),
        cmocka_unit_test(test_thrift_page_header),
        cmocka_unit_test(test_rle_hybrid),
        cmocka_unit_test(test_unpack8_widths),
        cmocka_unit_test(test_delta_binary_packed),
        cmocka_unit_test(test_byte_arrays),
        cmocka_unit_test(test_byte_stream_split),
        cmocka_unit_test(test_plain_and_decimal),
        cmocka_unit_test(test_hand_built_file),
        cmocka_unit_test(test_corrupt_footer),
        cmocka_unit_test(test_hostile_page_header),
        cmocka_unit_test(test_format_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
