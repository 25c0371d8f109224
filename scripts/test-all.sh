#!/usr/bin/env bash
# Runs every check and test, in order of cost, and ends with one line "N passed, M failed"
# summing the Rust, UI and end-to-end test counts. Stops at the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

logdir=target/test-logs
mkdir -p "$logdir"
passed=0
failed=0

step() {
  local name=$1; shift
  echo "==> $name: $*"
  local log="$logdir/$name.log"
  set +e
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  count "$name" "$log"
  if [ "$rc" -ne 0 ]; then
    echo "==> $name FAILED (exit $rc)"
    echo "$passed passed, $((failed > 0 ? failed : 1)) failed"
    exit "$rc"
  fi
}

# Adds the passed/failed counts a runner printed in log $2 (of step $1) to the totals.
count() {
  local p f
  read -r p f < <(sed 's/\x1b\[[0-9;]*m//g' "$2" | awk -v step="$1" '
    (step == "rust-test" || step == "sim-planted") && /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
    (step == "ui-test" || step == "ui-test-any-date") && /^ *Tests / { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
    step == "e2e" && /^# pass / { p += $3 }
    step == "e2e" && /^# fail / { f += $3 }
    END { print p + 0, f + 0 }')
  passed=$((passed + p)); failed=$((failed + f))
}

step fmt-check cargo fmt --all --check
step ui-check make --no-print-directory ui-check
step ui-test make --no-print-directory ui-test
# The same UI suite with the machine's clock a year ahead, in New Zealand: it must not notice.
step ui-test-any-date bash ui/scripts/test-any-date.sh
step clippy cargo clippy --workspace --all-targets -- -D warnings
# In a time zone far from UTC (and from the fixtures' Amsterdam): no Rust test may read the
# machine's zone or date; the harnesses run on a FakeClock.
step rust-test env TZ=America/Los_Angeles cargo test --workspace
step sim make --no-print-directory sim
step sim-planted make --no-print-directory sim-planted
step api-conformance make --no-print-directory api-conformance
step e2e make --no-print-directory e2e

echo "$passed passed, $failed failed"
