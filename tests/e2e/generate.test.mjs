// End-to-end tests of `sluice generate` (tables mode): the binary is run as a user
// runs it, into temporary directories, and what it writes is checked with DuckDB
// queries (plus hyparquet, parquet-wasm and Polars for one Parquet table) against
// the contract in docs/schema-format.md and the built-in schemas in data/schemas/:
// foreign keys, key uniqueness, association limits, null rates, distributions,
// derived columns, byte-for-byte determinism and sharding, and format agreement.
// Job-result documents, schema errors and DDL import are in generate_docs.test.mjs.
//
// Every statistical check uses a fixed seed, so it is deterministic; its tolerance
// is stated as a multiple of the binomial (or normal) standard error, wide enough
// that a correct generator passes for any seed and narrow enough that a wrong
// weight, rate or parameter fails.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {
  duckQuery, duckSchema, sqlString, readAll, diffRows, parseCsv, parseJsonSeq, jsonText, JObj,
} from './lib/oracles.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-generate-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));

const SCHOOL = JSON.parse(fs.readFileSync(path.resolve('data/schemas/school.json'), 'utf8'));
const CARDS = JSON.parse(fs.readFileSync(path.resolve('data/schemas/card_transactions.json'), 'utf8'));
const SCHOOL_TABLES = ['teachers', 'classes', 'students', 'student_classes'];
const EXT = {ndjson: 'ndjson', json: 'json', csv: 'csv', parquet: 'parquet'};

function sluice(args) {
  assert.ok(fs.existsSync(SLUICE), `${SLUICE} is missing: run 'make' first (or set SLUICE_BUILD)`);
  const r = spawnSync(SLUICE, args, {encoding: 'utf8', maxBuffer: 1 << 28});
  if (r.error) throw r.error;
  return r;
}

let dirSeq = 0;
/** A fresh empty directory under TMP. */
function freshDir(label) {
  const d = path.join(TMP, `${dirSeq++}-${label}`);
  fs.mkdirSync(d);
  return d;
}

/** Runs `sluice generate -q ARGS -d DIR` (DIR given or fresh) and asserts exit 0 with
 * no warning on stderr. Returns the directory. */
