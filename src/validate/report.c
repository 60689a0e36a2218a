/* The checks as reported, the quality score, the failing rows' samples, and
 * data_quality_report.json.
 *
 * Score: for each dimension, 100 x (1 - failing rows / rows checked) summed over
 * its checks (a pass rate weighted by rows; a dimension with no check is 100),
 * and overall the same over every check. Rounded down to two decimals, so only a
 * dataset with no failing row scores 100. Drift is reported, not scored. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/civil.h"
#include "base/grow.h"
#include "base/utf8.h"
#include "sluice/json.h"
#include "validate/vd.h"

static const char *const dims[] = {"completeness", "validity", "uniqueness", "integrity", "consistency"};

static vd_check *add(vd_run *run, const char *name, const char *dim, size_t table, const char *col)
{
    if (run->nchecks == run->capck) {
        vd_check *p = sl_grow_array(run->checks, &run->capck, sizeof *p, 64);
        if (!p)
            return NULL;
        run->checks = p;
    }
    vd_check *c = &run->checks[run->nchecks++];
    memset(c, 0, sizeof *c);
    c->name = name;
    c->dimension = dim;
    c->table = run->tabs ? run->tabs[table].name : "";
    c->column = col;
    c->sample_table = table;
    return c;
}

#define ADD(...) do { if (!(k = add(__VA_ARGS__))) return SL_ERR_NOMEM; } while (0)

static sl_status table_checks(vd_run *run, size_t ti)
{
    vd_table *t = &run->tabs[ti];
    vd_check *k;
    ADD(run, "duplicate_rows", "uniqueness", ti, NULL);
    k->checked = t->rows;
    k->failed = t->dup_rows;
    k->samp = &t->dup_samp;
    snprintf(k->detail, sizeof k->detail, "extra exact copies of a row%s (%llu keys duplicated)",
             t->nkey ? "" : " (the table has no key: whole rows compared)", (unsigned long long)t->dup_keys);
    if (t->nkey) {
        ADD(run, "conflicting_duplicates", "consistency", ti, NULL);
        k->checked = t->rows - t->null_key_rows;
        k->failed = t->conflict_rows;
        k->samp = &t->conflict_samp;
        snprintf(k->detail, sizeof k->detail, "extra rows repeating a key with other content (%llu keys)",
                 (unsigned long long)t->conflict_keys);
    }
    for (size_t c = 0; c < t->ncols; c++) {
        vd_col *col = &t->cols[c];
        const vd_colrule *r = col->rule;
        vd_sev sev = r ? r->sev : VD_SEV_ERROR;
        if (col->missing) {
            ADD(run, "missing_column", "validity", ti, col->name);
            k->checked = k->failed = t->rows;
            k->sev = sev;
            snprintf(k->detail, sizeof k->detail, "declared, absent from the files");
            continue;
        }
        if (col->required) {
            ADD(run, "null_required", "completeness", ti, col->name);
            k->checked = col->checked[VD_CK_NULL];
            k->failed = col->fail[VD_CK_NULL];
            k->samp = &col->samp[VD_CK_NULL];
            k->sev = sev;
            snprintf(k->detail, sizeof k->detail, "%s", col->key_pos >= 0 ? "key column: not null" : "not null");
        }
        if (r && r->type) {
            ADD(run, "type_mismatch", "validity", ti, col->name);
            k->checked = col->prof.rows;
            k->failed = col->type_bad ? col->prof.values : 0;
            k->sev = sev;
            snprintf(k->detail, sizeof k->detail, "declared %s, stored %s%s", r->type,
                     col->pq.list ? "list of " : "", sl_pq_type_name(col->pq.type));
        }
        if (r && (r->has_min || r->has_max || r->nvalues)) {
            ADD(run, "out_of_range", "validity", ti, col->name);
            k->checked = col->checked[VD_CK_RANGE];
            k->failed = col->fail[VD_CK_RANGE];
            k->samp = &col->samp[VD_CK_RANGE];
            k->sev = sev;
            sl_buf b;
            sl_buf_init(&b, sizeof k->detail - 1);
            if (r->has_min || r->has_max) {
                sl_buf_puts(&b, "within [");
                if (r->has_min)
                    vd_fmt_number(&b, &col->pq, r->min);
                sl_buf_puts(&b, ", ");
                if (r->has_max)
                    vd_fmt_number(&b, &col->pq, r->max);
                sl_buf_puts(&b, "]");
            }
            for (size_t i = 0; i < r->nvalues; i++)
                sl_buf_printf(&b, "%s%s", i ? ", " : (b.len ? "; one of " : "one of "), r->values[i]);
            snprintf(k->detail, sizeof k->detail, "%.*s", (int)b.len, b.data ? (const char *)b.data : "");
            sl_buf_free(&b);
        }
        if (r && r->re_ok) {
            ADD(run, "pattern_mismatch", "validity", ti, col->name);
            k->checked = col->checked[VD_CK_PATTERN];
            k->failed = col->fail[VD_CK_PATTERN];
            k->samp = &col->samp[VD_CK_PATTERN];
            k->sev = sev;
            snprintf(k->detail, sizeof k->detail, "matches /%s/", r->pattern);
        }
        if (col->uniq) {
            ADD(run, "duplicate_values", "uniqueness", ti, col->name);
            k->checked = col->checked[VD_CK_UNIQUE];
            k->failed = col->fail[VD_CK_UNIQUE];
            k->samp = &col->samp[VD_CK_UNIQUE];
            k->sev = sev;
            snprintf(k->detail, sizeof k->detail, "unique: values repeating an earlier row's");
        }
    }
    if (t->school_age) {
        ADD(run, "age_year_mismatch", "consistency", ti, "age");
        k->checked = t->age_checked;
        k->failed = t->age_fail;
        k->samp = &t->age_samp;
        snprintf(k->detail, sizeof k->detail, "school: age - year is 5 or 6");
    }
    return SL_OK;
}

sl_status vd_collect_checks(vd_run *run)
{
    vd_check *k;
    sl_status st;
    for (size_t i = 0; i < run->ntabs; i++)
        if ((st = table_checks(run, i)))
            return st;
    for (size_t i = 0; i < run->nfks; i++) {
        vd_fk *f = &run->fks[i];
        if (strcmp(f->how, "discovered") == 0)
            continue;
        vd_table *c = &run->tabs[f->child], *p = &run->tabs[f->parent];
        ADD(run, "orphan_refs", "integrity", f->child, c->cols[f->ccol].name);
        k->checked = f->checked;
        k->failed = f->orphans;
        k->samp = &f->samp;
        k->sev = f->sev;
        snprintf(k->detail, sizeof k->detail, "references %s.%s (%s)", p->name, p->cols[f->pcol].name, f->how);
    }
    if (run->school && run->st_classes >= 0 && run->cap_checked) {
        ADD(run, "over_capacity", "consistency", (size_t)run->st_classes, "capacity");
        k->checked = run->cap_checked;
        k->failed = run->cap_fail;
        k->samp = &run->cap_samp;
        k->sample_note = "the class";
        snprintf(k->detail, sizeof k->detail, "school: enrollments per class (student_classes) <= capacity");
    }
    if (run->school && run->st_students >= 0 && run->st_enroll >= 0 && run->lim_checked) {
        ADD(run, "over_enrollment_limit", "consistency", (size_t)run->st_students, "student_id");
        k->checked = run->lim_checked;
        k->failed = run->lim_fail;
        k->samp = &run->lim_samp;
        k->sample_note = "the student";
        snprintf(k->detail, sizeof k->detail, "school: classes per student (student_classes) <= %lld",
                 (long long)run->rules.max_enrollments);
    }
    for (size_t i = 0; i < run->npend; i++) {
        long ti = vd_find_table(run, run->pend[i].name);
        ADD(run, "sync_orphans", "integrity", ti >= 0 ? (size_t)ti : 0, NULL);
        k->table = run->pend[i].name;
        k->sample_table = SIZE_MAX;
        k->checked = run->pend[i].pending;
        k->failed = run->pend[i].orphans;
        snprintf(k->detail, sizeof k->detail,
                 "rows sync holds back for a missing parent, longer than %llu s (oldest waited %.0f s)",
                 (unsigned long long)run->orphan_age_s, run->pend[i].oldest_wait);
    }
    /* the score */
    memset(run->dim_checked, 0, sizeof run->dim_checked);
    memset(run->dim_failed, 0, sizeof run->dim_failed);
    for (size_t i = 0; i < run->nchecks; i++) {
        vd_check *c = &run->checks[i];
        for (int d = 0; d < 5; d++)
            if (strcmp(c->dimension, dims[d]) == 0) {
                run->dim_checked[d] += c->checked;
                run->dim_failed[d] += c->failed < c->checked ? c->failed : c->checked;
            }
    }
    for (int d = 0; d < 5; d++) {
        run->dim_checked[5] += run->dim_checked[d];
        run->dim_failed[5] += run->dim_failed[d];
    }
    for (int d = 0; d < 6; d++) {
        double s = run->dim_checked[d] ? 100.0 * (1.0 - (double)run->dim_failed[d] / (double)run->dim_checked[d])
                                       : 100.0;
        run->score[d] = floor(s * 100.0) / 100.0;
    }
    return SL_OK;
}

