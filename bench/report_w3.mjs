// Summary of benchmark W3, called by bench/w3.sh after the runs: reads the peak lines
// (w3-runs.jsonl), the output checks (w3-check.jsonl) and the outputs' sizes, prints
// the table, rows/s, the ratios and the goals of DESIGN.md section 8, and writes
// w3-results.json. Per run label: median wall time, maximum peak RSS over its runs.
//
// usage: node bench/report_w3.mjs OUTDIR ROWS SMALL_ROWS MID_ROWS
// Exits 1 if sluice is missing, a run failed or an output is wrong (and, with
// BENCH_STRICT=1, if a goal is missed); else 0.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';

const [outDir, rowsArg, smallArg, midArg] = process.argv.slice(2);
const ROWS = Number(rowsArg), SMALL = Number(smallArg), MID = Number(midArg);
const MB = 1e6;
const readLines = (p) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const runs = readLines(`${outDir}/w3-runs.jsonl`);
const checks = readLines(`${outDir}/w3-check.jsonl`);
const sluiceMissing = existsSync(`${outDir}/w3-missing`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const size = (p) => (existsSync(p) ? statSync(p).size / MB : null);
const checkOf = (file) => checks.find((c) => c.file === file);
const m = (n) => (n % 1e6 === 0 ? `${n / 1e6}M` : String(n));

// name, label, rows, output file (or dir), whether sluice
const school = checkOf(`${outDir}/w3-school`);
const defs = [
  [`sluice parquet`, 'sluice-parquet', ROWS, `${outDir}/w3-sluice-parquet.parquet`],
  [`DuckDB parquet`, 'duckdb-parquet', ROWS, `${outDir}/w3-duckdb-parquet.parquet`],
  [`DuckDB-tbl parquet`, 'duckdb-tbl-parquet', ROWS, `${outDir}/w3-duckdb-tbl-parquet.parquet`],
  [`sluice ndjson`, 'sluice-ndjson', ROWS, `${outDir}/w3-sluice-ndjson.ndjson`],
  [`DuckDB ndjson`, 'duckdb-ndjson', ROWS, `${outDir}/w3-duckdb-ndjson.ndjson`],
  [`DuckDB-tbl ndjson`, 'duckdb-tbl-ndjson', ROWS, `${outDir}/w3-duckdb-tbl-ndjson.ndjson`],
  [`sluice parquet ${m(SMALL)}`, 'sluice-parquet-small', SMALL, `${outDir}/w3-sluice-parquet-small.parquet`],
  [`sluice ndjson ${m(SMALL)}`, 'sluice-ndjson-small', SMALL, `${outDir}/w3-sluice-ndjson-small.ndjson`],
  [`sluice parquet ${m(MID)}`, 'sluice-parquet-mid', MID, `${outDir}/w3-sluice-parquet-mid.parquet`],
  [`sluice ndjson ${m(MID)}`, 'sluice-ndjson-mid', MID, `${outDir}/w3-sluice-ndjson-mid.ndjson`],
  [`school ${m(SMALL)} parquet`, 'sluice-school', school?.got?.rows ?? null, `${outDir}/w3-school`],
  [`sluice parquet -j1`, 'sluice-parquet-t1', ROWS, `${outDir}/w3-sluice-parquet-t1.parquet`],
  [`sluice ndjson -j1`, 'sluice-ndjson-t1', ROWS, `${outDir}/w3-sluice-ndjson-t1.ndjson`],
  [`sluice csv`, 'sluice-csv', ROWS, `${outDir}/w3-sluice-csv.csv`],
  [`sluice parquet none`, 'sluice-parquet-none', ROWS, `${outDir}/w3-sluice-parquet-none.parquet`],
  [`sluice parquet rg123k`, 'sluice-parquet-rg', ROWS, `${outDir}/w3-sluice-parquet-rg.parquet`],
];
// BENCH_W3_EXTRA=1 rows: shown when run, their outputs not checked.
const optional = new Set(['sluice-parquet-t1', 'sluice-ndjson-t1', 'sluice-csv', 'sluice-parquet-none', 'sluice-parquet-rg']);
const unchecked = optional;

function summarize([name, label, rows, out]) {
  const rs = runs.filter((r) => r.label === label);
  const s = { name, label, rows, runs: rs.length, sluice: label.startsWith('sluice') };
  if (!rs.length) return { ...s, ok: false, missing: s.sluice && sluiceMissing };
  const good = rs.filter((r) => r.exit === 0 && r.signal === 0);
  const fig = good.length ? good : rs;
  Object.assign(s, {
    failed_runs: rs.length - good.length,
    ok: good.length === rs.length,
    wall_s: median(fig.map((r) => r.wall_s)),
    wall_s_all: rs.map((r) => r.wall_s),
    peak_mb: Math.max(...fig.map((r) => r.peak_rss_mb)),
    peak_mb_all: rs.map((r) => r.peak_rss_mb),
    cpu_s: median(fig.map((r) => r.user_s + r.sys_s)),
    exits: rs.map((r) => (r.signal ? `signal ${r.signal}` : r.exit)),
  });
  if (rows) {
    s.rows_per_s = rows / s.wall_s;
    s.rows_per_cpu_s = rows / s.cpu_s;
  }
  if (label === 'sluice-school') {
    s.output_mb = school?.got?.tables ? Object.keys(school.got.tables)
      .reduce((a, t) => a + (size(`${out}/${t}.parquet`) ?? 0), 0) : null;
    s.tables = school?.got?.tables ?? null;
  } else {
    s.output_mb = size(out);
  }
  const c = checkOf(out);
  s.output_ok = unchecked.has(label) ? true : c ? c.ok : false;
  s.output_check = unchecked.has(label) ? 'not checked' : c ? (c.ok ? 'ok' : c.mismatches.join('; ')) : 'not checked';
  return s;
}
const all = defs.map(summarize);
const rowsOf = Object.fromEntries(all.map((s) => [s.label, s]));
const shown = all.filter((s) => s.runs || !optional.has(s.label));
const baseline = summarize(['empty node process', 'node-baseline', null, '']);

const usable = (t) => t && t.ok && t.output_ok;
const ratio = (a, b, k) => (usable(a) && usable(b) ? a[k] / b[k] : null);
const SP = rowsOf['sluice-parquet'], DP = rowsOf['duckdb-parquet'];
const SN = rowsOf['sluice-ndjson'], DN = rowsOf['duckdb-ndjson'];
const TP = rowsOf['duckdb-tbl-parquet'], TN = rowsOf['duckdb-tbl-ndjson'];
const SPs = rowsOf['sluice-parquet-small'], SNs = rowsOf['sluice-ndjson-small'];
const SPm = rowsOf['sluice-parquet-mid'], SNm = rowsOf['sluice-ndjson-mid'];
const ratios = {
  parquet_rows_per_s_vs_duckdb: ratio(SP, DP, 'rows_per_s'),
  ndjson_rows_per_s_vs_duckdb: ratio(SN, DN, 'rows_per_s'),
  parquet_rows_per_cpu_s_vs_duckdb: ratio(SP, DP, 'rows_per_cpu_s'),
  ndjson_rows_per_cpu_s_vs_duckdb: ratio(SN, DN, 'rows_per_cpu_s'),
  parquet_rows_per_s_vs_duckdb_ids_table: ratio(SP, TP, 'rows_per_s'),
  ndjson_rows_per_s_vs_duckdb_ids_table: ratio(SN, TN, 'rows_per_s'),
  parquet_memory_vs_duckdb: ratio(SP, DP, 'peak_mb'),
  ndjson_memory_vs_duckdb: ratio(SN, DN, 'peak_mb'),
  parquet_output_vs_duckdb: ratio(SP, DP, 'output_mb'),
  ndjson_output_vs_duckdb: ratio(SN, DN, 'output_mb'),
  parquet_peak_large_vs_small: ratio(SP, SPs, 'peak_mb'),
  ndjson_peak_large_vs_small: ratio(SN, SNs, 'peak_mb'),
};
// Memory "does not grow with the row count": the peak at ROWS at most 1.2x the peak at
// SMALL plus 8 MB (RSS varies by a few MB from run to run).
const GROWTH = 1.2, SLACK_MB = 8;
const flat = (big, small) => (usable(big) && usable(small) ? big.peak_mb <= GROWTH * small.peak_mb + SLACK_MB : null);
const goal = (r, pass) => (r === null ? 'MISS' : pass(r) ? 'PASS' : 'MISS');
const goals = {
  parquet_over_5x_duckdb_rows_per_s: goal(ratios.parquet_rows_per_s_vs_duckdb, (r) => r > 5),
  ndjson_over_5x_duckdb_rows_per_s: goal(ratios.ndjson_rows_per_s_vs_duckdb, (r) => r > 5),
  parquet_memory_flat_in_rows: flat(SP, SPs) ? 'PASS' : 'MISS',
  ndjson_memory_flat_in_rows: flat(SN, SNs) ? 'PASS' : 'MISS',
};

// --- print -------------------------------------------------------------------------
const f = (x, d = 2) => (x === null || x === undefined ? '-' : x.toFixed(d));
const k = (x) => (x === null || x === undefined ? '-' : `${(x / 1e6).toFixed(2)}M`);
const rx = (x) => (x === null ? 'n/a' : `${x.toFixed(2)}x`);
const status = (t) => (t.missing ? 'MISSING' : !t.runs ? 'not run' : !t.ok ? `FAILED (exits ${t.exits.join(',')})`
  : !t.output_ok ? `WRONG OUTPUT: ${t.output_check}` : t.output_check === 'ok' ? 'ok' : 'ran');
console.log(`\nW3: generate ${m(ROWS)} card transactions (transactions table), ${cpus().length} cores, ` +
            `${Math.max(...all.map((t) => t.runs), 0)} runs per row (median wall, max peak RSS)\n`);
console.log('run                       rows   wall s    rows/s  rows/cpu-s  peak MB   cpu s  output MB  status');
for (const t of shown) {
  console.log(`${t.name.padEnd(22)} ${k(t.rows).padStart(7)} ${f(t.wall_s).padStart(8)} ${k(t.rows_per_s).padStart(9)} ` +
              `${k(t.rows_per_cpu_s).padStart(11)} ${f(t.peak_mb, 0).padStart(8)} ${f(t.cpu_s).padStart(7)} ` +
              `${f(t.output_mb, 1).padStart(10)}  ${status(t)}`);
}
console.log(`(empty node process: ${f(baseline.wall_s)} s, ${f(baseline.peak_mb, 0)} MB peak; DuckDB runs inside node, sluice does not)`);
if (rowsOf['sluice-school'].tables) {
  console.log(`(school: ${Object.entries(rowsOf['sluice-school'].tables).map(([t, n]) => `${t} ${n}`).join(', ')})`);
}
console.log(`\nsluice/DuckDB rows/s:      parquet ${rx(ratios.parquet_rows_per_s_vs_duckdb)}, ndjson ${rx(ratios.ndjson_rows_per_s_vs_duckdb)}`);
console.log(`sluice/DuckDB rows/cpu-s:  parquet ${rx(ratios.parquet_rows_per_cpu_s_vs_duckdb)}, ndjson ${rx(ratios.ndjson_rows_per_cpu_s_vs_duckdb)}`);
console.log(`sluice/DuckDB-tbl rows/s:  parquet ${rx(ratios.parquet_rows_per_s_vs_duckdb_ids_table)}, ndjson ${rx(ratios.ndjson_rows_per_s_vs_duckdb_ids_table)}` +
            '  (DuckDB reading the row numbers from a table, both cores)');
console.log(`sluice/DuckDB peak memory: parquet ${rx(ratios.parquet_memory_vs_duckdb)}, ndjson ${rx(ratios.ndjson_memory_vs_duckdb)}`);
console.log(`sluice/DuckDB output size: parquet ${rx(ratios.parquet_output_vs_duckdb)}, ndjson ${rx(ratios.ndjson_output_vs_duckdb)}`);
console.log(`sluice peak at ${m(SMALL)} / ${m(MID)} / ${m(ROWS)} rows: parquet ${f(SPs.peak_mb, 0)} / ${f(SPm.peak_mb, 0)} / ` +
            `${f(SP.peak_mb, 0)} MB, ndjson ${f(SNs.peak_mb, 0)} / ${f(SNm.peak_mb, 0)} / ${f(SN.peak_mb, 0)} MB`);
const why = usable(SP) && usable(DP) && usable(SN) && usable(DN) ? '' : ' (no valid measurement of both sluice and DuckDB)';
const memGoal = `peak at ${m(ROWS)} <= ${GROWTH}x ${m(SMALL)}'s + ${SLACK_MB} MB`;
console.log(`\ngoal: parquet rows/s over 5x DuckDB's (range())  ${goals.parquet_over_5x_duckdb_rows_per_s}${why}`);
console.log(`goal: ndjson rows/s over 5x DuckDB's (range())   ${goals.ndjson_over_5x_duckdb_rows_per_s}${why}`);
console.log(`goal: parquet ${memGoal}  ${goals.parquet_memory_flat_in_rows}`);
console.log(`goal: ndjson ${memGoal}   ${goals.ndjson_memory_flat_in_rows}`);

// --- results file and exit status ----------------------------------------------------
const failures = [];
for (const t of shown) {
  const st = status(t);
  if (st !== 'ok' && st !== 'ran') failures.push(`${t.name}: ${st}`);
}
if (sluiceMissing) failures.push('sluice: MISSING');
const missed = Object.entries(goals).filter(([, v]) => v !== 'PASS').map(([g]) => g);
const version = (mod) => {
  try { return JSON.parse(readFileSync(`node_modules/${mod}/package.json`, 'utf8')).version; } catch { return null; }
};
let commit = null;
try { commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
const results = {
  workload: 'W3', rows: ROWS, small_rows: SMALL, mid_rows: MID, when: new Date().toISOString(), commit,
  machine: { cores: cpus().length, cpu: cpus()[0]?.model, memory_gb: totalmem() / 1e9, kernel: release(), node: process.version },
  peers: { duckdb: version('@duckdb/node-api') },
  node_baseline: baseline, runs: Object.fromEntries(shown.map((t) => [t.label, t])), ratios, goals,
  checks, failures, ok: failures.length === 0,
};
writeFileSync(`${outDir}/w3-results.json`, JSON.stringify(results, null, 2) + '\n');
console.log(`\nresults: ${outDir}/w3-results.json`);
if (failures.length) console.log(`FAILED: ${failures.join('; ')}`);
const strict = process.env.BENCH_STRICT === '1';
if (strict && missed.length) console.log(`MISSED (BENCH_STRICT=1): ${missed.join(', ')}`);
process.exit(failures.length || (strict && missed.length) ? 1 : 0);
