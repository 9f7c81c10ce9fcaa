#!/usr/bin/env bash
# tryton.sh - runs the labaudit Tryton module's tests (examples/tryton)
# with trytond's own framework on an in-memory SQLite database: the
# ModuleTestCase and the proteus scenario, in which the tainted
# supplier's purchase is refused and the clean one's is confirmed.  The
# module and the ctypes binding are installed with pip into a temporary
# virtual environment over Debian's trytond (no system folder touched).
# Fails (never skips) when trytond, the purchase module, proteus or
# python3-venv is missing: .ci/setup installs them.
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
# The binding and the module are installed as a user would, with pip
# (examples/python and examples/tryton are packages; the module has the
# trytond.modules entry point), into a virtual environment that sees
# Debian's trytond.  They are built from copies: pip builds in the
# source folder, and the repository is not written to.
cp -r "$src/examples/python" "$tmp/pkg-python"
cp -r "$src/examples/tryton" "$tmp/pkg-tryton"
"$py" -m venv --system-site-packages "$tmp/venv"
"$tmp/venv/bin/pip" install -q --no-index --no-build-isolation \
    "$tmp/pkg-python" "$tmp/pkg-tryton"
py=$tmp/venv/bin/python
site=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
[[ -f $site/trytond/modules/labaudit/tryton.cfg && -f $site/labaudit.py ]] || {
    echo "tryton: FAILED: pip did not install the module and the binding into $site" >&2
    exit 1
}
echo "tryton: installed with pip into $site"

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
