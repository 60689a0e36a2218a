/* Ingest workers: each takes complete files from the queue, claims them, reads
 * and checks them, adds their documents to its open batch, and commits the batch
 * (DESIGN.md section 3, steps 1 to 4; docs/state-layout.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/fsutil.h"
#include "base/grow.h"
#include "base/input.h"
#include "ingest/ingest_int.h"
#include "ingest/normalize_int.h"
#include "ingest/pin.h"
#include "schema/infer.h"

/* ------------------------------------------------------------ small helpers */

void sl_ingest_iso_time(int64_t ns, char out[40])
{
    out[sl_format_timestamp(ns / 1000, true, out)] = '\0';
}

sl_key128 sl_ingest_left_key(const char *name, size_t n, uint64_t size)
{
    XXH128_hash_t h = XXH3_128bits_withSeed(name, n, size);
    return (sl_key128){h.low64, h.high64};
}

void sl_ingest_log_error(ingest *g, const char *event, const char *name, const sl_error *e)
{
    sl_logrec r;
    if (sl_log_begin(&r, g->log, SL_LOG_ERROR, event)) {
        if (name)
            sl_log_str(&r, "file", name);
        if (e)
            sl_log_err(&r, e);
        sl_log_end(&r);
    }
}

/* A full disk pauses claiming: 1 s, doubling to 30 s while it lasts. */
static void pause_for_space(ingest *g)
{
    pthread_mutex_lock(&g->mu);
    int64_t now = sl_mono_ns();
    int64_t wait = g->pause_until_ns > now ? (g->pause_until_ns - now) * 2 : 1000000000;
    if (wait < 1000000000)
        wait = 1000000000;
    if (wait > 30000000000ll)
        wait = 30000000000ll;
    g->pause_until_ns = now + wait;
    pthread_mutex_unlock(&g->mu);
}

/* ------------------------------------------------------------ set aside, finish */

sl_status sl_ingest_set_aside(ingest *g, const char *from, const char *name, bool duplicate,
                              const char *reason, const sl_error *e)
{
    char dest[PATH_MAX];
    sl_error err;
    sl_error_clear(&err);
    sl_status st = sl_fs_move_into(from, duplicate ? g->duplicates : g->quarantine, dest,
                                   sizeof dest, &err);
    if (st) {
        if (st != SL_ERR_IO || errno != ENOENT)
            sl_ingest_log_error(g, duplicate ? "duplicate_move_failed" : "quarantine_failed", name, &err);
        return st;
    }
    sl_buf j;
    sl_buf_init(&j, 0);
    char when[40], pos[1100];
    sl_ingest_iso_time(sl_now_ns(), when);
    sl_buf_puts(&j, "{\"file\":");
    sl_json_write_string(&j, name, strlen(name));
    sl_buf_puts(&j, ",\"kind\":");
    sl_buf_puts(&j, duplicate ? "\"duplicate\"" : "\"rejected\"");
    sl_buf_puts(&j, ",\"reason\":");
    sl_json_write_string(&j, reason, strlen(reason));
    if (e && e->code) {
        sl_buf_printf(&j, ",\"status\":\"%s\"", sl_strerror(e->code));
        if (e->line)
            sl_buf_printf(&j, ",\"line\":%llu,\"column\":%llu", (unsigned long long)e->line,
                          (unsigned long long)e->column);
        if (e->offset != UINT64_MAX)
            sl_buf_printf(&j, ",\"offset\":%llu", (unsigned long long)e->offset);
        sl_error_format(e, pos, sizeof pos);
        sl_buf_puts(&j, ",\"error\":");
        sl_json_write_string(&j, pos, strlen(pos));
    }
    sl_buf_printf(&j, ",\"at\":\"%s\",\"writer\":", when);
    sl_json_write_string(&j, g->writer, strlen(g->writer));
    sl_buf_puts(&j, ",\"path\":");
    sl_json_write_string(&j, dest, strlen(dest));
    sl_buf_puts(&j, "}\n");
    char side[PATH_MAX + 32];
    snprintf(side, sizeof side, "%s.%s.json", dest, duplicate ? "duplicate" : "error");
    st = j.data ? sl_fs_write_atomic(side, j.data, j.len, &err) : SL_ERR_NOMEM;
    sl_buf_free(&j);
    if (st)
        sl_ingest_log_error(g, "sidecar_failed", name, &err);
    pthread_mutex_lock(&g->mu);
    if (duplicate)
        g->sum.duplicates++;
    else
        g->sum.quarantined++;
    pthread_mutex_unlock(&g->mu);
    sl_logrec r;
    if (sl_log_begin(&r, g->log, duplicate ? SL_LOG_INFO : SL_LOG_WARN,
                     duplicate ? "duplicate" : "quarantined")) {
        sl_log_str(&r, "file", name);
        sl_log_str(&r, "reason", reason);
        if (e && e->code)
            sl_log_err(&r, e);
        sl_log_str(&r, "to", dest);
        sl_log_end(&r);
    }
    return SL_OK;
}

