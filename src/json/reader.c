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
 * The parser is iterative: open containers live on an explicit frame stack bounded
 * by max_depth, and the members or items of every open container on one scratch
 * stack; closing a container copies its items into the record's arena. Nothing is
 * malloc'ed per value, and no input depth reaches the C stack.
 *
 * Line and column are not tracked while parsing (newlines can only occur in
 * whitespace, never inside a token): they are computed from a checkpoint when a
 * record starts and when an error is reported. */
#include "json/internal.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/arena.h"
#include "base/buf.h"
#include "base/input.h"

#define PAD 64
#define DEFAULT_CHUNK ((size_t)1 << 20)
#define NEED_MORE ((sl_status)1000)
#define SMALL_OBJECT 16   /* objects up to this many members dedupe without a hash */

enum { ST_START, ST_SEQ, ST_ARR_FIRST, ST_ARR_NEXT, ST_ARR_END, ST_DONE };

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
};

/* ---- small tables ---- */

static inline bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline const uint8_t *skip_ws(const uint8_t *p)
{
    while (is_ws(*p))
        p++;
    return p;
}

/* Bytes that may follow a top-level scalar in a sequence (0 is handled apart). */
static inline bool is_delim(uint8_t c)
{
    return is_ws(c) || c == '[' || c == '{' || c == '"' || c == ']' || c == '}' ||
           c == ',' || c == ':';
}

/* ---- errors ---- */

/* Records a parse failure at pos. probe is the furthest byte the check looked at:
 * if it lies at or past the end of the buffered data, the input merely ran out, and
 * the failure is NEED_MORE (or "unexpected end of input" at EOF). Returns NULL so
 * callers can `return fail(...)`. */
static const uint8_t *fail(sl_json_reader *r, const uint8_t *pos, const uint8_t *probe,
                           sl_status code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static const uint8_t *fail(sl_json_reader *r, const uint8_t *pos, const uint8_t *probe,
                           sl_status code, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (probe >= r->end && code == SL_ERR_JSON) {
        if (!r->eof) {
            r->pst = NEED_MORE;
            return NULL;
        }
        snprintf(r->perr_msg, sizeof r->perr_msg, "unexpected end of input (%s)", msg);
        pos = r->end;
    } else {
        snprintf(r->perr_msg, sizeof r->perr_msg, "%s", msg);
    }
    if (pos > r->end)
        pos = r->end;
    r->pst = code;
    r->perr_pos = (size_t)(pos - r->buf);
    return NULL;
}

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

/* ---- strings ---- */

/* Validates one UTF-8 sequence at p (p[0] >= 0x80); returns the byte after it. */
static const uint8_t *utf8_seq(sl_json_reader *r, const uint8_t *p)
{
    uint8_t c = p[0];
    int n;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c < 0xC2 || c > 0xF4)
        return fail(r, p, p, SL_ERR_JSON, "invalid UTF-8 byte 0x%02x in string", c);
    if (c < 0xE0) {
        n = 1;
    } else if (c < 0xF0) {
        n = 2;
        if (c == 0xE0)
            lo = 0xA0;          /* overlong */
        else if (c == 0xED)
            hi = 0x9F;          /* UTF-16 surrogates */
    } else {
        n = 3;
        if (c == 0xF0)
            lo = 0x90;          /* overlong */
        else if (c == 0xF4)
            hi = 0x8F;          /* above U+10FFFF */
    }
    for (int k = 1; k <= n; k++) {
        uint8_t b = p[k];
        if (k == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) {
            if (p + k >= r->end)
                return fail(r, p, p + k, SL_ERR_JSON, "truncated UTF-8 sequence in string");
            return fail(r, p, p + k, SL_ERR_JSON,
                        "invalid UTF-8 sequence: byte 0x%02x after 0x%02x in string", b, c);
        }
    }
    return p + n + 1;
}

/* Advances p to the first byte that is '"', '\\', a control character, or >= 0x80. */
static inline const uint8_t *scan_plain(const uint8_t *p)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    for (;;) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                              _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmplt_epi8(v, space));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#else
    while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
        p++;
    return p;
