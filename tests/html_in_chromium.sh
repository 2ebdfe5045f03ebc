#!/usr/bin/env bash
# report.html in a real browser: Debian's chromium loads the page headless and dumps the DOM it
# built. Fails if chromium fails, if the console reports an error on the page, if the DOM has
# fewer than MIN_CHARTS (default 5) <svg> charts, or if it shows "NaN" or "Infinity" (a chart
# divided by zero).
#   html_in_chromium.sh REPORT_HTML [MIN_CHARTS]
set -uo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: html_in_chromium.sh REPORT_HTML [MIN_CHARTS]" >&2
  exit 2
fi
min_charts=${2:-5}
chromium=/usr/bin/chromium
if [[ ! -x $chromium ]]; then
  echo "chromium not installed"
  exit 77  # ctest's SKIP_RETURN_CODE: the test is skipped, not failed (scripts/setup installs it)
fi
if [[ ! -f $1 ]]; then
  echo "html_in_chromium: $1: no such file" >&2
  exit 1
fi
page=$(realpath "$1")

profile=$(mktemp -d) dom=$(mktemp) err=$(mktemp)
trap 'rm -rf "$profile" "$dom" "$err"' EXIT

timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$profile" \
  --enable-logging=stderr --v=0 --dump-dom "file://$page" >"$dom" 2>"$err"
code=$?

fail() {
  echo "html_in_chromium: $page: $*" >&2
  if [[ -s $err ]]; then
    echo "--- chromium stderr (last 20 lines) ---" >&2
    tail -n 20 "$err" >&2
  fi
  exit 1
}

if [[ $code -eq 124 ]]; then fail "chromium did not finish within 60 s"; fi
if [[ $code -ne 0 ]]; then fail "chromium exited with status $code"; fi
if grep -q "Uncaught" "$err"; then fail "the page threw: $(grep -m1 "Uncaught" "$err")"; fi
if grep "CONSOLE" "$err" | grep -qF "$page"; then
  fail "console message from the page: $(grep "CONSOLE" "$err" | grep -m1 -F "$page")"
fi
svgs=$(grep -o "<svg" "$dom" | wc -l)
if [[ $svgs -lt $min_charts ]]; then fail "the DOM has $svgs <svg> elements, expected at least $min_charts"; fi
if grep -q "NaN" "$dom"; then fail "the DOM contains NaN: $(grep -o -m1 ".\{0,60\}NaN.\{0,20\}" "$dom")"; fi
if grep -q "Infinity" "$dom"; then fail "the DOM contains Infinity: $(grep -o -m1 ".\{0,60\}Infinity.\{0,20\}" "$dom")"; fi

echo "html_in_chromium: $page: loaded in chromium, $svgs charts, no NaN or Infinity, no console errors"
