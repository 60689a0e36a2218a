/* JSON output: strings, doubles, and whole value trees as compact JSON.
 *
 * sl_json_write_value walks the tree with an explicit stack, so a value nested a
 * million levels deep (built by hand; the reader caps depth) cannot overflow the C
 * stack. */
#include "json/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* Bytes a JSON string must escape: the control characters, '"' and '\\'. */
static const uint8_t needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

sl_status sl_json_write_string(sl_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    sl_status st = sl_buf_reserve(out, len + 2);
    if (st)
        return st;
    /* Most strings need no escape at all: one scan, one copy. */
    size_t k = 0;
    while (k < len && !needs_escape[(uint8_t)s[k]])
        k++;
    if (k == len) {
        uint8_t *p = out->data + out->len;
        p[0] = '"';
        memcpy(p + 1, s, len);
        p[len + 1] = '"';
        out->len += len + 2;
        return SL_OK;
    }
    out->data[out->len++] = '"';
    size_t run = 0;   /* start of the bytes not yet copied */
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if ((st = sl_buf_append(out, s + run, i - run)))
            return st;
        run = i + 1;
        char esc[6] = { '\\', 0, 0, 0, 0, 0 };
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        if ((st = sl_buf_append(out, esc, n)))
            return st;
    }
    if ((st = sl_buf_append(out, s + run, len - run)))
        return st;
    return sl_buf_putc(out, '"');
}

sl_status sl_json_write_double(sl_buf *out, double d)
{
    if (!isfinite(d))
        return sl_buf_append(out, "null", 4);
    char tmp[40];
    int n = 0;
    /* The shortest of %.15g, %.16g, %.17g that reads back exactly (%.17g always does). */
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        /* The process locale may use ',' for the decimal point: JSON needs '.'. */
        for (int k = 0; k < n; k++)
            if (tmp[k] == ',')
                tmp[k] = '.';
        if (prec == 17 || sl_json_strtod_c(tmp, NULL) == d)
            break;
    }
    /* Keep it a double when read back: "1" would come back as an integer. */
    if (!strpbrk(tmp, ".eEn")) {
        if (n + 2 < (int)sizeof tmp) {
            tmp[n++] = '.';
            tmp[n++] = '0';
            tmp[n] = '\0';
        }
    }
    return sl_buf_append(out, tmp, (size_t)n);
}

static sl_status write_scalar(sl_buf *out, const sl_json_value *v)
{
    switch (v->type) {
    case SL_JSON_NULL:
        return sl_buf_append(out, "null", 4);
    case SL_JSON_FALSE:
        return sl_buf_append(out, "false", 5);
    case SL_JSON_TRUE:
        return sl_buf_append(out, "true", 4);
    case SL_JSON_INT:
        if (v->u.num.raw && v->u.num.raw_len)
            return sl_buf_append(out, v->u.num.raw, v->u.num.raw_len);
        return sl_buf_printf(out, "%lld", (long long)v->u.num.i);
    case SL_JSON_BIGINT:
        if (!v->u.num.raw || v->u.num.raw_len == 0)
            return SL_ERR_USAGE;
        return sl_buf_append(out, v->u.num.raw, v->u.num.raw_len);
    case SL_JSON_DOUBLE:
        /* The source text is exact and already valid JSON: "1.50" stays "1.50". */
        if (v->u.num.raw && v->u.num.raw_len)
            return sl_buf_append(out, v->u.num.raw, v->u.num.raw_len);
        return sl_json_write_double(out, v->u.num.d);
    case SL_JSON_STRING:
        return sl_json_write_string(out, v->u.str.ptr, v->u.str.len);
    default:
        return SL_ERR_USAGE;
    }
}

typedef struct {
    const sl_json_value *v;   /* an array or object being written */
    size_t next;              /* index of the next item */
} wframe;

sl_status sl_json_write_value(sl_buf *out, const sl_json_value *v)
{
    if (!v)
        return SL_ERR_USAGE;
    wframe small[64];
    wframe *st = small;
    size_t depth = 0, cap = 64;
    sl_status s = SL_OK;

    for (;;) {
        /* Write v: a scalar completely, a container's opening bracket. */
        if (v->type == SL_JSON_ARRAY || v->type == SL_JSON_OBJECT) {
            if ((s = sl_buf_putc(out, v->type == SL_JSON_ARRAY ? '[' : '{')))
                goto fail;
            if (depth == cap) {
                wframe *n = malloc(2 * cap * sizeof *n);
                if (!n) {
                    s = SL_ERR_NOMEM;
                    goto fail;
                }
                memcpy(n, st, depth * sizeof *n);
                if (st != small)
                    free(st);
                st = n;
                cap *= 2;
            }
            st[depth].v = v;
            st[depth].next = 0;
            depth++;
        } else if ((s = write_scalar(out, v))) {
            goto fail;
        }
        /* Find the next value to write, closing finished containers. */
        v = NULL;
        while (depth) {
            wframe *f = &st[depth - 1];
            bool is_arr = f->v->type == SL_JSON_ARRAY;
            size_t len = is_arr ? f->v->u.arr.len : f->v->u.obj.len;
            if (f->next == len) {
                if ((s = sl_buf_putc(out, is_arr ? ']' : '}')))
                    goto fail;
                depth--;
                continue;
            }
            if (f->next > 0 && (s = sl_buf_putc(out, ',')))
                goto fail;
            if (is_arr) {
                v = &f->v->u.arr.items[f->next++];
            } else {
                const sl_json_member *m = &f->v->u.obj.members[f->next++];
                if ((s = sl_json_write_string(out, m->key, m->key_len)) ||
                    (s = sl_buf_putc(out, ':')))
                    goto fail;
                v = &m->value;
            }
            break;
        }
        if (!v)
            break;
    }
fail:
    if (st != small)
        free(st);
    return s;
}
