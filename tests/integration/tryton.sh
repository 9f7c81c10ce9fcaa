#!/usr/bin/env bash
# tryton.sh - runs the labaudit Tryton module's tests (examples/tryton)
# with trytond's own framework on an in-memory SQLite database: the
# ModuleTestCase and the proteus scenario, in which the tainted
# supplier's purchase is refused and the clean one's is confirmed.  The
# module is made visible to Debian's trytond without touching the system
# through a trytond.modules entry point in a temporary site folder, with
# the ctypes binding beside it.  Fails (never skips) when trytond, the
# purchase module or proteus is missing: .ci/setup installs them.
# labels: tryton integration
set -euo pipefail
# A failing command says where, so the script never fails silently.
trap 'echo "tryton.sh:$LINENO: command failed (exit $?)" >&2' ERR
lib=${LAB_LIB:?} src=${LAB_SOURCE_DIR:?}

py=
for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import trytond, proteus, trytond.modules.purchase' 2>/dev/null; then
        py=$(command -v "$candidate")
        break
    fi
done
if [[ -z $py ]]; then
    echo "tryton: FAILED: no python3 can import trytond, proteus and the purchase module;" >&2
    echo "tryton: install tryton-server tryton-modules-purchase tryton-proteus (bash .ci/setup)" >&2
    exit 1
fi
echo "tryton: $("$py" -c 'import sys, trytond; print("trytond", trytond.__version__, "python", sys.version.split()[0])')"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
site=$tmp/site
mkdir -p "$site/trytond/modules" "$site/trytond_labaudit.egg-info"
ln -s "$src/examples/tryton/labaudit" "$site/trytond/modules/labaudit"
ln -s "$src/examples/python/labaudit.py" "$site/labaudit.py"
printf 'Metadata-Version: 2.1\nName: trytond-labaudit\nVersion: 6.0.0\n' \
    >"$site/trytond_labaudit.egg-info/PKG-INFO"
printf '[trytond.modules]\nlabaudit = trytond.modules.labaudit\n' \
    >"$site/trytond_labaudit.egg-info/entry_points.txt"

export PYTHONPATH=$site${PYTHONPATH:+:$PYTHONPATH}
export PYTHONDONTWRITEBYTECODE=1
export TRYTOND_DATABASE_URI=sqlite:// DB_NAME=:memory:
# The database with the modules activated is kept for the scenario.
export DB_CACHE=$tmp/db-cache
export LABAUDIT_LIB=$lib LAB_SOURCE_DIR=$src
unset TRYTOND_CONFIG || true

# A sanitizer build of the library (the asan stage) can only be loaded
# into python with its runtime preloaded (python alone: other tools may
# not run under it); python itself is not leak-free.
preload=$(ldd "$lib" | awk '/lib(asan|ubsan|tsan)\.so/ {print $3}' | tr '\n' ' ')
preload=${preload% }
if [[ -n $preload ]]; then
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    echo "python runs with the sanitizer runtime preloaded: $preload"
fi
py_run() { LD_PRELOAD="$preload${LD_PRELOAD:+ $LD_PRELOAD}" "$py" "$@"; }
# ASan binds crypt() when it starts; trytond (passlib) loads libcrypt
# later, so preload it too or ASan's interceptor calls a NULL crypt.
if [[ $preload == *libasan* ]]; then
    # awk reads to the end: an early exit would SIGPIPE ldconfig, which
    # pipefail turns into a silent failure of this script.
    crypt_lib=$(PATH=$PATH:/sbin:/usr/sbin ldconfig -p | awk '/libcrypt\.so\.1 / && !n++ {print $NF}')
    [[ -n $crypt_lib ]] && preload="$preload $crypt_lib"
fi

cd "$tmp"
py_run -m unittest discover -v -s "$site/trytond/modules/labaudit/tests" \
    -t "$site/trytond/modules/labaudit/tests" -p 'test_*.py'
