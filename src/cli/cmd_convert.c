/* sluice convert: JSON, NDJSON or CSV to Parquet; Parquet to NDJSON or CSV. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

static const char usage[] = "sluice convert INPUT... -o OUT [options]";
static const char description[] =
    "Converts JSON (one document, a top-level array, NDJSON or concatenated documents),\n"
    "or CSV with a header, to Parquet; or Parquet to NDJSON or CSV. Gzip and zstd inputs\n"
    "are detected by their magic bytes. The output's extension picks the direction:\n"
    ".parquet, .ndjson/.jsonl/.json, .csv.\n"
    "\n"
    "Types are inferred from every value. Nested objects become columns joined with '_',\n"
    "arrays of scalars LIST columns, arrays of objects child tables <table>__<key> linked\n"
    "by _key/_parent_key/_pos. When the result is one table and OUT ends in .parquet, OUT\n"
    "is that file; otherwise OUT is a directory holding <table>.parquet for each table.\n"
    "\n"
    "With --documents each input object is a job-result document (as `sluice generate\n"
    "--num-iterations` and HTCondor jobs write them): every top-level array of objects\n"
    "becomes rows of the table named by its key (students.parquet, classes.parquet...),\n"
    "and the rest of each document (the job object, scalars) one row of _documents.\n"
    "\n"
    "JSON is parsed on -j threads: the input is cut into parts at newlines, records that\n"
    "fit the schema settled by the first --infer-window bytes become rows on those\n"
    "threads, and the rest (schema changes, lists, child tables, a top-level array) go\n"
    "through the main thread in input order. The output and errors are those of -j 1.\n"
    "\n"
    "Exit status: 0 converted, 2 usage or I/O error, 3 corrupt input (the error names\n"
    "the file, line, column and byte offset).";

typedef struct convert_args {
    const char *out;
    const char *compression;
    const char *table;
    uint64_t row_group_size;
    uint64_t row_group_bytes;
    int page_version;
    bool no_dictionary;
    uint64_t max_depth;
    uint64_t max_record_size;
    uint64_t max_decompressed_size;
    bool quiet;
    bool documents;
    int threads;
    uint64_t part_size;
    uint64_t infer_window;
} convert_args;

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Strips directories and the data extensions (.json, .ndjson, .jsonl, .csv,
 * .parquet, .gz, .zst) from a path into a table name. */
static void stem(const char *path, char *out, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(out, n, "%s", base);
    static const char *exts[] = {".gz", ".zst", ".json", ".ndjson", ".jsonl", ".csv", ".parquet"};
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
            size_t len = strlen(out), k = strlen(exts[i]);
            if (len > k && strcmp(out + len - k, exts[i]) == 0) {
                out[len - k] = '\0';
                again = true;
            }
        }
    }
    if (!out[0] || strcmp(out, "-") == 0)
        snprintf(out, n, "data");
}

static bool is_csv(const char *path)
{
    return ends_with(path, ".csv") || ends_with(path, ".csv.gz") || ends_with(path, ".csv.zst") ||
           ends_with(path, ".tsv");
}

/* ------------------------------------------------------------ Parquet out */

static int feed_json(sl_normalizer *nz, const char *path, const convert_args *a)
{
    sl_norm_feed_options fo;
    sl_norm_feed_options_init(&fo);
    if (a->max_depth)
        fo.json.max_depth = (uint32_t)a->max_depth;
    if (a->max_record_size)
        fo.json.max_record_size = a->max_record_size;
    fo.json.max_decompressed_size = a->max_decompressed_size;
    fo.threads = (unsigned)a->threads;
    fo.part_size = (size_t)a->part_size;
    sl_error err;
    sl_error_clear(&err);
    sl_status st = sl_norm_feed_json(nz, path, &fo, NULL, &err);
    return st ? sl_cli_report(&err, path, st) : 0;
}

