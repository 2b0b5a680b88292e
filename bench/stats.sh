#!/usr/bin/env bash
# The uptake dashboard at scale: fills a PostgreSQL database with bench data (institutions, products, SME
# profiles and millions of applications with their histories), then times the guarantee agency's dashboard
# statement (`Store::uptake`, the biggest agency, the last 12 months) with its executed plan, then serves
# the database and times the agency's dashboard page and API over HTTP with wrk, signed in as the agency.
#
#   bench/stats.sh [applications=5000000] [products=10000] [smes=200000] [seed=1]
#
# Uses the local PostgreSQL of scripts/services.sh and a database `finmart_bench` on it (FINMART_BENCH_DB to
# change the name; created when missing). Generating is idempotent: a second run with the same numbers
# writes nothing and goes straight to the measurements. Set FINMART_BENCH_SKIP_GEN=1 to skip generating,
# FINMART_BENCH_SKIP_STATEMENT=1 to go straight to the HTTP measurements, FINMART_BENCH_MARKET=1 to also
# time the operator's whole-market query. Figures go in BENCHMARKS.md by
# hand, with the machine they came from.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
applications=${1:-5000000}
products=${2:-10000}
smes=${3:-200000}
seed=${4:-1}
db=${FINMART_BENCH_DB:-finmart_bench}

eval "$(scripts/services.sh | grep '^export')"
admin=${FINMART_TEST_DATABASE_URL:?PostgreSQL is needed: scripts/services.sh did not start it}
url="${admin%/*}/$db"
psql -qAt "$admin" -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
    psql -q "$admin" -c "CREATE DATABASE \"$db\""

if [[ ${FINMART_BENCH_SKIP_GEN:-0} != 1 ]]; then
    cargo build --release -p finmart >&2
    data=$(mktemp -d -t finmart-bench.XXXXXX)
    trap 'rm -rf "$data"' EXIT
    echo "== gen-bench-data: $products products, $smes SMEs, $applications applications (seed $seed) into $db =="
    start=$(date +%s.%N)
    RUST_LOG=warn /usr/bin/time -f "peak RSS %M KiB, %e s wall, %U s user" \
        target/release/finmart gen-bench-data --products "$products" --smes "$smes" \
        --applications "$applications" --seed "$seed" --database-url "$url" --data-dir "$data"
    echo "generation took $(echo "$(date +%s.%N) - $start" | bc) s"
    psql -q "$url" -c "VACUUM ANALYZE application" -c "VACUUM ANALYZE application_event"
fi

echo "== sizes =="
psql "$url" -c "
    SELECT relname AS table, n_live_tup AS rows,
           pg_size_pretty(pg_table_size(relid)) AS data,
           pg_size_pretty(pg_indexes_size(relid)) AS indexes
    FROM pg_stat_user_tables
    WHERE relname IN ('application', 'application_event', 'enterprise', 'product')
    ORDER BY relname"

echo "== the dashboard's statement (cargo bench -p finmart-store --bench uptake) =="
if [[ ${FINMART_BENCH_SKIP_STATEMENT:-0} != 1 ]]; then
    FINMART_BENCH_DATABASE_URL=$url cargo bench -p finmart-store --bench uptake 2>&1 |
        grep -E '^(uptake|  *time:|.*dashboard)' || true
fi

echo "== the agency's dashboard over HTTP: finmart serve on $db, wrk with one connection =="
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
cargo build --release -p finmart >&2
agency=$(psql -qAt "$url" -c "SELECT guarantee_agency_id FROM application WHERE guarantee_agency_id IS NOT NULL
    GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1")
code=$(psql -qAt "$url" -c "SELECT code FROM institution WHERE id = $agency")
to=$(psql -qAt "$url" -c "SELECT (MAX(at) AT TIME ZONE 'Asia/Shanghai')::date FROM application_event")
from=$(psql -qAt "$url" -c "SELECT (DATE '$to' - INTERVAL '12 months' + INTERVAL '1 day')::date")
login=bench-agency@finmart.bench
password=Bench-Agency-2026
serve=$(mktemp -d -t finmart-bench-serve.XXXXXX)
if ! psql -qAt "$url" -c "SELECT 1 FROM account WHERE login = '$login'" | grep -q 1; then
    echo "$password" | RUST_LOG=warn target/release/finmart create-account --role agency --login "$login" \
        --name 基准担保机构 --institution "$code" --password-stdin --database-url "$url" --data-dir "$serve"
fi
source scripts/lib/server.sh
server=
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$serve" ${data:+"$data"}' EXIT
start_finmart "$serve/server.log" 127.0.0.1:18081 serve --database-url "$url" --data-dir "$serve"
curl -fsS -c "$serve/jar" -H 'content-type: application/json' \
    -d "{\"login\":\"$login\",\"password\":\"$password\"}" http://127.0.0.1:18081/api/v1/session >/dev/null
cookie=$(awk '$6 == "finmart_session" { print $6 "=" $7 }' "$serve/jar")
for path in "/api/v1/stats/uptake?from=$from&to=$to&granularity=month" \
    "/agency/dashboard?from=$from&to=$to&granularity=month" \
    "/agency/dashboard?from=$from&to=$to&granularity=day"; do
    echo "-- GET $path (agency $agency, $code)"
    curl -fsS -o /dev/null -w 'status %{http_code}, %{size_download} bytes, %{time_total} s (first request)\n' \
        -H "Cookie: $cookie" "http://127.0.0.1:18081$path"
    wrk --latency -t1 -c1 -d20s -H "Cookie: $cookie" "http://127.0.0.1:18081$path" |
        grep -E 'Latency|50%|90%|99%|requests in|Requests/sec|Non-2xx'
done
echo "server RSS after the runs: $(ps -o rss= -p $server | awk '{printf "%.1f MiB", $1/1024}')"
