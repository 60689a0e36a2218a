/* Unit tests for the HTCondor job event log reader (src/ingest/condor_log.h): the
 * incremental parser on the real log examples of htcondor.md section 1 (whole and
 * split at every size), the follower over growing, rotated, truncated and missing
 * files, and the job table's states. Expected times come from glibc's timegm, not
 * from the calendar code under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ingest/condor_log.h"

/* ------------------------------------------------------------ the logs */

/* The ISO example of htcondor.md (2021), with its elided lines written out: 040
 * transfers, a 005 with the Partitionable Resources table (trailing spaces), a blank
 * line and the ToE line. */
static const char ISO_LOG[] =
    "000 (006.000.000) 2021-10-07 04:45:50 Job submitted from host: <10.0.0.1:9618?addrs=10.0.0.1-9618&noUDP&sock=schedd_1_2>\n"
    "...\n"
    "001 (006.000.000) 2021-10-07 04:45:52 Job executing on host: <10.0.0.2:9618?addrs=10.0.0.2-9618&noUDP&sock=startd_3_4>\n"
    "\tSlotName: slot1_1@exec01.example.org\n"
    "\tCpus = 1\n"
    "...\n"
    "040 (006.000.000) 2021-10-07 04:45:56 Started transferring output files\n"
    "...\n"
    "040 (006.000.000) 2021-10-07 04:45:56 Finished transferring output files\n"
    "...\n"
    "005 (006.000.000) 2021-10-07 04:45:56 Job terminated.\n"
    "\t(1) Normal termination (return value 0)\n"
    "\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Remote Usage\n"
    "\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Local Usage\n"
    "\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Total Remote Usage\n"
    "\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Total Local Usage\n"
    "\t22  -  Run Bytes Sent By Job\n"
    "\t15784  -  Run Bytes Received By Job\n"
    "\t22  -  Total Bytes Sent By Job\n"
    "\t15784  -  Total Bytes Received By Job\n"
    "\tPartitionable Resources :    Usage  Request Allocated \n"
    "\t   Cpus                 :                 1         1 \n"
    "\t   Disk (KB)            :       40       35    832936 \n"
    "\t   Memory (MB)          :        0        1      1024 \n"
    "\n"
    "\tJob terminated of its own accord at 2021-10-07T04:45:56Z.\n"
    "...\n";

/* The quick-start guide's legacy log (MM/DD, no year, 8-space indentation). */
static const char LEGACY_LOG[] =
    "000 (006.000.000) 02/13 10:49:04 Job submitted from host: <192.0.2.44:46062>\n"
    "...\n"
    "001 (006.000.000) 02/13 10:49:24 Job executing on host: <192.0.2.5:43051?PrivNet=cs.wisc.edu>\n"
    "...\n"
    "006 (006.000.000) 02/13 10:49:30 Image size of job updated: 100000\n"
    "        0  -  MemoryUsage of job (MB)\n"
    "        0  -  ResidentSetSize of job (KB)\n"
    "...\n"
    "005 (006.000.000) 02/13 10:49:31 Job terminated.\n"
    "        (1) Normal termination (return value 0)\n"
    "                Usr 0 00:00:00, Sys 0 00:00:00  -  Run Remote Usage\n"
    "                Usr 0 00:00:00, Sys 0 00:00:00  -  Run Local Usage\n"
    "                Usr 0 00:00:00, Sys 0 00:00:00  -  Total Remote Usage\n"
    "                Usr 0 00:00:00, Sys 0 00:00:00  -  Total Local Usage\n"
    "        23  -  Run Bytes Sent By Job\n"
    "        113  -  Run Bytes Received By Job\n"
    "        23  -  Total Bytes Sent By Job\n"
    "        113  -  Total Bytes Received By Job\n"
    "        Partitionable Resources :    Usage  Request Allocated\n"
    "           Cpus                 :                 1         1\n"
    "           Disk (KB)            :   100000   100000   2033496\n"
    "           Memory (MB)          :        0       98      2001\n"
    "...\n";

/* Out of memory, held, released, rerun (htcondor.md, 2022), then a finish with
 * SUB_SECOND and UTC on. */
static const char HOLD_LOG[] =
    "007 (2456301.000.000) 2022-05-27 10:37:20 Shadow exception!\n"
    "\tError from slot1@exec.example.org: Docker job has gone over memory limit of 8055 Mb\n"
    "\t0  -  Run Bytes Sent By Job\n"
    "\t163  -  Run Bytes Received By Job\n"
    "...\n"
    "012 (2456301.000.000) 2022-05-27 10:37:20 Job was held.\n"
    "\tError from slot1@exec.example.org: Docker job has gone over memory limit of 8055 Mb\n"
    "\tCode 34 Subcode 0\n"
    "...\n"
    "013 (2456301.000.000) 2022-05-27 10:37:21 Job was released.\n"
    "\tThe job attribute PeriodicRelease expression '(JobStatus == 5) && (HoldReasonCode == 34) && (NumJobStarts < 5)' evaluated to TRUE\n"
    "...\n"
    "040 (2456301.000.000) 2022-05-27 10:37:45 Started transferring input files\n"
    "\tTransferring to host: <10.1.1.1:9618?addrs=10.1.1.1-9618&sock=slot15_4029_8b7d_3450>\n"
    "...\n"
    "001 (2456301.000.000) 2022-05-27 10:37:46 Job executing on host: <10.1.1.1:9618?addrs=10.1.1.1-9618>\n"
    "...\n"
    "005 (2456301.000.000) 2022-05-27 10:40:00.250Z Job terminated.\n"
    "\t(1) Normal termination (return value 0)\n"
    "\t\tUsr 0 00:02:10, Sys 0 00:00:01  -  Run Remote Usage\n"
    "\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Local Usage\n"
    "\t0  -  Run Bytes Sent By Job\n"
    "\t163  -  Run Bytes Received By Job\n"
    "\n"
    "\tJob terminated of its own accord at 2022-05-27T10:40:00Z with exit-code 0.\n"
    "...\n";

