/* sluice simulate: an HTCondor-like pool whose jobs are real `sluice generate`
 * child processes, with `sluice ingest --condor-log` and `sluice sync --watch`
 * running beside it (DESIGN.md section 5).
 *
 * The pool is a schedd in miniature: jobs are submitted at a rate into one
 * cluster (procs 0, 1, 2, ...), run on --slots slots, and every step is written to
 * a job event log in HTCondor's classic text format (eventlog.c). A job's result is
 * transferred into the input directory by rename under the name
 * result_<cluster>.<proc>.json, the way transfer_output_remaps funnels outputs into
 * one directory, or, with shared_fs, copied there by the job itself while it runs.
 *
 * Faults are decided per job and attempt by a hash of (seed, kind, proc, attempt),
 * so a run is reproducible from its seed; each shows in the log as a real pool
 * shows it (pool.c, fault_* below). */
#ifndef SL_SIM_SIM_H
#define SL_SIM_SIM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice/buf.h"
#include "sluice/status.h"

typedef struct sl_sim_options {
    const char *sluice;            /* the sluice binary the jobs and services run */
    const char *schema;            /* generator schema (default "school") */
    const char *input_dir;         /* results land here (default DIR/input) */
    const char *output_dir;        /* ingest and sync write here (default DIR/output) */
    const char *processed_dir;     /* ingested inputs (default DIR/processed) */
    const char *pool_dir;          /* event log, job sandboxes (default DIR/pool) */
    uint64_t num_results;          /* jobs to submit; default 100 */
    double timeout;                /* seconds; 0: none; default 600 */
    double rate;                   /* jobs submitted per second; 0: all at once */
    uint64_t max_batch_size;       /* students per job (default 10) */
    unsigned slots;                /* concurrent jobs (default 4) */
    double job_runtime;            /* mean seconds a job runs (default 1; 0: as fast as
                                      the child) */
    double completion_wait;        /* seconds to wait for ingest after the last job */
    double hold_time;              /* seconds a held job stays held (default 1) */
    unsigned max_retries;          /* reruns of a job that exits non-zero (default 1) */
    uint64_t seed;
    uint64_t cluster;              /* the cluster id (default 1) */
    bool shared_fs;                /* jobs write straight into input_dir */
    double fault_exit;             /* an attempt exits non-zero */
    double fault_evict;            /* a first attempt is evicted and rerun */
    double fault_hold;             /* a first attempt is held (then released or removed) */
    double fault_corrupt;          /* the result is truncated or corrupt */
    double fault_straggler;        /* the job runs ten times longer */
    double fault_order;            /* the job is kept idle until later jobs have run */
    const char *ingest_workers;    /* --workers for ingest (NULL: its default) */
    const char *log_path;          /* the pool's own log (NULL: stderr) */
    int verbosity;                 /* sl_log_level */
    volatile sig_atomic_t *stop;   /* set from a signal handler to stop cleanly */
} sl_sim_options;

void sl_sim_options_init(sl_sim_options *o);

/* Runs the simulation: pool, ingest and sync, then a final sync pass, and writes
 * OUTPUT/_sluice/simulation.json. summary and metrics (text for --summary and
 * --performance-metrics) are appended when not NULL. SL_ERR_STOPPED when *stop was
 * set (everything was still shut down cleanly and the report written). */
sl_status sl_sim_run(const sl_sim_options *o, sl_buf *summary, sl_buf *metrics,
                     sl_error *err);

/* ---- the event log (eventlog.c) ---- */

typedef struct sl_usage {
    double user_s, sys_s;          /* CPU seconds */
} sl_usage;

typedef struct sl_evlog {
    int fd;
    uint64_t cluster;
    char schedd[160];              /* the submit host's sinful string */
    sl_buf rec;
} sl_evlog;

sl_status sl_evlog_open(sl_evlog *l, const char *path, uint64_t cluster, sl_error *err);
void sl_evlog_close(sl_evlog *l);

/* One writer per event; t_us is the event's time (microseconds since the epoch,
 * written in UTC), each record goes out in one write(2). */
sl_status sl_ev_submit(sl_evlog *l, uint64_t proc, int64_t t_us);
sl_status sl_ev_execute(sl_evlog *l, uint64_t proc, int64_t t_us, unsigned slot);
sl_status sl_ev_image_size(sl_evlog *l, uint64_t proc, int64_t t_us, uint64_t rss_kb);
sl_status sl_ev_transfer(sl_evlog *l, uint64_t proc, int64_t t_us, bool started);
sl_status sl_ev_evicted(sl_evlog *l, uint64_t proc, int64_t t_us, sl_usage u);
sl_status sl_ev_requeued(sl_evlog *l, uint64_t proc, int64_t t_us, sl_usage u, int code);
sl_status sl_ev_shadow_exception(sl_evlog *l, uint64_t proc, int64_t t_us, const char *msg,
                                 uint64_t sent, uint64_t received);
sl_status sl_ev_held(sl_evlog *l, uint64_t proc, int64_t t_us, const char *reason, int code,
                     int subcode);
sl_status sl_ev_released(sl_evlog *l, uint64_t proc, int64_t t_us, const char *reason);
sl_status sl_ev_disconnected(sl_evlog *l, uint64_t proc, int64_t t_us, unsigned slot);
sl_status sl_ev_reconnect_failed(sl_evlog *l, uint64_t proc, int64_t t_us, unsigned slot);
sl_status sl_ev_aborted(sl_evlog *l, uint64_t proc, int64_t t_us, const char *reason);
/* signal 0: normal termination with return value code; else killed by signal */
sl_status sl_ev_terminated(sl_evlog *l, uint64_t proc, int64_t t_us, int code, int signal,
                           sl_usage run, sl_usage total, uint64_t sent, uint64_t received,
                           uint64_t rss_kb, uint64_t disk_kb);

/* The host and slot names of slot k (0-based), as the log and reports show them. */
void sl_sim_slot_name(unsigned slot, char *out, size_t n);

#endif
