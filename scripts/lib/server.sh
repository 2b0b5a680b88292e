# Sourced by the load and bench scripts: runs the release `finmart` in the background for measurements.

# start_finmart LOG ADDRESS ARGS...: starts the release `finmart ARGS --listen ADDRESS` (from CARGO_TARGET_DIR
# when set) in the background (its pid in $server, its stderr in LOG) and waits until http://ADDRESS/healthz
# answers; fails with the log when the server exits first or is not healthy within five minutes (a big
# database's index takes time).
start_finmart() {
    local log=$1 address=$2
    shift 2
    # Measurements come from one loopback address at full speed: the API's rate limits are off unless the
    # caller sets them.
    FINMART_API_RATE_PER_TOKEN=${FINMART_API_RATE_PER_TOKEN:-0} FINMART_API_RATE_PER_ADDRESS=${FINMART_API_RATE_PER_ADDRESS:-0} \
        RUST_LOG=warn "${CARGO_TARGET_DIR:-target}/release/finmart" "$@" --listen "$address" 2>"$log" &
    server=$!
    # Polled every 20 ms: bench/compare.sh times a start by when this returns.
    for _ in $(seq 1 15000); do
        curl -fsS "http://$address/healthz" >/dev/null 2>&1 && return 0
        if ! kill -0 "$server" 2>/dev/null; then
            cat "$log" >&2
            return 1
        fi
        sleep 0.02
    done
    echo "finmart did not become healthy at $address" >&2
    return 1
}