/* Job 123.0: evicted, rerun, terminated with 3 and requeued (max_retries), rerun,
 * done. Job 123.1: terminated with 1, for good. Job 123.2: killed by signal 9.
 * Job 124.0: removed with condor_rm. */
static const char EVICT_LOG[] =
    "000 (123.000.000) 2024-01-01 00:00:00 Job submitted from host: <10.0.0.1:9618>\n"
    "    DAG Node: A\n"
    "...\n"
    "001 (123.000.000) 2024-01-01 00:00:01 Job executing on host: <10.0.0.2:9618>\n"
    "...\n"
    "004 (123.000.000) 2024-01-01 00:00:02 Job was evicted.\n"
    "\t(0) CPU times\n"
    "\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Remote Usage\n"
    "\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Local Usage\n"
    "\t0  -  Run Bytes Sent By Job\n"
    "\t0  -  Run Bytes Received By Job\n"
    "...\n"
    "001 (123.000.000) 2024-01-01 00:00:03 Job executing on host: <10.0.0.3:9618>\n"
    "...\n"
    "004 (123.000.000) 2024-01-01 00:00:04 Job was evicted.\n"
    "\t(0) Job terminated and was requeued\n"
    "\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Remote Usage\n"
    "\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Local Usage\n"
    "\t0  -  Run Bytes Sent By Job\n"
    "\t0  -  Run Bytes Received By Job\n"
    "\t(1) Normal termination (return value 3)\n"
    "\tThe job attribute OnExitRemove expression 'ExitCode == 0' evaluated to FALSE\n"
    "...\n"
    "001 (123.000.000) 2024-01-01 00:00:05 Job executing on host: <10.0.0.4:9618>\n"
    "...\n"
    "005 (123.000.000) 2024-01-01 00:00:06 Job terminated.\n"
    "\t(1) Normal termination (return value 0)\n"
    "\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Remote Usage\n"
    "...\n"
    "000 (123.001.000) 2024-01-01 00:00:00 Job submitted from host: <10.0.0.1:9618>\n"
    "...\n"
    "001 (123.001.000) 2024-01-01 00:00:01 Job executing on host: <10.0.0.5:9618>\n"
    "...\n"
    "005 (123.001.000) 2024-01-01 00:00:07 Job terminated.\n"
    "\t(1) Normal termination (return value 1)\n"
    "\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Remote Usage\n"
    "\n"
    "\tJob terminated of its own accord at 2024-01-01T00:00:07Z with exit-code 1.\n"
    "...\n"
    "000 (123.002.000) 2024-01-01 00:00:00 Job submitted from host: <10.0.0.1:9618>\n"
    "...\n"
    "001 (123.002.000) 2024-01-01 00:00:01 Job executing on host: <10.0.0.6:9618>\n"
    "...\n"
    "005 (123.002.000) 2024-01-01 00:00:08 Job terminated.\n"
    "\t(0) Abnormal termination (signal 9)\n"
    "\t(0) No core file\n"
    "\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Remote Usage\n"
    "\n"
    "\tJob terminated of its own accord at 2024-01-01T00:00:08Z with signal 9.\n"
    "...\n"
    "000 (124.000.000) 2024-01-01 00:00:00 Job submitted from host: <10.0.0.1:9618>\n"
    "...\n"
    "009 (124.000.000) 2024-01-01 00:00:09 Job was aborted.\n"
    "\tvia condor_rm (by user alice)\n"
    "...\n";

/* ------------------------------------------------------------ helpers */

/* Events copied out of the parser (their text is only valid until the next call). */
typedef struct {
    sl_condor_event ev[64];
    char text[64][256];
    size_t n;
    uint64_t skipped;
} ev_list;

static void push(ev_list *l, const sl_condor_event *ev)
{
    assert_true(l->n < 64);
    assert_non_null(ev->text);
    assert_true(ev->text_len < 256);
    assert_int_equal(ev->text[ev->text_len], '\0');
    l->ev[l->n] = *ev;
    memcpy(l->text[l->n], ev->text, ev->text_len + 1);
    l->ev[l->n].text = l->text[l->n];
    l->n++;
}

/* Parses len bytes of text given chunk bytes at a time (0: all at once). */
static void parse_chunks(const char *text, size_t len, size_t chunk, const sl_condor_options *o,
                         ev_list *out)
{
    memset(out, 0, sizeof *out);
    sl_condor_parser *p = NULL;
    assert_int_equal(sl_condor_parser_new(o, &p, NULL), SL_OK);
    for (size_t off = 0; off < len;) {
        size_t n = chunk && chunk < len - off ? chunk : len - off;
        const char *d = text + off;
        size_t left = n;
        for (;;) {
            size_t used = SIZE_MAX;
            sl_condor_event ev;
            sl_status s = sl_condor_parser_next(p, d, left, &used, &ev, NULL);
            assert_true(used <= left);
            d += used;
            left -= used;
            if (s == SL_EOF) {
                assert_int_equal(left, 0);
                break;
            }
            assert_int_equal(s, SL_OK);
            push(out, &ev);
        }
        off += n;
    }
    assert_int_equal(sl_condor_parser_events(p), out->n);
    out->skipped = sl_condor_parser_skipped(p);
    sl_condor_parser_free(p);
}

static void parse(const char *text, const sl_condor_options *o, ev_list *out)
{
    parse_chunks(text, strlen(text), 0, o, out);
}

static void assert_same_events(const ev_list *a, const ev_list *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->skipped, b->skipped);
    for (size_t i = 0; i < a->n; i++) {
        const sl_condor_event *x = &a->ev[i], *y = &b->ev[i];
        assert_int_equal(x->code, y->code);
        assert_int_equal(x->cluster, y->cluster);
        assert_int_equal(x->proc, y->proc);
        assert_int_equal(x->subproc, y->subproc);
        assert_int_equal(x->time_us, y->time_us);
        assert_int_equal(x->offset, y->offset);
        assert_int_equal(x->exit, y->exit);
        assert_int_equal(x->exit_code, y->exit_code);
        assert_int_equal(x->exit_signal, y->exit_signal);
        assert_int_equal(x->requeued, y->requeued);
        assert_int_equal(x->hold_code, y->hold_code);
        assert_int_equal(x->hold_subcode, y->hold_subcode);
        assert_int_equal(x->text_len, y->text_len);
        assert_memory_equal(x->text, y->text, x->text_len);
    }
}

