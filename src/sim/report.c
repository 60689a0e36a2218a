/* What a simulation did, read back from what it left: the ledgers (which job's
 * result was committed when, with how many rows), the directories ingest moved
 * results into (processed/, quarantine/, duplicates/), sync's report and the final
 * tables. The pool's own counts (jobs, attempts, faults) come from its job table.
 * Everything goes to OUTPUT/_sluice/simulation.json; --summary and
 * --performance-metrics print parts of it. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "base/civil.h"
#include "base/fsutil.h"
#include "ingest/ledger.h"
#include "ingest/statedir.h"
#include "sim/pool_int.h"
#include "sluice/json.h"
#include "sluice/parquet.h"
#include "sluice/sluice.h"

typedef struct jobinfo {
    int64_t commit_us;         /* first commit of the job's result; 0: none */
    uint64_t rows;             /* rows its commits added, over every table */
    uint8_t ingested, quarantined, duplicates;
} jobinfo;

typedef struct table_sum {
    char name[256];
    uint64_t rows, bytes, files;
    uint64_t pending, orphans;
    bool have_report;
} table_sum;

typedef struct rep {
    sim *s;
    jobinfo *ji;               /* by proc, s->njobs of them */
    uint64_t commits, ingested_files, ingested_rows, other_files;
    int64_t last_commit_us;
    table_sum *tables;
    size_t ntables, captables;
    uint64_t pending, orphans;
} rep;

/* "2026-11-21T10:00:01.123456Z" to microseconds; 0 when it is not one. */
static int64_t parse_at(const char *p, size_t n)
{
    int64_t days;
    unsigned hh, mm, ss;
    if (n < 20 || p[10] != 'T' || !sl_parse_ymd(p, &days) || !sl_parse_digits(p + 11, 2, &hh) ||
        !sl_parse_digits(p + 14, 2, &mm) || !sl_parse_digits(p + 17, 2, &ss))
        return 0;
    int64_t us = ((days * 24 + hh) * 60 + mm) * 60 + ss;
    us *= 1000000;
    size_t i = 19;
    if (i < n && p[i] == '.') {
        int64_t f = 0, scale = 1000000;
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            if (scale > 1)
                scale /= 10, f += (p[i] - '0') * scale;
        us += f;
    }
    return us;
}

static table_sum *table_get(rep *r, const char *name, size_t len)
{
    for (size_t i = 0; i < r->ntables; i++)
        if (strlen(r->tables[i].name) == len && memcmp(r->tables[i].name, name, len) == 0)
            return &r->tables[i];
    if (len >= sizeof r->tables[0].name)
        return NULL;
    if (r->ntables == r->captables) {
        size_t cap = r->captables ? r->captables * 2 : 16;
        table_sum *t = realloc(r->tables, cap * sizeof *t);
        if (!t)
            return NULL;
        r->tables = t;
        r->captables = cap;
    }
    table_sum *t = &r->tables[r->ntables++];
    memset(t, 0, sizeof *t);
    memcpy(t->name, name, len);
    return t;
}

static sl_status on_commit(void *ctx, const sl_json_value *c)
{
    rep *r = ctx;
    const sl_json_value *at = sl_json_get(c, "at"), *inputs = sl_json_get(c, "inputs");
    const sl_json_value *parts = sl_json_get(c, "parts");
    int64_t us = at && at->type == SL_JSON_STRING ? parse_at(at->u.str.ptr, at->u.str.len) : 0;
    uint64_t rows = 0;
    r->commits++;
    if (us > r->last_commit_us)
        r->last_commit_us = us;
    for (size_t i = 0; parts && parts->type == SL_JSON_ARRAY && i < parts->u.arr.len; i++) {
        const sl_json_value *n = sl_json_get(&parts->u.arr.items[i], "rows");
        if (n && n->type == SL_JSON_INT && n->u.num.i > 0)
            rows += (uint64_t)n->u.num.i;
    }
    r->ingested_rows += rows;
    size_t nin = inputs && inputs->type == SL_JSON_ARRAY ? inputs->u.arr.len : 0;
    for (size_t i = 0; i < nin; i++) {
        const sl_json_value *job = sl_json_get(&inputs->u.arr.items[i], "job");
        uint64_t cl, pr;
        r->ingested_files++;
        if (!job || job->type != SL_JSON_STRING || !sl_job_parse(job->u.str.ptr, job->u.str.len, &cl, &pr) ||
            cl != r->s->o->cluster || pr >= r->s->njobs) {
            r->other_files++;
            continue;
        }
        jobinfo *j = &r->ji[pr];
        if (!j->commit_us || (us && us < j->commit_us))
            j->commit_us = us;
        j->rows += nin ? rows / nin : 0;   /* a commit's rows, shared over its inputs */
    }
    return SL_OK;
}

