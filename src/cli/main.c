/* sluice: the command line. One file per subcommand (cmd_<name>.c); this file
 * holds the table of commands and dispatches to them, git style. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const sl_command commands[] = {
    {"convert", cmd_convert, "convert JSON, NDJSON or CSV to Parquet, and Parquet to NDJSON or CSV"},
    {"inspect", cmd_inspect, "show a Parquet file's schema, metadata and rows, or check a JSON file"},
    {"generate", cmd_generate, "synthetic data from a schema: tables or job-result documents"},
    {"ingest", cmd_ingest, "watch a directory and commit JSON results to raw Parquet parts, exactly once"},
    {"sync", cmd_sync, "publish committed raw parts into final tables: compaction, de-duplication, integrity gate"},
    {"simulate", cmd_simulate, "run an HTCondor-like pool of generator jobs with ingest and sync beside it"},
    {"demo", cmd_demo, "the whole pipeline end to end in one directory, with a report and an executive summary"},
    {"clean", cmd_clean, "remove the inputs, outputs and state sluice made in a demo or pipeline directory"},
    {"docs", cmd_docs, "document a directory of Parquet tables: statistics, relationships, ER diagram, DDL"},
    {"validate", cmd_validate, "check a directory of Parquet tables: keys, nulls, ranges, foreign keys, profiles; reports"},
    {"schema", cmd_schema, "check and show a schema, or import one from SQL DDL"},
    {"help", cmd_help, "show help for sluice or for one command"},
    {"version", cmd_version, "print the version"},
};

static const sl_command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: sluice <command> [options] [args]\n\n"
               "sluice turns streams of JSON result files into clean, relational Parquet.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'sluice help <command>' or 'sluice <command> --help' shows a command's options.\n"
               "Exit codes: 0 success, 1 checks failed or inputs rejected, 2 usage or I/O error,\n"
               "3 corrupt input.\n");
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return SL_EXIT_OK;
    }
    const sl_command *c = find_command(argv[1]);
    if (!c || c->run == cmd_help || c->run == cmd_version) {
        if (c) {
            printf("usage: sluice %s\n\n%s\n", c->name, c->summary);
            return SL_EXIT_OK;
        }
        sl_cli_fail("help", "'%s' is not a sluice command", argv[1]);
        return SL_EXIT_USAGE;
    }
    char *sub[] = {argv[1], "--help", NULL};
    return c->run(2, sub);
}

static int cmd_version(int argc, char **argv)
{
    printf("sluice %s\n", SL_VERSION);
    return SL_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        return cmd_help(1, argv);
    if (strcmp(name, "--version") == 0)
        return cmd_version(1, argv);
    const sl_command *c = find_command(name);
    if (!c) {
        sl_cli_fail(name, "not a sluice command (see 'sluice help')");
        return SL_EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
