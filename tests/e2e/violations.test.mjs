// End-to-end tests of `sluice generate --violations KIND=COUNT,...`: the binary is
// run as a user runs it, and every output is measured by DuckDB SQL written from the
// schema file alone (data/schemas/*.json), not from the generator: duplicate rows,
// conflicting duplicate keys, nulls in required columns, orphan foreign keys, classes
// over capacity, students over max_enrollments, age/year mismatches (school: age -
// year in (5, 6)) and values outside declared ranges and value lists. Each kind alone
// and all together must give exactly the counts asked for and zero of every other
// kind; the rows that are not violations must be the clean run's rows, value for
// value; the same seed must give the same bytes, and shards must add up.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {duckQuery, sqlString} from './lib/oracles.mjs';
import {readDocs} from './lib/dataset.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-violations-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));

const SCHEMAS = {
  school: JSON.parse(fs.readFileSync(path.resolve('data/schemas/school.json'), 'utf8')),
  card_transactions: JSON.parse(fs.readFileSync(path.resolve('data/schemas/card_transactions.json'), 'utf8')),
};
const KINDS = ['duplicate_rows', 'conflicting_duplicates', 'null_required', 'orphan_refs',
  'over_capacity', 'over_enrollment_limit', 'age_year_mismatch', 'out_of_range'];
const IN_PLACE = ['null_required', 'orphan_refs', 'age_year_mismatch', 'out_of_range'];
const EXT = {ndjson: 'ndjson', json: 'json', csv: 'csv', parquet: 'parquet', docs: 'ndjson'};

function sluice(args) {
  assert.ok(fs.existsSync(SLUICE), `${SLUICE} is missing: run 'make' first (or set SLUICE_BUILD)`);
  const r = spawnSync(SLUICE, args, {encoding: 'utf8', maxBuffer: 1 << 28});
  if (r.error) throw r.error;
  return r;
}

