#!/usr/bin/env bash
# Fuzzes the JSON API from its own OpenAPI document (/api/openapi.json) with schemathesis, four times:
# anonymous, with a bank's API token, with an SME's session and with the operator's session. Fails when any answer is a server error,
# has a status the document does not declare for its operation, or a body or content type that does not
# match the declared one.
#
#     scripts/api-fuzz.sh            (scripts/test.sh runs it after the cargo tests)
#
# - schemathesis (pinned below) is installed from PyPI into a virtual environment cached in
#   ~/.cache/finmart (FINMART_TOOLS_CACHE); under CI=true a failed install fails, elsewhere it skips.
# - It drives the built binary ($FINMART_BIN, else $CARGO_TARGET_DIR/debug/finmart, built first):
#   `finmart demo` on a free loopback port with its own temporary data directory (SQLite, sessions in the
#   database), so the fuzzer's writes are thrown away with it. The API rate limits are off for the run.
# - Bounded: at most FINMART_FUZZ_EXAMPLES cases per operation and phase (default 25) from a fixed seed
#   (FINMART_FUZZ_SEED, default 14), and each run is stopped after FINMART_FUZZ_RUN_SECONDS (default 300).
# - The last line is "api fuzz: N passed, N failed" (runs); reports are kept in $FINMART_FUZZ_REPORTS when set.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
SCHEMATHESIS_VERSION=4.32.5
EXAMPLES=${FINMART_FUZZ_EXAMPLES:-25}
SEED=${FINMART_FUZZ_SEED:-14}
RUN_SECONDS=${FINMART_FUZZ_RUN_SECONDS:-300}
CACHE=${FINMART_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/finmart}
VENV="$CACHE/schemathesis-$SCHEMATHESIS_VERSION"

# Cannot run at all: a failure under CI, a skip (exit 0, said loudly) on a developer's machine.
cannot() {
    echo "api fuzz: cannot run: $*" >&2
    if [[ ${CI:-} == true ]]; then
        echo "api fuzz: 0 passed, 1 failed"
        exit 1
    fi
    echo "api fuzz: skipped (set CI=true to make this a failure)"
    exit 0
}

command -v python3 >/dev/null || cannot "python3 not found"
if [[ ! -x "$VENV/bin/schemathesis" ]]; then
    echo "installing schemathesis $SCHEMATHESIS_VERSION into $VENV" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV" >&2 || cannot "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2 ||
        { rm -rf "$VENV"; cannot "pip install schemathesis==$SCHEMATHESIS_VERSION failed"; }
fi

if [[ -z ${FINMART_BIN:-} ]]; then
    # A no-op when the cargo tests have just built it.
    cargo build -p finmart >&2 || cannot "cargo build -p finmart failed"
fi
BIN=${FINMART_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/finmart}
[[ -x "$BIN" ]] || cannot "no finmart binary at $BIN"

work=$(mktemp -d -t finmart-api-fuzz.XXXXXX)
server=
stop_server() {
    if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null
        wait "$server" 2>/dev/null
    fi
}
trap 'stop_server; rm -rf "$work"' EXIT

# The demo on a port the system picks (127.0.0.1:0), on SQLite in the throw-away directory; the URL it
# prints tells the port. The rate limits are off: the fuzzer's burst is not what they are for.
echo "starting finmart demo (data in $work/data)" >&2
env -u DATABASE_URL -u REDIS_URL RUST_LOG=warn,finmart=info \
    FINMART_API_RATE_PER_ADDRESS=0 FINMART_API_RATE_PER_TOKEN=0 \
    "$BIN" demo --listen 127.0.0.1:0 --data-dir "$work/data" >"$work/server.out" 2>"$work/server.log" &