/* Microseconds since the epoch of a UTC time, by glibc. */
static int64_t utc_us(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                     .tm_hour = h, .tm_min = mi, .tm_sec = s };
    return (int64_t)timegm(&tm) * 1000000;
}

static void assert_event(const sl_condor_event *ev, int code, int64_t cluster, int64_t proc,
                         int64_t time_us)
{
    assert_int_equal(ev->code, code);
    assert_int_equal(ev->cluster, cluster);
    assert_int_equal(ev->proc, proc);
    assert_int_equal(ev->subproc, 0);
    assert_int_equal(ev->time_us, time_us);
}

/* ------------------------------------------------------------ parser */

static void test_iso_example(void **state)
{
    (void)state;
    ev_list l;
    parse(ISO_LOG, NULL, &l);
    assert_int_equal(l.n, 5);
    assert_int_equal(l.skipped, 0);
    assert_event(&l.ev[0], SL_CONDOR_SUBMIT, 6, 0, utc_us(2021, 10, 7, 4, 45, 50));
    assert_int_equal(l.ev[0].offset, 0);
    assert_string_equal(l.ev[0].text, "");
    assert_event(&l.ev[1], SL_CONDOR_EXECUTE, 6, 0, utc_us(2021, 10, 7, 4, 45, 52));
    assert_string_equal(l.ev[1].text, "<10.0.0.2:9618?addrs=10.0.0.2-9618&noUDP&sock=startd_3_4>");
    assert_int_equal(l.ev[1].offset, strstr(ISO_LOG, "001 (") - ISO_LOG);
    assert_event(&l.ev[2], SL_CONDOR_FILE_TRANSFER, 6, 0, utc_us(2021, 10, 7, 4, 45, 56));
    assert_event(&l.ev[3], SL_CONDOR_FILE_TRANSFER, 6, 0, utc_us(2021, 10, 7, 4, 45, 56));
    assert_int_equal(l.ev[3].exit, SL_CONDOR_EXIT_NONE);
    const sl_condor_event *t = &l.ev[4];
    assert_event(t, SL_CONDOR_TERMINATED, 6, 0, utc_us(2021, 10, 7, 4, 45, 56));
    assert_int_equal(t->time_us, 1633581956LL * 1000000);
    assert_int_equal(t->exit, SL_CONDOR_EXIT_NORMAL);
    assert_int_equal(t->exit_code, 0);
    assert_int_equal(t->exit_signal, 0);
    assert_false(t->requeued);
    assert_int_equal(t->hold_code, -1);
    assert_int_equal(t->offset, strstr(ISO_LOG, "005 (") - ISO_LOG);
}

static void test_legacy_example(void **state)
{
    (void)state;
    sl_condor_options o;
    sl_condor_options_init(&o);
    o.default_year = 2024;
    ev_list l;
    parse(LEGACY_LOG, &o, &l);
    assert_int_equal(l.n, 4);
    assert_int_equal(l.skipped, 0);
    assert_event(&l.ev[0], SL_CONDOR_SUBMIT, 6, 0, utc_us(2024, 2, 13, 10, 49, 4));
    assert_event(&l.ev[1], SL_CONDOR_EXECUTE, 6, 0, utc_us(2024, 2, 13, 10, 49, 24));
    assert_string_equal(l.text[1], "<192.0.2.5:43051?PrivNet=cs.wisc.edu>");
    assert_event(&l.ev[2], SL_CONDOR_IMAGE_SIZE, 6, 0, utc_us(2024, 2, 13, 10, 49, 30));
    assert_event(&l.ev[3], SL_CONDOR_TERMINATED, 6, 0, utc_us(2024, 2, 13, 10, 49, 31));
    assert_int_equal(l.ev[3].exit, SL_CONDOR_EXIT_NORMAL);
    assert_int_equal(l.ev[3].exit_code, 0);

    /* no default year: 1970; and legacy dates may carry SUB_SECOND and UTC too */
    parse("005 (1.2.3) 12/31 23:59:59.5Z Job terminated.\n\t(1) Normal termination (return value 0)\n...\n",
          NULL, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.ev[0].cluster, 1);
    assert_int_equal(l.ev[0].proc, 2);
    assert_int_equal(l.ev[0].subproc, 3);
    assert_int_equal(l.ev[0].time_us, utc_us(1970, 12, 31, 23, 59, 59) + 500000);
}

static void test_hold_release(void **state)
{
    (void)state;
    ev_list l;
    parse(HOLD_LOG, NULL, &l);
    assert_int_equal(l.n, 6);
    assert_int_equal(l.skipped, 0);
    assert_event(&l.ev[0], SL_CONDOR_SHADOW_EXCEPTION, 2456301, 0, utc_us(2022, 5, 27, 10, 37, 20));
    assert_string_equal(l.text[0],
                        "Error from slot1@exec.example.org: Docker job has gone over memory limit of 8055 Mb");
    assert_event(&l.ev[1], SL_CONDOR_HELD, 2456301, 0, utc_us(2022, 5, 27, 10, 37, 20));
    assert_string_equal(l.text[1],
                        "Error from slot1@exec.example.org: Docker job has gone over memory limit of 8055 Mb");
    assert_int_equal(l.ev[1].hold_code, 34);
    assert_int_equal(l.ev[1].hold_subcode, 0);
    assert_event(&l.ev[2], SL_CONDOR_RELEASED, 2456301, 0, utc_us(2022, 5, 27, 10, 37, 21));
    assert_true(strncmp(l.text[2], "The job attribute PeriodicRelease expression", 44) == 0);
    assert_int_equal(l.ev[2].hold_code, -1);
    assert_event(&l.ev[3], SL_CONDOR_FILE_TRANSFER, 2456301, 0, utc_us(2022, 5, 27, 10, 37, 45));
    assert_event(&l.ev[4], SL_CONDOR_EXECUTE, 2456301, 0, utc_us(2022, 5, 27, 10, 37, 46));
    assert_event(&l.ev[5], SL_CONDOR_TERMINATED, 2456301, 0,
                 utc_us(2022, 5, 27, 10, 40, 0) + 250000);

    /* "Reason unspecified", codes with a negative subcode, and a hold with no Code line */
    parse("012 (7.0.0) 2023-01-01 00:00:00 Job was held.\n\tReason unspecified\n\tCode 6 Subcode -2\n...\n"
          "012 (7.1.0) 2023-01-01 00:00:00 Job was held.\n\tvia condor_hold (by user bob)\n...\n",
          NULL, &l);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.text[0], "Reason unspecified");
    assert_int_equal(l.ev[0].hold_code, 6);
    assert_int_equal(l.ev[0].hold_subcode, -2);
    assert_string_equal(l.text[1], "via condor_hold (by user bob)");
    assert_int_equal(l.ev[1].hold_code, -1);
    assert_int_equal(l.ev[1].hold_subcode, -1);
}

