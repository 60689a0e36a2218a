/* Unit tests for the expression language (src/gen/expr.h): each case compiles an
 * expression against a fixed row, evaluates it, and compares the value, rendered by
 * this file's own printer (dates through gmtime_r, doubles as their shortest
 * round-trip form), with the expected text; plus static kinds, errors with their
 * positions, null semantics, determinism of random(), and the limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>

#include <cmocka.h>

#include "gen/expr.h"
#include "gen/rng.h"

/* ------------------------------------------------------------ the test row */

#define BIG_LEN (9u << 20) /* two of these joined pass SL_EXPR_MAX_STRING */
static char *big_text;
static const sl_val list_items[] = {{.kind = SL_VAL_INT, .u.i = 1}, {.kind = SL_VAL_INT, .u.i = 2},
                                    {.kind = SL_VAL_INT, .u.i = 3}};

typedef struct col {
    const char *name;
    sl_val_kind kind;   /* what lookup reports */
    sl_val v;           /* the row's value */
} col;

static col cols[] = {
    {"i", SL_VAL_INT, {.kind = SL_VAL_INT, .u.i = 7}},
    {"j", SL_VAL_INT, {.kind = SL_VAL_INT, .u.i = -3}},
    {"big", SL_VAL_INT, {.kind = SL_VAL_INT, .u.i = INT64_MAX}},
    {"small", SL_VAL_INT, {.kind = SL_VAL_INT, .u.i = INT64_MIN}},
    {"n", SL_VAL_INT, {.kind = SL_VAL_NULL}},
    {"d", SL_VAL_DOUBLE, {.kind = SL_VAL_DOUBLE, .u.d = 2.5}},
    {"nan", SL_VAL_DOUBLE, {.kind = SL_VAL_DOUBLE, .u.d = NAN}},
    {"dec", SL_VAL_DECIMAL, {.kind = SL_VAL_DECIMAL, .u.dec = {12345, 2}}},
    {"dec0", SL_VAL_DECIMAL, {.kind = SL_VAL_DECIMAL, .u.dec = {-5, 3}}},
    {"s", SL_VAL_STRING, {.kind = SL_VAL_STRING, .u.s = {"h\xc3\xa9llo", 6}}},
    {"e", SL_VAL_STRING, {.kind = SL_VAL_STRING, .u.s = {NULL, 0}}},
    {"sn", SL_VAL_STRING, {.kind = SL_VAL_NULL}},
    {"fmt", SL_VAL_STRING, {.kind = SL_VAL_STRING, .u.s = {"%d items", 8}}},
    {"b", SL_VAL_BOOL, {.kind = SL_VAL_BOOL, .u.b = true}},
    {"f", SL_VAL_BOOL, {.kind = SL_VAL_BOOL, .u.b = false}},
    {"bn", SL_VAL_BOOL, {.kind = SL_VAL_NULL}},
    {"dt", SL_VAL_DATE, {.kind = SL_VAL_DATE, .u.i = 20454}},                  /* 2026-01-01 */
    {"ts", SL_VAL_TIMESTAMP, {.kind = SL_VAL_TIMESTAMP, .u.i = 1767263415250000}}, /* 10:30:15.25Z */
    {"t", SL_VAL_TIME, {.kind = SL_VAL_TIME, .u.i = 49530000000}},             /* 13:45:30 */
    {"l", SL_VAL_LIST, {.kind = SL_VAL_LIST, .u.list = {list_items, 3}}},
    {"location.city", SL_VAL_STRING, {.kind = SL_VAL_STRING, .u.s = {"Paris", 5}}},
    {"wrong", SL_VAL_INT, {.kind = SL_VAL_STRING, .u.s = {"x", 1}}},  /* not the kind declared */
    {"badtime", SL_VAL_TIME, {.kind = SL_VAL_TIME, .u.i = 86400000000}},
    {"baddec", SL_VAL_DECIMAL, {.kind = SL_VAL_DECIMAL, .u.dec = {1, 40}}},
    {"huge", SL_VAL_STRING, {.kind = SL_VAL_STRING}},                 /* BIG_LEN bytes, set up */
    {"tmin", SL_VAL_TIMESTAMP, {.kind = SL_VAL_TIMESTAMP, .u.i = INT64_MIN}},
    {"tmax", SL_VAL_TIMESTAMP, {.kind = SL_VAL_TIMESTAMP, .u.i = INT64_MAX}},
    {"dmin", SL_VAL_DATE, {.kind = SL_VAL_DATE, .u.i = INT32_MIN}},
    {"dmax", SL_VAL_DATE, {.kind = SL_VAL_DATE, .u.i = INT32_MAX}},
};
#define NCOLS (sizeof cols / sizeof cols[0])
static sl_val row[NCOLS];

static int lookup(void *ctx, const char *name, size_t len, sl_val_kind *kind)
{
    (void)ctx;
    for (size_t i = 0; i < NCOLS; i++) {
        if (strlen(cols[i].name) == len && memcmp(cols[i].name, name, len) == 0) {
            *kind = cols[i].kind;
            return (int)i;
        }
    }
    return -1;
}

static const sl_expr_env env = {lookup, NULL};
static sl_arena arena;

