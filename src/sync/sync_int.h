/* Internals of sluice sync shared by its files (see sync.h for what sync does).
 *
 *   schema.c   a table's schema: parsed from a part's "sluice.schema", joined along
 *              the lattice, written back as JSON; primary and foreign keys
 *   index.c    the key index: 96-bit key hash -> content hash, origin part, state
 *   ledger.c   reading the ingest ledgers past the consumed offsets
 *   state.c    state.json (the commit point) and recovery
 *   plog.c     the parts log: every part published, in order
 *   rows.c     a part's rows converted to the final schema, hashed, formatted
 *   sink.c     the files a pass writes, under temporary names
 *   table.c    one table's pass: dedup, integrity gate, what is rewritten
 *   report.c   report.json, the conflict and orphan records
 *   sync.c     the pass: order of tables, commit, publish
 *   util.c     strings, time, names, the crash tests' hook */
#ifndef SL_SYNC_INT_H
#define SL_SYNC_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/arena.h"
#include "base/fsutil.h"
#include "base/buf.h"
#include "ingest/statedir.h"
#include "ingest/unify.h"
#include "schema/infer.h"
#include "sluice/json.h"
#include "sluice/parquet.h"
#include "sync/sync.h"

/* The state directory's sync/ as state.json's ops name it: a path relative to
 * OUT that sl_statedir_resolve maps into the state directory, wherever it is. */
#define SYNC_DIR SL_STATE_DEFAULT "/sync"
#define SYNC_MAX_KEY 8          /* columns in a composite primary key */
#define SYNC_HELD_COL "_sluice_held_at"
#define SYNC_ORIGIN_COL "_sluice_origin"

/* ------------------------------------------------------------ small helpers */

char *sync_strdup(const char *s);
char *sync_strndup(const char *s, size_t n);
/* Microseconds since the epoch, now (wall clock). */
int64_t sync_now_us(void);
/* "2026-11-21T10:00:01.123456Z" into out (at least 48 bytes). */
void sync_format_time(int64_t us, char *out);
/* A table name sync accepts: 1..200 of [A-Za-z0-9_-] (and '.' inside), not
 * starting with '.', so that OUT/<name>.parquet and OUT/<name>/ stay in OUT. */
bool sync_table_name_ok(const char *s, size_t n);
/* The crash tests' hook: with SLUICE_TEST_CRASH=<point> in the environment the
 * process kills itself with SIGKILL at that point ("before-commit",
 * "after-commit", "mid-publish"), as kill -9 or a power cut would. */
void sync_test_crash(const char *point);
/* Names in OUT that are not sync's to use as a table directory: raw, _sluice,
 * quarantine, processed, duplicates. */
bool sync_reserved_name(const char *name);

/* ------------------------------------------------------------ schema.c */

typedef struct sync_col {
    char *name;
    sl_infer inf;            /* joined type over every part */
    bool synthetic;          /* _key, _parent_key, _pos */
} sync_col;

typedef struct sync_schema {
    sync_col *cols;
    size_t ncols, cap;
} sync_schema;

void sync_schema_free(sync_schema *s);
sl_status sync_schema_copy(sync_schema *dst, const sync_schema *src);
long sync_schema_find(const sync_schema *s, const char *name);
/* Joins src into dst by column name; new columns are appended in src's order.
 * *retyped is set when a column dst already had changed its type. */
sl_status sync_schema_join(sync_schema *dst, const sync_schema *src, bool *retyped);
/* The schema of a part: its "sluice.schema" types for the columns it holds (the
 * Parquet types where it has none), with int_unsafe from the statistics of
 * integer columns (an integer beyond 2^53 must not widen to float64). */
sl_status sync_schema_of_part(sl_pq_reader *r, sync_schema *out, sl_error *err);
/* "sluice.schema" JSON: {"table":...,"columns":[{"name","type"[,"synthetic"]}]};
 * with exact, int_unsafe is kept too ("wide_ints":true), for state.json. */
sl_status sync_schema_json(const sync_schema *s, const char *table, bool exact, sl_buf *out);
/* Parses the "columns" array of such JSON. */
sl_status sync_schema_parse(const sl_json_value *columns, sync_schema *out);
/* The final Parquet columns (names point into s). */
void sync_schema_columns(const sync_schema *s, sl_pq_column *out);
/* A hash of the first n columns' names and types: the content hashes in an
 * index stay valid while it does not change. */
uint64_t sync_schema_sig(const sync_schema *s, size_t n);

/* Primary key kinds. */
enum { SYNC_KEY_NONE = 0, SYNC_KEY_COLUMN, SYNC_KEY_COMPOSITE, SYNC_KEY_SYNTHETIC };

typedef struct sync_keydef {
    uint8_t kind;
    uint8_t n;
    uint32_t cols[SYNC_MAX_KEY];   /* column indexes in the table's schema */
} sync_keydef;

