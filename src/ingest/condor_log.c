/* HTCondor classic text job event log: an incremental parser, a follower that
 * survives rotation and truncation, and a (cluster, proc) -> state table (see
 * condor_log.h). The parser keeps one line and one event's text, each bounded by
 * max_record; everything else it needs from a record is a few numbers. */
#include "ingest/condor_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/civil.h"

/* ================================================================== parser */

enum { ST_BETWEEN, ST_RECORD, ST_SKIP };

struct sl_condor_parser {
    sl_condor_options o;
    sl_buf line;           /* the current line, without its '\n' */
    bool overflow;         /* the current line passed max_record; its bytes are dropped */
    bool oom;              /* appending to the current line failed */
    int state;
    uint64_t pos;          /* bytes consumed since the last reset */
    uint64_t line_off;     /* offset of the current line */
    size_t record_bytes;   /* bytes of the current record so far */
    sl_condor_event cur;   /* the record being read (text not yet set) */
    sl_buf text;           /* its text, NUL-terminated */
    bool have_text;
    uint64_t events, skipped;
};

void sl_condor_options_init(sl_condor_options *o)
{
    o->default_year = 0;
    o->max_record = SL_CONDOR_MAX_RECORD_DEFAULT;
}

sl_status sl_condor_parser_new(const sl_condor_options *opts, sl_condor_parser **out,
                               sl_error *err)
{
    *out = NULL;
    sl_condor_parser *p = calloc(1, sizeof *p);
    if (!p)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    if (opts)
        p->o = *opts;
    else
        sl_condor_options_init(&p->o);
    if (p->o.max_record == 0)
        p->o.max_record = SL_CONDOR_MAX_RECORD_DEFAULT;
    if (p->o.default_year < 1 || p->o.default_year > 9999)
        p->o.default_year = 1970;
    /* a line is at most max_record bytes, and a text is part of one plus its NUL */
    sl_buf_init(&p->line, p->o.max_record);
    sl_buf_init(&p->text, p->o.max_record + 1);
    p->state = ST_BETWEEN;
    *out = p;
    return SL_OK;
}

void sl_condor_parser_free(sl_condor_parser *p)
{
    if (!p)
        return;
    sl_buf_free(&p->line);
    sl_buf_free(&p->text);
    free(p);
}

/* True if the line so far has something other than white space. */
static bool line_has_text(const sl_condor_parser *p)
{
    for (size_t i = 0; i < p->line.len; i++)
        if (p->line.data[i] != ' ' && p->line.data[i] != '\t' && p->line.data[i] != '\r')
            return true;
    return p->overflow || p->oom;
}

void sl_condor_parser_reset(sl_condor_parser *p)
{
    if (p->state == ST_RECORD || (p->state == ST_BETWEEN && line_has_text(p)))
        p->skipped++;
    p->state = ST_BETWEEN;
    sl_buf_clear(&p->line);
    p->overflow = p->oom = false;
    p->pos = p->line_off = 0;
}

uint64_t sl_condor_parser_events(const sl_condor_parser *p) { return p->events; }
uint64_t sl_condor_parser_skipped(const sl_condor_parser *p) { return p->skipped; }

/* ---------------------------------------------------------- field scanners */

/* Each scanner reads at s[*i] (s has n bytes), advances *i past what it read and
 * returns true, or returns false (with *i unspecified). */

static bool scan_char(const char *s, size_t n, size_t *i, char c)
{
    if (*i >= n || s[*i] != c)
        return false;
    ++*i;
    return true;
}

/* One or more spaces (HTCondor writes one; hand-edited logs may have more). */
static bool scan_spaces(const char *s, size_t n, size_t *i)
{
    size_t k = *i;
    while (*i < n && s[*i] == ' ')
        ++*i;
    return *i > k;
}

