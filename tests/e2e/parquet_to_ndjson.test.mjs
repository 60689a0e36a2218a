// End-to-end tests of `sluice convert x.parquet -o y.ndjson|y.csv`: Parquet files
// written by DuckDB (every type sluice reads: ints of all widths, doubles, strings
// with unicode, dates, times, timestamps with and without zone, decimals, lists,
// nulls; every codec) are converted by sluice, and each output value is compared
// with what DuckDB reads from the same Parquet file. The NDJSON is parsed exactly
// (big integers and decimals keep their digits); a value may be written as any
// JSON text that denotes it exactly (e.g. a decimal as 1.50 or "1.50").
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {duck, duckQuery, duckSchema, sqlString, parseJsonSeq, parseCsv, JNum, JObj, show, timestampFromMicros, daysFromCivil} from './lib/oracles.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-p2n-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));

function sluice(args) {
  assert.ok(fs.existsSync(SLUICE), `${SLUICE} is missing: run 'make' first (or set SLUICE_BUILD)`);
  const r = spawnSync(SLUICE, args, {encoding: 'utf8', maxBuffer: 1 << 28});
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `sluice ${args.join(' ')} exited ${r.status} (signal ${r.signal}): ${r.stderr}`);
  return r;
}

// One row per interesting value; every column nullable, row 2 all null.
const SELECT = `
SELECT * FROM (VALUES
 (1, 127::TINYINT, 32767::SMALLINT, 2147483647::INTEGER, 9223372036854775807::BIGINT, 0.1::DOUBLE, 1.5::FLOAT,
  'plain', DATE '2024-02-29', TIME '12:34:56.789012', TIMESTAMP '2024-01-02 03:04:05.123456',
  TIMESTAMPTZ '2024-01-02 03:04:05.5+00', 1.50::DECIMAL(10,2), 123456789012345678901234567890::DECIMAL(38,0),
  [1, NULL, 3]::BIGINT[], ['a', NULL, 'é😀']::VARCHAR[], true, -0.0::DOUBLE),
 (2, (-128)::TINYINT, (-32768)::SMALLINT, (-2147483648)::INTEGER, (-9223372036854775808)::BIGINT, 1e308::DOUBLE, (-0.25)::FLOAT,
  'héllo 中文 😀 "quoted" \\ back' || chr(10) || 'newline' || chr(9) || 'tab', DATE '1970-01-01', TIME '00:00:00', TIMESTAMP '1969-12-31 23:59:59.999999',
  TIMESTAMPTZ '2000-01-01 00:00:00+00', (-0.01)::DECIMAL(10,2), (-99999999999999999999999999999999999999)::DECIMAL(38,0),
  []::BIGINT[], []::VARCHAR[], false, 5e-324::DOUBLE),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 0::TINYINT, 0::SMALLINT, 0::INTEGER, 0::BIGINT, 1.7976931348623157e308::DOUBLE, 0::FLOAT,
  '', DATE '9999-12-31', TIME '23:59:59.999999', TIMESTAMP '2262-04-11 23:47:16', TIMESTAMPTZ '1900-01-01 00:00:00+00',
  0::DECIMAL(10,2), 0::DECIMAL(38,0), [NULL]::BIGINT[], [''], NULL, 0.30000000000000004::DOUBLE)
) t(id, i8, i16, i32, i64, f64, f32, s, dt, tm, ts, tstz, dec2, dec38, li, ls, b, dd)`;

// ------------------------------------------------------------ comparing a value

const TS_RE = /^(-?\d{4,})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Canonical timestamp text of a timestamp string written by sluice. */
function canonTs(s, utc) {
  const m = TS_RE.exec(s);
  if (!m) return `unparsable timestamp ${JSON.stringify(s)}`;
  let us = BigInt(daysFromCivil(+m[1], +m[2], +m[3])) * 86400000000n +
    ((BigInt(+m[4]) * 60n + BigInt(+m[5])) * 60n + BigInt(+(m[6] ?? 0))) * 1000000n + BigInt((m[7] ?? '').padEnd(9, '0').slice(0, 6));
  if (m[8] && m[8] !== 'Z') {
    const z = m[8].replace(':', '');
    const off = (BigInt(+z.slice(1, 3)) * 60n + BigInt(+(z.slice(3, 5) || 0))) * 60000000n;
    us -= z[0] === '+' ? off : -off;
  }
  if (utc !== !!m[8]) return `${s} (zone ${m[8] ? 'present' : 'absent'}, expected ${utc ? 'UTC' : 'no zone'})`;
  return timestampFromMicros(us, utc);
}