static int setup(void **state)
{
    (void)state;
    big_text = malloc(BIG_LEN);
    if (!big_text)
        return -1;
    memset(big_text, 'x', BIG_LEN);
    for (size_t i = 0; i < NCOLS; i++) {
        if (strcmp(cols[i].name, "huge") == 0)
            cols[i].v.u.s.ptr = big_text, cols[i].v.u.s.len = BIG_LEN;
        row[i] = cols[i].v;
    }
    sl_arena_init(&arena, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sl_arena_free(&arena);
    free(big_text);
    return 0;
}

/* ------------------------------------------------------------ rendering */

static void put_civil(char *out, size_t n, int64_t secs)
{
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

/* "kind value", independent of the module's own text forms. */
static const char *render(const sl_val *v, char *out, size_t n)
{
    char tmp[64];
    switch (v->kind) {
    case SL_VAL_NULL: snprintf(out, n, "null"); break;
    case SL_VAL_BOOL: snprintf(out, n, "bool %s", v->u.b ? "true" : "false"); break;
    case SL_VAL_INT: snprintf(out, n, "int %lld", (long long)v->u.i); break;
    case SL_VAL_DOUBLE:
        if (v->u.d == floor(v->u.d) && fabs(v->u.d) < 1e15) {
            snprintf(out, n, "double %.0f", v->u.d);
            break;
        }
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(tmp, sizeof tmp, "%.*g", prec, v->u.d);
            if (strtod(tmp, NULL) == v->u.d || prec == 17)
                break;
        }
        snprintf(out, n, "double %s", tmp);
        break;
    case SL_VAL_DECIMAL:
        snprintf(out, n, "decimal %llde-%d", (long long)v->u.dec.unscaled, (int)v->u.dec.scale);
        break;
    case SL_VAL_STRING:
        if (v->u.s.len > 100)
            snprintf(out, n, "string of %zu bytes", (size_t)v->u.s.len);
        else
            snprintf(out, n, "string '%.*s'", (int)v->u.s.len, v->u.s.ptr);
        break;
    case SL_VAL_DATE:
        put_civil(tmp, sizeof tmp, v->u.i * 86400);
        snprintf(out, n, "date %.10s", tmp);
        break;
    case SL_VAL_TIMESTAMP: {
        int64_t s = v->u.i / 1000000, us = v->u.i % 1000000;
        if (us < 0)
            s--, us += 1000000;
        put_civil(tmp, sizeof tmp, s);
        snprintf(out, n, "timestamp %s.%06lld", tmp, (long long)us);
        break;
    }
    case SL_VAL_TIME:
        snprintf(out, n, "time %02lld:%02lld:%02lld.%06lld", (long long)(v->u.i / 3600000000),
                 (long long)(v->u.i / 60000000 % 60), (long long)(v->u.i / 1000000 % 60),
                 (long long)(v->u.i % 1000000));
        break;
    case SL_VAL_LIST: snprintf(out, n, "list of %zu", v->u.list.len); break;
    }
    return out;
}

/* Compiles and evaluates src with rand_key 42; checks that the value is of the static
 * kind or null, and returns the static kind. */
static sl_val_kind eval_key(const char *src, uint64_t key, sl_val *out)
{
    sl_expr *e = NULL;
    sl_val_kind kind;
    sl_error err;
    sl_error_clear(&err);
    sl_status st = sl_expr_compile(src, strlen(src), &env, &e, &kind, &err);
    if (st != SL_OK)
        fail_msg("'%s' does not compile: %llu: %s", src, (unsigned long long)err.column, err.msg);
    assert_int_equal(sl_expr_kind(e), kind);
    assert_int_equal(sl_expr_eval(e, row, key, &arena, out), SL_OK);
    if (out->kind != SL_VAL_NULL && out->kind != kind)
        fail_msg("'%s': value of kind %d, static kind %d", src, out->kind, kind);
    sl_expr_free(e);
    return kind;
}

typedef struct ecase {
    const char *src, *want;
} ecase;

static void check_cases(const ecase *cases, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        sl_val v;
        char got[256];
        eval_key(cases[i].src, 42, &v);
        render(&v, got, sizeof got);
        if (strcmp(got, cases[i].want) != 0) {
            print_error("%s\n    want: %s\n    got:  %s\n", cases[i].src, cases[i].want, got);
            bad++;
        }
    }
    sl_arena_reset(&arena);
    assert_int_equal(bad, 0);
}

#define CHECK(cases) check_cases(cases, sizeof cases / sizeof cases[0])

/* ------------------------------------------------------------ values */

static void test_literals(void **state)
{
    (void)state;
    static const ecase cases[] = {
        {"12", "int 12"},
        {"3.5", "double 3.5"},
        {".5", "double 0.5"},
        {"1e3", "double 1000"},
        {"2.5E-1", "double 0.25"},
        {"-9223372036854775808", "int -9223372036854775808"},
        {"- 5", "int -5"},
        {"'it''s'", "string 'it's'"},
        {"\"say \"\"hi\"\"\"", "string 'say \"hi\"'"},
        {"'a\"b'", "string 'a\"b'"},
        {"''", "string ''"},
        {"true", "bool true"},
        {"FALSE", "bool false"},
        {"null", "null"},
        {"date '2026-01-01'", "date 2026-01-01"},
        {"DATE '2024-02-29'", "date 2024-02-29"},
        {"timestamp '2026-01-01T10:00:00Z'", "timestamp 2026-01-01 10:00:00.000000"},
        {"timestamp '2026-01-01 10:00'", "timestamp 2026-01-01 10:00:00.000000"},
        {"timestamp '2026-01-01T10:00:00.5+02:00'", "timestamp 2026-01-01 08:00:00.500000"},
        {"timestamp '2026-01-01T10:00:00-0130'", "timestamp 2026-01-01 11:30:00.000000"},
        {"timestamp '1969-12-31T23:59:59.999999000Z'", "timestamp 1969-12-31 23:59:59.999999"},
        {"timestamp '2026-03-01'", "timestamp 2026-03-01 00:00:00.000000"},
        {"  7  ", "int 7"},
    };
    CHECK(cases);
}

static void test_columns(void **state)
{
    (void)state;
    static const ecase cases[] = {
        {"i", "int 7"},
        {"dec", "decimal 12345e-2"},
        {"location.city", "string 'Paris'"},
        {"e", "string ''"},
        {"t", "time 13:45:30.000000"},
        {"l", "list of 3"},
        {"n", "null"},
        /* values that are not what lookup promised are null */
        {"wrong", "null"},
        {"badtime", "null"},
        {"baddec", "null"},
    };
    CHECK(cases);
}

static void test_arithmetic(void **state)
{
    (void)state;
    static const ecase cases[] = {
        {"1 + 2 * 3", "int 7"},
        {"(1 + 2) * 3", "int 9"},
        {"1 - 2 - 3", "int -4"},
        {"100 / 10 / 5", "int 2"},
        {"2 * 3 % 4", "int 2"},
        {"-i * 2", "int -14"},
        {"- -i", "int 7"},
        {"7 / 2", "int 3"},
        {"-7 / 2", "int -3"},
        {"7 % 3", "int 1"},
        {"-7 % 3", "int -1"},
        {"7 % -3", "int 1"},
        {"7.0 / 2", "double 3.5"},
        {"7 / 2.0", "double 3.5"},
        {"i + d", "double 9.5"},
        {"dec + 1", "double 124.45"},
        {"dec * 2", "double 246.9"},
        {"-dec", "double -123.45"},
        {"5.5 % 2", "double 1.5"},
        {"1 / 0", "null"},
        {"1.5 / 0", "null"},
        {"1 / 0.0", "null"},
        {"5 % 0", "null"},
        {"5.5 % 0", "null"},
        {"big + 1", "null"},
        {"small - 1", "null"},
        {"big * 2", "null"},
        {"small / -1", "null"},
        {"small % -1", "int 0"},
        {"-small", "null"},
        {"big - 1 + 1", "int 9223372036854775807"},
        {"1e308 * 10", "double inf"},
        {"n + 1", "null"},
        {"1 + null", "null"},
        {"null * null", "null"},
        {"1 + 2 || 'x'", "string '3x'"},
    };
    CHECK(cases);
}

