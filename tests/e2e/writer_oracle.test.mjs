// The Parquet writer checked against four independent readers.
//
// `test_parquet_writer --emit DIR` writes files covering every type, codec, page
// version, dictionary fallback, LIST and null combination, each with a sidecar
// NAME.expected.json of the rows written (canonical strings: integers, dates,
// times and timestamps in their stored units, floats as the hex bits of the
// double or "NaN", binary as hex, decimals as the unscaled integer). Every value
// each reader returns is compared with it. hyparquet returns decimals as JS
// numbers, so for it decimals compare to within a relative 1e-12; everything else,
// for every reader, is exact. Column statistics are checked through DuckDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import * as parquetWasm from 'parquet-wasm';
import { tableFromIPC } from 'apache-arrow';
import pl from 'nodejs-polars';

const build = process.env.SLUICE_BUILD || 'build';
const bin = path.resolve(build, 'tests', 'test_parquet_writer');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-writer-oracle-'));
execFileSync(bin, ['--emit', dir], { stdio: 'inherit' });
const cases = fs.readdirSync(dir).filter(f => f.endsWith('.expected.json')).sort()
  .map(f => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
function floatCanon(x) {
  if (Number.isNaN(x)) return 'NaN';
  f64[0] = x;
  return u64[0].toString(16).padStart(16, '0');
}
const hex = b => Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
const INTS = new Set(['INT8', 'INT16', 'INT32', 'INT64', 'DATE', 'TIME', 'TIMESTAMP']);

function intCanon(v) {
  if (typeof v === 'bigint' || typeof v === 'string') return BigInt(v).toString();
  assert.ok(Number.isSafeInteger(v), `not an exact integer: ${v}`);
  return String(v);
}

function decimalWords(w) {   // Arrow Decimal128: four little-endian 32-bit words
  let v = 0n;
  for (let i = 3; i >= 0; i--) v = (v << 32n) | BigInt(w[i]);
  return v >= 1n << 127n ? v - (1n << 128n) : v;
}

function decimalString(s, scale) {   // "-123.45" -> "-12345"
  const neg = s.startsWith('-');
  const [ip, fp = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(ip + fp.padEnd(scale, '0'));
  return (neg ? -v : v).toString();
}

// The canonical form of one non-null value from a reader.
function canon(col, v, reader) {
  const t = col.type;
  if (t === 'BOOL') return v;
  if (t === 'FLOAT' || t === 'DOUBLE') return floatCanon(v);
  if (t === 'STRING') return v;
  if (t === 'BINARY') return hex(v);
  if (t === 'DECIMAL') {
    if (reader === 'hyparquet') return { approx: v };
    if (typeof v === 'string') return decimalString(v, col.scale);
    if (v instanceof Uint32Array) return decimalWords(v).toString();
    return intCanon(v);
  }
  if (INTS.has(t)) return intCanon(v);
  throw new Error(`unknown type ${t}`);
}

function compareValue(col, exp, got, where) {
  if (exp === null) {
    assert.ok(got === null || got === undefined, `${where}: expected null, got ${got}`);
    return;
  }
  assert.ok(got !== null && got !== undefined, `${where}: expected ${exp}, got null`);
  if (got && typeof got === 'object' && 'approx' in got) {
    const want = Number(exp) / 10 ** col.scale;
    const ok = want === got.approx || Math.abs(want - got.approx) <= 1e-12 * Math.abs(want);
    assert.ok(ok, `${where}: expected ${want}, got ${got.approx}`);
    return;
  }
  assert.equal(got, exp, where);
}

function compareRows(c, reader, rows) {
  assert.equal(rows.length, c.rows.length, `${c.file} ${reader}: row count`);
  for (let r = 0; r < rows.length; r++) {
    c.columns.forEach((col, k) => {
      const where = `${c.file} ${reader} row ${r} column ${col.name}`;
      const exp = c.rows[r][k];
      const got = rows[r][k];
      if (!col.list) return compareValue(col, exp, got, where);
      if (exp === null) return compareValue(col, null, got, where);
      assert.ok(Array.isArray(got), `${where}: expected a list, got ${got}`);
      assert.equal(got.length, exp.length, `${where}: list length`);
      exp.forEach((e, j) => compareValue(col, e, got[j], `${where}[${j}]`));
    });
  }
}

// Each reader returns rows as arrays of canonical values (lists as arrays).
const mapVal = (col, v, reader, f) => {
  if (v === null || v === undefined) return null;
  if (!col.list) return canon(col, f(v), reader);
  return v.map(e => (e === null || e === undefined ? null : canon(col, f(e), reader)));
};

async function readDuckDB(con, c) {
  const res = await con.runAndReadAll(`SELECT * FROM read_parquet('${path.join(dir, c.file)}')`);
  const un = v => {   // DuckDB value objects to plain values
    if (v === null || typeof v !== 'object') return v;
    if ('micros' in v) return v.micros;          // TIME, TIMESTAMP(TZ)
    if ('days' in v) return v.days;              // DATE
    if ('scale' in v && 'value' in v) return v.value;   // DECIMAL (unscaled)
    if ('bytes' in v) return v.bytes;            // BLOB
    throw new Error(`unexpected DuckDB value ${v.constructor.name}`);
  };
  return res.getRows().map(row => c.columns.map((col, k) => {
    const v = row[k];
    if (col.list && v) return mapVal(col, v.items, 'duckdb', un);
    return mapVal(col, v, 'duckdb', un);
  }));
}

async function readHyparquet(c) {
  const buf = fs.readFileSync(path.join(dir, c.file));
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const rows = await parquetReadObjects({
    file, compressors, utf8: false,
    parsers: {
      timestampFromMicroseconds: m => m,
      dateFromDays: d => d,
      stringFromBytes: b => b && new TextDecoder().decode(b),
    },
  });
  return rows.map(o => c.columns.map(col => mapVal(col, o[col.name], 'hyparquet', v => v)));
}

function arrowRaw(vec, i) {   // the stored value (days, micros) behind an Arrow value
  for (const d of vec.data) {
    if (i < d.length) return d.values[i];   // sliced data: values start at the slice
    i -= d.length;
  }
  throw new Error('index out of range');
}

function readParquetWasm(c) {
  const bytes = new Uint8Array(fs.readFileSync(path.join(dir, c.file)));
  const t = tableFromIPC(parquetWasm.readParquet(bytes).intoIPCStream());
  const cols = c.columns.map(col => t.getChild(col.name));
  const raw = col => col.type === 'DATE' || col.type === 'TIMESTAMP';
  const elem = (col, vec, i) => {
    if (!vec.isValid(i)) return null;
    return canon(col, raw(col) ? arrowRaw(vec, i) : vec.get(i), 'wasm');
  };
  const rows = [];
  for (let r = 0; r < t.numRows; r++) {
    rows.push(c.columns.map((col, k) => {
      const vec = cols[k];
      if (!vec.isValid(r)) return null;
      if (!col.list) return elem(col, vec, r);
      const lv = vec.get(r);
      return Array.from({ length: lv.length }, (_, j) => elem(col, lv, j));
    }));
  }
  return rows;
}

function readPolars(c) {
  let df = pl.readParquet(path.join(dir, c.file));
  // Cast what nodejs-polars cannot hand to JS exactly: decimals to strings, dates,
  // times and timestamps to their integer representation, binary to strings (the
  // test's binary values are valid UTF-8, so this is exact).
  const casts = [];
  for (const col of c.columns) {
    // 64-bit integers would reach JS as doubles, so they travel as strings.
    const via = { DECIMAL: [pl.Utf8], BINARY: [pl.Utf8], DATE: [pl.Int32], INT64: [pl.Utf8],
                  TIMESTAMP: [pl.Int64, pl.Utf8], TIME: [pl.Int64, pl.Utf8] }[col.type];
    if (!via) continue;
    let e = pl.col(col.name);
    for (const to of via) e = e.cast(col.list ? pl.List(to) : to);
    casts.push(e);
  }
  if (casts.length) df = df.withColumns(...casts);
  const fix = col => v => {
    if (col.type === 'TIME') return BigInt(v) / 1000n;   // Polars keeps TIME in ns
    if (col.type === 'BINARY') return new Uint8Array(Buffer.from(v, 'utf8'));
    return v;
  };
  return df.toRecords().map(o => c.columns.map(col => mapVal(col, o[col.name], 'polars', fix(col))));
}

const duck = await DuckDBInstance.create(':memory:');
const con = await duck.connect();

test('emitted every case', () => {
  assert.ok(cases.length >= 25, `only ${cases.length} cases`);
});

for (const c of cases) {
  test(`${c.file}: DuckDB reads every value`, async () => compareRows(c, 'duckdb', await readDuckDB(con, c)));
  test(`${c.file}: hyparquet reads every value`, async () => compareRows(c, 'hyparquet', await readHyparquet(c)));
  test(`${c.file}: parquet-wasm reads every value`, () => compareRows(c, 'wasm', readParquetWasm(c)));
  test(`${c.file}: Polars reads every value`, () => compareRows(c, 'polars', readPolars(c)));
}

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
