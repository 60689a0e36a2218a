/* Unit tests of the DDL importer (include/sluice/ddl.h).
 *
 * Golden cases: tests/golden/ddl/<dialect>/NAME.sql, run from the repository root.
 * NAME.json (required for a case that succeeds) and NAME.yaml (optional) are the exact
 * expected outputs; NAME.err is the exact expected error, "NAME.sql:LINE:COLUMN:
 * message". Every successful case is also run with SL_DDL_AUTO, which must give the
 * same bytes (unless the .sql's first line says "-- dialect only"), and its YAML output
 * is read back with libyaml and compared, value by value, with its JSON output read by
 * sluice's JSON reader. Each case is one cmocka test named dialect/NAME.
 * SLUICE_UPDATE_GOLDEN=1 rewrites the expected files from the current output (review
 * the diff!) and fails the run, so it cannot pass by accident.
 *
 * Focused tests follow for what a golden file cannot show: arguments, buffers, limits,
 * error positions, and properties such as "skipped statements change nothing". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <yaml.h>

#include "sluice/buf.h"
#include "sluice/ddl.h"
#include "sluice/json.h"

#define GOLDEN_DIR "tests/golden/ddl"

/* ---- helpers ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, k;
    char *buf = malloc(cap + 1);
    while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            char *nb = realloc(buf, (cap *= 2) + 1);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = n;
    }
    return buf;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

typedef struct result {
    sl_status st;
    sl_error err;
    char *out;       /* NUL-terminated output (empty on error) */
    size_t len;
    char where[1200]; /* "FILE:LINE:COLUMN: message" */
} result;

/* Imports sql named file (the schema is named after file, less ".sql"). */
static result import(const char *sql, size_t len, const char *file, sl_ddl_dialect d,
                     sl_ddl_format fmt)
{
    result r;
    memset(&r, 0, sizeof r);
    char name[160];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(file, "."), file);
    sl_buf out;
    sl_buf_init(&out, 0);
    r.st = sl_ddl_import(sql, len, file, name, d, fmt, &out, &r.err);
    assert_int_equal(sl_buf_putc(&out, '\0'), SL_OK);
    r.out = (char *)out.data;
    r.len = out.len - 1;
    if (r.st != SL_OK) {
        assert_int_equal(r.len, 0);
        assert_int_equal(r.err.code, r.st);
        snprintf(r.where, sizeof r.where, "%s:%llu:%llu: %s", r.err.file,
                 (unsigned long long)r.err.line, (unsigned long long)r.err.column, r.err.msg);
    }
    return r;
}

static result run(const char *sql, sl_ddl_dialect d)
{
    return import(sql, strlen(sql), "t.sql", d, SL_DDL_JSON);
}

/* Output that must succeed. */
static char *ok(const char *sql, sl_ddl_dialect d)
{
    result r = run(sql, d);
    if (r.st != SL_OK)
        fail_msg("import failed: %s\ninput:\n%s", r.where, sql);
    return r.out;
}

/* The error text of input that must fail with status st. */
static void expect_error(const char *sql, sl_ddl_dialect d, sl_status st, const char *want)
{
    result r = run(sql, d);
    if (r.st == SL_OK)
        fail_msg("expected an error, got:\n%s", r.out);
    free(r.out);
    if (r.st != st || strcmp(r.where, want) != 0)
        fail_msg("expected [%s] %s\n     got [%s] %s", sl_strerror(st), want,
                 sl_strerror(r.st), r.where);
}

static void expect_contains(const char *out, const char *want)
{
    if (!strstr(out, want))
        fail_msg("expected the output to contain\n  %s\noutput:\n%s", want, out);
}

/* ---- YAML to compact JSON (libyaml events), for the YAML/JSON comparison ---- */

static bool json_number(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n || s[i] < '0' || s[i] > '9')
        return false;
    if (s[i] == '0')
        i++;
    else
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    if (i < n && s[i] == '.') {
        size_t d = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

static void yaml_to_json(const char *text, size_t len, sl_buf *out)
{
    yaml_parser_t p;
    assert_true(yaml_parser_initialize(&p));
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    /* per open collection: 'm' or 's', whether an item was written, and for a mapping
     * whether the next scalar is a key */
    char kind[64];
    bool any[64], key[64];
    int depth = 0;
    for (bool done = false; !done;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e))
            fail_msg("libyaml cannot read the YAML output: %s at line %zu", p.problem,
                     p.problem_mark.line + 1);
        bool value = e.type == YAML_SCALAR_EVENT || e.type == YAML_MAPPING_START_EVENT ||
                     e.type == YAML_SEQUENCE_START_EVENT;
        if (value && depth > 0) {
            bool is_key = kind[depth - 1] == 'm' && key[depth - 1];
            if (kind[depth - 1] == 's' || is_key) {
                if (any[depth - 1])
                    assert_int_equal(sl_buf_putc(out, ','), SL_OK);
                any[depth - 1] = true;
            }
            if (kind[depth - 1] == 'm')
                key[depth - 1] = !key[depth - 1];
        }
        switch (e.type) {
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            assert_true(depth < 64);
            kind[depth] = e.type == YAML_MAPPING_START_EVENT ? 'm' : 's';
            any[depth] = false;
            key[depth] = true;
            depth++;
            assert_int_equal(sl_buf_putc(out, kind[depth - 1] == 'm' ? '{' : '['), SL_OK);
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            depth--;
            assert_int_equal(sl_buf_putc(out, kind[depth] == 'm' ? '}' : ']'), SL_OK);
            break;
        case YAML_SCALAR_EVENT: {
            const char *s = (const char *)e.data.scalar.value;
            size_t n = e.data.scalar.length;
            bool plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            bool raw = plain && (json_number(s, n) || !strcmp(s, "true") ||
                                 !strcmp(s, "false") || !strcmp(s, "null"));
            if (raw)
                assert_int_equal(sl_buf_append(out, s, n), SL_OK);
            else
                assert_int_equal(sl_json_write_string(out, s, n), SL_OK);
            if (depth > 0 && kind[depth - 1] == 'm' && !key[depth - 1])
                assert_int_equal(sl_buf_putc(out, ':'), SL_OK);
            break;
        }
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&e);
    }
    yaml_parser_delete(&p);
}

