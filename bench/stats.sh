#!/usr/bin/env bash
# The uptake dashboard at scale: fills a PostgreSQL database with bench data (institutions, products, SME
# profiles and millions of applications with their histories), then times the guarantee agency's dashboard
# query (`Store::uptake`, the biggest agency, the last 12 months) and shows the plan of its main SQL.
#
#   bench/stats.sh [applications=5000000] [products=10000] [smes=200000] [seed=1]
#
# Uses the local PostgreSQL of scripts/services.sh and a database `finmart_bench` on it (FINMART_BENCH_DB to
# change the name; created when missing). Generating is idempotent: a second run with the same numbers
# writes nothing and goes straight to the measurements. Set FINMART_BENCH_SKIP_GEN=1 to skip generating,
# FINMART_BENCH_MARKET=1 to also time the operator's whole-market query. Figures go in BENCHMARKS.md by
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

echo "== the dashboard query (cargo bench -p finmart-store --bench uptake) =="
FINMART_BENCH_DATABASE_URL=$url cargo bench -p finmart-store --bench uptake 2>&1 |
    grep -E '^(uptake|  *time:|.*dashboard)' || true

echo "== plan of the series query for the biggest agency, last 12 months =="
agency=$(psql -qAt "$url" -c "SELECT guarantee_agency_id FROM application WHERE guarantee_agency_id IS NOT NULL
    GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1")
to=$(psql -qAt "$url" -c "SELECT (MAX(at) AT TIME ZONE 'Asia/Shanghai')::date FROM application_event")
psql "$url" -c "
    EXPLAIN (ANALYZE, BUFFERS)
    SELECT to_char(e.at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS k, e.to_state AS state, COUNT(*) AS events,
           CAST(COALESCE(SUM(a.amount_fen), 0) AS BIGINT) AS amount,
           CAST(COALESCE(SUM(COALESCE(a.disbursed_amount_fen, 0)), 0) AS BIGINT) AS disbursed
    FROM application_event e JOIN application a ON a.id = e.application_id
    WHERE e.at >= (DATE '$to' - INTERVAL '12 months' + INTERVAL '1 day') AT TIME ZONE 'Asia/Shanghai'
      AND e.at < (DATE '$to' + INTERVAL '1 day') AT TIME ZONE 'Asia/Shanghai'
      AND e.guarantee_agency_id = $agency
    GROUP BY 1, 2"
