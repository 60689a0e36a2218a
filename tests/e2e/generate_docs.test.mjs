// End-to-end tests of `sluice generate` job-result documents (--num-iterations), of
// the errors `sluice schema show` and `sluice generate` report for bad schemas and
// options, and of `sluice schema import-ddl` feeding `sluice generate`. The binary is
// run as a user runs it, into temporary directories; outputs are checked with DuckDB.
// Tables mode is tested in generate.test.mjs.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {duckQuery, sqlString} from './lib/oracles.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-generate-docs-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));

function sluice(args) {
  assert.ok(fs.existsSync(SLUICE), `${SLUICE} is missing: run 'make' first (or set SLUICE_BUILD)`);
  const r = spawnSync(SLUICE, args, {encoding: 'utf8', maxBuffer: 1 << 28});
  if (r.error) throw r.error;
  return r;
}

let dirSeq = 0;
function freshDir(label) {
  const d = path.join(TMP, `${dirSeq++}-${label}`);
  fs.mkdirSync(d);
  return d;
}

/** `sluice generate -q ARGS -d DIR`; asserts exit 0 and no warning; returns DIR. */
function generate(args, dir = freshDir('gen')) {
  const full = ['generate', '-q', ...args, '-d', dir];
  const r = sluice(full);
  assert.equal(r.status, 0, `sluice ${full.join(' ')} exited ${r.status} (signal ${r.signal}):\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /warning/i, `sluice ${full.join(' ')} warned:\n${r.stderr}`);
  return dir;
}

async function one(sql) {
  const rows = await duckQuery(sql);
  assert.equal(rows.length, 1, `expected one row from: ${sql}`);
  return rows[0];
}
async function scalar(sql) {
  const v = Object.values(await one(sql))[0];
  return v === null ? null : Number(v);
}
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ------------------------------------------------------------ 6. job-result documents

const ITER = 30, BATCH = 10;
const docName = (b) => `result_${String(b).padStart(6, '0')}.json`;

let loadSeq = 0;
/** Loads a directory of job-result documents into DuckDB tables with a batch column b
 * (from the file name): {files, teachers, classes, students, student_classes}. */
async function loadDocs(dir) {
  const p = `jd${loadSeq++}`;
  const T = {files: `${p}_files`, teachers: `${p}_teachers`, classes: `${p}_classes`, students: `${p}_students`,
    student_classes: `${p}_student_classes`};
  await duckQuery(`CREATE OR REPLACE TABLE ${T.files} AS
    SELECT regexp_extract(filename, 'result_(\\d+)\\.json$', 1)::INTEGER AS b, * EXCLUDE (filename)
    FROM read_json(${sqlString(path.join(dir, 'result_*.json'))}, filename = true, format = 'auto')`);
  for (const t of ['teachers', 'classes', 'students', 'student_classes'])
    await duckQuery(`CREATE OR REPLACE TABLE ${T[t]} AS SELECT b, r.* FROM (SELECT b, unnest(${t}) AS r FROM ${T.files})`);
  return T;
}

async function dropAll(T) {
  for (const n of Object.values(T)) await duckQuery(`DROP TABLE IF EXISTS ${n}`);
}

test('job-result documents: 30 files, job objects, dependency order, unique keys and limits over the union; shuffled = same documents', async () => {
  const args = ['--num-iterations', String(ITER), '--max-batch-size', String(BATCH), '--format', 'json'];
  const dir = generate(args);
  const names = Array.from({length: ITER}, (_, b) => docName(b));
  // exactly these files: nothing else, no temporary file left behind
  assert.deepEqual(fs.readdirSync(dir).sort(), names);

  for (let b = 0; b < ITER; b++) {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, docName(b)), 'utf8'));
    assert.deepEqual(Object.keys(doc), ['job', 'teachers', 'classes', 'students', 'student_classes'], `${docName(b)}: members`);
    const job = doc.job;
    assert.deepEqual(Object.keys(job), ['cluster', 'proc', 'attempt', 'host', 'started_at', 'finished_at', 'exit_code'], `${docName(b)}: job members`);
    assert.equal(job.cluster, 1, `${docName(b)}: cluster (default 1)`);
    assert.equal(job.proc, b, `${docName(b)}: proc is the document's number`);
    assert.equal(job.attempt, 1);
    assert.equal(job.exit_code, 0);
    assert.match(job.host, /^slot\d+@exec-\d+$/, `${docName(b)}: host`);
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
    assert.match(job.started_at, iso);
    assert.match(job.finished_at, iso);
    assert.ok(Date.parse(job.finished_at) > Date.parse(job.started_at), `${docName(b)}: finished_at after started_at`);
    assert.equal(doc.students.length, BATCH, `${docName(b)}: --max-batch-size students`);
  }

  const T = await loadDocs(dir);
  // Row totals over the union: ITER x BATCH students, and the parents' shares add up to
  // the schema's ratios of that: ceil(300 x 0.07) = 21 teachers, ceil(300 x 0.25) = 75
  // classes (exact arithmetic: in doubles 300 * 0.07 is 21.000000000000004).
  assert.equal(await scalar(`SELECT count(*) FROM ${T.students}`), ITER * BATCH);
  assert.equal(await scalar(`SELECT count(*) FROM ${T.teachers}`), Math.ceil((ITER * BATCH * 7) / 100));
  assert.equal(await scalar(`SELECT count(*) FROM ${T.classes}`), Math.ceil((ITER * BATCH * 25) / 100));
  assert.ok(await scalar(`SELECT count(*) FROM ${T.student_classes}`) > ITER * BATCH, 'enrollments');

  const r = await one(`SELECT
    (SELECT count(*) - count(DISTINCT teacher_id) FROM ${T.teachers}) AS dup_teacher,
    (SELECT count(*) - count(DISTINCT class_id) FROM ${T.classes}) AS dup_class,
    (SELECT count(*) - count(DISTINCT student_id) FROM ${T.students}) AS dup_student,
    (SELECT count(*) - count(DISTINCT (student_id, class_id)) FROM ${T.student_classes}) AS dup_enrollment,
    (SELECT count(*) - count(DISTINCT email) FROM ${T.students}) AS dup_student_email,
    (SELECT count(*) - count(DISTINCT email) FROM ${T.teachers}) AS dup_teacher_email,
    -- a class's teacher is in the class's batch or an earlier one
    (SELECT count(*) FROM ${T.classes} c LEFT JOIN ${T.teachers} t USING (teacher_id) WHERE t.b IS NULL OR t.b > c.b) AS class_teacher_later,
    -- an enrollment pairs its own batch's student with its own batch's class
    (SELECT count(*) FROM ${T.student_classes} e LEFT JOIN ${T.students} s USING (student_id) WHERE s.b IS NULL OR s.b > e.b) AS enrollment_student_later,
    (SELECT count(*) FROM ${T.student_classes} e LEFT JOIN ${T.classes} c USING (class_id) WHERE c.b IS NULL OR c.b > e.b) AS enrollment_class_later,
    (SELECT count(*) FROM ${T.student_classes} e JOIN ${T.students} s USING (student_id) WHERE s.b <> e.b) AS enrollment_student_other_batch,
    (SELECT count(*) FROM ${T.student_classes} e JOIN ${T.classes} c USING (class_id) WHERE c.b <> e.b) AS enrollment_class_other_batch,
    (SELECT count(*) FROM (SELECT e.class_id, count(*) AS k, any_value(c.capacity) AS cap
        FROM ${T.student_classes} e JOIN ${T.classes} c USING (class_id) GROUP BY e.class_id)
      WHERE k > floor(cap * 0.8)) AS overfull_classes,
    (SELECT count(*) FROM (SELECT student_id FROM ${T.student_classes} GROUP BY student_id HAVING count(*) > 5)) AS overloaded_students,
    (SELECT count(*) FROM ${T.students} WHERE (age - year) NOT IN (5, 6)) AS bad_age`);
  assert.deepEqual(r, Object.fromEntries(Object.keys(r).map((k) => [k, 0n])), 'violations over the union of the documents');
  // the dependency check is not vacuous: some class names a teacher of an earlier batch
  assert.ok(await scalar(`SELECT count(*) FROM ${T.classes} c JOIN ${T.teachers} t USING (teacher_id) WHERE t.b < c.b`) > 0);

  // --shuffle-dependencies: the same documents, byte for byte per name; only the
  // order of writing changes. Re-running the unshuffled command gives the same bytes too.
  const shuffled = generate([...args, '--shuffle-dependencies']);
  const again = generate(args);
  for (const d of [shuffled, again]) {
    assert.deepEqual(fs.readdirSync(d).sort(), names, 'files (no temporary file left behind)');
    for (const n of names)
      assert.ok(fs.readFileSync(path.join(d, n)).equals(fs.readFileSync(path.join(dir, n))), `${n} differs in ${path.basename(d)}`);
  }
  const S = await loadDocs(shuffled);
  for (const t of ['teachers', 'classes', 'students', 'student_classes']) {
    const diff = await scalar(`SELECT count(*) FROM ((SELECT * FROM ${T[t]} EXCEPT ALL SELECT * FROM ${S[t]})
      UNION ALL (SELECT * FROM ${S[t]} EXCEPT ALL SELECT * FROM ${T[t]}))`);
    assert.equal(diff, 0, `${t}: rows of the shuffled run differ`);
  }
  await dropAll(T);
  await dropAll(S);

  // --cluster names the job cluster; another seed gives other documents
  const other = generate(['--num-iterations', '2', '--max-batch-size', '10', '--cluster', '77', '--seed', '8']);
  assert.deepEqual(fs.readdirSync(other).sort(), [docName(0), docName(1)]);
  const d0 = JSON.parse(fs.readFileSync(path.join(other, docName(0)), 'utf8'));
  assert.equal(d0.job.cluster, 77);
  assert.notDeepEqual(d0.students, JSON.parse(fs.readFileSync(path.join(dir, docName(0)), 'utf8')).students);
});

