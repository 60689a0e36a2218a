// End-to-end tests of `sluice demo` and `sluice clean`, run as a user runs them.
// The demo's reports are checked against the tables DuckDB reads; clean is checked
// to remove everything sluice made and nothing a user put beside it.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {duckQuery, sqlString} from './lib/oracles.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-demo-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));

function sluice(args) {
  const r = spawnSync(SLUICE, args, {encoding: 'utf8', maxBuffer: 1 << 28});
  if (r.error) throw r.error;
  return r;
}

/** Every file under dir, relative, sorted. */
function tree(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, {withFileTypes: true})) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

const DEMO = path.join(TMP, 'demo');

test('demo: runs the pipeline and its reports tell what the tables hold', async () => {
  const r = sluice(['demo', '--demo-dir', DEMO, '--num-files', '40', '--faults', '0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /EXECUTIVE_SUMMARY\.md/);
  const rep = JSON.parse(fs.readFileSync(path.join(DEMO, 'COMPREHENSIVE_DEMO_REPORT.json'), 'utf8'));
  assert.equal(rep.steps[0].name, 'simulate');
  assert.equal(rep.steps[0].exit_code, 0);
  assert.equal(rep.simulation.jobs.submitted, 40);
  const md = fs.readFileSync(path.join(DEMO, 'EXECUTIVE_SUMMARY.md'), 'utf8');
  for (const t of rep.simulation.tables) {
    const f = path.join(DEMO, 'output', `${t.name}.parquet`);
    const [{n}] = await duckQuery(`SELECT count(*)::INTEGER AS n FROM ${sqlString(f)}`);
    assert.equal(t.rows, n, t.name);
    assert.ok(md.includes(`/${t.name}.parquet\` | ${n} | ${fs.statSync(f).size} |`), `summary row for ${t.name}`);
  }
  assert.match(md, /p50 \d+ ms, p95 \d+ ms, p99 \d+ ms/);
  assert.match(md, /```sql\nSELECT/);
  // a step this build lacks is reported as such, never as a failure of the data
  for (const s of rep.steps.slice(1)) assert.ok(['ok', 'checks failed', 'not in this build'].includes(s.status), s.status);
});

test('clean: removes what sluice made, keeps what the user put there; --dry-run removes nothing', async () => {
  const mine = ['notes.txt', 'input/my_input.csv', 'output/my_table.parquet', 'output/scratch.md'];
  fs.writeFileSync(path.join(DEMO, 'notes.txt'), 'mine');
  fs.writeFileSync(path.join(DEMO, 'input', 'my_input.csv'), 'a,b\n1,2\n');
  fs.writeFileSync(path.join(DEMO, 'output', 'scratch.md'), '# mine');
  await duckQuery(`COPY (SELECT 1 AS x) TO ${sqlString(path.join(DEMO, 'output', 'my_table.parquet'))} (FORMAT parquet)`);
  const before = tree(DEMO);
  assert.ok(before.length > mine.length + 20);
  const dry = sluice(['clean', '--dry-run', DEMO]);
  assert.equal(dry.status, 0, dry.stderr);
  assert.deepEqual(tree(DEMO), before, '--dry-run removed something');
  assert.match(dry.stdout, /would remove .*students\.parquet/);
  const r = sluice(['clean', DEMO]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(tree(DEMO), mine.sort());
  assert.equal(fs.readFileSync(path.join(DEMO, 'notes.txt'), 'utf8'), 'mine');
});

test('clean: a directory that is not sluice\'s is refused', () => {
  const d = path.join(TMP, 'other');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'x.txt'), 'x');
  const r = sluice(['clean', d]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not a sluice demo, simulation or output directory/);
  assert.deepEqual(tree(d), ['x.txt']);
});
