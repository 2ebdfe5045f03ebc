#!/usr/bin/env bash
# `tenantsim load --target URL` drives a server in another process, as it would someone else's: a
# `tenantsim serve` started here on a free loopback port. The run must pass and write its reports.
# With --over-the-wire, that server's Cognito, DynamoDB, Bedrock, its agents and knowledge bases, and the weather API are our
# real clients (libcurl, SigV4 where AWS signs) against a `tenantsim fakes serve` started here too: the
# system runs on the services' wire protocols.
#   load_against_serve.sh TENANTSIM SCENARIO OUTDIR [--over-the-wire]
set -euo pipefail
bin=$1 scenario=$2 out=$3 wire=${4:-}
dir=$(mktemp -d)
fakes_pid=""
trap 'kill "$pid" $fakes_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
backends=()
if [[ $wire == --over-the-wire ]]; then
  "$bin" fakes serve --port 0 >"$dir/fakes.out" 2>"$dir/fakes.err" &
  fakes_pid=$!
  for _ in $(seq 100); do grep -q "listening on" "$dir/fakes.out" && break; sleep 0.1; done
  fakes=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/fakes.out") || { echo "fakes serve did not start"; cat "$dir/fakes.err"; exit 1; }
  export AWS_ACCESS_KEY_ID=AKIDTENANTSIMTEST01 AWS_SECRET_ACCESS_KEY=secret-one-0123456789
  unset AWS_SESSION_TOKEN AWS_PROFILE
  # Bedrock Agents: each agent id the scenario's tiers name becomes an agent in fakes serve (its
  # model, a RETURN_CONTROL action group with every tool), mapped in the backends file.
  aliases=$(AWS_DEFAULT_REGION=us-east-1 python3 - "$fakes" "$scenario" <<'PY'
import boto3, json, sys
agents = {t["bedrock_agent_id"] for t in json.load(open(sys.argv[2])).get("tier_overrides", {}).values() if "bedrock_agent_id" in t}
c = boto3.client("bedrock-agent", endpoint_url=sys.argv[1])
tools = [("get_current_weather", "Current weather for a city"), ("get_weather_forecast", "Weather forecast for the next days for a city"),
         ("get_weather_alerts", "Active weather alerts for a city"), ("search_knowledge_base", "Search this organisation's documents")]
out = {}
for name in sorted(agents):
    agent = c.create_agent(agentName=name, foundationModel="anthropic.claude-3-haiku-20240307-v1:0")["agent"]["agentId"]
    c.create_agent_action_group(agentId=agent, agentVersion="DRAFT", actionGroupName="gateway",
                                actionGroupExecutor={"customControl": "RETURN_CONTROL"},
                                functionSchema={"functions": [{"name": n, "description": d} for n, d in tools]})
    c.prepare_agent(agentId=agent)
    out[name] = {"agent_id": agent, "alias_id": "TSTALIASID"}
print(json.dumps(out))
PY
)
  cat >"$dir/backends.json" <<JSON
{"dynamodb": {"mode": "real", "endpoint": "$fakes", "table_prefix": "wire-"},
 "bedrock": {"mode": "real", "endpoint": "$fakes"},
 "knowledge_base": {"mode": "real", "endpoint": "$fakes"},
 "weather": {"mode": "real", "endpoint": "$fakes"},
 "agents": {"mode": "real", "endpoint": "$fakes", "aliases": $aliases},
 "cognito": {"mode": "real", "endpoint": "$fakes",
             "pre_token_generation_lambda": "arn:aws:lambda:us-east-1:000000000000:function:tenant-claims"}}
JSON
  backends=(--backends "$dir/backends.json")
fi
"$bin" serve --port 0 --threads 2 --scenario "$scenario" "${backends[@]}" >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/out" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/out")
[[ -n $url ]] || { echo "serve did not start"; cat "$dir/err"; exit 1; }
rm -rf "$out"
cloud=()
# Over the wire the judge reads what the server consumed at its cloud (--fakes), and signs expired
# and other-client tokens with the pool's key there (--cognito).
[[ -n $fakes_pid ]] && cloud=(--fakes "$fakes" --cognito "$fakes")
"$bin" load "$scenario" --target "$url" --rate 200 --duration 2 "${cloud[@]}" --out "$out"
for f in report.json junit.xml summary.md load.json report.html; do
  [[ -s $out/$f ]] || { echo "missing $out/$f"; exit 1; }
done
# Against another process the driver cannot read the fakes' ledgers: metering is not judged.
if grep -q '"metering.complete"' "$out/report.json"; then echo "metering judged without ledgers"; exit 1; fi
if [[ -n $fakes_pid ]]; then
  # The system's tables are in fakes serve, not in the server's in-process fake.
  tables=$(AWS_DEFAULT_REGION=us-east-1 python3 -c "
import boto3,sys; c=boto3.client('dynamodb', endpoint_url=sys.argv[1])
print(len([t for t in c.list_tables()['TableNames'] if t.startswith('wire-')]))" "$fakes")
  [[ $tables -gt 0 ]] || { echo "no table of the system's in fakes serve"; exit 1; }
  # The provider's side: model calls and their cost, per accepted chat, from the fakes' ledger.
  python3 - "$out/load.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["provider_usage"]
assert p["accepted_chats"] > 0 and p["totals"]["bedrock_invocations"] >= p["accepted_chats"] // 2, p
assert p["cost"]["pico_usd"] > 0 and p["per_accepted_chat"]["cost"]["pico_usd"] > 0, p
# Our system names the tenant on every model call: the bill splits whole by the tag.
assert p["totals"]["bedrock_invocations_untagged"] == 0, p["totals"]
assert sum(t["bedrock_invocations"] for t in p["by_tenant"].values()) == p["totals"]["bedrock_invocations"], p
print(f"provider usage: {p['totals']['bedrock_invocations']} model calls for {p['accepted_chats']} chats, ${p['cost']['usd']}")
PY
  bases=$(AWS_DEFAULT_REGION=us-east-1 python3 -c "
import boto3,sys; c=boto3.client('bedrock-agent', endpoint_url=sys.argv[1])
print(len([k for k in c.list_knowledge_bases()['knowledgeBaseSummaries'] if k['name'].startswith('kb-')]))" "$fakes")
  [[ $bases -gt 0 ]] || { echo "no knowledge base of the system in fakes serve"; exit 1; }
  echo "over the wire: $tables tables and $bases knowledge bases of the system in fakes serve"
fi
kill -TERM "$pid"; wait "$pid"
