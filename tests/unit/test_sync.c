/* Unit tests for the pieces of sluice sync: the key index and its file, schema
 * joins along the lattice, the key rules, the ledger reader (torn, bad and
 * rewritten ledgers) and the state file. The passes themselves are tested end to
 * end (tests/e2e/sync.test.mjs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sync/sync_int.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sluice-test-sync-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_text(const char *rel, const char *text, const char *mode)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    FILE *f = fopen(path, mode);
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static sync_hkey key_of(uint64_t i)
{
    /* spread like real hashes, with some equal low bits to exercise probing */
    return (sync_hkey){i * 0x9e3779b97f4a7c15ull, (uint32_t)i};
}

/* ------------------------------------------------------------ index */

static void test_index(void **state)
{
    (void)state;
    sync_index ix = {0}, alt = {0};
    const uint64_t n = 100000;
    for (uint64_t i = 0; i < n; i++)
        assert_int_equal(sync_index_set(&ix, key_of(i), i * 3, (uint32_t)(i % 1000), SYNC_PUBLISHED + i % 2), SL_OK);
    assert_int_equal(ix.count, n);
    assert_true(ix.count * 4 <= ix.cap * 3);
    for (uint64_t i = 0; i < n; i++) {
        const sync_entry *e = sync_index_get(&ix, key_of(i));
        assert_non_null(e);
        assert_int_equal(e->content, i * 3);
        assert_int_equal(SYNC_ORIGIN(e), i % 1000);
        assert_int_equal(SYNC_STATE(e), SYNC_PUBLISHED + i % 2);
    }
    /* a key equal in its low 64 bits only is another key */
    sync_hkey k = key_of(5);
    k.hi ^= 1;
    assert_null(sync_index_get(&ix, k));
    /* the slot of a key already there, and of a new one */
    sync_entry *e;
    bool found;
    assert_int_equal(sync_index_slot(&ix, key_of(7), &e, &found), SL_OK);
    assert_true(found);
    assert_int_equal(e->content, 21);
    assert_int_equal(sync_index_slot(&ix, key_of(n), &e, &found), SL_OK);
    assert_false(found);
    assert_int_equal(SYNC_STATE(e), SYNC_DROPPED);
    sync_entry_fill(e, 42, 9, SYNC_PENDING);
    assert_int_equal(sync_index_get(&ix, key_of(n))->content, 42);
    assert_int_equal(sync_index_set(&alt, key_of(1), 0, SYNC_ORIGIN_NONE, SYNC_DROPPED), SL_OK);

    /* the file: saved and loaded whole; a flipped byte or a cut is corrupt */
    char path[512];
    snprintf(path, sizeof path, "%s/t.idx", tmpdir);
    assert_int_equal(sync_index_save(path, 0x1234, 7, &ix, &alt, NULL), SL_OK);
    sync_index a = {0}, b = {0};
    uint64_t sig, gen;
    assert_int_equal(sync_index_load(path, &sig, &gen, &a, &b, NULL), SL_OK);
    assert_int_equal(sig, 0x1234);
    assert_int_equal(gen, 7);
    assert_int_equal(a.count, n + 1);
    assert_int_equal(b.count, 1);
    assert_int_equal(sync_index_get(&a, key_of(99999))->content, 99999 * 3);
    assert_int_equal(SYNC_ORIGIN(sync_index_get(&b, key_of(1))), SYNC_ORIGIN_NONE);
    sync_index_free(&a);
    sync_index_free(&b);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 200, SEEK_SET);
    int c = fgetc(f);
    fseek(f, 200, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
    assert_int_equal(sync_index_load(path, &sig, &gen, &a, &b, NULL), SL_ERR_CORRUPT);
    assert_int_equal(sync_index_save(path, 1, 1, &ix, &alt, NULL), SL_OK);
    assert_int_equal(truncate(path, 1000), 0);
    assert_int_equal(sync_index_load(path, &sig, &gen, &a, &b, NULL), SL_ERR_CORRUPT);
    snprintf(path, sizeof path, "%s/none.idx", tmpdir);
    assert_int_equal(sync_index_load(path, &sig, &gen, &a, &b, NULL), SL_ERR_CORRUPT);
    sync_index_free(&ix);
    sync_index_free(&alt);
}

/* ------------------------------------------------------------ schemas */

