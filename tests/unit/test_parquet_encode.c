/* Unit tests of the Parquet writer's encoding internals, each against an
 * independent definition or a simpler path:
 *
 * Chunk statistics (writer_stats.c) against the definition: for byte arrays the
 * least and greatest by unsigned bytes then length, found by brute force with
 * memcmp; for numbers the order of the C operators, NaN never an extreme and zero
 * floats written -0.0 (min) and +0.0 (max). The strings are drawn from bytes that
 * make the fast path's corners (zero bytes, which its zero padding must not
 * confuse with the end of a string; 0xff; shared prefixes; lengths around 8 and
 * 16; strings at the very end of their buffer, which is allocated to its exact
 * size so ASan sees any read past it). Chunk statistics as DuckDB reads them are
 * checked by writer_oracle.test.mjs.
 *
 * The dictionary over ranges (pq_dict_put_range, the path every column chunk
 * takes) against pq_dict_put one value at a time: the same entry for every value,
 * the same entries in the same order, and the same stop at the byte limit, for
 * every value width the range loop is specialised for (byte arrays, 4, 8, and 16
 * through the generic copy), for dictionaries that stay small and ones that grow
 * past the size where lookups switch to hashing ahead (in the middle of a range),
 * with the limit reached in either loop, with and without the table reserved
 * beforehand (pq_dict_reserve), and with the range cut in two calls; and both
 * against a model of the dictionary (entries in the order first seen, compared
 * with memcmp), with byte arrays that only their bytes past 16, or their length,
 * tell apart.
 *
 * Boolean statistics and PLAIN booleans against their definitions.
 *
 * The RLE / bit-packing hybrid (levels, dictionary indices) against the format
 * written one bit at a time, at every bit width.
 *
 * The count of repeats that decides whether a likely unique column gets a
 * dictionary (pq_few_repeats) against sorting, at and around its limit. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parquet/encode.h"
#include "parquet/format.h"
#include "parquet/writer_internal.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ------------------------------------------------------------ statistics */

typedef struct str {
    uint8_t b[40];
    uint32_t len;
} str;

static int ref_cmp(const str *x, const str *y)
{
    int r = memcmp(x->b, y->b, x->len < y->len ? x->len : y->len);
    return r ? r : (x->len > y->len) - (x->len < y->len);
}

/* n strings as one exact-size PLAIN buffer. */
static uint8_t *plain(const str *s, size_t n, size_t *nbytes)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += 4 + s[i].len;
    uint8_t *p = malloc(k ? k : 1), *q = p;
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        memcpy(q, &s[i].len, 4);
        memcpy(q + 4, s[i].b, s[i].len);
        q += 4 + s[i].len;
    }
    *nbytes = k;
    return p;
}

static void random_str(str *s)
{
    static const uint8_t alpha[] = {0x00, 0x01, 'a', 'b', 0x7f, 0x80, 0xff};
    static const uint32_t lens[] = {0, 1, 3, 7, 8, 9, 15, 16, 17, 23, 24, 31, 40};
    s->len = next() % 3 ? lens[next() % 13] : (uint32_t)(next() % 41);
    /* A common prefix most of the time, so that the tails decide. */
    uint32_t same = next() % 2 ? (uint32_t)(next() % (s->len + 1)) : 0;
    for (uint32_t i = 0; i < s->len; i++)
        s->b[i] = i < same ? 'a' : alpha[next() % sizeof alpha];
}

static void check_bytes(const str *s, size_t n, size_t split)
{
    size_t na, nb;
    uint8_t *a = plain(s, split, &na), *b = plain(s + split, n - split, &nb);
    pq_stat st = {0};
    pq_stat_plain(PQ_BYTE_ARRAY, 0, a, na, &st);
    pq_stat_plain(PQ_BYTE_ARRAY, 0, b, nb, &st);
    size_t lo = 0, hi = 0;
    for (size_t i = 1; i < n; i++) {
        if (ref_cmp(&s[i], &s[lo]) < 0)
            lo = i;
        if (ref_cmp(&s[i], &s[hi]) > 0)
            hi = i;
    }
    assert_true(st.any);
    assert_int_equal(st.min_len, s[lo].len);
    assert_int_equal(st.max_len, s[hi].len);
    assert_memory_equal(st.min, s[lo].b, s[lo].len);
    assert_memory_equal(st.max, s[hi].b, s[hi].len);
    free(a);
    free(b);
}