function canonTime(s) {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(s);
  return m ? `${m[1]}:${m[2]}:${m[3]}.${(m[4] ?? '').padEnd(9, '0').slice(0, 6)}` : `unparsable time ${JSON.stringify(s)}`;
}

/** Exact rational (mantissa, scale) of decimal text, for comparing 1.5 with 1.50. */
function decimalEq(a, b) {
  const parse = (t) => {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(t);
    if (!m) return null;
    return [BigInt(m[1] + m[2] + (m[3] ?? '')), (m[3] ?? '').length];
  };
  const x = parse(a), y = parse(b);
  if (!x || !y) return false;
  const k = Math.max(x[1], y[1]);
  return x[0] * 10n ** BigInt(k - x[1]) === y[0] * 10n ** BigInt(k - y[1]);
}

const INT_TYPE = /^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/;

/** Does output value `got` (exactly parsed JSON) denote DuckDB's value `want` of `type`? */
function denotes(got, want, type) {
  if (want === null) return got === null;
  if (got === null || got === undefined) return false;
  if (type.endsWith('[]')) {
    const et = type.slice(0, -2);
    return Array.isArray(got) && got.length === want.length && got.every((g, i) => denotes(g, want[i], et));
  }
  if (INT_TYPE.test(type)) return got instanceof JNum && got.isInt && BigInt(got.raw) === BigInt(want);
  if (type === 'DOUBLE' || type === 'FLOAT') return got instanceof JNum && Object.is(Number(got.raw), want);
  if (type === 'BOOLEAN') return got === want;
  if (type === 'VARCHAR' || type === 'DATE') return got === want;
  if (type === 'TIME') return typeof got === 'string' && canonTime(got) === want;
  if (type === 'TIMESTAMP') return typeof got === 'string' && canonTs(got, false) === want;
  if (type === 'TIMESTAMP WITH TIME ZONE') return typeof got === 'string' && canonTs(got, true) === want;
  if (type.startsWith('DECIMAL')) return decimalEq(got instanceof JNum ? got.raw : String(got), want);
  throw new Error(`test: type ${type} not handled`);
}

const showGot = (g) => (g instanceof JNum ? g.raw : g instanceof JObj ? 'object' : Array.isArray(g) ? `[${g.map(showGot).join(',')}]` : JSON.stringify(g));

/** Compares sluice's NDJSON output with DuckDB's reading of the Parquet file. */
async function checkNdjson(pq, ndjson) {
  const schema = await duckSchema(pq);
  const want = await duckQuery(`SELECT * FROM read_parquet(${sqlString(pq)})`);
  const text = fs.readFileSync(ndjson, 'utf8');
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'output ends with a newline');
  assert.equal(lines.length, want.length, `one line per row: ${lines.length} lines, ${want.length} rows`);
  const problems = [];
  lines.forEach((line, r) => {
    const [doc, ...extra] = parseJsonSeq(line);
    if (!(doc instanceof JObj) || extra.length) { problems.push(`line ${r + 1} is not one JSON object: ${line}`); return; }
    const keys = doc.entries.map(([k]) => k);
    if (JSON.stringify(keys) !== JSON.stringify(schema.map((c) => c.name))) problems.push(`line ${r + 1}: keys ${keys} (expected every column in file order)`);
    for (const {name, type} of schema) {
      const g = doc.get(name);
      if (!denotes(g, want[r][name], type)) problems.push(`row ${r}, column ${name} (${type}): DuckDB reads ${show(want[r][name])}, sluice wrote ${showGot(g)}`);
    }
  });
  assert.equal(problems.length, 0, problems.slice(0, 30).join('\n'));
}

async function duckParquet(name, options = 'COMPRESSION zstd') {
  const pq = path.join(TMP, name);
  const con = await duck();
  await con.run(`COPY (${SELECT}) TO ${sqlString(pq)} (FORMAT parquet, ${options})`);
  return pq;
}