static sync_schema parse_cols(const char *json)
{
    sl_json_reader *r;
    const sl_json_value *v;
    sl_json_options jo;
    sl_json_options_init(&jo);
    jo.form = SL_JSON_FORM_DOCUMENT;   /* the array is one value, not a stream of them */
    assert_int_equal(sl_json_reader_open_mem(json, strlen(json), "t", &jo, &r, NULL), SL_OK);
    assert_int_equal(sl_json_reader_next(r, &v, NULL), SL_OK);
    sync_schema s;
    assert_int_equal(sync_schema_parse(v, &s), SL_OK);
    sl_json_reader_free(r);
    return s;
}

static char *schema_text(const sync_schema *s, bool exact)
{
    sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sync_schema_json(s, "t", exact, &b), SL_OK);
    sl_buf_putc(&b, '\0');
    return (char *)b.data;
}

static void test_schema_join(void **state)
{
    (void)state;
    sync_schema a = parse_cols("[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"n\",\"type\":\"int64\"},"
                               "{\"name\":\"z\",\"type\":\"null\"},{\"name\":\"_key\",\"type\":\"string\",\"synthetic\":true}]");
    sync_schema b = parse_cols("[{\"name\":\"n\",\"type\":\"float64\"},{\"name\":\"late\",\"type\":\"list<date>\"},"
                               "{\"name\":\"z\",\"type\":\"int64\"},{\"name\":\"id\",\"type\":\"string\"}]");
    bool retyped = false;
    assert_int_equal(sync_schema_join(&a, &b, &retyped), SL_OK);
    assert_true(retyped);   /* n: int64 -> float64 */
    char *t = schema_text(&a, false);
    /* first appearance order; null < int64; synthetic kept */
    assert_string_equal(t, "{\"table\":\"t\",\"columns\":[{\"name\":\"id\",\"type\":\"string\"},"
                           "{\"name\":\"n\",\"type\":\"float64\"},{\"name\":\"z\",\"type\":\"int64\"},"
                           "{\"name\":\"_key\",\"type\":\"string\",\"synthetic\":true},"
                           "{\"name\":\"late\",\"type\":\"list<date>\"}]}");
    free(t);
    /* the text round-trips, and int_unsafe with it in the exact form */
    a.cols[2].inf.int_unsafe = true;
    t = schema_text(&a, true);
    sl_json_reader *r;
    const sl_json_value *v;
    assert_int_equal(sl_json_reader_open_mem(t, strlen(t), "t", NULL, &r, NULL), SL_OK);
    assert_int_equal(sl_json_reader_next(r, &v, NULL), SL_OK);
    sync_schema c;
    assert_int_equal(sync_schema_parse(sl_json_get(v, "columns"), &c), SL_OK);
    sl_json_reader_free(r);
    char *t2 = schema_text(&c, true);
    assert_string_equal(t, t2);
    assert_true(c.cols[2].inf.int_unsafe);
    /* an int beyond 2^53 joined with float64 is kept as text, not rounded */
    sync_schema d = parse_cols("[{\"name\":\"z\",\"type\":\"float64\"}]");
    retyped = false;
    assert_int_equal(sync_schema_join(&c, &d, &retyped), SL_OK);
    assert_true(retyped);
    assert_int_equal(c.cols[2].inf.type, SL_T_STRING);
    /* a join that changes nothing is not a retype; adding a column is not either */
    sync_schema e = parse_cols("[{\"name\":\"id\",\"type\":\"null\"},{\"name\":\"new\",\"type\":\"bool\"}]");
    retyped = false;
    assert_int_equal(sync_schema_join(&c, &e, &retyped), SL_OK);
    assert_false(retyped);
    assert_int_equal(c.ncols, 6);
    /* the signature of the first columns does not see columns added after them */
    assert_int_equal(sync_schema_sig(&c, 5), sync_schema_sig(&c, 5));
    assert_true(sync_schema_sig(&c, 4) != sync_schema_sig(&c, 5));
    free(t);
    free(t2);
    sync_schema_free(&a);
    sync_schema_free(&b);
    sync_schema_free(&c);
    sync_schema_free(&d);
    sync_schema_free(&e);
}

/* ------------------------------------------------------------ keys */

