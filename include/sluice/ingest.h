/* The ingestion service: JSON result files in a directory become committed raw
 * Parquet parts, exactly once (DESIGN.md section 3; the on-disk contract with
 * sync is docs/state-layout.md).
 *
 * A file is taken when it is complete (renamed into the directory, or unchanged
 * for `settle` seconds, or its HTCondor job terminated normally), claimed by an
 * atomic rename into <input>/.sluice-claims/<writer>/, read, checked and
 * normalized into per-worker batches. A batch is committed as one part per
 * table, each fsynced and renamed into raw/<table>/, then one ledger line that
 * names every part and input, fsynced; only then are the inputs moved on. A bad
 * input goes to quarantine with its reason; an input whose content or HTCondor
 * job was already committed goes to duplicates. Nothing is ever deleted unless
 * on_success asks for it. */
#ifndef SLUICE_INGEST_H
#define SLUICE_INGEST_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "sluice/parquet.h"
#include "sluice/status.h"

typedef enum {
    SL_ON_SUCCESS_MOVE = 0,   /* to processed_dir */
    SL_ON_SUCCESS_DELETE,
    SL_ON_SUCCESS_LEAVE       /* back into the input directory, remembered as done */
} sl_on_success;

struct sl_log;

typedef struct sl_ingest_options {
    const char *input_dir;          /* required */
    const char *output_dir;         /* required */
    const char *processed_dir;      /* default <output>/processed */
    const char *quarantine_dir;     /* default <output>/quarantine */
    const char *duplicates_dir;     /* default <output>/duplicates */
    const char *state_dir;          /* ledgers, schema, metrics, scratch: default
                                       <output>/_sluice (docs/state-layout.md) */
    const char *condor_log;         /* HTCondor job event log to gate on; may be NULL */
    const char *table;              /* table for rows of multi-record inputs; "records" */
    const char *schema;             /* pin: a built-in schema name or schema file; a
                                       document that does not fit it is rejected */
    sl_on_success on_success;
    bool once;                      /* process what is there, then return */
    bool poll;                      /* rescan instead of inotify */
    double settle;                  /* seconds a file must be unchanged; default 1 */
    double poll_interval;           /* seconds between rescans; default 1 */
    unsigned workers;               /* threads; default 2 */
    uint64_t commit_files;          /* a batch commits at this many inputs (default 2000), */
    uint64_t commit_bytes;          /* or this many input bytes (default 8 MiB), */
    double commit_interval;         /* or when its oldest input waited this long (1 s) */
    uint64_t max_file_size;         /* bytes of one input file; default 256 MiB */
    uint64_t max_decompressed_size; /* bytes of one input after decompression; 1 GiB */
    uint32_t max_depth;             /* JSON nesting; default 1000 */
    uint64_t dedup_memory;          /* committed hashes and jobs kept in memory before
                                       they spill to sorted files (65536 each) */
    sl_pq_writer_options writer;    /* codec and row groups of the parts */
    struct sl_log *log;             /* may be NULL */
    volatile sig_atomic_t *stop;    /* set (by a signal handler) to stop; may be NULL */
} sl_ingest_options;

/* Fills o with the defaults above. */
void sl_ingest_options_init(sl_ingest_options *o);

typedef struct sl_ingest_summary {
    uint64_t files;         /* inputs committed */
    uint64_t documents;     /* documents and records in them */
    uint64_t rows;          /* rows committed, every table */
    uint64_t bytes;         /* input bytes committed */
    uint64_t commits;
    uint64_t quarantined;
    uint64_t duplicates;
    uint64_t waiting;       /* with once: inputs left behind, not yet complete */
    uint64_t recovered;     /* inputs a crashed writer had claimed, finished or returned */
} sl_ingest_summary;

/* Runs the service until *stop is set (or, with once, until the directory has
 * nothing left that is complete). Returns SL_OK after a clean stop; an error only
 * when the service cannot run at all (a directory that cannot be created, a
 * ledger that cannot be written): bad inputs and full disks never stop it. */
sl_status sl_ingest_run(const sl_ingest_options *o, sl_ingest_summary *sum, sl_error *err);

#endif