static void test_evict_requeue_abort_exit(void **state)
{
    (void)state;
    ev_list l;
    parse(EVICT_LOG, NULL, &l);
    assert_int_equal(l.n, 15);
    assert_int_equal(l.skipped, 0);
    /* plain eviction: not requeued, no exit */
    assert_event(&l.ev[2], SL_CONDOR_EVICTED, 123, 0, utc_us(2024, 1, 1, 0, 0, 2));
    assert_false(l.ev[2].requeued);
    assert_int_equal(l.ev[2].exit, SL_CONDOR_EXIT_NONE);
    /* requeue: the exit it would have had */
    assert_event(&l.ev[4], SL_CONDOR_EVICTED, 123, 0, utc_us(2024, 1, 1, 0, 0, 4));
    assert_true(l.ev[4].requeued);
    assert_int_equal(l.ev[4].exit, SL_CONDOR_EXIT_NORMAL);
    assert_int_equal(l.ev[4].exit_code, 3);
    assert_event(&l.ev[6], SL_CONDOR_TERMINATED, 123, 0, utc_us(2024, 1, 1, 0, 0, 6));
    assert_int_equal(l.ev[6].exit_code, 0);
    /* return value 1 */
    assert_event(&l.ev[9], SL_CONDOR_TERMINATED, 123, 1, utc_us(2024, 1, 1, 0, 0, 7));
    assert_int_equal(l.ev[9].exit, SL_CONDOR_EXIT_NORMAL);
    assert_int_equal(l.ev[9].exit_code, 1);
    /* signal */
    assert_event(&l.ev[12], SL_CONDOR_TERMINATED, 123, 2, utc_us(2024, 1, 1, 0, 0, 8));
    assert_int_equal(l.ev[12].exit, SL_CONDOR_EXIT_SIGNAL);
    assert_int_equal(l.ev[12].exit_signal, 9);
    assert_int_equal(l.ev[12].exit_code, 0);
    /* abort */
    assert_event(&l.ev[14], SL_CONDOR_ABORTED, 124, 0, utc_us(2024, 1, 1, 0, 0, 9));
    assert_string_equal(l.text[14], "via condor_rm (by user alice)");
}

/* Every split of the input gives the same events, offsets and counts. */
static void test_any_split(void **state)
{
    (void)state;
    const char *logs[] = { ISO_LOG, LEGACY_LOG, HOLD_LOG, EVICT_LOG,
                           "junk\n...\n000 (1.0.0) 2024-01-01 00:00:00 x\n\tbody\n000 (2.0.0) 2024-01-01 "
                           "00:00:00 y\n...\n\n\n...\n001 (3.0.0) 2024-01-01 00:00:00 Job executing on host: h\r\n...\r\n" };
    static ev_list whole, part;
    for (size_t k = 0; k < sizeof logs / sizeof *logs; k++) {
        parse_chunks(logs[k], strlen(logs[k]), 0, NULL, &whole);
        assert_true(whole.n > 0);
        const size_t chunks[] = { 1, 2, 3, 5, 7, 13, 64, 100, 4096 };
        for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) {
            parse_chunks(logs[k], strlen(logs[k]), chunks[c], NULL, &part);
            assert_same_events(&whole, &part);
        }
    }
    /* the last one: junk skipped, a record cut short by a header skipped */
    assert_int_equal(whole.n, 2);
    assert_int_equal(whole.skipped, 2);
    assert_int_equal(whole.ev[0].cluster, 2);
    assert_int_equal(whole.ev[1].cluster, 3);
    assert_string_equal(whole.text[1], "h");
}

static void test_garbage_skipped(void **state)
{
    (void)state;
    /* an array, not a string: the binary junk holds a NUL */
    static const char text[] =
        "000 (100.000.000) 2024-03-01 12:00:00 Job submitted from host: <h>\n"
        "...\n"
        "this is not an event\n"
        "\tneither is this\n"
        "...\n"
        "005 (100.000.000) 2024-13-01 12:00:00 Job terminated.\n"   /* month 13 */
        "\t(1) Normal termination (return value 0)\n"
        "...\n"
        "005 (100.000.000) 2024-02-30 12:00:00 Job terminated.\n"   /* no such day */
        "...\n"
        "005 (100.000.000) 2024-02-01 24:00:00 Job terminated.\n"   /* no such hour */
        "...\n"
        "05 (100.0.0 2024-02-01 12:00:00 x\n"                        /* no ')' */
        "...\n"
        "\x01\x02\xff\xfe binary \0 junk\n"
        "...\n"
        "...\n"                                                       /* stray: not counted */
        "\n   \n"                                                     /* blank: not counted */
        "garbage with no terminator, then straight into a header\n"
        "001 (100.000.000) 2024-03-01 12:00:01 Job executing on host: <h2>\n"
        "...\n"
        "005 (100.000.000) 2024-03-01 12:00:02 Job terminated.\n"
        "\t(1) Normal termination (return value 0)\n"
        "...\n";
    static ev_list l, part;
    parse_chunks(text, sizeof text - 1, 0, NULL, &l);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.ev[0].code, SL_CONDOR_SUBMIT);
    assert_int_equal(l.ev[1].code, SL_CONDOR_EXECUTE);
    assert_string_equal(l.text[1], "<h2>");
    assert_int_equal(l.ev[2].code, SL_CONDOR_TERMINATED);
    assert_int_equal(l.ev[2].time_us, utc_us(2024, 3, 1, 12, 0, 2));
    /* "this is not an event", month 13, Feb 30, hour 24, no ')', binary, and the
     * garbage that ran into a header */
    assert_int_equal(l.skipped, 7);
    parse_chunks(text, sizeof text - 1, 1, NULL, &part);
    assert_same_events(&l, &part);
}