sl_status sl_ingest_finish_input(ingest *g, const char *path, const char *name, uint64_t size)
{
    sl_error err;
    sl_error_clear(&err);
    sl_status st = SL_OK;
    char dest[PATH_MAX];
    switch (g->o.on_success) {
    case SL_ON_SUCCESS_DELETE:
        if (unlink(path) != 0 && errno != ENOENT)
            st = sl_error_set(&err, SL_ERR_IO, "cannot remove '%s': %s", path, strerror(errno));
        break;
    case SL_ON_SUCCESS_LEAVE:
        st = sl_fs_move_into(path, g->in, dest, sizeof dest, &err);
        if (!st) {
            const char *b = sl_fs_base(dest);
            pthread_mutex_lock(&g->mu);
            st = sl_keyindex_add(&g->left, sl_ingest_left_key(b, strlen(b), size));
            g->index_lost |= st != SL_OK;
            pthread_mutex_unlock(&g->mu);
        }
        break;
    case SL_ON_SUCCESS_MOVE:
        st = sl_fs_move_into(path, g->processed, NULL, 0, &err);
        break;
    }
    if (st)   /* committed all the same: recovery finishes it on the next start */
        sl_ingest_log_error(g, "finish_failed", name, &err);
    return st;
}

/* ------------------------------------------------------------ the batch */

sl_status sl_ingest_worker_init(ingest *g, worker *w, unsigned id, sl_error *err)
{
    memset(w, 0, sizeof *w);
    w->g = g;
    w->id = id;
    if (sl_statedir_path(&g->sd, w->tmp_dir, sizeof w->tmp_dir, SL_STATE_WORK, "%s-w%u", g->writer, id))
        return sl_error_set(err, SL_ERR_USAGE, "state path too long");
    sl_buf_init(&w->raw, 0);
    sl_buf_init(&w->plain, 0);
    sl_json_options jo;
    sl_json_options_init(&jo);
    jo.max_depth = g->o.max_depth;
    jo.max_record_size = g->o.max_decompressed_size;
    jo.max_decompressed_size = g->o.max_decompressed_size;
    static const char nothing[] = " ";
    sl_status st = sl_json_reader_open_mem(nothing, 1, "", &jo, &w->reader, err);
    if (!st && g->o.schema)
        st = sl_pin_load(g->o.schema, &w->pin, err);
    /* One directory per normalizer: each numbers its own part files. */
    char sub[PATH_MAX];
    if (!st && !(st = sl_fs_pathf(sub, sizeof sub, "%s/d", w->tmp_dir)))
        st = sl_fs_mkdirs(sub, err);
    if (!st && !(st = sl_fs_pathf(sub, sizeof sub, "%s/r", w->tmp_dir)))
        st = sl_fs_mkdirs(sub, err);
    return st;
}

static void batch_drop(worker *w)
{
    sl_norm_free(w->docs);
    sl_norm_free(w->recs);
    w->docs = w->recs = NULL;
    for (size_t i = 0; i < w->nin; i++)
        free(w->in[i].name);
    w->nin = 0;
    w->batch_bytes = 0;
}

/* Retries moving committed inputs on (see commit). */
static void finish_unfinished(worker *w)
{
    size_t j = 0;
    for (size_t i = 0; i < w->nunfinished; i++) {
        batch_input *u = &w->unfinished[i];
        char path[PATH_MAX];
        sl_fs_pathf(path, sizeof path, "%s/%s", w->g->claims, u->name);
        if (sl_ingest_finish_input(w->g, path, u->name, u->size) == SL_OK)
            free(u->name);
        else
            w->unfinished[j++] = *u;
    }
    w->nunfinished = j;
}

void sl_ingest_worker_free(worker *w)
{
    batch_drop(w);
    finish_unfinished(w);
    for (size_t i = 0; i < w->nunfinished; i++)
        free(w->unfinished[i].name);
    free(w->unfinished);
    free(w->in);
    sl_buf_free(&w->raw);
    sl_buf_free(&w->plain);
    sl_json_reader_free(w->reader);
    sl_pin_free(w->pin);
    char sub[PATH_MAX];
    if (!sl_fs_pathf(sub, sizeof sub, "%s/d", w->tmp_dir))
        rmdir(sub);
    if (!sl_fs_pathf(sub, sizeof sub, "%s/r", w->tmp_dir))
        rmdir(sub);
    rmdir(w->tmp_dir);
}

static void commit_id(const worker *w, uint64_t seq, char *out, size_t n)
{
    snprintf(out, n, "%s-w%u-%llu", w->g->writer, w->id, (unsigned long long)seq);
}

