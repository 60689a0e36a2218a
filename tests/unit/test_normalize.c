/* Unit tests for the type lattice, the ISO 8601 recognisers, the CSV reader and
 * the normalizer (flattening, child tables, widening across parts). Values are
 * checked by reading the Parquet output back with sluice's reader; the end-to-end
 * tests check the same files with DuckDB, Polars, hyparquet and parquet-wasm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/utf8.h"
#include "schema/infer.h"
#include "sluice/sluice.h"

/* ------------------------------------------------------------ helpers */

static sl_json_reader *open_text(const char *text)
{
    sl_json_reader *r = NULL;
    assert_int_equal(sl_json_reader_open_mem(text, strlen(text), "test", NULL, &r, NULL), SL_OK);
    return r;
}

/* Infers one column from the NDJSON lines in text (records {"v": ...}). */
static sl_infer infer_text(const char *text)
{
    sl_infer c = {0};
    sl_json_reader *r = open_text(text);
    const sl_json_value *v;
    while (sl_json_reader_next(r, &v, NULL) == SL_OK) {
        const sl_json_value *x = sl_json_get(v, "v");
        assert_non_null(x);
        sl_infer_observe(&c, x);
    }
    sl_json_reader_free(r);
    return c;
}

/* ------------------------------------------------------------ lattice */

static void test_lattice(void **state)
{
    (void)state;
    assert_int_equal(infer_text("{\"v\":null}").type, SL_T_NULL);
    assert_int_equal(infer_text("{\"v\":true}{\"v\":null}").type, SL_T_BOOL);
    assert_int_equal(infer_text("{\"v\":1}{\"v\":-9223372036854775808}").type, SL_T_INT);
    assert_int_equal(infer_text("{\"v\":1}{\"v\":2.5}").type, SL_T_DOUBLE);
    /* an int that a double cannot hold exactly: the column keeps text instead */
    assert_int_equal(infer_text("{\"v\":9007199254740993}{\"v\":2.5}").type, SL_T_STRING);
    assert_int_equal(infer_text("{\"v\":2.5}{\"v\":9007199254740993}").type, SL_T_STRING);
    assert_int_equal(infer_text("{\"v\":9007199254740992}{\"v\":2.5}").type, SL_T_DOUBLE);
    assert_int_equal(infer_text("{\"v\":1}{\"v\":123456789012345678901234567890}").type, SL_T_BIGINT);
    assert_int_equal(infer_text("{\"v\":1}{\"v\":1234567890123456789012345678901234567890}").type,
                     SL_T_STRING);
    assert_int_equal(infer_text("{\"v\":true}{\"v\":1}").type, SL_T_STRING);
    assert_int_equal(infer_text("{\"v\":\"a\"}{\"v\":1}").type, SL_T_STRING);
    assert_int_equal(infer_text("{\"v\":\"2026-11-21\"}").type, SL_T_DATE);
    assert_int_equal(infer_text("{\"v\":\"2026-02-29\"}").type, SL_T_STRING); /* not a leap year */
    assert_int_equal(infer_text("{\"v\":\"2024-02-29\"}").type, SL_T_DATE);
    assert_int_equal(infer_text("{\"v\":\"10:00:05\"}{\"v\":\"23:59:59.999999\"}").type, SL_T_TIME);
    assert_int_equal(infer_text("{\"v\":\"2026-11-21T10:00:05Z\"}{\"v\":\"2026-11-21 10:00:05.5+01:00\"}").type,
                     SL_T_TIMESTAMP);
    assert_int_equal(infer_text("{\"v\":\"2026-11-21T10:00:05\"}").type, SL_T_TIMESTAMP_NAIVE);
    assert_int_equal(infer_text("{\"v\":\"2026-11-21T10:00:05\"}{\"v\":\"2026-11-21T10:00:05Z\"}").type,
                     SL_T_STRING);
    assert_int_equal(infer_text("{\"v\":\"2026-11-21\"}{\"v\":\"2026-11-21T10:00:05Z\"}").type, SL_T_STRING);
    /* nanoseconds that are not zero would be rounded: not a timestamp */
    assert_int_equal(infer_text("{\"v\":\"2026-11-21T10:00:05.1234567Z\"}").type, SL_T_STRING);
    assert_int_equal(infer_text("{\"v\":\"2026-11-21T10:00:05.1234560Z\"}").type, SL_T_TIMESTAMP);

    sl_infer l = infer_text("{\"v\":[1,2,null]}{\"v\":[]}{\"v\":[3.5]}");
    assert_true(l.list);
    assert_false(l.scalar_seen);
    assert_int_equal(l.type, SL_T_DOUBLE);
    assert_true(l.elem_nullable);
    sl_infer mixed = infer_text("{\"v\":[1]}{\"v\":2}");
    sl_pq_column pc;
    sl_infer_to_column(&mixed, &pc);
    assert_int_equal(pc.type, SL_PQ_STRING);
    assert_false(pc.list);
}

