// sluice ingest, run as a user runs it: --once and as a service (inotify and
// polling), a corpus of bad files, duplicates, two processes on one directory.
// Every committed row is read back by DuckDB and compared, value by value, with
// the documents that went in: nothing lost, nothing twice, nothing altered.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {spawn, spawnSync} from 'node:child_process';
import {expectedTables, committedTables, committedParts, compareTables, finalTables, readDocs} from './lib/dataset.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-ingest-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function run(args, opts = {}) {
  return spawnSync(SLUICE, args, {encoding: 'utf8', maxBuffer: 1 << 28, ...opts});
}

function dir(name) {
  const d = path.join(TMP, name);
  fs.mkdirSync(d, {recursive: true});
  return d;
}

/** Generates n school job-result documents into a fresh directory. */
function generate(name, n, extra = []) {
  const d = dir(name);
  const r = run(['generate', '--num-iterations', String(n), '--max-batch-size', '5', '--output-dir', d, ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return d;
}

const listFiles = (d) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => !f.startsWith('.')).sort() : []);

async function waitFor(cond, ms = 20000, what = 'condition') {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

function startService(args) {
  const p = spawn(SLUICE, ['ingest', ...args], {stdio: ['ignore', 'ignore', 'pipe']});
  p.stderrText = '';
  p.stderr.on('data', (b) => { p.stderrText += b; });
  p.done = new Promise((resolve) => p.on('exit', (code, signal) => resolve({code, signal})));
  return p;
}

const committedInputs = (out) => committedParts(out).inputs.map((i) => i.name).sort();

test('--once commits every document exactly, in several commits by two workers', async () => {
  const src = generate('once-src', 240);
  const docs = readDocs(src);
  const out = path.join(TMP, 'once-out');
  const r = run(['ingest', '-i', src, '-o', out, '--once', '--settle', '0', '--commit-files', '37', '-j', '2', '-v', 'warn']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /240 files committed \(240 documents/);
  compareTables(await committedTables(out), expectedTables(docs), 'committed parts');
  // sync publishes them as final tables with exactly the same rows.
  const s = run(['sync', '--output-dir', out, '--once']);
  assert.equal(s.status, 0, s.stderr);
  const want = expectedTables(docs);
  compareTables(await finalTables(out, [...want.keys()]), want, 'final tables');
  assert.deepEqual(listFiles(src), [], 'the input directory is empty');
  assert.deepEqual(listFiles(path.join(out, 'processed')), docs.map((d) => d.name), 'every input moved to processed/');
  assert.deepEqual(committedInputs(out), docs.map((d) => d.name), 'the ledger names each input once');
  const {inputs} = committedParts(out);
  assert.ok(new Set(committedParts(out).inputs.map((i) => i.hash)).size === 240);
  assert.ok(inputs.every((i) => /^\d+\.\d+$/.test(i.job)), 'job ids recorded');
  const metrics = fs.readdirSync(path.join(out, '_sluice', 'metrics'));
  assert.equal(metrics.length, 1);
  const m = JSON.parse(fs.readFileSync(path.join(out, '_sluice', 'metrics', metrics[0]), 'utf8'));
  assert.equal(m.files, 240);
  assert.ok(m.commits >= 7, `commits: ${m.commits}`);
  const schema = JSON.parse(fs.readFileSync(path.join(out, '_sluice', 'schema', 'current.json'), 'utf8'));
  assert.deepEqual(schema.tables.map((t) => t.table).sort(), ['_documents', 'classes', 'student_classes', 'students', 'teachers']);

  // A second run over the same files (put back) finds them all duplicates.
  for (const f of listFiles(path.join(out, 'processed'))) fs.renameSync(path.join(out, 'processed', f), path.join(src, f));
  const r2 = run(['ingest', '-i', src, '-o', out, '--once', '--settle', '0']);
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stderr, /0 files committed .* 240 duplicates/);
  assert.equal(listFiles(path.join(out, 'duplicates')).filter((f) => f.endsWith('.duplicate.json')).length, 240);
  compareTables(await committedTables(out), expectedTables(docs), 'after the rerun');
});

test('bad files are quarantined with their reason and position; good ones committed; duplicates set aside', async () => {
  const src = generate('bad-src', 12);
  const good = readDocs(src);
  const put = (name, data) => fs.writeFileSync(path.join(src, name), data);
  put('malformed.json', '{"job": {"cluster": 900, "proc": 1},\n "students": [{"student_id": "S1",}]}');
  put('truncated.json', fs.readFileSync(path.join(src, good[0].name), 'utf8').slice(0, 500));
  put('empty.json', '');
  put('blank.json', '  \n\t\n');
  put('binary.json', Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x7b, 0x00]));
  put('bad_utf8.json', Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]));
  put('deep.json', '['.repeat(40) + ']'.repeat(40));
  put('big.json', JSON.stringify({pad: 'x'.repeat(300000)}));
  put('bomb.json.gz', zlib.gzipSync(Buffer.from(' '.repeat(50 << 20) + '{}')));
  fs.symlinkSync('/etc/passwd', path.join(src, 'link.json'));
  // Duplicates: the same content under another name; a rerun of job 1.0 with
  // different content (its attempt 2).
  fs.copyFileSync(path.join(src, good[1].name), path.join(src, 'zz_copy_of_1.json'));
  const rerun = structuredClone(good[0].doc);
  rerun.job.attempt = 2;
  put('zz_rerun_1_0.json', JSON.stringify(rerun));
  // Good inputs in other forms: gzip, NDJSON records, a top-level array.
  const gz = {job: {cluster: 77, proc: 0}, events: [{id: 1, kind: 'a'}, {id: 2, kind: 'b', extra: 2.5}]};
  put('zipped.json.gz', zlib.gzipSync(Buffer.from(JSON.stringify(gz))));
  put('events.ndjson', '{"id": 10, "v": 1}\n{"id": 11, "v": 2.5, "tag": "x"}\n');
  put('array.json', '[{"id": 20, "v": 3}, {"id": 21}]');

  const out = path.join(TMP, 'bad-out');
  const r = run(['ingest', '-i', src, '-o', out, '--once', '--settle', '0', '--max-depth', '32',
    '--max-file-size', '200000', '--max-decompressed-size', String(8 << 20), '--log-format', 'json']);
  assert.equal(r.status, 1, `exit 1 when inputs were rejected\n${r.stderr}`);
  const q = path.join(out, 'quarantine');
  const rejected = ['bad_utf8.json', 'big.json', 'binary.json', 'blank.json', 'bomb.json.gz', 'deep.json', 'empty.json',
    'link.json', 'malformed.json', 'truncated.json'];
  assert.deepEqual(listFiles(q).filter((f) => !f.endsWith('.error.json')), rejected);
  const why = (f) => JSON.parse(fs.readFileSync(path.join(q, `${f}.error.json`), 'utf8'));
  const m = why('malformed.json');
  assert.equal(m.file, 'malformed.json');
  assert.equal(m.status, 'malformed JSON');
  assert.equal(m.line, 2);
  assert.ok(m.column > 0 && m.offset > 0, JSON.stringify(m));
  assert.match(m.error, /^malformed\.json:2:\d+ \(byte \d+\): /);
  assert.match(why('truncated.json').error, /end of input/);
  assert.match(why('empty.json').reason, /empty/);
  assert.match(why('blank.json').reason, /whitespace/);
  assert.match(why('bad_utf8.json').error, /UTF-8/i);
  assert.match(why('deep.json').reason, /limit/);
  assert.match(why('big.json').reason, /max-file-size/);
  assert.match(why('bomb.json.gz').reason, /max-decompressed-size/);
  assert.match(why('link.json').reason, /symbolic link/);
  assert.ok(fs.lstatSync(path.join(q, 'link.json')).isSymbolicLink(), 'the link itself is kept');
  const d = path.join(out, 'duplicates');
  assert.deepEqual(listFiles(d).filter((f) => !f.endsWith('.duplicate.json')), ['zz_copy_of_1.json', 'zz_rerun_1_0.json']);
  assert.match(JSON.parse(fs.readFileSync(path.join(d, 'zz_rerun_1_0.json.duplicate.json'), 'utf8')).reason, /job 1\.0 already/);
  // The log is JSON lines and names each rejection.
  const events = r.stderr.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  assert.equal(events.filter((e) => e.event === 'quarantined').length, rejected.length);

  const want = expectedTables([...good, {name: 'zipped.json.gz', doc: gz},
    {name: 'events.ndjson', doc: {}}, {name: 'array.json', doc: {}}]);
  const got = await committedTables(out);
  // NDJSON and array inputs are rows of `records`.
  want.set('records', ['{"id":10,"v":1}', '{"id":11,"v":2.5,"tag":"x"}', '{"id":20,"v":3}', '{"id":21}']
    .map((t) => JSON.parse(t)).map((o) => JSON.stringify(Object.keys(o).sort().map((k) => [k, typeof o[k] === 'number' ? `n:${o[k]}` : `s:${o[k]}`]))).sort());
  compareTables(got, want, 'good inputs');
  assert.deepEqual(listFiles(src), [], 'nothing left behind');
});

