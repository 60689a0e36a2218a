/* Status names and the rich error record (see include/sluice/status.h). */
#include "sluice/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sl_strerror(sl_status s)
{
    switch (s) {
#define SL_STATUS_CASE(name, num, text) case name: return text;
    SL_STATUS_LIST(SL_STATUS_CASE)
#undef SL_STATUS_CASE
    }
    return "unknown status";
}

void sl_error_clear(sl_error *err)
{
    if (!err)
        return;
    err->code = SL_OK;
    err->line = err->column = 0;
    err->offset = UINT64_MAX;
    err->file[0] = '\0';
    err->msg[0] = '\0';
}

static void set_v(sl_error *err, sl_status code, const char *fmt, va_list ap)
{
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

sl_status sl_error_set(sl_error *err, sl_status code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    set_v(err, code, fmt, ap);
    va_end(ap);
    err->line = err->column = 0;
    err->offset = UINT64_MAX;
    return code;
}

sl_status sl_error_at(sl_error *err, sl_status code, uint64_t line, uint64_t column,
                      uint64_t offset, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    set_v(err, code, fmt, ap);
    va_end(ap);
    err->line = line;
    err->column = column;
    err->offset = offset;
    return code;
}

void sl_error_set_file(sl_error *err, const char *file)
{
    if (!err)
        return;
    if (!file) {
        err->file[0] = '\0';
        return;
    }
    snprintf(err->file, sizeof err->file, "%s", file);
}

char *sl_error_format(const sl_error *err, char *out, size_t n)
{
    if (n == 0)
        return out;
    out[0] = '\0';
    if (!err)
        return out;
    size_t used = 0;
#define APPEND(...)                                                              \
    do {                                                                         \
        if (used < n) {                                                          \
            int k = snprintf(out + used, n - used, __VA_ARGS__);                 \
            if (k > 0)                                                           \
                used += (size_t)k;                                               \
        }                                                                        \
    } while (0)
    /* FILE:LINE:COLUMN (byte OFFSET): MESSAGE, leaving out what is not known */
    if (err->file[0])
        APPEND("%s", err->file);
    if (err->line)
        APPEND("%s%llu:%llu", used ? ":" : "", (unsigned long long)err->line,
               (unsigned long long)err->column);
    if (err->offset != UINT64_MAX)
        APPEND("%s(byte %llu)", used ? " " : "", (unsigned long long)err->offset);
    if (used)
        APPEND(": ");
    APPEND("%s", err->msg[0] ? err->msg : sl_strerror(err->code));
#undef APPEND
    return out;
}
