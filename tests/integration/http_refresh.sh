#!/usr/bin/env bash
# http_refresh.sh - `labaudit refresh` against real HTTPS servers on
# 127.0.0.1 with a test CA made here: 200 (list stored, metadata, digest),
# 304 (ETag sent back), a new version (previous kept as .prev), the source
# named in reports, 404, 429 then 200 (Retry-After honoured), a slow
# server (timeout: cache used; no cache: error), an oversized body (size
# cap), a redirect to plain http (refused), a redirect loop, a certificate
# from an unknown CA and the test CA not given (refused), a malformed list
# (old version kept), a list shrinking by more than --max-shrink (old
# version kept), an ETag that is not UTF-8 (treated as absent: the
# new list stored and said so), plain http to 127.0.0.1 (allowed) and to another
# name (refused), and the server down (cache used, its age stated);
# --json gives one document valid against refresh.schema.json.
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
cp "$src/rules/data/uflpa-entity-list.csv" root/
for f in missing flaky slow plain badetag; do
    cp "$src/rules/data/high-risk-regions.csv" "root/$f.csv"
done
cp "$src/rules/data/cbp-wro-cotton.csv" root/bad.csv
start_server tls "$tmp/root" --cert pki/server.pem --key pki/server.key
P=$PORT
start_server rogue "$tmp/root" --cert pki/rogue.pem --key pki/rogue.key
ROGUE=$PORT
start_server plain "$tmp/root" --plain
PLAIN=$PORT
B=https://127.0.0.1:$P
cat >sources.ini <<INI
# test sources
[uflpa-entity-list]
url = $B/lists/uflpa-entity-list.csv
file = uflpa-entity-list.csv

[missing]
url = $B/lists/no-such-list.csv
[flaky]
url = $B/flaky/flaky.csv
[slow]
url = $B/slow/slow.csv
[big]
url = $B/big/big.csv
[redirect]
url = $B/redirect-http/uflpa-entity-list.csv
[loop]
url = $B/redirect-loop/x.csv
[rogue]
url = https://127.0.0.1:$ROGUE/lists/uflpa-entity-list.csv
[bad]
url = $B/lists/bad.csv
[plain]
url = http://127.0.0.1:$PLAIN/lists/plain.csv
[localhost]
url = http://localhost:$PLAIN/lists/plain.csv
[badetag]
url = $B/badetag/badetag.csv
INI
R=("$cli" refresh --config sources.ini --cache cache --ca-file pki/ca.pem
    --connect-timeout 2 --timeout 2 --retries 2 --max-bytes 1048576)
L=cache/uflpa-entity-list.csv

# ---- 200: stored with its metadata ----
expect 0 "updated uflpa-entity-list.csv" "${R[@]}" --only uflpa-entity-list
cmp -s $L root/uflpa-entity-list.csv && ok "list stored as served" || bad "stored list differs"
sum=$(sha256sum $L | cut -d' ' -f1)
python3 - "$L.meta" "$sum" "$B" <<'PY' && ok "metadata: url, fetched_at, etag, sha256" || bad "metadata wrong: $(cat $L.meta)"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["sha256"] == sys.argv[2], m
assert m["url"] == sys.argv[3] + "/lists/uflpa-entity-list.csv", m
assert m["etag"].startswith('"') and m["fetched_at"].endswith("Z"), m
assert m["last_modified"] == "Sat, 28 Nov 2026 10:00:00 GMT", m
PY
[[ ! -e $L.prev ]] && ok "no .prev after the first fetch" || bad ".prev after the first fetch"

# ---- 304: the ETag goes back, nothing changes ----
expect 0 "not modified" "${R[@]}" --only uflpa-entity-list
grep -q '^/lists/uflpa-entity-list.csv inm="' "$tmp/tls.log" && ok "If-None-Match sent" || bad "no If-None-Match: $(cat "$tmp/tls.log")"
grep -q 'ims=Sat, 28 Nov 2026' "$tmp/tls.log" && ok "If-Modified-Since sent" || bad "no If-Modified-Since"

