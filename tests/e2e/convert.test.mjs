// End-to-end tests of `sluice convert` (JSON/NDJSON/CSV to Parquet): the binary is
// run as a user runs it, and every value of every output table is read back by four
// independent Parquet readers (DuckDB, Polars, hyparquet, parquet-wasm) and compared
// with rows computed here, from the input text, by a small reference implementation
// of the contract in DESIGN.md section 3 (flattening, child tables, type lattice).
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {spawnSync} from 'node:child_process';
import {
  JNum, JObj, parseJsonSeq, jsonText, daysFromCivil, dateFromDays, timestampFromMicros,
  readAll, assertRows, assertColumns, duckSchema, duckQuery, sqlString, show,
  parseCsv,
} from './lib/oracles.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const CORPUS = path.resolve('tests/e2e/corpus');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-convert-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));

function sluice(args) {
  assert.ok(fs.existsSync(SLUICE), `${SLUICE} is missing: run 'make' first (or set SLUICE_BUILD)`);
  const r = spawnSync(SLUICE, args, {encoding: 'utf8', maxBuffer: 1 << 28});
  if (r.error) throw r.error;
  return r;
}

function convertOk(args) {
  const r = sluice(['convert', ...args]);
  assert.equal(r.status, 0, `sluice convert ${args.join(' ')} exited ${r.status} (signal ${r.signal}):\n${r.stderr}`);
  return r;
}

let tmpSeq = 0;
/** A fresh path named `name` (its own directory, so stems stay clean). */
function tmp(name) {
  const dir = path.join(TMP, String(tmpSeq++));
  fs.mkdirSync(dir);
  return path.join(dir, name);
}

// ------------------------------------------------------------ reference normaliser

const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n, SAFE = 2n ** 53n;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const TS_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:\d{2})?$/;

function validYmd(y, m, d) {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const dim = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return m >= 1 && m <= 12 && d >= 1 && d <= dim[m - 1];
}
const validHms = (h, mi, s) => h <= 23 && mi <= 59 && s <= 59;

function stringKind(s) {
  let m;
  if ((m = DATE_RE.exec(s)) && validYmd(+m[1], +m[2], +m[3])) return 'date';
  if ((m = TIME_RE.exec(s)) && validHms(+m[1], +m[2], +m[3])) return 'time';
  if ((m = TS_RE.exec(s)) && validYmd(+m[1], +m[2], +m[3]) && validHms(+m[4], +m[5], +(m[6] ?? 0)))
    return m[8] ? 'ts' : 'tsn';
  return 'string';
}

/** Kind of one scalar and whether it is an integer a double cannot hold exactly. */
function scalarKind(v) {
  if (v === true || v === false) return ['bool', false];
  if (v instanceof JNum) {
    if (!v.isInt) return ['double', false];
    const i = BigInt(v.raw);
    if (i >= INT64_MIN && i <= INT64_MAX) return ['int', i > SAFE || i < -SAFE];
    return [v.raw.replace('-', '').length <= 38 ? 'decimal' : 'string', true];
  }
  if (typeof v === 'string') return [stringKind(v), false];
  return ['string', false]; // arrays or objects inside a list: JSON text
}

function join(a, b) {
  if (a === b || b === 'null') return a;
  if (a === 'null') return b;
  const s = new Set([a, b]);
  if (s.has('int') && s.has('decimal')) return 'decimal';
  if (s.has('int') && s.has('double')) return 'double';
  return 'string';
}

class Inference {
  kind = 'null'; list = false; scalar = false; unsafe = false; fixed = null;
  observe(v) {
    if (v === null) return;
    const els = Array.isArray(v) ? v : [v];
    if (Array.isArray(v)) this.list = true; else this.scalar = true;
    for (const e of els) {
      if (e === null) continue;
      const [k, unsafe] = scalarKind(e);
      this.unsafe ||= unsafe;
      this.kind = join(this.kind, k);
    }
  }
  /** Final type: {list, kind} with kind one of bool,int,decimal,double,date,time,ts,tsn,string. */
  type() {
    if (this.fixed) return {list: false, kind: this.fixed};
    if (this.list && this.scalar) return {list: false, kind: 'string', jsonText: true};
    let kind = this.kind === 'null' ? 'string' : this.kind;
    if (kind === 'double' && this.unsafe) kind = 'string';
    return {list: this.list, kind};
  }
}

