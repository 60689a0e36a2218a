/* Unit tests for the generator: the keyed bijection, schema errors with their
 * positions, the association construction's limits, and determinism across thread
 * counts. The end-to-end tests check the outputs with DuckDB queries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gen/run.h"
#include "sluice/buf.h"
#include "sluice/sluice.h"

static void permute_is_a_bijection(void **state)
{
    (void)state;
    static const uint64_t sizes[] = {1, 2, 3, 10, 255, 256, 1000, 4097};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint64_t n = sizes[k];
        unsigned char *seen = calloc(n, 1);
        assert_non_null(seen);
        size_t fixed = 0;
        for (uint64_t x = 0; x < n; x++) {
            uint64_t y = sl_gen_permute(0x1234 + k, n, x);
            assert_true(y < n);
            assert_int_equal(seen[y], 0);
            seen[y] = 1;
            fixed += y == x;
        }
        if (n >= 1000)
            assert_true(fixed < n / 50);   /* it does move things */
        free(seen);
    }
}

/* Parses text as a schema; expects failure at line `line` with `needle` in the message. */
static void expect_error(const char *text, uint64_t line, const char *needle)
{
    sl_gen_schema *s = NULL;
    sl_error err;
    sl_error_clear(&err);
    sl_status st = sl_gen_schema_parse(text, strlen(text), "bad.yaml", NULL, 0, &s, &err);
    if (st == SL_OK || err.line != line || !strstr(err.msg, needle)) {
        char buf[1200];
        print_error("schema:\n%s\ngot status %d: %s\n", text, (int)st, sl_error_format(&err, buf, sizeof buf));
        fail();
    }
    assert_null(s);
    assert_string_equal(err.file, "bad.yaml");
}

static void schema_errors_name_the_line(void **state)
{
    (void)state;
    expect_error("name: x\ntables:\n  - name: a\n    rows: 3\n    columns:\n"
                 "      - {name: v, type: int32, gen: gaussian}\n", 6, "unknown generator 'gaussian'");
    expect_error("name: x\ntables:\n  - name: a\n    rows: 3\n    columns:\n"
                 "      - {name: id, type: int64, gen: sequence}\n"
                 "      - {name: p, type: int64, ref: nowhere.id}\n", 7, "'nowhere', which is not defined");
    /* a reference to a table defined later is a cycle or an ordering mistake */
    expect_error("name: x\ntables:\n  - name: a\n    rows: 3\n    primary_key: id\n    columns:\n"
                 "      - {name: id, type: int64, gen: sequence}\n"
                 "      - {name: b_id, type: int64, ref: b.id}\n"
                 "  - name: b\n    rows: 3\n    primary_key: id\n    columns:\n"
                 "      - {name: id, type: int64, gen: sequence}\n", 8, "not defined before 'a'");
    expect_error("name: x\ntables:\n  - name: a\n    rows: 3\n    columns:\n"
                 "      - {name: d, type: date, gen: date, min: '2026-01-01', max: '2026-02-01'}\n"
                 "      - {name: n, type: int32, expr: \"d + 'x'\"}\n", 7, "expression");
    expect_error("name: x\ntables:\n  - name: a\n    rows: 3\n    columns:\n"
                 "      - {name: v, type: date, gen: uniform, min: 1, max: 2}\n", 6, "cannot make date");
    expect_error("name: x\ntables:\n  - name: a\n    rows: 3\n    columns:\n"
                 "      - {name: v, type: int32, gen: uniform, min: 1, max: 2, mean: 3}\n", 6, "takes no 'mean'");
    expect_error("name: x\ntables:\n  - name: a\n    rows: 3\n    columns: [\n", 6, "");
    expect_error("{\"name\": \"x\",\n \"tables\": [{\"name\": \"a\", \"rows\": 1,\n"
                 "  \"columns\": [{\"name\": \"v\", \"type\": \"int32\", \"gen\": \"uniform\", \"min\": 1, \"max\": 2,}]}]}\n",
                 3, "");
}

static void params_can_be_overridden_only_when_they_exist(void **state)
{
    (void)state;
    sl_gen_schema *s;
    sl_error err;
    sl_gen_param ok = {"max_enrollments", 2}, bad = {"no_such_param", 1};
    assert_int_equal(sl_gen_schema_load("school", &ok, 1, &s, &err), SL_OK);
    sl_gen_schema_free(s);
    assert_int_equal(sl_gen_schema_load("school", &bad, 1, &s, &err), SL_ERR_SCHEMA);
    assert_non_null(strstr(err.msg, "no_such_param"));
}

/* Every enrollment row of the school schema at n students, checked against the
 * construction's promises: capacity x utilization, max per student, no pair twice. */
