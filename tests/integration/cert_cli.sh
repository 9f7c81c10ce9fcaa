# labels: integration
# cert_cli.sh - certificates end to end through the labaudit command:
# keygen (0600 key, public JWK, trust list), status-list create, certify
# the clean cotton product (EdDSA, ES256 with an encrypted key, enveloped,
# data-integrity) and refuse the tainted one with exit 1 and its blockers,
# verify (exit 0), show, and rejection with the right reason code of:
# changed bytes of the token (a sample here; test_credential changes every
# byte of the token and of the payload), alg none, HS256 keyed with the
# public key, a swapped kid, another certificate's payload, an untrusted
# issuer, times before and after the validity, a revoked certificate, and
# a changed or missing evidence file.  json canon is checked against the
# RFC 8785 test data in tests/conformance/jcs.
set -euo pipefail

cli=${LAB_CLI:?LAB_CLI is not set}
src=${LAB_SOURCE_DIR:?LAB_SOURCE_DIR is not set}
conf=${LAB_CONFORMANCE_DIR:-$src/tests/conformance}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

. "$src/tests/integration/lib.bash"

ISSUER=did:web:brand.example
DATA=(certify "$src/examples/cotton" --as-of 2026-12-01 --rules "$src/rules" --lists "$src/rules/data"
    --issuer "$ISSUER" --issuer-name "Example Brand" --valid-from 2026-01-01T00:00:00Z
    --valid-days 30)
AT=(--at 2026-01-10T00:00:00Z)

# ---- keys and the trust list ----
expect 0 "" "$cli" keygen --issuer "$ISSUER" -o issuer.pem
expect 0 "" "$cli" keygen -o second.pem
export LAB_TEST_PASS="correct horse battery staple"
expect 0 "" "$cli" keygen --alg p256 --passphrase-env LAB_TEST_PASS -o p256.pem
[[ $(stat -c %a issuer.pem) == 600 ]] && ok "key file mode 0600" || bad "key mode $(stat -c %a issuer.pem)"
grep -q ENCRYPTED p256.pem && ok "passphrase encrypts the key" || bad "p256.pem not encrypted"
expect 2 "" "$cli" keygen -o issuer.pem # never overwritten silently
python3 - <<'EOF'
import json
jwks = [json.load(open(f + ".pub.jwk")) for f in ("issuer.pem", "p256.pem", "second.pem")]
json.dump({"did:web:brand.example": jwks}, open("trust.json", "w"))
json.dump({"did:web:brand.example": jwks[1:]}, open("trust-without-first.json", "w"))
EOF
expect 0 "" "$cli" status-list create --url https://brand.example/status/1 \
    --issuer "$ISSUER" --key issuer.pem -o status.jwt

# ---- certify ----
expect 0 "" "$cli" "${DATA[@]}" --product SKU-TEE-CREW-001 --key issuer.pem \
    --status-list status.jwt --status-index 17 -o cert.jwt
expect 0 "" "$cli" "${DATA[@]}" --product SKU-TEE-CREW-001 --key second.pem -o other.jwt
expect 0 "" "$cli" "${DATA[@]}" --product SKU-TEE-CREW-001 --key p256.pem \
    --passphrase-env LAB_TEST_PASS -o es256.jwt
expect 0 "" "$cli" "${DATA[@]}" --product SKU-TEE-CREW-001 --key issuer.pem --enveloped -o env.json
expect 0 "" "$cli" "${DATA[@]}" --product SKU-TEE-CREW-001 --key issuer.pem \
    --seal data-integrity --lots TEE-2026-08 -o di.jwt
# with lot data a certificate covers the product's own lots only
expect 2 "product 'SKU-TEE-CREW-001' has no lot 'TEE-2026-09'" "$cli" "${DATA[@]}" \
    --product SKU-TEE-CREW-001 --key issuer.pem --lots TEE-2026-08,TEE-2026-09 -o x.jwt
[[ ! -e x.jwt ]] && ok "nothing written for another product's lot" || bad "x.jwt written"
# GM-IN-003 buys Xinjiang lint as well: its lot traced to Indian bales
# is certified, naming its custody, and its lot spun with Xinjiang lint is
# blocked whatever a mass balance says
expect 0 "" "$cli" "${DATA[@]}" --product SKU-POLO-005 --key issuer.pem -o polo.jwt
python3 - polo.jwt <<'PY' && ok "the certificate names the lot's chain of custody" || bad "no chainOfCustody in polo.jwt"
import base64, json, sys
t = open(sys.argv[1]).read().strip().split(".")[1]
c = json.loads(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)))
s = json.dumps(c)
assert '"chainOfCustody": [{' in s and '"custody": "segregated"' in s and '"lot": "POLO-2026-08"' in s, s[:300]
assert "YRN-TN-2026-05" not in s and "S-IN-002" not in s, "the mixed yarn is not in the polo's chain"
PY
expect 1 "BLOCKER coc.claim-without-segregation on chain SKU-TEE-LONG-004" \
    "$cli" "${DATA[@]}" --product SKU-TEE-LONG-004 --key issuer.pem -o x.jwt
