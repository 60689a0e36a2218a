/* The spilling key index (src/ingest/keyindex.h) against an in-memory sl_keyset
 * holding the same keys: every key added is found and no other is, across spills
 * and merges, for random hashes and for sequential HTCondor job keys; memory stays
 * at the in-memory part plus the fences; a spill that cannot write keeps its keys;
 * a run that cannot be read is an error, never a "not found". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/keyindex.h"

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void temp_dir(char *path)
{
    strcpy(path, "/tmp/sluice-keyindex-XXXXXX");
    assert_non_null(mkdtemp(path));
}

static size_t files_in(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static int has(const sl_keyindex *x, sl_key128 k)
{
    sl_error err;
    sl_error_clear(&err);
    return sl_keyindex_has(x, k, &err);
}

/* Adds n keys made by key(i), checking membership against a keyset as it goes. */
static void exercise(sl_key128 (*key)(uint64_t i, uint64_t *rng), size_t n, size_t mem_max)
{
    char dir[64], sub[96];
    temp_dir(dir);
    snprintf(sub, sizeof sub, "%s/keys", dir);
    sl_keyindex x;
    sl_error err;
    assert_int_equal(sl_keyindex_init(&x, sub, "hashes", mem_max, &err), SL_OK);
    sl_keyset ref = {0};
    uint64_t rng = 42;
    sl_key128 *added = malloc(n * sizeof *added);
    for (size_t i = 0; i < n; i++) {
        added[i] = key(i, &rng);
        assert_int_equal(sl_keyindex_add(&x, added[i]), SL_OK);
        assert_int_equal(sl_keyset_add(&ref, added[i]), SL_OK);
        if (i % 997 == 0)   /* found right away, and an earlier one still */
            assert_int_equal(has(&x, added[i / 2]), 1);
    }
    assert_int_equal(x.spills, n / mem_max);
    assert_int_equal(x.last_error, SL_OK);
    /* binary-counter merging: the runs' sizes halve from oldest to newest */
    assert_true(x.nruns <= 64);
    size_t bound = 1;
    while (((size_t)1 << bound) <= n / mem_max)
        bound++;
    assert_true(x.nruns <= bound);
    assert_int_equal(files_in(sub), x.nruns);
    assert_int_equal(sl_keyindex_size(&x), ref.len);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(has(&x, added[i]), 1);
    /* keys never added: random ones, and neighbours of added ones */
    uint64_t other = 7;
    for (size_t i = 0; i < n; i++) {
        sl_key128 k = {splitmix(&other), splitmix(&other)};
        if (i & 1)
            k = (sl_key128){added[i].lo + 1, added[i].hi};
        assert_int_equal(has(&x, k), sl_keyset_has(&ref, k));
    }
    /* memory: the slots of mem_max keys (a keyset has at least 1,024) plus 16
     * bytes per 256 keys in runs */
    size_t slots = 4 * mem_max > 1024 ? 4 * mem_max : 1024;
    size_t mem = sl_keyindex_memory(&x);
    assert_true(mem <= slots * sizeof(sl_key128) + n / 16 + 64 * 64);
    sl_keyindex_close(&x);
    struct stat sb;
    assert_int_equal(stat(sub, &sb), -1);   /* the runs and their directory are gone */
    rmdir(dir);
    sl_keyset_free(&ref);
    free(added);
}

static sl_key128 random_key(uint64_t i, uint64_t *rng)
{
    (void)i;
    sl_key128 k = {splitmix(rng), splitmix(rng)};
    return k;
}

/* HTCondor jobs: clusters of 10 procs, as sl_job_key makes them, and the zero key. */
static sl_key128 job_key(uint64_t i, uint64_t *rng)
{
    (void)rng;
    if (i == 12345)
        return (sl_key128){0, 0};
    return sl_job_key(1000 + i / 10, i % 10);
}

static void test_random_keys(void **state)
{
    (void)state;
    exercise(random_key, 200000, 1000);
    exercise(random_key, 5000, 1);        /* a run per key: deep merging */
    exercise(random_key, 300, 1000);      /* never spills */
}

static void test_job_keys(void **state)
{
    (void)state;
    exercise(job_key, 100000, 777);
}

/* The same keys added again after they were spilled: found, and merges fold them. */
static void test_repeats(void **state)
{
    (void)state;
    char dir[64];
    temp_dir(dir);
    sl_keyindex x;
    sl_error err;
    assert_int_equal(sl_keyindex_init(&x, dir, "jobs", 100, &err), SL_OK);
    for (int round = 0; round < 8; round++)
        for (uint64_t i = 0; i < 1000; i++)
            assert_int_equal(sl_keyindex_add(&x, sl_job_key(i, 0)), SL_OK);
    for (uint64_t i = 0; i < 1000; i++)
        assert_int_equal(has(&x, sl_job_key(i, 0)), 1);
    assert_int_equal(has(&x, sl_job_key(1000, 0)), 0);
    assert_true(x.merges > 0);
    assert_true(sl_keyindex_size(&x) < 8000);   /* merged runs hold each key once */
    sl_keyindex_close(&x);
    rmdir(dir);
}

