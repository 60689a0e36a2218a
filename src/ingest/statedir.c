/* The state directory: its names, and its binding to one output directory (see
 * statedir.h). */
#include "ingest/statedir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "sluice/buf.h"
#include "sluice/json.h"

static const char *const area_names[SL_STATE_NAREAS] = {
    [SL_STATE_ROOT] = "",
    [SL_STATE_LEDGER] = "ledger",
    [SL_STATE_SCHEMA] = "schema",
    [SL_STATE_METRICS] = "metrics",
    [SL_STATE_WORK] = "work",
    [SL_STATE_INDEX] = "index",
    [SL_STATE_SYNC] = "sync",
};

/* Copies s into dst without its trailing slashes ("/" stays "/"). */
static sl_status trimmed(char *dst, size_t n, const char *s)
{
    size_t len = strlen(s);
    while (len > 1 && s[len - 1] == '/')
        len--;
    return sl_fs_pathf(dst, n, "%.*s", (int)len, s);
}

sl_status sl_statedir_default(sl_statedir *sd, const char *out, sl_error *err)
{
    memset(sd, 0, sizeof *sd);
    if (trimmed(sd->out, sizeof sd->out, out) ||
        sl_fs_pathf(sd->dir, sizeof sd->dir, "%s/" SL_STATE_DEFAULT, sd->out))
        return sl_error_set(err, SL_ERR_USAGE, "output directory path too long");
    return SL_OK;
}

sl_status sl_statedir_path(const sl_statedir *sd, char *buf, size_t n, sl_state_area area,
                           const char *fmt, ...)
{
    const char *a = area < SL_STATE_NAREAS ? area_names[area] : "";
    int k = snprintf(buf, n, "%s%s%s", sd->dir, *a ? "/" : "", a);
    if (k < 0 || (size_t)k >= n)
        goto cut;
    if (fmt) {
        size_t used = (size_t)k;
        if (used + 1 >= n)
            goto cut;
        buf[used++] = '/';
        va_list ap;
        va_start(ap, fmt);
        k = vsnprintf(buf + used, n - used, fmt, ap);
        va_end(ap);
        if (k < 0 || (size_t)k >= n - used)
            goto cut;
    }
    return SL_OK;
cut:
    if (n)
        buf[0] = '\0';
    return SL_ERR_USAGE;
}

sl_status sl_statedir_resolve(const sl_statedir *sd, const char *rel, char *buf, size_t n)
{
    static const char pre[] = SL_STATE_DEFAULT "/";
    if (strncmp(rel, pre, sizeof pre - 1) == 0)
        return sl_fs_pathf(buf, n, "%s/%s", sd->dir, rel + sizeof pre - 1);
    return sl_fs_pathf(buf, n, "%s/%s", sd->out, rel);
}

/* ------------------------------------------------------------ checks */

/* Whether OUT/raw/<table>/ holds a part (a name not starting with '.'). */
static bool raw_has_parts(const char *out)
{
    char raw[PATH_MAX];
    if (sl_fs_pathf(raw, sizeof raw, "%s/raw", out))
        return false;
    DIR *rd = opendir(raw);
    if (!rd)
        return false;
    bool found = false;
    struct dirent *t;
    while (!found && (t = readdir(rd))) {
        char dir[PATH_MAX];
        if (t->d_name[0] == '.' || sl_fs_pathf(dir, sizeof dir, "%s/%s", raw, t->d_name))
            continue;
        DIR *td = opendir(dir);
        if (!td)
            continue;
        struct dirent *e;
        while (!found && (e = readdir(td)))
            found = e->d_name[0] != '.';
        closedir(td);
    }
    closedir(rd);
    return found;
}

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The parts in OUT/raw/ were committed through ledgers this DIR does not have. */
static sl_status check_ledgers(const sl_statedir *sd, sl_error *err)
{
    char p[PATH_MAX];
    if (sl_statedir_path(sd, p, sizeof p, SL_STATE_LEDGER, NULL) || is_dir(p) || !raw_has_parts(sd->out))
        return SL_OK;
    char def[PATH_MAX];
    sl_error_set_file(err, sd->out);
    if (sd->custom && !sl_fs_pathf(def, sizeof def, "%s/" SL_STATE_DEFAULT "/ledger", sd->out) && is_dir(def))
        return sl_error_set(err, SL_ERR_USAGE,
                            "raw/ holds parts whose ledgers are in " SL_STATE_DEFAULT "/, not in the "
                            "state directory '%s': move it there first (mv %s/" SL_STATE_DEFAULT " %s), "
                            "or leave out --state-dir", sd->dir, sd->out, sd->dir);
    return sl_error_set(err, SL_ERR_USAGE,
                        "raw/ holds committed parts but the state directory '%s' has no ledger/: "
                        "give the --state-dir ingest used", sd->dir);
}

