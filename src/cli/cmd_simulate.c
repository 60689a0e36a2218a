/* sluice simulate: an HTCondor-like pool with ingest and sync beside it. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "cli/cli.h"
#include "ingest/statedir.h"
#include "sim/sim.h"

static const char usage[] = "sluice simulate [--dir DIR] [--num-results N] [options]";
static const char description[] =
    "Runs an HTCondor-like pool: --num-results jobs submitted at --generator-rate jobs per\n"
    "second into one cluster, run on --slots slots. Each job is a real child process,\n"
    "`sluice generate` for one batch of --max-batch-size students (the school schema's\n"
    "job-result document PROC of N), in a sandbox DIR/pool/sandbox/C.P/. Its result is\n"
    "transferred into the input directory by rename as result_C.P.json, as\n"
    "transfer_output_remaps does; with --shared-fs the job writes it there itself, and a\n"
    "reader can see it half written. Every step goes to the job event log\n"
    "DIR/pool/jobs.log in HTCondor's classic text format (ISO dates, UTC): 000 submitted,\n"
    "001 executing, 006 image size, 040 output transfer, 004 evicted or requeued,\n"
    "007 shadow exception, 012 held, 013 released, 009 aborted, 005 terminated.\n"
    "\n"
    "Beside the pool run `sluice ingest --condor-log DIR/pool/jobs.log` (a result is\n"
    "taken only once its job terminated with return value 0; results of failed or\n"
    "removed jobs are quarantined) and `sluice sync --watch`, with their logs in\n"
    "DIR/pool/ingest.log and sync.log. After the last job, the runner waits up to\n"
    "--completion-wait seconds for ingest to take every result, stops both services,\n"
    "runs a last sync pass and writes DIR/output/_sluice/simulation.json: jobs,\n"
    "results, tables, rates, latency from a job's 005 to its rows' commit, CPU and peak\n"
    "memory of the pool, the jobs, ingest and sync, and every injected fault with how\n"
    "it was handled. Ctrl+C (or --timeout) removes the jobs still in the pool (009) and\n"
    "stops everything the same way.\n"
    "\n"
    "Faults, each a probability per job, reproducible from --seed:\n"
    "  --fault-exit       an attempt exits non-zero (half of them before writing a\n"
    "                     result); --max-retries reruns it (004 requeued), then 005\n"
    "                     with the return value and ingest quarantines its result\n"
    "  --fault-evict      the first attempt is killed mid-run (004) and rerun, or its\n"
    "                     result is transferred and the shadow then loses the job (007):\n"
    "                     rerun, and the result arrives a second time\n"
    "  --fault-hold       the first attempt goes over its memory limit: 012 held (code\n"
    "                     34), after --hold-time 013 released and rerun, or (one in four)\n"
    "                     009 removed\n"
    "  --fault-corrupt    the result arrives truncated or damaged (the job succeeded)\n"
    "  --fault-straggler  the job runs ten times longer\n"
    "  --fault-order      the job stays idle until later jobs have started, so rows that\n"
    "                     refer to its rows arrive first and sync holds them back\n"
    "  --faults P         sets every one of them to P\n"
    "\n"
    "Exit status: 0 done; 2 usage or I/O error (including a service that failed);\n"
    "130 interrupted.";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

int cmd_simulate(int argc, char **argv)
{
    sl_sim_options o;
    sl_sim_options_init(&o);
    const char *dir = ".", *in = NULL, *out = NULL, *processed = NULL, *pool = NULL;
    const char *timeout = NULL, *rate = NULL, *runtime = NULL, *wait = NULL, *hold_time = NULL;
    const char *fexit = NULL, *fevict = NULL, *fhold = NULL, *fcorrupt = NULL, *fstrag = NULL;
    const char *forder = NULL, *fall = NULL, *verbosity = "warn", *log_file = NULL;
    uint64_t slots = o.slots, retries = o.max_retries;
    bool summary = false, perf = false;
    const sl_option opts[] = {
        {"dir", 'd', SL_OPT_STRING, &dir, "DIR", "base directory (default .): DIR/input, output, processed, pool"},
        {"input-dir", 0, SL_OPT_STRING, &in, "DIR", "where results land (default DIR/input)"},
        {"output-dir", 0, SL_OPT_STRING, &out, "DIR", "ingest and sync output (default DIR/output)"},
        {"processed-dir", 0, SL_OPT_STRING, &processed, "DIR", "ingested results (default DIR/processed)"},
        {"pool-dir", 0, SL_OPT_STRING, &pool, "DIR", "event log, sandboxes, service logs (default DIR/pool)"},
        {"schema", 's', SL_OPT_STRING, &o.schema, "NAME|FILE", "what the jobs generate (default school)"},
        {"num-results", 'n', SL_OPT_U64, &o.num_results, "N", "jobs to run (default 100)"},
        {"timeout", 0, SL_OPT_STRING, &timeout, "SECONDS", "stop after this long (default 600; 0: never)"},
        {"generator-rate", 0, SL_OPT_STRING, &rate, "R", "jobs submitted per second (default 0.33; 0: all at once)"},
        {"max-batch-size", 0, SL_OPT_U64, &o.max_batch_size, "N", "students per job (default 10)"},
        {"slots", 0, SL_OPT_U64, &slots, "N", "jobs running at once (default 4)"},
        {"job-runtime", 0, SL_OPT_STRING, &runtime, "SECONDS", "mean time a job runs (default 1; 0: as long as generate takes)"},
        {"completion-wait", 0, SL_OPT_STRING, &wait, "SECONDS", "wait for ingest after the last job (default 5)"},
        {"max-retries", 0, SL_OPT_U64, &retries, "N", "reruns of a job that exits non-zero (default 1)"},
        {"hold-time", 0, SL_OPT_STRING, &hold_time, "SECONDS", "how long a held job stays held (default 1)"},
        {"seed", 0, SL_OPT_U64, &o.seed, "N", "data and faults (default 42)"},
        {"cluster", 0, SL_OPT_U64, &o.cluster, "N", "the jobs' ClusterId (default 1)"},
        {"shared-fs", 0, SL_OPT_FLAG, &o.shared_fs, NULL, "jobs write results straight into the input directory"},
        {"fault-exit", 0, SL_OPT_STRING, &fexit, "P", "probability an attempt exits non-zero"},
        {"fault-evict", 0, SL_OPT_STRING, &fevict, "P", "probability a job is evicted and rerun"},
        {"fault-hold", 0, SL_OPT_STRING, &fhold, "P", "probability a job is held"},
        {"fault-corrupt", 0, SL_OPT_STRING, &fcorrupt, "P", "probability a result is truncated or corrupt"},
        {"fault-straggler", 0, SL_OPT_STRING, &fstrag, "P", "probability a job runs ten times longer"},
        {"fault-order", 0, SL_OPT_STRING, &forder, "P", "probability a job runs after later ones"},
        {"faults", 0, SL_OPT_STRING, &fall, "P", "every fault at probability P"},
        {"ingest-workers", 0, SL_OPT_STRING, &o.ingest_workers, "N", "ingest's --workers"},
        {"summary", 0, SL_OPT_FLAG, &summary, NULL, "print the tables with rows and sizes at the end"},
        {"performance-metrics", 0, SL_OPT_FLAG, &perf, NULL, "print rates, latency, CPU, memory and faults"},
        {"verbosity", 'v', SL_OPT_STRING, &verbosity, "LEVEL", "the pool's log: debug, info, warn (default), error"},
        {"log-file", 0, SL_OPT_STRING, &log_file, "FILE", "the pool's log (default stderr)"},
        {0},
    };
    int nargs;
    bool help;
    int rc = sl_cli_parse(argc, argv, opts, usage, description, &nargs, &help);
    if (rc >= 0)
        return rc;
    if (nargs > 0) {
        sl_cli_fail("simulate", "unexpected argument '%s'", argv[0]);
        return SL_EXIT_USAGE;
    }
    double all = 0;
    if (sl_cli_number("--timeout", timeout, 0, 1e9, &o.timeout) || sl_cli_number("--generator-rate", rate, 0, 1e9, &o.rate) ||
        sl_cli_number("--job-runtime", runtime, 0, 1e6, &o.job_runtime) ||
        sl_cli_number("--completion-wait", wait, 0, 1e6, &o.completion_wait) ||
        sl_cli_number("--hold-time", hold_time, 0, 1e6, &o.hold_time) || sl_cli_number("--faults", fall, 0, 1, &all))
        return SL_EXIT_USAGE;
    o.fault_exit = o.fault_evict = o.fault_hold = o.fault_corrupt = o.fault_straggler = o.fault_order = all;
    if (sl_cli_number("--fault-exit", fexit, 0, 1, &o.fault_exit) || sl_cli_number("--fault-evict", fevict, 0, 1, &o.fault_evict) ||
        sl_cli_number("--fault-hold", fhold, 0, 1, &o.fault_hold) ||
        sl_cli_number("--fault-corrupt", fcorrupt, 0, 1, &o.fault_corrupt) ||
        sl_cli_number("--fault-straggler", fstrag, 0, 1, &o.fault_straggler) ||
        sl_cli_number("--fault-order", forder, 0, 1, &o.fault_order))
        return SL_EXIT_USAGE;
    if (slots == 0 || slots > 4096) {
        sl_cli_fail("--slots", "must be 1 to 4096");
        return SL_EXIT_USAGE;
    }
    if (o.max_batch_size == 0) {
        sl_cli_fail("--max-batch-size", "must be at least 1");
        return SL_EXIT_USAGE;
    }
    if (retries > 100) {
        sl_cli_fail("--max-retries", "at most 100");
        return SL_EXIT_USAGE;
    }
    o.slots = (unsigned)slots;
    o.max_retries = (unsigned)retries;
    sl_log_level lv;
    if (!sl_log_parse_level(verbosity, &lv)) {
        sl_cli_fail("--verbosity", "'%s' is not one of debug, info, warn, error", verbosity);
        return SL_EXIT_USAGE;
    }
    o.verbosity = (int)lv;
    o.log_path = log_file;
    static char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        sl_cli_fail("simulate", "cannot find the sluice binary: %s", strerror(errno));
        return SL_EXIT_USAGE;
    }
    self[n] = 0;
    o.sluice = self;
    char pin[4096], pout[4096], pproc[4096], ppool[4096];
    snprintf(pin, sizeof pin, "%s/input", dir);
    snprintf(pout, sizeof pout, "%s/output", dir);
    snprintf(pproc, sizeof pproc, "%s/processed", dir);
    snprintf(ppool, sizeof ppool, "%s/pool", dir);
    o.input_dir = in ? in : pin;
    o.output_dir = out ? out : pout;
    o.processed_dir = processed ? processed : pproc;
    o.pool_dir = pool ? pool : ppool;
    o.stop = &stop_flag;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    sl_buf sum, met;
    sl_buf_init(&sum, 0);
    sl_buf_init(&met, 0);
    sl_error err;
    sl_error_clear(&err);
    sl_status st = sl_sim_run(&o, summary ? &sum : NULL, perf ? &met : NULL, &err);
    if (sum.len)
        fwrite(sum.data, 1, sum.len, stdout);
    if (met.len)
        fwrite(met.data, 1, met.len, stdout);
    sl_buf_free(&sum);
    sl_buf_free(&met);
    if (st == SL_ERR_STOPPED) {
        sl_cli_fail("simulate", "%s", err.msg);
        return 130;
    }
    if (st != SL_OK)
        return sl_cli_report(&err, o.output_dir, st);
    sl_statedir sd;   /* the simulation's ingest and sync keep the default one */
    char report[PATH_MAX];
    if (sl_statedir_default(&sd, o.output_dir, NULL) ||
        sl_statedir_path(&sd, report, sizeof report, SL_STATE_ROOT, "simulation.json"))
        snprintf(report, sizeof report, "%s", o.output_dir);
    fprintf(stderr, "sluice: simulate: done; report in %s\n", report);
    return SL_EXIT_OK;
}