/* A file of the state directory the simulation's ingest and sync use: the
 * default one, OUT/_sluice (name NULL: the area itself). */
static void state_path(const sim *s, char *buf, size_t n, sl_state_area area, const char *name)
{
    sl_statedir sd;
    if (sl_statedir_default(&sd, s->out, NULL) ||
        (name ? sl_statedir_path(&sd, buf, n, area, "%s", name) : sl_statedir_path(&sd, buf, n, area, NULL)))
        buf[0] = '\0';
}

static void read_ledgers(rep *r)
{
    char dir[4200];
    state_path(r->s, dir, sizeof dir, SL_STATE_LEDGER, NULL);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 7 || strcmp(e->d_name + n - 6, ".jsonl") != 0)
            continue;
        char path[4500];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        uint64_t off = 0;
        sl_ledger_read(path, &off, on_commit, r, NULL, NULL);
    }
    if (d)
        closedir(d);
}

/* result_<cluster>.<proc>.json, with ingest's ".<n>" added on a name clash; false
 * for sidecars and anything else */
static bool result_proc(const sim *s, const char *name, uint64_t *proc)
{
    char pre[48];
    int n = snprintf(pre, sizeof pre, "result_%llu.", (unsigned long long)s->o->cluster);
    if (strncmp(name, pre, (size_t)n) != 0)
        return false;
    char *end;
    unsigned long long p = strtoull(name + n, &end, 10);
    if (end == name + n || strncmp(end, ".json", 5) != 0)
        return false;
    end += 5;
    if (*end == '.') {
        char *e2;
        strtoull(end + 1, &e2, 10);
        if (e2 == end + 1 || *e2)
            return false;
    } else if (*end) {
        return false;
    }
    *proc = p;
    return true;
}

static void count_dir(rep *r, const char *dir, int which)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    uint64_t p;
    while (d && (e = readdir(d))) {
        if (!result_proc(r->s, e->d_name, &p) || p >= r->s->njobs)
            continue;
        jobinfo *j = &r->ji[p];
        if (which == 0 && j->ingested < 255)
            j->ingested++;
        else if (which == 1 && j->quarantined < 255)
            j->quarantined++;
        else if (which == 2 && j->duplicates < 255)
            j->duplicates++;
    }
    if (d)
        closedir(d);
}

static void read_sync_report(rep *r)
{
    char path[4200];
    state_path(r->s, path, sizeof path, SL_STATE_SYNC, "report.json");
    sl_buf b;
    sl_buf_init(&b, 0);
    sl_json_reader *jr = NULL;
    const sl_json_value *v = NULL;
    sl_json_options jo;
    sl_json_options_init(&jo);
    jo.form = SL_JSON_FORM_DOCUMENT;
    if (sl_fs_read_file(path, 64 << 20, false, &b, NULL) == SL_OK &&
        sl_json_reader_open_mem(b.data, b.len, path, &jo, &jr, NULL) == SL_OK &&
        sl_json_reader_next(jr, &v, NULL) == SL_OK) {
        const sl_json_value *tot = sl_json_get(v, "totals"), *tabs = sl_json_get(v, "tables");
        const sl_json_value *pe = sl_json_get(tot, "pending"), *orph = sl_json_get(tot, "orphans");
        r->pending = pe && pe->type == SL_JSON_INT ? (uint64_t)pe->u.num.i : 0;
        r->orphans = orph && orph->type == SL_JSON_INT ? (uint64_t)orph->u.num.i : 0;
        for (size_t i = 0; tabs && tabs->type == SL_JSON_OBJECT && i < tabs->u.obj.len; i++) {
            const sl_json_member *m = &tabs->u.obj.members[i];
            table_sum *t = table_get(r, m->key, m->key_len);
            if (!t)
                continue;
            const sl_json_value *tp = sl_json_get(&m->value, "pending");
            const sl_json_value *to = sl_json_get(&m->value, "orphans");
            t->pending = tp && tp->type == SL_JSON_INT ? (uint64_t)tp->u.num.i : 0;
            t->orphans = to && to->type == SL_JSON_INT ? (uint64_t)to->u.num.i : 0;
            t->have_report = true;
        }
    }
    sl_json_reader_free(jr);
    sl_buf_free(&b);
}

