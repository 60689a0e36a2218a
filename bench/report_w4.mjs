// Summary of benchmark W4, called by bench/w4.sh after the runs: per run label the
// median wall time, CPU time and the largest peak RSS, the ratios of sluice to DuckDB,
// the goal of DESIGN.md section 8 (over 3x DuckDB's speed: a time ratio under 0.33),
// and bench/out/w4-results.json.
//
// usage: node bench/report_w4.mjs OUTDIR DATADIR CHECKS_FAILED(0|1)
import {existsSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {cpus, release, totalmem} from 'node:os';

const [outDir, dataDir, checksArg] = process.argv.slice(2);
const runs = readFileSync(`${outDir}/w4-runs.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rep = JSON.parse(readFileSync(`${outDir}/w4-report-cold.json`, 'utf8'));
const rows = Object.fromEntries(rep.tables.map((t) => [t.name, t.rows]));
const bytes = readdirSync(dataDir).filter((f) => f.endsWith('.parquet'))
  .reduce((a, f) => a + statSync(`${dataDir}/${f}`).size, 0);
const okExit = (r) => r.signal === 0 && (r.exit === 0 || (r.label.startsWith('sluice') && r.exit === 1));
const res = {};
let failed = checksArg === '1';
for (const label of ['node', 'sluice-cold', 'sluice-warm', 'duckdb']) {
  const rs = runs.filter((r) => r.label === label);
  if (!rs.length || !rs.every(okExit)) failed = true;
  res[label] = {runs: rs.length, wall_s: median(rs.map((r) => r.wall_s)), cpu_s: median(rs.map((r) => r.user_s + r.sys_s)),
                peak_rss_mb: Math.max(...rs.map((r) => r.peak_rss_mb))};
}
const d = res.duckdb;
console.log(`\nW4: validate ${rows.students} students, ${rows.student_classes} enrollments, ${rows.classes} classes, ` +
            `${rows.teachers} teachers (${(bytes / 1e6).toFixed(1)} MB of Parquet); ${rep.summary.checks} checks`);
console.log('tool           wall s   cpu s   peak MB   time vs DuckDB   memory vs DuckDB');
for (const [k, v] of Object.entries(res))
  console.log(`${k.padEnd(13)} ${v.wall_s.toFixed(3).padStart(7)} ${v.cpu_s.toFixed(3).padStart(7)} ${v.peak_rss_mb.toFixed(0).padStart(9)}` +
              (k === 'node' || k === 'duckdb' ? '' : `   ${(v.wall_s / d.wall_s).toFixed(3).padStart(14)}x ${(v.peak_rss_mb / d.peak_rss_mb).toFixed(3).padStart(17)}x`));
const ratio = res['sluice-cold'].wall_s / d.wall_s;
const met = ratio < 1 / 3;
console.log(`goal: over 3x DuckDB's speed (time ratio under 0.333): cold ${ratio.toFixed(3)} ${met ? 'MET' : 'MISS'}` +
            `, ${(1 / ratio).toFixed(2)}x DuckDB's speed; warm ${(res['sluice-warm'].wall_s / d.wall_s).toFixed(3)}`);
writeFileSync(`${outDir}/w4-results.json`, JSON.stringify({
  workload: 'W4', rows, parquet_bytes: bytes, checks: rep.summary.checks, results: res,
  time_ratio_cold: ratio, time_ratio_warm: res['sluice-warm'].wall_s / d.wall_s, goal_met: met,
  machine: {cpus: cpus().length, cpu: cpus()[0]?.model, mem_gb: totalmem() / 1e9, kernel: release()},
}, null, 1) + '\n');
process.exit(failed || (process.env.BENCH_STRICT === '1' && !met) ? 1 : 0);
