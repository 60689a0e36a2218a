/* Configuration files (JSON or YAML) as a tree with positions; see node.h. */
#include "schema/node.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "sluice/json.h"

#define MAX_DEPTH 64

static bool looks_like_json(const char *t, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n')
            continue;
        return t[i] == '{' || t[i] == '[';
    }
    return false;
}

/* JSON is checked with sluice's own strict reader, for its errors and its rules
 * (no duplicate-key surprises, no NaN); the tree then comes from libyaml, which reads
 * JSON as YAML flow style. Tabs outside strings are only whitespace in JSON (inside
 * strings they must be escaped), and libyaml is picky about them, so they become
 * spaces first. */
static sl_status check_json(const char *text, size_t len, const char *file, char **copy,
                            sl_error *err)
{
    sl_json_options o;
    sl_json_options_init(&o);
    o.form = SL_JSON_FORM_DOCUMENT;
    sl_json_reader *r = NULL;
    sl_status s = sl_json_reader_open_mem(text, len, file, &o, &r, err);
    if (s != SL_OK)
        return s;
    const sl_json_value *v;
    s = sl_json_reader_next(r, &v, err);
    if (s == SL_OK && sl_json_reader_duplicate_keys(r) > 0)
        s = sl_error_set(err, SL_ERR_SCHEMA, "%s: a key appears twice in one object", file);
    sl_json_reader_free(r);
    if (s == SL_EOF)
        s = sl_error_set(err, SL_ERR_SCHEMA, "%s: empty file", file);
    if (s != SL_OK)
        return s;
    *copy = malloc(len + 1);
    if (!*copy)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < len; i++)
        (*copy)[i] = text[i] == '\t' ? ' ' : text[i];
    (*copy)[len] = 0;
    return SL_OK;
}

sl_status sl_node_error(sl_error *err, sl_status code, const char *file, const sl_node *n,
                        const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!err)
        return code;
    sl_error_at(err, code, n ? n->line : 0, n ? n->column : 0, UINT64_MAX, "%s", msg);
    sl_error_set_file(err, file);
    return code;
}

static sl_node *convert(sl_node_doc *doc, yaml_document_t *yd, yaml_node_t *yn, int depth,
                        const char *file, sl_error *err)
{
    sl_node *n = sl_arena_alloc(&doc->arena, sizeof *n);
    if (!n) {
        sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        return NULL;
    }
    memset(n, 0, sizeof *n);
    n->line = (uint32_t)yn->start_mark.line + 1;
    n->column = (uint32_t)yn->start_mark.column + 1;
    if (depth > MAX_DEPTH) {
        sl_node_error(err, SL_ERR_LIMIT, file, n, "nested deeper than %d levels", MAX_DEPTH);
        return NULL;
    }
    switch (yn->type) {
    case YAML_SCALAR_NODE:
        n->kind = SL_NODE_SCALAR;
        n->quoted = yn->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                    yn->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ||
                    yn->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
                    yn->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
        n->len = yn->data.scalar.length;
        n->text = sl_arena_strndup(&doc->arena, (const char *)yn->data.scalar.value, n->len);
        if (!n->text) {
            sl_error_set(err, SL_ERR_NOMEM, "out of memory");
            return NULL;
        }
        return n;
    case YAML_SEQUENCE_NODE: {
        n->kind = SL_NODE_SEQ;
        size_t cnt = (size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start);
        n->items = sl_arena_alloc(&doc->arena, (cnt ? cnt : 1) * sizeof *n->items);
        if (!n->items)
            break;
        for (size_t i = 0; i < cnt; i++) {
            yaml_node_t *c = yaml_document_get_node(yd, yn->data.sequence.items.start[i]);
            if (!c || !(n->items[i] = convert(doc, yd, c, depth + 1, file, err)))
                return NULL;
        }
        n->n = cnt;
        return n;
    }
    case YAML_MAPPING_NODE: {
        n->kind = SL_NODE_MAP;
        size_t cnt = (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start);
        n->items = sl_arena_alloc(&doc->arena, (cnt ? cnt : 1) * sizeof *n->items);
        n->keys = sl_arena_alloc(&doc->arena, (cnt ? cnt : 1) * sizeof *n->keys);
        if (!n->items || !n->keys)
            break;
        for (size_t i = 0; i < cnt; i++) {
            yaml_node_pair_t *p = &yn->data.mapping.pairs.start[i];
            yaml_node_t *k = yaml_document_get_node(yd, p->key);
            yaml_node_t *v = yaml_document_get_node(yd, p->value);
            if (!k || !v)
                return NULL;
            sl_node *kn = convert(doc, yd, k, depth + 1, file, err);
            if (!kn)
                return NULL;
            if (kn->kind != SL_NODE_SCALAR) {
                sl_node_error(err, SL_ERR_SCHEMA, file, kn, "a key must be a plain string");
                return NULL;
            }
            for (size_t j = 0; j < i; j++)
                if (strcmp(n->keys[j]->text, kn->text) == 0) {
                    sl_node_error(err, SL_ERR_SCHEMA, file, kn, "key '%s' appears twice", kn->text);
                    return NULL;
                }
            n->keys[i] = kn;
            if (!(n->items[i] = convert(doc, yd, v, depth + 1, file, err)))
                return NULL;
            n->n = i + 1;
        }
        return n;
    }
    default:
        sl_node_error(err, SL_ERR_SCHEMA, file, n, "empty document");
        return NULL;
    }
    sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    return NULL;
}