static void associations_hold_their_limits(void **state)
{
    (void)state;
    sl_gen_schema *s;
    sl_error err;
    sl_gen_param over[2] = {{"max_enrollments", 3}, {"capacity_utilization", 0.5}};
    assert_int_equal(sl_gen_schema_load("school", over, 2, &s, &err), SL_OK);
    sl_gen_options o;
    sl_gen_options_init(&o);
    o.n = 3000;
    o.seed = 9;
    sl_gplan p;
    assert_int_equal(sl_gplan_init(&p, s, &o, &err), SL_OK);
    int enr = 3, classes = 1, students = 2;
    assert_string_equal(s->tables[enr].name, "student_classes");
    uint64_t nc = p.rows[classes], ns = p.rows[students], ne = p.rows[enr];
    assert_int_equal(ns, 3000);
    assert_true(ne > ns);   /* most students have several classes */
    sl_gblock_seats seats = {.block = UINT64_MAX};
    assert_int_equal(sl_gseats_load(&p, enr, 0, &seats), SL_OK);
    /* map keys back to rows through the generated key columns */
    sl_arena a;
    sl_arena_init(&a, 0);
    char **skey = calloc(ns, sizeof *skey), **ckey = calloc(nc, sizeof *ckey);
    unsigned *per_student = calloc(ns, sizeof *per_student), *per_class = calloc(nc, sizeof *per_class);
    int64_t *cap = calloc(nc, sizeof *cap);
    sl_val vals[64];
    unsigned broken;
    for (uint64_t r = 0; r < ns; r++) {
        assert_int_equal(sl_gen_row(&p, students, r, 0, NULL, vals, &a, &broken), SL_OK);
        skey[r] = strndup(vals[0].u.s.ptr, vals[0].u.s.len);
        assert_int_equal(broken, 0);   /* age - year in (5, 6) */
    }
    for (uint64_t r = 0; r < nc; r++) {
        assert_int_equal(sl_gen_row(&p, classes, r, 0, NULL, vals, &a, &broken), SL_OK);
        ckey[r] = strndup(vals[0].u.s.ptr, vals[0].u.s.len);
        cap[r] = vals[5].u.i;
    }
    uint64_t prev_class = UINT64_MAX;
    char **seen = calloc(ns, sizeof *seen);  /* students of the current class */
    size_t nseen = 0;
    for (uint64_t r = 0; r < ne; r++) {
        sl_arena_reset(&a);
        assert_int_equal(sl_gen_row(&p, enr, r, 0, &seats, vals, &a, &broken), SL_OK);
        uint64_t si = 0, ci = 0;
        while (si < ns && (strlen(skey[si]) != vals[0].u.s.len || memcmp(skey[si], vals[0].u.s.ptr, vals[0].u.s.len)))
            si++;
        while (ci < nc && (strlen(ckey[ci]) != vals[1].u.s.len || memcmp(ckey[ci], vals[1].u.s.ptr, vals[1].u.s.len)))
            ci++;
        assert_true(si < ns);
        assert_true(ci < nc);
        per_student[si]++;
        per_class[ci]++;
        if (ci != prev_class) {   /* rows come class by class */
            prev_class = ci;
            nseen = 0;
        }
        for (size_t k = 0; k < nseen; k++)
            assert_ptr_not_equal(seen[k], skey[si]);
        seen[nseen++] = skey[si];
    }
    for (uint64_t i = 0; i < ns; i++)
        assert_true(per_student[i] <= 3);
    for (uint64_t i = 0; i < nc; i++)
        assert_true(per_class[i] <= (unsigned)(cap[i] * 0.5));
    for (uint64_t i = 0; i < ns; i++)
        free(skey[i]);
    for (uint64_t i = 0; i < nc; i++)
        free(ckey[i]);
    free(skey);
    free(ckey);
    free(per_student);
    free(per_class);
    free(cap);
    free(seen);
    sl_arena_free(&a);
    sl_gseats_free(&seats);
    sl_gplan_free(&p);
    sl_gen_schema_free(s);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* The bytes do not depend on how many threads computed them. */
static void output_does_not_depend_on_threads(void **state)
{
    (void)state;
    char d1[] = "/tmp/sluice-gen-XXXXXX", d2[] = "/tmp/sluice-gen-XXXXXX";
    assert_non_null(mkdtemp(d1));
    assert_non_null(mkdtemp(d2));
    sl_gen_schema *s;
    sl_error err;
    assert_int_equal(sl_gen_schema_load("card_transactions", NULL, 0, &s, &err), SL_OK);
    sl_gen_options o;
    sl_gen_options_init(&o);
    o.n = 30000;   /* several chunks */
    const char *only[] = {"transactions", NULL};
    o.tables = only;
    sl_gen_stats st;
    o.output_dir = d1;
    o.threads = 1;
    assert_int_equal(sl_gen_run(s, &o, &st, &err), SL_OK);
    assert_int_equal(st.rows, 30000);
    o.output_dir = d2;
    o.threads = 3;
    assert_int_equal(sl_gen_run(s, &o, &st, &err), SL_OK);
    char p1[128], p2[128];
    snprintf(p1, sizeof p1, "%s/transactions.ndjson", d1);
    snprintf(p2, sizeof p2, "%s/transactions.ndjson", d2);
    size_t n1, n2;
    char *a = slurp(p1, &n1), *b = slurp(p2, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1);
    size_t lines = 0;
    for (size_t i = 0; i < n1; i++)
        lines += a[i] == '\n';
    assert_int_equal(lines, 30000);
    free(a);
    free(b);
    unlink(p1);
    unlink(p2);
    rmdir(d1);
    rmdir(d2);
    sl_gen_schema_free(s);
}

/* sl_cum_pick counts instead of searching up to 32 entries: it must pick what a
 * binary search for the first entry above u picks, on non-decreasing tables with
 * zero weights (repeated entries) and u exactly on an entry. */
static void cum_pick_is_the_first_entry_above(void **state)
{
    (void)state;
    uint64_t x = 1;
    for (int t = 0; t < 20000; t++) {
        double w[40], cum[40], total = 0;
        size_t n = 1 + (size_t)((x >> 58) % 40);
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            w[i] = (x >> 33) % 4 == 0 ? 0 : (double)((x >> 20) % 1000);
            total += w[i];
        }
        if (total == 0)
            w[0] = total = 1;
        for (size_t i = 0; i < n; i++)
            cum[i] = (i ? cum[i - 1] : 0) + w[i] / total;
        cum[n - 1] = 1.0;
        for (int k = 0; k < 20; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            double u = k == 0 ? 0 : k == 1 ? cum[(x >> 7) % n] : (double)(x >> 11) * 0x1.0p-53;
            if (u >= 1)
                continue;
            size_t lo = 0, hi = n - 1;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (u < cum[mid])
                    hi = mid;
                else
                    lo = mid + 1;
            }
            assert_int_equal(sl_cum_pick(cum, n, u), lo);
        }
    }
}

