#!/usr/bin/env bash
# `tenantsim load --profile seed-000` against a stand-in of seed 000's public backend
# (tests/standin/seed000_standin.py) that trusts the Cognito of a fresh `fakes serve`, with the
# stand-in's defects switched on as given. Passes when the load exits EXIT and, for each EXAMPLE,
# some failure example of isolation.adversary_refused (or of CHECK, given as CHECK::TEXT) in
# report.json contains it: each defect is found by the probe that reaches it, through the profile's
# API shape.
#   load_against_standin.sh TENANTSIM SCENARIO OUTDIR DEFECTS EXIT [EXAMPLE...]
set -euo pipefail
bin=$1 scenario=$2 out=$3 defects=$4 expect_exit=$5
shift 5
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$dir"' EXIT
# Starts a server in the background and prints the first line it writes ("listening on ...").
start() {
  local log=$1; shift
  "$@" >"$dir/$log.out" 2>"$dir/$log.err" &
  pids+=($!)
  for _ in $(seq 100); do grep -q "listening on" "$dir/$log.out" && break; sleep 0.1; done
  grep "listening on" "$dir/$log.out" || { echo "$log did not start"; cat "$dir/$log.err"; exit 1; }
}
fakes=$(start fakes "$bin" fakes serve --port 0 | grep -o 'http://127.0.0.1:[0-9]*')
line=$(start standin python3 "$here/standin/seed000_standin.py" --cognito "$fakes" --defects "$defects")
target=$(grep -o 'http://127.0.0.1:[0-9]*' <<<"$line")
pool=$(sed 's/.* pool=\([^ ]*\).*/\1/' <<<"$line")
client=$(sed 's/.* client=//' <<<"$line")
rm -rf "$out"
# The judge signs its Cognito calls; fakes serve takes any key.
AWS_ACCESS_KEY_ID=load-judge AWS_SECRET_ACCESS_KEY=load-judge-secret \
  "$bin" load "$scenario" --target "$target" --profile seed-000 --cognito "$fakes" --user-pool-id "$pool" \
  --client-id "$client" --tenants 6 --rate 40 --duration 2 --out "$out" && code=0 || code=$?
[[ $code == "$expect_exit" ]] || { echo "load exited $code, expected $expect_exit"; cat "$dir/standin.err"; exit 1; }
for example in "$@"; do
  python3 - "$out/report.json" "$example" <<'PY' || exit 1
import json, sys
report, text = json.load(open(sys.argv[1])), sys.argv[2]
name, _, text = text.rpartition("::")
check = next(c for c in report["checks"] if c["name"] == (name or "isolation.adversary_refused"))
if check["status"] != "fail" or not any(text in e for e in check["examples"]):
    sys.exit(f"{check['name']} ({check['status']}) has no failure mentioning {text!r}: {check['examples']}")
print(f"found: {text}")
PY
done
