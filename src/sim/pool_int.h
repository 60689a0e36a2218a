/* Internals of the simulated pool, shared by pool.c (the schedd loop) and
 * report.c (what happened, read back from the outputs). */
#ifndef SL_SIM_POOL_INT_H
#define SL_SIM_POOL_INT_H

#include <sys/resource.h>
#include <sys/types.h>

#include "base/log.h"
#include "sim/sim.h"

/* Faults decided when a job is submitted (bits of job.faults). */
enum {
    F_EVICT = 1u << 0,      /* first attempt evicted mid-run (killed, rerun) */
    F_LOST = 1u << 1,       /* first attempt's output transferred, then the shadow lost
                               the job: rerun, the result arrives a second time */
    F_HOLD = 1u << 2,       /* first attempt held (memory), then released */
    F_ABORT = 1u << 3,      /* ... held and then removed with condor_rm */
    F_CORRUPT = 1u << 4,    /* the result is damaged (F_TRUNCATE: cut short) */
    F_TRUNCATE = 1u << 5,
    F_STRAGGLER = 1u << 6,  /* runs ten times longer */
    F_ORDER = 1u << 7,      /* kept idle until later jobs have started */
    F_EXIT = 1u << 8        /* some attempt exited non-zero (set as it happens) */
};

typedef enum { J_UNSUBMITTED = 0, J_IDLE, J_RUNNING, J_HELD, J_DONE } sim_jstate;

typedef enum {
    END_NONE = 0,   /* still in the pool when the run stopped */
    END_OK,         /* 005, return value 0 */
    END_FAILED,     /* 005, non-zero return value */
    END_ABORTED     /* 009 */
} sim_end;

typedef struct sim_job {
    uint64_t proc;
    sim_jstate state;
    unsigned faults;           /* F_* planned when submitted */
    unsigned struck;           /* F_* that did happen */
    double late_at;            /* shared fs, F_LOST: when the lost attempt's copy lands */
    unsigned attempts;         /* attempts started */
    unsigned evictions, holds, requeues, exit_failures;
    unsigned slot;
    pid_t pid;                 /* the running attempt's child; 0 once reaped */
    bool exited;               /* the attempt's child has been reaped */
    bool killing;              /* killed by the pool (eviction, hold, stop) */
    int wstatus;
    int exit_fault;            /* this attempt's injected exit code (0: none) */
    bool exit_output;          /* ... and it writes its result first */
    uint64_t defer_mark;       /* F_ORDER: idle until this many jobs have started */
    double t_start;            /* monotonic seconds of the attempt's 001 */
    double planned_end;        /* when the attempt is over by the simulated clock */
    double evict_at, hold_at;  /* first attempt: when the fault strikes (0: never) */
    double release_at;         /* held: when the hold ends */
    double child_exit;         /* monotonic seconds when the child was reaped */
    sl_usage run, total;
    uint64_t rss_kb;
    sim_end end;
    int end_code;              /* END_FAILED: the return value */
    int64_t end_us;            /* realtime microseconds of the 005 or 009 event */
    uint64_t result_bytes;     /* bytes of the result delivered with the 005 */
    unsigned arrivals;         /* times a result file was put into the input directory */
} sim_job;

/* The outcome of a job's result as the outputs show it (report.c). */
typedef enum { R_NONE = 0, R_INGESTED, R_QUARANTINED, R_DUPLICATE, R_PENDING } sim_result;

#endif

/* The whole run. */
typedef struct sim {
    const sl_sim_options *o;
    sl_log *log;
    sl_evlog ev;
    char in[4096], out[4096], processed[4096], pool[4096], sandboxes[4096], evlog[4096];
    char late[4096];               /* copies of lost attempts' results, until they land */
    sim_job *jobs;
    uint64_t njobs, capjobs;       /* submitted, allocated */
    uint64_t limit;                /* jobs to submit (num_results, or unbounded) */
    uint64_t plan_jobs;            /* --num-iterations the jobs run with */
    uint64_t *idle;                /* FIFO of idle job indexes (ring) */
    uint64_t idle_head, idle_len, idle_cap;
    uint64_t *deferred;            /* F_ORDER jobs not yet eligible */
    uint64_t ndeferred;
    uint64_t *slot_job;            /* per slot: job index + 1, or 0 */
    unsigned busy;
    uint64_t first_starts;         /* jobs that have started at least once */
    uint64_t nheld;                /* jobs held now */
    uint64_t nlate;                /* lost attempts' results still to land */
    double t0;                     /* monotonic start */
    int64_t wall0_us;              /* realtime start */
    double t_submit_end;           /* when the last job was submitted */
    double t_jobs_end;             /* when the last job left the pool */
    double t_ingest_end;           /* when ingest had taken every result */
    bool timed_out, stopped;
    pid_t ingest_pid, sync_pid;
    struct rusage ingest_ru, sync_ru, final_sync_ru;
    int ingest_status, sync_status, final_sync_status;
    sl_usage jobs_cpu;
    uint64_t jobs_max_rss_kb, job_processes;
    uint64_t peak_pending;         /* most rows sync held back at once */
    int64_t report_mtime_ns;
} sim;

static inline double sim_elapsed(const sim *s, double now) { return now - s->t0; }

/* report.c: reads the outputs back and writes the summary, the metrics text and
 * OUTPUT/_sluice/simulation.json. */
sl_status sl_sim_report(sim *s, sl_buf *summary, sl_buf *metrics, sl_error *err);

/* report.c: the rows sync holds back right now (from its report), for the peak. */
uint64_t sl_sim_pending_rows(sim *s);
