/* Input byte stream with transparent gzip/zstd decompression (see input.h).
 *
 * The source is a "raw window" (ptr, pos, len): for memory it is the caller's
 * bytes; for a stream it is our own buffer refilled with fread. Plain stream input
 * bypasses the window after the few bytes peeked for detection and freads straight
 * into the caller's buffer. */
#include "base/input.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#define RAW_CAP (256 * 1024)

struct sl_input {
    FILE *f;                /* NULL for memory input */
    bool own_f;
    const uint8_t *raw;     /* window over the compressed/plain source */
    size_t raw_pos, raw_len;
    uint8_t *raw_buf;       /* our buffer behind raw, for stream input */
    bool src_eof;           /* the source has no more bytes */
    bool detected;
    sl_input_codec codec;
    z_stream z;
    bool z_init;
    bool z_member_end;      /* the last gzip member ended; more may follow */
    ZSTD_DStream *zs;
    size_t zs_hint;         /* last ZSTD_decompressStream result: 0 at frame end */
    bool zs_started;
    uint64_t bytes_in, bytes_out, max_out;
    sl_status sticky;
    sl_error sticky_err;
    char name[512];
};

static sl_status fail(sl_input *in, sl_error *err, sl_status code, const char *msg)
{
    in->sticky = code;
    sl_error_set(&in->sticky_err, code, "%s", msg);
    sl_error_set_file(&in->sticky_err, in->name);
    in->sticky_err.offset = in->bytes_out;
    if (err)
        *err = in->sticky_err;
    return code;
}

static sl_status new_input(const char *name, uint64_t max_out, sl_input **out, sl_error *err)
{
    sl_input *in = calloc(1, sizeof *in);
    if (!in) {
        sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        return SL_ERR_NOMEM;
    }
    snprintf(in->name, sizeof in->name, "%s", name ? name : "");
    sl_error_clear(&in->sticky_err);
    in->max_out = max_out;
    *out = in;
    return SL_OK;
}

sl_status sl_input_open_file(FILE *f, const char *name, uint64_t max_out, sl_input **out,
                             sl_error *err)
{
    *out = NULL;
    if (!f)
        return sl_error_set(err, SL_ERR_USAGE, "no input stream");
    sl_input *in;
    sl_status s = new_input(name, max_out, &in, err);
    if (s)
        return s;
    in->raw_buf = malloc(RAW_CAP);
    if (!in->raw_buf) {
        free(in);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    in->raw = in->raw_buf;
    in->f = f;
    *out = in;
    return SL_OK;
}

sl_status sl_input_open_path(const char *path, uint64_t max_out, sl_input **out,
                             sl_error *err)
{
    *out = NULL;
    if (!path)
        return sl_error_set(err, SL_ERR_USAGE, "no input path");
    if (strcmp(path, "-") == 0)
        return sl_input_open_file(stdin, "-", max_out, out, err);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        sl_error_set(err, SL_ERR_IO, "cannot open '%s': %s", path, strerror(e));
        sl_error_set_file(err, path);
        return SL_ERR_IO;
    }
    sl_status s = sl_input_open_file(f, path, max_out, out, err);
    if (s) {
        fclose(f);
        return s;
    }
    (*out)->own_f = true;
    return SL_OK;
}

sl_status sl_input_open_mem(const void *data, size_t len, const char *name,
                            uint64_t max_out, sl_input **out, sl_error *err)
{
    *out = NULL;
    if (!data && len)
        return sl_error_set(err, SL_ERR_USAGE, "no input data");
    sl_input *in;
    sl_status s = new_input(name, max_out, &in, err);
    if (s)
        return s;
    in->raw = data;
    in->raw_len = len;
    in->src_eof = true;
    *out = in;
    return SL_OK;
}

/* Makes at least `want` unread bytes available in the raw window when the source
 * has them (want <= RAW_CAP). Returns SL_OK or SL_ERR_IO. */