static void test_bytes_against_memcmp(void **state)
{
    (void)state;
    str s[64];
    for (int round = 0; round < 20000; round++) {
        size_t n = 1 + next() % 64;
        for (size_t i = 0; i < n; i++)
            random_str(&s[i]);
        check_bytes(s, n, next() % (n + 1));
    }
}

static void test_bytes_corners(void **state)
{
    (void)state;
    /* "a" < "a\0" < "a\0\0" ... and the empty string least of all; a string that
     * ends where its buffer does. */
    str s[20];
    for (int i = 0; i < 20; i++) {
        memset(s[i].b, 0, sizeof s[i].b);
        s[i].b[0] = 'a';
        s[i].len = 1 + (uint32_t)(19 - i);
    }
    check_bytes(s, 20, 0);
    check_bytes(s, 20, 20);
    s[7].len = 0;
    check_bytes(s, 20, 13);
    static const uint8_t none[1];
    pq_stat st = {0};
    pq_stat_plain(PQ_BYTE_ARRAY, 0, none, 0, &st);
    assert_false(st.any);
}

static void test_doubles(void **state)
{
    (void)state;
    double v[] = {NAN, 3.5, -0.0, 0.0, NAN, -2.25, INFINITY, 1e300, NAN};
    pq_stat st = {0};
    pq_stat_plain(PQ_DOUBLE, 8, (const uint8_t *)v, sizeof v, &st);
    sl_buf mn, mx;
    sl_buf_init(&mn, 0);
    sl_buf_init(&mx, 0);
    bool has;
    assert_int_equal(pq_stat_finish(PQ_DOUBLE, &st, &mn, &mx, &has), SL_OK);
    assert_true(has);
    double a, b;
    memcpy(&a, mn.data, 8);
    memcpy(&b, mx.data, 8);
    assert_true(a == -2.25 && b == INFINITY);

    /* Only zeros and NaN: min -0.0, max +0.0 whichever zero came first. */
    double z[] = {NAN, 0.0, -0.0, 0.0};
    pq_stat sz = {0};
    pq_stat_plain(PQ_DOUBLE, 8, (const uint8_t *)z, sizeof z, &sz);
    sl_buf_clear(&mn);
    sl_buf_clear(&mx);
    assert_int_equal(pq_stat_finish(PQ_DOUBLE, &sz, &mn, &mx, &has), SL_OK);
    memcpy(&a, mn.data, 8);
    memcpy(&b, mx.data, 8);
    assert_true(a == 0.0 && signbit(a) && b == 0.0 && !signbit(b));

    /* Only NaN: no min or max. */
    float f[] = {NAN, NAN};
    pq_stat sf = {0};
    pq_stat_plain(PQ_FLOAT, 4, (const uint8_t *)f, sizeof f, &sf);
    sl_buf_clear(&mn);
    sl_buf_clear(&mx);
    assert_int_equal(pq_stat_finish(PQ_FLOAT, &sf, &mn, &mx, &has), SL_OK);
    assert_false(has);
    sl_buf_free(&mn);
    sl_buf_free(&mx);
}

