/* Unit tests of the JSON reader and writer (include/sluice/json.h) and of the
 * decompressing input stream under it (src/base/input.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "base/buf.h"
#include "base/input.h"
#include "json/internal.h"
#include "sluice/json.h"

/* ---- helpers ---- */

typedef struct {
    sl_status status;     /* of the call that ended the loop */
    sl_error err;
    size_t records;
    sl_buf out;           /* each record as compact JSON, one per line */
    uint64_t dups;
} run_result;

/* Reads every record of data in the given form, through reads of `chunk` bytes
 * (0: the default), and serialises them. */
static run_result run(const void *data, size_t len, sl_json_form form, size_t chunk,
                      const sl_json_options *base)
{
    run_result rr;
    memset(&rr, 0, sizeof rr);
    sl_buf_init(&rr.out, 0);
    sl_json_options o;
    if (base)
        o = *base;
    else
        sl_json_options_init(&o);
    o.form = form;
    sl_json_reader *r;
    sl_status s = sl_json_reader_open_mem(data, len, "mem.json", &o, &r, &rr.err);
    assert_int_equal(s, SL_OK);
    if (chunk)
        sl_json_reader_set_chunk_size(r, chunk);
    const sl_json_value *v;
    while ((s = sl_json_reader_next(r, &v, &rr.err)) == SL_OK) {
        assert_non_null(v);
        assert_int_equal(sl_json_write_value(&rr.out, v), SL_OK);
        assert_int_equal(sl_buf_putc(&rr.out, '\n'), SL_OK);
        rr.records++;
    }
    assert_null(v);
    rr.status = s;
    rr.dups = sl_json_reader_duplicate_keys(r);
    /* errors are sticky */
    if (s != SL_EOF) {
        sl_error again;
        assert_int_equal(sl_json_reader_next(r, &v, &again), s);
        assert_string_equal(again.msg, rr.err.msg);
        assert_int_equal(again.offset, rr.err.offset);
    }
    sl_json_reader_free(r);
    if (sl_buf_putc(&rr.out, '\0') == SL_OK)
        rr.out.len--;
    return rr;
}

static void expect_ok(const char *in, sl_json_form form, const char *want)
{
    run_result rr = run(in, strlen(in), form, 0, NULL);
    if (rr.status != SL_EOF)
        fail_msg("input %s: %s", in, rr.err.msg);
    assert_string_equal((const char *)rr.out.data, want);
    /* The same through tiny reads, so every token straddles a chunk end somewhere. */
    for (size_t chunk = 1; chunk <= 7; chunk++) {
        run_result r2 = run(in, strlen(in), form, chunk, NULL);
        assert_int_equal(r2.status, SL_EOF);
        assert_string_equal((const char *)r2.out.data, want);
        sl_buf_free(&r2.out);
    }
    sl_buf_free(&rr.out);
}

static void expect_err(const char *in, size_t len, sl_json_form form, sl_status code,
                       uint64_t line, uint64_t col, uint64_t off, const char *msg_part)
{
    for (size_t chunk = 0; chunk <= 5; chunk += (chunk ? 2 : 1)) {
        run_result rr = run(in, len, form, chunk, NULL);
        if (rr.status != code || !strstr(rr.err.msg, msg_part) || rr.err.line != line ||
            rr.err.column != col || rr.err.offset != off)
            fail_msg("input '%s' chunk %zu: got status %d at %llu:%llu (byte %llu) '%s'; "
                     "want %d at %llu:%llu (byte %llu) '%s'",
                     in, chunk, rr.status, (unsigned long long)rr.err.line,
                     (unsigned long long)rr.err.column, (unsigned long long)rr.err.offset,
                     rr.err.msg, code, (unsigned long long)line, (unsigned long long)col,
                     (unsigned long long)off, msg_part);
        assert_string_equal(rr.err.file, "mem.json");
        sl_buf_free(&rr.out);
    }
}

static void *gzip_bytes(const void *data, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, len) + 64;
    uint8_t *out = malloc(cap);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static void *zstd_bytes(const void *data, size_t len, size_t *out_len)
{
    size_t cap = ZSTD_compressBound(len);
    void *out = malloc(cap);
    size_t n = ZSTD_compress(out, cap, data, len, 3);
    assert_false(ZSTD_isError(n));
    *out_len = n;
    return out;
}

static void *concat(const void *a, size_t na, const void *b, size_t nb, size_t *n)
{
    uint8_t *p = malloc(na + nb);
    memcpy(p, a, na);
    memcpy(p + na, b, nb);
    *n = na + nb;
    return p;
}

/* ---- input forms ---- */

