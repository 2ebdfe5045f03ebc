#!/usr/bin/env bash
# `tenantsim serve` as an operator runs it: starts on a free loopback port, answers, and on SIGTERM
# finishes what is in flight, flushes metering and exits 0 (and 0 again for SIGINT). The second
# start takes its options from --config (paths relative to the file), with --threads overriding it.
#   serve_sigterm.sh TENANTSIM
set -euo pipefail
bin=$1
dir=$(mktemp -d)
trap 'kill -9 "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
printf '{"port": 0, "threads": 3, "access_log": "access.log"}\n' >"$dir/serve.json"
for sig in TERM INT; do
  if [[ $sig == TERM ]]; then
    "$bin" serve --port 0 --threads 2 --access-log "$dir/access.log" >"$dir/out" 2>"$dir/err" &
  else
    "$bin" serve --config "$dir/serve.json" --threads 2 >"$dir/out" 2>"$dir/err" &
  fi
  pid=$!
  for _ in $(seq 100); do grep -q "listening on" "$dir/out" && break; sleep 0.1; done
  port=$(grep -o '127.0.0.1:[0-9]*' "$dir/out" | cut -d: -f2)
  [[ -n $port ]] || { echo "serve did not print its port"; cat "$dir/err"; exit 1; }
  grep -q "(2 connection threads" "$dir/out" || { echo "--threads did not win over the config: $(cat "$dir/out")"; exit 1; }
  # One request over bash's own TCP, so the test needs no client program.
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' >&3
  reply=$(cat <&3)
  exec 3>&-
  grep -q '"healthy"' <<<"$reply" || { echo "no health answer: $reply"; exit 1; }
  kill -s "$sig" "$pid"
  code=0
  wait "$pid" || code=$?
  [[ $code -eq 0 ]] || { echo "SIG$sig: exit $code, expected 0"; cat "$dir/err"; exit 1; }
  grep -q "0 usage records could not be written" "$dir/err" || { echo "no stop summary"; cat "$dir/err"; exit 1; }
done
[[ $(grep -c '"route":"/health"' "$dir/access.log") -eq 2 ]] ||
  { echo "access log lacks a /health line of each start"; cat "$dir/access.log"; exit 1; }
echo "serve: SIGTERM and SIGINT stop it cleanly"
