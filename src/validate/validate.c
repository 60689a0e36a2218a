/* sluice validate: one run, start to end (see include/sluice/validate.h).
 *
 *   rules      --schema, or the files' "sluice.schema", then --rules
 *   tables     D/<table>.parquet and the Parquet files of D/<table>/
 *   state      which files' sketches are saved (state.c): those are merged, and
 *              their columns read only for checks
 *   scan       one pass per table (scan.c), a thread per table
 *   relate     duplicates confirmed, foreign keys, school rules, sync's pending
 *   reports    JSON, Markdown, HTML; then the state and the drift baseline */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/fsutil.h"
#include "sluice/gen.h"
#include "sluice/sluice.h"
#include "validate/vd.h"

void vd_rendered_free(vd_run *run);

void sl_validate_options_init(sl_validate_options *o)
{
    memset(o, 0, sizeof *o);
    o->samples = 5;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The data's own schema: the first "sluice.schema" of a whole schema, else each
 * table's own. */
static sl_status rules_from_metadata(vd_run *run, sl_error *err)
{
    bool whole = false;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < run->ntabs; i++) {
            vd_table *t = &run->tabs[i];
            sl_pq_reader *r;
            sl_status st = vd_open_reader(t->files[0].path, &r, err);
            if (st)
                return st;
            const char *kv = sl_pq_reader_kv_get(r, "sluice.schema");
            bool is_whole = kv && strstr(kv, "\"tables\"");
            if (kv && ((pass == 0 && is_whole && !whole) ||
                       (pass == 1 && !is_whole && !vd_rules_table(&run->rules, t->name, false)))) {
                char name[600];
                snprintf(name, sizeof name, "%s (sluice.schema)", t->files[0].path);
                st = vd_rules_add_schema_json(&run->rules, kv, strlen(kv), name, err);
                whole |= pass == 0 && !st;
                if (!st)
                    run->rules.source = "metadata";
            }
            sl_pq_reader_free(r);
            if (st)
                return st;
        }
    return SL_OK;
}

static sl_status load_rules(vd_run *run, sl_error *err)
{
    const sl_validate_options *o = run->o;
    sl_status st;
    run->rules.source = "conventions";
    if (o->schema) {
        sl_gen_schema *s;
        if ((st = sl_gen_schema_load(o->schema, NULL, 0, &s, err)))
            return st;
        sl_buf b;
        sl_buf_init(&b, 0);
        st = sl_gen_schema_to_json(s, &b);
        sl_gen_schema_free(s);
        if (!st)
            st = vd_rules_add_schema_json(&run->rules, (const char *)b.data, b.len, o->schema, err);
        sl_buf_free(&b);
        if (st)
            return st;
        run->rules.source = "schema";
    } else if ((st = rules_from_metadata(run, err))) {
        return st;
    }
    if (o->rules) {
        sl_buf b;
        sl_buf_init(&b, 16u << 20);
        if ((st = sl_fs_read_file(o->rules, 16u << 20, false, &b, err))) {
            sl_buf_free(&b);
            if (!err->file[0])
                sl_error_set_file(err, o->rules);
            return st;
        }
        st = vd_rules_add_file(&run->rules, (const char *)b.data, b.len, o->rules, err);
        sl_buf_free(&b);
        if (st)
            return st;
        run->rules.source = strcmp(run->rules.source, "conventions") == 0 ? "rules file"
                            : strcmp(run->rules.source, "schema") == 0  ? "schema, rules file"
                                                                         : "metadata, rules file";
    }
    if (o->max_enrollments > 0)
        run->rules.max_enrollments = o->max_enrollments;
    if (run->rules.max_enrollments <= 0)
        run->rules.max_enrollments = 5;
    return vd_rules_compile(&run->rules, err);
}

static sl_status write_report(const char *path, const sl_buf *b, sl_error *err)
{
    sl_status st = sl_fs_write_atomic(path, b->data ? b->data : (const uint8_t *)"", b->len, err);
    if (st && !err->file[0])
        sl_error_set_file(err, path);
    return st;
}

static sl_status reports(vd_run *run, sl_error *err)
{
    sl_buf b;
    sl_buf_init(&b, 0);
    char path[4096];
    sl_status st = vd_report_json(run, &b);
    if (!st) {
        if (run->o->report_file)
            snprintf(path, sizeof path, "%s", run->o->report_file);
        else
            snprintf(path, sizeof path, "%s/data_quality_report.json", run->dir);
        st = write_report(path, &b, err);
    }
    if (!st) {
        sl_buf_clear(&b);
        snprintf(path, sizeof path, "%s/QUALITY_REPORT.md", run->dir);
        if (!(st = vd_report_md(run, &b)))
            st = write_report(path, &b, err);
    }
    if (!st) {
        sl_buf_clear(&b);
        snprintf(path, sizeof path, "%s/quality_report.html", run->dir);
        if (!(st = vd_report_html(run, &b)))
            st = write_report(path, &b, err);
    }
    sl_buf_free(&b);
    if (st && !err->code)
        sl_error_set(err, st, "writing the reports: %s", sl_strerror(st));
    return st;
}