/* ------------------------------------------------------------ formatting */

void vd_fmt_json_bytes(sl_buf *b, const uint8_t *s, size_t n)
{
    /* invalid UTF-8 (a Parquet file from elsewhere may hold it) becomes U+FFFD */
    sl_buf_putc(b, '"');
    while (n) {
        size_t bad = sl_utf8_invalid_at(s, n);
        for (size_t i = 0; i < bad; i++) {
            uint8_t ch = s[i];
            if (ch == '"' || ch == '\\')
                sl_buf_putc(b, '\\'), sl_buf_putc(b, ch);
            else if (ch < 0x20)
                sl_buf_printf(b, "\\u%04x", ch);
            else
                sl_buf_putc(b, ch);
        }
        if (bad == n)
            break;
        sl_buf_puts(b, "\xef\xbf\xbd");
        s += bad + 1;
        n -= bad + 1;
    }
    sl_buf_putc(b, '"');
}

void vd_fmt_escape_html(sl_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '<': sl_buf_puts(b, "&lt;"); break;
        case '>': sl_buf_puts(b, "&gt;"); break;
        case '&': sl_buf_puts(b, "&amp;"); break;
        case '"': sl_buf_puts(b, "&quot;"); break;
        case '\'': sl_buf_puts(b, "&#39;"); break;
        default: sl_buf_putc(b, (uint8_t)s[i]);
        }
    }
}

