// Summary of benchmark W1, called by bench/run.sh after the runs: reads the peak lines
// (w1-runs.jsonl), the output checks (w1-check.jsonl) and the outputs' sizes, prints
// the table, the ratios and the goals of DESIGN.md section 8, and writes
// w1-results.json. Per tool: median wall time and maximum peak RSS over its runs.
//
// usage: node bench/report.mjs INPUT.ndjson OUTDIR
// Exits 1 if a tool is missing, a run failed or an output is wrong (and, with
// BENCH_STRICT=1, if a goal is missed); else 0.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { execFileSync } from 'node:child_process';

const [input, outDir] = process.argv.slice(2);
const MB = 1e6;
const readLines = (p) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const runs = readLines(`${outDir}/w1-runs.jsonl`);
const checks = readLines(`${outDir}/w1-check.jsonl`);
const missing = existsSync(`${outDir}/w1-missing`)
  ? readFileSync(`${outDir}/w1-missing`, 'utf8').split('\n').filter(Boolean) : [];
const inputBytes = statSync(input).size;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Figures for one label; a tool with any failed run has ok: false.
function summarize(label) {
  const rs = runs.filter((r) => r.label === label);
  if (rs.length === 0) return { label, runs: 0, ok: false, missing: missing.includes(label.split('-')[0]) };
  const good = rs.filter((r) => r.exit === 0 && r.signal === 0);
  const fig = good.length ? good : rs;
  return {
    label,
    runs: rs.length,
    failed_runs: rs.length - good.length,
    ok: good.length === rs.length,
    wall_s: median(fig.map((r) => r.wall_s)),
    wall_s_all: rs.map((r) => r.wall_s),
    peak_mb: Math.max(...fig.map((r) => r.peak_rss_mb)),
    peak_mb_all: rs.map((r) => r.peak_rss_mb),
    cpu_s: median(fig.map((r) => r.user_s + r.sys_s)),
    exits: rs.map((r) => (r.signal ? `signal ${r.signal}` : r.exit)),
  };
}

const baseline = summarize('node-baseline');
const tools = {};
const labels = ['sluice', 'duckdb', 'polars'];
if (runs.some((r) => r.label === 'polars-eager')) labels.push('polars-eager');
for (const t of labels) {
  const s = summarize(t);
  const out = `${outDir}/w1-${t}.parquet`;
  s.output_mb = existsSync(out) ? statSync(out).size / MB : null;
  const c = checks.find((x) => x.file === out);
  s.output_ok = c ? c.ok : false;
  s.output_check = c ? (c.ok ? 'ok' : c.mismatches.join('; ')) : 'not checked';
  if (s.peak_mb !== undefined && t !== 'sluice') s.peak_minus_node_mb = s.peak_mb - baseline.peak_mb;
  tools[t] = s;
}
const inspect = summarize('sluice-inspect');
if (inspect.ok) inspect.parse_mb_per_s = inputBytes / MB / inspect.wall_s;

// The string columns must agree between outputs too (the checker cannot know them).
const prints = new Set(checks.filter((c) => c.ok).map((c) => c.got.string_fingerprint));
const stringsAgree = prints.size <= 1;

const S = tools.sluice, D = tools.duckdb, P = tools.polars;
const usable = (t) => t.ok && t.output_ok;
const ratio = (a, b, k) => (usable(a) && usable(b) ? a[k] / b[k] : null);
const ratios = {
  time_vs_duckdb: ratio(S, D, 'wall_s'),
  memory_vs_duckdb: ratio(S, D, 'peak_mb'),
  output_vs_duckdb: ratio(S, D, 'output_mb'),
  time_vs_polars: ratio(S, P, 'wall_s'),
  memory_vs_polars: ratio(S, P, 'peak_mb'),
};
const goal = (r, limit, strict) => (r === null ? 'MISS' : (strict ? r < limit : r <= limit) ? 'PASS' : 'MISS');
const goals = {
  time_under_0_4x_duckdb: goal(ratios.time_vs_duckdb, 0.4, true),
  memory_under_0_2x_duckdb: goal(ratios.memory_vs_duckdb, 0.2, true),
  output_not_larger_than_duckdb: goal(ratios.output_vs_duckdb, 1.0, false),
};