function timeText(s) {
  const m = TIME_RE.exec(s);
  return `${m[1]}:${m[2]}:${m[3]}.${(m[4] ?? '').padEnd(6, '0')}`;
}

function timestampText(s) {
  const m = TS_RE.exec(s);
  const days = BigInt(daysFromCivil(+m[1], +m[2], +m[3]));
  const frac = BigInt((m[7] ?? '').padEnd(6, '0'));
  let us = days * 86400000000n + ((BigInt(+m[4]) * 60n + BigInt(+m[5])) * 60n + BigInt(+(m[6] ?? 0))) * 1000000n + frac;
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const off = (BigInt(+zone.slice(1, 3)) * 60n + BigInt(+zone.slice(4, 6))) * 60000000n;
    us -= zone[0] === '+' ? off : -off;
  }
  return timestampFromMicros(us, !!zone);
}

/** The value a reader should see for JSON value v in a column of type t. */
function expectScalar(v, kind) {
  if (v === null) return null;
  switch (kind) {
    case 'bool': return v;
    case 'int': return BigInt(v.raw);
    case 'decimal': return BigInt(v.raw).toString();
    case 'double': return Number(v.raw);
    case 'date': return v;
    case 'time': return timeText(v);
    case 'ts': case 'tsn': return timestampText(v);
    case 'string':
      if (typeof v === 'string') return v;
      if (v instanceof JNum) return v.raw;
      if (v === true || v === false) return String(v);
      return jsonText(v);
    default: throw new Error(`kind ${kind}`);
  }
}

function expectValue(v, t) {
  if (v === null || v === undefined) return null;
  if (t.jsonText) return Array.isArray(v) ? jsonText(v) : expectScalar(v, 'string');
  if (t.list) return v.map((e) => expectScalar(e, t.kind));
  return expectScalar(v, t.kind);
}

const DUCK_TYPE = {bool: 'BOOLEAN', int: 'BIGINT', decimal: 'DECIMAL(38,0)', double: 'DOUBLE', date: 'DATE',
  time: 'TIME', ts: 'TIMESTAMP WITH TIME ZONE', tsn: 'TIMESTAMP', string: 'VARCHAR'};
const duckType = (t) => DUCK_TYPE[t.kind] + (t.list ? '[]' : '');

const isObjectArray = (v) => Array.isArray(v) && v.some((e) => e instanceof JObj) && v.every((e) => e === null || e instanceof JObj);

class RefTable {
  constructor(name) { this.name = name; this.cols = []; this.inf = new Map(); this.rows = []; this.keyed = false; }
  col(name, fixed) {
    if (!this.inf.has(name)) { this.cols.push(name); this.inf.set(name, new Inference()); }
    if (fixed) this.inf.get(name).fixed = fixed;
    return this.inf.get(name);
  }
}

/** Tables (in creation order) that the contract says `records` become; with
 * {documents: true}, as job-result documents (include/sluice/normalize.h). */
