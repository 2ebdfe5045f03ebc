#!/usr/bin/env bash
# A stored run re-renders byte for byte from results.sqlite in every format, and `compare` names
# the check a defect broke.
#   rerender_and_compare.sh TENANTSIM SCENARIO WORKDIR
set -euo pipefail
bin=$1 scenario=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$bin" run "$scenario" --out "$work/a" >/dev/null
"$bin" run "$scenario" --out "$work/b" --inject-defect monthly-reset-never-fires >/dev/null 2>&1 || test $? -eq 1
for pair in json:report.json junit:junit.xml md:summary.md html:report.html costs-csv:costs.csv tenants-csv:tenants.csv; do
  "$bin" report "$work/a" --format "${pair%%:*}" | cmp - "$work/a/${pair#*:}"
done
test ! -e "$work/a/.results.sqlite.tmp"
"$bin" compare "$work/a" "$work/b" | tee "$work/compare.txt"
grep -q "verdict: pass -> fail" "$work/compare.txt"
grep -q "limits.no_refusal_under_limit: 0 failed -> [1-9]" "$work/compare.txt"
echo "re-rendered identically; compare shows the broken check"
