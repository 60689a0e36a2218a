/* What validate keeps between runs, in D/_sluice/validate/:
 *
 *   sketches/<16 hex>.bin   one per Parquet file read: the file's identity (its
 *                           path relative to D, size, inode, mtime in ns), its
 *                           columns, and each column's sketches (sketch.c),
 *                           zstd-compressed. A later run that finds the same
 *                           identity and columns merges these instead of
 *                           profiling the file again. Stale ones are removed.
 *   baseline.json           the profile of the last run whose checks all
 *                           passed: what drift is measured against.
 *
 * Drift is measured against the last passing run, not the previous run: the
 * first run has no baseline and reports none, and the run after a fix is
 * compared with data that was good, not with the broken data it replaced (so
 * a fix is not itself "drift", the complaint of Deequ #531). It needs 1000
 * rows on both sides and only reports a change past a threshold (see
 * drift_json in report.c for the words). */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "base/fsutil.h"
#include "base/grow.h"
#include "schema/node.h"
#include "sluice/json.h"
#include "validate/vd.h"

#define MAGIC "SLVSK1\n"
#define MAX_STATE (256u << 20)

static void sketch_path(const vd_run *run, const vd_file *f, char *out, size_t n)
{
    snprintf(out, n, "%s/_sluice/validate/sketches/%016llx.bin", run->dir,
             (unsigned long long)XXH3_64bits(f->rel, strlen(f->rel)));
}

sl_status vd_state_keep(const vd_table *t, vd_file *f)
{
    sl_buf *b = &f->blob;
    sl_buf_init(b, 0);
    uint32_t n = 0;
    for (size_t c = 0; c < t->ncols; c++)
        n += !t->cols[c].missing;
    uint32_t rl = (uint32_t)strlen(f->rel);
    sl_status st;
    if ((st = sl_buf_append(b, MAGIC, 7)) || (st = sl_buf_append(b, &rl, 4)) ||
        (st = sl_buf_append(b, f->rel, rl)) || (st = sl_buf_append(b, &f->size, 8)) ||
        (st = sl_buf_append(b, &f->ino, 8)) || (st = sl_buf_append(b, &f->mtime_ns, 8)) ||
        (st = sl_buf_append(b, &n, 4)))
        return st;
    for (size_t c = 0; c < t->ncols; c++) {
        const vd_col *col = &t->cols[c];
        if (col->missing)
            continue;
        uint32_t nl = (uint32_t)strlen(col->name);
        uint8_t ty[2] = {(uint8_t)col->pq.type, col->pq.list};
        if ((st = sl_buf_append(b, &nl, 4)) || (st = sl_buf_append(b, col->name, nl)) ||
            (st = sl_buf_append(b, ty, 2)) || (st = vd_prof_save(&f->fprof[c], b)))
            return st;
    }
    return SL_OK;
}

static bool get(const uint8_t **cur, const uint8_t *end, void *out, size_t n)
{
    if ((size_t)(end - *cur) < n)
        return false;
    memcpy(out, *cur, n);
    *cur += n;
    return true;
}

/* Reads f's saved sketches when they are of this very file and these columns. */
static void load_one(vd_run *run, vd_table *t, vd_file *f)
{
    char path[4200];
    sketch_path(run, f, path, sizeof path);
    sl_buf z, b;
    sl_buf_init(&z, MAX_STATE);
    sl_buf_init(&b, 0);
    if (sl_fs_read_file(path, MAX_STATE, true, &z, NULL) != SL_OK || !z.len)
        goto out;
    unsigned long long raw = ZSTD_getFrameContentSize(z.data, z.len);
    if (raw == ZSTD_CONTENTSIZE_ERROR || raw == ZSTD_CONTENTSIZE_UNKNOWN || raw > MAX_STATE ||
        sl_buf_reserve(&b, (size_t)raw + 1))
        goto out;
    size_t got = ZSTD_decompress(b.data, (size_t)raw, z.data, z.len);
    if (ZSTD_isError(got) || got != raw)
        goto out;
    const uint8_t *cur = b.data, *end = b.data + got;
    char magic[7];
    uint32_t rl, n;
    uint64_t size, ino;
    int64_t mtime;
    if (!get(&cur, end, magic, 7) || memcmp(magic, MAGIC, 7) != 0 || !get(&cur, end, &rl, 4) ||
        rl != strlen(f->rel) || (size_t)(end - cur) < rl || memcmp(cur, f->rel, rl) != 0)
        goto out;
    cur += rl;
    if (!get(&cur, end, &size, 8) || !get(&cur, end, &ino, 8) || !get(&cur, end, &mtime, 8) ||
        size != f->size || ino != f->ino || mtime != f->mtime_ns || !get(&cur, end, &n, 4))
        goto out;
    vd_prof *saved = calloc(t->ncols + 1, sizeof *saved);
    if (!saved)
        goto out;
    size_t c = 0, loaded = 0;
    bool ok = true;
    for (; ok && c < t->ncols; c++) {
        vd_col *col = &t->cols[c];
        if (col->missing)
            continue;
        uint32_t nl;
        uint8_t ty[2];
        ok = loaded < n && get(&cur, end, &nl, 4) && nl == strlen(col->name) && (size_t)(end - cur) >= nl &&
             memcmp(cur, col->name, nl) == 0;
        if (ok) {
            cur += nl;
            ok = get(&cur, end, ty, 2) && ty[0] == (uint8_t)col->pq.type && ty[1] == col->pq.list &&
                 vd_prof_load(&saved[c], &cur, end) && saved[c].numeric == col->prof.numeric;
            loaded++;
        }
    }
    if (!ok || loaded != n || cur != end) {
        for (size_t i = 0; i < t->ncols; i++)
            vd_prof_free(&saved[i]);
        free(saved);
        goto out;
    }
    f->saved = saved;
    f->reuse = true;
out:
    sl_buf_free(&z);
    sl_buf_free(&b);
}

