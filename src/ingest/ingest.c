/* The ingest service (see include/sluice/ingest.h): set-up, the scanner that
 * decides when a file in the input directory is complete, the queue that hands
 * complete files to the workers, and the clean stop. */
#include "sluice/ingest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/fsutil.h"
#include "base/grow.h"
#include "ingest/condor_log.h"
#include "ingest/ingest_int.h"
#include "ingest/pin.h"

int64_t sl_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t sl_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sl_ingest_options_init(sl_ingest_options *o)
{
    memset(o, 0, sizeof *o);
    o->table = "records";
    o->settle = 1.0;
    o->poll_interval = 1.0;
    o->workers = 2;
    o->commit_files = 2000;
    o->commit_bytes = 8u << 20;
    o->commit_interval = 1.0;
    o->max_file_size = 256u << 20;
    o->max_decompressed_size = 1u << 30;
    o->max_depth = 1000;
    sl_pq_writer_options_init(&o->writer);
    /* Parts are intermediate: sync reads and rewrites them, so they are written
     * for speed (zstd level 1) and in modest row groups. */
    o->writer.level = 1;
    o->writer.row_group_bytes = 16u << 20;
}

/* ------------------------------------------------------------ candidates */

/* The files seen in the input directory: an array for iteration and an
 * open-addressing index by name. */
typedef struct cmap {
    cand **v;
    size_t n, cap;
    uint32_t *idx;              /* position + 1, 0 empty */
    size_t icap;
} cmap;

static size_t name_slot(const cmap *m, const char *name)
{
    return (size_t)XXH3_64bits(name, strlen(name)) & (m->icap - 1);
}

static long cmap_find(const cmap *m, const char *name)
{
    if (!m->icap)
        return -1;
    for (size_t i = name_slot(m, name);; i = (i + 1) & (m->icap - 1)) {
        if (!m->idx[i])
            return -1;
        if (strcmp(m->v[m->idx[i] - 1]->name, name) == 0)
            return (long)(m->idx[i] - 1);
    }
}

static sl_status cmap_reindex(cmap *m)
{
    size_t icap = m->icap ? m->icap : 1024;
    while (icap < m->n * 2 + 2)
        icap *= 2;
    uint32_t *idx = calloc(icap, sizeof *idx);
    if (!idx)
        return SL_ERR_NOMEM;
    free(m->idx);
    m->idx = idx;
    m->icap = icap;
    for (size_t k = 0; k < m->n; k++) {
        size_t i = name_slot(m, m->v[k]->name);
        while (m->idx[i])
            i = (i + 1) & (m->icap - 1);
        m->idx[i] = (uint32_t)k + 1;
    }
    return SL_OK;
}

static cand *cmap_add(cmap *m, const char *name)
{
    if (m->n == m->cap) {
        cand **v = sl_grow_array(m->v, &m->cap, sizeof *v, 256);
        if (!v)
            return NULL;
        m->v = v;
    }
    cand *c = calloc(1, sizeof *c);
    if (!c || !(c->name = strdup(name))) {
        free(c);
        return NULL;
    }
    m->v[m->n++] = c;
    if ((m->n * 2 + 2 > m->icap && cmap_reindex(m)) || !m->icap) {
        free(c->name);
        free(c);
        m->n--;
        return NULL;
    }
    size_t i = name_slot(m, name);
    while (m->idx[i])
        i = (i + 1) & (m->icap - 1);
    m->idx[i] = (uint32_t)m->n;
    return c;
}

/* Removes the entries for which drop[k] is set and rebuilds the index. */
static void cmap_compact(cmap *m, const bool *drop)
{
    size_t j = 0;
    for (size_t k = 0; k < m->n; k++) {
        if (drop[k]) {
            free(m->v[k]->name);
            free(m->v[k]);
        } else {
            m->v[j++] = m->v[k];
        }
    }
    m->n = j;
    if (cmap_reindex(m))
        abort();   /* the index only shrinks here; calloc of its old size failing is fatal */
}