static sl_status open_norm(worker *w, bool documents, sl_normalizer **out, sl_error *err)
{
    ingest *g = w->g;
    char prefix[200];
    commit_id(w, w->seq + 1, prefix, sizeof prefix);
    strcat(prefix, documents ? "." : ".r");
    char tmp[PATH_MAX];
    if (sl_fs_pathf(tmp, sizeof tmp, "%s/%s", w->tmp_dir, documents ? "d" : "r"))
        return sl_error_set(err, SL_ERR_USAGE, "path too long");
    sl_norm_options no;
    sl_norm_options_init(&no);
    no.root_table = documents ? "_documents" : g->o.table;
    no.tmp_dir = tmp;
    no.key_prefix = prefix;
    no.writer = g->o.writer;
    no.documents = documents;
    /* A short inference window: the first few documents of a batch settle most
     * schemas, and rows then stream to the part without being held as text.
     * (A window as large as the batch, which would make one part per table
     * always, costs a third more CPU: the window is re-serialized and re-read.)
     * A later widening starts a new part, unified at publish. */
    no.window_bytes = 256u << 10;
    return sl_norm_open(&no, out, err);
}

/* Puts the input back into the input directory after a failed commit. */
static void unclaim(worker *w, const batch_input *in)
{
    ingest *g = w->g;
    char from[PATH_MAX];
    sl_error err;
    sl_fs_pathf(from, sizeof from, "%s/%s", g->claims, in->name);
    if (sl_fs_move_into(from, g->in, NULL, 0, &err))
        sl_ingest_log_error(g, "unclaim_failed", in->name, &err);
}

static void forget_inflight(ingest *g, const batch_input *in)
{
    sl_keyset_del(&g->inflight_hashes, in->hash);
    if (in->has_job)
        sl_keyset_del(&g->inflight_jobs, sl_job_key(in->cluster, in->proc));
}

/* Gives every input of the batch back to the input directory (a failed commit,
 * or a normalizer holding part of a rejected input); the caller drops the batch. */
static void batch_return(worker *w)
{
    ingest *g = w->g;
    pthread_mutex_lock(&g->mu);
    for (size_t i = 0; i < w->nin; i++)
        forget_inflight(g, &w->in[i]);
    pthread_mutex_unlock(&g->mu);
    for (size_t i = 0; i < w->nin; i++)
        unclaim(w, &w->in[i]);
}

typedef struct part { const char *table; char path[PATH_MAX]; char tmp[PATH_MAX]; uint64_t rows; bool renamed; } part;

/* Publishes every table of n as a part of this commit: temporary name, fsync,
 * rename into raw/<table>/. */
static sl_status write_parts(worker *w, sl_normalizer *n, const char *cid, part **parts,
                             size_t *nparts, size_t *cap, sl_error *err)
{
    ingest *g = w->g;
    for (size_t t = 0; t < sl_norm_num_tables(n); t++) {
        if (*nparts == *cap) {
            part *p = sl_grow_array(*parts, cap, sizeof *p, 8);
            if (!p)
                return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
            *parts = p;
        }
        part *p = &(*parts)[*nparts];
        memset(p, 0, sizeof *p);
        p->table = sl_norm_table_name(n, t);
        p->rows = sl_norm_table_rows(n, t);
        char dir[PATH_MAX];
        if (sl_fs_pathf(dir, sizeof dir, "%s/raw/%s", g->out, p->table) ||
            sl_fs_pathf(p->tmp, sizeof p->tmp, "%s/.part-%s.parquet.tmp", dir, cid) ||
            sl_fs_pathf(p->path, sizeof p->path, "%s/part-%s.parquet", dir, cid))
            return sl_error_set(err, SL_ERR_USAGE, "path too long for table '%s'", p->table);
        sl_status st = sl_fs_mkdirs(dir, err);
        if (st)
            return st;
        ++*nparts;
        if ((st = sl_norm_publish(n, t, p->tmp, err)) || (st = sl_fs_sync_file(p->tmp, err)))
            return st;
        if (rename(p->tmp, p->path) != 0)
            return sl_error_set(err, sl_fs_status(errno), "cannot rename '%s': %s", p->tmp, strerror(errno));
        p->renamed = true;
        if ((st = sl_fs_sync_dir(dir, err)))
            return st;
    }
    return SL_OK;
}

