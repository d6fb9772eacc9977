//! # csp-net: nodes and migration for csp
//!
//! Under construction (see DESIGN.md section 6).

mod ids;
pub mod wire;

pub use csp;
pub use ids::NodeId;
