/* quality_report.html: one self-contained page (inline CSS and SVG, no script,
 * nothing fetched): the verdict and scores, nulls and failures per column as bar
 * charts, the checks with a failing row each, and a histogram of every numeric
 * column drawn from its quantile sketch. */
#include <math.h>
#include <string.h>

#include "validate/vd.h"

static const char *const dims[] = {"completeness", "validity", "uniqueness", "integrity", "consistency", "overall"};

static void esc(sl_buf *b, const char *s)
{
    if (s)
        vd_fmt_escape_html(b, s, strlen(s));
}

/* Horizontal bars: one per label, value in [0, max]. */
static void bars(sl_buf *b, const char *title, const char *const *labels, const double *v, const char *const *text,
                 size_t n, double max, const char *color)
{
    double h = 18, w = 560, left = 170;
    sl_buf_printf(b, "<figure><figcaption>");
    esc(b, title);
    sl_buf_printf(b, "</figcaption><svg width=\"%.0f\" height=\"%.0f\" role=\"img\">", w + left + 120,
                  h * (double)n + 4);
    for (size_t i = 0; i < n; i++) {
        double len = max > 0 ? w * v[i] / max : 0;
        if (v[i] > 0 && len < 1)
            len = 1;
        sl_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">", left - 6, h * (double)i + 13);
        esc(b, labels[i]);
        sl_buf_printf(b, "</text><rect x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"%s\"/>", left,
                      h * (double)i + 2, len, h - 4, color);
        sl_buf_printf(b, "<text x=\"%.1f\" y=\"%.0f\">", left + len + 4, h * (double)i + 13);
        esc(b, text[i]);
        sl_buf_puts(b, "</text>");
    }
    sl_buf_puts(b, "</svg></figure>\n");
}

static void histogram(sl_buf *b, const vd_col *c)
{
    const vd_prof *p = &c->prof;
    enum { NB = 24 };
    double lo = p->kll.min, hi = p->kll.max;
    if (!(hi > lo))
        return;
    double edges[NB + 1], cum[NB + 1], cnt[NB], mx = 0;
    for (int i = 0; i <= NB; i++)
        edges[i] = lo + (hi - lo) * i / NB;
    edges[NB] = hi;
    vd_kll_cdf(&p->kll, edges, NB + 1, cum);
    for (int i = 0; i < NB; i++) {
        cnt[i] = i ? cum[i + 1] - cum[i] : cum[1];
        if (cnt[i] > mx)
            mx = cnt[i];
    }
    double w = 240, h = 60;
    sl_buf_printf(b, "<svg width=\"%.0f\" height=\"%.0f\" role=\"img\"><title>", w, h + 14);
    esc(b, c->name);
    sl_buf_puts(b, " distribution</title>");
    for (int i = 0; i < NB; i++) {
        double bh = mx > 0 ? h * cnt[i] / mx : 0;
        sl_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4a7bb7\"/>",
                      w * i / NB, h - bh, w / NB - 1, bh);
    }
    sl_buf b2;
    sl_buf_init(&b2, 200);
    vd_fmt_number(&b2, &c->pq, lo);
    sl_buf_printf(b, "<text x=\"0\" y=\"%.0f\">%.*s</text>", h + 12, (int)b2.len, b2.data ? (char *)b2.data : "");
    sl_buf_clear(&b2);
    vd_fmt_number(&b2, &c->pq, hi);
    sl_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.*s</text>", w, h + 12, (int)b2.len,
                  b2.data ? (char *)b2.data : "");
    sl_buf_free(&b2);
    sl_buf_puts(b, "</svg>");
}

static void table_charts(vd_run *run, sl_buf *b, size_t ti)
{
    vd_table *t = &run->tabs[ti];
    const char *labels[512];
    const char *text[512];
    char tbuf[512][32];
    double v[512], mx = 0;
    size_t n = 0;
    for (size_t c = 0; c < t->ncols && n < 512; c++) {
        if (t->cols[c].missing)
            continue;
        const vd_prof *p = &t->cols[c].prof;
        labels[n] = t->cols[c].name;
        v[n] = p->rows ? 100.0 * (double)p->nulls / (double)p->rows : 0;
        snprintf(tbuf[n], sizeof tbuf[n], "%.2f%% (%llu)", v[n], (unsigned long long)p->nulls);
        text[n] = tbuf[n];
        if (v[n] > mx)
            mx = v[n];
        n++;
    }
    bars(b, "nulls per column (% of rows)", labels, v, text, n, mx > 0 ? mx : 1, "#b0b0b0");
    /* failing rows per column, over every check naming the column */
    n = 0;
    mx = 0;
    for (size_t c = 0; c < t->ncols && n < 512; c++) {
        double f = 0;
        for (size_t i = 0; i < run->nchecks; i++) {
            const vd_check *k = &run->checks[i];
            if (k->column && strcmp(k->table, t->name) == 0 && strcmp(k->column, t->cols[c].name) == 0)
                f += (double)k->failed;
        }
        labels[n] = t->cols[c].name;
        v[n] = f;
        snprintf(tbuf[n], sizeof tbuf[n], "%.0f", f);
        text[n] = tbuf[n];
        if (f > mx)
            mx = f;
        n++;
    }
    bars(b, "failing rows per column (all checks)", labels, v, text, n, mx > 0 ? mx : 1, "#c0392b");
}

