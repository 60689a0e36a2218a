/* The pieces of sluice validate that can be checked against exact answers
 * computed here: the sketches (HyperLogLog within its error, quantiles within the
 * sketch's rank error, space-saving's guarantees, merging equal to one pass,
 * serialization round trips), the key index, and the rules file reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "validate/vd.h"

static uint64_t h64(uint64_t v)
{
    return XXH3_64bits(&v, sizeof v);
}

static void test_hll(void **state)
{
    static const uint64_t sizes[] = {1, 10, 1000, 50000, 1000000};
    for (size_t s = 0; s < 5; s++) {
        vd_prof p;
        vd_prof_init(&p, true);
        for (uint64_t i = 0; i < sizes[s]; i++)
            for (int rep = 0; rep < 2; rep++)   /* repeats do not count */
                vd_hll_add(p.hll, h64(i));
        p.values = 2 * sizes[s];
        double e = (double)vd_prof_distinct(&p), n = (double)sizes[s];
        /* 4 standard errors of 1.04 / sqrt(4096) */
        assert_true(fabs(e - n) <= 0.065 * n + 1);
        vd_prof_free(&p);
    }
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The rank of v in sorted a, as a fraction. */
static double rank_of(const double *a, size_t n, double v)
{
    size_t k = 0;
    while (k < n && a[k] <= v)
        k++;
    return (double)k / (double)n;
}

static void test_kll_and_merge(void **state)
{
    enum { N = 200000 };
    double *all = malloc(N * sizeof *all);
    assert_non_null(all);
    vd_kll one = {0}, a = {0}, b = {0};
    uint64_t x = 42;
    for (size_t i = 0; i < N; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        double v = (double)(x >> 11) / 9007199254740992.0 * 1000.0 - 300.0;
        all[i] = v;
        vd_kll_add(&one, v);
        vd_kll_add(i % 3 ? &a : &b, v);
    }
    qsort(all, N, sizeof *all, cmp_d);
    vd_prof pa, pb;
    vd_prof_init(&pa, true);
    vd_prof_init(&pb, true);
    pa.kll = a;
    pb.kll = b;
    vd_prof_merge(&pa, &pb);
    assert_true(pa.kll.n == N && one.n == N);
    assert_true(pa.kll.min == all[0] && pa.kll.max == all[N - 1]);
    static const double qs[] = {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99};
    for (size_t i = 0; i < 7; i++) {
        /* rank error: about levels / K; 2% is well beyond it at this n */
        assert_true(fabs(rank_of(all, N, vd_kll_quantile(&one, qs[i])) - qs[i]) < 0.02);
        assert_true(fabs(rank_of(all, N, vd_kll_quantile(&pa.kll, qs[i])) - qs[i]) < 0.02);
    }
    double edges[3] = {all[N / 4], all[N / 2], all[N - 1]}, cum[3];
    vd_kll_cdf(&pa.kll, edges, 3, cum);
    assert_true(fabs(cum[0] / N - 0.25) < 0.02 && fabs(cum[1] / N - 0.5) < 0.02 && fabs(cum[2] - N) < 1e-6 * N);
    /* a save and a load give the same sketch */
    sl_buf buf;
    sl_buf_init(&buf, 0);
    assert_int_equal(vd_prof_save(&pa, &buf), SL_OK);
    vd_prof back;
    const uint8_t *cur = buf.data;
    assert_true(vd_prof_load(&back, &cur, buf.data + buf.len));
    assert_true(cur == buf.data + buf.len);
    for (size_t i = 0; i < 7; i++)
        assert_true(vd_kll_quantile(&back.kll, qs[i]) == vd_kll_quantile(&pa.kll, qs[i]));
    /* truncated input is refused, never read past */
    for (size_t cut = 0; cut < buf.len; cut += buf.len / 97 + 1) {
        vd_prof t;
        cur = buf.data;
        assert_false(vd_prof_load(&t, &cur, buf.data + cut));
    }
    sl_buf_free(&buf);
    vd_prof_free(&back);
    vd_prof_free(&pa);
    vd_prof_free(&pb);
    pa.kll = one;
    vd_prof_free(&pa);
    free(all);
}

