#!/usr/bin/env bash
# Finmart's search against the baseline a team without a search engine would build: the same searches as
# SQL in PostgreSQL 15 with pg_trgm, on the same products, measured in the same run.
#
#   bench/compare.sh [products=100000] [seconds=10]
#
# 1. Fills a PostgreSQL database `finmart_compare` (FINMART_COMPARE_DB) on the local server of
#    scripts/services.sh with `finmart gen-bench-data --products N` (idempotent: a second run writes nothing;
#    FINMART_BENCH_SKIP_GEN=1 skips it).
# 2. The baseline: pg_trgm, a table of the listed products (published, valid today) with a trigram GIN index
#    on name + description (bench/compare/baseline.sql), and for each search of the mix one statement
#    (`search_sql` below: the page of 20 with its total and the three facet counts, family, institution,
#    district).
# 3. Starts the release server on the same database and, for each search, runs wrk (one connection,
#    `seconds`) against the API and pgbench (one client, `seconds`) with the SQL, then prints per search:
#    p50 and p99 of each, requests per second, the ratio, each side's total, and how many of the top 20
#    the two share.
#
# Needs wrk and pgbench (apt-get install wrk postgresql-client). Figures go in BENCHMARKS.md with the
# machine and the load at the time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
products=${1:-100000}
seconds=${2:-10}
db=${FINMART_COMPARE_DB:-finmart_compare}
address=127.0.0.1:18090
for tool in wrk pgbench psql jq bc curl; do
    command -v "$tool" >/dev/null || { echo "$tool not found (apt-get install wrk postgresql-client jq bc curl)" >&2; exit 1; }
done

eval "$(scripts/services.sh | grep '^export')"
admin=${FINMART_TEST_DATABASE_URL:?PostgreSQL is needed: scripts/services.sh did not start it}
url="${admin%/*}/$db"
psql -qAt "$admin" -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
    psql -q "$admin" -c "CREATE DATABASE \"$db\""

cargo build --release -p finmart >&2
work=$(mktemp -d -t finmart-compare.XXXXXX)
source scripts/lib/server.sh
server=
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT

if [[ ${FINMART_BENCH_SKIP_GEN:-0} != 1 ]]; then
    echo "== gen-bench-data: $products products into $db ==" >&2
    RUST_LOG=warn target/release/finmart gen-bench-data --products "$products" --smes 0 \
        --database-url "$url" --data-dir "$work/gen" >&2
fi

echo "== the baseline: pg_trgm and a table of the listed products ==" >&2
psql -q "$url" -v ON_ERROR_STOP=1 -f bench/compare/baseline.sql >&2

start_finmart "$work/server.log" "$address" serve --database-url "$url" --data-dir "$work/data"
for _ in $(seq 1 600); do
    [[ $(curl -fsS "http://$address/readyz" | jq -r .status) == ready ]] && break
    sleep 0.5
done

# One search as the baseline runs it: the products matching WHERE, ordered by ORDER (the matched rows are `m`,
# with `score`, SCORE's value), the page at OFFSET, with the total and the three facet counts in one
# statement. Each row: total | id | whether the facets were counted.
search_sql() {
    local where=$1 order=$2 offset=$3 score=$4
    cat <<SQL
WITH matched AS (
    SELECT id, family, institution_id, yearly_rate_ppm, $score AS score FROM bench_listed WHERE $where
), facets AS (
    SELECT (SELECT json_object_agg(family, n) FROM (SELECT family, count(*) AS n FROM matched GROUP BY family) f)
               AS families,
           (SELECT json_object_agg(institution_id, n)
              FROM (SELECT institution_id, count(*) AS n FROM matched GROUP BY institution_id) i) AS institutions,
           (SELECT json_object_agg(district, n)
              FROM (SELECT d.district, count(*) AS n FROM matched m JOIN product_district d ON d.product_id = m.id
                    GROUP BY d.district) d) AS districts
)
SELECT (SELECT count(*) FROM matched) AS total, m.id, f.families IS NOT NULL
FROM matched m, facets f
ORDER BY $order
LIMIT 20 OFFSET $offset;
SQL
}

# What a team without a search engine writes: the words as typed, as a substring of name + description.
like() { echo "text ILIKE '%$1%'"; }
relevance="m.score DESC, m.id"
cheapest="m.yearly_rate_ppm NULLS LAST, m.id"
credit_100="(family = 'credit' OR more_families LIKE '%credit%') AND amount_min_fen <= 100000000 AND amount_max_fen >= 100000000"

