// The Parquet reader against DuckDB: files written by DuckDB (every codec, Parquet
// v1 and v2 which use DELTA_* and BYTE_STREAM_SPLIT, many row groups, 0 rows) and
// by Polars (every codec) are dumped with `test_parquet_reader --cat` and compared
// value by value with what DuckDB reads from the same file. Corrupt and truncated
// files must give a clean error within a timeout, never a crash.
//
// Run: node --test tests/e2e/reader_oracle.test.mjs (SLUICE_BUILD picks the build).
import test from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {DuckDBInstance} from '@duckdb/node-api';
import pl from 'nodejs-polars';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, process.env.SLUICE_BUILD || 'build', 'tests/test_parquet_reader');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-reader-'));
const db = await (await DuckDBInstance.create(':memory:')).connect();
await db.run(`SET TimeZone = 'UTC'`);

function run(args, timeout = 20000) {
  return spawnSync(BIN, args, {encoding: 'utf8', timeout, maxBuffer: 1 << 28});
}

function ours(file) {
  const r = run(['--cat', file]);
  assert.equal(r.status, 0, `--cat ${file} failed: ${r.stderr}`);
  const schema = run(['--schema', file]).stdout.trim().split('\n').filter(Boolean).map(l => JSON.parse(l));
  const rows = r.stdout.split('\n').filter(Boolean).map(exactParse);
  return {schema, rows};
}

async function duck(file) {
  const res = await db.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
  return res.getRowObjects();
}

// JSON.parse that keeps every number's exact text (as a Num), so that 64-bit
// integers and decimals are compared digit for digit.
class Num { constructor(t) { this.text = t; } toString() { return this.text; } }
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
function exactParse(line) {
  const marked = line.replace(TOKENS, t => (t[0] === '"' ? t : JSON.stringify('\u0000' + t)));
  return JSON.parse(marked, (k, v) => (typeof v === 'string' && v[0] === '\u0000' ? new Num(v.slice(1)) : v));
}
const txt = o => { assert.ok(o instanceof Num, `expected a number, got ${JSON.stringify(o)}`); return o.text; };

const UNIT_DIV = [1000n, 1000000n, 1000000000n];

// "YYYY-MM-DDTHH:MM:SS[.frac][Z]" to an integer count of `unit` since the epoch.
function parseTs(s, unit) {
  const m = /^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z?)$/.exec(s);
  assert.ok(m, `bad timestamp text ${s}`);
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  const frac = m[7] || '';
  const digits = [3, 6, 9][unit];
  assert.ok(frac.length === 0 || frac.length === digits, `fraction of ${s} has the wrong width`);
  return (BigInt(ms) / 1000n) * UNIT_DIV[unit] + BigInt(frac ? frac : 0);
}

function parseTime(s) {
  const m = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{6}))?$/.exec(s);
  assert.ok(m, `bad time text ${s}`);
  return BigInt(((+m[1] * 60 + +m[2]) * 60 + +m[3])) * 1000000n + BigInt(m[4] || 0);
}

