# labels: integration interop
# cert_cms.sh - the auditor seal checked by stock OpenSSL alone: a test CA
# and a P-256 auditor certificate made with the openssl command, the clean
# cotton product certified with --seal cms (DER and PEM), then
# `openssl cms -verify -binary` accepts CERT.cms over CERT.json (which must
# be the token's payload, byte for byte) and rejects it after any one
# byte of CERT.json changes or under another CA.  An RFC 3161 TSA runs on
# loopback (`openssl ts -reply` behind a python3 stdlib HTTP server, its
# certificate with extendedKeyUsage critical,timeStamping): certify --tsa
# writes CERT.tsr, which `openssl ts -verify -data CERT.cms` accepts with
# the TSA's CA and rejects for a changed seal.  Refusals write nothing: a
# key that is not P-256, a certificate of another key, a TSA that fails,
# plain http to a host that is not loopback.  Fails loudly without openssl
# or python3 (.ci/setup installs both).  The same machinery signs an
# evidence dossier's manifest: `dossier verify`, `openssl cms -verify`,
# `openssl ts -verify` and `sha256sum -c` accept it, and refuse a
# changed manifest.
set -euo pipefail

cli=${LAB_CLI:?LAB_CLI is not set}
src=${LAB_SOURCE_DIR:?LAB_SOURCE_DIR is not set}
for tool in openssl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "cert_cms: $tool is not installed; this test needs it (.ci/setup installs it)" >&2
        exit 1
    fi
done
tmp=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"

. "$src/tests/integration/lib.bash"
# cms_verify CMS CONTENT CA [FORM]: stock OpenSSL's check of a detached seal.
cms_verify() {
    openssl cms -verify -binary -inform "${4:-DER}" -in "$1" -content "$2" \
        -CAfile "$3" -purpose any -out /dev/null
}

ISSUER=did:web:brand.example
CERTIFY=(certify "$src/examples/cotton" --as-of 2026-12-01 --rules "$src/rules" --lists "$src/rules/data"
    --product SKU-TEE-CREW-001 --issuer "$ISSUER" --key issuer.pem)
P256=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve)

# ---- a test CA, the auditor's certificate, the issuer's key ----
openssl req -x509 -new "${P256[@]}" -nodes -keyout ca.key -out ca.pem -days 30 \
    -subj "/CN=labaudit test audit CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -x509 -new "${P256[@]}" -nodes -keyout other-ca.key -out other-ca.pem \
    -days 30 -subj "/CN=another CA" 2>/dev/null
expect 0 "" "$cli" keygen --alg p256 -o auditor.pem
expect 0 "" "$cli" keygen --issuer "$ISSUER" -o issuer.pem
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' >signer.ext
openssl req -new -key auditor.pem -subj "/CN=Example Auditor/O=Audit Firm" -out auditor.csr
openssl x509 -req -in auditor.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
    -extfile signer.ext -out auditor.crt 2>/dev/null
openssl x509 -in auditor.crt -outform DER -out auditor.der
SEAL=(--seal cms --cms-key auditor.pem --cms-cert auditor.crt)

# ---- the seal, DER ----
expect 0 "CMS seal tee.jwt.cms" "$cli" "${CERTIFY[@]}" "${SEAL[@]}" -o tee.jwt
for f in tee.jwt tee.jwt.cms tee.jwt.json; do
    [[ -s $f ]] && ok "$f written" || bad "$f missing"
done
[[ ! -e tee.jwt.tsr ]] && ok "no timestamp without --tsa" || bad "tee.jwt.tsr written"
expect 0 "valid" "$cli" verify tee.jwt --trust issuer.pem.trust.json
expect 0 "Verification successful" cms_verify tee.jwt.cms tee.jwt.json ca.pem
expect 4 "" cms_verify tee.jwt.cms tee.jwt.json other-ca.pem
# The signed bytes are the token's payload exactly, and already canonical.
python3 - <<'EOF' && ok "tee.jwt.json is the token's payload" || bad "tee.jwt.json differs from the payload"
import base64
p = open("tee.jwt").read().strip().split(".")[1]
raw = base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))
assert raw == open("tee.jwt.json", "rb").read()
EOF
"$cli" json canon tee.jwt.json >canon.json
cmp -s canon.json tee.jwt.json && ok "tee.jwt.json is RFC 8785 canonical" || bad "not canonical"
printed=$(openssl cms -cmsout -print -inform DER -in tee.jwt.cms)
for want in "signingTime" "sha256" "ecdsa-with-SHA256" "CN=Example Auditor" "eContent: <ABSENT>"; do
    [[ $printed == *"$want"* ]] && ok "seal has $want" || bad "seal lacks $want"
done
[[ $printed != *"SMIMECapabilities"* ]] && ok "no S/MIME capabilities" || bad "S/MIME capabilities present"