/* 1 to maxd decimal digits (maxd <= 18, so the value fits in int64). */
static bool scan_uint(const char *s, size_t n, size_t *i, size_t maxd, int64_t *out)
{
    int64_t v = 0;
    size_t k = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
        if (++k > maxd)
            return false;
        v = v * 10 + (s[*i] - '0');
        ++*i;
    }
    *out = v;
    return k > 0;
}

/* A %d: an optional '-', then digits, within int range. */
static bool scan_int(const char *s, size_t n, size_t *i, int *out)
{
    bool neg = scan_char(s, n, i, '-');
    int64_t v;
    if (!scan_uint(s, n, i, 10, &v) || v > (neg ? 2147483648LL : 2147483647LL))
        return false;
    *out = (int)(neg ? -v : v);
    return true;
}

/* Exactly two digits, at most max. */
static bool scan_2(const char *s, size_t n, size_t *i, unsigned max, unsigned *out)
{
    if (n - *i < 2 || !sl_parse_digits(s + *i, 2, out) || *out > max)
        return false;
    *i += 2;
    return true;
}

static bool scan_prefix(const char *s, size_t n, size_t *i, const char *lit)
{
    size_t k = strlen(lit);
    if (n - *i < k || memcmp(s + *i, lit, k) != 0)
        return false;
    *i += k;
    return true;
}

/* DATE TIME as days since the epoch plus microseconds into the day: `YYYY-MM-DD` or
 * `MM/DD` (in year), then ` HH:MM:SS`, an optional fraction and an optional `Z`. */
static bool scan_when(const char *s, size_t n, size_t *i, int year, int64_t *us)
{
    int64_t days;
    if (n - *i >= 10 && s[*i + 4] == '-') {
        if (!sl_parse_ymd(s + *i, &days))
            return false;
        *i += 10;
    } else {
        static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        unsigned m, d;
        if (!scan_2(s, n, i, 12, &m) || !scan_char(s, n, i, '/') || !scan_2(s, n, i, 31, &d) ||
            m < 1 || d < 1 || d > mdays[m - 1])
            return false;   /* 02/29 in a year that has none becomes 03/01 */
        days = sl_days_from_civil(year, m, d);
    }
    unsigned hh, mm, ss;
    if (!scan_spaces(s, n, i) || !scan_2(s, n, i, 23, &hh) || !scan_char(s, n, i, ':') ||
        !scan_2(s, n, i, 59, &mm) || !scan_char(s, n, i, ':') || !scan_2(s, n, i, 60, &ss))
        return false;
    int64_t frac = 0;
    if (scan_char(s, n, i, '.')) {
        size_t k = *i;
        int64_t v;
        if (!scan_uint(s, n, i, 9, &v))
            return false;
        for (size_t d = *i - k; d < 9; d++)
            v *= 10;
        frac = v / 1000;   /* nanoseconds to microseconds */
    }
    scan_char(s, n, i, 'Z');
    *us = ((days * 86400 + hh * 3600 + mm * 60 + ss) * 1000000) + frac;
    return true;
}

/* `NNN (C.P.S) DATE TIME description`: fills the header fields of *ev and the offset
 * of the description in s. */
static bool parse_header(const char *s, size_t n, int year, sl_condor_event *ev, size_t *desc)
{
    size_t i = 0;
    int64_t code;
    if (n == 0 || s[0] < '0' || s[0] > '9')
        return false;   /* the common case for body lines, quickly */
    if (!scan_uint(s, n, &i, 9, &code) || !scan_spaces(s, n, &i) || !scan_char(s, n, &i, '(') ||
        !scan_uint(s, n, &i, 18, &ev->cluster) || !scan_char(s, n, &i, '.') ||
        !scan_uint(s, n, &i, 18, &ev->proc) || !scan_char(s, n, &i, '.') ||
        !scan_uint(s, n, &i, 18, &ev->subproc) || !scan_char(s, n, &i, ')') ||
        !scan_spaces(s, n, &i) || !scan_when(s, n, &i, year, &ev->time_us))
        return false;
    if (i < n && !scan_spaces(s, n, &i))
        return false;
    ev->code = (int)code;
    *desc = i;
    return true;
}

