#!/usr/bin/env bash
# End-to-end stories of the Doorstep app over WebDriver.
#
# Starts a virtual display (Xvfb) and one tauri-driver (which runs WebKitWebDriver, which starts
# the app), seeds a fresh data dir with today's demo route, runs the stories in tests/e2e with
# Node's test runner, and stops everything it started. The last line reads `N passed, M failed`.
# Test files run one after another (one app session at a time through the one tauri-driver);
# a file may start the app on a data dir of its own (tests/e2e/planner.test.js: an empty phone
# enrolled against a planner it starts itself; tests/e2e/rep.test.js: likewise, as a sales rep).
#
# Needs: target/debug/doorstep built with `cargo build --features custom-protocol` (serves
# ui/dist), target/debug/doorstep-field, target/debug/doorstep-planner, Xvfb, WebKitWebDriver,
# tauri-driver, node >= 20 (`make e2e` builds all three binaries).
# Screenshots: target/e2e-screens/. Environment overrides: E2E_APP, E2E_FIELD_BIN, E2E_PLANNER_BIN,
# E2E_KEEP_DATA=1 (keep the temp data dir), TAURI_DRIVER (path of tauri-driver),
# E2E_SERVE_DIST=1 (only for a binary built WITHOUT custom-protocol, which loads the devUrl
# http://localhost:1420: serve ui/dist there for the run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP="${E2E_APP:-$ROOT/target/debug/doorstep}"
FIELD="${E2E_FIELD_BIN:-$ROOT/target/debug/doorstep-field}"
PLANNER="${E2E_PLANNER_BIN:-$ROOT/target/debug/doorstep-planner}"
TAURI_DRIVER="${TAURI_DRIVER:-$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")}"
NATIVE_DRIVER="${NATIVE_DRIVER:-$(command -v WebKitWebDriver || echo /usr/bin/WebKitWebDriver)}"
SCREENS="$ROOT/target/e2e-screens"

die() { echo "e2e: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

[ -x "$APP" ] || die "app binary not found: $APP (build it with: cargo build --features custom-protocol)"
[ -x "$FIELD" ] || die "doorstep-field not found: $FIELD"
[ -x "$PLANNER" ] || die "doorstep-planner not found: $PLANNER (make app builds it)"
[ -x "$TAURI_DRIVER" ] || die "tauri-driver not found (cargo install tauri-driver --version ^2 --locked)"
[ -x "$NATIVE_DRIVER" ] || die "WebKitWebDriver not found (apt-get install webkit2gtk-driver)"
command -v Xvfb >/dev/null || die "Xvfb not found (apt-get install xvfb)"
command -v node >/dev/null || die "node not found"

XVFB_PID=""
DRIVER_PID=""
DIST_PID=""
DATA_DIR=""
WORK="$(mktemp -d -t doorstep-e2e.XXXXXX)"

cleanup() {
  local rc=$?
  if [ -n "$DRIVER_PID" ]; then
    # tauri-driver runs in its own process group (setsid): WebKitWebDriver and the app go with it.
    kill -TERM -- "-$DRIVER_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$DRIVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$DRIVER_PID" 2>/dev/null || true
    wait "$DRIVER_PID" 2>/dev/null || true
  fi
  if [ -n "$DIST_PID" ]; then
    kill -TERM "$DIST_PID" 2>/dev/null || true
    wait "$DIST_PID" 2>/dev/null || true
  fi
  if [ -n "$XVFB_PID" ]; then
    kill -TERM "$XVFB_PID" 2>/dev/null || true
    wait "$XVFB_PID" 2>/dev/null || true
  fi
  if [ -n "$DATA_DIR" ] && [ "${E2E_KEEP_DATA:-0}" != "1" ]; then
    rm -rf "$DATA_DIR"
  elif [ -n "$DATA_DIR" ]; then
    echo "e2e: data dir kept at $DATA_DIR"
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p="$1"
  while port_in_use "$p" || [ "$p" = "${2:-}" ]; do p=$((p + 1)); done
  echo "$p"
}

# --- virtual display
DISPLAY_NUM=99
while [ -e "/tmp/.X${DISPLAY_NUM}-lock" ] || [ -e "/tmp/.X11-unix/X${DISPLAY_NUM}" ]; do
  DISPLAY_NUM=$((DISPLAY_NUM + 1))
done
Xvfb ":$DISPLAY_NUM" -screen 0 1280x1024x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 1 100); do
  [ -e "/tmp/.X11-unix/X${DISPLAY_NUM}" ] && break
  kill -0 "$XVFB_PID" 2>/dev/null || { cat "$WORK/xvfb.log" >&2; die "Xvfb :$DISPLAY_NUM did not start"; }
  sleep 0.1
