#!/usr/bin/env bash
# Runs COMMAND with a cognito-local (npm, tests/peers) listening on 127.0.0.1, its URL in
# TENANTSIM_TEST_COGNITO_ENDPOINT and its fixed confirmation code in TENANTSIM_TEST_COGNITO_CODE;
# cognito-local keeps its state in the working directory, so it runs in a fresh temporary one.
# Stops it and removes that directory afterwards whatever COMMAND did.
#   with_cognito_local.sh COMMAND...
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exe=$here/peers/node_modules/.bin/cognito-local
[[ -x $exe ]] || { echo "with_cognito_local: $exe is missing: run scripts/setup" >&2; exit 1; }
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$dir" && HOST=127.0.0.1 PORT=$port CODE=424242 exec "$exe" >"$dir/log" 2>&1) &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 200); do (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.05; done
TENANTSIM_TEST_COGNITO_ENDPOINT=http://127.0.0.1:$port TENANTSIM_TEST_COGNITO_CODE=424242 "$@"
