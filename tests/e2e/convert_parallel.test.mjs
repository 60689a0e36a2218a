// `sluice convert -j N` parses JSON on N threads (src/ingest/norm_feed.c). Its promise
// is that the result is the one thread's, byte for byte, and so are its errors. These
// tests hold it to that over inputs built to hit every path: parts cut anywhere
// (--part-size down to 64 bytes), the schema widening after rows were made in
// parallel, records that do not fit the plan (missing, reordered and unknown keys,
// nulls, lists, child tables), pretty-printed documents spanning parts, concatenated
// values, top-level arrays, compressed input, lines longer than the record limit, and
// errors anywhere. The values themselves are checked against an independent reader
// (DuckDB) for the main case; convert.test.mjs checks the one-thread path's values
// in four readers.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {spawnSync} from 'node:child_process';
import {duckQuery, sqlString} from './lib/oracles.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-convpar-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));

let seq = 0;
function write(name, data) {
  const dir = path.join(TMP, String(seq++));
  fs.mkdirSync(dir);
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return p;
}

/** Runs convert; returns {status, stderr, files: {name: sha-less bytes}}. */
function convert(input, args) {
  const out = path.join(TMP, `out-${seq++}`);
  const r = spawnSync(SLUICE, ['convert', input, '-o', out, '-q', '--table', 't', ...args],
                      {encoding: 'utf8', maxBuffer: 1 << 28});
  if (r.error) throw r.error;
  const files = {};
  if (fs.existsSync(out))
    for (const f of fs.readdirSync(out).sort()) files[f] = fs.readFileSync(path.join(out, f));
  return {status: r.status, stderr: r.stderr, files, out};
}

const VARIANTS = [
  ['-j', '2', '--part-size', '64'],
  ['-j', '3', '--part-size', '200'],
  ['-j', '2', '--part-size', '4096'],
];

/** Every variant gives the one-thread result: status, message, every output byte. */
function sameAsOneThread(input, extra = [], {expectStatus} = {}) {
  const base = convert(input, ['-j', '1', ...extra]);
  if (expectStatus !== undefined)
    assert.equal(base.status, expectStatus, `one thread: status ${base.status}, stderr:\n${base.stderr}`);
  for (const v of VARIANTS) {
    const r = convert(input, [...v, ...extra]);
    const label = `${v.join(' ')} ${extra.join(' ')}`;
    assert.equal(r.status, base.status, `${label}: status\n${r.stderr}`);
    assert.equal(r.stderr, base.stderr, `${label}: message`);
    assert.deepEqual(Object.keys(r.files), Object.keys(base.files), `${label}: tables`);
    for (const f of Object.keys(base.files))
      assert.ok(r.files[f].equals(base.files[f]), `${label}: ${f} differs from the one-thread file`);
  }
  return base;
}

// ------------------------------------------------------------ inputs

const CITIES = ['Montréal', 'Zürich', '東京', 'Austin', 'Lagos'];

/** Card-transaction-like records whose schema moves on after the window. */
function evolving(n) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    const rec = {
      id: `TX${String(i).padStart(8, '0')}`,
      amount: i < 2000 ? i * 3 : i * 3 + 0.25,               // int, then float
      at: i === 2500 ? 'not a time' : `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00Z`,
      ok: i % 7 === 0,
      location: {city: CITIES[i % CITIES.length], lat: 45 + (i % 100) / 1000, deep: {x: i}},
      note: i % 10 === 0 ? `n"${i}ï` : null,
    };
    if (i === 1500) rec.late = 'first seen';
    if (i >= 1500 && i % 3 === 0) rec.late = `l${i}`;
    if (i % 11 === 0) delete rec.ok;                         // missing key
    if (i % 13 === 0) delete rec.location.lat;               // missing nested key
    if (i === 1800) rec.location = {};                       // empty object
    if (i === 2700) rec.location = null;                     // a new column, location
    if (i === 2900) rec.big = 'BIG';                         // beyond 2^53, below
    let text = JSON.stringify(rec);
    if (i % 17 === 0) text = JSON.stringify(Object.fromEntries(Object.entries(rec).reverse()));
    if (i % 20 === 0) text = text.replace('ï', '\\u00ef');   // an escape the reader decodes
    text = text.replace('"BIG"', '9007199254740993');
    lines.push(text);
  }
  return lines.join('\n') + '\n';
}

