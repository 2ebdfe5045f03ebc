#!/usr/bin/env bash
# One CLI case for ctest: runs a command and checks its exit code, and optionally that a named
# check failed (from the console's "FAIL <check>" lines) or that stderr names something.
#   cli_case.sh EXIT [--fail-check NAME] [--stderr-has TEXT]... [--stderr-lacks TEXT]... [--stdout-has TEXT]... -- COMMAND...
set -uo pipefail
expect_exit=$1; shift
fail_check=""; stderr_has=(); stderr_lacks=(); stdout_has=()
while [[ $# -gt 0 && $1 != "--" ]]; do
  case $1 in
    --fail-check) fail_check=$2; shift 2 ;;
    --stderr-has) stderr_has+=("$2"); shift 2 ;;
    --stderr-lacks) stderr_lacks+=("$2"); shift 2 ;;
    --stdout-has) stdout_has+=("$2"); shift 2 ;;
    *) echo "cli_case.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
shift
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err"
code=$?
cat "$out"; cat "$err" >&2
if [[ $code -ne $expect_exit ]]; then echo "cli_case: exit $code, expected $expect_exit" >&2; exit 1; fi
if [[ -n $fail_check ]] && ! grep -Eq "^FAIL ${fail_check//./\\.} " "$out"; then
  echo "cli_case: check $fail_check did not fail" >&2; exit 1
fi
for text in "${stderr_has[@]}"; do
  if ! grep -Fq -- "$text" "$err"; then echo "cli_case: stderr does not mention: $text" >&2; exit 1; fi
done
for text in "${stderr_lacks[@]}"; do
  if grep -Fq -- "$text" "$err"; then echo "cli_case: stderr mentions what it must not: $text" >&2; exit 1; fi
done
for text in "${stdout_has[@]}"; do
  if ! grep -Fq -- "$text" "$out"; then echo "cli_case: stdout does not mention: $text" >&2; exit 1; fi
done
exit 0
