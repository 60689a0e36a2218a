/* A schema as people read it (`sluice schema show`) and as the sluice schema JSON
 * that Parquet files carry in their key-value metadata (sluice.schema). */
#include <stdio.h>
#include <string.h>

#include "gen/model.h"
#include "sluice/buf.h"
#include "sluice/gen.h"
#include "sluice/json.h"

static sl_status type_text(const sl_gcol *c, char *out, size_t n)
{
    char base[48];
    if (c->type == SL_G_DECIMAL)
        snprintf(base, sizeof base, "decimal(%d,%d)", c->precision, c->scale);
    else
        snprintf(base, sizeof base, "%s", sl_gtype_name(c->type));
    snprintf(out, n, c->list ? "list<%s>" : "%s", base);
    return SL_OK;
}

static bool is_pk(const sl_gtable *t, size_t i)
{
    for (size_t k = 0; k < t->npk; k++)
        if (t->pk[k] == (int)i)
            return true;
    return false;
}

static sl_status rows_text(const sl_gen_schema *s, const sl_gtable *t, sl_buf *out)
{
    if (t->assoc)
        return sl_buf_printf(out, "by construction: each %s row gets at most floor(%s x %g) rows, "
                             "each %s row at most %g", s->tables[t->right].name,
                             s->tables[t->right].cols[t->cap_col].path, t->util,
                             s->tables[t->left].name, t->max_per_left);
    if (t->per >= 0)
        return sl_buf_printf(out, "%g per %s row", t->ratio, s->tables[t->per].name);
    return sl_buf_printf(out, "%.0f", t->rows);
}

sl_status sl_gen_schema_describe(const sl_gen_schema *s, sl_buf *out)
{
    sl_status st = sl_buf_printf(out, "schema %s (%s)\n", s->name, s->file);
    if (st == SL_OK && s->description)
        st = sl_buf_printf(out, "  %s\n", s->description);
    if (st == SL_OK && s->nparams) {
        st = sl_buf_puts(out, "params:");
        for (size_t i = 0; st == SL_OK && i < s->nparams; i++)
            st = sl_buf_printf(out, " %s=%g", s->params[i].name, s->params[i].value);
        if (st == SL_OK)
            st = sl_buf_putc(out, '\n');
    }
    if (st == SL_OK)
        st = sl_buf_printf(out, "--n sets the rows of: %s\n", s->tables[s->size].name);
    for (size_t ti = 0; st == SL_OK && ti < s->ntables; ti++) {
        const sl_gtable *t = &s->tables[ti];
        st = sl_buf_printf(out, "\ntable %s: ", t->name);
        if (st == SL_OK)
            st = rows_text(s, t, out);
        if (st == SL_OK)
            st = sl_buf_putc(out, '\n');
        if (st == SL_OK && t->description)
            st = sl_buf_printf(out, "  %s\n", t->description);
        for (size_t i = 0; st == SL_OK && i < t->ncols; i++) {
            const sl_gcol *c = &t->cols[i];
            char ty[64];
            type_text(c, ty, sizeof ty);
            st = sl_buf_printf(out, "  %*s%-*s %-14s ", 2 * c->depth, "", 24 - 2 * c->depth, c->name, ty);
            if (st != SL_OK)
                break;
            if (c->gen == G_REF)
                st = sl_buf_printf(out, "-> %s.%s%s", s->tables[c->ref_table].name,
                                   s->tables[c->ref_table].cols[c->ref_col].path,
                                   c->ref_zipf ? " (zipf)" : "");
            else if (c->gen == G_EXPR)
                st = sl_buf_printf(out, "= %s", c->expr_src);
            else if (c->gen == G_LIST)
                st = sl_buf_printf(out, "list of %s, %d..%d%s", sl_gkind_name(c->elem->gen), c->min_len,
                                   c->max_len, c->distinct ? " distinct" : "");
            else if (c->gen != G_OBJECT)
                st = sl_buf_puts(out, sl_gkind_name(c->gen));
            if (st == SL_OK && c->pattern)
                st = sl_buf_printf(out, " '%s'", c->pattern);
            if (st == SL_OK && c->dict && c->gen == G_DICT)
                st = sl_buf_printf(out, " %s", c->dict->name);
            if (st == SL_OK && is_pk(t, i))
                st = sl_buf_puts(out, " [primary key]");
            if (st == SL_OK && c->unique)
                st = sl_buf_puts(out, " [unique]");
            if (st == SL_OK && c->hidden)
                st = sl_buf_puts(out, " [hidden]");
            if (st == SL_OK && c->null_rate > 0)
                st = sl_buf_printf(out, " [nulls %g%%]", c->null_rate * 100);
            if (st == SL_OK && c->check_src)
                st = sl_buf_printf(out, " [check %s]", c->check_src);
            if (st == SL_OK)
                st = sl_buf_putc(out, '\n');
        }
    }
    return st;
}