test('job-result documents with other limits: --max-enrollments 2 --capacity-utilization 0.5 hold over the union', async () => {
  const dir = generate(['--num-iterations', '12', '--max-batch-size', '25', '--max-enrollments', '2',
    '--capacity-utilization', '0.5', '--seed', '99']);
  const T = await loadDocs(dir);
  assert.equal(await scalar(`SELECT count(*) FROM ${T.students}`), 300);
  const r = await one(`SELECT
    (SELECT count(*) FROM (SELECT e.class_id, count(*) AS k, any_value(c.capacity) AS cap
        FROM ${T.student_classes} e JOIN ${T.classes} c USING (class_id) GROUP BY e.class_id)
      WHERE k > floor(cap * 0.5)) AS overfull_classes,
    (SELECT max(k) FROM (SELECT count(*) AS k FROM ${T.student_classes} GROUP BY student_id)) AS most_per_student,
    (SELECT count(*) - count(DISTINCT (student_id, class_id)) FROM ${T.student_classes}) AS dup_enrollment`);
  assert.deepEqual(r, {overfull_classes: 0n, most_per_student: 2n, dup_enrollment: 0n});
  await dropAll(T);
});

// ------------------------------------------------------------ 7. errors

/** Writes a schema file whose lines are given, and returns its path. */
function schemaFile(name, lines) {
  const f = path.join(freshDir('schema'), name);
  fs.writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

/** The 1-based line of `lines` that contains `marker`. */
const lineOf = (lines, marker) => {
  const i = lines.findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, `marker ${marker}`);
  return i + 1;
};