/* The JSON text as compact JSON (numbers keep their text), read by sluice's reader. */
static void json_compact(const char *text, size_t len, sl_buf *out)
{
    sl_json_options o;
    sl_json_options_init(&o);
    o.form = SL_JSON_FORM_DOCUMENT;
    sl_json_reader *r;
    sl_error err;
    assert_int_equal(sl_json_reader_open_mem(text, len, "out.json", &o, &r, &err), SL_OK);
    const sl_json_value *v;
    sl_status st = sl_json_reader_next(r, &v, &err);
    if (st != SL_OK)
        fail_msg("the JSON output does not parse: %s", err.msg);
    assert_int_equal(sl_json_write_value(out, v), SL_OK);
    assert_int_equal(sl_json_reader_next(r, &v, &err), SL_EOF);
    sl_json_reader_free(r);
}

/* The YAML output of sql holds the same values as its JSON output. */
static void same_in_yaml(const char *sql, size_t len, const char *file, sl_ddl_dialect d,
                         const char *json)
{
    result y = import(sql, len, file, d, SL_DDL_YAML);
    if (y.st != SL_OK)
        fail_msg("YAML run failed where JSON did not: %s", y.where);
    sl_buf a, b;
    sl_buf_init(&a, 0);
    sl_buf_init(&b, 0);
    yaml_to_json(y.out, y.len, &a);
    json_compact(json, strlen(json), &b);
    assert_int_equal(sl_buf_putc(&a, '\0'), SL_OK);
    assert_int_equal(sl_buf_putc(&b, '\0'), SL_OK);
    assert_string_equal((char *)a.data, (char *)b.data);
    sl_buf_free(&a);
    sl_buf_free(&b);
    free(y.out);
}

/* ---- golden cases ---- */

typedef struct golden {
    char dialect[16];
    sl_ddl_dialect d;
    char name[128];
} golden;

static bool updating(void)
{
    const char *u = getenv("SLUICE_UPDATE_GOLDEN");
    return u && *u && strcmp(u, "0") != 0;
}

static int updated;

static void check_file(const char *path, const char *got, size_t len)
{
    if (updating()) {
        char *old = read_file(path, NULL);
        if (!old || strlen(old) != len || memcmp(old, got, len) != 0) {
            write_file(path, got, len);
            updated++;
        }
        free(old);
        return;
    }
    char *want = read_file(path, NULL);
    if (!want)
        fail_msg("missing %s", path);
    if (strcmp(want, got) != 0)
        fail_msg("%s differs; got:\n%s", path, got);
    free(want);
}

static void test_golden(void **state)
{
    const golden *g = *state;
    char base[512], path[600], file[160];
    snprintf(base, sizeof base, "%s/%s/%s", GOLDEN_DIR, g->dialect, g->name);
    snprintf(path, sizeof path, "%s.sql", base);
    snprintf(file, sizeof file, "%s.sql", g->name);
    size_t len;
    char *sql = read_file(path, &len);
    assert_non_null(sql);
    result r = import(sql, len, file, g->d, SL_DDL_JSON);
    snprintf(path, sizeof path, "%s.json", base);
    bool new_err = updating() && r.st != SL_OK && !exists(path);   /* a new error case */
    snprintf(path, sizeof path, "%s.err", base);
    bool want_err = exists(path) || new_err;
    if (want_err) {
        if (r.st == SL_OK)
            fail_msg("%s.sql was expected to fail, but gave:\n%s", base, r.out);
        char line[1300];
        snprintf(line, sizeof line, "%s\n", r.where);
        check_file(path, line, strlen(line));
        result y = import(sql, len, file, g->d, SL_DDL_YAML);
        assert_int_equal(y.st, r.st);
        assert_string_equal(y.where, r.where);
        free(y.out);
    } else {
        if (r.st != SL_OK)
            fail_msg("%s.sql failed: [%s] %s", base, sl_strerror(r.st), r.where);
        snprintf(path, sizeof path, "%s.json", base);
        check_file(path, r.out, r.len);
        snprintf(path, sizeof path, "%s.yaml", base);
        if (exists(path)) {
            result y = import(sql, len, file, g->d, SL_DDL_YAML);
            assert_int_equal(y.st, SL_OK);
            check_file(path, y.out, y.len);
            free(y.out);
        }
        same_in_yaml(sql, len, file, g->d, r.out);
        if (strncmp(sql, "-- dialect only", 15) != 0) {
            result a = import(sql, len, file, SL_DDL_AUTO, SL_DDL_JSON);
            if (a.st != SL_OK)
                fail_msg("with SL_DDL_AUTO %s.sql failed: %s", base, a.where);
            if (strcmp(a.out, r.out) != 0)
                fail_msg("with SL_DDL_AUTO %s.sql gives another schema:\n%s", base, a.out);
            free(a.out);
        }
    }
    free(r.out);
    free(sql);
}