export function reference(records, root, {documents = false} = {}) {
  const tables = new Map();
  const table = (name) => tables.get(name) ?? tables.set(name, new RefTable(name)).get(name);
  function emit(t, obj, key, link) {
    const row = new Map(), pend = [];
    (function flatten(o, prefix) {
      for (const [k, v] of o.members()) {
        const name = prefix ? `${prefix}_${k}` : k;
        if (v instanceof JObj) flatten(v, name);
        else if (isObjectArray(v)) pend.push([name, v]);
        else { t.col(name).observe(v); row.set(name, v); }
      }
    })(obj, '');
    if (link) {
      t.col('_parent_key', 'string'); t.col('_pos', 'int');
      row.set('_parent_key', link.parentKey); row.set('_pos', new JNum(String(link.pos)));
    }
    if (link || pend.length || t.forceKey) { t.col('_key', 'string'); t.keyed = true; }
    row.set('_key', key);
    t.rows.push(row);
    for (const [field, arr] of pend) {
      const child = table(`${t.name}__${field}`);
      arr.forEach((e, pos) => { if (e !== null) emit(child, e, `${key}.${pos}`, {parentKey: key, pos}); });
    }
  }
  table(root);
  const allNull = (v) => Array.isArray(v) && v.every((e) => e === null);
  records.forEach((r, i) => {
    if (!documents || !(r instanceof JObj)) return emit(table(root), r, String(i), null);
    const rest = r.members().filter(([, v]) => !isObjectArray(v) && !allNull(v));
    table(root).forceKey = true;   // the documents table is always keyed
    emit(table(root), new JObj(rest), String(i), null);
    for (const [k, v] of r.members()) {
      if (!isObjectArray(v)) continue;
      v.forEach((e, pos) => { if (e !== null) emit(table(k), e, `${i}.${k}.${pos}`, null); });
    }
  });
  const out = new Map();
  for (const t of tables.values()) {
    const types = Object.fromEntries(t.cols.map((c) => [c, t.inf.get(c).type()]));
    out.set(t.name, {
      columns: t.cols,
      types: t.cols.map((c) => ({name: c, type: duckType(types[c])})),
      rows: t.rows.map((row) => Object.fromEntries(t.cols.map((c) => [c, c === '_key' ? row.get('_key') : expectValue(row.get(c), types[c])]))),
    });
  }
  return out;
}

/** Records of a JSON input: each document, or each element of a top-level array. */
const jsonRecords = (text) => parseJsonSeq(text).flatMap((d) => (Array.isArray(d) ? d : [d]));


/** CSV records typed as include/sluice/csv.h says: empty unquoted -> null, the
 * words true/false, JSON numbers, else the text. */
function csvRecords(text) {
  const [header, ...rows] = parseCsv(text);
  const num = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
  const val = ({text: s, quoted}) => (s === '' && !quoted ? null : s === 'true' ? true : s === 'false' ? false : num.test(s) ? new JNum(s) : s);
  return rows.map((r) => new JObj(header.map((h, k) => [h.text, val(r[k])])));
}

// ------------------------------------------------------------ checking outputs

/** Checks one Parquet file against a reference table: columns in order, DuckDB
 * types, and every value as read by all four oracles. */
async function checkTable(file, ref, label) {
  assert.ok(fs.existsSync(file), `${label}: ${file} was not written`);
  const problems = [];
  const schema = await duckSchema(file);
  if (JSON.stringify(schema) !== JSON.stringify(ref.types)) {
    const want = ref.types.map((c) => `${c.name} ${c.type}`).join(', ');
    const got = schema.map((c) => `${c.name} ${c.type}`).join(', ');
    problems.push(`schema (DuckDB):\n    expected ${want}\n    got      ${got}`);
  }
  try {
    await assertColumns(file, ref.columns, label);
  } catch (e) { problems.push(e.message); }
  try {
    assertRows(await readAll(file), ref.rows, label);
  } catch (e) { problems.push(e.message); }
  if (problems.length) assert.fail(`${label}:\n${problems.join('\n')}`);
}

/** Converts inputs to OUT and checks every table against the reference. */
async function convertAndCheck({inputs, out, args = [], records, root, documents = false}) {
  convertOk([...inputs, '-o', out, ...args]);
  const ref = reference(records, root, {documents});
  if (out.endsWith('.parquet')) {
    assert.equal(ref.size, 1, 'test bug: a multi-table reference with a .parquet OUT');
    await checkTable(out, ref.get(root), path.basename(out));
  } else {
    const want = [...ref.keys()].map((t) => `${t}.parquet`).sort();
    assert.deepEqual(fs.readdirSync(out).filter((f) => !f.startsWith('.')).sort(), want, `tables in ${out}`);
    for (const [name, t] of ref) await checkTable(path.join(out, `${name}.parquet`), t, `${name}.parquet`);
  }
  return ref;
}