expect 1 "BLOCKER origin.supplier-in-xinjiang" "$cli" "${DATA[@]}" \
    --product SKU-SHIRT-POP-002 --key issuer.pem -o tainted.jwt
[[ ! -e tainted.jwt ]] && ok "nothing written for the tainted product" || bad "tainted.jwt written"
expect 2 "" "$cli" "${DATA[@]}" --product SKU-TEE-CREW-001 -o x.jwt # no --key
chmod 644 second.pem
expect 2 "second.pem" "$cli" "${DATA[@]}" --product SKU-TEE-CREW-001 --key second.pem -o x.jwt
chmod 600 second.pem

# ---- verify and show ----
for c in cert.jwt es256.jwt env.json di.jwt other.jwt; do
    expect 0 valid "$cli" verify "$c" --trust trust.json "${AT[@]}"
done
expect 0 '"valid": true' "$cli" verify cert.jwt --trust trust.json "${AT[@]}" --json
expect 0 "Made without forced or child labour" "$cli" show cert.jwt --trust trust.json "${AT[@]}"
expect 1 "untrusted_issuer" "$cli" show cert.jwt "${AT[@]}"
expect 2 "" "$cli" verify cert.jwt # no trust list
expect 2 "" "$cli" verify cert.jwt --trust trust.json --at yesterday