static void test_large_ids_and_widths(void **state)
{
    (void)state;
    ev_list l;
    parse("001 (82567314.3993.000) 2024-05-05 05:05:05 Job executing on host: <h>\n...\n"
          "005 (123456789012345678.000.017) 2024-05-05 05:05:06.123 Job terminated.\n"
          "\t(1) Normal termination (return value -1)\n...\n"
          "1000 (5.6.7) 2024-05-05 05:05:07 Future event\n...\n"
          "005 (1234567890123456789.000.000) 2024-05-05 05:05:08 too many digits\n...\n"
          "005 (1.0.0) 2024-05-05 05:05:09 Job terminated.\n"
          "\t(1) Normal termination (return value 99999999999)\n...\n",
          NULL, &l);
    assert_int_equal(l.n, 4);
    assert_int_equal(l.skipped, 1);
    assert_int_equal(l.ev[0].cluster, 82567314);
    assert_int_equal(l.ev[0].proc, 3993);
    assert_int_equal(l.ev[1].cluster, 123456789012345678LL);
    assert_int_equal(l.ev[1].subproc, 17);
    assert_int_equal(l.ev[1].time_us, utc_us(2024, 5, 5, 5, 5, 6) + 123000);
    assert_int_equal(l.ev[1].exit_code, -1);
    assert_int_equal(l.ev[2].code, 1000);
    /* a return value out of int range is not believed */
    assert_int_equal(l.ev[3].exit, SL_CONDOR_EXIT_NONE);
}

static void test_record_limit(void **state)
{
    (void)state;
    sl_condor_options o;
    sl_condor_options_init(&o);
    o.max_record = 256;
    char text[8192];
    size_t n = 0;
    /* one long line, then many short lines: both records pass 256 bytes */
    n += (size_t)snprintf(text + n, sizeof text - n, "012 (1.0.0) 2024-01-01 00:00:00 Job was held.\n\t");
    for (int i = 0; i < 1000; i++)
        text[n++] = 'x';
    n += (size_t)snprintf(text + n, sizeof text - n, "\n\tCode 1 Subcode 0\n...\n");
    n += (size_t)snprintf(text + n, sizeof text - n, "028 (1.0.0) 2024-01-01 00:00:01 Job ad information event triggered.\n");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "Attr%d = %d\n", i, i);
    n += (size_t)snprintf(text + n, sizeof text - n,
                          "...\n009 (1.0.0) 2024-01-01 00:00:02 Job was aborted.\n\tvia condor_rm\n...\n");
    /* and a line with no newline at all, far past the limit, then a good record */
    for (int i = 0; i < 3000; i++)
        text[n++] = 'y';
    n += (size_t)snprintf(text + n, sizeof text - n,
                          "\n...\n001 (1.0.0) 2024-01-01 00:00:03 Job executing on host: <h>\n...\n");
    static ev_list whole, part;
    parse_chunks(text, n, 0, &o, &whole);
    assert_int_equal(whole.n, 2);
    assert_int_equal(whole.skipped, 3);
    assert_int_equal(whole.ev[0].code, SL_CONDOR_ABORTED);
    assert_string_equal(whole.text[0], "via condor_rm");
    assert_int_equal(whole.ev[1].code, SL_CONDOR_EXECUTE);
    parse_chunks(text, n, 1, &o, &part);
    assert_same_events(&whole, &part);
    parse_chunks(text, n, 97, &o, &part);
    assert_same_events(&whole, &part);
}

/* ------------------------------------------------------------ follower */

typedef struct {
    char dir[64];
    char path[128];
    char old[160];
} logdir;

static void logdir_make(logdir *d)
{
    snprintf(d->dir, sizeof d->dir, "/tmp/sluice-condor-XXXXXX");
    assert_non_null(mkdtemp(d->dir));
    snprintf(d->path, sizeof d->path, "%s/job.log", d->dir);
    snprintf(d->old, sizeof d->old, "%s.old", d->path);
}

static void logdir_remove(logdir *d)
{
    unlink(d->path);
    unlink(d->old);
    assert_int_equal(rmdir(d->dir), 0);
}

