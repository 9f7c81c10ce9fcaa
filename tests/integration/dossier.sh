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
# against both shipped templates; --po answers a purchase order (its
# product and lots), laboratory tests are listed with what CBP's
# guidance asks of them, other products' documents are left out and
# named, and documents naming unknown records are refused at file:line.
# (The signed dossier, with a
# timestamp, is checked with stock OpenSSL in cert_cms.sh; the page's
# printing in ui_pages.sh.)
set -euo pipefail

cli=${LAB_CLI:?LAB_CLI is not set}
src=${LAB_SOURCE_DIR:?LAB_SOURCE_DIR is not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

. "$src/tests/integration/lib.bash"

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
python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); sys.exit(0 if d[-22:-18] == b"PK\x05\x06" else 1)' zipped.zip &&
    [[ $(stat -c %a zipped.zip) == 644 ]] && ! ls zipped.zip.* >/dev/null 2>&1 &&
    ok "zipped.zip ends with its directory (no padding), mode 644, no temporary left" ||
    bad "zipped.zip padded, wrong mode or temporary left: $(ls -l zipped.zip*)"
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
echo "DOC-PAY-1,S-IN-001,,payroll,evidence/payroll-2026-05.csv,text/csv,$sum,2026-06-01,,,,,,,,," >>pay/documents.csv
P=(dossier pay --as-of 2026-12-01 --rules "$src/rules" --lists "$src/rules/data" --product SKU-TEE-CREW-001 -q)
expect 0 "" "$cli" "${P[@]}" -o payout
[[ ! -e payout/evidence/DOC-PAY-1.csv ]] && ok "payroll withheld" || bad "payroll copied"
grep -q '"DOC-PAY-1"' payout/manifest.json && ok "the manifest names what was withheld" ||
    bad "withheld document not named"
expect 0 "" "$cli" "${P[@]}" --redact none -o payall
[[ -e payall/evidence/DOC-PAY-1.csv ]] && ok "--redact none includes it" || bad "payroll missing"
expect 2 "expected personal or none" "$cli" "${P[@]}" --redact some -o x

# ---- a purchase order: its product and lots; laboratory tests ----
expect 0 "" "$cli" "${D[@]}" --po 4500012345 -o po
python3 - <<'EOF' && ok "--po: the order, its lots and the lab test in the manifest" || bad "--po manifest"
import json
m = json.load(open("po/manifest.json"))
assert m["product"] == "SKU-TEE-CREW-001" and m["lots"] == ["TEE-2026-08"], m["lots"]
assert m["purchase_order"]["document"] == "DOC-PO-4500012345", m["purchase_order"]
t = m["lab_tests"]
assert len(t) == 1 and t[0]["meets_cbp_guidance"] and t[0]["result"] == "consistent", t
docs = {f.get("document") for f in m["files"]}
assert {"DOC-PO-4500012345", "DOC-LAB-2026-0311"} <= docs, docs
EOF
page=$(cat po/index.html)
[[ $page == *"Purchase order"*"4500012345"* && $page == *"5. Laboratory tests"*"Example Isotope Laboratory"*"nothing: it meets the guidance"* ]] &&
    ok "page: the order and the laboratory test" || bad "page lacks the order or the test"
[[ $page == *"Quantity reconciliation by lot"*"TEE-2026-08"*"FAB-TN-2026-06"*"KAP-GJ-2025-11"*"an origin lot"* ]] &&
    ok "page: the order's lot reconciled back to the farm" || bad "page lacks the reconciliation"
expect 0 "result: VALID" "$cli" dossier verify po
expect 0 "" "$cli" "${D[@]}" --po DOC-PO-4500012345 --product SKU-TEE-CREW-001 -o po2
expect 2 "is an order for SKU-TEE-CREW-001, not --product SKU-POLO-005" "$cli" "${D[@]}" \
    --po 4500012345 --product SKU-POLO-005 -o po3
