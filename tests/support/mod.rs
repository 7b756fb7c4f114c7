//! Shared test code.
pub mod fixtures;