static int cmp_golden(const void *a, const void *b)
{
    const golden *x = a, *y = b;
    int c = strcmp(x->dialect, y->dialect);
    return c ? c : strcmp(x->name, y->name);
}

/* Every NAME.sql under GOLDEN_DIR/<dialect>/; counts the successful ones per dialect. */
static golden *find_goldens(size_t *n, size_t ok_count[4])
{
    static const struct { const char *dir; sl_ddl_dialect d; } dialects[] = {
        {"mysql", SL_DDL_MYSQL}, {"postgres", SL_DDL_POSTGRES}, {"hive", SL_DDL_HIVE}};
    golden *g = NULL;
    size_t cap = 0;
    *n = 0;
    for (size_t i = 0; i < 3; i++) {
        char dir[256];
        snprintf(dir, sizeof dir, "%s/%s", GOLDEN_DIR, dialects[i].dir);
        DIR *d = opendir(dir);
        if (!d) {
            fprintf(stderr, "test_ddl: cannot open %s (run from the repository root)\n", dir);
            exit(1);
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t len = strlen(e->d_name);
            if (len < 5 || strcmp(e->d_name + len - 4, ".sql") != 0 || len - 4 >= 128)
                continue;
            if (*n == cap) {
                cap = cap ? cap * 2 : 64;
                g = realloc(g, cap * sizeof *g);
                if (!g)
                    exit(1);
            }
            golden *x = &g[(*n)++];
            snprintf(x->dialect, sizeof x->dialect, "%s", dialects[i].dir);
            x->d = dialects[i].d;
            memcpy(x->name, e->d_name, len - 4);
            x->name[len - 4] = '\0';
            char err[600];
            snprintf(err, sizeof err, "%s/%s.err", dir, x->name);
            if (!exists(err))
                ok_count[dialects[i].d]++;
        }
        closedir(d);
    }
    qsort(g, *n, sizeof *g, cmp_golden);
    return g;
}

static size_t golden_ok[4];

static void test_golden_counts(void **state)
{
    (void)state;
    assert_true(golden_ok[SL_DDL_MYSQL] >= 5);
    assert_true(golden_ok[SL_DDL_POSTGRES] >= 5);
    assert_true(golden_ok[SL_DDL_HIVE] >= 5);
}

/* ---- focused tests ---- */

static void test_bad_arguments(void **state)
{
    (void)state;
    sl_buf out;
    sl_buf_init(&out, 0);
    sl_error err;
    const char *sql = "CREATE TABLE t (a INT);";
    assert_int_equal(sl_ddl_import(sql, strlen(sql), "f", NULL, SL_DDL_AUTO, SL_DDL_JSON, &out,
                                   &err), SL_ERR_USAGE);
    assert_int_equal(sl_ddl_import(sql, strlen(sql), "f", "s", SL_DDL_AUTO, SL_DDL_JSON, NULL,
                                   &err), SL_ERR_USAGE);
    assert_int_equal(sl_ddl_import(NULL, 3, "f", "s", SL_DDL_AUTO, SL_DDL_JSON, &out, &err),
                     SL_ERR_USAGE);
    assert_int_equal(sl_ddl_import(sql, strlen(sql), "f", "s", (sl_ddl_dialect)9, SL_DDL_JSON,
                                   &out, &err), SL_ERR_USAGE);
    assert_string_equal(err.file, "f");
    /* NULL with no bytes is empty input, which has no table */
    assert_int_equal(sl_ddl_import(NULL, 0, NULL, "s", SL_DDL_AUTO, SL_DDL_JSON, &out, &err),
                     SL_ERR_SCHEMA);
    assert_string_equal(err.file, "");
    assert_string_equal(err.msg, "no CREATE TABLE in the input");
    assert_int_equal(out.len, 0);
    sl_buf_free(&out);
}

/* The output is appended; on an error what was there stays, with its length. */
static void test_appends_and_restores(void **state)
{
    (void)state;
    sl_buf out;
    sl_buf_init(&out, 0);
    assert_int_equal(sl_buf_puts(&out, "keep"), SL_OK);
    sl_error err;
    const char *bad = "CREATE TABLE t (a INT CHECK (a > 1 OR a < 0));";
    assert_int_equal(sl_ddl_import(bad, strlen(bad), "f", "s", SL_DDL_MYSQL, SL_DDL_JSON, &out,
                                   &err), SL_ERR_UNSUPPORTED);
    assert_int_equal(out.len, 4);
    const char *good = "CREATE TABLE t (a INT);";
    assert_int_equal(sl_ddl_import(good, strlen(good), "f", "s", SL_DDL_MYSQL, SL_DDL_YAML,
                                   &out, NULL), SL_OK);
    assert_true(out.len > 4);
    assert_memory_equal(out.data, "keepname: s\n", 12);
    /* err may be NULL on failure too */
    size_t len = out.len;
    assert_int_equal(sl_ddl_import(bad, strlen(bad), "f", "s", SL_DDL_MYSQL, SL_DDL_JSON, &out,
                                   NULL), SL_ERR_UNSUPPORTED);
    assert_int_equal(out.len, len);
    sl_buf_free(&out);
}

