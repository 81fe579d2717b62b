//! A worker's connections to the other workers of its topology, kept in step with the
//! assignment: it listens on its slot port, connects to every worker that holds a task it does
//! not run, re-points those tasks when the assignment moves them (it is watched, not polled),
//! and says when every connection is up, which is when the worker activates its spouts (as
//! Storm's `activateWorkerWhenAllConnectionsReady` does). With `storm.messaging.netty.tls.enable`
//! both sides speak mutual TLS ([`crate::tls_config`]).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use storm_core::TaskId;
use storm_worker::transport::handshake::WorkerSecret;
use storm_worker::transport::{serve, Inbound, PeerConfig, PeerLink, TaskRoutes};
use storm_zk::{Assignment, NodePort};

use crate::tls_config::LinkTls;

/// How long binding the slot port is retried (the previous worker may still be exiting).
const BIND_PATIENCE: Duration = Duration::from_secs(10);

/// The worker's side of the transport.
pub struct WorkerTransport {
    me: NodePort,
    config: PeerConfig,
    routes: Arc<TaskRoutes>,
    peers: BTreeMap<NodePort, Arc<PeerLink>>,
    io: actix::Arbiter,
    inbound: Arc<Inbound>,
}

impl WorkerTransport {
    /// Listens on `0.0.0.0:<port of me>` for the workers of `topology` that know `secret`, on a
    /// thread of its own; with `tls`, every connection both ways is mutual TLS.
    pub async fn listen(
        me: NodePort,
        topology: &str,
        secret: WorkerSecret,
        tls: Option<LinkTls>,
    ) -> std::io::Result<Self> {
        let (tls_server, tls_client) = match tls {
            Some(LinkTls { server, client }) => (Some(server), Some(client)),
            None => (None, None),
        };
        let listener = bind(me.port).await?;
        let routes = TaskRoutes::new();
        let inbound = Arc::new(Inbound::default());
        let io = actix::Arbiter::new();
        let serving = {
            let (topology, secret) = (topology.to_owned(), secret.clone());
            let (routes, inbound) = (routes.clone(), inbound.clone());
            async move {
                match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => {
                        serve(listener, topology, secret, routes, inbound, tls_server).await
                    }
                    Err(e) => tracing::error!(error = %e, "cannot serve the worker port"),
                }
            }
        };
        io.spawn(serving);
        Ok(Self {
            config: PeerConfig {
                topology: topology.to_owned(),
                me: me.to_string(),
                secret,
                silence_limit: storm_worker::transport::SILENCE_LIMIT,
                tls: tls_client,
            },
            me,
            routes,
            peers: BTreeMap::new(),
            io,
            inbound,
        })
    }

    /// The routes the worker's tasks reach other workers' tasks through.
    pub fn routes(&self) -> &Arc<TaskRoutes> {
        &self.routes
    }

    /// The server side's counters.
    pub fn inbound(&self) -> &Arc<Inbound> {
        &self.inbound
    }

    /// The links to the other workers.
    pub fn peers(&self) -> impl Iterator<Item = &Arc<PeerLink>> {
        self.peers.values()
    }

    /// Whether every connection to another worker is up.
    pub fn all_connected(&self) -> bool {
        self.peers.values().all(|p| p.is_connected())
    }

    /// Connects to the workers `assignment` places tasks on, and points each of their tasks at
    /// its worker's link; links to workers no longer in it are closed.
    pub fn apply(&mut self, assignment: &Assignment) {
        let mut wanted: BTreeMap<NodePort, Vec<TaskId>> = BTreeMap::new();
        let mut here: Vec<TaskId> = Vec::new();
        for (executor, slot) in &assignment.executor_node_port {
            if *slot == self.me {
                here.extend(executor.tasks());
            } else {
                wanted
                    .entry(slot.clone())
                    .or_default()
                    .extend(executor.tasks());
            }
        }
        self.peers.retain(|slot, link| {
            let keep = wanted.contains_key(slot);
            if !keep {
                tracing::info!(peer = %slot, "peer worker no longer in the assignment; closing");
                link.close();
            }
            keep
        });
        for (slot, tasks) in wanted {
            let link = match self.peers.get(&slot) {
                Some(link) => link.clone(),
                None => {
                    let host = assignment
                        .node_host
                        .get(&slot.node)
                        .cloned()
                        .unwrap_or_else(|| slot.node.clone());
                    let addr = format!("{host}:{}", slot.port);
                    let (link, task) =
                        PeerLink::new(slot.to_string(), addr, self.config.clone(), &self.routes);
                    self.io.spawn(task);
                    self.peers.insert(slot.clone(), link.clone());
                    link
                }
            };
            let name: Arc<str> = slot.to_string().into();
            for task in tasks {
                self.routes.route(task, name.clone(), link.clone());
            }
        }
        for task in here {
            self.routes.unroute(task);
        }
    }

    /// Closes every link and stops the listener.
    pub fn shutdown(self) {
        for link in self.peers.values() {
            link.close();
        }
        self.io.stop();
    }
}

async fn bind(port: u16) -> std::io::Result<std::net::TcpListener> {
    let deadline = tokio::time::Instant::now() + BIND_PATIENCE;
    loop {
        match std::net::TcpListener::bind(("0.0.0.0", port)) {
            Ok(listener) => {
                listener.set_nonblocking(true)?;
                return Ok(listener);
            }
            Err(e)
                if e.kind() == std::io::ErrorKind::AddrInUse
                    && tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e),
        }
    }
}
