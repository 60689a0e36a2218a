// End-to-end tests of `sluice simulate`: the binary is run as a user runs it, with
// every fault enabled, and what it leaves is checked against things the test works
// out on its own:
//   - the job event log, read by a parser written here from HTCondor's documented
//     format (/work/shared/reference/htcondor.md): every record parses, every event's
//     body has the documented shape, and every job's sequence of events is one a
//     real pool produces;
//   - the rows: the jobs that succeeded (by the log) have their batches generated
//     again by a separate `sluice generate` run, each result that ingest took must be
//     byte-equal to it, each one it set aside must indeed be broken; the final tables
//     (read with DuckDB) must hold exactly the rows of the intact results of the
//     successful jobs, once, less the rows whose parents never came, which must be
//     exactly the rows sync still holds back;
//   - the summary and simulation.json, whose numbers must equal what the outputs hold.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {duckQuery, sqlString} from './lib/oracles.mjs';
import {expectedTables, finalTables, compareTables} from './lib/dataset.mjs';

const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-sim-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));
const TABLES = ['_documents', 'classes', 'student_classes', 'students', 'teachers'];

function sluice(args, opts = {}) {
  assert.ok(fs.existsSync(SLUICE), `${SLUICE} is missing: run 'make' first (or set SLUICE_BUILD)`);
  const r = spawnSync(SLUICE, args, {encoding: 'utf8', maxBuffer: 1 << 28, ...opts});
  if (r.error) throw r.error;
  return r;
}

// ---- the event log, from the documented format ----

const HEADER = /^(\d{3}) \((\d+)\.(\d+)\.(\d+)\) (\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) (.+)$/;
const USAGE = /^\t\tUsr \d+ \d{2}:\d{2}:\d{2}, Sys \d+ \d{2}:\d{2}:\d{2}  -  (Run|Total) (Remote|Local) Usage$/;
const BYTES = /^\t\d+  -  (Run|Total) Bytes (Sent By|Received By) Job$/;

/** Parses a whole log; throws on anything that is not a well-formed record. */
function parseEventLog(text) {
  assert.ok(text.endsWith('...\n'), 'the log ends with a complete record');
  const records = text.slice(0, -5).split('\n...\n');
  return records.map((rec, i) => {
    const lines = rec.split('\n');
    const m = HEADER.exec(lines[0]);
    assert.ok(m, `record ${i}: header does not parse: ${JSON.stringify(lines[0])}`);
    const [, code, cluster, proc, sub, y, mo, d, h, mi, s, desc] = m;
    const ev = {code: Number(code), cluster: Number(cluster), proc: Number(proc), sub: Number(sub),
                time: Date.UTC(+y, +mo - 1, +d, +h, +mi, +s), desc, body: lines.slice(1)};
    checkBody(ev, i);
    return ev;
  });
}