function generate(args, dir = freshDir('gen')) {
  const full = ['generate', '-q', ...args, '-d', dir];
  const r = sluice(full);
  assert.equal(r.status, 0, `sluice ${full.join(' ')} exited ${r.status} (signal ${r.signal}):\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /warning/i, `sluice ${full.join(' ')} warned:\n${r.stderr}`);
  return dir;
}

/** The DuckDB table function reading one output file. */
function reader(file, fmt) {
  const f = sqlString(file);
  switch (fmt) {
    case 'parquet': return `read_parquet(${f})`;
    case 'ndjson': return `read_json(${f}, format = 'newline_delimited')`;
    case 'json': return `read_json(${f}, format = 'array')`;
    case 'csv': return `read_csv(${f}, header = true)`;
    default: throw new Error(fmt);
  }
}

let tabSeq = 0;
/** Loads each table of an output directory into a DuckDB table; returns {table: sqlName}. */
async function load(dir, fmt, tables) {
  const names = {};
  const id = tabSeq++;
  for (const t of tables) {
    names[t] = `g${id}_${t}`;
    await duckQuery(`CREATE OR REPLACE TABLE ${names[t]} AS SELECT * FROM ${reader(path.join(dir, `${t}.${EXT[fmt]}`), fmt)}`);
  }
  return names;
}
async function drop(names) {
  for (const n of Object.values(names)) await duckQuery(`DROP TABLE IF EXISTS ${n}`);
}

async function one(sql) {
  const rows = await duckQuery(sql);
  assert.equal(rows.length, 1, `expected one row from: ${sql}`);
  return rows[0];
}
/** A query's single value as a JS number. */
async function scalar(sql) {
  const r = await one(sql);
  const v = Object.values(r)[0];
  return v === null ? null : Number(v);
}

/** Flattened output column names of a schema table (objects as <object>_<column>,
 * hidden columns left out), as docs/schema-format.md says Parquet and CSV name them. */
function flatColumns(schema, table) {
  const t = schema.tables.find((x) => x.name === table);
  const out = [];
  (function walk(cols, prefix) {
    for (const c of cols) {
      if (c.hidden) continue;
      if (c.type === 'object') walk(c.columns, `${prefix}${c.name}_`);
      else out.push(`${prefix}${c.name}`);
    }
  })(t.columns, '');
  return out;
}

/** ceil(n x num/den) in exact integer arithmetic (a ratio such as 0.07 is 7/100). */
const ceilRatio = (n, num, den) => Math.floor((n * num + den - 1) / den);

const readBytes = (f) => fs.readFileSync(f);
const listDir = (d) => fs.readdirSync(d).sort();

// ------------------------------------------------------------ 1. school constraints

/** Checks the school dataset's guarantees on loaded tables; n is --n (students). */
async function checkSchool(T, n, maxEnroll, util, label) {
  // Row counts from the schema: ceil(n * ratio) teachers and classes, n students.
  assert.equal(await scalar(`SELECT count(*) FROM ${T.teachers}`), ceilRatio(n, 7, 100), `${label}: teachers rows`);
  assert.equal(await scalar(`SELECT count(*) FROM ${T.classes}`), ceilRatio(n, 25, 100), `${label}: classes rows`);
  assert.equal(await scalar(`SELECT count(*) FROM ${T.students}`), n, `${label}: students rows`);
  const enrolled = await scalar(`SELECT count(*) FROM ${T.student_classes}`);
  assert.ok(enrolled > 0 && enrolled <= n * maxEnroll, `${label}: ${enrolled} enrollments, limit ${n * maxEnroll}`);

  const r = await one(`SELECT
    (SELECT count(*) FROM ${T.classes} c ANTI JOIN ${T.teachers} t USING (teacher_id)) AS orphan_class_teacher,
    (SELECT count(*) FROM ${T.student_classes} e ANTI JOIN ${T.students} s USING (student_id)) AS orphan_enrollment_student,
    (SELECT count(*) FROM ${T.student_classes} e ANTI JOIN ${T.classes} c USING (class_id)) AS orphan_enrollment_class,
    (SELECT count(*) - count(DISTINCT teacher_id) FROM ${T.teachers}) AS dup_teacher_id,
    (SELECT count(*) - count(DISTINCT class_id) FROM ${T.classes}) AS dup_class_id,
    (SELECT count(*) - count(DISTINCT student_id) FROM ${T.students}) AS dup_student_id,
    (SELECT count(*) - count(DISTINCT (student_id, class_id)) FROM ${T.student_classes}) AS dup_enrollment,
    (SELECT count(*) FROM (SELECT e.class_id, count(*) AS k, any_value(c.capacity) AS cap
        FROM ${T.student_classes} e JOIN ${T.classes} c USING (class_id) GROUP BY e.class_id)
      WHERE k > floor(cap * ${util}::DECIMAL(10,4))) AS overfull_classes,
    (SELECT count(*) FROM (SELECT student_id FROM ${T.student_classes} GROUP BY student_id HAVING count(*) > ${maxEnroll})) AS overloaded_students,
    (SELECT count(*) FROM ${T.students} WHERE (age - year) NOT IN (5, 6) OR age IS NULL OR year IS NULL) AS bad_age,
    (SELECT count(*) - count(DISTINCT email) FROM ${T.students}) AS dup_student_email,
    (SELECT count(*) - count(DISTINCT email) FROM ${T.teachers}) AS dup_teacher_email,
    (SELECT count(*) FROM ${T.students} WHERE email IS NULL) + (SELECT count(*) FROM ${T.teachers} WHERE email IS NULL) AS null_email`);
  const zero = Object.fromEntries(Object.keys(r).map((k) => [k, 0n]));
  assert.deepEqual(r, zero, `${label}: constraint violations`);

  // The limits are reached, not merely respected: the busiest student has exactly
  // max_enrollments classes (the seats outnumber (max-1) x students at these sizes), and
  // the fullest class sits at floor(capacity x utilization).
  const busiest = await scalar(`SELECT max(k) FROM (SELECT count(*) AS k FROM ${T.student_classes} GROUP BY student_id)`);
  assert.equal(busiest, maxEnroll, `${label}: most classes of one student`);
  const atLimit = await scalar(`SELECT count(*) FROM (SELECT e.class_id, count(*) AS k, any_value(c.capacity) AS cap
      FROM ${T.student_classes} e JOIN ${T.classes} c USING (class_id) GROUP BY e.class_id)
    WHERE k = floor(cap * ${util}::DECIMAL(10,4))`);
  assert.ok(atLimit > 0, `${label}: no class is filled to floor(capacity x ${util})`);
  // Ages lie in both allowed offsets, and years in 9..12.
  assert.deepEqual(await duckQuery(`SELECT DISTINCT (age - year)::INTEGER AS d FROM ${T.students} ORDER BY d`), [{d: 5}, {d: 6}], `${label}: age - year`);
  assert.deepEqual(await duckQuery(`SELECT min(year)::INTEGER AS lo, max(year)::INTEGER AS hi FROM ${T.students}`), [{lo: 9, hi: 12}], `${label}: year range`);
}

test('school: foreign keys close, keys and emails are unique, class and student limits hold (seeds 1, 7, 42; parquet and ndjson)', async () => {
  const n = 2000;
  for (const seed of [1, 7, 42]) {
    for (const fmt of ['parquet', 'ndjson']) {
      for (const [maxEnroll, util, extra] of [[5, 0.8, []], [3, 0.5, ['--max-enrollments', '3', '--capacity-utilization', '0.5']]]) {
        const label = `seed ${seed}, ${fmt}, max ${maxEnroll}, utilization ${util}`;
        const dir = generate(['--n', String(n), '--seed', String(seed), '--format', fmt, ...extra]);
        assert.deepEqual(listDir(dir), SCHOOL_TABLES.map((t) => `${t}.${EXT[fmt]}`).sort(), `${label}: files`);
        const T = await load(dir, fmt, SCHOOL_TABLES);
        await checkSchool(T, n, maxEnroll, util, label);
        await drop(T);
      }
    }
  }
});

test('school: row counts are ceil(n x ratio) exactly, for any n (300 students: 21 teachers, as job-result mode has)', async () => {
  const counts = [];
  for (const n of [100, 300, 1500, 3000]) {
    const dir = generate(['--n', String(n), '--table', 'teachers,classes']);
    const rows = (t) => fs.readFileSync(path.join(dir, `${t}.ndjson`), 'utf8').split('\n').filter(Boolean).length;
    counts.push({n, teachers: rows('teachers'), classes: rows('classes')});
  }
  assert.deepEqual(counts, [100, 300, 1500, 3000].map((n) => ({n, teachers: ceilRatio(n, 7, 100), classes: ceilRatio(n, 25, 100)})));
});

// ------------------------------------------------------------ 2. null rates

test('null rates: guardian phone null at 0.05 +- 0.01 over 20000 students; every other column never null', async () => {
  const n = 20000;
  // Binomial standard error of the observed rate: sqrt(0.05 * 0.95 / 20000) = 0.00154,
  // so +-0.01 is about 6.5 standard errors: a correct generator fails with probability
  // ~1e-10, while a rate of 0.04 or 0.06 (a 20% error) fails.
  const p = 0.05, se = Math.sqrt(p * (1 - p) / n), tol = 0.01;
  assert.ok(tol > 6 * se && tol < 7 * se);
  for (const fmt of ['parquet', 'ndjson']) {
    const dir = generate(['--n', String(n), '--seed', '3', '--format', fmt]);
    const T = await load(dir, fmt, SCHOOL_TABLES);
    const col = fmt === 'parquet' ? 'guardian_phone' : 'guardian.phone';
    const rate = await scalar(`SELECT avg((${col} IS NULL)::INT) FROM ${T.students}`);
    assert.ok(Math.abs(rate - p) <= tol, `${fmt}: guardian phone null rate ${rate}, expected ${p} +- ${tol}`);
    if (fmt === 'parquet') {
      // every other column of every table: zero nulls
      for (const t of SCHOOL_TABLES) {
        const cols = (await duckQuery(`DESCRIBE ${T[t]}`)).map((c) => c.column_name);
        assert.deepEqual(cols, flatColumns(SCHOOL, t), `${t}: columns`);
        const sql = cols.filter((c) => !(t === 'students' && c === 'guardian_phone'))
          .map((c) => `count(*) - count("${c}") AS "${c}"`).join(', ');
        const nulls = await one(`SELECT ${sql} FROM ${T[t]}`);
        const bad = Object.entries(nulls).filter(([, v]) => v !== 0n);
        assert.deepEqual(bad, [], `${t}: columns with nulls`);
      }
    } else {
      // NDJSON writes a null as an explicit null member, never by leaving it out
      const text = fs.readFileSync(path.join(dir, 'students.ndjson'), 'utf8');
      const lines = text.split('\n').filter(Boolean);
      const nullLines = lines.filter((l) => l.endsWith('"phone":null}}')).length;
      assert.equal(nullLines, await scalar(`SELECT count(*) FROM ${T.students} WHERE guardian.phone IS NULL`));
      assert.equal(lines.filter((l) => l.includes(':null')).length, nullLines, 'no other nulls in students.ndjson');
    }
    await drop(T);
  }
});

// ------------------------------------------------------------ 3. distributions

test('card_transactions: lognormal amounts, channel weights, fraud rate, zipf merchants, hour and weekday weights, derived columns', async () => {
  const n = 200000;
  const dir = generate(['--schema', 'card_transactions', '--n', String(n), '--format', 'parquet', '--seed', '11']);
  const T = await load(dir, 'parquet', ['transactions', 'merchants', 'cards']);
  const tx = T.transactions;
  const spec = CARDS.tables.find((t) => t.name === 'transactions');
  const colSpec = (name) => spec.columns.find((c) => c.name === name);
  assert.equal(await scalar(`SELECT count(*) FROM ${tx}`), n);
  assert.equal(await scalar(`SELECT count(*) FROM ${T.merchants}`), 2000);
  assert.equal(await scalar(`SELECT count(*) FROM ${T.cards}`), ceilRatio(n, 1, 100));
  assert.equal(await scalar(`SELECT count(*) - count(DISTINCT transaction_id) FROM ${tx}`), 0);
  assert.deepEqual(await one(`SELECT min(transaction_id) AS lo, max(transaction_id) AS hi FROM ${tx}`), {lo: 1n, hi: BigInt(n)});
  assert.equal(await scalar(`SELECT count(*) FROM ${tx} ANTI JOIN ${T.merchants} USING (merchant_id)`), 0, 'orphan merchant_id');
  assert.equal(await scalar(`SELECT count(*) FROM ${tx} ANTI JOIN ${T.cards} USING (card_id)`), 0, 'orphan card_id');

  // amount: lognormal(mu 3.6, sigma 1.0) clamped to [0.5, 25000]. The clamp touches
  // ln values 4.3 and 6.5 sigma out, so the mean and stddev of ln(amount) are mu and
  // sigma up to sampling error: se(mean) = sigma/sqrt(n) = 0.0022, se(sd) ~ sigma/sqrt(2n)
  // = 0.0016 (cent rounding adds < 0.001); +-0.015 is ~7 and ~9 standard errors.
  const a = await one(`SELECT avg(ln(amount)) AS m, stddev_pop(ln(amount)) AS s,
      min(amount)::DOUBLE AS lo, max(amount)::DOUBLE AS hi, count(*) - count(amount) AS nulls FROM ${tx}`);
  assert.ok(Math.abs(a.m - 3.6) <= 0.015, `mean of ln(amount) ${a.m}, expected 3.6 +- 0.015`);
  assert.ok(Math.abs(a.s - 1.0) <= 0.015, `stddev of ln(amount) ${a.s}, expected 1.0 +- 0.015`);
  assert.ok(a.lo >= 0.5 && a.hi <= 25000, `amount range [${a.lo}, ${a.hi}] outside [0.5, 25000]`);
  assert.equal(a.nulls, 0n);
  // The median of a lognormal is exp(mu) = 36.6: the share below it is 0.5 +- 5 se (0.0056).
  const belowMedian = await scalar(`SELECT avg((amount < exp(3.6))::INT) FROM ${tx}`);
  assert.ok(Math.abs(belowMedian - 0.5) <= 5 * Math.sqrt(0.25 / n), `share below exp(mu): ${belowMedian}`);

  // channel: weights 45/35/17/3; each share within 5 binomial standard errors.
  const ch = colSpec('channel');
  const wsum = ch.weights.reduce((s, w) => s + w, 0);
  const shares = Object.fromEntries((await duckQuery(`SELECT channel, count(*) AS k FROM ${tx} GROUP BY channel`))
    .map((r) => [r.channel, Number(r.k) / n]));
  assert.deepEqual(Object.keys(shares).sort(), [...ch.values].sort(), 'channel values');
  ch.values.forEach((v, i) => {
    const p = ch.weights[i] / wsum, tol = 5 * Math.sqrt(p * (1 - p) / n);
    assert.ok(Math.abs(shares[v] - p) <= tol, `channel ${v}: share ${shares[v]}, expected ${p} +- ${tol.toFixed(5)}`);
  });

  // is_fraud: bernoulli(0.02); 5 standard errors = 0.00157.
  const fraud = await scalar(`SELECT avg(is_fraud::INT) FROM ${tx}`);
  const ftol = 5 * Math.sqrt(0.02 * 0.98 / n);
  assert.ok(Math.abs(fraud - 0.02) <= ftol, `fraud rate ${fraud}, expected 0.02 +- ${ftol.toFixed(5)}`);

  // merchant_id: zipf(s = 1.1) over 2000 merchants. P(rank 1) = 1/H(2000, 1.1) ~ 0.17,
  // P(rank 1000) ~ 3.4e-5: the top merchant has thousands of times the median's rows.
  const counts = (await duckQuery(`SELECT count(*) AS k FROM ${tx} GROUP BY merchant_id ORDER BY k DESC`)).map((r) => Number(r.k));
  const H = Array.from({length: 2000}, (_, k) => (k + 1) ** -1.1).reduce((s, x) => s + x, 0);
  const top = counts[0], median = [...counts, ...Array(2000 - counts.length).fill(0)].sort((x, y) => x - y)[1000];
  assert.ok(Math.abs(top / n - 1 / H) <= 5 * Math.sqrt((1 / H) * (1 - 1 / H) / n), `top merchant share ${top / n}, expected ${1 / H}`);
  assert.ok(top > 100 * Math.max(median, 1), `top merchant ${top} rows, median ${median}`);
  // least-squares slope of ln(count) on ln(rank) over the top 50 ranks
  const xs = counts.slice(0, 50).map((_, i) => Math.log(i + 1)), ys = counts.slice(0, 50).map(Math.log);
  const mx = xs.reduce((s, x) => s + x, 0) / 50, my = ys.reduce((s, y) => s + y, 0) / 50;
  const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  assert.ok(slope >= -1.3 && slope <= -0.9, `rank-frequency slope ${slope}, expected in [-1.3, -0.9]`);

  // event_time: in [min, max]; UTC hours follow hour_weights and weekdays follow
  // weekday_weights times the number of such days in 2026 (both within 5 standard errors).
  const et = colSpec('event_time');
  const range = await one(`SELECT min(epoch_us(event_time)) AS lo, max(epoch_us(event_time)) AS hi FROM ${tx}`);
  assert.ok(range.lo >= BigInt(Date.parse(et.min)) * 1000n && range.hi <= BigInt(Date.parse(et.max)) * 1000n + 999999n,
    `event_time range ${range.lo}..${range.hi}`);
  const hours = new Map((await duckQuery(`SELECT (epoch_us(event_time) // 3600000000) % 24 AS h, count(*) AS k FROM ${tx} GROUP BY h`))
    .map((r) => [Number(r.h), Number(r.k)]));
  const hw = et.hour_weights, hsum = hw.reduce((s, w) => s + w, 0);
  const busiest = [...hours].sort((x, y) => y[1] - x[1])[0][0];
  assert.equal(busiest, 12, 'busiest hour');
  for (let h = 0; h < 24; h++) {
    const p = hw[h] / hsum, tol = 5 * Math.sqrt(p * (1 - p) / n), got = (hours.get(h) ?? 0) / n;
    assert.ok(Math.abs(got - p) <= tol, `hour ${h}: share ${got}, expected ${p.toFixed(5)} +- ${tol.toFixed(5)}`);
  }
  const daysOf = Array(7).fill(0); // Monday first; 2026-01-01 is a Thursday
  for (let d = 0; d < 365; d++) daysOf[(3 + d) % 7]++;
  const wdw = et.weekday_weights.map((w, i) => w * daysOf[i]), wdsum = wdw.reduce((s, w) => s + w, 0);
  const wdays = new Map((await duckQuery(`SELECT (epoch_us(event_time) // 86400000000 + 3) % 7 AS d, count(*) AS k FROM ${tx} GROUP BY d`))
    .map((r) => [Number(r.d), Number(r.k)]));
  for (let d = 0; d < 7; d++) {
    const p = wdw[d] / wdsum, tol = 5 * Math.sqrt(p * (1 - p) / n), got = (wdays.get(d) ?? 0) / n;
    assert.ok(Math.abs(got - p) <= tol, `weekday ${d + 1}: share ${got}, expected ${p.toFixed(5)} +- ${tol.toFixed(5)}`);
  }

  // derived columns, every row, computed here from epoch microseconds (no time zone setting involved)
  const bad = await one(`WITH x AS (SELECT *, epoch_us(event_time) AS us FROM ${tx}) SELECT
      count(*) FILTER (WHERE txn_date IS DISTINCT FROM DATE '1970-01-01' + (us // 86400000000)::INTEGER) AS txn_date,
      count(*) FILTER (WHERE txn_hour IS DISTINCT FROM (us // 3600000000) % 24) AS txn_hour,
      count(*) FILTER (WHERE is_weekend IS DISTINCT FROM ((us // 86400000000 + 3) % 7 >= 5)) AS is_weekend,
      count(*) FILTER (WHERE amount_band IS DISTINCT FROM CASE WHEN amount < 10 THEN 'micro' WHEN amount < 50 THEN 'small'
        WHEN amount < 200 THEN 'medium' WHEN amount < 1000 THEN 'large' ELSE 'very_large' END) AS amount_band,
      count(*) FILTER (WHERE currency IS DISTINCT FROM 'USD') AS currency
    FROM x`);
  assert.deepEqual(bad, {txn_date: 0n, txn_hour: 0n, is_weekend: 0n, amount_band: 0n, currency: 0n}, 'rows whose derived column differs');
  // and every band, both weekend values occur (the comparison above is not vacuous)
  assert.equal(await scalar(`SELECT count(DISTINCT amount_band) FROM ${tx}`), 5);
  assert.equal(await scalar(`SELECT count(DISTINCT is_weekend) FROM ${tx}`), 2);
  await drop(T);
});

