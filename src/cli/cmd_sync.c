/* sluice sync: publish committed raw parts into final tables, once or as a
 * service. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "cli/cli.h"
#include "ingest/statedir.h"
#include "sync/sync.h"

static const char usage[] =
    "sluice sync --output-dir OUT [--once | --watch [--interval SECONDS]] [options]";
static const char description[] =
    "Publishes the raw parts that `sluice ingest` committed under OUT/raw/ into final\n"
    "tables: OUT/<table>.parquet, one file per table (or, with --target-size, a directory\n"
    "OUT/<table>/ of part-NNNNN.parquet files of about that size), _documents included.\n"
    "A part is committed when a complete line of a ledger STATE/ledger/*.jsonl names\n"
    "it; parts no complete line names, and a last line without its newline, are ignored.\n"
    "Each pass reads only the ledger lines and parts that are new since the last one.\n"
    "\n"
    "Schemas: the parts of a table may differ; the final schema is their join along the\n"
    "type lattice (a later part may add a column, or widen int64 to float64, anything to\n"
    "string), columns in order of first appearance, earlier values converted.\n"
    "\n"
    "Keys: a table's primary key is its column <singular>_id (students: student_id,\n"
    "classes: class_id, categories: category_id), else id; _key for _documents and child\n"
    "tables (<parent>__<field>); else two or more columns that are other tables' keys\n"
    "together (student_classes: student_id + class_id); else none. A row whose key was\n"
    "published (or is pending) before is dropped: as a duplicate when its content is the\n"
    "same (the synthetic _key, _parent_key, _pos not counted outside child tables), as a\n"
    "conflict when it differs. Conflicts keep the first committed row and are recorded,\n"
    "both rows with their parts, in STATE/sync/conflicts.jsonl. Commit order decides:\n"
    "earlier passes first, then by ledger file name, then line.\n"
    "\n"
    "Integrity: a column named like another table's key (classes.teacher_id ->\n"
    "teachers.teacher_id) and _parent_key (-> the parent's _key) are foreign keys. A row\n"
    "whose non-null foreign key names no published row waits in\n"
    "STATE/sync/pending/<table>.parquet (with the time it was first held) and is\n"
    "published by the pass that publishes its parent. Rows pending longer than\n"
    "--orphan-age are orphans: counted and listed in the report. Child rows of a\n"
    "duplicate or conflicting parent row are dropped with it (dropped_with_parent).\n"
    "\n"
    "Report: STATE/sync/report.json (per table: rows, rows_this_pass,\n"
    "duplicates_dropped, conflicts, dropped_with_parent, pending, orphans,\n"
    "oldest_pending_age_seconds, key, references, files; parts published; when) and one\n"
    "line on stderr per pass.\n"
    "\n"
    "Crash safety: every file a pass writes goes to a temporary name carrying the pass's\n"
    "generation and is fsynced; then STATE/sync/state.json, which records the\n"
    "ledger offsets, the tables and the renames to do, is replaced atomically: that\n"
    "rename is the commit. Only then are the new files renamed into place, each rename\n"
    "atomic, so a reader sees a whole old table or a whole new one. A kill before the\n"
    "commit leaves the old tables and state (the next pass redoes the work); a kill after\n"
    "it is finished by the next start. Nothing is lost or published twice. With\n"
    "--target-size, full files are never rewritten: a pass appends to the last, partial\n"
    "file by writing it anew (same name, renamed over the old one) and adds files after\n"
    "it, renamed in ascending order, so a reader listing the directory sees at any moment\n"
    "a prefix of the table's rows, never a row twice; a schema change, or switching\n"
    "between one file and a directory, rewrites every file. A table whose files are\n"
    "missing or do not match the state is rebuilt from its raw parts.\n"
    "\n"
    "--watch runs as a service: a pass every --interval seconds, or sooner when a ledger\n"
    "grows (inotify), until SIGTERM or SIGINT, which let the running pass finish. A\n"
    "failed pass (a full disk, say) is logged and retried; it never leaves a broken\n"
    "table. Without --watch, sync runs until it has consumed every ledger line (--once).\n"
    "One sync at a time per OUT (a lock in STATE/sync/).\n"
    "\n"
    "State: STATE is OUT/_sluice, or the --state-dir DIR that ingest was given; sync's own\n"
    "state goes to STATE/sync/, the final tables to OUT. A state directory belongs to one\n"
    "OUT (DIR/output.json): another OUT is refused. Sync is refused when STATE has no\n"
    "ledger/ while OUT/raw/ holds parts: give the --state-dir ingest used.\n"
    "\n"
    "Exit status: 0 success (or --watch stopped by a signal), 2 usage or I/O error, 3 a\n"
    "committed part that cannot be read (the message names it; nothing is published).";

typedef struct sync_args {
    const char *out;
    const char *state_dir;
    bool once, watch;
    const char *interval;
    const char *target_size;
    const char *row_group_size;
    uint64_t orphan_age;
    bool orphan_age_set;
    const char *compression;
    const char *verbosity;
} sync_args;

/* Verbosity is an sl_log level: a message is printed when its level is at
 * least the one asked for (debug < info < warn < error). */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* "64M", "1G", "500000": bytes (K, M, G: powers of 1024). */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return false;
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ull * 1024 * 1024, end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v > UINT64_MAX / mul)
        return false;
    *out = v * mul;
    return true;
}

