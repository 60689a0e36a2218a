/* QUALITY_REPORT.md: the report for a person reading it in a terminal or a
 * code review: the verdict, the scores, what failed with an example row, the
 * relationships, sync's held-back rows, drift, and each column's profile. */
#include <math.h>
#include <string.h>

#include "validate/vd.h"

static const char *const dims[] = {"completeness", "validity", "uniqueness", "integrity", "consistency", "overall"};

/* Markdown table cells: '|' and newlines would break the row. */
static void cell(sl_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '|')
            sl_buf_puts(b, "\\|");
        else if (s[i] == '\n' || s[i] == '\r')
            sl_buf_putc(b, ' ');
        else
            sl_buf_putc(b, (uint8_t)s[i]);
    }
}

static void cells(sl_buf *b, const char *s)
{
    cell(b, s ? s : "", s ? strlen(s) : 0);
}

static void profile_row(sl_buf *b, const vd_col *c)
{
    const vd_prof *p = &c->prof;
    sl_buf_puts(b, "| ");
    cells(b, c->name);
    sl_buf_printf(b, " | %s%s | %llu | %llu (%.2f%%) | %.0f | ", c->pq.list ? "list of " : "",
                  sl_pq_type_name(c->pq.type), (unsigned long long)p->rows, (unsigned long long)p->nulls,
                  p->rows ? 100.0 * (double)p->nulls / (double)p->rows : 0.0,
                  (double)vd_prof_distinct(p));
    if (p->numeric && p->kll.n) {
        vd_fmt_number(b, &c->pq, p->kll.min);
        sl_buf_puts(b, " | ");
        vd_fmt_number(b, &c->pq, p->kll.max);
        sl_buf_puts(b, " | ");
        vd_fmt_number(b, &c->pq, p->sum / (double)p->kll.n);
        sl_buf_puts(b, " | ");
        vd_fmt_number(b, &c->pq, vd_kll_quantile(&p->kll, 0.5));
    } else if (p->has_smin) {
        cell(b, p->smin, p->smin_len);
        sl_buf_puts(b, " | ");
        cell(b, p->smax, p->smax_len);
        sl_buf_puts(b, " | | ");
    } else {
        sl_buf_puts(b, " | | | ");
    }
    sl_buf_puts(b, " | ");
    if (!p->top.off && !c->pq.list && p->top.n) {
        vd_top_item it[VD_TOP_K];
        size_t n = vd_top_shown(&p->top, it);
        for (size_t i = 0; i < n && i < 3; i++) {
            sl_buf_puts(b, i ? ", " : "");
            if (p->numeric) {
                double v;
                memcpy(&v, it[i].val, sizeof v);
                vd_fmt_number(b, &c->pq, v);
            } else {
                cell(b, it[i].val, it[i].len);
            }
            sl_buf_printf(b, " (%llu)", (unsigned long long)it[i].count);
        }
    }
    sl_buf_puts(b, " |\n");
}

