/* The streaming JSON reader (see include/sluice/json.h).
 *
 * Input arrives through sl_input in large chunks into one buffer. A record is parsed
 * straight from that buffer: strings without escapes point into it (zero copy), so a
 * record must be contiguous there. When the parser runs into the end of the buffered
 * data before the record ends, it gives up on the record (NEED_MORE), the partial
 * record is moved to the front, more input is read (growing the buffer up to
 * max_record_size), and the record is parsed again from its start. The buffer
 * capacity at least doubles on each such retry, so a huge record costs at most
 * about twice its parse time.
 *
 * The end of the buffered data is marked by PAD zero bytes. Every scan stops at a
 * zero byte (it is neither whitespace, nor a digit, nor allowed unescaped in a
 * string), and a zero byte at or past `end` means "out of data" rather than "NUL
 * in the input". That keeps bounds checks off the hot paths and lets SSE2 read 16
 * bytes at a time without running off the allocation.
 *
 * This file holds the buffer, the input forms and the API; the (iterative) value
 * parser is parse.c.
 *
 * Line and column are not tracked while parsing (newlines can only occur in
 * whitespace, never inside a token): they are computed from a checkpoint when a
 * record starts and when an error is reported. */
#include "json/internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK ((size_t)1 << 20)

_Static_assert(SL_JSON_PART_PAD >= PAD, "a part's padding must cover every scan's overrun");

enum { ST_START, ST_SEQ, ST_ARR_FIRST, ST_ARR_NEXT, ST_ARR_END, ST_DONE };

#define skip_ws sl_json_skip_ws

/* Bytes that may follow a top-level scalar in a sequence (0 is handled apart). */
static inline bool is_delim(uint8_t c)
{
    return sl_json_is_ws(c) || c == '[' || c == '{' || c == '"' || c == ']' || c == '}' ||
           c == ',' || c == ':';
}

/* ---- positions ---- */

