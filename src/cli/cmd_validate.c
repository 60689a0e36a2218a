/* sluice validate: data quality checks over a directory of Parquet tables, with
 * reports, and an exit code CI can gate on. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sluice/validate.h"

static const char usage[] =
    "sluice validate --output-dir D [--report-file F] [--schema S] [--rules FILE] [--strict]";
static const char description[] =
    "Checks the tables of D: D/<table>.parquet files, and D/<table>/ directories of Parquet\n"
    "files (as sync --target-size writes them), written by sluice or by anyone else.\n"
    "\n"
    "Rules: the sluice schema in the files' metadata (\"sluice.schema\"), or --schema (a\n"
    "built-in name such as school, or a schema file), plus --rules (JSON or YAML: per table\n"
    "primary_key; per column not_null, unique, min, max, values, pattern, references, type,\n"
    "severity error|warning; see sluice(1)). Without them, conventions: a column\n"
    "<singular>_id (or id) is a table's key, and a column named like another table's key a\n"
    "foreign key.\n"
    "\n"
    "Checks, each with its failing rows counted and a few of them shown: duplicate_rows\n"
    "(extra exact copies), conflicting_duplicates (extra rows repeating a key with other\n"
    "content), null_required, type_mismatch, out_of_range (min/max and enums),\n"
    "pattern_mismatch, duplicate_values (unique columns), missing_column, orphan_refs\n"
    "(foreign keys; undeclared ones whose values all match a key are reported as\n"
    "discovered, with coverage), sync_orphans (rows sync holds back past its orphan age).\n"
    "With the school schema: age_year_mismatch (age - year must be 5 or 6),\n"
    "over_capacity (a class with more enrollments than its capacity),\n"
    "over_enrollment_limit (a student in more than --max-enrollments classes). A row\n"
    "repeating an earlier row's key counts once, as a duplicate, and takes no part in\n"
    "foreign key and school checks.\n"
    "\n"
    "Profiles per column: rows, nulls, distinct (HyperLogLog), min, max, mean, quantiles,\n"
    "top values, from mergeable sketches saved per file under D/_sluice/validate/; a file\n"
    "unchanged since (same path, size, inode, mtime) is not profiled again, its columns\n"
    "read only where a check needs them. Drift is measured against the profile of the last\n"
    "run that found nothing (none on a first run; a fixed run is compared with good data,\n"
    "not with the broken run before it), and reported as warnings; --accept-baseline makes\n"
    "a run's profile the new baseline when a change is meant.\n"
    "\n"
    "Score: per dimension (completeness, validity, uniqueness, integrity, consistency)\n"
    "100 x (1 - failing rows / rows checked) over its checks, and overall.\n"
    "\n"
    "Reports: D/data_quality_report.json (or --report-file), D/QUALITY_REPORT.md,\n"
    "D/quality_report.html (self-contained). One line on stderr says the verdict.\n"
    "\n"
    "Exit status: 0 every check passed, 1 a check failed (a warning only with --strict),\n"
    "2 usage or I/O error, 3 a Parquet file the reader rejects (the message names it).";

int cmd_validate(int argc, char **argv)
{
    sl_validate_options o;
    sl_validate_options_init(&o);
    const char *out = NULL, *report = NULL, *schema = NULL, *rules = NULL;
    bool strict = false, no_state = false, quiet = false, accept = false;
    uint64_t max_enr = 0, samples = 5;
    int threads = 0;
    sl_option opts[] = {
        {"output-dir", 'o', SL_OPT_STRING, &out, "D", "the directory of tables to validate (required)"},
        {"report-file", 0, SL_OPT_STRING, &report, "F", "write the JSON report to F (default D/data_quality_report.json)"},
        {"schema", 0, SL_OPT_STRING, &schema, "S", "rules from schema S (built-in name or file), not the files' own"},
        {"rules", 0, SL_OPT_STRING, &rules, "FILE", "more rules, JSON or YAML (see sluice(1))"},
        {"strict", 0, SL_OPT_FLAG, &strict, NULL, "failed warnings (and drift) fail the run too"},
        {"max-enrollments", 0, SL_OPT_U64, &max_enr, "N", "school: classes per student at most (default 5)"},
        {"samples", 0, SL_OPT_U64, &samples, "N", "failing rows shown per check (default 5, at most 100)"},
        {"threads", 0, SL_OPT_INT, &threads, "N", "threads scanning the tables (default: the cores)"},
        {"accept-baseline", 0, SL_OPT_FLAG, &accept, NULL, "this run's profile becomes the drift baseline"},
        {"no-state", 0, SL_OPT_FLAG, &no_state, NULL, "neither read nor write D/_sluice/validate/"},
        {"quiet", 'q', SL_OPT_FLAG, &quiet, NULL, "no verdict line on stderr"},
        {NULL, 0, 0, NULL, NULL, NULL},
    };
    int nargs;
    bool help;
    int rc = sl_cli_parse(argc, argv, opts, usage, description, &nargs, &help);
    if (rc >= 0)
        return rc;
    if (nargs) {
        sl_cli_fail("validate", "unexpected argument '%s' (see --help)", argv[0]);
        return SL_EXIT_USAGE;
    }
    if (!out) {
        sl_cli_fail("validate", "--output-dir is required (see --help)");
        return SL_EXIT_USAGE;
    }
    if (samples > 100 || threads < 0 || max_enr > INT64_MAX) {
        sl_cli_fail("validate", "--samples is at most 100, --threads at least 0");
        return SL_EXIT_USAGE;
    }
    o.output_dir = out;
    o.report_file = report;
    o.schema = schema;
    o.rules = rules;
    o.strict = strict;
    o.max_enrollments = (int64_t)max_enr;
    o.samples = (uint32_t)samples;
    o.threads = threads;
    o.no_state = no_state;
    o.accept_baseline = accept;
    sl_validate_summary sum;
    sl_error err;
    sl_status st = sl_validate_run(&o, &sum, &err);
    if (st)
        return sl_cli_report(&err, out, st);
    if (!quiet)
        fprintf(stderr,
                "sluice: validate: %s: %llu tables, %llu rows, %llu checks, %llu failed, %llu warnings, "
                "score %.2f, %.3f s\n",
                sum.passed ? "passed" : "FAILED", (unsigned long long)sum.tables, (unsigned long long)sum.rows,
                (unsigned long long)sum.checks, (unsigned long long)sum.failed, (unsigned long long)sum.warnings,
                sum.score, sum.seconds);
    return sum.passed ? SL_EXIT_OK : SL_EXIT_FAILED;
}
