#!/usr/bin/env bash
# Times a server's start on existing data: from `finmart serve` to the first answer of /healthz, to the first
# search answer (200), and to /readyz with every part ok (the matcher and the pool loaded), and says where
# the pool came from (`snapshot`: the pool written down by the last whole read, then the firms written since;
# `database`: every firm read). After a whole read it waits for the server to write the snapshot (so the
# next start can use it) and prints how long that took.
#
#   bench/startup.sh ./target/release/finmart /path/to/data-dir [port]
#
# The data directory holds bench data made once with
#   finmart gen-bench-data --products 100000 --smes 1000000 --data-dir /path/to/data-dir
# Needs curl. Prints one line of seconds; the server is stopped at the end.
set -euo pipefail
bin=${1:?finmart binary}
data=${2:?data directory}
port=${3:-18089}
base="http://127.0.0.1:$port"
search="$base/api/v1/search?q=%E4%BF%A1%E7%94%A8%E8%B4%B7"

now() { date +%s.%N; }
start=$(now)
FINMART_LOG_JSON=true "$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" >/tmp/finmart-startup.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT

health="" found="" ready=""
while [ -z "$ready" ]; do
    kill -0 $pid 2>/dev/null || { echo "the server stopped; see /tmp/finmart-startup.log" >&2; exit 1; }
    if [ -z "$health" ] && curl -fs -o /dev/null "$base/healthz"; then health=$(now); fi
    if [ -n "$health" ] && [ -z "$found" ] && curl -fs -o /dev/null "$search"; then found=$(now); fi
    if [ -n "$found" ] && curl -fs "$base/readyz" >/tmp/finmart-startup.readyz \
        && grep -q '"status":"ready"' /tmp/finmart-startup.readyz; then ready=$(now); fi
    sleep 0.05
done
from=$(jq -r .pool.from /tmp/finmart-startup.readyz)
printf 'healthz %.2f s, first search %.2f s, readyz ready %.2f s (pool from %s), RSS %s MiB\n' \
    "$(echo "$health - $start" | bc)" "$(echo "$found - $start" | bc)" "$(echo "$ready - $start" | bc)" "$from" \
    "$(($(ps -o rss= -p $pid) / 1024))"
if [ "$from" = database ]; then
    for _ in $(seq 1200); do
        grep -q "pool's snapshot written" /tmp/finmart-startup.log && break
        sleep 0.1
    done
    written=$(grep "pool's snapshot written" /tmp/finmart-startup.log | tail -1)
    printf 'snapshot written: %s\n' "$(echo "$written" | jq -c '.fields | {firms, bytes, seconds}' 2>/dev/null)"
    printf 'peak RSS (VmHWM) %s\n' "$(grep VmHWM /proc/$pid/status | awk '{print $2, $3}')"
fi
