//! `csp-node`: one csp-net node as its own OS process.
//!
//! ```text
//! csp-node --secret S [--name N] [--listen 127.0.0.1:0] [--connect ADDR]... [--tls DIR]
//! ```
//!
//! Prints `listening <addr> <node id>` on its first line of output, then
//! runs (accepting peers, running and moving processes) until its standard
//! input closes or it gets Ctrl-C. It links the process types in
//! `tests/shared/procs.rs`, so tests in other OS processes can move those
//! to it and back. `--tls DIR` runs its connections over TLS with
//! `DIR/node.pem`, `DIR/node.key` and `DIR/ca.pem` (see `csp_net::Tls`).

#[path = "../../tests/shared/procs.rs"]
#[allow(dead_code, unreachable_pub)]
mod procs;

#[path = "common/node_main.rs"]
mod node_main;

fn main() {
    node_main::run();
}