const corpus = (f) => path.join(CORPUS, f);
const readCorpus = (f) => fs.readFileSync(corpus(f), 'utf8');

// ------------------------------------------------------------ the corpus, file by file

for (const f of ['scalars.ndjson', 'strings.ndjson', 'temporal.ndjson', 'mixed.ndjson', 'lists.ndjson']) {
  test(`corpus ${f}: types, values and column order match the contract in all four readers`, async () => {
    const stem = f.replace(/\.ndjson$/, '');
    await convertAndCheck({inputs: [corpus(f)], out: tmp(`${stem}.parquet`), records: jsonRecords(readCorpus(f)), root: stem});
  });
}

test('top-level array with nested objects and arrays of objects two levels deep: three linked tables', async () => {
  const out = tmp('orders');
  const ref = await convertAndCheck({inputs: [corpus('nested.json')], out, records: jsonRecords(readCorpus('nested.json')), root: 'nested'});
  assert.deepEqual([...ref.keys()], ['nested', 'nested__items', 'nested__items__opts']);
  // the links join: every child's _parent_key is its parent's _key
  const orphans = await duckQuery(`SELECT count(*) AS n FROM read_parquet(${sqlString(path.join(out, 'nested__items__opts.parquet'))}) o
    ANTI JOIN read_parquet(${sqlString(path.join(out, 'nested__items.parquet'))}) i ON o._parent_key = i._key`);
  assert.equal(orphans[0].n, 0n);
});

test('concatenated documents (pretty-printed, no separator, blank lines) are one row each', async () => {
  const records = jsonRecords(readCorpus('concat.json'));
  assert.equal(records.length, 4);
  await convertAndCheck({inputs: [corpus('concat.json')], out: tmp('concat.parquet'), records, root: 'concat'});
});

test('CSV with header: numbers, quoted commas/newlines/quotes, empty -> null, "" -> empty string, 007 stays a string', async () => {
  const text = readCorpus('people.csv');
  const records = csvRecords(text);
  await convertAndCheck({inputs: [corpus('people.csv')], out: tmp('people.parquet'), records, root: 'people'});
  // the same file with CRLF record ends (the newline inside the quoted field stays LF)
  const crlf = tmp('people_crlf.csv');
  fs.writeFileSync(crlf, text.replace(/\n(?=\d,)/g, '\r\n').replace(/\n$/, '\r\n'));
  await convertAndCheck({inputs: [crlf], out: tmp('people_crlf.parquet'), records, root: 'people_crlf'});
});

test('gzip-compressed NDJSON input is detected by its magic bytes', async () => {
  const text = readCorpus('scalars.ndjson');
  const gz = tmp('scalars.ndjson.gz');
  fs.writeFileSync(gz, zlib.gzipSync(text));
  await convertAndCheck({inputs: [gz], out: tmp('gz.parquet'), records: jsonRecords(text), root: 'gz'});
});

test('zstd-compressed NDJSON input (committed fixture) is detected by its magic bytes', async () => {
  const zst = corpus('small.ndjson.zst');
  assert.deepEqual([...fs.readFileSync(zst).subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], 'fixture is zstd');
  await convertAndCheck({inputs: [zst], out: tmp('zst.parquet'), records: jsonRecords(readCorpus('small.ndjson')), root: 'zst'});
});

test('gzip-compressed file named .json with no hint in the name', async () => {
  const text = readCorpus('concat.json') + '\n' + readCorpus('strings.ndjson');
  const gz = tmp('plain.json');
  fs.writeFileSync(gz, zlib.gzipSync(text));
  await convertAndCheck({inputs: [gz], out: tmp('gz2.parquet'), records: jsonRecords(text), root: 'gz2'});
});

test('several inputs become one table, rows in input order, table named by OUT', async () => {
  const files = ['small.ndjson', 'one.ndjson', 'concat.json'];
  const records = files.flatMap((f) => jsonRecords(readCorpus(f)));
  await convertAndCheck({inputs: files.map(corpus), out: tmp('merged.parquet'), records, root: 'merged'});
});

