#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh Debian 12 machine.
# Idempotent: every step checks first, so a second run costs seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libwebkit2gtk-4.1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev
  libgtk-3-dev webkit2gtk-driver xvfb build-essential libssl-dev pkg-config
  curl file xauth faketime
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v node >/dev/null 2>&1; then
  echo "==> apt-get install nodejs npm"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi

if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "==> cargo install tauri-driver"
  cargo install tauri-driver --version '^2' --locked
fi

if [ -f ui/package.json ]; then
  if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    echo "==> npm ci (ui)"
    (cd ui && npm ci --no-audit --no-fund)
  fi
fi
if [ -f tests/e2e/package.json ]; then
  if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then
    echo "==> npm ci (tests/e2e)"
    (cd tests/e2e && npm ci --no-audit --no-fund)
  fi
fi
# PostgreSQL (DESIGN.md §6): the planner's production store; the storage conformance suite and
# the stories run on it. CI machines have a cluster at 127.0.0.1:5432 with trust auth.
pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_ready; then
  echo "==> apt-get install postgresql"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql
fi
if ! pg_ready; then
  echo "==> starting PostgreSQL"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  version=$(ls /etc/postgresql | sort -V | tail -1)
  conf=/etc/postgresql/$version/main
  # Local test cluster: trust on loopback, as on the CI machines.
  if ! $SUDO grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"
  fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  pg_ready || { echo "PostgreSQL did not start on 127.0.0.1:5432; see /var/log/postgresql/" >&2; exit 1; }
fi
# The API conformance tools (scripts/api-conformance.sh): schemathesis and openapi-python-client
# in a venv under ~/.cache/doorstep (every package pinned in scripts/api-tools/requirements.txt;
# made again when that file changes), openapi-typescript and TypeScript from the lockfile in
# scripts/api-tools. Debian's own Python 3 (3.11 on Debian 12), whose venv module is a package.
api_python=/usr/bin/python3
if ! "$api_python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "==> apt-get install python3 python3-venv"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3 python3-venv
fi
api_venv=${DOORSTEP_API_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/doorstep/api-tools}
api_reqs=scripts/api-tools/requirements.txt
if ! cmp -s "$api_reqs" "$api_venv/requirements.txt" \
  || ! "$api_venv/bin/python" -c 'import schemathesis, openapi_python_client' >/dev/null 2>&1; then
  echo "==> pip install -r $api_reqs (into $api_venv)"
  rm -rf "$api_venv"
  "$api_python" -m venv "$api_venv"
  "$api_venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$api_reqs"
  cp "$api_reqs" "$api_venv/requirements.txt"
fi
if [ ! -d scripts/api-tools/node_modules ] \
  || [ scripts/api-tools/package-lock.json -nt scripts/api-tools/node_modules/.package-lock.json ]; then
  echo "==> npm ci (scripts/api-tools)"
  (cd scripts/api-tools && npm ci --no-audit --no-fund)
fi
echo "==> dependencies ready"
