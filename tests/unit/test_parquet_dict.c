/* Unit tests of the writer's dictionary over ranges (pq_dict_put_range, the path
 * every column chunk takes) against pq_dict_put one value at a time: the same
 * entry for every value, the same entries in the same order, and the same stop
 * at the byte limit, for every value width the range loop is specialised for
 * (byte arrays, 4, 8, and 16 through the generic copy), for dictionaries that
 * stay small and ones that grow past the size where lookups switch to hashing
 * ahead (in the middle of a range), with the limit reached in either loop, with
 * and without the table reserved beforehand (pq_dict_reserve), and with the range
 * cut in two calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parquet/encode.h"

#define N 20000

static uint64_t state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* N values picked among `distinct`, PLAIN-encoded at width w (0: byte arrays of
 * 0 to 40 bytes, among them short ones, equal prefixes and zero bytes). */
static uint8_t *make_values(uint32_t w, uint32_t distinct, size_t *nbytes)
{
    size_t cap = (size_t)N * (w ? w : 44);
    uint8_t *buf = malloc(cap), *p = buf;
    assert_non_null(buf);
    for (size_t i = 0; i < N; i++) {
        uint64_t k = rnd() % distinct;
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
    return buf;
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
    assert_int_equal(pq_dict_put_range(&d, v, &at, 0, cut, max_bytes, got, &done), SL_OK);
    if (done == cut)
        assert_int_equal(pq_dict_put_range(&d, v, &at, cut, N, max_bytes, got, &done), SL_OK);
    assert_int_equal(done, nref);
    assert_int_equal(at, cur);   /* the offset of the first value not put */
    assert_memory_equal(got, want, nref * sizeof *got);
    assert_int_equal(d.count, ref.count);
    assert_int_equal(d.data.len, ref.data.len);
    if (d.data.len)
        assert_memory_equal(d.data.data, ref.data.data, d.data.len);
    pq_dict_free(&d);
    pq_dict_free(&ref);
    free(v);
    free(got);
    free(want);
}

static void test_range_matches_single(void **state_)
{
    (void)state_;
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
                    check(w, k, limits[c], r, 1 + rnd() % (N - 1));
                }
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_matches_single),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
