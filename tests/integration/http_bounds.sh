#!/usr/bin/env bash
# http_bounds.sh - a fetch, retries and waits included, stays within its
# --timeout: a server that always answers 503 with Retry-After: 120 (the
# fetch used to wait up to 60 s before each of its retries) and one that
# answers 503 after 2 s with Retry-After: 1 (each attempt used to get the
# whole timeout again) both give up once the timeout is spent, naming
# the HTTP status.  Each case runs under `timeout 20`, far below what the
# unbounded fetch took (180 s and 17 s).
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
for f in later busy; do
    cp "$src/rules/data/high-risk-regions.csv" "root/$f.csv"
done
start_server tls "$tmp/root" --cert pki/server.pem --key pki/server.key
B=https://127.0.0.1:$PORT
cat >sources.ini <<INI
[later]
url = $B/retry-later/later.csv
[busy]
url = $B/slow-down/busy.csv
INI
R=(timeout 20 "$cli" refresh --config sources.ini --cache cache
    --ca-file pki/ca.pem --connect-timeout 2 --timeout 3 --retries 5)

# within SECONDS: the last command took less than that (wall time)
within() {
    local took=$((SECONDS - t0))
    ((took < $1)) && ok "done in ${took} s (under $1 s)" || bad "took ${took} s (wanted under $1 s)"
}

t0=$SECONDS
expect 2 "HTTP 503" "${R[@]}" --only later
within 6
n=$(grep -c '^/retry-later/later.csv' tls.log)
((n == 1)) && ok "no retry begun that could not end in time" || bad "$n requests for later.csv"

t0=$SECONDS
expect 2 "HTTP 503" "${R[@]}" --only busy
within 6
n=$(grep -c '^/slow-down/busy.csv' tls.log)
((n <= 2)) && ok "$n attempts within the timeout" || bad "$n attempts for busy.csv"
finish
