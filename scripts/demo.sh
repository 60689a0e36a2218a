#!/bin/sh
# make demo: the pipeline end to end on local directories. Until `sluice simulate`
# exists, it writes a sample of nested job-result records as NDJSON, converts them
# to relational Parquet tables, and inspects the result.
set -eu
cd "$(dirname "$0")/.."
S=build/sluice
D=demo
rm -rf "$D"
mkdir -p "$D/input"

# A deterministic sample: 2,000 school job results, one per line, with a nested
# address, a list of tags, and an array of enrollments (a child table).
awk 'BEGIN {
    srand(42);
    split("Ada Grace Alan Barbara Edsger Frances Donald Margaret", first, " ");
    split("Lovelace Hopper Turing Liskov Dijkstra Allen Knuth Hamilton", last, " ");
    split("Denver Boston Austin Seattle Madison", city, " ");
    split("math physics history art biology", subj, " ");
    for (i = 0; i < 2000; i++) {
        f = first[int(rand() * 8) + 1]; l = last[int(rand() * 8) + 1];
        age = 14 + int(rand() * 5);
        printf "{\"student_id\":\"S%07d\",\"first_name\":\"%s\",\"last_name\":\"%s\",", i, f, l;
        printf "\"age\":%d,\"year\":%d,\"gpa\":%.2f,", age, age - 5, 2 + rand() * 2;
        printf "\"enrolled_on\":\"2026-%02d-%02d\",", 1 + int(rand() * 9), 1 + int(rand() * 28);
        printf "\"address\":{\"city\":\"%s\",\"zip\":\"%05d\"},", city[int(rand() * 5) + 1], int(rand() * 99999);
        printf "\"tags\":[\"%s\",\"%s\"],", subj[int(rand() * 5) + 1], subj[int(rand() * 5) + 1];
        printf "\"enrollments\":[";
        n = 1 + int(rand() * 3);
        for (k = 0; k < n; k++)
            printf "%s{\"class_id\":\"C%05d\",\"grade\":\"%s\",\"score\":%d}", k ? "," : "",
                   int(rand() * 500), substr("ABCDF", 1 + int(rand() * 5), 1), 50 + int(rand() * 50);
        printf "],\"job\":{\"cluster\":1042,\"proc\":%d,\"finished_at\":\"2026-11-21T10:%02d:%02dZ\"}}\n",
               int(i / 10), int(i / 60) % 60, i % 60;
    }
}' > "$D/input/students.ndjson"

echo "== input: $D/input/students.ndjson ($(wc -l < "$D/input/students.ndjson") records)"
$S inspect "$D/input/students.ndjson"
echo
echo "== convert to Parquet tables in $D/output/"
$S convert "$D/input/students.ndjson" -o "$D/output"
ls -l "$D/output"
echo
echo "== the students table"
$S inspect "$D/output/students.parquet" | sed -n '1,40p'
echo
echo "== first rows of the child table students__enrollments"
$S inspect --head 3 "$D/output/students__enrollments.parquet"
echo
echo "Done. Open the tables in DuckDB, for example:"
echo "  SELECT s.first_name, e.grade FROM '$D/output/students.parquet' s"
echo "    JOIN '$D/output/students__enrollments.parquet' e ON e._parent_key = s._key LIMIT 5;"