typedef struct sync_fk {
    uint32_t col;        /* column of this table */
    uint32_t target;     /* index of the referenced table */
    bool to_key;         /* `_parent_key` -> the parent's `_key` (its alt index) */
} sync_fk;

/* A table as the key rules see it. */
typedef struct sync_tmodel {
    const char *name;
    const sync_schema *schema;
    sync_keydef key;
    sync_fk *fks;
    size_t nfks, fkcap;
    long parent;             /* the table a child table hangs from, or -1 */
    bool child;              /* has `_parent_key` */
    bool needs_alt;          /* children refer to its `_key`, which is not its key */
} sync_tmodel;

/* Finds every table's primary key and foreign keys from the column names:
 * `<singular>_id`, else `id`, else `_key` for _documents and child tables, else
 * two or more columns that are other tables' keys together; a column named like
 * another table's single-column key (not `id`) refers to it, and `_parent_key`
 * to the parent's `_key`. */
sl_status sync_model_build(sync_tmodel *m, size_t n);
/* A processing order in which every table comes after the tables it refers to
 * (cycles broken by name order). */
sl_status sync_model_order(const sync_tmodel *m, size_t n, size_t *order);
void sync_model_free(sync_tmodel *m, size_t n);
/* "student_id,class_id" (appended). */
sl_status sync_key_names(const sync_tmodel *t, sl_buf *out);

/* ------------------------------------------------------------ index.c */

typedef struct sync_hkey {
    uint64_t lo;
    uint32_t hi;
} sync_hkey;

/* A slot: 24 bytes. meta is origin << 2 | state; 0 marks an empty slot. */
typedef struct sync_entry {
    uint64_t key;
    uint64_t content;
    uint32_t key_hi;
    uint32_t meta;
} sync_entry;

enum { SYNC_EMPTY = 0, SYNC_PUBLISHED = 1, SYNC_PENDING = 2, SYNC_DROPPED = 3 };
#define SYNC_ORIGIN_NONE 0x3fffffffu
#define SYNC_STATE(e) ((e)->meta & 3u)
#define SYNC_ORIGIN(e) ((e)->meta >> 2)

typedef struct sync_index {
    sync_entry *slots;
    size_t cap, count;     /* cap: 0 or a power of two */
} sync_index;

sync_entry *sync_index_get(const sync_index *ix, sync_hkey k);
/* The slot of k: its entry (*found), or a new one taken for it (state dropped,
 * no origin) that the caller fills. Valid until the next insertion. */
sl_status sync_index_slot(sync_index *ix, sync_hkey k, sync_entry **out, bool *found);
/* Inserts k or overwrites its entry. */
sl_status sync_index_set(sync_index *ix, sync_hkey k, uint64_t content, uint32_t origin,
                         unsigned state);
/* Makes room for n entries without growing. */
sl_status sync_index_reserve(sync_index *ix, size_t n);

/* Asks for the slot k's lookup starts at, before it is needed. */
static inline void sync_index_prefetch(const sync_index *ix, sync_hkey k)
{
    if (ix->cap)
        __builtin_prefetch(&ix->slots[(size_t)k.lo & (ix->cap - 1)]);
}

static inline void sync_entry_fill(sync_entry *e, uint64_t content, uint32_t origin, unsigned state)
{
    e->content = content;
    e->meta = (origin & SYNC_ORIGIN_NONE) << 2 | (state & 3u);
}
void sync_index_free(sync_index *ix);
/* The index file: a header, then the slots of main and of alt as they are in
 * memory (little-endian hosts only), checksummed. */
sl_status sync_index_save(const char *path, uint64_t sig, uint64_t gen, const sync_index *main,
                          const sync_index *alt, sl_error *err);
/* SL_ERR_CORRUPT when the file is not a whole, valid index. */
sl_status sync_index_load(const char *path, uint64_t *sig, uint64_t *gen, sync_index *main,
                          sync_index *alt, sl_error *err);

/* ------------------------------------------------------------ state.c */

/* One file of a final table: OUT/<table>.parquet, or OUT/<table>/<name>. */
typedef struct sync_file {
    char *name;
    uint64_t rows, bytes;
    bool full;               /* a directory table's file that is never rewritten */
} sync_file;

/* What state.json records of a table. */
typedef struct sync_tstate {
    char *name;
    sync_schema schema;
    uint64_t gen;            /* the generation that last wrote its files */
    uint64_t target_size;    /* the layout of its files: 0 one file, else a directory */
    sync_file *files;
    size_t nfiles, fcap;
    uint64_t rows, parts, dups, conflicts, dropped;
    uint64_t pending;
    int64_t pending_oldest;  /* µs since the epoch; 0 when nothing is pending */
    uint64_t index_sig;      /* sync_table_sig of the columns the index hashed */
    uint64_t index_gen;      /* the generation that wrote the index file */
    uint32_t index_ncols;
    bool has_index;
} sync_tstate;

