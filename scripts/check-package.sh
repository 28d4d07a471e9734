#!/usr/bin/env bash
# CI step: packs the package as `npm publish` would, installs the tarball into a fresh temporary folder (no access
# to this checkout) and runs what a shop would: `shelf --help`, a real `shelf import feed` (and a bad one), a tiny
# `shelf train` and `shelf evaluate`, and resolves the SDK's entry and files. Fails on the first problem. Never publishes anything.
# Run: bash scripts/check-package.sh   (SHELF_PACK_SKIP_BUILD=1 reuses an existing dist/ instead of building)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/shelf-pack-XXXXXX")"
trap 'rm -rf "$work"' EXIT

if [ "${SHELF_PACK_SKIP_BUILD:-}" = "1" ] && [ -f dist/sdk/shelf-client.js ]; then
  tarball="$(npm pack --ignore-scripts --silent --pack-destination "$work" | tail -1)"
else
  tarball="$(npm pack --silent --pack-destination "$work" | tail -1)"
fi
echo "packed $tarball ($(du -h "$work/$tarball" | cut -f1))"
if tar -tzf "$work/$tarball" | grep -E '\.test\.ts$|^package/(server|workers|e2e|bench|scripts)/'; then
  echo "the tarball carries files a shop does not need (above)"; exit 1
fi

mkdir "$work/shop"
cd "$work/shop"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" >/dev/null
echo "installed into $work/shop"

npx --no-install shelf --help | head -3
printf 'id\ttitle\tprice\tproduct_type\nsku-1\tRed shoe\t59.90 EUR\tShoes > Running\nsku-2\tBlue hat\t12 USD\tHats\n' > feed.tsv
npx --no-install shelf import feed feed.tsv --out ws
test "$(wc -l < ws/feed.jsonl)" -eq 2
# A bad row: one line naming file, line and field, exit code 1, nothing written.
printf 'id\ttitle\tprice\nsku-3\tGreen\tcheap\n' > bad.tsv
set +e
out="$(npx --no-install shelf import feed bad.tsv --out ws2 2>&1)"; rc=$?
set -e
echo "$out"
[ "$rc" -eq 1 ] && echo "$out" | grep -q 'bad.tsv:2: price:' && [ ! -e ws2/feed.jsonl ] || { echo "bad feed not reported as expected"; exit 1; }

# Training and evaluating from the installed package (tfjs and its wasm files resolved from node_modules): a tiny
# generated shop of 150 items where each visitor walks through consecutive items.
node -e '
const rows = ["session_id,item_id,event_type,timestamp"];
for (let u = 0; u < 300; u++) for (let k = 0; k < 5; k++) rows.push(`s${u},sku-${(u * 7 + k) % 150},view_item,${1700000000 + u * 100 + k}`);
require("fs").writeFileSync("history.csv", rows.join("\n") + "\n");'
npx --no-install shelf import history history.csv --out ws
npx --no-install shelf train --in ws --epochs 1 --dim 8 --hidden 8 --ffn 16 --negatives 64 --no-smoothing --no-progress | tail -2
test -f ws/bundle/manifest.json && test -f ws/bundle/vectors.bin
npx --no-install shelf evaluate --in ws | tail -3

# The SDK: the package entry resolves and the script-tag files are there to serve.
node --input-type=module -e "console.log('SDK entry', import.meta.resolve('shelf-reco'))"
for f in shelf-loader.js shelf-client.js shelf-engine.worker.js manifest.json; do test -f "node_modules/shelf-reco/dist/sdk/$f" || { echo "missing dist/sdk/$f"; exit 1; }; done
echo "package check passed"
cd "$root"