/* A directory that cannot be made: every spill fails, the keys stay in memory and
 * are still found; a spill is tried again only after another quarter of mem_max. */
static void test_spill_fails(void **state)
{
    (void)state;
    sl_keyindex x;
    sl_error err;
    assert_int_equal(sl_keyindex_init(&x, "/dev/null/keys", "hashes", 64, &err), SL_OK);
    uint64_t rng = 3;
    sl_key128 keys[1000];
    for (int i = 0; i < 1000; i++) {
        keys[i] = random_key(0, &rng);
        assert_int_equal(sl_keyindex_add(&x, keys[i]), SL_OK);
    }
    assert_int_not_equal(x.last_error, SL_OK);
    assert_int_equal(x.spills, 0);
    assert_int_equal(x.nruns, 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(has(&x, keys[i]), 1);
    sl_keyindex_close(&x);
}

/* A fresh index "hashes" in a new directory dir, holding n random keys from seed. */
static void filled(sl_keyindex *x, char *dir, size_t mem_max, uint64_t seed, sl_key128 *keys, size_t n)
{
    sl_error err;
    temp_dir(dir);
    assert_int_equal(sl_keyindex_init(x, dir, "hashes", mem_max, &err), SL_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(sl_keyindex_add(x, keys[i] = random_key(0, &seed)), SL_OK);
}

/* A run cut short under the index: a lookup that needs it is -1 with the file named. */
static void test_unreadable_run(void **state)
{
    (void)state;
    char dir[64];
    sl_keyindex x;
    sl_error err;
    sl_error_clear(&err);
    sl_key128 keys[2048];
    filled(&x, dir, 512, 5, keys, 2048);
    assert_int_equal(x.nruns, 1);
    char path[128];
    snprintf(path, sizeof path, "%s/hashes-%llu.keys", dir, (unsigned long long)x.seq - 1);
    assert_int_equal(truncate(path, 0), 0);
    int bad = 0;
    for (int i = 0; i < 2048; i++) {
        int r = sl_keyindex_has(&x, keys[i], &err);
        assert_true(r != 0);     /* never "not found" */
        bad += r < 0;
    }
    assert_int_equal(bad, 2048);
    assert_non_null(strstr(err.msg, "hashes-"));
    sl_keyindex_close(&x);
    rmdir(dir);
}

/* Saved and taken over: flush, describe, close_keep; then a new index adopts the
 * runs and finds every key; a run of the wrong size is refused and nothing taken. */
static void test_save_and_adopt(void **state)
{
    (void)state;
    char dir[64];
    sl_keyindex x;
    sl_error err;
    sl_error_clear(&err);
    sl_key128 keys[1050];
    filled(&x, dir, 100, 9, keys, 1050);
    uint64_t rng = 99;
    assert_int_equal(sl_keyindex_flush(&x, &err), SL_OK);
    sl_buf b;
    sl_buf_init(&b, 0);
    sl_keyindex_describe(&x, &b);
    sl_buf_putc(&b, '\0');
    /* ten spills of 100 merge as a binary counter into 800 and 200; the flush
     * adds 50; oldest first */
    assert_string_equal((char *)b.data, "[[14,800],[17,200],[18,50]]");
    sl_buf_free(&b);
    sl_keyindex_close_keep(&x);
    assert_int_equal(files_in(dir), 3);

    const uint64_t wrong[][2] = {{14, 800}, {17, 200}, {18, 51}};
    assert_int_equal(sl_keyindex_init(&x, dir, "jobs", 100, &err), SL_OK);   /* another name: keeps hashes-* */
    strcpy(x.name, "hashes");
    assert_int_equal(sl_keyindex_adopt(&x, wrong, 3, &err), SL_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "hashes-18.keys"));
    assert_int_equal(x.nruns, 0);
    const uint64_t right[][2] = {{14, 800}, {17, 200}, {18, 50}};
    assert_int_equal(sl_keyindex_adopt(&x, right, 3, &err), SL_OK);
    assert_int_equal(sl_keyindex_size(&x), 1050);
    for (int i = 0; i < 1050; i++)
        assert_int_equal(has(&x, keys[i]), 1);
    assert_int_equal(has(&x, random_key(0, &rng)), 0);
    /* it goes on: new keys spill after the adopted runs' numbers */
    for (int i = 0; i < 100; i++)
        assert_int_equal(sl_keyindex_add(&x, random_key(0, &rng)), SL_OK);
    assert_true(x.seq > 18);
    assert_int_equal(has(&x, keys[7]), 1);
    sl_keyindex_close(&x);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_keys),
        cmocka_unit_test(test_job_keys),
        cmocka_unit_test(test_repeats),
        cmocka_unit_test(test_spill_fails),
        cmocka_unit_test(test_unreadable_run),
        cmocka_unit_test(test_save_and_adopt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