static void profiles(sl_buf *b, const vd_table *t)
{
    sl_buf_puts(b, "<table><tr><th>column</th><th>type</th><th>rows</th><th>nulls</th><th>distinct</th>"
                   "<th>min</th><th>max</th><th>mean</th><th>distribution</th></tr>\n");
    for (size_t c = 0; c < t->ncols; c++) {
        const vd_col *col = &t->cols[c];
        const vd_prof *p = &col->prof;
        if (col->missing)
            continue;
        sl_buf_puts(b, "<tr><td>");
        esc(b, col->name);
        sl_buf_printf(b, "</td><td>%s%s</td><td>%llu</td><td>%llu</td><td>%.0f</td><td>", col->pq.list ? "list of " : "",
                      sl_pq_type_name(col->pq.type), (unsigned long long)p->rows, (unsigned long long)p->nulls,
                      (double)vd_prof_distinct(p));
        sl_buf tmp;
        sl_buf_init(&tmp, 0);
        if (p->numeric && p->kll.n) {
            vd_fmt_number(&tmp, &col->pq, p->kll.min);
            sl_buf_puts(&tmp, "</td><td>");
            vd_fmt_number(&tmp, &col->pq, p->kll.max);
            sl_buf_puts(&tmp, "</td><td>");
            vd_fmt_number(&tmp, &col->pq, p->sum / (double)p->kll.n);
            sl_buf_append(b, tmp.data, tmp.len);
            sl_buf_puts(b, "</td><td>");
            histogram(b, col);
        } else if (p->has_smin) {
            vd_fmt_escape_html(b, p->smin, p->smin_len);
            sl_buf_puts(b, "</td><td>");
            vd_fmt_escape_html(b, p->smax, p->smax_len);
            sl_buf_puts(b, "</td><td></td><td>");
            if (!p->top.off && p->top.n) {
                vd_top_item it[VD_TOP_K];
                size_t n = vd_top_shown(&p->top, it);
                for (size_t i = 0; i < n && i < 5; i++) {
                    sl_buf_puts(b, i ? ", " : "top: ");
                    vd_fmt_escape_html(b, it[i].val, it[i].len);
                    sl_buf_printf(b, " (%llu)", (unsigned long long)it[i].count);
                }
            }
        } else {
            sl_buf_puts(b, "</td><td></td><td></td><td>");
        }
        sl_buf_free(&tmp);
        sl_buf_puts(b, "</td></tr>\n");
    }
    sl_buf_puts(b, "</table>\n");
}

