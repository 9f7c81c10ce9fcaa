#!/usr/bin/env bash
# labels: integration packaging
#
# install_consumer.sh - what `cmake --install` puts in place is enough to
# build against: the build is installed into a fresh prefix, then the
# program in tests/consumer/ is built once through the CMake package
# (find_package(labaudit) and labaudit::labaudit, with CMAKE_PREFIX_PATH
# naming only that prefix) and once through pkg-config, and both run
# against the installed library.  Also checks the installed files, the
# library's SONAME and its symlinks.
set -euo pipefail

build=${LAB_BUILD_DIR:?LAB_BUILD_DIR names the build to install}
src=${LAB_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fails=0
passes=0

ok() { echo "ok   $*"; passes=$((passes + 1)); }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
finish() {
    echo "install_consumer: $passes passed, $fails failed"
    ((fails == 0))
    exit
}

# A library built with gcc's sanitizers needs its runtime first in line,
# so the consumer is then built with the same sanitizers.
san=()
needed=$(readelf -d "${LAB_LIB:-$build/liblabaudit.so}" 2>/dev/null | grep NEEDED || true)
grep -q 'libasan' <<<"$needed" && san+=(address)
grep -q 'libubsan' <<<"$needed" && san+=(undefined)
grep -q 'libtsan' <<<"$needed" && san+=(thread)
sanflags=
if ((${#san[@]} > 0)); then
    sanflags="-fsanitize=$(IFS=,; echo "${san[*]}")"
    echo "note: the library uses sanitizers; building the consumer with $sanflags"
fi

# ---- install
if ! cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"
    fail "cmake --install $build --prefix $prefix"
    finish
fi
ok "cmake --install into $prefix"

pc=$(find "$prefix" -name labaudit.pc -path '*/pkgconfig/*' | head -1)
config=$(find "$prefix" -name labauditConfig.cmake | head -1)
[[ -n $pc ]] || { fail "labaudit.pc is installed"; finish; }
[[ -n $config ]] || { fail "labauditConfig.cmake is installed"; finish; }
libdir=$(dirname "$(dirname "$pc")")
# the .pc file names the prefix it was installed into, not the configured one
pcprefix=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=prefix labaudit 2>/dev/null || true)
if [[ $(readlink -f "$pcprefix") == $(readlink -f "$prefix") ]]; then
    ok "labaudit.pc: prefix is the install prefix"
else
    fail "labaudit.pc: prefix '$pcprefix', installed into '$prefix'"
fi
ok "labaudit.pc in ${pc#"$prefix"/}, CMake package in ${config#"$prefix"/}"

if cmp -s "$src/plugin/include/labaudit.h" "$prefix/include/labaudit.h"; then
    ok "include/labaudit.h is the public header"
else
    fail "include/labaudit.h is installed and is the public header"
fi
if [[ -x $prefix/bin/labaudit ]]; then
    ok "bin/labaudit is installed"
else
    fail "bin/labaudit is installed"
fi
# the installed command finds its library (no LD_LIBRARY_PATH) and, with
# no --rules, its installed packs and lists, from any folder
if (cd "$tmp" && env -u LD_LIBRARY_PATH -u LABAUDIT_RULES -u LABAUDIT_LISTS \
    "$prefix/bin/labaudit" version) >"$tmp/version.log" 2>&1; then
    ok "bin/labaudit runs from the prefix: $(cat "$tmp/version.log")"
else
    fail "bin/labaudit runs without LD_LIBRARY_PATH: $(cat "$tmp/version.log")"
fi
out=$(cd "$tmp" && env -u LD_LIBRARY_PATH -u LABAUDIT_RULES -u LABAUDIT_LISTS \
    "$prefix/bin/labaudit" check "$src/examples/cotton" --fail-on never -q 2>&1) || true
if [[ $out == *"pack: labaudit.origin"* && $out == *"list: uflpa-entity-list"* ]]; then
    ok "bin/labaudit check uses the installed packs and lists by default"
else
    fail "bin/labaudit check without --rules: $(head -c 300 <<<"$out")"
fi

# ---- the library: SONAME, and the development and runtime symlinks
real=$(readlink -f "$libdir/liblabaudit.so" || true)
if [[ -f $real ]]; then
    ok "lib/liblabaudit.so -> ${real##*/}"
else
    fail "lib/liblabaudit.so exists"
    finish
fi
soname=$(readelf -d "$real" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [[ $soname == liblabaudit.so.0 ]]; then
    ok "SONAME is liblabaudit.so.0"
else
    fail "SONAME is '$soname', expected liblabaudit.so.0"
fi
if [[ $(readlink -f "$libdir/liblabaudit.so.0" || true) == "$real" ]]; then
    ok "lib/liblabaudit.so.0 -> ${real##*/}"
else
    fail "lib/liblabaudit.so.0 is a link to ${real##*/}"
fi

# Runs a consumer binary and checks that it used the installed library.
run_consumer() {
    local how=$1 exe=$2
    shift 2
    local lib
    lib=$(env "$@" ldd "$exe" | awk '$1 ~ /^liblabaudit/ {print $3}')
    if [[ $(readlink -f "$lib") != "$real" ]]; then
        fail "$how: the consumer loads the installed library (ldd gives '${lib}')"
        return
    fi
    if env "$@" "$exe" >"$tmp/run.log" 2>&1; then
        ok "$how: $(tail -n 1 "$tmp/run.log")"
    else
        cat "$tmp/run.log"
        fail "$how: the consumer runs and its checks pass"
    fi
}

# ---- consumer through the CMake package
cbuild=$tmp/consumer-cmake
if cmake -S "$src/tests/consumer" -B "$cbuild" \
    -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
    -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS="-Wall -Wextra -Werror $sanflags" \
    -DCMAKE_EXE_LINKER_FLAGS="$sanflags" >"$tmp/cmake.log" 2>&1 &&
    cmake --build "$cbuild" >>"$tmp/cmake.log" 2>&1; then
    found=$(sed -n 's/^labaudit_DIR:PATH=//p' "$cbuild/CMakeCache.txt")
    if [[ $(readlink -f "$found") == $(readlink -f "$(dirname "$config")") ]]; then
        ok "find_package(labaudit) found the installed package"
        run_consumer "CMake package" "$cbuild/consumer"
    else
        fail "find_package(labaudit) found '$found', not the installed package"
    fi
else
    cat "$tmp/cmake.log"
    fail "tests/consumer configures and builds against the installed package"
fi

# ---- consumer through pkg-config.  --define-prefix takes the prefix
# from where labaudit.pc lies, as the install was moved with --prefix.
PKG_CONFIG_PATH=$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_PATH
if pcflags=$(pkg-config --define-prefix --cflags --libs labaudit) &&
    pcversion=$(pkg-config --modversion labaudit); then
    ok "pkg-config labaudit $pcversion: $pcflags"
    # shellcheck disable=SC2086 # pkg-config output is a list of flags.
    if ${CC:-cc} -std=c17 -Wall -Wextra -Werror $sanflags \
        -DEXPECTED_VERSION="\"$pcversion\"" "$src/tests/consumer/main.c" \
        $pcflags -o "$tmp/consumer-pc" 2>"$tmp/cc.log"; then
        run_consumer "pkg-config" "$tmp/consumer-pc" LD_LIBRARY_PATH="$libdir"
    else
        cat "$tmp/cc.log"
        fail "tests/consumer/main.c builds with pkg-config's flags"
    fi
else
    fail "pkg-config finds labaudit in $(dirname "$pc")"
fi

# ---- the installed command runs against the installed library
if out=$(LD_LIBRARY_PATH="$libdir" "$prefix/bin/labaudit" version 2>&1) &&
    [[ $out == *"${pcversion:-?}"* ]]; then
    ok "bin/labaudit version: $(head -n 1 <<<"$out")"
else
    echo "$out"
    fail "bin/labaudit version runs and names version ${pcversion:-?}"
fi

# ---- the manual page and the completions are installed
for f in share/labaudit/schemas/report.schema.json share/man/man1/labaudit.1 \
    share/bash-completion/completions/labaudit \
    share/zsh/vendor-completions/_labaudit share/fish/vendor_completions.d/labaudit.fish; do
    if [[ -s $prefix/$f ]]; then ok "installed $f"; else fail "$f is installed"; fi
done
if MANWIDTH=80 man -l "$prefix/share/man/man1/labaudit.1" 2>/dev/null | grep -q "EXIT STATUS"; then
    ok "man -l renders the installed labaudit(1)"
else
    fail "man -l renders the installed labaudit(1)"
fi

finish
