// End-to-end tests of `sluice sync`: the binary is run as a user runs it on output
// directories made by the real `sluice ingest`, or by hand (parts written by the real
// normalizer through `sluice convert`, ledger lines written here to the format of
// docs/state-layout.md), and every final table is read back with DuckDB (and, where
// said, all four oracles) and compared value by value with the rows expected.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawn, spawnSync} from 'node:child_process';
import {duckQuery, sqlString, readAll, assertRows} from './lib/oracles.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
// The binary that makes the fixtures (generate, convert, ingest): the one under test,
// unless SLUICE_FIXTURE_BUILD names another (to run sync alone under a sanitizer).
const FIXTURE = path.resolve(process.env.SLUICE_FIXTURE_BUILD ?? process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-sync-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));

function sluice(args, env = {}) {
  const bin = args[0] === 'sync' ? SLUICE : FIXTURE;
  assert.ok(fs.existsSync(bin), `${bin} is missing: run 'make' first (or set SLUICE_BUILD)`);
  const r = spawnSync(bin, args, {encoding: 'utf8', maxBuffer: 1 << 28, env: {...process.env, ...env}});
  if (r.error) throw r.error;
  return r;
}

function syncOk(out, extra = []) {
  const r = sluice(['sync', '--output-dir', out, ...extra]);
  assert.equal(r.status, 0, `sluice sync exited ${r.status} (signal ${r.signal}):\n${r.stderr}`);
  return r;
}

const report = (out) => JSON.parse(fs.readFileSync(path.join(out, '_sluice/sync/report.json'), 'utf8'));

let dirSeq = 0;
function freshDir(name) {
  const d = path.join(TMP, `${dirSeq++}-${name}`);
  fs.mkdirSync(d, {recursive: true});
  return d;
}

let partSeq = 0;
/** Rows of `table` as parts ingest would commit: NDJSON through the real normalizer
 * (`sluice convert --table`), moved to OUT/raw/<table>/ (child tables too). Returns
 * the ledger's part records. Not committed until a ledger line names them. */
async function makeParts(out, table, rows, writer = 'w1') {
  const work = freshDir('part');
  const input = path.join(work, 'in.ndjson');
  fs.writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const dst = path.join(work, 'out');
  const r = sluice(['convert', '-q', '--table', table, input, '-o', dst]);
  assert.equal(r.status, 0, r.stderr);
  const seq = partSeq++;
  const parts = [];
  for (const f of fs.readdirSync(dst).sort()) {
    const t = f.replace(/\.parquet$/, '');
    const rel = `raw/${t}/part-${writer}-${seq}.parquet`;
    fs.mkdirSync(path.join(out, 'raw', t), {recursive: true});
    fs.renameSync(path.join(dst, f), path.join(out, rel));
    const [{n}] = await duckQuery(`SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(path.join(out, rel))})`);
    parts.push({table: t, path: rel, rows: Number(n)});
  }
  return parts;
}

/** Appends one commit record to OUT/_sluice/ledger/<writer>.jsonl. */
function commit(out, id, parts, {writer = 'w1', torn = false} = {}) {
  const dir = path.join(out, '_sluice', 'ledger');
  fs.mkdirSync(dir, {recursive: true});
  const line = JSON.stringify({commit: id, at: new Date().toISOString(), parts, inputs: []});
  fs.appendFileSync(path.join(dir, `${writer}.jsonl`), torn ? line : line + '\n');
}

/** Every row of a final table (a file, or a directory of files), sorted. */
async function tableRows(out, table, order = 'ALL') {
  const file = path.join(out, `${table}.parquet`);
  const src = fs.existsSync(file) ? file : path.join(out, table, '*.parquet');
  return duckQuery(`SELECT * FROM read_parquet(${sqlString(src)}) ORDER BY ${order}`);
}

