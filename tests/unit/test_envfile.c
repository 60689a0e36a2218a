/* Environment files (src/base/envfile.h): the systemd EnvironmentFile forms,
 * and every malformed line named by line and column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base/envfile.h"

typedef struct seen { char out[2048]; size_t n; } seen;

/* Appends "KEY=[VALUE]@LINE;" for each assignment. */
static sl_status collect(void *ctx, const char *key, size_t klen, const char *val, size_t vlen,
                         unsigned line)
{
    seen *s = ctx;
    assert_int_equal(val[vlen], '\0');
    s->n += (size_t)snprintf(s->out + s->n, sizeof s->out - s->n, "%.*s=[%.*s]@%u;", (int)klen, key,
                             (int)vlen, val, line);
    return SL_OK;
}

static const char *parse(const char *text, sl_error *err, sl_status want)
{
    static seen s;
    memset(&s, 0, sizeof s);
    sl_error_clear(err);
    assert_int_equal(sl_envfile_parse(text, strlen(text), "x.env", collect, &s, err), want);
    return s.out;
}

static void test_forms(void **state)
{
    (void)state;
    sl_error err;
    assert_string_equal(parse("", &err, SL_OK), "");
    assert_string_equal(parse("A=1", &err, SL_OK), "A=[1]@1;");
    assert_string_equal(parse("# c\n; c\n\n  \t\nA=1\n", &err, SL_OK), "A=[1]@5;");
    assert_string_equal(parse("A = two words  \r\nB=\n", &err, SL_OK), "A=[two words]@1;B=[]@2;");
    assert_string_equal(parse("A=\"x \\\" \\\\ \\$ \\` y\"\n", &err, SL_OK), "A=[x \" \\ $ ` y]@1;");
    assert_string_equal(parse("A='it is \\n raw'", &err, SL_OK), "A=[it is \\n raw]@1;");
    assert_string_equal(parse("A=\"two\nlines\"\nB=3", &err, SL_OK), "A=[two\nlines]@1;B=[3]@3;");
    assert_string_equal(parse("A=con\\\ntinued\nB=x", &err, SL_OK), "A=[continued]@1;B=[x]@3;");
    assert_string_equal(parse("A=\"q\"'s'u  ", &err, SL_OK), "A=[qsu]@1;");
    assert_string_equal(parse("A=\"  kept  \"", &err, SL_OK), "A=[  kept  ]@1;");
    assert_string_equal(parse("_a9=#not a comment", &err, SL_OK), "_a9=[#not a comment]@1;");
    assert_string_equal(parse("A=a\\ b", &err, SL_OK), "A=[a b]@1;");
}

static void test_errors(void **state)
{
    (void)state;
    sl_error err;
    parse("A=1\n9A=2\n", &err, SL_ERR_USAGE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 1);
    assert_string_equal(err.file, "x.env");
    parse("A=1\nexport B=2\n", &err, SL_ERR_USAGE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 8);
    assert_non_null(strstr(err.msg, "'='"));
    parse("A=1\nB\n", &err, SL_ERR_USAGE);
    assert_int_equal(err.line, 2);
    parse("A=1\nB=\"open\nstill\n", &err, SL_ERR_USAGE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 3);
    assert_int_equal(err.offset, 6);
    assert_non_null(strstr(err.msg, "never closed"));
    parse("B='x", &err, SL_ERR_USAGE);
}

static sl_status stop_at_b(void *ctx, const char *key, size_t klen, const char *val, size_t vlen,
                           unsigned line)
{
    (void)ctx, (void)val, (void)vlen, (void)line;
    return klen == 1 && key[0] == 'B' ? SL_ERR_LIMIT : SL_OK;
}

static void test_callback_stops(void **state)
{
    (void)state;
    sl_error err;
    const char *t = "A=1\nB=2\nC='";
    assert_int_equal(sl_envfile_parse(t, strlen(t), "x", stop_at_b, NULL, &err), SL_ERR_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_callback_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