/* ------------------------------------------------------------- the records */

static sl_status set_text(sl_condor_parser *p, const char *s, size_t n)
{
    sl_buf_clear(&p->text);
    sl_status st = sl_buf_append(&p->text, s, n);
    if (st == SL_OK)
        st = sl_buf_putc(&p->text, 0);
    if (st != SL_OK) {
        sl_buf_clear(&p->text);
        return st;
    }
    p->text.len--;
    p->have_text = true;
    return SL_OK;
}

static sl_status start_record(sl_condor_parser *p, const sl_condor_event *h, const char *s,
                              size_t n, size_t desc, size_t raw)
{
    p->cur = *h;
    p->cur.offset = p->line_off;
    p->cur.hold_code = p->cur.hold_subcode = -1;
    p->state = ST_RECORD;
    p->record_bytes = raw + 1;
    sl_buf_clear(&p->text);
    p->have_text = false;
    if (h->code == SL_CONDOR_EXECUTE) {
        /* "Job executing on host: <sinful>" */
        size_t i = desc;
        while (i < n && !scan_prefix(s, n, &i, "host: "))
            i++;
        if (i < n)
            return set_text(p, s + i, n - i);
    }
    return SL_OK;
}

/* "(1) Normal termination (return value N)", "(0) Abnormal termination (signal N)". */
static void scan_exit(sl_condor_event *ev, const char *t, size_t n)
{
    size_t i = 0;
    int v;
    if (scan_prefix(t, n, &i, "(1) Normal termination (return value ") && scan_int(t, n, &i, &v) &&
        scan_char(t, n, &i, ')')) {
        ev->exit = SL_CONDOR_EXIT_NORMAL;
        ev->exit_code = v;
        return;
    }
    i = 0;
    if (scan_prefix(t, n, &i, "(0) Abnormal termination (signal ") && scan_int(t, n, &i, &v) &&
        scan_char(t, n, &i, ')')) {
        ev->exit = SL_CONDOR_EXIT_SIGNAL;
        ev->exit_signal = v;
    }
}

/* "Code N Subcode M" */
static bool scan_hold_code(sl_condor_event *ev, const char *t, size_t n)
{
    size_t i = 0;
    int c, sc;
    if (!scan_prefix(t, n, &i, "Code ") || !scan_int(t, n, &i, &c) ||
        !scan_prefix(t, n, &i, " Subcode ") || !scan_int(t, n, &i, &sc) || i != n)
        return false;
    ev->hold_code = c;
    ev->hold_subcode = sc;
    return true;
}

static sl_status body_line(sl_condor_parser *p, const char *s, size_t n)
{
    while (n && (*s == '\t' || *s == ' ')) {
        s++;
        n--;
    }
    sl_condor_event *ev = &p->cur;
    switch (ev->code) {
    case SL_CONDOR_EVICTED:
        /* a requeue carries the termination line too */
        if (n == 35 && memcmp(s, "(0) Job terminated and was requeued", 35) == 0)
            ev->requeued = true;
        else if (ev->exit == SL_CONDOR_EXIT_NONE)
            scan_exit(ev, s, n);
        return SL_OK;
    case SL_CONDOR_TERMINATED:
        if (ev->exit == SL_CONDOR_EXIT_NONE)
            scan_exit(ev, s, n);
        return SL_OK;
    case SL_CONDOR_HELD:
        /* the reason comes first, then "Code N Subcode M"; either may be missing */
        if (ev->hold_code < 0 && scan_hold_code(ev, s, n))
            return SL_OK;
        return p->have_text || !n ? SL_OK : set_text(p, s, n);
    case SL_CONDOR_SHADOW_EXCEPTION:
    case SL_CONDOR_ABORTED:
    case SL_CONDOR_RELEASED:
        return p->have_text || !n ? SL_OK : set_text(p, s, n);
    default:
        return SL_OK;
    }
}