function checkBody(ev, i) {
  const b = ev.body, where = `record ${i} (${String(ev.code).padStart(3, '0')})`;
  const tabbed = (from = 0) => b.slice(from).every((l) => l.startsWith('\t') || l === '');
  assert.ok(tabbed(), `${where}: body lines start with a tab`);
  switch (ev.code) {
    case 0:
      assert.match(ev.desc, /^Job submitted from host: <[^>]+>$/, where);
      break;
    case 1:
      assert.match(ev.desc, /^Job executing on host: <[^>]+>$/, where);
      assert.match(b[0], /^\tSlotName: slot\d+@\S+$/, where);
      break;
    case 6:
      assert.match(ev.desc, /^Image size of job updated: \d+$/, where);
      assert.match(b[0], /^\t\d+  -  MemoryUsage of job \(MB\)$/, where);
      assert.match(b[1], /^\t\d+  -  ResidentSetSize of job \(KB\)$/, where);
      break;
    case 40:
      assert.match(ev.desc, /^(Started|Finished) transferring output files$/, where);
      break;
    case 4:
      assert.equal(ev.desc, 'Job was evicted.', where);
      assert.match(b[0], /^\t\(0\) (CPU times|Job terminated and was requeued)$/, where);
      assert.match(b[1], USAGE, where);
      assert.match(b[2], USAGE, where);
      assert.match(b[3], BYTES, where);
      assert.match(b[4], BYTES, where);
      ev.requeued = b[0].includes('requeued');
      if (ev.requeued) {
        const r = /^\t\(1\) Normal termination \(return value (\d+)\)$/.exec(b[5]);
        assert.ok(r, `${where}: a requeue names the return value`);
        ev.returnValue = Number(r[1]);
      }
      break;
    case 5: {
      assert.equal(ev.desc, 'Job terminated.', where);
      const n = /^\t\(1\) Normal termination \(return value (\d+)\)$/.exec(b[0]);
      const sg = /^\t\(0\) Abnormal termination \(signal (\d+)\)$/.exec(b[0]);
      assert.ok(n || sg, `${where}: termination line`);
      ev.returnValue = n ? Number(n[1]) : null;
      const u = b.findIndex((l) => USAGE.test(l));
      for (let k = 0; k < 4; k++) assert.match(b[u + k], USAGE, where);
      for (let k = 4; k < 8; k++) assert.match(b[u + k], BYTES, where);
      ev.bytesSent = Number(/^\t(\d+)/.exec(b[u + 4])[1]);
      assert.match(b[u + 8], /^\tPartitionable Resources :\s+Usage\s+Request\s+Allocated$/, where);
      assert.match(b.at(-1), /^\tJob terminated of its own accord at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z with (exit-code|signal) \d+\.$/, where);
      break;
    }
    case 7:
      assert.equal(ev.desc, 'Shadow exception!', where);
      assert.match(b[1], BYTES, where);
      break;
    case 12:
      assert.equal(ev.desc, 'Job was held.', where);
      assert.match(b[1], /^\tCode \d+ Subcode \d+$/, where);
      break;
    case 13:
      assert.equal(ev.desc, 'Job was released.', where);
      break;
    case 9:
      assert.equal(ev.desc, 'Job was aborted.', where);
      assert.match(b[0], /^\tvia condor_rm/, where);
      break;
    case 22:
      assert.equal(ev.desc, 'Job disconnected, attempting to reconnect', where);
      break;
    case 24:
      assert.equal(ev.desc, 'Job reconnection failed', where);
      break;
    default:
      assert.fail(`${where}: an event the pool does not write`);
  }
}

/** Replays each job's events through HTCondor's job states; fails on a sequence a
 * real pool does not produce. Returns Map proc -> {end, returnValue, events}. */
function jobOutcomes(events) {
  const jobs = new Map();
  for (const ev of events) {
    let j = jobs.get(ev.proc);
    if (!j) jobs.set(ev.proc, j = {state: 'none', events: [], holds: 0});
    j.events.push(ev.code);
    const bad = () => assert.fail(`job ${ev.cluster}.${ev.proc}: event ${ev.code} in state ${j.state} (${j.events.join(' ')})`);
    switch (ev.code) {
      case 0: if (j.state !== 'none') bad(); j.state = 'idle'; break;
      case 1: if (j.state !== 'idle') bad(); j.state = 'running'; break;
      case 6: case 40: case 22: if (j.state !== 'running') bad(); break;
      case 4: case 7: case 24: if (j.state !== 'running') bad(); j.state = 'idle'; break;
      case 12: if (j.state !== 'running' && j.state !== 'idle') bad(); j.state = 'held'; j.holds++; break;
      case 13: if (j.state !== 'held') bad(); j.state = 'idle'; break;
      case 5: if (j.state !== 'running') bad(); j.state = 'done'; j.returnValue = ev.returnValue; j.end = ev.time; break;
      case 9: if (j.state === 'done' || j.state === 'removed' || j.state === 'none') bad(); j.state = 'removed'; break;
      default: bad();
    }
  }
  for (const [proc, j] of jobs) {
    assert.ok(j.state === 'done' || j.state === 'removed', `job ${proc} ends ${j.state}: a held job is released or removed, every job leaves the queue`);
  }
  return jobs;
}

// ---- the rows the outputs must hold ----

const FKS = [['classes', 'teacher_id', 'teachers'], ['student_classes', 'student_id', 'students'],
             ['student_classes', 'class_id', 'classes']];

