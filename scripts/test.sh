#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need (ZooKeeper from Debian's packages)
# when it is missing, then every test of every crate in the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-zookeeper.sh
cargo test --workspace --all-targets
cargo test --workspace --doc
