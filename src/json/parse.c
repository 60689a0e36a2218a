/* The JSON value parser: one value from the reader's buffer, iteratively.
 *
 * Open containers live on an explicit frame stack bounded by max_depth, and the
 * members or items of every open container on one scratch stack; closing a
 * container copies its items into the record's arena. Nothing is malloc'ed per
 * value, and no input depth reaches the C stack.
 *
 * Bounds: the buffered data ends with PAD zero bytes. Every scan stops at a zero
 * byte (not whitespace, not a digit, not allowed unescaped in a string), and a zero
 * at or past r->end means "out of data", which fail() turns into NEED_MORE (or "unexpected
 * end of input" at EOF). SSE2 loads of 16 bytes therefore never leave the buffer. */
#include "json/internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SMALL_OBJECT 16   /* objects up to this many members dedupe without a hash */

#define skip_ws sl_json_skip_ws

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

static const uint8_t *number_slow(sl_json_reader *r, const uint8_t *s, const uint8_t *p,
                                  bool is_int, sl_json_value *v);

static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static inline bool is_digit(uint8_t c)
{
    return (uint8_t)(c - '0') < 10;
}

/* Checks the grammar and converts in one pass where it can: integers of up to 18
 * digits, and doubles whose digits form an integer m <= 2^53 with a decimal
 * exponent within +-22 (then m and 10^e are exact doubles and one multiplication
 * or division rounds correctly). Everything else goes to sl_json_number_convert. */
static const uint8_t *parse_number(sl_json_reader *r, const uint8_t *p, sl_json_value *v)
{
    const uint8_t *s = p;
    bool neg = *p == '-';
    p += neg;
    uint64_t m = 0;
    const uint8_t *ds = p;     /* first digit */
    if (*p == '0') {
        p++;
        if (is_digit(*p))
            return fail(r, p - 1, p - 1, SL_ERR_JSON, "leading zero in number");
    } else if (is_digit(*p)) {
        while (is_digit(*p))
            m = m * 10 + (uint64_t)(*p++ - '0');
    } else {
        return fail(r, p, p, SL_ERR_JSON, "expected a digit after '-'");
    }
    size_t ndigits = (size_t)(p - ds);
    if (*p != '.' && (*p | 0x20) != 'e') {
        if (p >= r->end && !r->eof) {
            r->pst = NEED_MORE;
            return NULL;
        }
        if (ndigits <= 18) {   /* always fits int64 */
            v->type = SL_JSON_INT;
            v->u.num.i = neg ? -(int64_t)m : (int64_t)m;
            v->u.num.d = (double)v->u.num.i;
            v->u.num.raw = (const char *)s;
            v->u.num.raw_len = (uint32_t)(p - s);
            return p;
        }
        return number_slow(r, s, p, true, v);
    }
    int exp10 = 0;
    if (*p == '.') {
        p++;
        if (!is_digit(*p))
            return fail(r, p, p, SL_ERR_JSON, "expected a digit after the decimal point");
        const uint8_t *fs = p;
        while (is_digit(*p))
            m = m * 10 + (uint64_t)(*p++ - '0');
        exp10 = -(int)(p - fs < 100000 ? p - fs : 100000);
        ndigits += (size_t)(p - fs);
    }
    if ((*p | 0x20) == 'e') {
        p++;
        bool eneg = false;
        if (*p == '+' || *p == '-')
            eneg = *p++ == '-';
        if (!is_digit(*p))
            return fail(r, p, p, SL_ERR_JSON, "expected a digit in the exponent");
        int x = 0;
        while (is_digit(*p)) {
            if (x < 1000000)
                x = x * 10 + (*p - '0');
            p++;
        }
        exp10 += eneg ? -x : x;
    }
    if (p >= r->end && !r->eof) {
        r->pst = NEED_MORE;
        return NULL;
    }
    if (ndigits <= 19 && m <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
        double d = (double)m;
        d = exp10 < 0 ? d / pow10_exact[-exp10] : d * pow10_exact[exp10];
        v->type = SL_JSON_DOUBLE;
        v->u.num.d = neg ? -d : d;
        v->u.num.i = 0;
        v->u.num.raw = (const char *)s;
        v->u.num.raw_len = (uint32_t)(p - s);
        return p;
    }
    return number_slow(r, s, p, false, v);
}