static void test_ints(void **state)
{
    (void)state;
    for (int round = 0; round < 1000; round++) {
        int64_t v[50];
        int32_t w[50];
        size_t n = 1 + next() % 50, split = next() % (n + 1);
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        int32_t lo32 = INT32_MAX, hi32 = INT32_MIN;
        for (size_t i = 0; i < n; i++) {
            v[i] = (int64_t)next() >> (next() % 64);
            w[i] = (int32_t)v[i];
            lo = v[i] < lo ? v[i] : lo;
            hi = v[i] > hi ? v[i] : hi;
            lo32 = w[i] < lo32 ? w[i] : lo32;
            hi32 = w[i] > hi32 ? w[i] : hi32;
        }
        pq_stat a = {0}, b = {0};
        pq_stat_plain(PQ_INT64, 8, (const uint8_t *)v, split * 8, &a);
        pq_stat_plain(PQ_INT64, 8, (const uint8_t *)(v + split), (n - split) * 8, &a);
        pq_stat_plain(PQ_INT32, 4, (const uint8_t *)w, n * 4, &b);
        int64_t x, y;
        int32_t x32, y32;
        memcpy(&x, a.min, 8);
        memcpy(&y, a.max, 8);
        memcpy(&x32, b.min, 4);
        memcpy(&y32, b.max, 4);
        assert_true(x == lo && y == hi);
        assert_true(x32 == lo32 && y32 == hi32);
    }
}

static void test_bools(void **state)
{
    (void)state;
    static const uint8_t t[] = {1, 1, 1}, f[] = {0, 0}, m[] = {1, 0, 1};
    const uint8_t *in[] = {t, f, m};
    size_t n[] = {3, 2, 3};
    uint8_t want[][2] = {{1, 1}, {0, 0}, {0, 1}};
    for (int i = 0; i < 3; i++) {
        pq_stat st = {0};
        pq_stat_plain(PQ_BOOLEAN, 1, in[i], n[i], &st);
        assert_true(st.any);
        assert_int_equal(st.min[0], want[i][0]);
        assert_int_equal(st.max[0], want[i][1]);
    }
}

/* Boolean statistics and PLAIN booleans against their definitions on every
 * length from 0 to 80 (words and tails), all false, all true, mixed, and bytes
 * other than 0 and 1 (nonzero is true; the statistics keep the bytes). */
static void test_bools_against_definition(void **state)
{
    (void)state;
    uint8_t v[80];
    sl_buf b;
    sl_buf_init(&b, 0);
    for (int round = 0; round < 4000; round++) {
        size_t n = (size_t)round % 81;
        int kind = round / 81 % 5;
        for (size_t i = 0; i < n; i++) {
            uint64_t r = next();
            v[i] = kind == 0 ? 0 : kind == 1 ? 1 : kind == 2 ? (uint8_t)(r % 2)
                 : kind == 3 ? (uint8_t)(r % 97 == 0) : (uint8_t)(r % 5 ? r % 2 : r >> 8);
        }
        uint8_t lo = 0xff, hi = 0;
        for (size_t i = 0; i < n; i++) {
            lo = v[i] < lo ? v[i] : lo;
            hi = v[i] > hi ? v[i] : hi;
        }
        pq_stat st = {0};
        pq_stat_plain(PQ_BOOLEAN, 1, v, n, &st);
        assert_int_equal(st.any, n > 0);
        if (n) {
            assert_int_equal(st.min[0], lo);
            assert_int_equal(st.max[0], hi);
        }
        sl_buf_clear(&b);
        assert_int_equal(pq_plain_bools(&b, v, n), SL_OK);
        assert_int_equal(b.len, (n + 7) / 8);
        for (size_t i = 0; i < b.len * 8; i++)
            assert_int_equal(b.data[i / 8] >> (i % 8) & 1, i < n && v[i] != 0);
    }
    sl_buf_free(&b);
}

/* ------------------------------------------------------------ dictionary */

#define N 20000

/* N values picked among `distinct`, PLAIN-encoded at width w (0: byte arrays of
 * 0 to 40 bytes, among them short ones, equal prefixes and zero bytes), in a
 * buffer of exactly their size, so that ASan sees a read past its end. */
