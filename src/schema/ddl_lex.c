/* Tokens: the DDL lexer, and the cursor the parsers move over its tokens.
 *
 * The lexer turns SQL text into an array of tokens by the dialect's rules for quotes,
 * comments and escapes (the table in include/sluice/ddl.h). Any character that starts
 * no other token is a one-character punctuation token, so statements that are only
 * skipped (SET @x = 1, INSERT ...) never fail here; only unterminated strings, names
 * and comments do, and strings or quoted names that are not UTF-8.
 *
 * The cursor (ddl_peek, ddl_accept_kw, ddl_name, ...) reads keywords without regard
 * to case, names as the dialect spells them, and never moves past the end token. */
#include "schema/ddl_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"

typedef struct lexer {
    ddl_ctx *c;
    const char *s;
    size_t n, i;
    uint32_t line, col;   /* position of s[i] */
} lexer;

/* Moves past one byte; a column is counted at each byte that starts a code point. */
static void adv(lexer *x)
{
    if (x->i >= x->n)
        return;
    char ch = x->s[x->i++];
    if (ch == '\n') {
        x->line++;
        x->col = 1;
    } else if (x->i >= x->n || ((unsigned char)x->s[x->i] & 0xC0) != 0x80) {
        x->col++;
    }
}

static int at(const lexer *x, size_t k)
{
    return x->i + k < x->n ? (unsigned char)x->s[x->i + k] : -1;
}

static bool word_char(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '$' || ch >= 0x80;
}

static bool is_digit(int ch) { return ch >= '0' && ch <= '9'; }

static ddl_tok here(const lexer *x)
{
    ddl_tok t = {.kind = TK_EOF, .src = x->s + x->i, .line = x->line, .col = x->col, .off = x->i};
    return t;
}

static sl_status push(lexer *x, ddl_tok *t)
{
    ddl_ctx *c = x->c;
    ddl_tok *p = ddl_grow(c, c->toks, c->ntoks, &c->captoks, sizeof *p);
    if (!p)
        return ddl_nomem(c);
    c->toks = p;
    t->len = (size_t)(x->s + x->i - t->src);
    if (!t->val) {
        t->val = t->src;
        t->vlen = t->len;
    }
    c->toks[c->ntoks++] = *t;
    return SL_OK;
}

/* The character a backslash escape stands for (MySQL's list; E'' strings share it). */
static char unescape(int ch)
{
    switch (ch) {
    case '0': return '\0';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'Z': return '\x1a';
    default: return (char)ch;
    }
}

/* Scans a quoted token from its opening quote: the quote doubled stands for itself;
 * with backslash, \x escapes too. Writes the value to v when v is not NULL and
 * returns its length, or SIZE_MAX when the input ends first. */
static size_t scan_quoted(lexer *x, char q, bool backslash, char *v)
{
    size_t k = 0;
    adv(x);
    for (;;) {
        int ch = at(x, 0);
        if (ch < 0)
            return SIZE_MAX;
        if (ch == q && at(x, 1) == q) {
            if (v)
                v[k] = q;
            k++;
            adv(x);
        } else if (ch == q) {
            adv(x);
            return k;
        } else if (ch == '\\' && backslash && at(x, 1) >= 0) {
            int e = at(x, 1);
            if (e == '%' || e == '_') { /* MySQL keeps \% and \_ as two characters */
                if (v)
                    v[k] = '\\';
                k++;
            }
            if (v)
                v[k] = unescape(e);
            k++;
            adv(x);
        } else {
            if (v)
                v[k] = (char)ch;
            k++;
        }
        adv(x);
    }
}

/* A quoted token, its value copied into the arena (sized by a first scan). */
static sl_status quoted(lexer *x, ddl_tok *t, ddl_tk kind, char q, bool backslash,
                        const char *what)
{
    lexer probe = *x;
    size_t k = scan_quoted(&probe, q, backslash, NULL);
    if (k == SIZE_MAX)
        return ddl_fail(x->c, SL_ERR_SCHEMA, t, "unterminated %s", what);
    char *v = ddl_alloc(x->c, k + 1);
    if (!v)
        return ddl_nomem(x->c);
    scan_quoted(x, q, backslash, v);
    if (sl_utf8_invalid_at((const uint8_t *)v, k) != k)
        return ddl_fail(x->c, SL_ERR_SCHEMA, t, "%s is not valid UTF-8", what);
    if (memchr(v, '\0', k))   /* a schema's strings and names are C strings */
        return ddl_fail(x->c, SL_ERR_UNSUPPORTED, t, "%s holds a NUL character", what);
    t->kind = kind;
    t->val = v;
    t->vlen = k;
    return push(x, t);
}

