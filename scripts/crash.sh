#!/usr/bin/env bash
# R2 (DESIGN.md §8) in one command: real SIGKILLs, counted.
#  - doorstep-field killed while it records (crates/field/tests/field/crash.rs, 60 kills);
#  - doorstep-field killed while it records AND syncs with a planner, KILLS times (default 200;
#    crates/planner/tests/planner/kill.rs): after each kill integrity_check is ok and nothing
#    confirmed is gone; at the end every confirmed POD is on the planner exactly once;
#  - doorstep-planner killed and restarted PLANNER_KILLS times per store (default 20) under a
#    device's pushes and photo uploads, on SQLite and on PostgreSQL.
# Ends with the totals. Needs PostgreSQL at 127.0.0.1:5432, as `make test` does.
# DOORSTEP_KILL_SEED=S replays the moments of a run (each test prints the seed it used).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

kills=${KILLS:-200}
planner_kills=${PLANNER_KILLS:-20}
logdir=target/crash-logs
mkdir -p "$logdir"
started=$(date +%s)

# One build of both test binaries and of the doorstep-field binary they drive.
cargo test -p doorstep-field -p doorstep-planner --no-run

echo "==> doorstep-field killed while it records (60 kills)"
cargo test -p doorstep-field --test field crash:: -- --nocapture 2>&1 | tee "$logdir/field.log"

echo "==> doorstep-field killed while it records and syncs ($kills kills); doorstep-planner killed under pushes and uploads ($planner_kills kills per store)"
DOORSTEP_KILLS=$kills DOORSTEP_PLANNER_KILLS=$planner_kills \
  cargo test -p doorstep-planner --test planner kill:: -- --nocapture --test-threads=1 2>&1 |
  tee "$logdir/planner.log"

# The summary lines the tests print, turned into totals.
summary=$(grep -h -E '^(crash|device kills|planner kills \([A-Za-z]+\)): [0-9]+ SIGKILLs' \
  "$logdir/field.log" "$logdir/planner.log")
field_only=$(sed -n -E 's/^crash: ([0-9]+) SIGKILLs.*/\1/p' <<<"$summary")
field_only_hit=$(sed -n -E 's/^crash: .* ([0-9]+) hit a running writer.*/\1/p' <<<"$summary")
field_only_pods=$(sed -n -E 's/^crash: .*; ([0-9]+) PODs confirmed.*/\1/p' <<<"$summary")
synced=$(sed -n -E 's/^device kills: ([0-9]+) SIGKILLs.*/\1/p' <<<"$summary")
synced_hit=$(sed -n -E 's/^device kills: .* ([0-9]+) hit a running writer.*/\1/p' <<<"$summary")
synced_sync=$(sed -n -E 's/^device kills: .* ([0-9]+) during a sync round.*/\1/p' <<<"$summary")
synced_pods=$(sed -n -E 's/^device kills: .*; ([0-9]+) PODs confirmed.*/\1/p' <<<"$summary")
synced_planner=$(sed -n -E 's/^device kills: .* ([0-9]+) PODs on the planner.*/\1/p' <<<"$summary")
planner_lines=$(grep -E '^planner kills' <<<"$summary" || true)
for v in field_only field_only_hit field_only_pods synced synced_hit synced_sync synced_pods synced_planner; do
  if [ -z "${!v}" ]; then
    echo "==> crash: a test did not print its summary ($v); see $logdir"
    exit 1
  fi
done

echo
echo "==> R2 totals ($(($(date +%s) - started)) s)"
echo "doorstep-field: $((field_only + synced)) SIGKILLs, $((field_only_hit + synced_hit)) of them hit a running writer"
echo "  while recording only:       $field_only kills, $field_only_hit hit the writer; $field_only_pods PODs confirmed, all on the device, integrity_check ok after every kill"
echo "  while recording and syncing: $synced kills, $synced_hit hit the writer, $synced_sync during a sync round; $synced_pods PODs confirmed, $synced_planner PODs on the planner (each once), integrity_check ok after every kill"
echo "doorstep-planner:"
sed -E 's/^planner kills /  /' <<<"$planner_lines"