sl_status vd_state_load(vd_run *run, sl_error *err)
{
    for (size_t i = 0; i < run->ntabs; i++)
        for (size_t f = 0; f < run->tabs[i].nfiles; f++)
            load_one(run, &run->tabs[i], &run->tabs[i].files[f]);
    return SL_OK;
}

static bool known_sketch(const vd_run *run, const char *name)
{
    char path[4200];
    const char *want;
    for (size_t i = 0; i < run->ntabs; i++)
        for (size_t f = 0; f < run->tabs[i].nfiles; f++) {
            sketch_path(run, &run->tabs[i].files[f], path, sizeof path);
            want = strrchr(path, '/') + 1;
            if (strcmp(want, name) == 0)
                return true;
        }
    return false;
}

sl_status vd_state_save(vd_run *run, sl_error *err)
{
    char dir[4200], path[4600];
    snprintf(dir, sizeof dir, "%s/_sluice/validate/sketches", run->dir);
    sl_status st = sl_fs_mkdirs(dir, err);
    if (st)
        return st;
    sl_buf z;
    sl_buf_init(&z, 0);
    for (size_t i = 0; !st && i < run->ntabs; i++)
        for (size_t fi = 0; !st && fi < run->tabs[i].nfiles; fi++) {
            vd_file *f = &run->tabs[i].files[fi];
            if (f->reuse || !f->blob.len)
                continue;
            size_t bound = ZSTD_compressBound(f->blob.len);
            sl_buf_clear(&z);
            if ((st = sl_buf_reserve(&z, bound))) {
                sl_error_set(err, st, "out of memory");
                break;
            }
            size_t n = ZSTD_compress(z.data, bound, f->blob.data, f->blob.len, 3);
            if (ZSTD_isError(n)) {
                st = sl_error_set(err, SL_ERR_NOMEM, "compressing sketches: %s", ZSTD_getErrorName(n));
                break;
            }
            sketch_path(run, f, path, sizeof path);
            st = sl_fs_write_atomic(path, z.data, n, err);
        }
    sl_buf_free(&z);
    if (st)
        return st;
    /* sketches of files that are gone or changed */
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' && strlen(e->d_name) == 20 && !known_sketch(run, e->d_name)) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    return SL_OK;
}

/* ------------------------------------------------------------------ drift */

typedef struct colstat {
    double rows, null_rate, distinct, p25, p50, p75;
    bool numeric;
} colstat;

static colstat stat_of(const vd_col *c)
{
    const vd_prof *p = &c->prof;
    colstat s = {.rows = (double)p->rows, .null_rate = p->rows ? (double)p->nulls / (double)p->rows : 0,
                 .distinct = (double)vd_prof_distinct(p), .numeric = p->numeric && p->kll.n};
    if (s.numeric) {
        s.p25 = vd_kll_quantile(&p->kll, 0.25);
        s.p50 = vd_kll_quantile(&p->kll, 0.5);
        s.p75 = vd_kll_quantile(&p->kll, 0.75);
    }
    return s;
}