uint64_t sl_sim_pending_rows(sim *s)
{
    char path[4200];
    state_path(s, path, sizeof path, SL_STATE_SYNC, "report.json");
    struct stat sb;
    if (stat(path, &sb) != 0)
        return 0;
    int64_t m = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    if (m == s->report_mtime_ns)
        return 0;
    s->report_mtime_ns = m;
    rep r;
    memset(&r, 0, sizeof r);
    r.s = s;
    read_sync_report(&r);
    free(r.tables);
    return r.pending;
}

/* The final tables: OUT/<table>.parquet, or OUT/<table>/ of part files. */
static void read_tables(rep *r)
{
    DIR *d = opendir(r->s->out);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        char path[4500];
        snprintf(path, sizeof path, "%s/%s", r->s->out, e->d_name);
        if (e->d_name[0] == '.' || (e->d_name[0] == '_' && strcmp(e->d_name, "_documents.parquet") != 0))
            continue;
        if (n > 8 && strcmp(e->d_name + n - 8, ".parquet") == 0) {
            table_sum *t = table_get(r, e->d_name, n - 8);
            sl_pq_reader *pr;
            struct stat sb;
            if (!t || stat(path, &sb) != 0)
                continue;
            t->bytes += (uint64_t)sb.st_size;
            t->files++;
            if (sl_pq_reader_open(path, &pr, NULL) == SL_OK) {
                t->rows += sl_pq_reader_num_rows(pr);
                sl_pq_reader_free(pr);
            }
        }
    }
    if (d)
        closedir(d);
}

static double pct(int64_t *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)ceil(q * (double)n);
    k = k ? k - 1 : 0;
    return (double)v[k < n ? k : n - 1] / 1000.0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void json_usage(sl_buf *b, const char *name, sl_usage u, uint64_t rss_kb, bool comma)
{
    sl_buf_printf(b, "    \"%s\": {\"cpu_seconds\": %.3f, \"user_seconds\": %.3f, \"system_seconds\": %.3f, "
                  "\"peak_rss_kb\": %llu}%s\n", name, u.user_s + u.sys_s, u.user_s, u.sys_s,
                  (unsigned long long)rss_kb, comma ? "," : "");
}