// ------------------------------------------------------------ 4. determinism and shards

test('determinism: the same command gives the same bytes (ndjson, csv, json, at 1 and 2 threads); another seed gives other bytes', () => {
  for (const fmt of ['ndjson', 'csv', 'json']) {
    const a = generate(['--n', '1500', '--seed', '5', '--format', fmt, '--threads', '2']);
    const b = generate(['--n', '1500', '--seed', '5', '--format', fmt, '--threads', '2']);
    const c = generate(['--n', '1500', '--seed', '5', '--format', fmt, '--threads', '1']);
    const d = generate(['--n', '1500', '--seed', '6', '--format', fmt]);
    for (const t of SCHOOL_TABLES) {
      const f = `${t}.${EXT[fmt]}`;
      const bytes = readBytes(path.join(a, f));
      assert.ok(bytes.length > 1000, `${fmt} ${t}: ${bytes.length} bytes`);
      assert.ok(bytes.equals(readBytes(path.join(b, f))), `${fmt} ${t}: two runs differ`);
      assert.ok(bytes.equals(readBytes(path.join(c, f))), `${fmt} ${t}: 1 and 2 threads differ`);
      assert.ok(!bytes.equals(readBytes(path.join(d, f))), `${fmt} ${t}: seeds 5 and 6 give the same bytes`);
    }
  }
});

