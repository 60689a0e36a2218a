/* Reading HTCondor's classic text job event log ("user log"), for
 * `sluice ingest --condor-log FILE`: a job's result file may be ingested only once
 * the log says the job is over, and only if it ended well.
 *
 * Three layers, each usable alone:
 *   - sl_condor_parser: a pure incremental parser. Bytes go in as they arrive, split
 *     anywhere (mid-line, mid-record); complete events come out. No I/O, no clock.
 *   - sl_condor_follower: follows a log file by path, like `tail -F`: reads what was
 *     appended since the last call, survives HTCondor's rotation (rename to
 *     `<log>.old`, fresh file at the path), truncation, and a log that does not exist
 *     yet.
 *   - sl_condor_jobs: a hash table from (cluster, proc) to the job's state, fed with
 *     events, sized for millions of jobs.
 *
 * The format (docs: /work/shared/reference/htcondor.md section 1; source:
 * htcondor/src/condor_utils/condor_event.cpp, write_user_log.cpp). A record is
 *
 *     NNN (CLUSTER.PROC.SUBPROC) DATE TIME description
 *     <body lines, event-specific>
 *     ...
 *
 * The numbers are printed with %03d, a minimum width: `(2456301.000.000)` is normal.
 * DATE TIME is `YYYY-MM-DD HH:MM:SS` (8.9.3 and later) or the legacy `MM/DD HH:MM:SS`
 * with no year; either may carry `.mmm` (SUB_SECOND) and a trailing `Z` (UTC).
 * Times are read as UTC whether or not they end in `Z` (the log does not say which
 * zone a time without `Z` is in; UTC is the only reading that needs no clock).
 * Lines may end in CRLF.
 *
 * Bad input never stops the reader. A record whose header does not parse, garbage
 * between records, a record longer than max_record bytes, or a record cut short (a
 * new header line before its `...`, or the end of a file that was rotated away) is
 * skipped, up to the next `...` line or the next valid header line, and counted.
 * A parser holds at most one line and one event's text, each at most max_record
 * bytes, whatever the input; a follower adds a 64 KiB read buffer.
 *
 * No function here prints or exits; errors come back as an sl_status and, when the
 * caller passes one, an sl_error. There is no global state: objects are
 * independent and each may be used by one thread at a time. */
#ifndef SL_INGEST_CONDOR_LOG_H
#define SL_INGEST_CONDOR_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/status.h"

/* ------------------------------------------------------------------ events */

/* Event numbers (ULogEventNumber in condor_event.cpp); an event's code may be any
 * number, these are the ones this module gives a meaning to. */
enum {
    SL_CONDOR_SUBMIT = 0,            /* Job submitted */
    SL_CONDOR_EXECUTE = 1,           /* Job executing; text is the host */
    SL_CONDOR_EXECUTABLE_ERROR = 2,  /* Error in executable (a hold follows) */
    SL_CONDOR_EVICTED = 4,           /* Job evicted, or terminated and requeued */
    SL_CONDOR_TERMINATED = 5,        /* Job terminated; exit fields set */
    SL_CONDOR_IMAGE_SIZE = 6,
    SL_CONDOR_SHADOW_EXCEPTION = 7,  /* text is the exception message */
    SL_CONDOR_ABORTED = 9,           /* Job aborted (condor_rm); text is the reason */
    SL_CONDOR_HELD = 12,             /* text is the hold reason; hold_code/subcode */
    SL_CONDOR_RELEASED = 13,         /* text is the release reason */
    SL_CONDOR_RECONNECT_FAILED = 24, /* the job goes back to idle */
    SL_CONDOR_FILE_TRANSFER = 40
};

/* How a job ended, from a `(1) Normal termination (return value N)` or
 * `(0) Abnormal termination (signal N)` body line (in 005, and in a requeued 004). */
typedef enum {
    SL_CONDOR_EXIT_NONE = 0,   /* no such line in the record */
    SL_CONDOR_EXIT_NORMAL,     /* exit_code is the return value */
    SL_CONDOR_EXIT_SIGNAL      /* exit_signal is the signal that killed it */
} sl_condor_exit;

/* One event. Returned by sl_condor_parser_next and sl_condor_follower_next; text
 * points into the parser's memory and stays valid until the next call on the same
 * parser or follower (copy it to keep it). */
