/* The evaluation functions that make and read text: concatenation, the string
 * functions, format(), and the conversions int(), double() and string(). Strings
 * are built in the caller's arena (see expr_eval.c for the rest of evaluation). */
#include "gen/expr_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVAL(k, v) SL_EXPR_EVAL(k, v)
#define RETURN_NULL() SL_EXPR_RETURN_NULL()
#define STRICT_ARGS(a) SL_EXPR_STRICT_ARGS(a)

/* ---------------------------------------------------------------- strings */

/* A string under construction in the arena: grows by doubling, old copies stay in the
 * arena until it is reset. Past SL_EXPR_MAX_STRING it stops and the result is null. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool over;
} sbuf;

static sl_status sb_put(sbuf *b, sl_arena *a, const char *s, size_t n)
{
    if (b->over || n == 0)
        return SL_OK;
    if (n > SL_EXPR_MAX_STRING - b->len) {
        b->over = true;
        return SL_OK;
    }
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len < n)
            cap *= 2;
        if (cap > SL_EXPR_MAX_STRING)
            cap = SL_EXPR_MAX_STRING;
        char *p = sl_arena_alloc(a, cap);
        if (!p)
            return SL_ERR_NOMEM;
        if (b->len)
            memcpy(p, b->p, b->len);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return SL_OK;
}

static sl_status sb_spaces(sbuf *b, sl_arena *a, size_t n)
{
    static const char sp[] = "                                ";
    for (; n; ) {
        size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;
        sl_status st = sb_put(b, a, sp, k);
        if (st != SL_OK)
            return st;
        n -= k;
    }
    return SL_OK;
}

static sl_val sb_val(const sbuf *b)
{
    return b->over ? sl_val_null() : sl_val_str(b->p ? b->p : "", b->len);
}

/* The text of any non-list value: a string's own bytes, else written into buf. */
static void text_of(const sl_val *v, char *buf, const char **p, size_t *n)
{
    if (v->kind == SL_VAL_STRING) {
        *p = v->u.s.ptr;
        *n = v->u.s.len;
    } else {
        *n = sl_expr_text(v, buf);
        *p = buf;
    }
}

/* Characters (UTF-8 code points, counted as non-continuation bytes) in s[0..n). */
static size_t count_chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* The byte offset of character number `chars` (0-based) in s[0..n), or n. */
static size_t char_offset(const char *s, size_t n, size_t chars)
{
    size_t i = 0;
    for (; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (chars == 0)
                return i;
            chars--;
        }
    }
    return n;
}

/* ---------------------------------------------------------------- conversions */

/* An int from "  -123 "; false for anything else or out of range. */
static bool parse_int_text(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    bool neg = i < n && s[i] == '-';
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    if (i == n)
        return false;
    uint64_t u = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (u > (limit - d) / 10)
            return false;
        u = u * 10 + d;
    }
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

/* A double from a decimal number's text ("  -1.5e3 "); false for anything else,
 * including inf and nan, which strtod would take. */
static bool parse_double_text(const char *s, size_t n, double *out)
{
    char buf[64];
    size_t i = 0, k = 0, nd = 0;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (n - i >= sizeof buf)
        return false;
    size_t start = i;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        nd++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            nd++;
    if (nd == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        if (i == n || s[i] < '0' || s[i] > '9')
            return false;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i != n)
        return false;
    for (i = start; i < n; i++)
        buf[k++] = s[i];
    buf[k] = '\0';
    *out = strtod(buf, NULL);
    return isfinite(*out);
}

/* v truncated toward zero to an int; false when it has no such value. */
static bool trunc_int(const sl_val *v, int64_t *out)
{
    switch (v->kind) {
    case SL_VAL_INT: case SL_VAL_DATE: case SL_VAL_TIME: case SL_VAL_TIMESTAMP:
        *out = v->u.i;
        return true;
    case SL_VAL_BOOL: *out = v->u.b; return true;
    case SL_VAL_DOUBLE:
        if (!(v->u.d >= -0x1p63 && v->u.d < 0x1p63))
            return false;
        *out = (int64_t)v->u.d;
        return true;
    case SL_VAL_DECIMAL: {
        int64_t p = 1;
        if (v->u.dec.scale > 18) {
            *out = 0;
            return true;
        }
        for (int32_t i = 0; i < v->u.dec.scale; i++)
            p *= 10;
        *out = v->u.dec.unscaled / p;
        return true;
    }
    case SL_VAL_STRING: return parse_int_text(v->u.s.ptr, v->u.s.len, out);
    default: return false;
    }
}

