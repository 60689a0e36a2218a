/* What ingest records about its work, beside the parts: the ledgers it reads
 * (every writer's commits, which is how a duplicate input is known), the
 * cumulative schema of every table in <state>/schema/, and the metrics file in
 * <state>/metrics/ (docs/state-layout.md). The workers (worker.c) call in here
 * under g->mu. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/grow.h"
#include "ingest/ingest_int.h"
#include "ingest/normalize_int.h"
#include "schema/infer.h"

/* ------------------------------------------------------------ ledgers */

typedef struct ledger_ctx { ingest *g; } ledger_ctx;

static sl_status on_commit(void *ctx, const sl_json_value *commit)
{
    ingest *g = ((ledger_ctx *)ctx)->g;
    const sl_json_value *inputs = sl_json_get(commit, "inputs");
    if (!inputs || inputs->type != SL_JSON_ARRAY)
        return SL_OK;
    for (size_t i = 0; i < inputs->u.arr.len; i++) {
        const sl_json_value *in = &inputs->u.arr.items[i];
        const sl_json_value *h = sl_json_get(in, "hash");
        const sl_json_value *job = sl_json_get(in, "job");
        const sl_json_value *name = sl_json_get(in, "name");
        const sl_json_value *size = sl_json_get(in, "size");
        sl_key128 k;
        sl_status st = SL_OK;
        if (h && h->type == SL_JSON_STRING && sl_key128_parse(h->u.str.ptr, h->u.str.len, &k))
            st = sl_keyindex_add(&g->hashes, k);
        uint64_t c, p;
        if (!st && job && job->type == SL_JSON_STRING && sl_job_parse(job->u.str.ptr, job->u.str.len, &c, &p))
            st = sl_keyindex_add(&g->jobs, sl_job_key(c, p));
        if (!st && g->o.on_success == SL_ON_SUCCESS_LEAVE && name && name->type == SL_JSON_STRING &&
            size && size->type == SL_JSON_INT)
            st = sl_keyindex_add(&g->left, sl_ingest_left_key(name->u.str.ptr, name->u.str.len,
                                                            (uint64_t)size->u.num.i));
        if (st)
            return st;
    }
    return SL_OK;
}

/* Reads what every ledger (ours and other writers') gained since the last call,
 * so duplicates committed by another process are known. Caller holds g->mu or
 * runs before the workers start. */
sl_status sl_ingest_refresh_ledgers(ingest *g, sl_error *err)
{
    char dir[PATH_MAX];
    sl_statedir_path(&g->sd, dir, sizeof dir, SL_STATE_LEDGER, NULL);
    DIR *d = opendir(dir);
    if (!d)
        return sl_error_set(err, SL_ERR_IO, "cannot open '%s': %s", dir, strerror(errno));
    struct dirent *e;
    sl_status st = SL_OK;
    ledger_ctx ctx = {g};
    while (!st && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 7 || strcmp(e->d_name + n - 6, ".jsonl") != 0)
            continue;
        char path[PATH_MAX];
        sl_fs_pathf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (strcmp(path, g->ledger_path) == 0)
            continue;   /* ours: each commit adds its keys as it is made */
        size_t i = 0;
        while (i < g->nledgers && strcmp(g->ledgers[i].path, path) != 0)
            i++;
        if (i == g->nledgers) {
            struct ledger_pos *p = realloc(g->ledgers, (g->nledgers + 1) * sizeof *p);
            if (!p || !(p[g->nledgers].path = strdup(path))) {
                if (p)
                    g->ledgers = p;
                st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
                break;
            }
            g->ledgers = p;
            p[g->nledgers++].off = 0;
        }
        st = sl_ledger_read(path, &g->ledgers[i].off, on_commit, &ctx, NULL, err);
    }
    closedir(d);
    return st;
}

/* ------------------------------------------------------------ the schema */

typedef struct sch_col { char *name; sl_infer inf; bool synthetic; } sch_col;
struct sch_table { char *name; sch_col *cols; size_t n, cap; };

static sl_status schema_json(const ingest *g, sl_buf *b)
{
    char ts[40], ty[48];
    sl_ingest_iso_time(sl_now_ns(), ts);
    sl_buf_printf(b, "{\"version\":%llu,\"at\":\"%s\",\"tables\":[",
                  (unsigned long long)g->schema_version, ts);
    for (size_t t = 0; t < g->nschema; t++) {
        const struct sch_table *st = &g->schema[t];
        sl_buf_puts(b, t ? ",{\"table\":" : "{\"table\":");
        sl_json_write_string(b, st->name, strlen(st->name));
        sl_buf_puts(b, ",\"columns\":[");
        for (size_t c = 0; c < st->n; c++) {
            sl_buf_puts(b, c ? ",{\"name\":" : "{\"name\":");
            sl_json_write_string(b, st->cols[c].name, strlen(st->cols[c].name));
            sl_buf_printf(b, ",\"type\":\"%s\",\"nullable\":%s%s}",
                          sl_infer_type_text(&st->cols[c].inf, ty, sizeof ty),
                          st->cols[c].inf.nullable ? "true" : "false",
                          st->cols[c].synthetic ? ",\"synthetic\":true" : "");
        }
        sl_buf_puts(b, "]}");
    }
    return sl_buf_puts(b, "]}\n");
}