static void test_keys(void **state)
{
    (void)state;
    const char *defs[][2] = {
        {"_documents", "[{\"name\":\"_file\",\"type\":\"string\"},{\"name\":\"_key\",\"type\":\"string\",\"synthetic\":true}]"},
        {"categories", "[{\"name\":\"category_id\",\"type\":\"int64\"},{\"name\":\"name\",\"type\":\"string\"}]"},
        {"classes", "[{\"name\":\"class_id\",\"type\":\"string\"},{\"name\":\"teacher_id\",\"type\":\"string\"},"
                    "{\"name\":\"category_id\",\"type\":\"int64\"}]"},
        {"events", "[{\"name\":\"what\",\"type\":\"string\"}]"},
        {"student_classes", "[{\"name\":\"student_id\",\"type\":\"string\"},{\"name\":\"class_id\",\"type\":\"string\"},"
                            "{\"name\":\"grade\",\"type\":\"string\"}]"},
        {"students", "[{\"name\":\"student_id\",\"type\":\"string\"},{\"name\":\"_key\",\"type\":\"string\",\"synthetic\":true}]"},
        {"students__courses", "[{\"name\":\"course\",\"type\":\"string\"},{\"name\":\"_parent_key\",\"type\":\"string\",\"synthetic\":true},"
                              "{\"name\":\"_pos\",\"type\":\"int64\",\"synthetic\":true},{\"name\":\"_key\",\"type\":\"string\",\"synthetic\":true}]"},
        {"teachers", "[{\"name\":\"teacher_id\",\"type\":\"string\"}]"},
        {"things", "[{\"name\":\"id\",\"type\":\"int64\"},{\"name\":\"class_id\",\"type\":\"string\"}]"},
    };
    enum { DOCS, CATS, CLASSES, EVENTS, ENROL, STUDENTS, COURSES, TEACHERS, THINGS, N };
    sync_schema s[N];
    sync_tmodel m[N];
    memset(m, 0, sizeof m);
    for (int i = 0; i < N; i++) {
        char json[1024];
        snprintf(json, sizeof json, "%s", defs[i][1]);
        s[i] = parse_cols(json);
        m[i].name = defs[i][0];
        m[i].schema = &s[i];
    }
    assert_int_equal(sync_model_build(m, N), SL_OK);
    assert_int_equal(m[DOCS].key.kind, SYNC_KEY_SYNTHETIC);
    assert_int_equal(m[CATS].key.kind, SYNC_KEY_COLUMN);
    assert_int_equal(m[CATS].key.cols[0], 0);
    assert_int_equal(m[CLASSES].key.kind, SYNC_KEY_COLUMN);
    assert_int_equal(m[EVENTS].key.kind, SYNC_KEY_NONE);
    assert_int_equal(m[ENROL].key.kind, SYNC_KEY_COMPOSITE);
    assert_int_equal(m[ENROL].key.n, 2);
    assert_int_equal(m[COURSES].key.kind, SYNC_KEY_SYNTHETIC);
    assert_true(m[COURSES].child);
    assert_int_equal(m[THINGS].key.kind, SYNC_KEY_COLUMN);   /* `id` */
    /* foreign keys: classes -> teachers, categories; enrolments -> students,
     * classes; things.class_id -> classes; courses -> students by _key */
    assert_int_equal(m[CLASSES].nfks, 2);
    assert_int_equal(m[CLASSES].fks[0].target, TEACHERS);
    assert_int_equal(m[CLASSES].fks[1].target, CATS);
    assert_int_equal(m[ENROL].nfks, 2);
    assert_int_equal(m[ENROL].fks[0].target, STUDENTS);
    assert_int_equal(m[ENROL].fks[1].target, CLASSES);
    assert_int_equal(m[THINGS].nfks, 1);
    assert_int_equal(m[COURSES].nfks, 1);
    assert_true(m[COURSES].fks[0].to_key);
    assert_int_equal(m[COURSES].fks[0].target, STUDENTS);
    assert_true(m[STUDENTS].needs_alt);
    assert_false(m[DOCS].needs_alt);
    /* the order puts every table after the ones it refers to */
    size_t order[N], pos[N];
    assert_int_equal(sync_model_order(m, N, order), SL_OK);
    for (int i = 0; i < N; i++)
        pos[order[i]] = (size_t)i;
    for (int t = 0; t < N; t++)
        for (size_t f = 0; f < m[t].nfks; f++)
            assert_true(pos[m[t].fks[f].target] < pos[t]);
    sync_model_free(m, N);
    for (int i = 0; i < N; i++)
        sync_schema_free(&s[i]);
}

/* ------------------------------------------------------------ ledger */

