#!/usr/bin/env bash
# Finmart against the baseline a team without a search or matching engine would build: the same searches and
# the same matching as SQL in PostgreSQL 15 with pg_trgm, on the same data, measured in the same run.
#
#   bench/compare.sh [products=100000] [firms=1000000] [seconds=10]
#
# 1. Fills a PostgreSQL database `finmart_compare_p<products>_f<firms>` (FINMART_COMPARE_DB) on the local
#    server of scripts/services.sh with `finmart gen-bench-data --products N --smes FIRMS`, once: a database
#    that already holds that many products and firms is used as it is (FINMART_BENCH_SKIP_GEN=1 skips the
#    check; a re-run of the generator rewrites nothing anyway). How long generation took is printed.
# 2. The baseline: pg_trgm, a table of the listed products (published, valid today) with a trigram GIN index
#    on name + description and a table of what the eligibility checks read (bench/compare/baseline.sql); for
#    each search of the mix one statement (`search_sql` below: the page of 20 with its total and the three
#    facet counts, family, institution, district), and for a firm's need bench/compare/match.sql.
# 3. Starts the release server on the same database, waits until every part is loaded (and the pool's snapshot
#    written), restarts it and measures:
#    - the restart: from launch to the first answer of /healthz, of a search, and to /readyz ready (where
#      the matcher's book and the pool came from);
#    - each search with wrk (one connection, then 32) against pgbench (one client, then 32), `seconds` each:
#      p50 / p99 / requests per second, the ratio, each side's total and how many of the top 20 they share;
#    - matching: five stored firms' profiles with a typical need, `POST /api/v1/match` against match.sql;
#    - reverse matching over HTTP, signed in as the bank with the most listed products: the candidates of
#      five of its products (`GET /api/v1/products/{id}/candidates`), one connection;
#    - the server's peak resident memory (VmHWM) with everything loaded and measured.
#    It prints the machine (CPU, cores, memory) and the load average before and after: figures go in
#    BENCHMARKS.md with them.
#
# Needs wrk and pgbench (apt-get install wrk postgresql-client). Progress goes to stderr, the tables to stdout.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
products=${1:-100000}
firms=${2:-1000000}
seconds=${3:-10}
db=${FINMART_COMPARE_DB:-finmart_compare_p${products}_f${firms}}
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
finmart=${CARGO_TARGET_DIR:-target}/release/finmart
work=$(mktemp -d -t finmart-compare.XXXXXX)
source scripts/lib/server.sh
server=
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# How many rows a table holds (0 before the first migration).
rows() { psql -qAt "$url" -c "SELECT count(*) FROM $1" 2>/dev/null || echo 0; }
generation="skipped (FINMART_BENCH_SKIP_GEN=1)"
if [[ ${FINMART_BENCH_SKIP_GEN:-0} != 1 ]]; then
    if (($(rows product) >= products && $(rows enterprise) >= firms)); then
        generation="already there ($(rows product) products, $(rows enterprise) firms)"
    else
        echo "== gen-bench-data: $products products, $firms firms into $db ==" >&2
        started=$(date +%s)
        RUST_LOG=warn "$finmart" gen-bench-data --products "$products" --smes "$firms" \
            --database-url "$url" --data-dir "$work/gen" >&2
        generation="$(($(date +%s) - started)) s (products, firms and the search index)"
    fi
fi

echo "== the baseline: pg_trgm and a table of the listed products ==" >&2
psql -q "$url" -v ON_ERROR_STOP=1 -f bench/compare/baseline.sql >&2

# The first start builds the index into the new data directory (and, without a usable snapshot of the pool,
# reads every firm and writes one); the start measured is the restart after it, as a deploy or a crash
# meets it: the index on disk, the pool's snapshot in the database.
snapshot() { psql -qAt "$url" -c 'SELECT coalesce(max(id), 0) FROM pool_snapshot' 2>/dev/null || echo 0; }
readyz() { curl -fsS "http://$address/readyz" 2>/dev/null || true; }
before=$(snapshot)
start_finmart "$work/server.log" "$address" serve --database-url "$url" --data-dir "$work/data"
for _ in $(seq 1 600); do
    [[ $(readyz | jq -r .status) == ready ]] && break
    sleep 0.5
done
if [[ $(readyz | jq -r .pool.from) == database ]]; then
    for _ in $(seq 1 600); do (($(snapshot) > before)) && break; sleep 0.1; done
