# 45-pg.sh - the PostgreSQL tests (CTest label pg) under AddressSanitizer
# and UndefinedBehaviorSanitizer: each test runs initdb into a temporary
# folder and a server on a Unix socket there (or uses $LAB_PG_CONNINFO).
# The test stage already runs them without sanitizers.  Sourced by .ci/run.

# PostgreSQL source and ledger tests, sanitized.
stage_45_pg() {
    cmake -S "$SRC" -B "$SRC/build-asan" -DLAB_SANITIZE=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build "$SRC/build-asan" --parallel "$JOBS" \
        --target labaudit labaudit_cli
    (cd "$SRC/build-asan" &&
        ctest --output-on-failure --no-tests=error -L '^pg$')
}
