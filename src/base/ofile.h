/* A large file written front to back, through its own buffer, and past a size
 * with direct I/O (O_DIRECT) where the file system takes it.
 *
 * Why: a buffered write() copies every byte into a page-cache page the kernel
 * must first allocate, and under some hypervisors a freshly allocated page costs
 * far more than the copy (measured here: 2.3 s of kernel time per GB written to
 * a new file, against 0.06 s to overwrite cached pages, and 0.09 s per GB with
 * O_DIRECT). A generator writing gigabytes of NDJSON spent most of its time
 * there, on one thread. Direct writes go from this buffer to the device, leave
 * the page cache alone, and cost the writing thread no CPU while they wait.
 *
 * The first direct_after bytes are written buffered, so small files (read back
 * at once by the next step of a pipeline) stay in the page cache. The buffer is
 * flushed only when full, in whole multiples of SL_OFILE_ALIGN, so every direct
 * write starts and ends on an aligned offset; the tail is written buffered by
 * sl_ofile_finish. A file system that refuses O_DIRECT (tmpfs, some network
 * file systems), at fcntl or at the first write, gets buffered writes from then
 * on: the same bytes either way. */
#ifndef SL_BASE_OFILE_H
#define SL_BASE_OFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/status.h"

#define SL_OFILE_ALIGN 4096

typedef struct sl_ofile {
    int fd;
    const char *path;      /* for error messages; not owned */
    unsigned char *buf;    /* SL_OFILE_ALIGN-aligned, cap bytes */
    size_t len, cap;
    uint64_t written;      /* bytes handed to the file so far */
    uint64_t direct_after; /* UINT64_MAX: never direct */
    int direct;            /* 0 not yet, 1 on, -1 refused */
} sl_ofile;

/* Writes go to fd (open for writing at offset 0, owned by the caller, who closes
 * it after sl_ofile_finish). direct_after: bytes written buffered before direct
 * I/O is tried (UINT64_MAX never tries). cap: the buffer, rounded up to a
 * multiple of SL_OFILE_ALIGN (0: 4 MiB). */
sl_status sl_ofile_init(sl_ofile *f, int fd, const char *path, uint64_t direct_after, size_t cap,
                        sl_error *err);

sl_status sl_ofile_write(sl_ofile *f, const void *p, size_t n, sl_error *err);

/* Writes what is buffered and leaves fd in buffered mode. The buffer stays
 * allocated until sl_ofile_free. */
sl_status sl_ofile_finish(sl_ofile *f, sl_error *err);

void sl_ofile_free(sl_ofile *f);

/* Bytes given to sl_ofile_write so far. */
static inline uint64_t sl_ofile_size(const sl_ofile *f) { return f->written + f->len; }

#endif