/** Generates shards 0..N-1 into one directory and returns it. */
function shards(args, N) {
  const dir = freshDir(`shards${N}`);
  for (let i = 0; i < N; i++) generate([...args, '--shard', `${i}/${N}`], dir);
  return dir;
}
/** The file a shard writes: <table>-<I>-of-<N>.<ext>, or <table>.<ext> when N is 1. */
const shardFile = (t, ext, i, N) => (N === 1 ? `${t}.${ext}` : `${t}-${i}-of-${N}.${ext}`);

test('determinism: a file past 64 MiB, whose tail is written with direct I/O, has the bytes of --no-direct-io, of one thread and of 3 shards', () => {
  // 250,000 card transactions are about 83 MB of NDJSON: the first 64 MiB go through
  // the page cache, the rest bypass it in whole 4 KiB blocks, and the last partial
  // block is written buffered again
  const base = ['--schema', 'card_transactions', '--table', 'transactions', '--n', '250000', '--format', 'ndjson'];
  const file = 'transactions.ndjson';
  const direct = readBytes(path.join(generate(base), file));
  assert.ok(direct.length > 80e6, `${direct.length} bytes`);
  assert.notEqual(direct.length % 4096, 0, 'the size should leave a partial last block');
  const buffered = readBytes(path.join(generate([...base, '--no-direct-io']), file));
  assert.ok(direct.equals(buffered), `direct I/O (${direct.length} bytes) and --no-direct-io (${buffered.length}) differ`);
  const one = readBytes(path.join(generate([...base, '--threads', '1']), file));
  assert.ok(direct.equals(one), 'one thread differs');
  const dir = shards(base, 3);
  const cat = Buffer.concat([0, 1, 2].map((i) => readBytes(path.join(dir, shardFile('transactions', 'ndjson', i, 3)))));
  assert.ok(direct.equals(cat), '3 shards concatenated differ');
  const lines = direct.toString('utf8').split('\n');
  assert.equal(lines.length, 250001);
  assert.equal(lines.at(-1), '');
  assert.equal(JSON.parse(lines[249999]).transaction_id, 250000);
});