/** Splits the documents' rows into published (every parent present, transitively)
 * and held back; returns the documents with only published rows and the count held. */
function publishable(docs) {
  const keyOf = {teachers: 'teacher_id', students: 'student_id', classes: 'class_id'};
  const live = new Map();   // table -> Set of keys present
  for (const t of Object.keys(keyOf)) live.set(t, new Set(docs.flatMap(({doc}) => (doc[t] ?? []).map((r) => r[keyOf[t]]))));
  let changed = true;
  const dropped = new Set();   // row objects held back
  while (changed) {
    changed = false;
    for (const {doc} of docs) {
      for (const [t, col, parent] of FKS) {
        for (const row of doc[t] ?? []) {
          if (dropped.has(row) || row[col] == null || live.get(parent).has(row[col])) continue;
          dropped.add(row);
          changed = true;
          if (keyOf[t]) live.get(t).delete(row[keyOf[t]]);
        }
      }
    }
  }
  const out = docs.map(({name, doc}) => {
    const d = {};
    for (const [k, v] of Object.entries(doc)) d[k] = Array.isArray(v) ? v.filter((r) => !dropped.has(r)) : v;
    return {name, doc: d};
  });
  return {docs: out, held: dropped.size};
}

const isJson = (text) => { try { JSON.parse(text); return true; } catch { return false; } };

