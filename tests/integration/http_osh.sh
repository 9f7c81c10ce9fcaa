#!/usr/bin/env bash
# http_osh.sh - `labaudit facility OSID` against a fake Open Supply Hub on
# 127.0.0.1 over HTTPS (test CA made here): the token goes in the
# Authorization header and appears in no output or message; a 429 is
# retried after Retry-After; name, address, country, coordinates and
# number of workers are printed (text and JSON); an unknown OS ID, a
# missing or wrong token, and an OS ID that is not one are errors.
# labels: http
set -euo pipefail
cli=${LAB_CLI:?LAB_CLI is not set}
src=${LAB_SOURCE_DIR:?LAB_SOURCE_DIR is not set}
tmp=$(mktemp -d)
source "$src/tests/integration/http_common.bash"
trap http_cleanup EXIT
cd "$tmp"

make_pki pki
mkdir -p root
SECRET="osh-secret-$RANDOM$RANDOM"
export OSH_TEST_TOKEN=$SECRET
start_server osh "$tmp/root" --cert pki/server.pem --key pki/server.key
F=("$cli" facility --osh-url "https://127.0.0.1:$PORT/" --ca-file pki/ca.pem --timeout 5)

export OSH_TOKEN=$SECRET
t0=$SECONDS
expect 0 "name: Example Spinning Mill Co., Ltd." "${F[@]}" CN2019303BQ3FZP
((SECONDS - t0 >= 1)) && ok "waited for Retry-After" || bad "no wait after 429"
for want in "address: 1 Example Road, Urumqi" "country_code: CN" "country_name: China" \
    "lat: 43.825600" "lng: 87.616800" "number_of_workers: 1001-5000"; do
    [[ $LAST_OUT == *"$want"* ]] && ok "prints $want" || bad "no '$want' in: $LAST_OUT"
done
grep -q '^/api/facilities/CN2019303BQ3FZP/ .*auth=ok' osh.log && ok "token sent in the Authorization header" || bad "token not sent: $(cat osh.log)"
(($(grep -c '^/api/facilities/CN2019303BQ3FZP/' osh.log) == 2)) && ok "429 retried once" || bad "429 retries: $(cat osh.log)"
expect 0 '"number_of_workers":"1001-5000"' "${F[@]}" CN2019303BQ3FZP --json
expect 2 "no such facility" "${F[@]}" NOTFOUND1
expect 2 "not an OS ID" "${F[@]}" "../../admin"

OSH_TOKEN=wrong-token expect 2 "refused the token in OSH_TOKEN" "${F[@]}" CN2019303BQ3FZP
[[ $LAST_OUT != *wrong-token* ]] && ok "a refused token is not printed" || bad "token printed: $LAST_OUT"
unset OSH_TOKEN
expect 2 "set the environment variable OSH_TOKEN" "${F[@]}" CN2019303BQ3FZP
MY_TOKEN=$SECRET expect 0 "country_code: CN" "${F[@]}" CN2019303BQ3FZP --token-env MY_TOKEN

# the token never appears in anything labaudit printed
export OSH_TOKEN=$SECRET
all=$("${F[@]}" CN2019303BQ3FZP 2>&1; "${F[@]}" NOTFOUND1 2>&1; "${F[@]}" --osh-url http://localhost:1 X1 2>&1; true)
[[ $all != *"$SECRET"* ]] && ok "the token is never printed" || bad "token printed"
expect 2 "only https" "${F[@]}" X1 --osh-url http://opensupplyhub.org
stop_server
expect 2 "could not connect" "${F[@]}" CN2019303BQ3FZP
[[ $LAST_OUT != *"$SECRET"* ]] && ok "not in a network error either" || bad "token in error"
finish