static void cmap_free(cmap *m)
{
    for (size_t k = 0; k < m->n; k++) {
        free(m->v[k]->name);
        free(m->v[k]);
    }
    free(m->v);
    free(m->idx);
}

/* Names the service never takes: hidden files (its own claims directory, the
 * temporary names writers use before their rename) and common partial names. */
static bool ignored_name(const char *name)
{
    size_t n = strlen(name);
    static const char *const tails[] = {".tmp", ".part", ".partial", ".swp", ".crdownload", "~"};
    if (name[0] == '.' || n == 0)
        return true;
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        size_t k = strlen(tails[i]);
        if (n >= k && strcmp(name + n - k, tails[i]) == 0)
            return true;
    }
    return false;
}

/* The HTCondor job a result file belongs to, from its name: the first run of
 * "<digits>.<digits>" or "<digits>_<digits>" that is followed by a non-digit
 * ("result_1042.7.json", "out_1042_7.json"). */
static bool job_from_name(const char *name, uint64_t *cluster, uint64_t *proc)
{
    for (const char *p = name; *p; p++) {
        if (*p < '0' || *p > '9' || (p > name && p[-1] >= '0' && p[-1] <= '9'))
            continue;
        const char *q = p;
        while (*q >= '0' && *q <= '9')
            q++;
        if (*q != '.' && *q != '_')
            continue;
        const char *r = q + 1;
        while (*r >= '0' && *r <= '9')
            r++;
        if (r > q + 1 && sl_job_parse(p, (size_t)(r - p), cluster, proc))
            return true;
    }
    return false;
}

/* ------------------------------------------------------------ the scanner */

typedef struct scanner {
    ingest *g;
    cmap m;
    uint64_t scan;
    int ifd;                    /* inotify, or -1 when polling */
    sl_condor_follower *condor;
    sl_condor_jobs *jobs;
    int64_t next_rescan;
} scanner;

static int64_t secs_ns(double s) { return (int64_t)(s * 1e9); }

static void note_stat(scanner *s, cand *c, const struct stat *st, int64_t now, bool renamed)
{
    int64_t m = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    int64_t ct = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
    bool changed = c->size != (uint64_t)st->st_size || c->mtime_ns != m;
    bool fresh = c->seen_ns == 0;
    c->size = (uint64_t)st->st_size;
    c->mtime_ns = m;
    c->stat_ns = now;
    c->ctime_ns = ct;
    if (fresh)
        c->seen_ns = now;
    if (renamed) {
        c->ready_ns = now;   /* a rename is the writer saying "complete" */
    } else if (fresh) {
        /* Unchanged for `settle` since its last change (its ctime also moves when
         * it is renamed in, which restarts the wait; harmless). */
        int64_t last = m > ct ? m : ct;
        c->ready_ns = last + secs_ns(s->g->o.settle);
    } else if (changed) {
        c->ready_ns = now + secs_ns(s->g->o.settle);
    }
}

/* Looks at one directory entry: a new or changed candidate, or something to set
 * aside (a symbolic link, which is never followed out of the directory). */
static void look_at(scanner *s, const char *name, int64_t now, bool renamed)
{
    ingest *g = s->g;
    if (ignored_name(name))
        return;
    long k = cmap_find(&s->m, name);
    cand *c = k >= 0 ? s->m.v[k] : NULL;
    if (c && c->queued)
        return;
    struct stat st;
    char path[PATH_MAX];
    sl_fs_pathf(path, sizeof path, "%s/%s", g->in, name);
    if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;   /* gone: another process took it */
    if (S_ISLNK(st.st_mode)) {
        sl_ingest_set_aside(g, path, name, false,
                            "a symbolic link: links are not followed out of the input directory", NULL);
        return;
    }
    if (!S_ISREG(st.st_mode))
        return;
    if (g->o.on_success == SL_ON_SUCCESS_LEAVE) {
        sl_error e;
        pthread_mutex_lock(&g->mu);
        int done = sl_keyindex_has(&g->left, sl_ingest_left_key(name, strlen(name), (uint64_t)st.st_size), &e);
        pthread_mutex_unlock(&g->mu);
        if (done)
            return;   /* committed and left in place; or unknown (-1): not now */
    }
    if (!c) {
        if (g->o.once && s->scan > 1)
            return;   /* once: only what was there at the start */
        if (!(c = cmap_add(&s->m, name)))
            return;   /* out of memory: the next scan tries again */
        c->has_job = job_from_name(name, &c->cluster, &c->proc);
    }
    c->scan = s->scan;
    note_stat(s, c, &st, now, renamed);
}

