#!/usr/bin/env bash
# lists_cli.sh - list changes end to end: `labaudit lists diff OLD NEW`
# reports an entity added, one removed and one changed (a re-download that
# only moves `retrieved` is no change), in text and JSON, each with its
# file:line, and exits 1 on changes, 0 on none, 2 on a list that does not
# parse; `labaudit check DATA --lists NEW --against-lists OLD` names the
# product whose verdict the new listing changes and the supplier finding
# it adds, with both editions' versions, and exits 0 when nothing changed.
# labels: integration
set -euo pipefail
cli=${LAB_CLI:?} src=${LAB_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check NAME CONDITION...
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
run() { # run EXPECTED-STATUS CMD... ; output in $tmp/out, $tmp/err
    local want=$1; shift
    set +e; "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?; set -e
    [[ $got == "$want" ]] || { echo "  exit $got, wanted $want: $*"; cat "$tmp/err"; return 1; }
}
json() { # json FILE PYTHON-EXPRESSION-ON-r
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}
mkdir -p "$tmp/old" "$tmp/new" "$tmp/same"
cp "$src"/rules/data/*.csv "$tmp/old/"
cp "$src"/rules/data/*.csv "$tmp/new/"
cp "$src"/rules/data/*.csv "$tmp/same/"
# the new edition: the spinner of the owners-* chain listed, the second
# entity gone, the first given an effective date; every row re-retrieved
python3 - "$tmp/new/uflpa-entity-list.csv" "$tmp/same/uflpa-entity-list.csv" <<'PY'
import csv, sys
def edit(path, change):
    rows = list(csv.DictReader(open(path, newline="")))
    head = list(rows[0].keys())
    for r in rows:
        r["retrieved"] = "2026-12-02"
    if change:
        rows[0]["effective_date"] = "2022-06-21"
        new = dict(rows[1], name="Wuxi Example Yarn Co., Ltd.", note="a new listing (test)")
        del rows[1]
        rows.append(new)
    w = csv.DictWriter(open(path, "w", newline=""), fieldnames=head, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
edit(sys.argv[1], True)
edit(sys.argv[2], False)
PY
old_second=$(python3 -c "import csv; print(list(csv.DictReader(open('$tmp/old/uflpa-entity-list.csv')))[1]['name'])")

check "lists diff: changes exit 1" run 1 "$cli" lists diff "$tmp/old" "$tmp/new"
new_line=$(grep -n "Wuxi Example Yarn" "$tmp/new/uflpa-entity-list.csv" | cut -d: -f1)
check "... the new listing, with its line" grep -q "^  + Wuxi Example Yarn Co., Ltd. .*new/uflpa-entity-list.csv:$new_line$" "$tmp/out"
check "... the removed entity" grep -qF "  - $old_second" "$tmp/out"
check "... the changed column, old and new" grep -q "effective_date '' -> '2022-06-21'" "$tmp/out"
check "... retrieved is not a change" bash -c "! grep -q retrieved '$tmp/out'"
check "... the other lists unchanged" grep -q "^dol-list-textiles.csv: unchanged" "$tmp/out"
check "lists diff --format json" run 1 "$cli" lists diff "$tmp/old" "$tmp/new" --format json -o "$tmp/d.json"
check "... summary counts" json "$tmp/d.json" "r['summary'] == {'added': 1, 'removed': 1, 'changed': 1, 'lists_added_or_removed': 0}"
check "... per list, with digests" json "$tmp/d.json" \
    "[l for l in r['lists'] if l['list'] == 'uflpa-entity-list.csv'][0]['added'][0]['entry']['name'] == 'Wuxi Example Yarn Co., Ltd.' and all(len(l['new_sha256']) == 64 for l in r['lists'])"
check "... changed fields old and new" json "$tmp/d.json" \
    "[l for l in r['lists'] if l['list'] == 'uflpa-entity-list.csv'][0]['changed'][0]['fields'] == {'effective_date': {'old': '', 'new': '2022-06-21'}}"
check "a re-download alone: no change, exit 0" run 0 "$cli" lists diff "$tmp/old" "$tmp/same"
check "a list added" run 1 "$cli" lists diff "$tmp/old/uflpa-entity-list.csv" "$tmp/new"
printf 'name,aliases\n"unclosed,x\n' > "$tmp/bad.csv"
check "a list that does not parse: exit 2 naming it" run 2 "$cli" lists diff "$tmp/old" "$tmp/bad.csv"
check "... file:line" grep -q "bad.csv:2" "$tmp/err"

d=$src/tests/labelled/owners-clean-base
common=(--rules "$src/rules" --as-of 2026-11-01 -q)
check "against the old lists: a verdict changed, exit 1" run 1 "$cli" check "$d" "${common[@]}" --lists "$tmp/new" --against-lists "$tmp/old"
check "... the product, ok -> BLOCKED" grep -q "^product SKU-TEE-001: ok -> BLOCKED (worst none -> blocker)$" "$tmp/out"
check "... the supplier finding it adds" grep -q "^supplier S-CN-01: new blocker origin.entity-list-match" "$tmp/out"
check "... JSON, with both editions' versions" run 1 "$cli" check "$d" "${common[@]}" --lists "$tmp/new" --against-lists "$tmp/old" --format json -o "$tmp/a.json"
check "... products and suppliers" json "$tmp/a.json" \
    "r['products'][0]['product'] == 'SKU-TEE-001' and r['products'][0]['new_blocked'] and not r['products'][0]['old_blocked'] and r['suppliers'][0]['supplier'] == 'S-CN-01'"
check "... list digests differ between editions" json "$tmp/a.json" \
    "[l['sha256'] for l in r['lists']['old'] if l['id'] == 'uflpa-entity-list'] != [l['sha256'] for l in r['lists']['new'] if l['id'] == 'uflpa-entity-list']"
check "the same lists: nothing changed, exit 0" run 0 "$cli" check "$d" "${common[@]}" --lists "$tmp/old" --against-lists "$tmp/same"
check "... says so" grep -q "^0 product verdict(s) and 0 supplier finding(s) changed" "$tmp/out"

echo "$fails failure(s)"
exit $((fails > 0))
