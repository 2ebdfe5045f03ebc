#!/usr/bin/env bash
# Runs COMMAND with a dynalite (npm, tests/peers) listening on 127.0.0.1, its URL in
# TENANTSIM_TEST_DYNAMODB_ENDPOINT; stops it afterwards whatever COMMAND did.
#   with_dynalite.sh COMMAND...
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exe=$here/peers/node_modules/.bin/dynalite
[[ -x $exe ]] || { echo "with_dynalite: $exe is missing: run scripts/setup" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$exe" --host 127.0.0.1 --port "$port" --createTableMs 0 --deleteTableMs 0 >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 200); do (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.05; done
TENANTSIM_TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:$port "$@"
