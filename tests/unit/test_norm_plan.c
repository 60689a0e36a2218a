/* Unit tests for plans (src/ingest/norm_plan.h): the rule that lets a record skip
 * inference. A value "fits" a column only when observing it would leave the column's
 * inferred type exactly as it is; that is checked here against sl_infer_observe
 * itself over every state of a column and a set of values chosen to sit on every
 * edge of the lattice. And the rule must not be so strict that it is useless: the
 * common cases fit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ingest/norm_plan.h"
#include "schema/infer.h"
#include "sluice/sluice.h"

/* Values, one per line: every JSON kind, ints on both sides of 2^53 and int64's
 * ends, big integers of 20 and 40 digits, strings that are and are not dates,
 * times and timestamps (zoned and naive). */
static const char values_text[] =
    "null\ntrue\nfalse\n0\n-7\n9007199254740992\n9007199254740993\n-9007199254740993\n"
    "9223372036854775807\n-9223372036854775808\n18446744073709551616\n"
    "1234567890123456789012345678901234567890\n0.5\n-1e300\n1e5\n"
    "\"\"\n\"abc\"\n\"2026-11-21\"\n\"12:30:00\"\n\"12:30:00.5\"\n\"2026-11-21T10:00:00Z\"\n"
    "\"2026-11-21 10:00:00\"\n\"2026-11-21T10:00:00+02:00\"\n\"2026-13-01\"\n\"99:00:00\"\n"
    "\"1e5\"\n[]\n[1,2]\n[\"a\",null]\n{}\n{\"a\":1}\n";

static void test_fits_means_unchanged(void **state)
{
    (void)state;
    sl_json_reader *r = NULL;
    assert_int_equal(sl_json_reader_open_mem(values_text, strlen(values_text), "values", NULL, &r, NULL),
                     SL_OK);
    const sl_json_value *v;
    size_t nvalues = 0, nfit = 0;
    while (sl_json_reader_next(r, &v, NULL) == SL_OK) {
        nvalues++;
        for (unsigned type = SL_T_NULL; type <= SL_T_STRING; type++)
            for (unsigned flags = 0; flags < 32; flags++) {
                sl_infer c = {.type = (uint8_t)type,
                              .list = flags & 1,
                              .scalar_seen = (flags >> 1) & 1,
                              .int_unsafe = (flags >> 2) & 1,
                              .nullable = (flags >> 3) & 1,
                              .elem_nullable = (flags >> 4) & 1};
                if (!sl_norm_value_fits(&c, v))
                    continue;
                nfit++;
                sl_infer after = c;
                sl_infer_observe(&after, v);
                if (memcmp(&after, &c, sizeof c) != 0)
                    fail_msg("value %zu fits a column of type %u, flags %u, but observing it "
                             "changes the column", nvalues, type, flags);
            }
    }
    sl_json_reader_free(r);
    assert_int_equal(nvalues, 31);
    assert_true(nfit > 100);
}

/* A column settled by values like these takes more of the same. */
static void test_common_cases_fit(void **state)
{
    (void)state;
    static const struct { const char *seen, *next; bool fits; } cases[] = {
        {"\"a\"", "\"b\"", true},
        {"\"a\"", "12", true},                  /* a number's text in a string column */
        {"\"a\"", "null", false},               /* the first null makes it nullable */
        {"\"a\" null", "null", true},
        {"1", "2", true},
        {"1", "2.5", false},                    /* widens to float64 */
        {"1.5", "2", true},                     /* an int in a float64 column */
        {"1.5", "9007199254740993", false},     /* no exact double: would widen to string */
        {"true", "false", true},
        {"true", "1", false},
        {"\"2026-11-21T10:00:00Z\"", "\"2026-01-01T00:00:00Z\"", true},
        {"\"2026-11-21T10:00:00Z\"", "\"2026-01-01 00:00:00\"", false}, /* naive: widens */
        {"\"2026-11-21\"", "\"2026-11-22\"", true},
        {"\"2026-11-21\"", "\"x\"", false},
        {"[1]", "[2]", false},                  /* lists are left to sl_norm_add */
        {"null", "1", false},                   /* the first value of a column of nulls */
        {"1", "18446744073709551616", false},   /* decimal(38,0) */
    };
    sl_json_options seq;
    sl_json_options_init(&seq);
    seq.form = SL_JSON_FORM_SEQUENCE; /* "[1]" is one value, not an array of records */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sl_infer c = {0};
        sl_json_reader *r = NULL;
        assert_int_equal(sl_json_reader_open_mem(cases[i].seen, strlen(cases[i].seen), "seen", &seq,
                                                 &r, NULL), SL_OK);
        const sl_json_value *v;
        while (sl_json_reader_next(r, &v, NULL) == SL_OK)
            sl_infer_observe(&c, v);
        sl_json_reader_free(r);
        assert_int_equal(sl_json_reader_open_mem(cases[i].next, strlen(cases[i].next), "next", &seq,
                                                 &r, NULL), SL_OK);
        assert_int_equal(sl_json_reader_next(r, &v, NULL), SL_OK);
        if (sl_norm_value_fits(&c, v) != cases[i].fits)
            fail_msg("after %s, %s should%s fit", cases[i].seen, cases[i].next,
                     cases[i].fits ? "" : " not");
        sl_json_reader_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fits_means_unchanged),
        cmocka_unit_test(test_common_cases_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
