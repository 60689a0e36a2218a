// End-to-end tests of `sluice validate`: the binary is run as a user runs it, on
// datasets made by `sluice generate --format parquet` and changed by DuckDB to hold a
// known number of violations of every kind, on tables written by Polars and DuckDB,
// and on a corrupt file. Every count in the report is compared with the number
// injected and with DuckDB's own SQL over the same files.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import pl from 'nodejs-polars';
import {duckQuery, sqlString} from './lib/oracles.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const FIXTURE = path.resolve(process.env.SLUICE_FIXTURE_BUILD ?? process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-validate-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));

function run(bin, args) {
  assert.ok(fs.existsSync(bin), `${bin} is missing: run 'make' first (or set SLUICE_BUILD)`);
  const r = spawnSync(bin, args, {encoding: 'utf8', maxBuffer: 1 << 28});
  if (r.error) throw r.error;
  return r;
}
const validate = (args) => run(SLUICE, ['validate', ...args]);

let seq = 0;
function fresh(name) {
  const d = path.join(TMP, `${seq++}-${name}`);
  fs.mkdirSync(d, {recursive: true});
  return d;
}

function generate(dir, n = 2000, extra = []) {
  const r = run(FIXTURE, ['generate', '--schema', 'school', '--format', 'parquet', '--n', String(n),
                          '--output-dir', dir, ...extra]);
  assert.equal(r.status, 0, r.stderr);
}

const report = (dir, file = 'data_quality_report.json') => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
const pq = (dir, t) => sqlString(path.join(dir, `${t}.parquet`));
const one = async (sql) => Number(Object.values((await duckQuery(sql))[0])[0]);

/** The failing rows of every check, as {"check table.column": n}, non-zero ones only. */
function failures(rep) {
  const out = {};
  for (const c of rep.checks)
    if (c.failing_rows) out[`${c.check} ${c.table}${c.column ? '.' + c.column : ''}`] = c.failing_rows;
  return out;
}

function check(rep, name, table, column) {
  const c = rep.checks.find((k) => k.check === name && k.table === table && (column === undefined || k.column === column));
  assert.ok(c, `no check ${name} ${table}.${column}`);
  return c;
}