static sl_usage ru_usage(const struct rusage *ru)
{
    return (sl_usage){(double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6,
                      (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6};
}

static const char *result_word(const jobinfo *j)
{
    return j->ingested ? "ingested" : j->quarantined ? "quarantined" : "none";
}

/* How the pool and the services dealt with a job's faults, in a few words. */
static void handled(const sim_job *j, const jobinfo *ji, char *out, size_t n)
{
    const char *end = j->end == END_OK ? "succeeded" : j->end == END_FAILED ? "failed" :
                      j->end == END_ABORTED ? "removed" : "unfinished";
    snprintf(out, n, "job %s after %u attempt%s; result %s%s%s", end, j->attempts,
             j->attempts == 1 ? "" : "s", result_word(ji),
             ji->duplicates ? ", a second copy set aside as duplicate" : "",
             j->arrivals > 1 && !ji->duplicates ? ", the copy that arrived first was replaced by the rerun's" : "");
}

sl_status sl_sim_report(sim *s, sl_buf *summary, sl_buf *metrics, sl_error *err)
{
    const sl_sim_options *o = s->o;
    rep r;
    memset(&r, 0, sizeof r);
    r.s = s;
    r.ji = calloc(s->njobs ? s->njobs : 1, sizeof *r.ji);
    if (!r.ji)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    read_ledgers(&r);
    char dir[4200];
    count_dir(&r, s->processed, 0);
    snprintf(dir, sizeof dir, "%s/quarantine", s->out);
    count_dir(&r, dir, 1);
    snprintf(dir, sizeof dir, "%s/duplicates", s->out);
    count_dir(&r, dir, 2);
    read_sync_report(&r);
    read_tables(&r);

    uint64_t ok = 0, failed = 0, aborted = 0, attempts = 0, delivered = 0;
    uint64_t res_ing = 0, res_quar = 0, res_dup = 0, res_none = 0;
    int64_t *lat = calloc(s->njobs ? s->njobs : 1, sizeof *lat);
    size_t nlat = 0;
    uint64_t fk[8] = {0};   /* injected per kind: exit evict lost hold abort corrupt straggler order */
    for (uint64_t i = 0; i < s->njobs; i++) {
        const sim_job *j = &s->jobs[i];
        const jobinfo *ji = &r.ji[i];
        ok += j->end == END_OK;
        failed += j->end == END_FAILED;
        aborted += j->end == END_ABORTED;
        attempts += j->attempts;
        delivered += j->arrivals;
        res_ing += ji->ingested > 0;
        res_quar += ji->quarantined > 0 && !ji->ingested;
        res_dup += ji->duplicates;
        res_none += !ji->ingested && !ji->quarantined;
        if (j->end == END_OK && ji->commit_us && lat)
            lat[nlat++] = ji->commit_us - j->end_us;
        fk[0] += (j->struck & F_EXIT) != 0;
        fk[1] += (j->struck & F_EVICT) != 0;
        fk[2] += (j->struck & F_LOST) != 0;
        fk[3] += (j->struck & F_HOLD) && !(j->struck & F_ABORT);
        fk[4] += (j->struck & F_ABORT) != 0;
        fk[5] += (j->struck & F_CORRUPT) != 0;
        fk[6] += (j->struck & F_STRAGGLER) != 0;
        fk[7] += (j->struck & F_ORDER) != 0;
    }
    if (lat)
        qsort(lat, nlat, sizeof *lat, cmp_i64);
    double now = 0;
    {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    }
    double jobs_s = s->t_jobs_end > s->t0 ? s->t_jobs_end - s->t0 : 0;
    double ingest_s = (s->t_ingest_end ? s->t_ingest_end : now) - s->t0;
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    sl_usage sync_u = ru_usage(&s->sync_ru), fin = ru_usage(&s->final_sync_ru);
    sync_u.user_s += fin.user_s;
    sync_u.sys_s += fin.sys_s;
    uint64_t sync_rss = (uint64_t)(s->sync_ru.ru_maxrss > s->final_sync_ru.ru_maxrss ?
                                   s->sync_ru.ru_maxrss : s->final_sync_ru.ru_maxrss);
    static const char *const kinds[8] = {"exit", "evict", "lost_after_transfer", "hold_release",
                                         "hold_remove", "corrupt", "straggler", "out_of_order"};

    sl_buf j;
    sl_buf_init(&j, 0);
    sl_buf_printf(&j, "{\n  \"tool\": \"sluice simulate %s\",\n", SL_VERSION);
    sl_buf_printf(&j, "  \"run\": {\"seed\": %llu, \"cluster\": %llu, \"slots\": %u, \"num_results\": %llu, "
                  "\"generator_rate\": %g, \"max_batch_size\": %llu, \"job_runtime\": %g, \"max_retries\": %u, "
                  "\"shared_fs\": %s, \"timed_out\": %s, \"interrupted\": %s, \"elapsed_seconds\": %.3f},\n",
                  (unsigned long long)o->seed, (unsigned long long)o->cluster, o->slots,
                  (unsigned long long)o->num_results, o->rate, (unsigned long long)o->max_batch_size,
                  o->job_runtime, o->max_retries, o->shared_fs ? "true" : "false",
                  s->timed_out ? "true" : "false", s->stopped ? "true" : "false", now - s->t0);
    sl_buf_puts(&j, "  \"paths\": {\"input_dir\": ");
    sl_json_write_string(&j, s->in, strlen(s->in));
    sl_buf_puts(&j, ", \"output_dir\": ");
    sl_json_write_string(&j, s->out, strlen(s->out));
    sl_buf_puts(&j, ", \"processed_dir\": ");
    sl_json_write_string(&j, s->processed, strlen(s->processed));
    sl_buf_puts(&j, ", \"event_log\": ");
    sl_json_write_string(&j, s->evlog, strlen(s->evlog));
    sl_buf_puts(&j, "},\n");
    sl_buf_printf(&j, "  \"faults_configured\": {\"exit\": %g, \"evict\": %g, \"hold\": %g, \"corrupt\": %g, "
                  "\"straggler\": %g, \"order\": %g},\n", o->fault_exit, o->fault_evict, o->fault_hold,
                  o->fault_corrupt, o->fault_straggler, o->fault_order);
    sl_buf_printf(&j, "  \"jobs\": {\"submitted\": %llu, \"succeeded\": %llu, \"failed\": %llu, \"removed\": %llu, "
                  "\"attempts\": %llu, \"processes\": %llu},\n",
                  (unsigned long long)s->njobs, (unsigned long long)ok, (unsigned long long)failed,
                  (unsigned long long)aborted, (unsigned long long)attempts, (unsigned long long)s->job_processes);
    sl_buf_printf(&j, "  \"results\": {\"arrivals\": %llu, \"ingested\": %llu, \"quarantined\": %llu, "
                  "\"duplicates\": %llu, \"none\": %llu, \"other_files_ingested\": %llu},\n",
                  (unsigned long long)delivered, (unsigned long long)res_ing, (unsigned long long)res_quar,
                  (unsigned long long)res_dup, (unsigned long long)res_none, (unsigned long long)r.other_files);
    sl_buf_printf(&j, "  \"ingest\": {\"commits\": %llu, \"files\": %llu, \"rows\": %llu},\n",
                  (unsigned long long)r.commits, (unsigned long long)r.ingested_files,
                  (unsigned long long)r.ingested_rows);
    sl_buf_printf(&j, "  \"sync\": {\"pending\": %llu, \"orphans\": %llu, \"peak_pending\": %llu},\n",
                  (unsigned long long)r.pending, (unsigned long long)r.orphans,
                  (unsigned long long)s->peak_pending);
    sl_buf_puts(&j, "  \"tables\": [");
    uint64_t total_rows = 0, total_bytes = 0;
    for (size_t i = 0; i < r.ntables; i++) {
        table_sum *t = &r.tables[i];
        total_rows += t->rows;
        total_bytes += t->bytes;
        sl_buf_printf(&j, "%s\n    {\"name\": ", i ? "," : "");
        sl_json_write_string(&j, t->name, strlen(t->name));
        sl_buf_printf(&j, ", \"rows\": %llu, \"bytes\": %llu, \"files\": %llu, \"pending\": %llu, \"orphans\": %llu}",
                      (unsigned long long)t->rows, (unsigned long long)t->bytes, (unsigned long long)t->files,
                      (unsigned long long)t->pending, (unsigned long long)t->orphans);
    }
    sl_buf_puts(&j, "\n  ],\n");
    sl_buf_printf(&j, "  \"rates\": {\"jobs_per_second\": %.3f, \"results_ingested_per_second\": %.3f, "
                  "\"rows_ingested_per_second\": %.1f, \"jobs_seconds\": %.3f, \"ingest_seconds\": %.3f},\n",
                  jobs_s > 0 ? (double)s->njobs / jobs_s : 0, ingest_s > 0 ? (double)r.ingested_files / ingest_s : 0,
                  ingest_s > 0 ? (double)r.ingested_rows / ingest_s : 0, jobs_s, ingest_s);
    sl_buf_printf(&j, "  \"latency_ms\": {\"from\": \"job terminated (005)\", \"to\": \"rows committed (ledger)\", "
                  "\"count\": %zu, \"p50\": %.1f, \"p95\": %.1f, \"p99\": %.1f, \"max\": %.1f},\n",
                  nlat, pct(lat, nlat, 0.50), pct(lat, nlat, 0.95), pct(lat, nlat, 0.99),
                  nlat ? (double)lat[nlat - 1] / 1000.0 : 0);
    sl_buf_puts(&j, "  \"resources\": {\n");
    json_usage(&j, "pool", ru_usage(&self), (uint64_t)self.ru_maxrss, true);
    json_usage(&j, "jobs", s->jobs_cpu, s->jobs_max_rss_kb, true);
    json_usage(&j, "ingest", ru_usage(&s->ingest_ru), (uint64_t)s->ingest_ru.ru_maxrss, true);
    json_usage(&j, "sync", sync_u, sync_rss, false);
    sl_buf_puts(&j, "  },\n  \"faults\": {");
    for (int k = 0; k < 8; k++)
        sl_buf_printf(&j, "%s\"%s\": %llu", k ? ", " : "", kinds[k], (unsigned long long)fk[k]);
    sl_buf_puts(&j, "},\n  \"job_list\": [");
    bool first = true;
    for (uint64_t i = 0; i < s->njobs; i++) {
        const sim_job *jb = &s->jobs[i];
        const jobinfo *ji = &r.ji[i];
        char how[256];
        handled(jb, ji, how, sizeof how);
        sl_buf_printf(&j, "%s\n    {\"job\": \"%llu.%llu\", \"end\": \"%s\", \"return_value\": %d, \"attempts\": %u, "
                      "\"faults\": [", first ? "" : ",", (unsigned long long)o->cluster,
                      (unsigned long long)jb->proc,
                      jb->end == END_OK ? "succeeded" : jb->end == END_FAILED ? "failed" :
                      jb->end == END_ABORTED ? "removed" : "unfinished", jb->end_code, jb->attempts);
        first = false;
        bool fc = false;
        static const struct { unsigned bit; const char *name; } fb[] = {
            {F_EXIT, "exit"}, {F_EVICT, "evict"}, {F_LOST, "lost_after_transfer"}, {F_HOLD, "hold"},
            {F_ABORT, "removed_while_held"}, {F_CORRUPT, "corrupt"}, {F_TRUNCATE, "truncated"},
            {F_STRAGGLER, "straggler"}, {F_ORDER, "out_of_order"}};
        for (size_t k = 0; k < sizeof fb / sizeof fb[0]; k++)
            if (jb->struck & fb[k].bit) {
                sl_buf_printf(&j, "%s\"%s\"", fc ? ", " : "", fb[k].name);
                fc = true;
            }
        sl_buf_printf(&j, "], \"result\": \"%s\", \"arrivals\": %u, \"duplicates\": %u, \"rows\": %llu, "
                      "\"latency_ms\": ", result_word(ji), jb->arrivals, ji->duplicates,
                      (unsigned long long)ji->rows);
        if (jb->end == END_OK && ji->commit_us)
            sl_buf_printf(&j, "%.1f", (double)(ji->commit_us - jb->end_us) / 1000.0);
        else
            sl_buf_puts(&j, "null");
        sl_buf_puts(&j, ", \"handled\": ");
        sl_json_write_string(&j, how, strlen(how));
        sl_buf_puts(&j, "}");
    }
    sl_buf_puts(&j, "\n  ]\n}\n");
    char path[4200];
    state_path(s, path, sizeof path, SL_STATE_ROOT, "simulation.json");
    char sdir[4200];
    state_path(s, sdir, sizeof sdir, SL_STATE_ROOT, NULL);
    sl_status st = sl_fs_mkdirs(sdir, err);
    if (st == SL_OK)
        st = sl_fs_write_atomic(path, j.data, j.len, err);

    if (summary) {
        sl_buf_printf(summary, "Tables in %s:\n", s->out);
        sl_buf_printf(summary, "  %-22s %12s %14s %9s %9s\n", "table", "rows", "bytes", "pending", "orphans");
        for (size_t i = 0; i < r.ntables; i++)
            sl_buf_printf(summary, "  %-22s %12llu %14llu %9llu %9llu\n", r.tables[i].name,
                          (unsigned long long)r.tables[i].rows, (unsigned long long)r.tables[i].bytes,
                          (unsigned long long)r.tables[i].pending, (unsigned long long)r.tables[i].orphans);
        sl_buf_printf(summary, "  %-22s %12llu %14llu\n", "total", (unsigned long long)total_rows,
                      (unsigned long long)total_bytes);
        sl_buf_printf(summary, "Jobs: %llu submitted, %llu succeeded, %llu failed, %llu removed, %llu attempts\n",
                      (unsigned long long)s->njobs, (unsigned long long)ok, (unsigned long long)failed,
                      (unsigned long long)aborted, (unsigned long long)attempts);
        sl_buf_printf(summary, "Results: %llu ingested, %llu quarantined, %llu duplicate copies set aside, "
                      "%llu jobs left no result\n", (unsigned long long)res_ing, (unsigned long long)res_quar,
                      (unsigned long long)res_dup, (unsigned long long)res_none);
    }
    if (metrics) {
        sl_buf_printf(metrics, "Performance:\n");
        sl_buf_printf(metrics, "  jobs            %llu in %.2f s: %.2f jobs/s generated\n",
                      (unsigned long long)s->njobs, jobs_s, jobs_s > 0 ? (double)s->njobs / jobs_s : 0);
        sl_buf_printf(metrics, "  ingested        %llu files, %llu rows in %.2f s: %.2f files/s, %.0f rows/s\n",
                      (unsigned long long)r.ingested_files, (unsigned long long)r.ingested_rows, ingest_s,
                      ingest_s > 0 ? (double)r.ingested_files / ingest_s : 0,
                      ingest_s > 0 ? (double)r.ingested_rows / ingest_s : 0);
        sl_buf_printf(metrics, "  latency         job terminated -> rows committed: p50 %.0f ms, p95 %.0f ms, "
                      "p99 %.0f ms (%zu jobs)\n", pct(lat, nlat, 0.5), pct(lat, nlat, 0.95),
                      pct(lat, nlat, 0.99), nlat);
        struct { const char *name; sl_usage u; uint64_t kb; } part[] = {
            {"pool", ru_usage(&self), (uint64_t)self.ru_maxrss},
            {"jobs (all)", s->jobs_cpu, s->jobs_max_rss_kb},
            {"ingest", ru_usage(&s->ingest_ru), (uint64_t)s->ingest_ru.ru_maxrss},
            {"sync", sync_u, sync_rss}};
        for (size_t i = 0; i < 4; i++)
            sl_buf_printf(metrics, "  %-15s cpu %.2f s, peak memory %.1f MB\n", part[i].name,
                          part[i].u.user_s + part[i].u.sys_s, (double)part[i].kb / 1024.0);
        sl_buf_printf(metrics, "  sync            %llu rows held back at the peak, %llu pending at the end, "
                      "%llu orphans\n", (unsigned long long)s->peak_pending, (unsigned long long)r.pending,
                      (unsigned long long)r.orphans);
        sl_buf_puts(metrics, "Faults injected and how they were handled:\n");
        uint64_t shown = 0;
        for (uint64_t i = 0; i < s->njobs; i++) {
            const sim_job *jb = &s->jobs[i];
            if (!(jb->struck & ~F_TRUNCATE))
                continue;
            char how[256], what[160] = "";
            handled(jb, &r.ji[i], how, sizeof how);
            size_t w = 0;
            for (int k = 0; k < 8; k++) {
                static const unsigned bits[8] = {F_EXIT, F_EVICT, F_LOST, F_HOLD, F_ABORT, F_CORRUPT,
                                                 F_STRAGGLER, F_ORDER};
                if ((jb->struck & bits[k]) && !(k == 3 && (jb->struck & F_ABORT)))
                    w += (size_t)snprintf(what + w, sizeof what - w, "%s%s", w ? "+" : "", kinds[k]);
                if (w >= sizeof what)
                    break;
            }
            if (shown++ < 200)
                sl_buf_printf(metrics, "  job %llu.%llu  %-28s %s\n", (unsigned long long)o->cluster,
                              (unsigned long long)jb->proc, what, how);
        }
        if (shown > 200)
            sl_buf_printf(metrics, "  ... %llu more in %s\n", (unsigned long long)(shown - 200), path);
        if (!shown)
            sl_buf_puts(metrics, "  none\n");
    }
    free(lat);
    free(r.ji);
    free(r.tables);
    sl_buf_free(&j);
    return st;
}