/* Code points in [p, e): bytes that are not UTF-8 continuation bytes. */
static uint64_t count_code_points(const uint8_t *p, const uint8_t *e)
{
    uint64_t n = 0;
    while (e - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        /* continuation byte: bit 7 set, bit 6 clear */
        uint64_t cont = w & ~(w << 1) & 0x8080808080808080ull;
        n += 8 - (uint64_t)__builtin_popcountll(cont);
        p += 8;
    }
    for (; p < e; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static void lines_advance(sl_json_reader *r, size_t to)
{
    if (to <= r->lt_pos)
        return;
    const uint8_t *p = r->buf + r->lt_pos, *e = r->buf + to;
    const uint8_t *line_start = NULL;
    const uint8_t *q;
    while (p < e && (q = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        r->lt_line++;
        p = q + 1;
        line_start = p;
    }
    if (line_start)
        r->lt_col = count_code_points(line_start, e);
    else
        r->lt_col += count_code_points(r->buf + r->lt_pos, e);
    r->lt_pos = to;
}

/* Turns a failure into the reader's sticky error, with its position. */
static sl_status set_error_at(sl_json_reader *r, sl_status code, size_t pos, const char *msg)
{
    if (pos > r->len)
        pos = r->len;
    lines_advance(r, pos);
    sl_error_clear(&r->sticky_err);
    sl_error_set_file(&r->sticky_err, r->name);
    sl_error_at(&r->sticky_err, code, r->lt_line, r->lt_col + 1, r->buf_off + pos, "%s", msg);
    r->sticky = code;
    return code;
}

/* ---- buffer ---- */

/* Drops buf[0..keep), keeps the rest, and reads until the free space is full or the
 * input ends. The free space is at least one chunk and at least the kept size, so
 * repeated retries of one growing record double the buffer. */
static sl_status refill(sl_json_reader *r, size_t keep)
{
    lines_advance(r, keep);
    size_t live = r->len - keep;
    if (keep) {
        memmove(r->buf, r->buf + keep, live);
        r->buf_off += keep;
        r->pos -= keep < r->pos ? keep : r->pos;
        r->lt_pos -= keep;
        r->len = live;
    }
    size_t want = live + (live > r->chunk ? live : r->chunk);
    size_t limit = r->opt.max_record_size + r->chunk;
    if (want > limit)
        want = limit;
    if (want > r->cap) {
        uint8_t *b = realloc(r->buf, want + PAD);
        if (!b)
            return set_error_at(r, SL_ERR_NOMEM, r->len, "out of memory");
        r->buf = b;
        r->cap = want;
    }
    sl_error ierr;
    while (r->len < r->cap && !r->eof) {
        size_t n = 0;
        sl_status s = sl_input_read(r->in, r->buf + r->len, r->cap - r->len, &n, &ierr);
        if (s == SL_EOF) {
            r->eof = true;
        } else if (s != SL_OK) {
            r->sticky = s;
            r->sticky_err = ierr;
            return s;
        }
        r->len += n;
    }
    memset(r->buf + r->len, 0, PAD);
    r->end = r->buf + r->len;
    return SL_OK;
}

/* Skips whitespace between records, reading more as needed. Returns the next byte,
 * -1 at the end of input, or -2 on a read error (sticky set). */
static int peek(sl_json_reader *r)
{
    for (;;) {
        const uint8_t *p = skip_ws(r->buf + r->pos);
        r->pos = (size_t)(p - r->buf);
        if (r->pos < r->len)
            return *p;
        if (r->eof)
            return -1;
        if (refill(r, r->pos))
            return -2;
    }
}

/* Parses the record at r->pos into r->root, retrying with more input as needed. */
static sl_status read_record(sl_json_reader *r, size_t max_depth)
{
    for (;;) {
        sl_arena_reset(&r->arena);
        r->pst = SL_OK;
        const uint8_t *start = r->buf + r->pos;
        const uint8_t *e = sl_json_parse_value(r, start, max_depth, &r->root);
        if (!e && r->pst == NEED_MORE) {
            if (r->len - r->pos >= r->opt.max_record_size)
                break;
            if (refill(r, r->pos))
                return r->sticky;
            continue;
        }
        if (!e)
            return set_error_at(r, r->pst, r->perr_pos, r->perr_msg);
        if ((uint64_t)(e - start) > r->opt.max_record_size)
            break;
        lines_advance(r, r->pos);
        r->rec_line = r->lt_line;
        r->rec_off = r->buf_off + r->pos;
        r->pos = (size_t)(e - r->buf);
        r->records++;
        return SL_OK;
    }
    char msg[200];
    snprintf(msg, sizeof msg, "record larger than the maximum record size of %llu bytes",
             (unsigned long long)r->opt.max_record_size);
    return set_error_at(r, SL_ERR_LIMIT, r->pos, msg);
}

/* ---- the public API ---- */

void sl_json_options_init(sl_json_options *o)
{
    o->form = SL_JSON_FORM_AUTO;
    o->max_depth = 1000;
    o->max_record_size = (uint64_t)256 << 20;
    o->max_decompressed_size = 0;
}

static sl_status open_with(sl_input *in, const char *name, const sl_json_options *opts,
                           sl_json_reader **out, sl_error *err)
{
    sl_json_reader *r = calloc(1, sizeof *r);
    if (!r) {
        sl_input_free(in);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    sl_json_options_init(&r->opt);
    if (opts) {
        r->opt.form = opts->form;
        if (opts->max_depth)
            r->opt.max_depth = opts->max_depth;
        if (opts->max_record_size)
            r->opt.max_record_size = opts->max_record_size;
        r->opt.max_decompressed_size = opts->max_decompressed_size;
    }
    if (r->opt.max_record_size > SIZE_MAX / 4)
        r->opt.max_record_size = SIZE_MAX / 4;
    r->form = r->opt.form;
    r->in = in;
    r->chunk = DEFAULT_CHUNK;
    r->lt_line = 1;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "");
    sl_arena_init(&r->arena, 256 * 1024);
    sl_buf_init(&r->sbuf, 0);
    sl_error_clear(&r->sticky_err);
    *out = r;
    return SL_OK;
}

sl_status sl_json_reader_open(const char *path, const sl_json_options *opts,
                              sl_json_reader **out, sl_error *err)
{
    *out = NULL;
    sl_input *in;
    sl_status s = sl_input_open_path(path, opts ? opts->max_decompressed_size : 0, &in, err);
    if (s)
        return s;
    return open_with(in, path, opts, out, err);
}

sl_status sl_json_reader_open_file(FILE *f, const char *name, const sl_json_options *opts,
                                   sl_json_reader **out, sl_error *err)
{
    *out = NULL;
    sl_input *in;
    sl_status s = sl_input_open_file(f, name, opts ? opts->max_decompressed_size : 0, &in, err);
    if (s)
        return s;
    return open_with(in, name, opts, out, err);
}

sl_status sl_json_reader_open_mem(const void *data, size_t len, const char *name,
                                  const sl_json_options *opts, sl_json_reader **out,
                                  sl_error *err)
{
    *out = NULL;
    sl_input *in;
    sl_status s = sl_input_open_mem(data, len, name, opts ? opts->max_decompressed_size : 0,
                                    &in, err);
    if (s)
        return s;
    return open_with(in, name, opts, out, err);
}

/* Forgets the previous input: positions from (offset, line, col), no records. */
static void rewind_to(sl_json_reader *r, const char *name, uint64_t offset, uint64_t line,
                      uint64_t col)
{
    r->state = ST_START;
    r->records = 0;
    r->pos = 0;
    r->buf_off = offset;
    r->lt_pos = 0;
    r->lt_line = line;
    r->lt_col = col;
    r->dups = 0;
    r->rec_line = r->rec_off = 0;
    r->pst = SL_OK;
    r->sticky = SL_OK;
    sl_error_clear(&r->sticky_err);
    sl_arena_reset(&r->arena);
    snprintf(r->name, sizeof r->name, "%s", name ? name : "");
}

/* Takes the reader's own buffer back from a part. */
static void unborrow(sl_json_reader *r)
{
    if (!r->borrowed)
        return;
    r->buf = r->own_buf;
    r->cap = r->own_cap;
    r->own_buf = NULL;
    r->own_cap = 0;
    r->borrowed = r->no_bom = false;
}

sl_status sl_json_reader_reset_mem(sl_json_reader *r, const void *data, size_t len,
                                   const char *name, sl_error *err)
{
    sl_input *in;
    sl_status s = sl_input_open_mem(data, len, name, r->opt.max_decompressed_size, &in, err);
    if (s)
        return s;
    unborrow(r);
    sl_input_free(r->in);
    r->in = in;
    r->form = r->opt.form;
    rewind_to(r, name, 0, 1, 0);
    r->len = 0;
    r->end = r->buf;
    r->eof = false;
    /* One refill takes the whole of a plain input (see the header). */
    r->chunk = len + 1 > DEFAULT_CHUNK ? len + 1 : DEFAULT_CHUNK;
    return SL_OK;
}

sl_status sl_json_reader_open_resume(struct sl_input *in, const void *prefix, size_t len,
                                     const char *name, const sl_json_options *opts,
                                     uint64_t offset, uint64_t line, uint64_t col,
                                     sl_json_reader **out, sl_error *err)
{
    sl_status s = open_with(in, name, opts, out, err);
    if (s)
        return s;
    sl_json_reader *r = *out;
    size_t cap = len > r->chunk ? len : r->chunk;
    r->buf = malloc(cap + PAD);
    if (!r->buf) {
        sl_json_reader_free(r);
        *out = NULL;
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    if (len)
        memcpy(r->buf, prefix, len);
    memset(r->buf + len, 0, PAD);
    r->cap = cap;
    r->len = len;
    r->end = r->buf + len;
    r->no_bom = offset != 0;
    rewind_to(r, name, offset, line, col);
    return SL_OK;
}

uint64_t sl_json_reader_part_end_line(sl_json_reader *r)
{
    lines_advance(r, r->len);
    return r->lt_line;
}

sl_status sl_json_reader_open_parts(const sl_json_options *opts, sl_json_reader **out,
                                    sl_error *err)
{
    return open_with(NULL, "", opts, out, err);
}

/* The part is all there is: eof is set, so nothing ever refills (or moves, or
 * frees) the borrowed buffer, and running into its end is "unexpected end of
 * input" at the part's end. */
void sl_json_reader_reset_part(sl_json_reader *r, const void *data, size_t len, const char *name,
                               uint64_t offset, uint64_t line, uint64_t col)
{
    if (!r->borrowed) {
        r->own_buf = r->buf;
        r->own_cap = r->cap;
        r->borrowed = true;
    }
    sl_input_free(r->in);
    r->in = NULL;
    r->buf = (uint8_t *)(uintptr_t)data;
    r->cap = r->len = len;
    r->end = r->buf + len;
    r->eof = true;
    r->form = SL_JSON_FORM_SEQUENCE;
    r->no_bom = offset != 0;
    rewind_to(r, name, offset, line, col);
}

void sl_json_reader_set_chunk_size(sl_json_reader *r, size_t chunk)
{
    r->chunk = chunk ? chunk : DEFAULT_CHUNK;
}

/* First call: skip a UTF-8 byte order mark, pick the form, enter the top array. */
static sl_status start(sl_json_reader *r)
{
    while (r->len < 3 && !r->eof)
        if (refill(r, 0))
            return r->sticky;
    if (!r->no_bom && r->len >= 3 && r->buf[0] == 0xEF && r->buf[1] == 0xBB && r->buf[2] == 0xBF) {
        r->pos = 3;
        r->lt_pos = 3;   /* the mark is not a column */
    }
    int c = peek(r);
    if (c == -2)
        return r->sticky;
    if (r->form == SL_JSON_FORM_AUTO)
        r->form = c == '[' ? SL_JSON_FORM_ARRAY : SL_JSON_FORM_SEQUENCE;
    if (c == -1 && r->form == SL_JSON_FORM_DOCUMENT)
        return set_error_at(r, SL_ERR_JSON, r->pos, "empty input, expected a JSON value");
    if (r->form == SL_JSON_FORM_ARRAY) {
        if (c != '[')
            return set_error_at(r, SL_ERR_JSON, r->pos,
                                c == -1 ? "empty input, expected '[' to start the top-level array"
                                        : "expected '[' to start the top-level array");
        r->pos++;
        r->state = ST_ARR_FIRST;
    } else {
        r->state = ST_SEQ;
    }
    return SL_OK;
}

static sl_status next_in_sequence(sl_json_reader *r)
{
    int c = peek(r);
    if (c == -2)
        return r->sticky;
    if (c == -1) {
        r->state = ST_DONE;
        return SL_EOF;
    }
    if (r->form == SL_JSON_FORM_DOCUMENT && r->records > 0)
        return set_error_at(r, SL_ERR_JSON, r->pos, "unexpected data after the document");
    sl_status s = read_record(r, r->opt.max_depth);
    if (s)
        return s;
    const uint8_t *p = r->buf + r->pos;
    if (r->form == SL_JSON_FORM_DOCUMENT) {
        /* Report trailing data now when it is already buffered. */
        p = skip_ws(p);
        if (p < r->end)
            return set_error_at(r, SL_ERR_JSON, (size_t)(p - r->buf),
                                "unexpected data after the document");
    } else if (r->root.type < SL_JSON_STRING && !is_delim(*p) && p < r->end) {
        /* A top-level number or literal must not run into the next value ("1true"). */
        return set_error_at(r, SL_ERR_JSON, (size_t)(p - r->buf),
                            "expected whitespace or a delimiter after a top-level value");
    }
    return SL_OK;
}

/* After the top-level array's ']': only whitespace may follow. */
static sl_status array_end(sl_json_reader *r)
{
    r->state = ST_ARR_END;
    int c = peek(r);
    if (c == -2)
        return r->sticky;
    if (c != -1)
        return set_error_at(r, SL_ERR_JSON, r->pos, "unexpected data after the top-level array");
    r->state = ST_DONE;
    return SL_EOF;
}

static sl_status next_in_array(sl_json_reader *r)
{
    size_t depth = r->opt.max_depth - 1;   /* the top-level array is one level */
    int c = peek(r);
    if (c == -2)
        return r->sticky;
    if (c == ']') {   /* "[]", or the end after an element */
        r->pos++;
        return array_end(r);
    }
    if (r->state == ST_ARR_FIRST) {
        if (c == -1)
            return set_error_at(r, SL_ERR_JSON, r->pos,
                                "unexpected end of input (expected a value or ']')");
        r->state = ST_ARR_NEXT;
        return read_record(r, depth);
    }
    if (c != ',')
        return set_error_at(r, SL_ERR_JSON, r->pos,
                            c == -1 ? "unexpected end of input (expected ',' or ']' after array element)"
                                    : "expected ',' or ']' after array element");
    r->pos++;
    c = peek(r);
    if (c == -2)
        return r->sticky;
    if (c == ']')
        return set_error_at(r, SL_ERR_JSON, r->pos, "trailing comma in array");
    if (c == -1)
        return set_error_at(r, SL_ERR_JSON, r->pos, "unexpected end of input (expected a value)");
    return read_record(r, depth);
}

sl_status sl_json_reader_next(sl_json_reader *r, const sl_json_value **out, sl_error *err)
{
    *out = NULL;
    sl_status s = SL_OK;
    if (!r->sticky && r->state == ST_START)
        s = start(r);
    if (!r->sticky && !s) {
        switch (r->state) {
        case ST_SEQ:
            s = next_in_sequence(r);
            break;
        case ST_ARR_FIRST:
        case ST_ARR_NEXT:
            s = next_in_array(r);
            break;
        case ST_ARR_END:
            s = array_end(r);
            break;
        default:
            s = SL_EOF;
        }
    }
    if (r->sticky) {
        if (err)
            *err = r->sticky_err;
        return r->sticky;
    }
    if (s == SL_OK)
        *out = &r->root;
    return s;
}

uint64_t sl_json_reader_record_line(const sl_json_reader *r) { return r->rec_line; }
uint64_t sl_json_reader_record_offset(const sl_json_reader *r) { return r->rec_off; }
uint64_t sl_json_reader_duplicate_keys(const sl_json_reader *r) { return r->dups; }
uint64_t sl_json_reader_bytes_in(const sl_json_reader *r) { return r->buf_off + r->pos; }

uint64_t sl_json_reader_compressed_bytes_in(const sl_json_reader *r)
{
    return r->in ? sl_input_bytes_in(r->in) : 0;
}

void sl_json_reader_free(sl_json_reader *r)
{
    if (!r)
        return;
    sl_input_free(r->in);
    unborrow(r);
    free(r->buf);
    sl_arena_free(&r->arena);
    free(r->stk);
    free(r->frames);
    sl_buf_free(&r->sbuf);
    free(r->ntmp);
    free(r->ht);
    free(r);
}

const sl_json_value *sl_json_get(const sl_json_value *v, const char *key)
{
    if (!v || v->type != SL_JSON_OBJECT || !key)
        return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < v->u.obj.len; i++) {
        const sl_json_member *m = &v->u.obj.members[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0)
            return &m->value;
    }
    return NULL;
}