static void test_output_limit(void **state)
{
    (void)state;
    sl_buf out;
    sl_buf_init(&out, 64);
    sl_error err;
    const char *sql = "CREATE TABLE customers (customer_id INT PRIMARY KEY, email TEXT);";
    assert_int_equal(sl_ddl_import(sql, strlen(sql), "f", "s", SL_DDL_AUTO, SL_DDL_JSON, &out,
                                   &err), SL_ERR_LIMIT);
    assert_int_equal(out.len, 0);
    assert_string_equal(err.msg, "the schema is larger than the output buffer allows");
    sl_buf_free(&out);
}

/* Same input, same bytes; and a file's order of CREATE TABLEs only matters among tables
 * that do not depend on each other. */
static void test_parents_first(void **state)
{
    (void)state;
    const char *sql = "CREATE TABLE c (id INT PRIMARY KEY, b_id INT REFERENCES b(id));\n"
                      "CREATE TABLE x (id INT PRIMARY KEY);\n"
                      "CREATE TABLE b (id INT PRIMARY KEY, a_id INT REFERENCES a);\n"
                      "CREATE TABLE a (id INT PRIMARY KEY);\n";
    char *o1 = ok(sql, SL_DDL_POSTGRES), *o2 = ok(sql, SL_DDL_POSTGRES);
    assert_string_equal(o1, o2);
    const char *x = strstr(o1, "\"name\": \"x\""), *a = strstr(o1, "\"name\": \"a\""),
               *b = strstr(o1, "\"name\": \"b\""), *c = strstr(o1, "\"name\": \"c\"");
    assert_true(x && a && b && c);
    assert_true(x < a && a < b && b < c);
    expect_contains(o1, "{\"name\": \"a_id\", \"type\": \"int32\", \"ref\": \"a.id\"}");
    free(o1);
    free(o2);
}

static void test_cycles(void **state)
{
    (void)state;
    expect_error("CREATE TABLE a (id INT PRIMARY KEY, b_id INT);\n"
                 "CREATE TABLE b (id INT PRIMARY KEY, c_id INT REFERENCES c);\n"
                 "CREATE TABLE c (id INT PRIMARY KEY, a_id INT REFERENCES b);\n",
                 SL_DDL_MYSQL, SL_ERR_UNSUPPORTED,
                 "t.sql:2:57: foreign keys form a cycle: b -> c -> b (a schema lists parents "
                 "before children)");
    expect_error("CREATE TABLE e (id INT PRIMARY KEY, boss INT REFERENCES e(id));",
                 SL_DDL_MYSQL, SL_ERR_UNSUPPORTED,
                 "t.sql:1:57: foreign keys form a cycle: e -> e (a schema lists parents before "
                 "children)");
}