static int feed_csv(sl_normalizer *nz, const char *path, const convert_args *a)
{
    sl_csv_options co;
    sl_csv_options_init(&co);
    if (ends_with(path, ".tsv"))
        co.delimiter = '\t';
    if (a->max_record_size)
        co.max_record_size = a->max_record_size;
    co.max_decompressed_size = a->max_decompressed_size;
    sl_error err;
    sl_error_clear(&err);
    sl_csv_reader *r;
    sl_status st = sl_csv_reader_open(path, &co, &r, &err);
    const sl_json_value *v;
    while (!st && (st = sl_csv_reader_next(r, &v, &err)) == SL_OK)
        st = sl_norm_add(nz, v, &err);
    sl_csv_reader_free(r);
    if (st == SL_EOF)
        return 0;
    sl_cli_fail_error(&err);
    return sl_cli_exit_code(st);
}

/* JSON text naming the inputs, for the "sluice.lineage" metadata. */
static char *lineage_json(char **inputs, int n)
{
    size_t cap = 64;
    for (int i = 0; i < n; i++)
        cap += strlen(inputs[i]) * 6 + 64;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t k = (size_t)snprintf(s, cap, "{\"tool\":\"sluice convert %s\",\"inputs\":[", SL_VERSION);
    for (int i = 0; i < n; i++) {
        struct stat sb;
        long long size = stat(inputs[i], &sb) == 0 ? (long long)sb.st_size : -1;
        k += (size_t)snprintf(s + k, cap - k, "%s{\"name\":\"", i ? "," : "");
        for (const char *p = inputs[i]; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (c == '"' || c == '\\')
                k += (size_t)snprintf(s + k, cap - k, "\\%c", c);
            else if (c < 0x20)
                k += (size_t)snprintf(s + k, cap - k, "\\u%04x", c);
            else
                s[k++] = (char)c;
        }
        k += (size_t)snprintf(s + k, cap - k, "\",\"bytes\":%lld}", size);
    }
    snprintf(s + k, cap - k, "]}");
    return s;
}

