// DuckDB side of benchmark W1: converts an NDJSON file to zstd Parquet the way a
// DuckDB user would, with one COPY statement and DuckDB's own defaults (threads =
// cores, type inference by read_ndjson_auto). bench/run.sh runs it under bench/peak,
// one process per run, so the figures include the node process (see README).
//
// usage: node bench/duckdb_w1.mjs INPUT.ndjson OUTPUT.parquet
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node bench/duckdb_w1.mjs INPUT.ndjson OUTPUT.parquet');
  process.exit(2);
}
const lit = (s) => `'${s.replaceAll("'", "''")}'`;

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(`COPY (SELECT * FROM read_ndjson_auto(${lit(input)})) TO ${lit(output)} ` +
              `(FORMAT parquet, COMPRESSION zstd)`);
con.closeSync();
db.closeSync();
