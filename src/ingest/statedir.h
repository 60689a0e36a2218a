/* Where the bookkeeping of ingest and sync lives: the state directory.
 *
 * Parts, final tables, quarantine/, duplicates/ and processed/ are in the output
 * directory OUT; everything else (the ledgers, the schema and its history, the
 * metrics, the writers' scratch, the saved key index, sync's state) is in the
 * state directory DIR: OUT/_sluice by default, or wherever --state-dir says (a
 * local disk for an output on a network file system, say). This file is the one
 * place that knows the names inside DIR (docs/state-layout.md).
 *
 * A state directory other than OUT/_sluice and its output directory are bound to
 * each other: their first use together writes DIR/output.json naming OUT and
 * OUT/.sluice-state.json naming DIR (absolute paths), and a later use of either
 * with another is refused. OUT/_sluice itself is not bound, so an output
 * directory moved with its state keeps working. */
#ifndef SL_INGEST_STATEDIR_H
#define SL_INGEST_STATEDIR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "sluice/status.h"

/* The default state directory's name in OUT. */
#define SL_STATE_DEFAULT "_sluice"
/* The file in OUT naming its state directory when that is not OUT/_sluice. */
#define SL_STATE_MARKER ".sluice-state.json"

/* The areas of a state directory. */
typedef enum sl_state_area {
    SL_STATE_ROOT = 0,   /* DIR itself (output.json) */
    SL_STATE_LEDGER,     /* ledger/<writer>.jsonl, one line per commit */
    SL_STATE_SCHEMA,     /* schema/current.json, history.jsonl, pinned.json */
    SL_STATE_METRICS,    /* metrics/<writer>.json */
    SL_STATE_WORK,       /* work/<writer>-w<k>/, <writer>-wkeys/: a writer's scratch */
    SL_STATE_INDEX,      /* index/saved/: the key index a clean stop left */
    SL_STATE_SYNC,       /* sync/: state.json, report.json, the logs, pending/, index/, lock */
    SL_STATE_NAREAS
} sl_state_area;

typedef struct sl_statedir {
    char out[PATH_MAX];  /* OUT as given, without trailing slashes */
    char dir[PATH_MAX];  /* DIR: OUT/_sluice, or --state-dir as given */
    bool custom;         /* DIR is not OUT/_sluice */
} sl_statedir;

/* The default layout of out (DIR = OUT/_sluice), without touching the disk: for
 * the commands that read what ingest and sync wrote with no --state-dir. */
sl_status sl_statedir_default(sl_statedir *sd, const char *out, sl_error *err);

/* The state directory ingest and sync use for out, without changing anything:
 * the one OUT/.sluice-state.json names, else OUT/_sluice. For the commands that
 * only read the state (validate). SL_ERR_CORRUPT for a marker that names none. */
sl_status sl_statedir_find(sl_statedir *sd, const char *out, sl_error *err);

/* Sets up the state directory of out, which must exist: state_dir, or OUT/_sluice
 * when it is NULL or empty. A state_dir is created if missing, and must not be
 * OUT, or inside OUT other than as OUT/_sluice or a name starting with '.'
 * (SL_ERR_USAGE). Refused with SL_ERR_USAGE, before anything is created in it:
 *   - a DIR bound to another output directory (DIR/output.json), naming both;
 *   - an OUT bound to another state directory (OUT/.sluice-state.json; with no
 *     state_dir too), naming the one to give;
 *   - a DIR without ledger/ while OUT/raw/ holds parts: the state of those parts
 *     is elsewhere (the user left out the --state-dir ingest used, or gave a new
 *     one while OUT/_sluice still holds it).
 * Then binds a custom DIR and OUT to each other on their first use together. */
sl_status sl_statedir_open(sl_statedir *sd, const char *out, const char *state_dir, sl_error *err);

/* DIR/<area>, then "/" and the printf-formatted name when fmt is not NULL.
 * SL_ERR_USAGE (buf empty) when it does not fit in n bytes. */
sl_status sl_statedir_path(const sl_statedir *sd, char *buf, size_t n, sl_state_area area,
                           const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Sync's state.json names files by paths relative to OUT, where a path starting
 * with "_sluice/" names a file of the state directory wherever it is (so a state
 * written with the default layout reads the same). Resolves rel so. */
sl_status sl_statedir_resolve(const sl_statedir *sd, const char *rel, char *buf, size_t n);

#endif
