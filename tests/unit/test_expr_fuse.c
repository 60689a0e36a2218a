/* Differential tests of the fused expression nodes (src/gen/expr_fuse.c): each
 * expression is compiled twice, once as written, which the compiler fuses, and once
 * with every column and constant wrapped in coalesce(), which gives the same value
 * but keeps every node general; both are evaluated on many rows of random and edge
 * values (nulls, values of the wrong kind or out of range, the ends of int64 and
 * int32, times before 1970, NaN, infinities, decimals of every scale), and must give
 * the same value bit for bit. Each case also names the node the fused compile must
 * have at its root, so a test cannot pass by comparing two general evaluations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "gen/expr_impl.h"
#include "gen/rng.h"

/* ------------------------------------------------------------ rows */

enum { C_TS, C_DT, C_TM, C_I, C_D, C_DEC, NCOLS };

static const struct {
    const char *name;
    sl_val_kind kind;
} cols[NCOLS] = {
    [C_TS] = {"ts", SL_VAL_TIMESTAMP}, [C_DT] = {"dt", SL_VAL_DATE}, [C_TM] = {"tm", SL_VAL_TIME},
    [C_I] = {"i", SL_VAL_INT},         [C_D] = {"d", SL_VAL_DOUBLE}, [C_DEC] = {"dec", SL_VAL_DECIMAL},
};

static int lookup(void *ctx, const char *name, size_t len, sl_val_kind *kind)
{
    (void)ctx;
    for (int i = 0; i < NCOLS; i++) {
        if (strlen(cols[i].name) == len && memcmp(cols[i].name, name, len) == 0) {
            *kind = cols[i].kind;
            return i;
        }
    }
    return -1;
}

static const sl_expr_env env = {lookup, NULL};

#define DAY 86400000000LL

static const int64_t edge_ints[] = {
    INT64_MIN, INT64_MIN + 1, -DAY - 1, -DAY, -DAY + 1, -1, 0, 1, DAY - 1, DAY, DAY + 1,
    INT64_MAX - 1, INT64_MAX, INT32_MIN, (int64_t)INT32_MIN - 1, INT32_MAX, (int64_t)INT32_MAX + 1,
    -7, -3, 5, 6, 7, 9, 10, 11, 49, 50, 199, 200, 999, 1000, 1001, 1767225600000000LL,
};

static const double edge_doubles[] = {
    NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, 9.999999999999998, 10, 10.000000000000002,
    49.99, 50, 199.995, 200, 1000, 1e300, -1e300, 0x1p63, -0x1p63, 5e-324, 6, 10.5,
};

static uint64_t draw(uint64_t *state)
{
    return sl_rng_hash(0x5eed, (*state)++);
}

/* A value for column c: mostly of its kind, random or an edge, sometimes null, of
 * another kind, or out of its kind's range. */
static sl_val random_value(int c, uint64_t *st)
{
    uint64_t r = draw(st), x = draw(st);
    int64_t edge = edge_ints[x % (sizeof edge_ints / sizeof edge_ints[0])];
    switch (r % 16) {
    case 0: return sl_val_null();
    case 1: return sl_val_str("x", 1);                     /* not the column's kind */
    case 2: return c == C_I ? sl_val_double(2.5) : sl_val_int(edge);
    default: break;
    }
    bool use_edge = r % 16 < 7;
    int64_t small = (int64_t)(x % 2000001) - 1000000;      /* near 0 and the thresholds */
    switch (c) {
    case C_TS: {
        /* the whole int64 range, or within 300 years of 1970 */
        int64_t near = (int64_t)(x % (600ull * 366 * (uint64_t)DAY)) - 300ll * 366 * DAY;
        return (sl_val){.kind = SL_VAL_TIMESTAMP, .u.i = use_edge ? edge : r & 32 ? (int64_t)x : near};
    }
    case C_DT: {
        /* out of int32 now and then, which the column takes as null */
        int64_t days = r & 32 ? (int64_t)(int32_t)x : (int64_t)(x % 200001) - 100000;
        return (sl_val){.kind = SL_VAL_DATE, .u.i = use_edge ? edge : days};
    }
    case C_TM: /* [0, DAY) but for the edges, some outside it */
        return (sl_val){.kind = SL_VAL_TIME, .u.i = use_edge ? edge : (int64_t)(x % (uint64_t)DAY)};
    case C_I: return sl_val_int(use_edge ? edge : r & 32 ? (int64_t)x : small / 1000);
    case C_D: {
        if (use_edge)
            return sl_val_double(edge_doubles[x % (sizeof edge_doubles / sizeof edge_doubles[0])]);
        double d;
        uint64_t bits = draw(st);
        memcpy(&d, &bits, sizeof d);                       /* any double, NaNs too */
        return sl_val_double(r & 32 ? d : (double)small / 997);
    }
    default: {
        /* scales 0..38 and a few outside, unscaled values near the thresholds or any */
        int32_t scale = (int32_t)(draw(st) % 43) - 2;
        if (r & 64)
            scale = 2;
        int64_t u = use_edge ? edge : r & 32 ? (int64_t)x : small * 10;
        return (sl_val){.kind = SL_VAL_DECIMAL, .u.dec = {u, scale}};
    }
    }
}