static void print_summary(const sl_sync_summary *s, sl_log_level verbosity, bool watch)
{
    if (verbosity > SL_LOG_INFO || (watch && !s->commits_pass && !s->parts_pass))
        return;
    char buf[2048];
    size_t n = 0;
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "sluice: sync: %llu part%s from %llu commit%s, +%llu rows",
                          (unsigned long long)s->parts_pass, s->parts_pass == 1 ? "" : "s",
                          (unsigned long long)s->commits_pass, s->commits_pass == 1 ? "" : "s",
                          (unsigned long long)s->rows_pass);
    bool first = true;
    for (size_t i = 0; i < s->ntables && n < sizeof buf - 200; i++) {
        if (!s->tables[i].rows_pass)
            continue;
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s +%llu", first ? " (" : ", ",
                              s->tables[i].name, (unsigned long long)s->tables[i].rows_pass);
        first = false;
    }
    if (!first && n < sizeof buf - 2)
        buf[n++] = ')';
    uint64_t rows = 0;
    for (size_t i = 0; i < s->ntables; i++)
        rows += s->tables[i].rows;
    snprintf(buf + n, sizeof buf - n,
             ", %llu duplicate%s, %llu conflict%s, %llu pending (oldest %.0f s), %llu orphan%s; "
             "%zu tables, %llu rows, generation %llu, %.3f s",
             (unsigned long long)s->duplicates_pass, s->duplicates_pass == 1 ? "" : "s",
             (unsigned long long)s->conflicts_pass, s->conflicts_pass == 1 ? "" : "s",
             (unsigned long long)s->pending, s->oldest_pending_age, (unsigned long long)s->orphans,
             s->orphans == 1 ? "" : "s", s->ntables, (unsigned long long)rows,
             (unsigned long long)s->generation, s->seconds);
    fprintf(stderr, "%s\n", buf);
    for (size_t i = 0; verbosity <= SL_LOG_DEBUG && i < s->ntables; i++) {
        const sl_sync_table_summary *t = &s->tables[i];
        fprintf(stderr,
                "sluice: sync: %s: %llu rows (+%llu), %llu duplicates, %llu conflicts, %llu dropped "
                "with parent, %llu pending, %llu orphans, %llu parts%s\n",
                t->name, (unsigned long long)t->rows, (unsigned long long)t->rows_pass,
                (unsigned long long)t->duplicates, (unsigned long long)t->conflicts,
                (unsigned long long)t->dropped_with_parent, (unsigned long long)t->pending,
                (unsigned long long)t->orphans, (unsigned long long)t->parts,
                t->written ? ", rewritten" : "");
    }
}

/* Conflicts as they are found; orphans when their number changes (a service
 * would otherwise say the same every interval). */