static sl_status json_str(sl_buf *out, const char *s)
{
    return sl_json_write_string(out, s, strlen(s));
}

sl_status sl_gen_schema_to_json(const sl_gen_schema *s, sl_buf *out)
{
    sl_status st = sl_buf_puts(out, "{\"name\":");
    if (st == SL_OK)
        st = json_str(out, s->name);
    if (st == SL_OK)
        st = sl_buf_puts(out, ",\"tables\":[");
    for (size_t ti = 0; st == SL_OK && ti < s->ntables; ti++) {
        const sl_gtable *t = &s->tables[ti];
        st = sl_buf_puts(out, ti ? ",{\"name\":" : "{\"name\":");
        if (st == SL_OK)
            st = json_str(out, t->name);
        if (st == SL_OK)
            st = sl_buf_puts(out, ",\"primary_key\":[");
        for (size_t k = 0; st == SL_OK && k < t->npk; k++) {
            if (k)
                st = sl_buf_putc(out, ',');
            if (st == SL_OK)
                st = json_str(out, t->cols[t->pk[k]].path);
        }
        if (st == SL_OK)
            st = sl_buf_puts(out, "],\"columns\":[");
        bool first = true;
        for (size_t i = 0; st == SL_OK && i < t->ncols; i++) {
            const sl_gcol *c = &t->cols[i];
            if (c->hidden || c->gen == G_OBJECT)
                continue;
            char ty[64];
            type_text(c, ty, sizeof ty);
            st = sl_buf_puts(out, first ? "{\"name\":" : ",{\"name\":");
            first = false;
            if (st == SL_OK)
                st = json_str(out, c->path);
            if (st == SL_OK)
                st = sl_buf_puts(out, ",\"type\":");
            if (st == SL_OK)
                st = json_str(out, ty);
            if (st == SL_OK)
                st = sl_buf_printf(out, ",\"nullable\":%s", c->null_rate > 0 ? "true" : "false");
            if (st == SL_OK && c->unique)
                st = sl_buf_puts(out, ",\"unique\":true");
            if (st == SL_OK && c->gen == G_REF) {
                char r[512];
                snprintf(r, sizeof r, "%s.%s", s->tables[c->ref_table].name,
                         s->tables[c->ref_table].cols[c->ref_col].path);
                st = sl_buf_puts(out, ",\"references\":");
                if (st == SL_OK)
                    st = json_str(out, r);
            }
            if (st == SL_OK && (c->has_min || c->has_max) && c->type != SL_G_DATE &&
                c->type != SL_G_TIMESTAMP && c->type != SL_G_TIME && c->type != SL_G_STRING)
                st = sl_buf_printf(out, ",\"min\":%.17g,\"max\":%.17g", c->has_min ? c->min : -1e308,
                                   c->has_max ? c->max : 1e308);
            if (st == SL_OK && c->gen == G_CHOICE && c->values[0].kind == SL_VAL_STRING) {
                st = sl_buf_puts(out, ",\"values\":[");
                for (size_t k = 0; st == SL_OK && k < c->nvalues; k++) {
                    if (k)
                        st = sl_buf_putc(out, ',');
                    if (st == SL_OK)
                        st = sl_json_write_string(out, c->values[k].u.s.ptr, c->values[k].u.s.len);
                }
                if (st == SL_OK)
                    st = sl_buf_putc(out, ']');
            }
            if (st == SL_OK && c->check_src) {
                st = sl_buf_puts(out, ",\"check\":");
                if (st == SL_OK)
                    st = json_str(out, c->check_src);
            }
            if (st == SL_OK)
                st = sl_buf_putc(out, '}');
        }
        if (st == SL_OK)
            st = sl_buf_puts(out, "]}");
    }
    return st ? st : sl_buf_puts(out, "]}");
}