/* sl_gen_block makes, a column at a time, exactly the rows sl_gen_row makes, for
 * every table but the associations (which it refuses), at any start and length. */
static void blocks_make_the_rows(void **state)
{
    (void)state;
    static const char *const schemas[] = {"school", "card_transactions"};
    for (size_t k = 0; k < 2; k++) {
        sl_gen_schema *s;
        sl_error err;
        assert_int_equal(sl_gen_schema_load(schemas[k], NULL, 0, &s, &err), SL_OK);
        sl_gen_options o;
        sl_gen_options_init(&o);
        o.n = 20000;
        o.seed = 31 + k;
        sl_gplan p;
        assert_int_equal(sl_gplan_init(&p, s, &o, &err), SL_OK);
        sl_arena a;
        sl_arena_init(&a, 0);
        for (size_t t = 0; t < s->ntables; t++) {
            size_t nc = s->tables[t].ncols;
            sl_val *blk = calloc(SL_GEN_BLOCK * nc, sizeof *blk), *row = calloc(nc, sizeof *row);
            unsigned broken, bb, sum;
            if (s->tables[t].assoc) {
                assert_int_equal(sl_gen_block(&p, (int)t, 0, 1, blk, &a, &broken), SL_ERR_USAGE);
                free(blk);
                free(row);
                continue;
            }
            uint64_t rows = p.rows[t];
            for (uint64_t r0 = 0; r0 < rows; r0 += 1 + (r0 * 7919) % (3 * SL_GEN_BLOCK)) {
                size_t n = (size_t)(1 + (r0 * 31) % SL_GEN_BLOCK);
                if (n > rows - r0)
                    n = (size_t)(rows - r0);
                sl_arena_reset(&a);
                assert_int_equal(sl_gen_block(&p, (int)t, r0, n, blk, &a, &bb), SL_OK);
                sum = 0;
                for (size_t i = 0; i < n; i++) {
                    assert_int_equal(sl_gen_row(&p, (int)t, r0 + i, 0, NULL, row, &a, &broken), SL_OK);
                    sum += broken;
                    for (size_t c = 0; c < nc; c++)
                        if (!sl_val_equal(&blk[i * nc + c], &row[c]))
                            fail_msg("%s.%s row %llu column %s: the block's value differs", schemas[k],
                                     s->tables[t].name, (unsigned long long)(r0 + i), s->tables[t].cols[c].path);
                }
                assert_int_equal(bb, sum);
            }
            free(blk);
            free(row);
        }
        sl_arena_free(&a);
        sl_gplan_free(&p);
        sl_gen_schema_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(permute_is_a_bijection),
        cmocka_unit_test(cum_pick_is_the_first_entry_above),
        cmocka_unit_test(schema_errors_name_the_line),
        cmocka_unit_test(params_can_be_overridden_only_when_they_exist),
        cmocka_unit_test(associations_hold_their_limits),
        cmocka_unit_test(output_does_not_depend_on_threads),
        cmocka_unit_test(blocks_make_the_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
