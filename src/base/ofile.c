/* Large sequential output files, direct I/O past a size (see ofile.h). */
#include "base/ofile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"

sl_status sl_ofile_init(sl_ofile *f, int fd, const char *path, uint64_t direct_after, size_t cap,
                        sl_error *err)
{
    memset(f, 0, sizeof *f);
    f->fd = fd;
    f->path = path;
    f->direct_after = direct_after;
    if (cap == 0)
        cap = (size_t)4 << 20;
    cap = (cap + SL_OFILE_ALIGN - 1) / SL_OFILE_ALIGN * SL_OFILE_ALIGN;
    void *b = NULL;
    if (posix_memalign(&b, SL_OFILE_ALIGN, cap) != 0)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    f->buf = b;
    f->cap = cap;
    return SL_OK;
}

static bool set_direct(int fd, bool on)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && fcntl(fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT) == 0;
}

/* Writes the whole buffer, which is full (a multiple of SL_OFILE_ALIGN), or, when
 * finishing, whatever is in it. */
static sl_status flush(sl_ofile *f, sl_error *err)
{
    const unsigned char *p = f->buf;
    size_t n = f->len;
    if (f->direct == 0 && f->written >= f->direct_after && f->written % SL_OFILE_ALIGN == 0 &&
        n % SL_OFILE_ALIGN == 0)
        f->direct = set_direct(f->fd, true) ? 1 : -1;
    while (n) {
        ssize_t w = write(f->fd, p, n > (1u << 30) ? (1u << 30) : n);
        if (w < 0 && errno == EINTR)
            continue;
        if (f->direct == 1 && (w < 0 || (size_t)w < n)) {
            /* refused (EINVAL: the file system takes no direct I/O after all) or
             * cut short, which would leave the next write unaligned: the rest of
             * the file is buffered, and a real error comes back from there */
            f->direct = -1;
            if (!set_direct(f->fd, false))
                return sl_error_set(err, SL_ERR_IO, "cannot write '%s': %s", f->path, strerror(errno));
            if (w < 0)
                continue;
        }
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            int e = errno;
            return sl_error_set(err, sl_fs_status(e), "cannot write '%s': %s", f->path, strerror(e));
        }
        p += w;
        n -= (size_t)w;
        f->written += (uint64_t)w;
    }
    f->len = 0;
    return SL_OK;
}

sl_status sl_ofile_write(sl_ofile *f, const void *p, size_t n, sl_error *err)
{
    const unsigned char *s = p;
    while (n) {
        size_t k = f->cap - f->len < n ? f->cap - f->len : n;
        memcpy(f->buf + f->len, s, k);
        f->len += k;
        s += k;
        n -= k;
        if (f->len == f->cap) {
            sl_status st = flush(f, err);
            if (st != SL_OK)
                return st;
        }
    }
    return SL_OK;
}

sl_status sl_ofile_finish(sl_ofile *f, sl_error *err)
{
    if (f->direct == 1 && !set_direct(f->fd, false))
        return sl_error_set(err, SL_ERR_IO, "cannot write '%s': %s", f->path, strerror(errno));
    f->direct = -1;   /* the tail is not a whole block: buffered */
    return f->len ? flush(f, err) : SL_OK;
}

void sl_ofile_free(sl_ofile *f)
{
    free(f->buf);
    f->buf = NULL;
    f->len = f->cap = 0;
}