static void test_comparisons(void **state)
{
    (void)state;
    static const ecase cases[] = {
        {"1 < 2", "bool true"},
        {"2 <= 2", "bool true"},
        {"3 > 4", "bool false"},
        {"i >= 7", "bool true"},
        {"1 = 1.0", "bool true"},
        {"1 == 1", "bool true"},
        {"1 != 1", "bool false"},
        {"1 <> 2", "bool true"},
        {"dec > 123.4", "bool true"},
        {"dec = 123.45", "bool true"},
        {"'a' < 'b'", "bool true"},
        {"'a' < 'ab'", "bool true"},
        {"'b' > 'ab'", "bool true"},
        {"'Z' < 'a'", "bool true"},
        {"s = 'h\xc3\xa9llo'", "bool true"},
        {"e = ''", "bool true"},
        {"true > false", "bool true"},
        {"t = t", "bool true"},
        {"dt = timestamp '2026-01-01T00:00:00Z'", "bool true"},
        {"timestamp '2026-01-01T00:00:00Z' = dt", "bool true"},
        {"dt < ts", "bool true"},
        {"ts > dt", "bool true"},
        {"dt = ts", "bool false"},
        {"date '2026-01-02' > ts", "bool true"},
        {"dt > timestamp '2025-12-31T23:59:59.999999Z'", "bool true"},
        {"dt < timestamp '1900-01-01T00:00:00Z'", "bool false"},
        {"nan = nan", "bool false"},
        {"nan != nan", "bool true"},
        {"nan < 1", "bool false"},
        {"nan >= 1", "bool false"},
        {"n = 1", "null"},
        {"null = null", "null"},
        {"sn < 'a'", "null"},
        /* a constant on the right takes the compiled fast paths: ints, dates,
         * timestamps of one kind; numbers of mixed kinds as doubles */
        {"i < 8", "bool true"},
        {"i <> 7", "bool false"},
        {"n < 8", "null"},
        {"wrong = 1", "null"},
        {"big > 9.2e18", "bool true"},
        {"small <= -9223372036854775807", "bool true"},
        {"dec < 124", "bool true"},
        {"dec >= 123.46", "bool false"},
        {"dec0 < 0", "bool true"},
        {"d = 2.5", "bool true"},
        {"d > 2", "bool true"},
        {"nan != 1", "bool true"},
        {"nan <= 1.5", "bool false"},
        {"dt = date '2026-01-01'", "bool true"},
        {"dt > date '2026-01-01'", "bool false"},
        {"ts >= timestamp '2026-01-01T10:30:15.25Z'", "bool true"},
        {"ts > timestamp '2026-01-01T10:30:15.25Z'", "bool false"},
        {"weekday(dt) >= 4", "bool true"},
        {"hour(ts) = 10", "bool true"},
        {"baddec < 1", "null"},
    };
    CHECK(cases);
}

static void test_logic(void **state)
{
    (void)state;
    static const ecase cases[] = {
        {"true and true", "bool true"},
        {"true and false", "bool false"},
        {"null and false", "bool false"},
        {"false and null", "bool false"},
        {"null and true", "null"},
        {"true or null", "bool true"},
        {"null or true", "bool true"},
        {"null or false", "null"},
        {"false or false", "bool false"},
        {"not true", "bool false"},
        {"not null", "null"},
        {"not not b", "bool true"},
        {"NOT f AND b", "bool true"},
        {"f and f or b", "bool true"},       /* and binds tighter than or */
        {"b or bn and f", "bool true"},
        {"not i = 7", "bool false"},         /* not is looser than = */
        {"true and true and true and bn", "null"},
        {"1 / 0 = 1 or i = 7", "bool true"},
    };
    CHECK(cases);
}

static void test_in_between_is(void **state)
{
    (void)state;
    static const ecase cases[] = {
        {"i in (1, 7)", "bool true"},
        {"i in (1, 2)", "bool false"},
        {"i in (1, null)", "null"},
        {"i in (7, null)", "bool true"},
        {"i in (7.0)", "bool true"},
        {"n in (1)", "null"},
        {"i not in (1, 2)", "bool true"},
        {"i not in (7)", "bool false"},
        {"i not in (1, null)", "null"},
        {"'b' in ('a', 'b')", "bool true"},
        {"dt in (ts, timestamp '2026-01-01T00:00:00Z')", "bool true"},
        {"i between 1 and 10", "bool true"},
        {"i between 7 and 7", "bool true"},
        {"i between 8 and 10", "bool false"},
        {"i not between 8 and 10", "bool true"},
        {"i between 1 + 1 and i * 2", "bool true"},
        {"i between null and 5", "bool false"},
        {"i between null and 10", "null"},
        {"i not between null and 5", "bool true"},
        {"n between 1 and 2", "null"},
        {"dt between date '2025-12-31' and ts", "bool true"},
        {"i between 1 and 10 and b", "bool true"},
        {"n is null", "bool true"},
        {"i is null", "bool false"},
        {"i is not null", "bool true"},
        {"null is null", "bool true"},
        {"1 / 0 is null", "bool true"},
        {"sn IS NOT NULL", "bool false"},
        {"l is not null", "bool true"},
    };
    CHECK(cases);
}

static void test_conditionals(void **state)
{
    (void)state;
    static const ecase cases[] = {
        {"case when i > 5 then 'big' else 'small' end", "string 'big'"},
        {"case when i > 10 then 1 end", "null"},
        {"case when null then 1 else 2 end", "int 2"},
        {"case when bn then 1 else 2 end", "int 2"},
        {"case when i = 7 then 1 when i > 0 then 2 end", "int 1"},
        {"case when f then 1 when b then 2.5 end", "double 2.5"},
        {"case when b then 1 else 2.5 end", "double 1"},
        {"case when b then dt else ts end", "timestamp 2026-01-01 00:00:00.000000"},
        /* conditions that all compare one column with constants read it once */
        {"case when dec < 100 then 'a' when dec < 200 then 'b' else 'c' end", "string 'b'"},
        {"case when dec < 100 then 'a' when dec >= 123.45 then 'b' end", "string 'b'"},
        {"case when dec < 100 then 'a' when dec > 123.45 then 'b' end", "null"},
        {"case when i < 5 then 1 when i < 7.5 then 2 end", "int 2"},
        {"case when i = 7 then 1 when i < 7.5 then 2 end", "int 1"},
        {"case when i < 5 then 1 when i < 6.5 then 2 else 3.5 end", "double 3.5"},
        {"case when n < 5 then 1 else 0 end", "int 0"},
        {"case when nan < 1 then 1 when nan != 1 then 2 end", "int 2"},
        {"case when d < 1 then 'x' end", "null"},
        {"case when dt < date '2026-01-01' then 1 when dt = date '2026-01-01' then 2 end", "int 2"},
        {"case when wrong = 1 then 1 else 2 end", "int 2"},
        {"case when i < 5 then 1 when j < 0 then 2 end", "int 2"},
        {"case when b then null else 3 end", "null"},
        {"CASE WHEN f THEN 1 ELSE case when b then 2 end END", "int 2"},
        {"if(b, 1, 2)", "int 1"},
        {"if(bn, 1, 2)", "int 2"},
        {"if(null, 1, 2)", "int 2"},
        {"if(f, 1, 2.5)", "double 2.5"},
        {"if(b, 1, dec)", "double 1"},
        {"if(b, dt, ts)", "timestamp 2026-01-01 00:00:00.000000"},
        {"if(b, n, 5)", "null"},
        {"coalesce(n, 3)", "int 3"},
        {"coalesce(n, null, i)", "int 7"},
        {"coalesce(null, null)", "null"},
        {"coalesce(n, 1, 2.5)", "double 1"},
        {"coalesce(dec, 1)", "double 123.45"},
        {"coalesce(dec, dec0)", "decimal 12345e-2"},
        {"coalesce(sn, 'none')", "string 'none'"},
    };
    CHECK(cases);
}