#endif
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Reads the 4 hex digits of a \u escape at p (pointing at the backslash). */
static long read_u4(sl_json_reader *r, const uint8_t *p)
{
    long v = 0;
    for (int k = 2; k < 6; k++) {
        int h = hexval(p[k]);
        if (h < 0 && p + k >= r->end) {
            fail(r, p, p + k, SL_ERR_JSON, "truncated escape '\\u' in string");
            return -1;
        }
        if (h < 0) {
            fail(r, p, p + k, SL_ERR_JSON, "invalid escape '\\u': expected 4 hex digits");
            return -1;
        }
        v = v * 16 + h;
    }
    return v;
}

static bool put_utf8(sl_buf *b, unsigned long cp)
{
    uint8_t t[4];
    size_t n;
    if (cp < 0x80) {
        t[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        t[0] = (uint8_t)(0xC0 | (cp >> 6));
        t[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        t[0] = (uint8_t)(0xE0 | (cp >> 12));
        t[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        t[0] = (uint8_t)(0xF0 | (cp >> 18));
        t[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        t[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return sl_buf_append(b, t, n) == SL_OK;
}

/* Decodes one escape at p (the backslash) into sbuf; returns the byte after it. */
static const uint8_t *escape(sl_json_reader *r, const uint8_t *p)
{
    uint8_t c = p[1], out;
    switch (c) {
    case '"': out = '"'; break;
    case '\\': out = '\\'; break;
    case '/': out = '/'; break;
    case 'b': out = '\b'; break;
    case 'f': out = '\f'; break;
    case 'n': out = '\n'; break;
    case 'r': out = '\r'; break;
    case 't': out = '\t'; break;
    case 'u': {
        long cp = read_u4(r, p);
        if (cp < 0)
            return NULL;
        const uint8_t *next = p + 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
            return fail(r, p, p, SL_ERR_JSON, "lone surrogate \\u%04lx in string", cp);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (next[0] != '\\' || next[1] != 'u')
                return fail(r, p, next[0] != '\\' ? next : next + 1, SL_ERR_JSON,
                            "lone surrogate \\u%04lx in string", cp);
            long lo = read_u4(r, next);
            if (lo < 0)
                return NULL;
            if (lo < 0xDC00 || lo > 0xDFFF)
                return fail(r, p, p, SL_ERR_JSON, "lone surrogate \\u%04lx in string", cp);
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            next += 6;
        }
        if (!put_utf8(&r->sbuf, (unsigned long)cp))
            return fail(r, p, p, SL_ERR_NOMEM, "out of memory");
        return next;
    }
    default:
        if (p + 1 >= r->end)
            return fail(r, p, p + 1, SL_ERR_JSON, "unterminated string after '\\'");
        if (c >= 0x20 && c < 0x7F)
            return fail(r, p, p + 1, SL_ERR_JSON, "invalid escape '\\%c' in string", c);
        return fail(r, p, p + 1, SL_ERR_JSON, "invalid escape: byte 0x%02x after '\\' in string",
                    c);
    }
    if (sl_buf_putc(&r->sbuf, out))
        return fail(r, p, p, SL_ERR_NOMEM, "out of memory");
    return p + 2;
}

static const uint8_t *bad_string_byte(sl_json_reader *r, const uint8_t *p)
{
    if (p >= r->end)
        return fail(r, p, p, SL_ERR_JSON, "unterminated string, expected '\"'");
    return fail(r, p, p, SL_ERR_JSON, "unescaped control character 0x%02x in string", *p);
}

/* The rest of a string whose body has an escape at p; s is the body's start. */
static const uint8_t *string_escaped(sl_json_reader *r, const uint8_t *s, const uint8_t *p,
                                     const char **out, size_t *out_len)
{
    sl_buf_clear(&r->sbuf);
    if (sl_buf_append(&r->sbuf, s, (size_t)(p - s)))
        return fail(r, p, p, SL_ERR_NOMEM, "out of memory");
    for (;;) {
        uint8_t c = *p;
        if (c == '"')
            break;
        if (c == '\\') {
            p = escape(r, p);
        } else if (c >= 0x80) {
            const uint8_t *q = utf8_seq(r, p);
            if (q && sl_buf_append(&r->sbuf, p, (size_t)(q - p)))
                return fail(r, p, p, SL_ERR_NOMEM, "out of memory");
            p = q;
        } else {
            return bad_string_byte(r, p);
        }
        if (!p)
            return NULL;
        const uint8_t *q = scan_plain(p);
        if (q > p && sl_buf_append(&r->sbuf, p, (size_t)(q - p)))
            return fail(r, p, p, SL_ERR_NOMEM, "out of memory");
        p = q;
    }
    char *dup = sl_arena_strndup(&r->arena, (const char *)r->sbuf.data, r->sbuf.len);
    if (!dup)
        return fail(r, p, p, SL_ERR_NOMEM, "out of memory");
    *out = dup;
    *out_len = r->sbuf.len;
    return p + 1;
}

/* p points just after the opening quote. Returns the byte after the closing one. */
static inline const uint8_t *parse_string(sl_json_reader *r, const uint8_t *p,
                                          const char **out, size_t *out_len)
{
    const uint8_t *s = p;
    for (;;) {
        p = scan_plain(p);
        uint8_t c = *p;
        if (c == '"') {
            *out = (const char *)s;
            *out_len = (size_t)(p - s);
            return p + 1;
        }
        if (c == '\\')
            return string_escaped(r, s, p, out, out_len);
        if (c < 0x80)
            return bad_string_byte(r, p);
        p = utf8_seq(r, p);
        if (!p)
            return NULL;
    }
}

/* ---- numbers ---- */

static const uint8_t *parse_number(sl_json_reader *r, const uint8_t *p, sl_json_value *v)
{
    const uint8_t *s = p;
    bool is_int = true;
    if (*p == '-')
        p++;
    if (*p == '0') {
        p++;
        if (*p >= '0' && *p <= '9')
            return fail(r, p - 1, p - 1, SL_ERR_JSON, "leading zero in number");
    } else if (*p >= '1' && *p <= '9') {
        uint64_t m = (uint64_t)(*p++ - '0');
        while (*p >= '0' && *p <= '9')
            m = m * 10 + (uint64_t)(*p++ - '0');
        /* Fast path: a plain integer of at most 18 digits always fits int64. */
        if (*p != '.' && (*p | 0x20) != 'e' && p - s <= 18 + (*s == '-')) {
            if (p >= r->end && !r->eof) {
                r->pst = NEED_MORE;
                return NULL;
            }
            v->type = SL_JSON_INT;
            v->u.num.i = *s == '-' ? -(int64_t)m : (int64_t)m;
            v->u.num.d = (double)v->u.num.i;
            v->u.num.raw = (const char *)s;
            v->u.num.raw_len = (uint32_t)(p - s);
            return p;
        }
    } else {
        return fail(r, p, p, SL_ERR_JSON, "expected a digit after '-'");
    }
    if (*p == '.') {
        p++;
        is_int = false;
        if (*p < '0' || *p > '9')
            return fail(r, p, p, SL_ERR_JSON, "expected a digit after the decimal point");
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if ((*p | 0x20) == 'e') {
        p++;
        is_int = false;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return fail(r, p, p, SL_ERR_JSON, "expected a digit in the exponent");
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (p >= r->end && !r->eof) {
        r->pst = NEED_MORE;
        return NULL;
    }
    size_t len = (size_t)(p - s);
    if (len > UINT32_MAX)
        return fail(r, s, s, SL_ERR_LIMIT, "number longer than 4 GiB");
    if (len + 1 > r->ntmp_cap) {
        size_t cap = r->ntmp_cap ? r->ntmp_cap : 64;
        while (cap < len + 1)
            cap *= 2;
        char *t = realloc(r->ntmp, cap);
        if (!t)
            return fail(r, s, s, SL_ERR_NOMEM, "out of memory");
        r->ntmp = t;
        r->ntmp_cap = cap;
    }
    if (sl_json_number_convert((const char *)s, len, is_int, r->ntmp, v))
        return fail(r, s, s, SL_ERR_JSON, "number out of range (overflows a double)");
    return p;
}

/* ---- containers ---- */

static bool key_eq(const sl_json_member *a, const sl_json_member *b)
{
    return a->key_len == b->key_len &&
           (a->key_len == 0 || (a->key[0] == b->key[0] && memcmp(a->key, b->key, a->key_len) == 0));
}

static uint64_t key_hash(const char *k, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)k[i]) * 0x100000001B3ull;
    return h ^ (h >> 29);
}

/* Removes duplicate keys from m[0..n): the last value wins, at the position of the
 * first occurrence. Returns the new count, or SIZE_MAX when out of memory. */
static size_t dedupe(sl_json_reader *r, sl_json_member *m, size_t n)
{
    size_t out = 1;
    if (n < 2)
        return n;
    if (n <= SMALL_OBJECT) {
        for (size_t j = 1; j < n; j++) {
            size_t i = 0;
            while (i < out && !key_eq(&m[i], &m[j]))
                i++;
            if (i < out) {
                m[i].value = m[j].value;
                r->dups++;
            } else {
                m[out++] = m[j];
            }
        }
        return out;
    }
    size_t want = 1;
    while (want < 2 * n)
        want *= 2;
    if (want > r->ht_cap) {
        size_t *t = realloc(r->ht, want * sizeof *t);
        if (!t)
            return SIZE_MAX;
        r->ht = t;
        r->ht_cap = want;
    }
    memset(r->ht, 0, want * sizeof *r->ht);
    size_t mask = want - 1;
    out = 0;
    for (size_t j = 0; j < n; j++) {
        size_t h = (size_t)key_hash(m[j].key, m[j].key_len) & mask;
        for (;;) {
            size_t slot = r->ht[h];
            if (slot == 0) {
                r->ht[h] = out + 1;
                m[out++] = m[j];
                break;
            }
            if (key_eq(&m[slot - 1], &m[j])) {
                m[slot - 1].value = m[j].value;
                r->dups++;
                break;
            }
            h = (h + 1) & mask;
        }
    }
    return out;
}

static bool grow_stack(sl_json_reader *r)
{
    size_t cap = r->stk_cap ? r->stk_cap * 2 : 256;
    sl_json_member *s = realloc(r->stk, cap * sizeof *s);
    if (!s)
        return false;
    r->stk = s;
    r->stk_cap = cap;
    return true;
}

static bool grow_frames(sl_json_reader *r)
{
    size_t cap = r->frames_cap ? r->frames_cap * 2 : 64;
    frame *f = realloc(r->frames, cap * sizeof *f);
    if (!f)
        return false;
    r->frames = f;
    r->frames_cap = cap;
    return true;
}

/* Closes the innermost container, whose items are stk[base..ns), into *v. */
static bool close_container(sl_json_reader *r, const frame *f, size_t ns, sl_json_value *v)
{
    /* Empty containers point at a shared empty array, never NULL and never written. */
    static sl_json_member no_members[1];
    static sl_json_value no_items[1];
    size_t n = ns - f->base;
    if (n == 0) {
        v->type = f->is_obj ? SL_JSON_OBJECT : SL_JSON_ARRAY;
        if (f->is_obj) {
            v->u.obj.members = no_members;
            v->u.obj.len = 0;
        } else {
            v->u.arr.items = no_items;
            v->u.arr.len = 0;
        }
        return true;
    }
    sl_json_member *m = r->stk + f->base;
    if (f->is_obj) {
        n = dedupe(r, m, n);
        if (n == SIZE_MAX)
            return false;
        sl_json_member *dst = sl_arena_alloc(&r->arena, n * sizeof *dst);
        if (!dst)
            return false;
        memcpy(dst, m, n * sizeof *dst);
        v->type = SL_JSON_OBJECT;
        v->u.obj.members = dst;
        v->u.obj.len = n;
    } else {
        sl_json_value *dst = sl_arena_alloc(&r->arena, n * sizeof *dst);
        if (!dst)
            return false;
        for (size_t k = 0; k < n; k++)
            dst[k] = m[k].value;
        v->type = SL_JSON_ARRAY;
        v->u.arr.items = dst;
        v->u.arr.len = n;
    }
    return true;
}

/* ---- one value ---- */

static const uint8_t *literal(sl_json_reader *r, const uint8_t *p, const char *word, size_t n)
{
    for (size_t k = 1; k < n; k++)
        if (p[k] != (uint8_t)word[k])
            return fail(r, p, p + k, SL_ERR_JSON, "invalid literal, expected '%s'", word);
    return p + n;
}

static const uint8_t *unexpected(sl_json_reader *r, const uint8_t *p, const char *what)
{
    uint8_t c = *p;
    if (p >= r->end)
        return fail(r, p, p, SL_ERR_JSON, "expected %s", what);
    if (c > 0x20 && c < 0x7F)
        return fail(r, p, p, SL_ERR_JSON, "unexpected character '%c', expected %s", c, what);
    return fail(r, p, p, SL_ERR_JSON, "unexpected byte 0x%02x, expected %s", c, what);
}

/* Parses one value starting at p (not whitespace) allowing `max_depth` levels of
 * nesting. Returns the byte after it, or NULL with r->pst set. */
static const uint8_t *parse_value(sl_json_reader *r, const uint8_t *p, size_t max_depth,
                                  sl_json_value *out)
{
    size_t depth = 0, ns = 0;
    sl_json_value v;
    const char *key;
    size_t klen;

value:
    switch (*p) {
    case '{':
    case '[':
        if (depth >= max_depth)
            return fail(r, p, p, SL_ERR_LIMIT, "nesting deeper than the maximum depth of %zu",
                        max_depth);
        if (depth == r->frames_cap && !grow_frames(r))
            return fail(r, p, p, SL_ERR_NOMEM, "out of memory");
        r->frames[depth].base = ns;
        r->frames[depth].is_obj = *p == '{';
        depth++;
        if (*p == '{') {
            p = skip_ws(p + 1);
            if (*p == '}') {
                p++;
                goto close;
            }
            goto key;
        }
        p = skip_ws(p + 1);
        if (*p == ']') {
            p++;
            goto close;
        }
        goto value;
    case '"':
        p = parse_string(r, p + 1, &v.u.str.ptr, &v.u.str.len);
        if (!p)
            return NULL;
        v.type = SL_JSON_STRING;
        break;
    case 't':
        if (!(p = literal(r, p, "true", 4)))
            return NULL;
        v.type = SL_JSON_TRUE;
        break;
    case 'f':
        if (!(p = literal(r, p, "false", 5)))
            return NULL;
        v.type = SL_JSON_FALSE;
        break;
    case 'n':
        if (!(p = literal(r, p, "null", 4)))
            return NULL;
        v.type = SL_JSON_NULL;
        break;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        if (!(p = parse_number(r, p, &v)))
            return NULL;
        break;
    default:
        return unexpected(r, p, "a value");
    }

done:
    if (depth == 0) {
        /* Whether "tru|e" or "12|3" or "1|x" ends here depends on the next byte. */
        if (p >= r->end && !r->eof) {
            r->pst = NEED_MORE;
            return NULL;
        }
        *out = v;
        return p;
    }
    p = skip_ws(p);
    if (r->frames[depth - 1].is_obj) {
        r->stk[ns - 1].value = v;
        if (*p == ',') {
            p = skip_ws(p + 1);
            if (*p == '}')
                return fail(r, p, p, SL_ERR_JSON, "trailing comma in object");
            goto key;
        }
        if (*p == '}') {
            p++;
            goto close;
        }
        return fail(r, p, p, SL_ERR_JSON, "expected ',' or '}' after object member");
    }
    if (ns == r->stk_cap && !grow_stack(r))
        return fail(r, p, p, SL_ERR_NOMEM, "out of memory");
    r->stk[ns++].value = v;
    if (*p == ',') {
        p = skip_ws(p + 1);
        if (*p == ']')
            return fail(r, p, p, SL_ERR_JSON, "trailing comma in array");
        goto value;
    }
    if (*p == ']') {
        p++;
        goto close;
    }
    return fail(r, p, p, SL_ERR_JSON, "expected ',' or ']' after array element");

close:
    depth--;
    if (!close_container(r, &r->frames[depth], ns, &v))
        return fail(r, p, p, SL_ERR_NOMEM, "out of memory");
    ns = r->frames[depth].base;
    goto done;

key:
    if (*p != '"')
        return unexpected(r, p, "'\"' to start an object key");
    p = parse_string(r, p + 1, &key, &klen);
    if (!p)
        return NULL;
    if (ns == r->stk_cap && !grow_stack(r))
        return fail(r, p, p, SL_ERR_NOMEM, "out of memory");
    r->stk[ns].key = key;
    r->stk[ns].key_len = klen;
    ns++;
    p = skip_ws(p);
    if (*p != ':')
        return unexpected(r, p, "':' after object key");
    p = skip_ws(p + 1);
    goto value;
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
        const uint8_t *e = parse_value(r, start, max_depth, &r->root);
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
    if (r->len >= 3 && r->buf[0] == 0xEF && r->buf[1] == 0xBB && r->buf[2] == 0xBF) {
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
    return sl_input_bytes_in(r->in);
}

void sl_json_reader_free(sl_json_reader *r)
{
    if (!r)
        return;
    sl_input_free(r->in);
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
