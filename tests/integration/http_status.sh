#!/usr/bin/env bash
# http_status.sh - `labaudit verify --status-list URL` against a real
# HTTPS server on 127.0.0.1 (test CA made here): the list is fetched and
# cached; a cached copy younger than --status-max-age is used without a
# request (so a revocation published since is not yet seen); an expired
# cache is refetched (the revocation is seen); with the server down, a
# fresh cache still serves, and an expired one makes verification fail
# closed (invalid: status_unavailable, exit 1), never valid; a status list
# credential that is expired or older than the maximum age is refused
# (status_stale), one not yet valid too (status_unavailable), fetched or
# read from a file; an ETag that is not
# UTF-8 is treated as absent (the list is used and cached).
# labels: http
set -euo pipefail
cli=${LAB_CLI:?LAB_CLI is not set}
src=${LAB_SOURCE_DIR:?LAB_SOURCE_DIR is not set}
tmp=$(mktemp -d)
source "$src/tests/integration/http_common.bash"
trap http_cleanup EXIT
cd "$tmp"

make_pki pki
mkdir -p root cache
start_server tls "$tmp/root" --cert pki/server.pem --key pki/server.key
URL=https://127.0.0.1:$PORT/lists/status.jwt
ISSUER=did:web:brand.example

"$cli" keygen --issuer "$ISSUER" -o issuer.pem >/dev/null
mv issuer.pem.trust.json trust.json
"$cli" status-list create --url "$URL" --issuer "$ISSUER" --key issuer.pem \
    -o root/status.jwt >/dev/null
"$cli" certify "$src/examples/cotton" --as-of 2026-12-01 --rules "$src/rules" \
    --lists "$src/rules/data" --issuer "$ISSUER" --valid-from 2026-01-01T00:00:00Z \
    --valid-days 30 --product SKU-TEE-CREW-001 --key issuer.pem \
    --status-list root/status.jwt --status-index 17 -o cert.jwt >/dev/null 2>&1 ||
    http_die "certify failed"
V=("$cli" verify cert.jwt --trust trust.json --at 2026-01-10T00:00:00Z
    --status-list "$URL" --ca-file pki/ca.pem --status-cache cache --timeout 3)
requests() { grep -c '^/lists/status.jwt' "$tmp/tls.log" || true; }

expect 0 valid "${V[@]}"
(($(requests) == 1)) && ok "status list fetched" || bad "requests: $(requests)"
ls cache/status-*.jwt >/dev/null 2>&1 && ok "status list cached" || bad "nothing cached"

# the issuer revokes; a fresh cached copy is still used (no request)
"$cli" revoke --status-list root/status.jwt --index 17 --key issuer.pem >/dev/null
expect 0 valid "${V[@]}" --status-max-age 3600
[[ $LAST_OUT == *"from the cache"* ]] && ok "says the cache was used" || bad "no cache note: $LAST_OUT"
(($(requests) == 1)) && ok "fresh cache: no request" || bad "requests: $(requests)"

# expired cache: refetched (conditional), the revocation is seen
expect 1 revoked "${V[@]}" --status-max-age 0
(($(requests) == 2)) && ok "expired cache: fetched again" || bad "requests: $(requests)"

# A list outside its validFrom/validUntil is refused, fetched or local: it
# cannot say "not revoked".  resign LIST OUT FIELD=OFFSET...: the list
# with FIELD set to now + OFFSET seconds, signed again with the issuer's
# key (openssl, Ed25519).
resign() {
    python3 - "$@" <<'PY'
import base64, json, subprocess, sys, time
src, out = sys.argv[1:3]
h, p, _ = open(src).read().strip().split(".")
cred = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
for kv in sys.argv[3:]:
    k, v = kv.split("=", 1)
    cred[k] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + int(v)))
p = base64.urlsafe_b64encode(json.dumps(cred).encode()).rstrip(b"=").decode()
open("signing-input", "w").write(h + "." + p)  # pkeyutl -rawin needs a file
sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", "issuer.pem",
                      "-in", "signing-input"], capture_output=True, check=True).stdout
open(out, "w").write(h + "." + p + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode() + "\n")
PY
}
cp root/status.jwt current.jwt
resign current.jwt root/status.jwt validUntil=-3600
expect 1 status_stale "${V[@]}" --status-max-age 0
[[ $LAST_OUT == *"status list https://"*": expired at"*"cannot tell whether the certificate is revoked"* ]] &&
    ok "an expired list: refused, saying why" || bad "no reason: $LAST_OUT"
expect 1 '"reason": "status_stale"' "${V[@]}" --status-max-age 0 --json
expect 1 status_stale "$cli" verify cert.jwt --trust trust.json --at 2026-01-10T00:00:00Z \
    --status-list root/status.jwt
resign current.jwt root/status.jwt validFrom=86400
expect 1 status_unavailable "${V[@]}" --status-max-age 0
[[ $LAST_OUT == *": not valid before"* ]] &&
    ok "a list not yet valid: refused, saying why" || bad "no reason: $LAST_OUT"
# an old list, validly signed, replayed: 40 days is past the default
# maximum age of 30 days (a newer list may revoke), within 60 days
resign current.jwt root/status.jwt validFrom=-3456000
expect 1 status_stale "$cli" verify cert.jwt --trust trust.json --at 2026-01-10T00:00:00Z \
    --status-list root/status.jwt
[[ $LAST_OUT == *"more than 2592000 s before"*"a newer list may revoke"* ]] &&
    ok "an old list: refused, saying why" || bad "no reason: $LAST_OUT"
expect 1 revoked "$cli" verify cert.jwt --trust trust.json --at 2026-01-10T00:00:00Z \
    --status-list root/status.jwt --status-list-max-age 60d
expect 2 "expected seconds" "$cli" verify cert.jwt --trust trust.json \
    --status-list root/status.jwt --status-list-max-age 5x
resign current.jwt root/status.jwt validFrom=-60 validUntil=3600
expect 1 revoked "${V[@]}" --status-max-age 0
cp current.jwt root/status.jwt

# an ETag that is not UTF-8 is treated as absent: the list is used and cached
mkdir -p etag-cache
expect 1 revoked "$cli" verify cert.jwt --trust trust.json --at 2026-01-10T00:00:00Z \
    --status-list "https://127.0.0.1:$PORT/badetag/status.jwt" --ca-file pki/ca.pem \
    --status-cache etag-cache --timeout 3
ls etag-cache/status-*.jwt.meta >/dev/null 2>&1 && ok "bad ETag: list cached with its record" || bad "bad ETag: nothing cached"

expect 1 revoked "${V[@]}" --status-max-age 0

# an unknown CA is not trusted for status lists either
expect 1 status_unavailable "$cli" verify cert.jwt --trust trust.json \
    --at 2026-01-10T00:00:00Z --status-list "$URL" --status-cache other-cache --timeout 3

# the server goes down
stop_server
expect 1 revoked "${V[@]}" --status-max-age 3600
expect 1 status_unavailable "${V[@]}" --status-max-age 0
[[ $LAST_OUT == *"status list unavailable"*"older than the maximum age"* ]] &&
    ok "says why: the cached copy is too old" || bad "no reason: $LAST_OUT"
expect 1 '"reason": "status_unavailable"' "${V[@]}" --status-max-age 0 --json
rm -rf cache
expect 1 status_unavailable "${V[@]}"
[[ $LAST_OUT == *"no cached copy"* ]] && ok "no cache: fails closed" || bad "no reason: $LAST_OUT"
finish
