//! `storm ui` (Storm's UI daemon): Storm's REST API v1 (`rest.rs`, `routes.rs`), a live web
//! page with nothing fetched from the internet (`page.rs`, `assets/index.html`) and a
//! Prometheus endpoint (`prometheus_export.rs`), all read from the leading Nimbus
//! (`nimbus.rs`). Numbers come from one place, `stats.rs`; connection limits in `limits.rs`,
//! HTTPS in `https.rs`.

pub mod error;
pub mod format;
pub mod https;
pub mod limits;
pub mod nimbus;
pub mod page;
pub mod prometheus_export;
pub mod rest;
pub mod routes;
pub mod server;
pub mod stats;
pub mod window;

pub use error::ApiError;
pub use server::{run, serve, UiError};
