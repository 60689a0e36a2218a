/* w2feed: the feeder of benchmark W2's sustained mode (bench/w2.sh sustained). It moves
 * pre-generated files from a staging directory into the directory `sluice ingest`
 * watches, one rename(2) each, at a fixed rate, the way finished job results arrive.
 * STAGE and IN must be on one file system (rename is then atomic and costs no copy).
 *
 *   usage: w2feed [-o FILE] STAGE IN RATE SECONDS
 *
 * Feeds RATE * SECONDS files (the staging directory's names in sorted order; it must
 * hold that many). File i is due at t0 + i / RATE; the feeder renames every file that
 * is due, then sleeps until the next one is (clock_nanosleep on CLOCK_MONOTONIC, an
 * absolute deadline, so a late wake-up is caught up, not accumulated). Then it prints
 * one JSON line (to FILE with -o, appended, else stdout):
 *
 *   fed          files renamed into IN
 *   seconds      from the first rename to the last
 *   rate         achieved arrival rate, (fed - 1) / seconds
 *   target_rate  RATE
 *   max_lag_ms   the latest any rename came after its due time
 *   late         renames more than 10 ms after their due time
 *   started_at / ended_at  CLOCK_REALTIME of the first and last rename, seconds since the epoch
 *
 * SIGINT or SIGTERM stop it early; it still reports. Exit status 0 when every file was
 * fed, 1 when it stopped early or a rename failed, 2 on a usage error.
 * C11 + POSIX, no dependencies: cc -O2 -std=c11 -o w2feed w2feed.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static int64_t ns_of(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int usage(void)
{
    fprintf(stderr, "usage: w2feed [-o FILE] STAGE IN RATE SECONDS\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *out_path = NULL;
    int a = 1;
    if (a + 1 < argc && strcmp(argv[a], "-o") == 0) {
        out_path = argv[a + 1];
        a += 2;
    }
    if (argc - a != 4)
        return usage();
    const char *stage = argv[a], *in = argv[a + 1];
    char *end;
    double rate = strtod(argv[a + 2], &end);
    if (*end || !(rate > 0))
        return usage();
    double secs = strtod(argv[a + 3], &end);
    if (*end || !(secs > 0))
        return usage();
    size_t want = (size_t)(rate * secs + 0.5);

    /* The staging directory's names, sorted: the order the generator wrote them in. */
    DIR *d = opendir(stage);
    if (!d) {
        fprintf(stderr, "w2feed: %s: %s\n", stage, strerror(errno));
        return 2;
    }
    size_t n = 0, cap = 1024;
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    while (names && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap && !(names = realloc(names, (cap *= 2) * sizeof *names)))
            break;
        if (!(names[n++] = strdup(e->d_name))) {
            names = NULL;
            break;
        }
    }
    closedir(d);
    if (!names) {
        fprintf(stderr, "w2feed: out of memory\n");
        return 2;
    }
    if (n < want) {
        fprintf(stderr, "w2feed: %s holds %zu files, %zu are needed (%g/s for %g s)\n", stage, n, want,
                rate, secs);
        return 2;
    }
    qsort(names, n, sizeof *names, by_name);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    char from[PATH_MAX], to[PATH_MAX];
    size_t fed = 0, late = 0;
    int failed = 0;
    int64_t max_lag = 0, first = 0, last = 0, first_rt = 0, last_rt = 0;
    const int64_t t0 = ns_of(CLOCK_MONOTONIC);
    while (fed < want && !stop && !failed) {
        int64_t now = ns_of(CLOCK_MONOTONIC);
        /* Every file whose due time has come. */
        while (fed < want) {
            int64_t due = t0 + (int64_t)((double)fed * 1e9 / rate);
            if (due > now)
                break;
            snprintf(from, sizeof from, "%s/%s", stage, names[fed]);
            snprintf(to, sizeof to, "%s/%s", in, names[fed]);
            if (rename(from, to) != 0) {
                fprintf(stderr, "w2feed: rename %s -> %s: %s\n", from, to, strerror(errno));
                failed = 1;
                break;
            }
            int64_t t = ns_of(CLOCK_MONOTONIC);
            if (t - due > max_lag)
                max_lag = t - due;
            if (t - due > 10000000)
                late++;
            if (!fed) {
                first = t;
                first_rt = ns_of(CLOCK_REALTIME);
            }
            last = t;
            last_rt = ns_of(CLOCK_REALTIME);
            fed++;
            now = t;
        }
        if (fed < want && !failed) {
            int64_t due = t0 + (int64_t)((double)fed * 1e9 / rate);
            struct timespec ts = {(time_t)(due / 1000000000), (long)(due % 1000000000)};
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop) {
            }
        }
    }

    double span = fed > 1 ? (double)(last - first) / 1e9 : 0;
    FILE *f = stdout;
    if (out_path && !(f = fopen(out_path, "a"))) {
        fprintf(stderr, "w2feed: cannot open %s: %s\n", out_path, strerror(errno));
        return 2;
    }
    fprintf(f,
            "{\"fed\":%zu,\"wanted\":%zu,\"seconds\":%.3f,\"rate\":%.1f,\"target_rate\":%g,"
            "\"max_lag_ms\":%.3f,\"late\":%zu,\"started_at\":%.6f,\"ended_at\":%.6f}\n",
            fed, want, span, span > 0 ? (double)(fed - 1) / span : 0.0, rate, (double)max_lag / 1e6, late,
            (double)first_rt / 1e9, (double)last_rt / 1e9);
    if (f != stdout)
        fclose(f);
    return fed == want && !failed ? 0 : 1;
}