static void test_ledger(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/out/_sluice/ledger", tmpdir);
    assert_int_equal(sl_fs_mkdirs(dir, NULL), SL_OK);
    char out[512];
    snprintf(out, sizeof out, "%s/out", tmpdir);
    sl_statedir sd;
    assert_int_equal(sl_statedir_default(&sd, out, NULL), SL_OK);
    write_text("out/_sluice/ledger/b.jsonl",
               "{\"commit\":\"b1\",\"parts\":[{\"table\":\"t\",\"path\":\"raw/t/p-b1.parquet\",\"rows\":2}]}\n", "w");
    write_text("out/_sluice/ledger/a.jsonl",
               "{\"commit\":\"a1\",\"parts\":[{\"table\":\"t\",\"path\":\"raw/t/p-a1.parquet\",\"rows\":1},"
               "{\"table\":\"u\",\"path\":\"raw/u/p-a1.parquet\",\"rows\":3}]}\n"
               "not json\n"
               "{\"commit\":\"a2\",\"parts\":[{\"table\":\"t\",\"path\":\"raw/t/../../etc/passwd\",\"rows\":1}]}\n"
               "{\"commit\":\"a3\",\"parts\":[{\"table\":\"t\",\"path\":\"raw/u/p.parquet\",\"rows\":1}]}\n"
               "{\"commit\":\"a4\",\"parts\":[{\"table\":\"t\",\"path\":\"raw/t/p-a4.parquet\"}]}\n"
               "{\"commit\":\"a5\",\"parts\":[{\"table\":\"t\",\"path\":\"raw/t/p-a1.parquet\",\"rows\":1}]}\n"
               "{\"commit\":\"a6\",\"parts\":[{\"table\":\"t\",\"path\":\"raw/t/p-a6.parquet\",\"rows\":1}]}",
               "w");
    sync_state st;
    memset(&st, 0, sizeof st);
    sync_plog plog;
    memset(&plog, 0, sizeof plog);
    sl_arena_init(&plog.arena, 0);
    sync_scan sc;
    assert_int_equal(sync_ledger_scan(&sd, &st, &plog, 1000, &sc, NULL), SL_OK);
    /* a's lines first (name order), then b's; a torn last line is not a commit, a
     * bad line or part is skipped, a part named twice counts once */
    assert_int_equal(sc.nparts, 3);
    assert_string_equal(sc.parts[0].path, "raw/t/p-a1.parquet");
    assert_string_equal(sc.parts[0].commit, "a1");
    assert_string_equal(sc.parts[1].path, "raw/u/p-a1.parquet");
    assert_int_equal(sc.parts[1].rows, 3);
    assert_string_equal(sc.parts[2].path, "raw/t/p-b1.parquet");
    assert_int_equal(sc.commits, 7);
    assert_int_equal(sc.ignored, 4);
    assert_int_equal(st.nledgers, 2);
    assert_string_equal(st.ledgers[0].name, "a.jsonl");
    assert_int_equal(st.ledgers[0].lines, 6);
    sync_scan_free(&sc);
    /* the torn line completed, and one more: only those are read */
    write_text("out/_sluice/ledger/a.jsonl", "\n{\"commit\":\"a7\",\"parts\":[]}\n", "a");
    assert_int_equal(sync_ledger_scan(&sd, &st, &plog, 1000, &sc, NULL), SL_OK);
    assert_int_equal(sc.nparts, 1);
    assert_string_equal(sc.parts[0].path, "raw/t/p-a6.parquet");
    assert_int_equal(sc.commits, 2);
    assert_int_equal(st.ledgers[0].lines, 8);
    sync_scan_free(&sc);
    /* a rewritten ledger (the consumed bytes changed) is read again from the
     * start; the parts log keeps the published parts from coming back */
    uint32_t ord;
    assert_int_equal(sync_plog_append(&plog, "t", "raw/t/p-a1.parquet", "a1", 1, &ord, NULL), SL_OK);
    write_text("out/_sluice/ledger/a.jsonl",
               "{\"commit\":\"A1\",\"parts\":[{\"table\":\"t\",\"path\":\"raw/t/p-a1.parquet\",\"rows\":1},"
               "{\"table\":\"t\",\"path\":\"raw/t/p-new.parquet\",\"rows\":1}]}\n", "w");
    assert_int_equal(sync_ledger_scan(&sd, &st, &plog, 1000, &sc, NULL), SL_OK);
    assert_int_equal(sc.nparts, 1);
    assert_string_equal(sc.parts[0].path, "raw/t/p-new.parquet");
    assert_int_equal(st.ledgers[0].lines, 1);
    sync_scan_free(&sc);
    /* the parts limit stops at a line boundary */
    write_text("out/_sluice/ledger/c.jsonl",
               "{\"commit\":\"c1\",\"parts\":[{\"table\":\"t\",\"path\":\"raw/t/c1.parquet\",\"rows\":1}]}\n"
               "{\"commit\":\"c2\",\"parts\":[{\"table\":\"t\",\"path\":\"raw/t/c2.parquet\",\"rows\":1}]}\n", "w");
    assert_int_equal(sync_ledger_scan(&sd, &st, &plog, 1, &sc, NULL), SL_OK);
    assert_int_equal(sc.nparts, 1);
    assert_true(sc.more);
    sync_scan_free(&sc);
    assert_int_equal(sync_ledger_scan(&sd, &st, &plog, 1, &sc, NULL), SL_OK);
    assert_int_equal(sc.nparts, 1);
    assert_string_equal(sc.parts[0].path, "raw/t/c2.parquet");
    sync_scan_free(&sc);
    sync_plog_free(&plog);
    sync_state_free(&st);
}

