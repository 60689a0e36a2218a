/* sluice schema: check and print a schema (show), and turn SQL DDL into one
 * (import-ddl). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sluice/buf.h"
#include "sluice/ddl.h"
#include "sluice/gen.h"

static const char usage[] =
    "sluice schema show NAME|FILE [--json]\n"
    "   or: sluice schema import-ddl FILE.sql [--format json|yaml] [--dialect D] [--name N] [-o FILE]";
static const char description[] =
    "show: checks a schema (a built-in name or a JSON/YAML file, docs/schema-format.md)\n"
    "and prints its tables, row counts, columns, generators, keys and constraints, or\n"
    "with --json the sluice schema JSON that Parquet outputs carry. A problem is\n"
    "reported as FILE:LINE:COLUMN: what is wrong, with exit code 2.\n"
    "\n"
    "import-ddl: reads CREATE TABLE statements (MySQL, PostgreSQL or Hive; --dialect\n"
    "auto by default) and writes a schema that `sluice generate --schema` runs, with\n"
    "generators chosen from the column types, names and CHECK constraints. SQL that\n"
    "cannot be represented is an error with its position, never skipped silently.";

static int write_out(const char *path, const sl_buf *b)
{
    FILE *f = path && strcmp(path, "-") != 0 ? fopen(path, "wb") : stdout;
    if (!f) {
        sl_cli_fail(path, "cannot create: %s", strerror(errno));
        return SL_EXIT_USAGE;
    }
    size_t n = fwrite(b->data, 1, b->len, f);
    int bad = n != b->len || (f == stdout ? fflush(f) : fclose(f)) != 0;
    if (bad) {
        sl_cli_fail(path ? path : "stdout", "cannot write: %s", strerror(errno));
        return SL_EXIT_USAGE;
    }
    return SL_EXIT_OK;
}

static int read_all(const char *path, sl_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sl_cli_fail(path, "cannot open: %s", strerror(errno));
        return SL_EXIT_USAGE;
    }
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (sl_buf_append(b, chunk, got) != SL_OK) {
            fclose(f);
            sl_cli_fail(path, "too large");
            return SL_EXIT_USAGE;
        }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        sl_cli_fail(path, "cannot read");
        return SL_EXIT_USAGE;
    }
    return SL_EXIT_OK;
}

static int schema_show(int argc, char **argv)
{
    bool json = false;
    const sl_option opts[] = {
        {"json", 0, SL_OPT_FLAG, &json, NULL, "print the sluice schema JSON instead"},
        {0},
    };
    int nargs;
    bool help;
    int rc = sl_cli_parse(argc, argv, opts, usage, description, &nargs, &help);
    if (rc >= 0)
        return rc;
    if (nargs != 1) {
        sl_cli_fail("schema show", "expected one schema name or file");
        return SL_EXIT_USAGE;
    }
    sl_error err;
    sl_error_clear(&err);
    sl_gen_schema *s;
    sl_status st = sl_gen_schema_load(argv[0], NULL, 0, &s, &err);
    if (st != SL_OK)
        return sl_cli_report(&err, argv[0], st);
    sl_buf b;
    sl_buf_init(&b, 0);
    st = json ? sl_gen_schema_to_json(s, &b) : sl_gen_schema_describe(s, &b);
    if (st == SL_OK && json)
        st = sl_buf_putc(&b, '\n');
    sl_gen_schema_free(s);
    rc = st == SL_OK ? write_out(NULL, &b) : (sl_cli_fail("schema show", "out of memory"), SL_EXIT_USAGE);
    sl_buf_free(&b);
    return rc;
}

static int schema_import(int argc, char **argv)
{
    const char *format = "json", *dialect = "auto", *name = NULL, *output = NULL;
    const sl_option opts[] = {
        {"format", 'f', SL_OPT_STRING, &format, "json|yaml", "schema file format (default json)"},
        {"dialect", 0, SL_OPT_STRING, &dialect, "D", "auto (default), mysql, postgres, hive"},
        {"name", 0, SL_OPT_STRING, &name, "NAME", "the schema's name (default: the file's stem)"},
        {"output", 'o', SL_OPT_STRING, &output, "FILE", "write here instead of stdout"},
        {0},
    };
    int nargs;
    bool help;
    int rc = sl_cli_parse(argc, argv, opts, usage, description, &nargs, &help);
    if (rc >= 0)
        return rc;
    if (nargs != 1) {
        sl_cli_fail("schema import-ddl", "expected one SQL file");
        return SL_EXIT_USAGE;
    }
    sl_ddl_format fmt;
    if (strcmp(format, "json") == 0)
        fmt = SL_DDL_JSON;
    else if (strcmp(format, "yaml") == 0)
        fmt = SL_DDL_YAML;
    else {
        sl_cli_fail("--format", "'%s' is not json or yaml", format);
        return SL_EXIT_USAGE;
    }
    static const struct { const char *n; sl_ddl_dialect d; } dl[] = {
        {"auto", SL_DDL_AUTO}, {"mysql", SL_DDL_MYSQL}, {"postgres", SL_DDL_POSTGRES},
        {"postgresql", SL_DDL_POSTGRES}, {"hive", SL_DDL_HIVE}};
    size_t k = 0;
    while (k < sizeof dl / sizeof dl[0] && strcmp(dl[k].n, dialect) != 0)
        k++;
    if (k == sizeof dl / sizeof dl[0]) {
        sl_cli_fail("--dialect", "'%s' is not auto, mysql, postgres or hive", dialect);
        return SL_EXIT_USAGE;
    }
    char stem[256];
    if (!name) {
        const char *base = strrchr(argv[0], '/');
        base = base ? base + 1 : argv[0];
        snprintf(stem, sizeof stem, "%s", base);
        char *dot = strchr(stem, '.');
        if (dot && dot != stem)
            *dot = 0;
        name = stem;
    }
    sl_buf src, out;
    sl_buf_init(&src, (size_t)256 << 20);
    sl_buf_init(&out, 0);
    rc = read_all(argv[0], &src);
    if (rc == SL_EXIT_OK) {
        sl_error err;
        sl_error_clear(&err);
        sl_status st = sl_ddl_import((const char *)src.data, src.len, argv[0], name, dl[k].d, fmt,
                                     &out, &err);
        rc = st == SL_OK ? write_out(output, &out) : sl_cli_report(&err, argv[0], st);
    }
    sl_buf_free(&src);
    sl_buf_free(&out);
    return rc;
}

int cmd_schema(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "show") == 0)
        return schema_show(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "import-ddl") == 0)
        return schema_import(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: %s\n\n%s\n", usage, description);
        return SL_EXIT_OK;
    }
    sl_cli_fail("schema", "expected a subcommand: show or import-ddl (see sluice schema --help)");
    return SL_EXIT_USAGE;
}
