/* sluice demo: the whole story in one directory. Runs the other commands as a user
 * would (each a child process of this binary), then writes
 * COMPREHENSIVE_DEMO_REPORT.json and EXECUTIVE_SUMMARY.md from what they left. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "cli/cli.h"
#include "ingest/statedir.h"
#include "sluice/json.h"

extern char **environ;

static const char usage[] = "sluice demo [--num-files N] [--demo-dir D] [--clean] [options]";
static const char description[] =
    "Runs the pipeline end to end in D (default ./sluice_demo): `sluice simulate`\n"
    "(an HTCondor-like pool whose jobs generate school registry results, with ingest\n"
    "and sync beside it and a few faults of every kind), then `sluice validate` and\n"
    "`sluice docs` on the output when this build has them. Each step's output goes to\n"
    "D/demo.log. Then writes D/COMPREHENSIVE_DEMO_REPORT.json (every step with its\n"
    "command, exit status and time; the simulation's report; where the outputs are)\n"
    "and D/EXECUTIVE_SUMMARY.md (what ran, how fast, what went wrong and how it was\n"
    "handled, and how to open the tables in DuckDB). --clean first removes what an\n"
    "earlier demo left in D (as `sluice clean D`).\n"
    "\n"
    "Exit status: 0 every step ran and the simulation succeeded (validate finding\n"
    "problems in the data is reported, not an error); 2 a step could not run.";

typedef struct step {
    const char *name;
    char *argv[32];
    int status;            /* exit status, -1 not run */
    double seconds;
    bool missing;          /* the command is not in this build */
} step;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_step(step *s, const char *logpath)
{
    FILE *lf = fopen(logpath, "a");
    if (lf) {
        fprintf(lf, "\n$ sluice");
        for (size_t i = 1; s->argv[i]; i++)
            fprintf(lf, " %s", s->argv[i]);
        fprintf(lf, "\n");
        fclose(lf);
    }
    fprintf(stderr, "sluice: demo: %s ...\n", s->name);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    double t0 = now_s();
    int rc = posix_spawn(&pid, s->argv[0], &fa, NULL, s->argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        sl_cli_fail("demo", "cannot run %s: %s", s->argv[0], strerror(rc));
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    s->seconds = now_s() - t0;
    s->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

/* The last lines of the log name an unknown command: this build lacks it. */
static bool command_missing(const char *logpath, const char *cmd)
{
    sl_buf b;
    sl_buf_init(&b, 0);
    bool missing = false;
    char needle[128];
    snprintf(needle, sizeof needle, "sluice: %s: not a sluice command", cmd);
    if (sl_fs_read_file(logpath, 256 << 20, false, &b, NULL) == SL_OK && sl_buf_putc(&b, 0) == SL_OK)
        missing = strstr((const char *)b.data, needle) != NULL;
    sl_buf_free(&b);
    return missing;
}

/* Reads a small JSON file whole; the value lives as long as *r. */
static const sl_json_value *load_json(const char *path, sl_buf *b, sl_json_reader **r)
{
    *r = NULL;
    sl_json_options o;
    sl_json_options_init(&o);
    o.form = SL_JSON_FORM_DOCUMENT;
    const sl_json_value *v = NULL;
    if (sl_fs_read_file(path, 256 << 20, false, b, NULL) != SL_OK ||
        sl_json_reader_open_mem(b->data, b->len, path, &o, r, NULL) != SL_OK ||
        sl_json_reader_next(*r, &v, NULL) != SL_OK)
        return NULL;
    return v;
}

static double num(const sl_json_value *v, const char *a, const char *b)
{
    const sl_json_value *x = sl_json_get(v, a);
    if (b)
        x = sl_json_get(x, b);
    if (!x)
        return 0;
    return x->type == SL_JSON_INT ? (double)x->u.num.i : x->type == SL_JSON_DOUBLE ? x->u.num.d : 0;
}

static void md_summary(sl_buf *md, const char *dir, const char *out, const char *state,
                       const sl_json_value *sim, const step *steps, size_t nsteps)
{
    sl_buf_printf(md, "# sluice demo: executive summary\n\n");
    sl_buf_printf(md, "Demo directory: `%s`. Everything below is read from what the run left there.\n\n", dir);
    sl_buf_puts(md, "## What ran\n\n| step | exit status | seconds |\n|---|---|---|\n");
    for (size_t i = 0; i < nsteps; i++)
        sl_buf_printf(md, "| `sluice %s` | %s | %.2f |\n", steps[i].argv[1],
                      steps[i].missing ? "not in this build" : steps[i].status == 0 ? "0 (ok)" :
                      steps[i].status == 1 ? "1 (checks failed)" : "failed", steps[i].seconds);
    if (!sim) {
        sl_buf_puts(md, "\nThe simulation left no report: see demo.log.\n");
        return;
    }
    sl_buf_printf(md, "\n## The pool\n\n%.0f jobs submitted on %.0f slots: %.0f succeeded, %.0f failed, "
                  "%.0f removed, %.0f attempts in all. %.0f results were ingested, %.0f quarantined, "
                  "%.0f duplicate copies set aside.\n",
                  num(sim, "jobs", "submitted"), num(sim, "run", "slots"), num(sim, "jobs", "succeeded"),
                  num(sim, "jobs", "failed"), num(sim, "jobs", "removed"), num(sim, "jobs", "attempts"),
                  num(sim, "results", "ingested"), num(sim, "results", "quarantined"),
                  num(sim, "results", "duplicates"));
    sl_buf_printf(md, "\n## How fast\n\n- jobs: %.1f per second through the pool\n"
                  "- ingest: %.1f results and %.0f rows per second\n"
                  "- latency from a job's end (its 005 event) to its rows committed: p50 %.0f ms, "
                  "p95 %.0f ms, p99 %.0f ms\n",
                  num(sim, "rates", "jobs_per_second"), num(sim, "rates", "results_ingested_per_second"),
                  num(sim, "rates", "rows_ingested_per_second"), num(sim, "latency_ms", "p50"),
                  num(sim, "latency_ms", "p95"), num(sim, "latency_ms", "p99"));
    const sl_json_value *res = sl_json_get(sim, "resources");
    for (size_t i = 0; res && res->type == SL_JSON_OBJECT && i < res->u.obj.len; i++)
        sl_buf_printf(md, "- %.*s: %.2f s CPU, %.1f MB peak memory\n", (int)res->u.obj.members[i].key_len,
                      res->u.obj.members[i].key, num(&res->u.obj.members[i].value, "cpu_seconds", NULL),
                      num(&res->u.obj.members[i].value, "peak_rss_kb", NULL) / 1024.0);
    sl_buf_puts(md, "\n## What went wrong, and how it was handled\n\n| fault | jobs | handled by |\n|---|---|---|\n");
    static const char *const how[][2] = {
        {"exit", "rerun (max_retries); when it failed for good, its result was quarantined by the 005 return value"},
        {"evict", "rerun; ingest waited for the job's 005, so the killed attempt left nothing behind"},
        {"lost_after_transfer", "rerun; the result arrived twice, was taken once (a late copy goes to duplicates/)"},
        {"hold_release", "held (memory), released and rerun"},
        {"hold_remove", "held, then removed with condor_rm (009); no rows from it"},
        {"corrupt", "the job succeeded but the file was broken: quarantined with the reason"},
        {"straggler", "ran ten times longer; nothing waited for it"},
        {"out_of_order", "rows that refer to it arrived first; sync held them back until it came"}};
    const sl_json_value *f = sl_json_get(sim, "faults");
    for (size_t i = 0; i < sizeof how / sizeof how[0]; i++)
        sl_buf_printf(md, "| %s | %.0f | %s |\n", how[i][0], num(f, how[i][0], NULL), how[i][1]);
    sl_buf_printf(md, "\nSync held back at most %.0f rows at once; %.0f still wait for a parent whose job never "
                  "succeeded (they stay pending and are reported, never dropped).\n",
                  num(sim, "sync", "peak_pending"), num(sim, "sync", "pending"));
    sl_buf_printf(md, "\n## Where the outputs are\n\n| table | rows | bytes |\n|---|---|---|\n");
    const sl_json_value *t = sl_json_get(sim, "tables");
    for (size_t i = 0; t && t->type == SL_JSON_ARRAY && i < t->u.arr.len; i++) {
        const sl_json_value *n = sl_json_get(&t->u.arr.items[i], "name");
        sl_buf_printf(md, "| `%s/%.*s.parquet` | %.0f | %.0f |\n", out, n ? (int)n->u.str.len : 0,
                      n ? n->u.str.ptr : "", num(&t->u.arr.items[i], "rows", NULL),
                      num(&t->u.arr.items[i], "bytes", NULL));
    }
    sl_buf_printf(md, "\nAlso: `%s/quarantine/` (bad results with `.error.json` reasons), `%s/duplicates/`, "
                  "`%s/raw/` (committed parts), `%s/` (ledger, schema history, metrics, "
                  "simulation.json), `%s/pool/jobs.log` (the HTCondor event log).\n", out, out, out, state, dir);
    sl_buf_printf(md, "\n## Open them in DuckDB\n\n```sql\n"
                  "SELECT c.name, count(*) AS enrolled, any_value(c.capacity) AS capacity\n"
                  "  FROM '%s/student_classes.parquet' e JOIN '%s/classes.parquet' c USING (class_id)\n"
                  " GROUP BY c.name ORDER BY enrolled DESC LIMIT 5;\n```\n", out, out);
}

int cmd_demo(int argc, char **argv)
{
    const char *dir = "sluice_demo", *faults = "0.05", *slots = "4";
    uint64_t n = 100, seed = 42;
    bool clean = false;
    const sl_option opts[] = {
        {"num-files", 'n', SL_OPT_U64, &n, "N", "result files (jobs) to simulate (default 100)"},
        {"demo-dir", 'd', SL_OPT_STRING, &dir, "DIR", "where everything goes (default ./sluice_demo)"},
        {"clean", 0, SL_OPT_FLAG, &clean, NULL, "remove what an earlier demo left in DIR first"},
        {"seed", 0, SL_OPT_U64, &seed, "N", "data and faults (default 42)"},
        {"faults", 0, SL_OPT_STRING, &faults, "P", "probability of each fault per job (default 0.05)"},
        {"slots", 0, SL_OPT_STRING, &slots, "N", "pool slots (default 4)"},
        {0},
    };
    int nargs;
    bool help;
    int rc = sl_cli_parse(argc, argv, opts, usage, description, &nargs, &help);
    if (rc >= 0)
        return rc;
    if (nargs > 0 || n == 0) {
        sl_cli_fail("demo", nargs ? "unexpected argument '%s'" : "--num-files must be at least 1", argv[0]);
        return SL_EXIT_USAGE;
    }
    static char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        sl_cli_fail("demo", "cannot find the sluice binary: %s", strerror(errno));
        return SL_EXIT_USAGE;
    }
    self[len] = 0;
    sl_error err;
    sl_error_clear(&err);
    if (sl_fs_mkdirs(dir, &err) != SL_OK)
        return sl_cli_report(&err, dir, SL_ERR_IO);
    char logpath[4200], out[4200], nbuf[32], sbuf[32];
    snprintf(logpath, sizeof logpath, "%s/demo.log", dir);
    snprintf(out, sizeof out, "%s/output", dir);
    snprintf(nbuf, sizeof nbuf, "%llu", (unsigned long long)n);
    snprintf(sbuf, sizeof sbuf, "%llu", (unsigned long long)seed);
    signal(SIGINT, SIG_IGN);   /* Ctrl+C reaches the running step, which stops cleanly */
    if (clean) {
        step c = {"clean", {self, "clean", (char *)dir, NULL}, -1, 0, false};
        if (run_step(&c, "/dev/null") != 0 || c.status != 0) {
            sl_cli_fail("demo", "sluice clean %s failed", dir);
            return SL_EXIT_USAGE;
        }
    }
    unlink(logpath);
    step steps[] = {
        {"simulate: the pool generates results; ingest and sync turn them into tables",
         {self, "simulate", "--dir", (char *)dir, "--num-results", nbuf, "--generator-rate", "0",
          "--job-runtime", "0.05", "--slots", (char *)slots, "--faults", (char *)faults, "--seed", sbuf,
          "--hold-time", "0.2", "--completion-wait", "30", "--summary", "--performance-metrics", NULL}, -1, 0, false},
        {"validate: data quality checks and reports", {self, "validate", "--output-dir", out, NULL}, -1, 0, false},
        {"docs: schema documentation and DDL", {self, "docs", "--output-dir", out, NULL}, -1, 0, false},
    };
    size_t nsteps = sizeof steps / sizeof steps[0];
    for (size_t i = 0; i < nsteps; i++) {
        if (run_step(&steps[i], logpath) != 0)
            return SL_EXIT_USAGE;
        steps[i].missing = steps[i].status == 2 && command_missing(logpath, steps[i].argv[1]);
        if (i == 0 && steps[i].status != 0) {
            sl_cli_fail("demo", "the simulation failed (exit %d); see %s", steps[i].status, logpath);
            break;
        }
    }

    /* the reports */
    /* the simulation's ingest and sync keep the default state directory */
    sl_statedir sd;
    char simpath[4300];
    if (sl_statedir_default(&sd, out, NULL) ||
        sl_statedir_path(&sd, simpath, sizeof simpath, SL_STATE_ROOT, "simulation.json"))
        simpath[0] = '\0';
    sl_buf simb;
    sl_buf_init(&simb, 0);
    sl_json_reader *sr;
    const sl_json_value *sim = load_json(simpath, &simb, &sr);
    sl_buf j;
    sl_buf_init(&j, 0);
    char when[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    sl_buf_printf(&j, "{\n  \"tool\": \"sluice demo %s\",\n  \"generated_at\": \"%s\",\n  \"demo_dir\": ",
                  SL_VERSION, when);
    sl_json_write_string(&j, dir, strlen(dir));
    sl_buf_printf(&j, ",\n  \"parameters\": {\"num_files\": %llu, \"seed\": %llu, \"faults\": %s, \"slots\": %s},\n"
                  "  \"steps\": [", (unsigned long long)n, (unsigned long long)seed, faults, slots);
    for (size_t i = 0; i < nsteps; i++) {
        sl_buf_printf(&j, "%s\n    {\"name\": \"%s\", \"command\": \"sluice", i ? "," : "", steps[i].argv[1]);
        for (size_t k = 1; steps[i].argv[k]; k++) {
            sl_buf_putc(&j, ' ');
            sl_buf b2;
            sl_buf_init(&b2, 0);
            sl_json_write_string(&b2, steps[i].argv[k], strlen(steps[i].argv[k]));
            sl_buf_append(&j, b2.data + 1, b2.len - 2);   /* escaped, without its quotes */
            sl_buf_free(&b2);
        }
        sl_buf_printf(&j, "\", \"status\": \"%s\", \"exit_code\": %d, \"seconds\": %.3f}",
                      steps[i].missing ? "not in this build" : steps[i].status < 0 ? "not run" :
                      steps[i].status == 0 ? "ok" : steps[i].status == 1 ? "checks failed" : "failed",
                      steps[i].status, steps[i].seconds);
    }
    sl_buf_puts(&j, "\n  ],\n  \"outputs\": {\"tables_dir\": ");
    sl_json_write_string(&j, out, strlen(out));
    sl_buf_printf(&j, ", \"quarantine\": \"%s/quarantine\", \"duplicates\": \"%s/duplicates\", \"raw\": \"%s/raw\", "
                  "\"state\": \"%s\", \"event_log\": \"%s/pool/jobs.log\", \"log\": \"%s\"},\n",
                  out, out, out, sd.dir, dir, logpath);
    sl_buf_printf(&j, "  \"open_in_duckdb\": [\"SELECT * FROM '%s/students.parquet' LIMIT 5;\", "
                  "\"SELECT count(*) FROM '%s/student_classes.parquet';\"],\n", out, out);
    sl_buf_puts(&j, "  \"simulation\": ");
    if (sim)
        sl_json_write_value(&j, sim);
    else
        sl_buf_puts(&j, "null");
    static const char *const extra[][2] = {{"validation", "data_quality_report.json"},
                                           {"documentation", "table_relationships.json"}};
    for (size_t i = 0; i < 2; i++) {
        char p[4400];
        snprintf(p, sizeof p, "%s/%s", out, extra[i][1]);
        sl_buf b;
        sl_buf_init(&b, 0);
        sl_json_reader *r;
        const sl_json_value *v = load_json(p, &b, &r);
        sl_buf_printf(&j, ",\n  \"%s\": ", extra[i][0]);
        if (v)
            sl_json_write_value(&j, v);
        else
            sl_buf_puts(&j, "null");
        sl_json_reader_free(r);
        sl_buf_free(&b);
    }
    sl_buf_puts(&j, "\n}\n");
    char rp[4300], mp[4300];
    snprintf(rp, sizeof rp, "%s/COMPREHENSIVE_DEMO_REPORT.json", dir);
    snprintf(mp, sizeof mp, "%s/EXECUTIVE_SUMMARY.md", dir);
    sl_buf md;
    sl_buf_init(&md, 0);
    md_summary(&md, dir, out, sd.dir, sim, steps, nsteps);
    sl_status st = sl_fs_write_atomic(rp, j.data, j.len, &err);
    if (st == SL_OK)
        st = sl_fs_write_atomic(mp, md.data, md.len, &err);
    sl_buf_free(&j);
    sl_buf_free(&md);
    sl_json_reader_free(sr);
    sl_buf_free(&simb);
    if (st != SL_OK)
        return sl_cli_report(&err, rp, st);
    if (steps[0].status != 0)
        return SL_EXIT_USAGE;
    printf("Demo done. Look at:\n  %s  (what ran, how fast, what went wrong and how it was handled)\n"
           "  %s\n  %s/*.parquet  (the final tables)\n  %s  (every step's output)\n"
           "Open the tables in DuckDB:\n  duckdb -c \"SELECT * FROM '%s/students.parquet' LIMIT 5\"\n",
           mp, rp, out, logpath, out);
    return SL_EXIT_OK;
}
