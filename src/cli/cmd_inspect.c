/* sluice inspect: a Parquet file's schema, row groups, statistics, metadata and
 * rows; or whether a JSON/CSV file is valid, and the tables inferred from it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#include "sluice/buf.h"

static const char usage[] = "sluice inspect FILE [--head N | --cat]";
static const char description[] =
    "For a Parquet file: the schema, row groups, codecs, encodings, statistics and\n"
    "key-value metadata; with --head N or --cat, the rows as NDJSON instead.\n"
    "For JSON (or CSV): parses every record; exit 0 and prints the inferred tables\n"
    "when it is valid, or the first error with its line, column and byte offset and\n"
    "exit 3.";

static bool is_parquet(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char magic[4] = {0};
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    return n == 4 && memcmp(magic, "PAR1", 4) == 0;
}

static void print_type(const sl_pq_column *c)
{
    char t[64];
    switch (c->type) {
    case SL_PQ_DECIMAL:
        snprintf(t, sizeof t, "decimal(%d,%d)", c->precision, c->scale);
        break;
    case SL_PQ_TIMESTAMP:
        snprintf(t, sizeof t, "timestamp(%s%s)",
                 c->time_unit == SL_PQ_MILLIS ? "ms" : c->time_unit == SL_PQ_NANOS ? "ns" : "us",
                 c->utc ? ", utc" : "");
        break;
    default:
        snprintf(t, sizeof t, "%s", sl_pq_type_name(c->type));
    }
    if (c->list)
        printf("list<%s%s>", t, c->element_optional ? "" : " not null");
    else
        printf("%s", t);
    printf("%s", c->optional ? "" : " not null");
}

static void print_encodings(uint32_t mask)
{
    static const char *names[] = {"PLAIN", "?", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
                                  "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY",
                                  "DELTA_BYTE_ARRAY", "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
    bool first = true;
    for (unsigned i = 0; i < 10; i++) {
        if (mask & (1u << i)) {
            printf("%s%s", first ? "" : ",", names[i]);
            first = false;
        }
    }
}

static int inspect_parquet(const char *path, bool cat, uint64_t head)
{
    sl_error err;
    sl_error_clear(&err);
    sl_pq_reader *r;
    sl_status st = sl_pq_reader_open(path, &r, &err);
    if (st) {
        return sl_cli_report(&err, path, st);
    }
    if (cat || head) {
        st = sl_pq_reader_write_ndjson(r, stdout, cat ? UINT64_MAX : head, &err);
        sl_pq_reader_free(r);
        fflush(stdout);
        if (st) {
            return sl_cli_report(&err, path, st);
        }
        return SL_EXIT_OK;
    }
    size_t nc = sl_pq_reader_num_columns(r), nrg = sl_pq_reader_num_row_groups(r);
    printf("file: %s\n", path);
    printf("created_by: %s\n", sl_pq_reader_created_by(r));
    printf("rows: %" PRIu64 "\nrow_groups: %zu\ncolumns: %zu\n", sl_pq_reader_num_rows(r), nrg, nc);
    printf("\nschema:\n");
    for (size_t i = 0; i < nc; i++) {
        const sl_pq_column *c = sl_pq_reader_column(r, i);
        printf("  %-32s ", c->name);
        print_type(c);
        printf("\n");
    }
    sl_buf b;
    sl_buf_init(&b, 0);
    for (size_t rg = 0; rg < nrg; rg++) {
        printf("\nrow group %zu: %" PRIu64 " rows\n", rg, sl_pq_reader_row_group_rows(r, rg));
        for (size_t i = 0; i < nc; i++) {
            const sl_pq_chunk_info *ci = sl_pq_reader_chunk(r, rg, i);
            const sl_pq_column *c = sl_pq_reader_column(r, i);
            printf("  %-32s %s ", c->name, sl_pq_codec_name(ci->codec));
            print_encodings(ci->encodings);
            printf(" values=%" PRIu64 " size=%" PRIu64 "/%" PRIu64, ci->num_values,
                   ci->compressed_size, ci->uncompressed_size);
            if (ci->has_null_count)
                printf(" nulls=%" PRId64, ci->null_count);
            if (ci->has_min_max) {
                sl_buf_clear(&b);
                sl_pq_format_stat(c, ci->min, ci->min_len, &b);
                printf(" min=%.*s", (int)b.len, (const char *)b.data);
                sl_buf_clear(&b);
                sl_pq_format_stat(c, ci->max, ci->max_len, &b);
                printf(" max=%.*s", (int)b.len, (const char *)b.data);
            }
            printf("\n");
        }
    }
    sl_buf_free(&b);
    size_t nkv = sl_pq_reader_num_kv(r);
    if (nkv)
        printf("\nkey_value_metadata:\n");
    for (size_t i = 0; i < nkv; i++) {
        const char *k, *v;
        sl_pq_reader_kv(r, i, &k, &v);
        printf("  %s: %s\n", k, v);
    }
    sl_pq_reader_free(r);
    return SL_EXIT_OK;
}

static int inspect_json(const char *path, int threads, size_t part_size)
{
    bool csv = strlen(path) > 4 && (strstr(path, ".csv") || strstr(path, ".tsv"));
    sl_norm_options no;
    sl_norm_options_init(&no);
    no.root_table = "data";
    no.infer_only = true; /* tables and types only: nothing is written */
    sl_error err;
    sl_error_clear(&err);
    sl_normalizer *nz;
    sl_status st = sl_norm_open(&no, &nz, &err);
    uint64_t records = 0, dups = 0, bytes = 0;
    const sl_json_value *v;
    if (!st && csv) {
        sl_csv_reader *cr;
        st = sl_csv_reader_open(path, NULL, &cr, &err);
        while (!st && (st = sl_csv_reader_next(cr, &v, &err)) == SL_OK && !(st = sl_norm_add(nz, v, &err)))
            records++;
        sl_csv_reader_free(cr);
    } else if (!st) {
        /* Parsed on every core: records that fit the types seen so far are only
         * counted by the other threads (see sl_norm_feed_json). */
        sl_norm_feed_options fo;
        sl_norm_feed_options_init(&fo);
        fo.threads = (unsigned)threads;
        fo.part_size = part_size;
        sl_norm_feed_stats fs;
        st = sl_norm_feed_json(nz, path, &fo, &fs, &err);
        if (!st)
            st = SL_EOF;
        records = fs.records;
        dups = fs.duplicate_keys;
        bytes = fs.bytes;
    }
    if (st != SL_EOF) {
        sl_norm_free(nz);
        return sl_cli_report(&err, path, st);
    }
    sl_norm_finish(nz, &err);
    printf("%s: valid %s, %" PRIu64 " records", path, csv ? "CSV" : "JSON", records);
    if (!csv)
        printf(", %" PRIu64 " bytes, %" PRIu64 " duplicate keys (last one wins)", bytes, dups);
    printf("\n");
    for (size_t t = 0; t < sl_norm_num_tables(nz); t++) {
        printf("\ntable %s: %" PRIu64 " rows\n", sl_norm_table_name(nz, t), sl_norm_table_rows(nz, t));
        for (size_t c = 0; c < sl_norm_table_num_columns(nz, t); c++) {
            sl_pq_column col;
            sl_norm_table_column(nz, t, c, &col);
            printf("  %-32s ", col.name);
            print_type(&col);
            printf("\n");
        }
    }
    sl_norm_free(nz);
    return SL_EXIT_OK;
}

