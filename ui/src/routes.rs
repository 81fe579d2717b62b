//! The HTTP routes: Storm's REST API v1 under `/api/v1`, the page at `/` (and
//! `/topology.html?id=`, `/component.html?id=&component=`), and `/metrics`. Every error
//! answers in Storm's shape ([`ApiError`]); a known path with the wrong method is a 405, an
//! unknown one a 404.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse, Resource};
use serde::Deserialize;
use storm_client::launch::now_secs;
use storm_client::protocol::RebalanceRequest;

use crate::error::ApiError;
use crate::nimbus::NimbusGateway;
use crate::window::Window;
use crate::{page, prometheus_export, rest};

type Gateway = web::Data<NimbusGateway>;
type Reply = Result<HttpResponse, ApiError>;

/// Registers every route on an app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(only("/", web::get().to(page::index)))
        .service(only("/index.html", web::get().to(page::index)))
        .service(only("/topology.html", web::get().to(page::index)))
        .service(only("/component.html", web::get().to(page::index)))
        .service(only("/metrics", web::get().to(metrics)))
        .service(only(
            "/api/v1/cluster/summary",
            web::get().to(cluster_summary),
        ))
        .service(only(
            "/api/v1/nimbus/summary",
            web::get().to(nimbus_summary),
        ))
        .service(only(
            "/api/v1/supervisor/summary",
            web::get().to(supervisor_summary),
        ))
        .service(only(
            "/api/v1/topology/summary",
            web::get().to(topology_summary),
        ))
        .service(only("/api/v1/topology/{id}", web::get().to(topology)))
        .service(only(
            "/api/v1/topology/{id}/visualization",
            web::get().to(visualization),
        ))
        .service(only(
            "/api/v1/topology/{id}/component/{component}",
            web::get().to(component),
        ))
        .service(only(
            "/api/v1/topology/{id}/activate",
            web::post().to(activate),
        ))
        .service(only(
            "/api/v1/topology/{id}/deactivate",
            web::post().to(deactivate),
        ))
        .service(only(
            "/api/v1/topology/{id}/rebalance/{wait}",
            web::post().to(rebalance),
        ))
        .service(only(
            "/api/v1/topology/{id}/kill/{wait}",
            web::post().to(kill),
        ))
        .default_service(web::to(not_found));
}

/// A path served for one method; any other method gets a 405 in Storm's error shape.
fn only(path: &str, route: actix_web::Route) -> Resource {
    web::resource(path)
        .route(route)
        .default_service(web::to(method_not_allowed))
}

async fn not_found(req: HttpRequest) -> Reply {
    Err(ApiError::NotFound {
        path: req.path().to_owned(),
    })
}

async fn method_not_allowed(req: HttpRequest) -> Reply {
    Err(ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        path: req.path().to_owned(),
    })
}

/// `?window=` and Storm's `?sys=` (accepted; system components are never shown).
#[derive(Debug, Deserialize)]
struct WindowQuery {
    window: Option<String>,
}

fn window_of(req: &HttpRequest) -> Result<Window, ApiError> {
    let query = web::Query::<WindowQuery>::from_query(req.query_string()).map_err(|e| {
        ApiError::BadRequest {
            reason: format!("query {:?}: {e}", req.query_string()),
        }
    })?;
    Window::parse(query.window.as_deref())
}

async fn cluster_summary(gw: Gateway) -> Reply {
    Ok(HttpResponse::Ok().json(rest::cluster_summary(&gw.cluster().await?)))
}

async fn nimbus_summary(gw: Gateway) -> Reply {
    let cluster = gw.cluster().await?;
    Ok(HttpResponse::Ok().json(rest::nimbus_summary(&cluster, &gw.seeds())))
}

async fn supervisor_summary(gw: Gateway) -> Reply {
    Ok(HttpResponse::Ok().json(rest::supervisor_summary(&gw.cluster().await?)))
}

async fn topology_summary(gw: Gateway) -> Reply {
    let list = gw
        .with_client(|mut c| async move { c.list_topologies().await })
        .await?;
    Ok(HttpResponse::Ok().json(rest::topology_summary(&list)))
}

