# labels: interop
# jsonlogic_diff.sh - checks labaudit's JsonLogic evaluator against the
# reference implementation json-logic-js (from npm, version pinned in
# tests/interop/jsonlogic/package.json): regenerates the 5000 random cases
# with seed 1, fails if the committed cases.json is not what json-logic-js
# gives today, and runs test_jsonlogic_diff over the fresh file.  Needs
# node and npm (and the network the first time, for npm install).
set -euo pipefail

src=${LAB_SOURCE_DIR:?LAB_SOURCE_DIR is not set}
build=${LAB_BUILD_DIR:?LAB_BUILD_DIR is not set}
dir=$src/tests/interop/jsonlogic
differ=$build/tests/test_jsonlogic_diff

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "jsonlogic_diff: $tool is not installed; this test needs Node.js and npm" >&2
        exit 1
    fi
done
if [ ! -x "$differ" ]; then
    echo "jsonlogic_diff: $differ not built (cmake --build ... --target test_jsonlogic_diff)" >&2
    exit 1
fi

cd "$dir"
if [ ! -d node_modules/json-logic-js ]; then
    npm install --no-audit --no-fund
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node generate.js --seed 1 --count 5000 --out "$tmp/cases.json"
if ! cmp -s "$tmp/cases.json" cases.json; then
    echo "jsonlogic_diff: tests/interop/jsonlogic/cases.json is stale;" \
         "regenerate it with 'npm run generate' there" >&2
    exit 1
fi
"$differ" "$tmp/cases.json"
