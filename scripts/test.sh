#!/usr/bin/env bash
# The whole test suite: unit, integration, doc and macro UI tests, then the
# loom models of the channel core (built with --cfg csp_loom in their own
# target dir so the normal build is not invalidated).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace

RUSTFLAGS="--cfg csp_loom" CARGO_TARGET_DIR=target/loom \
    cargo test -p csp --test loom --release