sl_status vd_report_html(vd_run *run, sl_buf *b)
{
    const sl_validate_summary *s = run->sum;
    sl_buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Data quality report"
                   "</title>\n<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
                   "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
                   "text-align:left;vertical-align:top}th{background:#f0f0f0}.fail{color:#c0392b;font-weight:bold}"
                   ".warn{color:#b9770e;font-weight:bold}.pass{color:#1e8449}svg text{font-size:11px}"
                   "figure{margin:1em 0}figcaption{font-weight:bold}code{font-size:12px;word-break:break-all}"
                   "</style></head><body>\n<h1>Data quality report</h1>\n<p>");
    esc(b, run->dir);
    sl_buf_printf(b, ": <span class=\"%s\">%s</span>, quality score <b>%.2f</b>/100; %llu tables, %llu rows, "
                     "%llu checks, %llu failed, %llu warnings. Schema: ",
                  s->passed ? "pass" : "fail", s->passed ? "PASSED" : "FAILED", run->score[5],
                  (unsigned long long)s->tables, (unsigned long long)s->rows, (unsigned long long)s->checks,
                  (unsigned long long)s->failed, (unsigned long long)s->warnings);
    esc(b, run->rules.schema_name ? run->rules.schema_name : "(none)");
    sl_buf_puts(b, " (");
    esc(b, run->rules.source);
    sl_buf_puts(b, ").</p>\n<h2>Score</h2>\n");
    const char *labels[6];
    const char *text[6];
    char tb[6][48];
    double v[6];
    for (int d = 0; d < 6; d++) {
        labels[d] = dims[d];
        v[d] = run->score[d];
        snprintf(tb[d], sizeof tb[d], "%.2f", v[d]);
        text[d] = tb[d];
    }
    bars(b, "score per dimension (0-100): 100 x (1 - failing rows / rows checked)", labels, v, text, 6, 100,
         "#1e8449");
    sl_buf_puts(b, "<h2>Checks</h2>\n<table><tr><th>status</th><th>check</th><th>table</th><th>column</th>"
                   "<th>failing rows</th><th>rows checked</th><th>rule</th><th>a failing row</th></tr>\n");
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < run->nchecks; i++) {
            const vd_check *c = &run->checks[i];
            if ((pass == 0) != (c->failed != 0))
                continue;
            const char *cls = !c->failed ? "pass" : c->sev == VD_SEV_WARNING ? "warn" : "fail";
            sl_buf_printf(b, "<tr><td class=\"%s\">%s</td><td>%s</td><td>", cls, cls, c->name);
            esc(b, c->table);
            sl_buf_puts(b, "</td><td>");
            esc(b, c->column);
            sl_buf_printf(b, "</td><td>%llu</td><td>%llu</td><td>", (unsigned long long)c->failed,
                          (unsigned long long)c->checked);
            esc(b, c->detail);
            sl_buf_puts(b, "</td><td>");
            if (c->failed && c->samp && c->samp->n && c->sample_table != SIZE_MAX) {
                const char *j = vd_sample_json(run, c->sample_table, c->samp->row[0]);
                sl_buf_puts(b, "<code>");
                esc(b, j);
                sl_buf_puts(b, "</code>");
            }
            sl_buf_puts(b, "</td></tr>\n");
        }
    sl_buf_puts(b, "</table>\n<h2>Relationships</h2>\n<table><tr><th>column</th><th>references</th><th>how</th>"
                   "<th>orphans</th><th>coverage</th><th>parent keys used</th></tr>\n");
    for (size_t i = 0; i < run->nfks; i++) {
        const vd_fk *f = &run->fks[i];
        const vd_table *c = &run->tabs[f->child], *p = &run->tabs[f->parent];
        sl_buf_puts(b, "<tr><td>");
        esc(b, c->name);
        sl_buf_putc(b, '.');
        esc(b, c->cols[f->ccol].name);
        sl_buf_puts(b, "</td><td>");
        esc(b, p->name);
        sl_buf_putc(b, '.');
        esc(b, p->cols[f->pcol].name);
        sl_buf_printf(b, "</td><td>%s</td><td>%llu</td><td>%.4f</td><td>%.4f</td></tr>\n", f->how,
                      (unsigned long long)f->orphans,
                      vd_fk_coverage(f),
                      vd_fk_parent_coverage(f));
    }
    sl_buf_puts(b, "</table>\n<h2>Drift</h2>\n<p>");
    if (!run->baseline)
        sl_buf_puts(b, "No baseline yet: no drift reported.");
    else if (!run->ndrift)
        sl_buf_printf(b, "None against the baseline of %s.", run->baseline_at);
    for (size_t i = 0; i < run->ndrift; i++) {
        sl_buf_puts(b, i ? "<br>" : "");
        esc(b, run->tabs[run->drift[i].table].name);
        sl_buf_putc(b, '.');
        esc(b, run->tabs[run->drift[i].table].cols[run->drift[i].col].name);
        sl_buf_puts(b, ": ");
        esc(b, run->drift[i].what);
    }
    sl_buf_puts(b, "</p>\n");
    for (size_t t = 0; t < run->ntabs; t++) {
        sl_buf_puts(b, "<h2>Table ");
        esc(b, run->tabs[t].name);
        sl_buf_printf(b, "</h2>\n<p>%llu rows, %zu file(s).</p>\n", (unsigned long long)run->tabs[t].rows,
                      run->tabs[t].nfiles);
        table_charts(run, b, t);
        profiles(b, &run->tabs[t]);
    }
    return sl_buf_puts(b, "</body></html>\n");
}
