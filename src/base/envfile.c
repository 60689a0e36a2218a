/* Environment files (see envfile.h). One pass over the text; a value is unquoted
 * and unescaped into a buffer that grows to the longest value. */
#include "base/envfile.h"

#include <stdbool.h>
#include <stdint.h>

#include "sluice/buf.h"

typedef struct scan {
    const char *start, *p, *end, *line_start;
    unsigned line;
    const char *path;
    sl_error *err;
} scan;

static sl_status fail(scan *s, const char *at, const char *why)
{
    sl_error_set_file(s->err, s->path);
    return sl_error_at(s->err, SL_ERR_USAGE, s->line, (uint64_t)(at - s->line_start) + 1,
                       (uint64_t)(at - s->start), "%s", why);
}

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
static bool key_start(char c) { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static bool key_char(char c) { return key_start(c) || (c >= '0' && c <= '9'); }

/* Past a newline: the next line. */
static void newline(scan *s)
{
    s->p++;
    s->line++;
    s->line_start = s->p;
}

/* A value from s->p to its end, unquoted into v. */
static sl_status value(scan *s, sl_buf *v)
{
    size_t keep = 0;            /* v's length up to the last non-blank unquoted byte */
    /* a value is never longer than the text left, so no putc below can fail */
    if (sl_buf_reserve(v, (size_t)(s->end - s->p) + 1))
        return sl_error_set(s->err, SL_ERR_NOMEM, "out of memory");
    while (s->p < s->end && *s->p != '\n') {
        char c = *s->p;
        if (c == '\'' || c == '"') {
            const char *open = s->p++, *open_ls = s->line_start;
            unsigned open_line = s->line;
            for (;;) {
                if (s->p == s->end) {   /* named where the quote opens */
                    s->line = open_line;
                    s->line_start = open_ls;
                    return fail(s, open, c == '"' ? "a \" that is never closed" : "a ' that is never closed");
                }
                char d = *s->p;
                if (d == c) {
                    s->p++;
                    break;
                }
                if (c == '"' && d == '\\' && s->p + 1 < s->end) {
                    char e = s->p[1];
                    if (e == '\n') {            /* a continued line inside quotes */
                        s->p++;
                        newline(s);
                        continue;
                    }
                    if (e == '"' || e == '\\' || e == '$' || e == '`') {
                        sl_buf_putc(v, e);
                        s->p += 2;
                        continue;
                    }
                }
                if (d == '\n') {
                    sl_buf_putc(v, '\n');
                    newline(s);
                    continue;
                }
                sl_buf_putc(v, d);
                s->p++;
            }
            keep = v->len;
            continue;
        }
        if (c == '\\' && s->p + 1 < s->end && s->p[1] == '\n') {   /* continued */
            s->p++;
            newline(s);
            continue;
        }
        if (c == '\\' && s->p + 1 < s->end && s->p[1] != '\r') {   /* \x is x */
            sl_buf_putc(v, s->p[1]);
            s->p += 2;
            keep = v->len;
            continue;
        }
        sl_buf_putc(v, c);
        s->p++;
        if (!blank(c))
            keep = v->len;
    }
    v->len = keep;
    return SL_OK;
}

sl_status sl_envfile_parse(const char *text, size_t len, const char *path, sl_envfile_fn fn,
                           void *ctx, sl_error *err)
{
    scan s = {text, text, text + len, text, 1, path, err};
    sl_buf v;
    sl_buf_init(&v, 0);
    sl_status st = SL_OK;
    while (!st && s.p < s.end) {
        while (s.p < s.end && blank(*s.p))
            s.p++;
        if (s.p == s.end)
            break;
        if (*s.p == '\n') {
            newline(&s);
            continue;
        }
        if (*s.p == '#' || *s.p == ';') {
            while (s.p < s.end && *s.p != '\n')
                s.p++;
            continue;
        }
        if (!key_start(*s.p)) {
            st = fail(&s, s.p, "expected KEY=VALUE (a key is letters, digits and _)");
            break;
        }
        const char *key = s.p;
        unsigned line = s.line;
        while (s.p < s.end && key_char(*s.p))
            s.p++;
        size_t klen = (size_t)(s.p - key);
        while (s.p < s.end && blank(*s.p))
            s.p++;
        if (s.p == s.end || *s.p != '=') {
            st = fail(&s, s.p, "expected '=' after the key");
            break;
        }
        s.p++;
        while (s.p < s.end && blank(*s.p))
            s.p++;
        v.len = 0;
        if ((st = value(&s, &v)))
            break;
        v.data[v.len] = '\0';
        st = fn(ctx, key, klen, (const char *)v.data, v.len, line);
    }
    sl_buf_free(&v);
    return st;
}