/* Joins the batch's tables into the cumulative schema. Every change (a new table,
 * a new column, a wider type) is one line of <state>/schema/history.jsonl; when
 * any happened, current.json is rewritten with the next version. Caller holds g->mu. */
void sl_ingest_schema_merge(ingest *g, const sl_normalizer *n, const char *commit)
{
    sl_buf hist;
    sl_buf_init(&hist, 0);
    char ts[40], a[48], b[48];
    sl_ingest_iso_time(sl_now_ns(), ts);
    for (size_t t = 0; t < sl_norm_num_tables(n); t++) {
        const char *tname = sl_norm_table_name(n, t);
        size_t k = 0;
        while (k < g->nschema && strcmp(g->schema[k].name, tname) != 0)
            k++;
        if (k == g->nschema) {
            struct sch_table *p = realloc(g->schema, (g->nschema + 1) * sizeof *p);
            if (!p)
                break;
            g->schema = p;
            memset(&p[k], 0, sizeof p[k]);
            if (!(p[k].name = strdup(tname)))
                break;
            g->nschema++;
        }
        struct sch_table *st = &g->schema[k];
        for (size_t c = 0; c < sl_norm_table_num_columns(n, t); c++) {
            const char *cname;
            bool synthetic;
            const sl_infer *inf = sl_norm_table_infer(n, t, c, &cname, &synthetic);
            size_t i = 0;
            while (i < st->n && strcmp(st->cols[i].name, cname) != 0)
                i++;
            const char *change = NULL;
            if (i == st->n) {
                sch_col *p = st->n < st->cap ? st->cols : sl_grow_array(st->cols, &st->cap, sizeof *p, 16);
                if (!p)
                    break;
                st->cols = p;
                if (!(p[i].name = strdup(cname)))
                    break;
                memset(&p[i].inf, 0, sizeof p[i].inf);
                p[i].synthetic = synthetic;
                st->n++;
                a[0] = '\0';
                change = "added";
            }
            sl_infer old = st->cols[i].inf;
            sl_infer_type_text(&old, a, sizeof a);
            sl_infer_join(&st->cols[i].inf, inf);
            sl_infer_type_text(&st->cols[i].inf, b, sizeof b);
            if (!change && strcmp(a, b) != 0)
                change = "widened";
            if (!change)
                continue;
            sl_buf_printf(&hist, "{\"version\":%llu,\"at\":\"%s\",\"commit\":\"%s\",\"table\":",
                          (unsigned long long)g->schema_version + 1, ts, commit);
            sl_json_write_string(&hist, tname, strlen(tname));
            sl_buf_puts(&hist, ",\"column\":");
            sl_json_write_string(&hist, cname, strlen(cname));
            if (strcmp(change, "added") == 0)
                sl_buf_printf(&hist, ",\"change\":\"added\",\"type\":\"%s\"}\n", b);
            else
                sl_buf_printf(&hist, ",\"change\":\"widened\",\"from\":\"%s\",\"to\":\"%s\"}\n", a, b);
        }
    }
    if (hist.len && hist.data) {
        g->schema_version++;
        char path[PATH_MAX];
        sl_statedir_path(&g->sd, path, sizeof path, SL_STATE_SCHEMA, "history.jsonl");
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0) {
            if (write(fd, hist.data, hist.len) != (ssize_t)hist.len)
                sl_ingest_log_error(g, "schema_history_failed", NULL, NULL);
            close(fd);
        }
        sl_buf cur;
        sl_buf_init(&cur, 0);
        sl_error err;
        char cpath[PATH_MAX];
        sl_statedir_path(&g->sd, cpath, sizeof cpath, SL_STATE_SCHEMA, "current.json");
        if (schema_json(g, &cur) || sl_fs_write_atomic(cpath, cur.data, cur.len, &err))
            sl_ingest_log_error(g, "schema_write_failed", NULL, NULL);
        sl_buf_free(&cur);
        sl_logrec r;
        if (sl_log_begin(&r, g->log, SL_LOG_INFO, "schema_changed")) {
            size_t changes = 0;
            for (size_t i = 0; i < hist.len; i++)
                changes += hist.data[i] == '\n';
            sl_log_u64(&r, "version", g->schema_version);
            sl_log_u64(&r, "changes", changes);
            sl_log_str(&r, "history", path);
            sl_log_end(&r);
        }
    }
    sl_buf_free(&hist);
}

void sl_ingest_schema_free(ingest *g)
{
    for (size_t t = 0; t < g->nschema; t++) {
        for (size_t c = 0; c < g->schema[t].n; c++)
            free(g->schema[t].cols[c].name);
        free(g->schema[t].cols);
        free(g->schema[t].name);
    }
    free(g->schema);
    g->schema = NULL;
    g->nschema = 0;
}