static void print_warnings(const sl_sync *sy, const sl_sync_summary *s, sl_log_level verbosity,
                           uint64_t *orphans_said)
{
    if (verbosity > SL_LOG_WARN)
        return;
    char conflicts[PATH_MAX], report[PATH_MAX];
    sl_statedir_path(sl_sync_statedir(sy), conflicts, sizeof conflicts, SL_STATE_SYNC, "conflicts.jsonl");
    sl_statedir_path(sl_sync_statedir(sy), report, sizeof report, SL_STATE_SYNC, "report.json");
    for (size_t i = 0; i < s->ntables; i++) {
        const sl_sync_table_summary *t = &s->tables[i];
        if (t->conflicts_pass)
            fprintf(stderr, "sluice: sync: warning: %s: %llu conflicting row%s rejected "
                            "(see %s)\n",
                    t->name, (unsigned long long)t->conflicts_pass, t->conflicts_pass == 1 ? "" : "s",
                    conflicts);
    }
    if (s->orphans && s->orphans != *orphans_said)
        fprintf(stderr, "sluice: sync: warning: %llu orphan%s (see %s)\n",
                (unsigned long long)s->orphans, s->orphans == 1 ? "" : "s", report);
    *orphans_said = s->orphans;
}

/* Passes until every ledger line is consumed (a pass is bounded in parts). */
static sl_status run_passes(sl_sync *s, sl_log_level verbosity, bool watch, sl_error *err)
{
    static uint64_t orphans_said;
    sl_sync_summary sum;
    sl_status st;
    do {
        sl_error_clear(err);
        if ((st = sl_sync_pass(s, &sum, err)))
            return st;
        print_summary(&sum, verbosity, watch);
        print_warnings(s, &sum, verbosity, &orphans_said);
    } while (sum.more && !(watch && stop_signal));
    return SL_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits until the deadline, a ledger change, or a signal. */
static void wait_for_work(int ino, double seconds, const sigset_t *unblocked)
{
    double until = now_s() + seconds;
    bool changed = false;
    while (!stop_signal) {
        double left = changed ? 0.1 : until - now_s();   /* after a change: let writes settle */
        if (left <= 0)
            return;
        struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
        struct pollfd pfd = {ino, POLLIN, 0};
        int rc = ppoll(ino >= 0 ? &pfd : NULL, ino >= 0 ? 1 : 0, &ts, unblocked);
        if (rc > 0 && (pfd.revents & POLLIN)) {
            char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
            while (read(ino, buf, sizeof buf) > 0) {
            }
            if (changed)
                continue;    /* still changing: wait for a quiet 100 ms */
            changed = true;
            continue;
        }
        if (rc == 0 && changed)
            return;
        if (rc < 0 && errno != EINTR)
            return;
    }
}

static int watch_loop(sl_sync *s, double interval, sl_log_level verbosity)
{
    sigset_t block, unblocked;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &unblocked);
    sigdelset(&unblocked, SIGTERM);
    sigdelset(&unblocked, SIGINT);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    char dir[PATH_MAX];
    sl_statedir_path(sl_sync_statedir(s), dir, sizeof dir, SL_STATE_LEDGER, NULL);
    int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ino >= 0 && inotify_add_watch(ino, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
        close(ino);
        ino = -1;    /* polling every interval still works */
    }
    if (ino < 0 && verbosity <= SL_LOG_WARN)
        fprintf(stderr, "sluice: sync: warning: cannot watch '%s' (%s); polling every %.3g s\n", dir,
                strerror(errno), interval);
    while (!stop_signal) {
        sl_error err;
        sl_status st = run_passes(s, verbosity, true, &err);
        if (st && verbosity <= SL_LOG_ERROR) {
            char msg[1400];
            fprintf(stderr, "sluice: sync: pass failed: %s; retrying in %.3g s\n",
                    sl_error_format(&err, msg, sizeof msg), interval);
        }
        wait_for_work(ino, interval, &unblocked);
    }
    if (ino >= 0)
        close(ino);
    if (verbosity <= SL_LOG_INFO)
        fprintf(stderr, "sluice: sync: stopped by signal %d\n", (int)stop_signal);
    return SL_EXIT_OK;
}

