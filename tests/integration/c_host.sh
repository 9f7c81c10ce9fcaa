#!/usr/bin/env bash
# c_host.sh - the C host example (examples/c-host) loads labaudit the way
# a C or C++ ERP loads a plugin folder: it finds the library among other
# files by dlopen and lab_plugin_get_api, checks the table, runs a check
# on the cotton example and prints the verdicts (tainted shirt BLOCKED,
# clean T-shirt ok; the over-claimed V-neck BLOCKED once the volume rules
# of every pack run).  Asking for another ABI major gets NULL, a message
# naming both majors, and exit 3; a folder with no plugin also exits 3.
# labels: integration
set -euo pipefail
lib=${LAB_LIB:?} src=${LAB_SOURCE_DIR:?} build=${LAB_BUILD_DIR:?}
host=$build/examples/c-host/c-host
[[ -x $host ]] || { echo "c-host not built: $host" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check NAME CONDITION...
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
run() { # run EXPECTED-STATUS CMD... ; output in $tmp/out, $tmp/err
    local want=$1; shift
    set +e; "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?; set -e
    [[ $got == "$want" ]] || { echo "  exit $got, wanted $want: $*"; cat "$tmp/out" "$tmp/err"; return 1; }
}

# A plugin folder as an ERP has it: our library beside other files, and
# a shared object that is not a labaudit plugin (sorted before it).
mkdir -p "$tmp/plugins" "$tmp/empty"
cp "$lib" "$tmp/plugins/liblabaudit.so.0"
echo "not a plugin" >"$tmp/plugins/README.txt"
libc=$(ldd "$host" | awk '/libc\.so/ && !n++ {print $3}')
[[ -n $libc ]] && ln -s "$libc" "$tmp/plugins/libaaa-other.so"

cd "$src"
check "check through the table, exit 1 on a blocked product" \
    run 1 "$host" --as-of 2026-11-28 "$tmp/plugins" examples/cotton examples/starter-pack
check "table size and ABI printed" grep -Eq '^plugin .*/liblabaudit\.so\.0: labaudit [0-9.]+, ABI 1, table [0-9]+ bytes$' "$tmp/out"
check "tainted shirt blocked" grep -Eq '^BLOCKED +SKU-SHIRT-POP-002 +worst: blocker$' "$tmp/out"
check "clean T-shirt ok" grep -Eq '^ok +SKU-TEE-CREW-001$' "$tmp/out"
check "V-neck ok: the starter pack has no volume rules" grep -Eq '^ok +SKU-TEE-VNECK-003$' "$tmp/out"
check "the lot that mixes Xinjiang lint blocked" grep -Eq '^BLOCKED +SKU-TEE-LONG-004 +worst: blocker$' "$tmp/out"
check "the same maker's segregated lot ok" grep -Eq '^ok +SKU-POLO-005$' "$tmp/out"
check "one verdict per product lot (5)" test "$(grep -Ec '^(ok|BLOCKED) +SKU-' "$tmp/out")" = 5
check "every rule pack, with reference lists" \
    run 1 "$host" --as-of 2026-11-28 --lists rules/data "$tmp/plugins" examples/cotton rules
check "the clean T-shirt stays ok" grep -Eq '^ok +SKU-TEE-CREW-001$' "$tmp/out"
check "the over-claimed V-neck blocked" grep -Eq '^BLOCKED +SKU-TEE-VNECK-003 +worst: blocker$' "$tmp/out"
check "the tainted shirt stays blocked" grep -Eq '^BLOCKED +SKU-SHIRT-POP-002 +worst: blocker$' "$tmp/out"
check "  one verdict per product lot (5)" test "$(grep -Ec '^(ok|BLOCKED) +SKU-' "$tmp/out")" = 5
check "wrong ABI major refused, exit 3" \
    run 3 "$host" --abi 2 "$tmp/plugins" examples/cotton examples/starter-pack
check "message names the majors" grep -q 'does not implement labaudit ABI 2: labaudit .* implements plugin ABI 1, not 2' "$tmp/err"
check "and says only other ABIs were found" grep -q 'no labaudit plugin of ABI 2 in .* (only other ABIs)' "$tmp/err"
check "nothing checked on a wrong ABI" test ! -s "$tmp/out"
check "empty folder, exit 3" run 3 "$host" "$tmp/empty" examples/cotton examples/starter-pack
check "bad pack is a labaudit error, exit 4" \
    run 4 "$host" "$tmp/plugins" examples/cotton /nonexistent/pack.xml
check "its message names the file" grep -q '/nonexistent/pack.xml' "$tmp/err"

((fails == 0)) || { echo "c_host: $fails check(s) failed"; exit 1; }
echo "c_host: all checks passed"