/* PostgreSQL's $tag$ ... $tag$ (tag possibly empty). */
static bool dollar_open(const lexer *x, size_t *taglen)
{
    size_t k = 1;
    while (at(x, k) >= 0 && at(x, k) != '$' && word_char(at(x, k)) && !(k == 1 && is_digit(at(x, k))))
        k++;
    if (at(x, k) != '$')
        return false;
    *taglen = k + 1;
    return true;
}

static sl_status dollar(lexer *x, ddl_tok *t, size_t taglen)
{
    const char *tag = x->s + x->i;
    for (size_t k = 0; k < taglen; k++)
        adv(x);
    const char *body = x->s + x->i;
    while (x->i < x->n) {
        if (x->s[x->i] == '$' && x->n - x->i >= taglen && memcmp(x->s + x->i, tag, taglen) == 0) {
            size_t blen = (size_t)(x->s + x->i - body);
            for (size_t k = 0; k < taglen; k++)
                adv(x);
            if (sl_utf8_invalid_at((const uint8_t *)body, blen) != blen)
                return ddl_fail(x->c, SL_ERR_SCHEMA, t, "string is not valid UTF-8");
            if (memchr(body, '\0', blen))
                return ddl_fail(x->c, SL_ERR_UNSUPPORTED, t, "string holds a NUL character");
            t->kind = TK_STRING;
            t->val = body;
            t->vlen = blen;
            return push(x, t);
        }
        adv(x);
    }
    return ddl_fail(x->c, SL_ERR_SCHEMA, t, "unterminated dollar-quoted string");
}

static sl_status block_comment(lexer *x)
{
    ddl_tok t = here(x);
    bool nest = x->c->dialect == SL_DDL_POSTGRES;
    int depth = 0;
    while (x->i < x->n) {
        if (at(x, 0) == '/' && at(x, 1) == '*' && (nest || depth == 0)) {
            depth++;
            adv(x);
            adv(x);
        } else if (at(x, 0) == '*' && at(x, 1) == '/') {
            adv(x);
            adv(x);
            if (--depth == 0)
                return SL_OK;
        } else {
            adv(x);
        }
    }
    return ddl_fail(x->c, SL_ERR_SCHEMA, &t, "unterminated comment");
}

static void number(lexer *x)
{
    while (is_digit(at(x, 0)))
        adv(x);
    if (at(x, 0) == '.' && at(x, 1) != '.') {
        adv(x);
        while (is_digit(at(x, 0)))
            adv(x);
    }
    if ((at(x, 0) == 'e' || at(x, 0) == 'E') &&
        (is_digit(at(x, 1)) || ((at(x, 1) == '+' || at(x, 1) == '-') && is_digit(at(x, 2))))) {
        adv(x);
        adv(x);
        while (is_digit(at(x, 0)))
            adv(x);
    }
}

static sl_status token(lexer *x)
{
    sl_ddl_dialect d = x->c->dialect;
    bool pg = d == SL_DDL_POSTGRES, mysql_like = d != SL_DDL_POSTGRES;
    int ch = at(x, 0);
    ddl_tok t = here(x);
    if (ch == '\'')
        return quoted(x, &t, TK_STRING, '\'', mysql_like, "string");
    if ((ch == 'E' || ch == 'e') && at(x, 1) == '\'' && (pg || d == SL_DDL_AUTO)) {
        adv(x);
        return quoted(x, &t, TK_STRING, '\'', true, "string");
    }
    if ((ch == 'N' || ch == 'n') && at(x, 1) == '\'') {
        adv(x);
        return quoted(x, &t, TK_STRING, '\'', mysql_like, "string");
    }
    if (ch == '"') {
        bool esc = d == SL_DDL_MYSQL || d == SL_DDL_HIVE;
        return quoted(x, &t, TK_DQ, '"', esc, esc ? "string" : "quoted name");
    }
    if (ch == '`')
        return quoted(x, &t, TK_QNAME, '`', false, "quoted name");
    size_t taglen;
    if (ch == '$' && (pg || d == SL_DDL_AUTO) && dollar_open(x, &taglen))
        return dollar(x, &t, taglen);
    if (is_digit(ch) || (ch == '.' && is_digit(at(x, 1)))) {
        t.kind = TK_NUMBER;
        number(x);
        return push(x, &t);
    }
    if (word_char(ch) && ch != '$') {
        t.kind = TK_WORD;
        while (word_char(at(x, 0)))
            adv(x);
        return push(x, &t);
    }
    static const char *const two[] = {"<=", ">=", "<>", "!=", "==", "::", "||"};
    t.kind = TK_PUNCT;
    for (size_t k = 0; k < sizeof two / sizeof two[0]; k++)
        if (ch == two[k][0] && at(x, 1) == two[k][1]) {
            adv(x);
            break;
        }
    adv(x);
    return push(x, &t);
}

