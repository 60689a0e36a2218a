/* sluice docs: schema_documentation.json, table_relationships.json and
 * DATA_STRUCTURE_README.md. The JSON keys are stable (sluice(1), DOCS). */
#include <stdio.h>
#include <string.h>

#include "base/fsutil.h"
#include "docs/docs_int.h"
#include "sluice/json.h"

sl_status docs_put(const sl_docs *d, const char *name, const sl_buf *b, sl_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", d->dir, name) >= (int)sizeof path)
        return sl_error_set(err, SL_ERR_USAGE, "output path too long");
    return sl_fs_write_atomic(path, b->data, b->len, err);
}

static sl_status jstr(sl_buf *b, const char *s)
{
    return s ? sl_json_write_string(b, s, strlen(s)) : sl_buf_puts(b, "null");
}

static bool col_unique(const dcol *c)
{
    return c->values > 0 && c->distinct == c->values;
}

static bool col_nullable(const dcol *c)
{
    return c->declared ? c->decl_nullable : c->pq.optional;
}

static sl_status put_pk(sl_buf *b, const dtable *t)
{
    sl_status st = sl_buf_putc(b, '[');
    bool first = true;
    for (size_t i = 0; st == SL_OK && i < t->ncols; i++)
        if (t->cols[i].pk) {
            if (!first)
                st = sl_buf_putc(b, ',');
            first = false;
            if (st == SL_OK)
                st = jstr(b, t->cols[i].name);
        }
    return st ? st : sl_buf_putc(b, ']');
}

/* The relationship of column c of table t, as "table.column", or NULL. */
static const drel *rel_of(const sl_docs *d, size_t t, size_t c)
{
    for (size_t i = 0; i < d->nr; i++)
        if (d->r[i].from_t == (int)t && d->r[i].from_c == (int)c)
            return &d->r[i];
    return NULL;
}

static sl_status put_column(sl_buf *b, const sl_docs *d, size_t ti, size_t ci)
{
    const dcol *c = &d->t[ti].cols[ci];
    sl_status st = sl_buf_puts(b, "{\"name\":");
    if (st == SL_OK)
        st = jstr(b, c->name);
    if (st == SL_OK)
        st = sl_buf_puts(b, ",\"type\":");
    if (st == SL_OK)
        st = jstr(b, c->type);
    if (st == SL_OK)
        st = sl_buf_printf(b, ",\"nullable\":%s,\"declared\":%s,\"primary_key\":%s,\"unique\":%s,\"references\":",
                           col_nullable(c) ? "true" : "false", c->declared ? "true" : "false",
                           c->pk ? "true" : "false", col_unique(c) ? "true" : "false");
    const drel *r = rel_of(d, ti, ci);
    if (st == SL_OK && r)
        st = sl_buf_printf(b, "\"%s.%s\"", d->t[r->to_t].name, d->t[r->to_t].cols[r->to_c].name);
    else if (st == SL_OK)
        st = sl_buf_puts(b, "null");
    if (st == SL_OK)
        st = sl_buf_printf(b, ",\"statistics\":{\"rows\":%llu,\"nulls\":%llu,\"distinct\":%llu,\"min\":",
                           (unsigned long long)d->t[ti].rows, (unsigned long long)c->nulls,
                           (unsigned long long)c->distinct);
    if (st == SL_OK)
        st = c->has_minmax ? sl_buf_append(b, c->min.data, c->min.len) : sl_buf_puts(b, "null");
    if (st == SL_OK)
        st = sl_buf_puts(b, ",\"max\":");
    if (st == SL_OK)
        st = c->has_minmax ? sl_buf_append(b, c->max.data, c->max.len) : sl_buf_puts(b, "null");
    if (st == SL_OK)
        st = sl_buf_puts(b, "},\"examples\":[");
    for (unsigned k = 0; st == SL_OK && k < c->nexamples; k++) {
        if (k)
            st = sl_buf_putc(b, ',');
        if (st == SL_OK)
            st = sl_buf_puts(b, c->example[k]);
    }
    return st ? st : sl_buf_puts(b, "]}");
}