static void emit(sl_condor_parser *p, sl_condor_event *ev)
{
    *ev = p->cur;
    ev->text = p->text.len ? (const char *)p->text.data : "";
    ev->text_len = p->text.len;
    p->events++;
}

/* One complete line: returns true with *ev set when it ended a record. */
static sl_status take_line(sl_condor_parser *p, sl_condor_event *ev, bool *done)
{
    const char *s = p->line.len ? (const char *)p->line.data : "";
    size_t raw = p->line.len, n = raw;
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    bool bad = p->overflow || p->oom;
    *done = false;
    if (!bad && n == 3 && memcmp(s, "...", 3) == 0) {
        if (p->state == ST_RECORD) {
            emit(p, ev);
            *done = true;
        }
        p->state = ST_BETWEEN;
        return SL_OK;
    }
    sl_condor_event h = {0};
    size_t desc;
    if (!bad && parse_header(s, n, p->o.default_year, &h, &desc)) {
        /* A header resynchronises wherever it appears: no body line looks like one,
         * so the record before it lost its `...` (counted) or was already skipped. */
        if (p->state == ST_RECORD)
            p->skipped++;
        sl_status st = start_record(p, &h, s, n, desc, raw);
        if (st != SL_OK) {
            p->skipped++;
            p->state = ST_SKIP;
        }
        return st;
    }
    switch (p->state) {
    case ST_BETWEEN:
        if (bad || n) {
            p->skipped++;
            p->state = ST_SKIP;
        }
        return SL_OK;
    case ST_RECORD: {
        p->record_bytes += raw + 1;
        sl_status st = SL_OK;
        if (!bad && p->record_bytes <= p->o.max_record && (st = body_line(p, s, n)) == SL_OK)
            return SL_OK;
        p->skipped++;
        p->state = ST_SKIP;
        return st;
    }
    default:
        return SL_OK;
    }
}

static void line_add(sl_condor_parser *p, const uint8_t *s, size_t n)
{
    if (p->overflow || p->oom || n == 0)
        return;
    if (n > p->o.max_record - p->line.len) {
        p->overflow = true;
        sl_buf_free(&p->line);   /* give a huge line's memory back now */
        return;
    }
    if (sl_buf_append(&p->line, s, n) != SL_OK)
        p->oom = true;
}

sl_status sl_condor_parser_next(sl_condor_parser *p, const void *data, size_t len,
                                size_t *used, sl_condor_event *ev, sl_error *err)
{
    const uint8_t *d = data;
    size_t i = 0;
    while (i < len) {
        const uint8_t *nl = memchr(d + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (d + i)) : len - i;
        line_add(p, d + i, n);
        i += n;
        p->pos += n;
        if (!nl)
            break;
        i++;
        p->pos++;
        bool oom = p->oom, done;
        sl_status st = take_line(p, ev, &done);
        sl_buf_clear(&p->line);
        p->overflow = p->oom = false;
        p->line_off = p->pos;
        if (oom || st != SL_OK) {
            *used = i;
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory reading a condor log record");
        }
        if (done) {
            *used = i;
            return SL_OK;
        }
    }
    *used = len;
    return SL_EOF;
}

/* ================================================================ follower */

#define READ_SIZE ((size_t)64 << 10)

struct sl_condor_follower {
    char *path;
    sl_condor_parser *p;
    int fd;                 /* -1: nothing open */
    dev_t dev;
    ino_t ino;
    uint64_t off;           /* bytes read from fd */
    bool moved;             /* the path names another file; drain fd, then switch */
    uint8_t *buf;
    size_t rpos, rlen;
    uint64_t files, truncations;
};