static uint8_t *make_values(uint32_t w, uint32_t distinct, size_t *nbytes)
{
    size_t cap = (size_t)N * (w ? w : 44);
    uint8_t *buf = malloc(cap), *p = buf;
    assert_non_null(buf);
    for (size_t i = 0; i < N; i++) {
        uint64_t k = next() % distinct;
        if (w) {
            memset(p, 0, w);
            memcpy(p, &k, w < 8 ? w : 8);
            if (w > 8)
                p[w - 1] = (uint8_t)(k * 7);
            p += w;
            continue;
        }
        char s[48];
        int n = snprintf(s, sizeof s, "%s%llu", k % 3 ? "key-" : "", (unsigned long long)k);
        uint32_t len = (uint32_t)(k % 5 == 0 ? (k % 40) : (uint64_t)n);
        memset(p + 4, 0, len);
        memcpy(p + 4, s, len < (uint32_t)n ? len : (uint32_t)n);
        memcpy(p, &len, 4);
        p += 4 + len;
    }
    *nbytes = (size_t)(p - buf);
    uint8_t *exact = realloc(buf, *nbytes);
    assert_non_null(exact);
    return exact;
}

/* The dictionary by its definition: entries in the order first seen, found by
 * memcmp over a chained hash of the test's own (FNV-1a). */
typedef struct model {
    const uint8_t **p;
    uint32_t *len, *next, *head, count, nhead;
} model;

static uint32_t model_put(model *m, const uint8_t *p, uint32_t len)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 16777619u;
    h = (h ^ len) % m->nhead;
    for (uint32_t e = m->head[h]; e; e = m->next[e - 1])
        if (m->len[e - 1] == len && (len == 0 || memcmp(m->p[e - 1], p, len) == 0))
            return e - 1;
    uint32_t e = m->count++;
    m->p[e] = p;
    m->len[e] = len;
    m->next[e] = m->head[h];
    m->head[h] = e + 1;
    return e;
}

/* d holds the values v[0..n) of width w (0: PLAIN byte arrays) as the model
 * says: the same entry for every value (got), the same entries, the same bytes. */
static void check_model(const pq_dict *d, uint32_t w, const uint8_t *v, size_t n,
                        const uint32_t *got)
{
    size_t k = n ? n : 1;
    model m = {malloc(k * sizeof *m.p), malloc(k * sizeof *m.len), malloc(k * sizeof *m.next),
               calloc(k, sizeof *m.head), 0, (uint32_t)k};
    assert_true(m.p && m.len && m.next && m.head);
    size_t cur = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t len = w;
        if (!w) {
            memcpy(&len, v + cur, 4);
            cur += 4;
        }
        assert_int_equal(got[i], model_put(&m, v + cur, len));
        cur += len;
    }
    assert_int_equal(d->count, m.count);
    size_t at = 0;
    for (uint32_t e = 0; e < m.count; e++) {
        uint32_t len;
        const uint8_t *q = pq_dict_entry(d, e, &len);
        assert_int_equal(len, m.len[e]);
        if (len)
            assert_memory_equal(q, m.p[e], len);
        if (!w) {   /* the PLAIN page body: length prefix, bytes */
            assert_memory_equal(d->data.data + at, &len, 4);
            at += 4;
        }
        assert_ptr_equal(d->data.data + at, q);
        at += len;
    }
    assert_int_equal(at, d->data.len);
    free(m.p);
    free(m.len);
    free(m.next);
    free(m.head);
}

