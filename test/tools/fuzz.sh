#!/usr/bin/env bash
# fuzz.sh TARGET PACKAGE DURATION: runs one fuzz target for DURATION, as `go test -fuzz` does,
# with one exception. Go 1.26's fuzzing coordinator can report its own -fuzztime deadline as a
# failure, "context deadline exceeded", when a worker is mid-input as the time runs out
# (golang/go#75804, fixed in Go 1.27). That run found nothing: no input was written under
# testdata/fuzz/TARGET. So when that is the only failure and no new input was written, the
# target's corpus is run once more as a plain test, and that run's result is the result.
# Any other failure, and any written input, fails as it would without this script.
set -uo pipefail
target=$1 pkg=$2 duration=$3
go=${GO:-go}
corpus="${pkg#./}/testdata/fuzz/$target"
before=$(ls "$corpus" 2>/dev/null | sort)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$go" test -run '^$' -fuzz "^${target}\$" -fuzztime "$duration" "$pkg" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
if [[ $status -eq 0 ]]; then
  exit 0
fi
after=$(ls "$corpus" 2>/dev/null | sort)
failures=$(grep -c -- '^--- FAIL' "$out")
if [[ "$before" == "$after" && $failures -eq 1 ]] && grep -qx '    context deadline exceeded' "$out" &&
  ! grep -qE 'panic:|Failing input written|fuzz: elapsed: .*, minimizing' "$out"; then
  echo "fuzz.sh: $target: the coordinator reported its own deadline (golang/go#75804) and wrote no input; running the corpus once more"
  exec "$go" test -count=1 -run "^${target}\$" "$pkg"
fi
exit "$status"
