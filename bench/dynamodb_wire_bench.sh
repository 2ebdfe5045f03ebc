#!/usr/bin/env bash
# DynamoDB over HTTP, side by side in one run on loopback, with one client (dynamodb_wire_bench):
#   1. the mix (PutItem, GetItem, conditional UpdateItem, Query): tenantsim fakes serve ÷ dynalite
#      (the issue's target: 20x), with each one's p99;
#   2. GetItem only: fakes serve ÷ the minimal Beast server of bench/ (the skeleton plus the fake's
#      cost against a server that does nothing; target 0.7).
# This machine is shared and noisy: compare within one run, do not trust absolute figures.
#   bench/dynamodb_wire_bench.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
build=${1:-build/release}
secs=${2:-5}
conns=${3:-4}
here=$(cd "$(dirname "$0")" && pwd)
dynalite=$here/../tests/peers/node_modules/.bin/dynalite
[[ -x $dynalite ]] || { echo "dynamodb_wire_bench: dynalite is missing (scripts/setup installs it)"; exit 3; }
source "$here/lib.sh"
port_of() { url_of "$1" | cut -d: -f3; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

dport=$(free_port)
start dynalite "$dynalite" --host 127.0.0.1 --port "$dport" --createTableMs 0
start fakes "$build/harness/tenantsim" fakes serve --port 0 --threads 2
start minimal "$build/bench/minimal_http_server" 2
fport=$(port_of fakes)
mport=$(port_of minimal)
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/"$dport") 2>/dev/null && break; sleep 0.1; done

client=$build/bench/dynamodb_wire_bench
mix_fakes=$("$client" "$fport" "$secs" "$conns" mix)
mix_dynalite=$("$client" "$dport" "$secs" "$conns" mix)
get_fakes=$("$client" "$fport" "$secs" "$conns" get)
get_minimal=$("$client" "$mport" "$secs" "$conns" get)

echo "mix   fakes serve: $mix_fakes"
echo "mix   dynalite:    $mix_dynalite"
echo "get   fakes serve: $get_fakes"
echo "get   minimal:     $get_minimal"
python3 - "$mix_fakes" "$mix_dynalite" "$get_fakes" "$get_minimal" <<'PY'
import json, sys
mf, md, gf, gm = (json.loads(a) for a in sys.argv[1:])
print(f"mix ops/s: fakes serve {mf['ops_per_second']} / dynalite {md['ops_per_second']} = "
      f"{mf['ops_per_second'] / max(1, md['ops_per_second']):.1f}x (target 20x); "
      f"p99 {mf['p99_us']} us vs {md['p99_us']} us; errors {mf['errors']} vs {md['errors']}")
print(f"GetItem ops/s: fakes serve {gf['ops_per_second']} / minimal Beast {gm['ops_per_second']} = "
      f"{gf['ops_per_second'] / max(1, gm['ops_per_second']):.2f} (target 0.7)")
PY