static void test_number_functions(void **state)
{
    (void)state;
    static const ecase cases[] = {
        {"abs(j)", "int 3"},
        {"abs(i)", "int 7"},
        {"abs(small)", "null"},
        {"abs(-2.5)", "double 2.5"},
        {"abs(dec0)", "double 0.005"},
        {"abs(n)", "null"},
        {"round(2.5)", "double 3"},
        {"round(-2.5)", "double -3"},
        {"round(2.4)", "double 2"},
        {"round(i)", "int 7"},
        {"round(i, 2)", "int 7"},
        {"round(1234, -2)", "int 1200"},
        {"round(1250, -2)", "int 1300"},
        {"round(-1250, -2)", "int -1300"},
        {"round(-1249, -2)", "int -1200"},
        {"round(5, -19)", "int 0"},
        {"round(big, -1)", "null"},
        {"round(3.14159, 2)", "double 3.14"},
        {"round(d, 0)", "double 3"},
        {"round(1234.5, -2)", "double 1200"},
        {"round(dec, 1)", "double 123.5"},
        {"round(1.5, 400)", "double 1.5"},
        {"round(1.5, -400)", "double 0"},
        {"round(d, n)", "null"},
        {"floor(-2.5)", "double -3"},
        {"floor(i)", "int 7"},
        {"ceil(2.1)", "double 3"},
        {"ceil(j)", "int -3"},
        {"ceil(dec)", "double 124"},
        {"min(3, 1, 2)", "int 1"},
        {"max(3, 1, 2)", "int 3"},
        {"max(3, 1.5)", "double 3"},
        {"min(i)", "int 7"},
        {"min(1, null)", "null"},
        {"max(n, 1)", "null"},
        {"min('b', 'a', 'c')", "string 'a'"},
        {"max(dt, ts)", "timestamp 2026-01-01 10:30:15.250000"},
        {"min(dt, ts)", "timestamp 2026-01-01 00:00:00.000000"},
        {"max(f, b)", "bool true"},
        {"max(dec, 200)", "double 200"},
    };
    CHECK(cases);
}

static void test_string_functions(void **state)
{
    (void)state;
    static const ecase cases[] = {
        {"length(s)", "int 5"},      /* characters, not bytes */
        {"length('')", "int 0"},
        {"length(e)", "int 0"},
        {"length(l)", "int 3"},
        {"length(sn)", "null"},
        {"upper(s)", "string 'H\xc3\xa9LLO'"},
        {"lower('AbC-1')", "string 'abc-1'"},
        {"substr('hello', 2, 3)", "string 'ell'"},
        {"substr('hello', 2)", "string 'ello'"},
        {"substr('hello', 0, 3)", "string 'he'"},
        {"substr('hello', -2)", "string 'hello'"},
        {"substr('hello', 4, 10)", "string 'lo'"},
        {"substr('hello', 10)", "string ''"},
        {"substr('hello', 2, 0)", "string ''"},
        {"substr('hello', 2, -1)", "null"},
        {"substr(s, 2, 2)", "string '\xc3\xa9l'"},
        {"substr('hello', 1, big)", "string 'hello'"},
        {"substr('hello', small, big)", "string ''"},
        {"substr(sn, 1)", "null"},
        {"substr('abc', n)", "null"},
        {"'a' || 'b' || 'c'", "string 'abc'"},
        {"location.city || ', ' || upper('fr')", "string 'Paris, FR'"},
        {"'x' || n", "null"},
        {"e || e", "string ''"},
        {"concat('a', 1, 2.5, true, dec, dec0)", "string 'a12.5true123.45-0.005'"},
        {"concat(dt, ' ', ts, ' ', t)", "string '2026-01-01 2026-01-01T10:30:15.250000Z 13:45:30'"},
        {"concat('a', null)", "null"},
        {"concat(s)", "string 'h\xc3\xa9llo'"},
        {"string(0.1)", "string '0.1'"},
        {"string(1 / 3.0)", "string '0.3333333333333333'"},
        {"string(0.1 + 0.2)", "string '0.30000000000000004'"},
        {"string(1e20)", "string '1e+20'"},
        {"string(3.0)", "string '3'"},
        {"string(-0.0)", "string '-0'"},
        {"string(nan)", "string 'nan'"},
        {"string(-1e308 * 10)", "string '-inf'"},
        {"string(i)", "string '7'"},
        {"string(small)", "string '-9223372036854775808'"},
        {"string(b)", "string 'true'"},
        {"string(dec)", "string '123.45'"},
        {"string(dec0)", "string '-0.005'"},
        {"string(dt)", "string '2026-01-01'"},
        {"string(date '0001-01-01')", "string '0001-01-01'"},
        {"string(date_add(date '0001-01-01', -1))", "string '0000-12-31'"},
        {"string(date_add(date '0001-01-01', -367))", "string '-0001-12-31'"},
        {"string(date_add(date '9999-12-31', 1))", "string '+10000-01-01'"},
        {"string(ts)", "string '2026-01-01T10:30:15.250000Z'"},
        {"string(timestamp '1969-12-31T23:59:59.000001Z')", "string '1969-12-31T23:59:59.000001Z'"},
        {"string(timestamp '2026-01-01T00:00:00Z')", "string '2026-01-01T00:00:00Z'"},
        {"string(t)", "string '13:45:30'"},
        {"string(s)", "string 'h\xc3\xa9llo'"},
        {"string(null)", "null"},
        /* strings past SL_EXPR_MAX_STRING are null */
        {"huge || ''", "string of 9437184 bytes"},
        {"huge || huge", "null"},
        {"concat(huge, 'x', huge)", "null"},
    };
    CHECK(cases);
}

static void test_format(void **state)
{
    (void)state;
    static const ecase cases[] = {
        {"format('%d-%s', 5, 'x')", "string '5-x'"},
        {"format('%i', 7)", "string '7'"},
        {"format('%05d', 42)", "string '00042'"},
        {"format('%05d', -42)", "string '-0042'"},
        {"format('%5d|', 42)", "string '   42|'"},
        {"format('%-5d|', 42)", "string '42   |'"},
        {"format('%.3d', 7)", "string '007'"},
        {"format('%05.3d|', 7)", "string '  007|'"},   /* as in C: 0 gives way to a precision */
        {"format('%-05d|', 42)", "string '42   |'"},
        {"format('%08.3f', -2.5)", "string '-002.500'"},
        {"format('%-8.1f|', 2.25)", "string '2.2     |'"},
        {"format('%-6x|', 255)", "string 'ff    |'"},
        {"format('%x', 255)", "string 'ff'"},
        {"format('%04x', 255)", "string '00ff'"},
        {"format('%x', -1)", "string 'ffffffffffffffff'"},
        {"format('%f', 1)", "string '1.000000'"},
        {"format('%.2f', 3.14159)", "string '3.14'"},
        {"format('%8.3f|', -2.5)", "string '  -2.500|'"},
        {"format('%.0f', 2.5)", "string '2'"},
        {"format('%.2f', dec)", "string '123.45'"},
        {"format('%d', 3.9)", "string '3'"},
        {"format('%d', -3.9)", "string '-3'"},
        {"format('%d', dec)", "string '123'"},
        {"format('%s', dt)", "string '2026-01-01'"},
        {"format('%s and %s', b, d)", "string 'true and 2.5'"},
        {"format('%5s|', 'ab')", "string '   ab|'"},
        {"format('%-5s|', '\xc3\xa9')", "string '\xc3\xa9    |'"},
        {"format('%.2s', s)", "string 'h\xc3\xa9'"},
        {"format('100%%')", "string '100%'"},
        {"format('%d%%', 50)", "string '50%'"},
        {"format('')", "string ''"},
        {"format('%99d', 1) = format('%99d', 1)", "bool true"},
        {"length(format('%99.99f', -1e308))", "int 410"},
        {"format('%d', n)", "null"},
        {"format(sn)", "null"},
        {"format('%d', 1e300)", "null"},
        {"format('%d', nan)", "null"},
        /* a format from a column: checked when it is used */
        {"format(fmt, 3)", "string '3 items'"},
        {"format(fmt, 'x')", "null"},
        {"format(fmt)", "null"},
        {"format(fmt, 1, 2)", "null"},
        {"format(s || '%', 1)", "null"},
        {"format(s, 1)", "null"},
    };
    CHECK(cases);
}

