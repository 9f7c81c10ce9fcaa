#!/usr/bin/env bash
# labels: integration packaging
#
# symbols.sh - the shared library exports the public API and nothing
# else: every defined dynamic symbol starts with lab_ (the version nodes
# of the linker script, such as LABAUDIT_0, aside), every function the
# public headers declare is exported and nothing they do not declare is,
# and the SONAME is liblabaudit.so.0.
set -euo pipefail

lib=${LAB_LIB:?LAB_LIB names the shared library to check}
src=${LAB_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
[[ -f $lib ]] || { echo "symbols: $lib does not exist" >&2; exit 1; }

# Version definitions show up as absolute symbols named after the nodes
# of plugin/labaudit.map; they are not functions or data.
nodes=$(readelf -V --wide "$lib" |
    awk '/Version definition section/ {d = 1; next}
         /Version (needs|symbols) section/ {d = 0}
         d && /Name:/ {for (i = 1; i < NF; i++) if ($i == "Name:") print $(i + 1)}')

syms=$(nm -D --defined-only "$lib" | awk 'NF >= 3 {print $2, $3}')
bad=()
while read -r type name; do
    [[ -z $name ]] && continue
    name=${name%%@*}
    [[ $name == lab_* ]] && continue
    if [[ $type == A ]] && grep -qxF "$name" <<<"$nodes"; then
        continue
    fi
    bad+=("$name ($type)")
done <<<"$syms"

fails=0
if ((${#bad[@]} > 0)); then
    echo "symbols: $lib exports ${#bad[@]} symbol(s) outside lab_*:"
    printf '  %s\n' "${bad[@]}"
    fails=$((fails + 1))
fi

# The functions the public headers declare, LAB_EXTERN(type) name(...).
declared=$(find "$src/plugin/include" -name '*.h' -exec cat {} + |
    grep -v '^[[:space:]]*#' | tr '\n' ' ' | grep -oE 'LAB_EXTERN\([^)]*\)[[:space:]]*[A-Za-z_][A-Za-z_0-9]*' |
    sed -E 's/.*[^A-Za-z_0-9]([A-Za-z_][A-Za-z_0-9]*)$/\1/' | sort -u)
exported=$(awk '{print $2}' <<<"$syms" | sed 's/@.*//' | grep '^lab_' | sort -u || true)

wanted=$(printf '%s\n' lab_version lab_abi_version lab_plugin_get_api \
    "$declared" | sort -u)
for want in $wanted; do
    if ! grep -qxF "$want" <<<"$exported"; then
        echo "symbols: $lib does not export $want"
        fails=$((fails + 1))
    fi
done
while read -r name; do
    [[ -z $name ]] && continue
    if ! grep -qxF "$name" <<<"$declared"; then
        echo "symbols: $lib exports $name, which no public header declares"
        fails=$((fails + 1))
    fi
done <<<"$exported"

soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [[ $soname != liblabaudit.so.0 ]]; then
    echo "symbols: SONAME is '${soname}', expected liblabaudit.so.0"
    fails=$((fails + 1))
fi

n=$(grep -c . <<<"$syms" || true)
echo "symbols: $n defined dynamic symbols, $(grep -c . <<<"$declared") declared functions, SONAME ${soname:-none}"
((fails == 0)) && echo "symbols: 1 passed, 0 failed" || echo "symbols: 0 passed, 1 failed"
((fails == 0))