/* ------------------------------------------------------------ state */

static void test_state(void **state)
{
    (void)state;
    char out[512], dir[600];
    snprintf(out, sizeof out, "%s/st", tmpdir);
    snprintf(dir, sizeof dir, "%s/" SYNC_DIR, out);
    assert_int_equal(sl_fs_mkdirs(dir, NULL), SL_OK);
    sl_statedir sd;
    assert_int_equal(sl_statedir_default(&sd, out, NULL), SL_OK);
    sync_state s;
    assert_int_equal(sync_state_load(&sd, &s, NULL), SL_OK);   /* none yet: empty */
    assert_int_equal(s.gen, 0);
    s.gen = 3;
    s.nparts = 2;
    s.parts_bytes = 10;
    sync_ledger_pos *l;
    assert_int_equal(sync_state_add_ledger(&s, "w \"1\".jsonl", strlen("w \"1\".jsonl"), &l), SL_OK);
    l->offset = 99;
    l->lines = 4;
    l->tail_hash = 0xfedcba9876543210ull;
    sync_tstate *t;
    assert_int_equal(sync_state_add_table(&s, "students", &t), SL_OK);
    t->gen = 2;
    t->rows = 7;
    t->pending = 1;
    t->pending_oldest = 1700000000000000;
    t->has_index = true;
    t->index_sig = 0x8000000000000001ull;
    t->index_gen = 2;
    t->index_ncols = 1;
    assert_int_equal(sync_tstate_add_file(t, "students.parquet", 7, 1234, false), SL_OK);
    t->schema = parse_cols("[{\"name\":\"student_id\",\"type\":\"string\"}]");
    assert_int_equal(sync_state_add_op(&s, ".students.parquet.sync3.tmp", "students.parquet"), SL_OK);
    assert_int_equal(sync_state_add_op(&s, "old.parquet", NULL), SL_OK);
    assert_int_equal(sync_state_save(&sd, &s, NULL), SL_OK);
    sync_state r;
    assert_int_equal(sync_state_load(&sd, &r, NULL), SL_OK);
    assert_int_equal(r.gen, 3);
    assert_int_equal(r.nparts, 2);
    assert_int_equal(r.nledgers, 1);
    assert_string_equal(r.ledgers[0].name, "w \"1\".jsonl");
    assert_int_equal(r.ledgers[0].offset, 99);
    assert_int_equal(r.ledgers[0].tail_hash, 0xfedcba9876543210ull);
    assert_int_equal(r.ntables, 1);
    assert_string_equal(r.tables[0].name, "students");
    assert_int_equal(r.tables[0].pending_oldest, 1700000000000000);
    assert_int_equal(r.tables[0].index_sig, 0x8000000000000001ull);
    assert_int_equal(r.tables[0].nfiles, 1);
    assert_int_equal(r.tables[0].files[0].bytes, 1234);
    assert_int_equal(r.tables[0].schema.ncols, 1);
    assert_int_equal(r.nops, 2);
    assert_null(r.ops[1].to);
    /* recovery does the renames whose source is there, removals, and sweeps
     * temporary files nobody names */
    write_text("st/.students.parquet.sync3.tmp", "new", "w");
    write_text("st/old.parquet", "old", "w");
    write_text("st/.other.parquet.sync4.tmp", "stray", "w");
    assert_int_equal(sync_state_recover(&sd, &r, NULL), SL_OK);
    char p[700];
    struct stat sb;
    snprintf(p, sizeof p, "%s/students.parquet", out);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_size, 3);
    snprintf(p, sizeof p, "%s/old.parquet", out);
    assert_int_not_equal(stat(p, &sb), 0);
    snprintf(p, sizeof p, "%s/.other.parquet.sync4.tmp", out);
    assert_int_not_equal(stat(p, &sb), 0);
    /* and again: nothing left to do, nothing undone */
    assert_int_equal(sync_state_recover(&sd, &r, NULL), SL_OK);
    snprintf(p, sizeof p, "%s/students.parquet", out);
    assert_int_equal(stat(p, &sb), 0);
    /* a damaged state is corrupt, and says how to start over */
    write_text("st/" SYNC_DIR "/state.json", "{\"version\":1}", "w");
    sl_error err;
    sl_error_clear(&err);
    sync_state bad;
    assert_int_equal(sync_state_load(&sd, &bad, &err), SL_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "to rebuild every table"));
    sync_state_free(&s);
    sync_state_free(&r);
}

