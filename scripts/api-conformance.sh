#!/usr/bin/env bash
# The API document (crates/planner/openapi.json) used as an integrator would use it:
#   1. openapi-python-client and openapi-typescript build a client from it, into
#      target/api-conformance/ (not checked in); the Python package is imported and the
#      TypeScript types are compiled, so a client that builds but cannot load fails too;
#   2. schemathesis runs against a real planner (a temp SQLite data dir seeded with
#      `doorstep-planner demo`, a sales rep's phone enrolled, served on a free port) with a fixed
#      seed, and fails on any server error or any answer the document does not describe.
# The caller builds the planner: this script runs target/debug/doorstep-planner as it is
# (`cargo build -p doorstep-planner`; PLANNER=path runs another build). The tools come from
# scripts/install-deps.sh. About a minute on 2 cores (6,000 cases).
# SEED=N and EXAMPLES=N change the seed and the cases per operation; the failures, each with a
# curl line that replays it, are in the output and in target/api-conformance/report/.
set -euo pipefail
cd "$(dirname "$0")/.."

PLANNER=${PLANNER:-target/debug/doorstep-planner}
VENV=${DOORSTEP_API_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/doorstep/api-tools}
TOOLS=scripts/api-tools
DOC=crates/planner/openapi.json
OUT=target/api-conformance
SEED=${SEED:-20261202}
EXAMPLES=${EXAMPLES:-150}

need() {
  [ -e "$1" ] || { echo "api-conformance: $1 is missing: $2" >&2; exit 2; }
}
need "$PLANNER" "build the planner first (cargo build -p doorstep-planner)"
for tool in "$VENV/bin/schemathesis" "$VENV/bin/openapi-python-client" \
  "$TOOLS/node_modules/.bin/openapi-typescript" "$TOOLS/node_modules/.bin/tsc"; do
  need "$tool" "install the tools first (bash scripts/install-deps.sh)"
done

rm -rf "$OUT"
mkdir -p "$OUT"

# The planner serves the checked-in document byte for byte (a test holds it to the code), so
# the clients are built from the file schemathesis reads from the planner.
echo "==> Python client (openapi-python-client, warnings are failures)"
"$VENV/bin/openapi-python-client" generate --path "$DOC" --config "$TOOLS/python-client.yaml" \
  --meta none --output-path "$OUT/python/doorstep_planner_client" --fail-on-warning
PYTHONPATH="$OUT/python" "$VENV/bin/python" - <<'PY'
# The package and every operation's module import. One known generator bug is let through by
# name: with two request content types (POST /v1/import: JSON or CSV) openapi-python-client
# 0.29.1 annotates the body `... | Unset` without importing Unset.
import importlib, pkgutil
import doorstep_planner_client as client
names = [m.name for m in pkgutil.walk_packages(client.__path__, client.__name__ + ".")]
for name in names:
    try:
        importlib.import_module(name)
    except NameError as e:
        if not (name.endswith(".api.dispatch.import_file") and e.name == "Unset"):
            raise
        print(f"{name}: the generator's known Unset bug (a body of two content types)")
ops = [n for n in names if n.startswith(client.__name__ + ".api.") and n.count(".") == 3]
print(f"doorstep_planner_client: {len(names)} modules, {len(ops)} operations")
PY
echo "==> TypeScript client (openapi-typescript, then tsc --strict)"
"$TOOLS/node_modules/.bin/openapi-typescript" "$DOC" --output "$OUT/typescript/planner.ts"
"$TOOLS/node_modules/.bin/tsc" --noEmit --strict --skipLibCheck false "$OUT/typescript/planner.ts"

echo "==> schemathesis against a planner"
work=$(mktemp -d)
planner_pid=
cleanup() {
  if [ -n "$planner_pid" ]; then
    kill "$planner_pid" 2>/dev/null || true
    wait "$planner_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
db="sqlite://$work/planner.db"
"$PLANNER" demo --db "$db" --json >"$work/demo.json"
RUST_LOG=warn "$PLANNER" serve --db "$db" --addr 127.0.0.1:0 >"$work/serve.out" 2>"$OUT/planner.log" &
planner_pid=$!
url=
for _ in $(seq 1 200); do
  url=$(sed -n 's/^listening on //p' "$work/serve.out")
  [ -n "$url" ] && break
  kill -0 "$planner_pid" 2>/dev/null || { cat "$OUT/planner.log" >&2; exit 1; }
  sleep 0.05
done
[ -n "$url" ] || { echo "api-conformance: the planner did not say where it listens" >&2; exit 1; }

# A dispatcher's token from the demo, and a device token: Rosa Sales's phone enrolled with her
# code (a sales rep's phone calls the sync, photo and territory endpoints).
read -r DOORSTEP_DISPATCHER_TOKEN rep_code < <("$VENV/bin/python" -c '
import json, sys
demo = json.load(open(sys.argv[1]))
rep = next(u for u in demo["users"] if u["role"] == "sales_rep")
print(demo["dispatcher_token"], rep["enrolment_code"])' "$work/demo.json")
device_id=$(cat /proc/sys/kernel/random/uuid)
DOORSTEP_DEVICE_TOKEN=$("$VENV/bin/python" -c '
import json, sys, urllib.request
url, code, device = sys.argv[1:]
body = json.dumps({"code": code, "device_id": device, "device_name": "schemathesis"}).encode()
req = urllib.request.Request(url + "/v1/enroll", body, {"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req))["token"])' "$url" "$rep_code" "$device_id")
export DOORSTEP_DISPATCHER_TOKEN DOORSTEP_DEVICE_TOKEN

# Every check (`--checks all`); none is excluded. Where a schema-valid request may still be
# refused (a rule across fields or records, which JSON Schema cannot say), schemathesis.toml
# adds that refusal to what the check expects for that one operation, with the rule. The run is
# reproducible from its seed: one worker, no example database, no time budget.
set +e
"$VENV/bin/schemathesis" --config-file "$TOOLS/schemathesis.toml" --no-color run "$url/openapi.json" \
  --checks all \
  --seed "$SEED" \
  --max-examples "$EXAMPLES" \
  --workers 1 \
  --generation-database none \
  --report junit,ndjson --report-dir "$OUT/report" \
  2>&1 | tee "$OUT/schemathesis.log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  echo "==> api-conformance FAILED: schemathesis found answers the document does not describe" \
    "(seed $SEED; see $OUT/schemathesis.log)"
  exit "$rc"
fi
echo "==> api-conformance: the clients build and the planner answers as its document says"
