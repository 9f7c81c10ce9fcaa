#!/usr/bin/env bash
# export_jsonlogic.sh - every shipped rule pack, exported as JsonLogic and
# evaluated by the npm package json-logic-js on the scopes labaudit sees,
# gives exactly labaudit's findings on the cotton example (with the
# reference lists, so screening fields are in play); each rule's test
# cases, exported in the official JsonLogic suite format, pass in
# json-logic-js as in labaudit.  Needs node and npm.
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

# The packs' own test cases, exported in the official JsonLogic suite
# format (jsonlogic_tests), pass in json-logic-js too; the runner passes
# the official suite (tests/conformance/jsonlogic-tests.json) and fails a
# case whose expected value was flipped, so it can tell.
node "$dir/suite-run.js" --export "$tmp/rules.json"
node "$dir/suite-run.js" "$src/tests/conformance/jsonlogic-tests.json" | tail -1
python3 - "$tmp/rules.json" "$tmp/flipped.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["packs"][0]["rules"][0]["jsonlogic_tests"]
t[1][2] = not t[1][2]
json.dump(d, open(sys.argv[2], "w"))
PY
if node "$dir/suite-run.js" --export "$tmp/flipped.json" >"$tmp/flipped.out"; then
    echo "FAIL suite-run.js passed a flipped case" >&2
    exit 1
fi
grep -q '^FAIL .*case at line' "$tmp/flipped.out"
echo "ok   a flipped case fails, named: $(grep -m1 '^FAIL' "$tmp/flipped.out" | cut -c1-80)"