static sl_status put_rel(sl_buf *b, const sl_docs *d, const drel *r)
{
    const dtable *ct = &d->t[r->from_t], *pt = &d->t[r->to_t];
    char link[16];
    sl_status st = sl_buf_puts(b, "{\"from\":{\"table\":");
    if (st == SL_OK)
        st = jstr(b, ct->name);
    if (st == SL_OK)
        st = sl_buf_puts(b, ",\"column\":");
    if (st == SL_OK)
        st = jstr(b, ct->cols[r->from_c].name);
    if (st == SL_OK)
        st = sl_buf_puts(b, "},\"to\":{\"table\":");
    if (st == SL_OK)
        st = jstr(b, pt->name);
    if (st == SL_OK)
        st = sl_buf_puts(b, ",\"column\":");
    if (st == SL_OK)
        st = jstr(b, pt->cols[r->to_c].name);
    double cov = r->child_distinct ? (double)r->matched / (double)r->child_distinct : 1;
    if (st == SL_OK)
        st = sl_buf_printf(b, "},\"declared\":%s,\"discovered\":%s,\"cardinality\":\"%s\",\"parent_required\":%s,"
                           "\"child_optional\":%s,\"identifying\":%s,\"distinct_values\":%llu,\"values_found\":%llu,"
                           "\"coverage\":%.6g,\"mermaid\":\"%s %s %s\"}",
                           r->declared ? "true" : "false", r->discovered ? "true" : "false",
                           r->one_to_one ? "one-to-one" : "many-to-one", r->parent_required ? "true" : "false",
                           r->child_optional ? "true" : "false", r->identifying ? "true" : "false",
                           (unsigned long long)r->child_distinct, (unsigned long long)r->matched, cov, pt->name,
                           docs_mermaid_link(r, link, sizeof link), ct->name);
    return st;
}

sl_status docs_write_json(const sl_docs *d, sl_error *err)
{
    sl_buf b;
    sl_buf_init(&b, 0);
    sl_status st = sl_buf_puts(&b, "{\"generated_by\":\"sluice docs\",\"directory\":");
    if (st == SL_OK)
        st = jstr(&b, d->dir);
    if (st == SL_OK)
        st = sl_buf_puts(&b, ",\"schema\":{\"name\":");
    if (st == SL_OK)
        st = jstr(&b, d->schema_name);
    if (st == SL_OK)
        st = sl_buf_puts(&b, ",\"from\":");
    if (st == SL_OK)
        st = jstr(&b, d->schema_from);
    if (st == SL_OK)
        st = sl_buf_puts(&b, "},\"statistics\":\"rows, nulls and distinct are exact (distinct: 64-bit hashes of the "
                             "values; a collision would undercount by one, probability about n^2/2^65); min and max "
                             "of a list column are over its elements\",\"tables\":[");
    for (size_t t = 0; st == SL_OK && t < d->nt; t++) {
        const dtable *tb = &d->t[t];
        st = sl_buf_puts(&b, t ? ",\n{\"name\":" : "\n{\"name\":");
        if (st == SL_OK)
            st = jstr(&b, tb->name);
        if (st == SL_OK)
            st = sl_buf_puts(&b, ",\"path\":");
        if (st == SL_OK)
            st = jstr(&b, tb->path);
        if (st == SL_OK)
            st = sl_buf_printf(&b, ",\"files\":%zu,\"rows\":%llu,\"primary_key\":", tb->nfiles,
                               (unsigned long long)tb->rows);
        if (st == SL_OK)
            st = put_pk(&b, tb);
        if (st == SL_OK)
            st = sl_buf_puts(&b, ",\"primary_key_source\":");
        if (st == SL_OK)
            st = jstr(&b, tb->pk_source);
        if (st == SL_OK)
            st = sl_buf_printf(&b, ",\"primary_key_valid\":%s,\"columns\":[", tb->pk_valid ? "true" : "false");
        for (size_t c = 0; st == SL_OK && c < tb->ncols; c++) {
            st = sl_buf_puts(&b, c ? ",\n " : "\n ");
            if (st == SL_OK)
                st = put_column(&b, d, t, c);
        }
        if (st == SL_OK)
            st = sl_buf_puts(&b, "]}");
    }
    if (st == SL_OK)
        st = sl_buf_puts(&b, "]}\n");
    if (st == SL_OK)
        st = docs_put(d, "schema_documentation.json", &b, err);
    else
        st = sl_error_set(err, st, "out of memory");
    sl_buf_clear(&b);
    if (st == SL_OK)
        st = sl_buf_puts(&b, "{\"generated_by\":\"sluice docs\",\"tables\":[");
    for (size_t t = 0; st == SL_OK && t < d->nt; t++) {
        st = sl_buf_puts(&b, t ? ",{\"name\":" : "{\"name\":");
        if (st == SL_OK)
            st = jstr(&b, d->t[t].name);
        if (st == SL_OK)
            st = sl_buf_printf(&b, ",\"rows\":%llu,\"primary_key\":", (unsigned long long)d->t[t].rows);
        if (st == SL_OK)
            st = put_pk(&b, &d->t[t]);
        if (st == SL_OK)
            st = sl_buf_putc(&b, '}');
    }
    if (st == SL_OK)
        st = sl_buf_puts(&b, "],\"relationships\":[");
    for (size_t i = 0; st == SL_OK && i < d->nr; i++) {
        st = sl_buf_puts(&b, i ? ",\n" : "\n");
        if (st == SL_OK)
            st = put_rel(&b, d, &d->r[i]);
    }
    if (st == SL_OK)
        st = sl_buf_puts(&b, "]}\n");
    if (st == SL_OK)
        st = docs_put(d, "table_relationships.json", &b, err);
    sl_buf_free(&b);
    return st;
}