static void test_forms(void **state)
{
    (void)state;
    expect_ok("{\"a\":1}", SL_JSON_FORM_AUTO, "{\"a\":1}\n");
    expect_ok("{\"a\":1}\n{\"b\":[2,3]}\n", SL_JSON_FORM_AUTO, "{\"a\":1}\n{\"b\":[2,3]}\n");
    expect_ok("{}{}", SL_JSON_FORM_SEQUENCE, "{}\n{}\n");
    expect_ok("1 2", SL_JSON_FORM_SEQUENCE, "1\n2\n");
    expect_ok("\"a\"\"b\"[1]{}true null", SL_JSON_FORM_AUTO, "\"a\"\n\"b\"\n[1]\n{}\ntrue\nnull\n");
    expect_ok("[1, {\"a\": [2]}, \"x\"]", SL_JSON_FORM_AUTO, "1\n{\"a\":[2]}\n\"x\"\n");
    expect_ok(" [ ] ", SL_JSON_FORM_AUTO, "");
    expect_ok("[]", SL_JSON_FORM_ARRAY, "");
    expect_ok("[[1],[2]]", SL_JSON_FORM_SEQUENCE, "[[1],[2]]\n");
    expect_ok("[[1],[2]]", SL_JSON_FORM_ARRAY, "[1]\n[2]\n");
    expect_ok("  \n", SL_JSON_FORM_SEQUENCE, "");
    expect_ok("", SL_JSON_FORM_AUTO, "");
    expect_ok("\xEF\xBB\xBF{\"a\":1}", SL_JSON_FORM_DOCUMENT, "{\"a\":1}\n");
    expect_ok("\xEF\xBB\xBF[1,2]", SL_JSON_FORM_AUTO, "1\n2\n");
    expect_ok("12", SL_JSON_FORM_DOCUMENT, "12\n");

    expect_err("", 0, SL_JSON_FORM_DOCUMENT, SL_ERR_JSON, 1, 1, 0, "empty input");
    expect_err("{} {}", 5, SL_JSON_FORM_DOCUMENT, SL_ERR_JSON, 1, 4, 3,
               "unexpected data after the document");
    expect_err("{\"a\":1}", 7, SL_JSON_FORM_ARRAY, SL_ERR_JSON, 1, 1, 0,
               "expected '[' to start the top-level array");
    expect_err("[1] x", 5, SL_JSON_FORM_AUTO, SL_ERR_JSON, 1, 5, 4,
               "unexpected data after the top-level array");
    expect_err("[1,]", 4, SL_JSON_FORM_AUTO, SL_ERR_JSON, 1, 4, 3, "trailing comma in array");
    expect_err("[1 2]", 5, SL_JSON_FORM_AUTO, SL_ERR_JSON, 1, 4, 3,
               "expected ',' or ']' after array element");
    expect_err("[1,2", 4, SL_JSON_FORM_AUTO, SL_ERR_JSON, 1, 5, 4, "unexpected end of input");
    expect_err("1true", 5, SL_JSON_FORM_SEQUENCE, SL_ERR_JSON, 1, 2, 1, "delimiter");
    expect_err("truefalse", 9, SL_JSON_FORM_SEQUENCE, SL_ERR_JSON, 1, 5, 4, "delimiter");
}

/* Records straddling chunk ends, including strings with escapes and multibyte
 * characters, compared with the default-chunk parse of the same text. */
static void test_small_chunks(void **state)
{
    (void)state;
    sl_buf in, arr;
    sl_buf_init(&in, 0);
    sl_buf_init(&arr, 0);
    sl_buf_putc(&arr, '[');
    for (int i = 0; i < 300; i++) {
        size_t start = in.len;
        assert_int_equal(sl_buf_printf(&in,
            "{\"id\":%d,\"amount\":%d.%02d,\"name\":\"n\\u00e9%d \\\"q\\\" \xe4\xb8\xad\","
            "\"loc\":{\"lat\":-%d.5e-3,\"tags\":[true,false,null,\"\xf0\x9f\x98\x80\"]},"
            "\"big\":1234567890123456789012,\"note\":%s}",
            i, i * 7, i % 100, i, i, i % 3 ? "null" : "\"x\\ny\""), SL_OK);
        if (i)
            sl_buf_puts(&arr, i % 5 ? "," : " ,\n ");
        sl_buf_append(&arr, in.data + start, in.len - start);
        sl_buf_puts(&in, i % 4 ? "\n" : (i % 8 ? "" : "\n\n  "));
    }
    sl_buf_putc(&arr, ']');
    run_result ref = run(in.data, in.len, SL_JSON_FORM_AUTO, 0, NULL);
    assert_int_equal(ref.status, SL_EOF);
    assert_int_equal(ref.records, 300);
    static const size_t chunks[] = { 1, 2, 3, 5, 8, 13, 64, 100, 4096 };
    for (size_t k = 0; k < sizeof chunks / sizeof *chunks; k++) {
        run_result rr = run(in.data, in.len, SL_JSON_FORM_AUTO, chunks[k], NULL);
        assert_int_equal(rr.status, SL_EOF);
        assert_int_equal(rr.records, 300);
        assert_int_equal(rr.out.len, ref.out.len);
        assert_memory_equal(rr.out.data, ref.out.data, ref.out.len);
        sl_buf_free(&rr.out);
    }
    /* The same records as one top-level array, streamed. */
    for (size_t chunk = 0; chunk < 20; chunk += 3) {
        run_result rr = run(arr.data, arr.len, SL_JSON_FORM_AUTO, chunk, NULL);
        if (rr.status != SL_EOF)
            fail_msg("array chunk %zu: %s", chunk, rr.err.msg);
        assert_int_equal(rr.records, 300);
        assert_memory_equal(rr.out.data, ref.out.data, ref.out.len);
        sl_buf_free(&rr.out);
    }
    sl_buf_free(&arr);
    sl_buf_free(&in);
    sl_buf_free(&ref.out);
}