static void test_join_matches_observe(void **state)
{
    (void)state;
    sl_infer a = infer_text("{\"v\":1}{\"v\":null}");
    sl_infer b = infer_text("{\"v\":2.5}");
    sl_infer both = infer_text("{\"v\":1}{\"v\":null}{\"v\":2.5}");
    sl_infer_join(&a, &b);
    assert_int_equal(a.type, both.type);
    assert_int_equal(a.nullable, both.nullable);
}

static void test_iso_round_trip(void **state)
{
    (void)state;
    static const char *stamps[] = {"1970-01-01T00:00:00Z", "2026-11-21T10:00:05Z",
                                   "1969-12-31T23:59:59.999999Z", "2000-02-29T12:34:56.000001Z",
                                   "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof stamps / sizeof stamps[0]; i++) {
        int64_t us;
        bool zoned;
        char out[48];
        assert_true(sl_parse_timestamp(stamps[i], strlen(stamps[i]), &us, &zoned));
        assert_true(zoned);
        sl_format_timestamp(us, true, out);
        assert_string_equal(out, stamps[i]);
    }
    int64_t a, b;
    bool z;
    assert_true(sl_parse_timestamp("2026-11-21T11:00:05+01:00", 25, &a, &z));
    assert_true(sl_parse_timestamp("2026-11-21T10:00:05Z", 20, &b, &z));
    assert_true(a == b);
    int32_t d;
    char out[48];
    assert_true(sl_parse_date("1900-03-01", 10, &d));
    sl_format_date(d, out);
    assert_string_equal(out, "1900-03-01");
    assert_false(sl_parse_date("2026-13-01", 10, &d));
    assert_false(sl_parse_date("2026-1-01x", 10, &d));
    int64_t t;
    assert_false(sl_parse_time("24:00:00", 8, &t));
    assert_true(sl_parse_time("00:00:00.5", 10, &t));
    assert_true(t == 500000);
}

/* ------------------------------------------------------------ CSV */

static char *write_temp(const char *text, const char *suffix)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/sluice-test-XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_csv(void **state)
{
    (void)state;
    const char *text = "id,name,score,code,note\r\n"
                       "1,\"Smith, Ann\",3.5,007,\r\n"
                       "2,\"say \"\"hi\"\"\nthere\",-2,1e3,\"\"\n"
                       "3,plain,true,,x\n";
    char *path = write_temp(text, ".csv");
    sl_csv_reader *r;
    assert_int_equal(sl_csv_reader_open(path, NULL, &r, NULL), SL_OK);
    const sl_json_value *v;
    assert_int_equal(sl_csv_reader_next(r, &v, NULL), SL_OK);
    assert_int_equal(sl_json_get(v, "id")->type, SL_JSON_INT);
    assert_int_equal(sl_json_get(v, "name")->u.str.len, 10);
    assert_memory_equal(sl_json_get(v, "name")->u.str.ptr, "Smith, Ann", 10);
    assert_int_equal(sl_json_get(v, "score")->type, SL_JSON_DOUBLE);
    assert_int_equal(sl_json_get(v, "code")->type, SL_JSON_STRING); /* leading zero kept */
    assert_int_equal(sl_json_get(v, "note")->type, SL_JSON_NULL);
    assert_int_equal(sl_csv_reader_next(r, &v, NULL), SL_OK);
    assert_int_equal(sl_json_get(v, "name")->u.str.len, 14);
    assert_memory_equal(sl_json_get(v, "name")->u.str.ptr, "say \"hi\"\nthere", 14);
    assert_int_equal(sl_json_get(v, "code")->type, SL_JSON_DOUBLE);
    assert_int_equal(sl_json_get(v, "note")->type, SL_JSON_STRING); /* quoted empty */
    assert_int_equal(sl_csv_reader_next(r, &v, NULL), SL_OK);
    assert_int_equal(sl_json_get(v, "score")->type, SL_JSON_TRUE);
    assert_int_equal(sl_csv_reader_next(r, &v, NULL), SL_EOF);
    sl_csv_reader_free(r);
    unlink(path);

    path = write_temp("a,b\n1,\"ok \xc3\xa9\"\n2,\"bad \xc3\x28\"\n", ".csv");
    assert_int_equal(sl_csv_reader_open(path, NULL, &r, NULL), SL_OK);
    sl_error uerr;
    assert_int_equal(sl_csv_reader_next(r, &v, &uerr), SL_OK);
    assert_int_equal(sl_csv_reader_next(r, &v, &uerr), SL_ERR_CSV);
    assert_int_equal(uerr.line, 3);
    assert_non_null(strstr(uerr.msg, "invalid UTF-8 byte 0xc3 in field 2"));
    sl_csv_reader_free(r);
    unlink(path);
    static const char *bad_utf8[] = {"\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80", "\xff"};
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++)
        assert_int_equal(sl_utf8_invalid_at((const uint8_t *)bad_utf8[i], strlen(bad_utf8[i])), 0);
    assert_int_equal(sl_utf8_invalid_at((const uint8_t *)"a\xf0\x9f\x90\x9f", 5), 5);

    path = write_temp("a,b\n1,2\n3\n", ".csv");
    assert_int_equal(sl_csv_reader_open(path, NULL, &r, NULL), SL_OK);
    sl_error err;
    assert_int_equal(sl_csv_reader_next(r, &v, &err), SL_OK);
    assert_int_equal(sl_csv_reader_next(r, &v, &err), SL_ERR_CSV);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.msg, "1 fields"));
    sl_csv_reader_free(r);
    unlink(path);
}