static sl_status append_ledger(ingest *g, const sl_buf *line, sl_error *err)
{
    struct stat st;
    if (fstat(g->ledger_fd, &st) != 0)
        return sl_error_set(err, SL_ERR_IO, "cannot stat the ledger: %s", strerror(errno));
    ssize_t n = write(g->ledger_fd, line->data, line->len);
    if (n != (ssize_t)line->len) {
        int e = n < 0 ? errno : ENOSPC;
        /* A torn line is ignored by readers, but take it back so the next commit
         * starts on a line of its own. */
        if (ftruncate(g->ledger_fd, st.st_size) != 0)
            sl_ingest_log_error(g, "ledger_truncate_failed", NULL, NULL);
        return sl_error_set(err, sl_fs_status(e), "cannot append to the ledger '%s': %s",
                            g->ledger_path, strerror(e));
    }
    /* The line is in the file: the commit has happened for every reader. If the
     * fsync fails, retry; a kernel that loses the page afterwards is beyond us. */
    for (int i = 0; i < 5 && fdatasync(g->ledger_fd) != 0; i++) {
        sl_ingest_log_error(g, "ledger_fsync_failed", NULL, NULL);
        sleep(1);
    }
    return SL_OK;
}

/* Commits the open batch (DESIGN.md section 3, steps 3 and 4). On failure every
 * input goes back to the input directory, nothing of the commit stays in raw/,
 * and a full disk pauses claiming. */
static void commit(worker *w)
{
    ingest *g = w->g;
    if (!w->nin)
        return;
    char cid[200];
    commit_id(w, w->seq + 1, cid, sizeof cid);
    int64_t t0 = sl_mono_ns();
    sl_error err;
    sl_error_clear(&err);
    part *parts = NULL;
    size_t nparts = 0, pcap = 0;
    char lineage[256];
    snprintf(lineage, sizeof lineage, "{\"commit\":\"%s\",\"files\":%zu}", cid, w->nin);
    sl_status st = sl_norm_finish(w->docs, &err);
    if (!st && w->recs)
        st = sl_norm_finish(w->recs, &err);
    if (!st)
        st = write_parts(w, w->docs, cid, &parts, &nparts, &pcap, &err);
    if (!st && w->recs)
        st = write_parts(w, w->recs, cid, &parts, &nparts, &pcap, &err);
    sl_buf line;
    sl_buf_init(&line, 0);
    uint64_t rows = 0, docs = 0, bytes = 0;
    if (!st) {
        char ts[40], hex[33];
        sl_ingest_iso_time(sl_now_ns(), ts);
        sl_buf_printf(&line, "{\"commit\":\"%s\",\"at\":\"%s\",\"parts\":[", cid, ts);
        for (size_t i = 0; i < nparts; i++) {
            sl_buf_puts(&line, i ? ",{\"table\":" : "{\"table\":");
            sl_json_write_string(&line, parts[i].table, strlen(parts[i].table));
            const char *rel = parts[i].path + strlen(g->out) + 1;
            sl_buf_puts(&line, ",\"path\":");
            sl_json_write_string(&line, rel, strlen(rel));
            sl_buf_printf(&line, ",\"rows\":%llu}", (unsigned long long)parts[i].rows);
            rows += parts[i].rows;
        }
        sl_buf_puts(&line, "],\"inputs\":[");
        for (size_t i = 0; i < w->nin; i++) {
            const batch_input *in = &w->in[i];
            sl_buf_puts(&line, i ? ",{\"name\":" : "{\"name\":");
            sl_json_write_string(&line, in->name, strlen(in->name));
            sl_key128_hex(in->hash, hex);
            sl_buf_printf(&line, ",\"size\":%llu,\"hash\":\"%s\",\"job\":", (unsigned long long)in->size, hex);
            if (in->has_job)
                sl_buf_printf(&line, "\"%llu.%llu\"", (unsigned long long)in->cluster,
                              (unsigned long long)in->proc);
            else
                sl_buf_puts(&line, "null");
            sl_buf_printf(&line, ",\"docs\":%llu}", (unsigned long long)in->docs);
            docs += in->docs;
            bytes += in->size;
        }
        sl_buf_puts(&line, "]}\n");
        if (!line.data || memchr(line.data, '\n', line.len - 1))
            st = sl_error_set(&err, SL_ERR_NOMEM, "out of memory");
    }
    if (!st) {
        pthread_mutex_lock(&g->mu);
        st = append_ledger(g, &line, &err);
        if (!st) {
            int64_t now = sl_now_ns();
            for (size_t i = 0; i < w->nin; i++) {
                const batch_input *in = &w->in[i];
                forget_inflight(g, in);
                /* only out of memory fails, and the run goes on: a later copy of
                 * this input would then be committed again (not lost) */
                if (sl_keyindex_add(&g->hashes, in->hash) ||
                    (in->has_job && sl_keyindex_add(&g->jobs, sl_job_key(in->cluster, in->proc))))
                    g->index_lost = true;
                sl_ingest_latency_add(&g->lat, now - in->arrival_ns);
            }
            g->sum.files += w->nin;
            g->sum.documents += docs;
            g->sum.rows += rows;
            g->sum.bytes += bytes;
            g->sum.commits++;
            sl_ingest_schema_merge(g, w->docs, cid);
            if (w->recs)
                sl_ingest_schema_merge(g, w->recs, cid);
        }
        pthread_mutex_unlock(&g->mu);
    }
    sl_buf_free(&line);
    if (st) {
        /* Roll back: no part of this commit stays, every input goes back. */
        for (size_t i = 0; i < nparts; i++) {
            unlink(parts[i].tmp);
            if (parts[i].renamed)
                unlink(parts[i].path);
        }
        sl_ingest_log_error(g, st == SL_ERR_NOSPACE ? "disk_full" : "commit_failed", NULL, &err);
        batch_return(w);
        if (st == SL_ERR_NOSPACE)
            pause_for_space(g);
        else
            sleep(1);   /* an I/O error: do not spin on it */
    } else {
        w->seq++;
        for (size_t i = 0; i < w->nin; i++) {
            char path[PATH_MAX];
            sl_fs_pathf(path, sizeof path, "%s/%s", g->claims, w->in[i].name);
            if (sl_ingest_finish_input(g, path, w->in[i].name, w->in[i].size) == SL_OK)
                continue;
            /* Committed all the same; moved on when the disk has room again. */
            batch_input *u = w->nunfinished < w->ucap ? w->unfinished
                           : sl_grow_array(w->unfinished, &w->ucap, sizeof *u, 16);
            if (u) {
                w->unfinished = u;
                u[w->nunfinished++] = w->in[i];
                w->in[i].name = NULL;   /* owned by the unfinished list now */
            }
        }
        sl_logrec r;
        if (sl_log_begin(&r, g->log, SL_LOG_INFO, "commit")) {
            sl_log_str(&r, "commit", cid);
            sl_log_u64(&r, "files", w->nin);
            sl_log_u64(&r, "rows", rows);
            sl_log_u64(&r, "parts", nparts);
            sl_log_f64(&r, "ms", (double)(sl_mono_ns() - t0) / 1e6);
            sl_log_end(&r);
        }
    }
    free(parts);
    batch_drop(w);
    sl_ingest_write_metrics(g, false);
}

