#!/usr/bin/env bash
# cli_check.sh - the `labaudit` command end to end on the bundled cotton
# example: the tainted product is blocked and the clean one is not, exit
# codes follow --fail-on, JSON output agrees with the text, -o writes
# atomically, and bad input gives exit 2, a file:line:col message and no
# output file.
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

cd "$src"
check "check exits 1 on blockers" run 1 "$cli" check examples/cotton --rules examples/starter-pack
check "tainted product blocked" grep -q '^  BLOCKED SKU-SHIRT-POP-002' "$tmp/out"
check "summary rows beside XML reports are named" grep -q 'audits.csv: 9 rows (lines 2, 3, 6.*each was checked and agrees' "$tmp/err"
check "clean product passes" grep -q '^  ok      SKU-TEE-CREW-001.*no findings' "$tmp/out"
check "findings name basis and remedy" grep -q 'basis: ILO' "$tmp/out"
check "--fail-on never exits 0" run 0 "$cli" check examples/cotton --rules examples/starter-pack --fail-on never
check "json output" run 1 "$cli" check examples/cotton --rules examples/starter-pack --format json -o "$tmp/r.json"
check "json verdicts" python3 - "$tmp/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = {x["id"]: x for x in r["products"]}
assert len(p) == 5, p
assert p["SKU-SHIRT-POP-002"]["blocked"] is True, p
# GM-IN-003 buys Xinjiang lint too: its lot spun from it is blocked, its
# lot traced to Indian bales is not
assert p["SKU-POLO-005"]["blocked"] is False and p["SKU-POLO-005"]["findings"] == 0, p
assert p["SKU-TEE-LONG-004"]["blocked"] is True and p["SKU-TEE-LONG-004"]["lot"] == "TLS-2026-10", p
assert p["SKU-TEE-CREW-001"]["lot"] == "TEE-2026-08" and p["SKU-TEE-CREW-001"]["chain_of"] == "lots", p
assert p["SKU-TEE-CREW-001"]["blocked"] is False and p["SKU-TEE-CREW-001"]["findings"] == 0, p
assert p["SKU-TEE-VNECK-003"]["blocked"] is False, p   # the starter pack has no volume rules
assert r["summary"]["blocker"] >= 2, r["summary"]
assert all(len(pk["sha256"]) == 64 for pk in r["packs"])
f = [x for x in r["findings"] if x["rule"] == "starter.identity-documents-held"][0]
assert f["evidence"]["audit.documents_held_by_employer"] > 0, f
assert f["basis"] and f["remediation"], f
PY
check "no temp file left by -o" bash -c "! ls '$tmp' | grep -q tmp"
check "--product restricts" run 0 "$cli" check examples/cotton --rules examples/starter-pack --product SKU-TEE-CREW-001
check "unknown product is an error" run 2 "$cli" check examples/cotton --rules examples/starter-pack --product NOPE
check "rules test passes" run 0 "$cli" rules test examples/starter-pack
check "rules lint" run 0 "$cli" rules lint examples/starter-pack
check "rules export jsonlogic" run 0 "$cli" rules export --jsonlogic examples/starter-pack
check "export is JSON" python3 -c "import json,sys; json.load(open('$tmp/out'))"
check "jsonlogic command" bash -c "echo '{\"+\":[1,{\"var\":\"a\"}]}' > '$tmp/rule.json'; echo '{\"a\":41}' > '$tmp/data.json'; [[ \$('$cli' jsonlogic '$tmp/rule.json' '$tmp/data.json') == 42 ]]"
check "translate" bash -c "[[ \$('$cli' rules translate 'audit.x > 0') == '{\">\":[{\"var\":\"audit.x\"},0]}' ]]"
for c in check rules jsonlogic; do
    check "$c --help" run 0 "$cli" $c --help
done
check "version" run 0 "$cli" version

# bad data: nothing written, exit 2, file:line:col
cp -r examples/cotton "$tmp/bad"
sed -i '3s/,IN,/,XX,/' "$tmp/bad/suppliers.csv"
check "bad country exits 2" run 2 "$cli" check "$tmp/bad" --rules examples/starter-pack -o "$tmp/bad.out"
check "bad country message" grep -Eq 'suppliers.csv:3:[0-9]+: country: expected an ISO 3166-1' "$tmp/err"
check "nothing written on error" test ! -e "$tmp/bad.out"
printf 'id,name,country\nS1,"unterminated,IN\n' > "$tmp/bad/suppliers.csv"
check "unterminated quote exits 2" run 2 "$cli" check "$tmp/bad" --rules examples/starter-pack
check "unterminated quote message" grep -q 'suppliers.csv:2:4: ' "$tmp/err"

# bad pack: type error with file:line:col
sed '0,/<condition>.*<\/condition>/s//<condition>supplier.country > 5<\/condition>/' \
    examples/starter-pack/starter.xml > "$tmp/badpack.xml"