function checkTextShards(n, seeds) {
  for (const fmt of ['ndjson', 'csv', 'json']) {
    for (const seed of seeds) {
      const base = ['--n', String(n), '--seed', String(seed), '--format', fmt];
      const whole = generate(base);
      for (const N of [1, 2, 3, 7]) {
        const dir = shards(base, N);
        const expectFiles = SCHOOL_TABLES.flatMap((t) => Array.from({length: N}, (_, i) => shardFile(t, EXT[fmt], i, N))).sort();
        assert.deepEqual(listDir(dir), expectFiles, `${fmt} seed ${seed} N ${N}: files`);
        for (const t of SCHOOL_TABLES) {
          const cat = Buffer.concat(Array.from({length: N}, (_, i) => readBytes(path.join(dir, shardFile(t, EXT[fmt], i, N)))));
          const want = readBytes(path.join(whole, `${t}.${EXT[fmt]}`));
          if (!cat.equals(want)) {
            let at = 0;
            while (at < want.length && cat[at] === want[at]) at++;
            assert.fail(`n ${n}, ${fmt}, seed ${seed}: ${t} shards 0..${N - 1} of ${N} concatenated (${cat.length} bytes) ` +
              `differ from the unsharded file (${want.length} bytes) at byte ${at}: ` +
              `${JSON.stringify(cat.subarray(at, at + 40).toString())} vs ${JSON.stringify(want.subarray(at, at + 40).toString())}`);
          }
        }
      }
    }
  }
}