int cmd_inspect(int argc, char **argv)
{
    uint64_t head = 0;
    bool cat = false;
    int threads = 0;
    uint64_t part_size = 0;
    const sl_option opts[] = {
        {"head", 'n', SL_OPT_U64, &head, "N", "print the first N rows as NDJSON"},
        {"cat", 0, SL_OPT_FLAG, &cat, NULL, "print every row as NDJSON"},
        {"threads", 'j', SL_OPT_INT, &threads, "N", "threads parsing JSON (default: one per core, at most 8)"},
        {"part-size", 0, SL_OPT_U64, &part_size, "BYTES", "JSON input each thread takes at a time (default 262144)"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    int nargs;
    bool help;
    int rc = sl_cli_parse(argc, argv, opts, usage, description, &nargs, &help);
    if (rc >= 0)
        return rc;
    if (nargs != 1) {
        sl_cli_fail("inspect", "need exactly one FILE (see --help)");
        return SL_EXIT_USAGE;
    }
    const char *path = argv[0];
    if (strcmp(path, "-") != 0 && access(path, R_OK) != 0) {
        sl_cli_fail(path, "cannot open: %s", strerror(errno));
        return SL_EXIT_USAGE;
    }
    if (strcmp(path, "-") != 0 && is_parquet(path))
        return inspect_parquet(path, cat, head);
    if (cat || head) {
        sl_cli_fail(path, "--head and --cat need a Parquet file");
        return SL_EXIT_USAGE;
    }
    if (threads < 0 || threads > 256 || (part_size && part_size < 64) || part_size > ((uint64_t)1 << 30)) {
        sl_cli_fail("inspect", "--threads is 0 to 256, --part-size 64 bytes to 1 GiB");
        return SL_EXIT_USAGE;
    }
    return inspect_json(path, threads, (size_t)part_size);
}
