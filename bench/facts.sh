#!/usr/bin/env bash
# Verified facts at scale (SQLite, release build): generates the bench data with its departments' facts about
# part of the firms, then measures
#   1. gen-bench-data's writing of the generated facts (it prints their count and time);
#   2. the server's start until ready (the reverse-matching pool reads every firm with its facts);
#   3. a data provider's batches through `POST /api/v1/facts/batches` (token-authenticated, all or nothing):
#      BATCHES batches of BATCH records each, new records first, then the same batches again (unchanged);
#   4. the operator's upload of a department's list with `finmart facts import` (one CSV of BATCH×BATCHES rows);
#   5. the operator's figures, `GET /api/v1/stats/facts`, over every stored firm: how long the first
#      computation takes (503 `computing` until then), a request answered from the kept copy, and one after a
#      batch (the older copy at once, marked updating) until the new copy is current.
#
#   bench/facts.sh [smes=1000000] [products=10000] [batch=5000] [batches=20] [seed=1]
#
# The data directory is kept between runs (FINMART_BENCH_DIR, default /tmp/finmart-bench-facts): generating is
# idempotent, and FINMART_BENCH_SKIP_GEN=1 skips it. Each run sends records with fresh ids (the run's start
# time in them), so the first pass adds and the second changes nothing. Figures go in BENCHMARKS.md by hand,
# with the machine they came from.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
smes=${1:-1000000}
products=${2:-10000}
batch=${3:-5000}
batches=${4:-20}
seed=${5:-1}
dir=${FINMART_BENCH_DIR:-/tmp/finmart-bench-facts}
bin="${CARGO_TARGET_DIR:-target}/release/finmart"
db="$dir/finmart.sqlite3"
password=bench-facts-2026
run=$(date +%s)
mkdir -p "$dir"

cargo build --release -p finmart >&2
if [[ ${FINMART_BENCH_SKIP_GEN:-0} != 1 ]]; then
    echo "== gen-bench-data: $products products, $smes SMEs (seed $seed), SQLite in $dir =="
    RUST_LOG=warn /usr/bin/time -f "peak RSS %M KiB, %e s wall, %U s user" \
        "$bin" gen-bench-data --products "$products" --smes "$smes" --seed "$seed" --data-dir "$dir"
fi
echo "stored: $(sqlite3 "$db" 'SELECT count(*) FROM enterprise') firms," \
    "$(sqlite3 "$db" 'SELECT count(*) FROM verified_fact') facts about" \
    "$(sqlite3 "$db" 'SELECT count(DISTINCT uscc) FROM verified_fact') credit codes"

# The records: the tax bureau's grade for the first BATCH×BATCHES stored firms, one JSON file per batch, and
# the same rows (with their own ids) as one CSV list for the command line's import.
work=$(mktemp -d -t finmart-bench-facts.XXXXXX)
server=
trap '[[ -z $server ]] || { kill -TERM "$server"; wait "$server"; } 2>/dev/null; rm -rf "$work"' EXIT
total=$((batch * batches))
sqlite3 "$db" "SELECT uscc FROM enterprise WHERE uscc IS NOT NULL ORDER BY id LIMIT $total" >"$work/codes"
as_of="$(($(date +%Y) - 1))-12-31"
python3 - "$work" "$batch" "$run" "$as_of" <<'PY'
import json, sys
work, size, run, as_of = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
codes = open(f"{work}/codes").read().split()
grades = "ABMCD"
rows = [{"source_record_id": f"BENCH-{run}-{i}", "uscc": c, "kind": "tax_credit_grade",
         "value": grades[i % 5], "as_of": as_of} for i, c in enumerate(codes)]
for n in range(0, len(rows), size):
    with open(f"{work}/batch-{n // size:04}.json", "w") as f:
        json.dump({"records": rows[n:n + size]}, f, ensure_ascii=False)
with open(f"{work}/list.csv", "w") as f:
    f.write("记录编号,统一社会信用代码,信息类别,取值,信息日期\n")
    for r in rows:
        f.write(f"{r['source_record_id']}-csv,{r['uscc']},纳税信用等级,{r['value']},{r['as_of']}\n")
PY

account() { # role login extra-args...
    local role=$1 login=$2
    shift 2
    sqlite3 "$db" "SELECT 1 FROM account WHERE login = '$login'" | grep -q 1 && return 0
    echo "$password" | RUST_LOG=warn "$bin" create-account --role "$role" --login "$login" --name "基准$role" \
        --password-stdin --data-dir "$dir" "$@" >/dev/null
}
account provider bench-tax@finmart.bench --provider tj-tax
account operator bench-operator@finmart.bench

