/* File system steps for durable services (see fsutil.h). */
#include "base/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

sl_status sl_fs_status(int errnum)
{
    return errnum == ENOSPC || errnum == EDQUOT ? SL_ERR_NOSPACE : SL_ERR_IO;
}

static sl_status fail(sl_error *err, const char *what, const char *path)
{
    int e = errno;
    return sl_error_set(err, sl_fs_status(e), "cannot %s '%s': %s", what, path, strerror(e));
}

sl_status sl_fs_write_full(int fd, const void *p, size_t n, const char *path, sl_error *err)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(fd, b, n > (1u << 30) ? (1u << 30) : n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;   /* a regular file takes nothing only when full */
            return fail(err, "write", path);
        }
        b += w;
        n -= (size_t)w;
    }
    return SL_OK;
}

sl_status sl_fs_pread_full(int fd, void *p, size_t n, uint64_t off, const char *path, sl_error *err)
{
    uint8_t *b = p;
    while (n) {
        ssize_t r = pread(fd, b, n > (1u << 30) ? (1u << 30) : n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return sl_error_set(err, SL_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
        if (r == 0)
            return sl_error_set(err, SL_ERR_CORRUPT, "'%s' is truncated", path);
        b += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return SL_OK;
}

sl_status sl_fs_pathf(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(dst, n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= n) {
        if (n)
            dst[0] = '\0';
        return SL_ERR_USAGE;
    }
    return SL_OK;
}

const char *sl_fs_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

sl_status sl_fs_mkdirs(const char *path, sl_error *err)
{
    char p[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof p)
        return sl_error_set(err, SL_ERR_USAGE, "bad directory path '%s'", path);
    memcpy(p, path, n + 1);
    for (char *s = p + 1; ; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            return fail(err, "create directory", p);
        *s = c;
        if (!c)
            break;
    }
    struct stat st;
    if (stat(path, &st) != 0)
        return fail(err, "stat", path);
    if (!S_ISDIR(st.st_mode))
        return sl_error_set(err, SL_ERR_IO, "'%s' is not a directory", path);
    return SL_OK;
}

sl_status sl_fs_sync_dir(const char *path, sl_error *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, "open directory", path);
    sl_status st = SL_OK;
    if (fsync(fd) != 0 && errno != EINVAL)
        st = fail(err, "fsync directory", path);
    close(fd);
    return st;
}

sl_status sl_fs_sync_parent(const char *path, sl_error *err)
{
    char dir[PATH_MAX];
    const char *base = sl_fs_base(path);
    size_t n = (size_t)(base - path);
    if (n == 0)
        return sl_fs_sync_dir(".", err);
    if (n >= sizeof dir)
        return sl_error_set(err, SL_ERR_USAGE, "path too long: '%s'", path);
    memcpy(dir, path, n);
    dir[n > 1 ? n - 1 : n] = '\0';
    return sl_fs_sync_dir(dir, err);
}

sl_status sl_fs_sync_file(const char *path, sl_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, "open", path);
    sl_status st = SL_OK;
    if (fsync(fd) != 0)
        st = fail(err, "fsync", path);
    close(fd);
    return st;
}

/* Copies from to a temporary name beside to, fsyncs it and renames it (the EXDEV
 * path of sl_fs_move). */
static sl_status copy_across(const char *from, const char *to, bool no_replace, sl_error *err)
{
    char tmp[PATH_MAX];
    const char *base = sl_fs_base(to);
    int k = snprintf(tmp, sizeof tmp, "%.*s.%s.%ld.copy", (int)(base - to), to, base, (long)getpid());
    if (k < 0 || (size_t)k >= sizeof tmp)
        return sl_error_set(err, SL_ERR_USAGE, "path too long: '%s'", to);
    int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0)
        return fail(err, "open", from);
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        sl_status st = fail(err, "create", tmp);
        close(in);
        return st;
    }
    sl_status st = SL_OK;
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            st = fail(err, "read", from);
            break;
        }
        if (n == 0)
            break;
        if ((st = sl_fs_write_full(out, buf, (size_t)n, tmp, err)))
            break;
    }
    if (!st && fsync(out) != 0)
        st = fail(err, "fsync", tmp);
    close(in);
    if (close(out) != 0 && !st)
        st = fail(err, "close", tmp);
    if (!st) {
        if (no_replace ? renameat2(AT_FDCWD, tmp, AT_FDCWD, to, RENAME_NOREPLACE) != 0
                       : rename(tmp, to) != 0)
            st = errno == EEXIST ? sl_error_set(err, SL_ERR_USAGE, "'%s' exists", to)
                                 : fail(err, "rename into", to);
    }
    if (st) {
        unlink(tmp);
        return st;
    }
    if ((st = sl_fs_sync_parent(to, err)))
        return st;
    if (unlink(from) != 0)
        return fail(err, "remove", from);
    return SL_OK;
}

