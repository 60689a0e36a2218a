// --state-dir (docs/state-layout.md): ingest and sync keep their bookkeeping (the
// ledgers, schema, metrics, scratch, saved key index, sync's state) in a directory
// of its own, here on another file system than the output when /dev/shm is one.
// Every check runs the real binary and reads the final tables back with DuckDB,
// value by value, against the inputs; the state must never appear in OUT.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawn} from 'node:child_process';
import {expectedTables, committedTables, committedParts, compareTables, finalTables, readDocs} from './lib/dataset.mjs';
import {SLUICE, sluice} from './lib/run.mjs';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-statedir-'));
// The state on another file system when there is one to use (/dev/shm, a tmpfs):
// then no rename may cross from the state directory into OUT.
const SHM = fs.existsSync('/dev/shm') && fs.statSync('/dev/shm').dev !== fs.statSync(TMP).dev
  ? fs.mkdtempSync('/dev/shm/sluice-e2e-statedir-') : null;
const STATES = SHM ?? path.join(TMP, 'states');
after(() => {
  fs.rmSync(TMP, {recursive: true, force: true});
  if (SHM) fs.rmSync(SHM, {recursive: true, force: true});
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const listFiles = (d) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => !f.startsWith('.')).sort() : []);

let seq = 0;
/** A fresh input directory of n generated job-result documents, of which the
 * last `later` are kept aside in a staging directory: {input, docs, later}, where
 * later() moves them in and returns them. (Every generation numbers its jobs
 * alike: documents of two generations would be duplicates by their job.) */
function inputs(n, held = 0) {
  const input = path.join(TMP, `in${seq++}`), staging = `${input}.later`;
  const g = sluice(['generate', '--num-iterations', String(n), '--max-batch-size', '4', '--output-dir', input]);
  assert.equal(g.status, 0, g.stderr);
  const all = readDocs(input);
  const docs = all.slice(0, n - held), rest = all.slice(n - held);
  fs.mkdirSync(staging);
  for (const d of rest) fs.renameSync(path.join(input, d.name), path.join(staging, d.name));
  const later = () => {
    for (const d of rest) fs.renameSync(path.join(staging, d.name), path.join(input, d.name));
    return rest;
  };
  return {input, docs, later};
}

const outDir = () => path.join(TMP, `out${seq++}`);
const stateDir = () => path.join(STATES, `state${seq++}`);

/** What OUT may hold with the state in DIR: no _sluice/, nothing of the state but
 * .sluice-state.json naming DIR. */
function assertNoState(out, state) {
  assert.ok(!fs.existsSync(path.join(out, '_sluice')), `${out}/_sluice must not exist`);
  for (const f of fs.readdirSync(out))
    assert.ok(['raw', 'processed', 'quarantine', 'duplicates', '.sluice-state.json'].includes(f) ||
      /^[A-Za-z0-9_]+\.parquet$/.test(f), `unexpected ${f} in OUT`);
  const kept = JSON.parse(fs.readFileSync(path.join(out, '.sluice-state.json'), 'utf8'));
  assert.equal(kept.state, fs.realpathSync(state));
}

/** The state directory's contents after ingest and sync, and its binding. */
function assertState(state, out) {
  for (const d of ['ledger', 'schema', 'metrics', 'work', 'sync'])
    assert.ok(fs.statSync(path.join(state, d)).isDirectory(), `${state}/${d}`);
  for (const f of ['schema/current.json', 'schema/history.jsonl', 'sync/state.json', 'sync/report.json',
    'sync/parts.jsonl'])
    assert.ok(fs.statSync(path.join(state, f)).size > 0, `${state}/${f}`);
  assert.ok(listFiles(path.join(state, 'metrics')).length > 0, 'a metrics file');
  const bound = JSON.parse(fs.readFileSync(path.join(state, 'output.json'), 'utf8'));
  assert.equal(bound.output, fs.realpathSync(out));
}

async function assertFinal(out, docs, label) {
  const want = expectedTables(docs);
  assert.ok(want.size >= 4, 'the generated documents fill several tables');
  compareTables(await finalTables(out, [...want.keys()]), want, label);
}

