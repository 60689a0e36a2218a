/* Option parsing and error printing for the subcommands (see cli.h). */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/envfile.h"
#include "base/fsutil.h"

extern char **environ;

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
    printf("  %-28s %s\n", "    --config-env FILE", "read SLUICE_* settings from FILE (systemd EnvironmentFile)");
    printf("  %-28s %s\n", "-h, --help", "show this help");
    printf("\nEvery option can also be set as SLUICE_<OPTION> (SLUICE_OUTPUT_DIR=DIR, SLUICE_ONCE=true)\n"
           "or SLUICE_<COMMAND>_<OPTION> in the environment or the --config-env file\n"
           "(also named by SLUICE_CONFIG_ENV). The command line wins over the environment,\n"
           "the environment over the file, and <COMMAND>_ names over the plain ones.\n");
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

/* Sets o from val; src names where a value that is not from argv came from. */
static int set_value(const sl_option *o, const char *val, const char *src)
{
    char *end;
    switch (o->kind) {
    case SL_OPT_FLAG:
        if (!src || !strcasecmp(val, "1") || !strcasecmp(val, "true") || !strcasecmp(val, "yes") ||
            !strcasecmp(val, "on")) {
            *(bool *)o->value = true;
            return 0;
        }
        if (!*val || !strcasecmp(val, "0") || !strcasecmp(val, "false") || !strcasecmp(val, "no") ||
            !strcasecmp(val, "off")) {
            *(bool *)o->value = false;
            return 0;
        }
        break;
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
    if (src)
        sl_cli_fail("usage", "%s: option '--%s' expects %s, got '%s'", src, o->name,
                    o->kind == SL_OPT_FLAG ? "true or false" : o->arg ? o->arg : "a value", val);
    else
        sl_cli_fail("usage", "option '--%s' expects %s, got '%s'", o->name,
                    o->arg ? o->arg : "a value", val);
    return SL_EXIT_USAGE;
}

/* ------------------------------------------------ the environment and --config-env */

/* The option a SLUICE_* key names for command cmd: SLUICE_<CMD>_<OPTION> when
 * scoped, else SLUICE_<OPTION>; '_' stands for '-', case does not matter. */
static const sl_option *option_for(const sl_option *opts, const char *cmd, const char *key,
                                   size_t klen, bool scoped)
{
    if (klen <= 7 || strncmp(key, "SLUICE_", 7) != 0)
        return NULL;
    key += 7;
    klen -= 7;
    if (scoped) {
        size_t c = strlen(cmd);
        if (klen <= c + 1 || key[c] != '_')
            return NULL;
        for (size_t i = 0; i < c; i++) {
            int want = cmd[i] == '-' ? '_' : toupper((unsigned char)cmd[i]);
            if (toupper((unsigned char)key[i]) != want)
                return NULL;
        }
        key += c + 1;
        klen -= c + 1;
    }
    char name[64];
    if (klen >= sizeof name)
        return NULL;
    for (size_t i = 0; i < klen; i++)
        name[i] = key[i] == '_' ? '-' : (char)tolower((unsigned char)key[i]);
    return find_long(opts, name, klen);
}

typedef struct env_apply {
    const sl_option *opts;
    const char *cmd;
    const char *path;       /* the file, or NULL for the environment */
    bool scoped;            /* this round applies SLUICE_<CMD>_ names */
    int rc;
} env_apply;

/* Values from a file outlive its text: options point at them until exit. */
static char **kept;
static size_t nkept;

static sl_status apply_one(void *ctx, const char *key, size_t klen, const char *val, size_t vlen,
                           unsigned line)
{
    env_apply *a = ctx;
    const sl_option *o = option_for(a->opts, a->cmd, key, klen, a->scoped);
    if (!o)
        return SL_OK;   /* another command's setting, or not sluice's */
    char src[600];
    if (a->path)
        snprintf(src, sizeof src, "%s:%u: %.*s", a->path, line, (int)klen, key);
    else
        snprintf(src, sizeof src, "%.*s (environment)", (int)klen, key);
    if (a->path) {
        char **k = realloc(kept, (nkept + 1) * sizeof *k);
        char *copy = malloc(vlen + 1);
        if (!k || !copy) {
            free(copy);
            if (k)
                kept = k;
            sl_cli_fail("config-env", "out of memory");
            a->rc = SL_EXIT_USAGE;
            return SL_ERR_NOMEM;
        }
        memcpy(copy, val, vlen + 1);
        kept = k;
        kept[nkept++] = copy;
        val = copy;
    }
    if ((a->rc = set_value(o, val, src)))
        return SL_ERR_USAGE;
    return SL_OK;
}

/* Applies the file's settings, then the environment's: plain names first, then
 * the command's own, so that each overrides what came before. */
static int apply_layers(const sl_option *opts, const char *cmd, const char *file)
{
    env_apply a = {opts, cmd, NULL, false, 0};
    if (file) {
        sl_buf text;
        sl_buf_init(&text, 0);
        sl_error err;
        sl_error_clear(&err);
        sl_status st = sl_fs_read_file(file, 1 << 20, false, &text, &err);
        if (st) {
            if (!err.code)
                sl_error_set(&err, st, "cannot read '%s'", file);
            sl_cli_fail("config-env", "%s", err.msg);
            return SL_EXIT_USAGE;
        }
        a.path = file;
        for (int scoped = 0; !st && scoped < 2; scoped++) {
            a.scoped = scoped;
            st = sl_envfile_parse((const char *)text.data, text.len, file, apply_one, &a, &err);
        }
        sl_buf_free(&text);
        if (st && !a.rc) {
            sl_cli_fail_error(&err);
            return SL_EXIT_USAGE;
        }
        if (a.rc)
            return a.rc;
    }
    a.path = NULL;
    for (int scoped = 0; scoped < 2; scoped++) {
        a.scoped = scoped;
        for (char **e = environ; e && *e; e++) {
            const char *eq = strchr(*e, '=');
            if (eq && apply_one(&a, *e, (size_t)(eq - *e), eq + 1, strlen(eq + 1), 0))
                return a.rc;
        }
    }
    return 0;
}

static bool is_config_env(const char *a)
{
    return strcmp(a, "--config-env") == 0 || strncmp(a, "--config-env=", 13) == 0;
}

int sl_cli_parse(int argc, char **argv, const sl_option *opts, const char *usage,
                 const char *description, int *nargs, bool *help)
{
    int n = 0;
    bool only_args = false;
    *help = false;
    /* Settings from --config-env FILE and the environment come first, so that
     * the command line overrides them. */
    const char *file = getenv("SLUICE_CONFIG_ENV");
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            break;
        if (strcmp(argv[i], "--config-env") == 0) {
            if (i + 1 >= argc) {
                sl_cli_fail("usage", "option '--config-env' needs FILE");
                return SL_EXIT_USAGE;
            }
            file = argv[++i];
        } else if (strncmp(argv[i], "--config-env=", 13) == 0) {
            file = argv[i] + 13;
        }
    }
    bool asks_help = false;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        asks_help |= strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0;
    if (!asks_help) {
        int rc = apply_layers(opts, argv[0], file && *file ? file : NULL);
        if (rc)
            return rc;
    }
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
        if (is_config_env(a)) {
            i += strcmp(a, "--config-env") == 0;   /* its FILE was read above */
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
        int rc = set_value(o, val, NULL);
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