static void rescan(scanner *s, int64_t now)
{
    ingest *g = s->g;
    s->scan++;
    DIR *d = opendir(g->in);
    if (!d) {
        sl_logrec r;
        if (sl_log_begin(&r, g->log, SL_LOG_ERROR, "scan_failed")) {
            sl_log_str(&r, "dir", g->in);
            sl_log_str(&r, "reason", strerror(errno));
            sl_log_end(&r);
        }
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)))
        look_at(s, e->d_name, now, false);
    closedir(d);
    /* Forget what vanished (claimed by another process, or moved away). */
    bool *drop = calloc(s->m.n ? s->m.n : 1, 1);
    if (!drop)
        return;
    size_t ndrop = 0;
    for (size_t k = 0; k < s->m.n; k++)
        if (s->m.v[k]->scan != s->scan && !s->m.v[k]->queued)
            drop[k] = true, ndrop++;
    if (ndrop)
        cmap_compact(&s->m, drop);
    free(drop);
}

/* Re-stats a candidate whose settle time has come: still unchanged means ready. */
static bool still_there(scanner *s, cand *c, int64_t now)
{
    if (c->stat_ns == now)
        return true;   /* read in this very round (a rescan or an event): no second stat */
    char path[PATH_MAX];
    struct stat st;
    sl_fs_pathf(path, sizeof path, "%s/%s", s->g->in, c->name);
    if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
        return false;
    int64_t m = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    if ((uint64_t)st.st_size != c->size || m != c->mtime_ns) {
        note_stat(s, c, &st, now, false);
        return c->ready_ns <= now;
    }
    return true;
}

static int cand_cmp(const void *a, const void *b)
{
    return strcmp((*(cand *const *)a)->name, (*(cand *const *)b)->name);
}

/* Hands every complete candidate to the workers, in name order. Returns how many
 * are still waiting, and in *next the earliest time one may become ready. */
static size_t promote(scanner *s, int64_t now, int64_t *next, size_t *blocked_on_jobs)
{
    ingest *g = s->g;
    cand **ready = malloc((s->m.n ? s->m.n : 1) * sizeof *ready);
    bool *drop = calloc(s->m.n ? s->m.n : 1, 1);
    size_t nready = 0, waiting = 0, ndrop = 0;
    *blocked_on_jobs = 0;
    if (!ready || !drop) {
        free(ready);
        free(drop);
        return s->m.n;
    }
    for (size_t k = 0; k < s->m.n; k++) {
        cand *c = s->m.v[k];
        if (c->queued)
            continue;
        if (c->ready_ns > now) {
            waiting++;
            if (c->ready_ns < *next)
                *next = c->ready_ns;
            continue;
        }
        if (s->jobs && c->has_job) {
            sl_condor_job_state js = sl_condor_jobs_state(s->jobs, (int64_t)c->cluster, (int64_t)c->proc);
            if (js == SL_CONDOR_JOB_DONE_FAILED || js == SL_CONDOR_JOB_ABORTED) {
                char path[PATH_MAX], why[200];
                sl_fs_pathf(path, sizeof path, "%s/%s", g->in, c->name);
                snprintf(why, sizeof why, "HTCondor job %llu.%llu %s: its result is not ingested",
                         (unsigned long long)c->cluster, (unsigned long long)c->proc,
                         js == SL_CONDOR_JOB_ABORTED ? "was aborted" : "did not terminate normally with return value 0");
                sl_ingest_set_aside(g, path, c->name, false, why, NULL);
                drop[k] = true, ndrop++;
                continue;
            }
            if (js != SL_CONDOR_JOB_DONE_OK) {
                waiting++;
                ++*blocked_on_jobs;
                continue;
            }
        }
        if (!still_there(s, c, now)) {
            if (c->ready_ns > now) {
                waiting++;
                if (c->ready_ns < *next)
                    *next = c->ready_ns;
            } else {
                drop[k] = true, ndrop++;
            }
            continue;
        }
        ready[nready++] = c;
    }
    if (nready) {
        qsort(ready, nready, sizeof *ready, cand_cmp);
        pthread_mutex_lock(&g->mu);
        if (g->qhead + g->qlen + nready > g->qcap) {
            if (g->qlen)
                memmove(g->queue, g->queue + g->qhead, g->qlen * sizeof *g->queue);
            g->qhead = 0;
            size_t cap = g->qcap ? g->qcap : 256;
            while (cap < g->qlen + nready)
                cap *= 2;
            cand **q = cap > g->qcap ? realloc(g->queue, cap * sizeof *q) : g->queue;
            if (q) {
                g->queue = q;
                g->qcap = cap;
            } else {
                nready = 0;   /* next round */
            }
        }
        for (size_t i = 0; i < nready; i++) {
            ready[i]->queued = true;
            g->queue[g->qhead + g->qlen++] = ready[i];
        }
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
    }
    if (ndrop)
        cmap_compact(&s->m, drop);
    free(ready);
    free(drop);
    return waiting;
}