typedef struct sl_condor_event {
    int code;               /* event number (SL_CONDOR_*), 0 .. 999999999 */
    int64_t cluster;        /* ClusterId, >= 0 */
    int64_t proc;           /* ProcId, >= 0 */
    int64_t subproc;        /* parallel-universe node number; 0 otherwise */
    int64_t time_us;        /* microseconds since 1970-01-01 00:00:00 UTC */
    uint64_t offset;        /* byte offset of the header line in the stream fed to the
                               parser since it was created or reset (the follower
                               resets it per file, so: in the current file) */
    sl_condor_exit exit;    /* 005, 004: how the job ended (SL_CONDOR_EXIT_NONE if
                               the body did not say) */
    int exit_code;          /* SL_CONDOR_EXIT_NORMAL: the return value; else 0 */
    int exit_signal;        /* SL_CONDOR_EXIT_SIGNAL: the signal number; else 0 */
    bool requeued;          /* 004: "(0) Job terminated and was requeued" */
    int hold_code;          /* 012: HoldReasonCode from "Code N Subcode M"; -1 if absent */
    int hold_subcode;       /* 012: HoldReasonSubCode; -1 if absent */
    const char *text;       /* never NULL, NUL-terminated, text_len bytes (may hold
                               NULs from a damaged log); by event: 001 the host
                               (`<192.0.2.5:43051?...>`), 007 the message, 009 the
                               abort reason, 012 the hold reason, 013 the release
                               reason, all without their leading tab; otherwise "" */
    size_t text_len;
} sl_condor_event;

/* ------------------------------------------------------------------ parser */

#define SL_CONDOR_MAX_RECORD_DEFAULT ((size_t)1 << 20)

typedef struct sl_condor_options {
    int default_year;     /* the year of legacy `MM/DD` dates, which have none (HTCondor's
                             own reader uses the current year; pass that); 0, or
                             anything outside 1..9999: 1970 */
    size_t max_record;    /* a record longer than this many bytes is skipped, not
                             buffered; 0: SL_CONDOR_MAX_RECORD_DEFAULT (1 MiB) */
} sl_condor_options;

/* Fills o with the defaults (default_year 0, max_record 1 MiB). */
void sl_condor_options_init(sl_condor_options *o);

typedef struct sl_condor_parser sl_condor_parser;

/* Creates a parser. opts may be NULL (defaults); it is copied. On failure *out is
 * NULL and the status is SL_ERR_NOMEM. Free with sl_condor_parser_free. */
sl_status sl_condor_parser_new(const sl_condor_options *opts, sl_condor_parser **out,
                               sl_error *err);

/* Frees p. p may be NULL. */
void sl_condor_parser_free(sl_condor_parser *p);

/* Consumes bytes from data[0..len) until one event is complete.
 *   SL_OK:  *ev is that event; *used bytes were consumed (the rest of data has not
 *           been looked at: call again with data + *used).
 *   SL_EOF: all len bytes were consumed (*used == len) without completing an event;
 *           a partial record stays buffered for the next call.
 *   SL_ERR_NOMEM: out of memory (the parser is left consistent; the record being
 *           read is lost).
 * Malformed input is never an error (see the file comment). data may be NULL when
 * len is 0. The result does not depend on how the input was split across calls. */
sl_status sl_condor_parser_next(sl_condor_parser *p, const void *data, size_t len,
                                size_t *used, sl_condor_event *ev, sl_error *err);

/* Starts a new stream: drops any partial record (counting it as skipped if it had
 * begun) and sets the offset back to 0. The counters below are kept. */
void sl_condor_parser_reset(sl_condor_parser *p);

/* Events returned and records skipped since the parser was created. */
uint64_t sl_condor_parser_events(const sl_condor_parser *p);
uint64_t sl_condor_parser_skipped(const sl_condor_parser *p);

/* ---------------------------------------------------------------- follower */

typedef struct sl_condor_follower sl_condor_follower;

/* Follows the log at path (copied). Opens nothing yet: a path that does not exist is
 * not an error, the first sl_condor_follower_next that finds it starts reading it
 * from byte 0. opts as for sl_condor_parser_new. SL_ERR_USAGE for a NULL or empty
 * path, SL_ERR_NOMEM; on failure *out is NULL. */
sl_status sl_condor_follower_open(const char *path, const sl_condor_options *opts,
                                  sl_condor_follower **out, sl_error *err);

/* Closes the file and frees f. f may be NULL. */
void sl_condor_follower_free(sl_condor_follower *f);

/* The next event appended to the log, reading the file as needed.
 *   SL_OK:  *ev is the event (text valid until the next call on f).
 *   SL_EOF: caught up: no complete event is available now. This is the normal end of
 *           a poll; call again later for what is appended meanwhile. A partial last
 *           record stays buffered until its `...` arrives.
 *   SL_ERR_IO: the log exists but cannot be opened or read (err says why); the
 *           follower stays usable and the next call tries again.
 *   SL_ERR_NOMEM.
 * Rotation: when the path names a different file (device, inode) than the open one,
 * the open file is first read to its end, so events written to it after the last
 * poll but before the rename are not lost; then the new file is read from byte 0. A
 * partial record at the end of the old file is counted as skipped. Truncation: when
 * the open file is shorter than what was read, it is read again from byte 0. Limits:
 * a file rotated away twice between two calls is missed in between (HTCondor keeps
 * only one `.old`), and events appended to the old file after the switch are lost. */
sl_status sl_condor_follower_next(sl_condor_follower *f, sl_condor_event *ev, sl_error *err);

