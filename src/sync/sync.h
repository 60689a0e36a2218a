/* sluice sync: publishing committed raw parts into final tables.
 *
 * Ingest commits rows as immutable Parquet parts under OUT/raw/<table>/ and names
 * each commit in a ledger line (docs/state-layout.md). A sync pass reads the
 * ledger lines it has not consumed yet, and for every table
 *   - joins the schemas of the new parts with the final table's (the lattice of
 *     src/schema/infer.h) and converts older values along it,
 *   - drops rows whose primary key was already published with identical content
 *     (duplicates) and keeps the first row of a key whose content differs,
 *     recording both in <state>/sync/conflicts.jsonl (conflicts),
 *   - holds back rows whose foreign keys name parents not published yet, in
 *     <state>/sync/pending/<table>.parquet, until the parents arrive,
 *   - publishes the result atomically as OUT/<table>.parquet, or with a target size
 *     as OUT/<table>/part-NNNNN.parquet files of about that size,
 * then writes <state>/sync/report.json. <state> is the state directory ingest
 * used: OUT/_sluice by default (src/ingest/statedir.h).
 *
 * Crash safety: a pass writes every new file under a temporary name, fsyncs it,
 * and then commits by renaming one file, <state>/sync/state.json, which lists the
 * renames still to do; they are done after the commit and redone by the next
 * pass if the process died in between (see state.c). A pass that fails leaves
 * the previous tables and state as they were.
 *
 * The library never prints; a pass returns its numbers in sl_sync_summary. */
#ifndef SL_SYNC_SYNC_H
#define SL_SYNC_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/parquet.h"
#include "sluice/status.h"

typedef struct sl_sync_options {
    const char *output_dir;       /* OUT; required */
    const char *state_dir;        /* the ledgers and sync's own state; default OUT/_sluice */
    uint64_t target_size;         /* bytes per file of a directory table; 0: one file */
    uint64_t orphan_age;          /* seconds a pending row waits before it is an orphan */
    sl_pq_codec codec;            /* of the final tables (default zstd) */
    int level;                    /* codec level; 0: default */
    uint64_t row_group_bytes;     /* uncompressed bytes per row group (default 8 MiB) */
    uint64_t max_parts_per_pass;  /* bounds one pass's work; 0: 50,000 */
} sl_sync_options;

void sl_sync_options_init(sl_sync_options *o);

/* Per table, after a pass. */
typedef struct sl_sync_table_summary {
    const char *name;
    uint64_t rows;                /* rows in the final table */
    uint64_t rows_pass;           /* rows published by this pass */
    uint64_t duplicates;          /* rows dropped as duplicates, in total */
    uint64_t duplicates_pass;
    uint64_t conflicts;           /* rows rejected as conflicts, in total */
    uint64_t conflicts_pass;
    uint64_t dropped_with_parent; /* child rows of a dropped duplicate or conflict */
    uint64_t pending;             /* rows held back now */
    uint64_t orphans;             /* of them, pending longer than orphan_age */
    double oldest_pending_age;    /* seconds; 0 when nothing is pending */
    uint64_t parts;               /* parts published into the table, in total */
    uint64_t row_groups_copied;   /* this pass: row groups of the old file kept as they were */
    bool written;                 /* this pass rewrote the table */
} sl_sync_table_summary;

typedef struct sl_sync_summary {
    uint64_t generation;          /* the state's generation after the pass */
    uint64_t commits_pass;        /* ledger lines consumed by this pass */
    uint64_t parts_pass;          /* parts published by this pass */
    uint64_t parts;               /* parts published, in total */
    uint64_t rows_pass, duplicates_pass, conflicts_pass, pending, orphans;
    uint64_t ignored_lines;       /* complete ledger lines that did not parse */
    double oldest_pending_age;
    double seconds;               /* the pass's wall time */
    bool more;                    /* the pass stopped at max_parts_per_pass: run again */
    size_t ntables;
    const sl_sync_table_summary *tables;  /* owned by the sync handle, valid until the next pass */
} sl_sync_summary;

typedef struct sl_sync sl_sync;
struct sl_statedir;

/* Opens OUT for syncing: checks the state directory (sl_statedir_open: bound to
 * OUT, and holding the ledgers of OUT/raw/'s parts), creates <state>/sync/, takes
 * its lock (one sync per directory: a second one fails with SL_ERR_USAGE saying
 * so), and finishes what a crashed pass committed (see state.c). */
sl_status sl_sync_open(const sl_sync_options *opts, sl_sync **out, sl_error *err);

/* Where the ledgers this sync reads and its own state are (valid until close). */
const struct sl_statedir *sl_sync_statedir(const sl_sync *s);

/* Runs one pass. On failure nothing is published and the next pass starts over
 * from the last committed state; a part that cannot be read is SL_ERR_CORRUPT (or
 * the reader's status) with err naming it. sum may be NULL. */
sl_status sl_sync_pass(sl_sync *s, sl_sync_summary *sum, sl_error *err);

/* Releases the lock and frees everything. s may be NULL. */
void sl_sync_close(sl_sync *s);

#endif
