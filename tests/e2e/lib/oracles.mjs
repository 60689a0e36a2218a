// Four independent Parquet readers (DuckDB, Polars, hyparquet, parquet-wasm/Arrow)
// behind one interface, so that end-to-end tests can check every value sluice
// writes against each of them. Values are normalised to one common form:
//
//   null -> null          bool -> boolean        any integer -> BigInt
//   float/double -> number (bit-exact, -0 kept)   string -> string
//   date -> 'YYYY-MM-DD'  time -> 'HH:MM:SS.ffffff'
//   timestamp -> 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (UTC-adjusted) or without 'Z' (local)
//   decimal -> exact decimal string ('-12.50')     list -> array of the above
//
// Each reader is used through its public API; where an API would round a value
// (hyparquet turns decimals into JS numbers and timestamps into millisecond Dates,
// Arrow's get() returns timestamps as float milliseconds) we ask for the raw
// physical value instead and apply the logical type ourselves, which is a few
// lines of arithmetic per type and keeps the decoding itself independent.
import fs from 'node:fs';
import assert from 'node:assert/strict';
import {DuckDBInstance} from '@duckdb/node-api';
import pl from 'nodejs-polars';
import {parquetReadObjects, parquetMetadataAsync, asyncBufferFromFile} from 'hyparquet';
import {compressors} from 'hyparquet-compressors';
import {readParquet as pwReadParquet} from 'parquet-wasm';
import {tableFromIPC, makeVector, Type, TimeUnit} from 'apache-arrow';

// ------------------------------------------------------------ formatting

const pad = (n, w) => String(n).padStart(w, '0');

/** Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
export function dateFromDays(z) {
  z = Number(z) + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y < 0 ? '-' + pad(-y, 4) : pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** Days since 1970-01-01 of a civil date. */
