/* Option parsing and error printing for the subcommands (see cli.h). */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sl_cli_exit_code(sl_status s)
{
    switch (s) {
    case SL_OK:
    case SL_EOF:
        return SL_EXIT_OK;
    case SL_ERR_JSON:
    case SL_ERR_CORRUPT:
    case SL_ERR_LIMIT:
    case SL_ERR_CSV:
        return SL_EXIT_CORRUPT;
    default:
        return SL_EXIT_USAGE;
    }
}

void sl_cli_fail(const char *what, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "sluice: %s: ", what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void sl_cli_fail_error(const sl_error *err)
{
    char msg[1280];
    fprintf(stderr, "sluice: %s\n", sl_error_format(err, msg, sizeof msg));
}

int sl_cli_report(sl_error *err, const char *path, sl_status st)
{
    if (!err->file[0])
        sl_error_set_file(err, path);
    if (!err->code)
        sl_error_set(err, st, "%s", sl_strerror(st));
    sl_cli_fail_error(err);
    return sl_cli_exit_code(st);
}

void sl_cli_print_options(const sl_option *opts)
{
    for (const sl_option *o = opts; o->name; o++) {
        char left[64];
        int n;
        if (o->short_name)
            n = snprintf(left, sizeof left, "-%c, --%s", o->short_name, o->name);
        else
            n = snprintf(left, sizeof left, "    --%s", o->name);
        if (o->arg && n > 0 && (size_t)n < sizeof left)
            snprintf(left + n, sizeof left - (size_t)n, " %s", o->arg);
        printf("  %-28s %s\n", left, o->help);
    }
    printf("  %-28s %s\n", "-h, --help", "show this help");
}

static const sl_option *find_long(const sl_option *opts, const char *name, size_t len)
{
    for (const sl_option *o = opts; o->name; o++)
        if (strlen(o->name) == len && memcmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static const sl_option *find_short(const sl_option *opts, char c)
{
    for (const sl_option *o = opts; o->name; o++)
        if (o->short_name == c)
            return o;
    return NULL;
}

static int set_value(const sl_option *o, const char *val)
{
    char *end;
    switch (o->kind) {
    case SL_OPT_FLAG:
        *(bool *)o->value = true;
        return 0;
    case SL_OPT_STRING:
        *(const char **)o->value = val;
        return 0;
    case SL_OPT_U64: {
        if (!*val || *val == '-')
            break;
        errno = 0;
        unsigned long long v = strtoull(val, &end, 10);
        if (errno || *end)
            break;
        *(uint64_t *)o->value = v;
        return 0;
    }
    case SL_OPT_INT: {
        errno = 0;
        long v = strtol(val, &end, 10);
        if (errno || *end || !*val || v < -2147483647L || v > 2147483647L)
            break;
        *(int *)o->value = (int)v;
        return 0;
    }
    }
    sl_cli_fail("usage", "option '--%s' expects %s, got '%s'", o->name,
                o->arg ? o->arg : "a value", val);
    return SL_EXIT_USAGE;
}

int sl_cli_parse(int argc, char **argv, const sl_option *opts, const char *usage,
                 const char *description, int *nargs, bool *help)
{
    int n = 0;
    bool only_args = false;
    *help = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_args || a[0] != '-' || a[1] == '\0') {
            argv[n++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_args = true;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("usage: %s\n\n%s\n\noptions:\n", usage, description);
            sl_cli_print_options(opts);
            *help = true;
            return 0;
        }
        const sl_option *o;
        const char *val = NULL;
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            o = find_long(opts, name, len);
            if (!o) {
                sl_cli_fail("usage", "unknown option '--%.*s' (see --help)", (int)len, name);
                return SL_EXIT_USAGE;
            }
            if (eq) {
                if (o->kind == SL_OPT_FLAG) {
                    sl_cli_fail("usage", "option '--%s' takes no value", o->name);
                    return SL_EXIT_USAGE;
                }
                val = eq + 1;
            }
        } else {
            o = find_short(opts, a[1]);
            if (!o || a[2]) {
                sl_cli_fail("usage", "unknown option '%s' (see --help)", a);
                return SL_EXIT_USAGE;
            }
        }
        if (o->kind != SL_OPT_FLAG && !val) {
            if (i + 1 >= argc) {
                sl_cli_fail("usage", "option '--%s' needs %s", o->name, o->arg ? o->arg : "a value");
                return SL_EXIT_USAGE;
            }
            val = argv[++i];
        }
        int rc = set_value(o, val);
        if (rc)
            return rc;
    }
    *nargs = n;
    return -1;
}

int sl_cli_number(const char *opt, const char *s, double lo, double hi, double *out)
{
    if (!s)
        return 0;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end || errno || !(d >= lo && d <= hi)) {
        sl_cli_fail(opt, "'%s' is not a number in [%g, %g]", s, lo, hi);
        return -1;
    }
    *out = d;
    return 0;
}
