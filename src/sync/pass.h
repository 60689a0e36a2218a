/* One sync pass: the tables it works on and what it has done so far (shared by
 * sync.c, which drives it, table.c, which does one table, and report.c). */
#ifndef SL_SYNC_PASS_H
#define SL_SYNC_PASS_H

#include "sync/rows.h"
#include "sync/sync_int.h"

/* A table during a pass. */
typedef struct sync_tab {
    sync_tmodel m;              /* name, schema (that of ts), keys */
    sync_tstate *ts;            /* the table in the next state */
    const sync_tstate *old;     /* in the committed state; NULL for a new table */
    sync_part **parts;          /* new parts, in commit order */
    size_t nparts, pcap;
    bool rebuild;               /* ignore the old files, pending rows and index:
                                 * read every part published into it again */
    bool retyped;               /* a column's type changed */
    sl_pq_column *cols;         /* the final columns */
    bool *skip;                 /* per column: not part of the content hash */
    sync_index ix, alt;         /* keys; alt: the rows' `_key` (needs_alt) */
    bool ix_ready;
    bool done;                  /* processed in this pass */
    bool changed;               /* keys were published or dropped: recheck children */
    bool written;               /* new files were written */
    uint64_t rows_pass, dups_pass, conflicts_pass, dropped_pass;
    uint64_t groups_copied;  /* old row groups copied as they are (sync_sink_copy_prefix) */
    uint64_t orphans;           /* pending longer than the orphan age, now */
    int64_t oldest;             /* held_at of the oldest pending row, 0 none */
} sync_tab;

typedef struct sync_pass {
    const sl_sync_options *opts;
    const char *out;            /* OUT */
    const sl_statedir *sd;      /* OUT and the state directory */
    sync_state *next;           /* the state being built (generation = committed + 1) */
    sync_plog *plog;
    uint32_t plog_start;        /* plog entries before this pass */
    sync_tab *tabs;
    size_t ntabs;
    int64_t now;                /* µs since the epoch when the pass began */
    FILE *conflicts;            /* conflicts.jsonl, appending */
    sl_buf orphans;             /* the orphans listed in the report: JSON objects */
    uint64_t orphans_listed;
    sl_buf lineage;             /* the ledgers part of "sluice.lineage" */
    /* the part a kept row of a conflict is looked up in, kept for the next one */
    uint32_t kept_origin;
    sync_src kept_src;
    sync_index kept_rows;       /* key -> row group << 32 | row, in `content` */
    bool kept_open;
    sync_row kept_row;          /* the kept row, in the columns of kept_tab */
    const sync_tab *kept_tab;
    sl_buf line;                /* a conflict record being built */
} sync_pass;

#define SYNC_PATH 4800    /* room for OUT (at most 3000 bytes) and a name in it */

/* A path of state.json's ops into out (SYNC_PATH bytes): OUT/rel, or a file of
 * the state directory for rel under SYNC_DIR (sl_statedir_resolve). */
void sync_abs_path(const sync_pass *p, const char *rel, char *out);

/* ------------------------------------------------------------ sink.c */

typedef struct sync_sink {
    sync_pass *p;
    sync_tab *t;
    bool pending;            /* the pending file: columns + held at + origin */
    bool dir;                /* a directory table: part-NNNNN.parquet files */
    uint32_t no;             /* the number of the open (or next) file */
    sl_pq_writer *w;
    char tmp_rel[SYNC_PATH], final_rel[SYNC_PATH], tmp[SYNC_PATH];
    uint64_t rows;           /* in the open file */
    uint64_t total;          /* written by this pass */
    uint64_t quota;          /* rows per file (directory tables) */
    const sl_pq_column *cols;
    size_t ncols;
    sl_buf schema;           /* "sluice.schema" */
    sl_buf lineage;          /* "sluice.lineage" */
    sl_buf etmp;
} sync_sink;

/* A sink for table t's final files (pending false: cols are the table's) or its
 * pending file (cols add SYNC_HELD_COL and SYNC_ORIGIN_COL). Opens no file yet. */
sl_status sync_sink_init(sync_sink *k, sync_pass *p, sync_tab *t, bool pending,
                         const sl_pq_column *cols, size_t ncols, sl_error *err);
/* Writes the row (and, to a pending file, when it was first held and the part it
 * came from), opening a file first when none is open and closing it at its quota. */
sl_status sync_sink_write(sync_sink *k, sync_row *row, int64_t held, uint32_t origin,
                          sl_error *err);
/* Opens the next file (also to write an empty table); closes the open one, with
 * an fsync, recording it in the table's state. */
sl_status sync_sink_open_file(sync_sink *k, sl_error *err);
sl_status sync_sink_close_file(sync_sink *k, sl_error *err);
/* Aborts a file left open (its temporary name is removed with the pass's). */
void sync_sink_free(sync_sink *k);
/* Copies the leading full row groups of the old single-file table at path into
 * k's file as they are (sl_pq_writer_copy_row_group), when the file has k's
 * schema and codec; returns how many (the caller goes on row by row from there),
 * 0 when none can be, or SIZE_MAX after a failure (err set). */
size_t sync_sink_copy_prefix(sync_sink *k, const char *path, sl_error *err);

/* ------------------------------------------------------------ table.c */

/* Runs one table's share of the pass (after the tables it refers to). */
sl_status sync_table_run(sync_pass *p, sync_tab *t, sl_error *err);

/* The index a foreign key is looked up in: the target's keys, or for
 * `_parent_key` the `_key`s of the parent's rows. */
const sync_index *sync_fk_index(const sync_pass *p, const sync_fk *fk);

/* Loads (or builds) t's key index, for its own pass or its children's checks. */
sl_status sync_table_index(sync_pass *p, sync_tab *t, sl_error *err);

/* The index signature of t: its key, its foreign keys and the types of its
 * first n columns. */
uint64_t sync_table_sig(const sync_pass *p, const sync_tab *t, size_t n);

/* Writes the conflict record of a rejected row whose key the row of part
 * kept_origin holds. */
sl_status sync_report_conflict(sync_pass *p, sync_tab *t, sync_row *row, sync_hkey key,
                               uint32_t kept_origin, uint32_t origin, sl_error *err);
/* Lists a pending row as an orphan in the report (up to a limit). */
sl_status sync_report_orphan(sync_pass *p, sync_tab *t, sync_row *row, int64_t held,
                             uint32_t origin);
/* Writes <state>/sync/report.json from the pass's summary. */
sl_status sync_report_write(sync_pass *p, const sl_sync_summary *sum, sl_error *err);
/* Frees what conflict records kept from one to the next. */
void sync_pass_kept_close(sync_pass *p);

#endif