typedef struct sync_ledger_pos {
    char *name;              /* file name in <state>/ledger */
    uint64_t offset;         /* bytes consumed: just past the last complete line */
    uint64_t lines;          /* complete lines consumed */
    uint64_t tail_hash;      /* XXH3 of the 64 bytes before offset, to notice a rewrite */
} sync_ledger_pos;

/* A rename (from -> to) or a removal (from NULL) to do after the commit. */
typedef struct sync_op {
    char *from, *to;
} sync_op;

typedef struct sync_state {
    uint64_t gen;
    sync_ledger_pos *ledgers;
    size_t nledgers, lcap;
    uint64_t nparts;          /* entries of parts.jsonl that are committed */
    uint64_t parts_bytes;     /* its committed length */
    uint64_t conflicts_bytes; /* committed length of conflicts.jsonl */
    sync_tstate *tables;
    size_t ntables, tcap;
    sync_op *ops;
    size_t nops, ocap;
} sync_state;

void sync_state_free(sync_state *s);
sl_status sync_state_copy(sync_state *dst, const sync_state *src);
sync_tstate *sync_state_table(sync_state *s, const char *name);
sl_status sync_state_add_table(sync_state *s, const char *name, sync_tstate **out);
sl_status sync_tstate_add_file(sync_tstate *t, const char *name, uint64_t rows, uint64_t bytes,
                               bool full);
void sync_tstate_clear_files(sync_tstate *t);
sl_status sync_state_add_op(sync_state *s, const char *from, const char *to);
sl_status sync_state_add_ledger(sync_state *s, const char *name, size_t len, sync_ledger_pos **out);
/* Loads <state>/sync/state.json; an absent file is the empty state (gen 0). */
sl_status sync_state_load(const sl_statedir *sd, sync_state *s, sl_error *err);
/* Writes state.json atomically: the commit point of a pass. */
sl_status sync_state_save(const sl_statedir *sd, const sync_state *s, sl_error *err);
/* Finishes the committed state's ops (renames whose source still exists, removals),
 * truncates the logs to their committed lengths and removes temporary files a
 * crashed pass left. Idempotent. */
sl_status sync_state_recover(const sl_statedir *sd, const sync_state *s, sl_error *err);

/* The parts log, <state>/sync/parts.jsonl: one line per published part, in
 * publish order; a part's ordinal there is its origin in the index. */
typedef struct sync_plog_entry {
    const char *table;
    const char *path;
    const char *commit;
} sync_plog_entry;

typedef struct sync_plog {
    sync_plog_entry *e;
    size_t n, cap;
    sync_index paths;        /* XXH3 of the path: the published set */
    sl_arena arena;
    sl_buf lines;            /* appended this pass, written by sync_plog_flush */
} sync_plog;

sl_status sync_plog_load(const sl_statedir *sd, const sync_state *s, sync_plog *p, sl_error *err);
bool sync_plog_has(const sync_plog *p, const char *path);
/* Appends an entry in memory; returns its ordinal. A failed pass's entries are
 * dropped by loading the log again. */
sl_status sync_plog_append(sync_plog *p, const char *table, const char *path,
                           const char *commit, uint64_t gen, uint32_t *ordinal, sl_error *err);
/* Appends this pass's entries to the file and fsyncs it; *bytes is its new length. */
sl_status sync_plog_flush(sync_plog *p, const sl_statedir *sd, uint64_t *bytes, sl_error *err);
void sync_plog_free(sync_plog *p);

/* ------------------------------------------------------------ ledger.c */

/* A committed part named by a ledger line not consumed yet. */
typedef struct sync_part {
    const char *table;
    const char *path;        /* relative to OUT: raw/<table>/... */
    const char *commit;
    uint64_t rows;
    uint32_t ledger;         /* index in the state's ledgers */
    uint64_t line;
} sync_part;

typedef struct sync_scan {
    sync_part *parts;
    size_t nparts, cap;
    uint64_t commits;        /* complete lines consumed */
    uint64_t ignored;        /* of them, lines that did not parse or lacked fields */
    bool more;               /* stopped at the parts limit */
    sync_index seen;         /* paths of the parts collected */
    sl_arena arena;
} sync_scan;

/* Reads every ledger past the offsets in st (updating them) and collects the parts
 * of the complete lines, in ledger-name order then line order, leaving out parts
 * already published. Stops after max_parts parts, at a line boundary. */
sl_status sync_ledger_scan(const sl_statedir *sd, sync_state *st, const sync_plog *plog,
                           size_t max_parts, sync_scan *scan, sl_error *err);
void sync_scan_free(sync_scan *scan);

#endif
