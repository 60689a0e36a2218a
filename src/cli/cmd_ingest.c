/* sluice ingest: the exactly-once ingestion service. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "sluice/ingest.h"

static const char usage[] = "sluice ingest --input-dir IN --output-dir OUT [--once] [options]";
static const char description[] =
    "Watches IN (inotify, or polling with --poll and wherever inotify is unavailable)\n"
    "and commits every complete JSON file to raw Parquet parts under OUT/raw/<table>/,\n"
    "exactly once. With --once it takes what is there, waits for it to settle, and exits.\n"
    "\n"
    "A file is taken when it was renamed into IN, or when it has not changed for\n"
    "--settle seconds; with --condor-log, a file whose name carries an HTCondor job id\n"
    "(result_1042.7.json, out_1042_7.json) is taken only once the job event log shows\n"
    "that job terminated normally with return value 0, and set aside when the job failed\n"
    "or was aborted. Hidden files and names ending in .tmp, .part or ~ are never taken.\n"
    "\n"
    "Each file is claimed by an atomic rename into IN/.sluice-claims/<writer>/, so any\n"
    "number of ingest processes can share IN and OUT. One object is a job-result document:\n"
    "each top-level array of objects becomes rows of the table named by its key, and the\n"
    "rest (the job object, scalars) one row of _documents, with the file's name, content\n"
    "hash, size and ingestion time. NDJSON, a top-level array or concatenated values are\n"
    "rows of --table, with one _documents row for the file. Gzip and zstd are detected.\n"
    "Types are inferred from every value; a new key or a wider type is a new schema\n"
    "version in STATE/schema/ (history.jsonl, current.json). With --schema (a\n"
    "built-in name such as school, or a schema file) the tables are pinned instead: a\n"
    "file with a table, column or value that does not fit is quarantined with the reason\n"
    "(\"students[3].age: expected an integer, got a string\").\n"
    "\n"
    "A batch of files is committed together: one part per table, fsynced and renamed into\n"
    "raw/, then one line in STATE/ledger/<writer>.jsonl, fsynced. Only then are the\n"
    "files moved to --processed-dir (or deleted, or left in IN, by --on-success). A bad\n"
    "file (malformed, truncated, empty, binary, over a limit) goes to OUT/quarantine/ with\n"
    "<name>.error.json giving the reason, line, column and byte offset. A file whose\n"
    "content, or whose HTCondor job, was already committed goes to OUT/duplicates/ with\n"
    "<name>.duplicate.json. After a crash, the next start finishes what was committed and\n"
    "returns the rest to IN; a full disk pauses the service with every input kept.\n"
    "SIGINT and SIGTERM stop it cleanly: the batch in hand is committed first.\n"
    "\n"
    "Metrics: STATE/metrics/<writer>.json (files, rows, bytes, rejects, duplicates,\n"
    "latency from arrival to commit), rewritten every second.\n"
    "\n"
    "State: STATE is OUT/_sluice, or the --state-dir DIR given (a local disk for an OUT\n"
    "on a network file system, say): the ledgers, the schema and its history, metrics,\n"
    "the workers' scratch and the saved key index go there; parts, quarantine/,\n"
    "duplicates/ and processed/ stay in OUT. A state directory belongs to one OUT: its\n"
    "first use writes DIR/output.json naming OUT, and a run with another OUT is refused.\n"
    "A run is also refused when STATE has no ledger/ but OUT/raw/ holds parts (their\n"
    "ledgers are in the state directory the earlier runs used: give that one). Give\n"
    "`sluice sync` the same --state-dir.\n"
    "\n"
    "Exit status: 0 done; 1 with --once when some files were quarantined; 2 usage or\n"
    "I/O error (a directory or ledger that cannot be written).";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static bool parse_seconds(const char *opt, const char *s, double *out)
{
    char *end;
    double v = s ? strtod(s, &end) : 0;
    if (!s)
        return true;
    if (end == s || *end || v < 0 || v > 1e7) {
        sl_cli_fail("usage", "option '--%s' expects seconds, got '%s'", opt, s);
        return false;
    }
    *out = v;
    return true;
}

int cmd_ingest(int argc, char **argv)
{
    sl_ingest_options o;
    sl_ingest_options_init(&o);
    const char *on_success = NULL, *settle = NULL, *poll_interval = NULL, *commit_interval = NULL;
    const char *verbosity = "info", *log_file = NULL, *log_format = "logfmt", *compression = NULL;
    uint64_t workers = 0, commit_files = 0, commit_bytes = 0, max_file = 0, max_dec = 0, max_depth = 0;
    uint64_t schema_samples = 0, dedup_memory = 0;
    bool quiet = false;
    const sl_option opts[] = {
        {"input-dir", 'i', SL_OPT_STRING, &o.input_dir, "DIR", "directory to watch (required)"},
        {"output-dir", 'o', SL_OPT_STRING, &o.output_dir, "DIR", "where raw/, quarantine/, _sluice/ go (required)"},
        {"processed-dir", 0, SL_OPT_STRING, &o.processed_dir, "DIR", "committed inputs (default OUT/processed)"},
        {"quarantine-dir", 0, SL_OPT_STRING, &o.quarantine_dir, "DIR", "rejected inputs (default OUT/quarantine)"},
        {"duplicates-dir", 0, SL_OPT_STRING, &o.duplicates_dir, "DIR", "duplicate inputs (default OUT/duplicates)"},
        {"state-dir", 0, SL_OPT_STRING, &o.state_dir, "DIR", "ledgers, schema, metrics, scratch (default OUT/_sluice)"},
        {"on-success", 0, SL_OPT_STRING, &on_success, "move|delete|leave", "what happens to a committed input (move)"},
        {"once", 0, SL_OPT_FLAG, &o.once, NULL, "process what is there, then exit with a summary"},
        {"poll", 0, SL_OPT_FLAG, &o.poll, NULL, "rescan instead of inotify (network file systems)"},
        {"poll-interval", 0, SL_OPT_STRING, &poll_interval, "SECONDS", "between rescans (1)"},
        {"settle", 0, SL_OPT_STRING, &settle, "SECONDS", "quiet period before a written file is taken (1)"},
        {"condor-log", 0, SL_OPT_STRING, &o.condor_log, "FILE", "HTCondor job event log to gate results on"},
        {"workers", 'j', SL_OPT_U64, &workers, "N", "worker threads (2)"},
        {"table", 0, SL_OPT_STRING, &o.table, "NAME", "table for rows of NDJSON and array inputs (records)"},
        {"schema", 's', SL_OPT_STRING, &o.schema, "NAME|FILE", "pin a schema: inputs that do not fit are quarantined"},
        {"commit-files", 0, SL_OPT_U64, &commit_files, "N", "commit a batch at N files (2000)"},
        {"commit-bytes", 0, SL_OPT_U64, &commit_bytes, "BYTES", "or at this many input bytes (8388608)"},
        {"commit-interval", 0, SL_OPT_STRING, &commit_interval, "SECONDS", "or when its oldest file waited this long (1)"},
        {"max-file-size", 0, SL_OPT_U64, &max_file, "BYTES", "larger files are quarantined (268435456)"},
        {"max-decompressed-size", 0, SL_OPT_U64, &max_dec, "BYTES", "decompressed size cap (1073741824)"},
        {"max-depth", 0, SL_OPT_U64, &max_depth, "N", "JSON nesting limit (1000)"},
        {"dedup-memory", 0, SL_OPT_U64, &dedup_memory, "N", "committed hashes (and jobs) held in memory before they spill to sorted files (65536)"},
        {"compression", 0, SL_OPT_STRING, &compression, "CODEC", "zstd (default), snappy, gzip, lz4_raw, none"},
        {"schema-samples", 0, SL_OPT_U64, &schema_samples, "N", "accepted for compatibility: every value is read"},
        {"verbosity", 'v', SL_OPT_STRING, &verbosity, "LEVEL", "debug, info (default), warn, error"},
        {"log-file", 0, SL_OPT_STRING, &log_file, "FILE", "append logs here instead of stderr"},
        {"log-format", 0, SL_OPT_STRING, &log_format, "FORMAT", "logfmt (default) or json"},
        {"quiet", 'q', SL_OPT_FLAG, &quiet, NULL, "no summary line"},
        {0},
    };
    int nargs;
    bool help;
    int rc = sl_cli_parse(argc, argv, opts, usage, description, &nargs, &help);
    if (rc >= 0)
        return rc;
    if (nargs > 0) {
        sl_cli_fail("usage", "unexpected argument '%s' (see sluice ingest --help)", argv[0]);
        return SL_EXIT_USAGE;
    }
    if (!o.input_dir || !o.output_dir) {
        sl_cli_fail("usage", "ingest needs --input-dir and --output-dir");
        return SL_EXIT_USAGE;
    }
    if (on_success) {
        if (strcmp(on_success, "move") == 0)
            o.on_success = SL_ON_SUCCESS_MOVE;
        else if (strcmp(on_success, "delete") == 0)
            o.on_success = SL_ON_SUCCESS_DELETE;
        else if (strcmp(on_success, "leave") == 0)
            o.on_success = SL_ON_SUCCESS_LEAVE;
        else {
            sl_cli_fail("usage", "--on-success expects move, delete or leave, got '%s'", on_success);
            return SL_EXIT_USAGE;
        }
    }
    if (!parse_seconds("settle", settle, &o.settle) ||
        !parse_seconds("poll-interval", poll_interval, &o.poll_interval) ||
        !parse_seconds("commit-interval", commit_interval, &o.commit_interval))
        return SL_EXIT_USAGE;
    if (workers > 256 || max_depth > 100000) {
        sl_cli_fail("usage", "--workers is at most 256 and --max-depth at most 100000");
        return SL_EXIT_USAGE;
    }
    if (workers)
        o.workers = (unsigned)workers;
    if (commit_files)
        o.commit_files = commit_files;
    if (commit_bytes)
        o.commit_bytes = commit_bytes;
    if (max_file)
        o.max_file_size = max_file;
    if (max_dec)
        o.max_decompressed_size = max_dec;
    if (max_depth)
        o.max_depth = (uint32_t)max_depth;
    if (dedup_memory)
        o.dedup_memory = dedup_memory;
    if (compression && sl_pq_codec_parse(compression, &o.writer.codec) != SL_OK) {
        sl_cli_fail("usage", "unknown codec '%s'", compression);
        return SL_EXIT_USAGE;
    }
    sl_log_level level;
    sl_log_format fmt;
    if (!sl_log_parse_level(verbosity, &level) || !sl_log_parse_format(log_format, &fmt)) {
        sl_cli_fail("usage", "--verbosity expects debug|info|warn|error and --log-format logfmt|json");
        return SL_EXIT_USAGE;
    }
    sl_error err;
    sl_error_clear(&err);
    sl_log *lg;
    sl_status st = sl_log_open(log_file, level, fmt, &lg, &err);
    if (st)
        return sl_cli_report(&err, log_file, st);
    o.log = lg;
    o.stop = &stop_flag;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sl_ingest_summary sum;
    memset(&sum, 0, sizeof sum);
    st = sl_ingest_run(&o, &sum, &err);
    sl_log_close(lg);
    if (st)
        return sl_cli_report(&err, o.output_dir, st);
    if (!quiet)
        fprintf(stderr,
                "sluice: ingest: %llu files committed (%llu documents, %llu rows, %llu bytes) in %llu commits; "
                "%llu quarantined, %llu duplicates, %llu waiting, %llu recovered\n",
                (unsigned long long)sum.files, (unsigned long long)sum.documents,
                (unsigned long long)sum.rows, (unsigned long long)sum.bytes,
                (unsigned long long)sum.commits, (unsigned long long)sum.quarantined,
                (unsigned long long)sum.duplicates, (unsigned long long)sum.waiting,
                (unsigned long long)sum.recovered);
    return o.once && sum.quarantined ? SL_EXIT_FAILED : SL_EXIT_OK;
}