async fn topology(gw: Gateway, req: HttpRequest, path: web::Path<String>) -> Reply {
    let window = window_of(&req)?;
    let view = gw.topology(&path).await?;
    Ok(HttpResponse::Ok().json(rest::topology_page(&view, window, now_secs())))
}

async fn visualization(gw: Gateway, path: web::Path<String>) -> Reply {
    let view = gw.topology(&path).await?;
    Ok(HttpResponse::Ok().json(rest::visualization(&view)))
}

async fn component(gw: Gateway, req: HttpRequest, path: web::Path<(String, String)>) -> Reply {
    let window = window_of(&req)?;
    let (id, component) = path.into_inner();
    let view = gw.topology(&id).await?;
    Ok(HttpResponse::Ok().json(rest::component_page(&view, &component, window, now_secs())?))
}

async fn activate(gw: Gateway, path: web::Path<String>) -> Reply {
    let name = gw.summary(&path).await?.name;
    gw.with_client(|mut c| async move { c.activate(&name).await })
        .await?;
    Ok(HttpResponse::Ok().json(rest::operation("activate", &path)))
}

async fn deactivate(gw: Gateway, path: web::Path<String>) -> Reply {
    let name = gw.summary(&path).await?.name;
    gw.with_client(|mut c| async move { c.deactivate(&name).await })
        .await?;
    Ok(HttpResponse::Ok().json(rest::operation("deactivate", &path)))
}

fn wait_secs(raw: &str) -> Result<u32, ApiError> {
    raw.parse().map_err(|_| ApiError::BadRequest {
        reason: format!("wait-time {raw:?} is not a number of seconds"),
    })
}

/// Storm's rebalance body: `{"rebalanceOptions": {"numWorkers": N, "executors": {c: N}}}`.
#[derive(Debug, Default, Deserialize)]
struct RebalanceBody {
    #[serde(rename = "rebalanceOptions", default)]
    options: RebalanceOptionsBody,
}

#[derive(Debug, Default, Deserialize)]
struct RebalanceOptionsBody {
    #[serde(rename = "numWorkers")]
    num_workers: Option<u32>,
    #[serde(default)]
    executors: BTreeMap<String, u32>,
}

async fn rebalance(gw: Gateway, path: web::Path<(String, String)>, body: web::Bytes) -> Reply {
    let (id, wait) = path.into_inner();
    let wait = wait_secs(&wait)?;
    let body: RebalanceBody = if body.iter().all(u8::is_ascii_whitespace) {
        RebalanceBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest {
            reason: format!("rebalance body: {e}"),
        })?
    };
    let name = gw.summary(&id).await?.name;
    let options = RebalanceRequest {
        wait_secs: Some(wait),
        num_workers: body.options.num_workers,
        num_executors: body.options.executors,
    };
    gw.with_client(|mut c| async move { c.rebalance(&name, options).await })
        .await?;
    Ok(HttpResponse::Ok().json(rest::operation("rebalance", &id)))
}

async fn kill(gw: Gateway, path: web::Path<(String, String)>) -> Reply {
    let (id, wait) = path.into_inner();
    let wait = wait_secs(&wait)?;
    let name = gw.summary(&id).await?.name;
    gw.with_client(|mut c| async move { c.kill_topology(&name, Some(wait)).await })
        .await?;
    Ok(HttpResponse::Ok().json(rest::operation("kill", &id)))
}

async fn metrics(gw: Gateway) -> Reply {
    let cluster = gw.cluster().await?;
    let mut views = Vec::new();
    for t in &cluster.topologies {
        match gw.topology(&t.id).await {
            Ok(view) => views.push(view),
            Err(e) => tracing::warn!(topology = %t.id, error = %e, "left out of /metrics"),
        }
    }
    let text = prometheus_export::render(&cluster, &views).map_err(|e| ApiError::BadAnswer {
        reason: e.to_string(),
    })?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