static void test_conversions(void **state)
{
    (void)state;
    static const ecase cases[] = {
        {"int(3.9)", "int 3"},
        {"int(-3.9)", "int -3"},
        {"int('42')", "int 42"},
        {"int(' -7 ')", "int -7"},
        {"int('+7')", "int 7"},
        {"int('4x')", "null"},
        {"int('')", "null"},
        {"int('-')", "null"},
        {"int('3.5')", "null"},
        {"int('9223372036854775807')", "int 9223372036854775807"},
        {"int('9223372036854775808')", "null"},
        {"int('-9223372036854775808')", "int -9223372036854775808"},
        {"int(true)", "int 1"},
        {"int(dt)", "int 20454"},
        {"int(t)", "int 49530000000"},
        {"int(dec)", "int 123"},
        {"int(dec0)", "int 0"},
        {"int(nan)", "null"},
        {"int(1e19)", "null"},
        {"int(-9223372036854775808.0)", "int -9223372036854775808"},
        {"int(9223372036854775807.0)", "null"}, /* that double is 2^63 */
        {"double('2.5')", "double 2.5"},
        {"double(' -1e3 ')", "double -1000"},
        {"double('.5')", "double 0.5"},
        {"double('abc')", "null"},
        {"double('inf')", "null"},
        {"double('nan')", "null"},
        {"double('1e999')", "null"},
        {"double('1e')", "null"},
        {"double('')", "null"},
        {"double(i)", "double 7"},
        {"double(dec)", "double 123.45"},
        {"double(f)", "double 0"},
        {"double(n)", "null"},
    };
    CHECK(cases);
}

static void test_dates(void **state)
{
    (void)state;
    static const ecase cases[] = {
        {"date(ts)", "date 2026-01-01"},
        {"date(dt)", "date 2026-01-01"},
        {"date(timestamp '1969-12-31T23:00:00Z')", "date 1969-12-31"},
        {"date('2026-02-28')", "date 2026-02-28"},
        {"date('2026-02-29')", "null"},
        {"date('2026-02-28T00:00:00Z')", "null"},
        {"year(dt)", "int 2026"},
        {"month(ts)", "int 1"},
        {"day(date '2024-02-29')", "int 29"},
        {"year(timestamp '1969-12-31T23:59:59Z')", "int 1969"},
        {"weekday(dt)", "int 4"},                          /* a Thursday */
        {"weekday(date '1970-01-05')", "int 1"},           /* Monday */
        {"weekday(date '1969-12-28')", "int 7"},           /* Sunday */
        {"weekday(timestamp '2026-11-22T23:59:59Z')", "int 7"},
        {"hour(ts)", "int 10"},
        {"minute(ts)", "int 30"},
        {"hour(t)", "int 13"},
        {"minute(t)", "int 45"},
        {"hour(timestamp '1969-12-31T23:59:00Z')", "int 23"},
        {"minute(timestamp '1969-12-31T23:59:00Z')", "int 59"},
        {"date_add(dt, 31)", "date 2026-02-01"},
        {"date_add(dt, -1)", "date 2025-12-31"},
        {"date_add(date '2024-02-28', 1)", "date 2024-02-29"},
        {"date_add(ts, 1)", "timestamp 2026-01-02 10:30:15.250000"},
        {"date_add(dt, big)", "null"},
        {"date_add(dt, 3000000000)", "null"},
        {"date_add(ts, big)", "null"},
        {"date_add(dt, n)", "null"},
        {"year(date_add(dt, 365))", "int 2027"},
    };
    CHECK(cases);
}

/* The ends of the ranges: nothing overflows, results that do not fit are null. */
static void test_extremes(void **state)
{
    (void)state;
    static const ecase cases[] = {
        {"string(tmin)", "string '-290308-12-21T19:59:05.224192Z'"},
        {"string(tmax)", "string '+294247-01-10T04:00:54.775807Z'"},
        {"string(date(tmin))", "string '-290308-12-21'"},
        {"string(dmin)", "string '-5877641-06-23'"},
        {"string(dmax)", "string '+5881580-07-11'"},
        {"year(tmin)", "int -290308"},
        {"year(dmin)", "int -5877641"},
        {"hour(tmin)", "int 19"},
        {"minute(tmin)", "int 59"},
        {"hour(tmax)", "int 4"},
        {"weekday(dmax)", "int 5"},
        {"dmin < tmin", "bool true"},
        {"tmax < dmax", "bool true"},
        {"tmin in (dmin, dmax)", "bool false"},
        {"date_add(dmax, 1)", "null"},
        {"date_add(dmin, -1)", "null"},
        {"date_add(tmax, 1)", "null"},
        {"date_add(tmin, -1)", "null"},
        {"min(dmax, ts)", "timestamp 2026-01-01 10:30:15.250000"},
        {"max(dmax, ts)", "null"},   /* the date has no timestamp */
        {"if(b, dmin, ts)", "null"},
        {"int(tmin) = small", "bool true"},
    };
    CHECK(cases);
}