sl_status sl_node_parse(const char *text, size_t len, const char *file, sl_node_doc *doc,
                        sl_error *err)
{
    memset(doc, 0, sizeof *doc);
    sl_arena_init(&doc->arena, 0);
    char *copy = NULL;
    sl_status s = SL_OK;
    if (looks_like_json(text, len)) {
        if ((s = check_json(text, len, file, &copy, err)) != SL_OK)
            goto fail;
        text = copy;
    }
    yaml_parser_t p;
    yaml_document_t yd;
    if (!yaml_parser_initialize(&p)) {
        s = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        goto fail;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &yd)) {
        s = sl_error_at(err, SL_ERR_SCHEMA, p.problem_mark.line + 1, p.problem_mark.column + 1,
                        UINT64_MAX, "%s%s%s", p.problem ? p.problem : "malformed YAML",
                        p.context ? " " : "", p.context ? p.context : "");
        sl_error_set_file(err, file);
        yaml_parser_delete(&p);
        goto fail;
    }
    yaml_node_t *root = yaml_document_get_root_node(&yd);
    if (!root) {
        s = sl_error_at(err, SL_ERR_SCHEMA, 1, 1, UINT64_MAX, "empty document");
        sl_error_set_file(err, file);
    } else if (!(doc->root = convert(doc, &yd, root, 0, file, err))) {
        s = err && err->code != SL_OK ? err->code : SL_ERR_SCHEMA;
    }
    yaml_document_delete(&yd);
    yaml_parser_delete(&p);
    if (s != SL_OK)
        goto fail;
    free(copy);
    return SL_OK;
fail:
    free(copy);
    sl_node_doc_free(doc);
    if (err && err->file[0] == 0)
        sl_error_set_file(err, file);
    return s;
}

void sl_node_doc_free(sl_node_doc *doc)
{
    if (!doc)
        return;
    sl_arena_free(&doc->arena);
    doc->root = NULL;
}

const sl_node *sl_node_get(const sl_node *m, const char *key)
{
    if (!m || m->kind != SL_NODE_MAP)
        return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->keys[i]->text, key) == 0)
            return m->items[i];
    return NULL;
}

bool sl_node_is_null(const sl_node *n)
{
    return n && n->kind == SL_NODE_SCALAR && !n->quoted &&
           (n->len == 0 || strcmp(n->text, "null") == 0 || strcmp(n->text, "~") == 0);
}

bool sl_node_bool(const sl_node *n, bool *out)
{
    if (!n || n->kind != SL_NODE_SCALAR || n->quoted)
        return false;
    if (strcmp(n->text, "true") == 0)
        *out = true;
    else if (strcmp(n->text, "false") == 0)
        *out = false;
    else
        return false;
    return true;
}

/* JSON number syntax: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return false;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == 0;
}

bool sl_node_double(const sl_node *n, double *out)
{
    if (!n || n->kind != SL_NODE_SCALAR || n->quoted || !json_number(n->text))
        return false;
    errno = 0;
    double d = strtod(n->text, NULL);
    if (errno == ERANGE && fabs(d) > 1)
        return false;
    *out = d;
    return true;
}

bool sl_node_int(const sl_node *n, int64_t *out)
{
    if (!n || n->kind != SL_NODE_SCALAR || n->quoted || !json_number(n->text) ||
        strpbrk(n->text, ".eE"))
        return false;
    errno = 0;
    long long v = strtoll(n->text, NULL, 10);
    if (errno == ERANGE)
        return false;
    *out = v;
    return true;
}

const char *sl_node_str(const sl_node *n)
{
    if (!n || n->kind != SL_NODE_SCALAR)
        return NULL;
    if (n->quoted)
        return n->text;
    bool b;
    if (sl_node_is_null(n) || sl_node_bool(n, &b) || json_number(n->text))
        return NULL;
    return n->text;
}

const char *sl_node_describe(const sl_node *n)
{
    bool b;
    if (!n)
        return "nothing";
    if (n->kind == SL_NODE_MAP)
        return "a mapping";
    if (n->kind == SL_NODE_SEQ)
        return "a list";
    if (sl_node_is_null(n))
        return "null";
    if (sl_node_bool(n, &b))
        return "a boolean";
    if (!n->quoted && json_number(n->text))
        return "a number";
    return "a string";
}