/* A custom DIR must not be OUT, nor a directory of OUT that ingest or sync write
 * (raw/, a table's directory, ...): only OUT/_sluice and hidden names are safe. */
static sl_status check_place(const sl_statedir *sd, const char *out_real, const char *dir_real,
                             sl_error *err)
{
    size_t n = strlen(out_real);
    bool same = strcmp(out_real, dir_real) == 0;
    if (!same && (strncmp(dir_real, out_real, n) != 0 || (dir_real[n] != '/' && strcmp(out_real, "/") != 0)))
        return SL_OK;
    const char *first = dir_real + n + (dir_real[n] == '/');
    if (!same && first[0] == '.')
        return SL_OK;
    sl_error_set_file(err, sd->dir);
    if (same)
        return sl_error_set(err, SL_ERR_USAGE, "a state directory cannot be the output directory");
    return sl_error_set(err, SL_ERR_USAGE,
                        "a state directory inside the output directory '%s' must be its "
                        SL_STATE_DEFAULT "/ or have a name starting with '.'", sd->out);
}

/* ------------------------------------------------------------ binding */

/* The two halves of a binding: DIR/output.json {"output": OUT} and
 * OUT/.sluice-state.json {"state": DIR}, both absolute (realpath). */

/* The path under key in the binding file at path, into out (n bytes): SL_EOF when
 * the file does not exist, SL_ERR_CORRUPT when it is not what claim writes. */
static sl_status read_binding(const char *path, const char *key, char *out, size_t n, sl_error *err)
{
    sl_buf b;
    sl_buf_init(&b, 0);
    sl_status st = sl_fs_read_file(path, 1 << 16, true, &b, err);
    if (st) {
        sl_buf_free(&b);
        return access(path, F_OK) != 0 && errno == ENOENT ? SL_EOF : st;
    }
    sl_json_options jo;
    sl_json_options_init(&jo);
    jo.form = SL_JSON_FORM_DOCUMENT;
    sl_json_reader *r = NULL;
    const sl_json_value *v, *o = NULL;
    st = sl_json_reader_open_mem(b.data, b.len, path, &jo, &r, NULL);
    if (!st && !(st = sl_json_reader_next(r, &v, NULL)))
        o = sl_json_get(v, key);
    if (!st && (!o || o->type != SL_JSON_STRING || !o->u.str.len || memchr(o->u.str.ptr, '\0', o->u.str.len) ||
                sl_fs_pathf(out, n, "%.*s", (int)o->u.str.len, o->u.str.ptr)))
        st = SL_ERR_CORRUPT;
    sl_json_reader_free(r);
    sl_buf_free(&b);
    if (st)
        return sl_error_set(err, SL_ERR_CORRUPT, "'%s' has no \"%s\" path (remove it to bind the "
                                                 "directories again)", path, key);
    return SL_OK;
}

/* Writes the binding file at path, {"version":1,<key>:<value>}, unless it exists:
 * link(2) of a whole, fsynced temporary file never replaces, so of two first uses
 * at once one wins and the other reads what it wrote. SL_EOF when it was there. */
static sl_status write_binding(const char *path, const char *key, const char *value, sl_error *err)
{
    sl_buf b;
    sl_buf_init(&b, 0);
    sl_status st = sl_buf_printf(&b, "{\"version\":1,\"%s\":", key);
    if (!st)
        st = sl_json_write_string(&b, value, strlen(value));
    if (!st)
        st = sl_buf_puts(&b, "}\n");
    char tmp[PATH_MAX];
    if (!st && sl_fs_pathf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()))
        st = SL_ERR_USAGE;
    if (st) {
        sl_buf_free(&b);
        return sl_error_set(err, st, "'%s': %s", path, sl_strerror(st));
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        st = sl_error_set(err, sl_fs_status(errno), "cannot create '%s': %s", tmp, strerror(errno));
    else {
        st = sl_fs_write_full(fd, b.data, b.len, tmp, err);
        if (!st && fsync(fd) != 0)
            st = sl_error_set(err, sl_fs_status(errno), "cannot fsync '%s': %s", tmp, strerror(errno));
        close(fd);
        if (!st && link(tmp, path) != 0)
            st = errno == EEXIST ? SL_EOF
                                 : sl_error_set(err, sl_fs_status(errno), "cannot create '%s': %s", path,
                                                strerror(errno));
        unlink(tmp);
    }
    sl_buf_free(&b);
    if (!st)
        st = sl_fs_sync_parent(path, err);
    return st;
}

/* The path the binding file at path holds, into bound (PATH_MAX bytes), writing
 * want there first when there is none yet. */
static sl_status claim(const char *path, const char *key, const char *want, char *bound, sl_error *err)
{
    sl_status st = read_binding(path, key, bound, PATH_MAX, err);
    if (st != SL_EOF)
        return st;
    if ((st = write_binding(path, key, want, err)) == SL_OK)
        return sl_fs_pathf(bound, PATH_MAX, "%s", want);
    return st == SL_EOF ? read_binding(path, key, bound, PATH_MAX, err)   /* another process was first */
                        : st;
}