async function serviceRun(name, extraArgs) {
  const src = generate(`${name}-src`, 90);
  const docs = readDocs(src);
  const input = dir(`${name}-in`);
  const out = path.join(TMP, `${name}-out`);
  const p = startService(['-i', input, '-o', out, '--settle', '0.3', '--commit-interval', '0.2', '--poll-interval', '0.2', ...extraArgs]);
  await sleep(300);
  // Half arrive by rename (complete at once), half are written in place, in pieces.
  for (const [k, {name: f}] of docs.entries()) {
    const data = fs.readFileSync(path.join(src, f));
    if (k % 2 === 0) {
      fs.writeFileSync(path.join(input, `.${f}.tmp`), data);
      fs.renameSync(path.join(input, `.${f}.tmp`), path.join(input, f));
    } else {
      const fd = fs.openSync(path.join(input, f), 'w');
      fs.writeSync(fd, data.subarray(0, 100));
      await sleep(5);
      fs.writeSync(fd, data.subarray(100));
      fs.closeSync(fd);
    }
    if (k % 10 === 0) await sleep(20);
  }
  await waitFor(() => listFiles(path.join(out, 'processed')).length === docs.length, 30000, 'every file processed');
  p.kill('SIGTERM');
  const {code} = await p.done;
  assert.equal(code, 0, p.stderrText);
  assert.deepEqual(listFiles(path.join(out, 'quarantine')), [], p.stderrText);
  compareTables(await committedTables(out), expectedTables(docs), name);
  return p.stderrText;
}

