/* File system steps that durability is built from: create a directory path,
 * fsync a directory, move a file (atomically on one file system, by copy and
 * fsync across two), write a small file atomically, read a whole file.
 *
 * Errors map ENOSPC and EDQUOT to SL_ERR_NOSPACE, so a service can tell a full
 * disk (wait, keep every input) from other I/O errors. */
#ifndef SL_BASE_FSUTIL_H
#define SL_BASE_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/buf.h"
#include "sluice/status.h"

/* The status for an errno: SL_ERR_NOSPACE for ENOSPC/EDQUOT, else SL_ERR_IO. */
sl_status sl_fs_status(int errnum);

/* Writes all n bytes of p to fd, through short writes and EINTR. A failure is
 * sl_fs_status(errno) with err naming path (err may be NULL). */
sl_status sl_fs_write_full(int fd, const void *p, size_t n, const char *path, sl_error *err);

/* Reads exactly n bytes at offset off of fd. A file that ends first is
 * SL_ERR_CORRUPT ("'path' is truncated"); a read error SL_ERR_IO. */
sl_status sl_fs_pread_full(int fd, void *p, size_t n, uint64_t off, const char *path, sl_error *err);

/* mkdir -p: creates path and its missing parents (mode 0777 & ~umask). */
sl_status sl_fs_mkdirs(const char *path, sl_error *err);

/* Fsyncs the directory at path. */
sl_status sl_fs_sync_dir(const char *path, sl_error *err);

/* Fsyncs the directory holding path (its dirname). */
sl_status sl_fs_sync_parent(const char *path, sl_error *err);

/* Fsyncs a regular file by name. */
sl_status sl_fs_sync_file(const char *path, sl_error *err);

/* Moves from to to. With no_replace, an existing `to` is never overwritten:
 * SL_ERR_USAGE with errno EEXIST semantics (err says so). Across file systems
 * (EXDEV) the file is copied to a temporary name beside `to`, fsynced, renamed,
 * and only then is `from` unlinked: a crash leaves at worst both copies. */
sl_status sl_fs_move(const char *from, const char *to, bool no_replace, sl_error *err);

/* Moves from into directory dir under its base name, or, when that name is taken,
 * under "<name>.<n>" for the first free n. The chosen path is written to out
 * (outsz bytes) when out is not NULL. */
sl_status sl_fs_move_into(const char *from, const char *dir, char *out, size_t outsz,
                          sl_error *err);

/* Writes data to path atomically: a temporary file beside it, fsync, rename,
 * fsync of the directory. */
sl_status sl_fs_write_atomic(const char *path, const void *data, size_t len, sl_error *err);

/* Reads the whole regular file at path into out (replacing its contents),
 * refusing more than max bytes (0: no bound) with SL_ERR_LIMIT. With nofollow
 * a symbolic link is refused (SL_ERR_USAGE). */
sl_status sl_fs_read_file(const char *path, uint64_t max, bool nofollow, sl_buf *out,
                          sl_error *err);

/* snprintf for paths: SL_ERR_USAGE (and dst empty) when the result does not fit
 * in n bytes, so a cut path is never used. */
sl_status sl_fs_pathf(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The base name of a path (the part after the last '/'). */
const char *sl_fs_base(const char *path);

#endif
