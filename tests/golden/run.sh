#!/bin/sh
# Golden end-to-end tests: every folder under tests/golden/ is a case.
#
#   cmd              a shell script run inside the case folder, with $LEADC
#                    and $LEADVM naming the tools under test
#   expected.out     its exact standard output (absent: must be empty)
#   expected.err     its exact standard error (absent: not checked)
#   expected.status  its exit status (absent: 0)
#
# usage: run.sh [CASE_DIR...]      UPDATE=1 rewrites the expected files
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${LEADC:?set LEADC to the leadc under test}" "${LEADVM:?set LEADVM to the leadvm under test}"
export LEADC LEADVM
if [ $# -eq 0 ]; then set -- "$here"/*/; fi
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
for dir in "$@"; do
    dir=${dir%/}
    name=$(basename "$dir")
    [ -f "$dir/cmd" ] || continue
    (cd "$dir" && LC_ALL=C.UTF-8 NO_COLOR=1 timeout 60 sh ./cmd) >"$tmp/out" 2>"$tmp/err"
    status=$?
    want=0
    [ -f "$dir/expected.status" ] && want=$(cat "$dir/expected.status")
    if [ "${UPDATE:-}" = 1 ]; then
        cp "$tmp/out" "$dir/expected.out"; [ -s "$dir/expected.out" ] || rm -f "$dir/expected.out"
        cp "$tmp/err" "$dir/expected.err"; [ -s "$dir/expected.err" ] || rm -f "$dir/expected.err"
        if [ "$status" -ne 0 ]; then echo "$status" >"$dir/expected.status"; else rm -f "$dir/expected.status"; fi
        echo "updated $name"
        continue
    fi
    ok=1
    if [ "$status" -ne "$want" ]; then ok=0; echo "FAIL $name: exit status $status, expected $want"; fi
    if [ -f "$dir/expected.out" ]; then
        cmp -s "$dir/expected.out" "$tmp/out" || { ok=0; echo "FAIL $name: standard output differs"; diff -u "$dir/expected.out" "$tmp/out" | head -20; }
    elif [ -s "$tmp/out" ]; then
        ok=0; echo "FAIL $name: unexpected standard output"; head -5 "$tmp/out"
    fi
    if [ -f "$dir/expected.err" ]; then
        cmp -s "$dir/expected.err" "$tmp/err" || { ok=0; echo "FAIL $name: standard error differs"; diff -u "$dir/expected.err" "$tmp/err" | head -20; }
    fi
    if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "golden: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