static void check(uint32_t w, uint32_t distinct, size_t max_bytes, bool reserve, size_t cut)
{
    size_t nbytes;
    uint8_t *v = make_values(w, distinct, &nbytes);
    uint32_t *got = malloc(N * sizeof *got), *want = malloc(N * sizeof *want);
    assert_non_null(got);
    assert_non_null(want);

    pq_dict ref;
    pq_dict_init(&ref, w);
    size_t cur = 0, nref = 0;
    for (; nref < N; nref++) {
        uint32_t len = w;
        const uint8_t *p = v + cur;
        if (!w) {
            memcpy(&len, p, 4);
            p += 4;
        }
        sl_status s = pq_dict_put(&ref, p, len, max_bytes, &want[nref]);
        if (s == SL_ERR_LIMIT)
            break;
        assert_int_equal(s, SL_OK);
        cur = (size_t)(p - v) + len;
    }

    pq_dict d;
    pq_dict_init(&d, w);
    if (reserve)
        assert_int_equal(pq_dict_reserve(&d, distinct, nbytes), SL_OK);
    size_t at = 0, done = 0;
    assert_int_equal(pq_dict_put_range(&d, v, nbytes, &at, 0, cut, max_bytes, got, &done), SL_OK);
    if (done == cut)
        assert_int_equal(pq_dict_put_range(&d, v, nbytes, &at, cut, N, max_bytes, got, &done),
                         SL_OK);
    assert_int_equal(done, nref);
    assert_int_equal(at, cur);   /* the offset of the first value not put */
    assert_memory_equal(got, want, nref * sizeof *got);
    assert_int_equal(d.count, ref.count);
    assert_int_equal(d.data.len, ref.data.len);
    if (d.data.len)
        assert_memory_equal(d.data.data, ref.data.data, d.data.len);
    check_model(&d, w, v, nref, got);
    pq_dict_free(&d);
    pq_dict_free(&ref);
    free(v);
    free(got);
    free(want);
}

static void test_range_matches_single(void **state)
{
    (void)state;
    static const uint32_t widths[] = {0, 4, 8, 16};
    static const uint32_t distincts[] = {3, 1500, 6000, 20000};
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 4; b++) {
            uint32_t w = widths[a], k = distincts[b];
            size_t entry = w ? w : 12;
            /* no limit; a limit reached while the table is small; one reached
             * after it has grown past the small-table loop */
            size_t limits[] = {SIZE_MAX, 100 * entry, 3500 * entry};
            for (size_t c = 0; c < 3; c++)
                for (int r = 0; r < 2; r++) {
                    check(w, k, limits[c], r, N);
                    check(w, k, limits[c], r, 1 + next() % (N - 1));
                }
        }
}

/* Byte arrays that only the bytes past the first 16 tell apart, or only the
 * length (trailing zero bytes: the key pads with zeros), and short ones at the very
 * end of the buffer, where the key cannot be loaded as words. */
static void test_dict_bytes_keys(void **state)
{
    (void)state;
    str *s = malloc(N * sizeof *s);
    assert_non_null(s);
    for (int round = 0; round < 8; round++) {
        size_t n = 0;
        for (; n < N / 2; n++) {
            uint32_t len = (uint32_t)(next() % 41);
            memset(s[n].b, 0, sizeof s[n].b);
            memcpy(s[n].b, "0123456789abcdef0123456789abcdef01234567", len);
            if (len > 16 && next() % 2)
                s[n].b[16 + next() % (len - 16)] ^= (uint8_t)(1 + next() % 3);
            else if (len && next() % 2)
                s[n].b[len - 1] = 0;
            s[n].len = len;
        }
        for (; n < N - 64; n++)
            random_str(&s[n]);
        for (; n < N; n++) {   /* the tail: short strings, a few distinct */
            s[n].len = (uint32_t)(next() % 16);
            memset(s[n].b, 0, sizeof s[n].b);
            s[n].b[0] = (uint8_t)(next() % 3);
        }
        size_t nbytes;
        uint8_t *v = plain(s, N, &nbytes);
        uint32_t *got = malloc(N * sizeof *got);
        assert_non_null(got);
        pq_dict d;
        pq_dict_init(&d, 0);
        size_t cur = 0, done = 0;
        assert_int_equal(pq_dict_put_range(&d, v, nbytes, &cur, 0, N, SIZE_MAX, got, &done),
                         SL_OK);
        assert_int_equal(done, N);
        assert_int_equal(cur, nbytes);
        check_model(&d, 0, v, N, got);
        pq_dict_free(&d);
        free(got);
        free(v);
    }
    free(s);
}

/* 2^18 distinct byte arrays: among them a few pairs whose 32-bit hashes are
 * equal (about n^2 / 2^33 of them), which only the comparison of the entries tells
 * apart; with the first 16 bytes the same, the bytes past them. */