const columns = async (file) =>
  (await duckQuery(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`)).map((c) => `${c.column_name} ${c.column_type}`);

function generate(n, dir, seed = 7) {
  const r = sluice(['generate', '--num-iterations', String(n), '--max-batch-size', '10', '--seed', String(seed),
    '--output-dir', dir]);
  assert.equal(r.status, 0, r.stderr);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(dir, f));
}

/** Runs the real `sluice ingest --once` over copies of files. */
function ingest(files, out) {
  const input = freshDir('in');
  for (const f of files) fs.copyFileSync(f, path.join(input, path.basename(f)));
  const r = sluice(['ingest', '--once', '--settle', '0', '-v', 'warn', '--input-dir', input, '--output-dir', out]);
  assert.equal(r.status, 0, `sluice ingest exited ${r.status}:\n${r.stderr}`);
}

/** The ledger files of OUT, in name order (one per ingest run). */
const ledgerFiles = (out) => {
  const dir = path.join(out, '_sluice', 'ledger');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().map((f) => path.join(dir, f));
};

function copyDir(from, to) {
  fs.cpSync(from, to, {recursive: true});
  return to;
}

const SCHOOL = ['_documents', 'classes', 'student_classes', 'students', 'teachers'];

async function allTables(out, tables = SCHOOL) {
  const o = {};
  for (const t of tables) o[t] = await tableRows(out, t);
  return o;
}

function leftovers(out) {
  const found = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, {withFileTypes: true})) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.sync\d+\.tmp$/.test(e.name)) found.push(p);
    }
  };
  walk(out);
  return found;
}

// ------------------------------------------------------------ school data, end to end

let school;   // {files, conv, out}: 60 job-result documents, ingested in 3 runs
async function schoolFixture() {
  if (school) return school;
  const files = generate(60, freshDir('gen'));
  // the same documents through convert --documents: the tables sync must publish
  const conv = path.join(freshDir('conv'), 'tables');
  const r = sluice(['convert', '-q', '--documents', ...files, '-o', conv]);
  assert.equal(r.status, 0, r.stderr);
  const out = freshDir('school');
  for (let b = 0; b < 3; b++) ingest(files.slice(b * 20, b * 20 + 20), out);
  school = {files, conv, out};
  return school;
}

test('school: ingest then sync publishes exactly the tables convert --documents makes of the same files', async () => {
  const {files, conv, out: base} = await schoolFixture();
  const out = copyDir(base, path.join(freshDir('school-one'), 'out'));
  const r = syncOk(out);
  assert.match(r.stderr, /^sluice: sync: \d+ parts from \d+ commits?, \+\d+ rows/m);
  for (const t of ['classes', 'student_classes', 'students', 'teachers']) {
    const want = await duckQuery(`SELECT * FROM read_parquet(${sqlString(path.join(conv, t + '.parquet'))}) ORDER BY ALL`);
    const got = await tableRows(out, t);
    assert.ok(want.length > 0);
    assert.deepEqual(got, want, `table ${t}`);
    assert.deepEqual(await columns(path.join(out, t + '.parquet')), await columns(path.join(conv, t + '.parquet')), `columns of ${t}`);
  }
  // _documents: one row per file, with the job of each
  const docs = await duckQuery(`SELECT job_cluster, job_proc, _file FROM read_parquet(${sqlString(path.join(out, '_documents.parquet'))}) ORDER BY ALL`);
  const wantDocs = await duckQuery(`SELECT job_cluster, job_proc FROM read_parquet(${sqlString(path.join(conv, '_documents.parquet'))}) ORDER BY ALL`);
  assert.equal(docs.length, files.length);
  assert.deepEqual(docs.map(({job_cluster, job_proc}) => ({job_cluster, job_proc})), wantDocs);
  assert.deepEqual(docs.map((d) => d._file).sort(), files.map((f) => path.basename(f)).sort());
  const rep = report(out);
  for (const t of SCHOOL) {
    assert.equal(rep.tables[t].duplicates_dropped, 0);
    assert.equal(rep.tables[t].conflicts, 0);
    assert.equal(rep.tables[t].pending, 0);
  }
  assert.deepEqual(rep.tables.student_classes.key, ['student_id', 'class_id']);
  assert.deepEqual(rep.tables.students.key, ['student_id']);
  assert.deepEqual(rep.tables.classes.references.map((x) => `${x.column}->${x.table}`), ['teacher_id->teachers']);
  // every value, by all four readers, in file order, against DuckDB's own view
  const students = await duckQuery(`SELECT * FROM read_parquet(${sqlString(path.join(out, 'students.parquet'))})`);
  assertRows(await readAll(path.join(out, 'students.parquet')), students, 'students.parquet');
  // a second pass has nothing to do and changes nothing
  const before = fs.statSync(path.join(out, 'students.parquet'));
  syncOk(out);
  assert.equal(fs.statSync(path.join(out, 'students.parquet')).mtimeMs, before.mtimeMs);
  assert.deepEqual(leftovers(out), []);
});

test('school: passes as the ledger grows give the same tables as one pass over it all', async () => {
  const {out: base} = await schoolFixture();
  const one = copyDir(base, path.join(freshDir('school-once'), 'out'));
  syncOk(one);
  // the same commits, made visible one ledger line at a time
  const inc = copyDir(base, path.join(freshDir('school-inc'), 'out'));
  const ledgers = ledgerFiles(inc).map((f) => ({f, lines: fs.readFileSync(f, 'utf8').split('\n').filter(Boolean)}));
  assert.ok(ledgers.reduce((n, l) => n + l.lines.length, 0) >= 3, 'want several commits');
  for (const l of ledgers) fs.rmSync(l.f);
  for (const l of ledgers) {
    for (const line of l.lines) {
      fs.appendFileSync(l.f, line + '\n');
      syncOk(inc);
      assert.equal(report(inc).pass.commits, 1);
    }
  }
  const a = await allTables(one), b = await allTables(inc);
  for (const t of SCHOOL) assert.deepEqual(b[t], a[t], `table ${t}`);
  const ra = report(one), rb = report(inc);
  for (const t of SCHOOL) assert.equal(rb.tables[t].rows, ra.tables[t].rows);
  assert.equal(rb.parts_published, ra.parts_published);
});

test('passes keep the full row groups of a single-file table as they are: same rows, same order, few row groups', async () => {
  const {out: base} = await schoolFixture();
  const rg = ['--row-group-size', '4K'];
  const one = copyDir(base, path.join(freshDir('copy-once'), 'out'));
  syncOk(one, rg);
  // The same commits one ledger line at a time, twice: with 4 KiB row groups the
  // published ones are full and later passes copy them; with the default 8 MiB
  // none is, and every pass writes every row again.
  const incremental = (name, args) => {
    const out = copyDir(base, path.join(freshDir(name), 'out'));
    const ledgers = ledgerFiles(out).map((f) => ({f, lines: fs.readFileSync(f, 'utf8').split('\n').filter(Boolean)}));
    for (const l of ledgers) fs.rmSync(l.f);
    let copied = 0;
    for (const l of ledgers) {
      for (const line of l.lines) {
        fs.appendFileSync(l.f, line + '\n');
        syncOk(out, args);
        for (const t of SCHOOL) copied += report(out).tables[t].row_groups_copied_this_pass;
      }
    }
    return {out, copied};
  };
  const {out: inc, copied} = incremental('copy-inc', rg);
  const {out: plain, copied: none} = incremental('copy-plain', []);
  assert.ok(copied > 0, 'later passes copied row groups of the published tables');
  assert.equal(none, 0);
  assert.equal(Object.values(report(one).tables).reduce((n, t) => n + t.row_groups_copied_this_pass, 0), 0);
  // copying keeps the rows and their order: the file reads, in order, as the one
  // written row by row; and holds the rows of one pass over every commit
  const inOrder = (out, t) => duckQuery(`SELECT * EXCLUDE (file_row_number) FROM read_parquet(${sqlString(path.join(out, `${t}.parquet`))}, file_row_number = true) ORDER BY file_row_number`);
  const groups = async (out, t) => Number((await duckQuery(`SELECT count(DISTINCT row_group_id)::BIGINT AS n FROM parquet_metadata(${sqlString(path.join(out, `${t}.parquet`))})`))[0].n);
  for (const t of SCHOOL) {
    assert.deepEqual(await inOrder(inc, t), await inOrder(plain, t), `table ${t}, in file order`);
    assert.deepEqual(await tableRows(inc, t), await tableRows(one, t), `table ${t}`);
    assert.ok(await groups(inc, t) <= 2 * await groups(one, t) + 1, `${t}: row groups do not pile up pass after pass`);
  }
  // another codec: nothing is copied, every row is written again in it
  commit(inc, 'extra', await makeParts(inc, 'teachers', [{teacher_id: 'T9999999', first_name: 'Ada'}]));
  syncOk(inc, [...rg, '--compression', 'snappy']);
  assert.equal(report(inc).tables.teachers.row_groups_copied_this_pass, 0);
  const codecs = await duckQuery(`SELECT DISTINCT compression FROM parquet_metadata(${sqlString(path.join(inc, 'teachers.parquet'))})`);
  assert.deepEqual(codecs.map((c) => c.compression), ['SNAPPY']);
  assert.deepEqual((await tableRows(inc, 'teachers')).length, (await tableRows(one, 'teachers')).length + 1);
});

// ------------------------------------------------------------ keys

test('duplicates: a row whose key and content were published already is dropped and counted', async () => {
  const out = freshDir('dups');
  const s1 = {student_id: 'S1', name: 'Ann', age: 15};
  const s2 = {student_id: 'S2', name: 'Bob', age: 16};
  const s3 = {student_id: 'S3', name: 'Cy', age: 17};
  commit(out, 'c1', await makeParts(out, 'students', [s1, s2]));
  commit(out, 'c2', await makeParts(out, 'students', [s2, s3, s2]));
  syncOk(out);
  assert.deepEqual(await tableRows(out, 'students'), [
    {student_id: 'S1', name: 'Ann', age: 15n},
    {student_id: 'S2', name: 'Bob', age: 16n},
    {student_id: 'S3', name: 'Cy', age: 17n},
  ]);
  const rep = report(out);
  assert.equal(rep.tables.students.rows, 3);
  assert.equal(rep.tables.students.duplicates_dropped, 2);
  assert.equal(rep.tables.students.conflicts, 0);
  // the same again in a later pass
  commit(out, 'c3', await makeParts(out, 'students', [s1]));
  syncOk(out);
  assert.equal(report(out).tables.students.duplicates_dropped, 3);
  assert.equal(report(out).tables.students.duplicates_this_pass, 1);
  assert.equal((await tableRows(out, 'students')).length, 3);
});

test('duplicates: a repeated parent row takes its child rows with it; _key is not content', async () => {
  const out = freshDir('dup-children');
  const input = freshDir('dup-children-in');
  const student = {student_id: 'S1', name: 'Ann', courses: [{course: 'math', grade: 'A'}, {course: 'art', grade: 'B'}]};
  // two documents (two jobs) that both carry S1: ingest keeps both, each with its own _key
  fs.writeFileSync(path.join(input, 'a.json'), JSON.stringify({job: {cluster: 1, proc: 0}, students: [student]}));
  fs.writeFileSync(path.join(input, 'b.json'), JSON.stringify({job: {cluster: 1, proc: 1}, students: [student, {student_id: 'S2', name: 'Bo', courses: [{course: 'pe', grade: 'C'}]}]}));
  ingest([path.join(input, 'a.json'), path.join(input, 'b.json')], out);
  syncOk(out);
  const students = await tableRows(out, 'students', 'student_id');
  assert.deepEqual(students.map((s) => [s.student_id, s.name]), [['S1', 'Ann'], ['S2', 'Bo']]);
  const courses = await duckQuery(`SELECT c.course, c.grade, s.student_id FROM read_parquet(${sqlString(path.join(out, 'students__courses.parquet'))}) c
    JOIN read_parquet(${sqlString(path.join(out, 'students.parquet'))}) s ON c._parent_key = s._key ORDER BY ALL`);
  assert.deepEqual(courses, [
    {course: 'art', grade: 'B', student_id: 'S1'},
    {course: 'math', grade: 'A', student_id: 'S1'},
    {course: 'pe', grade: 'C', student_id: 'S2'},
  ]);
  const rep = report(out);
  assert.equal(rep.tables.students.duplicates_dropped, 1);
  assert.equal(rep.tables.students__courses.dropped_with_parent, 2);
  assert.equal(rep.tables.students__courses.rows, 3);
  assert.equal(rep.tables.students__courses.pending, 0);
  assert.deepEqual(rep.tables.students__courses.key, ['_key']);
});

test('conflicts: the first committed row stays, and both rows are recorded with their parts', async () => {
  const out = freshDir('conflict');
  const p1 = await makeParts(out, 'students', [{student_id: 'S1', name: 'Ann', gpa: 3.5}, {student_id: 'S2', name: 'Bob', gpa: 2.5}]);
  const p2 = await makeParts(out, 'students', [{student_id: 'S1', name: 'Anne', gpa: 3.75}]);
  commit(out, 'c1', p1);
  commit(out, 'c2', p2);
  const r = syncOk(out);
  assert.match(r.stderr, /students: 1 conflicting row rejected/);
  assert.deepEqual(await tableRows(out, 'students'), [
    {student_id: 'S1', name: 'Ann', gpa: 3.5},
    {student_id: 'S2', name: 'Bob', gpa: 2.5},
  ]);
  const rep = report(out);
  assert.equal(rep.tables.students.conflicts, 1);
  assert.equal(rep.tables.students.duplicates_dropped, 0);
  const recs = fs.readFileSync(path.join(out, '_sluice/sync/conflicts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(recs.length, 1);
  const c = recs[0];
  assert.equal(c.table, 'students');
  assert.deepEqual(c.key, {student_id: 'S1'});
  assert.deepEqual(c.kept, {part: p1[0].path, commit: 'c1', row: {student_id: 'S1', name: 'Ann', gpa: 3.5}});
  assert.deepEqual(c.rejected, {part: p2[0].path, commit: 'c2', row: {student_id: 'S1', name: 'Anne', gpa: 3.75}});
  // a later pass does not record it again, and a new conflict is appended
  commit(out, 'c3', await makeParts(out, 'students', [{student_id: 'S2', name: 'Bobby', gpa: 2.5}]));
  syncOk(out);
  const again = fs.readFileSync(path.join(out, '_sluice/sync/conflicts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(again.length, 2);
  assert.deepEqual(again[1].key, {student_id: 'S2'});
  assert.equal(again[1].kept.row.name, 'Bob');
  assert.equal(again[1].rejected.row.name, 'Bobby');
  assert.equal(report(out).tables.students.conflicts, 2);
});

// ------------------------------------------------------------ integrity

test('orphans: a row whose parent is not published waits, and is published when the parent commits', async () => {
  const out = freshDir('orphans');
  commit(out, 'c1', [
    ...await makeParts(out, 'students', [{student_id: 'S1', name: 'Ann'}]),
    ...await makeParts(out, 'classes', [{class_id: 'C1', title: 'Math'}]),
    ...await makeParts(out, 'student_classes', [
      {student_id: 'S1', class_id: 'C1', grade: 'A'},
      {student_id: 'S2', class_id: 'C1', grade: 'B'},
      {student_id: null, class_id: 'C1', grade: 'C'},    // a null key is not an orphan
      {student_id: 'S1', class_id: 'C9', grade: 'D'},
    ]),
  ]);
  syncOk(out);
  assert.deepEqual(await tableRows(out, 'student_classes'), [
    {student_id: 'S1', class_id: 'C1', grade: 'A'},
    {student_id: null, class_id: 'C1', grade: 'C'},
  ]);
  let rep = report(out);
  assert.equal(rep.tables.student_classes.pending, 2);
  assert.equal(rep.tables.student_classes.orphans, 0);
  assert.ok(fs.existsSync(path.join(out, '_sluice/sync/pending/student_classes.parquet')));
  // the parent of one arrives; the other waits on
  await new Promise((res) => setTimeout(res, 1100));
  commit(out, 'c2', await makeParts(out, 'students', [{student_id: 'S2', name: 'Bob'}]));
  const r = syncOk(out, ['--orphan-age', '1']);
  assert.match(r.stderr, /1 orphan/);
  assert.deepEqual(await tableRows(out, 'student_classes'), [
    {student_id: 'S1', class_id: 'C1', grade: 'A'},
    {student_id: 'S2', class_id: 'C1', grade: 'B'},
    {student_id: null, class_id: 'C1', grade: 'C'},
  ]);
  rep = report(out);
  assert.equal(rep.tables.student_classes.pending, 1);
  assert.equal(rep.tables.student_classes.orphans, 1);
  assert.ok(rep.tables.student_classes.oldest_pending_age_seconds >= 1);
  assert.equal(rep.orphans.length, 1);
  assert.deepEqual(rep.orphans[0].key, {student_id: 'S1', class_id: 'C9'});
  assert.deepEqual(rep.orphans[0].missing, {class_id: 'C9'});
  assert.match(rep.orphans[0].part, /^raw\/student_classes\//);
  commit(out, 'c3', await makeParts(out, 'classes', [{class_id: 'C9', title: 'Art'}]));
  syncOk(out);
  assert.equal((await tableRows(out, 'student_classes')).length, 4);
  rep = report(out);
  assert.equal(rep.tables.student_classes.pending, 0);
  assert.equal(rep.tables.student_classes.orphans, 0);
  assert.ok(!fs.existsSync(path.join(out, '_sluice/sync/pending/student_classes.parquet')));
});

test('orphans: a pending row waits for a parent that is itself pending', async () => {
  const out = freshDir('chain');
  commit(out, 'c1', [
    ...await makeParts(out, 'teachers', [{teacher_id: 'T1'}]),
    ...await makeParts(out, 'classes', [{class_id: 'C1', teacher_id: 'T1'}, {class_id: 'C2', teacher_id: 'T2'}]),
    ...await makeParts(out, 'students', [{student_id: 'S1'}]),
    ...await makeParts(out, 'student_classes', [{student_id: 'S1', class_id: 'C1'}, {student_id: 'S1', class_id: 'C2'}]),
  ]);
  syncOk(out);
  assert.deepEqual((await tableRows(out, 'classes')).map((r) => r.class_id), ['C1']);
  assert.deepEqual((await tableRows(out, 'student_classes')).map((r) => r.class_id), ['C1']);
  commit(out, 'c2', await makeParts(out, 'teachers', [{teacher_id: 'T2'}]));
  syncOk(out);
  assert.deepEqual((await tableRows(out, 'classes')).map((r) => r.class_id), ['C1', 'C2']);
  assert.deepEqual((await tableRows(out, 'student_classes')).map((r) => r.class_id), ['C1', 'C2']);
  assert.equal(report(out).totals.pending, 0);
});

test('orphans: a parent table that appears later brings its integrity rule with it', async () => {
  const mk = async (out) => [
    await makeParts(out, 'classes', [{class_id: 'C1', teacher_id: 'T1'}, {class_id: 'C2', teacher_id: 'T9'}]),
    await makeParts(out, 'teachers', [{teacher_id: 'T1'}]),
  ];
  // with the teachers table unknown, classes.teacher_id refers to nothing
  const inc = freshDir('late-parent');
  const [c, t] = await mk(inc);
  commit(inc, 'c1', c);
  syncOk(inc);
  assert.deepEqual((await tableRows(inc, 'classes')).map((r) => r.class_id), ['C1', 'C2']);
  // once it is known, the table is what one pass over both commits makes
  commit(inc, 'c2', t);
  syncOk(inc);
  const once = freshDir('late-parent-once');
  const [c2, t2] = await mk(once);
  commit(once, 'c1', c2);
  commit(once, 'c2', t2);
  syncOk(once);
  assert.deepEqual(await tableRows(inc, 'classes'), await tableRows(once, 'classes'));
  assert.deepEqual((await tableRows(inc, 'classes')).map((r) => r.class_id), ['C1']);
  assert.equal(report(inc).tables.classes.pending, 1);
  assert.deepEqual(report(inc).tables.classes.references, [{column: 'teacher_id', table: 'teachers', column_there: 'teacher_id'}]);
});

// ------------------------------------------------------------ the ledger

test('ledger: parts no complete line names are ignored: a stray part, a torn last line, a bad line', async () => {
  const out = freshDir('ledger');
  commit(out, 'c1', await makeParts(out, 'students', [{student_id: 'S1'}]));
  await makeParts(out, 'students', [{student_id: 'STRAY'}]);              // never committed
  fs.appendFileSync(path.join(out, '_sluice/ledger/w1.jsonl'), '{"commit":"bad","parts":[{"table":"students"}]}\n');
  fs.appendFileSync(path.join(out, '_sluice/ledger/w1.jsonl'), 'not json at all\n');
  commit(out, 'c2', await makeParts(out, 'students', [{student_id: 'S2'}]));
  commit(out, 'c3', await makeParts(out, 'students', [{student_id: 'TORN'}]), {torn: true});
  syncOk(out);
  assert.deepEqual((await tableRows(out, 'students')).map((r) => r.student_id), ['S1', 'S2']);
  const rep = report(out);
  assert.equal(rep.pass.ignored_ledger_lines, 2);
  assert.equal(rep.pass.commits, 4);
  assert.equal(rep.parts_published, 2);
  // a second writer's ledger is read too
  commit(out, 'd1', await makeParts(out, 'students', [{student_id: 'S3'}], 'w2'), {writer: 'w2'});
  syncOk(out);
  assert.deepEqual((await tableRows(out, 'students')).map((r) => r.student_id), ['S1', 'S2', 'S3']);
});

test('ledger: a committed part that cannot be read is corrupt input: exit 3, named, nothing published', async () => {
  const out = freshDir('corrupt');
  commit(out, 'c1', await makeParts(out, 'students', [{student_id: 'S1'}]));
  syncOk(out);
  const parts = await makeParts(out, 'students', [{student_id: 'S2'}]);
  const bad = path.join(out, parts[0].path);
  fs.truncateSync(bad, fs.statSync(bad).size - 20);
  commit(out, 'c2', parts);
  const before = fs.readFileSync(path.join(out, 'students.parquet'));
  const r = sluice(['sync', '--output-dir', out]);
  assert.equal(r.status, 3, r.stderr);
  assert.ok(r.stderr.includes(parts[0].path), r.stderr);
  assert.deepEqual(fs.readFileSync(path.join(out, 'students.parquet')), before);
  assert.deepEqual(leftovers(out), []);
});

// ------------------------------------------------------------ schemas

test('schemas: a later part widens int64 to float64 and adds a column; earlier rows are converted', async () => {
  const mk = async (out) => [
    await makeParts(out, 'students', [{student_id: 'S1', age: 15}, {student_id: 'S2', age: 16}]),
    await makeParts(out, 'students', [{student_id: 'S3', age: 15.5, nickname: 'Cy'}]),
    await makeParts(out, 'students', [{student_id: 'S4', age: 'unknown'}]),
  ];
  const inc = freshDir('widen-inc');
  const parts = await mk(inc);
  commit(inc, 'c1', parts[0]);
  syncOk(inc);
  assert.deepEqual(await columns(path.join(inc, 'students.parquet')), ['student_id VARCHAR', 'age BIGINT']);
  commit(inc, 'c2', parts[1]);
  syncOk(inc);
  assert.deepEqual(await columns(path.join(inc, 'students.parquet')), ['student_id VARCHAR', 'age DOUBLE', 'nickname VARCHAR']);
  assert.deepEqual(await tableRows(inc, 'students'), [
    {student_id: 'S1', age: 15, nickname: null},
    {student_id: 'S2', age: 16, nickname: null},
    {student_id: 'S3', age: 15.5, nickname: 'Cy'},
  ]);
  const sch = JSON.parse((await duckQuery(`SELECT decode(value) AS v FROM parquet_kv_metadata(${sqlString(path.join(inc, 'students.parquet'))}) WHERE decode(key) = 'sluice.schema'`))[0].v);
  assert.deepEqual(sch.columns.map((c) => `${c.name}:${c.type}`), ['student_id:string', 'age:float64', 'nickname:string']);
  commit(inc, 'c3', parts[2]);
  syncOk(inc);
  const want = [
    {student_id: 'S1', age: '15', nickname: null},
    {student_id: 'S2', age: '16', nickname: null},
    {student_id: 'S3', age: '15.5', nickname: 'Cy'},
    {student_id: 'S4', age: 'unknown', nickname: null},
  ];
  assert.deepEqual(await tableRows(inc, 'students'), want);
  assertRows(await readAll(path.join(inc, 'students.parquet')), want, 'widened students');
  // one pass over the three commits gives the same table
  const once = freshDir('widen-once');
  const parts2 = await mk(once);
  parts2.forEach((p, i) => commit(once, `c${i + 1}`, p));
  syncOk(once);
  assert.deepEqual(await tableRows(once, 'students'), want);
  // a duplicate of a row published before the widening is still a duplicate
  commit(inc, 'c4', await makeParts(inc, 'students', [{student_id: 'S3', age: '15.5', nickname: 'Cy'}]));
  syncOk(inc);
  assert.equal(report(inc).tables.students.duplicates_dropped, 1);
  assert.equal(report(inc).tables.students.conflicts, 0);
});

// ------------------------------------------------------------ target size

test('--target-size: a directory of files of about that size; full files are never rewritten', async () => {
  const out = freshDir('target');
  const rowsOf = (from, n) => Array.from({length: n}, (_, i) => ({
    student_id: `S${String(from + i).padStart(6, '0')}`,
    note: `row ${from + i} ${((from + i) * 2654435761 % 4294967296).toString(36)}`,
    score: (from + i) * 7 % 1000,
  }));
  const target = 16 * 1024;
  commit(out, 'c1', await makeParts(out, 'students', rowsOf(0, 3000)));
  syncOk(out, ['--target-size', String(target)]);
  const dir = path.join(out, 'students');
  const files1 = fs.readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort();
  assert.ok(files1.length >= 3, `want several files, got ${files1}`);
  assert.ok(!fs.existsSync(path.join(out, 'students.parquet')));
  for (const f of files1.slice(0, -1)) {
    const size = fs.statSync(path.join(dir, f)).size;
    assert.ok(size > target / 3 && size < target * 3, `${f}: ${size} bytes for a target of ${target}`);
  }
  const stat1 = Object.fromEntries(files1.map((f) => [f, fs.statSync(path.join(dir, f))]));
  commit(out, 'c2', await makeParts(out, 'students', rowsOf(3000, 1500)));
  commit(out, 'c3', await makeParts(out, 'students', rowsOf(4500, 10)));
  syncOk(out, ['--target-size', String(target)]);
  const files2 = fs.readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort();
  assert.ok(files2.length > files1.length);
  for (const f of files1.slice(0, -1)) {
    const s = fs.statSync(path.join(dir, f));
    assert.equal(s.ino, stat1[f].ino, `${f} was rewritten`);
    assert.equal(s.mtimeMs, stat1[f].mtimeMs, `${f} was rewritten`);
  }
  const want = rowsOf(0, 4510).map((r) => ({...r, score: BigInt(r.score)}));
  assert.deepEqual(await tableRows(out, 'students'), want);
  assert.deepEqual(report(out).tables.students.files, files2.map((f) => `students/${f}`));
  // a new column: every file is written again, so that all have the same columns
  commit(out, 'c3b', await makeParts(out, 'students', [{student_id: 'S999999', note: 'x', score: 1, extra: true}]));
  syncOk(out, ['--target-size', String(target)]);
  const files3 = fs.readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort();
  for (const f of files3) {
    assert.notEqual(fs.statSync(path.join(dir, f)).ino, stat1[f]?.ino, `${f} kept its old columns`);
    assert.deepEqual((await columns(path.join(dir, f))).map((c) => c.split(' ')[0]), ['student_id', 'note', 'score', 'extra']);
  }
  const extra = await duckQuery(`SELECT count(*)::BIGINT AS n, count(extra)::BIGINT AS e FROM read_parquet(${sqlString(path.join(dir, '*.parquet'))})`);
  assert.deepEqual(extra, [{n: 4511n, e: 1n}]);
  // back to one file: the directory's files go, one file holds it all
  syncOk(out);
  commit(out, 'c4', await makeParts(out, 'students', rowsOf(4510, 5)));
  syncOk(out);
  assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.parquet')).length, 0);
  const all = [...rowsOf(0, 4515).map((r) => ({...r, score: BigInt(r.score), extra: null})),
    {student_id: 'S999999', note: 'x', score: 1n, extra: true}].sort((a, b) => (a.student_id < b.student_id ? -1 : 1));
  assert.deepEqual(await tableRows(out, 'students'), all);
});

// ------------------------------------------------------------ crashes

test('crash safety: a SIGKILL at each step of a pass, then a rerun, gives the tables of one clean pass', async () => {
  const {out: base} = await schoolFixture();
  const clean = copyDir(base, path.join(freshDir('crash-clean'), 'out'));
  syncOk(clean);
  const want = await allTables(clean);
  for (const point of ['before-commit', 'after-commit', 'mid-publish']) {
    for (const incremental of [false, true]) {
      const out = copyDir(base, path.join(freshDir(`crash-${point}`), 'out'));
      if (incremental) {
        // a first pass commits the first ledger; the crash hits the second pass
        const rest = ledgerFiles(out).slice(1).map((f) => [f, fs.readFileSync(f)]);
        for (const [f] of rest) fs.rmSync(f);
        syncOk(out);
        for (const [f, text] of rest) fs.writeFileSync(f, text);
      }
      const r = sluice(['sync', '--output-dir', out], {SLUICE_TEST_CRASH: point});
      assert.equal(r.signal, 'SIGKILL', `${point}: expected the crash, got exit ${r.status}: ${r.stderr}`);
      syncOk(out);
      const got = await allTables(out);
      for (const t of SCHOOL) assert.deepEqual(got[t], want[t], `${point}${incremental ? ' (incremental)' : ''}: table ${t}`);
      assert.deepEqual(leftovers(out), [], point);
      const rep = report(out);
      for (const t of SCHOOL) assert.equal(rep.tables[t].rows, want[t].length);
    }
  }
});

test('crash safety: kill -9 at random moments, several times in a row, then a rerun', async () => {
  // a larger fixture so that a pass takes long enough to be hit
  const files = generate(1500, freshDir('gen-big'), 11);
  const base = freshDir('kill-base');
  ingest(files, base);
  const clean = copyDir(base, path.join(freshDir('kill-clean'), 'out'));
  syncOk(clean);
  const want = await allTables(clean);
  const timed = copyDir(base, path.join(freshDir('kill-time'), 'out'));
  const t0 = Date.now();
  syncOk(timed);
  const passMs = Math.max(20, Date.now() - t0);
  const check = async (out, label) => {
    const got = await allTables(out);
    for (const t of SCHOOL) assert.deepEqual(got[t], want[t], `${label}: table ${t}`);
    assert.deepEqual(leftovers(out), [], label);
  };
  // kill -9 at a random moment of the pass, again and again on the same directory;
  // a run the kill came too late for has finished the work: check it, start over
  let out = copyDir(base, path.join(freshDir('kill'), 'out'));
  let killed = 0, inRow = 0, bestRow = 0;
  for (let attempt = 0; attempt < 40 && killed < 8; attempt++) {
    const child = spawn(SLUICE, ['sync', '--output-dir', out], {stdio: 'ignore'});
    const exited = new Promise((res) => child.on('exit', (code, signal) => res({code, signal})));
    await new Promise((res) => setTimeout(res, Math.round(passMs * (0.05 + 0.5 * Math.random()))));
    child.kill('SIGKILL');
    const {code, signal} = await exited;
    if (signal === 'SIGKILL') {
      killed++;
      bestRow = Math.max(bestRow, ++inRow);
      continue;
    }
    assert.equal(code, 0);
    await check(out, `finished after ${inRow} kills`);
    out = copyDir(base, path.join(freshDir('kill'), 'out'));
    inRow = 0;
  }
  assert.ok(killed >= 4 && bestRow >= 2, `only ${killed} runs were killed mid-pass, ${bestRow} in a row (a pass takes ${passMs} ms)`);
  syncOk(out);
  await check(out, `rerun after ${inRow} kills`);
});

test('repair: a table, an index or the conflicts log deleted by hand, and a state older than the tables', async () => {
  const {out: base} = await schoolFixture();
  const clean = copyDir(base, path.join(freshDir('repair-clean'), 'out'));
  syncOk(clean);
  const want = await allTables(clean);
  const check = async (out, label) => {
    const got = await allTables(out);
    for (const t of SCHOOL) assert.deepEqual(got[t], want[t], `${label}: table ${t}`);
    assert.deepEqual(leftovers(out), [], label);
  };
  // a final table and an index deleted: the next pass rebuilds them from the parts
  const a = copyDir(clean, path.join(freshDir('repair-a'), 'out'));
  fs.rmSync(path.join(a, 'students.parquet'));
  fs.rmSync(path.join(a, '_sluice/sync/index/classes.idx'));
  fs.writeFileSync(path.join(a, '_sluice/sync/conflicts.jsonl'), '');
  syncOk(a);
  await check(a, 'deleted');
  // the state of an earlier pass put back (a backup) under tables of a later one:
  // the tables it does not describe are rebuilt, nothing is published twice
  const b = copyDir(base, path.join(freshDir('repair-b'), 'out'));
  const ledgers = ledgerFiles(b);
  const rest = ledgers.slice(1).map((f) => [f, fs.readFileSync(f)]);
  for (const [f] of rest) fs.rmSync(f);
  syncOk(b);
  const saved = copyDir(path.join(b, '_sluice/sync'), path.join(freshDir('repair-saved'), 'sync'));
  for (const [f, text] of rest) fs.writeFileSync(f, text);
  syncOk(b);
  fs.rmSync(path.join(b, '_sluice/sync'), {recursive: true});
  copyDir(saved, path.join(b, '_sluice/sync'));
  syncOk(b);
  await check(b, 'restored state');
  // no state at all: every table is made again from the raw parts
  fs.rmSync(path.join(b, '_sluice/sync'), {recursive: true});
  syncOk(b);
  await check(b, 'no state');
});

test('--target-size: ingest\'s own directory names cannot be tables', async () => {
  const out = freshDir('reserved');
  commit(out, 'c1', await makeParts(out, 'processed', [{processed_id: 1}]));
  const r = sluice(['sync', '--output-dir', out, '--target-size', '1M']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /table 'processed' cannot be a directory/);
  syncOk(out);   // as one file it is fine
  assert.equal((await tableRows(out, 'processed')).length, 1);
});

// ------------------------------------------------------------ the service

test('--watch: publishes as commits arrive and stops cleanly on SIGTERM', async () => {
  const out = freshDir('watch');
  fs.mkdirSync(path.join(out, '_sluice', 'ledger'), {recursive: true});
  const child = spawn(SLUICE, ['sync', '--output-dir', out, '--watch', '--interval', '0.3'], {stdio: ['ignore', 'ignore', 'pipe']});
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((res) => child.on('exit', (code, signal) => res({code, signal})));
  const waitRows = async (n) => {
    for (let i = 0; i < 100; i++) {
      if (fs.existsSync(path.join(out, 'students.parquet')) && (await tableRows(out, 'students')).length === n) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.fail(`students never reached ${n} rows:\n${stderr}`);
  };
  try {
    commit(out, 'c1', await makeParts(out, 'students', [{student_id: 'S1'}, {student_id: 'S2'}]));
    await waitRows(2);
    commit(out, 'c2', await makeParts(out, 'students', [{student_id: 'S3'}]));
    await waitRows(3);
    // a second sync on the same directory is refused while the service holds it
    const r = sluice(['sync', '--output-dir', out]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /another sluice sync is running/);
  } finally {
    child.kill('SIGTERM');
  }
  const {code, signal} = await exited;
  assert.equal(signal, null, stderr);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /stopped by signal/);
});

test('--watch: a pass that fails to write (a file size limit, as a full disk would) is retried, no table broken', async () => {
  const out = freshDir('watch-fail');
  commit(out, 'c1', await makeParts(out, 'students', [{student_id: 'S1', name: 'a'.repeat(100)}]));
  syncOk(out);
  const before = fs.readFileSync(path.join(out, 'students.parquet'));
  const big = Array.from({length: 3000}, (_, i) => ({student_id: `S${i + 2}`, name: `${i}`.repeat(40)}));
  commit(out, 'c2', await makeParts(out, 'students', big));
  // files over 64 KiB fail with EFBIG (SIGXFSZ ignored) until the limit is lifted
  const child = spawn('sh', ['-c', `trap '' XFSZ; ulimit -S -f 128; exec "$0" "$@"`, SLUICE, 'sync', '--output-dir', out,
    '--watch', '--interval', '0.2'], {stdio: ['ignore', 'ignore', 'pipe']});
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((res) => child.on('exit', (code, signal) => res({code, signal})));
  try {
    for (let i = 0; i < 50 && !/pass failed/.test(stderr); i++) await new Promise((res) => setTimeout(res, 100));
    assert.match(stderr, /sluice: sync: pass failed: .*; retrying in 0.2 s/);
    assert.deepEqual(fs.readFileSync(path.join(out, 'students.parquet')), before);
    assert.deepEqual(leftovers(out), []);
    const lift = spawnSync('prlimit', ['--pid', String(child.pid), '--fsize=unlimited']);
    assert.equal(lift.status, 0, String(lift.stderr));
    for (let i = 0; i < 50; i++) {
      if ((await tableRows(out, 'students')).length === 3001) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal((await tableRows(out, 'students')).length, 3001);
  } finally {
    child.kill('SIGTERM');
  }
  const {code} = await exited;
  assert.equal(code, 0, stderr);
  assert.deepEqual(leftovers(out), []);
});

test('usage: bad options exit 2 with a message', () => {
  for (const args of [[], ['--output-dir', path.join(TMP, 'nope')], ['--output-dir', TMP, '--target-size', 'x'],
    ['--output-dir', TMP, '--once', '--watch'], ['--output-dir', TMP, '--interval', '1'],
    ['--output-dir', TMP, '--compression', 'zip'], ['--output-dir', TMP, '--verbosity', 'loud']]) {
    const r = sluice(['sync', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^sluice: /);
  }
  const h = sluice(['sync', '--help']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /--target-size/);
});
