# labels: integration interop
# cert_interop.sh - proof that others can verify labaudit certificates:
# issues certificates of every kind for the clean cotton product (EdDSA,
# ES256, enveloped, with an eddsa-jcs-2022 proof, several lots) and has
# the npm package jose verify each one with the issuer's public JWK, and
# ajv (draft 2020-12 with ajv-formats) validate each payload against the
# UN Transparency Protocol DCC 0.6.1 schema in tests/conformance/untp-dcc/;
# and the npm package jsonld expand every credential kind (plain,
# enveloped and the credential inside, Data Integrity, one naming its
# scheme, accredited body and CMS seal, the status list) in safe mode
# with an offline document loader serving only the vendored contexts
# (VC 2.0 from @digitalbazaar/credentials-context, UNTP 0.6.1 from
# tests/conformance, labaudit's own from plugin/contexts): a term or type
# without a definition fails, and so must the same check with any one
# labaudit term taken out of labaudit's context.
# Versions are pinned in tests/interop/cert/package.json.  Needs node and
# npm (and the network the first time, for npm install): without them
# this test fails, loudly.
set -euo pipefail

cli=${LAB_CLI:?LAB_CLI is not set}
src=${LAB_SOURCE_DIR:?LAB_SOURCE_DIR is not set}
conf=${LAB_CONFORMANCE_DIR:-$src/tests/conformance}
dir=$src/tests/interop/cert
schema=$conf/untp-dcc/untp-dcc-schema.json
untp_context=$conf/untp-dcc/context.jsonld
lab_context=$src/plugin/contexts/labaudit-credentials-v1.jsonld

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "cert_interop: $tool is not installed; this test needs Node.js and npm (.ci/setup installs them)" >&2
        exit 1
    fi
done
if [[ ! -f $schema ]]; then
    echo "cert_interop: $schema not found: the UNTP DCC schema belongs in tests/conformance/untp-dcc (see its README.md)" >&2
    exit 1
fi
if [[ ! -d $dir/node_modules/jose || ! -d $dir/node_modules/ajv-formats ||
      ! -d $dir/node_modules/jsonld || ! -d $dir/node_modules/@digitalbazaar/credentials-context ]]; then
    (cd "$dir" && npm install --no-audit --no-fund)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
ISSUER=did:web:brand.example
export LAB_TEST_PASS="interop passphrase"
"$cli" keygen --issuer "$ISSUER" -o ed.pem >/dev/null
"$cli" keygen --alg p256 --passphrase-env LAB_TEST_PASS -o p256.pem >/dev/null
python3 - <<'PY'
import json
json.dump({"did:web:brand.example": [json.load(open(f + ".pub.jwk")) for f in ("ed.pem", "p256.pem")]},
          open("trust.json", "w"))
PY
"$cli" status-list create --url https://brand.example/status/7 --issuer "$ISSUER" \
    --key ed.pem -o status.jwt >/dev/null
C=(certify "$src/examples/cotton" --as-of 2026-12-01 --rules "$src/rules" --lists "$src/rules/data"
    --product SKU-TEE-CREW-001 --issuer "$ISSUER" --issuer-name "Example Brand" -q)
"$cli" "${C[@]}" --key ed.pem --status-list status.jwt --status-index 3 -o eddsa.jwt
"$cli" "${C[@]}" --key p256.pem --passphrase-env LAB_TEST_PASS -o es256.jwt
"$cli" "${C[@]}" --key ed.pem --enveloped -o enveloped.json
"$cli" "${C[@]}" --key ed.pem --seal data-integrity -o di.jwt
# two status entries (revocation and suspension) and a suspension list
"$cli" status-list create --purpose suspension --url https://brand.example/status/8 \
    --issuer "$ISSUER" --key ed.pem -o suspension.jwt >/dev/null
"$cli" "${C[@]}" --key ed.pem --status-list status.jwt --suspension-list suspension.jwt \
    --suspension-index random -o both.jwt
# who assessed it: a scheme, an accredited body, an EU label, a CMS seal
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout auditor.pem \
    -subj "/CN=Example Auditor" -days 30 -addext keyUsage=digitalSignature -out auditor.crt 2>/dev/null
chmod 600 auditor.pem
"$cli" "${C[@]}" --key ed.pem --seal data-integrity -o assessed.jwt --label-eu \
    --assessor-level accredited --body-name "Example Certification Body Ltd" \
    --body-id did:web:cb.example --accreditation-id https://ab.example/accreditations/123 \
    --accreditation-body "Example Accreditation Service" --accreditation-body-id did:web:ab.example \
    --scheme-name "Example Labour Standard" --scheme-id https://scheme.example/els --scheme-version 2.1 \
    --scheme-owner "Example Scheme Owner" --scheme-owner-id did:web:scheme.example \
    --seal cms --cms-key auditor.pem --cms-cert auditor.crt
# a waived blocker: the certificate lists the waiver
printf '%s\n' 'rule,subject_id,approver,justification,expires' \
    'cc.over-claimed,SKU-TEE-VNECK-003,A. Auditor,"Mass balance reconciled by hand",2099-06-30' >waivers.csv
V=("${C[@]}")
V[9]=SKU-TEE-VNECK-003
"$cli" "${V[@]}" --key ed.pem --waivers waivers.csv -o waived.jwt
# without lot records, --lots are the labels the certificate names
cp -r "$src/examples/cotton" nolots && rm nolots/lots.csv nolots/lot_inputs.csv
C[1]=nolots
"$cli" "${C[@]}" --key p256.pem --passphrase-env LAB_TEST_PASS --lots L1,L2,L3 \
    --claim "Cotton traced to farms without forced labour" --valid-days 30 -o lots.jwt
for c in *.jwt enveloped.json; do
    [[ $c == status.jwt || $c == suspension.jwt ]] && continue
    "$cli" verify "$c" --trust trust.json --status-list status.jwt \
        --status-list suspension.jwt >/dev/null
done
node "$dir/check.mjs" "$schema" trust.json eddsa.jwt es256.jwt enveloped.json di.jwt lots.jwt assessed.jwt \
    both.jwt waived.jwt
node "$dir/jsonld-check.mjs" "$untp_context" "$lab_context" eddsa.jwt es256.jwt enveloped.json di.jwt \
    lots.jwt assessed.jwt both.jwt waived.jwt status.jwt suspension.jwt
