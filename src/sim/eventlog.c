/* The pool's job event log, in HTCondor's classic text format as
 * condor_event.cpp writes it (facts in /work/shared/reference/htcondor.md):
 *
 *     005 (001.007.000) 2026-11-21 10:00:05 Job terminated.
 *     	(1) Normal termination (return value 0)
 *     	...body...
 *     ...
 *
 * The header is "%03d (%03d.%03d.%03d) " then the ISO date (8.9.3 and later; times
 * in UTC, as a pool with a UTC clock writes them), then the event's description;
 * body lines start with a tab; every record ends with a line "...". A record is
 * built whole and written with one write(2) to a file opened O_APPEND, so a reader
 * following the log never sees two records interleaved. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/sim.h"

sl_status sl_evlog_open(sl_evlog *l, const char *path, uint64_t cluster, sl_error *err)
{
    memset(l, 0, sizeof *l);
    l->cluster = cluster;
    l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (l->fd < 0)
        return sl_error_set(err, SL_ERR_IO, "cannot open event log '%s': %s", path, strerror(errno));
    snprintf(l->schedd, sizeof l->schedd,
             "<127.0.0.1:9618?addrs=127.0.0.1-9618&alias=submit.sim&noUDP&sock=schedd_%ld_%04lx>",
             (long)getpid(), (unsigned long)(cluster & 0xffff));
    sl_buf_init(&l->rec, 0);
    return SL_OK;
}

void sl_evlog_close(sl_evlog *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    sl_buf_free(&l->rec);
}

void sl_sim_slot_name(unsigned slot, char *out, size_t n)
{
    /* four slots per execute node: slot1@exec-01.sim .. slot4@exec-01.sim, exec-02 ... */
    snprintf(out, n, "slot%u@exec-%02u.sim", slot % 4 + 1, slot / 4 + 1);
}

