/* Small helpers of sluice sync: strings, time, table names. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sync/sync_int.h"

char *sync_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *sync_strdup(const char *s)
{
    return sync_strndup(s, strlen(s));
}

int64_t sync_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void sync_format_time(int64_t us, char *out)
{
    char tmp[48];
    size_t n = sl_format_timestamp(us, true, tmp);
    /* always six fraction digits, for a fixed-width, sortable stamp */
    if (us % 1000000 == 0 && n > 1) {
        snprintf(out, 48, "%.*s.000000Z", (int)(n - 1), tmp);
        return;
    }
    snprintf(out, 48, "%s", tmp);
}

bool sync_table_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 200 || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

void sync_test_crash(const char *point)
{
    static const char *want;
    static bool looked;
    if (!looked) {
        want = getenv("SLUICE_TEST_CRASH");
        looked = true;
    }
    if (want && strcmp(want, point) == 0)
        raise(SIGKILL);
}