static void write_text(const char *path, const char *mode, const char *text)
{
    FILE *f = fopen(path, mode);
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* Reads every event available now; the poll must end in SL_EOF. */
static void poll_all(sl_condor_follower *f, ev_list *l)
{
    memset(l, 0, sizeof *l);
    sl_condor_event ev;
    sl_status s;
    sl_error err;
    while ((s = sl_condor_follower_next(f, &ev, &err)) == SL_OK)
        push(l, &ev);
    assert_int_equal(s, SL_EOF);
}

static void poll_expect(sl_condor_follower *f, ev_list *l, size_t n)
{
    poll_all(f, l);
    assert_int_equal(l->n, n);
}

/* A follower of job.log in a fresh directory (the log not created yet). */
static sl_condor_follower *follow_new(logdir *d)
{
    logdir_make(d);
    sl_condor_follower *f = NULL;
    assert_int_equal(sl_condor_follower_open(d->path, NULL, &f, NULL), SL_OK);
    return f;
}

static void follow_end(sl_condor_follower *f, logdir *d)
{
    sl_condor_follower_free(f);
    logdir_remove(d);
}

static const char EV_A[] = "000 (10.0.0) 2024-06-01 00:00:00 Job submitted from host: <h>\n...\n";
static const char EV_B[] = "001 (10.0.0) 2024-06-01 00:00:01 Job executing on host: <b>\n...\n";
static const char EV_C[] = "005 (10.0.0) 2024-06-01 00:00:02 Job terminated.\n"
                           "\t(1) Normal termination (return value 0)\n...\n";

static void test_follow_growing(void **state)
{
    (void)state;
    logdir d;
    sl_condor_follower *f = follow_new(&d);
    ev_list l;
    write_text(d.path, "w", EV_A);
    /* part of a record, cut mid-line */
    write_text(d.path, "a", "001 (10.0.0) 2024-06-01 00:00:01 Job exec");
    poll_expect(f, &l, 1);
    assert_int_equal(l.ev[0].code, SL_CONDOR_SUBMIT);
    poll_expect(f, &l, 0);
    write_text(d.path, "a", "uting on host: <b>\n..");
    poll_expect(f, &l, 0);
    write_text(d.path, "a", ".\n");
    poll_expect(f, &l, 1);
    assert_int_equal(l.ev[0].code, SL_CONDOR_EXECUTE);
    assert_string_equal(l.text[0], "<b>");
    assert_int_equal(l.ev[0].offset, strlen(EV_A));
    write_text(d.path, "a", EV_C);
    poll_expect(f, &l, 1);
    assert_int_equal(l.ev[0].exit, SL_CONDOR_EXIT_NORMAL);
    sl_condor_follower_stats st;
    sl_condor_follower_get_stats(f, &st);
    assert_int_equal(st.events, 3);
    assert_int_equal(st.skipped, 0);
    assert_int_equal(st.files, 1);
    assert_int_equal(st.truncations, 0);
    assert_int_equal(st.offset, strlen(EV_A) + strlen(EV_B) + strlen(EV_C));
    assert_true(st.open);
    follow_end(f, &d);
}

static void test_follow_rotation(void **state)
{
    (void)state;
    logdir d;
    sl_condor_follower *f = follow_new(&d);
    ev_list l;
    write_text(d.path, "w", EV_A);
    poll_expect(f, &l, 1);
    /* B goes to the old file after our poll, then the log rotates and C starts the
     * new one: B must come first, then C */
    write_text(d.path, "a", EV_B);
    assert_int_equal(rename(d.path, d.old), 0);
    write_text(d.path, "w", EV_C);
    poll_expect(f, &l, 2);
    assert_int_equal(l.ev[0].code, SL_CONDOR_EXECUTE);
    assert_int_equal(l.ev[1].code, SL_CONDOR_TERMINATED);
    assert_int_equal(l.ev[1].offset, 0);
    sl_condor_follower_stats st;
    sl_condor_follower_get_stats(f, &st);
    assert_int_equal(st.files, 2);
    assert_int_equal(st.skipped, 0);

    /* rotation with the new file not there yet: the old one is still read to the end,
     * and the new file is picked up when it appears; a partial record left at the end
     * of the old file is counted as skipped */
    write_text(d.path, "a", EV_A);
    write_text(d.path, "a", "001 (10.0.0) 2024-06-01 00:00:01 Job executing");
    assert_int_equal(rename(d.path, d.old), 0);
    poll_expect(f, &l, 1);
    assert_int_equal(l.ev[0].code, SL_CONDOR_SUBMIT);
    poll_expect(f, &l, 0);
    write_text(d.path, "w", EV_B);
    poll_expect(f, &l, 1);
    assert_int_equal(l.ev[0].code, SL_CONDOR_EXECUTE);
    sl_condor_follower_get_stats(f, &st);
    assert_int_equal(st.files, 3);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.events, 5);
    follow_end(f, &d);
}

static void test_follow_truncation(void **state)
{
    (void)state;
    logdir d;
    sl_condor_follower *f = follow_new(&d);
    ev_list l;
    write_text(d.path, "w", EV_A);
    write_text(d.path, "a", EV_C);
    poll_expect(f, &l, 2);
    /* truncated in place and rewritten shorter than what we had read */
    write_text(d.path, "w", EV_B);
    poll_expect(f, &l, 1);
    assert_int_equal(l.ev[0].code, SL_CONDOR_EXECUTE);
    assert_int_equal(l.ev[0].offset, 0);
    sl_condor_follower_stats st;
    sl_condor_follower_get_stats(f, &st);
    assert_int_equal(st.truncations, 1);
    assert_int_equal(st.files, 1);
    assert_int_equal(st.offset, strlen(EV_B));
    follow_end(f, &d);
}

static void test_follow_missing_then_appears(void **state)
{
    (void)state;
    logdir d;
    logdir_make(&d);
    sl_condor_follower *f = NULL;
    sl_error err;
    assert_int_equal(sl_condor_follower_open(d.path, NULL, &f, &err), SL_OK);
    ev_list l;
    poll_expect(f, &l, 0);
    poll_all(f, &l);
    sl_condor_follower_stats st;
    sl_condor_follower_get_stats(f, &st);
    assert_false(st.open);
    assert_int_equal(st.files, 0);
    write_text(d.path, "w", EV_A);
    write_text(d.path, "a", EV_B);
    poll_expect(f, &l, 2);
    sl_condor_follower_get_stats(f, &st);
    assert_true(st.open);
    assert_int_equal(st.files, 1);
    sl_condor_follower_free(f);

    /* a path that cannot be a file is an I/O error, not a crash; bad arguments */
    assert_int_equal(sl_condor_follower_open(d.dir, NULL, &f, &err), SL_OK);
    sl_condor_event ev;
    assert_int_equal(sl_condor_follower_next(f, &ev, &err), SL_ERR_IO);
    assert_int_equal(err.code, SL_ERR_IO);
    assert_non_null(strstr(err.msg, d.dir));
    sl_condor_follower_free(f);
    f = (sl_condor_follower *)&err;
    assert_int_equal(sl_condor_follower_open("", NULL, &f, &err), SL_ERR_USAGE);
    assert_null(f);
    sl_condor_follower_free(NULL);
    sl_condor_parser_free(NULL);
    sl_condor_jobs_free(NULL);
    logdir_remove(&d);
}

