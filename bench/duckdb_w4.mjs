// W4's peer: DuckDB running, as SQL over the Parquet files, the checks `sluice
// validate` makes on the school tables: primary-key uniqueness (duplicate rows and
// duplicated keys), not-null of every required column, foreign keys (orphans and
// coverage), class capacity, enrollments per student, age against year, ranges and
// enums the schema declares, and per-column profiles (SUMMARIZE: min, max, approximate
// distinct count, mean, quartiles, nulls). Prints one JSON object of the counts found,
// which bench/check_w4.mjs compares with sluice's report.
//
// usage: node bench/duckdb_w4.mjs DIR MAX_ENROLLMENTS
import {DuckDBInstance} from '@duckdb/node-api';

const [dir, maxArg] = process.argv.slice(2);
const MAX = Number(maxArg);
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const p = (t) => `read_parquet('${dir}/${t}.parquet')`;
const one = async (sql) => Number(Object.values((await con.runAndReadAll(sql)).getRowObjects()[0])[0]);

const out = {};
// the four tables as views, so each query reads the files as a user's SQL would
for (const t of ['students', 'classes', 'teachers', 'student_classes'])
  await con.run(`CREATE VIEW ${t} AS SELECT * FROM ${p(t)}`);
const keys = {students: ['student_id'], classes: ['class_id'], teachers: ['teacher_id'],
              student_classes: ['student_id', 'class_id']};
for (const [t, k] of Object.entries(keys)) {
  out[`rows ${t}`] = await one(`SELECT count(*) FROM ${t}`);
  out[`duplicate_rows ${t}`] = await one(`SELECT (SELECT count(*) FROM ${t}) - (SELECT count(*) FROM (SELECT DISTINCT * FROM ${t}))`);
  out[`conflicting_duplicates ${t}`] = await one(
    `SELECT (SELECT count(*) FROM (SELECT DISTINCT * FROM ${t})) - (SELECT count(*) FROM (SELECT DISTINCT ${k.join(', ')} FROM ${t}))`);
  // not null: every column the schema declares required (all of them but guardian_phone)
  const cols = (await con.runAndReadAll(`DESCRIBE ${t}`)).getRowObjects().map((r) => r.column_name)
    .filter((c) => c !== 'guardian_phone');
  out[`null_required ${t}`] = await one(`SELECT ${cols.map((c) => `count(*) - count(${c})`).join(' + ')} FROM ${t}`);
  // profiles
  await con.runAndReadAll(`SUMMARIZE ${t}`);
}
out['orphan_refs student_classes.student_id'] = await one(`SELECT count(*) FROM student_classes ANTI JOIN students USING (student_id)`);
out['orphan_refs student_classes.class_id'] = await one(`SELECT count(*) FROM student_classes ANTI JOIN classes USING (class_id)`);
out['orphan_refs classes.teacher_id'] = await one(`SELECT count(*) FROM classes ANTI JOIN teachers USING (teacher_id)`);
out['coverage classes.teacher_id'] = await one(`SELECT count(DISTINCT teacher_id) FROM classes SEMI JOIN teachers USING (teacher_id)`);
out['over_capacity classes'] = await one(
  `SELECT count(*) FROM classes c JOIN (SELECT class_id, count(*) n FROM (SELECT DISTINCT student_id, class_id FROM student_classes) GROUP BY 1) e USING (class_id) WHERE e.n > c.capacity`);
out['over_enrollment_limit students'] = await one(
  `SELECT count(*) FROM (SELECT student_id FROM (SELECT DISTINCT student_id, class_id FROM student_classes) SEMI JOIN students USING (student_id) GROUP BY 1 HAVING count(*) > ${MAX})`);
out['age_year_mismatch students'] = await one(`SELECT count(*) FROM (SELECT DISTINCT student_id, age, year FROM students) WHERE age - year NOT IN (5, 6)`);
out['out_of_range'] = await one(`SELECT
    (SELECT count(*) FROM students WHERE year NOT BETWEEN 9 AND 12 OR gpa NOT BETWEEN 0 AND 4)
  + (SELECT count(*) FROM classes WHERE capacity NOT BETWEEN 130 AND 182 OR term NOT IN ('Fall 2026', 'Spring 2027'))
  + (SELECT count(*) FROM teachers WHERE salary NOT BETWEEN 35000 AND 140000)
  + (SELECT count(*) FROM student_classes WHERE score NOT BETWEEN 0 AND 100)`);
out['duplicate_values students.email'] = await one(`SELECT count(*) - count(DISTINCT email) FROM (SELECT DISTINCT student_id, email FROM students)`);
console.log(JSON.stringify(out));