async function runAndCheck(name, extra) {
  const dir = path.join(TMP, name);
  const N = 90, SEED = 7, CLUSTER = 1042, BATCH = 6;
  const r = sluice(['simulate', '--dir', dir, '--num-results', String(N), '--generator-rate', '0',
    '--job-runtime', '0.05', '--slots', '6', '--faults', '0.12', '--seed', String(SEED),
    '--cluster', String(CLUSTER), '--max-batch-size', String(BATCH), '--hold-time', '0.2',
    '--completion-wait', '30', '--summary', '--performance-metrics', ...extra]);
  assert.equal(r.status, 0, `simulate exited ${r.status}:\n${r.stderr}`);
  const out = path.join(dir, 'output');
  const report = JSON.parse(fs.readFileSync(path.join(out, '_sluice', 'simulation.json'), 'utf8'));

  // the event log
  const events = parseEventLog(fs.readFileSync(path.join(dir, 'pool', 'jobs.log'), 'utf8'));
  assert.ok(events.every((e) => e.cluster === CLUSTER && e.sub === 0));
  const jobs = jobOutcomes(events);
  assert.equal(jobs.size, N, 'every job was submitted');
  const ok = [...jobs].filter(([, j]) => j.state === 'done' && j.returnValue === 0).map(([p]) => p).sort((a, b) => a - b);
  const failed = [...jobs].filter(([, j]) => j.state === 'done' && j.returnValue !== 0).length;
  const removed = [...jobs].filter(([, j]) => j.state === 'removed').length;
  const codes = new Set(events.map((e) => e.code));
  for (const c of [0, 1, 4, 5, 6, 9, 12, 13]) assert.ok(codes.has(c), `the log holds event ${c}`);
  assert.ok(failed > 0 && removed > 0 && ok.length > N / 2, `${ok.length} ok, ${failed} failed, ${removed} removed`);
  assert.ok(events.some((e) => e.code === 4 && e.requeued) && events.some((e) => e.code === 4 && !e.requeued));
  for (const k of ['exit', 'evict', 'lost_after_transfer', 'hold_release', 'hold_remove', 'corrupt', 'straggler', 'out_of_order'])
    assert.ok(report.faults[k] > 0, `fault ${k} was injected (${JSON.stringify(report.faults)})`);

  // the batches of the successful jobs, generated again on their own
  const regen = path.join(dir, 'regen');
  const g = sluice(['generate', '--num-iterations', String(N), '--max-batch-size', String(BATCH), '--seed', String(SEED),
    '--cluster', String(CLUSTER), '--output-dir', regen, '-q']);
  assert.equal(g.status, 0, g.stderr);
  const processed = path.join(dir, 'processed'), quarantine = path.join(out, 'quarantine');
  const dupDir = path.join(out, 'duplicates');
  const docs = [];
  let corrupt = 0;
  for (const p of ok) {
    const want = fs.readFileSync(path.join(regen, `result_${String(p).padStart(6, '0')}.json`));
    const file = `result_${CLUSTER}.${p}.json`;
    if (fs.existsSync(path.join(processed, file))) {
      assert.ok(fs.readFileSync(path.join(processed, file)).equals(want), `${file}: ingested bytes are the job's batch`);
      docs.push({name: file, doc: JSON.parse(want.toString('utf8'))});
    } else {
      const q = path.join(quarantine, file);
      assert.ok(fs.existsSync(q), `${file}: job succeeded, its result is neither ingested nor quarantined`);
      assert.ok(!isJson(fs.readFileSync(q, 'utf8')), `${file}: quarantined but valid JSON`);
      const why = JSON.parse(fs.readFileSync(`${q}.error.json`, 'utf8'));
      assert.ok(why.reason, 'the quarantine sidecar gives a reason');
      corrupt++;
    }
  }
  // results of failed or removed jobs never reach the tables
  const notOk = [...jobs.keys()].filter((p) => !ok.includes(p));
  for (const p of notOk) assert.ok(!fs.existsSync(path.join(processed, `result_${CLUSTER}.${p}.json`)), `job ${p} failed but was ingested`);
  // duplicate copies are set aside, never ingested twice
  const dups = fs.existsSync(dupDir) ? fs.readdirSync(dupDir).filter((f) => !f.endsWith('.duplicate.json')) : [];
  for (const f of dups) assert.match(f, new RegExp(`^result_${CLUSTER}\\.\\d+\\.json`));

  // the final tables: exactly the intact results' rows, less those still waiting for a parent
  const {docs: pub, held} = publishable(docs);
  compareTables(await finalTables(out, TABLES), expectedTables(pub), `${name}: final tables`);
  assert.equal(report.sync.pending, held, 'rows sync holds back = rows whose parent never came');
  if (report.faults.out_of_order > 0) assert.ok(report.sync.peak_pending >= held);

  // the report's numbers against the outputs
  assert.equal(report.jobs.submitted, N);
  assert.equal(report.jobs.succeeded, ok.length);
  assert.equal(report.jobs.failed, failed);
  assert.equal(report.jobs.removed, removed);
  assert.equal(report.results.ingested, docs.length);
  assert.equal(report.results.duplicates, dups.length);
  assert.equal(report.ingest.files, docs.length);
  for (const t of report.tables) {
    const f = path.join(out, `${t.name}.parquet`);
    const [{n}] = await duckQuery(`SELECT count(*)::INTEGER AS n FROM ${sqlString(f)}`);
    assert.equal(t.rows, n, `${t.name}: rows in the report`);
    assert.equal(t.bytes, fs.statSync(f).size, `${t.name}: bytes in the report`);
    assert.match(r.stdout, new RegExp(`\\n  ${t.name} +${n} +${t.bytes} `), `--summary line for ${t.name}`);
  }
  assert.deepEqual(report.tables.map((t) => t.name).sort(), TABLES, 'the tables in the report');
  assert.match(r.stdout, /latency +job terminated -> rows committed: p50 \d+ ms, p95 \d+ ms, p99 \d+ ms/);
  assert.ok(report.latency_ms.count === docs.length && report.latency_ms.p99 >= report.latency_ms.p50);
  for (const part of ['pool', 'jobs', 'ingest', 'sync']) assert.ok(report.resources[part].peak_rss_kb > 0, part);
  assert.ok(corrupt > 0 || report.faults.corrupt === 0);
  // nothing left behind in the input or the sandboxes
  assert.deepEqual(fs.readdirSync(path.join(dir, 'input')).filter((f) => !f.startsWith('.')), [], 'input/ drained');
  const left = fs.readdirSync(path.join(dir, 'pool', 'sandbox'));
  assert.deepEqual(left, [], `sandboxes left: ${left.map((d) => `${d}: ${fs.readdirSync(path.join(dir, 'pool', 'sandbox', d))}`)}`);
  return {report, dups};
}

test('simulate with every fault: the log is HTCondor\'s, the tables hold exactly the good results', async () => {
  await runAndCheck('transfer', []);
});

