/* libFuzzer target for the HTCondor job event log parser: parses the input whole,
 * then again fed in chunks whose sizes come from a generator seeded by the input
 * itself, and checks that both give the same events and the same skipped count; a
 * third pass with a tiny record limit checks the bound on what is kept. Every event
 * goes through the job table, whose counts must add up. Built without libFuzzer,
 * with replay.c, it re-runs the saved corpus in `make check`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/condor_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                       \
    do {                                                                               \
        if (!(c)) {                                                                    \
            fprintf(stderr, "fuzz_condorlog: check failed at line %d: %s\n", __LINE__, #c); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

/* FNV-1a, to fold a run of events into one number. */
static uint64_t fold(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t fold_event(uint64_t h, const sl_condor_event *ev)
{
    int64_t f[] = { ev->code, ev->cluster, ev->proc, ev->subproc, ev->time_us,
                    (int64_t)ev->offset, ev->exit, ev->exit_code, ev->exit_signal,
                    ev->requeued, ev->hold_code, ev->hold_subcode, (int64_t)ev->text_len };
    h = fold(h, f, sizeof f);
    return fold(h, ev->text, ev->text_len);
}

typedef struct {
    uint64_t digest, events, skipped;
} outcome;

/* xorshift64*, for chunk sizes. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Dull;
}

/* Parses data in chunks (0: one piece; else sizes from the generator seeded with
 * seed), checking each event and applying it to a job table. */
static outcome run(const uint8_t *data, size_t size, const sl_condor_options *o, uint64_t seed)
{
    sl_condor_parser *p;
    sl_condor_jobs *t;
    CHECK(sl_condor_parser_new(o, &p, NULL) == SL_OK);
    CHECK(sl_condor_jobs_new(0, &t, NULL) == SL_OK);
    size_t max_record = o->max_record ? o->max_record : SL_CONDOR_MAX_RECORD_DEFAULT;
    outcome r = { 0xcbf29ce484222325ull, 0, 0 };
    uint64_t rs = seed | 1;
    for (size_t off = 0; off < size || size == 0;) {
        size_t n = size - off;
        if (seed) {
            uint64_t x = next_rand(&rs);
            size_t want = (x & 3) == 0 ? (size_t)(x >> 8) % 4096 : (size_t)(x >> 8) % 17;
            if (want < n)
                n = want;   /* a chunk may be empty */
        }
        const uint8_t *d = data + off;
        size_t left = n;
        for (;;) {
            size_t used = SIZE_MAX;
            sl_condor_event ev;
            sl_status s = sl_condor_parser_next(p, d, left, &used, &ev, NULL);
            CHECK(used <= left);
            d += used;
            left -= used;
            if (s == SL_EOF) {
                CHECK(left == 0);
                break;
            }
            CHECK(s == SL_OK);
            CHECK(ev.text != NULL && ev.text[ev.text_len] == '\0');
            CHECK(ev.text_len < max_record);
            CHECK(ev.code >= 0 && ev.cluster >= 0 && ev.proc >= 0 && ev.subproc >= 0);
            CHECK(ev.offset < size);
            /* 0000-01-01 .. 9999-12-31 */
            CHECK(ev.time_us >= -62167219200LL * 1000000 && ev.time_us < 253402300801LL * 1000000);
            CHECK(sl_condor_jobs_apply(t, &ev, NULL) == SL_OK);
            CHECK(sl_condor_jobs_state(t, ev.cluster, ev.proc) != SL_CONDOR_JOB_UNKNOWN);
            r.digest = fold_event(r.digest, &ev);
            r.events++;
        }
        off += n;
        if (size == 0)
            break;
    }
    r.skipped = sl_condor_parser_skipped(p);
    CHECK(sl_condor_parser_events(p) == r.events);
    size_t sum = 0;
    for (int s = SL_CONDOR_JOB_UNKNOWN; s < SL_CONDOR_JOB_NSTATES; s++)
        sum += sl_condor_jobs_count(t, (sl_condor_job_state)s);
    CHECK(sum == sl_condor_jobs_size(t));
    CHECK(sl_condor_jobs_size(t) <= r.events);
    sl_condor_parser_reset(p);
    CHECK(sl_condor_parser_skipped(p) >= r.skipped);
    sl_condor_jobs_free(t);
    sl_condor_parser_free(p);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_condor_options o;
    sl_condor_options_init(&o);
    o.default_year = 2000 + (size ? data[0] % 50 : 0);
    uint64_t seed = fold(0xcbf29ce484222325ull, data, size);
    outcome whole = run(data, size, &o, 0);
    for (int k = 0; k < 3; k++) {
        outcome part = run(data, size, &o, seed + (uint64_t)k * 0x9E3779B97F4A7C15ull);
        CHECK(part.digest == whole.digest && part.events == whole.events &&
              part.skipped == whole.skipped);
    }
    /* a tiny limit: texts stay under it, and splitting still changes nothing */
    o.max_record = 1 + (size ? data[size - 1] % 128 : 0);
    outcome small = run(data, size, &o, 0);
    outcome small_part = run(data, size, &o, seed);
    CHECK(small.digest == small_part.digest && small.skipped == small_part.skipped);
    CHECK(small.events <= whole.events);
    return 0;
}