test('as a service with inotify: renamed and in-place files, then SIGTERM', async () => {
  const log = await serviceRun('inotify', []);
  assert.match(log, /mode=inotify/);
});

test('as a service with --poll', async () => {
  const log = await serviceRun('poll', ['--poll']);
  assert.match(log, /mode=poll/);
});

test('two ingest processes share one input directory: each file committed once', async () => {
  const src = generate('two-src', 400);
  const docs = readDocs(src);
  const input = dir('two-in');
  const out = path.join(TMP, 'two-out');
  const args = ['-i', input, '-o', out, '--settle', '0', '--poll', '--poll-interval', '0.05', '--commit-interval', '0.1', '-j', '1'];
  const a = startService(args), b = startService(args);
  await sleep(200);
  for (const {name} of docs) fs.renameSync(path.join(src, name), path.join(input, name));
  await waitFor(() => listFiles(path.join(out, 'processed')).length === docs.length, 30000, 'every file processed');
  a.kill('SIGTERM');
  b.kill('SIGTERM');
  assert.equal((await a.done).code, 0, a.stderrText);
  assert.equal((await b.done).code, 0, b.stderrText);
  assert.deepEqual(committedInputs(out), docs.map((d) => d.name).sort());
  const ledgers = fs.readdirSync(path.join(out, '_sluice', 'ledger'));
  assert.equal(ledgers.length, 2, 'one ledger per process');
  compareTables(await committedTables(out), expectedTables(docs.map(({name}) => ({name, doc: JSON.parse(fs.readFileSync(path.join(out, 'processed', name), 'utf8'))}))), 'two writers');
});

test('--condor-log: only results of jobs that terminated normally with return value 0', async () => {
  const input = dir('condor-in');
  const out = path.join(TMP, 'condor-out');
  const log = path.join(TMP, 'condor.log');
  const doc = (c, p) => JSON.stringify({job: {cluster: c, proc: p}, items: [{item_id: `${c}.${p}`, n: c * 10 + p}]});
  const ev = (code, c, p, body) => `${code} (${String(c).padStart(3, '0')}.${String(p).padStart(3, '0')}.000) 2026-11-21 10:00:0${p} ${body}\n...\n`;
  const term = (rv) => `Job terminated.\n\t(1) Normal termination (return value ${rv})\n\t\tUsr 0 00:00:01, Sys 0 00:00:00  -  Run Remote Usage\n`;
  fs.writeFileSync(log, ev('000', 5, 0, 'Job submitted from host: <10.0.0.1:9618>') + ev('000', 5, 1, 'Job submitted from host: <10.0.0.1:9618>') +
    ev('000', 5, 2, 'Job submitted from host: <10.0.0.1:9618>') + ev('001', 5, 0, 'Job executing on host: <10.0.0.2:9618>'));
  // Shared-filesystem style: results appear in place while jobs run.
  for (const p of [0, 1, 2]) fs.writeFileSync(path.join(input, `result_5.${p}.json`), doc(5, p));
  const svc = startService(['-i', input, '-o', out, '--condor-log', log, '--settle', '0', '--commit-interval', '0.1', '--poll']);
  await sleep(800);
  assert.deepEqual(committedInputs(out), [], 'nothing is taken before its job terminates');
  fs.appendFileSync(log, ev('005', 5, 0, term(0)) + ev('001', 5, 1, 'Job executing on host: <10.0.0.3:9618>') + ev('005', 5, 1, term(1)));
  await waitFor(() => committedInputs(out).length === 1 && listFiles(path.join(out, 'quarantine')).length === 2, 10000, 'job 5.0 committed, 5.1 set aside');
  // Rotation: the log moves to .old, a new one continues.
  fs.renameSync(log, `${log}.old`);
  fs.writeFileSync(log, ev('001', 5, 2, 'Job executing on host: <10.0.0.4:9618>') + ev('005', 5, 2, term(0)));
  await waitFor(() => committedInputs(out).length === 2, 10000, 'job 5.2 committed after rotation');
  svc.kill('SIGTERM');
  assert.equal((await svc.done).code, 0, svc.stderrText);
  assert.deepEqual(committedInputs(out), ['result_5.0.json', 'result_5.2.json']);
  const q = JSON.parse(fs.readFileSync(path.join(out, 'quarantine', 'result_5.1.json.error.json'), 'utf8'));
  assert.match(q.reason, /job 5\.1 did not terminate normally/);
});

