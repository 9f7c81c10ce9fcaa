# http_common.bash - what the http tests share (sourced; not a test of its
# own, hence not *.sh): the checks that python3 and openssl are there
# (the tests fail loudly without them, never skip), a test CA with a
# server certificate for 127.0.0.1 and a second, unknown CA with its own,
# made with the openssl command, and starting and stopping
# http_server.py on a free loopback port.

http_die() {
    echo "FAIL: $*" >&2
    exit 1
}

for tool in python3 openssl; do
    command -v "$tool" >/dev/null 2>&1 ||
        http_die "$tool is required by the http tests (bash .ci/setup installs it)"
done

HTTP_PIDS=()
. "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

http_cleanup() {
    local p
    for p in "${HTTP_PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}

# make_cert DIR NAME CA: a P-256 key and a certificate for 127.0.0.1 and
# ::1 signed by CA (DIR/CA.pem, DIR/CA.key).
make_cert() {
    local d=$1 name=$2 ca=$3
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$d/$name.key" -out "$d/$name.csr" -subj "/CN=127.0.0.1" \
        2>/dev/null
    printf '%s\n' "subjectAltName=IP:127.0.0.1,IP:::1" \
        "basicConstraints=CA:FALSE" "keyUsage=digitalSignature" \
        "extendedKeyUsage=serverAuth" >"$d/$name.ext"
    openssl x509 -req -in "$d/$name.csr" -CA "$d/$ca.pem" -CAkey "$d/$ca.key" \
        -CAcreateserial -days 2 -extfile "$d/$name.ext" -out "$d/$name.pem" \
        2>/dev/null
}

# make_pki DIR: DIR/ca.pem (the test CA, given to labaudit with
# --ca-file), DIR/server.{pem,key} signed by it, and DIR/rogue.{pem,key}
# signed by an unknown CA.
make_pki() {
    local d=$1 ca
    mkdir -p "$d"
    for ca in ca rogue-ca; do
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout "$d/$ca.key" -out "$d/$ca.pem" -days 2 \
            -subj "/CN=labaudit test $ca" 2>/dev/null ||
            http_die "openssl could not make the test CA"
    done
    make_cert "$d" server ca || http_die "openssl could not make the server certificate"
    make_cert "$d" rogue rogue-ca || http_die "openssl could not make the rogue certificate"
}

# start_server NAME ROOT [--cert C --key K | --plain]: starts a server
# serving ROOT; sets PORT.  Its requests are logged to $tmp/NAME.log.
start_server() {
    local name=$1 root=$2
    shift 2
    rm -f "$tmp/$name.port"
    : >"$tmp/$name.log"
    python3 "$LAB_SOURCE_DIR/tests/integration/http_server.py" --root "$root" \
        --port-file "$tmp/$name.port" --log "$tmp/$name.log" "$@" \
        2>>"$tmp/$name.err" &
    HTTP_PIDS+=($!)
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -s $tmp/$name.port ]] && break
        sleep 0.1
    done
    [[ -s $tmp/$name.port ]] || http_die "server $name did not start: $(cat "$tmp/$name.err")"
    PORT=$(cat "$tmp/$name.port")
}

# stop_server: stops the last server started.
stop_server() {
    local p=${HTTP_PIDS[-1]}
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    unset 'HTTP_PIDS[-1]'
}

