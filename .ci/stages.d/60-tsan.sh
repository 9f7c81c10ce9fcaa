# 60-tsan.sh - the thread-safety stage, read by .ci/run: builds the
# library and tests with ThreadSanitizer (clang, LAB_TSAN=ON) in
# build-tsan and runs the threads test there (eight threads sharing one
# engine).  Any data race fails the stage, with TSan's report printed.

# TSan settings: stop at the first report and make it fail the test.
stage_60_tsan() {
    local out=$SRC/build-tsan
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:abort_on_error=0:exitcode=66:second_deadlock_stack=1:history_size=4}
    CC=${TSAN_CC:-clang} cmake -S "$SRC" -B "$out" -DLAB_TSAN=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build "$out" --parallel "$JOBS" --target test_threads
    (cd "$out" &&
        ctest --output-on-failure --no-tests=error -R '^test_threads$')
}
