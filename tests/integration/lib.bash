# lib.bash - what the integration scripts share: ok/bad lines, a count of
# failures, and expect CODE TEXT CMD... (CMD exits CODE and its output,
# stdout and stderr, contains TEXT; the output is kept in LAST_OUT).
# A script (or http_common.bash) sources it, runs its checks, and ends
# with `finish NAME`.

fails=0
ok() { echo "ok   $*"; }
bad() {
    echo "FAIL $*" >&2
    fails=$((fails + 1))
}
expect() {
    local want=$1 text=$2
    shift 2
    local out st=0
    out=$("$@" 2>&1) || st=$?
    LAST_OUT=$out
    if [[ $st -ne $want ]]; then
        bad "exit $st (wanted $want): $* :: $out"
    elif [[ -n $text && $out != *"$text"* ]]; then
        bad "no '$text' in output of: $* :: $out"
    else
        ok "exit $want${text:+ ($text)}: ${*:1:5}"
    fi
}
# finish [NAME]: exit 1 naming the failures, or say all passed.
finish() {
    if ((fails > 0)); then
        echo "${1:-checks}: $fails failure(s)" >&2
        exit 1
    fi
    echo "${1:-checks}: all passed"
}