static sl_status raw_fill(sl_input *in, size_t want, sl_error *err)
{
    if (!in->f || in->src_eof || in->raw_len - in->raw_pos >= want)
        return SL_OK;
    size_t have = in->raw_len - in->raw_pos;
    memmove(in->raw_buf, in->raw_buf + in->raw_pos, have);
    in->raw_pos = 0;
    in->raw_len = have;
    while (in->raw_len < want && !in->src_eof) {
        size_t ask = RAW_CAP - in->raw_len;
        size_t k = fread(in->raw_buf + in->raw_len, 1, ask, in->f);
        in->raw_len += k;
        if (k < ask) {
            if (ferror(in->f)) {
                char msg[300];
                snprintf(msg, sizeof msg, "read error: %s", strerror(errno));
                return fail(in, err, SL_ERR_IO, msg);
            }
            in->src_eof = true;
        }
    }
    return SL_OK;
}

static sl_status detect(sl_input *in, sl_error *err)
{
    sl_status s = raw_fill(in, 4, err);
    if (s)
        return s;
    const uint8_t *p = in->raw + in->raw_pos;
    size_t avail = in->raw_len - in->raw_pos;
    in->detected = true;
    if (avail >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
        memset(&in->z, 0, sizeof in->z);
        /* 16 + MAX_WBITS: expect a gzip header and trailer. */
        if (inflateInit2(&in->z, 16 + MAX_WBITS) != Z_OK)
            return fail(in, err, SL_ERR_NOMEM, "cannot initialise gzip decoder");
        in->z_init = true;
        in->codec = SL_INPUT_GZIP;
    } else if (avail >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) {
        in->zs = ZSTD_createDStream();
        if (!in->zs || ZSTD_isError(ZSTD_initDStream(in->zs)))
            return fail(in, err, SL_ERR_NOMEM, "cannot initialise zstd decoder");
        in->codec = SL_INPUT_ZSTD;
    } else {
        in->codec = SL_INPUT_PLAIN;
    }
    return SL_OK;
}

static sl_status read_plain(sl_input *in, uint8_t *dst, size_t cap, size_t *n, sl_error *err)
{
    size_t avail = in->raw_len - in->raw_pos;
    if (avail) {
        size_t k = avail < cap ? avail : cap;
        memcpy(dst, in->raw + in->raw_pos, k);
        in->raw_pos += k;
        in->bytes_in += k;
        *n = k;
        return SL_OK;
    }
    if (!in->f || in->src_eof)
        return SL_EOF;
    size_t k = fread(dst, 1, cap, in->f);
    if (k < cap) {
        if (ferror(in->f)) {
            char msg[300];
            snprintf(msg, sizeof msg, "read error: %s", strerror(errno));
            return fail(in, err, SL_ERR_IO, msg);
        }
        in->src_eof = true;
    }
    in->bytes_in += k;
    *n = k;
    return k ? SL_OK : SL_EOF;
}

static sl_status read_gzip(sl_input *in, uint8_t *dst, size_t cap, size_t *n, sl_error *err)
{
    in->z.next_out = dst;
    in->z.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
    for (;;) {
        if (in->raw_pos == in->raw_len) {
            sl_status s = raw_fill(in, 1, err);
            if (s)
                return s;
            if (in->raw_pos == in->raw_len) {
                if (in->z_member_end)
                    return SL_EOF;
                return fail(in, err, SL_ERR_CORRUPT, "truncated gzip stream");
            }
        }
        if (in->z_member_end) {
            /* Another member follows (gzip files may be concatenated). */
            if (inflateReset(&in->z) != Z_OK)
                return fail(in, err, SL_ERR_CORRUPT, "cannot reset gzip decoder");
            in->z_member_end = false;
        }
        size_t avail = in->raw_len - in->raw_pos;
        in->z.next_in = (Bytef *)(in->raw + in->raw_pos);
        in->z.avail_in = (uInt)(avail > UINT32_MAX ? UINT32_MAX : avail);
        int zr = inflate(&in->z, Z_NO_FLUSH);
        size_t used = (size_t)((const uint8_t *)in->z.next_in - (in->raw + in->raw_pos));
        in->raw_pos += used;
        in->bytes_in += used;
        if (zr == Z_STREAM_END) {
            in->z_member_end = true;
        } else if (zr == Z_BUF_ERROR) {
            if (used == 0 && in->z.avail_out != 0 && in->raw_pos != in->raw_len)
                return fail(in, err, SL_ERR_CORRUPT, "gzip decoder made no progress");
        } else if (zr == Z_MEM_ERROR) {
            return fail(in, err, SL_ERR_NOMEM, "out of memory in gzip decoder");
        } else if (zr != Z_OK) {
            char msg[300];
            snprintf(msg, sizeof msg, "corrupt gzip stream: %s",
                     in->z.msg ? in->z.msg : "data error");
            return fail(in, err, SL_ERR_CORRUPT, msg);
        }
        if (in->z.next_out != dst)
            break;
    }
    *n = (size_t)(in->z.next_out - dst);
    return SL_OK;
}

