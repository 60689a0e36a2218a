#!/bin/sh
# make demo: the pipeline end to end on local directories. Until `sluice simulate`
# exists, it generates the school dataset (NDJSON tables and job-result documents),
# converts the nested students to relational Parquet, inspects the result, and
# generates the four school tables as Parquet directly.
set -eu
cd "$(dirname "$0")/.."
S=build/sluice
D=demo
rm -rf "$D"
mkdir -p "$D/input"

# A deterministic sample from the generator: the built-in school schema at 2,000
# students (teachers, classes, students with a nested address and guardian, and
# enrollments that respect class capacity), as NDJSON, plus the same data as
# job-result documents, one JSON file per job's batch.
echo "== the school schema"
$S schema show school | sed -n '1,12p'
echo "   ..."
echo
echo "== generate: NDJSON tables and 20 job-result documents in $D/input/"
$S generate --schema school --n 2000 --seed 42 --output-dir "$D/input"
$S generate --schema school --num-iterations 20 --max-batch-size 10 --output-dir "$D/input/jobs"
ls -l "$D/input" "$D/input/jobs" | sed -n '1,12p'
echo

echo "== check and infer: $D/input/students.ndjson ($(wc -l < "$D/input/students.ndjson") records)"
$S inspect "$D/input/students.ndjson"
echo
echo "== convert to Parquet tables in $D/output/"
$S convert "$D/input/students.ndjson" -o "$D/output"
ls -l "$D/output"
echo
echo "== the students table"
$S inspect "$D/output/students.parquet" | sed -n '1,40p'
echo
echo "== the whole school dataset as Parquet in $D/parquet/"
$S generate --schema school --n 2000 --seed 42 --format parquet --output-dir "$D/parquet"
ls -l "$D/parquet"
echo
echo "== first rows of the enrollments"
$S inspect --head 3 "$D/parquet/student_classes.parquet"
echo
echo "Done. Open the tables in DuckDB, for example:"
echo "  SELECT c.name, count(*) AS enrolled, any_value(c.capacity) AS capacity"
echo "    FROM '$D/parquet/student_classes.parquet' e JOIN '$D/parquet/classes.parquet' c USING (class_id)"
echo "   GROUP BY c.name ORDER BY enrolled DESC LIMIT 5;"