/* Refuses a run of OUT with another state directory than the one it is kept with. */
static sl_status check_marker(const sl_statedir *sd, const char *dir_real, sl_error *err)
{
    char path[PATH_MAX], bound[PATH_MAX];
    if (sl_fs_pathf(path, sizeof path, "%s/" SL_STATE_MARKER, sd->out))
        return sl_error_set(err, SL_ERR_USAGE, "output directory path too long");
    sl_status st = read_binding(path, "state", bound, sizeof bound, err);
    if (st == SL_EOF || (!st && dir_real && strcmp(bound, dir_real) == 0))
        return SL_OK;
    if (st)
        return st;
    sl_error_set_file(err, sd->out);
    return sl_error_set(err, SL_ERR_USAGE,
                        "kept with the state directory '%s' (" SL_STATE_MARKER "), not '%s': give "
                        "the --state-dir ingest used, --state-dir %s (if that directory was moved, "
                        "remove " SL_STATE_MARKER ")", bound, sd->dir, bound);
}

/* Binds DIR and OUT to each other on their first use together. */
static sl_status bind(const sl_statedir *sd, const char *out_real, const char *dir_real, sl_error *err)
{
    char path[PATH_MAX], bound[PATH_MAX];
    if (sl_statedir_path(sd, path, sizeof path, SL_STATE_ROOT, "output.json"))
        return sl_error_set(err, SL_ERR_USAGE, "state directory path too long");
    sl_status st = claim(path, "output", out_real, bound, err);
    if (st)
        return st;
    if (strcmp(bound, out_real) != 0) {
        sl_error_set_file(err, sd->dir);
        return sl_error_set(err, SL_ERR_USAGE,
                            "state directory of the output directory '%s' (output.json), not of "
                            "'%s': give each output directory its own --state-dir", bound, out_real);
    }
    if (sl_fs_pathf(path, sizeof path, "%s/" SL_STATE_MARKER, sd->out))
        return sl_error_set(err, SL_ERR_USAGE, "output directory path too long");
    if ((st = claim(path, "state", dir_real, bound, err)))
        return st;
    return strcmp(bound, dir_real) == 0 ? SL_OK : check_marker(sd, dir_real, err);
}

sl_status sl_statedir_open(sl_statedir *sd, const char *out, const char *state_dir, sl_error *err)
{
    sl_status st = sl_statedir_default(sd, out, err);
    if (st || !state_dir || !state_dir[0])
        return st ? st : (st = check_marker(sd, NULL, err)) ? st : check_ledgers(sd, err);
    char out_real[PATH_MAX], dir_real[PATH_MAX], def_real[PATH_MAX];
    if (!realpath(sd->out, out_real))
        return sl_error_set(err, SL_ERR_IO, "output directory '%s': %s", sd->out, strerror(errno));
    if (trimmed(sd->dir, sizeof sd->dir, state_dir))
        return sl_error_set(err, SL_ERR_USAGE, "state directory path too long");
    bool existed = is_dir(sd->dir);
    if ((st = sl_fs_mkdirs(sd->dir, err)))
        return st;
    if (!realpath(sd->dir, dir_real))
        return sl_error_set(err, SL_ERR_IO, "state directory '%s': %s", sd->dir, strerror(errno));
    /* --state-dir OUT/_sluice is the default layout, under another spelling */
    if (sl_fs_pathf(def_real, sizeof def_real, "%s/" SL_STATE_DEFAULT, out_real) == SL_OK &&
        strcmp(def_real, dir_real) == 0)
        return (st = check_marker(sd, NULL, err)) ? st : check_ledgers(sd, err);
    sd->custom = true;
    if ((st = check_place(sd, out_real, dir_real, err)) || (st = check_marker(sd, dir_real, err)) ||
        (st = check_ledgers(sd, err)) || (st = bind(sd, out_real, dir_real, err))) {
        if (!existed)
            rmdir(sd->dir);   /* a refused run leaves no trace (it is empty then) */
        return st;
    }
    return SL_OK;
}

sl_status sl_statedir_find(sl_statedir *sd, const char *out, sl_error *err)
{
    sl_status st = sl_statedir_default(sd, out, err);
    if (st)
        return st;
    char marker[PATH_MAX], dir[PATH_MAX];
    if (sl_fs_pathf(marker, sizeof marker, "%s/%s", sd->out, SL_STATE_MARKER))
        return sl_error_set(err, SL_ERR_USAGE, "path too long: %s", out);
    st = read_binding(marker, "state", dir, sizeof dir, err);
    if (st == SL_EOF)
        return SL_OK;
    if (st)
        return st;
    memcpy(sd->dir, dir, sizeof sd->dir);
    sd->custom = true;
    return SL_OK;
}
