#!/usr/bin/env bash
# Runs storm-core's unit tests under valgrind's memcheck: the tests of the code with unsafe
# blocks (inline text, values, batch rows, input batches, open batches, the emit lane) and
# the rest of the library's unit tests. Any invalid read or write, use of uninitialised
# memory, or memory definitely or indirectly lost fails the run. "Possibly lost" and "still
# reachable" blocks are reported but not failed: the test harness and the standard library
# keep thread-locals and statics alive until exit.
#
# Installs Debian's valgrind package when it is missing (like install-zookeeper.sh).
# Arguments are passed to the test binary as filters, e.g. `scripts/memcheck.sh tuple::`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-cache show valgrind >/dev/null 2>&1; then
        $SUDO apt-get update
    fi
    if ! $SUDO apt-get install -y --no-install-recommends valgrind; then
        # A stale list can point at versions the mirror no longer has: refresh once and retry.
        $SUDO apt-get update
        $SUDO apt-get install -y --no-install-recommends valgrind
    fi
fi

# The library's unit-test binary, as cargo reports it.
bin=$(cargo test -p storm-core --lib --no-run --message-format=json \
    | grep -o '"executable":"[^"]*"' | head -n 1 | cut -d '"' -f 4)
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "memcheck: error: no storm-core unit-test binary found" >&2
    exit 1
fi

echo "memcheck: $bin"
valgrind --tool=memcheck \
    --leak-check=full \
    --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect \
    --track-origins=yes \
    --error-exitcode=1 \
    --quiet \
    "$bin" --test-threads=1 "$@"
echo "memcheck: no memory errors or leaks"
