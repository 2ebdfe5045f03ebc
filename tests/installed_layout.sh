#!/usr/bin/env bash
# `cmake --install` gives a working layout: the installed binary reads the installed data directory
# (not the source tree it was built from), from any working directory, and so does a copy of the
# whole tree. The installed price catalogue is renamed to tell the two apart.
#   installed_layout.sh CMAKE BUILD_DIR WORK_DIR
set -euo pipefail
cmake=$1 build=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$cmake" --install "$build" --prefix "$work/prefix" >/dev/null
unset TENANTSIM_DATA_DIR
for tree in prefix copy; do
  [[ $tree == copy ]] && cp -r "$work/prefix" "$work/copy"
  python3 - "$work/$tree/share/tenantsim/data/prices-on-demand.json" "$tree" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1])); doc["name"] = "installed-" + sys.argv[2]; json.dump(doc, open(sys.argv[1], "w"))
PY
  (cd / && "$work/$tree/bin/tenantsim" run "$work/$tree/share/tenantsim/examples/limits.json" --out "$work/out-$tree" >/dev/null)
  python3 - "$work/out-$tree/report.json" "installed-$tree" <<'PY'
import json, sys
got = json.load(open(sys.argv[1]))["scenario"]["price_catalog"]
sys.exit(0 if got == sys.argv[2] else f"the {sys.argv[2]} binary priced with '{got}', not its own data directory")
PY
done
echo "installed layout: the binary reads its own share/tenantsim/data, installed and copied"
