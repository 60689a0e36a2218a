/* Large sequential output files (src/base/ofile.h): the bytes on disk are the
 * bytes written, in any piece sizes, whether the file system takes direct I/O
 * (the build directory's and, on recent kernels, tmpfs) or refuses it (a socket); direct I/O
 * starts only past direct_after; a write error names the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/ofile.h"

#define CAP 8192

/* Does dir's file system accept O_DIRECT? Asked of the kernel directly, not of
 * the code under test. */
static bool takes_direct(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/probe", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
    if (fd >= 0)
        close(fd);
    unlink(path);
    return fd >= 0;
}

static unsigned char *expected(size_t n)
{
    unsigned char *b = malloc(n);
    assert_non_null(b);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b[i] = (unsigned char)x;
    }
    return b;
}

static void check_file(const char *path, const unsigned char *want, size_t n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *got = malloc(n + 1);
    assert_non_null(got);
    assert_int_equal(fread(got, 1, n + 1, f), n);
    fclose(f);
    assert_memory_equal(got, want, n);
    free(got);
}

/* Writes n bytes in pieces of 1 to 3*CAP bytes through an sl_ofile into dir and
 * checks the file; returns the writer's final direct state. */
static int write_pieces(const char *dir, size_t n, uint64_t direct_after, int *direct_midway)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/out.bin", dir);
    unsigned char *want = expected(n);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    sl_ofile f;
    sl_error err;
    assert_int_equal(sl_ofile_init(&f, fd, path, direct_after, CAP, &err), SL_OK);
    size_t at = 0, piece = 1;
    *direct_midway = 0;
    while (at < n) {
        size_t k = piece < n - at ? piece : n - at;
        assert_int_equal(sl_ofile_write(&f, want + at, k, &err), SL_OK);
        at += k;
        assert_int_equal(sl_ofile_size(&f), at);
        if (f.written < direct_after)
            assert_int_equal(f.direct, 0);   /* never direct before direct_after */
        if (at >= n / 2 && !*direct_midway)
            *direct_midway = f.direct;
        piece = piece * 7 % (3 * CAP) + 1;
    }
    int state = f.direct;
    assert_int_equal(sl_ofile_finish(&f, &err), SL_OK);
    sl_ofile_free(&f);
    assert_int_equal(close(fd), 0);
    check_file(path, want, n);
    unlink(path);
    free(want);
    return state;
}

static void in_dir(const char *base)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/sluice-ofile-XXXXXX", base);
    if (!mkdtemp(dir)) {
        print_message("skipping %s: %s\n", base, strerror(errno));
        return;
    }
    bool direct = takes_direct(dir);
    print_message("%s: the file system %s direct I/O\n", base, direct ? "takes" : "refuses");
    int mid;
    /* direct from the start, an unaligned tail */
    int st = write_pieces(dir, 40 * CAP + 1234, 0, &mid);
    assert_int_equal(st, direct ? 1 : -1);
    /* direct only past 10 blocks */
    st = write_pieces(dir, 40 * CAP + 17, 10 * CAP, &mid);
    assert_int_equal(st, direct ? 1 : -1);
    assert_int_equal(mid, direct ? 1 : -1);
    /* never direct; an aligned end; nothing at all */
    assert_int_equal(write_pieces(dir, 8 * CAP, UINT64_MAX, &mid), 0);
    assert_int_equal(write_pieces(dir, 0, 0, &mid), 0);
    /* smaller than a block */
    assert_int_equal(write_pieces(dir, 100, 0, &mid), 0);
    rmdir(dir);
}

static void test_build_dir(void **state)
{
    (void)state;
    in_dir(".");
}

static void test_tmpfs(void **state)
{
    (void)state;
    struct stat sb;
    if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode))
        in_dir("/dev/shm");
}

typedef struct sink { int fd; unsigned char *got; size_t n, cap; } sink;

static void *drain(void *arg)
{
    sink *k = arg;
    for (;;) {
        ssize_t r = read(k->fd, k->got + k->n, k->cap - k->n);
        if (r <= 0)
            return NULL;
        k->n += (size_t)r;
    }
}

/* A socket is never taken for direct I/O (fcntl refuses O_DIRECT): the writer
 * says so once and writes buffered, the same bytes. */
static void test_refused(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    size_t n = 20 * CAP + 5;
    unsigned char *want = expected(n);
    sink k = {sv[1], malloc(n + 1), 0, n + 1};
    assert_non_null(k.got);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, drain, &k), 0);
    sl_ofile f;
    sl_error err;
    assert_int_equal(sl_ofile_init(&f, sv[0], "socket", 0, CAP, &err), SL_OK);
    for (size_t at = 0; at < n; at += 1000)
        assert_int_equal(sl_ofile_write(&f, want + at, n - at < 1000 ? n - at : 1000, &err), SL_OK);
    assert_int_equal(f.direct, -1);
    assert_int_equal(sl_ofile_finish(&f, &err), SL_OK);
    sl_ofile_free(&f);
    close(sv[0]);
    pthread_join(th, NULL);
    close(sv[1]);
    assert_int_equal(k.n, n);
    assert_memory_equal(k.got, want, n);
    free(k.got);
    free(want);
}

static void test_write_error(void **state)
{
    (void)state;
    int fd = open("/dev/full", O_WRONLY);
    if (fd < 0)
        skip();
    sl_ofile f;
    sl_error err;
    assert_int_equal(sl_ofile_init(&f, fd, "full.out", UINT64_MAX, CAP, &err), SL_OK);
    unsigned char b[3 * CAP] = {0};
    assert_int_equal(sl_ofile_write(&f, b, sizeof b, &err), SL_ERR_NOSPACE);
    assert_non_null(strstr(err.msg, "cannot write 'full.out'"));
    sl_ofile_free(&f);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_dir),
        cmocka_unit_test(test_tmpfs),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
