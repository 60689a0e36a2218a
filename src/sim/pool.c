/* The simulated pool: a schedd loop over real child processes, with ingest and
 * sync as services beside it.
 *
 * One thread. Children are posix_spawn'ed; their ends arrive on a signalfd for
 * SIGCHLD, and the loop sleeps in poll(2) until the next child end or the next
 * timer (a submission, a fault, a job's planned end, a release). Every job runs
 * `sluice generate` for its own batch: --num-iterations N --shard PROC/N writes
 * exactly document PROC, whose job object carries (cluster, proc).
 *
 * An attempt's life, and what the log says:
 *   000 submitted -> idle -> 001 executing on a slot -> the child runs -> 006 image
 *   size when it exits -> the attempt lasts until its planned end (--job-runtime,
 *   jittered; ten times as long for a straggler) -> 040 output transfer started,
 *   the result renamed into the input directory, 040 finished -> 005 terminated.
 * Faults along the way:
 *   exit      the child exits non-zero, with or without writing its result; while
 *             --max-retries allows, 004 "terminated and was requeued" and it runs
 *             again, else 005 with the return value (a result it wrote is
 *             transferred and ingest quarantines it: the job failed)
 *   evict     the first attempt is killed mid-run: 004 evicted, rerun; or its
 *             result is transferred and then the shadow loses the job (007): rerun,
 *             and the result arrives a second time over the first
 *   hold      the first attempt is killed for using too much memory: 012 held (code
 *             34), after --hold-time 013 released and rerun, or 009 removed
 *   corrupt   the result is transferred truncated or damaged; the job succeeded
 *   straggler the job runs ten times longer
 *   order     the job stays idle until the jobs after it have started, so rows
 *             that refer to its rows arrive first
 * With --shared-fs the job writes its result straight into the input directory
 * (no transfer, no 040): a reader can see it half written, and a killed attempt
 * leaves a partial file that the rerun overwrites. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "gen/rng.h"
#include "sim/pool_int.h"

extern char **environ;

void sl_sim_options_init(sl_sim_options *o)
{
    memset(o, 0, sizeof *o);
    o->schema = "school";
    o->num_results = 100;
    o->timeout = 600;
    o->rate = 0.33;
    o->max_batch_size = 10;
    o->slots = 4;
    o->job_runtime = 1;
    o->completion_wait = 5;
    o->hold_time = 1;
    o->max_retries = 1;
    o->seed = 42;
    o->cluster = 1;
    o->verbosity = SL_LOG_INFO;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A fault draw in [0, 1): a pure function of (seed, kind, proc, attempt). */
static double draw(const sim *s, uint64_t kind, uint64_t proc, uint64_t attempt)
{
    uint64_t h = sl_rng_hash(s->o->seed ^ 0x51a7u, kind);
    h = sl_rng_hash(h, proc);
    return sl_rng_unit(sl_rng_hash(h, attempt));
}

static void log_job(sim *s, sl_log_level lv, const char *event, const sim_job *j, const char *what)
{
    sl_logrec r;
    if (!sl_log_begin(&r, s->log, lv, event))
        return;
    char id[48];
    snprintf(id, sizeof id, "%llu.%llu", (unsigned long long)s->o->cluster, (unsigned long long)j->proc);
    sl_log_str(&r, "job", id);
    sl_log_u64(&r, "attempt", j->attempts);
    if (what)
        sl_log_str(&r, "detail", what);
    sl_log_end(&r);
}

static void result_path(const sim *s, const sim_job *j, char *out, size_t n)
{
    snprintf(out, n, "%s/result_%llu.%llu.json", s->in, (unsigned long long)s->o->cluster,
             (unsigned long long)j->proc);
}

static void sandbox_path(const sim *s, const sim_job *j, char *out, size_t n)
{
    snprintf(out, n, "%s/%llu.%llu", s->sandboxes, (unsigned long long)s->o->cluster,
             (unsigned long long)j->proc);
}

/* The file `sluice generate` writes in the sandbox. */
static void output_path(const sim *s, const sim_job *j, char *out, size_t n)
{
    snprintf(out, n, "%s/%llu.%llu/result_%06llu.json", s->sandboxes,
             (unsigned long long)s->o->cluster, (unsigned long long)j->proc,
             (unsigned long long)j->proc);
}

static void rm_sandbox(const sim *s, const sim_job *j)
{
    /* everything the attempt left: job.out, job.err, its result, and the temporary
     * file of a generate that was killed while writing */
    char dir[4200], p[4500];
    sandbox_path(s, j, dir, sizeof dir);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* ------------------------------------------------------------ children */

/* The environment children run with: the pool's own, without SLUICE_* settings.
 * Everything a child does is in its argv; a SLUICE_FORMAT or SLUICE_N meant for
 * the user's commands must not change the jobs (sluice(1), ENVIRONMENT). */
static char **child_environ(void)
{
    static char **env;
    if (env)
        return env;
    size_t n = 0;
    while (environ && environ[n])
        n++;
    if (!(env = calloc(n + 1, sizeof *env)))
        return environ;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "SLUICE_", 7) != 0)
            env[k++] = environ[i];
    return env;
}

