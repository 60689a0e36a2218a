/* The ingest service's insides, shared by ingest.c (the scanner and the run
 * loop), worker.c (reading, checking, batching and committing inputs) and
 * recover.c (finishing what a crashed writer left). */
#ifndef SL_INGEST_INT_H
#define SL_INGEST_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"
#include "ingest/keyindex.h"
#include "ingest/ledger.h"
#include "ingest/statedir.h"
#include "sluice/buf.h"
#include "sluice/ingest.h"
#include "sluice/json.h"
#include "sluice/normalize.h"

struct sl_condor_follower;
struct sl_pin;
struct sl_condor_jobs;

/* A file the scanner has seen in the input directory. */
typedef struct cand {
    char *name;
    uint64_t size;
    int64_t mtime_ns, ctime_ns;
    int64_t seen_ns;            /* when the scanner first saw it */
    int64_t stat_ns;            /* when size and mtime were last read */
    int64_t ready_ns;           /* when it may be taken (settle), or INT64_MAX */
    uint64_t scan;              /* the last scan that saw it */
    bool has_job;
    uint64_t cluster, proc;
    bool queued;                /* handed to the workers */
} cand;

/* A claimed input in a worker's batch, waiting for the commit. */
typedef struct batch_input {
    char *name;                 /* base name */
    uint64_t size;
    sl_key128 hash;
    bool has_job;
    uint64_t cluster, proc;
    uint64_t docs;
    int64_t arrival_ns;
} batch_input;

typedef struct ingest ingest;

typedef struct worker {
    ingest *g;
    unsigned id;
    pthread_t thread;
    char tmp_dir[PATH_MAX];     /* the normalizers' part files: d/ and r/ under it */
    uint64_t seq;               /* commits made */
    sl_buf raw, plain;          /* the input as stored, and decompressed */
    sl_json_reader *reader;
    struct sl_pin *pin;         /* --schema, one per worker (checking keeps state) */
    /* the open batch */
    sl_normalizer *docs;        /* documents mode, root table _documents */
    sl_normalizer *recs;        /* rows of multi-record inputs */
    batch_input *in;
    size_t nin, incap;
    uint64_t batch_bytes;
    int64_t batch_start_ns;
    bool poisoned;              /* the normalizers may hold part of a rejected input */
    batch_input *unfinished;    /* committed inputs not yet moved on (a full disk) */
    size_t nunfinished, ucap;
} worker;

/* A latency histogram: 64 powers of two of microseconds, 8 steps each. */
typedef struct latency { uint64_t b[64 * 8]; uint64_t n; } latency;

struct ingest {
    sl_ingest_options o;
    char writer[128];           /* <host>-<pid>-<start> */
    char out[PATH_MAX], in[PATH_MAX];
    sl_statedir sd;             /* where the ledgers, schema, metrics, scratch go */
    char claims[PATH_MAX];      /* <in>/.sluice-claims/<writer> */
    char processed[PATH_MAX], quarantine[PATH_MAX], duplicates[PATH_MAX];
    char ledger_path[PATH_MAX];
    int ledger_fd;
    int lock_fd;
    sl_log *log;

    pthread_mutex_t mu;         /* everything below */
    pthread_cond_t cv;          /* work queued, or done */
    cand **queue;               /* ready candidates, FIFO */
    size_t qhead, qlen, qcap;
    bool scanning_done;         /* once: no more candidates will come */
    bool stopping;
    sl_keyindex hashes;         /* committed content */
    sl_keyindex jobs;           /* committed HTCondor jobs */
    sl_keyset inflight_hashes, inflight_jobs;
    sl_keyindex left;           /* on_success leave: (name hash, size) done */
    bool index_lost;            /* a key could not be added: do not save the index */
    bool index_adopted;         /* the index came from <state>/index/saved */
    struct ledger_pos { char *path; uint64_t off; } *ledgers;
    size_t nledgers;
    int64_t pause_until_ns;     /* disk full: no claims before this */
    sl_ingest_summary sum;
    latency lat;
    uint64_t schema_version;
    struct sch_table *schema;   /* the cumulative schema */
    size_t nschema;
    int64_t metrics_ns;         /* when metrics.json was last written */
    int64_t start_ns;
};

int64_t sl_now_ns(void);
int64_t sl_mono_ns(void);

/* worker.c */
void *sl_ingest_worker_main(void *arg);
sl_status sl_ingest_worker_init(ingest *g, worker *w, unsigned id, sl_error *err);
void sl_ingest_worker_free(worker *w);

/* Sets an input aside (quarantine or duplicates) with a sidecar <name>.<kind>.json
 * holding the reason and the error position; logs it. from is its current path. */
sl_status sl_ingest_set_aside(ingest *g, const char *from, const char *name, bool duplicate,
                              const char *reason, const sl_error *e);

/* Finishes a committed input at path: on_success decides. */
sl_status sl_ingest_finish_input(ingest *g, const char *path, const char *name, uint64_t size);

/* Key of a left-in-place input (on_success leave): its name and size. */
sl_key128 sl_ingest_left_key(const char *name, size_t n, uint64_t size);

/* An ISO 8601 UTC time of a CLOCK_REALTIME reading, as the type lattice writes
 * timestamps (so _ingested_at reads back as a timestamp). */
void sl_ingest_iso_time(int64_t ns, char out[40]);

/* Logs an error event naming the input (name may be NULL) and the error (e may be NULL). */
void sl_ingest_log_error(ingest *g, const char *event, const char *name, const sl_error *e);

/* recover.c: finishes or returns whatever dead writers left. */
sl_status sl_ingest_recover(ingest *g, sl_error *err);

/* Removes path and what it holds, depth levels of directories deep. */
void sl_ingest_remove_tree(const char *path, int depth);

/* keysave.c: the key index across a clean restart. adopt runs before the
 * ledgers are first read (it sets where each is read from); save at a clean stop,
 * before the indexes are closed. Neither fails: at worst the ledgers are read whole. */
void sl_ingest_adopt_index(ingest *g);
void sl_ingest_save_index(ingest *g);

/* record.c: the ledgers, the cumulative schema, the metrics file. */
/* Reads what every other writer's ledger gained since the last call, so inputs
 * they committed are duplicates here. Caller holds g->mu or runs before the
 * workers start. */
sl_status sl_ingest_refresh_ledgers(ingest *g, sl_error *err);
/* Joins a committed batch's tables (normalizer n, commit id) into the schema. */
void sl_ingest_schema_merge(ingest *g, const struct sl_normalizer *n, const char *commit);
void sl_ingest_schema_free(ingest *g);
void sl_ingest_write_metrics(ingest *g, bool force);
void sl_ingest_latency_add(latency *l, int64_t ns);

#endif
