#!/usr/bin/env bash
# The one command that runs Finmart's whole test suite:
#
#     scripts/test.sh
#
# 1. starts (or reuses) the local PostgreSQL and Redis (scripts/services.sh) and exports
#    FINMART_TEST_DATABASE_URL / FINMART_TEST_REDIS_URL for the tests;
# 2. cargo test --workspace --all-targets;
# 3. scripts/api-fuzz.sh: schemathesis against the API's OpenAPI document (anonymous, a bank's token, an
#    SME's and the operator's sessions) on the built binary;
# 4. when tests/browser/package.json exists: npm ci (npm install without a lock file) in tests/browser and
#    the browser tests there with node --test (Chromium: /usr/bin/chromium; the binary: $FINMART_BIN).
#
# Exits non-zero if any step fails. The last line printed is the summary "N passed, N failed".
# Extra arguments are passed to cargo test (e.g. scripts/test.sh -- --nocapture).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

section() { printf '\n==== %s ====\n' "$*"; }
# Free disk space, printed at each stage: a full disk shows up as failures far from its cause.
disk() { df -h "$ROOT" /tmp 2>/dev/null | awk 'NR > 1 { print "disk: " $6 " has " $4 " free of " $2 }' | sort -u; }

failed_steps=()
cargo_passed=0
cargo_failed=0
browser_passed=0
browser_failed=0
fuzz_passed=0
fuzz_failed=0

cargo_log=$(mktemp -t finmart-cargo-test.XXXXXX)
browser_log=$(mktemp -t finmart-browser-test.XXXXXX)
fuzz_log=$(mktemp -t finmart-api-fuzz.XXXXXX)
trap 'rm -f "$cargo_log" "$browser_log" "$fuzz_log"' EXIT

section "system packages"
# On a fresh machine (as root) this installs PostgreSQL, Redis and Chromium; elsewhere it only reports.
if ! scripts/install-deps.sh; then
    if [[ ${CI:-} == true ]]; then failed_steps+=("system packages"); fi
fi

section "services"
if ! exports=$(scripts/services.sh); then
    echo "scripts/services.sh failed" >&2
    failed_steps+=("services")
else
    eval "$exports"
fi

section "cargo test --workspace --all-targets"
disk
export CARGO_TERM_COLOR=never
cargo test --workspace --all-targets "$@" 2>&1 | tee "$cargo_log"
cargo_status=${PIPESTATUS[0]}
if [[ $cargo_status -ne 0 ]]; then failed_steps+=("cargo test (exit $cargo_status)"); fi
# test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
read -r cargo_passed cargo_failed < <(
    awk '/^test result: / {
            for (i = 1; i <= NF; i++) {
                if ($(i + 1) ~ /^passed;?$/) p += $i
                if ($(i + 1) ~ /^failed;?$/) f += $i
            }
        }
        END { print p + 0, f + 0 }' "$cargo_log"
)

section "API fuzz (scripts/api-fuzz.sh)"
disk
scripts/api-fuzz.sh 2>&1 | tee "$fuzz_log"
fuzz_status=${PIPESTATUS[0]}
if [[ $fuzz_status -ne 0 ]]; then failed_steps+=("scripts/api-fuzz.sh (exit $fuzz_status)"); fi
# api fuzz: 3 passed, 0 failed
read -r fuzz_passed fuzz_failed < <(
    awk '/^api fuzz: [0-9]+ passed, [0-9]+ failed$/ { p = $3; f = $5 } END { print p + 0, f + 0 }' "$fuzz_log"
)

if [[ -f tests/browser/package.json ]]; then
    section "browser tests (tests/browser)"
    disk
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        echo "node/npm not found: cannot run the browser tests" >&2
        if [[ ${CI:-} == true ]]; then
            failed_steps+=("browser tests (node missing)")
        else
            echo "(skipped; install Node.js to run them)" >&2
        fi
    else
        # The tests drive the real binary; build it (a no-op when cargo test already did) and say where it is.
        if ! cargo build -p finmart; then
            failed_steps+=("cargo build -p finmart")
        fi
        export FINMART_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/finmart"
        if [[ -f tests/browser/package-lock.json ]]; then
            npm_cmd=(npm ci --prefix tests/browser --no-audit --no-fund)
        else
            npm_cmd=(npm install --prefix tests/browser --no-audit --no-fund)
        fi
        if ! "${npm_cmd[@]}"; then
            failed_steps+=("${npm_cmd[*]}")
        else
            # This is `node --test tests/browser/`, with the files listed explicitly: Node 18 and 20 search a
            # directory argument for test files, Node 21+ takes only files and globs. The names are Node's
            # default test-file patterns; node_modules is skipped.
            mapfile -t browser_tests < <(
                find tests/browser -name node_modules -prune -o -type f \( \
                    -name '*.test.js' -o -name '*.test.mjs' -o -name '*.test.cjs' \
                    -o -name '*-test.js' -o -name '*-test.mjs' -o -name '*-test.cjs' \
                    -o -name '*_test.js' -o -name '*_test.mjs' -o -name '*_test.cjs' \
                    -o -name 'test-*.js' -o -name 'test-*.mjs' -o -name 'test-*.cjs' \
                    -o -name 'test.js' -o -name 'test.mjs' -o -name 'test.cjs' \
                    -o -path '*/test/*.js' -o -path '*/test/*.mjs' -o -path '*/test/*.cjs' \
                    \) -print | sort
            )
            if [[ ${#browser_tests[@]} -eq 0 ]]; then
                echo "(no test files under tests/browser yet)"
            else
                # --test-reporter=tap so the pass/fail counts can be read back ("# pass N", "# fail N").
                node --test --test-reporter=tap "${browser_tests[@]}" 2>&1 | tee "$browser_log"
                node_status=${PIPESTATUS[0]}
                if [[ $node_status -ne 0 ]]; then failed_steps+=("node --test tests/browser (exit $node_status)"); fi
                browser_passed=$(awk '/^# pass / { n = $3 } END { print n + 0 }' "$browser_log")
                browser_failed=$(awk '/^# fail / { n = $3 } END { print n + 0 }' "$browser_log")
            fi
        fi
    fi
else
    echo
    echo "(no tests/browser/package.json: no browser tests to run)"
fi

section "summary"
disk
echo "cargo: $cargo_passed passed, $cargo_failed failed; API fuzz runs: $fuzz_passed passed, $fuzz_failed failed;" \
    "browser: $browser_passed passed, $browser_failed failed"
status=0
if [[ $((cargo_failed + fuzz_failed + browser_failed)) -gt 0 && ${#failed_steps[@]} -eq 0 ]]; then
    failed_steps+=("failing tests reported")
fi
if [[ ${#failed_steps[@]} -gt 0 ]]; then
    printf 'FAILED: %s\n' "${failed_steps[@]}"
    status=1
fi
echo "$((cargo_passed + fuzz_passed + browser_passed)) passed, $((cargo_failed + fuzz_failed + browser_failed)) failed"
exit "$status"