sl_status vd_report_md(vd_run *run, sl_buf *b)
{
    const sl_validate_summary *s = run->sum;
    sl_buf_puts(b, "# Data quality report\n\n");
    sl_buf_printf(b, "Directory `%s`, schema %s (from %s): **%s**, quality score **%.2f**/100.\n\n", run->dir,
                  run->rules.schema_name ? run->rules.schema_name : "(none)", run->rules.source,
                  s->passed ? "PASSED" : "FAILED", run->score[5]);
    sl_buf_printf(b, "%llu tables, %llu rows, %llu checks: %llu failed, %llu warnings%s. "
                     "Files profiled: %llu read, %llu from saved sketches.\n\n",
                  (unsigned long long)s->tables, (unsigned long long)s->rows, (unsigned long long)s->checks,
                  (unsigned long long)s->failed, (unsigned long long)s->warnings,
                  run->o->strict ? " (strict: warnings fail)" : "", (unsigned long long)s->files_read,
                  (unsigned long long)s->files_reused);
    sl_buf_puts(b, "## Score\n\n| dimension | score | failing rows | rows checked |\n|---|---:|---:|---:|\n");
    for (int d = 0; d < 6; d++)
        sl_buf_printf(b, "| %s | %.2f | %llu | %llu |\n", dims[d], run->score[d],
                      (unsigned long long)run->dim_failed[d], (unsigned long long)run->dim_checked[d]);
    sl_buf_puts(b, "\nEach dimension scores 100 x (1 - failing rows / rows checked) over its checks; overall, "
                   "the same over every check; rounded down, so only a dataset without a failing row scores 100.\n\n");
    sl_buf_puts(b, "## Checks\n\n| status | check | table | column | failing rows | rows checked | rule |\n"
                   "|---|---|---|---|---:|---:|---|\n");
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < run->nchecks; i++) {
            const vd_check *c = &run->checks[i];
            if ((pass == 0) != (c->failed != 0))
                continue;
            sl_buf_printf(b, "| %s | %s | ", !c->failed ? "pass" : c->sev == VD_SEV_WARNING ? "WARN" : "FAIL",
                          c->name);
            cells(b, c->table);
            sl_buf_puts(b, " | ");
            cells(b, c->column);
            sl_buf_printf(b, " | %llu | %llu | ", (unsigned long long)c->failed, (unsigned long long)c->checked);
            cells(b, c->detail);
            sl_buf_puts(b, " |\n");
        }
    bool any = false;
    for (size_t i = 0; i < run->nchecks; i++) {
        const vd_check *c = &run->checks[i];
        if (!c->failed || !c->samp || !c->samp->n || c->sample_table == SIZE_MAX)
            continue;
        if (!any)
            sl_buf_puts(b, "\n### Failing rows (first of each check)\n\n");
        any = true;
        const char *j = vd_sample_json(run, c->sample_table, c->samp->row[0]);
        sl_buf_printf(b, "- `%s` %s%s%s: `", c->name, c->table, c->column ? "." : "", c->column ? c->column : "");
        cells(b, j ? j : "");
        sl_buf_puts(b, "`\n");
    }
    sl_buf_puts(b, "\n## Relationships\n\n");
    if (!run->nfks)
        sl_buf_puts(b, "None declared or found.\n");
    else
        sl_buf_puts(b, "| column | references | how | values | orphans | coverage | parent keys used |\n"
                       "|---|---|---|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < run->nfks; i++) {
        const vd_fk *f = &run->fks[i];
        const vd_table *c = &run->tabs[f->child], *p = &run->tabs[f->parent];
        sl_buf_printf(b, "| %s.%s | %s.%s | %s | %llu | %llu | %.4f | %.4f |\n", c->name, c->cols[f->ccol].name,
                      p->name, p->cols[f->pcol].name, f->how, (unsigned long long)f->checked,
                      (unsigned long long)f->orphans,
                      vd_fk_coverage(f),
                      vd_fk_parent_coverage(f));
    }
    if (run->sync_state) {
        sl_buf_printf(b, "\n## Rows held back by sync\n\nOrphan age: %llu s.\n\n",
                      (unsigned long long)run->orphan_age_s);
        if (!run->npend)
            sl_buf_puts(b, "Nothing pending.\n");
        for (size_t i = 0; i < run->npend; i++)
            sl_buf_printf(b, "- %s: %llu pending, %llu orphans, the oldest waiting %.0f s\n", run->pend[i].name,
                          (unsigned long long)run->pend[i].pending, (unsigned long long)run->pend[i].orphans,
                          run->pend[i].oldest_wait);
    }
    sl_buf_puts(b, "\n## Drift\n\n");
    if (!run->baseline)
        sl_buf_puts(b, "No baseline yet (the first passing run makes one): no drift reported.\n");
    else if (!run->ndrift)
        sl_buf_printf(b, "None against the baseline of %s.\n", run->baseline_at);
    for (size_t i = 0; i < run->ndrift; i++)
        sl_buf_printf(b, "- %s.%s: %s (baseline %s)\n", run->tabs[run->drift[i].table].name,
                      run->tabs[run->drift[i].table].cols[run->drift[i].col].name, run->drift[i].what,
                      run->baseline_at);
    sl_buf_puts(b, "\n## Profiles\n");
    for (size_t t = 0; t < run->ntabs; t++) {
        const vd_table *tb = &run->tabs[t];
        sl_buf_printf(b, "\n### %s\n\n%llu rows in %zu file%s; key: ", tb->name, (unsigned long long)tb->rows,
                      tb->nfiles, tb->nfiles == 1 ? "" : "s");
        for (size_t k = 0; k < tb->nkey; k++)
            sl_buf_printf(b, "%s%s", k ? ", " : "", tb->cols[tb->key[k]].name);
        sl_buf_printf(b, "%s (%s).\n\n", tb->nkey ? "" : "none", tb->key_source);
        sl_buf_puts(b, "| column | type | rows | nulls | distinct | min | max | mean | median | top values |\n"
                       "|---|---|---:|---:|---:|---|---|---|---|---|\n");
        for (size_t c = 0; c < tb->ncols; c++)
            if (!tb->cols[c].missing)
                profile_row(b, &tb->cols[c]);
    }
    return sl_buf_puts(b, "\n(Distinct counts are HyperLogLog estimates, about 1.6% error; quantiles come from "
                          "a mergeable sketch; top values from a space-saving summary.)\n");
}