sl_status ddl_lex(ddl_ctx *c, const char *src, size_t len)
{
    lexer x = {.c = c, .s = src ? src : "", .n = len, .i = 0, .line = 1, .col = 1};
    bool hash = c->dialect == SL_DDL_MYSQL || c->dialect == SL_DDL_AUTO;
    sl_status st;
    while (x.i < x.n) {
        int ch = at(&x, 0);
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v') {
            adv(&x);
        } else if ((ch == '-' && at(&x, 1) == '-') || (ch == '#' && hash)) {
            while (x.i < x.n && at(&x, 0) != '\n')
                adv(&x);
        } else if (ch == '/' && at(&x, 1) == '*') {
            if ((st = block_comment(&x)) != SL_OK)
                return st;
        } else if ((st = token(&x)) != SL_OK) {
            return st;
        }
    }
    ddl_tok eof = here(&x);
    eof.kind = TK_EOF;
    return push(&x, &eof);
}

/* ---- the cursor ---- */

const ddl_tok *ddl_peek(ddl_ctx *c, size_t ahead)
{
    size_t i = c->pos + ahead;
    return &c->toks[i < c->ntoks ? i : c->ntoks - 1];
}

const ddl_tok *ddl_next(ddl_ctx *c)
{
    const ddl_tok *t = ddl_peek(c, 0);
    if (t->kind != TK_EOF)
        c->pos++;
    return t;
}

