/* The schema tree and its two spellings. JSON: indented by 2, except that a node
 * marked flow (a column, a list of values) is written on one line, {"a": 1, "b": 2}.
 * YAML: block mappings and sequences, with flow nodes as flow collections; a string
 * is written plain only when it is a simple name that no YAML reader could take for
 * anything else (a number, a boolean, null), and otherwise double-quoted with JSON's
 * escapes, which YAML's double-quoted style reads the same way. */
#include "schema/ddl_internal.h"

#include <string.h>

#include "sluice/json.h"

static ddl_node *new_node(ddl_ctx *c, ddl_nk kind)
{
    ddl_node *n = ddl_alloc(c, sizeof *n);
    if (n) {
        memset(n, 0, sizeof *n);
        n->kind = kind;
    }
    return n;
}

ddl_node *ddl_obj(ddl_ctx *c, bool flow)
{
    ddl_node *n = new_node(c, N_OBJ);
    if (n)
        n->flow = flow;
    return n;
}

ddl_node *ddl_arr(ddl_ctx *c, bool flow)
{
    ddl_node *n = new_node(c, N_ARR);
    if (n)
        n->flow = flow;
    return n;
}

ddl_node *ddl_strn(ddl_ctx *c, const char *s, size_t len)
{
    ddl_node *n = new_node(c, N_STR);
    if (n && !(n->text = ddl_strndup(c, s, len)))
        return NULL;
    if (n)
        n->len = len;
    return n;
}

ddl_node *ddl_str(ddl_ctx *c, const char *s)
{
    return ddl_strn(c, s, strlen(s));
}

ddl_node *ddl_raw(ddl_ctx *c, const char *s)
{
    ddl_node *n = ddl_str(c, s);
    if (n)
        n->kind = N_RAW;
    return n;
}

ddl_node *ddl_int(ddl_ctx *c, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return ddl_raw(c, buf);
}

ddl_node *ddl_dbl(ddl_ctx *c, double v)
{
    sl_buf b;
    sl_buf_init(&b, 64);
    ddl_node *n = NULL;
    if (sl_json_write_double(&b, v) == SL_OK && sl_buf_putc(&b, '\0') == SL_OK)
        n = ddl_raw(c, (const char *)b.data);
    else
        c->nomem = true;
    sl_buf_free(&b);
    return n;
}

static void add(ddl_ctx *c, ddl_node *n, const char *key, ddl_node *v)
{
    if (!n || !v) {
        c->nomem = true;
        return;
    }
    if (n->n == n->cap) {
        size_t cap = n->cap;
        ddl_node **items = ddl_grow(c, n->items, n->n, &cap, sizeof *items);
        const char **keys = n->kind == N_OBJ ? ddl_grow(c, n->keys, n->n, &n->cap, sizeof *keys)
                                             : NULL;
        if (!items || (n->kind == N_OBJ && !keys)) {
            c->nomem = true;
            return;
        }
        n->items = items;
        n->keys = keys;
        n->cap = cap;
    }
    if (n->kind == N_OBJ)
        n->keys[n->n] = key;
    n->items[n->n++] = v;
}

void ddl_put(ddl_ctx *c, ddl_node *obj, const char *key, ddl_node *v)
{
    add(c, obj, key, v);
}

void ddl_push(ddl_ctx *c, ddl_node *arr, ddl_node *v)
{
    add(c, arr, NULL, v);
}

/* ---- JSON ---- */

static sl_status pad(sl_buf *out, int n)
{
    sl_status st = SL_OK;
    for (int i = 0; i < n && !st; i++)
        st = sl_buf_putc(out, ' ');
    return st;
}