typedef struct sl_condor_follower_stats {
    uint64_t events;       /* events returned */
    uint64_t skipped;      /* malformed, oversized or cut-short records */
    uint64_t files;        /* files opened at the path (1 + rotations seen) */
    uint64_t truncations;  /* times the file was found shorter than the offset */
    uint64_t offset;       /* bytes read from the current file */
    bool open;             /* a file is open */
} sl_condor_follower_stats;

/* Fills *out with f's counters. */
void sl_condor_follower_get_stats(const sl_condor_follower *f, sl_condor_follower_stats *out);

/* ---------------------------------------------------------------- job table */

/* A job's state as far as the log tells. The numbers are stable. */
typedef enum {
    SL_CONDOR_JOB_UNKNOWN = 0,     /* never seen in the log */
    SL_CONDOR_JOB_QUEUED,          /* submitted, evicted, requeued, released: will run */
    SL_CONDOR_JOB_RUNNING,         /* executing (001) */
    SL_CONDOR_JOB_HELD,            /* held (012) until released */
    SL_CONDOR_JOB_DONE_OK,         /* 005, normal termination, return value 0 */
    SL_CONDOR_JOB_DONE_FAILED,     /* 005, non-zero return value, a signal, or a body
                                      that did not say */
    SL_CONDOR_JOB_ABORTED,         /* 009: removed from the queue */
    SL_CONDOR_JOB_NSTATES
} sl_condor_job_state;

/* "unknown", "queued", "running", "held", "done_ok", "done_failed", "aborted";
 * "invalid" for anything else. Never NULL. */
const char *sl_condor_job_state_name(sl_condor_job_state s);

/* True for DONE_OK, DONE_FAILED and ABORTED: the job has left the queue. */
bool sl_condor_job_state_final(sl_condor_job_state s);

/* What the table knows of one job. */
typedef struct sl_condor_job {
    sl_condor_job_state state;
    int64_t end_time_us;    /* DONE_*: the 005 time; ABORTED: the 009 time; else 0 */
    sl_condor_exit exit;    /* DONE_*: as in the 005 event; else SL_CONDOR_EXIT_NONE */
    int exit_code;          /* return value for SL_CONDOR_EXIT_NORMAL */
    int exit_signal;        /* signal for SL_CONDOR_EXIT_SIGNAL */
    unsigned starts;        /* 001 events seen (saturates at 65535) */
} sl_condor_job;

typedef struct sl_condor_jobs sl_condor_jobs;

#define SL_CONDOR_MAX_JOBS_DEFAULT ((size_t)1 << 26)

/* Creates an empty table that holds at most max_jobs jobs (0:
 * SL_CONDOR_MAX_JOBS_DEFAULT, 64 Mi jobs). A job takes 32 bytes and the table is
 * kept at most 3/4 full, so a million jobs take 32 to 64 MiB. SL_ERR_NOMEM; on
 * failure *out is NULL. Free with sl_condor_jobs_free. */
sl_status sl_condor_jobs_new(size_t max_jobs, sl_condor_jobs **out, sl_error *err);

/* Frees t. t may be NULL. */
void sl_condor_jobs_free(sl_condor_jobs *t);

/* Applies one event to the job (ev->cluster, ev->proc); subproc is not part of the
 * key. Transitions: 000 -> QUEUED (a fresh submission: forgets any earlier end);
 * 001 -> RUNNING; 004, 013 -> QUEUED; 007, 024 -> QUEUED if it was RUNNING;
 * 012 -> HELD; 005 -> DONE_OK or DONE_FAILED; 009 -> ABORTED; any other event makes
 * an unseen job QUEUED. Once final, a job changes only on a new 000: HTCondor logs
 * nothing for a job after it has left the queue, and a result that was already
 * declared ingestible must not be taken back. A requeued job (004 "terminated and
 * was requeued") is thus QUEUED, not done, until its last 005.
 * SL_ERR_LIMIT when a new job would exceed max_jobs; SL_ERR_NOMEM when growing
 * fails; the table is unchanged on error. */
sl_status sl_condor_jobs_apply(sl_condor_jobs *t, const sl_condor_event *ev, sl_error *err);

/* The state of (cluster, proc): SL_CONDOR_JOB_UNKNOWN if never seen. */
sl_condor_job_state sl_condor_jobs_state(const sl_condor_jobs *t, int64_t cluster, int64_t proc);

/* Fills *out and returns true if (cluster, proc) is known; false (and *out all
 * zero, state UNKNOWN) if not. */
bool sl_condor_jobs_get(const sl_condor_jobs *t, int64_t cluster, int64_t proc,
                        sl_condor_job *out);

/* How many jobs are in state s now (0 for UNKNOWN and out-of-range states). */
size_t sl_condor_jobs_count(const sl_condor_jobs *t, sl_condor_job_state s);

/* How many jobs the table knows. */
size_t sl_condor_jobs_size(const sl_condor_jobs *t);

#endif
