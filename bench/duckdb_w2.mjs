// DuckDB side of benchmark W2: the job-result documents of a directory to the four
// tables (teachers, classes, students, student_classes) as zstd Parquet, the way a
// DuckDB user would, with DuckDB's own defaults (threads = cores, read_json's schema
// detection). bench/w2.sh runs it under bench/peak, one process per run, so the
// figures include the node process.
//
// Default: one COPY per table, each reading the files through a glob and unnesting that
// table's array (recursive := true also turns nested objects such as students.address
// into columns, as sluice flattens them; lists of scalars stay lists):
//
//   COPY (SELECT unnest(students, recursive := true) FROM read_json('IN/*.json'))
//     TO 'OUT/students.parquet' (FORMAT parquet, COMPRESSION zstd)
//
// So the files are read four times, each time for one column. With --table the files
// are read once into a table (CREATE TABLE docs AS SELECT * FROM read_json(...)) and
// the four COPYs read that table: the other way a user would write it, and much slower
// and larger here (see bench/README.md, W2).
//
// usage: node bench/duckdb_w2.mjs [--table] [--print-sql] IN_DIR OUT_DIR
import { DuckDBInstance } from '@duckdb/node-api';

const TABLES = ['teachers', 'classes', 'students', 'student_classes'];
const usage = () => {
  console.error('usage: node bench/duckdb_w2.mjs [--table] [--print-sql] IN_DIR OUT_DIR');
  process.exit(2);
};
const args = process.argv.slice(2);
let viaTable = false, printSql = false;
while (args[0]?.startsWith('--')) {
  const a = args.shift();
  if (a === '--table') viaTable = true;
  else if (a === '--print-sql') printSql = true;
  else usage();
}
const [inDir, outDir] = args;
if (!inDir || !outDir || args.length !== 2) usage();
const lit = (s) => `'${s.replaceAll("'", "''")}'`;
const source = `read_json(${lit(`${inDir}/*.json`)})`;

const sql = [];
if (viaTable) sql.push(`CREATE TABLE docs AS SELECT * FROM ${source}`);
for (const t of TABLES) {
  sql.push(`COPY (SELECT unnest(${t}, recursive := true) FROM ${viaTable ? 'docs' : source}) ` +
           `TO ${lit(`${outDir}/${t}.parquet`)} (FORMAT parquet, COMPRESSION zstd)`);
}
if (printSql) {
  console.log(sql.join(';\n') + ';');
  process.exit(0);
}

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
for (const s of sql) {
  const t0 = performance.now();
  await con.run(s);
  // One line per statement on stderr (the run's log): where DuckDB's time goes.
  console.error(`${((performance.now() - t0) / 1000).toFixed(3)} s  ${s.slice(0, 90)}`);
}
con.closeSync();
db.closeSync();