test('ingest and sync with --state-dir elsewhere: exact final tables, nothing of the state in OUT', async () => {
  const {input, docs, later} = inputs(75, 15);
  const out = outDir(), state = stateDir();
  const r = sluice(['ingest', '-i', input, '-o', out, '--state-dir', state, '--once', '--settle', '0',
    '--commit-files', '7', '-v', 'warn']);
  assert.equal(r.status, 0, r.stderr);
  const want = expectedTables(docs);
  compareTables(await committedTables(out, state), want, 'committed parts');
  // the ledger's part paths stay relative to OUT
  for (const files of committedParts(out, state).parts.values())
    for (const f of files) assert.ok(f.startsWith(path.join(out, 'raw') + path.sep), f);
  const s = sluice(['sync', '-o', out, '--state-dir', state]);
  assert.equal(s.status, 0, s.stderr);
  await assertFinal(out, docs, 'final tables');
  assertNoState(out, state);
  assertState(state, out);
  assert.deepEqual(listFiles(path.join(out, 'processed')), docs.map((d) => d.name));
  const report = JSON.parse(fs.readFileSync(path.join(state, 'sync/report.json'), 'utf8'));
  assert.equal(report.conflicts_file, path.join(state, 'sync/conflicts.jsonl'));
  assert.equal(report.totals.rows, [...want.values()].reduce((n, rows) => n + rows.length, 0));
  // a second pass with nothing new changes nothing; more inputs are added on top
  const more = later();
  const r2 = sluice(['ingest', '-i', input, '-o', out, '--state-dir', state, '--once', '--settle', '0', '-v', 'warn']);
  assert.equal(r2.status, 0, r2.stderr);
  const s2 = sluice(['sync', '-o', out, '--state-dir', state]);
  assert.equal(s2.status, 0, s2.stderr);
  await assertFinal(out, [...docs, ...more], 'after a second run');
  assertNoState(out, state);
});

test('the state directory from SLUICE_STATE_DIR, SLUICE_<COMMAND>_STATE_DIR and --config-env', async () => {
  const cases = [
    {name: 'SLUICE_STATE_DIR', env: (st) => ({SLUICE_STATE_DIR: st}), args: () => []},
    {name: 'scoped names', env: (st) => ({SLUICE_STATE_DIR: path.join(TMP, 'not-this-one'),
      SLUICE_INGEST_STATE_DIR: st, SLUICE_SYNC_STATE_DIR: st}), args: () => []},
    {name: '--config-env', env: () => ({}), args: (st) => {
      const f = path.join(TMP, `c${seq++}.env`);
      fs.writeFileSync(f, `# where the state goes\nSLUICE_STATE_DIR="${st}"\n`);
      return ['--config-env', f];
    }},
  ];
  for (const c of cases) {
    const {input, docs} = inputs(20);
    const out = outDir(), state = stateDir();
    const extra = c.args(state);
    const r = sluice(['ingest', '-i', input, '-o', out, '--once', '--settle', '0', '-v', 'warn', ...extra], c.env(state));
    assert.equal(r.status, 0, `${c.name}: ${r.stderr}`);
    const s = sluice(['sync', '-o', out, ...extra], c.env(state));
    assert.equal(s.status, 0, `${c.name}: ${s.stderr}`);
    await assertFinal(out, docs, c.name);
    assertNoState(out, state);
    assertState(state, out);
  }
  assert.ok(!fs.existsSync(path.join(TMP, 'not-this-one')), 'the scoped name wins over SLUICE_STATE_DIR');
});