done
[ -e "/tmp/.X11-unix/X${DISPLAY_NUM}" ] || die "Xvfb :$DISPLAY_NUM did not open its socket"

# --- a fresh device store with today's demo route
DATA_DIR="$(mktemp -d -t doorstep-e2e-data.XXXXXX)"
"$FIELD" --data-dir "$DATA_DIR" demo >/dev/null

# --- optional: the devUrl for a binary built without custom-protocol
if [ "${E2E_SERVE_DIST:-0}" = "1" ]; then
  [ -f "$ROOT/ui/dist/index.html" ] || die "ui/dist is not built (npm --prefix ui run build)"
  port_in_use 1420 && die "E2E_SERVE_DIST=1 but port 1420 is taken"
  node "$ROOT/tests/e2e/lib/serve-dist.js" "$ROOT/ui/dist" 1420 >"$WORK/dist.log" 2>&1 &
  DIST_PID=$!
  for _ in $(seq 1 50); do port_in_use 1420 && break; sleep 0.1; done
  port_in_use 1420 || die "could not serve ui/dist at :1420"
  echo "e2e: serving ui/dist at http://localhost:1420 (E2E_SERVE_DIST=1)"
fi

# --- one tauri-driver for the whole run
PORT="$(free_port "${E2E_PORT:-4444}")"
NATIVE_PORT="$(free_port $((PORT + 1)) "$PORT")"
export DISPLAY=":$DISPLAY_NUM"
export WEBKIT_DISABLE_DMABUF_RENDERER=1
export DOORSTEP_DATA_DIR="$DATA_DIR"
setsid "$TAURI_DRIVER" --port "$PORT" --native-port "$NATIVE_PORT" --native-driver "$NATIVE_DRIVER" \
  >"$WORK/tauri-driver.log" 2>&1 &
DRIVER_PID=$!
URL="http://127.0.0.1:$PORT"
up=0
for _ in $(seq 1 100); do
  if node -e 'fetch(process.argv[1] + "/status").then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$URL"; then
    up=1
    break
  fi
  kill -0 "$DRIVER_PID" 2>/dev/null || break
  sleep 0.2
done
[ "$up" = 1 ] || { cat "$WORK/tauri-driver.log" >&2; die "tauri-driver did not answer at $URL"; }
echo "e2e: display :$DISPLAY_NUM, tauri-driver $URL (native $NATIVE_PORT), data $DATA_DIR"

# --- the stories
mkdir -p "$SCREENS"
rm -f "$SCREENS/interactions.json" # each test file adds its own to it
set +e
(
  cd "$ROOT/tests/e2e" &&
    E2E_WEBDRIVER_URL="$URL" E2E_DATA_DIR="$DATA_DIR" E2E_FIELD_BIN="$FIELD" E2E_APP="$APP" \
      E2E_PLANNER_BIN="$PLANNER" E2E_SCREENS_DIR="$SCREENS" \
      node --test --test-concurrency=1 --test-reporter=tap
) 2>&1 | tee "$WORK/tap.log"
rc=${PIPESTATUS[0]}
set -e

if [ "$rc" -ne 0 ]; then
  echo "---- tauri-driver log (last 40 lines)"
  tail -n 40 "$WORK/tauri-driver.log" || true
fi

echo "---- interactions counted (budgets: DESIGN.md §10)"
grep -E '^\s*# interactions:' "$WORK/tap.log" | sed -E 's/^\s*# //' || true
if [ -f "$SCREENS/interactions.json" ]; then
  node -e 'for (const q of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).quirks) console.log("webdriver quirk: " + q)' \
    "$SCREENS/interactions.json" || true
fi
echo "screenshots: $SCREENS"

pass="$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$WORK/tap.log" | tail -n 1)"
fail="$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$WORK/tap.log" | tail -n 1)"
cancelled="$(sed -nE 's/^# cancelled ([0-9]+)$/\1/p' "$WORK/tap.log" | tail -n 1)"
pass="${pass:-0}"
fail=$(( ${fail:-0} + ${cancelled:-0} )) # a story cancelled (e.g. the app never came up) did not pass
[ "$rc" -eq 0 ] || [ "$fail" -gt 0 ] || fail=1 # the runner failed outside any story
echo "$pass passed, $fail failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ]
