# labels: integration
# dossier.sh - `labaudit dossier` end to end on the cotton example: the
# clean product's dossier holds the page, the report, every document of
# its chain (copied unchanged, named by id) and a manifest that `dossier
# verify` accepts; one byte changed in one evidence file, a file removed
# or a file added is named and fails; a dataset whose evidence file is
# missing or changed gets no dossier (nothing left behind) unless
# --allow-missing, which lists the gap on the page and in the manifest;
# worker-level documents (payroll) are withheld by default and included
# with --redact none; an existing folder, an unknown product and a bad
# template are refused; the drill lists the gaps of the tainted product
# against both shipped templates.  (The signed dossier, with a
# timestamp, is checked with stock OpenSSL in cert_cms.sh; the page's
# printing in ui_pages.sh.)
set -euo pipefail

cli=${LAB_CLI:?LAB_CLI is not set}
src=${LAB_SOURCE_DIR:?LAB_SOURCE_DIR is not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fails=0
ok() { echo "ok   $*"; }
bad() {
    echo "FAIL $*" >&2
    fails=$((fails + 1))
}
expect() {
    local want=$1 text=$2
    shift 2
    local out st=0
    out=$("$@" 2>&1) || st=$?
    LAST_OUT=$out
    if [[ $st -ne $want ]]; then
        bad "exit $st (wanted $want): $* :: $out"
    elif [[ -n $text && $out != *"$text"* ]]; then
        bad "no '$text' in output of: $* :: $out"
    else
        ok "exit $want${text:+ ($text)}: ${*:1:4}"
    fi
}

cp -r "$src/examples/cotton" data
D=(dossier data --as-of 2026-12-01 --rules "$src/rules" --lists "$src/rules/data" -q)

# ---- the clean product ----
expect 0 "" "$cli" "${D[@]}" --product SKU-TEE-CREW-001 --importer-name "Example Brand Inc." -o out
for f in index.html report.json manifest.json evidence/DOC-AUD-2026-0101.txt; do
    [[ -s out/$f ]] && ok "out/$f" || bad "out/$f missing"
done
cmp -s out/evidence/DOC-AUD-2026-0101.txt data/evidence/AUD-2026-0101.txt &&
    ok "evidence copied unchanged" || bad "evidence differs from the dataset's file"
python3 - <<'EOF' && ok "manifest: format, digests, files" || bad "manifest"
import hashlib, json, os
m = json.load(open("out/manifest.json"))
assert m["format"] == "labaudit.dossier/1", m["format"]
assert m["product"] == "SKU-TEE-CREW-001" and m["as_of"] == "2026-12-01"
assert len(m["dataset_sha256"]) == 64 and m["packs"] and m["lists"]
paths = {f["path"] for f in m["files"]}
assert {"index.html", "report.json"} <= paths, paths
# every document of the chain's facilities, none of another chain's
docs = {f["document"] for f in m["files"] if f["kind"] == "evidence"}
assert "DOC-AUD-2026-0101" in docs and not any("0201" in d for d in docs), docs
for f in m["files"]:
    b = open(os.path.join("out", f["path"]), "rb").read()
    assert hashlib.sha256(b).hexdigest() == f["sha256"] and len(b) == f["size"], f
EOF
page=$(cat out/index.html)
for want in "Evidence dossier" "Supply chain by tier" "Example Spinning Mills" "AUD-2026-0103" \
    "uflpa-entity-list" "@media print" "Example Brand Inc."; do
    [[ $page == *"$want"* ]] && ok "page has '$want'" || bad "page lacks '$want'"
done
[[ $page != *"<script"* ]] && ok "page has no script" || bad "page has a script"
expect 0 "result: VALID" "$cli" dossier verify out

# ---- one ZIP file as well: the same files under the folder's name ----
expect 0 "" "$cli" "${D[@]}" --product SKU-TEE-CREW-001 --zip -o zipped
mkdir unz && python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert all(n.startswith("zipped/") for n in z.namelist()), z.namelist(); z.extractall(sys.argv[2])' zipped.zip unz &&
    ok "zipped.zip holds the folder" || bad "zipped.zip"
expect 0 "result: VALID" "$cli" dossier verify unz/zipped
diff -r zipped unz/zipped >/dev/null && ok "the ZIP file's files are the folder's" || bad "ZIP differs"

# ---- tampering is named ----
cp -r out t1 && printf 'X' | dd of=t1/evidence/DOC-AUD-2026-0102.txt bs=1 seek=10 conv=notrunc 2>/dev/null
expect 1 "changed: evidence/DOC-AUD-2026-0102.txt" "$cli" dossier verify t1
cp -r out t2 && rm t2/report.json
expect 1 "missing: report.json" "$cli" dossier verify t2
cp -r out t3 && echo extra >t3/evidence/note.txt
expect 1 "extra: evidence/note.txt" "$cli" dossier verify t3
cp -r out t5 && rm t5/report.json && ln -s /etc/hostname t5/report.json
expect 1 "not a regular file: report.json" "$cli" dossier verify t5
cp -r out t4 && echo '{"format": "something"}' >t4/manifest.json
expect 2 "not a labaudit dossier manifest" "$cli" dossier verify t4

# ---- refusals ----
expect 2 "already exists" "$cli" "${D[@]}" --product SKU-TEE-CREW-001 -o out
expect 2 "no product 'NOPE'" "$cli" "${D[@]}" --product NOPE -o nope
[[ ! -e nope ]] && ok "nothing written for an unknown product" || bad "nope written"
# an evidence file changed after the dataset recorded its SHA-256
cp -r data bad && echo "edited" >>bad/evidence/AUD-2026-0103.txt
expect 2 "does not have the SHA-256" "$cli" dossier bad --as-of 2026-12-01 --rules "$src/rules" \
    --lists "$src/rules/data" --product SKU-TEE-CREW-001 -o badout
[[ ! -e badout ]] && ok "no dossier with a changed evidence file" || bad "badout written"
ls -d badout.partial-* >/dev/null 2>&1 && bad "temporary folder left: $(ls -d badout.partial-*)" ||
    ok "no temporary folder left"
expect 0 "" "$cli" dossier bad --as-of 2026-12-01 --rules "$src/rules" --lists "$src/rules/data" \
    --product SKU-TEE-CREW-001 --allow-missing -o gapout -q
grep -q "Gaps: documents" gapout/index.html && ok "gap on the page" || bad "no gap on the page"
python3 -c 'import json; g = json.load(open("gapout/manifest.json"))["gaps"]; assert g and "SHA-256" in g[0]["why"], g' &&
    ok "gap in the manifest" || bad "no gap in the manifest"
expect 0 "gaps: the dossier lists 1 document" "$cli" dossier verify gapout

# ---- personal data: withheld by default ----
cp -r data pay
printf 'wages\n' >pay/evidence/payroll-2026-05.csv
sum=$(sha256sum pay/evidence/payroll-2026-05.csv | cut -d' ' -f1)
echo "DOC-PAY-1,S-IN-001,,payroll,evidence/payroll-2026-05.csv,text/csv,$sum,2026-06-01" >>pay/documents.csv
P=(dossier pay --as-of 2026-12-01 --rules "$src/rules" --lists "$src/rules/data" --product SKU-TEE-CREW-001 -q)
expect 0 "" "$cli" "${P[@]}" -o payout
[[ ! -e payout/evidence/DOC-PAY-1.csv ]] && ok "payroll withheld" || bad "payroll copied"
grep -q '"DOC-PAY-1"' payout/manifest.json && ok "the manifest names what was withheld" ||
    bad "withheld document not named"
expect 0 "" "$cli" "${P[@]}" --redact none -o payall
[[ -e payall/evidence/DOC-PAY-1.csv ]] && ok "--redact none includes it" || bad "payroll missing"
expect 2 "expected personal or none" "$cli" "${P[@]}" --redact some -o x

# ---- the drill ----
expect 1 "lacks" "$cli" dossier drill data --as-of 2026-12-01 --rules "$src/rules" \
    --lists "$src/rules/data" --product SKU-TEE-LONG-004 -q
[[ $LAST_OUT == *"G-CN-001"*"purchase_order"* && $LAST_OUT == *"% complete"* ]] &&
    ok "drill names the Xinjiang gin's missing records" || bad "drill: $LAST_OUT"
expect 1 "" "$cli" dossier drill data --as-of 2026-12-01 --rules "$src/rules" --lists "$src/rules/data" \
    --product SKU-TEE-LONG-004 --template "$src/rules/dossier/eu-flr-information-request.json" \
    --format json -q -o drill.json
python3 -c 'import json; d = json.load(open("drill.json")); assert d["format"] == "labaudit.drill/1" and 0 < d["completeness"] < 100 and d["template"] == "eu-flr-information-request", d' &&
    ok "drill JSON" || bad "drill JSON"
echo '{"format": "labaudit.dossier-template/1", "entity": {"fields": ["shoe_size"]}}' >bad.json
expect 2 "'shoe_size' is not a supplier field" "$cli" dossier drill data --rules "$src/rules" \
    --product SKU-TEE-CREW-001 --template bad.json -q

if ((fails > 0)); then
    echo "dossier: $fails failure(s)" >&2
    exit 1
fi
echo "dossier: all passed"