/** Asserts `sluice ARGS` exits 2 and its stderr says FILE:LINE:COL: ... with every
 * pattern in `mentions`. */
function assertSchemaError(args, file, line, mentions) {
  const r = sluice(args);
  assert.equal(r.status, 2, `sluice ${args.join(' ')}: exit ${r.status}, expected 2\n${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^sluice: ${escapeRe(file)}:${line}:\\d+: `, 'm'),
    `sluice ${args.join(' ')}: stderr should name ${file} line ${line}:\n${r.stderr}`);
  for (const m of mentions) assert.match(r.stderr, m, `sluice ${args.join(' ')}: stderr`);
  assert.equal(r.stdout, '', 'nothing on stdout');
  return r;
}

const head = (name) => ['{', `  "name": "${name}",`, '  "tables": ['];
const seqId = '       {"name": "id", "type": "int64", "gen": "sequence"}';

test('errors: schema show names the file and line of an unknown generator, a missing table, a later table and a type mismatch', () => {
  const cases = [
    {name: 'unknown_gen.json', marker: 'bogus', mentions: [/bogus/], lines: [...head('g'),
      '    {"name": "a", "rows": 10, "primary_key": "id",', '     "columns": [', `${seqId},`,
      '       {"name": "x", "type": "int64", "gen": "bogus"}', '     ]}', '  ]', '}']},
    {name: 'missing_table.json', marker: 'nope.id', mentions: [/'x'/, /nope/], lines: [...head('m'),
      '    {"name": "a", "rows": 10, "primary_key": "id",', '     "columns": [', `${seqId},`,
      '       {"name": "x", "type": "int64", "ref": "nope.id"}', '     ]}', '  ]', '}']},
    {name: 'later_table.json', marker: '"ref": "b.id"', mentions: [/'b_id'/, /\bb\b/], lines: [...head('c'),
      '    {"name": "a", "rows": 10, "primary_key": "id",', '     "columns": [', `${seqId},`,
      '       {"name": "b_id", "type": "int64", "ref": "b.id"}', '     ]},',
      '    {"name": "b", "rows": 10, "primary_key": "id",', '     "columns": [', `${seqId},`,
      '       {"name": "a_id", "type": "int64", "ref": "a.id"}', '     ]}', '  ]', '}']},
    {name: 'operand_type.json', marker: 's + 1', mentions: [/'y'/], lines: [...head('e'),
      '    {"name": "a", "rows": 10, "primary_key": "id",', '     "columns": [', `${seqId},`,
      '       {"name": "s", "type": "string", "gen": "const", "value": "x"},',
      '       {"name": "y", "type": "int64", "expr": "s + 1"}', '     ]}', '  ]', '}']},
    {name: 'result_type.json', marker: 'upper(s)', mentions: [/'y'/, /int64/], lines: [...head('r'),
      '    {"name": "a", "rows": 10, "primary_key": "id",', '     "columns": [', `${seqId},`,
      '       {"name": "s", "type": "string", "gen": "const", "value": "x"},',
      '       {"name": "y", "type": "int64", "expr": "upper(s)"}', '     ]}', '  ]', '}']},
    {name: 'unknown_gen.yaml', marker: 'gen: bogus', mentions: [/bogus/], lines: ['name: y', 'tables:', '  - name: a',
      '    rows: 10', '    primary_key: id', '    columns:', '      - name: id', '        type: int64', '        gen: sequence',
      '      - name: x', '        type: int64', '        gen: bogus']},
  ];
  for (const c of cases) {
    const f = schemaFile(c.name, c.lines);
    assertSchemaError(['schema', 'show', f], f, lineOf(c.lines, c.marker), c.mentions);
    // generate refuses the same file the same way, writing nothing
    const out = path.join(TMP, `out-${c.name}`);
    assertSchemaError(['generate', '-q', '--schema', f, '-d', out], f, lineOf(c.lines, c.marker), c.mentions);
    assert.ok(!fs.existsSync(out) || fs.readdirSync(out).length === 0, `${c.name}: generate wrote files`);
  }
  // the same files made valid are accepted (so the errors above are about the marked line)
  const good = schemaFile('good.json', [...head('ok'), '    {"name": "a", "rows": 10, "primary_key": "id",', '     "columns": [',
    `${seqId},`, '       {"name": "s", "type": "string", "gen": "const", "value": "x"},',
    '       {"name": "y", "type": "int64", "expr": "length(s) + 1"}', '     ]}', '  ]', '}']);
  const r = sluice(['schema', 'show', good]);
  assert.equal(r.status, 0, r.stderr);
});

