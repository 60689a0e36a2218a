/* Structured logs (see log.h). */
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sluice/json.h"

struct sl_log {
    int fd;
    bool own;
    sl_log_level min;
    sl_log_format fmt;
    pthread_mutex_t mu;
};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

sl_status sl_log_open(const char *path, sl_log_level min, sl_log_format fmt, sl_log **out,
                      sl_error *err)
{
    *out = NULL;
    sl_log *lg = calloc(1, sizeof *lg);
    if (!lg)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    lg->fd = STDERR_FILENO;
    if (path && strcmp(path, "-") != 0) {
        lg->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (lg->fd < 0) {
            int e = errno;
            free(lg);
            return sl_error_set(err, SL_ERR_IO, "cannot open log file '%s': %s", path, strerror(e));
        }
        lg->own = true;
    }
    lg->min = min;
    lg->fmt = fmt;
    pthread_mutex_init(&lg->mu, NULL);
    *out = lg;
    return SL_OK;
}

void sl_log_close(sl_log *lg)
{
    if (!lg)
        return;
    if (lg->own)
        close(lg->fd);
    pthread_mutex_destroy(&lg->mu);
    free(lg);
}

bool sl_log_parse_level(const char *s, sl_log_level *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0) {
            *out = (sl_log_level)i;
            return true;
        }
    if (strcmp(s, "warning") == 0) {
        *out = SL_LOG_WARN;
        return true;
    }
    return false;
}

bool sl_log_parse_format(const char *s, sl_log_format *out)
{
    if (strcmp(s, "logfmt") == 0 || strcmp(s, "text") == 0)
        *out = SL_LOG_LOGFMT;
    else if (strcmp(s, "json") == 0)
        *out = SL_LOG_JSON;
    else
        return false;
    return true;
}

/* A logfmt value: bare when it is a plain word, else quoted with \" \\ \n escaped. */
static void logfmt_value(sl_buf *b, const char *s, size_t n)
{
    bool bare = n > 0;
    for (size_t i = 0; i < n && bare; i++) {
        unsigned char c = (unsigned char)s[i];
        bare = c > ' ' && c != '"' && c != '=' && c != '\\' && c < 0x7f;
    }
    if (bare) {
        sl_buf_append(b, s, n);
        return;
    }
    sl_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            sl_buf_putc(b, '\\');
            sl_buf_putc(b, c);
        } else if (c == '\n') {
            sl_buf_puts(b, "\\n");
        } else if (c < ' ') {
            sl_buf_printf(b, "\\x%02x", c);
        } else {
            sl_buf_putc(b, c);
        }
    }
    sl_buf_putc(b, '"');
}

static void key(sl_logrec *r, const char *k)
{
    if (r->lg->fmt == SL_LOG_JSON) {
        sl_buf_putc(&r->b, ',');
        sl_json_write_string(&r->b, k, strlen(k));
        sl_buf_putc(&r->b, ':');
    } else {
        sl_buf_putc(&r->b, ' ');
        sl_buf_puts(&r->b, k);
        sl_buf_putc(&r->b, '=');
    }
}

void sl_log_strn(sl_logrec *r, const char *k, const char *v, size_t n)
{
    key(r, k);
    if (r->lg->fmt == SL_LOG_JSON)
        sl_json_write_string(&r->b, v, n);
    else
        logfmt_value(&r->b, v, n);
}

void sl_log_str(sl_logrec *r, const char *k, const char *v)
{
    sl_log_strn(r, k, v ? v : "", v ? strlen(v) : 0);
}

void sl_log_u64(sl_logrec *r, const char *k, uint64_t v)
{
    key(r, k);
    sl_buf_printf(&r->b, "%llu", (unsigned long long)v);
}

void sl_log_i64(sl_logrec *r, const char *k, int64_t v)
{
    key(r, k);
    sl_buf_printf(&r->b, "%lld", (long long)v);
}

void sl_log_f64(sl_logrec *r, const char *k, double v)
{
    key(r, k);
    sl_buf_printf(&r->b, "%.6g", v);
}

void sl_log_err(sl_logrec *r, const sl_error *err)
{
    char msg[1200];
    sl_error_format(err, msg, sizeof msg);
    sl_log_str(r, "error", msg);
}

bool sl_log_begin(sl_logrec *r, sl_log *lg, sl_log_level level, const char *event)
{
    if (!lg || level < lg->min)
        return false;
    r->lg = lg;
    sl_buf_init(&r->b, 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year % 10000 + 1900,
             (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100, (int)(ts.tv_nsec / 1000000) % 1000);
    if (lg->fmt == SL_LOG_JSON)
        sl_buf_printf(&r->b, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":", when, level_names[level]);
    else
        sl_buf_printf(&r->b, "ts=%s level=%s event=", when, level_names[level]);
    if (lg->fmt == SL_LOG_JSON)
        sl_json_write_string(&r->b, event, strlen(event));
    else
        logfmt_value(&r->b, event, strlen(event));
    return true;
}

void sl_log_end(sl_logrec *r)
{
    if (r->lg->fmt == SL_LOG_JSON)
        sl_buf_putc(&r->b, '}');
    sl_buf_putc(&r->b, '\n');
    if (r->b.data) {
        pthread_mutex_lock(&r->lg->mu);
        const uint8_t *p = r->b.data;
        size_t n = r->b.len;
        while (n > 0) {
            ssize_t w = write(r->lg->fd, p, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;   /* a log that cannot be written must not stop the service */
            p += w;
            n -= (size_t)w;
        }
        pthread_mutex_unlock(&r->lg->mu);
    }
    sl_buf_free(&r->b);
}