# ---- every change of one byte of the content is caught (a sample) ----
n=$(stat -c %s tee.jwt.json)
caught=0 tried=0
for ((i = 0; i < n; i += n / 23 + 1)); do
    python3 -c 'import sys; b = bytearray(open("tee.jwt.json", "rb").read()); i = int(sys.argv[1]); b[i] ^= 1; open("t.json", "wb").write(b)' "$i"
    tried=$((tried + 1))
    if cms_verify tee.jwt.cms t.json ca.pem >/dev/null 2>&1; then
        bad "byte $i of tee.jwt.json changed and the seal still verifies"
    else
        caught=$((caught + 1))
    fi
done
((caught == tried)) && ok "$tried one-byte changes all rejected" || true
cp tee.jwt.json t.json && printf ' ' >>t.json
if cms_verify tee.jwt.cms t.json ca.pem >/dev/null 2>&1; then bad "appended byte accepted"; else ok "appended byte rejected"; fi

# ---- PEM, a DER certificate file, an enveloped credential ----
expect 0 "" "$cli" "${CERTIFY[@]}" "${SEAL[@]}" --cms-pem -o pem.jwt
grep -q "BEGIN CMS" pem.jwt.cms && ok "--cms-pem writes PEM" || bad "pem.jwt.cms not PEM"
expect 0 "Verification successful" cms_verify pem.jwt.cms pem.jwt.json ca.pem PEM
expect 0 "" "$cli" "${CERTIFY[@]}" --seal cms --cms-key auditor.pem --cms-cert auditor.der -o der.jwt
expect 0 "Verification successful" cms_verify der.jwt.cms der.jwt.json ca.pem
expect 0 "" "$cli" "${CERTIFY[@]}" "${SEAL[@]}" --enveloped -o env.json
expect 0 "Verification successful" cms_verify env.json.cms env.json.json ca.pem

# ---- refusals write nothing ----
expect 2 "--seal cms needs" "$cli" "${CERTIFY[@]}" --seal cms --cms-key auditor.pem -o x.jwt
expect 2 "go with --seal cms" "$cli" "${CERTIFY[@]}" --cms-key auditor.pem -o x.jwt
expect 2 "P-256" "$cli" "${CERTIFY[@]}" --seal cms --cms-key issuer.pem --cms-cert auditor.crt -o x.jwt
expect 0 "" "$cli" keygen --alg p256 -o stranger.pem
expect 2 "not the CMS key's" "$cli" "${CERTIFY[@]}" --seal cms --cms-key stranger.pem \
    --cms-cert auditor.crt -o x.jwt
expect 2 "loopback" "$cli" "${CERTIFY[@]}" "${SEAL[@]}" --tsa http://tsa.example/ -o x.jwt
ls x.jwt* >/dev/null 2>&1 && bad "files written by a refused certify: $(ls x.jwt*)" ||
    ok "nothing written for refused seals"

# ---- a TSA on loopback: openssl ts -reply behind a stdlib HTTP server ----
openssl req -x509 -new "${P256[@]}" -nodes -keyout tsa-ca.key -out tsa-ca.pem -days 30 \
    -subj "/CN=labaudit test TSA CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new "${P256[@]}" -nodes -keyout tsa.key -subj "/CN=labaudit test TSA" \
    -out tsa.csr 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n' >tsa.ext
openssl x509 -req -in tsa.csr -CA tsa-ca.pem -CAkey tsa-ca.key -CAcreateserial -days 30 \
    -extfile tsa.ext -out tsa.crt 2>/dev/null
cat >tsa.cnf <<'EOF'
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = ./tsaserial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
cat >tsa.py <<'EOF'
# A tiny RFC 3161 TSA over HTTP: POST a TimeStampReq, get the response of
# `openssl ts -reply`.  POST /fail answers 500; POST /replay answers with
# the previous response (to another request).  Prints nothing but errors.
import http.server, os, subprocess, sys, tempfile

class TSA(http.server.BaseHTTPRequestHandler):
    last = None

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/fail" or self.headers.get("Content-Type") != "application/timestamp-query":
            self.send_response(500)
            self.end_headers()
            return
        with tempfile.TemporaryDirectory() as d:
            q, r = os.path.join(d, "req"), os.path.join(d, "resp")
            open(q, "wb").write(body)
            subprocess.run(["openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", q,
                            "-inkey", "tsa.key", "-signer", "tsa.crt", "-out", r],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            resp = open(r, "rb").read()
        if self.path == "/replay" and TSA.last is not None:
            resp = TSA.last
        TSA.last = resp
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(resp)))
        self.end_headers()
        self.wfile.write(resp)

    def log_message(self, *args):
        pass

