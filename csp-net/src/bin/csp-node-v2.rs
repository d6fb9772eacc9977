//! `csp-node-v2`: `csp-node` built with version 2 of the shared process
//! types (`tests/shared/procs_v2.rs`), to show a cluster upgraded by moving
//! processes from old-binary nodes to new-binary nodes
//! (`tests/upgrade.rs`).

#[path = "../../tests/shared/procs_v2.rs"]
#[allow(dead_code, unreachable_pub)]
mod procs;

#[path = "common/node_main.rs"]
mod node_main;

fn main() {
    node_main::run();
}
