// Summary of benchmark W2, called by bench/w2.sh after the runs.
//
// batch:     node bench/report_w2.mjs OUTDIR FILES INPUT_BYTES SYNC_STATE
//   Reads the peak lines (w2-runs.jsonl) and the output checks (w2-check.jsonl), prints
//   the table, files/s, the ratios and the goals of DESIGN.md section 8, and writes
//   w2-results.json. Per run label: median wall time, maximum peak RSS over its runs.
//   sluice's figures are ingest + sync of the same round (wall times added, the larger
//   peak) when SYNC_STATE is "ok"; ingest alone when it is "not-built" (said so) or
//   "failed" (a failure).
//
// sustained: node bench/report_w2.mjs --sustained OUTDIR IN SOUT FEED_RC INGEST_RC DRAIN_S STAGE_BYTES
//   Reads the feeder's line (w2s-feed.json), the sampler's lines (w2s-samples.jsonl),
//   ingest's peak line (w2s-peak.jsonl) and final metrics, the ledger, quarantine and
//   what is left in IN; prints the report and writes w2-sustained-results.json.
//
// Exits 1 if a run failed or an output is wrong (and, with BENCH_STRICT=1, if a goal is
// missed); else 0.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';

const MB = 1e6;
const GOAL_RATIO = 0.03, GOAL_FILES_PER_S = 15000, GOAL_PEAK_MB = 100;
const readLines = (p) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
const rx = (x) => (x === null || x === undefined ? 'n/a' : x < 0.1 ? `${x.toFixed(3)}x` : `${x.toFixed(2)}x`);
const goal = (v, pass) => (v === null || v === undefined ? 'MISS' : pass(v) ? 'PASS' : 'MISS');
const dirBytes = (d, pred = () => true) => {
  if (!existsSync(d)) return 0;
  let n = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = `${d}/${e.name}`;
    if (e.isDirectory()) n += dirBytes(p, pred);
    else if (e.isFile() && pred(e.name)) n += statSync(p).size;
  }
  return n;
};
const version = (mod) => {
  try { return JSON.parse(readFileSync(`node_modules/${mod}/package.json`, 'utf8')).version; } catch { return null; }
};
let commit = null;
try { commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
const machine = { cores: cpus().length, cpu: cpus()[0]?.model, memory_gb: totalmem() / 1e9, kernel: release(), node: process.version };
const strict = process.env.BENCH_STRICT === '1';

if (process.argv[2] === '--sustained') sustained(process.argv.slice(3));
else batch(process.argv.slice(2));

// ======================================================================================
function batch([outDir, filesArg, bytesArg, syncState]) {
  const FILES = Number(filesArg), INPUT_MB = Number(bytesArg) / MB;
  const runs = readLines(`${outDir}/w2-runs.jsonl`);
  const checks = readLines(`${outDir}/w2-check.jsonl`);
  const withSync = syncState === 'ok';

  function summarize(name, label) {
    const rs = runs.filter((r) => r.label === label);
    const s = { name, label, runs: rs.length };
    if (!rs.length) return { ...s, ok: false };
    const good = rs.filter((r) => r.exit === 0 && r.signal === 0);
    const fig = good.length ? good : rs;
    return Object.assign(s, {
      ok: good.length === rs.length,
      wall_s: median(fig.map((r) => r.wall_s)),
      wall_s_all: rs.map((r) => r.wall_s),
      peak_mb: Math.max(...fig.map((r) => r.peak_rss_mb)),
      peak_mb_all: rs.map((r) => r.peak_rss_mb),
      cpu_s: median(fig.map((r) => r.user_s + r.sys_s)),
      exits: rs.map((r) => (r.signal ? `signal ${r.signal}` : r.exit)),
    });
  }
  const ingest = summarize('sluice ingest', 'sluice-ingest');
  const sync = summarize('sluice sync', 'sluice-sync');
  const duck = summarize('DuckDB, 4 COPYs', 'duckdb');
  const tbl = summarize('DuckDB-tbl', 'duckdb-tbl');
  const baseline = summarize('empty node process', 'node-baseline');
  const floor = summarize('file-system floor', 'fs-floor');

  // sluice: ingest + sync of the same round.
  const ir = runs.filter((r) => r.label === 'sluice-ingest');
  const sr = runs.filter((r) => r.label === 'sluice-sync');
  const sluice = { name: withSync ? 'sluice ingest + sync' : 'sluice ingest (no sync)', label: 'sluice', runs: ir.length };
  if (ir.length) {
    const rounds = ir.map((r, i) => ({
      wall: r.wall_s + (withSync && sr[i] ? sr[i].wall_s : 0),
      peak: Math.max(r.peak_rss_mb, withSync && sr[i] ? sr[i].peak_rss_mb : 0),
      cpu: r.user_s + r.sys_s + (withSync && sr[i] ? sr[i].user_s + sr[i].sys_s : 0),
    }));
    Object.assign(sluice, {
      ok: ingest.ok && (!withSync || sync.ok),
      wall_s: median(rounds.map((r) => r.wall)),
      wall_s_all: rounds.map((r) => r.wall),
      peak_mb: Math.max(...rounds.map((r) => r.peak)),
      cpu_s: median(rounds.map((r) => r.cpu)),
    });
  } else sluice.ok = false;

  const sck = checks.find((c) => c.source === 'final' || c.source === 'raw');
  const dck = checks.find((c) => c.label === `${outDir}/w2-duckdb`);
  const tck = checks.find((c) => c.label === `${outDir}/w2-duckdb-tbl`);
  const sOut = `${outDir}/w2-out`;
  // Output: the four tables DuckDB writes too (sluice's _documents separately).
  const tableBytes = (t) => {
    if (!withSync) return dirBytes(`${sOut}/raw/${t}`, (n) => n.endsWith('.parquet') && !n.startsWith('.'));
    const p = `${sOut}/${t}.parquet`;
    return existsSync(p) ? (statSync(p).isDirectory() ? dirBytes(p) : statSync(p).size) : 0;
  };
  sluice.output_mb = ['teachers', 'classes', 'students', 'student_classes'].reduce((a, t) => a + tableBytes(t), 0) / MB;
  sluice.documents_mb = tableBytes('_documents') / MB;
  duck.output_mb = dirBytes(`${outDir}/w2-duckdb`) / MB;
  tbl.output_mb = dirBytes(`${outDir}/w2-duckdb-tbl`) / MB;
  sluice.output_ok = sck?.ok ?? false;
  duck.output_ok = dck?.ok ?? false;
  tbl.output_ok = tck?.ok ?? false;
  sluice.check = sck; duck.check = dck; tbl.check = tck;
  for (const t of [sluice, ingest, sync, duck, tbl]) if (t.wall_s) t.files_per_s = FILES / t.wall_s;

  const usable = (t) => t && t.runs && t.ok && t.output_ok;
  const ratio = (a, b, k) => (usable(a) && usable(b) ? a[k] / b[k] : null);
  const ratios = {
    time_vs_duckdb: ratio(sluice, duck, 'wall_s'),
    memory_vs_duckdb: ratio(sluice, duck, 'peak_mb'),
    cpu_vs_duckdb: ratio(sluice, duck, 'cpu_s'),
    output_vs_duckdb: ratio(sluice, duck, 'output_mb'),
    floor_vs_duckdb: floor.runs && usable(duck) ? floor.wall_s / duck.wall_s : null,
    time_vs_duckdb_tbl: ratio(sluice, tbl, 'wall_s'),
    memory_vs_duckdb_tbl: ratio(sluice, tbl, 'peak_mb'),
  };
  const goals = {
    time_under_0_03x_duckdb: goal(ratios.time_vs_duckdb, (r) => r < GOAL_RATIO),
    over_15000_files_per_s: usable(sluice) ? goal(sluice.files_per_s, (v) => v > GOAL_FILES_PER_S) : 'MISS',
    peak_under_100_mb: usable(sluice) ? goal(sluice.peak_mb, (v) => v < GOAL_PEAK_MB) : 'MISS',
  };

  const status = (t, checked = true) => (!t.runs ? 'not run' : !t.ok ? `FAILED (exits ${(t.exits ?? []).join(',')})`
    : !checked ? 'ok' : !t.output_ok ? `WRONG OUTPUT: ${t.check ? t.check.mismatches.join('; ') : 'not checked'}` : 'ok');
  const rows = [sluice, ...(withSync || sync.runs ? [ingest, sync] : []), duck, ...(tbl.runs ? [tbl] : [])];
  const nruns = Math.max(...rows.map((t) => t.runs), 0);
  console.log(`\nW2: ${FILES} school job-result files, ${f(INPUT_MB, 1)} MB, to 4 tables; ${cpus().length} cores, ` +
              `${nruns} runs per row (median wall, max peak RSS)`);
  if (syncState === 'not-built') console.log('sluice sync is not built yet (`sluice sync --help` fails): sluice is measured as ingest alone');
  if (syncState === 'failed') console.log('sluice sync FAILED: sluice is measured as ingest alone (see bench/out/w2-sluice-sync.log)');
  console.log('');
  console.log('run                        wall s   files/s  peak MB   cpu s  output MB  status');
  for (const t of rows) {
    const checked = t === sluice || t === duck || t === tbl;
    console.log(`${t.name.padEnd(25)} ${f(t.wall_s, 3).padStart(7)} ${f(t.files_per_s, 0).padStart(9)} ` +
                `${f(t.peak_mb, 0).padStart(8)} ${f(t.cpu_s).padStart(7)} ${f(t.output_mb, 1).padStart(10)}  ` +
                status(t, checked));
  }
  console.log(`(empty node process: ${f(baseline.wall_s)} s, ${f(baseline.peak_mb, 0)} MB peak; DuckDB runs inside node, sluice does not)`);
  if (floor.runs) {
    console.log(`(file-system floor, bench/w2floor.c: claim rename, open, fstat, read, close and the move to processed/ ` +
                `of every file on 2 threads, nothing else: ${f(floor.wall_s, 3)} s, ${f(FILES / floor.wall_s, 0)} files/s, ` +
                `${f(floor.cpu_s)} CPU s; ${usable(duck) ? `${f(floor.wall_s / duck.wall_s, 3)}x DuckDB's time` : ''})`);
  }
  if (sck?.tables) {
    console.log(`(rows: ${Object.entries(sck.tables).map(([t, x]) => `${t} ${x.rows}`).join(', ')}; ` +
                `sluice's ${sck.source === 'final' ? 'final tables' : 'committed raw parts'} checked against DuckDB's)`);
  }
  console.log(`\nsluice/DuckDB time:    ${rx(ratios.time_vs_duckdb)}   (sluice/DuckDB-tbl ${rx(ratios.time_vs_duckdb_tbl)})`);
  console.log(`sluice/DuckDB memory:  ${rx(ratios.memory_vs_duckdb)}   (sluice/DuckDB-tbl ${rx(ratios.memory_vs_duckdb_tbl)})`);
  console.log(`sluice/DuckDB CPU:     ${rx(ratios.cpu_vs_duckdb)}`);
  console.log(`sluice/DuckDB output:  ${rx(ratios.output_vs_duckdb)}   (the 4 tables; sluice's ${withSync ? 'final tables' : 'raw parts'}, ` +
              `its _documents ${f(sluice.documents_mb, 2)} MB more)`);
  const need = usable(duck) ? ` (needs under ${f(duck.wall_s * GOAL_RATIO, 3)} s)` : '';
  const why = usable(sluice) && usable(duck) ? '' : ' (no valid measurement of both sluice and DuckDB)';
  const line = (text, v) => console.log(`goal: ${text.padEnd(52)} ${v}`);
  console.log('');
  line(`time under ${GOAL_RATIO}x DuckDB's${need}`, `${goals.time_under_0_03x_duckdb}${why}`);
  line(`over ${GOAL_FILES_PER_S} files/s (${f(sluice.files_per_s, 0)})`, goals.over_15000_files_per_s);
  line(`peak memory under ${GOAL_PEAK_MB} MB (${f(sluice.peak_mb, 0)} MB)`, goals.peak_under_100_mb);

  const failures = [];
  for (const t of [sluice, duck, ...(tbl.runs ? [tbl] : [])]) {
    const st = status(t);
    if (st !== 'ok') failures.push(`${t.name}: ${st}`);
  }
  if (syncState === 'failed') failures.push('sluice sync: FAILED');
  const missed = Object.entries(goals).filter(([, v]) => v !== 'PASS').map(([g]) => g);
  const results = {
    workload: 'W2', files: FILES, input_mb: INPUT_MB, sync: syncState, when: new Date().toISOString(), commit, machine,
    peers: { duckdb: version('@duckdb/node-api') }, node_baseline: baseline,
    runs: { sluice, sluice_ingest: ingest, sluice_sync: sync, duckdb: duck, duckdb_tbl: tbl, fs_floor: floor }, ratios, goals, checks,
    failures, ok: failures.length === 0,
  };
  writeFileSync(`${outDir}/w2-results.json`, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nresults: ${outDir}/w2-results.json`);
  if (failures.length) console.log(`FAILED: ${failures.join('; ')}`);
  if (strict && missed.length) console.log(`MISSED (BENCH_STRICT=1): ${missed.join(', ')}`);
  process.exit(failures.length || (strict && missed.length) ? 1 : 0);
}

// ======================================================================================
function sustained([outDir, inDir, sOut, feedRc, ingestRc, drainS, stageBytes]) {
  const feed = readLines(`${outDir}/w2s-feed.json`)[0] ?? {};
  const samples = readLines(`${outDir}/w2s-samples.jsonl`);
  const peak = readLines(`${outDir}/w2s-peak.jsonl`)[0] ?? {};
  const mdir = `${sOut}/_sluice/metrics`;
  const mfiles = existsSync(mdir) ? readdirSync(mdir).filter((n) => n.endsWith('.json')) : [];
  const metrics = mfiles.length ? JSON.parse(readFileSync(`${mdir}/${mfiles[0]}`, 'utf8')) : null;
  const count = (d, pred = () => true) => (existsSync(d) ? readdirSync(d).filter(pred).length : 0);
  const quarantined = count(`${sOut}/quarantine`, (n) => !n.endsWith('.error.json'));
  const duplicates = count(`${sOut}/duplicates`, (n) => !n.endsWith('.duplicate.json'));
  const processed = count(`${sOut}/processed`);
  const claimsDir = `${inDir}/.sluice-claims`;
  const claimed = existsSync(claimsDir) ? readdirSync(claimsDir).reduce((a, w) => a + count(`${claimsDir}/${w}`), 0) : 0;
  const leftInIn = count(inDir, (n) => !n.startsWith('.'));
  // The ledger: every committed input, once.
  const names = new Set();
  let ledgerInputs = 0, commits = 0;
  const ldir = `${sOut}/_sluice/ledger`;
  for (const lf of existsSync(ldir) ? readdirSync(ldir).filter((n) => n.endsWith('.jsonl')) : []) {
    const lines = readFileSync(`${ldir}/${lf}`, 'utf8').split('\n');
    lines.pop();
    for (const l of lines) {
      let c;
      try { c = JSON.parse(l); } catch { continue; }
      commits++;
      for (const x of c.inputs ?? []) { ledgerInputs++; names.add(x.name); }
    }
  }

  const rssMb = samples.map((s) => s.rss_kib).filter((v) => typeof v === 'number').map((v) => (v * 1024) / MB);
  const hwm = samples.map((s) => s.hwm_kib).filter((v) => typeof v === 'number');
  // Samples taken while the feeder ran: memory while files arrive at the target rate.
  const during = samples.filter((s) => s.t >= feed.started_at && s.t <= feed.ended_at && typeof s.rss_kib === 'number')
    .map((s) => (s.rss_kib * 1024) / MB);
  const third = Math.floor(during.length / 3);
  const rss = {
    samples: rssMb.length, min_mb: rssMb.length ? Math.min(...rssMb) : null, median_mb: median(rssMb),
    max_mb: rssMb.length ? Math.max(...rssMb) : null, hwm_mb: hwm.length ? (Math.max(...hwm) * 1024) / MB : null,
    feeding_first_third_median_mb: third ? median(during.slice(0, third)) : null,
    feeding_last_third_median_mb: third ? median(during.slice(-third)) : null,
    peak_rss_mb: peak.peak_rss_mb ?? null,
  };
  // Backlog: files fed but not yet committed, at each metrics update during the feed (the
  // files fed by the metrics' own updated_at, so a metrics file up to 1 s old is not a backlog).
  const seen = new Set();
  const backlog = samples.filter((s) => s.metrics?.updated_at && !seen.has(s.metrics.updated_at) && seen.add(s.metrics.updated_at))
    .map((s) => ({ t: Date.parse(s.metrics.updated_at) / 1000, files: s.metrics.files }))
    .filter((x) => x.t >= feed.started_at && x.t <= feed.ended_at)
    .map((x) => Math.max(0, Math.min(fedBy(x.t), feed.fed) - x.files));
  function fedBy(t) { return Math.floor((t - feed.started_at) * feed.target_rate) + 1; }
  const cpuS = peak.user_s !== undefined ? peak.user_s + peak.sys_s : null;
  const fed = feed.fed ?? 0;

  const problems = [];
  if (Number(feedRc) !== 0) problems.push(`the feeder exited ${feedRc} (fed ${fed} of ${feed.wanted})`);
  if (Number(ingestRc) !== 0) problems.push(`sluice ingest exited ${ingestRc} after SIGTERM, not 0`);
  if (!metrics) problems.push('no metrics file');
  else {
    if (metrics.files !== fed) problems.push(`metrics count ${metrics.files} files, ${fed} were fed`);
    if (metrics.rejected) problems.push(`${metrics.rejected} rejected`);
    if (metrics.duplicates) problems.push(`${metrics.duplicates} duplicates`);
  }
  if (quarantined) problems.push(`${quarantined} files in quarantine`);
  if (duplicates) problems.push(`${duplicates} files in duplicates`);
  if (ledgerInputs !== fed || names.size !== fed) problems.push(`the ledger names ${ledgerInputs} inputs (${names.size} distinct), ${fed} were fed`);
  if (processed !== fed) problems.push(`${processed} files in processed/, ${fed} were fed`);
  if (leftInIn || claimed) problems.push(`${leftInIn} files left in IN, ${claimed} claimed and not committed`);

  const goals = {
    keeps_the_rate: goal(feed.rate, (r) => r >= 0.98 * feed.target_rate),
    all_committed_within_drain: problems.length === 0 ? 'PASS' : 'MISS',
    peak_under_100_mb: goal(rss.peak_rss_mb, (v) => v < GOAL_PEAK_MB),
  };
  const lat = metrics?.latency_ms ?? {};
  const ingestArgs = (process.env.W2_INGEST_ARGS ?? '').trim();
  console.log(`\nW2 sustained: sluice ingest${ingestArgs ? ` ${ingestArgs}` : ''} as a service (inotify), fed by rename at ` +
              `${feed.target_rate} files/s for ${f(feed.seconds, 1)} s; ${cpus().length} cores`);
  console.log(`fed:        ${fed} files (${f(Number(stageBytes) / MB, 1)} MB), achieved ${f(feed.rate, 1)} files/s ` +
              `(target ${feed.target_rate}), max feeder lag ${f(feed.max_lag_ms, 1)} ms, ${feed.late} renames over 10 ms late`);
  console.log(`committed:  ${metrics?.files ?? '-'} files, ${metrics?.rows ?? '-'} rows in ${metrics?.commits ?? '-'} commits; ` +
              `all counted ${drainS} s after the feed ended (metrics rewritten each second); rejected ${metrics?.rejected ?? '-'}, ` +
              `duplicates ${metrics?.duplicates ?? '-'}, quarantine ${quarantined}`);
  console.log(`latency:    arrival to commit p50 ${f(lat.p50, 1)} ms, p95 ${f(lat.p95, 1)} ms, p99 ${f(lat.p99, 1)} ms, ` +
              `max ${f(lat.max, 1)} ms (${lat.count ?? 0} files; ingest's histogram, bucket upper edges)`);
  console.log(`backlog:    fed but not committed, at each metrics update during the feed: median ${f(median(backlog), 0)}, ` +
              `max ${backlog.length ? Math.max(...backlog) : '-'} files`);
  console.log(`memory:     RSS over ${rss.samples} samples (1/s): min ${f(rss.min_mb, 1)}, median ${f(rss.median_mb, 1)}, ` +
              `max ${f(rss.max_mb, 1)} MB; feeding, first third ${f(rss.feeding_first_third_median_mb, 1)} / ` +
              `last third ${f(rss.feeding_last_third_median_mb, 1)} MB (medians); peak (ru_maxrss) ${f(rss.peak_rss_mb, 1)} MB`);
  // RSS against files committed, at every sixth of the feed: does it grow with the files seen?
  const feeding = samples.filter((s) => s.metrics && typeof s.rss_kib === 'number' && s.t >= feed.started_at);
  const steps = feeding.length ? [1, 2, 3, 4, 5, 6].map((k) => feeding[Math.min(feeding.length - 1,
    Math.round((k * (feeding.length - 1)) / 6))]) : [];
  rss.over_time = steps.map((s) => ({ files: s.metrics.files, rss_mb: (s.rss_kib * 1024) / MB }));
  console.log(`            RSS by files committed: ${rss.over_time.map((x) => `${x.files}: ${f(x.rss_mb, 1)} MB`).join(', ')}`);
  console.log(`CPU:        ${f(cpuS)} s over ${f(peak.wall_s, 1)} s wall (${f(cpuS / peak.wall_s * 100, 0)}% of one core; ` +
              `user ${f(peak.user_s)} s, system ${f(peak.sys_s)} s)`);
  console.log(`exit:       sluice ingest ${ingestRc} after SIGTERM`);
  const line = (text, v) => console.log(`goal: ${text.padEnd(52)} ${v}`);
  console.log('');
  line('the feeder achieves the target rate (at least 98%)', goals.keeps_the_rate);
  line('every file committed exactly once, exit 0 on SIGTERM', goals.all_committed_within_drain);
  line(`peak memory under ${GOAL_PEAK_MB} MB (${f(rss.peak_rss_mb, 1)} MB)`, goals.peak_under_100_mb);
  if (problems.length) console.log(`FAILED: ${problems.join('; ')}`);

  const results = {
    workload: 'W2 sustained', when: new Date().toISOString(), commit, machine, ingest_args: ingestArgs, feed,
    ingest_exit: Number(ingestRc),
    drain_s: Number(drainS), metrics, rss, backlog_max: backlog.length ? Math.max(...backlog) : null,
    cpu_s: cpuS, peak, quarantined, duplicates, processed, ledger: { commits, inputs: ledgerInputs, distinct: names.size },
    left_in_input: leftInIn, claimed, goals, problems, ok: problems.length === 0,
  };
  writeFileSync(`${outDir}/w2-sustained-results.json`, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nresults: ${outDir}/w2-sustained-results.json`);
  const missed = Object.entries(goals).filter(([, v]) => v !== 'PASS').map(([g]) => g);
  process.exit(problems.length || (strict && missed.length) ? 1 : 0);
}