/* Statements the importer skips change nothing. */
static void test_skipped_statements(void **state)
{
    (void)state;
    const char *plain = "CREATE TABLE t (id INT PRIMARY KEY, n INT);";
    const char *noisy =
        "SET NAMES utf8mb4; SET @x = 'a;b'; USE shop; DROP TABLE IF EXISTS t;\n"
        "CREATE DATABASE shop; CREATE SCHEMA s; CREATE SEQUENCE q START 1;\n"
        "/*!40101 SET character_set_client = utf8 */;\n"
        "CREATE TABLE t (id INT PRIMARY KEY, n INT);\n"
        "LOCK TABLES t WRITE; INSERT INTO t VALUES (1, 2), (2, ';'); UNLOCK TABLES;\n"
        "CREATE INDEX i ON t (n); GRANT SELECT ON t TO u; REVOKE ALL ON t FROM u;\n"
        "BEGIN; START TRANSACTION; COMMIT; ROLLBACK; SELECT 1; ;;\n"
        "ALTER SEQUENCE q OWNED BY t.id; ALTER TABLE t OWNER TO admin;\n"
        "COMMENT ON EXTENSION plpgsql IS 'x'; DROP TABLE t";
    char *a = ok(plain, SL_DDL_AUTO), *b = ok(noisy, SL_DDL_AUTO);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void test_name_folding(void **state)
{
    (void)state;
    const char *sql = "CREATE TABLE Users (Id INT PRIMARY KEY, \"Full_Name\" TEXT);";
    char *pg = ok(sql, SL_DDL_POSTGRES), *au = ok(sql, SL_DDL_AUTO);
    expect_contains(pg, "\"name\": \"users\"");
    expect_contains(pg, "{\"name\": \"id\", \"type\": \"int32\", \"gen\": \"sequence\"}");
    expect_contains(pg, "{\"name\": \"Full_Name\"");
    expect_contains(au, "\"name\": \"Users\"");
    expect_contains(au, "{\"name\": \"Id\"");
    free(pg);
    free(au);
    char *hv = ok("CREATE TABLE `Web`.`Views` (`ID` INT, Url STRING);", SL_DDL_HIVE);
    expect_contains(hv, "\"name\": \"views\"");
    expect_contains(hv, "{\"name\": \"id\"");
    expect_contains(hv, "{\"name\": \"url\"");
    free(hv);
    /* PostgreSQL compares exactly: id and "Id" are two columns */
    char *two = ok("CREATE TABLE t (id INT, \"Id\" INT);", SL_DDL_POSTGRES);
    free(two);
    expect_error("CREATE TABLE t (id INT, `ID` INT);", SL_DDL_MYSQL, SL_ERR_SCHEMA,
                 "t.sql:1:25: column 'ID' is defined twice in table 't'");
}

static void test_quotes_by_dialect(void **state)
{
    (void)state;
    expect_error("CREATE TABLE t (\"a\" INT);", SL_DDL_MYSQL, SL_ERR_SCHEMA,
                 "t.sql:1:17: \"a\" is a string, not a name, in MySQL (use backticks)");
    expect_error("CREATE TABLE t (`a` INT);", SL_DDL_POSTGRES, SL_ERR_SCHEMA,
                 "t.sql:1:17: backticks do not quote names in PostgreSQL (use double quotes)");
    /* in MySQL and AUTO a "string" is a string where one is expected */
    char *m = ok("CREATE TABLE t (a INT COMMENT \"it's \\\"a\\\"\") COMMENT \"x\";", SL_DDL_MYSQL);
    expect_contains(m, "\"description\": \"it's \\\"a\\\"\"");
    free(m);
    char *a = ok("CREATE TABLE \"t\" (`a` INT COMMENT \"d\");", SL_DDL_AUTO);
    expect_contains(a, "{\"name\": \"a\", \"type\": \"int32\", \"gen\": \"uniform\", \"min\": 0, "
                       "\"max\": 1000, \"description\": \"d\"}");
    free(a);
    /* backslashes: escapes in MySQL, text in PostgreSQL unless E'' */
    char *pg = ok("CREATE TABLE t (a TEXT DEFAULT 'a\\n', b TEXT DEFAULT E'b\\n');",
                  SL_DDL_POSTGRES);
    expect_contains(pg, "\"default\": \"a\\\\n\"");
    expect_contains(pg, "\"default\": \"b\\n\"");
    free(pg);
    char *my = ok("CREATE TABLE t (a TEXT DEFAULT 'a\\n''');", SL_DDL_MYSQL);
    expect_contains(my, "\"default\": \"a\\n'\"");
    free(my);
}

/* Strict bounds move by one unit of the column; non-strict bounds round inward. */
static void test_bounds(void **state)
{
    (void)state;
    char *o = ok("CREATE TABLE t (\n"
                 " d DECIMAL(5,2) CHECK (d > 1.005 AND d < 2),\n"
                 " i INT CHECK (i > -1.5 AND i <= 7.9),\n"
                 " j INT CHECK (j < -1.5),\n"
                 " k BIGINT CHECK (-3 < k),\n"
                 " day DATE CHECK (day > '2020-02-28' AND day < DATE '2021-01-01'),\n"
                 " ts TIMESTAMP CHECK (ts >= '2024-05-01 10:00:00+02:00' AND ts < '2024-06-01'),\n"
                 " r DOUBLE CHECK (r > 0.5),\n"
                 " big INT CHECK (big < 1e30),\n"
                 " tiny TINYINT CHECK (tiny >= 100)\n"
                 ");", SL_DDL_MYSQL);
    expect_contains(o, "\"name\": \"d\", \"type\": \"decimal(5,2)\", \"gen\": \"uniform\", "
                       "\"min\": 1.01, \"max\": 1.99, \"check\": \"d > 1.005 and d < 2\"");
    expect_contains(o, "\"name\": \"i\", \"type\": \"int32\", \"gen\": \"uniform\", \"min\": -1, "
                       "\"max\": 7,");
    expect_contains(o, "\"name\": \"j\", \"type\": \"int32\", \"gen\": \"uniform\", "
                       "\"min\": -1002, \"max\": -2,");
    expect_contains(o, "\"name\": \"k\", \"type\": \"int64\", \"gen\": \"uniform\", \"min\": -2, "
                       "\"max\": 1000, \"check\": \"k > -3\"");
    expect_contains(o, "\"min\": \"2020-02-29\", \"max\": \"2020-12-31\", \"check\": \"day > "
                       "date '2020-02-28' and day < date '2021-01-01'\"");
    expect_contains(o, "\"min\": \"2024-05-01T08:00:00Z\", \"max\": "
                       "\"2024-05-31T23:59:59.999999Z\"");
    expect_contains(o, "\"name\": \"r\", \"type\": \"double\", \"gen\": \"uniform\", "
                       "\"min\": 0.5, \"max\": 1000.0,");
    expect_contains(o, "\"name\": \"big\", \"type\": \"int32\", \"gen\": \"uniform\", "
                       "\"min\": 0, \"max\": 1000,");
    expect_contains(o, "\"name\": \"tiny\", \"type\": \"int8\", \"gen\": \"uniform\", "
                       "\"min\": 100, \"max\": 127,");
    free(o);
    expect_error("CREATE TABLE t (\n  x TINYINT CHECK (x > 200)\n);", SL_DDL_MYSQL,
                 SL_ERR_SCHEMA, "t.sql:2:20: CHECK leaves no value for column 'x' (int8): x > 200");
    expect_error("CREATE TABLE t (x INT CHECK (x IN (1, 2)), CHECK (x IN (3)));", SL_DDL_MYSQL,
                 SL_ERR_SCHEMA, "t.sql:1:51: CHECK leaves no value for column 'x'");
    expect_error("CREATE TABLE t (x INT CHECK (x IN (1, 2.5)));", SL_DDL_MYSQL,
                 SL_ERR_SCHEMA, "t.sql:1:39: 2.5 does not fit column 'x' (int32)");
    expect_error("CREATE TABLE t (x DATE CHECK (x > '2020-02-30'));", SL_DDL_MYSQL,
                 SL_ERR_SCHEMA, "t.sql:1:35: '2020-02-30' is not a date (YYYY-MM-DD)");
    expect_error("CREATE TABLE t (x TEXT CHECK (x > 'a'));", SL_DDL_POSTGRES,
                 SL_ERR_UNSUPPORTED, "t.sql:1:35: a range on column 'x' (string) cannot be "
                 "generated (only on numbers, dates and timestamps)");
}

/* A unique column with few possible values lowers its table's rows. */
static void test_unique_capacity(void **state)
{
    (void)state;
    char *o = ok("CREATE TABLE a (code CHAR(1) PRIMARY KEY);\n"
                 "CREATE TABLE b (id TINYINT PRIMARY KEY);\n"
                 "CREATE TABLE c (id INT PRIMARY KEY CHECK (id BETWEEN 11 AND 20));\n"
                 "CREATE TABLE d (code VARCHAR(6) PRIMARY KEY, n INT UNIQUE);\n",
                 SL_DDL_MYSQL);
    expect_contains(o, "\"name\": \"a\",\n      \"rows\": 36,");
    expect_contains(o, "{\"name\": \"code\", \"type\": \"string\", \"gen\": \"pattern\", "
                       "\"pattern\": \"*\", \"unique\": true}");
    expect_contains(o, "\"name\": \"b\",\n      \"rows\": 127,");
    expect_contains(o, "\"name\": \"c\",\n      \"rows\": 10,");
    expect_contains(o, "{\"name\": \"id\", \"type\": \"int32\", \"gen\": \"sequence\", "
                       "\"start\": 11, \"check\": \"id between 11 and 20\"}");
    expect_contains(o, "\"name\": \"d\",\n      \"rows\": 1000,");
    expect_contains(o, "\"pattern\": \"C#####\", \"unique\": true}");
    expect_contains(o, "{\"name\": \"n\", \"type\": \"int32\", \"gen\": \"sequence\"}");
    free(o);
}

/* Nesting is bounded, long flat chains are not recursion. */
static void test_depth(void **state)
{
    (void)state;
    char sql[4096];
    int n = snprintf(sql, sizeof sql, "CREATE TABLE t (x INT CHECK (");
    for (int i = 0; i < 62; i++)
        sql[n++] = '(';
    n += snprintf(sql + n, sizeof sql - (size_t)n, "x > 0");
    for (int i = 0; i < 62; i++)
        sql[n++] = ')';
    snprintf(sql + n, sizeof sql - (size_t)n, "));");
    char *o = ok(sql, SL_DDL_MYSQL);
    expect_contains(o, "\"check\": \"x > 0\"");
    free(o);
    n = snprintf(sql, sizeof sql, "CREATE TABLE t (x INT CHECK (");
    for (int i = 0; i < 200; i++)
        sql[n++] = '(';
    snprintf(sql + n, sizeof sql - (size_t)n, "x > 0");
    expect_error(sql, SL_DDL_MYSQL, SL_ERR_LIMIT, "t.sql:1:94: expression nested deeper than 64");
    n = snprintf(sql, sizeof sql, "CREATE TABLE t (x INT DEFAULT ");
    for (int i = 0; i < 100; i++) {   /* "- -" is two minus signs, "--" a comment */
        sql[n++] = '-';
        sql[n++] = ' ';
    }
    snprintf(sql + n, sizeof sql - (size_t)n, "1);");
    expect_error(sql, SL_DDL_MYSQL, SL_ERR_LIMIT, "t.sql:1:159: expression nested deeper than 64");

    size_t cap = 400000, len = 0;
    char *big = malloc(cap);
    assert_non_null(big);
    len += (size_t)snprintf(big, cap, "CREATE TABLE t (x INT CHECK (x > 0");
    for (int i = 1; i < 20000; i++)
        len += (size_t)snprintf(big + len, cap - len, " AND x >= %d", i % 50);
    snprintf(big + len, cap - len, "));");
    result r = run(big, SL_DDL_MYSQL);
    if (r.st != SL_OK)
        fail_msg("%s", r.where);
    expect_contains(r.out, "\"min\": 49, \"max\": 1000");
    free(r.out);
#ifdef __linux__
    /* the check text of 20000 conjuncts once took 2.3 GB, copied at every AND */
    struct rusage ru;
    assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
    assert_true(ru.ru_maxrss < 1024 * 1024);   /* KiB on Linux */
#endif
    len = (size_t)snprintf(big, cap, "CREATE TABLE t (x INT DEFAULT 1");
    for (int i = 1; i < 20000; i++)
        len += (size_t)snprintf(big + len, cap - len, " + 1");
    snprintf(big + len, cap - len, ");");
    expect_error(big, SL_DDL_MYSQL, SL_ERR_UNSUPPORTED,
                 "t.sql:1:31: DEFAULT must be a literal, CURRENT_TIMESTAMP or nextval(...)");
    free(big);
}

/* Columns count code points, lines count from 1, for every kind of error. */
static void test_positions(void **state)
{
    (void)state;
    expect_error("-- héllo wörld\nCREATE TABLE t /* ünïcode */ (a INT, ? INT);", SL_DDL_MYSQL,
                 SL_ERR_SCHEMA, "t.sql:2:38: expected a column name, found '?'");
    expect_error("CREATE TABLE t (a TEXT DEFAULT 'never ends);", SL_DDL_MYSQL, SL_ERR_SCHEMA,
                 "t.sql:1:32: unterminated string");
    expect_error("CREATE TABLE t (a INT) /* open", SL_DDL_MYSQL, SL_ERR_SCHEMA,
                 "t.sql:1:24: unterminated comment");
    expect_error("CREATE TABLE t (a INT)\n\n  ENGINE = InnoDB,\n  FOO = 1;", SL_DDL_MYSQL,
                 SL_ERR_UNSUPPORTED, "t.sql:4:3: unsupported table option 'FOO'");
    expect_error("CREATE TABLE t (a INT", SL_DDL_MYSQL, SL_ERR_SCHEMA,
                 "t.sql:1:22: expected ')' to close the column list, found the end of the input");
}

/* UTF-8 is checked in strings and names that reach the output. */
static void test_invalid_utf8(void **state)
{
    (void)state;
    expect_error("CREATE TABLE t (a INT COMMENT 'caf\xe9');", SL_DDL_MYSQL, SL_ERR_SCHEMA,
                 "t.sql:1:31: string is not valid UTF-8");
    expect_error("CREATE TABLE t (`a\xff` INT);", SL_DDL_MYSQL, SL_ERR_SCHEMA,
                 "t.sql:1:17: quoted name is not valid UTF-8");
}

/* Statement forms around CREATE TABLE. */
static void test_statement_forms(void **state)
{
    (void)state;
    char *o = ok("CREATE TABLE t (a INT, b INT, c INT, d VARCHAR(30), PRIMARY KEY (a, b, c));\n"
                 "ALTER TABLE IF EXISTS never_created ADD COLUMN x INT;\n"
                 "ALTER TABLE t ALTER COLUMN d SET DEFAULT 'x', ALTER d DROP DEFAULT;\n"
                 "ALTER TABLE t ALTER COLUMN c SET DEFAULT nextval('s');\n"
                 "CREATE UNIQUE INDEX IF NOT EXISTS u ON t USING btree (d) WHERE a > 0;\n"
                 "COMMENT ON TABLE t IS 'x'; COMMENT ON TABLE t IS NULL;\n",
                 SL_DDL_POSTGRES);
    expect_contains(o, "\"primary_key\": [\"a\", \"b\", \"c\"],");
    expect_contains(o, "{\"name\": \"c\", \"type\": \"int32\", \"gen\": \"sequence\"}");
    expect_contains(o, "{\"name\": \"d\", \"type\": \"string\", \"gen\": \"pattern\", "
                       "\"pattern\": \"D########\", \"unique\": true}");
    assert_null(strstr(o, "description"));
    free(o);
    expect_error("CREATE TABLE t (d TEXT); CREATE UNIQUE INDEX u ON t (lower(d));",
                 SL_DDL_POSTGRES, SL_ERR_UNSUPPORTED, "t.sql:1:53: a unique index on an "
                 "expression cannot be represented");
    expect_error("CREATE TABLE t (a INT, b INT, UNIQUE (a, b));", SL_DDL_MYSQL,
                 SL_ERR_UNSUPPORTED, "t.sql:1:31: a UNIQUE constraint over several columns "
                 "cannot be represented");
    expect_error("CREATE TABLE t (a INT PRIMARY KEY, b INT, PRIMARY KEY (b));", SL_DDL_MYSQL,
                 SL_ERR_SCHEMA, "t.sql:1:43: table 't' has a second primary key");
    expect_error("CREATE TABLE t (a INT, PRIMARY KEY (a, a));", SL_DDL_MYSQL, SL_ERR_SCHEMA,
                 "t.sql:1:40: column 'a' is named twice in the constraint");
    expect_error("ALTER TABLE t ADD COLUMN x INT;", SL_DDL_MYSQL, SL_ERR_SCHEMA,
                 "t.sql:1:13: no table 't' has been created");
    expect_error("CREATE TABLE t (a INT); ALTER TABLE t DROP COLUMN a;", SL_DDL_MYSQL,
                 SL_ERR_UNSUPPORTED, "t.sql:1:39: unsupported ALTER TABLE 'DROP' (ADD and ALTER "
                 "COLUMN are read)");
    expect_error("UPDATE t SET a = 1;", SL_DDL_MYSQL, SL_ERR_UNSUPPORTED,
                 "t.sql:1:1: unsupported statement starting with 'UPDATE'");
    expect_error("CREATE TABLE t (a TEXT COMMENT 'a\\0b');", SL_DDL_MYSQL, SL_ERR_UNSUPPORTED,
                 "t.sql:1:32: string holds a NUL character");
    expect_error("CREATE TABLE t (a INT GENERATED ALWAYS AS IDENTITY (START WITH -5));",
                 SL_DDL_POSTGRES, SL_ERR_UNSUPPORTED, "t.sql:1:64: a sequence that starts "
                 "below zero or counts down is not supported");
    expect_error("CREATE TABLE t (a TINYINT AUTO_INCREMENT PRIMARY KEY) AUTO_INCREMENT=500;",
                 SL_DDL_MYSQL, SL_ERR_SCHEMA, "t.sql:1:17: sequence 'a' starts at 500, outside "
                 "its type int8");
    expect_error("CREATE TABLE t (a TEXT AUTO_INCREMENT);", SL_DDL_MYSQL, SL_ERR_SCHEMA,
                 "t.sql:1:17: column 'a' is a sequence (AUTO_INCREMENT, IDENTITY, nextval) but "
                 "string, not an integer");
}

/* Values and defaults in the column's type. */
static void test_values_and_defaults(void **state)
{
    (void)state;
    char *o = ok("CREATE TABLE t (\n"
                 " flag BOOLEAN CHECK (flag IN (TRUE)),\n"
                 " Is_Open TINYINT(1) DEFAULT '1',\n"
                 " n DECIMAL(6,2) DEFAULT '-0012.50' CHECK (n IN (1, 2.5, 3)) CHECK (n <= 2.5),\n"
                 " dateOfBirth DATE,\n"
                 " s VARCHAR(5) DEFAULT 'a''b',\n"
                 " q TEXT CHECK (q IN ('it''s', 'x'))\n"
                 ");", SL_DDL_MYSQL);
    expect_contains(o, "{\"name\": \"flag\", \"type\": \"boolean\", \"gen\": \"choice\", "
                       "\"values\": [true], \"check\": \"flag in (true)\"}");
    expect_contains(o, "{\"name\": \"Is_Open\", \"type\": \"int8\", \"gen\": \"uniform\", "
                       "\"min\": 0, \"max\": 1, \"default\": 1}");
    expect_contains(o, "\"gen\": \"choice\", \"values\": [1, 2.5], \"check\": \"n in (1, 2.5, 3) "
                       "and n <= 2.5\", \"default\": -12.5}");
    expect_contains(o, "{\"name\": \"dateOfBirth\", \"type\": \"date\", \"gen\": \"date\", "
                       "\"min\": \"1940-01-01\"");
    expect_contains(o, "\"default\": \"a'b\"}");
    expect_contains(o, "\"values\": [\"it's\", \"x\"], \"check\": \"q in (\\\"it's\\\", 'x')\"}");
    free(o);
    expect_error("CREATE TABLE t (q TEXT CHECK (q IN ('it''s \"x\"')));", SL_DDL_MYSQL,
                 SL_ERR_UNSUPPORTED, "t.sql:1:37: a string holding both ' and \" cannot be "
                 "written in a schema expression");
    expect_error("CREATE TABLE t (a INT DEFAULT a + 1);", SL_DDL_MYSQL, SL_ERR_UNSUPPORTED,
                 "t.sql:1:31: DEFAULT must be a literal, CURRENT_TIMESTAMP or nextval(...)");
    expect_error("CREATE TABLE t (a INT CHECK (a IN ('x')));", SL_DDL_MYSQL, SL_ERR_UNSUPPORTED,
                 "t.sql:1:36: CHECK compares column 'a' (int32) with a string");
}

int main(void)
{
    size_t n;
    golden *g = find_goldens(&n, golden_ok);
    static const struct CMUnitTest focused[] = {
        cmocka_unit_test(test_golden_counts),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_appends_and_restores),
        cmocka_unit_test(test_output_limit),
        cmocka_unit_test(test_parents_first),
        cmocka_unit_test(test_cycles),
        cmocka_unit_test(test_skipped_statements),
        cmocka_unit_test(test_name_folding),
        cmocka_unit_test(test_quotes_by_dialect),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_unique_capacity),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_statement_forms),
        cmocka_unit_test(test_values_and_defaults),
    };
    size_t nf = sizeof focused / sizeof focused[0];
    struct CMUnitTest *tests = calloc(n + nf, sizeof *tests);
    char (*names)[160] = calloc(n ? n : 1, sizeof *names);
    if (!tests || !names)
        return 1;
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "golden %s/%s", g[i].dialect, g[i].name);
        tests[i] = (struct CMUnitTest){names[i], test_golden, NULL, NULL, &g[i]};
    }
    memcpy(tests + n, focused, sizeof focused);
    int rc = _cmocka_run_group_tests("ddl", tests, n + nf, NULL, NULL);
    if (updating()) {
        fprintf(stderr, "test_ddl: SLUICE_UPDATE_GOLDEN is set: %d file(s) rewritten; review "
                        "them and run again without it\n", updated);
        rc = rc ? rc : 1;
    }
    free(tests);
    free(names);
    free(g);
    return rc;
}