test('shards: --shard I/N for N = 1, 2, 3, 7 concatenate to the unsharded bytes (ndjson, csv, json; seeds 42 and 9)', () => {
  checkTextShards(2000, [42, 9]);
});

test('shards: tables with fewer rows than shards (or none) still concatenate to the unsharded bytes', () => {
  // --n 20: 2 teachers and 5 classes, so some shards of them are empty; the CSV header
  // and the JSON '[' belong to shard 0 and the closing ']' to the last shard, whether
  // or not those shards have rows.
  checkTextShards(20, [42]);
  // a table with no rows at all, next to one with 3
  const schema = path.join(freshDir('schema'), 'tiny.json');
  fs.writeFileSync(schema, JSON.stringify({name: 'tiny', tables: [
    {name: 'empty', rows: 0, primary_key: 'id', columns: [{name: 'id', type: 'int64', gen: 'sequence'}]},
    {name: 'three', rows: 3, primary_key: 'id', columns: [{name: 'id', type: 'int64', gen: 'sequence'},
      {name: 'tag', type: 'string', gen: 'choice', values: ['x', 'y']}]}]}));
  const expectWhole = {
    csv: {empty: 'id\n'},
    json: {empty: '[\n]\n'},
    ndjson: {empty: ''},
  };
  for (const fmt of ['ndjson', 'csv', 'json']) {
    const whole = generate(['--schema', schema, '--format', fmt]);
    assert.equal(fs.readFileSync(path.join(whole, `empty.${fmt}`), 'utf8'), expectWhole[fmt].empty, `${fmt}: the empty table`);
    const lines = fs.readFileSync(path.join(whole, `three.${fmt}`), 'utf8').split('\n').filter((l) => /\d/.test(l));
    assert.equal(lines.length, 3, `${fmt}: three.${fmt} rows`);
    for (const N of [2, 3, 7]) {
      const dir = shards(['--schema', schema, '--format', fmt], N);
      for (const t of ['empty', 'three']) {
        const cat = Array.from({length: N}, (_, i) => fs.readFileSync(path.join(dir, shardFile(t, fmt, i, N)), 'utf8')).join('');
        assert.equal(cat, fs.readFileSync(path.join(whole, `${t}.${fmt}`), 'utf8'), `${fmt}: ${t}, ${N} shards concatenated`);
      }
    }
  }
});

test('shards: parquet shards read together hold exactly the unsharded rows (N = 1, 2, 3, 7; seeds 42 and 9)', async () => {
  for (const seed of [42, 9]) {
    const base = ['--n', '2000', '--seed', String(seed), '--format', 'parquet'];
    const whole = generate(base);
    for (const N of [1, 2, 3, 7]) {
      const dir = shards(base, N);
      for (const t of SCHOOL_TABLES) {
        const files = Array.from({length: N}, (_, i) => path.join(dir, shardFile(t, 'parquet', i, N)));
        const parts = `read_parquet([${files.map(sqlString).join(', ')}])`;
        const all = `read_parquet(${sqlString(path.join(whole, `${t}.parquet`))})`;
        const r = await one(`SELECT
          (SELECT count(*) FROM ${parts}) AS shard_rows, (SELECT count(*) FROM ${all}) AS rows,
          (SELECT count(*) FROM (SELECT * FROM ${parts} EXCEPT ALL SELECT * FROM ${all})) AS only_in_shards,
          (SELECT count(*) FROM (SELECT * FROM ${all} EXCEPT ALL SELECT * FROM ${parts})) AS only_unsharded`);
        assert.ok(r.rows > 0n);
        assert.deepEqual(r, {shard_rows: r.rows, rows: r.rows, only_in_shards: 0n, only_unsharded: 0n}, `seed ${seed}, N ${N}, ${t}`);
        // and in order: shard i holds the i-th slice of the unsharded rows
        const wholeRows = await duckQuery(`SELECT * FROM ${all}`);
        const shardRows = [];
        for (const f of files) shardRows.push(...await duckQuery(`SELECT * FROM read_parquet(${sqlString(f)})`));
        assert.deepEqual(diffRows(shardRows, wholeRows), [], `seed ${seed}, N ${N}, ${t}: shards in order vs unsharded`);
      }
    }
  }
});