test('--table names the root table and its child tables', async () => {
  const text = '{"id":1,"items":[{"k":"a"},{"k":"b"}]}\n{"id":2,"items":[{"k":"c","n":1}]}\n';
  const input = tmp('input.ndjson');
  fs.writeFileSync(input, text);
  const ref = await convertAndCheck({inputs: [input], out: tmp('named'), args: ['--table', 'orders'], records: jsonRecords(text), root: 'orders'});
  assert.deepEqual([...ref.keys()], ['orders', 'orders__items']);
});

test('one row', async () => {
  await convertAndCheck({inputs: [corpus('one.ndjson')], out: tmp('one.parquet'), records: jsonRecords(readCorpus('one.ndjson')), root: 'one'});
});

test('empty input: a valid Parquet file with 0 rows that every reader opens', async () => {
  const out = tmp('empty.parquet');
  convertOk([corpus('empty.ndjson'), '-o', out]);
  const res = await readAll(out);
  assertRows(res, [], 'empty.parquet');
  const cols = await duckSchema(out);
  assert.ok(cols.length <= 1, `an empty input gave ${cols.length} columns: ${JSON.stringify(cols)}`);
});

// ------------------------------------------------------------ codecs, pages, dictionary

test('every codec x both page versions, with and without dictionary, give the same values', async () => {
  // The corpus minus the columns that other tests show failing (naive timestamps,
  // numbers kept as text), so that this test speaks about codecs and pages only.
  const records = ['scalars.ndjson', 'strings.ndjson', 'lists.ndjson', 'temporal.ndjson']
    .flatMap((f) => jsonRecords(readCorpus(f)))
    .map((r) => new JObj(r.entries.filter(([k]) => k !== 'tsn' && k !== 'lmix')));
  const input = tmp('codecs.ndjson');
  fs.writeFileSync(input, records.map(jsonText).join('\n') + '\n');
  const failures = [];
  const want = {zstd: 'ZSTD', snappy: 'SNAPPY', gzip: 'GZIP', lz4_raw: 'LZ4_RAW', none: 'UNCOMPRESSED'};
  for (const codec of Object.keys(want)) {
    for (const pv of ['1', '2']) {
      for (const dict of [[], ['--no-dictionary']]) {
        const out = tmp(`c_${codec}_${pv}${dict.length ? '_nodict' : ''}.parquet`);
        const label = `--compression ${codec} --page-version ${pv} ${dict.join(' ')}`;
        try {
          await convertAndCheck({inputs: [input], out, args: ['--compression', codec, '--page-version', pv, ...dict, '--row-group-size', '7'], records, root: path.basename(out, '.parquet')});
          const meta = await duckQuery(`SELECT DISTINCT compression, encodings FROM parquet_metadata(${sqlString(out)})`);
          const codecs = [...new Set(meta.map((m) => m.compression))];
          if (codecs.join() !== want[codec]) failures.push(`${label}: column chunks say ${codecs.join(',')}`);
          const encs = meta.map((m) => m.encodings).join(',');
          if (dict.length && /DICTIONARY/.test(encs)) failures.push(`${label}: dictionary encoding used: ${encs}`);
          if (!dict.length && !/DICTIONARY/.test(encs)) failures.push(`${label}: no dictionary encoding anywhere: ${encs}`);
        } catch (e) {
          failures.push(`${label}: ${e.message}`);
        }
      }
    }
  }
  assert.equal(failures.length, 0, failures.join('\n\n'));
});

test('data page version 2 is what the pages say', async () => {
  const out = tmp('pv2.parquet');
  convertOk([corpus('scalars.ndjson'), '-o', out, '--page-version', '2']);
  // DuckDB does not expose page headers; parse the first page header of the first
  // chunk ourselves: thrift compact field 1 (type) must be DATA_PAGE_V2 (3) or a
  // dictionary page (2) followed by a v2 page.
  const meta = await duckQuery(`SELECT data_page_offset, dictionary_page_offset FROM parquet_metadata(${sqlString(out)}) WHERE column_id = 0 AND row_group_id = 0`);
  const bytes = fs.readFileSync(out);
  const pageType = (off) => { assert.equal(bytes[off], 0x15, 'PageHeader starts with field 1, i32'); return zigzag(bytes, off + 1); };
  assert.equal(pageType(Number(meta[0].data_page_offset)), 3, 'page type DATA_PAGE_V2');
});

