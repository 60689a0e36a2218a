#!/bin/sh
# Runs every test suite against the build in $SLUICE_BUILD (default build/):
# the cmocka unit tests, the fuzz corpus replay, and the end-to-end tests under
# node's test runner. Ends with one line "N passed, M failed" for CI.
set -u
cd "$(dirname "$0")/.."
B=${SLUICE_BUILD:-build}
export SLUICE_BUILD="$B"
passed=0
failed=0
failures=""

note_fail() { failed=$((failed + $1)); failures="$failures $2"; }

# Unit tests: cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)".
for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    out=$("$t" 2>&1)
    rc=$?
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    passed=$((passed + ${p:-0}))
    if [ "$rc" -ne 0 ]; then
        printf '%s\n' "$out" | tail -n 40
        note_fail "${f:-1}" "$name"
        echo "FAIL unit $name"
    else
        echo "ok   unit $name (${p:-0} tests)"
    fi
done

# Fuzz corpus replay: every saved input, including past crashes, must run clean.
for f in tests/fuzz/fuzz_*.c; do
    kind=${f#tests/fuzz/fuzz_}; kind=${kind%.c}
    r="$B/tests/fuzz_replay_$kind"
    if [ ! -x "$r" ]; then
        note_fail 1 "fuzz_replay_$kind(missing)"
        echo "FAIL fuzz replay $kind: $r was not built"
        continue
    fi
    if out=$("$r" "tests/fuzz/corpus/$kind" 2>&1); then
        passed=$((passed + 1))
        echo "ok   fuzz replay $kind ($(printf '%s' "$out" | tail -n 1))"
    else
        printf '%s\n' "$out" | tail -n 30
        note_fail 1 "fuzz_replay_$kind"
        echo "FAIL fuzz replay $kind"
    fi
done

# End-to-end: the binary run as a user runs it, outputs read back by DuckDB,
# Polars, hyparquet and parquet-wasm.
if ls tests/e2e/*.test.mjs >/dev/null 2>&1; then
    out=$(node --test --test-reporter=tap tests/e2e/ 2>&1)
    rc=$?
    p=$(printf '%s\n' "$out" | sed -n 's/^# pass \([0-9]*\)$/\1/p' | tail -n 1)
    f=$(printf '%s\n' "$out" | sed -n 's/^# fail \([0-9]*\)$/\1/p' | tail -n 1)
    passed=$((passed + ${p:-0}))
    if [ "$rc" -ne 0 ]; then
        # The failing tests first (at any depth), then what they said.
        printf '%s\n' "$out" | grep -E '^ *not ok' | head -n 20
        printf '%s\n' "$out" | grep -E '^ *not ok|error:|expected|actual|message' | head -n 80
        [ "${f:-0}" -eq 0 ] && f=1
        note_fail "$f" "e2e"
        echo "FAIL e2e (${f} failed, ${p:-0} passed)"
    else
        echo "ok   e2e (${p:-0} tests)"
    fi
fi

[ -n "$failures" ] && echo "failed suites:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
