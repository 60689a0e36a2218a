/* The ledger line reader shared by ingest and sync (src/ingest/ledger.h): only
 * complete lines, across its read chunks, stopping where the caller says, and
 * the key set it keeps committed hashes in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/ledger.h"

typedef struct seen { size_t n, stop_at; uint64_t total; char first[64]; size_t last_len; } seen;

static sl_status count(void *ctx, const uint8_t *line, size_t len)
{
    seen *s = ctx;
    if (s->stop_at && s->n == s->stop_at)
        return SL_EOF;
    if (s->n == 0)
        snprintf(s->first, sizeof s->first, "%.*s", (int)len, (const char *)line);
    s->n++;
    s->total += len;
    s->last_len = len;
    return SL_OK;
}

static int temp_file(const char *data, size_t n, char *path)
{
    strcpy(path, "/tmp/sluice-ledger-testXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    return fd;
}

/* Lines of 1,000 bytes over several 1 MiB chunks, a torn last line, then the rest. */
static void test_lines_across_chunks(void **state)
{
    (void)state;
    size_t nlines = 3000, len = 999;
    size_t size = nlines * (len + 1) + 9;
    char *data = malloc(size);
    for (size_t i = 0; i < nlines; i++) {
        memset(data + i * (len + 1), 'a' + (int)(i % 26), len);
        data[i * (len + 1) + len] = '\n';
    }
    memcpy(data + nlines * (len + 1), "{\"torn\":1", 9);
    char path[64];
    int fd = temp_file(data, size, path);
    uint64_t off = 0;
    seen s = {0};
    sl_error err;
    assert_int_equal(sl_ledger_lines(fd, path, &off, 1 << 20, count, &s, &err), SL_OK);
    assert_int_equal(s.n, nlines);
    assert_int_equal(s.total, nlines * len);
    assert_int_equal(off, nlines * (len + 1));   /* the torn line is not consumed */
    /* The torn line completes: the next read takes just it. */
    assert_int_equal(pwrite(fd, "}\n", 2, (off_t)size), 2);
    seen s2 = {0};
    assert_int_equal(sl_ledger_lines(fd, path, &off, 1 << 20, count, &s2, &err), SL_OK);
    assert_int_equal(s2.n, 1);
    assert_string_equal(s2.first, "{\"torn\":1}");
    assert_int_equal(off, size + 2);
    close(fd);
    unlink(path);
    free(data);
}

static void test_stop_and_limit(void **state)
{
    (void)state;
    char path[64];
    const char text[] = "one\ntwo\nthree\n";
    int fd = temp_file(text, sizeof text - 1, path);
    uint64_t off = 0;
    seen s = {.stop_at = 2};
    sl_error err;
    assert_int_equal(sl_ledger_lines(fd, path, &off, 1 << 20, count, &s, &err), SL_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(off, 8);   /* "three" is left for the next call */
    seen rest = {0};
    assert_int_equal(sl_ledger_lines(fd, path, &off, 1 << 20, count, &rest, &err), SL_OK);
    assert_string_equal(rest.first, "three");
    close(fd);
    unlink(path);
    /* A line longer than max_line is an error, not unbounded memory. */
    size_t big = 3u << 20;
    char *data = malloc(big);
    memset(data, 'x', big);
    fd = temp_file(data, big, path);
    off = 0;
    seen s3 = {0};
    assert_int_equal(sl_ledger_lines(fd, path, &off, 1 << 20, count, &s3, &err), SL_ERR_LIMIT);
    assert_int_equal(off, 0);
    close(fd);
    unlink(path);
    free(data);
}

static void test_keyset(void **state)
{
    (void)state;
    sl_keyset s = {0};
    for (uint64_t i = 0; i < 100000; i++)
        assert_int_equal(sl_keyset_add(&s, (sl_key128){i * 7919, i}), SL_OK);
    assert_int_equal(s.len, 100000);
    for (uint64_t i = 0; i < 100000; i += 2)
        sl_keyset_del(&s, (sl_key128){i * 7919, i});
    for (uint64_t i = 0; i < 100000; i++)
        assert_int_equal(sl_keyset_has(&s, (sl_key128){i * 7919, i}), i % 2 == 1);
    assert_int_equal(s.len, 50000);
    sl_keyset_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_across_chunks),
        cmocka_unit_test(test_stop_and_limit),
        cmocka_unit_test(test_keyset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