check "type error exits 2" run 2 "$cli" rules lint "$tmp/badpack.xml"
check "type error names line:col" grep -Eq 'badpack.xml:[0-9]+:[0-9]+: rule .*supplier.country' "$tmp/err"
# reference lists, entity screening and waivers
check "lists and screening" run 1 "$cli" check examples/cotton --rules rules --lists rules/data --format json -o "$tmp/full.json"
check "screening found the transliterated alias" python3 - "$tmp/full.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert {l["id"] for l in r["lists"]} >= {"uflpa-entity-list", "high-risk-regions"}, r["lists"]
assert all(len(l["sha256"]) == 64 and l["version"] for l in r["lists"])
m = [f for f in r["findings"] if f["rule"] == "origin.entity-list-match"]
assert len(m) == 1 and m[0]["subject_id"] == "G-CN-001", m
assert "Sinkiang" in m[0]["message"] and "Xinjiang Production" in m[0]["message"], m
p = {x["id"]: x for x in r["products"]}
assert len(p) == 5, p
assert p["SKU-POLO-005"]["findings"] == 0 and p["SKU-POLO-005"]["custody"] == "segregated", p
assert p["SKU-TEE-CREW-001"]["findings"] == 0 and not p["SKU-TEE-CREW-001"]["blocked"], p
assert p["SKU-TEE-CREW-001"]["custody"] == "segregated", p
assert p["SKU-TEE-LONG-004"]["blocked"] and p["SKU-TEE-LONG-004"]["custody"] == "unknown", p
coc = {f["rule"] for f in r["findings"] if f["subject_id"] == "SKU-TEE-LONG-004"}
assert {"coc.claim-without-segregation", "origin.xinjiang-in-chain"} <= coc, coc
assert all(f.get("lot") == "TLS-2026-10" for f in r["findings"] if f["subject_id"] == "SKU-TEE-LONG-004"), coc
assert p["SKU-SHIRT-POP-002"]["blocked"], p
assert p["SKU-TEE-VNECK-003"]["blocked"], p   # over-claimed
v = [f["rule"] for f in r["findings"] if f["subject_id"] == "SKU-TEE-VNECK-003"]
assert v == ["cc.over-claimed"], v
h = {(f["rule"], f["subject_id"]) for f in r["history"]}
assert ("id.held-by-employer", "AUD-2025-0103") in h, h   # remediated, verified
a = r["summary"]["affected"]
assert a["audits"] > 0 and a["women"] + a["men"] <= a["workers"], a
PY
# A lot that moved with no shipment recorded: its facility is still in the
# product lot's chain, for the whole check and for --product alike.
cp -r examples/cotton "$tmp/nolink"
grep -v '^S-IN-002>GM-IN-003,' examples/cotton/links.csv >"$tmp/nolink/links.csv"
check "lot moved without a link: warned" run 1 "$cli" check "$tmp/nolink" --rules rules --lists rules/data --format json -o "$tmp/nl.json"
check "  naming the lots and facilities" grep -q "lot_inputs.csv:[0-9]*: lot 'YRN-TN-2026-05' went from 'S-IN-002' into lot 'TLS-2026-10' at 'GM-IN-003', but no link" "$tmp/err"
check "  --product sees the same chain" run 1 "$cli" check "$tmp/nolink" --rules rules --lists rules/data --product SKU-TEE-LONG-004 --format json -o "$tmp/nl1.json"
check "  and the same verdict" python3 - "$tmp/nl.json" "$tmp/nl1.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
pa = [p for p in a["products"] if p["id"] == "SKU-TEE-LONG-004"][0]
pb = [p for p in b["products"] if p["id"] == "SKU-TEE-LONG-004"][0]
assert pa["blocked"] and pa == pb, (pa, pb)
assert any(f["subject_id"] == "S-IN-002" for f in b["findings"]), "the unlinked spinner was checked"
PY
printf 'rule,subject_id,approver,justification,expires\norigin.entity-list-match,G-CN-001,A. Auditor,"Registry: a different entity",2999-01-01\nrd.fee-above-monthly-minimum,AUD-2026-0204,B. Buyer,,2000-01-01\nno.such-rule,X,C,,2999-01-01\n' > "$tmp/w.csv"
check "waivers apply" run 1 "$cli" check examples/cotton --rules rules --lists rules/data --waivers "$tmp/w.csv" --format json -o "$tmp/w.json"
check "expired and unmatched waivers warn with file:line" bash -c "grep -q 'w.csv:3: waiver for rd.fee-above-monthly-minimum on AUD-2026-0204 expired' '$tmp/err' && grep -q 'w.csv:4: .*matches no finding' '$tmp/err'"
check "waived finding kept and marked" python3 - "$tmp/w.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = [f for f in r["findings"] if f["rule"] == "origin.entity-list-match"][0]
assert m["waiver"]["approver"] == "A. Auditor" and m["waiver"]["expires"] == "2999-01-01", m
assert r["summary"]["waived"] == 1, r["summary"]
e = [f for f in r["findings"] if f["rule"] == "rd.fee-above-monthly-minimum"][0]
assert "waiver" not in e, e
PY
printf 'rule,subject_id,approver,justification,expires\norigin.entity-list-match,G-CN-001,A. Auditor,,2999-01-01\n' > "$tmp/w2.csv"
check "blocker waiver needs a justification" run 2 "$cli" check examples/cotton --rules rules --lists rules/data --waivers "$tmp/w2.csv"
check "its message names file:line" grep -q 'w2.csv:2: waiver for blocker' "$tmp/err"
printf 'rule,subject_id,approver,justification,expires\norigin.entity-list-match,G-CN-001,,x,2999-01-01\n' > "$tmp/w3.csv"
check "waiver without approver is an error" run 2 "$cli" check examples/cotton --rules rules --lists rules/data --waivers "$tmp/w3.csv"
printf 'name,aliases\n"unterminated\n' > "$tmp/badlist.csv"
check "bad reference list exits 2" run 2 "$cli" check examples/cotton --rules rules --lists "$tmp/badlist.csv"
check "bad list names file:line" grep -q 'badlist.csv:2:' "$tmp/err"

check "usage error exits 2" run 2 "$cli" check
check "unknown command exits 2" run 2 "$cli" frobnicate

echo "$((fails == 0 ? 1 : 0)) passed, $fails failed"
exit $((fails > 0))