/* A state directory elsewhere: the ops' "_sluice/..." paths are in it, the others
 * in OUT, and recovery renames and sweeps in both. */
static void test_state_elsewhere(void **state)
{
    (void)state;
    sl_statedir sd;
    char out[512], p[700];
    snprintf(out, sizeof out, "%s/o2", tmpdir);
    assert_int_equal(sl_statedir_default(&sd, out, NULL), SL_OK);
    snprintf(sd.dir, sizeof sd.dir, "%s/state2", tmpdir);
    sd.custom = true;
    assert_int_equal(sl_statedir_path(&sd, p, sizeof p, SL_STATE_SYNC, "pending"), SL_OK);
    assert_int_equal(sl_fs_mkdirs(p, NULL), SL_OK);
    assert_int_equal(sl_fs_mkdirs(out, NULL), SL_OK);
    assert_int_equal(sl_statedir_resolve(&sd, SYNC_DIR "/pending/t.parquet", p, sizeof p), SL_OK);
    char want[700];
    snprintf(want, sizeof want, "%s/state2/sync/pending/t.parquet", tmpdir);
    assert_string_equal(p, want);
    assert_int_equal(sl_statedir_resolve(&sd, "t.parquet", p, sizeof p), SL_OK);
    snprintf(want, sizeof want, "%s/o2/t.parquet", tmpdir);
    assert_string_equal(p, want);
    sync_state s;
    memset(&s, 0, sizeof s);
    s.gen = 5;
    assert_int_equal(sync_state_add_op(&s, SYNC_DIR "/pending/.t.parquet.sync5.tmp", SYNC_DIR "/pending/t.parquet"), SL_OK);
    assert_int_equal(sync_state_add_op(&s, ".t.parquet.sync5.tmp", "t.parquet"), SL_OK);
    assert_int_equal(sync_state_save(&sd, &s, NULL), SL_OK);
    write_text("state2/sync/pending/.t.parquet.sync5.tmp", "held", "w");
    write_text("state2/sync/pending/.u.parquet.sync4.tmp", "stray", "w");
    write_text("o2/.t.parquet.sync5.tmp", "final", "w");
    sync_state r;
    assert_int_equal(sync_state_load(&sd, &r, NULL), SL_OK);
    assert_int_equal(r.gen, 5);
    assert_int_equal(sync_state_recover(&sd, &r, NULL), SL_OK);
    struct stat sb;
    snprintf(p, sizeof p, "%s/state2/sync/pending/t.parquet", tmpdir);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_size, 4);
    snprintf(p, sizeof p, "%s/o2/t.parquet", tmpdir);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_size, 5);
    snprintf(p, sizeof p, "%s/state2/sync/pending/.u.parquet.sync4.tmp", tmpdir);
    assert_int_not_equal(stat(p, &sb), 0);
    snprintf(p, sizeof p, "%s/o2/" SYNC_DIR, tmpdir);
    assert_int_not_equal(stat(p, &sb), 0);   /* nothing of the state in OUT */
    sync_state_free(&s);
    sync_state_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_schema_join),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_ledger),
        cmocka_unit_test(test_state),
        cmocka_unit_test(test_state_elsewhere),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
