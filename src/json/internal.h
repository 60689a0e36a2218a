/* What the JSON reader's and writer's files share, and the hooks tests use. Not a
 * public header: nothing outside src/json/ and tests includes it. */
#ifndef SL_JSON_INTERNAL_H
#define SL_JSON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/input.h"
#include "sluice/json.h"

/* strtod in the "C" locale, whatever setlocale() the program made: s must be
 * NUL-terminated. Correctly rounded (glibc). */
double sl_json_strtod_c(const char *s, char **end);

/* Converts the text of a number that already matched the JSON grammar,
 * s[0..len), NUL-terminated copy in `tmp` (at least len + 1 bytes) when a slow
 * path is needed. is_int: no fraction and no exponent. Fills v (type, i or d, raw).
 * Returns 0, or -1 when a double overflows to infinity. */
int sl_json_number_convert(const char *s, size_t len, int is_int, char *tmp,
                           sl_json_value *v);

/* Test hook: the size of each read from the input (default 1 MiB). Call it before the
 * first sl_json_reader_next(); small values make records straddle chunk ends. */
void sl_json_reader_set_chunk_size(sl_json_reader *r, size_t chunk);

/* ---- the reader's state, shared by reader.c (buffer, forms, API) and parse.c ---- */

/* Zero bytes after the buffered data: every scan stops there (see reader.c). */
#define PAD 64
/* Internal status: the record runs past the buffered data; read more, retry. */
#define NEED_MORE ((sl_status)1000)

typedef struct {
    size_t base;     /* first scratch slot of this container */
    bool is_obj;
} frame;

struct sl_json_reader {
    sl_input *in;
    sl_json_options opt;
    sl_json_form form;      /* resolved: never AUTO after the first record */
    int state;
    uint64_t records;

    uint8_t *buf;           /* cap + PAD bytes */
    size_t cap, len, pos;
    const uint8_t *end;     /* buf + len, where the zero padding starts */
    size_t chunk;
    uint64_t buf_off;       /* input offset of buf[0] */
    bool eof;

    /* Line checkpoint: buf[lt_pos] is on line lt_line, lt_col code points in. */
    size_t lt_pos;
    uint64_t lt_line, lt_col;

    sl_arena arena;
    sl_json_member *stk;
    size_t stk_cap;
    frame *frames;
    size_t frames_cap;
    sl_buf sbuf;            /* unescaping */
    char *ntmp;             /* NUL-terminated copy of a number for strtod */
    size_t ntmp_cap;
    size_t *ht;
    size_t ht_cap;

    sl_json_value root;
    uint64_t dups, rec_line, rec_off;

    /* Set by fail(): where and what. */
    sl_status pst;
    size_t perr_pos;
    char perr_msg[400];

    sl_status sticky;
    sl_error sticky_err;
    char name[512];

    /* A part (sl_json_reader_reset_part): buf is the caller's memory, and the
     * reader's own buffer waits in own_buf; no byte order mark unless at offset 0. */
    bool borrowed, no_bom;
    uint8_t *own_buf;
    size_t own_cap;
};

static inline bool sl_json_is_ws(uint8_t c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline const uint8_t *sl_json_skip_ws(const uint8_t *p)
{
    return sl_json_skip_space(p);
}

/* Parses one value starting at p (not whitespace), at most max_depth levels deep,
 * into *out (values in r->arena, strings possibly pointing into r->buf). Returns the
 * byte after the value, or NULL with r->pst set: NEED_MORE, or an error status with
 * r->perr_pos and r->perr_msg. */
const uint8_t *sl_json_parse_value(sl_json_reader *r, const uint8_t *p, size_t max_depth,
                                   sl_json_value *out);

#endif