sl_status vd_baseline_save(vd_run *run, sl_error *err)
{
    char path[4200], when[40];
    snprintf(path, sizeof path, "%s/_sluice/validate", run->dir);
    sl_status st = sl_fs_mkdirs(path, err);
    if (st)
        return st;
    time_t s = (time_t)(run->now_us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    sl_buf b;
    sl_buf_init(&b, 0);
    sl_buf_printf(&b, "{\"at\":\"%s\",\"columns\":[", when);
    bool first = true;
    for (size_t i = 0; i < run->ntabs; i++)
        for (size_t c = 0; c < run->tabs[i].ncols; c++) {
            const vd_col *col = &run->tabs[i].cols[c];
            if (col->missing)
                continue;
            colstat cs = stat_of(col);
            sl_buf_puts(&b, first ? "\n{\"table\":" : ",\n{\"table\":");
            first = false;
            sl_json_write_string(&b, run->tabs[i].name, strlen(run->tabs[i].name));
            sl_buf_puts(&b, ",\"column\":");
            sl_json_write_string(&b, col->name, strlen(col->name));
            sl_buf_printf(&b, ",\"rows\":%.0f,\"distinct\":%.0f,\"null_rate\":", cs.rows, cs.distinct);
            sl_json_write_double(&b, cs.null_rate);
            if (cs.numeric) {
                sl_buf_puts(&b, ",\"p25\":");
                sl_json_write_double(&b, cs.p25);
                sl_buf_puts(&b, ",\"p50\":");
                sl_json_write_double(&b, cs.p50);
                sl_buf_puts(&b, ",\"p75\":");
                sl_json_write_double(&b, cs.p75);
            }
            sl_buf_putc(&b, '}');
        }
    st = sl_buf_puts(&b, "]}\n");
    snprintf(path, sizeof path, "%s/_sluice/validate/baseline.json", run->dir);
    if (!st)
        st = sl_fs_write_atomic(path, b.data, b.len, err);
    sl_buf_free(&b);
    return st;
}

static sl_status add_drift(vd_run *run, size_t t, size_t c, const char *fmt, double a, double b)
{
    if (run->ndrift == run->capdrift) {
        vd_drift *p = sl_grow_array(run->drift, &run->capdrift, sizeof *p, 8);
        if (!p)
            return SL_ERR_NOMEM;
        run->drift = p;
    }
    vd_drift *d = &run->drift[run->ndrift++];
    d->table = t;
    d->col = c;
    snprintf(d->what, sizeof d->what, fmt, a, b);
    return SL_OK;
}

static sl_status compare(vd_run *run, size_t ti, size_t ci, const sl_node *bn)
{
    colstat now = stat_of(&run->tabs[ti].cols[ci]), was = {0};
    if (!sl_node_double(sl_node_get(bn, "rows"), &was.rows) ||
        !sl_node_double(sl_node_get(bn, "null_rate"), &was.null_rate) ||
        !sl_node_double(sl_node_get(bn, "distinct"), &was.distinct))
        return SL_OK;
    if (now.rows < 1000 || was.rows < 1000)
        return SL_OK;
    sl_status st = SL_OK;
    if (now.null_rate - was.null_rate > 0.05)
        st = add_drift(run, ti, ci, "null rate %.1f%% -> %.1f%%", was.null_rate * 100, now.null_rate * 100);
    if (!st && now.numeric && sl_node_double(sl_node_get(bn, "p25"), &was.p25) &&
        sl_node_double(sl_node_get(bn, "p50"), &was.p50) && sl_node_double(sl_node_get(bn, "p75"), &was.p75)) {
        double iqr = was.p75 - was.p25, moved = fabs(now.p50 - was.p50);
        if (moved > 0.5 * iqr && moved > 0.01 * fabs(was.p50))
            st = add_drift(run, ti, ci, "median %g -> %g", was.p50, now.p50);
    }
    if (!st && was.distinct >= 2 && was.distinct <= 1000 &&
        (now.distinct > 1.5 * was.distinct + 2 || now.distinct < 0.5 * was.distinct))
        st = add_drift(run, ti, ci, "distinct values %.0f -> %.0f", was.distinct, now.distinct);
    return st;
}

sl_status vd_drift_compute(vd_run *run, sl_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/_sluice/validate/baseline.json", run->dir);
    sl_buf b;
    sl_buf_init(&b, MAX_STATE);
    if (sl_fs_read_file(path, MAX_STATE, true, &b, NULL) != SL_OK) {
        sl_buf_free(&b);
        return SL_OK;    /* no baseline: no drift */
    }
    sl_node_doc doc;
    sl_status st = SL_OK;
    if (sl_node_parse((const char *)b.data, b.len, path, &doc, NULL) == SL_OK) {
        const char *at = sl_node_str(sl_node_get(doc.root, "at"));
        const sl_node *cols = sl_node_get(doc.root, "columns");
        if (at && cols && cols->kind == SL_NODE_SEQ) {
            run->baseline = true;
            snprintf(run->baseline_at, sizeof run->baseline_at, "%s", at);
            for (size_t i = 0; !st && i < cols->n; i++) {
                const char *tn = sl_node_str(sl_node_get(cols->items[i], "table"));
                const char *cn = sl_node_str(sl_node_get(cols->items[i], "column"));
                long ti = tn ? vd_find_table(run, tn) : -1;
                long ci = ti >= 0 && cn ? vd_find_col(&run->tabs[ti], cn) : -1;
                if (ci >= 0 && !run->tabs[ti].cols[ci].missing)
                    st = compare(run, (size_t)ti, (size_t)ci, cols->items[i]);
            }
        }
        sl_node_doc_free(&doc);
    }
    sl_buf_free(&b);
    return st ? sl_error_set(err, st, "out of memory") : SL_OK;
}