fi
kill -TERM "$server"
wait "$server" || true
now() { date +%s.%N; }
launched=$(now)
start_finmart "$work/server.log" "$address" serve --database-url "$url" --data-dir "$work/data"
healthy=$(now)
search_url="http://$address/api/v1/search?q=%E4%BF%A1%E7%94%A8%E8%B4%B7"
until curl -fsS -o /dev/null "$search_url" 2>/dev/null; do sleep 0.02; done
searched=$(now)
until [[ $(readyz | jq -r .status) == ready ]]; do sleep 0.02; done
ready=$(now)
loaded=$(readyz)
started_line=$(printf 'restart: /healthz %.2f s, first search %.2f s, /readyz ready %.2f s (matcher from %s, pool from %s)' \
    "$(bc <<<"$healthy - $launched")" "$(bc <<<"$searched - $launched")" "$(bc <<<"$ready - $launched")" \
    "$(jq -r .matcher.from <<<"$loaded")" "$(jq -r .pool.from <<<"$loaded")")

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

# One measurement: "p50 p99 requests/s" in milliseconds. wrk_run CONNECTIONS ARGS... / pg_run CLIENTS SQLFILE.
wrk_run() {
    local c=$1 out
    shift
    out=$(wrk --latency -t"$((c < 2 ? 1 : 2))" -c"$c" -d"${seconds}s" "$@")
    grep -q 'Non-2xx' <<<"$out" && { echo "non-2xx answers from $*: $out" >&2; exit 1; }
    echo "$(wrk_ms 50% <<<"$out") $(wrk_ms 99% <<<"$out") $(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")"
}
pg_run() {
    local c=$1 sql=$2
    (cd "$work" && rm -f pgbench_log.* && pgbench -n -c"$c" -j"$((c < 2 ? 1 : 2))" -T"$seconds" -l -f "$sql" "$url" \
        >"$work/pgbench.out" 2>&1) || { cat "$work/pgbench.out" >&2; exit 1; }
    local lat
    lat=$(cat "$work"/pgbench_log.* | awk '{ print $3 }')
    echo "$(pg_ms 0.50 <<<"$lat") $(pg_ms 0.99 <<<"$lat") $(awk '/^tps = / { printf "%.0f", $3 }' "$work/pgbench.out")"
}
ratio() { printf '%.2f' "$(echo "scale=4; $1 / $2" | bc)"; }

echo "== search: one connection, then 32 ==" >&2
printf '| search | Finmart p50 | Finmart p99 | Finmart req/s | PostgreSQL p50 | PostgreSQL p99 | PostgreSQL req/s | ratio (p50) | Finmart req/s, 32 conn. | Finmart p99, 32 conn. | PostgreSQL req/s, 32 conn. | PostgreSQL p99, 32 conn. | ratio (req/s, 32) | Finmart total | PostgreSQL total | top-20 overlap |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for entry in "${searches[@]}"; do
    IFS='|' read -r name query where order offset score <<<"$entry"
    sql="$work/search.sql"
    search_sql "$where" "$order" "$offset" "$score" >"$sql"
    api="http://$address/api/v1/search?$query"
    res=$(wrk_run 1 "$api")
    read -r f50 f99 frps <<<"$res"
    res=$(pg_run 1 "$sql")
    read -r p50 p99 prps <<<"$res"
    res=$(wrk_run 32 "$api")
    read -r _ f99_32 frps_32 <<<"$res"
    res=$(pg_run 32 "$sql")
    read -r _ p99_32 prps_32 <<<"$res"
    # How many times faster Finmart answers than PostgreSQL (below 1: slower).
    answer=$(curl -fsS "$api")
    ftotal=$(jq -r .total <<<"$answer")
    fids=$(jq -r '.items[].id' <<<"$answer" | sort)
    ptotal=$(psql -qAt "$url" -f "$sql" | head -1 | cut -d'|' -f1)
    ptotal=${ptotal:-0}
    pids=$(psql -qAt "$url" -f "$sql" | cut -d'|' -f2 | sort)
    overlap=$(comm -12 <(echo "$fids") <(echo "$pids") | grep -c . || true)
    printf '| %s | %.2f ms | %.2f ms | %s | %s ms | %s ms | %s | %s× | %s | %.2f ms | %s | %s ms | %s× | %s | %s | %s / 20 |\n' \
        "$name" "$f50" "$f99" "$frps" "$p50" "$p99" "$prps" "$(ratio "$p50" "$f50")" \
        "$frps_32" "$f99_32" "$prps_32" "$p99_32" "$(ratio "$frps_32" "$prps_32")" "$ftotal" "$ptotal" "$overlap"
done