test('evolving NDJSON: every part size and thread count writes the one-thread bytes, and DuckDB reads the input\'s values', async () => {
  const input = write('evolving.ndjson', evolving(3000));
  const base = sameAsOneThread(input, ['--infer-window', '300'], {expectStatus: 0});
  const r = convert(input, ['-j', '2', '--part-size', '64', '--infer-window', '300']);
  const file = path.join(r.out, 't.parquet');
  const rows = await duckQuery(`SELECT id, amount, "at"::VARCHAR AS "at", ok, location_city, location_lat,
      location_deep_x, note, late, location, big FROM read_parquet(${sqlString(file)}) ORDER BY id`);
  const want = fs.readFileSync(input, 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l.replace('9007199254740993', '"BIG"')))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  assert.equal(rows.length, want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i], g = rows[i];
    assert.equal(g.id, w.id);
    assert.equal(g.amount, w.amount, `amount of ${w.id}`);
    assert.equal(g.at, w.at, `at of ${w.id}`);            // a string column: 'not a time' widened it
    assert.equal(g.ok, w.ok ?? null, `ok of ${w.id}`);
    assert.equal(g.location_city, w.location?.city ?? null);
    assert.equal(g.location_lat, w.location?.lat ?? null);
    assert.equal(g.location_deep_x, w.location?.deep?.x === undefined ? null : BigInt(w.location.deep.x));
    assert.equal(g.note, w.note ?? null, `note of ${w.id}`);
    assert.equal(g.late, w.late ?? null);
    assert.equal(g.big, w.big === undefined ? null : 9007199254740993n);
  }
  assert.ok(Object.keys(base.files).length === 1);
});

test('pretty-printed documents span parts: the reader glues parts until a record ends with one', () => {
  const docs = [];
  for (let i = 0; i < 400; i++)
    docs.push(JSON.stringify({id: i, tags: {a: i % 3, b: `x${i}`}, v: i / 4, s: 'y'.repeat(i % 90)}, null, 2));
  sameAsOneThread(write('pretty.json', docs.join('\n')), ['--infer-window', '500'], {expectStatus: 0});
});

test('concatenated values on a line, blank lines, CRLF, top-level scalars and arrays in a sequence', () => {
  const lines = [];
  for (let i = 0; i < 600; i++) {
    if (i % 50 === 7) lines.push(`{"a":${i}}{"a":${i + 0.5}} {"a":${i},"b":"z"}`);
    else if (i % 50 === 20) lines.push('');
    else if (i % 50 === 30) lines.push(`${i} "str" true null [1,2]`);
    else lines.push(`{"a":${i},"b":"v${i}"}`);
  }
  sameAsOneThread(write('concat.json', lines.join('\r\n')), ['--infer-window', '200'], {expectStatus: 0});
});

test('a top-level array is read by one reader whatever the threads', () => {
  const arr = [];
  for (let i = 0; i < 500; i++) arr.push({i, s: `v${i}`, o: {k: i % 5}});
  sameAsOneThread(write('array.json', JSON.stringify(arr, null, 1)), ['--infer-window', '100'], {expectStatus: 0});
  sameAsOneThread(write('array2.json', '  \n ' + JSON.stringify(arr)), [], {expectStatus: 0});
});

test('lists and child tables (never planned) keep the one-thread tables', () => {
  const lines = [];
  for (let i = 0; i < 800; i++)
    lines.push(JSON.stringify({id: i, xs: [i, i + 1], kids: i % 4 ? [{k: i}, {k: i + 1, z: 'q'}] : [], o: {p: i}}));
  const base = sameAsOneThread(write('lists.ndjson', lines.join('\n')), ['--infer-window', '100'], {expectStatus: 0});
  assert.deepEqual(Object.keys(base.files), ['t.parquet', 't__kids.parquet']);
});

test('a byte order mark at the start is skipped; gzip input is cut after decompression', () => {
  const text = evolving(1200);
  sameAsOneThread(write('bom.ndjson', '\uFEFF' + text), ['--infer-window', '300'], {expectStatus: 0});
  sameAsOneThread(write('gz.ndjson.gz', zlib.gzipSync(text)), ['--infer-window', '300'], {expectStatus: 0});
});

test('lines longer than a part, and longer than the record limit allows a part to grow', () => {
  const lines = [];
  for (let i = 0; i < 300; i++) lines.push(JSON.stringify({i, s: i % 50 === 5 ? 'w'.repeat(5000) : 's'}));
  const input = write('long.ndjson', lines.join('\n'));
  sameAsOneThread(input, ['--infer-window', '100'], {expectStatus: 0});
  // a 5,000-byte line over a 2,000-byte limit: the same error, at the same place
  const r = sameAsOneThread(input, ['--infer-window', '100', '--max-record-size', '2000'], {expectStatus: 3});
  assert.match(r.stderr, /long\.ndjson:6:1 \(byte \d+\): record larger than the maximum record size of 2000 bytes/);
});