# search name | API query string | WHERE | ORDER BY | OFFSET | score
searches=(
    "专利贷|q=%E4%B8%93%E5%88%A9%E8%B4%B7|$(like 专利贷)|$relevance|0|similarity(text, '专利贷')"
    "信用贷, no collateral|q=%E4%BF%A1%E7%94%A8%E8%B4%B7&collateral=none|$(like 信用贷) AND collateral = 'none'|$relevance|0|similarity(text, '信用贷')"
    "税贷, lowest rate|q=%E7%A8%8E%E8%B4%B7&sort=rate|$(like 税贷)|$cheapest|0|0"
    "政采贷, page 2|q=%E6%94%BF%E9%87%87%E8%B4%B7&page=2|$(like 政采贷)|$relevance|20|similarity(text, '政采贷')"
    "设备融资租赁|q=%E8%AE%BE%E5%A4%87%E8%9E%8D%E8%B5%84%E7%A7%9F%E8%B5%81|$(like 设备融资租赁)|$relevance|0|similarity(text, '设备融资租赁')"
    "credit, 100万 (lowest rate first)|family=credit&amount=100%E4%B8%87|$credit_100|$cheapest|0|0"
    "browse all (lowest rate first)|per_page=20|true|$cheapest|0|0"
)

# wrk's latency distribution lines ("50%  1.23ms") as milliseconds.
wrk_ms() { awk -v q="$1" '$1 == q { v = $2; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0; else if (v ~ /s$/) v = v * 1000; print v }'; }
# pgbench's per-transaction log (3rd column: the latency in µs): the q-th quantile in milliseconds.
pg_ms() { sort -n | awk -v q="$1" '{ a[NR] = $1 } END { i = int(NR * q); if (i < 1) i = 1; printf "%.3f", a[i] / 1000 }'; }

printf '| search | Finmart p50 | Finmart p99 | Finmart req/s | PostgreSQL p50 | PostgreSQL p99 | PostgreSQL req/s | ratio (p50) | Finmart total | PostgreSQL total | top-20 overlap |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
for entry in "${searches[@]}"; do
    IFS='|' read -r name query where order offset score <<<"$entry"
    sql="$work/search.sql"
    search_sql "$where" "$order" "$offset" "$score" >"$sql"
    api="http://$address/api/v1/search?$query"
    wrk_out=$(wrk --latency -t1 -c1 -d"${seconds}s" "$api")
    f50=$(wrk_ms 50% <<<"$wrk_out")
    f99=$(wrk_ms 99% <<<"$wrk_out")
    frps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$wrk_out")
    (cd "$work" && rm -f pgbench_log.* && pgbench -n -c1 -T"$seconds" -l -f "$sql" "$url" >"$work/pgbench.out" 2>&1)
    p50=$(awk '{ print $3 }' "$work"/pgbench_log.* | pg_ms 0.50)
    p99=$(awk '{ print $3 }' "$work"/pgbench_log.* | pg_ms 0.99)
    prps=$(awk '/^tps = / { printf "%.0f", $3 }' "$work/pgbench.out")
    # How many times faster Finmart answers than PostgreSQL (below 1: slower).
    ratio=$(printf '%.2f' "$(echo "scale=4; $p50 / $f50" | bc)")
    answer=$(curl -fsS "$api")
    ftotal=$(jq -r .total <<<"$answer")
    fids=$(jq -r '.items[].id' <<<"$answer" | sort)
    ptotal=$(psql -qAt "$url" -f "$sql" | head -1 | cut -d'|' -f1)
    ptotal=${ptotal:-0}
    pids=$(psql -qAt "$url" -f "$sql" | cut -d'|' -f2 | sort)
    overlap=$(comm -12 <(echo "$fids") <(echo "$pids") | grep -c . || true)
    printf '| %s | %.2f ms | %.2f ms | %s | %s ms | %s ms | %s | %s× | %s | %s | %s / 20 |\n' \
        "$name" "$f50" "$f99" "$frps" "$p50" "$p99" "$prps" "$ratio" "$ftotal" "$ptotal" "$overlap"
done
echo
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(psql -qAt "$url" -c 'SELECT count(*) FROM bench_listed') listed products"
