//! The live web page: one HTML file with its CSS and JavaScript inline (`assets/index.html`,
//! embedded at build time), so nothing is fetched from the internet. It reads the REST API:
//! the index shows the cluster, Nimbus, supervisor and topology summaries; `topology.html?id=`
//! shows a topology's stats windows, spouts, bolts, workers with restarts, a picture of its
//! components and streams, a throughput chart kept from its own polls, and the actions;
//! `component.html?id=&component=` a component's windows, streams, executors and errors.

use actix_web::HttpResponse;

/// The page's source.
pub const INDEX_HTML: &str = include_str!("../assets/index.html");

/// `GET /`, `/index.html`, `/topology.html`, `/component.html`: the same page; its script
/// reads the path.
pub async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX_HTML)
}