static void test_random(void **state)
{
    (void)state;
    sl_val v;
    eval_key("random()", 42, &v);
    assert_int_equal(v.kind, SL_VAL_DOUBLE);
    assert_true(v.u.d == sl_rng_unit(sl_rng_hash(42, 0)));
    assert_true(v.u.d >= 0 && v.u.d < 1);

    eval_key("random_int(1, 6)", 42, &v);
    assert_int_equal(v.kind, SL_VAL_INT);
    assert_int_equal(v.u.i, 1 + (int64_t)sl_rng_below(sl_rng_hash(42, 0), 6));

    /* call sites are numbered in source order */
    eval_key("random_int(0, 999) + 1000 * random_int(0, 999)", 7, &v);
    int64_t a = (int64_t)sl_rng_below(sl_rng_hash(7, 0), 1000);
    int64_t b = (int64_t)sl_rng_below(sl_rng_hash(7, 1), 1000);
    assert_int_equal(v.u.i, a + 1000 * b);
    eval_key("random_int(0, 999 + 0 * random_int(1, 2))", 7, &v);
    assert_int_equal(v.u.i, a);

    eval_key("random_int(small, big)", 9, &v);
    assert_int_equal(v.u.i, (int64_t)((uint64_t)INT64_MIN + sl_rng_hash(9, 0)));
    eval_key("random_int(5, 5)", 9, &v);
    assert_int_equal(v.u.i, 5);
    eval_key("random_int(6, 5)", 9, &v);
    assert_int_equal(v.kind, SL_VAL_NULL);
    eval_key("random_int(n, 5)", 9, &v);
    assert_int_equal(v.kind, SL_VAL_NULL);

    /* a pure function of the key: equal for equal keys, spread over keys */
    int seen[6] = {0};
    for (uint64_t key = 0; key < 600; key++) {
        sl_val x, y;
        eval_key("random_int(1, 6)", key, &x);
        eval_key("random_int(1, 6)", key, &y);
        assert_int_equal(x.u.i, y.u.i);
        assert_in_range(x.u.i, 1, 6);
        seen[x.u.i - 1]++;
    }
    for (int k = 0; k < 6; k++)
        assert_in_range(seen[k], 60, 140);
    sl_arena_reset(&arena);
}

/* ------------------------------------------------------------ static kinds */

static void test_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        sl_val_kind kind;
    } cases[] = {
        {"null", SL_VAL_NULL},
        {"-null", SL_VAL_NULL},
        {"null + null", SL_VAL_NULL},
        {"coalesce(null)", SL_VAL_NULL},
        {"if(b, null, null)", SL_VAL_NULL},
        {"abs(null)", SL_VAL_NULL},
        {"date_add(null, 1)", SL_VAL_NULL},
        {"null + 1", SL_VAL_INT},
        {"1 + 2", SL_VAL_INT},
        {"1 + 2.5", SL_VAL_DOUBLE},
        {"7 / 2", SL_VAL_INT},
        {"i * dec", SL_VAL_DOUBLE},
        {"dec", SL_VAL_DECIMAL},
        {"dec + 0", SL_VAL_DOUBLE},
        {"-dec", SL_VAL_DOUBLE},
        {"coalesce(dec, dec0)", SL_VAL_DECIMAL},
        {"if(b, i, dec)", SL_VAL_DOUBLE},
        {"i = 1", SL_VAL_BOOL},
        {"null = null", SL_VAL_BOOL},
        {"not null", SL_VAL_BOOL},
        {"null and null", SL_VAL_BOOL},
        {"i in (1, 2)", SL_VAL_BOOL},
        {"n is null", SL_VAL_BOOL},
        {"'a' || 1", SL_VAL_STRING},
        {"null || null", SL_VAL_STRING},
        {"string(null)", SL_VAL_STRING},
        {"length(s)", SL_VAL_INT},
        {"round(i, 1)", SL_VAL_INT},
        {"round(d)", SL_VAL_DOUBLE},
        {"abs(dec)", SL_VAL_DOUBLE},
        {"floor(i)", SL_VAL_INT},
        {"max(i, 2)", SL_VAL_INT},
        {"max(i, 2.0)", SL_VAL_DOUBLE},
        {"min(dt, ts)", SL_VAL_TIMESTAMP},
        {"date(ts)", SL_VAL_DATE},
        {"date_add(ts, 1)", SL_VAL_TIMESTAMP},
        {"date_add(dt, 1)", SL_VAL_DATE},
        {"case when b then dt else ts end", SL_VAL_TIMESTAMP},
        {"case when b then null end", SL_VAL_NULL},
        {"t", SL_VAL_TIME},
        {"l", SL_VAL_LIST},
        {"coalesce(l, l)", SL_VAL_LIST},
        {"random()", SL_VAL_DOUBLE},
        {"random_int(1, 2)", SL_VAL_INT},
        {"int('1')", SL_VAL_INT},
        {"double(1)", SL_VAL_DOUBLE},
        {"format('%d', 1)", SL_VAL_STRING},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sl_val v;
        sl_val_kind k = eval_key(cases[i].src, 1, &v);
        if (k != cases[i].kind)
            fail_msg("'%s': kind %d, want %d", cases[i].src, k, cases[i].kind);
    }
    sl_arena_reset(&arena);
}

/* ------------------------------------------------------------ errors */

typedef struct errcase {
    const char *src;
    unsigned line, column;
    const char *msg;
} errcase;

