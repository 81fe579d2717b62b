//! Helpers shared by this package's test files (each test file that needs them says `mod
//! support;`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod certs;
pub mod refusal;