# ---- --json: one document, each list with its outcome, valid ----
set +e
"${R[@]}" --only uflpa-entity-list --json >refresh.same.json
"${R[@]}" --only missing --format json >refresh.failed.json 2>/dev/null
st=$?
set -e
((st == 2)) && ok "--json: a failed list still exits 2" || bad "--json failed list: exit $st"
python3 "$src/tests/integration/check_schemas.py" "$src/plugin/schemas" --require refresh \
    refresh.same.json refresh.failed.json && ok "refresh --json valid against its schema" ||
    bad "refresh --json not valid"
python3 - <<'PY' && ok "--json: not_modified, then failed with the error" || bad "refresh JSON: $(cat refresh.*.json)"
import json
a, b = json.load(open("refresh.same.json")), json.load(open("refresh.failed.json"))
assert a["ok"] and [l["outcome"] for l in a["lists"]] == ["not_modified"], a
assert not b["ok"] and b["lists"][0]["outcome"] == "failed" and "404" in b["lists"][0]["error"], b
PY

# ---- a new version: atomic replace, the previous one kept ----
cp root/uflpa-entity-list.csv v1.csv
echo '"Example Newly Listed Textile Co., Ltd.",,CN,,,textiles,test-entry,test,,2026-11-28,,' >>root/uflpa-entity-list.csv
expect 0 "updated uflpa-entity-list.csv" "${R[@]}" --only uflpa-entity-list
cmp -s $L.prev v1.csv && ok "previous version kept as .prev" || bad ".prev is not the previous version"
cmp -s $L root/uflpa-entity-list.csv && ok "new version in place" || bad "new version not stored"

# ---- the version used is named in reports ----
C=("$cli" check "$src/examples/cotton" --rules "$src/rules" --lists "$L" --as-of 2026-11-28 -q)
out=$("${C[@]}" --format json 2>&1 || true)
[[ $out == *"\"source\":\"$B/lists/uflpa-entity-list.csv\""* && $out == *'"fetched_at":"20'* ]] &&
    ok "JSON report names source and fetched_at" || bad "JSON report lacks the source: ${out:0:600}"
out=$("${C[@]}" 2>&1 || true)
[[ $out == *"from $B/lists/uflpa-entity-list.csv fetched 20"* ]] &&
    ok "text report names the source" || bad "text report lacks the source: ${out:0:600}"
cp $L edited.csv
echo '"Hand Edited Co",,CN,,,,,,,,,' >>$L
out=$("${C[@]}" --format json 2>&1 || true)
[[ $out != *'"source"'* ]] && ok "a hand-edited list is not credited to the URL" || bad "stale metadata credited"
cp edited.csv $L

# ---- 404: an error, the cached file untouched ----
cp root/missing.csv cache/missing.csv
expect 2 "HTTP 404; the previous missing.csv is kept" "${R[@]}" --only missing
cmp -s cache/missing.csv root/missing.csv && ok "404 keeps the cached file" || bad "404 changed the cache"

# ---- 429 then 200, after Retry-After ----
t0=$SECONDS
expect 0 "updated flaky.csv" "${R[@]}" --only flaky
(($(grep -c '^/flaky/flaky.csv' "$tmp/tls.log") == 2)) && ok "retried once after 429" || bad "429 not retried once"
((SECONDS - t0 >= 1)) && ok "waited for Retry-After" || bad "did not wait for Retry-After"

# ---- slow server: timeout ----
expect 2 "timed out" "${R[@]}" --only slow
cp root/slow.csv cache/slow.csv
expect 0 "offline (timed out); using cached slow.csv modified just now" "${R[@]}" --only slow

# ---- oversized body: aborted at the cap ----
expect 2 "larger than 1048576 bytes" "${R[@]}" --only big
[[ ! -e cache/big.csv ]] && ok "nothing stored past the cap" || bad "big.csv stored"

# ---- redirects: never to plain http, at most 5 ----
expect 2 "redirect to a non-https address" "${R[@]}" --only redirect
expect 2 "more than 5 redirects" "${R[@]}" --only loop
(($(grep -c '^/redirect-loop/' "$tmp/tls.log") == 6)) && ok "the redirect loop stopped after 5 redirects" || bad "redirect count: $(grep -c '^/redirect-loop/' "$tmp/tls.log")"

# ---- TLS: an unknown CA, and the test CA not given ----
expect 2 "TLS verification failed" "${R[@]}" --only rogue
expect 2 "TLS verification failed" "$cli" refresh --config sources.ini --cache cache \
    --only uflpa-entity-list --timeout 2