source scripts/lib/server.sh
address=127.0.0.1:18083
started=$(date +%s.%N)
start_finmart "$work/server.log" "$address" serve --data-dir "$dir"
# The matcher and the reverse-matching pool (every firm with its facts) load in the background: measured
# here, and waited for so that the figures below are not measured beside the load.
until curl -fsS "http://$address/readyz" 2>/dev/null | grep -q '"status":"ready"'; do sleep 0.5; done
echo "ready (matcher and pool loaded) $(echo "$(date +%s.%N) - $started" | bc) s after the start;" \
    "server RSS $(ps -o rss= -p "$server" | awk '{printf "%.1f MiB", $1/1024}')"
sign_in() { # login: sets $cookie and $csrf (a write with the cookie carries the session's CSRF token)
    csrf=$(curl -fsS -c "$work/jar" -H 'content-type: application/json' \
        -d "{\"login\":\"$1\",\"password\":\"$password\"}" "http://$address/api/v1/session" | jq -r .csrf)
    cookie=$(awk '$6 == "finmart_session" { print $6 "=" $7 }' "$work/jar")
}
sign_in bench-tax@finmart.bench
secret=$(curl -fsS -H "Cookie: $cookie" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
    -d "{\"name\":\"bench $run\"}" "http://$address/api/v1/tokens" | jq -r .secret)

push() { # label
    local started ended
    started=$(date +%s.%N)
    for f in "$work"/batch-*.json; do
        curl -fsS -o "$work/answer" -H "Authorization: Bearer $secret" -H 'content-type: application/json' \
            --data-binary "@$f" "http://$address/api/v1/facts/batches"
    done
    ended=$(date +%s.%N)
    echo "$1: $total records in $batches batches of $batch: $(echo "$ended - $started" | bc) s," \
        "$(echo "$total / ($ended - $started)" | bc) records/s; last answer: $(jq -c '{added, replaced, unchanged}' "$work/answer")"
}
echo "== POST /api/v1/facts/batches =="
push "new records"
push "the same again"

echo "== GET /api/v1/stats/facts over $(sqlite3 "$db" 'SELECT count(*) FROM enterprise') firms =="
sign_in bench-operator@finmart.bench
figures() { # label: one request, its status, size, time and how current the coverage is
    curl -sS -o "$work/figures" -w "%{http_code} %{size_download} %{time_total}\n" -H "Cookie: $cookie" \
        "http://$address/api/v1/stats/facts" >"$work/figures.status"
    read -r status size seconds <"$work/figures.status"
    state=computing
    [[ $status != 200 ]] || state=$(jq -r 'if .updating then "updating" else "current" end' "$work/figures")
    echo "$1: status $status, $size bytes, $seconds s, coverage $state"
}
# The coverage is kept between requests: the first request starts its computation and waits up to 3 s,
# then answers 503 `computing`; the first computation's length is how long until a request answers 200.
started=$(date +%s.%N)
figures "first request"
until [[ $status == 200 ]]; do
    sleep 1
    figures "  again" >/dev/null
done
echo "coverage first computed: 200 after $(echo "$(date +%s.%N) - $started" | bc) s"
figures "kept copy"
figures "kept copy"
# A batch that changes one firm's fact moves the revision: the next request answers the older copy at once
# (updating) while the new one is computed.
sed -E 's/"value": ?"[A-Z]"/"value": "D"/' "$work/batch-0000.json" | jq -c '{records: .records[:1]}' >"$work/one.json"
curl -fsS -o /dev/null -H "Authorization: Bearer $secret" -H 'content-type: application/json' \
    --data-binary "@$work/one.json" "http://$address/api/v1/facts/batches"
started=$(date +%s.%N)
figures "after a batch"
until [[ $state == current ]]; do
    sleep 1
    figures "  again" >/dev/null
done
echo "coverage computed again: current after $(echo "$(date +%s.%N) - $started" | bc) s"
echo "server RSS after the runs: $(ps -o rss= -p "$server" | awk '{printf "%.1f MiB", $1/1024}')"
kill -TERM "$server"
wait "$server" 2>/dev/null || true
server=

echo "== finmart facts import: $total rows of one CSV list =="
RUST_LOG=warn /usr/bin/time -f "peak RSS %M KiB, %e s wall, %U s user" \
    "$bin" facts import --provider tj-tax "$work/list.csv" --data-dir "$dir"
