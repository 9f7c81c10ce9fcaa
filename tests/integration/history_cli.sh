#!/usr/bin/env bash
# history_cli.sh - compliance as a history and pack-declared fields, end
# to end through the command: a field an association's pack declares is
# read from a CSV column and from an audit report's <extension>, typed,
# checked at its file:line:col and judged; declaring a built-in name or
# one name with two types fails the load; a required fact left unknown
# refuses a certificate; the cotton example shows its remediated spinner
# as history and blocks its over-claimed product; a well-formed ISO
# 3166-2 code newer than the table is kept with a warning.
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
pack=$src/tests/data/packs/dormitory.xml
cp -r "$src/tests/data/declared" "$tmp/d"
common=(--rules "$pack" --as-of 2026-11-01 --fail-on never -q)

check "declared pack's own tests pass" run 0 "$cli" rules test "$pack"
check "declared field from a CSV column" run 0 "$cli" check "$tmp/d" "${common[@]}" --format json -o "$tmp/r.json"
check "... fires on the spinner" json "$tmp/r.json" \
    "[f['subject_id'] for f in r['findings'] if f['rule']=='dorm.doors-do-not-lock-inside'] == ['A-S1-2026']"
check "... evidence carries the typed values" json "$tmp/r.json" \
    "r['findings'][0]['evidence'] == {'audit.dormitory_beds': 120, 'audit.dormitory_doors_lock_inside': False}"
check "undeclared column warned about" grep -q "column 'dormitory_beds' is not a labaudit field" "$tmp/err"
sed -i 's|>true</extension>|>false</extension>|' "$tmp/d/audits/A-S2-2026.xml"
check "declared field from an XML extension" run 0 "$cli" check "$tmp/d" "${common[@]}" --format json -o "$tmp/r2.json"
check "... fires on the garment maker too" json "$tmp/r2.json" \
    "sorted(f['subject_id'] for f in r['findings'] if f['rule']=='dorm.doors-do-not-lock-inside') == ['A-S1-2026', 'A-S2-2026']"
check "rules fields lists declared fields" run 0 "$cli" rules fields "$pack" --format json -o "$tmp/fields.json"
check "... with unit and pack" json "$tmp/fields.json" \
    "{'name': 'dormitory_beds', 'unit': 'beds', 'declared_by': 'example.dormitory'}.items() <= [f for f in r['audit']['fields'] if f['name']=='dormitory_beds'][0].items()"
check "scopes show declared fields" run 0 "$cli" check "$tmp/d" "${common[@]}" --scopes
check "... with their values" grep -q '"dormitory_beds":40' "$tmp/out"

cp -r "$tmp/d" "$tmp/bad"
sed -i 's/,false,120$/,false,lots/' "$tmp/bad/audits.csv"
check "declared type error exits 2" run 2 "$cli" check "$tmp/bad" "${common[@]}"
check "... at file:line:col" grep -Eq 'audits.csv:2:[0-9]+: dormitory_beds: expected a whole number' "$tmp/err"

sed 's/name="dormitory_beds" type="integer"/name="workers_total" type="integer"/' "$pack" >"$tmp/clash.xml"
check "a built-in name is a load error" run 2 "$cli" rules test "$tmp/clash.xml"
check "... saying so" grep -q 'audit.workers_total: a built-in field' "$tmp/err"
sed -e 's/id="example.dormitory"/id="example.other"/' -e 's/id="dorm\./id="other./' \
    -e 's/name="dormitory_beds" type="integer"/name="dormitory_beds" type="string"/' "$pack" >"$tmp/other.xml"
check "one name, two types is a load error" run 2 "$cli" rules test "$pack" "$tmp/other.xml"
check "... naming both" grep -Eq 'dormitory_beds is declared as string, but .*dormitory.xml:[0-9]+ \(pack example.dormitory\) declared it as integer' "$tmp/err"

cp -r "$src/tests/data/declared" "$tmp/v1"
sed -i 's/version="2"/version="1"/; /<kind>/d' "$tmp/v1/audits/A-S2-2026.xml"
check "extensions need report version 2" run 2 "$cli" check "$tmp/v1" "${common[@]}"
check "... said at its line" grep -Eq 'A-S2-2026.xml:[0-9]+:[0-9]+: <extensions> needs audit report version 2' "$tmp/err"