/* ------------------------------------------------------------ one input */

static bool all_space(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
            return false;
    return true;
}

/* Decompresses raw into plain when it is gzip or zstd; data and len give the text. */
static sl_status decompress(worker *w, const char *name, const uint8_t **data, size_t *len,
                            sl_error *err)
{
    const uint8_t *p = w->raw.data;
    size_t n = w->raw.len;
    *data = p;
    *len = n;
    bool gz = n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
    bool zs = n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd;
    if (!gz && !zs)
        return SL_OK;
    sl_input *in;
    sl_status st = sl_input_open_mem(p, n, name, w->g->o.max_decompressed_size, &in, err);
    if (st)
        return st;
    w->plain.len = 0;
    for (;;) {
        if ((st = sl_buf_reserve(&w->plain, 1u << 16))) {
            st = sl_error_set(err, st, "out of memory");
            break;
        }
        size_t got = 0;
        st = sl_input_read(in, w->plain.data + w->plain.len, w->plain.cap - w->plain.len, &got, err);
        if (st == SL_EOF) {
            st = SL_OK;
            break;
        }
        if (st)
            break;
        w->plain.len += got;
    }
    sl_input_free(in);
    *data = w->plain.data;
    *len = w->plain.len;
    return st;
}

/* The document with sluice's own columns in front: the file's name, content hash,
 * size and when it was ingested. Members of the document with those names are
 * left out (and logged): the service's columns must mean one thing. */
typedef struct wrapped {
    sl_json_value v;
    sl_json_member *m;
    size_t cap;
    char hex[33], when[40];
} wrapped;