static void test_top(void **state)
{
    /* value v appears 1000 / (v + 1) times, then 5000 values once each */
    vd_top t = {0}, u = {0};
    uint64_t want[8];
    for (uint64_t v = 0; v < 8; v++) {
        want[v] = 1000 / (v + 1);
        for (uint64_t k = 0; k < want[v]; k++) {
            char txt[8];
            int n = snprintf(txt, sizeof txt, "v%llu", (unsigned long long)v);
            vd_top_add(k % 2 ? &t : &u, h64(v), txt, (size_t)n);
        }
    }
    for (uint64_t i = 100; i < 5100; i++)
        vd_top_add(i % 2 ? &t : &u, h64(i), "x", 1);
    vd_prof a, b;
    vd_prof_init(&a, false);
    vd_prof_init(&b, false);
    a.top = t;
    b.top = u;
    vd_prof_merge(&a, &b);
    vd_top_item it[VD_TOP_K];
    size_t n = vd_top_shown(&a.top, it);
    assert_true(n >= 4);
    /* the heaviest values come first, and each count bounds the truth from above
     * by at most its err */
    for (uint64_t v = 0; v < 4; v++) {
        char txt[8];
        snprintf(txt, sizeof txt, "v%llu", (unsigned long long)v);
        assert_int_equal(it[v].len, strlen(txt));
        assert_memory_equal(it[v].val, txt, it[v].len);
        assert_true(it[v].count >= want[v] && it[v].count - it[v].err <= want[v]);
    }
    vd_prof_free(&a);
    vd_prof_free(&b);
}

static void test_keyset(void **state)
{
    vd_keyset s;
    assert_int_equal(vd_keyset_init(&s, 100000), SL_OK);
    for (uint32_t i = 0; i < 100000; i++) {
        uint32_t first;
        assert_true(vd_keyset_put(&s, h64(i) | 1, i, &first) != SIZE_MAX);
        assert_int_equal(first, i);
    }
    for (uint32_t i = 0; i < 100000; i += 7) {
        uint32_t first;
        vd_keyset_put(&s, h64(i) | 1, 200000 + i, &first);
        assert_int_equal(first, i);   /* the row that had it first */
    }
    assert_int_equal(s.n, 100000);
    assert_true(vd_keyset_find(&s, h64(5) | 1) != SIZE_MAX);
    assert_true(vd_keyset_find(&s, h64(100001) | 1) == SIZE_MAX);
    vd_keyset_free(&s);
}

static void test_rules(void **state)
{
    sl_error err;
    const char *good = "schema: school\nmax_enrollments: 3\ntables:\n  students:\n    primary_key: [student_id]\n"
                       "    columns:\n      age: {not_null: true, min: 14, max: 19, severity: warning}\n"
                       "      enrollment_date: {min: 2020-01-02}\n      gender: {values: [F, M]}\n";
    vd_rules r;
    vd_rules_init(&r);
    assert_int_equal(vd_rules_add_file(&r, good, strlen(good), "r.yaml", &err), SL_OK);
    assert_string_equal(r.schema_name, "school");
    assert_int_equal(r.max_enrollments, 3);
    vd_tabrule *t = vd_rules_table(&r, "students", false);
    assert_non_null(t);
    assert_int_equal(t->npk, 1);
    vd_colrule *c = vd_rules_col(&r, t, "age", false);
    assert_true(c->not_null && c->has_min && c->min == 14 && c->max == 19 && c->sev == VD_SEV_WARNING);
    c = vd_rules_col(&r, t, "enrollment_date", false);
    assert_true(c->has_min && c->min == 18263 && !c->has_max);   /* 2020-01-02 */
    c = vd_rules_col(&r, t, "gender", false);
    assert_int_equal(c->nvalues, 2);
    /* the schema's own words: nullable false is not null; +-1e308 is no bound */
    const char *schema = "{\"name\":\"x\",\"tables\":[{\"name\":\"students\",\"primary_key\":[],\"columns\":"
                         "[{\"name\":\"gpa\",\"type\":\"decimal(3,2)\",\"nullable\":false,\"min\":-1e308,\"max\":4}]}]}";
    assert_int_equal(vd_rules_add_schema_json(&r, schema, strlen(schema), "s", &err), SL_OK);
    c = vd_rules_col(&r, t, "gpa", false);
    assert_true(c->not_null && !c->has_min && c->has_max && c->max == 4);
    vd_rules_free(&r);
    /* errors name the place */
    const char *bad = "tables:\n  t:\n    columns:\n      c: {min: soon}\n";
    assert_int_equal(sl_validate_rules_check(bad, strlen(bad), "b.yaml", &err), SL_ERR_SCHEMA);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.msg, "min and max"));
    const char *re = "tables:\n  t:\n    columns:\n      c: {pattern: '(a'}\n";
    assert_int_equal(sl_validate_rules_check(re, strlen(re), "b.yaml", &err), SL_ERR_SCHEMA);
    assert_non_null(strstr(err.msg, "pattern '(a'"));
    assert_int_equal(sl_validate_rules_check("[]", 2, "b.json", &err), SL_ERR_SCHEMA);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hll),
        cmocka_unit_test(test_kll_and_merge),
        cmocka_unit_test(test_top),
        cmocka_unit_test(test_keyset),
        cmocka_unit_test(test_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