cp -r "$src/tests/data/declared" "$tmp/dup"
sed -i 's|<extension name="dormitory_beds">40</extension>|<extension name="dormitory_beds">40</extension><extension name="dormitory_beds">41</extension>|' "$tmp/dup/audits/A-S2-2026.xml"
check "an extension given twice is refused" run 2 "$cli" check "$tmp/dup" "${common[@]}" -o "$tmp/dup.out"
check "... at its line" grep -Eq "A-S2-2026.xml:[0-9]+:[0-9]+: extension 'dormitory_beds' given twice" "$tmp/err"
check "... with nothing written" test ! -e "$tmp/dup.out"

# unknown is not compliant: the required fact missing at one facility
cp -r "$src/tests/data/declared" "$tmp/u"
sed -i 's/,false,120$/,,120/' "$tmp/u/audits.csv"
check "required unknown reported" run 0 "$cli" check "$tmp/u" "${common[@]}" --format json -o "$tmp/u.json"
check "... for the spinner" json "$tmp/u.json" \
    "r['unknowns'] == [{'supplier': 'S1', 'field': 'audit.dormitory_doors_lock_inside', 'pack': 'example.dormitory'}] and r['products'][0]['unknowns'] == 1 and not r['products'][0]['blocked']"
(cd "$tmp" && "$cli" keygen -o issuer.pem >/dev/null 2>&1)
check "certify refuses while a required fact is unknown" run 1 "$cli" certify "$tmp/u" --rules "$pack" \
    --as-of 2026-11-01 --product P1 --issuer did:web:brand.example --key "$tmp/issuer.pem" -o "$tmp/u.jwt"
check "... listing it" grep -q 'UNKNOWN audit.dormitory_doors_lock_inside at S1' "$tmp/err"
check "... and writes nothing" test ! -e "$tmp/u.jwt"
check "certify issues once it is known" run 0 "$cli" certify "$src/tests/data/declared" --rules "$pack" \
    --as-of 2026-11-01 --product P1 --issuer did:web:brand.example --key "$tmp/issuer.pem" -o "$tmp/ok.jwt"

# the bundled example: remediation as history, over-claim blocked
check "example checks" run 0 "$cli" check "$src/examples/cotton" --rules "$src/rules" --lists "$src/rules/data" \
    --fail-on never --format json -o "$tmp/c.json" -q
check "remediated spinner's 2025 findings are history" json "$tmp/c.json" \
    "{'id.held-by-employer','ilo.07-retention-identity-documents'} <= {f['rule'] for f in r['history'] if f['subject_id']=='AUD-2025-0103'} and all('superseded by AUD-2026-0103' in f['history'] for f in r['history'] if f['subject_id']=='AUD-2025-0103')"
check "... and never live" json "$tmp/c.json" "not [f for f in r['findings'] if f['subject_id'].startswith('AUD-2025')]"
check "verdicts: clean, over-claimed, mixed lot, tainted" json "$tmp/c.json" \
    "{p['id']: p['blocked'] for p in r['products']} == {'SKU-TEE-CREW-001': False, 'SKU-POLO-005': False, 'SKU-TEE-LONG-004': True, 'SKU-TEE-VNECK-003': True, 'SKU-SHIRT-POP-002': True}"
check "over-claim is the V-neck's only finding" json "$tmp/c.json" \
    "[f['rule'] for f in r['findings'] if f['subject_id']=='SKU-TEE-VNECK-003'] == ['cc.over-claimed']"

# ISO 3166-2 newer than the table is a warning, not a rejected dataset
cp -r "$src/tests/data/declared" "$tmp/iso"
sed -i 's/^S2,Example Hostel Knits Ltd,garment_maker,IN,IN-TN/S2,Example Hostel Knits Ltd,garment_maker,FR,FR-75C/' "$tmp/iso/suppliers.csv"
check "FR-75C is accepted" run 0 "$cli" check "$tmp/iso" "${common[@]}"
sed -i 's/,FR,FR-75C/,FR,FR-ZZ9/' "$tmp/iso/suppliers.csv"
check "a well-formed unknown code loads" run 0 "$cli" check "$tmp/iso" "${common[@]}"
check "... with a warning naming the table" grep -Eq "suppliers.csv:3:[0-9]+: subdivision 'FR-ZZ9' is well-formed but not in ISO 3166-2 as of iso-codes [0-9.]+" "$tmp/err"
sed -i 's/,FR,FR-ZZ9/,FR,FR_75/' "$tmp/iso/suppliers.csv"
check "a malformed code is still an error" run 2 "$cli" check "$tmp/iso" "${common[@]}"

echo "$fails failure(s)"
exit $((fails > 0))