// --- print -------------------------------------------------------------------------
const f = (x, d = 2) => (x === null || x === undefined ? '-' : x.toFixed(d));
const rx = (x) => (x === null ? 'n/a' : `${x.toFixed(2)}x`);
const status = (t) => (t.missing ? 'MISSING' : !t.runs ? 'not run' : !t.ok ? `FAILED (exits ${t.exits.join(',')})`
  : !t.output_ok ? `WRONG OUTPUT: ${t.output_check}` : 'ok');
console.log(`\nW1: ${(inputBytes / MB).toFixed(1)} MB NDJSON -> zstd Parquet, ${cpus().length} cores, ` +
            `${Math.max(...Object.values(tools).map((t) => t.runs), 0)} runs per tool (median wall, max peak RSS)\n`);
console.log('tool            wall s   peak MB   peak-node MB   cpu s   output MB   status');
for (const t of Object.values(tools)) {
  console.log(`${t.label.padEnd(14)} ${f(t.wall_s).padStart(7)} ${f(t.peak_mb, 0).padStart(9)} ` +
              `${(t.label === 'sluice' ? '' : f(t.peak_minus_node_mb, 0)).padStart(14)} ${f(t.cpu_s).padStart(7)} ` +
              `${f(t.output_mb, 1).padStart(11)}   ${status(t)}`);
}
console.log(`(empty node process: ${f(baseline.wall_s)} s, ${f(baseline.peak_mb, 0)} MB peak; ` +
            'DuckDB and Polars run inside node, sluice does not)');
console.log(`\nsluice/DuckDB: time ${rx(ratios.time_vs_duckdb)}, memory ${rx(ratios.memory_vs_duckdb)}, ` +
            `output ${ratios.output_vs_duckdb === null ? "n/a" : ratios.output_vs_duckdb.toFixed(3) + "x"}`);
console.log(`sluice/Polars: time ${rx(ratios.time_vs_polars)}, memory ${rx(ratios.memory_vs_polars)}`);
const why = usable(S) && usable(D) ? '' : ' (no valid measurement of both sluice and DuckDB)';
console.log(`\ngoal: time under 0.4x DuckDB's             ${goals.time_under_0_4x_duckdb}${why}`);
console.log(`goal: peak memory under 0.2x DuckDB's      ${goals.memory_under_0_2x_duckdb}${why}`);
console.log(`goal: zstd output no larger than DuckDB's  ${goals.output_not_larger_than_duckdb}${why}`);
console.log(`\nJSON parse throughput (sluice inspect): ` + (inspect.ok
  ? `${f(inspect.parse_mb_per_s, 0)} MB/s (${f(inspect.wall_s)} s, ${f(inspect.peak_mb, 0)} MB peak)`
  : (inspect.missing ? 'MISSING' : inspect.runs ? `FAILED (exits ${inspect.exits.join(',')})` : 'not run')));
if (!stringsAgree) console.log('string columns DIFFER between outputs (fingerprints: ' + [...prints].join(', ') + ')');

// --- results file and exit status ----------------------------------------------------
const failures = [];
for (const t of Object.values(tools)) if (status(t) !== 'ok') failures.push(`${t.label}: ${status(t)}`);
if (!inspect.ok) failures.push(`sluice inspect: ${inspect.missing ? 'MISSING' : 'FAILED'}`);
if (!stringsAgree) failures.push('string columns differ between outputs');
const missed = Object.entries(goals).filter(([, v]) => v !== 'PASS').map(([k]) => k);

const version = (m) => {
  try { return JSON.parse(readFileSync(`node_modules/${m}/package.json`, 'utf8')).version; } catch { return null; }
};
let commit = null;
try { commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
const results = {
  workload: 'W1', input: input, input_mb: inputBytes / MB,
  when: new Date().toISOString(), commit,
  machine: { cores: cpus().length, cpu: cpus()[0]?.model, kernel: release(), node: process.version },
  peers: { duckdb: version('@duckdb/node-api'), polars: version('nodejs-polars') },
  node_baseline: baseline, tools, sluice_inspect: inspect, ratios, goals,
  strings_agree: stringsAgree, failures, ok: failures.length === 0,
};
writeFileSync(`${outDir}/w1-results.json`, JSON.stringify(results, null, 2) + '\n');
console.log(`\nresults: ${outDir}/w1-results.json`);
if (failures.length) console.log(`FAILED: ${failures.join('; ')}`);
const strict = process.env.BENCH_STRICT === '1';
if (strict && missed.length) console.log(`MISSED (BENCH_STRICT=1): ${missed.join(', ')}`);
process.exit(failures.length || (strict && missed.length) ? 1 : 0);