# ---- tampering: a sample of bytes through the command ----
token=$(cat cert.jwt)
n=${#token}
changed=0
for ((i = 0; i < n; i += 97)); do
    c=${token:i:1}
    [[ $c == A ]] && r=B || r=A
    printf '%s\n' "${token:0:i}$r${token:i+1}" >t.jwt
    if "$cli" verify t.jwt --trust trust.json "${AT[@]}" >/dev/null 2>&1; then
        bad "byte $i changed and still valid"
    fi
    changed=$((changed + 1))
done
ok "$changed changed tokens all rejected"

# ---- crafted tokens ----
python3 - <<'EOF'
import base64, hashlib, hmac, json
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def unb64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
tok = open("cert.jwt").read().strip()
other = open("other.jwt").read().strip()
h, p, s = tok.split(".")
hdr = json.loads(unb64(h))
ohdr = json.loads(unb64(other.split(".")[0]))
def head(**kw):
    d = dict(hdr); d.update(kw)
    return b64(json.dumps(d, separators=(",", ":")).encode())
open("none.jwt", "w").write(f"{head(alg='none')}.{p}.\n")
pem = open("issuer.pem.pub.jwk").read().strip().encode()
hs = head(alg="HS256")
mac = hmac.new(pem, f"{hs}.{p}".encode(), hashlib.sha256).digest()
open("hs256.jwt", "w").write(f"{hs}.{p}.{b64(mac)}\n")
open("swapkid.jwt", "w").write(f"{head(kid=ohdr['kid'])}.{p}.{s}\n")
open("unknownkid.jwt", "w").write(f"{head(kid='A' * 43)}.{p}.{s}\n")
open("otherpayload.jwt", "w").write(f"{h}.{other.split('.')[1]}.{s}\n")
open("crit.jwt", "w").write(f"{head(crit=['exp'])}.{p}.{s}\n")
open("padded.jwt", "w").write(f"{h}.{p}.{s}==\n")
EOF
expect 1 alg_not_allowed "$cli" verify none.jwt --trust trust.json "${AT[@]}"
expect 1 alg_not_allowed "$cli" verify hs256.jwt --trust trust.json "${AT[@]}"
expect 1 bad_signature "$cli" verify swapkid.jwt --trust trust.json "${AT[@]}"
expect 1 untrusted_issuer "$cli" verify unknownkid.jwt --trust trust.json "${AT[@]}"
expect 1 bad_signature "$cli" verify otherpayload.jwt --trust trust.json "${AT[@]}"
expect 1 malformed "$cli" verify crit.jwt --trust trust.json "${AT[@]}"
expect 1 malformed "$cli" verify padded.jwt --trust trust.json "${AT[@]}"
expect 1 untrusted_issuer "$cli" verify cert.jwt --trust trust-without-first.json "${AT[@]}"

# ---- time ----
expect 1 not_yet_valid "$cli" verify cert.jwt --trust trust.json --at 2025-12-31T23:59:59Z
expect 1 expired "$cli" verify cert.jwt --trust trust.json --at 2026-01-31T00:00:00Z
expect 1 expired "$cli" verify cert.jwt --trust trust.json # now is past 2026-01-31

# ---- revocation ----
expect 0 valid "$cli" verify cert.jwt --trust trust.json "${AT[@]}" --status-list status.jwt
expect 2 "" "$cli" revoke --status-list status.jwt --index 17 --key second.pem
expect 0 "" "$cli" revoke --status-list status.jwt --index 17 --key issuer.pem
expect 1 revoked "$cli" verify cert.jwt --trust trust.json "${AT[@]}" --status-list status.jwt
python3 - <<'EOF'
import base64, gzip, json
def unb64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
p = json.loads(unb64(open("status.jwt").read().split(".")[1]))
enc = p["credentialSubject"]["encodedList"]
assert enc[0] == "u"
bits = gzip.decompress(unb64(enc[1:]))
assert len(bits) * 8 >= 131072, len(bits)
assert [i for i in range(len(bits) * 8) if bits[i // 8] >> (7 - i % 8) & 1] == [17]
print("ok   status list: python's gzip reads bit 17 and only it")
EOF

# ---- evidence ----
cp -r "$src/examples/cotton/evidence" ev
expect 0 valid "$cli" verify cert.jwt --trust trust.json "${AT[@]}" --evidence ev
echo "changed" >>ev/AUD-2026-0104.txt
expect 1 evidence_mismatch "$cli" verify cert.jwt --trust trust.json "${AT[@]}" --evidence ev
rm ev/AUD-2026-0104.txt
expect 1 evidence_mismatch "$cli" verify cert.jwt --trust trust.json "${AT[@]}" --evidence ev

# ---- status indexes, suspension, DID documents ----
# each index is given once (status.jwt.used): 17 above; next skips it
expect 2 "already used" "$cli" "${DATA[@]}" --product SKU-TEE-CREW-001 --key issuer.pem \
    --status-list status.jwt --status-index 17 -o again.jwt
[[ ! -e again.jwt ]] && ok "a used index: nothing written" || bad "again.jwt written"
expect 0 "" "$cli" "${DATA[@]}" --product SKU-TEE-CREW-001 --key issuer.pem \
    --status-list status.jwt -o next.jwt
expect 0 "" "$cli" "${DATA[@]}" --product SKU-TEE-CREW-001 --key issuer.pem \
    --status-list status.jwt --status-index random -o random.jwt
mapfile -t used < status.jwt.used
[[ ${#used[@]} -eq 3 && ${used[0]} == 17 && ${used[1]} == 1 && ${used[2]} =~ ^[0-9]+$ &&
    ${used[2]} != 17 && ${used[2]} != 1 ]] &&
    ok "indexes recorded once each: ${used[*]}" || bad "status.jwt.used: ${used[*]}"
# a suspension list: suspended while the bit is set, valid once lifted
expect 0 "suspension list" "$cli" status-list create --purpose suspension \
    --url https://brand.example/status/s --issuer "$ISSUER" --key issuer.pem -o susp.jwt
expect 0 "" "$cli" "${DATA[@]}" --product SKU-TEE-CREW-001 --key issuer.pem \
    --status-list susp.jwt --status-index 4 -o susp-cert.jwt
expect 0 "suspended" "$cli" suspend --status-list susp.jwt --index 4 --key issuer.pem
expect 1 "invalid: suspended" "$cli" verify susp-cert.jwt "${AT[@]}" --trust trust.json \
    --status-list susp.jwt 
expect 2 "not a revocation list" "$cli" revoke --status-list susp.jwt --index 4 --key issuer.pem
expect 0 "no longer suspended" "$cli" unsuspend --status-list susp.jwt --index 4 --key issuer.pem
expect 0 "valid" "$cli" verify susp-cert.jwt "${AT[@]}" --trust trust.json --status-list susp.jwt \
    --status-list status.jwt 
expect 0 "re-signed" "$cli" status-list renew --status-list susp.jwt --key issuer.pem
# keygen's DID document and JWKS serve as trust lists; the kid is a DID URL
expect 0 "did.json" "$cli" keygen --issuer "$ISSUER" -o didkey.pem
expect 0 "" "$cli" "${DATA[@]}" --product SKU-TEE-CREW-001 --key didkey.pem -o did.jwt
kid=$(python3 -c 'import base64, json, sys
h = open(sys.argv[1]).read().split(".")[0]
print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["kid"])' did.jwt)
[[ $kid == "$ISSUER#"* ]] && ok "kid is a DID URL: $kid" || bad "kid: $kid"
expect 0 "valid" "$cli" verify did.jwt "${AT[@]}" --trust didkey.pem.did.json
expect 0 "valid" "$cli" verify did.jwt "${AT[@]}" --trust didkey.pem.jwks.json --trust-issuer "$ISSUER" \
    
expect 2 "a JWKS does not say whose keys" "$cli" verify did.jwt "${AT[@]}" --trust didkey.pem.jwks.json
expect 2 "single JWK" "$cli" verify did.jwt "${AT[@]}" --trust didkey.pem.pub.jwk
expect 1 "untrusted_issuer" "$cli" verify did.jwt "${AT[@]}" --trust issuer.pem.did.json
# ---- who assessed: levels, scheme, body, the EU label rule ----
W=("$cli" "${DATA[@]}" --product SKU-TEE-CREW-001 --key issuer.pem)
SCHEME=(--scheme-name "Example Labour Standard" --scheme-id https://scheme.example/els
    --scheme-version 2.1 --scheme-owner "Example Scheme Owner" --scheme-owner-id did:web:scheme.example)
BODY=(--body-name "Example Certification Body Ltd" --body-id did:web:cb.example)
ACCR=(--accreditation-id https://ab.example/accreditations/123
    --accreditation-body "Example Accreditation Service" --accreditation-body-id did:web:ab.example)
payload() { cut -d. -f2 "$1" | tr '_-' '/+' | base64 -d 2>/dev/null || true; }
level_of() { payload "$1" | python3 -c '
import json, sys
s = json.load(sys.stdin)["credentialSubject"]
print(s["assessorLevel"], s["assessmentLevel"], s["attestationType"],
      s["assessment"][0].get("auditor", {}).get("name", "-"), s.get("euConsumerLabel", False))'; }
expect 2 "Directive (EU) 2024/825" "${W[@]}" --label-eu -o label.jwt
[[ ! -e label.jwt ]] && ok "--label-eu refused: nothing written" || bad "--label-eu wrote label.jwt"
expect 2 "--scheme-name" "${W[@]}" --label-eu --assessor-level third-party "${BODY[@]}" -o label.jwt
expect 2 "third-party body" "${W[@]}" --label-eu "${SCHEME[@]}" -o label.jwt
expect 2 "third-party body" "${W[@]}" --label-eu "${SCHEME[@]}" --assessor-level second-party "${BODY[@]}" -o label.jwt
expect 2 "not self-declared" "${W[@]}" "${BODY[@]}" -o x.jwt
expect 2 "needs the assessment body" "${W[@]}" --assessor-level third-party -o x.jwt
expect 2 "expected self, second-party" "${W[@]}" --assessor-level independent -o x.jwt
expect 2 "accreditation" "${W[@]}" --assessor-level accredited "${BODY[@]}" -o x.jwt
expect 0 "" "${W[@]}" --label-eu "${SCHEME[@]}" --assessor-level third-party "${BODY[@]}" -o label.jwt
expect 0 "valid" "$cli" verify label.jwt --trust trust.json "${AT[@]}"
[[ $(level_of label.jwt) == "3rdParty Verified certification Example Certification Body Ltd True" ]] &&
    ok "third party: 3rdParty / Verified, the body as auditor, the EU label flag" || bad "label.jwt: $(level_of label.jwt)"
expect 0 "" "${W[@]}" --label-eu "${SCHEME[@]}" --assessor-level accredited "${BODY[@]}" "${ACCR[@]}" -o accr.jwt
[[ $(level_of accr.jwt) == "3rdParty Accredited certification Example Certification Body Ltd True" ]] &&
    ok "accredited: 3rdParty / Accredited" || bad "accr.jwt: $(level_of accr.jwt)"
expect 0 "" "${W[@]}" --assessor-level second-party "${BODY[@]}" -o second.jwt
[[ $(level_of second.jwt) == "Buyer Unspecified verification Example Certification Body Ltd False" ]] &&
    ok "second party: Buyer / Unspecified" || bad "second.jwt: $(level_of second.jwt)"
expect 0 "" "${W[@]}" --assessor-level self -o self.jwt
[[ $(level_of self.jwt) == "Self Unspecified declaration - False" ]] &&
    ok "self-declared: Self / Unspecified, a declaration" || bad "self.jwt: $(level_of self.jwt)"
"$cli" certify --help | grep -q -- "--label-eu" && ok "certify --help documents --label-eu" ||
    bad "certify --help lacks --label-eu"

# ---- json canon against RFC 8785 test data ----
canon_files=0
for f in "$conf"/jcs/input/*.json; do
    [[ -f $f ]] || continue
    canon_files=$((canon_files + 1))
    if cmp -s <("$cli" json canon "$f") "$conf/jcs/output/$(basename "$f")"; then
        ok "json canon $(basename "$f")"
    else
        bad "json canon $(basename "$f")"
    fi
done
if ((canon_files != 6)); then
    bad "json canon: $canon_files RFC 8785 files in $conf/jcs/input (wanted 6)"
fi

if ((fails > 0)); then
    echo "cert_cli: $fails failure(s)" >&2
    exit 1
fi
echo "cert_cli: all passed"
