#!/usr/bin/env bash
# python_binding.sh - runs the ctypes binding's own tests
# (examples/python/test_labaudit.py, standard library only) against the
# library just built: once with the library named by path in
# LABAUDIT_LIB, once found by its SONAME through LD_LIBRARY_PATH, so that
# both ways a host loads it are covered.
# labels: integration
set -euo pipefail
lib=${LAB_LIB:?} src=${LAB_SOURCE_DIR:?}
py=$(command -v python3) || { echo "python3 is not installed" >&2; exit 1; }
cd "$src/examples/python"
export LAB_SOURCE_DIR=$src PYTHONDONTWRITEBYTECODE=1

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

echo "-- LABAUDIT_LIB=$lib"
LABAUDIT_LIB=$lib py_run -m unittest -v test_labaudit

echo "-- by name (liblabaudit.so.0) through LD_LIBRARY_PATH"
env -u LABAUDIT_LIB LD_LIBRARY_PATH="$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    LD_PRELOAD="$preload" "$py" -m unittest test_labaudit.LibraryTest test_labaudit.CheckTest
