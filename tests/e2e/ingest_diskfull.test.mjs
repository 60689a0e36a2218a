// Disk full (DESIGN.md section 9): the output directory is a small tmpfs. While it
// is full, ingest commits nothing, keeps every input and says so in its log; when
// space returns it resumes by itself, and the committed rows equal the inputs.
// Mounting needs root, or a user namespace (unshare -rm) where root is not had.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawn, spawnSync} from 'node:child_process';
import {expectedTables, committedTables, compareTables, readDocs} from './lib/dataset.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-diskfull-'));
const OUT = path.join(TMP, 'out');
let mounted = false;
after(() => {
  if (mounted) spawnSync('umount', [OUT]);
  fs.rmSync(TMP, {recursive: true, force: true});
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const listFiles = (d) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => !f.startsWith('.')).sort() : []);

async function waitFor(cond, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('a full disk pauses commits with every input kept; space returning resumes them', {timeout: 120000}, async () => {
  fs.mkdirSync(OUT);
  assert.equal(process.getuid(), 0, 'this test mounts a tmpfs and must run as root (make check does, in CI)');
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', OUT], {encoding: 'utf8'});
  assert.equal(m.status, 0, `mount tmpfs: ${m.stderr}`);
  mounted = true;

  const staging = path.join(TMP, 'staging'), input = path.join(TMP, 'in');
  fs.mkdirSync(input);
  const g = spawnSync(SLUICE, ['generate', '--num-iterations', '60', '--max-batch-size', '5', '--output-dir', staging], {encoding: 'utf8'});
  assert.equal(g.status, 0, g.stderr);
  const docs = readDocs(staging);
  const feed = (list) => list.forEach(({name}) => fs.renameSync(path.join(staging, name), path.join(input, name)));

  const p = spawn(SLUICE, ['ingest', '-i', input, '-o', OUT, '--settle', '0', '--poll', '--poll-interval', '0.1',
    '--commit-interval', '0.1'], {stdio: ['ignore', 'ignore', 'pipe']});
  let log = '';
  p.stderr.on('data', (b) => { log += b; });
  const exited = new Promise((r) => p.on('exit', (code) => r(code)));

  feed(docs.slice(0, 20));
  await waitFor(() => listFiles(path.join(OUT, 'processed')).length === 20, 20000, 'the first 20 committed');

  // Fill the file system to the last block.
  const filler = path.join(OUT, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try { for (;;) fs.writeSync(fd, chunk); } catch (e) { assert.equal(e.code, 'ENOSPC'); }
  fs.closeSync(fd);

  feed(docs.slice(20));
  await waitFor(() => /event=disk_full/.test(log), 20000, 'a disk_full log line');
  await sleep(1500);
  assert.equal(listFiles(path.join(OUT, 'processed')).length, 20, 'nothing committed while the disk is full');
  const kept = [...listFiles(input), ...(fs.readdirSync(path.join(input, '.sluice-claims')).flatMap((w) => listFiles(path.join(input, '.sluice-claims', w))))];
  assert.deepEqual(kept.sort(), docs.slice(20).map((d) => d.name), 'every later input is kept');
  assert.deepEqual(listFiles(path.join(OUT, 'quarantine')), [], 'a full disk is not the inputs\' fault');

  fs.unlinkSync(filler);
  await waitFor(() => listFiles(path.join(OUT, 'processed')).length === 60, 60000, 'all 60 committed after space returned');
  p.kill('SIGTERM');
  assert.equal(await exited, 0, log);
  compareTables(await committedTables(OUT), expectedTables(docs), 'after the disk filled and emptied');
});