test('errors anywhere are the one-thread errors: file, line, column, offset and reason', () => {
  const good = evolving(1500).split('\n');
  const cases = {
    'trailing comma mid-file': (l) => { l[900] = l[900].replace(/}$/, ',}'); },
    'truncated last record': (l) => { l[l.length - 2] = l[l.length - 2].slice(0, 40); l.pop(); },
    'invalid UTF-8 mid-file': (l) => { l[700] = l[700].replace('TX', 'T\u0000X'); },
    'NaN': (l) => { l[1100] = '{"id":"x","amount":NaN}'; },
    'byte order mark mid-file': (l) => { l[450] = '\uFEFF' + l[450]; },
    'garbage line': (l) => { l[1300] = '}{'; },
    'a pretty-printed record cut by the end': (l) => { l.push('{\n "a": 1,\n "b": [\n 1,'); },
  };
  for (const [name, edit] of Object.entries(cases)) {
    const lines = [...good];
    edit(lines);
    let data = Buffer.from(lines.join('\n'));
    if (name === 'invalid UTF-8 mid-file') data = Buffer.from(lines.join('\n').replace('\u0000', '\u00ff'), 'latin1');
    const input = write(`err-${seq}.ndjson`, data);
    const r = sameAsOneThread(input, ['--infer-window', '300'], {});
    assert.notEqual(r.status, 0, `${name}: the one-thread convert should fail`);
    assert.match(r.stderr, /\.ndjson:\d+:\d+ \(byte \d+\): /, `${name}: ${r.stderr}`);
  }
});

test('nesting past --max-depth mid-file, and --max-decompressed-size on gzip input', () => {
  const lines = evolving(1000).split('\n');
  lines[600] = '{"a":' + '['.repeat(20) + ']'.repeat(20) + '}';
  sameAsOneThread(write('deep.ndjson', lines.join('\n')), ['--infer-window', '300', '--max-depth', '8'], {expectStatus: 3});
  const gz = write('bomb.ndjson.gz', zlib.gzipSync(evolving(1000)));
  sameAsOneThread(gz, ['--max-decompressed-size', '100000'], {});
});

test('empty and whitespace-only inputs', () => {
  sameAsOneThread(write('empty.ndjson', ''), [], {expectStatus: 0});
  sameAsOneThread(write('ws.ndjson', '\n\n   \n'.repeat(100)), [], {expectStatus: 0});
});

/** `sluice inspect -j N` prints what -j 1 prints (records, bytes, duplicate keys, the
 * inferred tables), or the same first error. */
function inspectSame(input) {
  const run = (args) => spawnSync(SLUICE, ['inspect', input, ...args], {encoding: 'utf8'});
  const base = run(['-j', '1']);
  for (const v of [['-j', '2', '--part-size', '64'], ['-j', '3', '--part-size', '300']]) {
    const r = run(v);
    assert.equal(r.status, base.status, `${v.join(' ')}: status`);
    assert.equal(r.stdout, base.stdout, `${v.join(' ')}: stdout`);
    assert.equal(r.stderr, base.stderr, `${v.join(' ')}: stderr`);
  }
  return base;
}