/* Drops the candidates the workers are done with (claimed, or gone). */
static void reap(scanner *s)
{
    ingest *g = s->g;
    bool *drop = calloc(s->m.n ? s->m.n : 1, 1);
    if (!drop)
        return;
    size_t ndrop = 0;
    pthread_mutex_lock(&g->mu);
    for (size_t k = 0; k < s->m.n; k++) {
        cand *c = s->m.v[k];
        if (c->queued && c->ready_ns == INT64_MAX)   /* a worker marked it taken */
            drop[k] = true, ndrop++;
    }
    pthread_mutex_unlock(&g->mu);
    if (ndrop)
        cmap_compact(&s->m, drop);
    free(drop);
}

static void read_inotify(scanner *s, int64_t now)
{
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(s->ifd, buf, sizeof buf);
        if (n <= 0)
            return;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            if (e->mask & IN_Q_OVERFLOW)
                s->next_rescan = 0;
            else if (e->len && (e->mask & (IN_MOVED_TO | IN_CLOSE_WRITE)))
                look_at(s, e->name, now, (e->mask & IN_MOVED_TO) != 0);
            p += sizeof *e + e->len;
        }
    }
}

static void follow_condor(scanner *s)
{
    if (!s->condor)
        return;
    sl_error err;
    sl_error_clear(&err);
    sl_condor_event ev;
    sl_status st;
    /* Bounded per call, so a huge backlog does not starve the directory. */
    for (int i = 0; i < 100000 && (st = sl_condor_follower_next(s->condor, &ev, &err)) == SL_OK; i++)
        if ((st = sl_condor_jobs_apply(s->jobs, &ev, &err)))
            break;
    if (st != SL_OK && st != SL_EOF) {
        sl_logrec r;
        if (sl_log_begin(&r, s->g->log, SL_LOG_WARN, "condor_log_unreadable")) {
            sl_log_err(&r, &err);
            sl_log_end(&r);
        }
    }
}

/* ------------------------------------------------------------ set-up */

