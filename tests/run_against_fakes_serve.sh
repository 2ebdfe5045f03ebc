#!/usr/bin/env bash
# `tenantsim run` with every service on its wire protocol: Cognito, DynamoDB, Bedrock (runtime,
# agents, knowledge bases) and the weather API are our libcurl clients against a
# `tenantsim fakes serve --clock caller` started here (a fresh one per run), linked as the
# backends file's fakes_serve so the run drives it on its virtual clock and its oracle reads the
# fakes' ledgers from the far side. It must give:
#  1. the same verdict, check by check, as the in-process run of the same scenario and seed;
#  2. a byte-identical report.json when run again against a fresh fakes serve;
#  3. exit 1, on the catalogue's check, with each given core defect switched on (over the wire
#     too, a defect cannot hide from the oracle).
#   run_against_fakes_serve.sh TENANTSIM SCENARIO OUTDIR [--set K=V ...] [-- DEFECT ...]
set -euo pipefail
bin=$1 scenario=$2 out=$3
shift 3
sets=() defects=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --set) sets+=(--set "$2"); shift 2 ;;
    --) shift; defects=("$@"); break ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
dir=$(mktemp -d)
fakes_pid=""
trap 'kill $fakes_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE  # the link needs none

# Starts a fresh fakes serve and writes $dir/backends.json pointing every service at it.
fresh_fakes() {
  [[ -n $fakes_pid ]] && { kill "$fakes_pid"; wait "$fakes_pid" 2>/dev/null || true; }
  "$bin" fakes serve --port 0 --clock caller >"$dir/fakes.out" 2>"$dir/fakes.err" &
  fakes_pid=$!
  for _ in $(seq 100); do grep -q "listening on" "$dir/fakes.out" && break; sleep 0.1; done
  local url
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/fakes.out") || { echo "fakes serve did not start"; cat "$dir/fakes.err"; exit 1; }
  cat >"$dir/backends.json" <<JSON
{"fakes_serve": "$url",
 "dynamodb": {"mode": "real", "endpoint": "$url", "table_prefix": "wire-"},
 "cognito": {"mode": "real", "endpoint": "$url",
             "pre_token_generation_lambda": "arn:aws:lambda:us-east-1:000000000000:function:tenant-claims"},
 "bedrock": {"mode": "real", "endpoint": "$url"},
 "agents": {"mode": "real", "endpoint": "$url"},
 "knowledge_base": {"mode": "real", "endpoint": "$url"},
 "weather": {"mode": "real", "endpoint": "$url"}}
JSON
}

# check name -> status, one per line, from a report.
statuses() { python3 -c 'import json,sys; [print(c["name"], c["status"]) for c in json.load(open(sys.argv[1]))["checks"]]' "$1"; }

rm -rf "$out"
mkdir -p "$out"
"$bin" run "$scenario" "${sets[@]}" --out "$out/in-process" >"$out/in-process.txt" 2>&1 && in_rc=0 || in_rc=$?
fresh_fakes
"$bin" run "$scenario" "${sets[@]}" --backends "$dir/backends.json" --out "$out/wire" >"$out/wire.txt" 2>&1 && wire_rc=0 || wire_rc=$?
cat "$out/wire.txt"
[[ $wire_rc == "$in_rc" ]] || { echo "exit $wire_rc over the wire, $in_rc in process"; cat "$out/in-process.txt"; exit 1; }
diff <(statuses "$out/in-process/report.json") <(statuses "$out/wire/report.json") ||
  { echo "the checks' statuses differ between in process (<) and over the wire (>)"; exit 1; }
left=$(python3 -c "
import boto3,sys; c=boto3.client('dynamodb', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='y')
print(len(c.list_tables()['TableNames']))" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fakes_serve"])' "$dir/backends.json")")
[[ $left == 0 ]] || { echo "$left tables left behind in fakes serve"; exit 1; }
echo "same verdict in process and over the wire (exit $in_rc); no table left behind"

fresh_fakes
"$bin" run "$scenario" "${sets[@]}" --backends "$dir/backends.json" --out "$out/wire-again" >/dev/null 2>&1 || true
cmp "$out/wire/report.json" "$out/wire-again/report.json" || { echo "report.json differs between two runs over the wire"; exit 1; }
echo "report.json byte-identical over the wire"

for defect in "${defects[@]}"; do
  check=$("$bin" defects list | awk -v d="$defect" '$1 == d { for (i = 2; i < NF; i++) if ($i == "by") print $(i + 1) }')
  [[ -n $check ]] || { echo "no defect $defect in the catalogue"; exit 1; }
  fresh_fakes
  "$bin" run "$scenario" "${sets[@]}" --inject-defect "$defect" --backends "$dir/backends.json" --out "$out/defect-$defect" \
    >"$out/defect-$defect.txt" 2>&1 && rc=0 || rc=$?
  [[ $rc == 1 ]] || { echo "$defect over the wire: exit $rc, expected 1"; cat "$out/defect-$defect.txt"; exit 1; }
  grep -q "^FAIL $check " "$out/defect-$defect.txt" || { echo "$defect over the wire: $check did not fail"; cat "$out/defect-$defect.txt"; exit 1; }
  echo "$defect over the wire: caught by $check"
done
