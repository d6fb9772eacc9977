#!/usr/bin/env bash
# The whole test suite: unit, integration, doc, process-behaviour and macro
# UI tests; csp again without the `migration` feature (the workspace build
# turns it on for everyone through the root package, so the plain build's
# code paths need their own run); then the loom models of the channel core
# (built with --cfg csp_loom in their own target dir so the normal build is
# not invalidated).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace

cargo test -p csp

# The demos assert what they print; run them too (the main one is the
# three-node migration tour).
cargo run -q
cargo run -q --example local
cargo run -q --example quickstart
cargo run -q --example integrate

RUSTFLAGS="--cfg csp_loom" CARGO_TARGET_DIR=target/loom \
    cargo test -p csp --test loom --release
RUSTFLAGS="--cfg csp_loom" CARGO_TARGET_DIR=target/loom \
    cargo test -p csp --features migration --test loom_reserve --release