test('--schema pins the tables: a document that does not fit is quarantined with where and why', async () => {
  const src = generate('pin-src', 10);
  const edit = (f, fn) => {
    const p = path.join(src, f);
    const d = JSON.parse(fs.readFileSync(p, 'utf8'));
    fn(d);
    fs.writeFileSync(p, JSON.stringify(d));
  };
  edit('result_000003.json', (d) => { d.students[2].age = 'fifteen'; });
  edit('result_000004.json', (d) => { d.students[0].nickname = 'Bo'; });
  edit('result_000005.json', (d) => { d.lockers = [{n: 1}]; });
  edit('result_000000.json', (d) => { delete d.teachers[0].email; });
  const docs = readDocs(src);
  const out = path.join(TMP, 'pin-out');
  const r = run(['ingest', '-i', src, '-o', out, '--once', '--settle', '0', '--schema', 'school', '-v', 'error']);
  assert.equal(r.status, 1, r.stderr);
  const q = path.join(out, 'quarantine');
  const why = (f) => JSON.parse(fs.readFileSync(path.join(q, `${f}.error.json`), 'utf8')).reason;
  assert.equal(why('result_000003.json'), 'does not fit the pinned schema: students[2].age: expected an integer, got a string');
  assert.equal(why('result_000004.json'), 'does not fit the pinned schema: students[0].nickname: no such column in the pinned schema');
  assert.equal(why('result_000005.json'), "does not fit the pinned schema: table 'lockers' is not in the pinned schema");
  assert.equal(why('result_000000.json'), 'does not fit the pinned schema: teachers[0].email: missing, and the column is not nullable');
  const bad = new Set(['result_000003.json', 'result_000004.json', 'result_000005.json', 'result_000000.json']);
  compareTables(await committedTables(out), expectedTables(docs.filter((d) => !bad.has(d.name))), 'fitting documents');
  const pinned = JSON.parse(fs.readFileSync(path.join(out, '_sluice', 'schema', 'pinned.json'), 'utf8'));
  assert.equal(pinned.name, 'school');
});