let seq = 0;
function generate(args) {
  const dir = path.join(TMP, `${seq++}`);
  const full = ['generate', '-q', ...args, '-d', dir];
  const r = sluice(full);
  assert.equal(r.status, 0, `sluice ${full.join(' ')} exited ${r.status}:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /warning/i);
  return dir;
}

/** The written columns of a schema table: flattened name, and how DuckDB names the
 * value in a JSON reading (nested objects stay structs there). */
function columns(table) {
  const out = [];
  for (const c of table.columns) {
    if (c.hidden) continue;
    if (c.type === 'object') {
      for (const m of c.columns) out.push({...m, flat: `${c.name}_${m.name}`, json: `"${c.name}"."${m.name}"`});
    } else {
      out.push({...c, flat: c.name, json: `"${c.name}"`});
    }
  }
  return out;
}

function reader(file, fmt) {
  const f = sqlString(file);
  switch (fmt) {
    case 'parquet': return `read_parquet(${f})`;
    case 'ndjson': case 'docs': return `read_json(${f}, format = 'newline_delimited')`;
    case 'json': return `read_json(${f}, format = 'array')`;
    case 'csv': return `read_csv(${f}, header = true)`;
    default: throw new Error(fmt);
  }
}

/** Job-result documents regrouped as one NDJSON file per table. */
function docsToTables(dir, schema) {
  const out = path.join(dir, 'tables');
  fs.mkdirSync(out);
  const rows = Object.fromEntries(schema.tables.map((t) => [t.name, []]));
  for (const {doc} of readDocs(dir))
    for (const t of schema.tables) for (const r of doc[t.name] ?? []) rows[t.name].push(JSON.stringify(r));
  for (const t of schema.tables) fs.writeFileSync(path.join(out, `${t.name}.ndjson`), rows[t.name].map((l) => l + '\n').join(''));
  return out;
}

let loadSeq = 0;
/** Loads a directory's tables into DuckDB; returns {table: sqlName}. */
async function load(dir, fmt, schema) {
  const id = loadSeq++;
  const names = {};
  for (const t of schema.tables) {
    names[t.name] = `v${id}_${t.name}`;
    await duckQuery(`CREATE OR REPLACE TABLE ${names[t.name]} AS SELECT * FROM ${reader(path.join(dir, `${t.name}.${EXT[fmt]}`), fmt)}`);
  }
  return names;
}

const one = async (sql) => Number(Object.values((await duckQuery(sql))[0])[0] ?? 0);

function literal(c, v) {
  if (c.type === 'date') return `DATE ${sqlString(v)}`;
  if (c.type === 'timestamp') return `TIMESTAMPTZ ${sqlString(v)}`;
  return typeof v === 'number' ? String(v) : sqlString(v);
}
function cast(c, ref) {
  if (c.type === 'date') return `CAST(${ref} AS DATE)`;
  if (c.type === 'timestamp') return `CAST(${ref} AS TIMESTAMPTZ)`;
  if (/^(int|decimal|double)/.test(c.type)) return `CAST(${ref} AS DOUBLE)`;
  return ref;
}

/** Every kind's count, measured by SQL from the schema file. */
async function measure(names, fmt, schema) {
  const ref = (c) => (fmt === 'ndjson' || fmt === 'json' || fmt === 'docs' ? c.json : `"${c.flat}"`);
  const n = Object.fromEntries(KINDS.map((k) => [k, 0]));
  for (const t of schema.tables) {
    const T = names[t.name];
    const cols = columns(t);
    n.duplicate_rows += await one(`SELECT (SELECT count(*) FROM ${T}) - (SELECT count(*) FROM (SELECT DISTINCT * FROM ${T}))`);
    const pk = [].concat(t.primary_key ?? []).map((k) => ref(cols.find((c) => c.flat === k)));
    if (pk.length)
      n.conflicting_duplicates += await one(`SELECT (SELECT count(*) FROM (SELECT DISTINCT * FROM ${T})) - (SELECT count(*) FROM (SELECT DISTINCT ${pk.join(', ')} FROM ${T}))`);
    for (const c of cols) {
      if (!c.null_rate) n.null_required += await one(`SELECT count(*) FROM ${T} WHERE ${ref(c)} IS NULL`);
      if (c.ref) {
        const [pt, pc] = c.ref.split('.');
        n.orphan_refs += await one(`SELECT count(*) FROM ${T} x WHERE ${ref(c)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${names[pt]} p WHERE p."${pc}" = x.${ref(c)})`);
      }
      const conds = [];
      if (c.min !== undefined && !String(c.min).startsWith('$')) conds.push(`${cast(c, ref(c))} < ${literal(c, c.min)}`);
      if (c.max !== undefined && !String(c.max).startsWith('$')) conds.push(`${cast(c, ref(c))} > ${literal(c, c.max)}`);
      if (c.values && !c.type.startsWith('list')) conds.push(`${cast(c, ref(c))} NOT IN (${c.values.map((v) => literal(c, v)).join(', ')})`);
      if (conds.length) n.out_of_range += await one(`SELECT count(*) FROM ${T} WHERE ${conds.join(' OR ')}`);
    }
  }
  if (schema.name === 'school') {
    const max = schema.params.max_enrollments;
    n.over_capacity = await one(`SELECT count(*) FROM (SELECT class_id, count(*) AS k FROM ${names.student_classes} GROUP BY 1) e JOIN ${names.classes} c USING (class_id) WHERE e.k > c.capacity`);
    n.over_enrollment_limit = await one(`SELECT count(*) FROM (SELECT student_id, count(*) AS k FROM ${names.student_classes} GROUP BY 1) WHERE k > ${max}`);
    n.age_year_mismatch = await one(`SELECT count(*) FROM ${names.students} WHERE age - year NOT IN (5, 6)`);
  }
  return n;
}

/** Rows of the clean run missing from the injected one, and rows the injected one adds. */
async function rowDiff(clean, dirty, schema) {
  let missing = 0, added = 0;
  for (const t of schema.tables) {
    missing += await one(`SELECT count(*) FROM (SELECT * FROM ${clean[t.name]} EXCEPT ALL SELECT * FROM ${dirty[t.name]})`);
    added += await one(`SELECT count(*) FROM (SELECT * FROM ${dirty[t.name]} EXCEPT ALL SELECT * FROM ${clean[t.name]})`);
  }
  return {missing, added};
}

const expected = (counts) => Object.fromEntries(KINDS.map((k) => [k, counts[k] ?? 0]));
const spec = (counts) => Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(',');

const cleanCache = {};
async function clean(schemaName, fmt, extra) {
  const key = `${schemaName} ${fmt} ${extra.join(' ')}`;
  if (!cleanCache[key]) {
    const f = fmt === 'docs' ? ['--num-iterations', '100', '-f', 'json'] : ['-f', fmt];
    let dir = generate(['--schema', schemaName, ...f, ...extra]);
    if (fmt === 'docs') dir = docsToTables(dir, SCHEMAS[schemaName]);
    cleanCache[key] = await load(dir, fmt, SCHEMAS[schemaName]);
  }
  return cleanCache[key];
}

/** Generates with counts, checks every kind's count and the rows against the clean run. */
async function check(schemaName, fmt, counts, extra = []) {
  const schema = SCHEMAS[schemaName];
  const f = fmt === 'docs' ? ['--num-iterations', '100', '-f', 'json'] : ['-f', fmt];
  let dir = generate(['--schema', schemaName, ...f, ...extra, '--violations', spec(counts)]);
  if (fmt === 'docs') dir = docsToTables(dir, schema);
  const names = await load(dir, fmt, schema);
  assert.deepEqual(await measure(names, fmt, schema), expected(counts), `${schemaName} ${fmt} ${spec(counts)}`);
  const base = await clean(schemaName, fmt, extra);
  const {missing, added} = await rowDiff(base, names, schema);
  // each in-place violation replaces one clean row; nothing else of the clean run changes
  const inPlace = IN_PLACE.reduce((s, k) => s + (counts[k] ?? 0), 0);
  assert.equal(missing, inPlace, 'clean rows changed');
  const min = inPlace + (counts.duplicate_rows ?? 0) + (counts.conflicting_duplicates ?? 0) +
    (counts.over_capacity ?? 0) + (counts.over_enrollment_limit ?? 0);
  assert.ok(added >= min, `added rows ${added} < ${min}`);
  if (!counts.over_capacity && !counts.over_enrollment_limit) assert.equal(added - inPlace, min - inPlace, 'rows added');
  return {dir, names};
}

test('school as Parquet: each kind alone gives exactly its count and no other kind', async () => {
  const counts = {duplicate_rows: 7, conflicting_duplicates: 5, null_required: 11, orphan_refs: 6,
    over_capacity: 3, over_enrollment_limit: 4, age_year_mismatch: 9, out_of_range: 8};
  for (const [k, v] of Object.entries(counts)) await check('school', 'parquet', {[k]: v});
});

test('school as Parquet: all kinds together, and a changed row differs from the clean one in one cell', async () => {
  const counts = {duplicate_rows: 4, conflicting_duplicates: 3, null_required: 12, orphan_refs: 5,
    over_capacity: 2, over_enrollment_limit: 3, age_year_mismatch: 6, out_of_range: 7};
  const {names} = await check('school', 'parquet', counts);
  const base = await clean('school', 'parquet', []);
  let changed = 0;
  for (const t of SCHEMAS.school.tables.filter((x) => typeof x.primary_key === 'string')) {
    const cols = columns(t);
    const diff = cols.map((c) => `(a."${c.flat}" IS DISTINCT FROM b."${c.flat}")::INT`).join(' + ');
    const [r] = await duckQuery(`SELECT count(*) AS n, max(${diff}) AS most FROM ${names[t.name]} a JOIN ${base[t.name]} b USING ("${t.primary_key}") WHERE ${diff} > 0`);
    changed += Number(r.n);
    if (Number(r.n)) assert.equal(Number(r.most), 1, `${t.name}: a changed row differs in more than one cell`);
  }
  assert.equal(changed, 12 + 5 + 6 + 7);
  // the age/year mismatches keep year within its declared range and age as generated
  const yr = await duckQuery(`SELECT min(year) AS lo, max(year) AS hi FROM ${names.students}`);
  assert.ok(Number(yr[0].lo) >= 9 && Number(yr[0].hi) <= 12);
  const ages = await one(`SELECT count(*) FROM ${names.students} a JOIN ${base.students} b USING (student_id) WHERE a.age <> b.age`);
  assert.equal(ages, 0);
});

test('school: NDJSON, JSON, CSV and job-result documents carry the same violations', async () => {
  const counts = {duplicate_rows: 2, conflicting_duplicates: 2, null_required: 5, orphan_refs: 3,
    over_capacity: 2, over_enrollment_limit: 2, age_year_mismatch: 3, out_of_range: 4};
  for (const fmt of ['ndjson', 'json', 'csv', 'docs']) await check('school', fmt, counts);
});

test('card_transactions: the kinds that fit a schema without an association', async () => {
  const counts = {duplicate_rows: 5, conflicting_duplicates: 4, null_required: 9, orphan_refs: 7, out_of_range: 6};
  await check('card_transactions', 'parquet', counts, ['--n', '3000']);
});

test('the same seed gives the same bytes; another seed places them elsewhere; shards add up', async () => {
  const args = ['-f', 'parquet', '--violations', 'duplicate_rows=3,null_required=4,over_capacity=1,age_year_mismatch=2'];
  const a = generate([...args, '--seed', '7']), b = generate([...args, '--seed', '7']), c = generate([...args, '--seed', '8']);
  let differ = false;
  for (const t of SCHEMAS.school.tables) {
    const f = `${t.name}.parquet`;
    assert.ok(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))), `${f} differs between runs`);
    differ ||= !fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(c, f)));
  }
  assert.ok(differ, 'seed 8 wrote the same files as seed 7');
  const v = 'duplicate_rows=3,conflicting_duplicates=2,null_required=4,orphan_refs=3,over_capacity=2,over_enrollment_limit=2,age_year_mismatch=2,out_of_range=3';
  const whole = generate(['-f', 'ndjson', '--violations', v]);
  const parts = [0, 1, 2].map((i) => generate(['-f', 'ndjson', '--violations', v, '--shard', `${i}/3`]));
  for (const t of SCHEMAS.school.tables) {
    const joined = Buffer.concat(parts.map((d, i) => fs.readFileSync(path.join(d, `${t.name}-${i}-of-3.ndjson`))));
    assert.ok(joined.equals(fs.readFileSync(path.join(whole, `${t.name}.ndjson`))), `${t.name}: shards differ from the whole`);
  }
});

test('errors: unknown kinds, kinds a schema cannot hold, more than fits, --loop, --table', () => {
  const cases = [
    [['--violations', 'bogus=1'], /unknown kind 'bogus'/],
    [['--violations', 'null_required=x'], /count is not a number/],
    [['--violations', 'null_required=1,null_required=2'], /given twice/],
    [['--violations', 'null_required'], /is not KIND=COUNT/],
    [['--schema', 'card_transactions', '--n', '100', '--violations', 'over_capacity=1'], /no association with a capacity/],
    [['--schema', 'card_transactions', '--n', '100', '--violations', 'age_year_mismatch=1'], /no table with integer 'age' and 'year'/],
    [['--n', '50', '--violations', 'age_year_mismatch=51'], /only 50 fit/],
    [['--n', '40', '--violations', 'over_capacity=1000'], /over_capacity=1000: only \d+ fit/],
    [['--table', 'students', '-o', '-', '--loop', '--violations', 'null_required=1'], /not with --loop/],
    [['--table', 'students', '--violations', 'over_capacity=1'], /table 'student_classes' takes some of them but is not written/],
  ];
  for (const [args, re] of cases) {
    const r = sluice(['generate', '-q', '-d', path.join(TMP, `err${seq++}`), ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, re);
    assert.match(r.stderr, /^sluice: /);
  }
});