sl_status sl_condor_follower_open(const char *path, const sl_condor_options *opts,
                                  sl_condor_follower **out, sl_error *err)
{
    *out = NULL;
    if (!path || !path[0])
        return sl_error_set(err, SL_ERR_USAGE, "no condor log path given");
    sl_condor_follower *f = calloc(1, sizeof *f);
    if (!f)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    f->fd = -1;
    f->path = strdup(path);
    f->buf = malloc(READ_SIZE);
    if (!f->path || !f->buf || sl_condor_parser_new(opts, &f->p, err) != SL_OK) {
        sl_condor_follower_free(f);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    *out = f;
    return SL_OK;
}

void sl_condor_follower_free(sl_condor_follower *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    sl_condor_parser_free(f->p);
    free(f->buf);
    free(f->path);
    free(f);
}

/* Opens the file at the path if there is one; *opened says whether there was. */
static sl_status open_path(sl_condor_follower *f, bool *opened, sl_error *err)
{
    *opened = false;
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return SL_OK;   /* not written yet, or between rename and re-create */
        return sl_error_set(err, SL_ERR_IO, "cannot open '%s': %s", f->path, strerror(errno));
    }
    struct stat st;
    int e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (e) {
        close(fd);
        return sl_error_set(err, SL_ERR_IO, "cannot read '%s': %s", f->path, strerror(e));
    }
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->off = 0;
    f->moved = false;
    f->files++;
    *opened = true;
    return SL_OK;
}

/* At the end of the open file: has it been replaced or truncated? Returns true if
 * reading should go on (from the new file, or from the start, or once more to the
 * end of a file that has just been rotated away). */
static bool check_path(sl_condor_follower *f)
{
    if (f->moved) {
        /* drained after the rename was seen: anything written before it is read */
        close(f->fd);
        f->fd = -1;
        sl_condor_parser_reset(f->p);
        return true;
    }
    struct stat st;
    if (stat(f->path, &st) == 0 && (st.st_dev != f->dev || st.st_ino != f->ino)) {
        /* The writer may have appended between our last read and its rename: read
         * the old file to its end once more before switching. */
        f->moved = true;
        return true;
    }
    /* (a failed stat, such as ENOENT between rename and re-create: stay) */
    if (fstat(f->fd, &st) == 0 && (uint64_t)st.st_size < f->off) {
        f->off = 0;
        f->truncations++;
        sl_condor_parser_reset(f->p);
        return true;
    }
    return false;
}

sl_status sl_condor_follower_next(sl_condor_follower *f, sl_condor_event *ev, sl_error *err)
{
    for (;;) {
        if (f->rpos < f->rlen) {
            size_t used;
            sl_status st = sl_condor_parser_next(f->p, f->buf + f->rpos, f->rlen - f->rpos,
                                                 &used, ev, err);
            f->rpos += used;
            if (st != SL_EOF)
                return st;
            continue;
        }
        f->rpos = f->rlen = 0;
        if (f->fd < 0) {
            bool opened;
            sl_status st = open_path(f, &opened, err);
            if (st != SL_OK || !opened)
                return st != SL_OK ? st : SL_EOF;
        }
        ssize_t k = pread(f->fd, f->buf, READ_SIZE, (off_t)f->off);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return sl_error_set(err, SL_ERR_IO, "cannot read '%s': %s", f->path, strerror(errno));
        }
        if (k > 0) {
            f->rlen = (size_t)k;
            f->off += (uint64_t)k;
            continue;
        }
        if (!check_path(f))
            return SL_EOF;
    }
}

void sl_condor_follower_get_stats(const sl_condor_follower *f, sl_condor_follower_stats *out)
{
    out->events = f->p->events;
    out->skipped = f->p->skipped;
    out->files = f->files;
    out->truncations = f->truncations;
    out->offset = f->fd >= 0 ? f->off : 0;
    out->open = f->fd >= 0;
}

/* =============================================================== job table */

/* One job in an open-addressing table with linear probing; state 0 (UNKNOWN)
 * marks an empty slot, since a stored job always has a state. */