function zigzag(b, off) {
  let v = 0, shift = 0, c;
  do { c = b[off++]; v |= (c & 0x7f) << shift; shift += 7; } while (c & 0x80);
  return (v >>> 1) ^ -(v & 1);
}

// ------------------------------------------------------------ generated, larger inputs

test('many row groups: --row-group-size 1000 over 50,000 rows', async () => {
  const input = tmp('rg.ndjson');
  const lines = [];
  for (let i = 0; i < 50000; i++) lines.push(`{"i":${i},"s":"r${i % 97}","d":${i}.25,"o":${i % 3 ? 'null' : `"x${i}"`}}`);
  fs.writeFileSync(input, lines.join('\n') + '\n');
  const out = tmp('rg.parquet');
  await convertAndCheck({inputs: [input], out, args: ['--row-group-size', '1000'], records: jsonRecords(fs.readFileSync(input, 'utf8')), root: 'rg'});
  const rg = await duckQuery(`SELECT count(DISTINCT row_group_id) AS n, max(row_group_num_rows) AS mx, sum(DISTINCT 0) AS z FROM parquet_metadata(${sqlString(out)})`);
  assert.ok(rg[0].n >= 50n, `expected >= 50 row groups, got ${rg[0].n}`);
  assert.ok(rg[0].mx <= 1000n, `a row group holds ${rg[0].mx} rows`);
});

test('100,000 rows (22 MB) past the inference window: int column turns float, key first seen in the last row, child table appears at the end', async () => {
  // ~22 MB so the first rows are written before the last row is seen: the output
  // must still have one schema, with the widened type for every row.
  const pad = 'p'.repeat(200);
  const parts = [];
  for (let i = 0; i < 100000; i++) parts.push(`{"id":${i},"n":${i * 7},"pad":"${pad}"}\n`);
  parts.push(`{"id":100000,"n":0.5,"pad":"${pad}","late":"here","kids":[{"k":1},{"k":2}]}\n`);
  const input = tmp('window.ndjson');
  fs.writeFileSync(input, parts.join(''));
  const out = tmp('window');
  convertOk([input, '-o', out]);
  const root = path.join(out, 'window.parquet');
  const schema = await duckSchema(root);
  assert.deepEqual(schema, [{name: 'id', type: 'BIGINT'}, {name: 'n', type: 'DOUBLE'}, {name: 'pad', type: 'VARCHAR'},
    {name: 'late', type: 'VARCHAR'}, {name: '_key', type: 'VARCHAR'}], 'root schema');
  const expected = [];
  for (let i = 0; i <= 100000; i++)
    expected.push({id: BigInt(i), n: i === 100000 ? 0.5 : i * 7, pad, late: i === 100000 ? 'here' : null, _key: String(i)});
  assertRows(await readAll(root), expected, 'window.parquet');
  assertRows(await readAll(path.join(out, 'window__kids.parquet')), [
    {k: 1n, _parent_key: '100000', _pos: 0n, _key: '100000.0'},
    {k: 2n, _parent_key: '100000', _pos: 1n, _key: '100000.1'}], 'window__kids.parquet');
});

test('an int column becomes float after 100,000 ints (inside the window)', async () => {
  const lines = [];
  for (let i = 0; i < 100000; i++) lines.push(`{"n":${i - 50000}}`);
  lines.push('{"n":2.5}', '{"n":-9007199254740992}');
  const input = tmp('intfloat.ndjson');
  fs.writeFileSync(input, lines.join('\n'));
  await convertAndCheck({inputs: [input], out: tmp('intfloat.parquet'), records: jsonRecords(lines.join('\n')), root: 'intfloat'});
});

