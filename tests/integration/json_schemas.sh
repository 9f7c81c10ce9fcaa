# labels: integration
# json_schemas.sh - every JSON document labaudit writes says what it is
# ("format") and is valid against its schema in plugin/schemas/, checked
# by check_schemas.py with Python's jsonschema (draft 2020-12), an
# implementation labaudit does not otherwise use: the check report of
# the example and of labelled chains (blocked and clean), verify results
# (valid, revoked, malformed), lists diff (no change, a change), rules
# fields and rules show / export, a dossier manifest and the drill (the
# ledger's and refresh's documents: pg_ledger.sh, http_refresh.sh).  Each
# schema is itself checked against the metaschema, and a negative control
# (a report whose finding has an unknown severity, a verify result
# without "valid") must fail, so that a validator accepting anything
# cannot pass this test.
set -euo pipefail

cli=${LAB_CLI:?LAB_CLI is not set}
src=${LAB_SOURCE_DIR:?LAB_SOURCE_DIR is not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
python3 -c 'import jsonschema' 2>/dev/null || {
    echo "FAIL python3 jsonschema is not installed (bash .ci/setup installs python3-jsonschema)" >&2
    exit 1
}

R=(-r "$src/rules" -l "$src/rules/data")
run() { "$@" 2>/dev/null || [[ $? -eq 1 ]]; } # 1: findings or invalid

run "$cli" check "$src/examples/cotton" "${R[@]}" --fail-on never -f json -o report.cotton.json
for c in lots-segregated-beside-xinjiang-lint verified-remediation-passes lab-test-inconsistent-blocks-that-product; do
    run "$cli" check "$src/tests/labelled/$c" "${R[@]}" -f json -o "report.$c.json"
done

run "$cli" keygen --issuer did:web:brand.example -o key.pem -q
run "$cli" status-list create --url https://brand.example/status/1 --issuer did:web:brand.example \
    --key key.pem -o status.jwt -q
run "$cli" certify "$src/examples/cotton" "${R[@]}" --product SKU-TEE-CREW-001 \
    --issuer did:web:brand.example --key key.pem --status-list status.jwt --status-index 7 -o cert.jwt -q
run "$cli" verify cert.jwt --trust key.pem.trust.json --status-list status.jwt --json >verify.valid.json
run "$cli" revoke --status-list status.jwt --index 7 --key key.pem -q
run "$cli" verify cert.jwt --trust key.pem.trust.json --status-list status.jwt --json >verify.revoked.json
echo 'not.a.jwt' >bad.jwt
run "$cli" verify bad.jwt --trust key.pem.trust.json --json >verify.malformed.json

cp -r "$src/rules/data" old && sed -i '3d' old/uflpa-entity-list.csv
run "$cli" lists diff old "$src/rules/data" --format json >lists-diff.changed.json
run "$cli" lists diff "$src/rules/data" "$src/rules/data" --format json >lists-diff.same.json
run "$cli" rules fields "$src/rules" --format json -o fields.packs.json
run "$cli" rules fields --json -o fields.builtin.json
run "$cli" rules show "$src/rules" -o packs.show.json
run "$cli" rules export --jsonlogic "$src/rules" -o packs.export.json
run "$cli" dossier "$src/examples/cotton" "${R[@]}" --po 4500012345 -o dossier -q
cp dossier/manifest.json dossier.manifest.json
run "$cli" dossier drill "$src/examples/cotton" "${R[@]}" --product SKU-TEE-LONG-004 --format json \
    -o drill.long.json -q

# The ledger's documents are checked by pg_ledger.sh and refresh's by
# http_refresh.sh, which have the servers they need.
elsewhere=ledger-init,ledger-record,ledger-verify,ledger-runs,ledger-run,refresh
docs=()
for f in *.json; do [[ -f $src/plugin/schemas/${f%%.*}.schema.json ]] && docs+=("$f"); done
python3 "$src/tests/integration/check_schemas.py" "$src/plugin/schemas" --all-except "$elsewhere" "${docs[@]}"
python3 - "$src/plugin/schemas" <<'EOF'
import json, os, sys
from jsonschema import Draft202012Validator
schema = lambda k: json.load(open(os.path.join(sys.argv[1], k + ".schema.json")))
fails = 0
# negative controls: the validator must refuse what the schema forbids
r = json.load(open("report.cotton.json"))
r["findings"][0]["severity"] = "catastrophic"
v = json.load(open("verify.valid.json"))
del v["valid"]
for name, kind, bad in (("bad severity", "report", r), ("no 'valid'", "verify", v)):
    if list(Draft202012Validator(schema(kind)).iter_errors(bad)):
        print("ok   negative control refused: %s" % name)
    else:
        print("FAIL negative control accepted: %s" % name)
        fails += 1
sys.exit(1 if fails else 0)
EOF
echo "json_schemas: all passed"
