// End-to-end tests of `sluice docs`: the binary documents directories of Parquet
// tables (written by sluice generate, rewritten by DuckDB without sluice's
// metadata, split into part directories, published by ingest + sync), and every
// claim it makes is checked against DuckDB: the DuckDB DDL runs and reproduces the
// files (rows, types, values, constraints); relationships and their cardinalities
// equal the schema's foreign keys as computed by SQL; a missing value stops
// discovery; statistics (nulls, distinct, min, max, examples, types) equal DuckDB's;
// the Spark and Trino DDL name each file's columns with the mapped types and the
// table's path; the Mermaid diagram's markers follow the cardinalities.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {DuckDBInstance} from '@duckdb/node-api';
import {duckQuery, duckSchema, sqlString} from './lib/oracles.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-docs-')));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));
const SCHOOL = JSON.parse(fs.readFileSync(path.resolve('data/schemas/school.json'), 'utf8'));
const TABLES = ['classes', 'student_classes', 'students', 'teachers'];

function sluice(args) {
  assert.ok(fs.existsSync(SLUICE), `${SLUICE} is missing: run 'make' first (or set SLUICE_BUILD)`);
  const r = spawnSync(SLUICE, args, {encoding: 'utf8', maxBuffer: 1 << 28});
  if (r.error) throw r.error;
  return r;
}
function ok(args) {
  const r = sluice(args);
  assert.equal(r.status, 0, `sluice ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r;
}
let seq = 0;
const fresh = (label) => { const d = path.join(TMP, `${seq++}-${label}`); fs.mkdirSync(d); return d; };
const readJson = (dir, f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
const pq = (dir, t) => sqlString(path.join(dir, `${t}.parquet`));
const one = async (sql) => Object.values((await duckQuery(sql))[0])[0];

function generate(extra = []) {
  const d = fresh('gen');
  ok(['generate', '-q', '-f', 'parquet', '-d', d, ...extra]);
  return d;
}
function docs(dir, extra = []) {
  ok(['docs', '-q', '-d', dir, ...extra]);
  return {doc: readJson(dir, 'schema_documentation.json'), rel: readJson(dir, 'table_relationships.json')};
}

/** The school's declared foreign keys with their cardinalities, computed by SQL. */
async function expectedEdges(dir) {
  const out = [];
  for (const t of SCHOOL.tables) {
    for (const c of t.columns) {
      if (!c.ref) continue;
      const [pt, pc] = c.ref.split('.');
      const [r] = await duckQuery(`SELECT count(*) - count(${c.name}) AS nulls, count(${c.name}) AS vals,
          count(DISTINCT ${c.name}) AS dist,
          (SELECT count(*) FROM ${pq(dir, pt)}) AS parents FROM ${pq(dir, t.name)}`);
      const pk = [].concat(t.primary_key);
      out.push({from: `${t.name}.${c.name}`, to: `${pt}.${pc}`,
        cardinality: r.dist === r.vals ? 'one-to-one' : 'many-to-one',
        parent_required: r.nulls === 0n, child_optional: r.dist < r.parents, identifying: pk.includes(c.name)});
    }
  }
  return out.sort((a, b) => a.from.localeCompare(b.from));
}
const gotEdges = (rel) => rel.relationships.map((r) => ({from: `${r.from.table}.${r.from.column}`,
  to: `${r.to.table}.${r.to.column}`, cardinality: r.cardinality, parent_required: r.parent_required,
  child_optional: r.child_optional, identifying: r.identifying})).sort((a, b) => a.from.localeCompare(b.from));

/** Mermaid crow's-foot markers for an edge, parent on the left. */
function mermaidLink(e) {
  const child = e.cardinality === 'one-to-one' ? (e.child_optional ? 'o|' : '||') : (e.child_optional ? 'o{' : '|{');
  return `${e.parent_required ? '||' : '|o'}${e.identifying ? '--' : '..'}${child}`;
}

/** A copy of dir's tables written by DuckDB (no sluice metadata), with SQL edits. */
async function rewrite(dir, edits = {}) {
  const d = fresh('duck');
  for (const t of TABLES)
    await duckQuery(`COPY (${edits[t] ?? `SELECT * FROM ${pq(dir, t)}`}) TO ${pq(d, t)} (FORMAT parquet)`);
  return d;
}

test('school: relationships equal the declared foreign keys, with their cardinalities, declared and discovered', async () => {
  const dir = generate(['--n', '600']);
  const {rel} = docs(dir);
  const want = await expectedEdges(dir);
  assert.deepEqual(gotEdges(rel), want);
  for (const r of rel.relationships) {
    assert.equal(r.declared, true);
    assert.equal(r.discovered, true);
    assert.equal(r.values_found, r.distinct_values);
    assert.equal(r.coverage, 1);
  }
  // the readme's diagram draws the same edges with the markers the cardinalities call for
  const md = fs.readFileSync(path.join(dir, 'DATA_STRUCTURE_README.md'), 'utf8');
  const diagram = md.match(/```mermaid\nerDiagram\n([\s\S]*?)```/);
  assert.ok(diagram, 'no mermaid erDiagram block');
  const links = [...diagram[1].matchAll(/^\s+(\w+) (\S+) (\w+) : "(\w+)"$/gm)].map((m) => `${m[3]}.${m[4]} ${m[1]} ${m[2]}`).sort();
  assert.deepEqual(links, want.map((e) => `${e.from} ${e.to.split('.')[0]} ${mermaidLink(e)}`).sort());
  for (const t of TABLES) assert.match(diagram[1], new RegExp(`^    ${t} \\{$`, 'm'));
  assert.match(diagram[1], /^        string student_id PK, FK$/m);
});

test('without sluice metadata (DuckDB-written files), keys and relationships are discovered from names and values', async () => {
  const dir = await rewrite(generate(['--n', '400', '--seed', '3']));
  const {doc, rel} = docs(dir);
  assert.deepEqual(gotEdges(rel), await expectedEdges(dir));
  for (const r of rel.relationships) assert.deepEqual([r.declared, r.discovered], [false, true]);
  const pk = Object.fromEntries(doc.tables.map((t) => [t.name, t.primary_key]));
  assert.deepEqual(pk, {classes: ['class_id'], student_classes: ['student_id', 'class_id'], students: ['student_id'], teachers: ['teacher_id']});
  for (const t of doc.tables) assert.equal(t.primary_key_source, 'name');
  // a one-to-one edge and an optional parent: every 7th student gets a locker, some lockers none
  const d2 = fresh('lockers');
  for (const t of TABLES) fs.copyFileSync(path.join(dir, `${t}.parquet`), path.join(d2, `${t}.parquet`));
  await duckQuery(`COPY (SELECT 'L' || lpad(CAST(row_number() OVER () AS VARCHAR), 5, '0') AS locker_id,
      CASE WHEN row_number() OVER () % 3 = 0 THEN NULL ELSE student_id END AS student_id
      FROM (SELECT student_id FROM ${pq(dir, 'students')} WHERE hash(student_id) % 7 = 0)) TO ${pq(d2, 'lockers')} (FORMAT parquet)`);
  const {rel: rel2} = docs(d2);
  const e = rel2.relationships.find((r) => r.from.table === 'lockers');
  assert.ok(e, 'lockers.student_id not discovered');
  assert.deepEqual([e.to.table, e.cardinality, e.parent_required, e.child_optional, e.mermaid],
    ['students', 'one-to-one', false, true, 'students |o..o| lockers']);
});

test('discovery does not invent a relationship when one value is missing; a declared one reports its coverage', async () => {
  const base = generate(['--n', '400', '--seed', '5']);
  const dir = await rewrite(base, {
    classes: `SELECT * REPLACE (CASE WHEN class_id = (SELECT min(class_id) FROM ${pq(base, 'classes')}) THEN 'T_MISSING' ELSE teacher_id END AS teacher_id) FROM ${pq(base, 'classes')}`,
  });
  assert.equal(await one(`SELECT count(*) FROM ${pq(dir, 'classes')} WHERE teacher_id NOT IN (SELECT teacher_id FROM ${pq(dir, 'teachers')})`), 1n);
  const {rel} = docs(dir);
  const from = rel.relationships.map((r) => `${r.from.table}.${r.from.column}`).sort();
  assert.deepEqual(from, ['student_classes.class_id', 'student_classes.student_id']);
  // declared by --schema: listed, not confirmed, with the values found
  const {rel: decl} = docs(dir, ['--schema', 'school']);
  const e = decl.relationships.find((r) => r.from.table === 'classes');
  const dist = await one(`SELECT count(DISTINCT teacher_id) FROM ${pq(dir, 'classes')}`);
  assert.deepEqual([e.declared, e.discovered, e.distinct_values, e.values_found], [true, false, Number(dist), Number(dist) - 1]);
  const ddl = fs.readFileSync(path.join(dir, 'ddl', 'duckdb.sql'), 'utf8');
  assert.doesNotMatch(ddl, /FOREIGN KEY \("teacher_id"\)/, 'a reference the data breaks must not be a constraint');
});

/** DuckDB's type of a column, as sluice docs names it. */
function sluiceType(t) {
  const m = {VARCHAR: 'string', INTEGER: 'int32', BIGINT: 'int64', SMALLINT: 'int16', TINYINT: 'int8', DATE: 'date',
    BOOLEAN: 'boolean', DOUBLE: 'double', FLOAT: 'float', 'TIMESTAMP WITH TIME ZONE': 'timestamp', TIME: 'time'};
  if (t.endsWith('[]')) return `list<${sluiceType(t.slice(0, -2))}>`;
  const dec = t.match(/^DECIMAL\((\d+),(\d+)\)$/);
  return dec ? `decimal(${dec[1]},${dec[2]})` : m[t];
}

async function checkStats(dir, doc) {
  for (const t of doc.tables) {
    const file = pq(dir, t.name);
    const types = Object.fromEntries((await duckSchema(path.join(dir, `${t.name}.parquet`))).map((c) => [c.name, c.type]));
    assert.equal(Number(await one(`SELECT count(*) FROM ${file}`)), t.rows, t.name);
    assert.deepEqual(t.columns.map((c) => c.name), Object.keys(types), `${t.name} columns`);
    for (const c of t.columns) {
      const q = `"${c.name}"`, ty = types[c.name], label = `${t.name}.${c.name}`;
      assert.equal(c.type, sluiceType(ty), `${label} type`);
      const [r] = await duckQuery(`SELECT count(*) - count(${q}) AS nulls, count(DISTINCT ${q}) AS dist FROM ${file}`);
      assert.equal(c.statistics.nulls, Number(r.nulls), `${label} nulls`);
      assert.equal(c.statistics.distinct, Number(r.dist), `${label} distinct`);
      const list = ty.endsWith('[]');
      const src = list ? `(SELECT unnest(${q}) AS v FROM ${file})` : `(SELECT ${q} AS v FROM ${file})`;
      const et = list ? ty.slice(0, -2) : ty;
      const lit = (v) => `CAST(${sqlString(typeof v === 'string' ? v : JSON.stringify(v))} AS ${et})`;
      const [mm] = await duckQuery(`SELECT min(v) = ${lit(c.statistics.min)} AS a, max(v) = ${lit(c.statistics.max)} AS b FROM ${src}`);
      assert.deepEqual([mm.a, mm.b], [true, true], `${label} min ${c.statistics.min} max ${c.statistics.max}`);
      assert.equal(c.examples.length, Math.min(3, Number(r.dist)), `${label} examples`);
      for (const ex of c.examples) {
        const cond = list ? `${q} = [${ex.map(lit).join(', ')}]` : `${q} = ${lit(ex)}`;
        assert.ok(Number(await one(`SELECT count(*) FROM ${file} WHERE ${cond}`)) > 0, `${label} example ${JSON.stringify(ex)}`);
      }
      assert.equal(new Set(c.examples.map((x) => JSON.stringify(x))).size, c.examples.length, `${label} examples repeat`);
    }
  }
}

test('statistics equal DuckDB\'s: nulls, exact distinct, min, max, examples and types (school and card_transactions)', async () => {
  const school = generate(['--n', '500', '--seed', '9']);
  await checkStats(school, docs(school).doc);
  const cards = generate(['--schema', 'card_transactions', '--n', '3000']);
  const {doc, rel} = docs(cards);
  await checkStats(cards, doc);
  assert.deepEqual(rel.relationships.map((r) => `${r.from.table}.${r.from.column}>${r.to.table}`).sort(),
    ['transactions.card_id>cards', 'transactions.merchant_id>merchants']);
});

test('the DuckDB DDL runs over the files: same rows, types and values, with primary and foreign keys', async () => {
  const dir = generate(['--n', '300', '--violations', 'null_required=2']);
  docs(dir);
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const sql = fs.readFileSync(path.join(dir, 'ddl', 'duckdb.sql'), 'utf8');
  for (const stmt of sql.split(/;\n/).map((s) => s.trim()).filter((s) => s && !/^(--[^\n]*\n?)+$/.test(s)))
    await db.run(stmt);
  for (const t of TABLES) {
    const desc = (await (await db.runAndReadAll(`DESCRIBE "${t}"`)).getRowObjects()).map((r) => [r.column_name, String(r.column_type)]);
    const file = (await duckSchema(path.join(dir, `${t}.parquet`))).map((c) => [c.name, c.type]);
    assert.deepEqual(desc, file, `${t}: types`);
    const n = (await (await db.runAndReadAll(`SELECT count(*) FROM "${t}"`)).getRows())[0][0];
    assert.equal(n, await one(`SELECT count(*) FROM ${pq(dir, t)}`), `${t}: rows`);
    const diff = (await (await db.runAndReadAll(`SELECT count(*) FROM (SELECT * FROM "${t}" EXCEPT ALL SELECT * FROM ${pq(dir, t)})`)).getRows())[0][0];
    assert.equal(diff, 0n, `${t}: values`);
  }
  const cons = (await (await db.runAndReadAll(`SELECT table_name, constraint_type, constraint_column_names FROM duckdb_constraints()
      WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')`)).getRowObjects())
    .map((r) => `${r.table_name} ${r.constraint_type} ${r.constraint_column_names.items.join(',')}`).sort();
  assert.deepEqual(cons, ['classes FOREIGN KEY teacher_id', 'classes PRIMARY KEY class_id',
    'student_classes FOREIGN KEY class_id', 'student_classes FOREIGN KEY student_id',
    'student_classes PRIMARY KEY student_id,class_id', 'students PRIMARY KEY student_id', 'teachers PRIMARY KEY teacher_id']);
  // NOT NULL exactly on the declared required columns that hold no null (two were nulled)
  const notNull = new Set((await (await db.runAndReadAll(`SELECT table_name || '.' || constraint_column_names[1] AS c
      FROM duckdb_constraints() WHERE constraint_type = 'NOT NULL'`)).getRowObjects()).map((r) => r.c));
  const want = new Set();
  for (const t of TABLES)
    for (const {name} of await duckSchema(path.join(dir, `${t}.parquet`))) {
      const decl = SCHOOL.tables.find((x) => x.name === t).columns
        .flatMap((c) => (c.type === 'object' ? c.columns.map((m) => ({...m, name: `${c.name}_${m.name}`})) : [c]))
        .find((c) => c.name === name);
      const nulls = await one(`SELECT count(*) - count("${name}") FROM ${pq(dir, t)}`);
      if (!decl.null_rate && nulls === 0n) want.add(`${t}.${name}`);
    }
  assert.deepEqual([...notNull].sort(), [...want].sort());
  assert.equal(want.size, [...notNull].length);
});

/** Parses CREATE statements: [{table, columns: [[name, type]], location}]. */
function parseExternal(sql, quote) {
  const out = [];
  const re = new RegExp(`CREATE (?:EXTERNAL )?TABLE IF NOT EXISTS ${quote}(\\w+)${quote} \\(\\n([\\s\\S]*?)\\n\\)\\n([^;]*);`, 'g');
  for (const m of sql.matchAll(re)) {
    const cols = m[2].split(',\n').map((l) => l.trim()).filter((l) => !l.startsWith('--'))
      .map((l) => l.replace(/ COMMENT '.*'$/, '').match(new RegExp(`^${quote}(\\w+)${quote} (.+)$`)).slice(1));
    const loc = m[3].match(/(?:LOCATION|external_location =) '([^']*)'/);
    out.push({table: m[1], columns: cols, location: loc && loc[1]});
  }
  return out;
}
const SPARK = {VARCHAR: 'STRING', INTEGER: 'INT', BIGINT: 'BIGINT', DATE: 'DATE', BOOLEAN: 'BOOLEAN', DOUBLE: 'DOUBLE', 'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP'};
const TRINO = {VARCHAR: 'VARCHAR', INTEGER: 'INTEGER', BIGINT: 'BIGINT', DATE: 'DATE', BOOLEAN: 'BOOLEAN', DOUBLE: 'DOUBLE', 'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP(6)'};
function mapType(m, t, spark) {
  if (t.endsWith('[]')) return spark ? `ARRAY<${mapType(m, t.slice(0, -2), spark)}>` : `ARRAY(${mapType(m, t.slice(0, -2), spark)})`;
  return t.startsWith('DECIMAL') ? t : m[t];
}

