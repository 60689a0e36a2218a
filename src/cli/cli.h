/* Shared pieces of the sluice command line: the subcommand signature, option
 * parsing, and the mapping from library statuses to exit codes. */
#ifndef SL_CLI_H
#define SL_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/sluice.h"

/* Exit codes (DESIGN.md section 2): stable, documented in sluice(1). */
enum {
    SL_EXIT_OK = 0,
    SL_EXIT_FAILED = 1,    /* checks failed, or some inputs rejected */
    SL_EXIT_USAGE = 2,     /* usage or I/O error */
    SL_EXIT_CORRUPT = 3    /* corrupt input */
};

/* Exit code for a library status. */
int sl_cli_exit_code(sl_status s);

/* Prints "sluice: <what>: <why>" to stderr. */
void sl_cli_fail(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints an sl_error as "sluice: FILE:LINE:COL (byte N): message". */
void sl_cli_fail_error(const sl_error *err);

/* Reports a failed status st: names path in err when the error has no file yet,
 * prints it, and returns the exit code for st. */
int sl_cli_report(sl_error *err, const char *path, sl_status st);

/* Declarative options, in the spirit of git's parse-options. */
typedef enum { SL_OPT_FLAG, SL_OPT_STRING, SL_OPT_U64, SL_OPT_INT } sl_opt_kind;

typedef struct sl_option {
    const char *name;      /* long name without "--" */
    char short_name;       /* 0 for none */
    sl_opt_kind kind;
    void *value;           /* bool*, const char**, uint64_t*, int* */
    const char *arg;       /* argument name in help ("N", "FILE"); NULL for flags */
    const char *help;
} sl_option;

/* Parses argv[1..argc) against opts. Non-option arguments are moved to the front of
 * argv and counted in *nargs. "--help"/"-h" prints usage (with the given usage line
 * and description) to stdout and returns 0 with *help set. Errors print a message
 * and return SL_EXIT_USAGE. Returns -1 when parsing succeeded. */
int sl_cli_parse(int argc, char **argv, const sl_option *opts, const char *usage,
                 const char *description, int *nargs, bool *help);

/* Parses s as a number in [lo, hi] into *out; a NULL s leaves *out alone. Prints
 * "sluice: OPT: ..." and returns -1 when s is not one, else 0. */
int sl_cli_number(const char *opt, const char *s, double lo, double hi, double *out);

/* Prints the option table (used by --help). */
void sl_cli_print_options(const sl_option *opts);

typedef struct sl_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} sl_command;

int cmd_convert(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_docs(int argc, char **argv);
int cmd_validate(int argc, char **argv);

#endif