static sl_status setup_dirs(ingest *g, sl_error *err)
{
    const sl_ingest_options *o = &g->o;
    if (!o->input_dir || !o->output_dir)
        return sl_error_set(err, SL_ERR_USAGE, "ingest needs an input and an output directory");
    if (!realpath(o->input_dir, g->in))
        return sl_error_set(err, SL_ERR_IO, "input directory '%s': %s", o->input_dir, strerror(errno));
    sl_status st = sl_fs_mkdirs(o->output_dir, err);
    if (st)
        return st;
    if (!realpath(o->output_dir, g->out))
        return sl_error_set(err, SL_ERR_IO, "output directory '%s': %s", o->output_dir, strerror(errno));
#define PATHF(dst, ...)                                                             \
    do {                                                                            \
        int k_ = snprintf(dst, sizeof dst, __VA_ARGS__);                            \
        if (k_ < 0 || (size_t)k_ >= sizeof dst)                                     \
            return sl_error_set(err, SL_ERR_USAGE, "path too long under '%s'", g->out); \
    } while (0)
    /* before anything is created in the state directory: refused there if it is
     * another output directory's, or not the one OUT/raw/ was committed through */
    if ((st = sl_statedir_open(&g->sd, g->out, o->state_dir, err)))
        return st;
    PATHF(g->processed, "%s", o->processed_dir ? o->processed_dir : "");
    if (!o->processed_dir)
        PATHF(g->processed, "%s/processed", g->out);
    PATHF(g->quarantine, "%s", o->quarantine_dir ? o->quarantine_dir : "");
    if (!o->quarantine_dir)
        PATHF(g->quarantine, "%s/quarantine", g->out);
    PATHF(g->duplicates, "%s", o->duplicates_dir ? o->duplicates_dir : "");
    if (!o->duplicates_dir)
        PATHF(g->duplicates, "%s/duplicates", g->out);
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    host[24] = '\0';   /* keys built from the writer's name stay short */
    for (char *p = host; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            *p = '_';
    /* Unique across restarts and machines: host, pid, and the start time. */
    snprintf(g->writer, sizeof g->writer, "%s-%ld-%llx", host, (long)getpid(),
             (unsigned long long)(sl_now_ns() / 1000) & 0xffffffffffull);
    PATHF(g->claims, "%s/.sluice-claims/%s", g->in, g->writer);
#define STATEF(dst, ...)                                                              \
    do {                                                                              \
        if (sl_statedir_path(&g->sd, dst, sizeof dst, __VA_ARGS__))                   \
            return sl_error_set(err, SL_ERR_USAGE, "path too long under '%s'", g->sd.dir); \
    } while (0)
    STATEF(g->ledger_path, SL_STATE_LEDGER, "%s.jsonl", g->writer);
    char p[PATH_MAX];
    static const sl_state_area areas[] = {SL_STATE_LEDGER, SL_STATE_SCHEMA, SL_STATE_WORK, SL_STATE_METRICS};
    for (size_t i = 0; i < sizeof areas / sizeof areas[0]; i++) {
        STATEF(p, areas[i], NULL);
        if ((st = sl_fs_mkdirs(p, err)))
            return st;
    }
    PATHF(p, "%s/raw", g->out);
    if ((st = sl_fs_mkdirs(p, err)))
        return st;
    if ((st = sl_fs_mkdirs(g->quarantine, err)) || (st = sl_fs_mkdirs(g->duplicates, err)))
        return st;
    if (o->on_success == SL_ON_SUCCESS_MOVE && (st = sl_fs_mkdirs(g->processed, err)))
        return st;
    if ((st = sl_fs_mkdirs(g->claims, err)))
        return st;
    /* The committed keys past what memory holds spill here, a worker-like scratch
     * directory that recovery removes with the writer's others. */
    STATEF(p, SL_STATE_WORK, "%s-wkeys", g->writer);
    if ((st = sl_keyindex_init(&g->hashes, p, "hashes", o->dedup_memory, err)) ||
        (st = sl_keyindex_init(&g->jobs, p, "jobs", o->dedup_memory, err)) ||
        (st = sl_keyindex_init(&g->left, p, "left", o->dedup_memory, err)))
        return st;
    if (o->schema) {
        /* Sync and validate read the pinned schema from here. */
        sl_pin *pin;
        if ((st = sl_pin_load(o->schema, &pin, err)))
            return st;
        STATEF(p, SL_STATE_SCHEMA, "pinned.json");
        st = sl_fs_write_atomic(p, sl_pin_json(pin), strlen(sl_pin_json(pin)), err);
        sl_pin_free(pin);
        if (st)
            return st;
    }
    /* The claims directory's lock says this writer is alive; recovery takes over
     * the claims of any writer whose lock it can get. */
    PATHF(p, "%s/.lock", g->claims);
    g->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (g->lock_fd < 0 || flock(g->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return sl_error_set(err, SL_ERR_IO, "cannot lock '%s': %s", p, strerror(errno));
    g->ledger_fd = open(g->ledger_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (g->ledger_fd < 0)
        return sl_error_set(err, SL_ERR_IO, "cannot open ledger '%s': %s", g->ledger_path, strerror(errno));
    return sl_fs_sync_parent(g->ledger_path, err);
#undef STATEF
#undef PATHF
}

static void free_ingest(ingest *g)
{
    if (g->ledger_fd > 0)
        close(g->ledger_fd);
    if (g->lock_fd > 0) {
        /* Our claims directory is empty after a clean stop: remove it. */
        char p[PATH_MAX];
        sl_fs_pathf(p, sizeof p, "%s/.lock", g->claims);
        unlink(p);
        if (rmdir(g->claims) != 0) {
            /* Inputs are left (committed ones a full disk kept from moving on):
             * an unlocked lock file lets the next start recover them at once. */
            int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
            if (fd >= 0)
                close(fd);
        }
        close(g->lock_fd);
    }
    free(g->queue);
    sl_ingest_schema_free(g);
    sl_keyindex_close(&g->hashes);
    sl_keyindex_close(&g->jobs);
    sl_keyset_free(&g->inflight_hashes);
    sl_keyset_free(&g->inflight_jobs);
    sl_keyindex_close(&g->left);
    for (size_t i = 0; i < g->nledgers; i++)
        free(g->ledgers[i].path);
    free(g->ledgers);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
}

static bool stop_requested(const ingest *g) { return g->o.stop && *g->o.stop; }

sl_status sl_ingest_run(const sl_ingest_options *opts, sl_ingest_summary *sum, sl_error *err)
{
    ingest *g = calloc(1, sizeof *g);
    if (!g)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    g->o = *opts;
    g->ledger_fd = g->lock_fd = -1;
    g->log = opts->log;
    g->start_ns = sl_now_ns();
    if (!g->o.workers)
        g->o.workers = 1;
    if (!g->o.table || !g->o.table[0])
        g->o.table = "records";
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    scanner s = {.g = g, .ifd = -1};
    worker *ws = NULL;
    unsigned started = 0;
    sl_status st = setup_dirs(g, err);
    if (!st)
        sl_ingest_adopt_index(g);
    if (!st)
        st = sl_ingest_refresh_ledgers(g, err);
    if (!st)
        st = sl_ingest_recover(g, err);
    if (!st && g->o.condor_log) {
        st = sl_condor_jobs_new(0, &s.jobs, err);
        if (!st)
            st = sl_condor_follower_open(g->o.condor_log, NULL, &s.condor, err);
    }
    if (!st && !g->o.poll && !g->o.once) {
        s.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (s.ifd >= 0 && inotify_add_watch(s.ifd, g->in, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
            close(s.ifd);
            s.ifd = -1;
        }
        if (s.ifd < 0) {
            sl_logrec r;
            if (sl_log_begin(&r, g->log, SL_LOG_WARN, "inotify_unavailable")) {
                sl_log_str(&r, "reason", strerror(errno));
                sl_log_str(&r, "fallback", "poll");
                sl_log_end(&r);
            }
        }
    }
    if (!st && !(ws = calloc(g->o.workers, sizeof *ws)))
        st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (unsigned i = 0; !st && i < g->o.workers; i++) {
        if ((st = sl_ingest_worker_init(g, &ws[i], i, err)))
            break;
        if (pthread_create(&ws[i].thread, NULL, sl_ingest_worker_main, &ws[i]) != 0) {
            sl_ingest_worker_free(&ws[i]);
            st = sl_error_set(err, SL_ERR_NOMEM, "cannot start a worker thread");
            break;
        }
        started++;
    }
    if (!st) {
        sl_logrec r;
        if (sl_log_begin(&r, g->log, SL_LOG_INFO, "started")) {
            sl_log_str(&r, "writer", g->writer);
            sl_log_str(&r, "input", g->in);
            sl_log_str(&r, "output", g->out);
            sl_log_str(&r, "mode", g->o.once ? "once" : s.ifd >= 0 ? "inotify" : "poll");
            sl_log_u64(&r, "workers", g->o.workers);
            sl_log_end(&r);
        }
    }
    /* The scanner loop. */
    int64_t poll_ns = secs_ns(g->o.poll_interval > 0 ? g->o.poll_interval : 1.0);
    int64_t next_refresh = sl_now_ns() + poll_ns;
    while (!st) {
        int64_t now = sl_now_ns();
        if (stop_requested(g))
            break;
        if (now >= s.next_rescan && (!g->o.once || s.scan == 0)) {
            rescan(&s, now);
            /* With inotify a rescan is only a safety net for missed events. */
            s.next_rescan = now + (s.ifd >= 0 ? 30 * poll_ns : poll_ns);
        }
        if (now >= next_refresh) {
            /* Commits of other writers sharing the directory: their inputs are
             * duplicates here. */
            sl_error lerr;
            pthread_mutex_lock(&g->mu);
            if (sl_ingest_refresh_ledgers(g, &lerr)) {
                sl_logrec r;
                if (sl_log_begin(&r, g->log, SL_LOG_WARN, "ledger_refresh_failed")) {
                    sl_log_err(&r, &lerr);
                    sl_log_end(&r);
                }
            }
            pthread_mutex_unlock(&g->mu);
            next_refresh = now + poll_ns;
        }
        follow_condor(&s);
        reap(&s);
        int64_t next = now + (g->o.once ? poll_ns : s.next_rescan - now);
        size_t blocked = 0;
        size_t waiting = promote(&s, now, &next, &blocked);
        if (g->o.once) {
            /* Done when nothing waits but jobs the event log has not finished,
             * and the log has nothing new: those stay for a later run. */
            if (waiting == blocked) {
                follow_condor(&s);
                size_t b2 = 0;
                if (promote(&s, sl_now_ns(), &next, &b2) == b2) {
                    g->sum.waiting = b2;
                    break;
                }
            }
        }
        if (s.condor && next > now + 200000000)
            next = now + 200000000;   /* the event log is polled five times a second */
        int64_t wait_ms = (next - now) / 1000000;
        if (wait_ms < 1)
            wait_ms = 1;
        if (wait_ms > 1000)
            wait_ms = 1000;
        if (s.ifd >= 0) {
            struct pollfd pfd = {.fd = s.ifd, .events = POLLIN};
            if (poll(&pfd, 1, (int)wait_ms) > 0)
                read_inotify(&s, sl_now_ns());
        } else {
            struct timespec ts = {wait_ms / 1000, (wait_ms % 1000) * 1000000};
            nanosleep(&ts, NULL);
        }
        sl_ingest_write_metrics(g, false);
    }
    /* Stop: the workers finish the file in hand, commit their batch and leave. */
    pthread_mutex_lock(&g->mu);
    g->scanning_done = true;
    if (stop_requested(g) || st) {
        g->stopping = true;
        /* Queued but unclaimed files stay in the input directory. */
        g->qlen = 0;
    }
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    for (unsigned i = 0; i < started; i++) {
        pthread_join(ws[i].thread, NULL);
        sl_ingest_worker_free(&ws[i]);
    }
    free(ws);
    if (!st)
        sl_ingest_write_metrics(g, true);
    if (s.ifd >= 0)
        close(s.ifd);
    sl_condor_follower_free(s.condor);
    sl_condor_jobs_free(s.jobs);
    cmap_free(&s.m);
    if (sum)
        *sum = g->sum;
    {
        sl_logrec r;
        if (!st && sl_log_begin(&r, g->log, SL_LOG_INFO, "stopped")) {
            sl_log_u64(&r, "files", g->sum.files);
            sl_log_u64(&r, "rows", g->sum.rows);
            sl_log_u64(&r, "quarantined", g->sum.quarantined);
            sl_log_u64(&r, "duplicates", g->sum.duplicates);
            sl_log_end(&r);
        }
    }
    if (!st)
        sl_ingest_save_index(g);
    free_ingest(g);
    free(g);
    return st;
}