static sl_status wrap(worker *w, wrapped *x, const batch_input *in, const sl_json_value *doc,
                      int64_t nrecords)
{
    static const char *const own[] = {"_file", "_hash", "_size", "_ingested_at", "_records"};
    size_t extra = nrecords >= 0 ? 5 : 4;
    size_t len = doc ? doc->u.obj.len : 0;
    if (x->cap < len + extra) {
        sl_json_member *m = realloc(x->m, (len + extra) * sizeof *m);
        if (!m)
            return SL_ERR_NOMEM;
        x->m = m;
        x->cap = len + extra;
    }
    sl_key128_hex(in->hash, x->hex);
    sl_ingest_iso_time(sl_now_ns(), x->when);
    sl_json_member *m = x->m;
    for (size_t i = 0; i < extra; i++) {
        m[i].key = own[i];
        m[i].key_len = strlen(own[i]);
    }
    m[0].value = (sl_json_value){.type = SL_JSON_STRING, .u.str = {in->name, strlen(in->name)}};
    m[1].value = (sl_json_value){.type = SL_JSON_STRING, .u.str = {x->hex, 32}};
    m[2].value = (sl_json_value){.type = SL_JSON_INT, .u.num = {.i = (int64_t)in->size}};
    m[3].value = (sl_json_value){.type = SL_JSON_STRING, .u.str = {x->when, strlen(x->when)}};
    if (nrecords >= 0)
        m[4].value = (sl_json_value){.type = SL_JSON_INT, .u.num = {.i = nrecords}};
    size_t k = extra;
    for (size_t i = 0; i < len; i++) {
        const sl_json_member *dm = &doc->u.obj.members[i];
        bool clash = false;
        for (size_t j = 0; j < extra && !clash; j++)
            clash = dm->key_len == m[j].key_len && memcmp(dm->key, m[j].key, dm->key_len) == 0;
        if (clash) {
            sl_logrec r;
            if (sl_log_begin(&r, w->g->log, SL_LOG_WARN, "reserved_key")) {
                sl_log_str(&r, "file", in->name);
                sl_log_strn(&r, "key", dm->key, dm->key_len);
                sl_log_end(&r);
            }
            continue;
        }
        m[k++] = *dm;
    }
    x->v.type = SL_JSON_OBJECT;
    x->v.u.obj.members = m;
    x->v.u.obj.len = k;
    return SL_OK;
}

/* The job a document names in its `job` object ({"cluster": C, "proc": P}). */
static bool job_of(const sl_json_value *doc, uint64_t *cluster, uint64_t *proc)
{
    const sl_json_value *job = sl_json_get(doc, "job");
    const sl_json_value *c = sl_json_get(job, "cluster");
    const sl_json_value *p = sl_json_get(job, "proc");
    if (!c || !p || c->type != SL_JSON_INT || p->type != SL_JSON_INT || c->u.num.i < 0 || p->u.num.i < 0)
        return false;
    *cluster = (uint64_t)c->u.num.i;
    *proc = (uint64_t)p->u.num.i;
    return true;
}

/* With --schema: whether the input fits. doc is the input's one object (a
 * document) or NULL for records, which are read again and checked one by one. */
static bool pin_fits(worker *w, const uint8_t *text, size_t len, const char *name,
                     const sl_json_value *doc, char *why, size_t wn)
{
    char detail[300];
    bool ok = true;
    if (doc && doc->type == SL_JSON_OBJECT) {
        ok = sl_pin_check_document(w->pin, doc, detail, sizeof detail);
    } else if (doc) {
        ok = sl_pin_check_record(w->pin, w->g->o.table, doc, 0, detail, sizeof detail);
    } else {
        const sl_json_value *v;
        sl_error e;
        size_t i = 0;
        if (sl_json_reader_reset_mem(w->reader, text, len, name, &e))
            return true;   /* out of memory: the add pass reports it */
        while (ok && sl_json_reader_next(w->reader, &v, &e) == SL_OK)
            ok = sl_pin_check_record(w->pin, w->g->o.table, v, i++, detail, sizeof detail);
    }
    if (!ok)
        snprintf(why, wn, "does not fit the pinned schema: %s", detail);
    return ok;
}

typedef enum { TAKE_OK, TAKE_GONE, TAKE_BUSY, TAKE_SET_ASIDE, TAKE_RETRY } take_result;