test('simulate --shared-fs: partial files and late copies of lost attempts are never ingested twice', async () => {
  const {dups} = await runAndCheck('shared', ['--shared-fs']);
  assert.ok(dups.length > 0, 'a lost attempt wrote its result again after the rerun, and it was set aside');
});

test('simulate is reproducible from --seed: the same jobs fail the same way', () => {
  const a = path.join(TMP, 'seed-a'), b = path.join(TMP, 'seed-b');
  // SLUICE_* settings in the user's environment are for the user's commands: the
  // jobs, ingest and sync the pool starts must not see them (b runs with some)
  const hostile = {SLUICE_FORMAT: 'csv', SLUICE_N: '3', SLUICE_GENERATE_MAX_BATCH_SIZE: '1', SLUICE_SEED: '99',
    SLUICE_INGEST_ON_SUCCESS: 'leave', SLUICE_SYNC_TARGET_SIZE: '1000'};
  for (const d of [a, b]) {
    const r = sluice(['simulate', '--dir', d, '--num-results', '30', '--generator-rate', '0', '--job-runtime', '0',
      '--faults', '0.2', '--seed', '11', '--hold-time', '0', '--completion-wait', '30'],
    d === b ? {env: {...process.env, ...hostile}} : {});
    assert.equal(r.status, 0, r.stderr);
  }
  const sim = (d) => JSON.parse(fs.readFileSync(path.join(d, 'output', '_sluice', 'simulation.json'), 'utf8'));
  const jobsOf = (d) => sim(d).job_list.map((j) => [j.job, j.end, j.return_value, j.attempts, j.faults.join('+'), j.result]);
  assert.deepEqual(jobsOf(a), jobsOf(b));
  assert.deepEqual(sim(b).tables.map((t) => [t.name, t.rows]), sim(a).tables.map((t) => [t.name, t.rows]));
  const processed = (d) => fs.readdirSync(path.join(d, 'processed')).sort();
  assert.deepEqual(processed(b), processed(a));
  for (const f of processed(a))
    assert.ok(fs.readFileSync(path.join(a, 'processed', f)).equals(fs.readFileSync(path.join(b, 'processed', f))), f);
});

test('simulate: bad options are usage errors', () => {
  for (const args of [['--slots', '0'], ['--faults', '2'], ['--generator-rate', 'x'], ['--max-batch-size', '0'], ['stray']]) {
    const r = sluice(['simulate', '--dir', path.join(TMP, 'bad'), ...args]);
    assert.equal(r.status, 2, `${args}: ${r.stderr}`);
    assert.match(r.stderr, /^sluice: /);
  }
});

test('simulate: Ctrl+C removes the jobs in the pool (009), stops ingest and sync, exits 130', async () => {
  const dir = path.join(TMP, 'interrupt');
  const {spawn} = await import('node:child_process');
  const p = spawn(SLUICE, ['simulate', '--dir', dir, '--num-results', '500', '--generator-rate', '20',
    '--job-runtime', '0.5', '--slots', '4'], {stdio: ['ignore', 'pipe', 'pipe']});
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  const log = path.join(dir, 'pool', 'jobs.log');
  for (let i = 0; i < 200 && !(fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('Job terminated.')); i++)
    await new Promise((r) => setTimeout(r, 50));
  p.kill('SIGINT');
  const code = await new Promise((r) => p.on('exit', (c) => r(c)));
  assert.equal(code, 130, err);
  const jobs = jobOutcomes(parseEventLog(fs.readFileSync(log, 'utf8')));
  assert.ok(jobs.size < 500, 'submission stopped');
  assert.ok([...jobs.values()].some((j) => j.state === 'removed'), 'jobs still in the pool were removed');
  const rep = JSON.parse(fs.readFileSync(path.join(dir, 'output', '_sluice', 'simulation.json'), 'utf8'));
  assert.equal(rep.run.interrupted, true);
  // ingest and sync were stopped: no process still runs with this directory
  const ps = spawnSync('ps', ['-eo', 'args'], {encoding: 'utf8'}).stdout;
  assert.ok(!ps.split('\n').some((l) => l.includes(path.join(dir, 'output'))), 'a service outlived the simulation');
});