test('ints beyond 2^53 mixed with a float become strings keeping their digits', async () => {
  const text = '{"n":1}\n{"n":9007199254740993}\n{"n":0.25}\n{"n":-9223372036854775808}\n';
  const input = tmp('unsafe.ndjson');
  fs.writeFileSync(input, text);
  const ref = await convertAndCheck({inputs: [input], out: tmp('unsafe.parquet'), records: jsonRecords(text), root: 'unsafe'});
  assert.deepEqual(ref.get('unsafe').rows.map((r) => r.n), ['1', '9007199254740993', '0.25', '-9223372036854775808']);
});

test('a single string value of 3 MiB (longer than a page) survives', async () => {
  let big = '';
  const chunk = 'abcdefghijklmnopqrstuvwxyzé😀中'; // mixed widths so byte and char counts differ
  while (big.length < 3 * 1024 * 1024) big += chunk;
  const text = `{"id":1,"big":"small"}\n{"id":2,"big":${JSON.stringify(big)}}\n{"id":3,"big":null}\n`;
  const input = tmp('long.ndjson');
  fs.writeFileSync(input, text);
  for (const pv of ['1', '2'])
    await convertAndCheck({inputs: [input], out: tmp(`long${pv}.parquet`), args: ['--page-version', pv], records: jsonRecords(text), root: `long${pv}`});
});

test('objects nested 50 levels flatten into one column name joined with _', async () => {
  let doc = '{"leaf":1,"s":"deep"}';
  for (let i = 49; i >= 0; i--) doc = `{"k${i}":${doc},"at${i}":${i}}`;
  const text = `${doc}\n{"k0":null}\n`;
  const input = tmp('deep.ndjson');
  fs.writeFileSync(input, text);
  const ref = await convertAndCheck({inputs: [input], out: tmp('deep.parquet'), records: jsonRecords(text), root: 'deep'});
  const cols = ref.get('deep').columns;
  assert.ok(cols.includes(Array.from({length: 50}, (_, i) => `k${i}`).join('_') + '_leaf'));
});

test('arrays of objects with a key that appears only in a later element, and rows without the array', async () => {
  const text = [
    '{"id":1,"ev":[{"t":"a"},{"t":"b","extra":{"x":1.5}}]}',
    '{"id":2}',
    '{"id":3,"ev":[{"t":"c","tags":["p","q"]},{"t":null}]}',
  ].join('\n');
  const input = tmp('events.ndjson');
  fs.writeFileSync(input, text);
  await convertAndCheck({inputs: [input], out: tmp('events'), records: jsonRecords(text), root: 'events'});
});

test('duplicate keys: the last one wins', async () => {
  const text = '{"a":1,"b":"x","a":2}\n{"b":"y","a":3,"b":"z"}\n';
  const input = tmp('dups.ndjson');
  fs.writeFileSync(input, text);
  const ref = await convertAndCheck({inputs: [input], out: tmp('dups.parquet'), records: jsonRecords(text), root: 'dups'});
  assert.deepEqual(ref.get('dups').rows, [{a: 2n, b: 'x'}, {a: 3n, b: 'z'}]);
});