/* A big log through the follower, in several pieces, against the parser on the
 * whole text. */
static void test_follow_big_file(void **state)
{
    (void)state;
    logdir d;
    logdir_make(&d);
    size_t cap = 4u << 20, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    int jobs = 0;
    while (n + 600 < cap) {
        n += (size_t)snprintf(text + n, cap - n,
                              "001 (%d.000.000) 2024-06-01 00:00:01 Job executing on host: <h>\n...\n"
                              "005 (%d.000.000) 2024-06-01 00:00:02 Job terminated.\n"
                              "\t(1) Normal termination (return value %d)\n...\n",
                              jobs, jobs, jobs % 3);
        jobs++;
    }
    sl_condor_follower *f = NULL;
    sl_condor_jobs *t = NULL;
    assert_int_equal(sl_condor_follower_open(d.path, NULL, &f, NULL), SL_OK);
    assert_int_equal(sl_condor_jobs_new(0, &t, NULL), SL_OK);
    size_t written = 0;
    uint64_t events = 0;
    for (size_t piece = 0; written < n; piece++) {
        size_t k = (n - written) / 3 + 777;
        if (k > n - written)
            k = n - written;
        FILE *fp = fopen(d.path, piece ? "a" : "w");
        assert_non_null(fp);
        assert_int_equal(fwrite(text + written, 1, k, fp), k);
        fclose(fp);
        written += k;
        sl_condor_event ev;
        sl_status s;
        while ((s = sl_condor_follower_next(f, &ev, NULL)) == SL_OK) {
            assert_int_equal(sl_condor_jobs_apply(t, &ev, NULL), SL_OK);
            events++;
        }
        assert_int_equal(s, SL_EOF);
    }
    assert_int_equal(events, (uint64_t)jobs * 2);
    assert_int_equal(sl_condor_jobs_size(t), (size_t)jobs);
    assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_DONE_OK), (size_t)(jobs + 2) / 3);
    assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_DONE_OK) +
                         sl_condor_jobs_count(t, SL_CONDOR_JOB_DONE_FAILED),
                     (size_t)jobs);
    sl_condor_jobs_free(t);
    sl_condor_follower_free(f);
    free(text);
    logdir_remove(&d);
}

/* ------------------------------------------------------------ job table */

static void apply_all(sl_condor_jobs *t, const ev_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        assert_int_equal(sl_condor_jobs_apply(t, &l->ev[i], NULL), SL_OK);
}

static void test_jobs_states(void **state)
{
    (void)state;
    ev_list l;
    parse(EVICT_LOG, NULL, &l);
    sl_condor_jobs *t = NULL;
    assert_int_equal(sl_condor_jobs_new(0, &t, NULL), SL_OK);
    /* 123.0 step by step: a requeued job is not done until its last 005 */
    static const sl_condor_job_state after[] = {
        SL_CONDOR_JOB_QUEUED, SL_CONDOR_JOB_RUNNING, SL_CONDOR_JOB_QUEUED, SL_CONDOR_JOB_RUNNING,
        SL_CONDOR_JOB_QUEUED, SL_CONDOR_JOB_RUNNING, SL_CONDOR_JOB_DONE_OK,
    };
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(sl_condor_jobs_apply(t, &l.ev[i], NULL), SL_OK);
        assert_int_equal(sl_condor_jobs_state(t, 123, 0), after[i]);
    }
    for (size_t i = 7; i < l.n; i++)
        assert_int_equal(sl_condor_jobs_apply(t, &l.ev[i], NULL), SL_OK);
    sl_condor_job j;
    assert_true(sl_condor_jobs_get(t, 123, 0, &j));
    assert_int_equal(j.state, SL_CONDOR_JOB_DONE_OK);
    assert_int_equal(j.end_time_us, utc_us(2024, 1, 1, 0, 0, 6));
    assert_int_equal(j.exit, SL_CONDOR_EXIT_NORMAL);
    assert_int_equal(j.starts, 3);
    assert_true(sl_condor_jobs_get(t, 123, 1, &j));
    assert_int_equal(j.state, SL_CONDOR_JOB_DONE_FAILED);
    assert_int_equal(j.exit_code, 1);
    assert_int_equal(j.end_time_us, utc_us(2024, 1, 1, 0, 0, 7));
    assert_true(sl_condor_jobs_get(t, 123, 2, &j));
    assert_int_equal(j.state, SL_CONDOR_JOB_DONE_FAILED);
    assert_int_equal(j.exit, SL_CONDOR_EXIT_SIGNAL);
    assert_int_equal(j.exit_signal, 9);
    assert_int_equal(j.exit_code, 0);
    assert_true(sl_condor_jobs_get(t, 124, 0, &j));
    assert_int_equal(j.state, SL_CONDOR_JOB_ABORTED);
    assert_int_equal(j.end_time_us, utc_us(2024, 1, 1, 0, 0, 9));
    assert_false(sl_condor_jobs_get(t, 124, 1, &j));
    assert_int_equal(j.state, SL_CONDOR_JOB_UNKNOWN);
    assert_int_equal(sl_condor_jobs_state(t, 999, 0), SL_CONDOR_JOB_UNKNOWN);
    assert_int_equal(sl_condor_jobs_size(t), 4);
    assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_DONE_OK), 1);
    assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_DONE_FAILED), 2);
    assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_ABORTED), 1);
    assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_QUEUED), 0);
    assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_UNKNOWN), 0);
    assert_int_equal(sl_condor_jobs_count(t, (sl_condor_job_state)99), 0);

    /* a final job stays final (an event after the end changes nothing) */
    sl_condor_event late = l.ev[1];   /* a 001 for 123.0 */
    assert_int_equal(sl_condor_jobs_apply(t, &late, NULL), SL_OK);
    assert_int_equal(sl_condor_jobs_state(t, 123, 0), SL_CONDOR_JOB_DONE_OK);

    /* hold, release, rerun, done; the first event seen for the job is a 007 */
    parse(HOLD_LOG, NULL, &l);
    static const sl_condor_job_state held[] = {
        SL_CONDOR_JOB_QUEUED, SL_CONDOR_JOB_HELD, SL_CONDOR_JOB_QUEUED, SL_CONDOR_JOB_QUEUED,
        SL_CONDOR_JOB_RUNNING, SL_CONDOR_JOB_DONE_OK,
    };
    for (size_t i = 0; i < l.n; i++) {
        assert_int_equal(sl_condor_jobs_apply(t, &l.ev[i], NULL), SL_OK);
        assert_int_equal(sl_condor_jobs_state(t, 2456301, 0), held[i]);
        if (i == 1)
            assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_HELD), 1);
    }
    assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_HELD), 0);
    assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_DONE_OK), 2);

    /* the ISO log: running until its 005 */
    parse(ISO_LOG, NULL, &l);
    apply_all(t, &l);
    assert_true(sl_condor_jobs_get(t, 6, 0, &j));
    assert_int_equal(j.state, SL_CONDOR_JOB_DONE_OK);
    assert_int_equal(j.end_time_us, utc_us(2021, 10, 7, 4, 45, 56));

    /* a fresh 000 for a finished id starts over */
    parse("000 (6.0.0) 2025-01-01 00:00:00 Job submitted from host: <h>\n...\n", NULL, &l);
    apply_all(t, &l);
    assert_true(sl_condor_jobs_get(t, 6, 0, &j));
    assert_int_equal(j.state, SL_CONDOR_JOB_QUEUED);
    assert_int_equal(j.end_time_us, 0);
    assert_int_equal(j.starts, 0);

    assert_string_equal(sl_condor_job_state_name(SL_CONDOR_JOB_DONE_FAILED), "done_failed");
    assert_string_equal(sl_condor_job_state_name((sl_condor_job_state)42), "invalid");
    assert_true(sl_condor_job_state_final(SL_CONDOR_JOB_ABORTED));
    assert_false(sl_condor_job_state_final(SL_CONDOR_JOB_HELD));
    sl_condor_jobs_free(t);
}

