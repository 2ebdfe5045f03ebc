#!/usr/bin/env bash
# Side by side in one run, on loopback (this machine is shared and noisy: compare, do not trust
# absolute figures), with wrk as the reference client:
#   1. GET /health: tenantsim serve ÷ a minimal Beast server of the same shape (the skeleton's cost);
#   2. an authenticated chat over HTTP ÷ the in-process chat rate of pipeline_bench (the HTTP cost);
#   3. tenantsim load --path /health ÷ wrk on the minimal server (the driver's own ceiling), and the
#      latency load reports at half that rate beside wrk's (load counts from intended send times).
#   bench/http_bench.sh [BUILD_DIR] [SECONDS] [THREADS]
set -euo pipefail
build=${1:-build/release}
secs=${2:-5}
threads=${3:-2}
bin=$build/harness/tenantsim
here=$(cd "$(dirname "$0")" && pwd)
command -v wrk >/dev/null || { echo "http_bench: wrk is not installed (scripts/setup installs it)"; exit 3; }
source "$here/lib.sh"
# The control secret of the servers started here (GET /_fake/cognito/confirmation-code).
export TENANTSIM_CONTROL_SECRET=${TENANTSIM_CONTROL_SECRET:-http-bench-$$}
rps() { awk '/Requests\/sec/ {print $2}'; }

start minimal "$build/bench/minimal_http_server" "$threads"
start serve "$bin" serve --port 0 --threads "$threads" --scenario "$here/http-bench.json" --max-connections 4096
minimal=$(url_of minimal)
serve=$(url_of serve)

health_min=$(wrk -t1 -c32 -d"${secs}s" "$minimal/health" | rps)
health_serve=$(wrk -t1 -c32 -d"${secs}s" "$serve/health" | rps)

# Eight premium (silo) tenants with limits and quotas lifted, one session each, over the API.
python3 - "$serve" "$dir/chat.lua" <<'PY'
import json, os, sys, urllib.request
base, out = sys.argv[1], sys.argv[2]
def call(method, path, body=None, token=None, control=False):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token: req.add_header("Authorization", "Bearer " + token)
    if control: req.add_header("X-Tenantsim-Control-Secret", os.environ["TENANTSIM_CONTROL_SECRET"])
    with urllib.request.urlopen(req) as r: return json.load(r)
entries = []
for i in range(8):
    t, u, p = f"bench-{i}", f"owner@bench-{i}", f"bench-password-{i}"
    sub = call("POST", "/api/register", {"tenant_id": t, "username": u, "password": p, "subscription_tier": "premium", "admin": True})["user_sub"]
    code = call("GET", f"/_fake/cognito/confirmation-code?tenant_id={t}&username={u}", control=True)["code"]
    call("POST", "/api/register/confirm", {"tenant_id": t, "username": u, "code": code})
    tok = call("POST", "/api/auth/login", {"tenant_id": t, "username": u, "password": p})["id_token"]
    sid = call("POST", "/api/sessions", None, tok)["session_id"]
    body = json.dumps({"message": "hello, how are you today?", "tenant_context": {"tenant_id": t, "user_id": sub, "session_id": sid}})
    entries.append((tok, body))
with open(out, "w") as f:
    f.write("local reqs = {}\n")
    for tok, body in entries:
        f.write("reqs[#reqs+1] = wrk.format('POST', '/api/chat', {['Content-Type']='application/json', ['Authorization']='Bearer %s'}, %s)\n"
                % (tok, json.dumps(body)))
    f.write("local i = 0\nrequest = function() i = i % #reqs + 1; return reqs[i] end\n"
            "local bad = 0\nresponse = function(status) if status ~= 200 then bad = bad + 1 end end\n"
            "done = function() io.write(string.format('non-200: %d\\n', bad)) end\n")
PY
chat_out=$(wrk -t1 -c16 -d"${secs}s" -s "$dir/chat.lua" "$serve")
chat_http=$(rps <<<"$chat_out")
chat_bad=$(grep -o 'non-200: [0-9]*' <<<"$chat_out" || echo "non-200: ?")
chat_inproc=$("$build/bench/pipeline_bench" --benchmark_filter='BM_ChatPooledNoTool$' --benchmark_min_time=2 \
              --benchmark_format=json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["benchmarks"][0]["items_per_second"])')

# The driver against wrk on the same target and connections: asked far above what either reaches.
wrk_min=$(wrk -t1 -c32 -d"${secs}s" --latency "$minimal/health")
wrk_rps=$(rps <<<"$wrk_min")
wrk_p99=$(awk '$1 == "99%" {print $2}' <<<"$wrk_min")
"$bin" load --target "$minimal" --path /health --rate 100000 --duration "$secs" --connections 32 --out "$dir/load-max" >/dev/null
load_rps=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["achieved_per_s"])' "$dir/load-max/load.json")
half=$(python3 -c "print(int(float('$wrk_rps') / 2))")
"$bin" load --target "$minimal" --path /health --rate "$half" --duration "$secs" --connections 32 --out "$dir/load-half" >/dev/null
load_half=$(python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["latency"]["GET /health"]["all"]; print("p50 %.2f ms, p99 %.2f ms" % (l["p50_us"]/1000, l["p99_us"]/1000))' "$dir/load-half/load.json")

python3 - "$health_min" "$health_serve" "$chat_http" "$chat_inproc" "$threads" "$chat_bad" "$wrk_rps" "$load_rps" "$half" "$load_half" "$wrk_p99" <<'PY'
import sys
hm, hs, ch, ci, t, bad = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
wr, lr, half, lh, wp99 = float(sys.argv[7]), float(sys.argv[8]), sys.argv[9], sys.argv[10], sys.argv[11]
print(f"threads {t}, wrk -t1, loopback")
print(f"GET /health   minimal Beast {hm:>10.0f}/s   tenantsim serve {hs:>10.0f}/s   ratio {hs/hm:.2f}  (target >= 0.8)")
print(f"POST /api/chat  in process {ci:>10.0f}/s   over HTTP       {ch:>10.0f}/s   ratio {ch/ci:.2f}  (target >= 0.5; {bad})")
print(f"driver /health  wrk         {wr:>10.0f}/s   tenantsim load  {lr:>10.0f}/s   ratio {lr/wr:.2f}  (target >= 0.7; minimal server, 32 connections)")
print(f"latency at {half}/s: tenantsim load {lh} from intended send times; wrk's own p99 at saturation {wp99}")
PY
