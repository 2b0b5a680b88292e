#!/usr/bin/env bash
# Matching over HTTP on existing bench data: for typical firms, the size of the answer's first page (the
# default, compact) and of the same answer with every item's details, then the latency of each over one
# connection on loopback (wrk, rotating through the firms), and of one product's explanation.
#
#   bench/match.sh ./target/release/finmart /path/to/data-dir [firms=50] [seconds=15] [port=18090]
#
# The data directory holds bench data made once with
#   finmart gen-bench-data --products 100000 --smes 1000000 --data-dir /path/to/data-dir
# and no other server may be using it (a server locks its index). The firms are stored profiles spread over
# the whole table, each with the need such a firm brings (as the criterion bench: a fifth of its revenue,
# terms and purposes in turn, with the purpose in words). Needs curl, jq, sqlite3 and wrk; the API's rate
# limits are turned off for the run. Prints the lines BENCHMARKS.md records; the server is stopped at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
bin=$(realpath "${1:?finmart binary}")
data=${2:?data directory}
firms=${3:-50}
seconds=${4:-15}
port=${5:-18090}
base="http://127.0.0.1:$port"
work=$(mktemp -d -t finmart-match.XXXXXX)

FINMART_API_RATE_PER_TOKEN=0 FINMART_API_RATE_PER_ADDRESS=0 RUST_LOG=warn \
    "$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
until curl -fs "$base/readyz" 2>/dev/null | grep -q '"status":"ready"'; do
    kill -0 $pid 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.2
done

# One request body a line: the firms' profiles and needs.
total=$(sqlite3 "$data/finmart.sqlite3" "SELECT max(id) FROM enterprise")
sqlite3 "$data/finmart.sqlite3" \
    "SELECT profile FROM enterprise WHERE id % $((total / firms)) = 1 ORDER BY id LIMIT $firms" |
    jq -c -n '[inputs] | to_entries[] | .key as $i | .value as $p | {
        profile: $p,
        need: {
            amount: ([([(($p.revenue // 0) / 5 | floor), 10000000] | max), 1000000000] | min),
            term: [6, 12, 12, 24, 36][$i % 5],
            purpose: ["working_capital", "equipment", "research"][$i % 3],
            purpose_text: ["采购原材料 补充流动资金", "购置生产设备", "研发 专利 新产品"][$i % 3]
        }
    }' >"$work/compact.jsonl"
jq -c '. + {details: true}' "$work/compact.jsonl" >"$work/details.jsonl"

# The size of each answer, and its first product for the explanations.
sizes() {
    local bodies=$1 out=$2
    : >"$out"
    while IFS= read -r body; do
        curl -s -o "$work/answer.json" -w '%{http_code} %{size_download}\n' -H 'content-type: application/json' \
            -d "$body" "$base/api/v1/match" >>"$out"
    done <"$bodies"
}
summary() {
    local bad
    bad=$(awk '$1 != 200' "$1" | wc -l)
    awk '$1 == 200 { print $2 }' "$1" | sort -n | awk -v bad="$bad" '{ v[NR] = $1; s += $1 }
        END {
            if (NR == 0) { print "no answer with status 200"; exit }
            printf "%d answers: median %.1f KB, largest %.1f KB, mean %.1f KB%s\n", NR, v[int((NR + 1) / 2)] / 1024,
                v[NR] / 1024, s / NR / 1024, (bad > 0 ? sprintf(" (%d not 200)", bad) : "") }'
}
sizes "$work/compact.jsonl" "$work/compact.sizes"
considered=$(jq .considered "$work/answer.json")
sizes "$work/details.jsonl" "$work/details.sizes"

# The explanation of each firm's first eligible product (else the first of any list).
: >"$work/explain.jsonl"
while IFS= read -r body; do
    id=$(curl -s -H 'content-type: application/json' -d "$body" "$base/api/v1/match" |
        jq '[.eligible, .near_misses, .needs_info, .to_confirm, .ineligible] | map(.[0].product.id // empty) | first // empty' 2>/dev/null || true)
    [[ -n $id ]] && jq -c --argjson id "$id" '. + {product_id: $id}' <<<"$body" >>"$work/explain.jsonl"
done <"$work/compact.jsonl"

# wrk, one connection, rotating through the bodies of a file.
cat >"$work/post.lua" <<'LUA'
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", os.getenv("TARGET"), {["content-type"] = "application/json"}, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms, %.0f answers/s, %d errors\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests / (summary.duration / 1e6), summary.errors.status + summary.errors.timeout))
end
LUA
latency() {
    BODIES=$1 TARGET=$2 wrk -t1 -c1 -d"${seconds}s" -s "$work/post.lua" "$base" | tail -1
}

echo "firms: $(wc -l <"$work/compact.jsonl"), products considered: $considered"
echo "first page (default):     $(summary "$work/compact.sizes")"
echo "with details (opt-in):    $(summary "$work/details.sizes")"
echo "first page, 1 connection: $(latency "$work/compact.jsonl" /api/v1/match)"
if [[ $(awk '$1 == 200' "$work/details.sizes" | wc -l) -gt 0 ]]; then
    echo "with details, 1 conn.:    $(latency "$work/details.jsonl" /api/v1/match)"
fi
if [[ -s $work/explain.jsonl ]] && [[ $(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
    -d "$(head -1 "$work/explain.jsonl")" "$base/api/v1/match/explain") == 200 ]]; then
    echo "explain one, 1 conn.:     $(latency "$work/explain.jsonl" /api/v1/match/explain)"
fi