server=$!
origin=
for _ in $(seq 1 600); do
    origin=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$work/server.log" "$work/server.out" 2>/dev/null | head -1 | sed 's/^[^:]*://')
    [[ -n $origin ]] && curl -fsS "$origin/healthz" >/dev/null 2>&1 && break
    origin=
    kill -0 "$server" 2>/dev/null || break
    sleep 0.5
done
if [[ -z $origin ]]; then
    tail -n 50 "$work/server.log" >&2
    cannot "finmart demo did not start"
fi
echo "finmart demo at $origin" >&2

token=$(python3 scripts/api-fuzz/credentials.py "$origin" token) || cannot "could not make the bank's API token"
read -r cookie csrf < <(python3 scripts/api-fuzz/credentials.py "$origin" session) ||
    cannot "could not sign the SME in"
[[ -n ${csrf:-} ]] || cannot "could not sign the SME in"
read -r operator_cookie operator_csrf < <(python3 scripts/api-fuzz/credentials.py "$origin" session operator@finmart.demo) ||
    cannot "could not sign the operator in"
[[ -n ${operator_csrf:-} ]] || cannot "could not sign the operator in"

reports=$(realpath -m "${FINMART_FUZZ_REPORTS:-$work/reports}")
passed=0
failed=0
failures=()

# fuzz NAME ARGS...: one schemathesis run; ARGS add credentials and exclusions.
fuzz() {
    local name=$1
    shift
    echo
    echo "==== api fuzz: $name ===="
    local started=$SECONDS
    # From the throw-away directory: schemathesis keeps a cache (.schemathesis/) where it runs. One worker:
    # with two, Python 3.11's ast module (which hypothesis calls to describe its strategies) can fail with
    # "SystemError: AST constructor recursion depth mismatch" when two threads parse at once
    # (python/cpython#106905), a crash of the tool reported as an error of whichever operation it hit.
    (cd "$work" && timeout --signal=INT --kill-after=30 "$RUN_SECONDS" "$VENV/bin/schemathesis" run "$origin/api/openapi.json" \
        --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
        --phases examples,coverage,fuzzing \
        --max-examples "$EXAMPLES" \
        --seed "$SEED" \
        --workers 1 \
        --request-timeout 20 \
        --suppress-health-check all \
        --no-color \
        --report junit --report-dir "$reports/$name" \
        "$@")
    local status=$?
    echo "api fuzz: $name took $((SECONDS - started)) s (exit $status)"
    if [[ $status -eq 0 ]]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$name (exit $status)")
    fi
    if ! kill -0 "$server" 2>/dev/null; then
        tail -n 50 "$work/server.log" >&2
        cannot "finmart exited during the $name run"
    fi
}

# Anonymous: every operation, the signed-in ones answering 401.
fuzz anonymous
# The bank's token (tokens cannot manage tokens, so it cannot revoke itself).
fuzz bank-token -H "Authorization: Bearer $token"
# The SME's session, with its CSRF token on every request; signing out, signing in again, registering or
# accepting an invitation would replace the session the run is using.
fuzz sme-session -H "Cookie: $cookie" -H "x-csrf-token: $csrf" \
    --exclude-operation-id session_delete --exclude-operation-id session_create \
    --exclude-operation-id register --exclude-operation-id accept_invite
# The operator's session, last (it may disable the other runs' accounts; its own it cannot).
fuzz operator-session -H "Cookie: $operator_cookie" -H "x-csrf-token: $operator_csrf" \
    --exclude-operation-id session_delete --exclude-operation-id session_create \
    --exclude-operation-id register --exclude-operation-id accept_invite

if grep -qE 'panicked|ERROR' "$work/server.log"; then
    echo "api fuzz: the server logged errors:" >&2
    grep -E 'panicked|ERROR' "$work/server.log" | head -n 20 >&2
    failed=$((failed + 1))
    failures+=("server log errors")
fi

echo
[[ ${#failures[@]} -eq 0 ]] || printf 'api fuzz FAILED: %s\n' "${failures[@]}"
echo "api fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
