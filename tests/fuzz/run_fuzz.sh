#!/usr/bin/env bash
# Runs one libFuzzer target for ctest.
#   run_fuzz.sh regressions TARGET REGRESSIONS_DIR CORPUS_DIR   every kept input once (and the seeds)
#   run_fuzz.sh run TARGET REGRESSIONS_DIR CORPUS_DIR SECONDS     a bounded run from the seeds
# A crash leaves its input in $TENANTSIM_FUZZ_ARTIFACTS (default: a scratch directory, printed):
# copy it into REGRESSIONS_DIR with the fix. Prints the executions and the corpus size at the end.
set -euo pipefail
mode=$1 target=$2 regressions=$3 corpus=$4
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
artifacts=${TENANTSIM_FUZZ_ARTIFACTS:-$scratch/artifacts}
mkdir -p "$artifacts" "$scratch/corpus"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
case $mode in
  regressions)
    inputs=()
    for d in "$regressions" "$corpus"; do
      [[ -d $d ]] && while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find "$d" -type f ! -name README -print0 | sort -z)
    done
    [[ ${#inputs[@]} -gt 0 ]] || { echo "no inputs in $regressions or $corpus"; exit 1; }
    "$target" -artifact_prefix="$artifacts/" -rss_limit_mb=2048 -timeout=20 "${inputs[@]}" 2>&1 | tail -n 3
    echo "${#inputs[@]} inputs replayed"
    ;;
  run)
    seconds=${5:-20}
    set +e
    "$target" -artifact_prefix="$artifacts/" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 \
      -max_len=65536 -print_final_stats=1 "$scratch/corpus" "$corpus" >"$scratch/log" 2>&1
    code=$?
    set -e
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE" "$scratch/log" || true
    echo "corpus after the run: $(find "$scratch/corpus" "$corpus" -type f | wc -l) inputs"
    if [[ $code -ne 0 ]]; then
      tail -n 60 "$scratch/log"
      mkdir -p "${TENANTSIM_FUZZ_ARTIFACTS:-/tmp/tenantsim-fuzz-artifacts}"
      cp "$artifacts"/* "${TENANTSIM_FUZZ_ARTIFACTS:-/tmp/tenantsim-fuzz-artifacts}/" 2>/dev/null || true
      echo "crash inputs kept in ${TENANTSIM_FUZZ_ARTIFACTS:-/tmp/tenantsim-fuzz-artifacts}"
      exit 1
    fi
    ;;
  *) echo "usage: run_fuzz.sh regressions|run TARGET REGRESSIONS_DIR CORPUS_DIR [SECONDS]" >&2; exit 2 ;;
esac