static void free_run(vd_run *run)
{
    for (size_t i = 0; i < run->ntabs; i++) {
        vd_table *t = &run->tabs[i];
        for (size_t f = 0; f < t->nfiles; f++) {
            free(t->files[f].path);
            free(t->files[f].rel);
            if (t->files[f].saved)
                for (size_t c = 0; c < t->ncols; c++)
                    vd_prof_free(&t->files[f].saved[c]);
            free(t->files[f].saved);
            if (t->files[f].fprof)
                for (size_t c = 0; c < t->ncols; c++)
                    vd_prof_free(&t->files[f].fprof[c]);
            free(t->files[f].fprof);
            sl_buf_free(&t->files[f].blob);
        }
        free(t->files);
        for (size_t c = 0; c < t->ncols; c++) {
            vd_col *col = &t->cols[c];
            if (!col->missing)
                free((char *)col->name);
            vd_prof_free(&col->prof);
            free(col->h);
            free(col->iv);
            free(col->ivnull);
            if (col->uniq)
                vd_keyset_free(col->uniq);
            free(col->uniq);
            free(col->vcache.h);
            free(col->vcache.ok);
        }
        free(t->cols);
        vd_keyset_free(&t->keys);
        free(t->rep);
        free(t->name);
    }
    free(run->tabs);
    free(run->fks);
    free(run->checks);
    free(run->pend);
    free(run->drift);
    vd_rendered_free(run);
    vd_rules_free(&run->rules);
}

static void summarize(vd_run *run)
{
    sl_validate_summary *s = run->sum;
    s->tables = run->ntabs;
    for (size_t i = 0; i < run->ntabs; i++) {
        s->rows += run->tabs[i].rows;
        s->files_read += run->tabs[i].files_read;
        s->files_reused += run->tabs[i].files_reused;
    }
    s->checks = run->nchecks;
    for (size_t i = 0; i < run->nchecks; i++) {
        const vd_check *c = &run->checks[i];
        if (c->failed && c->sev == VD_SEV_ERROR)
            s->failed++;
        else if (c->failed)
            s->warnings++;
    }
    s->warnings += run->ndrift;
    s->score = run->score[5];
    s->passed = !s->failed && !(run->o->strict && s->warnings);
}

sl_status sl_validate_run(const sl_validate_options *o, sl_validate_summary *sum, sl_error *err)
{
    double t0 = mono();
    sl_error_clear(err);
    memset(sum, 0, sizeof *sum);
    if (!o->output_dir || !*o->output_dir)
        return sl_error_set(err, SL_ERR_USAGE, "--output-dir is required");
    if (strlen(o->output_dir) >= 3000)
        return sl_error_set(err, SL_ERR_USAGE, "--output-dir is too long");
    sl_validate_options opts = *o;
    if (!opts.samples)
        opts.samples = 5;
    if (opts.samples > VD_MAX_SAMPLES)
        opts.samples = VD_MAX_SAMPLES;
    vd_run run;
    memset(&run, 0, sizeof run);
    run.o = &opts;
    run.sum = sum;
    run.st_students = run.st_classes = run.st_enroll = -1;
    snprintf(run.dir, sizeof run.dir, "%s", o->output_dir);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    run.now_us = o->now_us ? o->now_us : (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    vd_rules_init(&run.rules);
    sl_status st = vd_find_tables(&run, err);
    if (!st && !run.ntabs)
        st = sl_error_set(err, SL_ERR_USAGE, "%s: no Parquet tables (<table>.parquet or <table>/*.parquet)",
                          run.dir);
    if (!st)
        st = load_rules(&run, err);
    if (!st)
        st = vd_plan(&run, err);
    if (!st && !o->no_state)
        st = vd_state_load(&run, err);
    if (!st)
        st = vd_scan_all(&run, err);
    if (!st)
        st = vd_relate(&run, err);
    if (!st)
        st = vd_read_pending(&run, err);
    if (!st && !o->no_state)
        st = vd_drift_compute(&run, err);
    if (!st && (st = vd_collect_checks(&run)))
        sl_error_set(err, st, "out of memory");
    if (!st)
        st = vd_render_samples(&run, err);
    if (!st) {
        summarize(&run);
        sum->seconds = mono() - t0;
        st = reports(&run, err);
    }
    if (!st && !o->no_state)
        st = vd_state_save(&run, err);
    /* the baseline is the last run that found nothing, not even drift */
    if (!st && !o->no_state && ((sum->passed && !sum->warnings) || o->accept_baseline))
        st = vd_baseline_save(&run, err);
    free_run(&run);
    return st;
}