/* Processes one claimed input at path: adds it to the batch, or sets it aside. */
static take_result process(worker *w, const char *path, batch_input *in, wrapped *x)
{
    ingest *g = w->g;
    sl_error err;
    sl_error_clear(&err);
    sl_status st = sl_fs_read_file(path, g->o.max_file_size, true, &w->raw, &err);
    if (st == SL_ERR_LIMIT || st == SL_ERR_USAGE) {
        sl_error_set_file(&err, in->name);
        sl_ingest_set_aside(g, path, in->name, false,
                            st == SL_ERR_LIMIT ? "over --max-file-size" : "not a regular file", &err);
        return TAKE_SET_ASIDE;
    }
    if (st)
        return TAKE_RETRY;
    in->size = w->raw.len;
    in->hash = sl_content_hash(w->raw.data, w->raw.len);
    pthread_mutex_lock(&g->mu);
    int dup = sl_keyindex_has(&g->hashes, in->hash, &err);
    bool busy = false;
    if (!dup && !(busy = sl_keyset_has(&g->inflight_hashes, in->hash)))
        sl_keyset_add(&g->inflight_hashes, in->hash);
    pthread_mutex_unlock(&g->mu);
    if (dup < 0) {   /* the key index cannot say: not taken now */
        sl_ingest_log_error(g, "key_index_failed", in->name, &err);
        return TAKE_RETRY;
    }
    if (dup || busy) {
        sl_ingest_set_aside(g, path, in->name, true,
                            dup ? "the same content was already committed"
                                : "the same content is being committed from another file", NULL);
        return TAKE_SET_ASIDE;
    }
    const uint8_t *text;
    size_t len;
    const char *why = NULL;
    st = decompress(w, in->name, &text, &len, &err);
    if (st)
        why = st == SL_ERR_LIMIT ? "over --max-decompressed-size" : "a broken compressed stream";
    else if (len == 0 || all_space(text, len))
        why = len == 0 ? "an empty file" : "a file holding only whitespace";
    /* One pass checks the whole input before any of it joins the batch. */
    const sl_json_value *first = NULL;
    int64_t nrec = 0;
    char pin_why[400];
    bool array = false;
    if (!why) {
        size_t i = 0;
        if (len >= 3 && text[0] == 0xEF && text[1] == 0xBB && text[2] == 0xBF)
            i = 3;
        while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
            i++;
        array = i < len && text[i] == '[';
        st = sl_json_reader_reset_mem(w->reader, text, len, in->name, &err);
        const sl_json_value *v;
        while (!st && (st = sl_json_reader_next(w->reader, &v, &err)) == SL_OK)
            if (nrec++ == 0)
                first = v;
        if (st == SL_EOF)
            st = SL_OK;
        if (st)
            why = st == SL_ERR_LIMIT ? "over a limit (--max-depth or --max-decompressed-size)"
                                     : st == SL_ERR_NOMEM ? NULL : "malformed JSON";
        else if (nrec == 0)
            why = "no JSON value";
        else if (w->pin && !pin_fits(w, text, len, in->name, nrec == 1 && !array ? first : NULL,
                                     pin_why, sizeof pin_why))
            why = pin_why;
    }
    if (why || st) {
        pthread_mutex_lock(&g->mu);
        sl_keyset_del(&g->inflight_hashes, in->hash);
        pthread_mutex_unlock(&g->mu);
        if (!why)
            return TAKE_RETRY;   /* out of memory: try again later */
        sl_error_set_file(&err, in->name);
        sl_ingest_set_aside(g, path, in->name, false, why, st ? &err : NULL);
        return TAKE_SET_ASIDE;
    }
    /* A single object is a job-result document (the reader keeps the last value
     * of a wholly buffered input after SL_EOF); anything else is records. */
    bool document = nrec == 1 && !array && first->type == SL_JSON_OBJECT;
    if (document)
        in->has_job = job_of(first, &in->cluster, &in->proc) || in->has_job;
    if (in->has_job) {
        sl_key128 jk = sl_job_key(in->cluster, in->proc);
        pthread_mutex_lock(&g->mu);
        int jdup = sl_keyindex_has(&g->jobs, jk, &err);
        if (!jdup)
            jdup = sl_keyset_has(&g->inflight_jobs, jk);
        if (jdup)
            sl_keyset_del(&g->inflight_hashes, in->hash);
        else
            sl_keyset_add(&g->inflight_jobs, jk);
        pthread_mutex_unlock(&g->mu);
        if (jdup < 0) {
            sl_ingest_log_error(g, "key_index_failed", in->name, &err);
            return TAKE_RETRY;
        }
        if (jdup) {
            char why2[160];
            snprintf(why2, sizeof why2, "HTCondor job %llu.%llu already has a committed result (a rerun)",
                     (unsigned long long)in->cluster, (unsigned long long)in->proc);
            sl_ingest_set_aside(g, path, in->name, true, why2, NULL);
            return TAKE_SET_ASIDE;
        }
    }
    if (!w->docs && (st = open_norm(w, true, &w->docs, &err)))
        goto fail;
    if (document) {
        in->docs = 1;
        if ((st = wrap(w, x, in, first, -1)) || (st = sl_norm_add(w->docs, &x->v, &err)))
            goto fail;
        return TAKE_OK;
    }
    in->docs = (uint64_t)nrec;
    if ((st = wrap(w, x, in, NULL, nrec)) || (st = sl_norm_add(w->docs, &x->v, &err)))
        goto fail;
    if (!w->recs && (st = open_norm(w, false, &w->recs, &err)))
        goto fail;
    const sl_json_value *v;
    st = sl_json_reader_reset_mem(w->reader, text, len, in->name, &err);
    while (!st && (st = sl_json_reader_next(w->reader, &v, &err)) == SL_OK)
        st = sl_norm_add(w->recs, v, &err);
    if (st == SL_EOF)
        return TAKE_OK;
fail:
    /* The batch may hold part of this input: it cannot be committed. Give every
     * input of the batch back and start again; this one is set aside when it is
     * at fault (a schema error), else retried. */
    w->poisoned = true;
    pthread_mutex_lock(&g->mu);
    forget_inflight(g, in);
    pthread_mutex_unlock(&g->mu);
    sl_error_set_file(&err, in->name);
    if (st == SL_ERR_SCHEMA) {
        sl_ingest_set_aside(g, path, in->name, false, "does not fit the table layout", &err);
        return TAKE_SET_ASIDE;
    }
    sl_ingest_log_error(g, "add_failed", in->name, &err);
    return TAKE_RETRY;
}