static void test_record_positions(void **state)
{
    (void)state;
    const char *in = "{\"a\":1}\n\n  {\"b\":\n2}\n\xc3\xa9\"x\"";
    /* the last line starts with an invalid byte outside a string */
    sl_json_reader *r;
    sl_error err;
    assert_int_equal(sl_json_reader_open_mem(in, strlen(in), "p.json", NULL, &r, &err), SL_OK);
    const sl_json_value *v;
    assert_int_equal(sl_json_reader_next(r, &v, &err), SL_OK);
    assert_int_equal(sl_json_reader_record_line(r), 1);
    assert_int_equal(sl_json_reader_record_offset(r), 0);
    assert_int_equal(sl_json_reader_next(r, &v, &err), SL_OK);
    assert_int_equal(sl_json_reader_record_line(r), 3);
    assert_int_equal(sl_json_reader_record_offset(r), 11);
    assert_int_equal(sl_json_get(v, "b")->u.num.i, 2);
    assert_int_equal(sl_json_reader_bytes_in(r), 19);
    assert_int_equal(sl_json_reader_next(r, &v, &err), SL_ERR_JSON);
    assert_int_equal(err.line, 5);
    assert_int_equal(err.column, 1);
    assert_int_equal(err.offset, 20);
    assert_string_equal(err.file, "p.json");
    char msg[1200];
    sl_error_format(&err, msg, sizeof msg);
    assert_string_equal(msg, "p.json:5:1 (byte 20): unexpected byte 0xc3, expected a value");
    sl_json_reader_free(r);
}

/* ---- compressed input ---- */

static void check_compressed(const void *data, size_t len, const char *want, size_t n_records)
{
    for (size_t chunk = 0; chunk <= 7; chunk += 7) {
        run_result rr = run(data, len, SL_JSON_FORM_AUTO, chunk, NULL);
        if (rr.status != SL_EOF)
            fail_msg("%s", rr.err.msg);
        assert_int_equal(rr.records, n_records);
        assert_string_equal((const char *)rr.out.data, want);
        sl_buf_free(&rr.out);
    }
}

static void test_gzip_zstd(void **state)
{
    (void)state;
    const char *a = "{\"a\":1}\n{\"b\":\"\xc3\xa9\"}\n";
    const char *b = "[3]\n";
    const char *want = "{\"a\":1}\n{\"b\":\"\xc3\xa9\"}\n[3]\n";
    size_t na, nb, n;
    void *ga = gzip_bytes(a, strlen(a), &na), *gb = gzip_bytes(b, strlen(b), &nb);
    void *g = concat(ga, na, gb, nb, &n);
    check_compressed(ga, na, "{\"a\":1}\n{\"b\":\"\xc3\xa9\"}\n", 2);
    check_compressed(g, n, want, 3);
    /* the same through a FILE*, counted */
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(g, 1, n, f), n);
    rewind(f);
    sl_json_reader *r;
    sl_error err;
    assert_int_equal(sl_json_reader_open_file(f, "g.json.gz", NULL, &r, &err), SL_OK);
    const sl_json_value *v;
    int k = 0;
    sl_status s;
    while ((s = sl_json_reader_next(r, &v, &err)) == SL_OK)
        k++;
    assert_int_equal(s, SL_EOF);
    assert_int_equal(k, 3);
    assert_int_equal(sl_json_reader_compressed_bytes_in(r), n);
    assert_int_equal(sl_json_reader_bytes_in(r), strlen(want));
    sl_json_reader_free(r);
    fclose(f);
    /* truncated gzip */
    run_result rr = run(g, n - 3, SL_JSON_FORM_AUTO, 0, NULL);
    assert_int_equal(rr.status, SL_ERR_CORRUPT);
    assert_non_null(strstr(rr.err.msg, "gzip"));
    sl_buf_free(&rr.out);
    free(ga);
    free(gb);
    free(g);

    void *za = zstd_bytes(a, strlen(a), &na), *zb = zstd_bytes(b, strlen(b), &nb);
    void *z = concat(za, na, zb, nb, &n);
    check_compressed(za, na, "{\"a\":1}\n{\"b\":\"\xc3\xa9\"}\n", 2);
    check_compressed(z, n, want, 3);
    rr = run(z, n - 2, SL_JSON_FORM_AUTO, 0, NULL);
    assert_int_equal(rr.status, SL_ERR_CORRUPT);
    assert_non_null(strstr(rr.err.msg, "zstd"));
    sl_buf_free(&rr.out);
    /* garbage inside a zstd frame */
    ((uint8_t *)z)[na / 2 + 4] ^= 0xff;
    ((uint8_t *)z)[na / 2 + 5] ^= 0x55;
    rr = run(z, n, SL_JSON_FORM_AUTO, 0, NULL);
    assert_true(rr.status == SL_ERR_CORRUPT || rr.status == SL_ERR_JSON);
    sl_buf_free(&rr.out);
    free(za);
    free(zb);
    free(z);

    /* a compressed top-level array streamed */
    const char *arr = "[{\"x\":1},{\"x\":2},{\"x\":3}]";
    void *zarr = zstd_bytes(arr, strlen(arr), &n);
    check_compressed(zarr, n, "{\"x\":1}\n{\"x\":2}\n{\"x\":3}\n", 3);
    free(zarr);
}

