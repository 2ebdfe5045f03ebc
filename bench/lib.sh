# Shared by the bench scripts (source it): servers in the background, stopped and cleaned up on
# exit whatever happens, and their "listening on" lines read back.
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"' EXIT

start() {  # start NAME CMD...: runs CMD in the background (not in a subshell: the trap must see it)
  local name=$1; shift
  "$@" >"$dir/$name.out" 2>"$dir/$name.err" &
  pids+=($!)
}
url_of() {  # url_of NAME: waits for its "listening on URL" line, prints URL
  for _ in $(seq 100); do grep -q "listening on" "$dir/$1.out" && break; sleep 0.1; done
  grep -o 'http://127.0.0.1:[0-9]*' "$dir/$1.out"
}