test('reference self-check: the expected rows of nested.json are what the contract says', () => {
  // Guards the reference normaliser itself with hand-written values.
  const ref = reference(jsonRecords(readCorpus('nested.json')), 'o');
  assert.deepEqual(ref.get('o').columns, ['order_id', 'customer_name', 'customer_address_city', 'customer_address_zip', 'tags', '_key']);
  assert.deepEqual(ref.get('o').rows[1], {order_id: 2n, customer_name: 'Bo', customer_address_city: 'Oslo', customer_address_zip: null, tags: [], _key: '1'});
  assert.deepEqual(ref.get('o__items').columns, ['sku', 'qty', 'price_amount', 'price_currency', '_parent_key', '_pos', '_key']);
  assert.deepEqual(ref.get('o__items').rows[2], {sku: 'S3', qty: 5n, price_amount: null, price_currency: null, _parent_key: '2', _pos: 0n, _key: '2.0'});
  assert.deepEqual(ref.get('o__items__opts').rows.map((r) => [r.v, r._parent_key, r._key]),
    [['red', '0.0', '0.0.0'], ['L', '0.0', '0.0.1'], ['true', '2.0', '2.0.0']]);
  const t = reference(jsonRecords(readCorpus('temporal.ndjson')), 't').get('t');
  assert.deepEqual(t.types.map((c) => c.type), ['DATE', 'TIME', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP', 'VARCHAR', 'VARCHAR']);
  assert.equal(t.rows[1].tsz, '2024-01-01T21:34:05.000000Z');
  assert.equal(t.rows[2].tsz, '1969-12-31T23:59:59.999999Z');
  assert.equal(t.rows[4].tsz, '2000-01-01T08:00:00.000000Z');
  assert.equal(dateFromDays(daysFromCivil(1900, 3, 1)), '1900-03-01');
  void show;
});

test('one record with 40 keys (more columns than the first column-array growth step)', async () => {
  const o = Object.fromEntries(Array.from({length: 40}, (_, i) => [`c${i}`, i % 3 ? i : `v${i}`]));
  const text = `${JSON.stringify(o)}\n{"c0":"x","c39":null}\n`;
  const input = tmp('wide.ndjson');
  fs.writeFileSync(input, text);
  await convertAndCheck({inputs: [input], out: tmp('wide.parquet'), records: jsonRecords(text), root: 'wide'});
});

// ------------------------------------------------------------ job-result documents

test('--documents: job-result documents from sluice generate become one table per entity plus _documents', async () => {
  const dir = tmp('docs-in');
  fs.mkdirSync(dir, {recursive: true});
  const g = sluice(['generate', '--num-iterations', '12', '--max-batch-size', '7', '-d', dir, '-q']);
  assert.equal(g.status, 0, g.stderr);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(dir, f));
  assert.equal(files.length, 12);
  const records = files.flatMap((f) => jsonRecords(fs.readFileSync(f, 'utf8')));
  const ref = await convertAndCheck({inputs: files, out: tmp('docs-out'), args: ['--documents'], records,
    root: '_documents', documents: true});
  assert.deepEqual([...ref.keys()], ['_documents', 'teachers', 'classes', 'students', 'student_classes']);
  assert.equal(ref.get('_documents').rows.length, 12);
  assert.equal(ref.get('students').rows.length, 84);
});

test('--documents: child arrays inside entities, scalar lists and empty arrays at the top, a document without entities', async () => {
  const text = [
    '{"job":{"cluster":7,"proc":0},"tags":["a","b"],"none":[],"orders":[{"id":1,"lines":[{"sku":"x","n":2},{"sku":"y","n":1}]},null,{"id":2,"lines":[{"sku":"w","n":1}]}],"customers":[{"id":"c1","address":{"city":"Oslo"}}]}',
    '{"job":{"cluster":7,"proc":1},"tags":[],"orders":[{"id":3,"lines":[{"sku":"z","n":5}],"note":"late"}],"customers":[]}',
    '{"job":{"cluster":7,"proc":2,"host":"slot1@exec-02"}}',
  ].join('\n') + '\n';
  const input = tmp('docs-mixed.ndjson');
  fs.writeFileSync(input, text);
  const ref = await convertAndCheck({inputs: [input], out: tmp('docs-mixed-out'), args: ['--documents'],
    records: jsonRecords(text), root: '_documents', documents: true});
  assert.deepEqual([...ref.keys()], ['_documents', 'orders', 'orders__lines', 'customers']);
  assert.equal(ref.get('orders__lines').rows.length, 4);
  assert.equal(ref.get('orders').rows.length, 3);
});

test('--documents: an entity array named like the documents table is an error, not a silent merge', () => {
  const input = tmp('docs-clash.json');
  fs.writeFileSync(input, '{"_documents":[{"a":1}]}');
  const r = sluice(['convert', '--documents', input, '-o', tmp('docs-clash-out')]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /schema/);
});