test('a state directory belongs to one output directory; a forgotten --state-dir is refused', async () => {
  const {input, docs, later} = inputs(15, 3);
  const out = outDir(), state = stateDir();
  const r = sluice(['ingest', '-i', input, '-o', out, '--state-dir', state, '--once', '--settle', '0', '-v', 'warn']);
  assert.equal(r.status, 0, r.stderr);
  const before = fs.readFileSync(path.join(state, 'output.json'), 'utf8');

  // another OUT: ingest and sync refuse, naming both output directories
  const other = outDir();
  fs.mkdirSync(other);
  later();
  for (const cmd of [['ingest', '-i', input, '-o', other, '--once', '--settle', '0'], ['sync', '-o', other]]) {
    const x = sluice([...cmd, '--state-dir', state]);
    assert.equal(x.status, 2, `${cmd[0]}: ${x.stderr}`);
    assert.match(x.stderr, /^sluice: /);
    assert.ok(x.stderr.includes(fs.realpathSync(out)) && x.stderr.includes(fs.realpathSync(other)),
      `${cmd[0]} names both output directories: ${x.stderr}`);
    assert.match(x.stderr, /give each output directory its own --state-dir/);
  }
  assert.equal(listFiles(input).length, 3, 'the refused ingest took no input');
  assert.equal(fs.readFileSync(path.join(state, 'output.json'), 'utf8'), before, 'the binding is unchanged');
  assert.deepEqual(listFiles(path.join(state, 'ledger')).length, 1, 'no ledger of the refused run');

  // the same OUT under another spelling is the same output directory
  const alias = path.join(TMP, `alias${seq++}`);
  fs.symlinkSync(out, alias);

  // sync (and ingest) without --state-dir, or with another one: refused before
  // anything is written, naming the one to give (OUT/.sluice-state.json)
  for (const given of [[], ['--state-dir', stateDir()]]) {
    const s = sluice(['sync', '-o', out, ...given]);
    assert.equal(s.status, 2, s.stderr);
    assert.ok(s.stderr.includes(`give the --state-dir ingest used, --state-dir ${fs.realpathSync(state)}`), s.stderr);
    const i = sluice(['ingest', '-i', input, '-o', out, '--once', '--settle', '0', ...given]);
    assert.equal(i.status, 2, i.stderr);
    assert.match(i.stderr, /give the --state-dir ingest used/);
    assert.equal(listFiles(input).length, 3);
    if (given.length) assert.ok(!fs.existsSync(path.join(given[1], 'output.json')), 'the other one is not bound');
  }
  // without that file, a state directory with no ledger/ while raw/ holds parts
  const marker = fs.readFileSync(path.join(out, '.sluice-state.json'));
  fs.rmSync(path.join(out, '.sluice-state.json'));
  const s = sluice(['sync', '-o', out]);
  assert.equal(s.status, 2, s.stderr);
  assert.equal(s.stderr, `sluice: ${out}: raw/ holds committed parts but the state directory '${out}/_sluice' ` +
    'has no ledger/: give the --state-dir ingest used\n');
  fs.writeFileSync(path.join(out, '.sluice-state.json'), marker);
  assertNoState(out, state);

  const ok = sluice(['sync', '-o', alias, '--state-dir', state]);
  assert.equal(ok.status, 0, ok.stderr);
  await assertFinal(out, docs, 'sync through a symbolic link to OUT');
});

test('an existing OUT/_sluice keeps working without --state-dir, and can be moved to one', async () => {
  const {input, docs, later} = inputs(22, 6);
  const out = outDir();
  const r = sluice(['ingest', '-i', input, '-o', out, '--once', '--settle', '0', '-v', 'warn']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(out, '_sluice/ledger')));
  assert.ok(!fs.existsSync(path.join(out, '_sluice/output.json')), 'the default state directory is not bound');
  const s = sluice(['sync', '-o', out]);
  assert.equal(s.status, 0, s.stderr);
  await assertFinal(out, docs, 'default layout');
  // a new --state-dir while OUT/_sluice holds the ledgers: refused, saying how to move it
  const state = path.join(TMP, `moved${seq++}`);   // a rename needs the same file system
  const x = sluice(['sync', '-o', out, '--state-dir', state]);
  assert.equal(x.status, 2, x.stderr);
  assert.ok(x.stderr.includes(`mv ${out}/_sluice ${state}`), x.stderr);
  fs.renameSync(path.join(out, '_sluice'), state);
  const more = later();
  const r2 = sluice(['ingest', '-i', input, '-o', out, '--state-dir', state, '--once', '--settle', '0', '-v', 'warn']);
  assert.equal(r2.status, 0, r2.stderr);
  const s2 = sluice(['sync', '-o', out, '--state-dir', state]);
  assert.equal(s2.status, 0, s2.stderr);
  await assertFinal(out, [...docs, ...more], 'after the move');
  assertNoState(out, state);
  // a state directory inside OUT that a table could collide with is refused
  const inside = sluice(['sync', '-o', out, '--state-dir', path.join(out, 'state')]);
  assert.equal(inside.status, 2, inside.stderr);
  assert.match(inside.stderr, /inside the output directory/);
  fs.rmSync(path.join(out, 'state'), {recursive: true, force: true});
  // clean knows the output directory by .sluice-state.json and leaves the state alone
  const c = sluice(['clean', out]);
  assert.equal(c.status, 0, c.stderr);
  assert.ok(!fs.existsSync(path.join(out, 'raw')) && !fs.existsSync(path.join(out, '.sluice-state.json')));
  assert.ok(!fs.existsSync(path.join(out, 'students.parquet')));
  assert.ok(fs.existsSync(path.join(state, 'ledger')), 'the state directory is not clean\'s to remove');
});

