# shellcheck shell=bash
# .ci/stages.d/50-bench.sh - the benchmarks as a smoke test: bench/run
# --quick builds bench/ (Release, in build-bench/), generates small
# datasets, runs labaudit and its peers (json-logic-js, json-rules-engine,
# wc -l, xmllint) and prints the table.  It must complete; the figures
# are not asserted, since CI machines vary.

# Benchmarks, small sizes (bench/run --quick).
stage_50_bench() {
    bash "$SRC/bench/run" --quick
}
