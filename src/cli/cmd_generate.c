/* sluice generate: synthetic data from a schema, as tables or as job-result
 * documents. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sluice/gen.h"

static const char usage[] = "sluice generate [--schema NAME|FILE] [options]";
static const char description[] =
    "Writes synthetic data from a schema: the built-in 'school' (the default) or\n"
    "'card_transactions', or a JSON or YAML schema file (docs/schema-format.md).\n"
    "Every value is a function of (seed, table, column, row): the same seed gives the\n"
    "same bytes, and --shard I/N outputs concatenated in order equal the unsharded\n"
    "output byte for byte (NDJSON, JSON, CSV without --gzip). Foreign keys always name\n"
    "an existing row; school enrollments respect class capacity x utilization and\n"
    "--max-enrollments by construction.\n"
    "\n"
    "Tables go to OUTPUT_DIR/<table>.<format> (<name>_<table> with --output-name, or\n"
    "<name> alone when one table is chosen; -<I>-of-<N> is added for a shard).\n"
    "With --num-iterations N, writes N job-result documents result_NNNNNN.json\n"
    "instead, each one job's batch of --max-batch-size rows of the main table plus\n"
    "its share of every other table, referring only to itself and earlier batches;\n"
    "each is written under a temporary name and renamed into place.\n"
    "\n"
    "An NDJSON, JSON or CSV file's bytes past its first 64 MiB are written with direct\n"
    "I/O (O_DIRECT), bypassing the page cache, where the file system allows it, unless\n"
    "--rate paces the run; --no-direct-io writes them all through the page cache. The\n"
    "bytes are the same.\n"
    "\n"
    "--violations KIND=COUNT,... injects exactly COUNT data quality violations of each\n"
    "kind, deterministic from --seed, for sluice validate to find; every other row is\n"
    "the clean run's. Kinds: duplicate_rows, conflicting_duplicates, null_required,\n"
    "orphan_refs, over_capacity, over_enrollment_limit, age_year_mismatch (school:\n"
    "age - year must be 5 or 6), out_of_range. Added rows follow a table's last row\n"
    "(the last shard, the last document); see sluice(1).";

static volatile int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int parse_shard(const char *s, uint32_t *i, uint32_t *n)
{
    char *end;
    unsigned long a = strtoul(s, &end, 10);
    if (end == s || *end != '/')
        goto bad;
    const char *q = end + 1;
    unsigned long b = strtoul(q, &end, 10);
    if (end == q || *end || b == 0 || a >= b || b > 1000000)
        goto bad;
    *i = (uint32_t)a;
    *n = (uint32_t)b;
    return 0;
bad:
    sl_cli_fail("--shard", "'%s' is not I/N with 0 <= I < N", s);
    return -1;
}

static int parse_format(const char *s, sl_gen_options *o)
{
    static const struct { const char *name; sl_gen_format f; } fm[] = {
        {"ndjson", SL_GEN_NDJSON}, {"jsonl", SL_GEN_NDJSON}, {"json", SL_GEN_JSON},
        {"csv", SL_GEN_CSV}, {"parquet", SL_GEN_PARQUET}};
    for (size_t i = 0; i < sizeof fm / sizeof fm[0]; i++)
        if (strcmp(s, fm[i].name) == 0) {
            o->format = fm[i].f;
            o->extension = fm[i].name;
            return 0;
        }
    sl_cli_fail("--format", "'%s' is not one of ndjson, jsonl, json, csv, parquet", s);
    return -1;
}

/* "a,b,c" into a NULL-terminated list (the string is modified). */
static const char **split_tables(char *s)
{
    size_t n = 1;
    for (char *p = s; *p; p++)
        n += *p == ',';
    const char **v = calloc(n + 1, sizeof *v);
    if (!v)
        return NULL;
    size_t k = 0;
    for (char *p = s;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        if (*p)
            v[k++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    return v;
}

int cmd_generate(int argc, char **argv)
{
    const char *schema = "school", *format = NULL, *output = NULL, *shard = NULL;
    const char *tables = NULL, *rate = NULL, *scale = NULL, *max_enr = NULL, *util = NULL;
    const char *config = NULL, *compression = NULL, *row_group = NULL, *violations = NULL;
    uint64_t seed = 42, n = 0, iters = 0, batch = 10, cluster = 1;
    int threads = 0;
    bool gzip = false, shuffle = false, loop = false, quiet = false, no_direct = false;
    sl_gen_options o;
    sl_gen_options_init(&o);
    const sl_option opts[] = {
        {"schema", 's', SL_OPT_STRING, &schema, "NAME|FILE", "built-in schema or schema file (default school)"},
        {"config", 0, SL_OPT_STRING, &config, "FILE", "the same as --schema (seed 004's name)"},
        {"output-dir", 'd', SL_OPT_STRING, &o.output_dir, "DIR", "where files go (default .; created)"},
        {"output-name", 0, SL_OPT_STRING, &o.output_name, "NAME", "file name stem"},
        {"output", 'o', SL_OPT_STRING, &output, "-", "'-': write the one chosen table to stdout"},
        {"format", 'f', SL_OPT_STRING, &format, "FMT", "ndjson (or jsonl), json, csv, parquet (default ndjson; json with --num-iterations)"},
        {"table", 't', SL_OPT_STRING, &tables, "T[,T...]", "only these tables"},
        {"n", 'n', SL_OPT_U64, &n, "N", "rows of the schema's main table (school: students)"},
        {"scale", 0, SL_OPT_STRING, &scale, "X", "multiply the schema's row counts by X"},
        {"seed", 0, SL_OPT_U64, &seed, "N", "random seed (default 42)"},
        {"shard", 0, SL_OPT_STRING, &shard, "I/N", "write only shard I of N"},
        {"gzip", 'z', SL_OPT_FLAG, &gzip, NULL, "gzip the output files (.gz)"},
        {"no-direct-io", 0, SL_OPT_FLAG, &no_direct, NULL, "text files: all bytes through the page cache (see below)"},
        {"compression", 'c', SL_OPT_STRING, &compression, "CODEC", "Parquet codec: zstd (default), snappy, gzip, lz4_raw, none"},
        {"row-group-size", 0, SL_OPT_STRING, &row_group, "N", "Parquet rows per row group (default 122880)"},
        {"num-iterations", 0, SL_OPT_U64, &iters, "N", "write N job-result documents"},
        {"max-batch-size", 0, SL_OPT_U64, &batch, "N", "main-table rows per document (default 10)"},
        {"cluster", 0, SL_OPT_U64, &cluster, "N", "the documents' job cluster id (default 1)"},
        {"shuffle-dependencies", 0, SL_OPT_FLAG, &shuffle, NULL, "write documents out of dependency order"},
        {"max-enrollments", 0, SL_OPT_STRING, &max_enr, "N", "school: classes per student at most (default 5)"},
        {"capacity-utilization", 0, SL_OPT_STRING, &util, "X", "school: fill classes to at most capacity x X (default 0.8)"},
        {"rate", 0, SL_OPT_STRING, &rate, "R", "documents (or rows) per second; 0 = as fast as possible"},
        {"loop", 0, SL_OPT_FLAG, &loop, NULL, "keep generating until interrupted"},
        {"threads", 'j', SL_OPT_INT, &threads, "N", "worker threads (default: one per core)"},
        {"violations", 0, SL_OPT_STRING, &violations, "KIND=N,...", "inject exactly N violations of each KIND (see above)"},
        {"quiet", 'q', SL_OPT_FLAG, &quiet, NULL, "no progress bar"},
        {0},
    };
    int nargs;
    bool help;
    int rc = sl_cli_parse(argc, argv, opts, usage, description, &nargs, &help);
    if (rc >= 0)
        return rc;
    if (nargs > 0) {
        sl_cli_fail("generate", "unexpected argument '%s'", argv[0]);
        return SL_EXIT_USAGE;
    }
    if (config)
        schema = config;
    o.seed = seed;
    o.n = n;
    o.num_iterations = iters;
    o.max_batch_size = batch;
    o.first_cluster = cluster;
    o.shuffle_dependencies = shuffle;
    o.gzip = gzip;
    o.no_direct_io = no_direct;
    o.loop = loop;
    o.threads = threads;
    o.codec = compression;
    o.stop = &stop_flag;
    o.format = iters ? SL_GEN_JSON : SL_GEN_NDJSON;
    o.extension = iters ? "json" : "ndjson";
    if (format && parse_format(format, &o) != 0)
        return SL_EXIT_USAGE;
    if (shard && parse_shard(shard, &o.shard, &o.nshards) != 0)
        return SL_EXIT_USAGE;
    if (scale && sl_cli_number("--scale", scale, 0, 1e9, &o.scale) != 0)
        return SL_EXIT_USAGE;
    if (rate && sl_cli_number("--rate", rate, 0, 1e12, &o.rate) != 0)
        return SL_EXIT_USAGE;
    double rg = 0;
    if (row_group && sl_cli_number("--row-group-size", row_group, 1, 1e12, &rg) != 0)
        return SL_EXIT_USAGE;
    o.row_group_rows = (uint64_t)rg;
    if (batch == 0) {
        sl_cli_fail("--max-batch-size", "must be at least 1");
        return SL_EXIT_USAGE;
    }
    if (output && strcmp(output, "-") != 0) {
        sl_cli_fail("--output", "only '-' (stdout) is supported; use --output-dir and --output-name for files");
        return SL_EXIT_USAGE;
    }
    uint64_t vcounts[SL_GEN_NVIOLATIONS];
    if (violations) {
        sl_error verr;
        sl_error_clear(&verr);
        if (sl_gen_violations_parse(violations, vcounts, &verr) != SL_OK) {
            sl_cli_fail("--violations", "%s", verr.msg);
            return SL_EXIT_USAGE;
        }
        o.violations = vcounts;
    }
    o.to_stdout = output != NULL;
    o.progress = !quiet && !o.to_stdout && isatty(STDERR_FILENO);
    sl_gen_param over[2];
    size_t nover = 0;
    double v;
    if (max_enr) {
        if (sl_cli_number("--max-enrollments", max_enr, 1, 1e6, &v) != 0)
            return SL_EXIT_USAGE;
        over[nover++] = (sl_gen_param){"max_enrollments", v};
    }
    if (util) {
        if (sl_cli_number("--capacity-utilization", util, 1e-6, 1, &v) != 0)
            return SL_EXIT_USAGE;
        over[nover++] = (sl_gen_param){"capacity_utilization", v};
    }
    char *tcopy = tables ? strdup(tables) : NULL;
    o.tables = tcopy ? split_tables(tcopy) : NULL;
    if (tables && !o.tables) {
        free(tcopy);
        sl_cli_fail("generate", "out of memory");
        return SL_EXIT_USAGE;
    }
    sl_error err;
    sl_error_clear(&err);
    sl_gen_schema *s = NULL;
    sl_status st = sl_gen_schema_load(schema, over, nover, &s, &err);
    if (st == SL_OK && !o.to_stdout && mkdir(o.output_dir, 0777) != 0 && errno != EEXIST)
        st = sl_error_set(&err, SL_ERR_IO, "cannot create '%s': %s", o.output_dir, strerror(errno));
    sl_gen_stats stats = {0};
    if (st == SL_OK) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        /* to stdout, a closed pipe ends the stream the way it ends `yes | head` */
        signal(SIGPIPE, o.to_stdout ? SIG_DFL : SIG_IGN);
        st = sl_gen_run(s, &o, &stats, &err);
    }
    if (st == SL_OK && stats.broken)
        fprintf(stderr, "sluice: generate: warning: %llu rows broke a column's check constraint\n",
                (unsigned long long)stats.broken);
    if (st == SL_OK && !quiet && !o.to_stdout)
        fprintf(stderr, "sluice: generate: %llu rows in %llu files (%llu bytes)\n",
                (unsigned long long)stats.rows, (unsigned long long)stats.files,
                (unsigned long long)stats.bytes);
    free((void *)o.tables);
    free(tcopy);
    sl_gen_schema_free(s);
    /* --loop runs until it is stopped: that is its normal end */
    if (st == SL_ERR_STOPPED && loop)
        return SL_EXIT_OK;
    if (st == SL_ERR_STOPPED) {
        sl_cli_fail("generate", "%s", err.msg);
        return 130;
    }
    if (st != SL_OK)
        return sl_cli_report(&err, schema, st);
    return SL_EXIT_OK;
}
