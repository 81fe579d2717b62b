#!/usr/bin/env bash
# The word-count benchmark, built with the code-generation flags its figures are measured with.
#
# Functions start on 64-byte boundaries (`-C llvm-args=-align-all-functions=6`), so that a
# change in one place does not shift the hot loops of others across cache lines and fetch
# blocks. Without it, a refactor that left the word count's instructions unchanged (232.0 M)
# moved P=2 by -1.5 % through layout alone; with it the benchmark runs at the better layout's
# speed (docs/performance.md). The flag only concerns speed, so ordinary builds do
# without it; this build has its own target directory, so switching between the two does not
# rebuild everything.
#
# Arguments go to `cargo bench` after the benchmark's name; the environment variables of
# examples/benches/word_count.rs apply (WC_LIMIT, WC_BENCH_SECS, WC_BENCH_WARMUP, ...), e.g.
#     WC_LIMIT=../shared/bench/wc-limit/target/release/wc-limit scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C llvm-args=-align-all-functions=6"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/aligned}"
exec cargo bench -p storm-starter --bench word_count "$@"
