#!/usr/bin/env bash
# Makes the databases the upgrade tests open: a courier's phone and a planner filled with the
# demo tenant and a synced day's first records, by the binaries of the current tree.
#   crates/field/tests/fixtures/upgrade/device.db      the phone's SQLite file
#   crates/planner/tests/fixtures/upgrade/planner.db   the planner on SQLite
#   crates/planner/tests/fixtures/upgrade/planner.sql  the planner on PostgreSQL (pg_dump --inserts)
#   crates/planner/tests/fixtures/upgrade/{sqlite,postgres}-demo.json  what `demo --json` printed
# Run it once when a store's schema has landed for good; the tests then keep proving that every
# later build opens what this one wrote. It needs PostgreSQL at 127.0.0.1:5432 (trust auth), or
# DOORSTEP_TEST_POSTGRES pointing at a server.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -p doorstep-field --bins
planner=target/debug/doorstep-planner
field=target/debug/doorstep-field
admin=${DOORSTEP_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
base=${admin%/*}
pgdb=doorstep_fixture_$$

work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# One planner ($1 = its database URL) seeded with the demo tenant, and a courier's phone
# ($2 = its data dir) that enrols as Kees, records a delivery, a failed attempt and a note, and
# syncs them; what `demo --json` printed goes to $3.
fill() {
  local db=$1 phone=$2 demo=$3
  "$planner" demo --db "$db" --json >"$work/demo.json"
  cp "$work/demo.json" "$demo"
  "$planner" serve --db "$db" --addr 127.0.0.1:0 >"$work/serve.log" 2>"$work/serve.err" &
  server=$!
  local url=
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$work/serve.log")
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$work/serve.err"; echo "the planner did not start" >&2; exit 1; }
  local code
  code=$(python3 -c 'import json,sys; print(next(u["enrolment_code"] for u in json.load(open(sys.argv[1]))["users"] if u["name"].startswith("Kees")))' "$work/demo.json")
  "$field" --data-dir "$phone" enroll --planner "$url" --code "$code" >/dev/null
  "$field" --data-dir "$phone" sync >/dev/null
  record "$phone"
  "$field" --data-dir "$phone" sync >/dev/null
  "$field" --data-dir "$phone" deliver --stop 4 --recipient "Jan Smit" --signature "$work/sig.json" >/dev/null
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=
}

# A delivery with a short line, a failed attempt and a condition note on phone $1.
record() {
  local phone=$1
  "$field" --data-dir "$phone" deliver --stop 1 --recipient "Femke de Graaf" --short 2:3:damaged \
    --signature "$work/sig.json" --gps 52.3639,4.8864,6 >/dev/null
  "$field" --data-dir "$phone" fail --stop 2 --reason nobody_home >/dev/null
  "$field" --data-dir "$phone" note --stop 3 --category damaged_goods --text "sack torn" >/dev/null
}

# A SQLite file as one small file: the WAL folded in, free pages dropped.
compact() {
  sqlite3 "$1" "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA journal_mode=DELETE;" >/dev/null
}

cat >"$work/sig.json" <<'JSON'
{"width": 300, "height": 120, "strokes": [[{"x": 10, "y": 60, "t": 0}, {"x": 80, "y": 20, "t": 40},
  {"x": 150, "y": 90, "t": 90}, {"x": 290, "y": 50, "t": 150}]]}
JSON

mkdir -p crates/field/tests/fixtures/upgrade crates/planner/tests/fixtures/upgrade

# The phone: the demo route and a day's first records, not yet synced.
device="$work/device"
"$field" --data-dir "$device" demo >/dev/null
record "$device"
"$field" --data-dir "$device" advance --stop 5 --status en_route >/dev/null
compact "$device/doorstep.db"
cp "$device/doorstep.db" crates/field/tests/fixtures/upgrade/device.db

# The planner on each store, a phone's records synced into it.
cargo build -p doorstep-planner --bins
fill "sqlite://$work/planner.db" "$work/phone" crates/planner/tests/fixtures/upgrade/sqlite-demo.json
compact "$work/planner.db"
cp "$work/planner.db" crates/planner/tests/fixtures/upgrade/planner.db

psql -q "$admin" -c "CREATE DATABASE $pgdb" >/dev/null
fill "$base/$pgdb" "$work/pg-phone" crates/planner/tests/fixtures/upgrade/postgres-demo.json
pg_dump --no-owner --no-privileges --inserts "$base/$pgdb" \
  | grep -v '^--' | grep -v '^\\' | cat -s >crates/planner/tests/fixtures/upgrade/planner.sql

ls -l crates/field/tests/fixtures/upgrade crates/planner/tests/fixtures/upgrade