sl_status sl_expr_ev_int(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    int64_t i;
    EVAL(n->kids[0], out);
    if (out->kind != SL_VAL_NULL)
        *out = trunc_int(out, &i) ? sl_val_int(i) : sl_val_null();
    return SL_OK;
}

sl_status sl_expr_ev_double(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    double d;
    EVAL(n->kids[0], out);
    if (out->kind == SL_VAL_BOOL)
        *out = sl_val_double(out->u.b);
    else if (out->kind == SL_VAL_STRING)
        *out = parse_double_text(out->u.s.ptr, out->u.s.len, &d) ? sl_val_double(d) : sl_val_null();
    else if (out->kind != SL_VAL_NULL)
        *out = sl_val_double(sl_expr_num(out));
    return SL_OK;
}

sl_status sl_expr_ev_string(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    EVAL(n->kids[0], out);
    if (out->kind == SL_VAL_NULL || out->kind == SL_VAL_STRING)
        return SL_OK;
    char buf[SL_EXPR_TEXT_MAX];
    size_t k = sl_expr_text(out, buf);
    char *p = sl_arena_strndup(c->arena, buf, k);
    if (!p) {
        *out = sl_val_null();
        return SL_ERR_NOMEM;
    }
    *out = sl_val_str(p, k);
    return SL_OK;
}

/* ---------------------------------------------------------------- string functions */

sl_status sl_expr_ev_concat(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    sbuf b = {0};
    for (uint32_t i = 0; i < n->nkids; i++) {
        sl_val v;
        char buf[SL_EXPR_TEXT_MAX];
        const char *p;
        size_t len;
        EVAL(n->kids[i], &v);
        if (v.kind == SL_VAL_NULL)
            RETURN_NULL();
        text_of(&v, buf, &p, &len);
        sl_status st = sb_put(&b, c->arena, p, len);
        if (st != SL_OK)
            return st;
    }
    *out = sb_val(&b);
    return SL_OK;
}

sl_status sl_expr_ev_length(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    EVAL(n->kids[0], out);
    if (out->kind == SL_VAL_STRING)
        *out = sl_val_int((int64_t)count_chars(out->u.s.ptr, out->u.s.len));
    else if (out->kind == SL_VAL_LIST)
        *out = sl_val_int((int64_t)out->u.list.len);
    return SL_OK;
}

static sl_status change_case(const sl_expr_node *n, const sl_expr_ctx *c, bool up, sl_val *out)
{
    EVAL(n->kids[0], out);
    if (out->kind != SL_VAL_STRING)
        return SL_OK;
    size_t len = out->u.s.len;
    char *p = sl_arena_strndup(c->arena, out->u.s.ptr, len);
    if (!p) {
        *out = sl_val_null();
        return SL_ERR_NOMEM;
    }
    for (size_t i = 0; i < len; i++) {
        if (up && p[i] >= 'a' && p[i] <= 'z')
            p[i] = (char)(p[i] - 'a' + 'A');
        else if (!up && p[i] >= 'A' && p[i] <= 'Z')
            p[i] = (char)(p[i] - 'A' + 'a');
    }
    *out = sl_val_str(p, len);
    return SL_OK;
}

sl_status sl_expr_ev_upper(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    return change_case(n, c, true, out);
}

sl_status sl_expr_ev_lower(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    return change_case(n, c, false, out);
}

sl_status sl_expr_ev_substr(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    STRICT_ARGS(a);
    const char *s = a[0].u.s.ptr;
    size_t len = a[0].u.s.len;
    int64_t from = a[1].u.i, to = INT64_MAX; /* 1-based, [from, to) */
    if (n->nkids > 2) {
        if (a[2].u.i < 0)
            RETURN_NULL();
        if (__builtin_add_overflow(from, a[2].u.i, &to))
            to = INT64_MAX;
    }
    int64_t chars = (int64_t)count_chars(s, len);
    if (from < 1)
        from = 1;
    if (to > chars + 1)
        to = chars + 1;
    if (to <= from) {
        *out = sl_val_str("", 0);
        return SL_OK;
    }
    size_t b0 = char_offset(s, len, (size_t)(from - 1));
    size_t b1 = char_offset(s, len, (size_t)(to - 1));
    *out = sl_val_str(s + b0, b1 - b0);
    return SL_OK;
}

