// W4's check: sluice's data_quality_report.json against the counts DuckDB found with
// SQL (bench/duckdb_w4.mjs's output) on the same files. Every count must be equal;
// prints one JSON line per comparison and exits 1 on any difference.
//
// usage: node bench/check_w4.mjs SLUICE_REPORT.json DUCKDB_OUTPUT.json
import {readFileSync} from 'node:fs';

const [repPath, duckPath] = process.argv.slice(2);
const rep = JSON.parse(readFileSync(repPath, 'utf8'));
const duck = JSON.parse(readFileSync(duckPath, 'utf8').trim().split('\n').pop());
const sum = (pred) => rep.checks.filter(pred).reduce((a, c) => a + c.failing_rows, 0);
const got = {};
for (const t of rep.tables) got[`rows ${t.name}`] = t.rows;
for (const t of ['students', 'classes', 'teachers', 'student_classes']) {
  got[`duplicate_rows ${t}`] = sum((c) => c.check === 'duplicate_rows' && c.table === t);
  got[`conflicting_duplicates ${t}`] = sum((c) => c.check === 'conflicting_duplicates' && c.table === t);
  got[`null_required ${t}`] = sum((c) => c.check === 'null_required' && c.table === t);
}
for (const k of ['student_classes.student_id', 'student_classes.class_id', 'classes.teacher_id']) {
  const [t, col] = k.split('.');
  got[`orphan_refs ${k}`] = sum((c) => c.check === 'orphan_refs' && c.table === t && c.column === col);
}
const rel = rep.relationships.find((r) => r.table === 'classes' && r.column === 'teacher_id');
got['coverage classes.teacher_id'] = rel ? rel.parent_keys_referenced : null;
got['over_capacity classes'] = sum((c) => c.check === 'over_capacity');
got['over_enrollment_limit students'] = sum((c) => c.check === 'over_enrollment_limit');
got['age_year_mismatch students'] = sum((c) => c.check === 'age_year_mismatch');
got['out_of_range'] = sum((c) => c.check === 'out_of_range');
got['duplicate_values students.email'] = sum((c) => c.check === 'duplicate_values' && c.table === 'students');
let bad = 0;
for (const [k, v] of Object.entries(duck)) {
  const ok = got[k] === v;
  bad += !ok;
  console.log(JSON.stringify({check: k, sluice: got[k] ?? null, duckdb: v, ok}));
}
process.exit(bad ? 1 : 0);