static void test_decompression_bomb(void **state)
{
    (void)state;
    size_t big = 16u << 20;
    char *spaces = malloc(big);
    memset(spaces, ' ', big);
    spaces[0] = '[';
    spaces[big - 1] = ']';
    size_t nz, ng;
    void *z = zstd_bytes(spaces, big, &nz);
    void *g = gzip_bytes(spaces, big, &ng);
    assert_true(nz < 4096);
    sl_json_options o;
    sl_json_options_init(&o);
    o.max_decompressed_size = 1u << 20;
    void *inputs[2] = { z, g };
    size_t lens[2] = { nz, ng };
    for (int k = 0; k < 2; k++) {
        run_result rr = run(inputs[k], lens[k], SL_JSON_FORM_AUTO, 0, &o);
        assert_int_equal(rr.status, SL_ERR_LIMIT);
        assert_non_null(strstr(rr.err.msg, "maximum decompressed size"));
        assert_int_equal(rr.err.offset, 1u << 20);
        sl_buf_free(&rr.out);
        /* the same stream is fine with a large enough bound */
        o.max_decompressed_size = big;
        rr = run(inputs[k], lens[k], SL_JSON_FORM_AUTO, 0, &o);
        assert_int_equal(rr.status, SL_EOF);
        sl_buf_free(&rr.out);
        o.max_decompressed_size = 1u << 20;
    }
    /* the input layer directly: never yields more than the bound */
    sl_input *in;
    sl_error err;
    assert_int_equal(sl_input_open_mem(z, nz, "bomb.zst", 1000, &in, &err), SL_OK);
    char buf[300];
    size_t n, total = 0;
    sl_status s;
    while ((s = sl_input_read(in, buf, sizeof buf, &n, &err)) == SL_OK)
        total += n;
    assert_int_equal(s, SL_ERR_LIMIT);
    assert_true(total <= 1000);
    assert_int_equal(sl_input_codec_of(in), SL_INPUT_ZSTD);
    assert_string_equal(err.file, "bomb.zst");
    sl_input_free(in);
    free(z);
    free(g);
    free(spaces);
}

static void test_input_plain(void **state)
{
    (void)state;
    sl_input *in;
    sl_error err;
    assert_int_equal(sl_input_open_path("/nonexistent/x.json", 0, &in, &err), SL_ERR_IO);
    assert_null(in);
    assert_non_null(strstr(err.msg, "cannot open"));
    const char *text = "\x1f"; /* one byte that begins the gzip magic: still plain */
    assert_int_equal(sl_input_open_mem(text, 1, NULL, 0, &in, &err), SL_OK);
    char b[8];
    size_t n;
    assert_int_equal(sl_input_read(in, b, sizeof b, &n, &err), SL_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sl_input_read(in, b, sizeof b, &n, &err), SL_EOF);
    assert_int_equal(sl_input_codec_of(in), SL_INPUT_PLAIN);
    assert_int_equal(sl_input_bytes_in(in), 1);
    assert_int_equal(sl_input_bytes_out(in), 1);
    sl_input_free(in);
    sl_input_free(NULL);
    sl_json_reader_free(NULL);
}

/* ---- numbers ---- */

static const sl_json_value *one(sl_json_reader **r, const char *text, sl_status *s,
                                sl_error *err)
{
    sl_json_options o;
    sl_json_options_init(&o);
    o.form = SL_JSON_FORM_DOCUMENT;
    assert_int_equal(sl_json_reader_open_mem(text, strlen(text), "n", &o, r, err), SL_OK);
    const sl_json_value *v;
    *s = sl_json_reader_next(*r, &v, err);
    return v;
}