static void check_errors(const errcase *cases, size_t n, const sl_expr_env *en)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        sl_expr *e = (sl_expr *)&bad; /* must be set to NULL */
        sl_val_kind kind = SL_VAL_LIST;
        sl_error err;
        sl_error_clear(&err);
        sl_status st = sl_expr_compile(cases[i].src, strlen(cases[i].src), en, &e, &kind, &err);
        if (st != SL_ERR_SCHEMA || err.code != SL_ERR_SCHEMA || e != NULL || kind != SL_VAL_NULL ||
            err.line != cases[i].line || err.column != cases[i].column ||
            strcmp(err.msg, cases[i].msg) != 0) {
            print_error("%s\n    want: %u:%u %s\n    got:  status %d, %llu:%llu %s\n", cases[i].src,
                        cases[i].line, cases[i].column, cases[i].msg, st,
                        (unsigned long long)err.line, (unsigned long long)err.column, err.msg);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    static const errcase cases[] = {
        {"", 1, 1, "empty expression"},
        {"   ", 1, 1, "empty expression"},
        {"1 +", 1, 4, "unexpected end of expression"},
        {"1 2", 1, 3, "unexpected '2' after the expression"},
        {"(1", 1, 3, "expected ')'"},
        {"abs(1", 1, 6, "expected ')' after function arguments"},
        {"abs(1 2)", 1, 7, "expected ')' after function arguments"},
        {"abs(1,)", 1, 7, "expected an expression, got ')'"},
        {"i in ()", 1, 7, "expected an expression, got ')'"},
        {"i in 1", 1, 6, "expected '(' after 'in'"},
        {"i in (1 2)", 1, 9, "expected ',' or ')' in the 'in' list"},
        {"'abc", 1, 1, "unterminated string"},
        {"'abc''", 1, 1, "unterminated string"},
        {"1 @ 2", 1, 3, "unexpected character '@'"},
        {"`i`", 1, 1, "unexpected character '`'"},
        {"1 \x01", 1, 3, "unexpected byte 0x01"},
        {"a ! b", 1, 3, "unexpected character '!'"},
        {"12abc", 1, 1, "malformed number"},
        {"1.2.3", 1, 1, "malformed number"},
        {"1e", 1, 1, "malformed number"},
        {"99999999999999999999", 1, 1, "integer out of range"},
        {"9223372036854775808", 1, 1, "integer out of range"},
        {"-9223372036854775809", 1, 2, "integer out of range"},
        {"1e999", 1, 1, "number out of range"},
        {"date '2026-13-01'", 1, 6, "invalid date (expected 'YYYY-MM-DD')"},
        {"date '2026-1-1'", 1, 6, "invalid date (expected 'YYYY-MM-DD')"},
        {"timestamp '2026-01-01T25:00:00Z'", 1, 11,
         "invalid timestamp (expected 'YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]')"},
        {"timestamp '2026-01-01T10:00:00.0000001Z'", 1, 11,
         "invalid timestamp (expected 'YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]')"},
        {"i is 1", 1, 6, "expected 'null' or 'not null' after 'is'"},
        {"i is not 1", 1, 10, "expected 'null' after 'is not'"},
        {"i not 1", 1, 7, "expected 'in' or 'between' after 'not'"},
        {"i between 1 or 2", 1, 13, "expected 'and' after the lower bound of 'between'"},
        {"1 < 2 < 3", 1, 7, "comparisons do not chain; join them with 'and'"},
        {"i = 1 is null", 1, 7, "comparisons do not chain; join them with 'and'"},
        {"i in (1) = b", 1, 10, "comparisons do not chain; join them with 'and'"},
        {"case i end", 1, 6, "expected 'when' after 'case'"},
        {"case when b 1 end", 1, 13, "expected 'then' after the 'when' condition"},
        {"case when b then 1", 1, 19, "expected 'when', 'else' or 'end' in 'case'"},
        {"case when b then 1 else 2 when f then 3 end", 1, 27, "expected 'end' after 'else'"},
        {"foo(1)", 1, 1, "unknown function 'foo'"},
        {"x + 1", 1, 1, "unknown column 'x'"},
        {"location.town", 1, 1, "unknown column 'location.town'"},
        {"I", 1, 1, "unknown column 'I'"},
        /* columns count characters and lines restart them */
        {"'\xc3\xa9\xc3\xa9' = 1", 1, 6, "'=' cannot compare string and int"},
        {"i +\n  s * 2", 2, 5, "'*' needs numbers, got string and int"},
    };
    check_errors(cases, sizeof cases / sizeof cases[0], &env);

    /* without an environment no name is a column */
    static const errcase none[] = {{"i", 1, 1, "unknown column 'i'"}};
    check_errors(none, 1, NULL);
    sl_expr_env no_lookup = {NULL, NULL};
    check_errors(none, 1, &no_lookup);

    /* the offset is in bytes */
    sl_expr *e;
    sl_error err;
    assert_int_equal(sl_expr_compile("'\xc3\xa9\xc3\xa9' = 1", 10, &env, &e, NULL, &err),
                     SL_ERR_SCHEMA);
    assert_int_equal(err.offset, 7);
    assert_int_equal(err.column, 6);
}

static void test_type_errors(void **state)
{
    (void)state;
    static const errcase cases[] = {
        {"s + dt", 1, 3, "'+' needs numbers, got string and date"},
        {"1 + 'a'", 1, 3, "'+' needs numbers, got int and string"},
        {"1 + 2 - b", 1, 7, "'-' needs numbers, got int and bool"},
        {"'n=' || 1 + 2", 1, 11, "'+' needs numbers, got string and int"},
        {"i * s", 1, 3, "'*' needs numbers, got int and string"},
        {"dt - 1", 1, 4, "'-' needs numbers, got date and int"},
        {"-s", 1, 1, "'-' needs a number, got string"},
        {"not i", 1, 1, "'not' needs a bool, got int"},
        {"i and b", 1, 3, "'and' needs bools, got int and bool"},
        {"b or b or 's'", 1, 8, "'or' needs bools, got bool and string"},
        {"s < i", 1, 3, "'<' cannot compare string and int"},
        {"dt = t", 1, 4, "'=' cannot compare date and time"},
        {"b = 1", 1, 3, "'=' cannot compare bool and int"},
        {"l = l", 1, 3, "'=' cannot compare list and list"},
        {"i in (1, 's')", 1, 10, "'in' cannot compare int and string"},
        {"i between 's' and 2", 1, 11, "'between' cannot compare int and string"},
        {"'a' || l", 1, 5, "'||' cannot write a list as text"},
        {"concat('a', l)", 1, 13, "concat() cannot write a list as text"},
        {"abs(s)", 1, 5, "abs() needs a number, got string"},
        {"round(d, 1.5)", 1, 10, "round() needs an int number of digits, got double"},
        {"substr('a')", 1, 1, "substr() takes 2 or 3 arguments, got 1"},
        {"substr(s, 1.0)", 1, 11, "substr() needs an int, got double"},
        {"upper(1)", 1, 7, "upper() needs a string, got int"},
        {"length(i)", 1, 8, "length() needs a string, got int"},
        {"abs(1, 2)", 1, 1, "abs() takes 1 argument, got 2"},
        {"random(1)", 1, 1, "random() takes 0 arguments, got 1"},
        {"if(b, 1)", 1, 1, "if() takes 3 arguments, got 2"},
        {"min()", 1, 1, "min() takes at least 1 argument, got 0"},
        {"min(1, 's')", 1, 8, "min() arguments have different types: int and string"},
        {"max(l)", 1, 5, "max() cannot compare lists"},
        {"coalesce(i, dt)", 1, 13, "coalesce() arguments have different types: int and date"},
        {"if(b, 1, 'a')", 1, 10, "if() branches have different types: int and string"},
        {"if(i, 1, 2)", 1, 4, "if() needs a bool condition, got int"},
        {"case when b then 1 else 'x' end", 1, 25, "'case' branches have different types: int and string"},
        {"case when 1 then 1 end", 1, 11, "'case when' needs a bool condition, got int"},
        {"int(l)", 1, 5, "int() needs a number, bool, string, date, time or timestamp, got list"},
        {"double(dt)", 1, 8, "double() needs a number, bool or string, got date"},
        {"date(1)", 1, 6, "date() needs a timestamp, date or string, got int"},
        {"year(s)", 1, 6, "year() needs a date or timestamp, got string"},
        {"weekday(t)", 1, 9, "weekday() needs a date or timestamp, got time"},
        {"hour(dt)", 1, 6, "hour() needs a timestamp or time, got date"},
        {"date_add(dt, 1.5)", 1, 14, "date_add() needs an int number of days, got double"},
        {"date_add(1, 1)", 1, 10, "date_add() needs a date or timestamp, got int"},
        {"random_int(1, 2.0)", 1, 15, "random_int() needs ints, got double"},
        {"format(1)", 1, 8, "format() needs a string format, got int"},
        {"format('%q', 1)", 1, 8, "format(): bad conversion '%q' (known: %d %i %x %f %s %%, with "
                                  "flags - 0, a width and a precision under 100)"},
        {"format('%100d', 1)", 1, 8, "format(): bad conversion '%100d' (known: %d %i %x %f %s "
                                     "%%, with flags - 0, a width and a precision under 100)"},
        {"format('abc%', 1)", 1, 8, "format(): bad conversion '%' (known: %d %i %x %f %s %%, "
                                    "with flags - 0, a width and a precision under 100)"},
        {"format('%d %d', 1)", 1, 8, "format(): more conversions than arguments"},
        {"format('%d', 1, 2)", 1, 17, "format(): more arguments than conversions"},
        {"format('%d', s)", 1, 14, "format(): '%d' needs a number, got string"},
        {"format('%f', dt)", 1, 14, "format(): '%f' needs a number, got date"},
    };
    check_errors(cases, sizeof cases / sizeof cases[0], &env);
}