static int to_parquet(char **inputs, int ninputs, const convert_args *a)
{
    sl_norm_options no;
    sl_norm_options_init(&no);
    if (a->compression && sl_pq_codec_parse(a->compression, &no.writer.codec)) {
        sl_cli_fail("convert", "unknown compression '%s' (zstd, snappy, gzip, lz4_raw, none)",
                    a->compression);
        return SL_EXIT_USAGE;
    }
    if (a->row_group_size)
        no.writer.row_group_rows = a->row_group_size;
    if (a->row_group_bytes)
        no.writer.row_group_bytes = a->row_group_bytes;
    if (a->page_version) {
        if (a->page_version != 1 && a->page_version != 2) {
            sl_cli_fail("convert", "--page-version must be 1 or 2");
            return SL_EXIT_USAGE;
        }
        no.writer.page_version = (uint8_t)a->page_version;
    }
    if (a->no_dictionary)
        no.writer.dictionary = false;
    if (a->infer_window)
        no.window_bytes = a->infer_window;

    bool single = ends_with(a->out, ".parquet");
    char table[256];
    if (a->table)
        snprintf(table, sizeof table, "%s", a->table);
    else if (a->documents)
        snprintf(table, sizeof table, "_documents");
    else
        stem(single ? a->out : inputs[0], table, sizeof table);
    no.root_table = table;
    no.documents = a->documents;

    /* Parts are written next to OUT, so publishing is a rename on one filesystem. */
    char outdir[PATH_MAX], tmpdir[PATH_MAX + 32];
    snprintf(outdir, sizeof outdir, "%s", a->out);
    char *slash = strrchr(outdir, '/');
    if (single) {
        if (slash)
            *slash = '\0';
        else
            snprintf(outdir, sizeof outdir, ".");
    } else if (mkdir(a->out, 0777) != 0 && errno != EEXIST) {
        sl_cli_fail(a->out, "cannot create directory: %s", strerror(errno));
        return SL_EXIT_USAGE;
    }
    snprintf(tmpdir, sizeof tmpdir, "%s/.sluice-tmp-XXXXXX", outdir);
    if (!mkdtemp(tmpdir)) {
        sl_cli_fail(outdir, "cannot create a temporary directory: %s", strerror(errno));
        return SL_EXIT_USAGE;
    }
    no.tmp_dir = tmpdir;
    char *lineage = lineage_json(inputs, ninputs);
    no.lineage = lineage;

    int rc = 0;
    sl_error err;
    sl_error_clear(&err);
    sl_normalizer *nz = NULL;
    sl_status st = sl_norm_open(&no, &nz, &err);
    if (st) {
        sl_cli_fail_error(&err);
        rc = SL_EXIT_USAGE;
        goto done;
    }
    for (int i = 0; i < ninputs && !rc; i++)
        rc = is_csv(inputs[i]) ? feed_csv(nz, inputs[i], a) : feed_json(nz, inputs[i], a);
    if (rc)
        goto done;
    if ((st = sl_norm_finish(nz, &err))) {
        sl_cli_fail_error(&err);
        rc = sl_cli_exit_code(st);
        goto done;
    }
    size_t nt = sl_norm_num_tables(nz);
    if (single && nt > 1) {
        /* More than one table: OUT.parquet cannot hold them; use OUT without the
         * extension as the directory, and say so. */
        sl_cli_fail("convert", "the input holds %zu tables; '%s' names one file: give a directory instead",
                    nt, a->out);
        rc = SL_EXIT_USAGE;
        goto done;
    }
    for (size_t t = 0; t < nt && !rc; t++) {
        char dest[PATH_MAX + 300], staged[PATH_MAX + 300];
        if (single)
            snprintf(dest, sizeof dest, "%s", a->out);
        else
            snprintf(dest, sizeof dest, "%s/%s.parquet", a->out, sl_norm_table_name(nz, t));
        /* publish into the temporary directory, then rename: a reader never sees a
         * half-written file */
        snprintf(staged, sizeof staged, "%s/publish-%zu.parquet", tmpdir, t);
        if ((st = sl_norm_publish(nz, t, staged, &err))) {
            sl_cli_fail_error(&err);
            rc = sl_cli_exit_code(st);
        } else if (rename(staged, dest) != 0) {
            sl_cli_fail(dest, "cannot move into place: %s", strerror(errno));
            rc = SL_EXIT_USAGE;
        } else if (!a->quiet && isatty(2)) {
            fprintf(stderr, "%s: %llu rows, %zu columns\n", dest,
                    (unsigned long long)sl_norm_table_rows(nz, t), sl_norm_table_num_columns(nz, t));
        }
    }
done:
    sl_norm_free(nz);
    rmdir(tmpdir);
    free(lineage);
    return rc;
}

/* ------------------------------------------------------------ Parquet in */

static int from_parquet(char **inputs, int ninputs, const convert_args *a)
{
    bool csv = ends_with(a->out, ".csv");
    if (csv && ninputs > 1) {
        sl_cli_fail("convert", "CSV output takes one Parquet input (each has its own header)");
        return SL_EXIT_USAGE;
    }
    FILE *f = strcmp(a->out, "-") == 0 ? stdout : fopen(a->out, "w");
    if (!f) {
        sl_cli_fail(a->out, "cannot create: %s", strerror(errno));
        return SL_EXIT_USAGE;
    }
    int rc = 0;
    for (int i = 0; i < ninputs && !rc; i++) {
        sl_error err;
        sl_error_clear(&err);
        sl_pq_reader *r;
        sl_status st = sl_pq_reader_open(inputs[i], &r, &err);
        if (!st)
            st = csv ? sl_pq_reader_write_csv(r, f, UINT64_MAX, &err)
                     : sl_pq_reader_write_ndjson(r, f, UINT64_MAX, &err);
        sl_pq_reader_free(r);
        if (st) {
            rc = sl_cli_report(&err, inputs[i], st);
        }
    }
    if (fflush(f) != 0 || ferror(f)) {
        sl_cli_fail(a->out, "write failed: %s", strerror(errno));
        rc = rc ? rc : SL_EXIT_USAGE;
    }
    if (f != stdout)
        fclose(f);
    if (rc && f != stdout)
        remove(a->out);
    return rc;
}

