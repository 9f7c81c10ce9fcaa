#!/usr/bin/env bash
# labels: integration packaging
#
# header.sh - the public headers stand alone: a file that includes only
# labaudit.h (or only one of plugin/include/labaudit/*.h, should the API
# be split up) compiles without a single warning as C99, C11 and C17 and as
# C++11 and C++17, under gcc and under clang (where installed), both as a
# host sees it and as the library itself sees it (LAB_BUILDING_LIBRARY).
set -euo pipefail

src=${LAB_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
inc=$src/plugin/include
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

headers=(labaudit.h)
for h in "$inc"/labaudit/*.h; do
    [[ -e $h ]] && headers+=("labaudit/${h##*/}")
done

flags=(-Wall -Wextra -pedantic -Werror -fsyntax-only -I"$inc")
fails=0
runs=0

try() {
    local desc="$*"
    runs=$((runs + 1))
    if "$@" 2>"$tmp/err"; then
        echo "ok   $desc"
    else
        echo "FAIL $desc"
        sed 's/^/     /' "$tmp/err"
        fails=$((fails + 1))
    fi
}

# Compiles one header alone with every compiler and standard.  Including
# it twice checks its include guard.
check_header() {
    local h=$1 t=$tmp/${1//\//_} cc cxx std def
    printf '#include <%s>\n#include <%s>\nint lab_header_test_anchor;\n' \
        "$h" "$h" >"$t.c"
    cp "$t.c" "$t.cpp"
    for cc in gcc clang; do
        command -v "$cc" >/dev/null 2>&1 || { echo "skip $cc"; continue; }
        for std in c99 c11 c17; do
            for def in "" -DLAB_BUILDING_LIBRARY; do
                try "$cc" -std=$std "${flags[@]}" -Wstrict-prototypes \
                    ${def:+"$def"} "$t.c"
            done
        done
    done
    for cxx in g++ clang++; do
        command -v "$cxx" >/dev/null 2>&1 || { echo "skip $cxx"; continue; }
        for std in c++11 c++17; do
            for def in "" -DLAB_BUILDING_LIBRARY; do
                try "$cxx" -std=$std "${flags[@]}" -Wold-style-cast \
                    ${def:+"$def"} "$t.cpp"
            done
        done
    done
}

for h in "${headers[@]}"; do
    check_header "$h"
done

echo "header: $((runs - fails)) passed, $fails failed"
((fails == 0))
