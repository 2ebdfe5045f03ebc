#!/usr/bin/env bash
# A sweep of two cells equals two separate runs: each cell's report.json is byte for byte the
# report of `tenantsim run` with the cell's --set flags, and sweep.csv has a row per cell and tier.
# sweep.html loads in a real browser (skipped without chromium).
#   sweep_equals_runs.sh TENANTSIM EXAMPLES_DIR WORK_DIR
set -euo pipefail
bin=$1 examples=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
cat >"$work/sweep.json" <<JSON
{"scenario": "$examples/limits.json", "set": {"prices_file": "seed"}, "grid": {"population.tenants": [3, 4]}}
JSON
"$bin" sweep "$work/sweep.json" --out "$work/out" --jobs 2 >"$work/sweep.log"
for cell in 1 2; do
  tenants=$((cell + 2))
  "$bin" run "$examples/limits.json" --set prices_file=seed --set population.tenants=$tenants --out "$work/run-$cell" >/dev/null
  cmp "$work/out/cell-$cell/report.json" "$work/run-$cell/report.json" ||
    { echo "cell-$cell differs from its separate run"; exit 1; }
done
rows=$(grep -c '^cell-' "$work/out/sweep.csv")
tiers=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["tiers"]))' "$work/run-1/report.json")
tiers2=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["tiers"]))' "$work/run-2/report.json")
[[ $rows -eq $((tiers + tiers2)) ]] || { echo "sweep.csv has $rows rows, expected $((tiers + tiers2))"; cat "$work/out/sweep.csv"; exit 1; }
grep -q '^cell-2,4,pass,' "$work/out/sweep.csv" || { echo "sweep.csv lacks cell-2's overrides"; cat "$work/out/sweep.csv"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
set +e
"$here/html_in_chromium.sh" "$work/out/sweep.html" 2
code=$?
set -e
[[ $code -eq 0 || $code -eq 77 ]] || exit 1
echo "sweep: both cells equal their separate runs"