static void test_integers(void **state)
{
    (void)state;
    static const struct { const char *text; int64_t v; } ints[] = {
        { "0", 0 }, { "-0", 0 }, { "7", 7 }, { "-7", -7 },
        { "999999999999999999", 999999999999999999LL },
        { "-999999999999999999", -999999999999999999LL },
        { "1000000000000000000", 1000000000000000000LL },
        { "9223372036854775807", INT64_MAX },
        { "-9223372036854775808", INT64_MIN },
        { "9223372036854775806", INT64_MAX - 1 },
    };
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        sl_json_reader *r;
        sl_status s;
        sl_error err;
        const sl_json_value *v = one(&r, ints[i].text, &s, &err);
        assert_int_equal(s, SL_OK);
        assert_int_equal(v->type, SL_JSON_INT);
        assert_true(v->u.num.i == ints[i].v);
        assert_int_equal(v->u.num.raw_len, strlen(ints[i].text));
        assert_memory_equal(v->u.num.raw, ints[i].text, v->u.num.raw_len);
        sl_json_reader_free(r);
    }
    static const char *bigs[] = {
        "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "99999999999999999999", "-123456789012345678901234567890",
    };
    for (size_t i = 0; i < sizeof bigs / sizeof *bigs; i++) {
        sl_json_reader *r;
        sl_status s;
        sl_error err;
        const sl_json_value *v = one(&r, bigs[i], &s, &err);
        assert_int_equal(s, SL_OK);
        assert_int_equal(v->type, SL_JSON_BIGINT);
        assert_int_equal(v->u.num.raw_len, strlen(bigs[i]));
        assert_memory_equal(v->u.num.raw, bigs[i], v->u.num.raw_len);
        sl_json_reader_free(r);
    }
}

static void check_double(const char *text)
{
    sl_json_reader *r;
    sl_status s;
    sl_error err;
    const sl_json_value *v = one(&r, text, &s, &err);
    double want = strtod(text, NULL);
    if (isinf(want)) {   /* overflow is rejected, not turned into infinity */
        assert_int_equal(s, SL_ERR_JSON);
        assert_non_null(strstr(err.msg, "number out of range"));
        sl_json_reader_free(r);
        return;
    }
    if (s != SL_OK)
        fail_msg("%s: %s", text, err.msg);
    assert_int_equal(v->type, SL_JSON_DOUBLE);
    if (memcmp(&want, &v->u.num.d, sizeof want) != 0)
        fail_msg("%s: got %.17g, strtod gives %.17g", text, v->u.num.d, want);
    assert_memory_equal(v->u.num.raw, text, strlen(text));
    sl_json_reader_free(r);
}

static uint64_t rng_state = 0x12345678abcdefULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_doubles(void **state)
{
    (void)state;
    static const char *edges[] = {
        "0.1", "0.2", "0.3", "1.0", "-0.0", "0.0", "1e308", "1.7976931348623157e308",
        "4.9e-324", "5e-324", "2.4703282292062327e-324", "2.2250738585072011e-308",
        "2.2250738585072014e-308", "1e-400", "-1e-400", "123456789012345.6",
        "1234567890123456.7", "9007199254740993.0", "9007199254740992.0", "1e22", "1e23",
        "1e-22", "1e-23", "3.141592653589793", "2.718281828459045235360287", "1E+2", "1e-0",
        "0.000001", "1.5e-7", "8.98846567431158e307", "1.00000000000000011102230246251565",
        "0.1e1", "100000000000000000000000000000000000000000.0", "1.0e+22", "4.35e-10",
        "123.456e-5", "0e0", "-0e-5", "1.7976931348623158e308",
    };
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
        check_double(edges[i]);
    /* random decimal strings of varied length and exponent */
    char text[80];
    for (int i = 0; i < 20000; i++) {
        int digits = 1 + (int)(rnd() % 20);
        int point = (int)(rnd() % (unsigned)(digits + 1));
        size_t n = 0;
        if (rnd() & 1)
            text[n++] = '-';
        for (int d = 0; d < digits; d++) {
            if (d == point && d > 0)
                text[n++] = '.';
            int c = (int)(rnd() % 10);
            if (d == 0 && c == 0)
                c = 1 + (int)(rnd() % 9);
            text[n++] = (char)('0' + c);
        }
        int has_exp = (int)(rnd() % 3);
        if (has_exp || point == 0 || point >= digits) {
            if (point == 0 || point >= digits || !has_exp) {
                /* ensure it is a double: add an exponent */
                n += (size_t)snprintf(text + n, sizeof text - n, "e%d",
                                      (int)(rnd() % 660) - 330);
            } else {
                n += (size_t)snprintf(text + n, sizeof text - n, "E%+d",
                                      (int)(rnd() % 60) - 30);
            }
        }
        text[n] = '\0';
        check_double(text);
    }
    /* random doubles printed at 17 digits come back exactly */
    for (int i = 0; i < 5000; i++) {
        uint64_t bits = rnd();
        double d;
        memcpy(&d, &bits, sizeof d);
        if (!isfinite(d))
            continue;
        snprintf(text, sizeof text, "%.17g", d);
        if (!strpbrk(text, ".e"))
            strcat(text, ".0");
        check_double(text);
    }
}