/* ------------------------------------------------------------ metrics */

void sl_ingest_latency_add(latency *l, int64_t ns)
{
    uint64_t us = ns > 0 ? (uint64_t)ns / 1000 : 0;
    unsigned b;
    if (us < 8) {
        b = (unsigned)us;
    } else {
        unsigned e = 63 - (unsigned)__builtin_clzll(us);      /* us in [2^e, 2^(e+1)) */
        b = e * 8 + (unsigned)((us >> (e - 3)) & 7);
    }
    if (b >= sizeof l->b / sizeof l->b[0])
        b = sizeof l->b / sizeof l->b[0] - 1;
    l->b[b]++;
    l->n++;
}

/* The upper edge, in milliseconds, of the bucket holding quantile q. */
static double latency_q(const latency *l, double q)
{
    if (!l->n)
        return 0;
    uint64_t want = (uint64_t)(q * (double)l->n);
    if (want >= l->n)
        want = l->n - 1;
    uint64_t seen = 0;
    for (unsigned b = 0; b < sizeof l->b / sizeof l->b[0]; b++) {
        seen += l->b[b];
        if (seen > want) {
            if (b < 8)
                return (b + 1) / 1000.0;
            unsigned e = b / 8, m = b % 8;
            return (double)((8 + m + 1) * (1ull << (e - 3))) / 1000.0;
        }
    }
    return 0;
}

void sl_ingest_write_metrics(ingest *g, bool force)
{
    int64_t now = sl_now_ns();
    pthread_mutex_lock(&g->mu);
    if (!force && now - g->metrics_ns < 1000000000) {
        pthread_mutex_unlock(&g->mu);
        return;
    }
    g->metrics_ns = now;
    sl_ingest_summary s = g->sum;
    latency l = g->lat;
    size_t queued = g->qlen;
    const sl_keyindex *ix[] = {&g->hashes, &g->jobs, &g->left};
    unsigned long long keys[3], spills = 0, runs = 0, last_error = 0;
    size_t index_mem = 0;
    for (int i = 0; i < 3; i++) {
        keys[i] = sl_keyindex_size(ix[i]);
        spills += ix[i]->spills;
        runs += ix[i]->nruns;
        index_mem += sl_keyindex_memory(ix[i]);
        if (ix[i]->last_error)
            last_error = (unsigned long long)ix[i]->last_error;
    }
    pthread_mutex_unlock(&g->mu);
    char ts[40], started[40];
    sl_ingest_iso_time(now, ts);
    sl_ingest_iso_time(g->start_ns, started);
    sl_buf b;
    sl_buf_init(&b, 0);
    sl_buf_puts(&b, "{\"writer\":");
    sl_json_write_string(&b, g->writer, strlen(g->writer));
    double up = (double)(now - g->start_ns) / 1e9;
    sl_buf_printf(&b,
                  ",\"pid\":%ld,\"started_at\":\"%s\",\"updated_at\":\"%s\",\"uptime_s\":%.3f,"
                  "\"files\":%llu,\"documents\":%llu,\"rows\":%llu,\"bytes\":%llu,\"commits\":%llu,"
                  "\"rejected\":%llu,\"duplicates\":%llu,\"recovered\":%llu,\"queued\":%zu,"
                  "\"files_per_s\":%.1f,\"rows_per_s\":%.1f,"
                  "\"latency_ms\":{\"count\":%llu,\"p50\":%.3f,\"p95\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
                  "\"dedup\":{\"hashes\":%llu,\"jobs\":%llu,\"left\":%llu,\"runs\":%llu,\"spills\":%llu,"
                  "\"memory_bytes\":%zu,\"spill_failed\":%s,\"adopted\":%s}}\n",
                  (long)getpid(), started, ts, up, (unsigned long long)s.files,
                  (unsigned long long)s.documents, (unsigned long long)s.rows,
                  (unsigned long long)s.bytes, (unsigned long long)s.commits,
                  (unsigned long long)s.quarantined, (unsigned long long)s.duplicates,
                  (unsigned long long)s.recovered, queued, up > 0 ? (double)s.files / up : 0.0,
                  up > 0 ? (double)s.rows / up : 0.0, (unsigned long long)l.n, latency_q(&l, 0.50),
                  latency_q(&l, 0.95), latency_q(&l, 0.99), latency_q(&l, 1.0), keys[0], keys[1],
                  keys[2], runs, spills, index_mem, last_error ? "true" : "false",
                  g->index_adopted ? "true" : "false");
    char path[PATH_MAX];
    sl_statedir_path(&g->sd, path, sizeof path, SL_STATE_METRICS, "%s.json", g->writer);
    sl_error err;
    if (b.data && sl_fs_write_atomic(path, b.data, b.len, &err))
        sl_ingest_log_error(g, "metrics_write_failed", NULL, &err);
    sl_buf_free(&b);
}

