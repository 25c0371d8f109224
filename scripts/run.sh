#!/usr/bin/env bash
# `make run`: the planner on its embedded SQLite store with the demo tenant, the app enrolled
# as the demo courier "Sam Courier". Stops the planner when the app closes.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-$PWD/data}
ADDR=${PLANNER_ADDR:-127.0.0.1:8787}
PLANNER=target/debug/doorstep-planner
FIELD=target/debug/doorstep-field
DEVICE=$DATA/device
mkdir -p "$DATA"

if [ ! -f "$DATA/planner.db" ]; then
  echo "==> seeding the demo tenant into $DATA/planner.db"
  "$PLANNER" demo --db "sqlite://$DATA/planner.db" --json > "$DATA/demo.json"
fi
python3 - "$DATA/demo.json" <<'PY'
import json, sys
demo = json.load(open(sys.argv[1]))
print("==> demo users (one-time enrolment codes):")
for u in demo["users"]:
    print(f"    {u['role']:<11} {u['name']:<14} {u['enrolment_code']}")
print(f"    dispatcher API token: {demo['dispatcher_token']}")
PY

"$PLANNER" serve --db "sqlite://$DATA/planner.db" --addr "$ADDR" &
PLANNER_PID=$!
trap 'kill $PLANNER_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -fsS "http://$ADDR/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

if "$FIELD" --data-dir "$DEVICE" status --json | grep -q '"planner_url":null'; then
  CODE=$(python3 -c "import json,sys; print([u for u in json.load(open(sys.argv[1]))['users'] if u['name']=='Sam Courier'][0]['enrolment_code'])" "$DATA/demo.json")
  echo "==> enrolling the app as Sam Courier"
  if ! "$FIELD" --data-dir "$DEVICE" enroll --planner "http://$ADDR" --code "$CODE"; then
    echo "The demo code was used by an earlier device. Run 'make clean-data' to start afresh." >&2
    exit 1
  fi
fi
"$FIELD" --data-dir "$DEVICE" sync || true

echo "==> starting the app (planner at http://$ADDR)"
DOORSTEP_DATA_DIR="$DEVICE" WEBKIT_DISABLE_DMABUF_RENDERER=1 target/debug/doorstep