static void fmt_days(sl_buf *b, int64_t days)
{
    int64_t y;
    unsigned m, d;
    sl_civil_from_days(days, &y, &m, &d);
    sl_buf_printf(b, "%04lld-%02u-%02u", (long long)y, m, d);
}

static void fmt_micros(sl_buf *b, int64_t us, bool time_only)
{
    int64_t day = us >= 0 ? us / 86400000000LL : -((-us + 86400000000LL - 1) / 86400000000LL);
    int64_t tod = us - day * 86400000000LL;
    if (!time_only) {
        fmt_days(b, day);
        sl_buf_putc(b, 'T');
    }
    sl_buf_printf(b, "%02lld:%02lld:%02lld", (long long)(tod / 3600000000LL), (long long)(tod / 60000000LL % 60),
                  (long long)(tod / 1000000 % 60));
    if (tod % 1000000)
        sl_buf_printf(b, ".%06lld", (long long)(tod % 1000000));
    if (!time_only)
        sl_buf_putc(b, 'Z');
}

/* A profile number in the column's terms: dates as dates, and so on. */
void vd_fmt_number(sl_buf *b, const sl_pq_column *c, double v)
{
    if (isnan(v) || isinf(v)) {
        sl_buf_puts(b, "null");
        return;
    }
    switch (c->type) {
    case SL_PQ_DATE: fmt_days(b, (int64_t)floor(v)); return;
    case SL_PQ_TIMESTAMP: fmt_micros(b, (int64_t)v, false); return;
    case SL_PQ_TIME: fmt_micros(b, (int64_t)v, true); return;
    default: break;
    }
    if (v == floor(v) && fabs(v) < 9e15)
        sl_buf_printf(b, "%lld", (long long)v);
    else
        sl_buf_printf(b, "%.6g", v);
}