export function daysFromCivil(y, m, d) {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const US_PER_DAY = 86400000000n;

/** 'HH:MM:SS.ffffff' from microseconds since midnight. */
export function timeFromMicros(us) {
  us = BigInt(us);
  const s = us / 1000000n, f = us % 1000000n;
  return `${pad(s / 3600n, 2)}:${pad((s / 60n) % 60n, 2)}:${pad(s % 60n, 2)}.${pad(f, 6)}`;
}

/** ISO timestamp from epoch microseconds; 'Z' when UTC-adjusted. */
export function timestampFromMicros(us, utc) {
  us = BigInt(us);
  let day = us / US_PER_DAY, tod = us % US_PER_DAY;
  if (tod < 0n) { tod += US_PER_DAY; day -= 1n; }
  return `${dateFromDays(Number(day))}T${timeFromMicros(tod)}${utc ? 'Z' : ''}`;
}

/** Exact decimal text of an unscaled BigInt with the given scale. */
export function decimalString(unscaled, scale) {
  unscaled = BigInt(unscaled);
  if (!scale) return unscaled.toString();
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** BigInt from big-endian two's complement bytes. */
function bigIntFromBytes(bytes) {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  const bits = BigInt(bytes.length * 8);
  if (bytes.length && bytes[0] & 0x80) v -= 1n << bits;
  return v;
}

// ------------------------------------------------------------ DuckDB

let duckInstance = null;
/** A shared in-memory DuckDB connection (one per process). */
export async function duck() {
  if (!duckInstance) duckInstance = await DuckDBInstance.create(':memory:');
  return duckInstance.connect();
}

export const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;

function duckValue(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return v;
  const cls = v.constructor?.name;
  switch (cls) {
    case 'DuckDBDateValue': return dateFromDays(v.days);
    case 'DuckDBTimeValue': return timeFromMicros(v.micros);
    case 'DuckDBTimestampValue': return timestampFromMicros(v.micros, false);
    case 'DuckDBTimestampTZValue': return timestampFromMicros(v.micros, true);
    case 'DuckDBDecimalValue': return decimalString(v.value, v.scale);
    case 'DuckDBListValue':
    case 'DuckDBArrayValue': return v.items.map(duckValue);
    case 'DuckDBBlobValue': return Buffer.from(v.bytes).toString('latin1');
    default: throw new Error(`oracles: DuckDB value of unhandled class ${cls}: ${v}`);
  }
}

// DuckDB hands small integer types (TINYINT..INTEGER) to JS as numbers; make every
// integer column a BigInt so that all oracles agree on one form.
const DUCK_INT = /^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|HUGEINT)$/;

async function readDuck(path) {
  const con = await duck();
  const r = await con.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(path)})`);
  const names = r.columnNames();
  const types = r.columnTypes().map(String);
  return r.getRowObjects().map((row) => {
    const o = {};
    names.forEach((n, i) => {
      let v = duckValue(row[n]);
      if (DUCK_INT.test(types[i]) && typeof v === 'number') v = BigInt(v);
      if (/^(TINYINT|SMALLINT|INTEGER)\[\]$/.test(types[i]) && Array.isArray(v)) v = v.map((x) => (x === null ? null : BigInt(x)));
      o[n] = v;
    });
    return o;
  });
}

/** DuckDB's view of the schema: [{name, type}] in file order (e.g. 'BIGINT', 'TIMESTAMP WITH TIME ZONE'). */
export async function duckSchema(path) {
  const con = await duck();
  const r = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
  return r.getRowObjects().map((row) => ({name: row.column_name, type: String(row.column_type)}));
}

/** Rows of an SQL query against DuckDB, with values normalised like readAll's. */
export async function duckQuery(sql) {
  const con = await duck();
  const r = await con.runAndReadAll(sql);
  const names = r.columnNames();
  return r.getRowObjects().map((row) => Object.fromEntries(names.map((n) => [n, duckValue(row[n])])));
}

// ------------------------------------------------------------ Polars

function polarsPlan(dtype) {
  const s = String(dtype); // e.g. DataType(Datetime(us,UTC)), DataType(List(DataType(Int64)))
  const inner = s.replace(/^DataType\((.*)\)$/, '$1');
  if (/^U?Int(8|16|32|64)$/.test(inner)) return {cast: pl.Utf8, conv: (v) => BigInt(v)};
  if (/^Float(32|64)$/.test(inner) || inner === 'Bool' || inner === 'String' || inner === 'Utf8' || inner === 'Null')
    return {conv: (v) => v};
  if (inner === 'Date') return {cast: pl.Utf8, conv: (v) => v};
  if (inner.startsWith('Decimal')) {
    const scale = Number(/Decimal\(\d+,\s*(\d+)\)/.exec(inner)?.[1] ?? 0);
    // Polars prints decimals with their scale; re-derive the exact text to be safe.
    return {cast: pl.Utf8, conv: (v) => decimalString(BigInt(v.replace('.', '')), scale)};
  }
  let m = /^Datetime\((ms|us|ns),\s*(.*)\)$/.exec(inner);
  if (m) {
    const mul = {ms: 1000n, us: 1n, ns: 1n}[m[1]], div = m[1] === 'ns' ? 1000n : 1n;
    const utc = m[2] !== '';
    // cast to Int64 gives the stored epoch value in the column's own unit
    return {cast: pl.Int64, then: pl.Utf8, conv: (v) => timestampFromMicros((BigInt(v) * mul) / div, utc)};
  }
  if (inner === 'Time') return {cast: pl.Int64, then: pl.Utf8, conv: (v) => timeFromMicros(BigInt(v) / 1000n)};
  m = /^List\((.*)\)$/.exec(inner);
  if (m) {
    const el = polarsPlan(m[1]);
    const cast = el.cast ? pl.List(el.then ?? el.cast) : undefined;
    const first = el.then ? pl.List(el.cast) : undefined;
    return {cast: first ?? cast, then: first ? cast : undefined,
      conv: (v) => Array.from(v, (x) => (x === null || x === undefined ? null : el.conv(x)))};
  }
  throw new Error(`oracles: Polars dtype not handled: ${s}`);
}

function readPolars(path) {
  const df = pl.readParquet(path);
  if (df.width === 0) return Array.from({length: df.height}, () => ({}));
  const plans = df.columns.map((c, i) => polarsPlan(df.dtypes[i]));
  const exprs = df.columns.map((c, i) => {
    let e = pl.col(c);
    if (plans[i].cast) e = e.cast(plans[i].cast);
    if (plans[i].then) e = e.cast(plans[i].then);
    return e.alias(c);
  });
  const recs = df.select(...exprs).toRecords();
  return recs.map((r) => {
    const o = {};
    df.columns.forEach((c, i) => {
      const v = r[c];
      o[c] = v === null || v === undefined ? null : plans[i].conv(v);
    });
    return o;
  });
}

// ------------------------------------------------------------ hyparquet

/** Per top-level column: how to turn hyparquet's raw value into the common form. */
function hyparquetPlans(schema) {
  const plans = new Map();
  let i = 1;
  function leafConv(el) {
    const lt = el.logical_type, ct = el.converted_type;
    if (ct === 'DECIMAL' || lt?.type === 'DECIMAL') {
      const scale = el.scale ?? lt?.scale ?? 0;
      return (v) => decimalString(v instanceof Uint8Array ? bigIntFromBytes(v) : BigInt(v), scale);
    }
    if (ct === 'DATE' || lt?.type === 'DATE') return (v) => dateFromDays(v);
    if (lt?.type === 'TIMESTAMP' || ct === 'TIMESTAMP_MICROS' || ct === 'TIMESTAMP_MILLIS') {
      const unit = lt?.unit ?? (ct === 'TIMESTAMP_MILLIS' ? 'MILLIS' : 'MICROS');
      const utc = lt ? lt.isAdjustedToUTC : true;
      return (v) => timestampFromMicros(unit === 'MILLIS' ? BigInt(v) * 1000n : unit === 'NANOS' ? BigInt(v) / 1000n : BigInt(v), utc);
    }
    if (lt?.type === 'TIME' || ct === 'TIME_MICROS' || ct === 'TIME_MILLIS') {
      const unit = lt?.unit ?? (ct === 'TIME_MILLIS' ? 'MILLIS' : 'MICROS');
      return (v) => timeFromMicros(unit === 'MILLIS' ? BigInt(v) * 1000n : unit === 'NANOS' ? BigInt(v) / 1000n : BigInt(v));
    }
    if (el.type === 'INT32' || el.type === 'INT64') return (v) => BigInt(v);
    return (v) => v;
  }
  function skip() { // returns the subtree rooted at schema[i], advancing i
    const el = schema[i++];
    const kids = [];
    for (let k = 0; k < (el.num_children ?? 0); k++) kids.push(skip());
    return {el, kids};
  }
  while (i < schema.length) {
    const node = skip();
    const el = node.el;
    if (!el.num_children) {
      plans.set(el.name, leafConv(el));
    } else if (el.converted_type === 'LIST' || el.logical_type?.type === 'LIST') {
      let leaf = node.kids[0];
      while (leaf.kids.length) leaf = leaf.kids[0];
      const conv = leafConv(leaf.el);
      plans.set(el.name, (v) => Array.from(v, (x) => (x === null || x === undefined ? null : conv(x))));
    } else {
      throw new Error(`oracles: hyparquet: group column ${el.name} not handled`);
    }
  }
  return plans;
}

async function readHyparquet(path) {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const plans = hyparquetPlans(metadata.schema);
  // hyparquet converts DECIMAL to a JS number (rounding past 2^53); strip the
  // decimal annotation from a copy of the schema so it hands us the raw bytes.
  const md = {...metadata, schema: metadata.schema.map((el) =>
    el.converted_type === 'DECIMAL' || el.logical_type?.type === 'DECIMAL'
      ? {...el, converted_type: undefined, logical_type: undefined} : el)};
  const keep = (v) => v;
  const rows = await parquetReadObjects({file, metadata: md, compressors,
    parsers: {timestampFromMilliseconds: keep, timestampFromMicroseconds: keep, timestampFromNanoseconds: keep, dateFromDays: keep}});
  return rows.map((r) => {
    const o = {};
    for (const [k, conv] of plans) {
      const v = r[k];
      o[k] = v === null || v === undefined ? null : conv(v);
    }
    return o;
  });
}

// ------------------------------------------------------------ parquet-wasm (Arrow)

const utf8 = new TextDecoder();

/** Value i of an Arrow Data chunk, in the common form. */
function arrowValue(data, i) {
  if (!data.getValid(i)) return null;
  const t = data.type;
  switch (t.typeId) {
    case Type.Null: return null;
    case Type.Bool: case Type.Float: return makeVector(data).get(i);
    case Type.Int: return BigInt(makeVector(data).get(i));
    case Type.Utf8: case Type.LargeUtf8: {
      const o = data.valueOffsets;
      return utf8.decode(data.values.subarray(Number(o[i]), Number(o[i + 1])));
    }
    case Type.Date: {
      const ms = makeVector(data).get(i);
      return dateFromDays(Math.round(ms / 86400000));
    }
    case Type.Timestamp: {
      const raw = BigInt(data.values[i]);
      const us = t.unit === TimeUnit.MICROSECOND ? raw : t.unit === TimeUnit.MILLISECOND ? raw * 1000n
        : t.unit === TimeUnit.NANOSECOND ? raw / 1000n : raw * 1000000n;
      return timestampFromMicros(us, t.timezone !== null && t.timezone !== undefined && t.timezone !== '');
    }
    case Type.Time: {
      const raw = BigInt(data.values[i]);
      const us = t.unit === TimeUnit.MICROSECOND ? raw : t.unit === TimeUnit.MILLISECOND ? raw * 1000n
        : t.unit === TimeUnit.NANOSECOND ? raw / 1000n : raw * 1000000n;
      return timeFromMicros(us);
    }
    case Type.Decimal: {
      // 128-bit little-endian two's complement, as 4 uint32 words per value
      const w = data.values, base = i * (t.bitWidth / 32);
      let v = 0n;
      for (let k = t.bitWidth / 32 - 1; k >= 0; k--) v = (v << 32n) | BigInt(w[base + k]);
      if (v >> BigInt(t.bitWidth - 1)) v -= 1n << BigInt(t.bitWidth);
      return decimalString(v, t.scale);
    }
    case Type.List: case Type.LargeList: {
      const o = data.valueOffsets, child = data.children[0];
      const out = [];
      for (let k = Number(o[i]); k < Number(o[i + 1]); k++) out.push(arrowValue(child, k));
      return out;
    }
    default: throw new Error(`oracles: Arrow type not handled: ${t}`);
  }
}

function readParquetWasm(path) {
  const wasmTable = pwReadParquet(new Uint8Array(fs.readFileSync(path)));
  const table = tableFromIPC(wasmTable.intoIPCStream());
  const names = table.schema.fields.map((f) => f.name);
  const rows = [];
  for (const batch of table.batches) {
    const cols = names.map((n, c) => batch.getChildAt(c).data[0]);
    for (let i = 0; i < batch.numRows; i++) {
      const o = {};
      names.forEach((n, c) => { o[n] = arrowValue(cols[c], i); });
      rows.push(o);
    }
  }
  return rows;
}

// ------------------------------------------------------------ public

export const ORACLES = ['duckdb', 'polars', 'hyparquet', 'parquetWasm'];

/** Every row of a Parquet file as read by each of the four oracles. A reader that
 * throws yields {error} in place of its rows, so that the others still report. */
export async function readAll(path) {
  const out = {};
  const readers = {duckdb: readDuck, polars: readPolars, hyparquet: readHyparquet, parquetWasm: readParquetWasm};
  for (const [name, fn] of Object.entries(readers)) {
    try {
      out[name] = await fn(path);
    } catch (e) {
      out[name] = {error: e};
    }
  }
  return out;
}

/** Column names in file order as each oracle sees them. */
export async function columnNames(path) {
  const res = {};
  res.duckdb = (await duckSchema(path)).map((c) => c.name);
  res.polars = pl.readParquet(path).columns;
  const md = await parquetMetadataAsync(await asyncBufferFromFile(path));
  res.hyparquet = [];
  for (let i = 1; i < md.schema.length;) { // top-level children only
    const el = md.schema[i];
    res.hyparquet.push(el.name);
    let skipN = 1, j = i;
    while (skipN) { skipN += (md.schema[j].num_children ?? 0) - 1; j++; }
    i = j;
  }
  const t = tableFromIPC(pwReadParquet(new Uint8Array(fs.readFileSync(path))).intoIPCStream());
  res.parquetWasm = t.schema.fields.map((f) => f.name);
  return res;
}

/** Strict equality in the common form: Object.is for numbers (so -0 !== 0, NaN === NaN). */
export function sameValue(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameValue(x, b[i]));
  }
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  return typeof a === typeof b && a === b;
}

export function show(v) {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') {
    const s = JSON.stringify(v.length > 80 ? v.slice(0, 60) + `…(${v.length} chars)` : v);
    return s;
  }
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  return String(v);
}

/** Differences between got (rows from one oracle) and expected, as text lines. */
export function diffRows(got, expected, max = 8) {
  const out = [];
  if (got.length !== expected.length) out.push(`row count: expected ${expected.length}, got ${got.length}`);
  const n = Math.min(got.length, expected.length);
  for (let r = 0; r < n && out.length < max; r++) {
    const e = expected[r], g = got[r];
    const cols = new Set([...Object.keys(e), ...Object.keys(g)]);
    for (const c of cols) {
      if (!(c in g)) { out.push(`row ${r}, column ${c}: missing (expected ${show(e[c])})`); continue; }
      if (!(c in e)) { out.push(`row ${r}, column ${c}: unexpected column (got ${show(g[c])})`); continue; }
      if (!sameValue(g[c], e[c])) out.push(`row ${r}, column ${c}: expected ${show(e[c])}, got ${show(g[c])}`);
      if (out.length >= max) break;
    }
  }
  return out;
}

/** Asserts that every oracle read exactly the expected rows (value by value). The
 * message names each disagreeing oracle with its first differences. */
export function assertRows(results, expected, label = '') {
  const problems = [];
  for (const name of ORACLES) {
    const got = results[name];
    if (!got) { problems.push(`${name}: no result`); continue; }
    if (got.error) { problems.push(`${name}: failed to read: ${got.error.message?.split('\n')[0]}`); continue; }
    const d = diffRows(got, expected);
    if (d.length) problems.push(`${name}:\n    ${d.join('\n    ')}`);
  }
  if (problems.length) assert.fail(`${label ? label + ': ' : ''}oracles disagree with the expected rows:\n  ${problems.join('\n  ')}`);
}

/** readAll + assertRows. */
export async function assertParquetRows(path, expected, label = path) {
  assertRows(await readAll(path), expected, label);
}

/** Asserts the column names (in order) seen by every oracle. */
export async function assertColumns(path, expected, label = path) {
  const got = await columnNames(path);
  const problems = [];
  for (const name of ORACLES)
    if (JSON.stringify(got[name]) !== JSON.stringify(expected))
      problems.push(`${name}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got[name])}`);
  if (problems.length) assert.fail(`${label}: column order:\n  ${problems.join('\n  ')}`);
}

// ------------------------------------------------------------ exact JSON

/** A JSON number kept as its source text (JSON.parse would round big integers). */
export class JNum {
  constructor(raw) { this.raw = raw; }
  get isInt() { return !/[.eE]/.test(this.raw); }
}
/** A JSON object kept as its members in source order, duplicates included. */
export class JObj {
  constructor(entries) { this.entries = entries; }
  /** Members with duplicate keys resolved: last value wins, at the first key's place. */
  members() {
    const m = new Map();
    for (const [k, v] of this.entries) m.set(k, v);
    return [...m];
  }
  get(k) { let v; for (const [kk, vv] of this.entries) if (kk === k) v = vv; return v; }
}

/** Parses a sequence of JSON texts (one document, NDJSON, or concatenated
 * documents) exactly: numbers as JNum, objects as JObj. Throws on bad input. */
export function parseJsonSeq(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  const fail = (m) => { throw new Error(`JSON: ${m} at ${i}`); };
  function str() {
    i++; // opening quote
    let s = '';
    for (;;) {
      const c = text[i++];
      if (c === undefined) fail('unterminated string');
      if (c === '"') return s;
      if (c !== '\\') { s += c; continue; }
      const e = text[i++];
      const simple = {'"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t'};
      if (e in simple) s += simple[e];
      else if (e === 'u') { s += String.fromCharCode(parseInt(text.slice(i, i + 4), 16)); i += 4; }
      else fail('bad escape');
    }
  }
  function val() {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; const entries = [];
      ws();
      if (text[i] === '}') { i++; return new JObj(entries); }
      for (;;) {
        ws(); if (text[i] !== '"') fail('key expected');
        const k = str(); ws();
        if (text[i++] !== ':') fail(': expected');
        entries.push([k, val()]); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return new JObj(entries); }
        fail(', or } expected');
      }
    }
    if (c === '[') {
      i++; const arr = [];
      ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(val()); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return arr; }
        fail(', or ] expected');
      }
    }
    if (c === '"') return str();
    for (const [lit, v] of [['true', true], ['false', false], ['null', null]])
      if (text.startsWith(lit, i)) { i += lit.length; return v; }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 1200));
    if (!m) fail('value expected');
    i += m[0].length;
    return new JNum(m[0]);
  }
  const docs = [];
  for (ws(); i < text.length; ws()) docs.push(val());
  return docs;
}

/** Compact JSON text of an exactly-parsed value (numbers keep their digits). */
export function jsonText(v) {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (v instanceof JNum) return v.raw;
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (v instanceof JObj) return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
  throw new Error(`jsonText: ${v}`);
}

// Splits sluice's CSV output into rows of {text, quoted} fields (RFC 4180), so a
// test can tell an empty quoted string from an empty unquoted null.
export function parseCsv(text) {
  const rows = [];
  let row = [], i = 0;
  while (i < text.length) {
    let f = '', quoted = false;
    if (text[i] === '"') {
      quoted = true; i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quote in sluice CSV output');
        if (text[i] === '"' && text[i + 1] === '"') { f += '"'; i += 2; } else if (text[i] === '"') { i++; break; } else f += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') f += text[i++];
    }
    row.push({text: f, quoted});
    if (text[i] === ',') { i++; continue; }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    rows.push(row); row = [];
  }
  return rows;
}