test('past --dedup-memory the committed keys spill to sorted files: duplicates are still found, across a restart', async () => {
  const src = generate('spill-src', 300);
  const docs = readDocs(src);
  const out = path.join(TMP, 'spill-out');
  const args = ['-o', out, '--once', '--settle', '0', '--dedup-memory', '16', '--commit-files', '40', '-v', 'warn'];
  const r = run(['ingest', '-i', src, ...args]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /300 files committed/);
  const metrics = () => {
    const d = path.join(out, '_sluice', 'metrics');
    return fs.readdirSync(d).map((f) => JSON.parse(fs.readFileSync(path.join(d, f), 'utf8')));
  };
  const [m1] = metrics();
  assert.equal(m1.dedup.hashes, 300);
  assert.equal(m1.dedup.jobs, 300);
  assert.ok(m1.dedup.spills >= 300 / 16 * 2 - 2, `spills ${m1.dedup.spills}`);
  assert.ok(m1.dedup.runs <= 10, `runs ${m1.dedup.runs}`);
  assert.equal(m1.dedup.spill_failed, false);
  const work = path.join(out, '_sluice', 'work');
  assert.deepEqual(listFiles(work).filter((f) => f.endsWith('-wkeys')), [], 'the spill files go at a clean exit');

  // A second process: the first's keys come from its ledger, spilled again. The
  // same content under new names, and reruns of committed jobs, are all set aside;
  // new jobs are committed.
  const src2 = dir('spill-src2');
  const processed = path.join(out, 'processed');
  const early = docs.slice(0, 25), late = docs.slice(200, 225);
  for (const d of early) fs.copyFileSync(path.join(processed, d.name), path.join(src2, `copy_${d.name}`));
  for (const d of late) {
    const rerun = structuredClone(d.doc);
    rerun.job.attempt = 9;
    fs.writeFileSync(path.join(src2, `rerun_${d.name}`), JSON.stringify(rerun));
  }
  const fresh = generate('spill-new', 20, ['--cluster', '900']);
  const added = readDocs(fresh);
  for (const d of added) fs.renameSync(path.join(fresh, d.name), path.join(src2, d.name));
  const r2 = run(['ingest', '-i', src2, ...args]);
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stderr, /20 files committed .* 50 duplicates/);
  const why = (f) => JSON.parse(fs.readFileSync(path.join(out, 'duplicates', `${f}.duplicate.json`), 'utf8')).reason;
  for (const d of early) assert.match(why(`copy_${d.name}`), /same content was already committed/);
  for (const d of late) assert.match(why(`rerun_${d.name}`), /already has a committed result/);
  const m2 = metrics().find((m) => m.pid !== m1.pid);
  assert.equal(m2.dedup.adopted, true, 'the first process saved its index and the second took it');
  assert.equal(m2.dedup.hashes, 320);
  compareTables(await committedTables(out), expectedTables([...docs, ...added]), 'after the second process');
  assert.deepEqual(listFiles(work).filter((f) => f.endsWith('-wkeys')), []);
  const saved = path.join(out, '_sluice', 'index', 'saved');
  const manifest = JSON.parse(fs.readFileSync(path.join(saved, 'manifest.json'), 'utf8'));
  assert.equal(manifest.ledgers.length, 2);
  const ledgerDir = path.join(out, '_sluice', 'ledger');
  for (const l of manifest.ledgers) assert.equal(l.offset, fs.statSync(path.join(ledgerDir, l.name)).size, l.name);

  // A started process reads the ledgers only past the saved offsets. Shown by
  // rewriting, in place, an early ledger line's job 1.5 as 9.5: reading the ledger
  // whole makes job 9.5 a committed one; with the saved index it is not.
  const backup = path.join(TMP, 'spill-saved');
  fs.cpSync(saved, backup, {recursive: true});
  const first = manifest.ledgers.map((l) => path.join(ledgerDir, l.name))
    .find((f) => fs.readFileSync(f, 'utf8').includes('"job":"1.5"'));
  const text = fs.readFileSync(first, 'utf8');
  fs.writeFileSync(first, text.replace('"job":"1.5"', '"job":"9.5"'));
  const nine = readDocs(generate('spill-nine', 6, ['--cluster', '9'])).find((d) => d.doc.job.proc === 5);
  const src3 = dir('spill-src3');
  const feed = (name) => fs.writeFileSync(path.join(src3, name), JSON.stringify(nine.doc));
  fs.rmSync(saved, {recursive: true});
  feed('nine_a.json');
  const r3 = run(['ingest', '-i', src3, ...args]);
  assert.equal(r3.status, 0, r3.stderr);
  assert.match(r3.stderr, /0 files committed .* 1 duplicates/, 'no saved index: the whole ledger is read');
  fs.rmSync(saved, {recursive: true});
  fs.cpSync(backup, saved, {recursive: true});
  feed('nine_b.json');
  const r4 = run(['ingest', '-i', src3, ...args]);
  assert.equal(r4.status, 0, r4.stderr);
  assert.match(r4.stderr, /1 files committed .* 0 duplicates/, 'the saved index: the ledger is read from its offsets');

  // A saved index that does not check out is rebuilt from the ledgers whole.
  const runFile = fs.readdirSync(saved).find((f) => f.startsWith('hashes-'));
  fs.truncateSync(path.join(saved, runFile), 16);
  fs.copyFileSync(path.join(processed, early[3].name), path.join(src3, 'again.json'));
  const r5 = run(['ingest', '-i', src3, ...args, '-v', 'info']);
  assert.equal(r5.status, 0, r5.stderr);
  assert.match(r5.stderr, /event=key_index_rebuilt .*has 16 bytes/);
  assert.match(r5.stderr, /0 files committed .* 1 duplicates/);
});