cmp -s $L root/uflpa-entity-list.csv && ok "TLS failures keep the cached list" || bad "cache changed"

# ---- a malformed list: the old one is kept ----
expect 0 "updated bad.csv" "${R[@]}" --only bad
cp cache/bad.csv good.csv
printf 'name,aliases\n"unterminated\n' >root/bad.csv
expect 2 "does not parse" "${R[@]}" --only bad
[[ $LAST_OUT == *"the previous bad.csv is kept"* ]] && ok "the error says the old list is kept" || bad "no 'kept' in: $LAST_OUT"
cmp -s cache/bad.csv good.csv && ok "malformed list: old version kept" || bad "malformed list replaced the old one"
printf 'name,aliases\n' >root/bad.csv
expect 2 "has no entries" "${R[@]}" --only bad
# a list that loses more than half its entries: a truncated download,
# more likely than a delisting; kept unless --max-shrink allows it
head -2 good.csv >root/bad.csv
cached=$(python3 -c 'import csv, sys; print(len(list(csv.DictReader(open(sys.argv[1], newline="")))))' good.csv)
pct=$(((100 * (cached - 1) + cached / 2) / cached))
expect 2 "has 1 entries, the cached copy $cached: it shrinks by $pct %, more than the 50 % allowed" "${R[@]}" --only bad
[[ $LAST_OUT == *"the previous bad.csv is kept"* ]] && ok "shrinking: the error says the old list is kept" || bad "no 'kept' in: $LAST_OUT"
cmp -s cache/bad.csv good.csv && ok "shrinking list: old version kept" || bad "a list shrinking by two thirds replaced the old one"
expect 0 "updated bad.csv" "${R[@]}" --only bad --max-shrink 1
expect 2 "expected a fraction above 0, at most 1" "${R[@]}" --only bad --max-shrink 2

# ---- an ETag that is not UTF-8: treated as absent; what is said is done ----
expect 0 "updated badetag.csv" "${R[@]}" --only badetag
cmp -s cache/badetag.csv root/badetag.csv && ok "bad ETag: list stored" || bad "bad ETag: list not stored"
python3 - cache/badetag.csv.meta <<'PY' && ok "bad ETag: not recorded" || bad "bad ETag recorded: $(cat cache/badetag.csv.meta)"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["etag"] is None and len(m["sha256"]) == 64, m
PY
cp cache/badetag.csv badetag-v1.csv
echo '"Another Region",,CN,,,,,,,,,' >>root/badetag.csv
expect 0 "updated badetag.csv" "${R[@]}" --only badetag
[[ $LAST_OUT != *"is kept"* ]] && ok "bad ETag: does not claim the old list is kept" || bad "says kept: $LAST_OUT"
cmp -s cache/badetag.csv root/badetag.csv && ok "bad ETag: the new list is in place" || bad "bad ETag: new list not stored"
cmp -s cache/badetag.csv.prev badetag-v1.csv && ok "bad ETag: the previous one is .prev" || bad "bad ETag: .prev wrong"
! grep -q '^/badetag/badetag.csv inm="' "$tmp/tls.log" && ok "bad ETag: never sent back" || bad "bad ETag sent as If-None-Match"

# ---- plain http: loopback only ----
expect 0 "updated plain.csv" "${R[@]}" --only plain
expect 2 "only https is allowed" "${R[@]}" --only localhost

# ---- server down: the cache is used, its age stated ----
stop_server # plain
stop_server # rogue
stop_server # tls
python3 - "$L.meta" <<'PY'
import json, sys, time
m = json.load(open(sys.argv[1]))
m["fetched_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3 * 86400 - 60))
json.dump(m, open(sys.argv[1], "w"))
PY
expect 0 "using cached uflpa-entity-list.csv fetched 3 days ago" "${R[@]}" --only uflpa-entity-list
[[ $LAST_OUT == *"offline (could not connect)"* ]] && ok "says why it is offline" || bad "no reason: $LAST_OUT"
rm -f cache/flaky.csv
expect 2 "could not connect" "${R[@]}" --only flaky

# ---- no temporary files left behind ----
left=$(find cache -name '*.tmp*' | wc -l)
((left == 0)) && ok "no temporary files left" || bad "temporary files left: $(find cache -name '*.tmp*')"
finish
