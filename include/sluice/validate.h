/* Data quality validation of a directory of Parquet tables (sluice validate).
 *
 * The input is a directory D holding one table per <table>.parquet file, or per
 * directory <table>/ of Parquet files (sync --target-size writes part-NNNNN.parquet
 * there). The rules come from the sluice schema recorded in the files' key-value
 * metadata ("sluice.schema"), or from a schema named by the caller, plus a rules
 * file; without either, from the naming conventions of DESIGN.md section 3.
 *
 * A run reads every table once, column by column, checks it (keys, nulls, types,
 * ranges, enums, patterns, foreign keys, the school business rules, orphans held
 * back by sync), profiles every column with mergeable sketches, and writes three
 * reports into D: data_quality_report.json (or where the caller says),
 * QUALITY_REPORT.md and quality_report.html. Its state (the sketches of every file
 * it read, keyed by file identity, and the baseline profile for drift) lives in
 * D/_sluice/validate/. The keys of the JSON report are listed in sluice(1).
 *
 * The library never prints. */
#ifndef SLUICE_VALIDATE_H
#define SLUICE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/status.h"

typedef struct sl_validate_options {
    const char *output_dir;      /* D; required */
    const char *report_file;     /* the JSON report; NULL: D/data_quality_report.json */
    const char *schema;          /* built-in schema name or schema file; NULL: the data's */
    const char *rules;           /* rules file, JSON or YAML (sluice(1), VALIDATE); or NULL */
    bool strict;                 /* failed warnings fail the run too */
    int64_t max_enrollments;     /* school: classes per student; 0: 5 (the schema's default) */
    uint32_t samples;            /* failing rows kept per check; default 5, at most 100 */
    int threads;                 /* 0: the number of cores */
    bool no_state;               /* neither read nor write D/_sluice/validate/ */
    bool accept_baseline;        /* this run's profile becomes the drift baseline,
                                  * whatever it finds (a change that is meant) */
    int64_t now_us;              /* the time (µs since the epoch) orphans age by; 0: the clock */
} sl_validate_options;

void sl_validate_options_init(sl_validate_options *o);

typedef struct sl_validate_summary {
    uint64_t tables;
    uint64_t rows;               /* over every table */
    uint64_t checks;             /* checks run */
    uint64_t failed;             /* checks failed with severity error */
    uint64_t warnings;           /* checks failed with severity warning (drift included) */
    double score;                /* overall quality score, 0..100 */
    uint64_t files_read;         /* Parquet files whose columns were profiled this run */
    uint64_t files_reused;       /* files whose saved sketches were merged instead */
    bool passed;                 /* no failed error, and no failed warning under strict */
    double seconds;
} sl_validate_summary;

/* Validates D and writes the reports. Returns SL_OK when the run completed,
 * whatever the checks found (see sum->passed); SL_ERR_USAGE for bad options, an
 * unknown schema or a bad rules file (SL_ERR_SCHEMA, with file, line and column),
 * SL_ERR_IO when D cannot be read or a report cannot be written, SL_ERR_CORRUPT
 * (or the reader's status) when a Parquet file is rejected, with err naming it. */
sl_status sl_validate_run(const sl_validate_options *o, sl_validate_summary *sum, sl_error *err);

/* Parses a rules file from memory and checks it (the fuzz target's entry point):
 * SL_OK, or SL_ERR_SCHEMA with the position of the first problem. */
sl_status sl_validate_rules_check(const char *text, size_t len, const char *name, sl_error *err);

#endif