/* A JSON value for a profile number: strings for dates and times. */
static void json_number(sl_buf *b, const sl_pq_column *c, double v)
{
    bool str = c->type == SL_PQ_DATE || c->type == SL_PQ_TIMESTAMP || c->type == SL_PQ_TIME;
    if (isnan(v) || isinf(v)) {
        sl_buf_puts(b, "null");
        return;
    }
    if (str)
        sl_buf_putc(b, '"');
    if (str || v == floor(v))
        vd_fmt_number(b, c, v);
    else
        sl_json_write_double(b, v);
    if (str)
        sl_buf_putc(b, '"');
}

/* ------------------------------------------------------------- samples */

typedef struct vd_rendered {
    uint64_t *rows;          /* sorted */
    size_t *off, n;
    sl_buf text;
} vd_rendered;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void fmt_cell(sl_buf *b, const sl_pq_column *c, const sl_pq_column_data *d, size_t k)
{
    if (d->valid && !d->valid[k]) {
        sl_buf_puts(b, "null");
        return;
    }
    const uint8_t *s = d->offsets ? d->data + d->offsets[k] : NULL;
    size_t n = d->offsets ? (size_t)(d->offsets[k + 1] - d->offsets[k]) : 0;
    switch (c->type) {
    case SL_PQ_BOOL: sl_buf_puts(b, d->i64[k] ? "true" : "false"); return;
    case SL_PQ_FLOAT: case SL_PQ_DOUBLE: sl_json_write_double(b, d->f64[k]); return;
    case SL_PQ_UINT64: sl_buf_printf(b, "%llu", (unsigned long long)d->i64[k]); return;
    case SL_PQ_DATE: case SL_PQ_TIMESTAMP: case SL_PQ_TIME: {
        double v = c->type == SL_PQ_DATE ? (double)d->i64[k]
                   : (double)(c->time_unit == SL_PQ_MILLIS ? d->i64[k] * 1000
                              : c->time_unit == SL_PQ_NANOS ? d->i64[k] / 1000 : d->i64[k]);
        json_number(b, c, v);
        return;
    }
    case SL_PQ_DECIMAL:
        if (d->i64) {
            int64_t v = d->i64[k];
            uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, p = 1;
            for (int32_t i = 0; i < c->scale && i < 19; i++)
                p *= 10;
            if (c->scale > 0)
                sl_buf_printf(b, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long)(u / p), (int)c->scale,
                              (unsigned long long)(u % p));
            else
                sl_buf_printf(b, "%lld", (long long)v);
        } else {
            sl_buf_puts(b, "null");
        }
        return;
    case SL_PQ_STRING: case SL_PQ_BINARY: case SL_PQ_FIXED:
        vd_fmt_json_bytes(b, s, n);
        return;
    case SL_PQ_UNSUPPORTED: sl_buf_puts(b, "null"); return;
    default: sl_buf_printf(b, "%lld", (long long)d->i64[k]); return;
    }
}

static void fmt_row_cell(sl_buf *b, const sl_pq_column *c, const sl_pq_column_data *d, size_t row)
{
    if (!c->list) {
        fmt_cell(b, c, d, row);
        return;
    }
    if (d->list_valid && !d->list_valid[row]) {
        sl_buf_puts(b, "null");
        return;
    }
    sl_buf_putc(b, '[');
    for (uint64_t k = d->list_offsets[row]; k < d->list_offsets[row + 1]; k++) {
        if (k > d->list_offsets[row])
            sl_buf_putc(b, ',');
        fmt_cell(b, c, d, (size_t)k);
    }
    sl_buf_putc(b, ']');
}