/* A million jobs across a thousand clusters; counts stay exact; the limit holds. */
static void test_jobs_many(void **state)
{
    (void)state;
    sl_condor_jobs *t = NULL;
    assert_int_equal(sl_condor_jobs_new(0, &t, NULL), SL_OK);
    sl_condor_event ev = { .text = "" };
    const int64_t clusters = 1000, procs = 1000;
    for (int64_t c = 0; c < clusters; c++)
        for (int64_t p = 0; p < procs; p++) {
            ev.cluster = 5000000000LL + c;   /* past 32 bits */
            ev.proc = p;
            ev.code = SL_CONDOR_SUBMIT;
            assert_int_equal(sl_condor_jobs_apply(t, &ev, NULL), SL_OK);
            if (p % 2 == 0) {
                ev.code = SL_CONDOR_TERMINATED;
                ev.exit = SL_CONDOR_EXIT_NORMAL;
                ev.exit_code = p % 4 == 0 ? 0 : 2;
                ev.time_us = c * procs + p;
                assert_int_equal(sl_condor_jobs_apply(t, &ev, NULL), SL_OK);
            }
        }
    size_t total = (size_t)(clusters * procs);
    assert_int_equal(sl_condor_jobs_size(t), total);
    assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_QUEUED), total / 2);
    assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_DONE_OK), total / 4);
    assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_DONE_FAILED), total / 4);
    for (int64_t c = 0; c < clusters; c += 37)
        for (int64_t p = 0; p < procs; p += 11) {
            sl_condor_job j;
            assert_true(sl_condor_jobs_get(t, 5000000000LL + c, p, &j));
            sl_condor_job_state want = p % 2 ? SL_CONDOR_JOB_QUEUED
                                       : p % 4 == 0 ? SL_CONDOR_JOB_DONE_OK
                                                    : SL_CONDOR_JOB_DONE_FAILED;
            assert_int_equal(j.state, want);
            if (p % 2 == 0)
                assert_int_equal(j.end_time_us, c * procs + p);
        }
    assert_int_equal(sl_condor_jobs_state(t, 5000000000LL + clusters, 0), SL_CONDOR_JOB_UNKNOWN);
    sl_condor_jobs_free(t);

    sl_error err;
    assert_int_equal(sl_condor_jobs_new(3, &t, NULL), SL_OK);
    ev.code = SL_CONDOR_SUBMIT;
    for (int64_t p = 0; p < 3; p++) {
        ev.proc = p;
        assert_int_equal(sl_condor_jobs_apply(t, &ev, &err), SL_OK);
    }
    ev.proc = 0;
    assert_int_equal(sl_condor_jobs_apply(t, &ev, &err), SL_OK);   /* known: fine */
    ev.proc = 3;
    assert_int_equal(sl_condor_jobs_apply(t, &ev, &err), SL_ERR_LIMIT);
    assert_int_equal(err.code, SL_ERR_LIMIT);
    assert_int_equal(sl_condor_jobs_size(t), 3);
    assert_int_equal(sl_condor_jobs_count(t, SL_CONDOR_JOB_QUEUED), 3);
    sl_condor_jobs_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_example),
        cmocka_unit_test(test_legacy_example),
        cmocka_unit_test(test_hold_release),
        cmocka_unit_test(test_evict_requeue_abort_exit),
        cmocka_unit_test(test_any_split),
        cmocka_unit_test(test_garbage_skipped),
        cmocka_unit_test(test_large_ids_and_widths),
        cmocka_unit_test(test_record_limit),
        cmocka_unit_test(test_follow_growing),
        cmocka_unit_test(test_follow_rotation),
        cmocka_unit_test(test_follow_truncation),
        cmocka_unit_test(test_follow_missing_then_appears),
        cmocka_unit_test(test_follow_big_file),
        cmocka_unit_test(test_jobs_states),
        cmocka_unit_test(test_jobs_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