int cmd_convert(int argc, char **argv)
{
    convert_args a = {0};
    const sl_option opts[] = {
        {"output", 'o', SL_OPT_STRING, &a.out, "OUT", "output file or directory (required)"},
        {"compression", 0, SL_OPT_STRING, &a.compression, "C",
         "zstd (default), snappy, gzip, lz4_raw or none"},
        {"row-group-size", 0, SL_OPT_U64, &a.row_group_size, "N", "rows per row group (default 1048576)"},
        {"row-group-bytes", 0, SL_OPT_U64, &a.row_group_bytes, "N",
         "buffered bytes per row group (default 29360128)"},
        {"page-version", 0, SL_OPT_INT, &a.page_version, "1|2", "data page version (default 1)"},
        {"no-dictionary", 0, SL_OPT_FLAG, &a.no_dictionary, NULL, "PLAIN encoding only"},
        {"table", 0, SL_OPT_STRING, &a.table, "NAME", "name of the root table (default: from OUT or INPUT)"},
        {"max-depth", 0, SL_OPT_U64, &a.max_depth, "N", "JSON nesting limit (default 1000)"},
        {"max-record-size", 0, SL_OPT_U64, &a.max_record_size, "BYTES",
         "largest record or row (default 268435456)"},
        {"max-decompressed-size", 0, SL_OPT_U64, &a.max_decompressed_size, "BYTES",
         "stop a compressed input past this size (default unlimited)"},
        {"documents", 0, SL_OPT_FLAG, &a.documents, NULL,
         "inputs are job-result documents: top-level arrays of objects become tables"},
        {"threads", 'j', SL_OPT_INT, &a.threads, "N",
         "threads parsing JSON (default: one per core, at most 8; 1: no other thread)"},
        {"part-size", 0, SL_OPT_U64, &a.part_size, "BYTES",
         "JSON input each thread takes at a time (default 262144)"},
        {"infer-window", 0, SL_OPT_U64, &a.infer_window, "BYTES",
         "records that only feed type inference before rows are written (default 4194304)"},
        {"quiet", 'q', SL_OPT_FLAG, &a.quiet, NULL, "print nothing on success"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    int nargs;
    bool help;
    int rc = sl_cli_parse(argc, argv, opts, usage, description, &nargs, &help);
    if (rc >= 0)
        return rc;
    if (nargs == 0 || !a.out) {
        sl_cli_fail("convert", "need at least one INPUT and -o OUT (see --help)");
        return SL_EXIT_USAGE;
    }
    if (a.threads < 0 || a.threads > 256 || (a.part_size && a.part_size < 64) ||
        a.part_size > ((uint64_t)1 << 30)) {
        sl_cli_fail("convert", "--threads is 0 to 256, --part-size 64 bytes to 1 GiB");
        return SL_EXIT_USAGE;
    }
    bool pq_in = ends_with(argv[0], ".parquet");
    for (int i = 1; i < nargs; i++) {
        if (ends_with(argv[i], ".parquet") != pq_in) {
            sl_cli_fail("convert", "cannot mix Parquet and JSON/CSV inputs");
            return SL_EXIT_USAGE;
        }
    }
    if (pq_in) {
        if (ends_with(a.out, ".parquet")) {
            sl_cli_fail("convert", "Parquet to Parquet is not a conversion; name an .ndjson or .csv output");
            return SL_EXIT_USAGE;
        }
        return from_parquet(argv, nargs, &a);
    }
    return to_parquet(argv, nargs, &a);
}