static void test_number_range(void **state)
{
    (void)state;
    expect_err("1e400", 5, SL_JSON_FORM_AUTO, SL_ERR_JSON, 1, 1, 0, "number out of range");
    expect_err("[1, -1.5e309]", 13, SL_JSON_FORM_AUTO, SL_ERR_JSON, 1, 5, 4,
               "number out of range");
    expect_err("01", 2, SL_JSON_FORM_AUTO, SL_ERR_JSON, 1, 1, 0, "leading zero in number");
    expect_err("[-]", 3, SL_JSON_FORM_AUTO, SL_ERR_JSON, 1, 3, 2, "expected a digit after '-'");
    expect_err("1.e3", 4, SL_JSON_FORM_AUTO, SL_ERR_JSON, 1, 3, 2, "after the decimal point");
    expect_err("[1e]", 4, SL_JSON_FORM_AUTO, SL_ERR_JSON, 1, 4, 3, "in the exponent");
    sl_json_reader *r;
    sl_status s;
    sl_error err;
    const sl_json_value *v = one(&r, "1e-400", &s, &err);
    assert_int_equal(s, SL_OK);
    assert_int_equal(v->type, SL_JSON_DOUBLE);
    assert_true(v->u.num.d == 0.0);
    sl_json_reader_free(r);
}

/* ---- objects ---- */

static void test_duplicate_keys(void **state)
{
    (void)state;
    const char *text = "{\"a\":1,\"b\":2,\"a\":3,\"a\":{\"x\":1,\"x\":2}}";
    run_result rr = run(text, strlen(text), SL_JSON_FORM_AUTO, 0, NULL);
    assert_int_equal(rr.status, SL_EOF);
    assert_string_equal((const char *)rr.out.data, "{\"a\":{\"x\":2},\"b\":2}\n");
    assert_int_equal(rr.dups, 3);
    sl_buf_free(&rr.out);
    /* a big object goes through the hash path: 1000 keys, each twice */
    sl_buf in, want;
    sl_buf_init(&in, 0);
    sl_buf_init(&want, 0);
    sl_buf_putc(&in, '{');
    sl_buf_putc(&want, '{');
    for (int i = 0; i < 1000; i++)
        sl_buf_printf(&in, "\"k%d\":%d,", i, i);
    for (int i = 0; i < 1000; i++)
        sl_buf_printf(&in, "\"k%d\":%d%s", i, -i, i < 999 ? "," : "}");
    for (int i = 0; i < 1000; i++)
        sl_buf_printf(&want, "\"k%d\":%d%s", i, -i, i < 999 ? "," : "}\n");
    sl_buf_putc(&want, '\0');
    rr = run(in.data, in.len, SL_JSON_FORM_AUTO, 0, NULL);
    assert_int_equal(rr.status, SL_EOF);
    assert_int_equal(rr.dups, 1000);
    assert_string_equal((const char *)rr.out.data, (const char *)want.data);
    sl_buf_free(&rr.out);
    sl_buf_free(&in);
    sl_buf_free(&want);
    /* keys with escapes compare by their decoded text */
    text = "{\"\\u0061\":1,\"a\":2}";
    rr = run(text, strlen(text), SL_JSON_FORM_AUTO, 0, NULL);
    assert_string_equal((const char *)rr.out.data, "{\"a\":2}\n");
    assert_int_equal(rr.dups, 1);
    sl_buf_free(&rr.out);
}

static void test_strings(void **state)
{
    (void)state;
    sl_json_reader *r;
    sl_status s;
    sl_error err;
    const sl_json_value *v = one(&r, "[\"a\\u0000b\", \"\\ud83d\\ude00\", \"plain\", \"\\/\"]",
                                 &s, &err);
    assert_int_equal(s, SL_OK);
    assert_int_equal(v->type, SL_JSON_ARRAY);
    assert_int_equal(v->u.arr.len, 4);
    assert_int_equal(v->u.arr.items[0].u.str.len, 3);
    assert_memory_equal(v->u.arr.items[0].u.str.ptr, "a\0b", 3);
    assert_int_equal(v->u.arr.items[1].u.str.len, 4);
    assert_memory_equal(v->u.arr.items[1].u.str.ptr, "\xf0\x9f\x98\x80", 4);
    assert_memory_equal(v->u.arr.items[2].u.str.ptr, "plain", 5);
    assert_memory_equal(v->u.arr.items[3].u.str.ptr, "/", 1);
    sl_json_reader_free(r);
}

/* ---- errors and positions ---- */