static void take(worker *w, const char *name, int64_t arrival, bool has_job, uint64_t cluster,
                 uint64_t proc, wrapped *x)
{
    ingest *g = w->g;
    char from[PATH_MAX], to[PATH_MAX];
    sl_fs_pathf(from, sizeof from, "%s/%s", g->in, name);
    sl_fs_pathf(to, sizeof to, "%s/%s", g->claims, name);
    sl_error err;
    /* The claim: whoever renames the file first owns it. Never over a file of the
     * same name still in our batch. */
    if (sl_fs_move(from, to, true, &err))
        return;
    if (w->nin == w->incap) {
        batch_input *p = sl_grow_array(w->in, &w->incap, sizeof *p, 64);
        if (!p) {
            sl_fs_move(to, from, true, &err);
            return;
        }
        w->in = p;
    }
    batch_input *in = &w->in[w->nin];
    memset(in, 0, sizeof *in);
    if (!(in->name = strdup(name))) {
        sl_fs_move(to, from, true, &err);
        return;
    }
    in->arrival_ns = arrival;
    in->has_job = has_job;
    in->cluster = cluster;
    in->proc = proc;
    size_t before = w->nin;
    take_result r = process(w, to, in, x);
    if (r == TAKE_OK) {
        if (!w->nin)
            w->batch_start_ns = sl_mono_ns();
        w->nin = before + 1;
        w->batch_bytes += in->size;
        return;
    }
    if (r == TAKE_RETRY && sl_fs_move_into(to, g->in, NULL, 0, &err))
        sl_ingest_log_error(g, "unclaim_failed", name, &err);
    free(in->name);
    if (w->poisoned) {
        /* The normalizer may hold part of it: the batch goes back too. */
        batch_return(w);
        batch_drop(w);
        w->poisoned = false;
    }
}

void *sl_ingest_worker_main(void *arg)
{
    worker *w = arg;
    ingest *g = w->g;
    wrapped x = {0};
    for (;;) {
        pthread_mutex_lock(&g->mu);
        for (;;) {
            int64_t now = sl_mono_ns();
            bool paused = g->pause_until_ns > now;
            if (g->stopping || (g->scanning_done && !g->qlen))
                break;
            if (g->qlen && !paused)
                break;
            int64_t deadline = w->nin ? w->batch_start_ns + (int64_t)(g->o.commit_interval * 1e9) : 0;
            if (w->nin && now >= deadline)
                break;
            /* Sleep until work comes, the batch is due, or the pause ends. */
            int64_t until = now + 1000000000;
            if (w->nin && deadline < until)
                until = deadline;
            if (paused && g->pause_until_ns < until)
                until = g->pause_until_ns;
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t abs_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + (until - now);
            ts.tv_sec = (time_t)(abs_ns / 1000000000);
            ts.tv_nsec = (long)(abs_ns % 1000000000);
            pthread_cond_timedwait(&g->cv, &g->mu, &ts);
        }
        cand *c = NULL;
        bool paused = g->pause_until_ns > sl_mono_ns();
        if (!g->stopping && g->qlen && !paused) {
            c = g->queue[g->qhead++];
            g->qlen--;
            if (!g->qlen)
                g->qhead = 0;
        }
        bool done = g->stopping || (g->scanning_done && !g->qlen && !c);
        char name[NAME_MAX + 1] = "";
        int64_t arrival = 0;
        bool has_job = false;
        uint64_t cluster = 0, proc = 0;
        if (c) {
            snprintf(name, sizeof name, "%s", c->name);
            arrival = c->mtime_ns > c->ctime_ns ? c->mtime_ns : c->ctime_ns;
            has_job = c->has_job;
            cluster = c->cluster;
            proc = c->proc;
            c->ready_ns = INT64_MAX;   /* taken: the scanner forgets it */
        }
        pthread_mutex_unlock(&g->mu);
        if (w->nunfinished && !paused)
            finish_unfinished(w);
        if (c)
            take(w, name, arrival, has_job, cluster, proc, &x);
        bool due = w->nin && (w->nin >= g->o.commit_files || w->batch_bytes >= g->o.commit_bytes ||
                              sl_mono_ns() - w->batch_start_ns >= (int64_t)(g->o.commit_interval * 1e9));
        if (due || (done && w->nin))
            commit(w);
        if (done && !c)
            break;
    }
    free(x.m);
    return NULL;
}
