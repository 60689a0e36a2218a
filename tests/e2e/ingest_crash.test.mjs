// The crash test of DESIGN.md section 9: ingest is killed with SIGKILL at random
// moments, 60 times over one run, while files keep arriving, and restarted each
// time. At the end the committed rows must equal the inputs exactly: every file
// committed once, nothing lost, nothing twice, every input in processed/. Ten
// more rounds end in SIGTERM (a clean stop saves the key index), copies of
// committed inputs keep arriving (each must be set aside as a duplicate), and
// --dedup-memory is small, so the key index spills, is saved, taken over after a
// clean stop and rebuilt from the ledgers after a kill.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawn, spawnSync} from 'node:child_process';
import {expectedTables, committedTables, committedParts, compareTables, finalTables, readDocs} from './lib/dataset.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-crash-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const listFiles = (d) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => !f.startsWith('.')).sort() : []);

// A small deterministic generator, so a failure can be replayed (SLUICE_CRASH_SEED).
let seed = Number(process.env.SLUICE_CRASH_SEED ?? 20261121);
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

test('SIGKILL at 60 random moments: the committed rows equal the inputs exactly', {timeout: 300000}, async () => {
  const staging = path.join(TMP, 'staging'), input = path.join(TMP, 'in'), out = path.join(TMP, 'out');
  fs.mkdirSync(input, {recursive: true});
  const g = spawnSync(SLUICE, ['generate', '--num-iterations', '1200', '--max-batch-size', '4', '--output-dir', staging], {encoding: 'utf8'});
  assert.equal(g.status, 0, g.stderr);
  const docs = readDocs(staging);
  const pending = docs.map((d) => d.name);
  const feed = (n) => {
    for (const name of pending.splice(0, n)) fs.renameSync(path.join(staging, name), path.join(input, name));
  };
  let kills = 0, recovered = 0, stops = 0, adopted = 0;
  // Copies of committed inputs under new names: each must be set aside as a
  // duplicate, found through a key index that spills (--dedup-memory), is saved
  // at the clean stops (SIGTERM) and taken over or rebuilt after the kills.
  const copies = [];
  const processed = path.join(out, 'processed');
  for (let round = 0; round < 70; round++) {
    feed(10 + Math.floor(rand() * 30));
    const done = listFiles(processed);
    for (let k = 0; k < 3 && done.length; k++) {
      const name = `copy${round}_${k}_${done[Math.floor(rand() * done.length)]}`;
      fs.copyFileSync(path.join(processed, name.replace(/^copy\d+_\d+_/, '')), path.join(input, name));
      copies.push(name);
    }
    const args = ['ingest', '-i', input, '-o', out, '--settle', '0', '--commit-interval', String(0.01 + rand() * 0.1),
      '--commit-files', String(1 + Math.floor(rand() * 25)), '-j', String(1 + (round % 2)), '-v', 'info',
      '--dedup-memory', String(8 + Math.floor(rand() * 40))];
    if (round % 3 === 0) args.push('--poll', '--poll-interval', '0.05');
    const p = spawn(SLUICE, args, {stdio: ['ignore', 'ignore', 'pipe']});
    let log = '';
    p.stderr.on('data', (b) => { log += b; });
    const exited = new Promise((r) => p.on('exit', r));
    // Early rounds die during start-up and recovery; later ones mid-commit.
    await sleep(round % 5 === 0 ? rand() * 20 : 20 + rand() * 250);
    if (rand() < 0.5) feed(5 + Math.floor(rand() * 10));
    const clean = round % 7 === 6;
    if (clean) {
      // SIGTERM is a clean stop once the handler is in place (before "started";
      // earlier it ends the process as the default action would, like a kill)
      const until = Date.now() + 20000;
      while (!log.includes('event=started') && Date.now() < until) await sleep(10);
    }
    p.kill(clean ? 'SIGTERM' : 'SIGKILL');
    const code = await exited;
    if (clean) {
      assert.equal(code, 0, `a SIGTERM stop exits 0\n${log}`);
      stops++;
    } else {
      kills++;
    }
    recovered += (log.match(/event=returned_claimed_input|event=recovered_committed_input/g) ?? []).length;
    adopted += (log.match(/event=key_index_adopted/g) ?? []).length;
  }
  feed(pending.length);
  // The last run drains what is left and exits.
  const r = spawnSync(SLUICE, ['ingest', '-i', input, '-o', out, '--once', '--settle', '0', '-v', 'warn'], {encoding: 'utf8'});
  assert.equal(r.status, 0, r.stderr);
  assert.equal(kills, 60);
  assert.equal(stops, 10);
  assert.ok(adopted > 0, 'a start after a clean stop took over the saved key index');
  assert.ok(recovered > 0, 'some kills left claimed inputs for recovery');

  const names = docs.map((d) => d.name);
  const committed = committedParts(out).inputs.map((i) => i.name).sort();
  const twice = committed.filter((n, i) => committed[i - 1] === n);
  assert.deepEqual(twice, [], 'no input committed twice');
  assert.deepEqual(committed, names, 'every input committed');
  assert.deepEqual(listFiles(input), [], 'nothing left in the input directory');
  assert.deepEqual(listFiles(path.join(out, 'processed')), names, 'every input in processed/');
  assert.deepEqual(listFiles(path.join(out, 'quarantine')), []);
  assert.deepEqual(listFiles(path.join(out, 'duplicates')).filter((f) => !f.endsWith('.duplicate.json')),
    [...copies].sort(), 'every copy of a committed input set aside as a duplicate');
  const want = expectedTables(docs);
  compareTables(await committedTables(out), want, 'after 60 kills');
  const s = spawnSync(SLUICE, ['sync', '--output-dir', out, '--once'], {encoding: 'utf8'});
  assert.equal(s.status, 0, s.stderr);
  compareTables(await finalTables(out, [...want.keys()]), want, 'final tables after 60 kills');
  // No uncommitted part survives recovery: raw/ holds exactly the committed parts.
  const {parts} = committedParts(out);
  const committedFiles = new Set([...parts.values()].flat());
  for (const t of fs.readdirSync(path.join(out, 'raw')))
    for (const f of fs.readdirSync(path.join(out, 'raw', t)))
      assert.ok(committedFiles.has(path.join(out, 'raw', t, f)), `stray part raw/${t}/${f}`);
});