// ------------------------------------------------------------ 5. formats agree

/** A DuckDB query reading an NDJSON table with the Parquet file's flattened columns:
 * read_json is told each column's type (the Parquet file's, objects as STRUCTs) so that
 * it infers nothing, and the objects' members are selected as <object>_<member>. */
async function ndjsonAsParquet(schema, table, ndjsonFile, parquetFile) {
  const types = new Map((await duckSchema(parquetFile)).map((c) => [c.name, c.type]));
  const typeOf = (name) => {
    assert.ok(types.has(name), `${table}: no Parquet column ${name}`);
    return types.get(name);
  };
  const cols = [], sel = [];
  for (const c of schema.tables.find((x) => x.name === table).columns) {
    if (c.hidden) continue;
    if (c.type === 'object') {
      const fields = c.columns.filter((f) => !f.hidden);
      assert.ok(fields.every((f) => f.type !== 'object'), 'one level of nesting');
      cols.push(`${sqlString(c.name)}: ${sqlString(`STRUCT(${fields.map((f) => `"${f.name}" ${typeOf(`${c.name}_${f.name}`)}`).join(', ')})`)}`);
      for (const f of fields) sel.push(`"${c.name}"."${f.name}" AS "${c.name}_${f.name}"`);
    } else {
      cols.push(`${sqlString(c.name)}: ${sqlString(typeOf(c.name))}`);
      sel.push(`"${c.name}"`);
    }
  }
  return `SELECT ${sel.join(', ')} FROM read_json(${sqlString(ndjsonFile)}, format = 'newline_delimited', columns = {${cols.join(', ')}})`;
}

test('formats: parquet and ndjson from the same seed hold the same values, row by row', async () => {
  for (const [schema, n, tables] of [['school', 3000, SCHOOL_TABLES], ['card_transactions', 5000, ['merchants', 'cards', 'transactions']]]) {
    const args = ['--schema', schema, '--n', String(n), '--seed', '17'];
    const pqDir = generate([...args, '--format', 'parquet']);
    const ndDir = generate([...args, '--format', 'ndjson']);
    for (const t of tables) {
      const pqFile = path.join(pqDir, `${t}.parquet`), ndFile = path.join(ndDir, `${t}.ndjson`);
      const fromPq = await duckQuery(`SELECT * FROM read_parquet(${sqlString(pqFile)})`);
      const fromNd = await duckQuery(await ndjsonAsParquet(schema === 'school' ? SCHOOL : CARDS, t, ndFile, pqFile));
      assert.ok(fromPq.length > 0);
      const d = diffRows(fromNd, fromPq);
      assert.deepEqual(d, [], `${schema}.${t}: NDJSON (left) vs Parquet (right)`);
    }
    if (schema === 'school') {
      // the nested objects are really nested in NDJSON and flattened in Parquet
      const first = JSON.parse(fs.readFileSync(path.join(ndDir, 'students.ndjson'), 'utf8').split('\n')[0]);
      assert.deepEqual(Object.keys(first.address), ['street', 'city', 'state', 'zip']);
      assert.deepEqual(Object.keys(first.guardian), ['name', 'relation', 'phone']);
      assert.deepEqual((await duckSchema(path.join(pqDir, 'students.parquet'))).map((c) => c.name), flatColumns(SCHOOL, 'students'));
    }
  }
});

// Strings drawn from fixed lists (choices, dictionaries, cities and states, names,
// a parent's keys) go to the Parquet writer as indices into those lists; the file
// must hold the strings themselves, through many row groups, with nulls, with a
// choice list that repeats a string, and with a key column so spread out that the
// writer drops its dictionary (more than 90% distinct in the first 16,384 values).
const LISTS = {
  name: 'lists',
  size: 'items',
  tables: [
    {name: 'parents', rows: 200000, primary_key: 'p_id',
      columns: [{name: 'p_id', type: 'string', gen: 'pattern', pattern: 'P-########', unique: true}]},
    {name: 'items', rows: 1000, primary_key: 'id',
      columns: [
        {name: 'id', type: 'int64', gen: 'sequence', start: 1},
        {name: 'parent', type: 'string', ref: 'parents.p_id'},
        {name: 'hot', type: 'string', ref: 'parents.p_id', dist: 'zipf', s: 1.1, null_rate: 0.1},
        {name: 'tag', type: 'string', gen: 'choice', values: ['a', 'b', 'a', '', 'Zürich'], weights: [3, 2, 1, 1, 1]},
        {name: 'kind', type: 'string', gen: 'const', value: 'X'},
        {name: 'gender', type: 'string', gen: 'choice', values: ['F', 'M']},
        {name: 'first', type: 'string', gen: 'first_name', gender_column: 'gender', null_rate: 0.2},
        {name: 'last', type: 'string', gen: 'last_name'},
        {name: 'place', type: 'object', columns: [
          {name: 'city', type: 'string', gen: 'city'},
          {name: 'state', type: 'string', gen: 'state'},
          {name: 'country', type: 'string', gen: 'dict', dict: 'countries', null_rate: 0.3},
        ]},
      ]},
  ],
};