/* Prints a %d %i %x or %f conversion of v into buf through one of a few literal
 * printf formats (so the compiler checks them and no user text is a format).
 * Returns snprintf's result; *ok is false when v has no int value for %d or %x. */
static int print_number(char *buf, size_t n, const sl_expr_fmt *s, const sl_val *v, bool *ok)
{
    int w = s->width > 0 ? s->width : 0, prec = s->prec;
    char flag = s->left ? '-' : s->zero ? '0' : ' ';
    if (s->conv == 'f') {
        double d = sl_expr_num(v);
        prec = prec < 0 ? 6 : prec;
        return flag == '-' ? snprintf(buf, n, "%-*.*f", w, prec, d)
             : flag == '0' ? snprintf(buf, n, "%0*.*f", w, prec, d)
                           : snprintf(buf, n, "%*.*f", w, prec, d);
    }
    int64_t i;
    if (!trunc_int(v, &i)) {
        *ok = false;
        return 0;
    }
    /* as in C, '0' is ignored for ints when a precision is given; the default
     * precision of an int is 1 (at least one digit) */
    if (flag == '0' && prec < 0)
        return s->conv == 'x' ? snprintf(buf, n, "%0*llx", w, (unsigned long long)i)
                              : snprintf(buf, n, "%0*lld", w, (long long)i);
    prec = prec < 0 ? 1 : prec;
    if (s->conv == 'x')
        return s->left ? snprintf(buf, n, "%-*.*llx", w, prec, (unsigned long long)i)
                       : snprintf(buf, n, "%*.*llx", w, prec, (unsigned long long)i);
    return s->left ? snprintf(buf, n, "%-*.*lld", w, prec, (long long)i)
                   : snprintf(buf, n, "%*.*lld", w, prec, (long long)i);
}

/* Appends one conversion of v (non-null, accepted by spec->conv). *ok is false when
 * v has no value for it (a double beyond the int range for %d). noinline keeps the
 * buffer out of the recursive evaluation's frames. */
__attribute__((noinline)) static sl_status put_conv(sbuf *b, sl_arena *a, const sl_expr_fmt *s,
                                                    const sl_val *v, bool *ok)
{
    char buf[512]; /* %99.99f of -1e308 is 410 bytes */
    *ok = true;
    if (s->conv == 's') {
        const char *p;
        size_t len;
        text_of(v, buf, &p, &len);
        size_t chars = count_chars(p, len);
        if (s->prec >= 0 && chars > (size_t)s->prec) {
            len = char_offset(p, len, (size_t)s->prec);
            chars = (size_t)s->prec;
        }
        size_t pad = s->width > 0 && (size_t)s->width > chars ? (size_t)s->width - chars : 0;
        sl_status st = s->left ? SL_OK : sb_spaces(b, a, pad);
        if (st == SL_OK)
            st = sb_put(b, a, p, len);
        if (st == SL_OK && s->left)
            st = sb_spaces(b, a, pad);
        return st;
    }
    int len = print_number(buf, sizeof buf, s, v, ok);
    if (!*ok)
        return SL_OK;
    if (len < 0 || (size_t)len >= sizeof buf) {
        *ok = false; /* cannot happen with width and precision under 100 */
        return SL_OK;
    }
    return sb_put(b, a, buf, (size_t)len);
}

sl_status sl_expr_ev_format(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    sl_val f;
    EVAL(n->kids[0], &f);
    if (f.kind != SL_VAL_STRING)
        RETURN_NULL();
    sbuf b = {0};
    sl_expr_fmt spec;
    size_t i = 0;
    uint32_t next = 1;
    int r;
    while ((r = sl_expr_fmt_next(f.u.s.ptr, f.u.s.len, &i, &spec)) != SL_FMT_END) {
        sl_status st;
        if (r == SL_FMT_BAD)
            RETURN_NULL();
        if (r == SL_FMT_TEXT) {
            st = sb_put(&b, c->arena, spec.text, spec.text_len);
        } else {
            sl_val v;
            bool ok;
            if (next >= n->nkids)
                RETURN_NULL();
            EVAL(n->kids[next++], &v);
            if (v.kind == SL_VAL_NULL || !sl_expr_fmt_accepts(spec.conv, v.kind))
                RETURN_NULL();
            st = put_conv(&b, c->arena, &spec, &v, &ok);
            if (st == SL_OK && !ok)
                RETURN_NULL();
        }
        if (st != SL_OK)
            return st;
    }
    if (next != n->nkids)
        RETURN_NULL();
    *out = sb_val(&b);
    return SL_OK;
}
