/* peak: runs one command and reports what it cost, as one JSON line. Every contender
 * in the benchmarks is measured through this program, so all are measured alike.
 *
 *   wall_s       CLOCK_MONOTONIC from just before fork to just after wait4 returns
 *   peak_rss_mb  ru_maxrss from wait4 (KiB; reported in MB of 10^6 bytes). Linux folds
 *                in the peak of the child's own waited-for descendants, so a wrapper
 *                process does not hide the real worker's memory.
 *   user_s, sys_s  CPU time of the child (and its waited-for descendants)
 *   exit, signal   how the child ended
 *
 * usage: peak [-o FILE] [-l LABEL] [--] COMMAND [ARG...]
 *   -o FILE   append the JSON line to FILE (default: stderr)
 *   -l LABEL  a label copied into the line
 * The command's stdin, stdout and stderr are left alone. peak exits with the child's
 * exit status, or 128 + the signal that ended it, or 127 if it could not be started.
 * C11 + POSIX, no dependencies: cc -O2 -std=c11 -o peak peak.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timespec a, struct timespec b)
{
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

static double tv_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Writes s as a JSON string. */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static int usage(void)
{
    fprintf(stderr, "usage: peak [-o FILE] [-l LABEL] [--] COMMAND [ARG...]\n");
    return 127;
}

int main(int argc, char **argv)
{
    const char *out_path = NULL, *label = "";
    int a = 1;
    for (; a < argc; a++) {
        if (strcmp(argv[a], "-o") == 0 && a + 1 < argc) {
            out_path = argv[++a];
        } else if (strcmp(argv[a], "-l") == 0 && a + 1 < argc) {
            label = argv[++a];
        } else if (strcmp(argv[a], "--") == 0) {
            a++;
            break;
        } else if (argv[a][0] == '-') {
            return usage();
        } else {
            break;
        }
    }
    if (a >= argc)
        return usage();

    /* Like time(1): a ^C reaches the child; peak stays to report how it ended. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("peak: fork");
        return 127;
    }
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        execvp(argv[a], argv + a);
        fprintf(stderr, "peak: cannot run '%s': %s\n", argv[a], strerror(errno));
        _exit(127);
    }

    int status;
    struct rusage ru;
    pid_t r;
    do
        r = wait4(pid, &status, 0, &ru);
    while (r < 0 && errno == EINTR);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (r < 0) {
        perror("peak: wait4");
        return 127;
    }

    int code = 0, sig = 0;
    if (WIFEXITED(status))
        code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        sig = WTERMSIG(status);

    FILE *f = stderr;
    if (out_path && !(f = fopen(out_path, "a"))) {
        fprintf(stderr, "peak: cannot open '%s': %s\n", out_path, strerror(errno));
        return 127;
    }
    fprintf(f, "{\"label\":");
    json_string(f, label);
    fprintf(f, ",\"wall_s\":%.6f,\"peak_rss_kib\":%ld,\"peak_rss_mb\":%.1f,\"user_s\":%.3f,"
               "\"sys_s\":%.3f,\"exit\":%d,\"signal\":%d,\"argv\":[",
            seconds(t0, t1), ru.ru_maxrss, ru.ru_maxrss * 1024.0 / 1e6, tv_seconds(ru.ru_utime),
            tv_seconds(ru.ru_stime), code, sig);
    for (int k = a; k < argc; k++) {
        if (k > a)
            fputc(',', f);
        json_string(f, argv[k]);
    }
    fprintf(f, "]}\n");
    if (f != stderr && fclose(f) != 0) {
        perror("peak: write");
        return 127;
    }
    return sig ? 128 + sig : code;
}