typedef struct {
    int64_t cluster, proc;
    int64_t end_us;
    int32_t exit_value;    /* return value or signal, by exit */
    uint16_t starts;
    uint8_t state;
    uint8_t exit;
} job_slot;

_Static_assert(sizeof(job_slot) == 32, "a job takes 32 bytes");

struct sl_condor_jobs {
    job_slot *slots;
    size_t cap;            /* a power of two */
    size_t n, max;
    size_t counts[SL_CONDOR_JOB_NSTATES];
};

static const char *const state_names[SL_CONDOR_JOB_NSTATES] = {
    "unknown", "queued", "running", "held", "done_ok", "done_failed", "aborted",
};

const char *sl_condor_job_state_name(sl_condor_job_state s)
{
    return (unsigned)s < SL_CONDOR_JOB_NSTATES ? state_names[s] : "invalid";
}

bool sl_condor_job_state_final(sl_condor_job_state s)
{
    return s == SL_CONDOR_JOB_DONE_OK || s == SL_CONDOR_JOB_DONE_FAILED ||
           s == SL_CONDOR_JOB_ABORTED;
}

#define JOBS_FIRST_CAP 1024

sl_status sl_condor_jobs_new(size_t max_jobs, sl_condor_jobs **out, sl_error *err)
{
    *out = NULL;
    sl_condor_jobs *t = calloc(1, sizeof *t);
    if (t)
        t->slots = calloc(JOBS_FIRST_CAP, sizeof *t->slots);
    if (!t || !t->slots) {
        free(t);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    t->cap = JOBS_FIRST_CAP;
    t->max = max_jobs ? max_jobs : SL_CONDOR_MAX_JOBS_DEFAULT;
    *out = t;
    return SL_OK;
}

void sl_condor_jobs_free(sl_condor_jobs *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t);
}

/* splitmix64's finaliser over both halves of the key. */
static size_t job_hash(int64_t cluster, int64_t proc)
{
    uint64_t x = (uint64_t)cluster * 0x9E3779B97F4A7C15ull + (uint64_t)proc;
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 31;
    return (size_t)x;
}

/* The slot of (cluster, proc), or the empty slot where it would go. */
static job_slot *job_find(job_slot *slots, size_t cap, int64_t cluster, int64_t proc)
{
    size_t i = job_hash(cluster, proc) & (cap - 1);
    while (slots[i].state != SL_CONDOR_JOB_UNKNOWN &&
           (slots[i].cluster != cluster || slots[i].proc != proc))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static sl_status jobs_grow(sl_condor_jobs *t, sl_error *err)
{
    size_t cap = t->cap * 2;
    job_slot *ns = cap > t->cap ? calloc(cap, sizeof *ns) : NULL;
    if (!ns)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory growing the job table to %zu slots",
                            cap);
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].state != SL_CONDOR_JOB_UNKNOWN)
            *job_find(ns, cap, t->slots[i].cluster, t->slots[i].proc) = t->slots[i];
    free(t->slots);
    t->slots = ns;
    t->cap = cap;
    return SL_OK;
}

/* The state after ev, for a job in state st (see sl_condor_jobs_apply); never
 * UNKNOWN, which marks an empty slot. */
static uint8_t next_state(uint8_t st, const sl_condor_event *ev)
{
    if (ev->code == SL_CONDOR_SUBMIT)
        return SL_CONDOR_JOB_QUEUED;
    if (sl_condor_job_state_final(st))
        return st;
    switch (ev->code) {
    case SL_CONDOR_EXECUTE:
        return SL_CONDOR_JOB_RUNNING;
    case SL_CONDOR_EVICTED:
    case SL_CONDOR_RELEASED:
        return SL_CONDOR_JOB_QUEUED;
    case SL_CONDOR_SHADOW_EXCEPTION:
    case SL_CONDOR_RECONNECT_FAILED:
        return st == SL_CONDOR_JOB_RUNNING ? SL_CONDOR_JOB_QUEUED : st;
    case SL_CONDOR_HELD:
        return SL_CONDOR_JOB_HELD;
    case SL_CONDOR_TERMINATED:
        return ev->exit == SL_CONDOR_EXIT_NORMAL && ev->exit_code == 0 ? SL_CONDOR_JOB_DONE_OK
                                                                       : SL_CONDOR_JOB_DONE_FAILED;
    case SL_CONDOR_ABORTED:
        return SL_CONDOR_JOB_ABORTED;
    default:
        return st == SL_CONDOR_JOB_UNKNOWN ? SL_CONDOR_JOB_QUEUED : st;
    }
}