echo "== matching: POST /api/v1/match against match.sql ==" >&2
echo
printf '| firm | Finmart p50 | Finmart p99 | Finmart req/s | answer size | PostgreSQL p50 | PostgreSQL p99 | PostgreSQL req/s | ratio (p50) | Finmart eligible | PostgreSQL eligible | first-page overlap |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|\n'
count=$(rows enterprise)
for k in 0 1 2 3 4; do
    # Five firms spread over the stored ones, the same on every run.
    firm=$(psql -qAt "$url" -c "SELECT id FROM enterprise ORDER BY id OFFSET $((count * k / 5)) LIMIT 1")
    profile=$(psql -qAt "$url" -c "SELECT profile FROM enterprise WHERE id = $firm")
    # The need such a firm typically brings (as the in-process bench): a fifth of its revenue, within
    # 10万–1000万元, over a year, offering the collateral it owns.
    amount=$(jq '[[(.revenue / 5 | floor), 10000000] | max, 1000000000] | min' <<<"$profile")
    jq -c --argjson amount "$amount" '{profile: ., limit: 20, need: {amount: $amount, term: 12,
        purpose: "working_capital", collateral_offered: (.collateral // []), accepts_guarantee: true}}' \
        <<<"$profile" >"$work/match.json"
    { echo "\\set firm $firm"; echo "\\set amount $amount"; echo "\\set term 12"; cat bench/compare/match.sql; } \
        >"$work/match.sql"
    res=$(FINMART_BODY="$work/match.json" wrk_run 1 -s bench/compare/post.lua "http://$address/api/v1/match")
    read -r f50 f99 frps <<<"$res"
    res=$(pg_run 1 "$work/match.sql")
    read -r p50 p99 prps <<<"$res"
    curl -fsS -H 'content-type: application/json' --data-binary "@$work/match.json" \
        "http://$address/api/v1/match" >"$work/match.out"
    size=$(wc -c <"$work/match.out")
    ftotal=$(jq -r .eligible_total "$work/match.out")
    fids=$(jq -r '.eligible[].product.id' "$work/match.out" | sort)
    result=$(psql -qAt "$url" -v firm="$firm" -v amount="$amount" -v term=12 -f bench/compare/match.sql)
    ptotal=$(head -1 <<<"$result" | cut -d'|' -f1)
    pids=$(cut -d'|' -f2 <<<"$result" | sort)
    overlap=$(comm -12 <(echo "$fids") <(echo "$pids") | grep -c . || true)
    printf '| %s | %.2f ms | %.2f ms | %s | %s KB | %s ms | %s ms | %s | %s× | %s | %s | %s / 20 |\n' \
        "$firm" "$f50" "$f99" "$frps" "$((size / 1024))" "$p50" "$p99" "$prps" "$(ratio "$p50" "$f50")" \
        "$ftotal" "${ptotal:-0}" "$overlap"
done
echo
echo "Finmart's first page is its best 20 by score; the SQL's the cheapest 20 (it has no score): the totals are"
echo "the like-for-like figure, the overlap shows how differently the two order the same products."

echo "== reverse matching over HTTP, signed in as a bank ==" >&2
bank=$(psql -qAt "$url" -c "SELECT p.institution_id FROM bench_listed p JOIN institution i ON i.id = p.institution_id
    WHERE i.kind = 'bank' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
code=$(psql -qAt "$url" -c "SELECT code FROM institution WHERE id = $bank")
login=bench-bank@finmart.bench
password=Bench-Bank-2026
if ! psql -qAt "$url" -c "SELECT 1 FROM account WHERE login = '$login'" | grep -q 1; then
    echo "$password" | RUST_LOG=warn "$finmart" create-account --role institution --login "$login" \
        --name 基准银行 --institution "$code" --password-stdin --database-url "$url" --data-dir "$work/data" >&2
fi
curl -fsS -c "$work/jar" -H 'content-type: application/json' \
    -d "{\"login\":\"$login\",\"password\":\"$password\"}" "http://$address/api/v1/session" >/dev/null
cookie=$(awk '$6 == "finmart_session" { print $6 "=" $7 }' "$work/jar")
echo
printf '| product (bank %s) | p50 | p99 | req/s | firms seen | fitting | needs info |\n' "$code"
printf '|---|---|---|---|---|---|---|\n'
for product in $(psql -qAt "$url" -c "SELECT id FROM bench_listed WHERE institution_id = $bank ORDER BY id LIMIT 5"); do
    api="http://$address/api/v1/products/$product/candidates"
    res=$(wrk_run 1 -H "Cookie: $cookie" "$api")
    read -r f50 f99 frps <<<"$res"
    answer=$(curl -fsS -H "Cookie: $cookie" "$api")
    printf '| %s | %.2f ms | %.2f ms | %s | %s | %s | %s |\n' "$product" "$f50" "$f99" "$frps" \
        "$(jq -r .pool <<<"$answer")" "$(jq -r .total <<<"$answer")" "$(jq -r .needs_info <<<"$answer")"
done

echo
echo "data: $(psql -qAt "$url" -c 'SELECT count(*) FROM bench_listed') listed products, $(rows enterprise) firms \
($(psql -qAt "$url" -c 'SELECT count(*) FROM enterprise WHERE discoverable') findable by every bank); generation: $generation"
echo "$started_line"
echo "server peak RSS (VmHWM): $(awk '/^VmHWM/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$server/status"); \
now $(awk '/^VmRSS/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$server/status")"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, \
$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); PostgreSQL $(psql -qAt "$url" -c 'SHOW server_version')"
echo "load average: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
