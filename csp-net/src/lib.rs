//! # csp-net: nodes and migration for csp
//!
//! Under construction (see DESIGN.md section 6).

mod chan;
mod ids;
pub mod node;
pub mod proto;
pub mod wire;

pub use csp;
pub use ids::NodeId;
#[doc(hidden)]
pub use node::{FaultAt, FaultDo};
pub use node::{
    Limits, MigrateError, MigrationReport, Node, NodeBuilder, NodeError, Pid, ProcessError,
    ProcessInfo, SpawnError, Spawned,
};
