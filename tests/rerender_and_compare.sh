#!/usr/bin/env bash
# A stored run re-renders byte for byte from results.sqlite in every format, and `compare` names
# the check a defect broke.
#   rerender_and_compare.sh TENANTSIM SCENARIO WORKDIR
set -euo pipefail
bin=$1 scenario=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$bin" run "$scenario" --out "$work/a" >/dev/null
"$bin" run "$scenario" --out "$work/b" --inject-defect monthly-reset-never-fires >/dev/null 2>&1 || test $? -eq 1
for pair in json:report.json junit:junit.xml md:summary.md html:report.html costs-csv:costs.csv tenants-csv:tenants.csv tiers-csv:tiers.csv users-csv:users.csv daily-csv:daily.csv monthly-csv:monthly.csv; do
  "$bin" report "$work/a" --format "${pair%%:*}" | cmp - "$work/a/${pair#*:}"
done
test ! -e "$work/a/.results.sqlite.tmp"
# B regressed: compare exits 1, names the check, and warns that B ran with a defect.
code=0; "$bin" compare "$work/a" "$work/b" > "$work/compare.txt" || code=$?
cat "$work/compare.txt"
test "$code" -eq 1
grep -q "verdict: pass -> fail" "$work/compare.txt"
grep -q "limits.no_refusal_under_limit: pass (0 failed) -> fail ([1-9]" "$work/compare.txt"
grep -q "REGRESSION: check limits.no_refusal_under_limit newly fails the run" "$work/compare.txt"
grep -q "warning: B ran with defects injected: monthly-reset-never-fires" "$work/compare.txt"
# The other way round B got better (its cost rose 10%, inside a 100% tolerance): exit 0; a run
# against itself: no change.
"$bin" compare "$work/b" "$work/a" --cost-tolerance 100 > /dev/null
"$bin" compare "$work/a" "$work/a" | grep -q "no regression"
echo "re-rendered identically; compare shows the broken check and exits 1 on the regression"