test('errors: a unique pattern with too few values for --n, and --shard 3/3, are exit 2', () => {
  const lines = [...head('p'), '    {"name": "a", "rows": 10, "primary_key": "code",', '     "columns": [',
    '       {"name": "code", "type": "string", "gen": "pattern", "pattern": "X##", "unique": true}', '     ]}', '  ]', '}'];
  const f = schemaFile('pattern.json', lines);
  // 'X##' has 100 values: --n 100 fits, --n 101 does not
  const ok = generate(['--schema', f, '--n', '100']);
  const codes = fs.readFileSync(path.join(ok, 'a.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).code);
  assert.equal(new Set(codes).size, 100);
  assert.ok(codes.every((c) => /^X\d\d$/.test(c)));
  const out = path.join(TMP, 'out-pattern');
  const r = assertSchemaError(['generate', '-q', '--schema', f, '--n', '101', '-d', out], f, lineOf(lines, '"pattern"'), [/'code'/, /101/]);
  assert.ok(!fs.existsSync(out) || fs.readdirSync(out).length === 0, 'generate wrote files');
  assert.ok(r.stderr.length > 0);

  for (const shard of ['3/3', '4/3', '1/0', 'x/2']) {
    const d = path.join(TMP, `out-shard-${shard.replace('/', '-')}`);
    const s = sluice(['generate', '-q', '--shard', shard, '-d', d]);
    assert.equal(s.status, 2, `--shard ${shard}: exit ${s.status}\n${s.stderr}`);
    assert.match(s.stderr, /--shard/, `--shard ${shard}: stderr`);
    assert.ok(!fs.existsSync(d) || fs.readdirSync(d).length === 0, `--shard ${shard} wrote files`);
  }
});

// ------------------------------------------------------------ 9. DDL import

test('import-ddl: PostgreSQL parent and child with a FOREIGN KEY, a CHECK range and an IN list generate data that keeps them',
  async () => {
    const dir = freshDir('ddl');
    const sql = path.join(dir, 'shop.sql');
    fs.writeFileSync(sql, `-- a parent and a child table
CREATE TABLE departments (
  dept_id INTEGER PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  budget NUMERIC(12,2) NOT NULL CHECK (budget BETWEEN 1000 AND 500000)
);

CREATE TABLE employees (
  emp_id BIGINT NOT NULL,
  dept_id INTEGER NOT NULL,
  age INTEGER NOT NULL CHECK (age >= 18 AND age <= 70),
  status VARCHAR(10) NOT NULL CHECK (status IN ('active', 'on_leave', 'retired')),
  hired DATE,
  PRIMARY KEY (emp_id),
  CONSTRAINT fk_dept FOREIGN KEY (dept_id) REFERENCES departments (dept_id)
);
`);
    const schema = path.join(dir, 'shop.json');
    const imp = sluice(['schema', 'import-ddl', sql, '--dialect', 'postgres', '-o', schema]);
    assert.equal(imp.status, 0, `import-ddl exited ${imp.status}:\n${imp.stderr}`);
    const s = JSON.parse(fs.readFileSync(schema, 'utf8'));
    assert.deepEqual(s.tables.map((t) => t.name), ['departments', 'employees']);
    const emp = s.tables[1];
    assert.equal(emp.primary_key, 'emp_id');
    assert.equal(emp.columns.find((c) => c.name === 'dept_id').ref, 'departments.dept_id', 'the FOREIGN KEY became a ref');
    assert.equal(sluice(['schema', 'show', schema]).status, 0, 'schema show accepts the imported schema');

    const out = generate(['--schema', schema, '--format', 'parquet', '--n', '3000', '--seed', '5'], freshDir('ddl-out'));
    assert.deepEqual(fs.readdirSync(out).sort(), ['departments.parquet', 'employees.parquet']);
    const D = `read_parquet(${sqlString(path.join(out, 'departments.parquet'))})`;
    const E = `read_parquet(${sqlString(path.join(out, 'employees.parquet'))})`;
    // --n sets the size table, by default the last one
    assert.equal(await scalar(`SELECT count(*) FROM ${E}`), 3000);
    assert.ok(await scalar(`SELECT count(*) FROM ${D}`) > 0);
    const r = await one(`SELECT
      (SELECT count(*) FROM ${E} e ANTI JOIN ${D} d USING (dept_id)) AS orphan_dept,
      (SELECT count(*) - count(DISTINCT emp_id) FROM ${E}) AS dup_emp_id,
      (SELECT count(*) - count(DISTINCT dept_id) FROM ${D}) AS dup_dept_id,
      (SELECT count(*) FROM ${E} WHERE emp_id IS NULL OR dept_id IS NULL OR age IS NULL OR status IS NULL) AS null_not_null,
      (SELECT count(*) FROM ${D} WHERE dept_id IS NULL OR name IS NULL OR budget IS NULL) AS null_not_null_parent,
      (SELECT count(*) FROM ${E} WHERE NOT (age >= 18 AND age <= 70)) AS age_outside,
      (SELECT count(*) FROM ${E} WHERE status NOT IN ('active', 'on_leave', 'retired')) AS status_outside,
      (SELECT count(*) FROM ${D} WHERE NOT (budget BETWEEN 1000 AND 500000)) AS budget_outside`);
    assert.deepEqual(r, Object.fromEntries(Object.keys(r).map((k) => [k, 0n])), 'constraint violations');
    // the constraints are exercised, not trivially met: every IN value occurs, ages span the range
    assert.deepEqual((await duckQuery(`SELECT DISTINCT status FROM ${E} ORDER BY status`)).map((x) => x.status),
      ['active', 'on_leave', 'retired']);
    assert.deepEqual(await one(`SELECT min(age)::INTEGER AS lo, max(age)::INTEGER AS hi FROM ${E}`), {lo: 18, hi: 70});
    assert.ok(await scalar(`SELECT count(DISTINCT dept_id) FROM ${E}`) > 100, 'children spread over many parents');

    // SQL naming a table that is never created is an error with its position
    const bad = path.join(dir, 'bad.sql');
    fs.writeFileSync(bad, 'CREATE TABLE a (\n  id INTEGER PRIMARY KEY,\n  b_id INTEGER REFERENCES nope (id)\n);\n');
    const e = sluice(['schema', 'import-ddl', bad]);
    assert.equal(e.status, 2, e.stderr);
    assert.match(e.stderr, new RegExp(`${escapeRe(bad)}:3:\\d+`), e.stderr);
    assert.match(e.stderr, /nope/);
  });
