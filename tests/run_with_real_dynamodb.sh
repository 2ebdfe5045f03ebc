#!/usr/bin/env bash
# `tenantsim run SCENARIO` twice: on the in-process fakes, and with DynamoDB real (our libcurl
# client) against a `tenantsim fakes serve` this script starts and stops. Passes when both runs
# pass with the same verdict on every check, and the run left no table behind.
#   run_against_fakes_serve.sh TENANTSIM SCENARIO OUT_DIR
set -uo pipefail
bin=$1 scenario=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
"$bin" fakes serve --port 0 >"$out/fakes.out" 2>"$out/fakes.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 100); do grep -q "listening on" "$out/fakes.out" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$out/fakes.out") || { echo "fakes serve did not start"; cat "$out/fakes.err"; exit 1; }
printf '{"dynamodb": {"mode": "real", "endpoint": "%s", "table_prefix": "ci-"}}\n' "$url" >"$out/backends.json"
export AWS_ACCESS_KEY_ID=AKIDTENANTSIMTEST01 AWS_SECRET_ACCESS_KEY=secret-one-0123456789
unset AWS_SESSION_TOKEN AWS_PROFILE
"$bin" run "$scenario" --out "$out/fake" >"$out/fake.log" 2>&1
fake_code=$?
"$bin" run "$scenario" --backends "$out/backends.json" --out "$out/real" >"$out/real.log" 2>&1
real_code=$?
tail -3 "$out/real.log"
[[ $fake_code -eq 0 && $real_code -eq 0 ]] || { echo "exit codes: fake $fake_code, real $real_code"; tail -30 "$out/real.log"; exit 1; }
verdicts() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('\n'.join(f\"{c['name']} {c['status']}\" for c in r['checks']))" "$1"; }
diff <(verdicts "$out/fake/report.json") <(verdicts "$out/real/report.json") || { echo "verdicts differ"; exit 1; }
left=$(AWS_DEFAULT_REGION=us-east-1 python3 -c "
import boto3,sys; c=boto3.client('dynamodb', endpoint_url=sys.argv[1], region_name='us-east-1')
print(len(c.list_tables()['TableNames']))" "$url")
[[ $left == 0 ]] || { echo "$left tables left behind"; exit 1; }
echo "same verdicts on $(verdicts "$out/real/report.json" | wc -l) checks; no table left"