static void test_error_positions(void **state)
{
    (void)state;
    struct { const char *in; uint64_t line, col, off; const char *msg; } cases[] = {
        { "{\"a\":1,}", 1, 8, 7, "trailing comma in object" },
        { "{\"a\" 1}", 1, 6, 5, "expected ':' after object key" },
        { "{\"a\":1 \"b\":2}", 1, 8, 7, "expected ',' or '}' after object member" },
        { "[\"\\x\"]", 1, 3, 2, "invalid escape '\\x' in string" },
        { "[\"\\u12\"]", 1, 3, 2, "expected 4 hex digits" },
        { "\"\\udc00\"", 1, 2, 1, "lone surrogate \\udc00" },
        { "\"\\ud800x\"", 1, 2, 1, "lone surrogate \\ud800" },
        { "[\"\xff\"]", 1, 3, 2, "invalid UTF-8 byte 0xff" },
        { "\n\n  [\"\xc3\xa9\xe4\xb8\xad\", 01]", 3, 10, 14, "leading zero in number" },
        { "{\"\xc3\xa9\xc3\xa9\":\n \"\xe4\xb8\xad\" x}", 2, 6, 16,
          "expected ',' or '}' after object member" },
        { "\xEF\xBB\xBF[tru]", 1, 2, 4, "invalid literal" },
        { "[\"a\tb\"]", 1, 4, 3, "unescaped control character 0x09" },
        { "{\"a\":1} {", 1, 10, 9, "unexpected end of input" },
        { "[\"abc", 1, 6, 5, "unterminated string" },
        { "[1, NaN]", 1, 5, 4, "unexpected character 'N', expected a value" },
        { "[1] // x", 1, 5, 4, "unexpected character '/'" },
        { "\r\n\r\n{]", 3, 2, 5, "expected '\"' to start an object key" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        expect_err(cases[i].in, strlen(cases[i].in), SL_JSON_FORM_SEQUENCE, SL_ERR_JSON,
                   cases[i].line, cases[i].col, cases[i].off, cases[i].msg);
}

/* ---- limits ---- */

static void test_max_depth(void **state)
{
    (void)state;
    size_t n = 100000;
    char *deep = malloc(2 * n + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    run_result rr = run(deep, n, SL_JSON_FORM_SEQUENCE, 0, NULL);
    assert_int_equal(rr.status, SL_ERR_LIMIT);
    assert_int_equal(rr.err.offset, 1000);
    assert_non_null(strstr(rr.err.msg, "maximum depth of 1000"));
    sl_buf_free(&rr.out);
    /* exactly 1000 levels is fine, 1001 is not */
    char *d1000 = malloc(2001);
    memset(d1000, '[', 1000);
    memset(d1000 + 1000, ']', 1000);
    rr = run(d1000, 2000, SL_JSON_FORM_SEQUENCE, 0, NULL);
    assert_int_equal(rr.status, SL_EOF);
    assert_int_equal(rr.records, 1);
    sl_buf_free(&rr.out);
    /* as a top-level array, the outer bracket counts as one level */
    rr = run(d1000, 2000, SL_JSON_FORM_ARRAY, 0, NULL);
    assert_int_equal(rr.status, SL_EOF);
    sl_buf_free(&rr.out);
    rr = run(deep + n - 1001, 2002, SL_JSON_FORM_ARRAY, 0, NULL);
    assert_int_equal(rr.status, SL_ERR_LIMIT);
    sl_buf_free(&rr.out);
    /* a custom limit */
    sl_json_options o;
    sl_json_options_init(&o);
    o.max_depth = 3;
    rr = run("[[[1]]] {\"a\":{\"b\":{\"c\":{}}}}", 28, SL_JSON_FORM_SEQUENCE, 0, &o);
    assert_int_equal(rr.status, SL_ERR_LIMIT);
    assert_int_equal(rr.records, 1);
    assert_int_equal(rr.err.offset, 23);
    sl_buf_free(&rr.out);
    /* 1,000,000 levels: still an error, never a stack overflow */
    size_t huge = 1000000;
    char *h = malloc(huge);
    memset(h, '[', huge);
    o.max_depth = 2000000;
    rr = run(h, huge, SL_JSON_FORM_SEQUENCE, 0, &o);
    assert_int_equal(rr.status, SL_ERR_JSON);
    assert_non_null(strstr(rr.err.msg, "unexpected end of input"));
    sl_buf_free(&rr.out);
    free(h);
    free(d1000);
    free(deep);
}

static void test_max_record_size(void **state)
{
    (void)state;
    sl_json_options o;
    sl_json_options_init(&o);
    o.max_record_size = 100;
    sl_buf in;
    sl_buf_init(&in, 0);
    sl_buf_puts(&in, "{\"a\":\"short\"}\n");
    sl_buf_puts(&in, "{\"b\":\"");
    for (int i = 0; i < 500; i++)
        sl_buf_putc(&in, 'x');
    sl_buf_puts(&in, "\"}\n");
    for (size_t chunk = 0; chunk <= 64; chunk += 16) {
        run_result rr = run(in.data, in.len, SL_JSON_FORM_AUTO, chunk, &o);
        assert_int_equal(rr.status, SL_ERR_LIMIT);
        assert_int_equal(rr.records, 1);
        assert_int_equal(rr.err.offset, 14);
        assert_int_equal(rr.err.line, 2);
        assert_non_null(strstr(rr.err.msg, "maximum record size"));
        sl_buf_free(&rr.out);
    }
    /* a streamed array: each element is a record, the array itself can be larger */
    sl_buf_clear(&in);
    sl_buf_putc(&in, '[');
    for (int i = 0; i < 1000; i++)
        sl_buf_printf(&in, "%s{\"i\":%d}", i ? "," : "", i);
    sl_buf_putc(&in, ']');
    run_result rr = run(in.data, in.len, SL_JSON_FORM_AUTO, 16, &o);
    assert_int_equal(rr.status, SL_EOF);
    assert_int_equal(rr.records, 1000);
    sl_buf_free(&rr.out);
    sl_buf_free(&in);
}

/* ---- writer ---- */

static void test_writer(void **state)
{
    (void)state;
    sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl_json_write_string(&b, "a\"\\\n\x01\x1f\xc3\xa9/", 9), SL_OK);
    sl_buf_putc(&b, '\0');
    assert_string_equal((const char *)b.data, "\"a\\\"\\\\\\n\\u0001\\u001f\xc3\xa9/\"");
    static const struct { double d; const char *want; } ds[] = {
        { 0.1, "0.1" }, { 1.0, "1.0" }, { -0.0, "-0.0" }, { 1e300, "1e+300" },
        { 123456789.125, "123456789.125" }, { 5e-324, "4.94065645841247e-324" },
        { 1.0 / 3.0, "0.3333333333333333" }, { NAN, "null" }, { INFINITY, "null" },
        { -INFINITY, "null" },
    };
    for (size_t i = 0; i < sizeof ds / sizeof *ds; i++) {
        sl_buf_clear(&b);
        assert_int_equal(sl_json_write_double(&b, ds[i].d), SL_OK);
        sl_buf_putc(&b, '\0');
        assert_string_equal((const char *)b.data, ds[i].want);
    }
    /* a hand-built tree nested far deeper than any reader limit */
    size_t depth = 200000;
    sl_json_value *vals = calloc(depth + 1, sizeof *vals);
    for (size_t i = 0; i < depth; i++) {
        vals[i].type = SL_JSON_ARRAY;
        vals[i].u.arr.items = &vals[i + 1];
        vals[i].u.arr.len = 1;
    }
    vals[depth].type = SL_JSON_TRUE;
    sl_buf_clear(&b);
    assert_int_equal(sl_json_write_value(&b, vals), SL_OK);
    assert_int_equal(b.len, 2 * depth + 4);
    assert_memory_equal(b.data + depth, "true", 4);
    free(vals);
    /* bigint without digits is a usage error */
    sl_json_value big = { .type = SL_JSON_BIGINT };
    assert_int_equal(sl_json_write_value(&b, &big), SL_ERR_USAGE);
    sl_buf_free(&b);
}

static void test_round_trip(void **state)
{
    (void)state;
    const char *in = "{\"a\":[1,-2.5e-3,\"x\\u0000y\",{\"b\":null,\"c\":true}],"
                     "\"big\":-123456789012345678901234,\"d\":1E2,\"e\":\"\\ud834\\udd1e\"}";
    run_result r1 = run(in, strlen(in), SL_JSON_FORM_DOCUMENT, 0, NULL);
    assert_int_equal(r1.status, SL_EOF);
    run_result r2 = run(r1.out.data, r1.out.len, SL_JSON_FORM_DOCUMENT, 0, NULL);
    assert_int_equal(r2.status, SL_EOF);
    assert_string_equal((const char *)r1.out.data, (const char *)r2.out.data);
    /* numbers keep their source text; strings are re-escaped minimally */
    assert_string_equal((const char *)r1.out.data,
                        "{\"a\":[1,-2.5e-3,\"x\\u0000y\",{\"b\":null,\"c\":true}],"
                        "\"big\":-123456789012345678901234,\"d\":1E2,\"e\":\"\xf0\x9d\x84\x9e\"}\n");
    sl_buf_free(&r1.out);
    sl_buf_free(&r2.out);
}

static void test_get_and_options(void **state)
{
    (void)state;
    sl_json_options o;
    sl_json_options_init(&o);
    assert_int_equal(o.form, SL_JSON_FORM_AUTO);
    assert_int_equal(o.max_depth, 1000);
    assert_int_equal(o.max_record_size, 256u << 20);
    assert_int_equal(o.max_decompressed_size, 0);
    sl_json_reader *r;
    sl_status s;
    sl_error err;
    const sl_json_value *v = one(&r, "{\"k\":1,\"kk\":2}", &s, &err);
    assert_int_equal(sl_json_get(v, "kk")->u.num.i, 2);
    assert_null(sl_json_get(v, "x"));
    assert_null(sl_json_get(NULL, "x"));
    assert_null(sl_json_get(&v->u.obj.members[0].value, "k"));
    assert_int_equal(sl_json_reader_next(r, &v, &err), SL_EOF);
    assert_int_equal(sl_json_reader_next(r, &v, &err), SL_EOF);
    sl_json_reader_free(r);
    assert_int_equal(sl_json_reader_open("/nonexistent.json", NULL, &r, &err), SL_ERR_IO);
    assert_null(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_small_chunks),
        cmocka_unit_test(test_record_positions),
        cmocka_unit_test(test_gzip_zstd),
        cmocka_unit_test(test_decompression_bomb),
        cmocka_unit_test(test_input_plain),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_number_range),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_error_positions),
        cmocka_unit_test(test_max_depth),
        cmocka_unit_test(test_max_record_size),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_get_and_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