/* Numbers the fast paths do not take: big integers, long or far-out doubles. */
static const uint8_t *number_slow(sl_json_reader *r, const uint8_t *s, const uint8_t *p,
                                  bool is_int, sl_json_value *v)
{
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
        /* A 256-bit filter on (length, first byte, last byte): only a key whose tag
         * was seen before is compared with the earlier keys. */
        uint64_t seen[4] = { 0, 0, 0, 0 };
        out = 0;
        for (size_t j = 0; j < n; j++) {
            size_t len = m[j].key_len;
            unsigned t = len ? (unsigned)(len * 7 + (uint8_t)m[j].key[0] * 31 +
                                          (uint8_t)m[j].key[len - 1]) & 255u
                             : 0;
            uint64_t bit = (uint64_t)1 << (t & 63);
            if (seen[t >> 6] & bit) {
                size_t i = 0;
                while (i < out && !key_eq(&m[i], &m[j]))
                    i++;
                if (i < out) {
                    m[i].value = m[j].value;
                    r->dups++;
                    continue;
                }
            }
            seen[t >> 6] |= bit;
            m[out++] = m[j];
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
const uint8_t *sl_json_parse_value(sl_json_reader *r, const uint8_t *p, size_t max_depth,
                                   sl_json_value *out)
{
    /* Each value is parsed straight into its slot (dst): into `out` at the top,
     * else into the member or element slot on r->stk, which an array element
     * claims before its value is parsed. Building it in a local and copying it
     * there made the copy's wide loads wait on the parser's narrow stores (a
     * store-forwarding stall: a quarter of the parse time). r->stk may move while
     * a container's items are parsed, so a container's slot is found again from
     * its frame when it closes. */
    size_t depth = 0, ns = 0;
    sl_json_value *dst = out;
    const char *key;
    size_t klen;

value:
    switch (*p) {
    case '{':
    case '[':
        if (depth >= max_depth)
            /* the limit counts every level of the input, including a top-level
             * array whose elements are parsed with one level less */
            return fail(r, p, p, SL_ERR_LIMIT, "nesting deeper than the maximum depth of %zu",
                        (size_t)r->opt.max_depth);
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
        goto element;
    case '"':
        p = parse_string(r, p + 1, &dst->u.str.ptr, &dst->u.str.len);
        if (!p)
            return NULL;
        dst->type = SL_JSON_STRING;
        break;
    case 't':
        if (!(p = literal(r, p, "true", 4)))
            return NULL;
        dst->type = SL_JSON_TRUE;
        break;
    case 'f':
        if (!(p = literal(r, p, "false", 5)))
            return NULL;
        dst->type = SL_JSON_FALSE;
        break;
    case 'n':
        if (!(p = literal(r, p, "null", 4)))
            return NULL;
        dst->type = SL_JSON_NULL;
        break;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        if (!(p = parse_number(r, p, dst)))
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
        return p;
    }
    p = skip_ws(p);
    if (r->frames[depth - 1].is_obj) {
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
    if (*p == ',') {
        p = skip_ws(p + 1);
        if (*p == ']')
            return fail(r, p, p, SL_ERR_JSON, "trailing comma in array");
        goto element;
    }
    if (*p == ']') {
        p++;
        goto close;
    }
    return fail(r, p, p, SL_ERR_JSON, "expected ',' or ']' after array element");

element:
    if (ns == r->stk_cap && !grow_stack(r))
        return fail(r, p, p, SL_ERR_NOMEM, "out of memory");
    dst = &r->stk[ns++].value;
    goto value;

close:
    depth--;
    {
        size_t top = ns; /* the items are stk[base .. top), the slot stk[base - 1] */
        ns = r->frames[depth].base;
        dst = depth ? &r->stk[ns - 1].value : out;
        if (!close_container(r, &r->frames[depth], top, dst))
            return fail(r, p, p, SL_ERR_NOMEM, "out of memory");
    }
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
    dst = &r->stk[ns++].value;
    p = skip_ws(p);
    if (*p != ':')
        return unexpected(r, p, "':' after object key");
    p = skip_ws(p + 1);
    goto value;
}


/* ---- scanning a record of a known shape (sluice/json.h) ---- */

const uint8_t *sl_json_scan_string(sl_json_reader *r, const uint8_t *p, const char **s,
                                   size_t *len)
{
    return *p == '"' ? parse_string(r, p + 1, s, len) : NULL;
}

const uint8_t *sl_json_scan_scalar(sl_json_reader *r, const uint8_t *p, sl_json_value *v)
{
    switch (*p) {
    case '"':
        v->type = SL_JSON_STRING;
        return parse_string(r, p + 1, &v->u.str.ptr, &v->u.str.len);
    case 't':
        v->type = SL_JSON_TRUE;
        return literal(r, p, "true", 4);
    case 'f':
        v->type = SL_JSON_FALSE;
        return literal(r, p, "false", 5);
    case 'n':
        v->type = SL_JSON_NULL;
        return literal(r, p, "null", 4);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return parse_number(r, p, v);
    default:
        return NULL;
    }
}