test('a clean generated school dataset scores 100 and exits 0; profiles match DuckDB', async () => {
  const d = fresh('clean');
  generate(d);
  const r = validate(['--output-dir', d]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /validate: passed/);
  const rep = report(d);
  assert.equal(rep.passed, true);
  assert.equal(rep.exit_code, 0);
  assert.deepEqual(failures(rep), {});
  for (const k of ['overall', 'completeness', 'validity', 'uniqueness', 'integrity', 'consistency'])
    assert.equal(rep.score[k], 100, k);
  assert.equal(rep.schema.name, 'school');
  assert.equal(rep.schema.source, 'metadata');
  // every kind the school schema brings is checked, over every row
  const students = await one(`SELECT count(*) FROM ${pq(d, 'students')}`);
  const enroll = await one(`SELECT count(*) FROM ${pq(d, 'student_classes')}`);
  assert.equal(check(rep, 'age_year_mismatch', 'students').rows_checked, students);
  assert.equal(check(rep, 'over_enrollment_limit', 'students').rows_checked, students);
  assert.equal(check(rep, 'over_capacity', 'classes').rows_checked, await one(`SELECT count(*) FROM ${pq(d, 'classes')}`));
  assert.equal(check(rep, 'orphan_refs', 'student_classes', 'class_id').rows_checked, enroll);
  assert.equal(check(rep, 'duplicate_rows', 'student_classes').rows_checked, enroll);
  // profiles: exact counts, min, max and mean; distinct within HyperLogLog's error
  const t = rep.tables.find((x) => x.name === 'students');
  const col = (n) => t.columns.find((c) => c.name === n).profile;
  const want = (await duckQuery(`SELECT min(year) mn, max(year) mx, avg(year) av, count(DISTINCT first_name) df,
      count(*) - count(guardian_phone) np, min(first_name) fmin, max(first_name) fmax,
      quantile_disc(age, 0.5) med FROM ${pq(d, 'students')}`))[0];
  assert.equal(col('year').min, Number(want.mn));
  assert.equal(col('year').max, Number(want.mx));
  assert.ok(Math.abs(col('year').mean - want.av) < 1e-9, `${col('year').mean} vs ${want.av}`);
  assert.equal(col('guardian_phone').nulls, Number(want.np));
  assert.ok(Number(want.np) > 0);
  assert.equal(col('first_name').min, want.fmin);
  assert.equal(col('first_name').max, want.fmax);
  assert.ok(Math.abs(col('first_name').distinct - Number(want.df)) <= 0.05 * Number(want.df),
            `${col('first_name').distinct} vs ${want.df}`);
  assert.equal(col('age').quantiles.p50, Number(want.med));
  const top = await duckQuery(`SELECT year, count(*) n FROM ${pq(d, 'students')} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`);
  assert.equal(col('year').top_values[0].value, Number(top[0].year));
  assert.equal(col('year').top_values[0].count, Number(top[0].n));
  // the readable reports exist and the HTML page needs nothing from elsewhere
  const md = fs.readFileSync(path.join(d, 'QUALITY_REPORT.md'), 'utf8');
  assert.match(md, /\*\*PASSED\*\*, quality score \*\*100\.00\*\*/);
  const html = fs.readFileSync(path.join(d, 'quality_report.html'), 'utf8');
  assert.match(html, /<svg/);
  assert.doesNotMatch(html, /<script|src=|href=|@import|url\(/i);
});

/** A school dataset with known violations, built by DuckDB from a clean one. */
async function injected() {
  const clean = fresh('src');
  generate(clean);
  const d = fresh('bad');
  const S = (await duckQuery(`SELECT student_id FROM ${pq(clean, 'students')} ORDER BY 1`)).map((r) => r.student_id);
  const counts = await duckQuery(`SELECT c.class_id, c.capacity, count(e.class_id) n FROM ${pq(clean, 'classes')} c
      LEFT JOIN ${pq(clean, 'student_classes')} e USING (class_id) GROUP BY 1, 2 ORDER BY 1`);
  const full = counts.filter((c) => Number(c.n) >= 21).map((c) => c.class_id);
  const spare = counts.filter((c) => Number(c.n) <= Number(c.capacity) - 2 && !full.slice(0, 2).includes(c.class_id))
    .map((c) => c.class_id);
  assert.ok(full.length >= 2 && spare.length >= 12, 'the fixture needs full and spare classes');
  const atLimit = (await duckQuery(`SELECT student_id FROM ${pq(clean, 'student_classes')} GROUP BY 1
      HAVING count(*) = 5 ORDER BY 1`)).map((r) => r.student_id).filter((s) => S.indexOf(s) > 100);
  const list = (a) => a.map(sqlString).join(',');
  const nulls = S.slice(10, 14), gpa = S.slice(20, 22), age = S.slice(30, 33), dups = S.slice(40, 43),
    conflicts = S.slice(50, 52), limit = atLimit.slice(0, 2);
  const cap = full.slice(0, 2), term = spare[0], teacher = spare[1];
  const spareFor = spare.slice(2);
  // students: 4 nulls in a required column, 2 out of range, 3 ages off, 3 copies, 2 conflicts
  await duckQuery(`COPY (
      SELECT * REPLACE (
        CASE WHEN student_id IN (${list(nulls)}) THEN NULL ELSE last_name END AS last_name,
        CASE WHEN student_id IN (${list(gpa)}) THEN 4.5::DECIMAL(3,2) ELSE gpa END AS gpa,
        CASE WHEN student_id IN (${list(age)}) THEN year + 9 ELSE age END AS age)
      FROM ${pq(clean, 'students')}
      UNION ALL SELECT * FROM ${pq(clean, 'students')} WHERE student_id IN (${list(dups)})
      UNION ALL SELECT * REPLACE ('Zed' || first_name AS first_name) FROM ${pq(clean, 'students')}
        WHERE student_id IN (${list(conflicts)})
    ) TO ${pq(d, 'students')} (FORMAT parquet)`);
  // classes: 2 over capacity (capacity lowered, still within 20..35), 1 term out of its
  // enum, 1 teacher that does not exist
  await duckQuery(`COPY (
      SELECT c.* REPLACE (
        CASE WHEN c.class_id IN (${list(cap)}) THEN (SELECT count(*) FROM ${pq(clean, 'student_classes')} e
             WHERE e.class_id = c.class_id)::INTEGER - 1 ELSE c.capacity END AS capacity,
        CASE WHEN c.class_id = ${sqlString(term)} THEN 'Winter 2030' ELSE c.term END AS term,
        CASE WHEN c.class_id = ${sqlString(teacher)} THEN 'T9999999' ELSE c.teacher_id END AS teacher_id)
      FROM ${pq(clean, 'classes')} c) TO ${pq(d, 'classes')} (FORMAT parquet)`);
  // enrollments: 5 whose student does not exist, 2 students pushed to 6 classes, each
  // added row in a class of its own with room to spare
  const extra = [
    ...[0, 1, 2, 3, 4].map((i) => [`S9999999${i}`, spareFor[i]]),
    ...limit.map((s, i) => [s, spareFor[5 + i]]),
  ];
  const values = extra.map(([s, c]) => `(${sqlString(s)}, ${sqlString(c)})`).join(',');
  await duckQuery(`COPY (
      SELECT * FROM ${pq(clean, 'student_classes')}
      UNION ALL SELECT x.s, x.c, e.enrolled_on, e.status, e.score, e.grade
        FROM (VALUES ${values}) x(s, c), (SELECT * FROM ${pq(clean, 'student_classes')} LIMIT 1) e
    ) TO ${pq(d, 'student_classes')} (FORMAT parquet)`);
  fs.copyFileSync(path.join(clean, 'teachers.parquet'), path.join(d, 'teachers.parquet'));
  return {d, nulls, gpa, age, dups, conflicts, limit, cap, term, teacher};
}

test('every injected violation is counted exactly, by kind, and DuckDB agrees', async () => {
  const x = await injected();
  const d = x.d;
  // DuckDB's files carry no sluice schema: the school rules come from --schema
  const r = validate(['--output-dir', d, '--schema', 'school', '--report-file', path.join(d, 'r.json')]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /validate: FAILED/);
  const rep = report(d, 'r.json');
  assert.equal(rep.passed, false);
  assert.equal(rep.schema.source, 'schema');
  assert.deepEqual(failures(rep), {
    'null_required students.last_name': 4,
    'out_of_range students.gpa': 2,
    'age_year_mismatch students.age': 3,
    'duplicate_rows students': 3,
    'conflicting_duplicates students': 2,
    'over_enrollment_limit students.student_id': 2,
    'over_capacity classes.capacity': 2,
    'out_of_range classes.term': 1,
    'orphan_refs classes.teacher_id': 1,
    'orphan_refs student_classes.student_id': 5,
  });
  // the same numbers from DuckDB's SQL over the same files
  const s = pq(d, 'students'), c = pq(d, 'classes'), e = pq(d, 'student_classes'), t = pq(d, 'teachers');
  assert.equal(await one(`SELECT count(*) FILTER (last_name IS NULL) FROM ${s}`), 4);
  assert.equal(await one(`SELECT count(*) FILTER (gpa > 4) FROM ${s}`), 2);
  assert.equal(await one(`SELECT count(*) FROM (SELECT DISTINCT student_id, age, year FROM ${s}) WHERE age - year NOT IN (5, 6)`), 3);
  assert.equal(await one(`SELECT (SELECT count(*) FROM ${s}) - (SELECT count(*) FROM (SELECT DISTINCT * FROM ${s}))`), 3);
  assert.equal(await one(`SELECT (SELECT count(*) FROM (SELECT DISTINCT * FROM ${s})) - (SELECT count(DISTINCT student_id) FROM ${s})`), 2);
  assert.equal(await one(`SELECT count(*) FROM (SELECT student_id FROM ${e} GROUP BY 1 HAVING count(*) > 5)`), 2);
  assert.equal(await one(`SELECT count(*) FROM ${c} cc WHERE capacity < (SELECT count(*) FROM ${e} ee WHERE ee.class_id = cc.class_id)`), 2);
  assert.equal(await one(`SELECT count(*) FROM ${c} WHERE term NOT IN ('Fall 2026', 'Spring 2027')`), 1);
  assert.equal(await one(`SELECT count(*) FROM ${c} WHERE teacher_id NOT IN (SELECT teacher_id FROM ${t})`), 1);
  assert.equal(await one(`SELECT count(*) FROM ${e} WHERE student_id NOT IN (SELECT student_id FROM ${s})`), 5);
  // samples are the failing rows themselves
  const nullSample = check(rep, 'null_required', 'students', 'last_name').samples.map((k) => k.values.student_id).sort();
  assert.deepEqual(nullSample, x.nulls);
  assert.deepEqual(check(rep, 'orphan_refs', 'classes', 'teacher_id').samples.map((k) => k.values.class_id), [x.teacher]);
  assert.deepEqual(check(rep, 'over_capacity', 'classes').samples.map((k) => k.values.class_id).sort(), x.cap);
  assert.deepEqual(check(rep, 'over_enrollment_limit', 'students').samples.map((k) => k.values.student_id).sort(), x.limit);
  const conf = check(rep, 'conflicting_duplicates', 'students').samples.map((k) => k.values);
  assert.deepEqual(conf.map((v) => v.student_id).sort(), x.conflicts);
  assert.ok(conf.every((v) => v.first_name.startsWith('Zed')));
  assert.equal(check(rep, 'out_of_range', 'students', 'gpa').samples[0].values.gpa, 4.5);
  // scores: below 100 exactly where something failed, and by the stated formula
  assert.equal(rep.score.completeness < 100, true);
  const sc = rep.score;
  assert.equal(sc.overall, Math.floor(10000 * (1 - sc.failing_rows.overall / sc.rows_checked.overall)) / 100);
  const rel = rep.relationships.find((k) => k.table === 'student_classes' && k.column === 'student_id');
  assert.equal(rel.orphans, 5);
  assert.equal(rel.coverage, (rel.values_checked - 5) / rel.values_checked);
});

test('tables written by Polars and DuckDB, no schema: conventions, discovered keys, exit codes', async () => {
  const d = fresh('polars');
  pl.DataFrame({item_id: [1, 2, 3, 4, 4], name: ['a', 'b', 'c', 'd', 'd']}).writeParquet(path.join(d, 'items.parquet'));
  pl.DataFrame({order_id: ['o1', 'o2', 'o3', 'o4'], item_id: [1, 2, 9, null], replacement_id: [2, 3, 3, 1]})
    .writeParquet(path.join(d, 'orders.parquet'));
  await duckQuery(`COPY (SELECT range AS n, range % 3 AS k FROM range(10)) TO ${sqlString(path.join(d, 'numbers.parquet'))} (FORMAT parquet)`);
  const r = validate(['--output-dir', d]);
  assert.equal(r.status, 1, r.stderr);
  const rep = report(d);
  assert.equal(rep.schema.source, 'conventions');
  assert.deepEqual(failures(rep), {'duplicate_rows items': 1, 'orphan_refs orders.item_id': 1});
  assert.deepEqual(rep.tables.find((t) => t.name === 'items').key, ['item_id']);
  assert.equal(rep.tables.find((t) => t.name === 'numbers').key_source, 'none');
  const disc = rep.relationships.find((k) => k.column === 'replacement_id');
  assert.equal(disc.how, 'discovered');
  assert.equal(disc.references_table, 'items');
  assert.equal(disc.parent_coverage, 3 / 4);
  assert.equal(rep.relationships.find((k) => k.column === 'item_id').how, 'convention');
});

test('a corrupt Parquet file exits 3 naming it; usage errors exit 2', () => {
  const d = fresh('corrupt');
  generate(d, 100);
  const f = path.join(d, 'classes.parquet');
  const buf = fs.readFileSync(f);
  fs.writeFileSync(f, buf.subarray(0, buf.length - 100));
  const r = validate(['--output-dir', d]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /^sluice: .*classes\.parquet/);
  assert.equal(validate([]).status, 2);
  assert.equal(validate(['--output-dir', path.join(d, 'nope')]).status, 2);
  const empty = fresh('empty');
  const e = validate(['--output-dir', empty]);
  assert.equal(e.status, 2);
  assert.match(e.stderr, /no Parquet tables/);
});

test('a rules file adds patterns and severities; --strict fails on warnings; a bad one is a clear error', async () => {
  const d = fresh('rules');
  generate(d, 500);
  const s = pq(d, 'students');
  const bad = (await duckQuery(`SELECT student_id FROM ${s} ORDER BY 1 LIMIT 2`)).map((r) => r.student_id);
  const tmp = path.join(d, 'tmp.parquet');
  await duckQuery(`COPY (SELECT * REPLACE (CASE WHEN student_id IN (${bad.map(sqlString).join(',')}) THEN 'call me'
      ELSE phone END AS phone) FROM ${s}) TO ${sqlString(tmp)} (FORMAT parquet)`);
  fs.renameSync(tmp, path.join(d, 'students.parquet'));
  const rules = path.join(d, 'rules.yaml');
  fs.writeFileSync(rules, [
    'schema: school',
    'tables:',
    '  students:',
    '    columns:',
    "      phone: {pattern: '^\\+1-[0-9]{3}-[0-9]{3}-[0-9]{4}$', severity: warning}",
    '      gender: {values: [F, M, X, N]}',
    '',
  ].join('\n'));
  const r = validate(['--output-dir', d, '--schema', 'school', '--rules', rules]);
  assert.equal(r.status, 0, r.stderr);
  const rep = report(d);
  assert.deepEqual(failures(rep), {'pattern_mismatch students.phone': 2});
  const k = check(rep, 'pattern_mismatch', 'students', 'phone');
  assert.equal(k.severity, 'warning');
  assert.equal(k.status, 'warning');
  assert.deepEqual(k.samples.map((x) => x.values.student_id).sort(), bad);
  assert.equal(validate(['--output-dir', d, '--schema', 'school', '--rules', rules, '--strict']).status, 1);
  fs.writeFileSync(rules, 'tables:\n  students:\n    columns:\n      phone: {patern: x}\n');
  const e = validate(['--output-dir', d, '--rules', rules]);
  assert.equal(e.status, 2);
  assert.match(e.stderr, /rules\.yaml:4:\d+.*unknown column rule 'patern'/);
});

test('saved sketches: unchanged files are merged, not profiled again, with the same profile', async () => {
  const src = fresh('inc-src');
  generate(src, 3000);
  const d = fresh('inc');
  fs.mkdirSync(path.join(d, 'students'));
  const s = pq(src, 'students');
  await duckQuery(`COPY (SELECT * FROM ${s} ORDER BY student_id LIMIT 1500) TO ${sqlString(path.join(d, 'students/part-00000.parquet'))} (FORMAT parquet)`);
  await duckQuery(`COPY (SELECT * FROM ${s} ORDER BY student_id OFFSET 1500) TO ${sqlString(path.join(d, 'students/part-00001.parquet'))} (FORMAT parquet)`);
  const strip = (rep) => JSON.stringify(rep.tables.map((t) => t.columns));
  assert.equal(validate(['--output-dir', d, '--schema', 'school']).status, 0);
  const first = report(d);
  assert.equal(first.summary.files_read, 2);
  assert.equal(validate(['--output-dir', d, '--schema', 'school']).status, 0);
  const second = report(d);
  assert.equal(second.summary.files_read, 0);
  assert.equal(second.summary.files_reused, 2);
  assert.equal(strip(second), strip(first));
  // a changed file is read again, the other merged; the numbers are those of a full run
  await duckQuery(`COPY (SELECT * FROM ${s} ORDER BY student_id OFFSET 1500 LIMIT 1000) TO ${sqlString(path.join(d, 'students/part-00001.parquet'))} (FORMAT parquet)`);
  assert.equal(validate(['--output-dir', d, '--schema', 'school']).status, 0);
  const third = report(d);
  assert.equal(third.summary.files_read, 1);
  assert.equal(third.summary.files_reused, 1);
  const year = third.tables[0].columns.find((c) => c.name === 'year').profile;
  const want = (await duckQuery(`SELECT count(*) n, avg(year) a FROM read_parquet(${sqlString(path.join(d, 'students/*.parquet'))})`))[0];
  assert.equal(year.rows, Number(want.n));
  assert.ok(Math.abs(year.mean - want.a) < 1e-9);
  assert.equal(validate(['--output-dir', d, '--schema', 'school', '--no-state', '--report-file', path.join(d, 'full.json')]).status, 0);
  const full = report(d, 'full.json');
  assert.equal(full.summary.files_read, 2);
  const pick = (rep) => rep.tables[0].columns.map((c) => [c.name, c.profile.rows, c.profile.nulls, c.profile.min, c.profile.max, c.profile.distinct]);
  assert.deepEqual(pick(third), pick(full));
});

test('drift: none on a first run, reported when a column changes, none right after a fix', async () => {
  const d = fresh('drift');
  generate(d, 3000);
  const s = path.join(d, 'students.parquet');
  const keep = path.join(d, '..', 'students.keep.parquet');
  fs.copyFileSync(s, keep);
  assert.equal(validate(['--output-dir', d]).status, 0);
  assert.equal(report(d).drift.baseline, null);
  assert.deepEqual(report(d).drift.columns, []);
  // the guardian phone goes missing for a quarter of the students: drift, a warning
  const tmp = path.join(d, 'tmp.parquet');
  await duckQuery(`COPY (SELECT * REPLACE (CASE WHEN hash(student_id) % 4 = 0 THEN NULL ELSE guardian_phone END AS guardian_phone)
      FROM ${sqlString(s)}) TO ${sqlString(tmp)} (FORMAT parquet, KV_METADATA {'sluice.schema': ${sqlString(await schemaText(s))}})`);
  fs.renameSync(tmp, s);
  fs.copyFileSync(s, path.join(d, '..', 'drifted.parquet'));
  const r = validate(['--output-dir', d]);
  assert.equal(r.status, 0, r.stderr);
  const rep = report(d);
  assert.notEqual(rep.drift.baseline, null);
  assert.deepEqual(rep.drift.columns.map((c) => `${c.table}.${c.column}`), ['students.guardian_phone']);
  assert.match(rep.drift.columns[0].change, /null rate/);
  // a run with drift does not become the baseline: it is reported again
  assert.equal(validate(['--output-dir', d, '--strict']).status, 1);
  assert.equal(report(d).drift.columns.length, 1);
  // fixed: compared with the last good run, not with the broken one
  fs.copyFileSync(keep, s);
  assert.equal(validate(['--output-dir', d, '--strict']).status, 0);
  assert.deepEqual(report(d).drift.columns, []);
  // a change that is meant: --accept-baseline makes it the new normal
  fs.renameSync(path.join(d, '..', 'drifted.parquet'), s);
  assert.equal(validate(['--output-dir', d, '--strict']).status, 1);
  assert.equal(validate(['--output-dir', d, '--strict', '--accept-baseline']).status, 1);
  assert.equal(validate(['--output-dir', d, '--strict']).status, 0);
  assert.deepEqual(report(d).drift.columns, []);
});

async function schemaText(file) {
  const r = run(FIXTURE, ['inspect', file]);
  const m = r.stdout.match(/sluice\.schema: (\{.*\})/);
  assert.ok(m, 'no sluice.schema in the file');
  return m[1];
}

/** The pending-rows case, with sync's state in OUT/_sluice or in a --state-dir
 * elsewhere (which validate finds through OUT/.sluice-state.json, given nothing). */
async function pendingRows(withStateDir) {
  const root = fresh(withStateDir ? 'sync-state' : 'sync');
  const input = path.join(root, 'in'), out = path.join(root, 'out');
  const state = withStateDir ? path.join(root, 'state') : path.join(out, '_sluice');
  const sd = withStateDir ? ['--state-dir', state] : [];
  fs.mkdirSync(input);
  fs.writeFileSync(path.join(input, 'r1.json'), JSON.stringify({
    students: [{student_id: 'S1', age: 15, year: 10}, {student_id: 'S3', age: 16, year: 10}],
    classes: [{class_id: 'C1', capacity: 30}],
    student_classes: [{student_id: 'S1', class_id: 'C1'}, {student_id: 'S2', class_id: 'C1'}, {student_id: 'S4', class_id: 'C1'}],
  }));
  let r = run(FIXTURE, ['ingest', '--once', '--input-dir', input, '--output-dir', out, ...sd]);
  assert.equal(r.status, 0, r.stderr);
  r = run(FIXTURE, ['sync', '--output-dir', out, '--orphan-age', '3600', ...sd]);
  assert.equal(r.status, 0, r.stderr);
  // held back, not yet orphans: reported, and the run passes
  r = validate(['--output-dir', out]);
  assert.equal(r.status, 0, r.stderr);
  let rep = report(out);
  assert.equal(rep.sync.orphan_age_seconds, 3600);
  assert.deepEqual(rep.sync.pending.map((p) => [p.table, p.rows, p.orphans]), [['student_classes', 2, 0]]);
  const pend = await one(`SELECT count(*) FROM ${sqlString(path.join(state, 'sync/pending/student_classes.parquet'))}`);
  assert.equal(pend, 2);
  // the final tables hold only what sync published: no orphan among them
  assert.equal(check(rep, 'orphan_refs', 'student_classes', 'student_id').failing_rows, 0);
  assert.equal(check(rep, 'orphan_refs', 'student_classes', 'student_id').rows_checked, 1);
  // past the orphan age they fail the run
  await new Promise((res) => setTimeout(res, 1100));
  r = run(FIXTURE, ['sync', '--output-dir', out, '--orphan-age', '1', ...sd]);
  assert.equal(r.status, 0, r.stderr);
  r = validate(['--output-dir', out]);
  assert.equal(r.status, 1, r.stderr);
  rep = report(out);
  assert.deepEqual(failures(rep), {'sync_orphans student_classes': 2});
  assert.ok(rep.sync.pending[0].oldest_wait_seconds >= 1, String(rep.sync.pending[0].oldest_wait_seconds));
  assert.equal(fs.existsSync(path.join(out, '_sluice', 'sync')), !withStateDir);
}

test('rows sync holds back are reported with how long they waited; orphans past the age fail', () => pendingRows(false));
test('the same with sync\'s state in a --state-dir elsewhere, found through OUT/.sluice-state.json', () => pendingRows(true));

/** Failing rows summed by check kind over every table and column. */
function byKind(rep) {
  const out = {};
  for (const c of rep.checks) if (c.failing_rows) out[c.check] = (out[c.check] ?? 0) + c.failing_rows;
  return out;
}

test('generate --violations then validate: every kind is reported with exactly the count injected', async () => {
  // the generator and the validator are written apart; each reads the rules from the
  // schema, so a count that differs here is a bug in one of them
  const all = {duplicate_rows: 4, conflicting_duplicates: 3, null_required: 12, orphan_refs: 5,
    over_capacity: 2, over_enrollment_limit: 3, age_year_mismatch: 6, out_of_range: 7};
  const runs = [
    {schema: 'school', seed: '3', counts: all, extra: []},
    {schema: 'school', seed: '11', counts: all, extra: ['--max-enrollments', '7', '--n', '3000']},
    ...Object.entries(all).map(([k, v], i) => ({schema: 'school', seed: String(20 + i), counts: {[k]: v}, extra: []})),
    {schema: 'card_transactions', seed: '5', extra: ['--n', '3000'],
     counts: {duplicate_rows: 5, conflicting_duplicates: 4, null_required: 9, orphan_refs: 7, out_of_range: 6}},
  ];
  for (const {schema, seed, counts, extra} of runs) {
    const d = fresh(`viol-${schema}-${seed}`);
    const spec = Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(',');
    const g = run(FIXTURE, ['generate', '-q', '--schema', schema, '-f', 'parquet', '--seed', seed, ...extra,
                            '--violations', spec, '--output-dir', d]);
    assert.equal(g.status, 0, g.stderr);
    const limit = extra.includes('--max-enrollments') ? ['--max-enrollments', extra[extra.indexOf('--max-enrollments') + 1]] : [];
    const r = validate(['--output-dir', d, ...limit]);
    assert.equal(r.status, 1, `${schema} ${spec}: exit ${r.status}\n${r.stderr}`);
    const rep = report(d);
    assert.equal(rep.schema.source, 'metadata');
    assert.deepEqual(byKind(rep), counts, `${schema} seed ${seed}: ${spec}`);
    for (const c of rep.checks) assert.ok(c.failing_rows === 0 || c.severity === 'error', `${c.check} ${c.table}`);
  }
});