sl_status sl_condor_jobs_apply(sl_condor_jobs *t, const sl_condor_event *ev, sl_error *err)
{
    job_slot *j = job_find(t->slots, t->cap, ev->cluster, ev->proc);
    if (j->state == SL_CONDOR_JOB_UNKNOWN) {
        if (t->n >= t->max)
            return sl_error_set(err, SL_ERR_LIMIT, "more than %zu jobs in the condor log", t->max);
        if ((t->n + 1) * 4 > t->cap * 3) {
            sl_status st = jobs_grow(t, err);
            if (st != SL_OK)
                return st;
            j = job_find(t->slots, t->cap, ev->cluster, ev->proc);
        }
        *j = (job_slot){ .cluster = ev->cluster, .proc = ev->proc };
        t->n++;
    }
    uint8_t old = j->state, st = next_state(old, ev);
    if (st == SL_CONDOR_JOB_UNKNOWN)
        st = SL_CONDOR_JOB_QUEUED;   /* first seen through an event that moves nothing */
    if (ev->code == SL_CONDOR_SUBMIT && sl_condor_job_state_final(old)) {
        j->end_us = j->exit_value = 0;
        j->exit = SL_CONDOR_EXIT_NONE;
        j->starts = 0;
    }
    if (!sl_condor_job_state_final(old) && sl_condor_job_state_final(st)) {
        j->end_us = ev->time_us;
        if (ev->code == SL_CONDOR_TERMINATED) {
            j->exit = (uint8_t)ev->exit;
            j->exit_value = ev->exit == SL_CONDOR_EXIT_SIGNAL ? ev->exit_signal : ev->exit_code;
        }
    }
    if (ev->code == SL_CONDOR_EXECUTE && st == SL_CONDOR_JOB_RUNNING && j->starts < UINT16_MAX)
        j->starts++;
    if (old != SL_CONDOR_JOB_UNKNOWN)
        t->counts[old]--;
    t->counts[st]++;
    j->state = st;
    return SL_OK;
}

bool sl_condor_jobs_get(const sl_condor_jobs *t, int64_t cluster, int64_t proc,
                        sl_condor_job *out)
{
    memset(out, 0, sizeof *out);
    const job_slot *j = job_find(t->slots, t->cap, cluster, proc);
    if (j->state == SL_CONDOR_JOB_UNKNOWN)
        return false;
    out->state = (sl_condor_job_state)j->state;
    out->end_time_us = j->end_us;
    out->exit = (sl_condor_exit)j->exit;
    if (j->exit == SL_CONDOR_EXIT_NORMAL)
        out->exit_code = j->exit_value;
    else if (j->exit == SL_CONDOR_EXIT_SIGNAL)
        out->exit_signal = j->exit_value;
    out->starts = j->starts;
    return true;
}

sl_condor_job_state sl_condor_jobs_state(const sl_condor_jobs *t, int64_t cluster, int64_t proc)
{
    return (sl_condor_job_state)job_find(t->slots, t->cap, cluster, proc)->state;
}

size_t sl_condor_jobs_count(const sl_condor_jobs *t, sl_condor_job_state s)
{
    return (unsigned)s < SL_CONDOR_JOB_NSTATES && s != SL_CONDOR_JOB_UNKNOWN ? t->counts[s] : 0;
}

size_t sl_condor_jobs_size(const sl_condor_jobs *t) { return t->n; }
