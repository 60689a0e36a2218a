#!/bin/sh
# make demo: the pipeline end to end on local directories, as `sluice demo` runs it:
# an HTCondor-like pool of 100 generator jobs with a few faults of every kind,
# ingest following its event log, sync publishing the four school tables, then
# validate and docs where this build has them. Everything lands in ./demo/.
set -eu
cd "$(dirname "$0")/.."
rm -rf demo   # ./demo is make demo's own (git ignores it)
build/sluice demo --demo-dir demo --num-files 100
echo
sed -n '/^## The pool/,/^## Open them/p' demo/EXECUTIVE_SUMMARY.md | sed '$d'