test('formats: strings from fixed lists (handed to the Parquet writer as indices) read back as the NDJSON strings, over many row groups', async () => {
  const file = path.join(freshDir('lists-schema'), 'lists.json');
  fs.writeFileSync(file, JSON.stringify(LISTS));
  for (const rg of ['7000', '100000']) {
    const args = ['--schema', file, '--table', 'items', '--n', '60000', '--seed', '5'];
    const pqDir = generate([...args, '--format', 'parquet', '--row-group-size', rg]);
    const ndDir = generate([...args, '--format', 'ndjson']);
    const pqFile = path.join(pqDir, 'items.parquet'), ndFile = path.join(ndDir, 'items.ndjson');
    const fromPq = await duckQuery(`SELECT * FROM read_parquet(${sqlString(pqFile)}) ORDER BY id`);
    const fromNd = await duckQuery(`${await ndjsonAsParquet(LISTS, 'items', ndFile, pqFile)} ORDER BY id`);
    assert.equal(fromPq.length, 60000);
    assert.deepEqual(diffRows(fromNd, fromPq), [], `row groups of ${rg}: NDJSON (left) vs Parquet (right)`);
    // the cases are there: a spread-out key, nulls, the repeated and the empty choice
    const r = await one(`SELECT count(DISTINCT parent) AS parents, count(*) - count(hot) AS hot_nulls,
        count(*) FILTER (WHERE tag = '') AS empty_tags, count(DISTINCT tag) AS tags,
        count(DISTINCT place_state) AS states FROM read_parquet(${sqlString(pqFile)})`);
    assert.ok(Number(r.parents) > 50000, `distinct parents ${r.parents}`);
    assert.ok(Number(r.hot_nulls) > 4000 && Number(r.empty_tags) > 4000, `${r.hot_nulls} null hot keys, ${r.empty_tags} empty tags`);
    assert.equal(Number(r.tags), 4);
    assert.ok(Number(r.states) > 1);
  }
});

test('formats: hyparquet, parquet-wasm and Polars read the generated Parquet value for value as DuckDB does', async () => {
  const dir = generate(['--n', '1000', '--seed', '23', '--format', 'parquet']);
  for (const t of ['teachers', 'classes', 'students']) {
    const file = path.join(dir, `${t}.parquet`);
    const res = await readAll(file);
    assert.ok(Array.isArray(res.duckdb) && res.duckdb.length > 0, `${t}: DuckDB read ${res.duckdb?.error ?? 0}`);
    for (const other of ['hyparquet', 'parquetWasm', 'polars']) {
      assert.ok(Array.isArray(res[other]), `${t}: ${other} failed: ${res[other]?.error?.message}`);
      assert.deepEqual(diffRows(res[other], res.duckdb), [], `${t}: ${other} (left) vs DuckDB (right)`);
    }
  }
});

// ------------------------------------------------------------ 8. CSV

test('csv: the header is the flattened column names, and DuckDB reads the same rows as from NDJSON', async () => {
  const args = ['--n', '2000', '--seed', '31'];
  const csvDir = generate([...args, '--format', 'csv']);
  const ndDir = generate([...args, '--format', 'ndjson']);
  const pqDir = generate([...args, '--format', 'parquet']);
  for (const t of SCHOOL_TABLES) {
    const header = fs.readFileSync(path.join(csvDir, `${t}.csv`), 'utf8').split('\n')[0];
    assert.equal(header, flatColumns(SCHOOL, t).join(','), `${t}.csv header`);
  }
  for (const t of ['teachers', 'students', 'classes']) {
    const csvFile = path.join(csvDir, `${t}.csv`), ndFile = path.join(ndDir, `${t}.ndjson`), pqFile = path.join(pqDir, `${t}.parquet`);
    // CSV column types as the Parquet file has them, except lists: JSON text in CSV
    const types = await duckSchema(pqFile);
    const cols = types.map(({name, type}) => `${sqlString(name)}: ${sqlString(type.endsWith('[]') ? 'VARCHAR' : type)}`).join(', ');
    const fromCsv = await duckQuery(`SELECT ${types.map(({name, type}) => (type.endsWith('[]')
      ? `from_json("${name}", '["VARCHAR"]') AS "${name}"` : `"${name}"`)).join(', ')}
      FROM read_csv(${sqlString(csvFile)}, header = true, columns = {${cols}}, auto_detect = false, quote = '"', escape = '"')`);
    const fromNd = await duckQuery(await ndjsonAsParquet(SCHOOL, t, ndFile, pqFile));
    assert.equal(fromCsv.length, fromNd.length, `${t}: rows`);
    assert.deepEqual(diffRows(fromCsv, fromNd), [], `${t}: CSV (left) vs NDJSON (right)`);
  }
  // lists are written as the JSON text NDJSON has for them, field for field
  const csvRows = parseCsv(fs.readFileSync(path.join(csvDir, 'teachers.csv'), 'utf8'));
  const ndDocs = parseJsonSeq(fs.readFileSync(path.join(ndDir, 'teachers.ndjson'), 'utf8'));
  const qi = csvRows[0].findIndex((f) => f.text === 'qualifications');
  assert.equal(csvRows.length - 1, ndDocs.length);
  ndDocs.forEach((doc, i) => {
    assert.ok(doc instanceof JObj);
    assert.equal(csvRows[i + 1][qi].text, jsonText(doc.get('qualifications')), `teachers row ${i}: qualifications`);
  });
});
