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

count() {
  local p=0 f=0
  case "$1" in
    rust-test)
      p=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$2" | awk '{s+=$4} END {print s+0}')
      f=$(grep -Eo '[0-9]+ failed;' "$2" | awk '{s+=$1} END {print s+0}') ;;
    ui-test)
      p=$(grep -E '^\s*Tests\s' "$2" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
      f=$(grep -E '^\s*Tests\s' "$2" | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}') ;;
    e2e)
      p=$(grep -E '^# pass [0-9]+' "$2" | awk '{s+=$3} END {print s+0}')
      f=$(grep -E '^# fail [0-9]+' "$2" | awk '{s+=$3} END {print s+0}') ;;
  esac
  passed=$((passed + p)); failed=$((failed + f))
}

step fmt-check cargo fmt --all --check
step ui-check make --no-print-directory ui-check
step ui-test make --no-print-directory ui-test
step clippy cargo clippy --workspace --all-targets -- -D warnings
step rust-test cargo test --workspace
step e2e make --no-print-directory e2e

echo "$passed passed, $failed failed"
