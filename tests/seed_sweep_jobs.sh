#!/usr/bin/env bash
# A seed sweep is the same at any --jobs: the console (in the list's order), the combined junit.xml,
# and each failing seed's reports, which are those of `tenantsim run --seed N` (written from the
# sweep's own run, not a replay). Passing seeds leave no reports behind.
#   seed_sweep_jobs.sh TENANTSIM EXAMPLES_DIR WORK_DIR
set -euo pipefail
bin=$1 examples=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
args=("$examples/limits.json" --seeds 3,1..2 --inject-defect monthly-reset-never-fires)
for jobs in 1 3; do
  set +e
  "$bin" run "${args[@]}" --jobs $jobs --out "$work/jobs-$jobs" >"$work/jobs-$jobs.log" 2>&1
  code=$?
  set -e
  [[ $code -eq 1 ]] || { echo "--jobs $jobs: exit $code, expected 1"; cat "$work/jobs-$jobs.log"; exit 1; }
  sed -i "s|$work/jobs-$jobs|OUT|g" "$work/jobs-$jobs.log"
done
diff "$work/jobs-1.log" "$work/jobs-3.log" || { echo "the console differs between --jobs 1 and 3"; exit 1; }
grep '^seed [0-9]*:' "$work/jobs-3.log" | cut -d' ' -f1,2 | tr '\n' ' ' | grep -q '^seed 3: seed 1: seed 2: $' ||
  { echo "not in the list's order:"; cat "$work/jobs-3.log"; exit 1; }
cmp "$work/jobs-1/junit.xml" "$work/jobs-3/junit.xml" || { echo "junit.xml differs between --jobs 1 and 3"; exit 1; }
"$bin" run "$examples/limits.json" --seed 1 --inject-defect monthly-reset-never-fires --out "$work/one" >/dev/null || true
for jobs in 1 3; do
  cmp "$work/jobs-$jobs/seed-1/report.json" "$work/one/report.json" ||
    { echo "--jobs $jobs: seed-1's report differs from its own run's"; exit 1; }
  [[ -f "$work/jobs-$jobs/seed-1/results.sqlite" ]] || { echo "--jobs $jobs: seed-1 has no results.sqlite"; exit 1; }
  if ls -A "$work/jobs-$jobs" | grep -q '^\.seed-'; then echo "--jobs $jobs: a partial directory was left"; exit 1; fi
done
echo "seed sweep: the same at --jobs 1 and 3"