bool ddl_ieq(const char *a, size_t n, const char *b)
{
    size_t i = 0;
    for (; i < n && b[i]; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return i == n && !b[i];
}

bool ddl_is_kw(const ddl_tok *t, const char *kw)
{
    return t->kind == TK_WORD && ddl_ieq(t->src, t->len, kw);
}

bool ddl_is_p(const ddl_tok *t, const char *p)
{
    return t->kind == TK_PUNCT && t->len == strlen(p) && memcmp(t->src, p, t->len) == 0;
}

bool ddl_accept_kw(ddl_ctx *c, const char *kw)
{
    if (!ddl_is_kw(ddl_peek(c, 0), kw))
        return false;
    c->pos++;
    return true;
}

bool ddl_accept_p(ddl_ctx *c, const char *p)
{
    if (!ddl_is_p(ddl_peek(c, 0), p))
        return false;
    c->pos++;
    return true;
}

sl_status ddl_expect_p(ddl_ctx *c, const char *p, const char *what)
{
    if (ddl_accept_p(c, p))
        return SL_OK;
    char buf[80];
    return ddl_fail(c, SL_ERR_SCHEMA, ddl_peek(c, 0), "expected '%s' %s, found %s", p, what,
                    ddl_tok_desc(ddl_peek(c, 0), buf, sizeof buf));
}

sl_status ddl_expect_kw(ddl_ctx *c, const char *kw, const char *what)
{
    if (ddl_accept_kw(c, kw))
        return SL_OK;
    char buf[80];
    return ddl_fail(c, SL_ERR_SCHEMA, ddl_peek(c, 0), "expected %s %s, found %s", kw, what,
                    ddl_tok_desc(ddl_peek(c, 0), buf, sizeof buf));
}

bool ddl_name_eq(const ddl_ctx *c, const char *a, const char *b)
{
    if (c->dialect == SL_DDL_POSTGRES)
        return strcmp(a, b) == 0;
    return ddl_ieq(a, strlen(a), b);
}

sl_status ddl_name(ddl_ctx *c, const char **out, const ddl_tok **tok, const char *what)
{
    const ddl_tok *t = ddl_peek(c, 0);
    char buf[80];
    bool pg = c->dialect == SL_DDL_POSTGRES;
    if (t->kind == TK_QNAME && pg)
        return ddl_fail(c, SL_ERR_SCHEMA, t, "backticks do not quote names in PostgreSQL "
                                             "(use double quotes)");
    if (t->kind == TK_DQ && (c->dialect == SL_DDL_MYSQL || c->dialect == SL_DDL_HIVE))
        return ddl_fail(c, SL_ERR_SCHEMA, t, "\"%s\" is a string, not a name, in %s (use "
                        "backticks)", ddl_clip(t->val, t->vlen, buf, 48),
                        c->dialect == SL_DDL_MYSQL ? "MySQL" : "Hive");
    if (t->kind != TK_WORD && t->kind != TK_QNAME && t->kind != TK_DQ)
        return ddl_fail(c, SL_ERR_SCHEMA, t, "expected %s, found %s", what,
                        ddl_tok_desc(t, buf, sizeof buf));
    char *s = ddl_strndup(c, t->val, t->vlen);
    if (!s)
        return ddl_nomem(c);
    bool fold = c->dialect == SL_DDL_HIVE || (pg && t->kind == TK_WORD);
    for (char *p = s; fold && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    c->pos++;
    *out = s;
    if (tok)
        *tok = t;
    return SL_OK;
}

/* [schema.[...]]name: the last part. */
sl_status ddl_qualified_name(ddl_ctx *c, const char **out, const ddl_tok **tok,
                             const char *what)
{
    sl_status st = ddl_name(c, out, tok, what);
    while (st == SL_OK && ddl_accept_p(c, "."))
        st = ddl_name(c, out, tok, what);
    return st;
}

sl_status ddl_skip_group(ddl_ctx *c)
{
    sl_status st = ddl_expect_p(c, "(", "to open a list");
    if (st)
        return st;
    size_t depth = 1;
    const ddl_tok *open = ddl_peek(c, 0);
    while (depth > 0) {
        const ddl_tok *t = ddl_next(c);
        if (t->kind == TK_EOF)
            return ddl_fail(c, SL_ERR_SCHEMA, open, "unbalanced parentheses: no ')' for this list");
        if (ddl_is_p(t, "("))
            depth++;
        else if (ddl_is_p(t, ")"))
            depth--;
    }
    return SL_OK;
}

/* A small integer argument: VARCHAR(n), DECIMAL(p,s), AUTO_INCREMENT=n. */
sl_status ddl_int_arg(ddl_ctx *c, int64_t max, int64_t *out, const char *what)
{
    const ddl_tok *t = ddl_peek(c, 0);
    char buf[80];
    int64_t v = 0;
    bool ok = t->kind == TK_NUMBER;
    for (size_t i = 0; ok && i < t->len; i++) {
        int d = t->src[i] - '0';
        if (d < 0 || d > 9)
            ok = false;
        else if (v > (max - d) / 10)
            return ddl_fail(c, SL_ERR_UNSUPPORTED, t, "%s %s is larger than %lld", what,
                            ddl_clip(t->src, t->len, buf, 32), (long long)max);
        else
            v = v * 10 + d;
    }
    if (!ok)
        return ddl_fail(c, SL_ERR_SCHEMA, t, "expected a whole number for %s, found %s", what,
                        ddl_tok_desc(t, buf, sizeof buf));
    c->pos++;
    *out = v;
    return SL_OK;
}


const char *ddl_clip(const char *s, size_t n, char *buf, size_t size)
{
    size_t len = n < size - 4 ? n : size - 4;
    while (len < n && len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
        len--;   /* do not cut a UTF-8 sequence in two */
    bool valid = sl_utf8_invalid_at((const uint8_t *)s, len) == len;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[i] = ch < ' ' || ch == 0x7f ? ' ' : ch >= 0x80 && !valid ? '?' : (char)ch;
    }
    memcpy(buf + len, len < n ? "..." : "", len < n ? 4 : 1);
    return buf;
}

const char *ddl_tok_desc(const ddl_tok *t, char *buf, size_t n)
{
    char clip[48];
    if (t->kind == TK_EOF)
        snprintf(buf, n, "the end of the input");
    else if (t->kind == TK_STRING)
        snprintf(buf, n, "string '%s'", ddl_clip(t->val, t->vlen, clip, sizeof clip));
    else
        snprintf(buf, n, "'%s'", ddl_clip(t->src, t->len, clip, sizeof clip));
    return buf;
}