/* ------------------------------------------------------------ normalizer */

typedef struct run {
    char dir[64];
    sl_normalizer *n;
} run;

static void run_text(run *rn, const char *text, uint64_t window)
{
    snprintf(rn->dir, sizeof rn->dir, "/tmp/sluice-norm-XXXXXX");
    assert_non_null(mkdtemp(rn->dir));
    sl_norm_options o;
    sl_norm_options_init(&o);
    o.root_table = "t";
    o.tmp_dir = rn->dir;
    o.window_bytes = window;
    sl_error err;
    assert_int_equal(sl_norm_open(&o, &rn->n, &err), SL_OK);
    sl_json_reader *r = open_text(text);
    const sl_json_value *v;
    while (sl_json_reader_next(r, &v, NULL) == SL_OK)
        assert_int_equal(sl_norm_add(rn->n, v, &err), SL_OK);
    sl_json_reader_free(r);
    assert_int_equal(sl_norm_finish(rn->n, &err), SL_OK);
}

/* Publishes table ti and returns its rows as NDJSON text (caller frees). */
static char *publish_ndjson(run *rn, size_t ti)
{
    char path[128];
    snprintf(path, sizeof path, "%s/out-%zu.parquet", rn->dir, ti);
    sl_error err;
    sl_status st = sl_norm_publish(rn->n, ti, path, &err);
    if (st)
        fail_msg("publish: %s", err.msg);
    sl_pq_reader *r;
    assert_int_equal(sl_pq_reader_open(path, &r, &err), SL_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(sl_pq_reader_write_ndjson(r, f, 0, &err), SL_OK);
    fclose(f);
    sl_pq_reader_free(r);
    unlink(path);
    return text;
}

static void run_free(run *rn)
{
    sl_norm_free(rn->n);
    rmdir(rn->dir);
}

static void test_flatten_and_children(void **state)
{
    (void)state;
    run rn;
    run_text(&rn,
             "{\"id\":1,\"a\":{\"b\":{\"c\":\"x\"}},\"tags\":[\"p\",null],"
             "\"items\":[{\"k\":1,\"sub\":[{\"z\":true}]},{\"k\":2}]}\n"
             "{\"id\":2,\"a\":null,\"items\":[]}\n",
             0);
    assert_int_equal(sl_norm_num_tables(rn.n), 3);
    assert_string_equal(sl_norm_table_name(rn.n, 0), "t");
    assert_string_equal(sl_norm_table_name(rn.n, 1), "t__items");
    assert_string_equal(sl_norm_table_name(rn.n, 2), "t__items__sub");
    char *t0 = publish_ndjson(&rn, 0);
    /* "a": null where "a" was an object elsewhere is a column of its own (all null):
     * kept rather than guessed away. "items": [] adds no child rows. */
    assert_string_equal(t0, "{\"id\":1,\"a_b_c\":\"x\",\"tags\":[\"p\",null],\"_key\":\"0\",\"a\":null}\n"
                            "{\"id\":2,\"a_b_c\":null,\"tags\":null,\"_key\":\"1\",\"a\":null}\n");
    char *t1 = publish_ndjson(&rn, 1);
    assert_string_equal(t1, "{\"k\":1,\"_parent_key\":\"0\",\"_pos\":0,\"_key\":\"0.0\"}\n"
                            "{\"k\":2,\"_parent_key\":\"0\",\"_pos\":1,\"_key\":\"0.1\"}\n");
    char *t2 = publish_ndjson(&rn, 2);
    assert_string_equal(t2, "{\"z\":true,\"_parent_key\":\"0.0\",\"_pos\":0,\"_key\":\"0.0.0\"}\n");
    free(t0);
    free(t1);
    free(t2);
    run_free(&rn);
}

/* A window of 1 byte writes from the second record on, so widenings after that
 * start new parts which publish must unify. */
static void test_widening_across_parts(void **state)
{
    (void)state;
    run rn;
    run_text(&rn,
             "{\"n\":1,\"s\":\"a\"}\n"
             "{\"n\":2,\"s\":\"b\"}\n"
             "{\"n\":2.5,\"s\":3,\"late\":[1]}\n"
             "{\"n\":4,\"s\":true,\"late\":\"x\"}\n",
             1);
    char *t0 = publish_ndjson(&rn, 0);
    assert_string_equal(t0, "{\"n\":1,\"s\":\"a\",\"late\":null}\n"
                            "{\"n\":2,\"s\":\"b\",\"late\":null}\n"
                            "{\"n\":2.5,\"s\":\"3\",\"late\":\"[1]\"}\n"
                            "{\"n\":4,\"s\":\"true\",\"late\":\"x\"}\n");
    free(t0);
    run_free(&rn);
}

/* Children that first appear after rows were written: the earlier root rows still
 * get their `_key` (their ordinal) when the parts are unified. */
static void test_late_children_keys(void **state)
{
    (void)state;
    run rn;
    run_text(&rn, "{\"a\":1}\n{\"a\":2}\n{\"a\":3,\"c\":[{\"x\":1}]}\n", 1);
    char *t0 = publish_ndjson(&rn, 0);
    assert_string_equal(t0, "{\"a\":1,\"_key\":\"0\"}\n{\"a\":2,\"_key\":\"1\"}\n{\"a\":3,\"_key\":\"2\"}\n");
    free(t0);
    run_free(&rn);
}

static void test_shape_cache_prefix(void **state)
{
    (void)state;
    run rn;
    run_text(&rn, "{\"o\":{\"x\":1},\"y\":2}\n{\"o\":{\"x\":1,\"y\":3}}\n{\"o\":{\"x\":1},\"y\":4}\n", 0);
    char *t0 = publish_ndjson(&rn, 0);
    assert_string_equal(t0, "{\"o_x\":1,\"y\":2,\"o_y\":null}\n"
                            "{\"o_x\":1,\"y\":null,\"o_y\":3}\n"
                            "{\"o_x\":1,\"y\":4,\"o_y\":null}\n");
    free(t0);
    run_free(&rn);
}

static void test_scalar_records_and_empty(void **state)
{
    (void)state;
    run rn;
    run_text(&rn, "1 \"two\" null [3]", 0);
    char *t0 = publish_ndjson(&rn, 0);
    assert_string_equal(t0, "{\"value\":\"1\"}\n{\"value\":\"two\"}\n{\"value\":null}\n{\"value\":\"[3]\"}\n");
    free(t0);
    run_free(&rn);

    run_text(&rn, "", 0);
    assert_int_equal(sl_norm_num_tables(rn.n), 1);
    assert_int_equal(sl_norm_table_rows(rn.n, 0), 0);
    char *empty = publish_ndjson(&rn, 0);
    assert_string_equal(empty, "");
    free(empty);
    run_free(&rn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lattice),
        cmocka_unit_test(test_join_matches_observe),
        cmocka_unit_test(test_iso_round_trip),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_flatten_and_children),
        cmocka_unit_test(test_widening_across_parts),
        cmocka_unit_test(test_late_children_keys),
        cmocka_unit_test(test_shape_cache_prefix),
        cmocka_unit_test(test_scalar_records_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
