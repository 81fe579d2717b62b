//! Runs the UI daemon: an actix-web server on `ui.host:ui.port` with the routes of
//! `routes.rs`, talking to Nimbus through a [`NimbusGateway`], within the [`UiLimits`].

use actix_web::{web, App, HttpServer};
use storm_client::DaemonConfig;

use crate::https::{HttpsError, UiHttps};
use crate::limits::{UiLimits, WORKERS};
use crate::nimbus::NimbusGateway;
use crate::routes;

/// Why the daemon stopped.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// The address could not be bound.
    #[error("binding {addr}: {source}")]
    Bind {
        /// `host:port`.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// HTTPS is configured but unusable.
    #[error(transparent)]
    Https(#[from] HttpsError),
    /// `storm.yaml` has a bad UI key.
    #[error(transparent)]
    Config(#[from] storm_client::ConfigError),
    /// The server failed while running.
    #[error("serving: {0}")]
    Serve(#[source] std::io::Error),
}

/// Serves until SIGINT or SIGTERM (blocks; runs its own actix system).
pub fn run(config: DaemonConfig) -> Result<(), UiError> {
    actix_web::rt::System::new().block_on(serve(config))
}

/// Serves on the current actix system.
pub async fn serve(config: DaemonConfig) -> Result<(), UiError> {
    let addr = format!("{}:{}", config.ui_host, config.ui_port);
    let limits = UiLimits::from_config(&config)?;
    let https = UiHttps::from_config(&config)?;
    let config_host = config.ui_host.clone();
    let gateway = web::Data::new(NimbusGateway::new(config));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(gateway.clone())
            .configure(routes::configure)
    })
    .workers(WORKERS)
    .max_connections(limits.per_worker())
    .keep_alive(limits.idle_timeout)
    .client_request_timeout(limits.idle_timeout);
    let bind_err = |addr: &str| {
        let addr = addr.to_owned();
        move |source| UiError::Bind { addr, source }
    };
    let server = match https {
        None => server.bind(&addr).map_err(bind_err(&addr))?,
        Some(https) => {
            let tls_addr = format!("{}:{}", config_host, https.port);
            let server = server
                .bind_rustls_0_23(&tls_addr, https.config)
                .map_err(bind_err(&tls_addr))?;
            if https.keep_http {
                server.bind(&addr).map_err(bind_err(&addr))?
            } else {
                server
            }
        }
    };
    for a in server.addrs() {
        tracing::info!(addr = %a, max_connections = limits.max_connections, idle_timeout = ?limits.idle_timeout, "storm ui listening");
    }
    server.run().await.map_err(UiError::Serve)
}
