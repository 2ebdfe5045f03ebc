#!/usr/bin/env bash
# `tenantsim load --target URL` drives a server in another process, as it would someone else's: a
# `tenantsim serve` started here on a free loopback port. The run must pass and write its reports.
#   load_against_serve.sh TENANTSIM SCENARIO OUTDIR
set -euo pipefail
bin=$1 scenario=$2 out=$3
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$bin" serve --port 0 --threads 2 --scenario "$scenario" >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/out" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/out")
[[ -n $url ]] || { echo "serve did not start"; cat "$dir/err"; exit 1; }
rm -rf "$out"
"$bin" load "$scenario" --target "$url" --rate 200 --duration 2 --out "$out"
for f in report.json junit.xml summary.md load.json report.html; do
  [[ -s $out/$f ]] || { echo "missing $out/$f"; exit 1; }
done
# Against another process the driver cannot read the fakes' ledgers: metering is not judged.
if grep -q '"metering.complete"' "$out/report.json"; then echo "metering judged without ledgers"; exit 1; fi
kill -TERM "$pid"; wait "$pid"
