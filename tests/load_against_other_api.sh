#!/usr/bin/env bash
# `tenantsim load --target URL` against a server that does not speak tenantsim's API (a fakes serve
# stands in for it): the load stops at set-up with exit 3 and says what the target would need,
# instead of a bare "answered 404".
#   load_against_other_api.sh TENANTSIM SCENARIO CLI_CASE
set -euo pipefail
bin=$1 scenario=$2 case=$3
dir=$(mktemp -d)
"$bin" fakes serve --port 0 >"$dir/out" 2>"$dir/err" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$dir/out" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/out") || { echo "fakes serve did not start"; cat "$dir/err"; exit 1; }
"$case" 3 --stderr-has "does not serve this route" --stderr-has "--profile" -- "$bin" load "$scenario" --target "$url" --duration 1 --out "$dir/load"