/* ---- the README ---- */

/* Text for a Markdown table cell: '|' escaped, newlines as spaces, cut at 60 bytes. */
static sl_status cell(sl_buf *b, const char *s, size_t n)
{
    sl_status st = SL_OK;
    size_t lim = n > 60 ? 57 : n;
    for (size_t i = 0; st == SL_OK && i < lim; i++) {
        if (s[i] == '|')
            st = sl_buf_puts(b, "\\|");
        else
            st = sl_buf_putc(b, s[i] == '\n' || s[i] == '\r' ? ' ' : (uint8_t)s[i]);
    }
    return st == SL_OK && n > lim ? sl_buf_puts(b, "...") : st;
}

/* A Mermaid identifier: letters, digits and '_' only. */
static sl_status ident(sl_buf *b, const char *s)
{
    sl_status st = SL_OK;
    for (; st == SL_OK && *s; s++) {
        char ch = *s;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
        st = sl_buf_putc(b, ok ? (uint8_t)ch : '_');
    }
    return st;
}

static sl_status mermaid(sl_buf *b, const sl_docs *d)
{
    sl_status st = sl_buf_puts(b, "```mermaid\nerDiagram\n");
    for (size_t t = 0; st == SL_OK && t < d->nt; t++) {
        const dtable *tb = &d->t[t];
        st = sl_buf_puts(b, "    ");
        if (st == SL_OK)
            st = ident(b, tb->name);
        if (st == SL_OK)
            st = sl_buf_puts(b, " {\n");
        for (size_t c = 0; st == SL_OK && c < tb->ncols; c++) {
            const dcol *col = &tb->cols[c];
            st = sl_buf_puts(b, "        ");
            if (st == SL_OK)
                st = ident(b, col->type);
            if (st == SL_OK)
                st = sl_buf_putc(b, ' ');
            if (st == SL_OK)
                st = ident(b, col->name);
            bool fk = rel_of(d, t, c) != NULL;
            if (st == SL_OK && (col->pk || fk))
                st = sl_buf_printf(b, " %s", col->pk && fk ? "PK, FK" : col->pk ? "PK" : "FK");
            if (st == SL_OK)
                st = sl_buf_putc(b, '\n');
        }
        if (st == SL_OK)
            st = sl_buf_puts(b, "    }\n");
    }
    for (size_t i = 0; st == SL_OK && i < d->nr; i++) {
        const drel *r = &d->r[i];
        char link[16];
        st = sl_buf_puts(b, "    ");
        if (st == SL_OK)
            st = ident(b, d->t[r->to_t].name);
        if (st == SL_OK)
            st = sl_buf_printf(b, " %s ", docs_mermaid_link(r, link, sizeof link));
        if (st == SL_OK)
            st = ident(b, d->t[r->from_t].name);
        if (st == SL_OK)
            st = sl_buf_printf(b, " : \"%s\"\n", d->t[r->from_t].cols[r->from_c].name);
    }
    return st ? st : sl_buf_puts(b, "```\n\n");
}

static sl_status table_section(sl_buf *b, const sl_docs *d, size_t t)
{
    const dtable *tb = &d->t[t];
    sl_status st = sl_buf_printf(b, "### %s\n\n%llu rows in `%s`%s. Primary key: ", tb->name,
                                 (unsigned long long)tb->rows, tb->path, tb->is_dir ? " (a directory of parts)" : "");
    bool any = false;
    for (size_t c = 0; st == SL_OK && c < tb->ncols; c++)
        if (tb->cols[c].pk) {
            st = sl_buf_printf(b, "%s`%s`", any ? ", " : "", tb->cols[c].name);
            any = true;
        }
    if (st == SL_OK)
        st = sl_buf_printf(b, "%s%s.\n\n", any ? "" : "none",
                           !any ? "" : !tb->pk_valid ? " (declared, but the data repeats it or has nulls)"
                           : strcmp(tb->pk_source, "name") == 0 ? " (by sluice's naming rules; unique in the data)"
                                                               : " (declared; unique in the data)");
    if (st == SL_OK)
        st = sl_buf_puts(b, "| column | type | nullable | key | nulls | distinct | min | max | examples |\n"
                            "|---|---|---|---|---:|---:|---|---|---|\n");
    for (size_t c = 0; st == SL_OK && c < tb->ncols; c++) {
        const dcol *col = &tb->cols[c];
        const drel *r = rel_of(d, t, c);
        char key[300] = "";
        if (col->pk && r)
            snprintf(key, sizeof key, "PK, FK %s.%s", d->t[r->to_t].name, d->t[r->to_t].cols[r->to_c].name);
        else if (r)
            snprintf(key, sizeof key, "FK %s.%s", d->t[r->to_t].name, d->t[r->to_t].cols[r->to_c].name);
        else if (col->pk)
            snprintf(key, sizeof key, "PK");
        else if (col_unique(col) && col->nulls == 0)
            snprintf(key, sizeof key, "unique");
        st = sl_buf_printf(b, "| `%s` | %s | %s | %s | %llu | %llu | ", col->name, col->type,
                           col_nullable(col) ? "yes" : "no", key, (unsigned long long)col->nulls,
                           (unsigned long long)col->distinct);
        if (st == SL_OK && col->has_minmax)
            st = cell(b, (const char *)col->min.data, col->min.len);
        if (st == SL_OK)
            st = sl_buf_puts(b, " | ");
        if (st == SL_OK && col->has_minmax)
            st = cell(b, (const char *)col->max.data, col->max.len);
        if (st == SL_OK)
            st = sl_buf_puts(b, " | ");
        for (unsigned k = 0; st == SL_OK && k < col->nexamples; k++) {
            if (k)
                st = sl_buf_puts(b, ", ");
            if (st == SL_OK)
                st = cell(b, col->example[k], strlen(col->example[k]));
        }
        if (st == SL_OK)
            st = sl_buf_puts(b, " |\n");
    }
    return st ? st : sl_buf_putc(b, '\n');
}

