//! # csp-net: nodes and migration for csp (under construction)
//!
//! This crate will hold nodes, the wire protocol, remote channel ends and
//! process migration (see DESIGN.md section 6). Today it only re-exports the
//! runtime so the workspace layout is in place; nothing here pretends to
//! work yet.

pub use csp;
