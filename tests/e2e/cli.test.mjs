// End-to-end tests of sluice's command line: exit codes (0 ok, 2 usage or I/O
// error, 3 corrupt input) and error messages that name the file, line, column and
// byte offset of bad input, plus `sluice inspect` on JSON and Parquet files.
//
// Positions: line and column are 1-based, the column counts characters (code
// points) from the start of the line, the byte offset is 0-based from the start of
// the file. The offending position is the first byte at which the input can no
// longer be valid JSON, or the start of the offending token (a literal, an escape).
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {readAll, assertRows} from './lib/oracles.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-cli-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));

function sluice(args) {
  assert.ok(fs.existsSync(SLUICE), `${SLUICE} is missing: run 'make' first (or set SLUICE_BUILD)`);
  const r = spawnSync(SLUICE, args, {encoding: 'utf8', cwd: TMP});
  if (r.error) throw r.error;
  return r;
}

/** Writes bytes to TMP/name and returns the name (commands run with cwd TMP). */
function file(name, bytes) {
  fs.writeFileSync(path.join(TMP, name), typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  return name;
}

/** Line, column (code points, 1-based) and byte offset of byte `at` in buf. */
function position(buf, at) {
  const before = buf.subarray(0, at);
  const lineStart = before.lastIndexOf(0x0a) + 1;
  const line = before.filter((b) => b === 0x0a).length + 1;
  // code points = bytes that are not UTF-8 continuation bytes
  const col = buf.subarray(lineStart, at).filter((b) => (b & 0xc0) !== 0x80).length + 1;
  return {line, col, byte: at};
}

/** Asserts exit 3 and "sluice: NAME:LINE:COL (byte N): ..." at byte `at`. */
function assertCorrupt(args, name, buf, at, why) {
  const r = sluice(args);
  assert.equal(r.status, 3, `sluice ${args.join(' ')}: exit ${r.status}, stderr: ${r.stderr}`);
  const {line, col, byte} = position(buf, at);
  const re = new RegExp(`^sluice: ${name.replace(/\./g, '\\.')}:${line}:${col} \\(byte ${byte}\\): (.+)$`, 'm');
  const m = re.exec(r.stderr);
  assert.ok(m, `sluice ${args.join(' ')}: expected "sluice: ${name}:${line}:${col} (byte ${byte}): ..." on stderr, got: ${JSON.stringify(r.stderr)}`);
  if (why) assert.match(m[1], why);
  assert.equal(r.stdout, '', 'nothing on stdout');
  return r;
}

const cases = [
  // [name, bytes, index of the offending byte, message pattern]
  ['truncated.json', '{"a":1}\n{"a":2,\n', (b) => b.length, /end of input/],
  ['truncated_string.json', '{"a":"abc', (b) => b.length, /end of input|unterminated/],
  ['trailing_comma.json', '{"a":1}\n{"a":[1,2,],"b":1}\n', (b) => b.indexOf(',]') + 1, /trailing comma/],
  ['trailing_comma_obj.json', '[{"a":1,}]', (b) => b.indexOf(',}') + 1, /trailing comma/],
  ['invalid_utf8.json', Buffer.concat([Buffer.from('{"a":"ok"}\n{"a":"x'), Buffer.from([0xff, 0xfe]), Buffer.from('y"}\n')]),
    (b) => b.indexOf(0xff), /UTF-8/],
  ['overlong_utf8.json', Buffer.concat([Buffer.from('{"é":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
    (b) => b.indexOf(0xc0), /UTF-8/],
  ['lone_surrogate.json', '{"a":1}\n  {"b":"\\ud800x"}\n', (b) => b.indexOf('\\ud800'), /surrogate/],
  ['lone_low_surrogate.json', '{"b":"😀 \\udc00"}', (b) => b.indexOf('\\udc00'), /surrogate/],
  ['bad_literal.json', '{"a":"café", "b":tru}\n', (b) => b.indexOf('tru}'), /literal|true/],
  ['garbage_after.json', '{"a":1}\n{"a":2} x\n', (b) => b.indexOf(' x') + 1, null],
  ['control_char.json', '{"a":"tab\there"}', (b) => b.indexOf('\t'), /control|character/],
  ['leading_zero.json', '{"a":007}', (b) => b.indexOf('007'), /zero/],
];

for (const [name, text, at, why] of cases) {
  test(`malformed JSON ${name}: convert and inspect exit 3 naming line, column and byte`, () => {
    const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    file(name, buf);
    const out = `${name}.parquet`;
    assertCorrupt(['convert', name, '-o', out], name, buf, at(buf), why);
    assert.ok(!fs.existsSync(path.join(TMP, out)), 'no output file is left behind');
    assert.deepEqual(fs.readdirSync(TMP).filter((f) => f.startsWith('.sluice-tmp')), [], 'no temporary directory is left behind');
    assertCorrupt(['inspect', name], name, buf, at(buf), why);
  });
}

test('nesting deeper than --max-depth: exit 3 at the first bracket past the limit', () => {
  const nest = (n) => { let s = '1'; for (let i = 0; i < n; i++) s = `{"a":${s}}`; return s; };
  file('depth10.json', nest(10));
  const ok = sluice(['convert', 'depth10.json', '-o', 'depth10.parquet', '--max-depth', '10']);
  assert.equal(ok.status, 0, `10 levels with --max-depth 10: ${ok.stderr}`);
  const buf = Buffer.from(nest(11));
  file('depth11.json', buf);
  const r = assertCorrupt(['convert', 'depth11.json', '-o', 'depth11.parquet', '--max-depth', '10'], 'depth11.json', buf, 10 * 5, /depth/);
  assert.match(r.stderr, /\b10\b/, 'the message names the limit the user gave');
  // the default limit (1000) applies without the option
  const deep = Buffer.from('['.repeat(1500) + ']'.repeat(1500));
  file('deep1500.json', deep);
  const d = sluice(['inspect', 'deep1500.json']);
  assert.equal(d.status, 3, `1500 levels: exit ${d.status} ${d.stderr}`);
  assert.match(d.stderr, /depth/);
});

test('malformed CSV (unterminated quote, ragged row): exit 3 naming the line', () => {
  file('ragged.csv', 'a,b\n1,2\n3,4,5\n');
  let r = sluice(['convert', 'ragged.csv', '-o', 'ragged.parquet']);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /^sluice: ragged\.csv:3:/m);
  file('unterminated.csv', 'a,b\n1,"open\n2,3\n');
  r = sluice(['convert', 'unterminated.csv', '-o', 'u.parquet']);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /^sluice: unterminated\.csv:\d+:\d+ \(byte \d+\): .*quote/m);
});

test('corrupt Parquet input: exit 3, not a crash', () => {
  file('good.ndjson', '{"a":1,"b":"x"}\n{"a":2,"b":"y"}\n');
  assert.equal(sluice(['convert', 'good.ndjson', '-o', 'good.parquet']).status, 0);
  const pq = fs.readFileSync(path.join(TMP, 'good.parquet'));
  file('truncated.parquet', pq.subarray(0, pq.length - 10));
  let r = sluice(['convert', 'truncated.parquet', '-o', 'x.ndjson']);
  assert.equal(r.status, 3, `truncated footer: exit ${r.status} ${r.stderr}`);
  assert.match(r.stderr, /^sluice: truncated\.parquet/m);
  file('notparquet.parquet', 'PAR1 this is not parquet PAR1');
  r = sluice(['inspect', 'notparquet.parquet']);
  assert.equal(r.status, 3, `bad footer: exit ${r.status} ${r.stderr}`);
});

test('nonexistent input: exit 2 naming the file', () => {
  let r = sluice(['convert', 'no-such-file.json', '-o', 'x.parquet']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^sluice: .*no-such-file\.json.*No such file/m);
  r = sluice(['inspect', 'no-such-file.json']);
  assert.equal(r.status, 2, r.stderr);
  r = sluice(['convert', 'no-such-file.parquet', '-o', 'x.ndjson']);
  assert.equal(r.status, 2, r.stderr);
  assert.ok(!fs.existsSync(path.join(TMP, 'x.ndjson')), 'no output left behind');
});

test('usage errors exit 2 with a message on stderr', () => {
  file('u.ndjson', '{"a":1}\n');
  const usage = [
    [['convert', 'u.ndjson', '-o', 'u.parquet', '--bogus'], /unknown option '--bogus'/],
    [['convert', 'u.ndjson', '-o', 'u.parquet', '-Z'], /unknown option/],
    [['convert', 'u.ndjson'], /-o OUT/],
    [['convert', '-o', 'u.parquet'], /INPUT/],
    [['convert', 'u.ndjson', '-o', 'u.parquet', '--compression', 'brotli'], /brotli/],
    [['convert', 'u.ndjson', '-o', 'u.parquet', '--page-version', '3'], /page-version/],
    [['convert', 'u.ndjson', '-o', 'u.parquet', '--row-group-size', 'abc'], /row-group-size/],
    [['convert', 'u.ndjson', '-o', 'u.parquet', '--row-group-size'], /row-group-size/],
    [['convert', 'u.ndjson', '-o', 'u.parquet', '--no-dictionary=yes'], /no-dictionary/],
    [['frobnicate'], /frobnicate/],
    [[], /usage/],
    [['inspect'], /FILE/],
  ];
  for (const [args, re] of usage) {
    const r = sluice(args);
    assert.equal(r.status, 2, `sluice ${args.join(' ')}: exit ${r.status}, stderr ${r.stderr}`);
    assert.match(r.stderr, /^(sluice: |usage: )/m, `sluice ${args.join(' ')}: message format`);
    assert.match(r.stderr, re, `sluice ${args.join(' ')}`);
  }
  assert.ok(!fs.existsSync(path.join(TMP, 'u.parquet')), 'no output after a usage error');
});

test('multi-table input with a .parquet OUT: exit 2, nothing written', () => {
  file('multi.ndjson', '{"id":1,"items":[{"k":1}]}\n');
  const r = sluice(['convert', 'multi.ndjson', '-o', 'multi.parquet']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^sluice: .*tables/m);
  assert.ok(!fs.existsSync(path.join(TMP, 'multi.parquet')), 'no partial output');
  assert.deepEqual(fs.readdirSync(TMP).filter((f) => f.startsWith('.sluice-tmp')), [], 'no temporary directory is left behind');
});

test('--help and help exit 0 and print usage on stdout', () => {
  for (const args of [['convert', '--help'], ['help', 'convert'], ['--help'], ['inspect', '-h']]) {
    const r = sluice(args);
    assert.equal(r.status, 0, `sluice ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /usage: sluice/);
  }
  const v = sluice(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^sluice \d+\.\d+\.\d+/);
});

test('inspect FILE.json: exit 0, prints the inferred tables and their column types', () => {
  file('orders.json', '[{"id":1,"when":"2024-01-01","c":{"n":"x"},"items":[{"sku":"a","q":1.5}]},{"id":2,"when":null}]');
  const r = sluice(['inspect', 'orders.json']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /valid JSON, 2 records/);
  const tables = [...r.stdout.matchAll(/^table (\S+): (\d+) rows$/gm)].map((m) => [m[1], Number(m[2])]);
  assert.equal(tables.length, 2, r.stdout);
  assert.equal(tables[0][1], 2);
  assert.equal(tables[1][1], 1);
  assert.ok(tables[1][0].endsWith('__items'), `child table name: ${tables[1][0]}`);
  const col = (name) => new RegExp(`^  ${name}\\s+(.+)$`, 'm').exec(r.stdout)?.[1];
  assert.equal(col('id'), 'INT64');
  assert.equal(col('when'), 'DATE');
  assert.equal(col('c_n'), 'STRING');
  assert.equal(col('q'), 'DOUBLE');
  assert.equal(col('_pos'), 'INT64');
});

test('inspect FILE.parquet: schema, row groups and metadata; --head N and --cat print rows as NDJSON', async () => {
  const lines = Array.from({length: 25}, (_, i) => JSON.stringify({i, s: `r${i}`, d: i / 4}));
  file('ins.ndjson', lines.join('\n'));
  assert.equal(sluice(['convert', 'ins.ndjson', '-o', 'ins.parquet', '--row-group-size', '10']).status, 0);
  const r = sluice(['inspect', 'ins.parquet']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^rows: 25$/m);
  assert.match(r.stdout, /^row_groups: 3$/m);
  assert.match(r.stdout, /^columns: 3$/m);
  assert.match(r.stdout, /^  i\s+INT64/m);
  assert.match(r.stdout, /^  d\s+DOUBLE/m);
  assert.match(r.stdout, /sluice\.schema/);
  const head = sluice(['inspect', 'ins.parquet', '--head', '3']);
  assert.equal(head.status, 0, head.stderr);
  assert.deepEqual(head.stdout.trim().split('\n').map((l) => JSON.parse(l)), lines.slice(0, 3).map((l) => JSON.parse(l)));
  const cat = sluice(['inspect', 'ins.parquet', '--cat']);
  assert.equal(cat.status, 0, cat.stderr);
  assert.deepEqual(cat.stdout.trim().split('\n').map((l) => JSON.parse(l)), lines.map((l) => JSON.parse(l)));
  // and the file itself is what the oracles read
  assertRows(await readAll(path.join(TMP, 'ins.parquet')), lines.map((l) => {
    const o = JSON.parse(l); return {i: BigInt(o.i), s: o.s, d: o.d};
  }), 'ins.parquet');
});
