#!/usr/bin/env bash
# The benchmarks of DESIGN.md §7, one after another. Each prints its figures and its ratio to a
# floor measured in the same run, and exits non-zero when it misses its target; this script
# runs them all even past a miss, then lists the misses and exits non-zero if there was one.
#   scripts/bench.sh            every benchmark (P6 needs the app: `make app` first)
#   scripts/bench.sh P1 P4      only those
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
CARGO="${CARGO:-cargo}"

declare -A RUN=(
  [P1]="$CARGO bench -p doorstep-field --bench p1_record_pod"
  [P2]="$CARGO bench -p doorstep-planner --bench p2_courier_day"
  [P3]="$CARGO bench -p doorstep-planner --bench p3_ingest"
  [P4]="$CARGO bench -p doorstep-field --bench p4_territory"
  [P5]="$CARGO bench -p doorstep-planner --bench p5_territory_sync"
  [P6]="node tests/e2e/p6.bench.js"
)
ORDER=(P1 P4 P2 P3 P5 P6)
if [ "$#" -gt 0 ]; then ORDER=("$@"); fi

missed=()
for id in "${ORDER[@]}"; do
  cmd="${RUN[$id]:-}"
  if [ -z "$cmd" ]; then
    echo "bench.sh: no benchmark is called $id (known: ${!RUN[*]})" >&2
    exit 2
  fi
  echo "==== $id: $cmd"
  if ! $cmd; then
    missed+=("$id")
  fi
done

echo "==== benchmarks: ${#ORDER[@]} run, ${#missed[@]} missed their target"
for id in "${missed[@]}"; do
  echo "MISSED $id (see its lines above; rerun: scripts/bench.sh $id)"
done
[ "${#missed[@]}" -eq 0 ]