static sl_status render_table(vd_run *run, size_t ti, vd_rendered *rd, sl_error *err)
{
    vd_table *t = &run->tabs[ti];
    if (!rd->n)
        return SL_OK;
    qsort(rd->rows, rd->n, sizeof *rd->rows, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < rd->n; i++)
        if (!u || rd->rows[u - 1] != rd->rows[i])
            rd->rows[u++] = rd->rows[i];
    rd->n = u;
    if (!(rd->off = calloc(u + 1, sizeof *rd->off)))
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    size_t *map = malloc((t->ncols + 1) * sizeof *map), j = 0;
    if (!map)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st = SL_OK;
    for (size_t fi = 0; !st && fi < t->nfiles && j < u; fi++) {
        vd_file *f = &t->files[fi];
        if (rd->rows[j] >= f->row0 + f->rows)
            continue;
        sl_pq_reader *r;
        if ((st = vd_open_file(t, f, &r, map, err)))
            break;
        uint64_t base = f->row0;
        for (size_t g = 0; !st && g < sl_pq_reader_num_row_groups(r) && j < u; g++) {
            uint64_t rows = sl_pq_reader_row_group_rows(r, g);
            size_t j0 = j;
            while (j < u && rd->rows[j] < base + rows)
                j++;
            if (j == j0) {
                base += rows;
                continue;
            }
            sl_pq_column_data *cd = calloc(t->ncols + 1, sizeof *cd);
            if (!cd) {
                st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
                break;
            }
            for (size_t c = 0; !st && c < t->ncols; c++)
                if (!t->cols[c].missing && map[c] != SIZE_MAX && t->cols[c].pq.type != SL_PQ_UNSUPPORTED)
                    st = sl_pq_reader_read_column(r, g, map[c], &cd[c], err);
            for (size_t k = j0; !st && k < j; k++) {
                size_t row = (size_t)(rd->rows[k] - base);
                rd->off[k] = rd->text.len;
                sl_buf_printf(&rd->text, "{\"row\":%llu,\"values\":{", (unsigned long long)rd->rows[k]);
                bool first = true;
                for (size_t c = 0; c < t->ncols; c++) {
                    if (t->cols[c].missing)
                        continue;
                    sl_buf_puts(&rd->text, first ? "" : ",");
                    first = false;
                    sl_json_write_string(&rd->text, t->cols[c].name, strlen(t->cols[c].name));
                    sl_buf_putc(&rd->text, ':');
                    if (map[c] == SIZE_MAX || t->cols[c].pq.type == SL_PQ_UNSUPPORTED)
                        sl_buf_puts(&rd->text, "null");
                    else
                        fmt_row_cell(&rd->text, &t->cols[c].pq, &cd[c], row);
                }
                sl_buf_puts(&rd->text, "}}");
                sl_buf_putc(&rd->text, '\0');
            }
            free(cd);
            base += rows;
        }
        sl_pq_reader_free(r);
    }
    free(map);
    if (st && !err->file[0])
        sl_error_set_file(err, t->name);
    return st;
}

sl_status vd_render_samples(vd_run *run, sl_error *err)
{
    run->rendered = calloc(run->ntabs + 1, sizeof *run->rendered);
    if (!run->rendered)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < run->nchecks; i++) {
        vd_check *c = &run->checks[i];
        if (!c->samp || c->sample_table == SIZE_MAX || !c->samp->n)
            continue;
        vd_rendered *rd = &run->rendered[c->sample_table];
        uint64_t *p = realloc(rd->rows, (rd->n + c->samp->n) * sizeof *p);
        if (!p)
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        rd->rows = p;
        memcpy(rd->rows + rd->n, c->samp->row, c->samp->n * sizeof *p);
        rd->n += c->samp->n;
    }
    for (size_t t = 0; t < run->ntabs; t++) {
        sl_status st = render_table(run, t, &run->rendered[t], err);
        if (st)
            return st;
    }
    return SL_OK;
}

const char *vd_sample_json(const vd_run *run, size_t table, uint64_t row)
{
    const vd_rendered *rd = &run->rendered[table];
    size_t lo = 0, hi = rd->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rd->rows[mid] < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < rd->n && rd->rows[lo] == row && rd->text.data)
        return (const char *)rd->text.data + rd->off[lo];
    return NULL;
}

void vd_rendered_free(vd_run *run);
void vd_rendered_free(vd_run *run)
{
    for (size_t t = 0; run->rendered && t < run->ntabs; t++) {
        free(run->rendered[t].rows);
        free(run->rendered[t].off);
        sl_buf_free(&run->rendered[t].text);
    }
    free(run->rendered);
    run->rendered = NULL;
}

/* ------------------------------------------------------------ the JSON */

static void jstr(sl_buf *b, const char *s)
{
    if (s)
        vd_fmt_json_bytes(b, (const uint8_t *)s, strlen(s));
    else
        sl_buf_puts(b, "null");
}