test('inspect -j N: the same records, bytes, duplicate keys, tables and errors as one thread', () => {
  const text = evolving(1500);
  let r = inspectSame(write('i.ndjson', text));
  assert.equal(r.status, 0);
  assert.match(r.stdout, /valid JSON, 1500 records/);
  const dup = text.split('\n').map((l, i) => (i % 9 === 4 ? l.replace(/^\{/, '{"id":"dup",') : l)).join('\n');
  r = inspectSame(write('dup.ndjson', dup));
  assert.match(r.stdout, /\b167 duplicate keys/);
  r = inspectSame(write('ierr.ndjson', text.replace(/\n/g, (m, off) => (off > 100000 && off < 100300 ? '\n{' : m))));
  assert.equal(r.status, 3);
  inspectSame(write('i.json.gz', zlib.gzipSync(text)));
  inspectSame(write('iarr.json', JSON.stringify(text.trim().split('\n').map((l) => JSON.parse(l)))));
});

/** Peak RSS in MB of `sluice ARGS` through bench/peak.c (ru_maxrss from wait4). */
let PEAK;
function peakMb(args) {
  if (!PEAK) {
    PEAK = path.join(TMP, 'peak');
    const cc = spawnSync('cc', ['-O2', '-std=c11', '-o', PEAK, path.resolve('bench/peak.c')], {encoding: 'utf8'});
    assert.equal(cc.status, 0, cc.stderr);
  }
  const line = path.join(TMP, `peak-${seq++}.jsonl`);
  // Under `make asan`, AddressSanitizer keeps freed memory in quarantine (256 MB by
  // default), so its peak grows with what was ever allocated: keep none.
  const env = {...process.env};
  if (env.ASAN_OPTIONS !== undefined) env.ASAN_OPTIONS += ':quarantine_size_mb=0:thread_local_quarantine_size_kb=0';
  const r = spawnSync(PEAK, ['-o', line, '--', SLUICE, ...args], {encoding: 'utf8', env});
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(fs.readFileSync(line, 'utf8')).peak_rss_mb;
}

test('memory does not grow with the input: 5x the records, the same peak (NDJSON on threads, and a top-level array)', (t) => {
  const row = (i) => JSON.stringify({id: `TX${i}`, amount: i * 1.25, at: '2026-11-21T10:00:00Z',
    location: {city: CITIES[i % 5], lat: i / 1000}, note: i % 10 ? null : 'x'.repeat(40)});
  const make = (n, name, array) => {
    const p = path.join(TMP, name);
    const fd = fs.openSync(p, 'w');
    fs.writeSync(fd, array ? '[' : '');
    for (let i = 0; i < n; i += 10000) {
      const chunk = [];
      for (let k = i; k < Math.min(n, i + 10000); k++) chunk.push(row(k));
      fs.writeSync(fd, (i && array ? ',' : '') + chunk.join(array ? ',' : '\n') + (array ? '' : '\n'));
    }
    fs.writeSync(fd, array ? ']' : '');
    fs.closeSync(fd);
    return p;
  };
  for (const array of [false, true]) {
    const small = make(200000, `small-${array}.json`, array), big = make(1000000, `big-${array}.json`, array);
    const out = path.join(TMP, `mem-${array}.parquet`);
    // row groups of 2 MB, so that both inputs fill many: what stays is the
    // writer's two row groups, the parts in flight and the inference window
    const opts = ['-o', out, '-j', '2', '-q', '--row-group-bytes', '2000000'];
    const ps = peakMb(['convert', small, ...opts]);
    const pb = peakMb(['convert', big, ...opts]);
    t.diagnostic(`${array ? 'array' : 'NDJSON'}: peak ${ps} MB for 200 k records, ${pb} MB for 1 M`);
    assert.ok(pb <= ps * 1.25 + 16, `${array ? 'array' : 'NDJSON'}: peak ${pb} MB for 1 M records against ${ps} MB for 200 k`);
    fs.rmSync(small);
    fs.rmSync(big);
  }
});

test('a widening after the window: the part already in the final types is copied row group by row group, the earlier one converted', async () => {
  const lines = [];
  for (let i = 0; i < 5000; i++) lines.push(JSON.stringify({i, n: i === 50 ? 0.5 : i * 3, s: `v${i % 7}`}));
  const input = write('widen.ndjson', lines.join('\n'));
  for (const j of ['1', '2']) {
    const r = convert(input, ['-j', j, '--infer-window', '200', '--row-group-size', '1000']);
    assert.equal(r.status, 0, r.stderr);
    const file = path.join(r.out, 't.parquet');
    const rows = await duckQuery(`SELECT i, n, s FROM read_parquet(${sqlString(file)}) ORDER BY i`);
    assert.equal(rows.length, 5000);
    rows.forEach((row, k) => {
      assert.equal(row.i, BigInt(k));
      assert.equal(row.n, k === 50 ? 0.5 : k * 3);
      assert.equal(row.s, `v${k % 7}`);
    });
    // records 0..49 (n an int64 then) were converted into a row group of their own;
    // from record 50 on, the part's own 1,000-row groups, copied
    const groups = await duckQuery(`SELECT DISTINCT row_group_id, row_group_num_rows FROM
      parquet_metadata(${sqlString(file)}) ORDER BY row_group_id`);
    assert.deepEqual(groups.map((g) => Number(g.row_group_num_rows)), [50, 1000, 1000, 1000, 1000, 950]);
  }
});