for (const [codec, extra] of [['zstd', ''], ['snappy', ''], ['gzip', ''], ['lz4_raw', ''], ['uncompressed', ''], ['zstd', ', PARQUET_VERSION v2']]) {
  test(`DuckDB Parquet (${codec}${extra}) to NDJSON: every value as DuckDB reads it`, async () => {
    const pq = await duckParquet(`types_${codec}${extra ? '_v2' : ''}.parquet`, `COMPRESSION ${codec}${extra}`);
    const out = path.join(TMP, `types_${codec}${extra ? '_v2' : ''}.ndjson`);
    sluice(['convert', pq, '-o', out]);
    await checkNdjson(pq, out);
  });
}

test('many row groups and dictionary pages: 30,000 rows in row groups of 1,000', async () => {
  const pq = path.join(TMP, 'big.parquet');
  const con = await duck();
  await con.run(`COPY (SELECT i AS id, 'v' || (i % 37) AS cat, i * 0.5 AS half, CASE WHEN i % 5 = 0 THEN NULL ELSE i END AS sparse,
    [i, i + 1] AS pair FROM range(30000) r(i)) TO ${sqlString(pq)} (FORMAT parquet, ROW_GROUP_SIZE 1000)`);
  const out = path.join(TMP, 'big.ndjson');
  sluice(['convert', pq, '-o', out]);
  await checkNdjson(pq, out);
});

test('a Parquet file written by sluice itself round-trips to NDJSON', async () => {
  const src = path.join(TMP, 'rt.ndjson');
  const text = '{"a":1,"b":"x","c":[1,2],"d":"2024-01-01","e":12345678901234567890123,"f":0.1,"g":{"h":true}}\n{"a":null,"b":"😀","c":[],"d":null,"e":-1,"f":-0.0,"g":{"h":null}}\n';
  fs.writeFileSync(src, text);
  const pq = path.join(TMP, 'rt.parquet');
  sluice(['convert', src, '-o', pq]);
  const out = path.join(TMP, 'rt_out.ndjson');
  sluice(['convert', pq, '-o', out]);
  await checkNdjson(pq, out);
});

// ------------------------------------------------------------ CSV


test('DuckDB Parquet to CSV: header, quoting, empty field for null, every scalar value', async () => {
  const pq = path.join(TMP, 'csv_src.parquet');
  const con = await duck();
  await con.run(`COPY (SELECT id, i64, f64, s, dt, tm, ts, tstz, dec2, dec38, b FROM (${SELECT})) TO ${sqlString(pq)} (FORMAT parquet)`);
  const out = path.join(TMP, 'out.csv');
  sluice(['convert', pq, '-o', out]);
  const schema = await duckSchema(pq);
  const want = await duckQuery(`SELECT * FROM read_parquet(${sqlString(pq)})`);
  const [header, ...rows] = parseCsv(fs.readFileSync(out, 'utf8'));
  assert.deepEqual(header.map((h) => h.text), schema.map((c) => c.name));
  assert.equal(rows.length, want.length);
  const problems = [];
  rows.forEach((row, r) => {
    schema.forEach(({name, type}, k) => {
      const f = row[k], w = want[r][name];
      let ok;
      if (w === null) ok = f.text === '' && !f.quoted;
      else if (type === 'VARCHAR') ok = f.text === w && (w !== '' || f.quoted); // "" must differ from null
      else if (INT_TYPE.test(type)) ok = /^-?\d+$/.test(f.text) && BigInt(f.text) === BigInt(w);
      else if (type === 'DOUBLE') ok = Object.is(Number(f.text), w);
      else if (type === 'BOOLEAN') ok = f.text === String(w);
      else if (type === 'DATE') ok = f.text === w;
      else if (type === 'TIME') ok = canonTime(f.text) === w;
      else if (type === 'TIMESTAMP') ok = canonTs(f.text, false) === w;
      else if (type === 'TIMESTAMP WITH TIME ZONE') ok = canonTs(f.text, true) === w;
      else if (type.startsWith('DECIMAL')) ok = decimalEq(f.text, w);
      if (!ok) problems.push(`row ${r}, column ${name} (${type}): DuckDB reads ${show(w)}, sluice wrote ${JSON.stringify(f)}`);
    });
  });
  assert.equal(problems.length, 0, problems.join('\n'));
});
