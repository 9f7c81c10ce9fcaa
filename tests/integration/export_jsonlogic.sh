#!/usr/bin/env bash
# export_jsonlogic.sh - every shipped rule pack, exported as JsonLogic and
# evaluated by the npm package json-logic-js on the scopes labaudit sees,
# gives exactly labaudit's findings on the cotton example (with the
# reference lists, so screening fields are in play).  Needs node and npm.
# labels: interop
set -euo pipefail
cli=${LAB_CLI:?} src=${LAB_SOURCE_DIR:?}
dir=$src/tests/interop/jsonlogic
for tool in node npm; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "export_jsonlogic: $tool is not installed" >&2; exit 1; }
done
[[ -d $dir/node_modules/json-logic-js ]] ||
    (cd "$dir" && npm install --no-audit --no-fund)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src"
common=(examples/cotton --rules rules --lists rules/data --as-of 2026-11-28 -q)
"$cli" rules export --jsonlogic rules -o "$tmp/rules.json"
"$cli" check "${common[@]}" --scopes -o "$tmp/scopes.jsonl"
"$cli" check "${common[@]}" --format json --fail-on never -o "$tmp/report.json"
node "$dir/export-verdicts.js" "$tmp/rules.json" "$tmp/scopes.jsonl" "$tmp/report.json"
