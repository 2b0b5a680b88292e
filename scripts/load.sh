#!/usr/bin/env bash
# Load test of the running server's search API: builds the release binary, starts `finmart demo` on a
# temporary data directory at 127.0.0.1:18080, and runs wrk against it (loopback only, bounded in time).
#
#   scripts/load.sh [seconds=20] [connections=32]
#
# Needs wrk (apt-get install wrk). Figures go in BENCHMARKS.md by hand, with the machine they came from.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-20}
connections=${2:-32}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }

cargo build --release -p finmart >&2
data=$(mktemp -d -t finmart-load.XXXXXX)
source scripts/lib/server.sh
server=
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
start_finmart "$data/server.log" 127.0.0.1:18080 demo --data-dir "$data/data"
curl -fsS http://127.0.0.1:18080/healthz >&2; echo >&2
echo "== one connection (latency without queueing) =="
wrk --latency -t1 -c1 -d10s -s bench/search.lua http://127.0.0.1:18080
echo "== $connections connections (throughput) =="
wrk --latency -t2 -c"$connections" -d"${seconds}s" -s bench/search.lua http://127.0.0.1:18080
echo "server RSS after the run: $(ps -o rss= -p $server | awk '{printf "%.1f MiB", $1/1024}')"