static sl_status spawn(sim *s, char *const argv[], const char *cwd, const char *out_path,
                       const char *err_path, pid_t *pid, sl_error *err)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (out_path)
        posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err_path)
        posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (cwd)
        posix_spawn_file_actions_addchdir_np(&fa, cwd);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&at, &none);   /* the loop blocks SIGCHLD; children must not */
    sigset_t dfl;
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGINT);
    sigaddset(&dfl, SIGTERM);
    sigaddset(&dfl, SIGPIPE);
    posix_spawnattr_setsigdefault(&at, &dfl);
    /* own process group: a Ctrl+C on the terminal reaches the pool, which then stops
     * its children in order (ingest must commit before sync's last pass) */
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    int rc = posix_spawn(pid, argv[0], &fa, &at, argv, child_environ());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (rc != 0)
        return sl_error_set(err, SL_ERR_IO, "cannot run '%s': %s", argv[0], strerror(rc));
    (void)s;
    return SL_OK;
}

static sl_usage usage_of(const struct rusage *ru)
{
    return (sl_usage){(double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6,
                      (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6};
}

/* ------------------------------------------------------------ queue */

static void idle_push(sim *s, uint64_t j, bool front)
{
    if (front) {
        s->idle_head = (s->idle_head + s->idle_cap - 1) % s->idle_cap;
        s->idle[s->idle_head] = j;
    } else {
        s->idle[(s->idle_head + s->idle_len) % s->idle_cap] = j;
    }
    s->idle_len++;
}

/* The next job to start: a deferred job whose turn has come, else the oldest idle
 * one, else a deferred one anyway (there is nothing left to run before it). */
static bool next_idle(sim *s, uint64_t *out)
{
    for (uint64_t i = 0; i < s->ndeferred; i++) {
        if (s->first_starts >= s->jobs[s->deferred[i]].defer_mark || s->idle_len == 0) {
            *out = s->deferred[i];
            s->deferred[i] = s->deferred[--s->ndeferred];
            return true;
        }
    }
    if (s->idle_len == 0)
        return false;
    *out = s->idle[s->idle_head];
    s->idle_head = (s->idle_head + 1) % s->idle_cap;
    s->idle_len--;
    return true;
}

static sl_status grow_jobs(sim *s, sl_error *err)
{
    uint64_t cap = s->capjobs ? s->capjobs * 2 : 1024;
    sim_job *jobs = realloc(s->jobs, cap * sizeof *jobs);
    uint64_t *idle = malloc(cap * sizeof *idle);
    uint64_t *def = realloc(s->deferred, cap * sizeof *def);
    if (!jobs || !idle || !def) {
        if (jobs)
            s->jobs = jobs;
        if (def)
            s->deferred = def;
        free(idle);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory for %llu jobs", (unsigned long long)cap);
    }
    memset(jobs + s->capjobs, 0, (cap - s->capjobs) * sizeof *jobs);
    for (uint64_t i = 0; i < s->idle_len; i++)
        idle[i] = s->idle[(s->idle_head + i) % s->idle_cap];
    free(s->idle);
    s->jobs = jobs;
    s->idle = idle;
    s->idle_head = 0;
    s->idle_cap = cap;
    s->deferred = def;
    s->capjobs = cap;
    return SL_OK;
}

static sl_status submit(sim *s, sl_error *err)
{
    if (s->njobs == s->capjobs) {
        sl_status st = grow_jobs(s, err);
        if (st != SL_OK)
            return st;
    }
    const sl_sim_options *o = s->o;
    sim_job *j = &s->jobs[s->njobs];
    memset(j, 0, sizeof *j);
    j->proc = s->njobs;
    /* a first attempt ends early in at most one way: held, or evicted, or lost */
    if (draw(s, 2, j->proc, 0) < o->fault_hold)
        j->faults |= F_HOLD | (draw(s, 12, j->proc, 0) < 0.25 ? F_ABORT : 0);
    else if (draw(s, 1, j->proc, 0) < o->fault_evict)
        j->faults |= draw(s, 11, j->proc, 0) < 0.5 ? F_EVICT : F_LOST;
    if (draw(s, 3, j->proc, 0) < o->fault_corrupt)
        j->faults |= F_CORRUPT | (draw(s, 13, j->proc, 0) < 0.5 ? F_TRUNCATE : 0);
    if (draw(s, 4, j->proc, 0) < o->fault_straggler)
        j->faults |= F_STRAGGLER;
    if (draw(s, 5, j->proc, 0) < o->fault_order)
        j->faults |= F_ORDER;
    j->state = J_IDLE;
    sl_status st = sl_ev_submit(&s->ev, j->proc, wall_us());
    if (st != SL_OK)
        return sl_error_set(err, st, "cannot write the event log '%s'", s->evlog);
    if (j->faults & F_ORDER) {
        j->struck |= F_ORDER;
        /* idle until 2 x slots (and at least 4) later jobs have started */
        j->defer_mark = s->first_starts + s->idle_len + 2 * o->slots + 4;
        s->deferred[s->ndeferred++] = s->njobs;
    } else {
        idle_push(s, s->njobs, false);
    }
    s->njobs++;
    return SL_OK;
}

/* ------------------------------------------------------------ attempts */

static sl_status start(sim *s, uint64_t ji, unsigned slot, double now, sl_error *err)
{
    const sl_sim_options *o = s->o;
    sim_job *j = &s->jobs[ji];
    if (j->attempts == 0)
        s->first_starts++;
    j->attempts++;
    j->slot = slot;
    j->state = J_RUNNING;
    j->exited = j->killing = false;
    j->wstatus = 0;
    j->t_start = now;
    double base = o->job_runtime * (0.5 + draw(s, 6, j->proc, j->attempts));
    if (j->faults & F_STRAGGLER) {
        base *= 10;
        j->struck |= F_STRAGGLER;
    }
    j->planned_end = now + base;
    j->evict_at = j->hold_at = 0;
    if (j->attempts == 1 && (j->faults & F_EVICT))
        j->evict_at = now + base * (0.2 + 0.6 * draw(s, 7, j->proc, 0));
    if (j->attempts == 1 && (j->faults & F_HOLD))
        j->hold_at = now + base * (0.2 + 0.6 * draw(s, 8, j->proc, 0));
    j->exit_fault = 0;
    if (draw(s, 9, j->proc, j->attempts) < o->fault_exit) {
        j->exit_fault = 1 + (int)(draw(s, 10, j->proc, j->attempts) * 3);   /* 1..3 */
        j->exit_output = draw(s, 14, j->proc, j->attempts) < 0.5;
    }
    s->slot_job[slot] = ji + 1;
    s->busy++;

    char dir[4200], errp[4300], outp[4300], shard[64], iters[32], batch[32], cluster[32], seed[32];
    sandbox_path(s, j, dir, sizeof dir);
    rm_sandbox(s, j);   /* a rerun starts from an empty sandbox */
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return sl_error_set(err, SL_ERR_IO, "cannot create sandbox '%s': %s", dir, strerror(errno));
    snprintf(errp, sizeof errp, "%s/job.err", dir);
    snprintf(outp, sizeof outp, "%s/job.out", dir);
    snprintf(shard, sizeof shard, "%llu/%llu", (unsigned long long)j->proc, (unsigned long long)s->plan_jobs);
    snprintf(iters, sizeof iters, "%llu", (unsigned long long)s->plan_jobs);
    snprintf(batch, sizeof batch, "%llu", (unsigned long long)o->max_batch_size);
    snprintf(cluster, sizeof cluster, "%llu", (unsigned long long)o->cluster);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    char dest[4200];
    result_path(s, j, dest, sizeof dest);
    char code[16];
    snprintf(code, sizeof code, "%d", j->exit_fault);

    /* sh -c SCRIPT sh DEST CODE sluice generate ...: a job script around the
     * generator, as real jobs are (only when the attempt needs one) */
    const char *script = NULL;
    if (j->exit_fault && !j->exit_output)
        script = "echo \"job: cannot open the input data\" >&2; exit \"$2\"";
    else if (o->shared_fs && j->exit_fault)
        script = "d=$1 c=$2; shift 2; \"$@\" || exit $?; cat result_*.json > \"$d\"; exit \"$c\"";
    else if (o->shared_fs)
        script = "d=$1; shift 2; \"$@\" || exit $?; cat result_*.json > \"$d\"";
    else if (j->exit_fault)
        script = "c=$2; shift 2; \"$@\" || exit $?; exit \"$c\"";
    char *argv[40];
    size_t k = 0;
    if (script) {
        argv[k++] = "/bin/sh";
        argv[k++] = "-c";
        argv[k++] = (char *)script;
        argv[k++] = "sh";
        argv[k++] = dest;
        argv[k++] = code;
    }
    char *gen[] = {(char *)o->sluice, "generate", "--schema", (char *)o->schema,
                   "--num-iterations", iters, "--max-batch-size", batch, "--shard", shard,
                   "--cluster", cluster, "--seed", seed, "--output-dir", ".", "-q", "-j", "1", NULL};
    for (size_t i = 0; gen[i]; i++)
        argv[k++] = gen[i];
    argv[k] = NULL;
    sl_status st = sl_ev_execute(&s->ev, j->proc, wall_us(), slot);
    if (st != SL_OK)
        return sl_error_set(err, st, "cannot write the event log '%s'", s->evlog);
    s->job_processes++;
    log_job(s, SL_LOG_DEBUG, "job_start", j, NULL);
    return spawn(s, argv, dir, outp, errp, &j->pid, err);
}

static void free_slot(sim *s, sim_job *j)
{
    s->slot_job[j->slot] = 0;
    s->busy--;
    j->pid = 0;
}

static void requeue(sim *s, uint64_t ji)
{
    sim_job *j = &s->jobs[ji];
    j->state = J_IDLE;
    idle_push(s, ji, true);
}

static uint64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

/* Damages a result the way a broken job or transfer does: cut short at a point
 * inside the document, or a stretch of bytes overwritten with garbage. */
static void damage(sim *s, sim_job *j, const char *path)
{
    uint64_t n = file_size(path);
    if (n < 16)
        return;
    uint64_t at = n / 4 + (uint64_t)(draw(s, 15, j->proc, 0) * (double)(n / 2));
    if (j->faults & F_TRUNCATE) {
        if (truncate(path, (off_t)at) != 0)
            log_job(s, SL_LOG_WARN, "damage_failed", j, strerror(errno));
        return;
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    static const char junk[] = "\0\377\376garbage\x01\x02}}]]";
    if (pwrite(fd, junk, sizeof junk - 1, (off_t)at) < 0)
        log_job(s, SL_LOG_WARN, "damage_failed", j, strerror(errno));
    close(fd);
}

/* A killed attempt on a shared filesystem leaves what it had written so far. */
static void leave_partial(sim *s, sim_job *j)
{
    char src[4300], dst[4200];
    output_path(s, j, src, sizeof src);
    result_path(s, j, dst, sizeof dst);
    sl_buf b;
    sl_buf_init(&b, 0);
    if (sl_fs_read_file(src, 1 << 30, true, &b, NULL) == SL_OK && b.len > 1) {
        size_t keep = (size_t)((double)b.len * (0.1 + 0.8 * draw(s, 16, j->proc, j->attempts)));
        FILE *f = fopen(dst, "wb");
        if (f) {
            fwrite(b.data, 1, keep, f);
            fclose(f);
            j->arrivals++;
        }
    }
    sl_buf_free(&b);
}

/* The attempt's child is gone and its time is up: transfer and terminate, or
 * requeue it. */
static sl_status complete(sim *s, uint64_t ji, sl_error *err)
{
    const sl_sim_options *o = s->o;
    sim_job *j = &s->jobs[ji];
    int code = WIFEXITED(j->wstatus) ? WEXITSTATUS(j->wstatus) : 0;
    int sig = WIFSIGNALED(j->wstatus) ? WTERMSIG(j->wstatus) : 0;
    char out[4300], dest[4200];
    output_path(s, j, out, sizeof out);
    result_path(s, j, dest, sizeof dest);
    sl_status st = SL_OK;
    free_slot(s, j);
    if ((code != 0 || sig) && j->attempts <= o->max_retries) {
        j->requeues++;
        j->exit_failures++;
        j->struck |= F_EXIT;
        log_job(s, SL_LOG_INFO, "job_requeued", j, "exited non-zero; max_retries reruns it");
        st = sl_ev_requeued(&s->ev, j->proc, wall_us(), j->run, code);
        requeue(s, ji);
        return st ? sl_error_set(err, st, "cannot write the event log") : SL_OK;
    }
    uint64_t size = 0;
    bool have = access(o->shared_fs ? dest : out, F_OK) == 0;
    if (!o->shared_fs && have) {
        if ((st = sl_ev_transfer(&s->ev, j->proc, wall_us(), true)) != SL_OK)
            return sl_error_set(err, st, "cannot write the event log");
        bool lost = (j->faults & F_LOST) && j->attempts == 1;
        if ((j->faults & F_CORRUPT) && !lost) {
            damage(s, j, out);
            j->struck |= j->faults & (F_CORRUPT | F_TRUNCATE);
        }
        size = file_size(out);
        if ((st = sl_fs_move(out, dest, false, err)) != SL_OK)
            return st;
        j->arrivals++;
        if (lost) {
            /* the output is in place, then the shadow loses the starter: the job
             * goes back to idle and runs again, and its result will arrive again */
            j->evictions++;
            j->struck |= F_LOST;
            log_job(s, SL_LOG_INFO, "job_lost", j, "shadow exception after output transfer; rerun");
            st = sl_ev_shadow_exception(&s->ev, j->proc, wall_us(),
                                        "Error from slot: lost connection to the starter after output transfer",
                                        size, 0);
            requeue(s, ji);
            return st ? sl_error_set(err, st, "cannot write the event log") : SL_OK;
        }
        if ((st = sl_ev_transfer(&s->ev, j->proc, wall_us(), false)) != SL_OK)
            return sl_error_set(err, st, "cannot write the event log");
    } else if (o->shared_fs && have) {
        j->arrivals++;
        if ((j->faults & F_LOST) && j->attempts == 1 && !j->late_at) {
            /* the submit side loses the execute node (022, 024) and reruns the job
             * elsewhere; the first attempt, still alive on the lost node, has
             * written its result, and writes it again later (late_landing) */
            char keep[4200];
            snprintf(keep, sizeof keep, "%s/%llu.%llu.json", s->late, (unsigned long long)o->cluster,
                     (unsigned long long)j->proc);
            sl_buf b;
            sl_buf_init(&b, 0);
            if ((st = sl_fs_read_file(dest, 1 << 30, true, &b, err)) == SL_OK)
                st = sl_fs_write_atomic(keep, b.data, b.len, err);
            sl_buf_free(&b);
            if (st != SL_OK)
                return st;
            j->evictions++;
            j->struck |= F_LOST;
            j->late_at = -1;   /* armed when the rerun ends */
            s->nlate++;
            log_job(s, SL_LOG_INFO, "job_disconnected", j, "execute node lost; rerun elsewhere");
            if ((st = sl_ev_disconnected(&s->ev, j->proc, wall_us(), j->slot)) == SL_OK)
                st = sl_ev_reconnect_failed(&s->ev, j->proc, wall_us(), j->slot);
            requeue(s, ji);
            return st ? sl_error_set(err, st, "cannot write the event log") : SL_OK;
        }
        if (j->faults & F_CORRUPT) {
            damage(s, j, dest);
            j->struck |= j->faults & (F_CORRUPT | F_TRUNCATE);
        }
        size = file_size(dest);
    }
    if (j->late_at < 0)
        j->late_at = mono() + 1.5;
    if (code != 0 || sig) {
        j->exit_failures++;
        j->struck |= F_EXIT;
    }
    j->total.user_s += 0;   /* total already includes this attempt */
    j->end = code == 0 && !sig ? END_OK : END_FAILED;
    j->end_code = sig ? -sig : code;
    j->result_bytes = size;
    j->end_us = wall_us();
    j->state = J_DONE;
    st = sl_ev_terminated(&s->ev, j->proc, j->end_us, code, sig, j->run, j->total, size, 0,
                          j->rss_kb, (size + 1023) / 1024 + 4);
    log_job(s, j->end == END_OK ? SL_LOG_DEBUG : SL_LOG_INFO, "job_terminated", j,
            j->end == END_OK ? "return value 0" : "failed");
    rm_sandbox(s, j);
    s->t_jobs_end = mono();
    return st ? sl_error_set(err, st, "cannot write the event log") : SL_OK;
}

/* The pool killed the attempt (eviction or hold) and its child is reaped. */
static sl_status killed(sim *s, uint64_t ji, double now, sl_error *err)
{
    sim_job *j = &s->jobs[ji];
    sl_status st;
    free_slot(s, j);
    if (s->o->shared_fs)
        leave_partial(s, j);
    if (j->hold_at && j->hold_at <= now + 1e-9 && (j->faults & F_HOLD) && j->holds == 0) {
        j->holds++;
        j->struck |= F_HOLD;
        j->state = J_HELD;
        s->nheld++;
        j->release_at = now + s->o->hold_time;
        char reason[200], slot[64];
        sl_sim_slot_name(j->slot, slot, sizeof slot);
        snprintf(reason, sizeof reason, "Error from %s: Job has gone over memory limit of 128 megabytes. "
                 "Peak usage: %llu megabytes.", slot, (unsigned long long)(160 + j->proc % 64));
        log_job(s, SL_LOG_INFO, "job_held", j, "over its memory limit");
        st = sl_ev_held(&s->ev, j->proc, wall_us(), reason, 34, 102);
    } else {
        j->evictions++;
        j->struck |= F_EVICT;
        log_job(s, SL_LOG_INFO, "job_evicted", j, "killed mid-run; rerun");
        st = sl_ev_evicted(&s->ev, j->proc, wall_us(), j->run);
        requeue(s, ji);
    }
    return st ? sl_error_set(err, st, "cannot write the event log") : SL_OK;
}

static sl_status reap(sim *s, double now, sl_error *err)
{
    for (;;) {
        int status;
        struct rusage ru;
        pid_t pid = wait4(-1, &status, WNOHANG, &ru);
        if (pid <= 0)
            return SL_OK;
        if (pid == s->ingest_pid) {
            s->ingest_status = status;
            s->ingest_ru = ru;
            s->ingest_pid = -1;
            continue;
        }
        if (pid == s->sync_pid) {
            s->sync_status = status;
            s->sync_ru = ru;
            s->sync_pid = -1;
            continue;
        }
        sl_usage u = usage_of(&ru);
        s->jobs_cpu.user_s += u.user_s;
        s->jobs_cpu.sys_s += u.sys_s;
        if ((uint64_t)ru.ru_maxrss > s->jobs_max_rss_kb)
            s->jobs_max_rss_kb = (uint64_t)ru.ru_maxrss;
        for (unsigned k = 0; k < s->o->slots; k++) {
            if (!s->slot_job[k] || s->jobs[s->slot_job[k] - 1].pid != pid)
                continue;
            uint64_t ji = s->slot_job[k] - 1;
            sim_job *j = &s->jobs[ji];
            j->exited = true;
            j->wstatus = status;
            j->child_exit = now;
            j->run = u;
            j->total.user_s += u.user_s;
            j->total.sys_s += u.sys_s;
            j->rss_kb = (uint64_t)ru.ru_maxrss;
            sl_status st;
            if (j->killing) {
                st = killed(s, ji, now, err);
            } else {
                /* an eviction or hold planned for this attempt strikes first, however
                 * quickly the child ran: the timers decide (the same run every time) */
                bool strike = (j->evict_at || j->hold_at) && j->evictions == 0 && j->holds == 0;
                st = sl_ev_image_size(&s->ev, j->proc, wall_us(), j->rss_kb);
                if (st == SL_OK && j->planned_end <= now && !strike)
                    st = complete(s, ji, err);
            }
            if (st != SL_OK)
                return st;
            break;
        }
    }
}

/* The lost first attempt of a job on a shared filesystem writes its result
 * again, after the rerun has ended: not atomically, as a job writes. */
static sl_status late_landing(sim *s, sim_job *j, sl_error *err)
{
    char keep[4200], dest[4200];
    snprintf(keep, sizeof keep, "%s/%llu.%llu.json", s->late, (unsigned long long)s->o->cluster,
             (unsigned long long)j->proc);
    result_path(s, j, dest, sizeof dest);
    sl_buf b;
    sl_buf_init(&b, 0);
    sl_status st = sl_fs_read_file(keep, 1 << 30, true, &b, err);
    FILE *f = st == SL_OK ? fopen(dest, "wb") : NULL;
    if (st == SL_OK && (!f || fwrite(b.data, 1, b.len, f) != b.len))
        st = sl_error_set(err, SL_ERR_IO, "cannot write '%s': %s", dest, strerror(errno));
    if (f && fclose(f) != 0 && st == SL_OK)
        st = sl_error_set(err, SL_ERR_IO, "cannot write '%s': %s", dest, strerror(errno));
    sl_buf_free(&b);
    unlink(keep);
    j->arrivals++;
    j->late_at = 0;
    s->nlate--;
    log_job(s, SL_LOG_INFO, "late_result", j, "the lost attempt's result lands after the rerun");
    return st;
}

/* Timers of running and held jobs that are due; *next gets the earliest one to come. */
static sl_status timers(sim *s, double now, double *next, sl_error *err)
{
    sl_status st = SL_OK;
    for (unsigned k = 0; k < s->o->slots && st == SL_OK; k++) {
        if (!s->slot_job[k])
            continue;
        uint64_t ji = s->slot_job[k] - 1;
        sim_job *j = &s->jobs[ji];
        if (j->killing)
            continue;
        double strike = j->evict_at ? j->evict_at : j->hold_at;
        if (strike && strike <= now && j->evictions == 0 && j->holds == 0) {
            if (!j->exited) {
                j->killing = true;
                kill(j->pid, SIGKILL);   /* reaped (and logged) in reap() */
            } else {
                st = killed(s, ji, now, err);
            }
            continue;
        }
        if (j->exited && j->planned_end <= now) {
            st = complete(s, ji, err);
            continue;
        }
        if (strike && j->evictions == 0 && j->holds == 0 && strike < *next)
            *next = strike;
        if (j->exited && j->planned_end < *next)
            *next = j->planned_end;
    }
    for (uint64_t i = 0; s->nlate && i < s->njobs && st == SL_OK; i++) {
        sim_job *j = &s->jobs[i];
        if (j->late_at <= 0)
            continue;
        if (j->late_at > now) {
            if (j->late_at < *next)
                *next = j->late_at;
            continue;
        }
        st = late_landing(s, j, err);
    }
    for (uint64_t i = 0; s->nheld && i < s->njobs && st == SL_OK; i++) {
        sim_job *j = &s->jobs[i];
        if (j->state != J_HELD)
            continue;
        if (j->release_at > now) {
            if (j->release_at < *next)
                *next = j->release_at;
            continue;
        }
        s->nheld--;
        if (j->faults & F_ABORT) {
            j->struck |= F_ABORT;
            j->state = J_DONE;
            j->end = END_ABORTED;
            j->end_us = wall_us();
            log_job(s, SL_LOG_INFO, "job_aborted", j, "removed while held");
            rm_sandbox(s, j);
            st = sl_ev_aborted(&s->ev, j->proc, j->end_us, "via condor_rm (by user sluice-sim)");
            s->t_jobs_end = mono();
        } else {
            log_job(s, SL_LOG_INFO, "job_released", j, NULL);
            st = sl_ev_released(&s->ev, j->proc, wall_us(),
                                "The job attribute PeriodicRelease expression '(HoldReasonCode == 34) && "
                                "(NumJobStarts < 3)' evaluated to TRUE");
            requeue(s, i);
        }
        if (st != SL_OK)
            st = sl_error_set(err, st, "cannot write the event log");
    }
    return st;
}

/* ------------------------------------------------------------ services */

static sl_status start_services(sim *s, sl_error *err)
{
    const sl_sim_options *o = s->o;
    char ilog[4200], slog[4200];
    snprintf(ilog, sizeof ilog, "%s/ingest.log", s->pool);
    snprintf(slog, sizeof slog, "%s/sync.log", s->pool);
    char *ia[24];
    size_t k = 0;
    ia[k++] = (char *)o->sluice;
    ia[k++] = "ingest";
    ia[k++] = "--input-dir";
    ia[k++] = s->in;
    ia[k++] = "--output-dir";
    ia[k++] = s->out;
    ia[k++] = "--processed-dir";
    ia[k++] = s->processed;
    ia[k++] = "--condor-log";
    ia[k++] = s->evlog;
    ia[k++] = "--verbosity";
    ia[k++] = "info";
    if (o->ingest_workers) {
        ia[k++] = "--workers";
        ia[k++] = (char *)o->ingest_workers;
    }
    ia[k] = NULL;
    sl_status st = spawn(s, ia, NULL, NULL, ilog, &s->ingest_pid, err);
    if (st != SL_OK)
        return st;
    char *sa[] = {(char *)o->sluice, "sync", "--output-dir", s->out, "--watch", "--interval", "1", NULL};
    return spawn(s, sa, NULL, NULL, slog, &s->sync_pid, err);
}

/* Waits for a service to end (it was sent SIGTERM); SIGKILL after 30 s. */
static void stop_service(sim *s, pid_t *pid, int *status, struct rusage *ru, const char *name)
{
    if (*pid <= 0)
        return;
    kill(*pid, SIGTERM);
    for (int i = 0; i < 3000; i++) {
        pid_t r = wait4(*pid, status, WNOHANG, ru);
        if (r == *pid) {
            *pid = -1;
            return;
        }
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    sl_logrec r;
    if (sl_log_begin(&r, s->log, SL_LOG_ERROR, "service_killed")) {
        sl_log_str(&r, "service", name);
        sl_log_end(&r);
    }
    kill(*pid, SIGKILL);
    wait4(*pid, status, 0, ru);
    *pid = -1;
}

/* True when no result is left for ingest: nothing visible in the input directory
 * and nothing claimed but unfinished. */
static bool inputs_drained(const sim *s)
{
    char claims[4200];
    snprintf(claims, sizeof claims, "%s/.sluice-claims", s->in);
    DIR *d = opendir(s->in);
    if (!d)
        return true;
    bool empty = true;
    struct dirent *e;
    while (empty && (e = readdir(d)))
        if (e->d_name[0] != '.')
            empty = false;
    closedir(d);
    DIR *c = empty ? opendir(claims) : NULL;
    while (c && empty && (e = readdir(c))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4500];
        snprintf(sub, sizeof sub, "%s/%s", claims, e->d_name);
        DIR *w = opendir(sub);
        struct dirent *f;
        while (w && empty && (f = readdir(w)))
            if (f->d_name[0] != '.')
                empty = false;
        if (w)
            closedir(w);
    }
    if (c)
        closedir(c);
    return empty;
}

static void sleep_s(double sec)
{
    struct timespec ts = {(time_t)sec, (long)((sec - floor(sec)) * 1e9)};
    nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------ the run */

static sl_status setup(sim *s, sl_error *err)
{
    const sl_sim_options *o = s->o;
    const char *dirs[] = {s->in, s->out, s->processed, s->pool, s->sandboxes, s->late};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        sl_status st = sl_fs_mkdirs(dirs[i], err);
        if (st != SL_OK)
            return st;
    }
    /* absolute paths: jobs run in their sandboxes */
    char *const paths[] = {s->in, s->out, s->processed, s->pool, s->sandboxes, s->late};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char abs[PATH_MAX];
        if (!realpath(paths[i], abs))
            return sl_error_set(err, SL_ERR_IO, "cannot resolve '%s': %s", paths[i], strerror(errno));
        sl_fs_pathf(paths[i], 4096, "%s", abs);
    }
    sl_fs_pathf(s->evlog, sizeof s->evlog, "%s/jobs.log", s->pool);
    s->limit = o->num_results ? o->num_results : UINT64_MAX;
    /* the generator's plan splits the tables into this many documents; without
     * --num-results, room for a million jobs */
    s->plan_jobs = o->num_results ? o->num_results : 1000000;
    if (s->limit > s->plan_jobs)
        s->limit = s->plan_jobs;
    s->slot_job = calloc(o->slots, sizeof *s->slot_job);
    if (!s->slot_job)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st = sl_log_open(o->log_path, (sl_log_level)o->verbosity, SL_LOG_LOGFMT, &s->log, err);
    if (st != SL_OK)
        return st;
    return sl_evlog_open(&s->ev, s->evlog, o->cluster, err);
}

/* Removes every job still in the pool (Ctrl+C or --timeout): the running ones are
 * killed; each gets a 009, as condor_rm gives it. */
static sl_status remove_all(sim *s, const char *why, sl_error *err)
{
    for (unsigned k = 0; k < s->o->slots; k++)
        if (s->slot_job[k] && !s->jobs[s->slot_job[k] - 1].exited)
            kill(s->jobs[s->slot_job[k] - 1].pid, SIGKILL);
    for (unsigned k = 0; k < s->o->slots; k++) {
        if (!s->slot_job[k])
            continue;
        sim_job *j = &s->jobs[s->slot_job[k] - 1];
        if (!j->exited) {
            int status;
            struct rusage ru;
            if (wait4(j->pid, &status, 0, &ru) == j->pid) {
                s->jobs_cpu.user_s += usage_of(&ru).user_s;
                s->jobs_cpu.sys_s += usage_of(&ru).sys_s;
            }
        }
        free_slot(s, j);
    }
    for (uint64_t i = 0; i < s->njobs; i++) {
        sim_job *j = &s->jobs[i];
        if (j->state == J_DONE)
            continue;
        j->state = J_DONE;
        j->end = END_ABORTED;
        j->end_us = wall_us();
        rm_sandbox(s, j);
        sl_status st = sl_ev_aborted(&s->ev, j->proc, j->end_us, why);
        if (st != SL_OK)
            return sl_error_set(err, st, "cannot write the event log");
    }
    s->idle_len = s->ndeferred = s->nheld = s->nlate = 0;
    return SL_OK;
}

static sl_status loop(sim *s, int sfd, sl_error *err)
{
    const sl_sim_options *o = s->o;
    double last_sample = 0;
    for (;;) {
        double now = mono();
        if (o->stop && *o->stop) {
            s->stopped = true;
            return remove_all(s, "via condor_rm (by user sluice-sim: simulation interrupted)", err);
        }
        if (o->timeout > 0 && now - s->t0 >= o->timeout) {
            s->timed_out = true;
            return remove_all(s, "via condor_rm (by user sluice-sim: simulation --timeout)", err);
        }
        double next = now + 0.5;
        sl_status st;
        /* submissions at --generator-rate: job k goes in at t0 + k / rate */
        while (s->njobs < s->limit) {
            double due = o->rate > 0 ? s->t0 + (double)s->njobs / o->rate : now;
            if (due > now) {
                if (due < next)
                    next = due;
                break;
            }
            if ((st = submit(s, err)) != SL_OK)
                return st;
            if (s->njobs == s->limit)
                s->t_submit_end = now;
        }
        if ((st = reap(s, now, err)) != SL_OK || (st = timers(s, now, &next, err)) != SL_OK)
            return st;
        for (unsigned k = 0; k < o->slots && s->busy < o->slots; k++) {
            uint64_t ji;
            if (s->slot_job[k] || !next_idle(s, &ji))
                continue;
            if ((st = start(s, ji, k, now, err)) != SL_OK)
                return st;
        }
        if (s->ingest_pid < 0 || s->sync_pid < 0)
            return sl_error_set(err, SL_ERR_IO, "the %s service ended early (see %s/%s.log)",
                                s->ingest_pid < 0 ? "ingest" : "sync", s->pool,
                                s->ingest_pid < 0 ? "ingest" : "sync");
        if (s->njobs == s->limit && s->busy == 0 && s->idle_len == 0 && s->ndeferred == 0 && s->nheld == 0 &&
            s->nlate == 0)
            return SL_OK;
        if (now - last_sample >= 0.5) {
            last_sample = now;
            uint64_t p = sl_sim_pending_rows(s);
            if (p > s->peak_pending)
                s->peak_pending = p;
        }
        double wait = next - mono();
        struct pollfd pfd = {sfd, POLLIN, 0};
        int ms = wait <= 0 ? 0 : (int)(wait * 1000) + 1;
        if (poll(&pfd, 1, ms) > 0) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                ;
        }
    }
}

sl_status sl_sim_run(const sl_sim_options *o, sl_buf *summary, sl_buf *metrics, sl_error *err)
{
    sim s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.ev.fd = -1;
    s.ingest_pid = s.sync_pid = -1;
    sl_fs_pathf(s.in, sizeof s.in, "%s", o->input_dir);
    sl_fs_pathf(s.out, sizeof s.out, "%s", o->output_dir);
    sl_fs_pathf(s.processed, sizeof s.processed, "%s", o->processed_dir);
    sl_fs_pathf(s.pool, sizeof s.pool, "%s", o->pool_dir);
    sl_fs_pathf(s.sandboxes, sizeof s.sandboxes, "%s/sandbox", o->pool_dir);
    sl_fs_pathf(s.evlog, sizeof s.evlog, "%s/jobs.log", o->pool_dir);
    sl_fs_pathf(s.late, sizeof s.late, "%s/late", o->pool_dir);
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    int sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
    sl_status st = sfd < 0 ? sl_error_set(err, SL_ERR_IO, "signalfd: %s", strerror(errno)) : SL_OK;
    if (st == SL_OK)
        st = setup(&s, err);
    s.t0 = mono();
    s.wall0_us = wall_us();
    if (st == SL_OK)
        st = start_services(&s, err);
    if (st == SL_OK)
        st = loop(&s, sfd, err);
    /* after the last job: wait for ingest to take every result */
    double t_wait = mono();
    if (s.t_jobs_end == 0)
        s.t_jobs_end = t_wait;
    while (st == SL_OK && !(o->stop && *o->stop) && s.ingest_pid > 0) {
        if (inputs_drained(&s)) {
            s.t_ingest_end = mono();
            break;
        }
        if (mono() - t_wait >= o->completion_wait)
            break;
        sleep_s(0.02);
        int status;
        struct rusage ru;
        if (wait4(s.ingest_pid, &status, WNOHANG, &ru) == s.ingest_pid) {
            s.ingest_status = status;
            s.ingest_ru = ru;
            s.ingest_pid = -1;
        }
    }
    stop_service(&s, &s.ingest_pid, &s.ingest_status, &s.ingest_ru, "ingest");
    stop_service(&s, &s.sync_pid, &s.sync_status, &s.sync_ru, "sync");
    if (s.t_ingest_end == 0 && inputs_drained(&s))
        s.t_ingest_end = mono();
    if (s.log) {
        /* a last pass publishes what ingest committed after sync's last one */
        char slog[4200];
        snprintf(slog, sizeof slog, "%s/sync.log", s.pool);
        char *sa[] = {(char *)o->sluice, "sync", "--output-dir", s.out, "--once", NULL};
        pid_t pid;
        sl_error e2;
        sl_error_clear(&e2);
        if (spawn(&s, sa, NULL, NULL, slog, &pid, &e2) == SL_OK)
            wait4(pid, &s.final_sync_status, 0, &s.final_sync_ru);
        else
            s.final_sync_status = -1;
        uint64_t p = sl_sim_pending_rows(&s);
        if (p > s.peak_pending)
            s.peak_pending = p;
    }
    if (s.log) {
        sl_status rs = sl_sim_report(&s, summary, metrics, st == SL_OK ? err : NULL);
        if (st == SL_OK)
            st = rs;
    }
    if (st == SL_OK && s.stopped)
        st = sl_error_set(err, SL_ERR_STOPPED, "simulation interrupted");
    if (sfd >= 0)
        close(sfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    sl_evlog_close(&s.ev);
    sl_log_close(s.log);
    free(s.jobs);
    free(s.idle);
    free(s.deferred);
    free(s.slot_job);
    return st;
}