static void profile_json(sl_buf *b, const vd_col *col)
{
    const vd_prof *p = &col->prof;
    sl_buf_printf(b, "{\"rows\":%llu,\"nulls\":%llu,\"null_rate\":", (unsigned long long)p->rows,
                  (unsigned long long)p->nulls);
    sl_json_write_double(b, p->rows ? (double)p->nulls / (double)p->rows : 0);
    sl_buf_printf(b, ",\"distinct\":%llu", (unsigned long long)vd_prof_distinct(p));
    if (p->numeric && p->kll.n) {
        sl_buf_puts(b, ",\"min\":");
        json_number(b, &col->pq, p->kll.min);
        sl_buf_puts(b, ",\"max\":");
        json_number(b, &col->pq, p->kll.max);
        sl_buf_puts(b, ",\"mean\":");
        double mean = p->sum / (double)p->kll.n;
        if (col->pq.type == SL_PQ_DATE || col->pq.type == SL_PQ_TIMESTAMP || col->pq.type == SL_PQ_TIME)
            json_number(b, &col->pq, mean);
        else
            sl_json_write_double(b, mean);
        static const double qs[] = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};
        static const char *const qn[] = {"p01", "p05", "p25", "p50", "p75", "p95", "p99"};
        sl_buf_puts(b, ",\"quantiles\":{");
        for (int i = 0; i < 7; i++) {
            sl_buf_printf(b, "%s\"%s\":", i ? "," : "", qn[i]);
            json_number(b, &col->pq, vd_kll_quantile(&p->kll, qs[i]));
        }
        sl_buf_putc(b, '}');
    } else if (p->has_smin) {
        sl_buf_puts(b, ",\"min\":");
        vd_fmt_json_bytes(b, (const uint8_t *)p->smin, p->smin_len);
        sl_buf_puts(b, ",\"max\":");
        vd_fmt_json_bytes(b, (const uint8_t *)p->smax, p->smax_len);
        sl_buf_puts(b, ",\"mean_length\":");
        sl_json_write_double(b, p->values ? (double)p->len_sum / (double)p->values : 0);
    }
    sl_buf_puts(b, ",\"top_values\":");
    if (p->top.off || col->pq.list) {
        sl_buf_puts(b, "null");
    } else {
        vd_top_item it[VD_TOP_K];
        size_t n = vd_top_shown(&p->top, it);
        sl_buf_putc(b, '[');
        for (size_t i = 0; i < n && i < 10; i++) {
            sl_buf_puts(b, i ? ",{\"value\":" : "{\"value\":");
            if (p->numeric) {
                double v;
                memcpy(&v, it[i].val, sizeof v);
                if (col->pq.type == SL_PQ_BOOL)
                    sl_buf_puts(b, v ? "true" : "false");
                else
                    json_number(b, &col->pq, v);
            } else {
                vd_fmt_json_bytes(b, (const uint8_t *)it[i].val, it[i].len);
            }
            sl_buf_printf(b, ",\"count\":%llu,\"max_overcount\":%llu}", (unsigned long long)it[i].count,
                          (unsigned long long)it[i].err);
        }
        sl_buf_putc(b, ']');
    }
    sl_buf_putc(b, '}');
}

static void tables_json(vd_run *run, sl_buf *b)
{
    sl_buf_puts(b, ",\n\"tables\":[");
    for (size_t i = 0; i < run->ntabs; i++) {
        vd_table *t = &run->tabs[i];
        sl_buf_puts(b, i ? ",\n{\"name\":" : "\n{\"name\":");
        jstr(b, t->name);
        sl_buf_printf(b, ",\"rows\":%llu,\"files\":%zu,\"files_read\":%llu,\"files_reused\":%llu,\"key\":[",
                      (unsigned long long)t->rows, t->nfiles, (unsigned long long)t->files_read,
                      (unsigned long long)t->files_reused);
        for (size_t k = 0; k < t->nkey; k++) {
            sl_buf_puts(b, k ? "," : "");
            jstr(b, t->cols[t->key[k]].name);
        }
        sl_buf_puts(b, "],\"key_source\":");
        jstr(b, t->key_source);
        sl_buf_puts(b, ",\"columns\":[");
        bool first = true;
        for (size_t c = 0; c < t->ncols; c++) {
            vd_col *col = &t->cols[c];
            if (col->missing)
                continue;
            sl_buf_puts(b, first ? "\n {\"name\":" : ",\n {\"name\":");
            first = false;
            jstr(b, col->name);
            sl_buf_printf(b, ",\"type\":\"%s%s%s\",\"profile\":", col->pq.list ? "list<" : "",
                          sl_pq_type_name(col->pq.type), col->pq.list ? ">" : "");
            profile_json(b, col);
            sl_buf_putc(b, '}');
        }
        sl_buf_puts(b, "]}");
    }
    sl_buf_puts(b, "]");
}