int cmd_sync(int argc, char **argv)
{
    sync_args a = {0};
    const sl_option opts[] = {
        {"output-dir", 'o', SL_OPT_STRING, &a.out, "OUT", "the output directory ingest commits to (required)"},
        {"state-dir", 0, SL_OPT_STRING, &a.state_dir, "DIR", "the state directory ingest used (default OUT/_sluice)"},
        {"once", 0, SL_OPT_FLAG, &a.once, NULL, "consume every committed part, then exit (the default)"},
        {"watch", 0, SL_OPT_FLAG, &a.watch, NULL, "run as a service until SIGTERM or SIGINT"},
        {"interval", 0, SL_OPT_STRING, &a.interval, "SECONDS", "time between passes with --watch (default 2)"},
        {"target-size", 0, SL_OPT_STRING, &a.target_size, "BYTES",
         "a directory of files of about this size per table (64M, 1G, ...)"},
        {"row-group-size", 0, SL_OPT_STRING, &a.row_group_size, "BYTES",
         "uncompressed bytes per row group of the final tables (default 8M)"},
        {"orphan-age", 0, SL_OPT_U64, &a.orphan_age, "SECONDS",
         "pending rows older than this are orphans (default 3600)"},
        {"compression", 0, SL_OPT_STRING, &a.compression, "C", "zstd (default), snappy, gzip, lz4_raw or none"},
        {"verbosity", 'v', SL_OPT_STRING, &a.verbosity, "LEVEL", "debug, info (default), warn or error"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    a.orphan_age = UINT64_MAX;
    int nargs;
    bool help;
    int rc = sl_cli_parse(argc, argv, opts, usage, description, &nargs, &help);
    if (rc >= 0)
        return rc;
    if (nargs > 0) {
        sl_cli_fail("sync", "unexpected argument '%s' (see --help)", argv[0]);
        return SL_EXIT_USAGE;
    }
    if (!a.out) {
        sl_cli_fail("sync", "--output-dir OUT is required (see --help)");
        return SL_EXIT_USAGE;
    }
    if (a.once && a.watch) {
        sl_cli_fail("sync", "--once and --watch exclude each other");
        return SL_EXIT_USAGE;
    }
    sl_sync_options so;
    sl_sync_options_init(&so);
    so.output_dir = a.out;
    so.state_dir = a.state_dir;
    if (a.orphan_age != UINT64_MAX)
        so.orphan_age = a.orphan_age;
    if (a.target_size && (!parse_size(a.target_size, &so.target_size) || so.target_size == 0)) {
        sl_cli_fail("sync", "--target-size expects a positive size in bytes (64M, 1G), got '%s'", a.target_size);
        return SL_EXIT_USAGE;
    }
    if (a.row_group_size && (!parse_size(a.row_group_size, &so.row_group_bytes) || so.row_group_bytes < 1024 ||
                             so.row_group_bytes > ((uint64_t)1 << 31))) {
        sl_cli_fail("sync", "--row-group-size expects a size from 1K to 2G, got '%s'", a.row_group_size);
        return SL_EXIT_USAGE;
    }
    if (a.compression && sl_pq_codec_parse(a.compression, &so.codec)) {
        sl_cli_fail("sync", "unknown compression '%s' (zstd, snappy, gzip, lz4_raw, none)", a.compression);
        return SL_EXIT_USAGE;
    }
    double interval = 2;
    if (a.interval) {
        char *end;
        errno = 0;
        interval = strtod(a.interval, &end);
        if (errno || *end || !(interval > 0) || interval > 86400) {
            sl_cli_fail("sync", "--interval expects seconds (0 < s <= 86400), got '%s'", a.interval);
            return SL_EXIT_USAGE;
        }
        if (!a.watch) {
            sl_cli_fail("sync", "--interval goes with --watch");
            return SL_EXIT_USAGE;
        }
    }
    sl_log_level verbosity = SL_LOG_INFO;
    if (a.verbosity && !sl_log_parse_level(a.verbosity, &verbosity)) {
        sl_cli_fail("sync", "--verbosity expects debug, info, warn or error, got '%s'", a.verbosity);
        return SL_EXIT_USAGE;
    }

    sl_error err;
    sl_error_clear(&err);
    sl_sync *s;
    sl_status st = sl_sync_open(&so, &s, &err);
    if (st) {
        sl_cli_fail_error(&err);
        return sl_cli_exit_code(st);
    }
    if (a.watch) {
        rc = watch_loop(s, interval, verbosity);
    } else {
        st = run_passes(s, verbosity, false, &err);
        rc = st ? sl_cli_exit_code(st) : SL_EXIT_OK;
        if (st)
            sl_cli_fail_error(&err);
    }
    sl_sync_close(s);
    return rc;
}