function daysOf(s) {
  const m = /^(-?\d{4,})-(\d\d)-(\d\d)$/.exec(s);
  assert.ok(m, `bad date text ${s}`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86400000;
}

// Compares one of our JSON values with DuckDB's JS value for a column of type col.
function same(col, o, d, where) {
  if (d === null || d === undefined) {
    assert.equal(o, null, `${where}: expected null, got ${o}`);
    return;
  }
  switch (col.type) {
    case 'BOOLEAN': assert.equal(o, d, where); break;
    case 'INT8': case 'INT16': case 'INT32': case 'INT64':
    case 'UINT8': case 'UINT16': case 'UINT32': case 'UINT64':
      assert.equal(BigInt(txt(o)), BigInt(d), where); break;
    case 'FLOAT':
      if (!Number.isFinite(d)) assert.equal(o, null, where);
      else assert.equal(Math.fround(Number(txt(o))), Math.fround(d), where);
      break;
    case 'DOUBLE':
      if (!Number.isFinite(d)) assert.equal(o, null, where);
      else assert.equal(Number(txt(o)), d, where);
      break;
    case 'STRING': assert.equal(o, typeof d === 'string' ? d : String(d), where); break;
    case 'BINARY': case 'FIXED': {
      const bytes = d.bytes ?? (d instanceof Uint8Array ? d : null);
      if (bytes) assert.equal(o, Buffer.from(bytes).toString('base64'), where);
      else assert.equal(Buffer.from(o, 'base64').toString('hex').length > 0 || o === '', true, where);
      break;
    }
    case 'DATE': assert.equal(daysOf(o), d.days, where); break;
    case 'TIME': assert.equal(parseTime(o), BigInt(d.micros), where); break;
    case 'TIMESTAMP': {
      assert.equal(o.endsWith('Z'), col.utc, `${where}: UTC marker`);
      const v = d.nanos ?? d.micros ?? d.millis;
      const unit = d.nanos !== undefined ? 2 : d.micros !== undefined ? 1 : 0;
      // DuckDB may widen the unit (e.g. ms read as µs): compare at the finer unit.
      const oursV = parseTs(o, col.unit);
      const scale = UNIT_DIV[unit] / UNIT_DIV[col.unit];
      assert.equal(oursV * scale, BigInt(v), where);
      break;
    }
    case 'DECIMAL': {
      // Our text is exact: digits with exactly `scale` after the point.
      const text = txt(o);
      const [ip, fp = ''] = text.split('.');
      assert.equal(fp.length, col.scale, `${where}: ${text} has ${fp.length} decimals`);
      const unscaled = BigInt((ip.startsWith('-') ? '-' : '') + ip.replace('-', '') + fp);
      assert.equal(unscaled, BigInt(d.value), where);
      break;
    }
    default: assert.fail(`${where}: unexpected type ${col.type}`);
  }
}

async function compareFile(file) {
  const {schema, rows} = ours(file);
  const expect = await duck(file);
  assert.equal(rows.length, expect.length, `${file}: row count`);
  let checked = 0;
  for (let i = 0; i < rows.length; i++) {
    for (const col of schema) {
      const o = rows[i][col.name], d = expect[i][col.name];
      const where = `${path.basename(file)} row ${i} column ${col.name}`;
      if (!col.list) {
        same(col, o, d, where);
      } else if (d === null) {
        assert.equal(o, null, where);
      } else {
        assert.ok(Array.isArray(o), `${where}: expected a list, got ${o}`);
        assert.equal(o.length, d.items.length, `${where}: list length`);
        d.items.forEach((di, k) => same(col, o[k], di, `${where}[${k}]`));
      }
      checked++;
    }
  }
  return checked;
}

// Every type, with NULLs everywhere, extremes, unicode, empty and long strings.
await db.run(`CREATE TABLE t AS SELECT
  CASE WHEN i % 11 = 1 THEN NULL ELSE i % 3 = 0 END AS b,
  CASE WHEN i % 13 = 2 THEN NULL ELSE (i % 256 - 128)::TINYINT END AS i8,
  (i * 37 % 65536 - 32768)::SMALLINT AS i16,
  CASE WHEN i % 7 = 3 THEN NULL WHEN i % 7 = 4 THEN -2147483648 WHEN i % 7 = 5 THEN 2147483647 ELSE i * 1000 - 5000 END::INTEGER AS i32,
  CASE i % 5 WHEN 0 THEN -9223372036854775808 WHEN 1 THEN 9223372036854775807 WHEN 2 THEN NULL ELSE i * 7919 - 100000 END::BIGINT AS i64,
  (i % 256)::UTINYINT AS u8, (i * 3 % 65536)::USMALLINT AS u16,
  CASE WHEN i % 3 = 0 THEN 4294967295 ELSE i END::UINTEGER AS u32,
  CASE WHEN i % 4 = 0 THEN 18446744073709551615 WHEN i % 4 = 1 THEN NULL ELSE i END::UBIGINT AS u64,
  CASE WHEN i % 17 = 0 THEN 'nan'::FLOAT WHEN i % 17 = 1 THEN '-inf'::FLOAT WHEN i % 17 = 2 THEN NULL ELSE (i / 3.0 - 7)::FLOAT END AS f,
  CASE WHEN i % 19 = 0 THEN 'inf'::DOUBLE WHEN i % 19 = 1 THEN NULL ELSE i / 7.0 * pow(10, i % 40 - 20) END::DOUBLE AS d,
  CASE i % 6 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN 'héllo wörld ✓ 😀 "q" \\ ' || i WHEN 3 THEN repeat('long', 300 + i % 10)
       WHEN 4 THEN 'line' || chr(10) || 'tab' || chr(9) || 'ctl' || chr(1) ELSE 'k' || (i % 20) END AS s,
  CASE WHEN i % 9 = 0 THEN NULL ELSE ('\\x00\\xFF' || i::VARCHAR)::BLOB END AS bl,
  CASE WHEN i % 8 = 0 THEN NULL ELSE DATE '1960-03-01' + (i * 13)::INTEGER END AS dt,
  CASE WHEN i % 10 = 0 THEN NULL ELSE TIME '00:00:00' + INTERVAL (i * 997) SECOND + INTERVAL (i % 3 * 250) MILLISECOND END AS tm,
  CASE WHEN i % 12 = 0 THEN NULL ELSE TIMESTAMP '1965-06-01 12:00:00' + INTERVAL (i * 86399) SECOND + INTERVAL (i % 5 * 123457) MICROSECOND END AS ts,
  CASE WHEN i % 14 = 0 THEN NULL ELSE TIMESTAMPTZ '2026-11-21 10:00:00+00' + INTERVAL (i * 61) SECOND + INTERVAL (i % 2 * 5) MICROSECOND END AS tstz,
  CASE WHEN i % 9 = 5 THEN NULL ELSE (i * 1.25 - 700)::DECIMAL(9,2) END AS d9,
  CASE WHEN i % 9 = 6 THEN NULL ELSE (i * 1234567.0001 - 99999999)::DECIMAL(18,4) END AS d18,
  CASE WHEN i % 9 = 7 THEN NULL WHEN i % 9 = 8 THEN -9999999999999999999999999999.9999999999 ELSE (i * -3.0000000001 + 12345678901234567890.5)::DECIMAL(38,10) END AS d38,
  CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN []::INTEGER[] WHEN 2 THEN [i, NULL, i + 1] ELSE range(0, i % 9)::INTEGER[] END AS li,
  CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN []::VARCHAR[] WHEN 2 THEN ['a', NULL, '', 'ü' || i] ELSE [NULL::VARCHAR] END AS ls
FROM range(3000) r(i)`);

const files = [];
for (const codec of ['zstd', 'snappy', 'gzip', 'lz4_raw', 'uncompressed']) {
  for (const v of ['v1', 'v2']) {
    const f = path.join(TMP, `duck_${codec}_${v}.parquet`);
    await db.run(`COPY t TO '${f}' (FORMAT parquet, COMPRESSION ${codec}, PARQUET_VERSION ${v}, ROW_GROUP_SIZE 1024)`);
    files.push(f);
  }
}
const empty = path.join(TMP, 'duck_empty.parquet');
await db.run(`COPY (SELECT * FROM t LIMIT 0) TO '${empty}' (FORMAT parquet)`);
files.push(empty);
// Dictionary-friendly low-cardinality data with one big row group.
const dict = path.join(TMP, 'duck_dict.parquet');
await db.run(`COPY (SELECT i % 10 AS k, 'v' || (i % 7) AS s, (i % 3)::DOUBLE AS d FROM range(50000) r(i)) TO '${dict}' (FORMAT parquet)`);
files.push(dict);

// Polars: its own writer (data page v1/v2 choices, large strings, dictionary).
const n = 2000;
const df = pl.DataFrame({
  id: Array.from({length: n}, (_, i) => i),
  big: pl.Series('big', Array.from({length: n}, (_, i) => BigInt(i) * 4611686018427387n - 3n), pl.Int64),
  x: Array.from({length: n}, (_, i) => (i % 10 === 0 ? null : i / 3)),
  s: Array.from({length: n}, (_, i) => (i % 7 === 0 ? null : `str-${i % 50}-é`)),
  flag: Array.from({length: n}, (_, i) => (i % 5 === 0 ? null : i % 2 === 0)),
  day: pl.Series('day', Array.from({length: n}, (_, i) => new Date(Date.UTC(2020, 0, 1 + i))), pl.Date),
  at: pl.Series('at', Array.from({length: n}, (_, i) => new Date(Date.UTC(2021, 5, 1, 0, 0, i, i % 1000))), pl.Datetime('ms')),
  li: pl.Series('li', Array.from({length: n}, (_, i) => (i % 6 === 0 ? null : Array.from({length: i % 4}, (_, k) => k * i))), pl.List(pl.Int64)),
});
for (const codec of ['zstd', 'snappy', 'gzip', 'lz4', 'uncompressed']) {
  const f = path.join(TMP, `polars_${codec}.parquet`);
  df.writeParquet(f, {compression: codec});
  files.push(f);
}

test('binary exists', () => {
  assert.ok(fs.existsSync(BIN), `${BIN} missing: run make tests-build`);
});

for (const f of files) {
  test(`values match DuckDB: ${path.basename(f)}`, async () => {
    const checked = await compareFile(f);
    if (!f.includes('empty')) assert.ok(checked > 1000, `only ${checked} values compared`);
  });
}

test('types are mapped as the oracle sees them', () => {
  const {schema} = ours(files[0]);
  const byName = Object.fromEntries(schema.map(c => [c.name, c]));
  assert.equal(byName.u64.type, 'UINT64');
  assert.equal(byName.tstz.utc, true);
  assert.equal(byName.ts.utc, false);
  assert.equal(byName.d38.precision, 38);
  assert.equal(byName.li.list, true);
  assert.equal(byName.ls.element_optional, true);
});

test('CSV output has a header and quotes what needs quoting', () => {
  const r = run(['--cat', files[0], '--csv', '--head', '6']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith('b,i8,i16,i32,i64,'));
  assert.ok(r.stdout.includes('"line\ntab\tctl\u0001"'));
});

// Deterministic pseudo-random numbers for the corruption tests.
function rng(seed) {
  let x = BigInt(seed);
  return () => {
    x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number(x >> 33n);
  };
}

function expectClean(bytes, label) {
  const f = path.join(TMP, 'corrupt.parquet');
  fs.writeFileSync(f, bytes);
  const r = run(['--cat', f], 20000);
  assert.notEqual(r.signal, 'SIGTERM', `${label}: timed out (hang)`);
  assert.equal(r.signal, null, `${label}: killed by ${r.signal}\n${r.stderr}`);
  assert.ok([0, 2, 3, 4].includes(r.status), `${label}: exit ${r.status}\n${r.stderr.slice(0, 2000)}`);
  assert.ok(!/runtime error|AddressSanitizer|LeakSanitizer/.test(r.stderr), `${label}: ${r.stderr.slice(0, 2000)}`);
  if (r.status !== 0) assert.match(r.stderr, /^sluice: /, label);
}

for (const f of [files[0], files[3], files[5], files.find(x => x.includes('polars_zstd'))]) {
  test(`truncated and corrupted files fail cleanly: ${path.basename(f)}`, () => {
    const data = fs.readFileSync(f);
    for (let k = 1; k < 20; k++) {
      const cut = Math.floor(data.length * k / 20);
      expectClean(data.subarray(0, cut), `cut at ${cut}`);
    }
    const rand = rng(data.length);
    for (let k = 0; k < 60; k++) {
      const g = Buffer.from(data);
      const flips = 1 + (rand() % 4);
      for (let j = 0; j < flips; j++) g[rand() % g.length] ^= 1 << (rand() % 8);
      expectClean(g, `flip set ${k}`);
    }
    // Flips confined to the footer hit the metadata parser hard.
    const flen = data.readUInt32LE(data.length - 8);
    for (let k = 0; k < 60; k++) {
      const g = Buffer.from(data);
      g[data.length - 8 - 1 - (rand() % flen)] = rand() & 255;
      expectClean(g, `footer flip ${k}`);
    }
  });
}

test.after(() => fs.rmSync(TMP, {recursive: true, force: true}));