static void header(sl_evlog *l, int code, uint64_t proc, int64_t t_us, const char *what)
{
    time_t t = (time_t)(t_us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    sl_buf_clear(&l->rec);
    sl_buf_printf(&l->rec, "%03d (%03llu.%03llu.000) %04d-%02d-%02d %02d:%02d:%02d %s\n", code,
                  (unsigned long long)l->cluster, (unsigned long long)proc, tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, what);
}

static sl_status finish(sl_evlog *l)
{
    if (sl_buf_puts(&l->rec, "...\n") != SL_OK)
        return SL_ERR_NOMEM;
    const uint8_t *p = l->rec.data;
    size_t n = l->rec.len;
    while (n > 0) {
        ssize_t w = write(l->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return SL_ERR_IO;
        p += w;
        n -= (size_t)w;
    }
    return SL_OK;
}

/* "Usr D HH:MM:SS, Sys D HH:MM:SS" as TerminatedEvent::formatBody prints rusage */
static void usage_line(sl_buf *b, const char *indent, sl_usage u, const char *what)
{
    long us = (long)(u.user_s + 0.5), ss = (long)(u.sys_s + 0.5);
    sl_buf_printf(b, "%sUsr %ld %02ld:%02ld:%02ld, Sys %ld %02ld:%02ld:%02ld  -  %s\n", indent,
                  us / 86400, us / 3600 % 24, us / 60 % 60, us % 60,
                  ss / 86400, ss / 3600 % 24, ss / 60 % 60, ss % 60, what);
}

sl_status sl_ev_submit(sl_evlog *l, uint64_t proc, int64_t t_us)
{
    header(l, 0, proc, t_us, "Job submitted from host: ");
    l->rec.len--;   /* the host goes on the header line */
    sl_buf_printf(&l->rec, "%s\n", l->schedd);
    return finish(l);
}

sl_status sl_ev_execute(sl_evlog *l, uint64_t proc, int64_t t_us, unsigned slot)
{
    char name[64];
    sl_sim_slot_name(slot, name, sizeof name);
    header(l, 1, proc, t_us, "Job executing on host: ");
    l->rec.len--;
    sl_buf_printf(&l->rec, "<127.0.0.1:9618?addrs=127.0.0.1-9618&alias=exec-%02u.sim&noUDP&"
                  "sock=startd_%u_%04x>\n\tSlotName: %s\n\tCpus = 1\n",
                  slot / 4 + 1, 4000 + slot / 4, 0x1a2b + slot / 4, name);
    return finish(l);
}

sl_status sl_ev_image_size(sl_evlog *l, uint64_t proc, int64_t t_us, uint64_t rss_kb)
{
    char what[64];
    snprintf(what, sizeof what, "Image size of job updated: %llu", (unsigned long long)rss_kb);
    header(l, 6, proc, t_us, what);
    sl_buf_printf(&l->rec, "\t%llu  -  MemoryUsage of job (MB)\n\t%llu  -  ResidentSetSize of job (KB)\n",
                  (unsigned long long)((rss_kb + 1023) / 1024), (unsigned long long)rss_kb);
    return finish(l);
}

sl_status sl_ev_transfer(sl_evlog *l, uint64_t proc, int64_t t_us, bool started)
{
    header(l, 40, proc, t_us, started ? "Started transferring output files" :
                                        "Finished transferring output files");
    return finish(l);
}

static void bytes_lines(sl_buf *b, uint64_t sent, uint64_t received, bool total)
{
    sl_buf_printf(b, "\t%llu  -  Run Bytes Sent By Job\n\t%llu  -  Run Bytes Received By Job\n",
                  (unsigned long long)sent, (unsigned long long)received);
    if (total)
        sl_buf_printf(b, "\t%llu  -  Total Bytes Sent By Job\n\t%llu  -  Total Bytes Received By Job\n",
                      (unsigned long long)sent, (unsigned long long)received);
}

sl_status sl_ev_evicted(sl_evlog *l, uint64_t proc, int64_t t_us, sl_usage u)
{
    header(l, 4, proc, t_us, "Job was evicted.");
    sl_buf_puts(&l->rec, "\t(0) CPU times\n");
    usage_line(&l->rec, "\t\t", u, "Run Remote Usage");
    usage_line(&l->rec, "\t\t", (sl_usage){0, 0}, "Run Local Usage");
    bytes_lines(&l->rec, 0, 0, false);
    return finish(l);
}

sl_status sl_ev_requeued(sl_evlog *l, uint64_t proc, int64_t t_us, sl_usage u, int code)
{
    /* what the shadow's logRequeueEvent writes when on_exit_remove (max_retries)
     * sends a job that exited non-zero back to the queue */
    header(l, 4, proc, t_us, "Job was evicted.");
    sl_buf_puts(&l->rec, "\t(0) Job terminated and was requeued\n");
    usage_line(&l->rec, "\t\t", u, "Run Remote Usage");
    usage_line(&l->rec, "\t\t", (sl_usage){0, 0}, "Run Local Usage");
    bytes_lines(&l->rec, 0, 0, false);
    sl_buf_printf(&l->rec, "\t(1) Normal termination (return value %d)\n", code);
    return finish(l);
}

sl_status sl_ev_shadow_exception(sl_evlog *l, uint64_t proc, int64_t t_us, const char *msg,
                                 uint64_t sent, uint64_t received)
{
    header(l, 7, proc, t_us, "Shadow exception!");
    sl_buf_printf(&l->rec, "\t%s\n", msg);
    bytes_lines(&l->rec, sent, received, false);
    return finish(l);
}

sl_status sl_ev_held(sl_evlog *l, uint64_t proc, int64_t t_us, const char *reason, int code,
                     int subcode)
{
    header(l, 12, proc, t_us, "Job was held.");
    sl_buf_printf(&l->rec, "\t%s\n\tCode %d Subcode %d\n", reason, code, subcode);
    return finish(l);
}

sl_status sl_ev_released(sl_evlog *l, uint64_t proc, int64_t t_us, const char *reason)
{
    header(l, 13, proc, t_us, "Job was released.");
    sl_buf_printf(&l->rec, "\t%s\n", reason);
    return finish(l);
}

sl_status sl_ev_disconnected(sl_evlog *l, uint64_t proc, int64_t t_us, unsigned slot)
{
    char name[64];
    sl_sim_slot_name(slot, name, sizeof name);
    header(l, 22, proc, t_us, "Job disconnected, attempting to reconnect");
    sl_buf_printf(&l->rec, "\tSocket between submit and execute hosts closed unexpectedly\n"
                  "\tTrying to reconnect to %s <127.0.0.1:9618?addrs=127.0.0.1-9618&alias=exec-%02u.sim>\n",
                  name, slot / 4 + 1);
    return finish(l);
}

sl_status sl_ev_reconnect_failed(sl_evlog *l, uint64_t proc, int64_t t_us, unsigned slot)
{
    char name[64];
    sl_sim_slot_name(slot, name, sizeof name);
    header(l, 24, proc, t_us, "Job reconnection failed");
    sl_buf_printf(&l->rec, "\tJob disconnected too long: JobLeaseDuration (20 seconds) expired\n"
                  "\tCan not reconnect to %s, rescheduling job\n", name);
    return finish(l);
}

sl_status sl_ev_aborted(sl_evlog *l, uint64_t proc, int64_t t_us, const char *reason)
{
    header(l, 9, proc, t_us, "Job was aborted.");
    sl_buf_printf(&l->rec, "\t%s\n", reason);
    return finish(l);
}

sl_status sl_ev_terminated(sl_evlog *l, uint64_t proc, int64_t t_us, int code, int signal,
                           sl_usage run, sl_usage total, uint64_t sent, uint64_t received,
                           uint64_t rss_kb, uint64_t disk_kb)
{
    header(l, 5, proc, t_us, "Job terminated.");
    if (signal)
        sl_buf_printf(&l->rec, "\t(0) Abnormal termination (signal %d)\n\t(0) No core file\n", signal);
    else
        sl_buf_printf(&l->rec, "\t(1) Normal termination (return value %d)\n", code);
    usage_line(&l->rec, "\t\t", run, "Run Remote Usage");
    usage_line(&l->rec, "\t\t", (sl_usage){0, 0}, "Run Local Usage");
    usage_line(&l->rec, "\t\t", total, "Total Remote Usage");
    usage_line(&l->rec, "\t\t", (sl_usage){0, 0}, "Total Local Usage");
    bytes_lines(&l->rec, sent, received, true);
    sl_buf_printf(&l->rec,
                  "\tPartitionable Resources :    Usage  Request Allocated\n"
                  "\t   Cpus                 :                 1         1\n"
                  "\t   Disk (KB)            :   %6llu     1024   2033496\n"
                  "\t   Memory (MB)          :   %6llu      128       128\n\n",
                  (unsigned long long)disk_kb, (unsigned long long)((rss_kb + 1023) / 1024));
    time_t t = (time_t)(t_us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    sl_buf_printf(&l->rec, "\tJob terminated of its own accord at %04d-%02d-%02dT%02d:%02d:%02dZ with ",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (signal)
        sl_buf_printf(&l->rec, "signal %d.\n", signal);
    else
        sl_buf_printf(&l->rec, "exit-code %d.\n", code);
    return finish(l);
}