/* ------------------------------------------------------------ the comparison */

/* src with "{x}" written x and "[k]" written k (fused), or each wrapped in
 * coalesce() (general). */
static void rewrite(const char *src, bool general, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = src; *p; p++) {
        const char *text = NULL;
        if (*p == '{' || *p == '[')
            text = general ? "coalesce(" : "";
        else if (*p == '}' || *p == ']')
            text = general ? ")" : "";
        if (text) {
            size_t k = strlen(text);
            assert_true(o + k < n);
            memcpy(out + o, text, k);
            o += k;
        } else {
            assert_true(o + 1 < n);
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

/* Whether a and b are the same value, bit for bit but for a string's pointer: each
 * compile has its own copy of the literals. */
static bool same(const sl_val *a, const sl_val *b)
{
    if (a->kind != b->kind || a->plain != b->plain)
        return false;
    if (a->kind == SL_VAL_STRING)
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0;
    return memcmp(&a->u, &b->u, sizeof a->u) == 0;
}

static sl_expr *compile(const char *src)
{
    sl_expr *e = NULL;
    sl_error err;
    sl_error_clear(&err);
    if (sl_expr_compile(src, strlen(src), &env, &e, NULL, &err) != SL_OK)
        fail_msg("'%s' does not compile: %llu: %s", src, (unsigned long long)err.column, err.msg);
    return e;
}

#define ROWS 20000
#define BLOCK 128           /* rows a block holds, as a generator's */
#define STRIDE (NCOLS + 1)  /* a block's row: the columns, then the derived one */

typedef struct dcase {
    const char *src;        /* {column}, [constant] */
    sl_expr_eval_fn fused;  /* the root the fused compile must have, or NULL when the
                             * compile as written is not to be fused */
} dcase;

static void fail_row(const char *src, int r, const char *what, const sl_val *a, const sl_val *b,
                     const sl_val *row)
{
    fail_msg("'%s' row %d: %s: kind %d %lld against kind %d %lld (ts %lld dt %lld tm %lld i %lld "
             "d %a dec %lld/%d)",
             src, r, what, a->kind, (long long)a->u.i, b->kind, (long long)b->u.i,
             (long long)row[C_TS].u.i, (long long)row[C_DT].u.i, (long long)row[C_TM].u.i,
             (long long)row[C_I].u.i, row[C_D].u.d, (long long)row[C_DEC].u.dec.unscaled,
             (int)row[C_DEC].u.dec.scale);
}

/* Evaluates f (as written) and g (kept general) over ROWS random rows, row by row and
 * over blocks of rows (sl_expr_eval_rows), and fails at the first difference. */
static void check_exprs(const char *fsrc, const sl_expr *f, const sl_expr *g)
{
    assert_int_equal(sl_expr_kind(f), sl_expr_kind(g));
    sl_arena arena;
    sl_arena_init(&arena, 0);
    uint64_t st = 1, keys[BLOCK];
    sl_val block[BLOCK * STRIDE], a[BLOCK], b[BLOCK];
    for (int r0 = 0; r0 < ROWS; r0 += BLOCK) {
        for (int r = 0; r < BLOCK; r++) {
            sl_val *row = block + r * STRIDE;
            for (int c = 0; c < NCOLS; c++)
                row[c] = random_value(c, &st);
            keys[r] = draw(&st);
            assert_int_equal(sl_expr_eval(f, row, keys[r], &arena, &a[r]), SL_OK);
            assert_int_equal(sl_expr_eval(g, row, keys[r], &arena, &b[r]), SL_OK);
            if (!same(&a[r], &b[r]))
                fail_row(fsrc, r0 + r, "fused against general", &a[r], &b[r], row);
        }
        for (int k = 0; k < 2; k++) {
            assert_int_equal(sl_expr_eval_rows(k ? g : f, block, STRIDE, BLOCK, keys, &arena,
                                               block + NCOLS), SL_OK);
            for (int r = 0; r < BLOCK; r++)
                if (!same(&block[r * STRIDE + NCOLS], &a[r]))
                    fail_row(fsrc, r0 + r, k ? "general rows against row" : "rows against row",
                             &block[r * STRIDE + NCOLS], &a[r], block + r * STRIDE);
        }
        sl_arena_reset(&arena);
    }
    sl_arena_free(&arena);
}

static void check_same(const dcase *dc)
{
    char fsrc[1024], gsrc[2048];
    rewrite(dc->src, false, fsrc, sizeof fsrc);
    rewrite(dc->src, true, gsrc, sizeof gsrc);
    sl_expr *f = compile(fsrc), *g = compile(gsrc);
    if (dc->fused && f->root->eval != dc->fused)
        fail_msg("'%s' is not fused as expected", fsrc);
    if (dc->fused && g->root->eval == dc->fused)
        fail_msg("'%s' is fused", gsrc);
    check_exprs(fsrc, f, g);
    sl_expr_free(f);
    sl_expr_free(g);
}

static void check_all(const dcase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        check_same(&cases[i]);
}

#define CHECK(cases) check_all(cases, sizeof cases / sizeof cases[0])

/* ------------------------------------------------------------ the fused shapes */

static void test_parts(void **state)
{
    (void)state;
    static const dcase cases[] = {
        {"date({ts})", sl_expr_ev_date_col},
        {"year({ts})", sl_expr_ev_year_col},
        {"month({ts})", sl_expr_ev_month_col},
        {"day({ts})", sl_expr_ev_day_col},
        {"weekday({ts})", sl_expr_ev_weekday_col},
        {"hour({ts})", sl_expr_ev_hour_col},
        {"minute({ts})", sl_expr_ev_minute_col},
        {"year({dt})", sl_expr_ev_year_col},
        {"month({dt})", sl_expr_ev_month_col},
        {"day({dt})", sl_expr_ev_day_col},
        {"weekday({dt})", sl_expr_ev_weekday_col},
        {"hour({tm})", sl_expr_ev_hour_col},
        {"minute({tm})", sl_expr_ev_minute_col},
    };
    CHECK(cases);
}

static void test_part_comparisons(void **state)
{
    (void)state;
    static const dcase cases[] = {
        {"weekday({ts}) >= [6]", sl_expr_ev_cmp_part},
        {"weekday({dt}) > [5]", sl_expr_ev_cmp_part},
        {"weekday({ts}) = [7]", sl_expr_ev_cmp_part},
        {"weekday({ts}) != [1]", sl_expr_ev_cmp_part},
        {"weekday({ts}) < [0]", sl_expr_ev_cmp_part},
        {"weekday({ts}) <= [100]", sl_expr_ev_cmp_part},
        {"hour({ts}) < [12]", sl_expr_ev_cmp_part},
        {"hour({tm}) >= [23]", sl_expr_ev_cmp_part},
        {"hour({ts}) = [-9223372036854775808]", sl_expr_ev_cmp_part},
        {"hour({ts}) != [9223372036854775807]", sl_expr_ev_cmp_part},
        {"minute({tm}) = [30]", sl_expr_ev_cmp_part},
        {"minute({ts}) <= [59]", sl_expr_ev_cmp_part},
        {"month({dt}) != [2]", sl_expr_ev_cmp_part},
        {"month({ts}) > [11]", sl_expr_ev_cmp_part},
        {"day({ts}) <= [15]", sl_expr_ev_cmp_part},
        {"day({dt}) = [31]", sl_expr_ev_cmp_part},
        /* a year has too many values for a mask: a comparison with a constant */
        {"year({ts}) > [2000]", sl_expr_ev_cmp_const},
        {"year({dt}) = [-5877641]", sl_expr_ev_cmp_const},
    };
    CHECK(cases);
}

static void test_constant_comparisons(void **state)
{
    (void)state;
    static const dcase cases[] = {
        {"{dec} < [10]", sl_expr_ev_cmp_const},
        {"{dec} >= [10.5]", sl_expr_ev_cmp_const},
        {"{d} = [10]", sl_expr_ev_cmp_const},
        {"{d} != [0.0]", sl_expr_ev_cmp_const},
        {"{i} < [2.5]", sl_expr_ev_cmp_const},
        {"{i} <= [-9223372036854775808]", sl_expr_ev_cmp_const},
        {"{ts} >= [timestamp '1970-01-01']", sl_expr_ev_cmp_const},
        {"{dt} < [date '1969-12-31']", sl_expr_ev_cmp_const},
    };
    CHECK(cases);
}

static void test_cases(void **state)
{
    (void)state;
    static const dcase cases[] = {
        /* card_transactions' amount_band, on each kind of number */
        {"case when {dec} < [10] then ['micro'] when {dec} < [50] then ['small'] when {dec} < [200] "
         "then ['medium'] when {dec} < [1000] then ['large'] else ['very_large'] end",
         sl_expr_ev_case_sorted},
        {"case when {d} < [10] then ['micro'] when {d} < [50] then ['small'] else ['big'] end",
         sl_expr_ev_case_sorted},
        {"case when {i} <= [10] then ['a'] when {i} <= [10] then ['b'] when {i} <= [1001] then ['c'] end",
         sl_expr_ev_case_sorted},
        /* school's grade: descending >= */
        {"case when {dec} >= [97] then ['A+'] when {dec} >= [93] then ['A'] when {dec} >= [90] then "
         "['A-'] when {dec} >= [60] then ['D-'] else ['F'] end",
         sl_expr_ev_case_sorted},
        {"case when {d} > [1000] then [1] when {d} > [10.5] then [2] when {d} > [-1] then [3] end",
         sl_expr_ev_case_sorted},
        /* ints and doubles mixed in the branches: the case's double */
        {"case when {i} < [0] then [1] when {i} < [10] then [2.5] else [3] end", sl_expr_ev_case_sorted},
        /* decimals pass through when every branch is one */
        {"case when {i} < [0] then {dec} when {i} < [10] then {dec} end", sl_expr_ev_case_sorted},
        /* times, dates and timestamps compare as ints */
        {"case when {ts} < [timestamp '1969-12-31T23:59:59Z'] then ['old'] when {ts} < "
         "[timestamp '2026-01-01'] then ['new'] else ['future'] end",
         sl_expr_ev_case_sorted},
        {"case when {dt} >= [date '2000-01-01'] then [date '2000-01-01'] when {dt} >= "
         "[date '1900-01-01'] then [date '1900-01-01'] else [timestamp '1800-01-01T12:00:00Z'] end",
         sl_expr_ev_case_sorted},
        /* not ordered, or not one operator: a case over one column, branch by branch */
        {"case when {i} < [10] then ['a'] when {i} < [5] then ['b'] when {i} = [7] then ['c'] end",
         sl_expr_ev_case_col},
        {"case when {i} < [10] then ['a'] when {i} < [10.5] then ['b'] else ['c'] end",
         sl_expr_ev_case_col},
        {"case when {d} < [10] then ['a'] when {d} > [50] then ['b'] else ['c'] end", sl_expr_ev_case_col},
        {"case when {dec} = [10] then {dec} when {dec} != [50] then [1] end", sl_expr_ev_case_col},
    };
    CHECK(cases);
}

/* General expressions over blocks of rows: random draws take each row's key, strings
 * are made in the arena, a failure stops the block. */
static void test_rows(void **state)
{
    (void)state;
    static const dcase cases[] = {
        {"{i} + [5] + random_int([0], [1])", NULL},
        {"if(random() < [0.5], {d}, [1])", NULL},
        {"string({ts}) || [' '] || string({dec})", NULL},
        {"date({dt})", NULL},   /* left general: passes the row's value through */
        {"case when {i} < [10] then {dec} when {i} < [20] then [2.5] end", NULL},
    };
    CHECK(cases);

    sl_expr *e = compile("random_int(1, 6)");
    assert_true(sl_expr_draws(e));
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_val out[4];
    assert_int_equal(sl_expr_eval_rows(e, NULL, 1, 4, NULL, &arena, out), SL_OK);
    for (int r = 0; r < 4; r++) {   /* no keys: every key is 0 */
        sl_val one;
        assert_int_equal(sl_expr_eval(e, NULL, 0, &arena, &one), SL_OK);
        assert_true(same(&out[r], &one));
    }
    assert_int_equal(sl_expr_eval_rows(e, NULL, 1, 0, NULL, &arena, NULL), SL_OK);
    assert_int_equal(sl_expr_eval_rows(NULL, NULL, 1, 1, NULL, &arena, out), SL_ERR_USAGE);
    assert_int_equal(sl_expr_eval_rows(e, NULL, 1, 1, NULL, NULL, out), SL_ERR_USAGE);
    assert_int_equal(sl_expr_eval_rows(e, NULL, 1, 1, NULL, &arena, NULL), SL_ERR_USAGE);
    assert_int_equal(sl_expr_eval_rows(e, NULL, 0, 1, NULL, &arena, out), SL_ERR_USAGE);
    sl_expr_free(e);
    e = compile("hour(ts)");
    assert_false(sl_expr_draws(e));
    sl_expr_free(e);
    sl_arena_free(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_part_comparisons),
        cmocka_unit_test(test_constant_comparisons),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