srv = http.server.HTTPServer(("127.0.0.1", 0), TSA)
with open("port.tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename("port.tmp", "port")
srv.serve_forever()
EOF
python3 tsa.py &
server_pid=$!
for ((i = 0; i < 100; i++)); do
    [[ -s port ]] && break
    sleep 0.1
done
[[ -s port ]] || { bad "the TSA did not start"; exit 1; }
TSA=http://127.0.0.1:$(cat port)/

expect 0 "timestamp ts.jwt.tsr" "$cli" "${CERTIFY[@]}" "${SEAL[@]}" --tsa "$TSA" -o ts.jwt
expect 0 "Verification successful" cms_verify ts.jwt.cms ts.jwt.json ca.pem
expect 0 "Verification: OK" openssl ts -verify -data ts.jwt.cms -in ts.jwt.tsr -CAfile tsa-ca.pem
expect 0 "Status: Granted" openssl ts -reply -in ts.jwt.tsr -text
expect 1 "" openssl ts -verify -data ts.jwt.cms -in ts.jwt.tsr -CAfile ca.pem
cp ts.jwt.cms t.cms && printf '\0' >>t.cms
expect 1 "" openssl ts -verify -data t.cms -in ts.jwt.tsr -CAfile tsa-ca.pem
expect 1 "" openssl ts -verify -data ts.jwt.json -in ts.jwt.tsr -CAfile tsa-ca.pem
# The timestamp covers the PEM file's bytes when the seal is PEM.
expect 0 "" "$cli" "${CERTIFY[@]}" "${SEAL[@]}" --cms-pem --tsa "$TSA" -o tspem.jwt
expect 0 "Verification: OK" openssl ts -verify -data tspem.jwt.cms -in tspem.jwt.tsr -CAfile tsa-ca.pem
# A new seal without a TSA removes the old, now stale, timestamp.
expect 0 "" "$cli" "${CERTIFY[@]}" "${SEAL[@]}" -o ts.jwt
[[ ! -e ts.jwt.tsr ]] && ok "stale ts.jwt.tsr removed" || bad "stale ts.jwt.tsr kept"
# A TSA that answers another request (nonce and imprint differ).
expect 2 "answered another request" "$cli" "${CERTIFY[@]}" "${SEAL[@]}" --tsa "${TSA}replay" -o y.jwt
# A TSA that fails: certify fails and writes nothing.
expect 2 "HTTP status 500" "$cli" "${CERTIFY[@]}" "${SEAL[@]}" --tsa "${TSA}fail" -o y.jwt
ls y.jwt* >/dev/null 2>&1 && bad "files written after a TSA failure" ||
    ok "nothing written after a TSA failure"

# ---- an evidence dossier signed by the importer, with a timestamp ----
# (the same machinery: the importer's key and certificate, the TSA)
DOSSIER=(dossier "$src/examples/cotton" --as-of 2026-12-01 --rules "$src/rules"
    --lists "$src/rules/data" --product SKU-TEE-CREW-001 -q)
expect 0 "" "$cli" "${CERTIFY[@]}" -o dossier-cert.jwt
expect 0 "" "$cli" "${DOSSIER[@]}" --certificate dossier-cert.jwt --sign-key auditor.pem \
    --sign-cert auditor.crt --tsa "$TSA" -o dossier
for f in index.html report.json manifest.json manifest.json.cms manifest.json.cms.tsr \
    certificate.jwt evidence/DOC-AUD-2026-0101.txt; do
    [[ -s dossier/$f ]] && ok "dossier/$f" || bad "dossier/$f missing"
done
expect 0 "signature: valid" "$cli" dossier verify dossier --ca-file ca.pem
expect 1 "signature: INVALID" "$cli" dossier verify dossier --ca-file other-ca.pem
expect 0 "timestamp: covers" "$cli" dossier verify dossier
# stock OpenSSL and sha256sum alone, as README's recipe for the officer
expect 0 "Verification successful" cms_verify dossier/manifest.json.cms dossier/manifest.json ca.pem
expect 0 "Verification: OK" openssl ts -verify -data dossier/manifest.json.cms \
    -in dossier/manifest.json.cms.tsr -CAfile tsa-ca.pem
(cd dossier && python3 -c 'import json; [print(f["sha256"] + "  " + f["path"]) for f in json.load(open("manifest.json"))["files"]]' |
    sha256sum -c --quiet) && ok "sha256sum -c accepts every file" || bad "sha256sum -c failed"
# a changed manifest: the signature no longer holds
cp -r dossier d2 && sed -i 's/"as_of": "2026-12-01"/"as_of": "2026-12-02"/' d2/manifest.json
expect 1 "signature: INVALID" "$cli" dossier verify d2 --ca-file ca.pem
expect 4 "" cms_verify d2/manifest.json.cms d2/manifest.json ca.pem

if ((fails > 0)); then
    echo "cert_cms: $fails failure(s)" >&2
    exit 1
fi
echo "cert_cms: all passed"