sl_status sl_fs_move(const char *from, const char *to, bool no_replace, sl_error *err)
{
    int r = no_replace ? renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE)
                       : rename(from, to);
    if (r != 0 && no_replace && errno == EINVAL) {
        /* A file system without RENAME_NOREPLACE: link(2) never replaces. */
        if (link(from, to) == 0)
            r = unlink(from);
        else if (errno != EXDEV)
            r = -1;
    }
    if (r == 0)
        return SL_OK;
    if (errno == EEXIST)
        return sl_error_set(err, SL_ERR_USAGE, "'%s' exists", to);
    if (errno == EXDEV)
        return copy_across(from, to, no_replace, err);
    return fail(err, "move to", to);
}

sl_status sl_fs_move_into(const char *from, const char *dir, char *out, size_t outsz,
                          sl_error *err)
{
    char to[PATH_MAX];
    const char *base = sl_fs_base(from);
    for (unsigned n = 0;; n++) {
        int k = n ? snprintf(to, sizeof to, "%s/%s.%u", dir, base, n)
                  : snprintf(to, sizeof to, "%s/%s", dir, base);
        if (k < 0 || (size_t)k >= sizeof to)
            return sl_error_set(err, SL_ERR_USAGE, "path too long: '%s/%s'", dir, base);
        sl_error e;
        sl_error_clear(&e);
        sl_status st = sl_fs_move(from, to, true, &e);
        if (st == SL_ERR_USAGE && n < 100000)
            continue;   /* taken: try the next name */
        if (st) {
            if (err)
                *err = e;
            return st;
        }
        if (out)
            snprintf(out, outsz, "%s", to);
        return SL_OK;
    }
}

sl_status sl_fs_write_atomic(const char *path, const void *data, size_t len, sl_error *err)
{
    char tmp[PATH_MAX];
    const char *base = sl_fs_base(path);
    int k = snprintf(tmp, sizeof tmp, "%.*s.%s.%ld.tmp", (int)(base - path), path, base,
                     (long)getpid());
    if (k < 0 || (size_t)k >= sizeof tmp)
        return sl_error_set(err, SL_ERR_USAGE, "path too long: '%s'", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return fail(err, "create", tmp);
    sl_status st = sl_fs_write_full(fd, data, len, tmp, err);
    if (!st && fsync(fd) != 0)
        st = fail(err, "fsync", tmp);
    if (close(fd) != 0 && !st)
        st = fail(err, "close", tmp);
    if (!st && rename(tmp, path) != 0)
        st = fail(err, "rename into", path);
    if (st) {
        unlink(tmp);
        return st;
    }
    return sl_fs_sync_parent(path, err);
}

sl_status sl_fs_read_file(const char *path, uint64_t max, bool nofollow, sl_buf *out,
                          sl_error *err)
{
    out->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0) {
        if (errno == ELOOP)
            return sl_error_set(err, SL_ERR_USAGE, "'%s' is a symbolic link", path);
        return fail(err, "open", path);
    }
    struct stat st;
    sl_status s = SL_OK;
    if (fstat(fd, &st) != 0) {
        s = fail(err, "stat", path);
    } else if (!S_ISREG(st.st_mode)) {
        s = sl_error_set(err, SL_ERR_USAGE, "'%s' is not a regular file", path);
    } else if (max && (uint64_t)st.st_size > max) {
        s = sl_error_set(err, SL_ERR_LIMIT, "file of %llu bytes is over the limit of %llu bytes",
                         (unsigned long long)st.st_size, (unsigned long long)max);
    } else {
        size_t want = (size_t)st.st_size + 1;
        for (;;) {
            if ((s = sl_buf_reserve(out, want))) {
                s = sl_error_set(err, s, "out of memory reading '%s'", path);
                break;
            }
            ssize_t n = read(fd, out->data + out->len, out->cap - out->len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                s = fail(err, "read", path);
                break;
            }
            if (n == 0)
                break;
            out->len += (size_t)n;
            if (max && out->len > max) {
                s = sl_error_set(err, SL_ERR_LIMIT, "file is over the limit of %llu bytes",
                                 (unsigned long long)max);
                break;
            }
            want = 1 << 16;
        }
    }
    close(fd);
    return s;
}