static const char *status_of(const vd_check *c)
{
    return !c->failed ? "passed" : c->sev == VD_SEV_WARNING ? "warning" : "failed";
}

static void checks_json(vd_run *run, sl_buf *b)
{
    sl_buf_puts(b, ",\n\"checks\":[");
    for (size_t i = 0; i < run->nchecks; i++) {
        vd_check *c = &run->checks[i];
        sl_buf_puts(b, i ? ",\n{\"check\":" : "\n{\"check\":");
        jstr(b, c->name);
        sl_buf_puts(b, ",\"dimension\":");
        jstr(b, c->dimension);
        sl_buf_puts(b, ",\"table\":");
        jstr(b, c->table);
        sl_buf_puts(b, ",\"column\":");
        jstr(b, c->column);
        sl_buf_puts(b, ",\"detail\":");
        jstr(b, c->detail);
        sl_buf_printf(b, ",\"severity\":\"%s\",\"status\":\"%s\",\"rows_checked\":%llu,\"failing_rows\":%llu,"
                         "\"samples\":[",
                      c->sev == VD_SEV_WARNING ? "warning" : "error", status_of(c),
                      (unsigned long long)c->checked, (unsigned long long)c->failed);
        for (uint32_t s = 0; c->samp && c->sample_table != SIZE_MAX && s < c->samp->n; s++) {
            const char *j = vd_sample_json(run, c->sample_table, c->samp->row[s]);
            sl_buf_puts(b, s ? "," : "");
            sl_buf_puts(b, j ? j : "null");
        }
        sl_buf_puts(b, "]}");
    }
    sl_buf_puts(b, "]");
}

static void rel_json(vd_run *run, sl_buf *b)
{
    sl_buf_puts(b, ",\n\"relationships\":[");
    for (size_t i = 0; i < run->nfks; i++) {
        vd_fk *f = &run->fks[i];
        vd_table *c = &run->tabs[f->child], *p = &run->tabs[f->parent];
        sl_buf_puts(b, i ? ",\n{\"table\":" : "\n{\"table\":");
        jstr(b, c->name);
        sl_buf_puts(b, ",\"column\":");
        jstr(b, c->cols[f->ccol].name);
        sl_buf_puts(b, ",\"references_table\":");
        jstr(b, p->name);
        sl_buf_puts(b, ",\"references_column\":");
        jstr(b, p->cols[f->pcol].name);
        sl_buf_printf(b, ",\"how\":\"%s\",\"values_checked\":%llu,\"orphans\":%llu,\"coverage\":", f->how,
                      (unsigned long long)f->checked, (unsigned long long)f->orphans);
        sl_json_write_double(b, vd_fk_coverage(f));
        sl_buf_printf(b, ",\"parent_keys\":%llu,\"parent_keys_referenced\":%llu,\"parent_coverage\":",
                      (unsigned long long)f->parent_keys, (unsigned long long)f->parent_used);
        sl_json_write_double(b, vd_fk_parent_coverage(f));
        sl_buf_putc(b, '}');
    }
    sl_buf_puts(b, "]");
}

static void sync_json(vd_run *run, sl_buf *b)
{
    sl_buf_puts(b, ",\n\"sync\":");
    if (!run->sync_state) {
        sl_buf_puts(b, "null");
        return;
    }
    sl_buf_printf(b, "{\"orphan_age_seconds\":%llu,\"pending\":[", (unsigned long long)run->orphan_age_s);
    for (size_t i = 0; i < run->npend; i++) {
        sl_buf_puts(b, i ? ",{\"table\":" : "{\"table\":");
        jstr(b, run->pend[i].name);
        sl_buf_printf(b, ",\"rows\":%llu,\"orphans\":%llu,\"oldest_wait_seconds\":",
                      (unsigned long long)run->pend[i].pending, (unsigned long long)run->pend[i].orphans);
        sl_json_write_double(b, run->pend[i].oldest_wait);
        sl_buf_putc(b, '}');
    }
    sl_buf_puts(b, "]}");
}