test('SIGKILL during ingest, restarts with the same --state-dir: exact tables; the saved index is taken over', {timeout: 240000}, async () => {
  const {input: staging, docs} = inputs(400);
  const input = path.join(TMP, `crashin${seq++}`), out = outDir(), state = stateDir();
  fs.mkdirSync(input);
  const pending = docs.map((d) => d.name);
  const feed = (n) => {
    for (const name of pending.splice(0, n)) fs.renameSync(path.join(staging, name), path.join(input, name));
  };
  let kills = 0, recovered = 0, adopted = 0;
  for (let round = 0; round < 12; round++) {
    feed(30);
    const clean = round % 4 === 3;
    const p = spawn(SLUICE, ['ingest', '-i', input, '-o', out, '--state-dir', state, '--settle', '0',
      '--commit-interval', '0.02', '--commit-files', String(3 + round), '-j', String(1 + (round % 2)),
      '-v', 'info', '--dedup-memory', '16'], {stdio: ['ignore', 'ignore', 'pipe']});
    let log = '';
    p.stderr.on('data', (b) => { log += b; });
    const exited = new Promise((r) => p.on('exit', r));
    const until = Date.now() + 20000;
    while (!log.includes('event=started') && Date.now() < until) await sleep(5);
    // a kill lands among commits; a clean stop saves the key index
    await sleep(clean ? 150 : 10 + ((round * 37) % 120));
    p.kill(clean ? 'SIGTERM' : 'SIGKILL');
    const code = await exited;
    if (clean) assert.equal(code, 0, `a SIGTERM stop exits 0\n${log}`);
    else kills++;
    recovered += (log.match(/event=returned_claimed_input|event=recovered_committed_input/g) ?? []).length;
    adopted += (log.match(/event=key_index_adopted/g) ?? []).length;
  }
  feed(pending.length);
  // the last run starts after a clean stop (round 11): it takes the saved index over
  const last = sluice(['ingest', '-i', input, '-o', out, '--state-dir', state, '--once', '--settle', '0', '-v', 'info']);
  assert.equal(last.status, 0, last.stderr);
  adopted += (last.stderr.match(/event=key_index_adopted/g) ?? []).length;
  assert.ok(kills === 9 && adopted > 0, `kills ${kills}, index taken over ${adopted} times`);
  assert.ok(recovered > 0, 'some kills left claimed inputs for recovery');
  const writer = /event=started writer=(\S+)/.exec(last.stderr)[1];
  const metrics = JSON.parse(fs.readFileSync(path.join(state, 'metrics', `${writer}.json`), 'utf8'));
  assert.equal(metrics.dedup.adopted, true, 'the metrics say the index was taken over');

  const names = docs.map((d) => d.name);
  const committed = committedParts(out, state).inputs.map((i) => i.name).sort();
  assert.deepEqual(committed, names, 'every input committed once');
  assert.deepEqual(listFiles(input), [], 'nothing left in the input directory');
  assert.deepEqual(listFiles(path.join(out, 'processed')), names);
  const want = expectedTables(docs);
  compareTables(await committedTables(out, state), want, 'committed parts after the kills');
  const {parts} = committedParts(out, state);
  const committedFiles = new Set([...parts.values()].flat());
  for (const t of fs.readdirSync(path.join(out, 'raw')))
    for (const f of fs.readdirSync(path.join(out, 'raw', t)))
      assert.ok(committedFiles.has(path.join(out, 'raw', t, f)), `stray file raw/${t}/${f}`);
  assert.deepEqual(listFiles(path.join(state, 'work')), [], 'recovery removed every scratch directory');
  const s = sluice(['sync', '-o', out, '--state-dir', state]);
  assert.equal(s.status, 0, s.stderr);
  compareTables(await finalTables(out, [...want.keys()]), want, 'final tables after the kills');
  assertNoState(out, state);
});