test('Spark and Trino DDL: each table\'s columns and mapped types, and its path as location', async () => {
  for (const schema of ['school', 'card_transactions']) {
    const dir = generate(['--schema', schema, '--n', '200']);
    const {doc} = docs(dir);
    for (const [file, quote, m, spark] of [['spark.sql', '`', SPARK, true], ['trino.sql', '"', TRINO, false]]) {
      const got = parseExternal(fs.readFileSync(path.join(dir, 'ddl', file), 'utf8'), quote);
      assert.deepEqual(got.map((g) => g.table), doc.tables.map((t) => t.name), `${schema} ${file}: tables`);
      for (const g of got) {
        const want = (await duckSchema(path.join(dir, `${g.table}.parquet`))).map((c) => [c.name, mapType(m, c.type, spark)]);
        assert.deepEqual(g.columns, want, `${schema} ${file} ${g.table}`);
        assert.equal(g.location, path.join(dir, `${g.table}.parquet`));
      }
    }
    const spark = fs.readFileSync(path.join(dir, 'ddl', 'spark.sql'), 'utf8');
    assert.equal((spark.match(/STORED AS PARQUET\nLOCATION/g) ?? []).length, doc.tables.length);
    const trino = fs.readFileSync(path.join(dir, 'ddl', 'trino.sql'), 'utf8');
    assert.equal((trino.match(/WITH \(format = 'PARQUET', external_location = /g) ?? []).length, doc.tables.length);
  }
});

test('a table stored as a directory of parts, and a directory published by ingest + sync', async () => {
  const base = generate(['--n', '300']);
  const dir = fresh('parts');
  for (const t of TABLES) fs.copyFileSync(path.join(base, `${t}.parquet`), path.join(dir, `${t}.parquet`));
  fs.rmSync(path.join(dir, 'students.parquet'));
  fs.mkdirSync(path.join(dir, 'students'));
  await duckQuery(`COPY (SELECT * FROM ${pq(base, 'students')} WHERE year < 11) TO ${sqlString(path.join(dir, 'students', 'part-00000.parquet'))} (FORMAT parquet)`);
  await duckQuery(`COPY (SELECT * FROM ${pq(base, 'students')} WHERE year >= 11) TO ${sqlString(path.join(dir, 'students', 'part-00001.parquet'))} (FORMAT parquet)`);
  const {doc, rel} = docs(dir);
  const st = doc.tables.find((t) => t.name === 'students');
  assert.deepEqual([st.files, st.rows, st.path], [2, 300, path.join(dir, 'students')]);
  assert.ok(rel.relationships.some((r) => r.to.table === 'students' && r.discovered));
  const ddl = fs.readFileSync(path.join(dir, 'ddl', 'duckdb.sql'), 'utf8');
  assert.ok(ddl.includes(`read_parquet('${path.join(dir, 'students')}/*.parquet')`));
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  for (const stmt of ddl.split(/;\n/).map((s) => s.trim()).filter((s) => s && !/^(--[^\n]*\n?)+$/.test(s))) await db.run(stmt);
  assert.equal((await (await db.runAndReadAll('SELECT count(*) FROM students')).getRows())[0][0], 300n);

  // ingest + sync: final tables with _documents, keys by sync's naming rules
  const input = fresh('in'), out = fresh('out');
  ok(['generate', '-q', '--num-iterations', '12', '-d', input]);
  ok(['ingest', '--once', '--settle', '0', '-v', 'warn', '--input-dir', input, '--output-dir', out]);
  ok(['sync', '--output-dir', out]);
  const {doc: d2, rel: r2} = docs(out);
  assert.deepEqual(d2.tables.map((t) => t.name), ['_documents', ...TABLES]);
  assert.deepEqual(r2.relationships.map((r) => `${r.from.table}.${r.from.column}>${r.to.table}`).sort(),
    ['classes.teacher_id>teachers', 'student_classes.class_id>classes', 'student_classes.student_id>students']);
  for (const t of d2.tables) assert.equal(t.rows, Number(await one(`SELECT count(*) FROM ${pq(out, t.name)}`)));
});

test('errors: corrupt Parquet exits 3 naming the file; usage and I/O errors exit 2', async () => {
  const dir = generate(['--n', '100']);
  const f = path.join(dir, 'teachers.parquet');
  const bytes = fs.readFileSync(f);
  fs.writeFileSync(f, Buffer.concat([bytes.subarray(0, 100), bytes.subarray(bytes.length - 300)]));
  let r = sluice(['docs', '-d', dir]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /^sluice: .*teachers\.parquet/);
  for (const [args, re] of [
    [['docs'], /--output-dir is required/],
    [['docs', '-d', path.join(TMP, 'nope')], /cannot read .*nope/],
    [['docs', '-d', fresh('empty')], /holds no Parquet table/],
    [['docs', '-d', generate(['--n', '50']), '--schema', 'no_such_schema'], /--schema 'no_such_schema'/],
  ]) {
    r = sluice(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.match(r.stderr, /^sluice: /);
  }
});