expect 2 "no purchase order 'PO-NOPE'" "$cli" "${D[@]}" --po PO-NOPE -o po4
expect 2 "is of kind audit_report, not a purchase order" "$cli" "${D[@]}" --po DOC-AUD-2026-0105 -o po5
[[ ! -e po3 && ! -e po4 && ! -e po5 ]] && ok "nothing written for a bad order" || bad "bad order wrote a folder"
# a test that lacks what CBP asks, and finds another origin; an invoice
# of the maker's for another product is not part of this dossier
cp -r data lab
printf 'test\n' >lab/evidence/lab2.txt
printf 'invoice\n' >lab/evidence/inv.txt
s2=$(sha256sum lab/evidence/lab2.txt | cut -d' ' -f1)
s3=$(sha256sum lab/evidence/inv.txt | cut -d' ' -f1)
echo "DOC-LAB-2,GM-IN-001,,lab_report,evidence/lab2.txt,text/plain,$s2,2026-10-01,,TEE-2026-08,,Some Lab,,dna,,,inconsistent" >>lab/documents.csv
echo "DOC-INV-9,GM-IN-001,,invoice,evidence/inv.txt,text/plain,$s3,2026-10-01,SKU-POLO-005,,,,,,,," >>lab/documents.csv
expect 0 "" "$cli" dossier lab --as-of 2026-12-01 --rules "$src/rules" --lists "$src/rules/data" \
    --product SKU-TEE-CREW-001 -q -o labout
python3 - <<'EOF' && ok "a test lacking accreditation and custody, found inconsistent; another product's invoice left out" || bad "lab tests"
import json
m = json.load(open("labout/manifest.json"))
t = {x["document"]: x for x in m["lab_tests"]}
assert not t["DOC-LAB-2"]["meets_cbp_guidance"], t
assert "ISO/IEC 17025" in t["DOC-LAB-2"]["lacks"] and "chain of custody" in t["DOC-LAB-2"]["lacks"], t
assert t["DOC-LAB-2026-0311"]["meets_cbp_guidance"], t
o = {x["document"]: x["why"] for x in m["out_of_scope"]}
assert "another product" in o["DOC-INV-9"], o
assert "DOC-INV-9" not in {f.get("document") for f in m["files"]}
EOF
grep -q "inconsistent with its declared origin" labout/index.html && ok "page: the inconsistent test on top" ||
    bad "no banner for an inconsistent test"
expect 1 "origin.lab-test-inconsistent" "$cli" check lab --as-of 2026-12-01 --rules "$src/rules" \
    --lists "$src/rules/data" --product SKU-TEE-CREW-001 -q
# documents name what exists
cp -r data docbad
echo "DOC-X,GM-IN-001,,invoice,,,,2026-10-01,SKU-NOPE,,,,,,,," >>docbad/documents.csv
n=$(wc -l <docbad/documents.csv)
expect 2 "documents.csv:$n: document 'DOC-X': product_id 'SKU-NOPE' is not known" \
    "$cli" check docbad --rules "$src/rules" -q
for bad_row in "DOC-Z,NOPE-1,,invoice,,,,2026-10-01,,,,,,,,,|supplier_id 'NOPE-1' is not known" \
    "DOC-L,GM-IN-001,,invoice,,,,2026-10-01,,LOT-NOPE,,,,,,,|lots 'LOT-NOPE' is not known"; do
    rm -rf docbad3 && cp -r data docbad3
    echo "${bad_row%%|*}" >>docbad3/documents.csv
    expect 2 "documents.csv:$(wc -l <docbad3/documents.csv): document '${bad_row%%,*}': ${bad_row#*|}" \
        "$cli" check docbad3 --rules "$src/rules" -q
done
cp -r data docbad2
echo "DOC-Y,GM-IN-002,AUD-2026-0105,invoice,,,,2026-10-01,,,,,,,,," >>docbad2/documents.csv
expect 2 "audit_id 'AUD-2026-0105' is an audit of 'GM-IN-001', not of supplier_id 'GM-IN-002'" \
    "$cli" check docbad2 --rules "$src/rules" -q

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

finish dossier
