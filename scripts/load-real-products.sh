#!/usr/bin/env bash
# Loads the real-products fixture (51 SME loan products as their public pages state them, each with its
# source page and the day it was read) into a Finmart database, running or not:
#
#     scripts/load-real-products.sh                      # the default data dir (./data), as `finmart demo`
#     scripts/load-real-products.sh --data-dir DIR       # or --database-url postgres://…
#
# Registers the guarantee agencies the products name (tests/fixtures/real-products/agencies.tsv) unless they
# exist, then imports tests/fixtures/real-products/products.json. Running servers show the products once
# they follow the change log (a few seconds). Running it again changes nothing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
FIXTURE=tests/fixtures/real-products
FINMART=${FINMART_BIN:-}
if [[ -z $FINMART ]]; then
    cargo build --quiet -p finmart
    FINMART="${CARGO_TARGET_DIR:-target}/debug/finmart"
fi

known=$("$FINMART" institution list "$@")
tail -n +2 "$FIXTURE/agencies.tsv" | while IFS=$'\t' read -r code name; do
    if ! grep -qw -- "$code" <<<"$known"; then
        "$FINMART" institution add "$@" --code "$code" --name "$name" --kind guarantee_agency
    fi
done
"$FINMART" import "$@" "$FIXTURE/products.json"