static void test_dict_bytes_collisions(void **state)
{
    (void)state;
    enum { M = 1 << 18 };
    for (int longer = 0; longer < 2; longer++) {
        uint8_t *v = malloc((size_t)M * 44), *p = v;
        assert_non_null(v);
        for (uint32_t i = 0; i < M; i++) {
            uint32_t len = longer ? 17 + i % 24 : 4 + i % 13;
            uint8_t b[40];
            memset(b, 'x', sizeof b);
            for (int k = 0; k < 4; k++)   /* i in the last 4 bytes (distinct) */
                b[len - 4 + k] = (uint8_t)(i >> (8 * k));
            memcpy(p, &len, 4);
            memcpy(p + 4, b, len);
            p += 4 + len;
        }
        size_t nbytes = (size_t)(p - v), cur = 0, done = 0;
        uint32_t *got = malloc((size_t)M * sizeof *got);
        assert_non_null(got);
        pq_dict d;
        pq_dict_init(&d, 0);
        assert_int_equal(pq_dict_put_range(&d, v, nbytes, &cur, 0, M, SIZE_MAX, got, &done),
                         SL_OK);
        assert_int_equal(done, M);
        assert_int_equal(d.count, M);
        for (uint32_t i = 0; i < M; i++)
            assert_int_equal(got[i], i);
        pq_dict_free(&d);
        free(got);
        free(v);
    }
}

/* ------------------------------------------------------------ RLE hybrid */

/* The hybrid by the letter of Encodings.md, one bit at a time, with the writer's
 * choice of runs: 8 or more equal values are an RLE run, the rest bit-packed
 * groups of 8 until a run of 8 starts at a group boundary. */
static size_t ref_run(const uint32_t *v, size_t i, size_t n)
{
    size_t j = i;
    while (j < n && v[j] == v[i])
        j++;
    return j - i;
}

static void ref_varint(sl_buf *b, uint64_t x)
{
    do {
        uint8_t c = (uint8_t)(x & 0x7f);
        x >>= 7;
        assert_int_equal(sl_buf_putc(b, (uint8_t)(c | (x ? 0x80 : 0))), SL_OK);
    } while (x);
}

static void ref_rle(sl_buf *b, const uint32_t *v, size_t n, int bw)
{
    size_t i = 0;
    while (i < n) {
        size_t r = ref_run(v, i, n);
        if (r >= 8) {
            ref_varint(b, (uint64_t)r << 1);
            for (int k = 0; k < (bw + 7) / 8; k++)
                assert_int_equal(sl_buf_putc(b, (uint8_t)(v[i] >> (8 * k))), SL_OK);
            i += r;
            continue;
        }
        size_t j = i;
        do
            j += 8;
        while (j < n && ref_run(v, j, n) < 8);
        ref_varint(b, (uint64_t)(j - i) / 8 << 1 | 1);
        size_t at = b->len, bits = 0;
        for (size_t k = i; k < j; k++) {
            uint32_t x = k < n ? v[k] : 0;
            for (int t = 0; t < bw; t++, bits++) {
                if (bits % 8 == 0)
                    assert_int_equal(sl_buf_putc(b, 0), SL_OK);
                b->data[at + bits / 8] |= (uint8_t)(((x >> t) & 1) << (bits % 8));
            }
        }
        i = j < n ? j : n;
    }
}

/* pq_rle_encode_u32 and _u8 against the reference at every bit width, on lengths
 * that end inside a group, with runs of every length around 8 among random
 * values that use all bw bits. */
