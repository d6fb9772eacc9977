//! Loom model tests (placeholder).
#![cfg(csp_loom)]