static sl_status json(const ddl_node *n, int indent, bool flow, sl_buf *out)
{
    sl_status st;
    if (n->kind == N_STR)
        return sl_json_write_string(out, n->text, n->len);
    if (n->kind == N_RAW)
        return sl_buf_append(out, n->text, n->len);
    bool obj = n->kind == N_OBJ;
    flow = flow || n->flow || n->n == 0;
    if ((st = sl_buf_putc(out, obj ? '{' : '[')) != SL_OK)
        return st;
    for (size_t i = 0; i < n->n; i++) {
        if (i && (st = sl_buf_puts(out, flow ? ", " : ",")) != SL_OK)
            return st;
        if (!flow && ((st = sl_buf_putc(out, '\n')) || (st = pad(out, indent + 2))))
            return st;
        if (obj && ((st = sl_json_write_string(out, n->keys[i], strlen(n->keys[i]))) ||
                    (st = sl_buf_puts(out, ": "))))
            return st;
        if ((st = json(n->items[i], indent + 2, flow, out)) != SL_OK)
            return st;
    }
    if (!flow && n->n && ((st = sl_buf_putc(out, '\n')) || (st = pad(out, indent))))
        return st;
    return sl_buf_putc(out, obj ? '}' : ']');
}

/* ---- YAML ---- */

static bool yaml_plain(const char *s, size_t n)
{
    static const char *const special[] = {"null", "true", "false", "yes", "no", "on", "off",
                                          "y", "n"};
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.'))
            return false;
    }
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++) {
        size_t len = strlen(special[k]);
        size_t i = 0;
        while (i < n && i < len && (s[i] | 0x20) == special[k][i])
            i++;
        if (i == n && n == len)
            return false;
    }
    return true;
}

static sl_status yaml_flow(const ddl_node *n, sl_buf *out)
{
    sl_status st;
    if (n->kind == N_RAW)
        return sl_buf_append(out, n->text, n->len);
    if (n->kind == N_STR)
        return yaml_plain(n->text, n->len) ? sl_buf_append(out, n->text, n->len)
                                           : sl_json_write_string(out, n->text, n->len);
    bool obj = n->kind == N_OBJ;
    if ((st = sl_buf_putc(out, obj ? '{' : '[')) != SL_OK)
        return st;
    for (size_t i = 0; i < n->n; i++) {
        if (i && (st = sl_buf_puts(out, ", ")) != SL_OK)
            return st;
        if (obj && ((st = sl_buf_puts(out, n->keys[i])) || (st = sl_buf_puts(out, ": "))))
            return st;
        if ((st = yaml_flow(n->items[i], out)) != SL_OK)
            return st;
    }
    return sl_buf_putc(out, obj ? '}' : ']');
}

static bool yaml_block(const ddl_node *n)
{
    return (n->kind == N_OBJ || n->kind == N_ARR) && !n->flow && n->n > 0;
}

static sl_status yaml_map(const ddl_node *n, int indent, bool first_inline, sl_buf *out);

static sl_status yaml_seq(const ddl_node *n, int indent, sl_buf *out)
{
    sl_status st = SL_OK;
    for (size_t i = 0; i < n->n && !st; i++) {
        const ddl_node *v = n->items[i];
        if ((st = pad(out, indent)) || (st = sl_buf_puts(out, "- ")))
            return st;
        if (yaml_block(v) && v->kind == N_OBJ)
            st = yaml_map(v, indent + 2, true, out);
        else if (!(st = yaml_flow(v, out)))
            st = sl_buf_putc(out, '\n');
    }
    return st;
}

static sl_status yaml_map(const ddl_node *n, int indent, bool first_inline, sl_buf *out)
{
    sl_status st = SL_OK;
    for (size_t i = 0; i < n->n && !st; i++) {
        const ddl_node *v = n->items[i];
        if ((i || !first_inline) && (st = pad(out, indent)) != SL_OK)
            return st;
        if ((st = sl_buf_puts(out, n->keys[i])) || (st = sl_buf_putc(out, ':')))
            return st;
        if (!yaml_block(v)) {
            if ((st = sl_buf_putc(out, ' ')) || (st = yaml_flow(v, out)))
                return st;
            st = sl_buf_putc(out, '\n');
        } else if (!(st = sl_buf_putc(out, '\n'))) {
            st = v->kind == N_OBJ ? yaml_map(v, indent + 2, false, out)
                                  : yaml_seq(v, indent + 2, out);
        }
    }
    return st;
}

sl_status ddl_write(const ddl_node *root, sl_ddl_format fmt, sl_buf *out)
{
    sl_status st;
    if (fmt == SL_DDL_YAML)
        return yaml_map(root, 0, false, out);
    if ((st = json(root, 0, false, out)) != SL_OK)
        return st;
    return sl_buf_putc(out, '\n');
}