static void test_rle_hybrid(void **state)
{
    (void)state;
    enum { M = 1000 };
    uint32_t v[M];
    uint8_t v8[M];
    sl_buf got, want;
    sl_buf_init(&got, 0);
    sl_buf_init(&want, 0);
    for (int bw = 1; bw <= 32; bw++) {
        uint32_t mask = bw == 32 ? UINT32_MAX : (1u << bw) - 1;
        for (int round = 0; round < 60; round++) {
            size_t n = 1 + next() % M;
            for (size_t i = 0; i < n;) {
                size_t r = next() % 3 ? 1 : 1 + next() % 20;
                uint32_t x = (uint32_t)next() & mask;
                if (next() % 4 == 0)
                    x = mask;   /* every bit set */
                for (; r-- && i < n; i++)
                    v[i] = x;
            }
            sl_buf_clear(&got);
            sl_buf_clear(&want);
            assert_int_equal(pq_rle_encode_u32(&got, v, n, bw), SL_OK);
            ref_rle(&want, v, n, bw);
            assert_int_equal(got.len, want.len);
            assert_memory_equal(got.data, want.data, got.len);
            if (bw > 8)
                continue;
            for (size_t i = 0; i < n; i++)
                v8[i] = (uint8_t)v[i];
            sl_buf_clear(&got);
            assert_int_equal(pq_rle_encode_u8(&got, v8, n, bw), SL_OK);
            assert_int_equal(got.len, want.len);
            assert_memory_equal(got.data, want.data, got.len);
        }
    }
    sl_buf_free(&got);
    sl_buf_free(&want);
}

/* ------------------------------------------------------------ repeats */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* pq_few_repeats against sorting: values of width 4 and 8 with a chosen number of
 * repeats around the limit, zeros among them (the set's empty mark), increasing
 * runs (its first pass) broken at the end, and keys that share their low or high
 * halves. */
static void test_few_repeats(void **state)
{
    (void)state;
    enum { M = 4096, BITS = 13 };
    uint64_t *set = malloc(sizeof *set << BITS), *sorted = malloc(M * sizeof *sorted);
    uint8_t *v = malloc((size_t)M * 8);
    assert_true(set && sorted && v);
    for (int round = 0; round < 400; round++) {
        uint32_t w = round % 2 ? 4 : 8;
        size_t n = round % 7 == 0 ? M : 1 + next() % M;
        int kind = (int)(next() % 4);
        size_t repeats_wanted = next() % (n / 8 + 2);
        for (size_t i = 0; i < n; i++) {
            uint64_t x;
            switch (kind) {
            case 0: x = i + 1; break;                          /* increasing */
            case 1: x = (uint64_t)i << 32 | 7; break;          /* same low half */
            case 2: x = 0xabcd00000000ull | i; break;          /* same high half */
            default: x = next(); break;
            }
            if (i && i < repeats_wanted * 2 && i % 2)
                x = i % 3 ? 0 : (uint64_t)(i - 1) << (kind == 1 ? 32 : 0);  /* a repeat, or a zero */
            if (w == 4)
                x = (uint32_t)(x ^ (x >> 32));
            memcpy(v + i * w, &x, w);
        }
        if (kind == 0 && n > 2 && next() % 2)   /* the increasing run ends at the last value */
            memcpy(v + (n - 1) * w, v, w);
        size_t repeats = 0;
        for (size_t i = 0; i < n; i++) {
            sorted[i] = 0;
            memcpy(&sorted[i], v + i * w, w);
        }
        qsort(sorted, n, sizeof *sorted, cmp_u64);
        for (size_t i = 1; i < n; i++)
            repeats += sorted[i] == sorted[i - 1];
        for (size_t lim = repeats ? repeats - 1 : 0; lim <= repeats + 1; lim++)
            assert_int_equal(pq_few_repeats(v, w, n, lim, set, BITS), repeats <= lim);
    }
    free(set);
    free(sorted);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_against_memcmp),
        cmocka_unit_test(test_bytes_corners),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_ints),
        cmocka_unit_test(test_bools),
        cmocka_unit_test(test_bools_against_definition),
        cmocka_unit_test(test_range_matches_single),
        cmocka_unit_test(test_dict_bytes_keys),
        cmocka_unit_test(test_dict_bytes_collisions),
        cmocka_unit_test(test_few_repeats),
        cmocka_unit_test(test_rle_hybrid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