static sl_status read_zstd(sl_input *in, uint8_t *dst, size_t cap, size_t *n, sl_error *err)
{
    ZSTD_outBuffer ob = { dst, cap, 0 };
    while (ob.pos == 0) {
        if (in->raw_pos == in->raw_len) {
            sl_status s = raw_fill(in, 1, err);
            if (s)
                return s;
        }
        size_t avail = in->raw_len - in->raw_pos;
        if (avail == 0 && in->src_eof) {
            /* Flush whatever the decoder still holds, then decide. */
            ZSTD_inBuffer ib = { NULL, 0, 0 };
            size_t r = ZSTD_decompressStream(in->zs, &ob, &ib);
            if (ZSTD_isError(r))
                return fail(in, err, SL_ERR_CORRUPT, ZSTD_getErrorName(r));
            if (ob.pos)
                break;
            if (in->zs_hint != 0)
                return fail(in, err, SL_ERR_CORRUPT, "truncated zstd stream");
            return SL_EOF;
        }
        ZSTD_inBuffer ib = { in->raw + in->raw_pos, avail, 0 };
        size_t r = ZSTD_decompressStream(in->zs, &ob, &ib);
        in->raw_pos += ib.pos;
        in->bytes_in += ib.pos;
        if (ZSTD_isError(r)) {
            char msg[300];
            snprintf(msg, sizeof msg, "corrupt zstd stream: %s", ZSTD_getErrorName(r));
            return fail(in, err, SL_ERR_CORRUPT, msg);
        }
        in->zs_hint = r;
    }
    *n = ob.pos;
    return SL_OK;
}

sl_status sl_input_read(sl_input *in, void *dst, size_t cap, size_t *n, sl_error *err)
{
    *n = 0;
    if (in->sticky) {
        if (err)
            *err = in->sticky_err;
        return in->sticky;
    }
    if (cap == 0)
        return SL_OK;
    if (!in->detected) {
        sl_status s = detect(in, err);
        if (s)
            return s;
    }
    /* Ask for at most one byte more than the bound allows: enough to know it was
     * crossed without decompressing a bomb any further. */
    if (in->max_out) {
        uint64_t room = in->max_out - in->bytes_out + 1;
        if (room < cap)
            cap = (size_t)room;
    }
    sl_status s;
    switch (in->codec) {
    case SL_INPUT_GZIP: s = read_gzip(in, dst, cap, n, err); break;
    case SL_INPUT_ZSTD: s = read_zstd(in, dst, cap, n, err); break;
    default:            s = read_plain(in, dst, cap, n, err); break;
    }
    if (s != SL_OK)
        return s;
    if (in->max_out && in->bytes_out + *n > in->max_out) {
        char msg[200];
        *n = 0;
        snprintf(msg, sizeof msg, "input exceeds the maximum decompressed size of %llu bytes",
                 (unsigned long long)in->max_out);
        in->bytes_out = in->max_out;
        return fail(in, err, SL_ERR_LIMIT, msg);
    }
    in->bytes_out += *n;
    return SL_OK;
}

sl_input_codec sl_input_codec_of(const sl_input *in) { return in->codec; }
uint64_t sl_input_bytes_in(const sl_input *in) { return in->bytes_in; }
uint64_t sl_input_bytes_out(const sl_input *in) { return in->bytes_out; }
const char *sl_input_name(const sl_input *in) { return in->name; }

void sl_input_free(sl_input *in)
{
    if (!in)
        return;
    if (in->z_init)
        inflateEnd(&in->z);
    ZSTD_freeDStream(in->zs);
    if (in->own_f)
        fclose(in->f);
    free(in->raw_buf);
    free(in);
}