/* ------------------------------------------------------------ limits */

static char *repeat3(const char *a, size_t na, const char *mid, const char *b, size_t nb)
{
    size_t la = strlen(a), lm = strlen(mid), lb = strlen(b);
    char *s = malloc(la * na + lm + lb * nb + 1);
    assert_non_null(s);
    size_t k = 0;
    for (size_t i = 0; i < na; i++, k += la)
        memcpy(s + k, a, la);
    memcpy(s + k, mid, lm);
    k += lm;
    for (size_t i = 0; i < nb; i++, k += lb)
        memcpy(s + k, b, lb);
    s[k] = '\0';
    return s;
}

static sl_status compile_text(const char *src, sl_error *err, sl_val *out)
{
    sl_expr *e;
    sl_status st = sl_expr_compile(src, strlen(src), &env, &e, NULL, err);
    if (st == SL_OK) {
        assert_int_equal(sl_expr_eval(e, row, 0, &arena, out), SL_OK);
        sl_expr_free(e);
    }
    return st;
}

static void test_nesting_limit(void **state)
{
    (void)state;
    sl_error err;
    sl_val v;
    /* the whole expression is level 1, so 255 parentheses fit */
    char *s = repeat3("(", 255, "1", ")", 255);
    assert_int_equal(compile_text(s, &err, &v), SL_OK);
    assert_int_equal(v.u.i, 1);
    free(s);
    s = repeat3("(", 256, "1", ")", 256);
    assert_int_equal(compile_text(s, &err, &v), SL_ERR_SCHEMA);
    assert_string_equal(err.msg, "expression nested too deeply (limit 256 levels)");
    assert_int_equal(err.column, 257);
    free(s);
    s = repeat3("abs(", 300, "-1", ")", 300);
    assert_int_equal(compile_text(s, &err, &v), SL_ERR_SCHEMA);
    assert_string_equal(err.msg, "expression nested too deeply (limit 256 levels)");
    free(s);
    s = repeat3("- ", 300, "i", "", 0);
    assert_int_equal(compile_text(s, &err, &v), SL_ERR_SCHEMA);
    free(s);
    s = repeat3("not ", 300, "b", "", 0);
    assert_int_equal(compile_text(s, &err, &v), SL_ERR_SCHEMA);
    free(s);
    s = repeat3("not ", 255, "b", "", 0); /* odd count of nots */
    assert_int_equal(compile_text(s, &err, &v), SL_OK);
    assert_int_equal(v.kind, SL_VAL_BOOL);
    assert_false(v.u.b);
    free(s);
    /* long chains are one node each, not deep trees: no limit but the length */
    s = repeat3("1 + ", 10000, "1", "", 0);
    assert_int_equal(compile_text(s, &err, &v), SL_OK);
    assert_int_equal(v.u.i, 10001);
    free(s);
    s = repeat3("'a' || ", 5000, "'b'", "", 0);
    assert_int_equal(compile_text(s, &err, &v), SL_OK);
    assert_int_equal(v.u.s.len, 5001);
    free(s);
    s = repeat3("b and ", 5000, "f", " or b", 1);
    assert_int_equal(compile_text(s, &err, &v), SL_OK);
    assert_true(v.u.b);
    free(s);
    s = repeat3("i in (", 1, "", "1, ", 5000);
    memcpy(s + strlen(s) - 2, ")", 2);
    assert_int_equal(compile_text(s, &err, &v), SL_OK);
    assert_false(v.u.b);
    free(s);
    /* the source length */
    s = repeat3(" ", SL_EXPR_MAX_LEN, "1", "", 0);
    assert_int_equal(compile_text(s, &err, &v), SL_ERR_SCHEMA);
    assert_string_equal(err.msg, "expression too long (limit 65536 bytes)");
    free(s);
    sl_arena_reset(&arena);
}

/* ------------------------------------------------------------ interface */

static void test_interface(void **state)
{
    (void)state;
    sl_expr *e = NULL;
    sl_val v;
    sl_val_kind k;
    sl_error err;
    sl_expr_free(NULL);
    sl_error_clear(&err);
    assert_int_equal(sl_expr_compile("1", 1, &env, NULL, &k, &err), SL_ERR_USAGE);
    assert_int_equal(sl_expr_compile(NULL, 1, &env, &e, &k, &err), SL_ERR_USAGE);
    assert_null(e);
    assert_int_equal(sl_expr_compile(NULL, 0, &env, &e, &k, NULL), SL_ERR_SCHEMA);
    assert_null(e);
    assert_int_equal(sl_expr_eval(NULL, row, 0, &arena, &v), SL_ERR_USAGE);
    assert_int_equal(v.kind, SL_VAL_NULL);

    /* the source need not be NUL-terminated: only len bytes are read */
    assert_int_equal(sl_expr_compile("i + 1xyz", 5, &env, &e, &k, NULL), SL_OK);
    assert_int_equal(k, SL_VAL_INT);
    assert_int_equal(sl_expr_eval(e, row, 0, &arena, &v), SL_OK);
    assert_int_equal(v.u.i, 8);
    /* an expression without columns takes a NULL row */
    sl_expr_free(e);
    assert_int_equal(sl_expr_compile("2 * 3", 5, NULL, &e, NULL, NULL), SL_OK);
    assert_int_equal(sl_expr_eval(e, NULL, 0, &arena, &v), SL_OK);
    assert_int_equal(v.u.i, 6);
    sl_expr_free(e);

    /* the error keeps the file the caller named */
    sl_error_clear(&err);
    sl_error_set_file(&err, "school.json");
    assert_int_equal(sl_expr_compile("x", 1, &env, &e, NULL, &err), SL_ERR_SCHEMA);
    assert_string_equal(err.file, "school.json");
    assert_int_equal(err.offset, 0);

    /* one compiled expression over many rows; strings live in the caller's arena */
    assert_int_equal(sl_expr_compile("s || '-' || string(i)", 21, &env, &e, NULL, NULL), SL_OK);
    sl_val r[NCOLS];
    memcpy(r, row, sizeof r);
    for (int64_t i = 0; i < 1000; i++) {
        r[0] = sl_val_int(i);
        assert_int_equal(sl_expr_eval(e, r, 0, &arena, &v), SL_OK);
        char want[32];
        int n = snprintf(want, sizeof want, "h\xc3\xa9llo-%lld", (long long)i);
        assert_int_equal(v.u.s.len, (size_t)n);
        assert_memory_equal(v.u.s.ptr, want, (size_t)n);
        sl_arena_reset(&arena);
    }
    sl_expr_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_comparisons),
        cmocka_unit_test(test_logic),
        cmocka_unit_test(test_in_between_is),
        cmocka_unit_test(test_conditionals),
        cmocka_unit_test(test_number_functions),
        cmocka_unit_test(test_string_functions),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_interface),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