static void drift_json(vd_run *run, sl_buf *b)
{
    sl_buf_puts(b, ",\n\"drift\":{\"baseline\":");
    jstr(b, run->baseline ? run->baseline_at : NULL);
    sl_buf_puts(b, ",\"rule\":");
    jstr(b, "against the profile of the last run whose checks all passed: a null rate up by more than "
            "5 points, a median moved by more than half the baseline's interquartile range (and 1% of its "
            "value), or a distinct count changed by more than half (columns of 1000 rows or more); "
            "no baseline, no drift");
    sl_buf_puts(b, ",\"columns\":[");
    for (size_t i = 0; i < run->ndrift; i++) {
        vd_drift *d = &run->drift[i];
        sl_buf_puts(b, i ? ",{\"table\":" : "{\"table\":");
        jstr(b, run->tabs[d->table].name);
        sl_buf_puts(b, ",\"column\":");
        jstr(b, run->tabs[d->table].cols[d->col].name);
        sl_buf_puts(b, ",\"change\":");
        jstr(b, d->what);
        sl_buf_putc(b, '}');
    }
    sl_buf_puts(b, "]}");
}

static void now_text(char *out, size_t n, int64_t us)
{
    time_t s = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

sl_status vd_report_json(vd_run *run, sl_buf *b)
{
    char when[40];
    sl_validate_summary *s = run->sum;
    now_text(when, sizeof when, run->now_us);
    sl_buf_printf(b, "{\"report\":\"sluice validate\",\"version\":1,\"generated_at\":\"%s\",\"output_dir\":", when);
    jstr(b, run->dir);
    sl_buf_puts(b, ",\n\"schema\":{\"name\":");
    jstr(b, run->rules.schema_name);
    sl_buf_puts(b, ",\"source\":");
    jstr(b, run->rules.source);
    sl_buf_printf(b, "},\n\"passed\":%s,\"strict\":%s,\"exit_code\":%d,", s->passed ? "true" : "false",
                  run->o->strict ? "true" : "false", s->passed ? 0 : 1);
    sl_buf_printf(b, "\n\"summary\":{\"tables\":%llu,\"rows\":%llu,\"checks\":%llu,\"failed\":%llu,"
                     "\"warnings\":%llu,\"files_read\":%llu,\"files_reused\":%llu,\"seconds\":",
                  (unsigned long long)s->tables, (unsigned long long)s->rows, (unsigned long long)s->checks,
                  (unsigned long long)s->failed, (unsigned long long)s->warnings,
                  (unsigned long long)s->files_read, (unsigned long long)s->files_reused);
    sl_json_write_double(b, s->seconds);
    sl_buf_puts(b, "},\n\"score\":{");
    for (int d = 0; d < 6; d++) {
        sl_buf_printf(b, "\"%s\":", d < 5 ? dims[d] : "overall");
        sl_json_write_double(b, run->score[d]);
        sl_buf_puts(b, ",");
    }
    sl_buf_puts(b, "\"formula\":");
    jstr(b, "per dimension: 100 * (1 - failing rows / rows checked), summed over its checks (100 when it has "
            "none); overall: the same over every check; rounded down to 2 decimals");
    sl_buf_puts(b, ",\"rows_checked\":{");
    for (int d = 0; d < 6; d++)
        sl_buf_printf(b, "%s\"%s\":%llu", d ? "," : "", d < 5 ? dims[d] : "overall",
                      (unsigned long long)run->dim_checked[d]);
    sl_buf_puts(b, "},\"failing_rows\":{");
    for (int d = 0; d < 6; d++)
        sl_buf_printf(b, "%s\"%s\":%llu", d ? "," : "", d < 5 ? dims[d] : "overall",
                      (unsigned long long)run->dim_failed[d]);
    sl_buf_puts(b, "}}");
    checks_json(run, b);
    rel_json(run, b);
    sync_json(run, b);
    drift_json(run, b);
    tables_json(run, b);
    return sl_buf_puts(b, "\n}\n");
}
