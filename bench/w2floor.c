/* The file-system floor of W2: what the exactly-once protocol's mandatory
 * per-file operations cost on this machine, with no JSON, no Parquet and no
 * fsync. For every file of IN, in name order, split between THREADS threads:
 * rename it into a claims directory (the claim), open, fstat, read it whole,
 * close; after all are read, rename each into a processed directory (the
 * move after the commit). Prints one JSON line: files, wall and CPU seconds.
 * sluice ingest cannot be faster than this (bench/README.md, W2).
 *
 *   w2floor IN WORK [THREADS]     WORK must be on IN's file system; it is
 *                                 emptied into IN again at the end */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char **names;
static size_t nnames;
static const char *in, *work;
static char claims[2048], processed[2048];   /* names are at most 255 bytes */
static unsigned nthreads = 1;

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void die(const char *what, const char *path)
{
    fprintf(stderr, "w2floor: %s '%s': %s\n", what, path, strerror(errno));
    exit(2);
}

static void *worker(void *arg)
{
    size_t id = (size_t)arg;
    char from[2400], to[2400];
    static __thread char buf[1 << 16];
    for (size_t i = id; i < nnames; i += nthreads) {
        snprintf(from, sizeof from, "%s/%s", in, names[i]);
        snprintf(to, sizeof to, "%s/%s", claims, names[i]);
        if (rename(from, to) != 0)
            die("cannot claim", from);
        int fd = open(to, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0)
            die("cannot open", to);
        ssize_t r;
        while ((r = read(fd, buf, sizeof buf)) > 0)
            ;
        if (r < 0)
            die("cannot read", to);
        close(fd);
    }
    for (size_t i = id; i < nnames; i += nthreads) {
        snprintf(from, sizeof from, "%s/%s", claims, names[i]);
        snprintf(to, sizeof to, "%s/%s", processed, names[i]);
        if (rename(from, to) != 0)
            die("cannot move", from);
    }
    return NULL;
}

static double secs(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: w2floor IN WORK [THREADS]\n");
        return 2;
    }
    in = argv[1];
    if (strlen(in) >= 2048 || strlen(argv[2]) >= 2000) {
        fprintf(stderr, "w2floor: paths too long\n");
        return 2;
    }
    work = argv[2];
    if (argc > 3)
        nthreads = (unsigned)atoi(argv[3]);
    if (nthreads < 1 || nthreads > 64)
        nthreads = 1;
    snprintf(claims, sizeof claims, "%s/claims", work);
    snprintf(processed, sizeof processed, "%s/processed", work);
    mkdir(work, 0755);
    if ((mkdir(claims, 0755) != 0 && errno != EEXIST) || (mkdir(processed, 0755) != 0 && errno != EEXIST))
        die("cannot make", work);
    DIR *d = opendir(in);
    if (!d)
        die("cannot open", in);
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (nnames == cap && !(names = realloc(names, (cap = cap ? 2 * cap : 1024) * sizeof *names)))
            die("out of memory", in);
        if (!(names[nnames++] = strdup(e->d_name)))
            die("out of memory", in);
    }
    closedir(d);
    qsort(names, nnames, sizeof *names, cmp);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t th[64];
    for (size_t i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, worker, (void *)i);
    for (size_t i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"files\":%zu,\"threads\":%u,\"wall_s\":%.3f,\"user_s\":%.3f,\"sys_s\":%.3f}\n", nnames, nthreads,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, secs(ru.ru_utime),
           secs(ru.ru_stime));
    /* put the files back, untimed */
    char from[2400], to[2400];
    for (size_t i = 0; i < nnames; i++) {
        snprintf(from, sizeof from, "%s/%s", processed, names[i]);
        snprintf(to, sizeof to, "%s/%s", in, names[i]);
        if (rename(from, to) != 0)
            die("cannot put back", from);
        free(names[i]);
    }
    free(names);
    return 0;
}
