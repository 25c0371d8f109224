#!/usr/bin/env bash
# The UI suite once more, on a machine whose clock says a year from now, in New Zealand
# (UTC+13 in November: the local date runs a day ahead of UTC for half of it). The suite runs on
# its own fake clock (src/test/setup.ts) and the screens take "today" from the engine, so this
# pass must be as green as `npm test`; it fails the day a test or a screen reads the machine's
# clock again.
#
#   scripts/test-any-date.sh                        # a year ahead, TZ=Pacific/Auckland
#   scripts/test-any-date.sh America/Los_Angeles    # a year ahead, another zone
#   SHIFT=+800d scripts/test-any-date.sh            # another shift (libfaketime's syntax)
#
# Needs libfaketime (`faketime`, Debian package faketime; scripts/install-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

zone="${1:-Pacific/Auckland}"
shift_by="${SHIFT:-+365d}"

if ! command -v faketime >/dev/null 2>&1; then
  echo "faketime is not installed: apt-get install faketime (scripts/install-deps.sh does it)" >&2
  exit 1
fi

# libfaketime works by LD_PRELOAD: prove that node really sees the shifted date before trusting a
# green run (a statically linked node would ignore it and the pass would prove nothing).
real_ms=$(node -e 'process.stdout.write(String(Date.now()))')
fake_ms=$(faketime -f "$shift_by" node -e 'process.stdout.write(String(Date.now()))')
moved_days=$(( (fake_ms - real_ms) / 86400000 ))
if [ "$moved_days" -lt 1 ]; then
  echo "faketime did not move node's clock (moved $moved_days days): this pass would prove nothing" >&2
  exit 1
fi
shown=$(TZ="$zone" faketime -f "$shift_by" node -e 'process.stdout.write(new Date().toString())')
echo "==> UI tests with the machine's clock at: $shown"

# Only the wall clock moves; the monotonic clock stays true so timeouts keep their length.
export FAKETIME_DONT_FAKE_MONOTONIC=1
TZ="$zone" exec faketime -f "$shift_by" npx vitest run
