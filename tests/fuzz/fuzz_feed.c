/* libFuzzer target for the parallel JSON feed (src/ingest/norm_feed.c) and the plans
 * (src/ingest/norm_plan.c), a differential one: the input is fed to a normalizer by
 * one thread with no plans (every record the whole way: the reference), and again
 * by three threads with plans, parts of 16 bytes and an inference window of 64
 * bytes, so that plans, batches, glued parts and schema changes between parts all
 * happen on small inputs. Both runs
 * must end the same way (the same status and, on an error, the same message and
 * position) and, when they succeed, publish the same tables byte for byte. Built
 * without libFuzzer, with replay.c, it re-runs the saved corpus in `make check`.
 * The same pair of runs with infer_only (what `sluice inspect` does) must infer
 * the same tables and count the same records, bytes and duplicate keys. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice/sluice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                  \
    do {                                                                          \
        if (!(c)) {                                                               \
            fprintf(stderr, "fuzz_feed: check failed at line %d: %s\n", __LINE__, #c); \
            abort();                                                              \
        }                                                                         \
    } while (0)

typedef struct outcome {
    sl_status st;
    sl_error err;
    sl_norm_feed_stats stats;
    char shape[4096];            /* infer_only: the tables, their rows and columns */
    char dir[64];
    size_t ntables;
    char *files[16];
} outcome;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    CHECK(f);
    CHECK(fseek(f, 0, SEEK_END) == 0);
    long n = ftell(f);
    CHECK(n >= 0);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    CHECK(b);
    CHECK(fread(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void run(const char *input, unsigned threads, bool infer_only, outcome *o)
{
    /* one thread without plans is the reference: every record the whole way */
    bool plans = threads > 1;
    memset(o, 0, sizeof *o);
    snprintf(o->dir, sizeof o->dir, "/tmp/fuzz_feed-XXXXXX");
    CHECK(mkdtemp(o->dir));
    sl_norm_options no;
    sl_norm_options_init(&no);
    no.root_table = "t";
    no.tmp_dir = o->dir;
    no.window_bytes = 64;
    no.infer_only = infer_only;
    no.no_plans = !plans;
    sl_normalizer *n = NULL;
    CHECK(sl_norm_open(&no, &n, NULL) == SL_OK);
    sl_norm_feed_options fo;
    sl_norm_feed_options_init(&fo);
    fo.json.max_depth = 32;
    fo.json.max_record_size = 4096;
    fo.threads = threads;
    fo.part_size = 16;
    sl_error_clear(&o->err);
    o->st = sl_norm_feed_json(n, input, &fo, &o->stats, &o->err);
    if (!o->st)
        o->st = sl_norm_finish(n, &o->err);
    if (!o->st && infer_only) {
        size_t k = 0;
        for (size_t t = 0; t < sl_norm_num_tables(n); t++) {
            k += (size_t)snprintf(o->shape + k, sizeof o->shape - k, "%s:%llu:", sl_norm_table_name(n, t),
                                  (unsigned long long)sl_norm_table_rows(n, t));
            for (size_t c = 0; c < sl_norm_table_num_columns(n, t) && k < sizeof o->shape - 64; c++) {
                sl_pq_column col;
                sl_norm_table_column(n, t, c, &col);
                k += (size_t)snprintf(o->shape + k, sizeof o->shape - k, "%.32s/%d/%d,", col.name,
                                      (int)col.type, (int)col.list);
            }
            if (k >= sizeof o->shape - 64)
                break;
        }
    } else if (!o->st) {
        o->ntables = sl_norm_num_tables(n);
        for (size_t t = 0; t < o->ntables && t < 16; t++) {
            char path[128];
            snprintf(path, sizeof path, "%s/table-%zu.parquet", o->dir, t);
            CHECK(sl_norm_publish(n, t, path, NULL) == SL_OK);
            o->files[t] = strdup(path);
            CHECK(o->files[t]);
        }
    }
    sl_norm_free(n);
}

static void clean(outcome *o)
{
    for (size_t t = 0; t < 16; t++) {
        if (o->files[t])
            unlink(o->files[t]);
        free(o->files[t]);
    }
    rmdir(o->dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char input[] = "/tmp/fuzz_feed-in-XXXXXX";
    int fd = mkstemp(input);
    CHECK(fd >= 0);
    CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
    close(fd);
    outcome a, b;
    for (int infer_only = 1; infer_only >= 0; infer_only--) {
        run(input, 1, infer_only, &a);
        run(input, 3, infer_only, &b);
        if (infer_only) {
            CHECK(a.st == b.st);
            CHECK(strcmp(a.shape, b.shape) == 0);
            CHECK(a.st || (a.stats.records == b.stats.records && a.stats.bytes == b.stats.bytes &&
                           a.stats.duplicate_keys == b.stats.duplicate_keys));
            clean(&a);
            clean(&b);
        }
    }
    unlink(input);
    CHECK(a.st || (a.stats.records == b.stats.records && a.stats.bytes == b.stats.bytes &&
                   a.stats.duplicate_keys == b.stats.duplicate_keys));
    if (a.st != b.st || a.err.line != b.err.line || a.err.column != b.err.column ||
        a.err.offset != b.err.offset || strcmp(a.err.msg, b.err.msg) != 0) {
        fprintf(stderr, "fuzz_feed: one thread: %d %llu:%llu (byte %llu) %s\n"
                        "           three threads: %d %llu:%llu (byte %llu) %s\n",
                (int)a.st, (unsigned long long)a.err.line, (unsigned long long)a.err.column,
                (unsigned long long)a.err.offset, a.err.msg, (int)b.st,
                (unsigned long long)b.err.line, (unsigned long long)b.err.column,
                (unsigned long long)b.err.offset, b.err.msg);
        abort();
    }
    CHECK(a.ntables == b.ntables);
    for (size_t t = 0; t < a.ntables && t < 16; t++) {
        size_t la, lb;
        char *x = slurp(a.files[t], &la), *y = slurp(b.files[t], &lb);
        CHECK(la == lb && memcmp(x, y, la) == 0);
        free(x);
        free(y);
    }
    clean(&a);
    clean(&b);
    return 0;
}