sl_status docs_write_readme(const sl_docs *d, sl_error *err)
{
    sl_buf b;
    sl_buf_init(&b, 0);
    uint64_t rows = 0;
    for (size_t t = 0; t < d->nt; t++)
        rows += d->t[t].rows;
    sl_status st = sl_buf_printf(&b, "# Data structure of `%s`\n\nWritten by `sluice docs` from the data: %zu tables, "
                                 "%llu rows, %zu relationships.", d->dir, d->nt, (unsigned long long)rows, d->nr);
    if (st == SL_OK && d->schema_name)
        st = sl_buf_printf(&b, " Keys and references are declared by schema `%s` (%s) and checked against the "
                           "data.", d->schema_name, d->schema_from);
    if (st == SL_OK)
        st = sl_buf_puts(&b, "\n\nMachine-readable: `schema_documentation.json`, `table_relationships.json`. "
                             "CREATE TABLE statements: `ddl/duckdb.sql`, `ddl/spark.sql`, `ddl/trino.sql`.\n\n"
                             "## Entity-relationship diagram\n\n");
    if (st == SL_OK)
        st = mermaid(&b, d);
    if (st == SL_OK)
        st = sl_buf_puts(&b, "## Relationships\n\n");
    if (st == SL_OK && d->nr == 0)
        st = sl_buf_puts(&b, "None declared or found.\n\n");
    if (st == SL_OK && d->nr)
        st = sl_buf_puts(&b, "| child column | parent key | cardinality | child side | parent side | how known | "
                             "values found |\n|---|---|---|---|---|---|---:|\n");
    for (size_t i = 0; st == SL_OK && i < d->nr; i++) {
        const drel *r = &d->r[i];
        st = sl_buf_printf(&b, "| `%s.%s` | `%s.%s` | %s | %s | %s | %s | %llu of %llu |\n", d->t[r->from_t].name,
                           d->t[r->from_t].cols[r->from_c].name, d->t[r->to_t].name, d->t[r->to_t].cols[r->to_c].name,
                           r->one_to_one ? "one-to-one" : "many-to-one",
                           r->parent_required ? "every row names a parent" : "may name none (nulls)",
                           r->child_optional ? "some parents have no child" : "every parent has a child",
                           r->declared && r->discovered ? "declared, confirmed by the data"
                           : r->declared              ? "declared (NOT contained in the data)"
                                                      : "discovered in the data",
                           (unsigned long long)r->matched, (unsigned long long)r->child_distinct);
    }
    if (st == SL_OK)
        st = sl_buf_puts(&b, "\nA relationship is discovered when a column is named for another table's key "
                             "(the same name, `<singular>_id` for a key `id`, or a name ending in `_<key>`) and "
                             "every one of its values is one of that key's values.\n\n## Tables\n\n");
    for (size_t t = 0; st == SL_OK && t < d->nt; t++)
        st = table_section(&b, d, t);
    if (st == SL_OK)
        st = sl_buf_puts(&b, "Statistics are exact and read from every row: nulls, distinct values (counted by "
                             "64-bit hashes; a collision would undercount by one), min and max (of the elements, for "
                             "a list column), and the first distinct values as examples.\n");
    if (st == SL_OK)
        st = docs_put(d, "DATA_STRUCTURE_README.md", &b, err);
    else
        st = sl_error_set(err, st, "out of memory");
    sl_buf_free(&b);
    return st;
}
