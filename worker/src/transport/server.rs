//! The server side of worker connections: this worker's slot port accepts the workers of its
//! own topology, which send batches for this worker's tasks.
//!
//! With TLS on (`storm.messaging.netty.tls.enable`), each connection first completes a TLS
//! handshake that requires the peer's certificate (Storm's `ClientAuth.REQUIRE`); a plain peer
//! fails it. Each connection must then pass the [`handshake`](super::handshake). A garbage frame, an
//! oversized length prefix, another protocol version or a failed handshake closes that one
//! connection with one log line naming the peer's address; the worker keeps serving the others.
//! Batches are delivered to the local tasks' links; their credit goes back on the connection
//! they came in on, and so do this worker's task loads, about once a second.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use storm_codec::tls::{MaybeTlsStream, TlsServer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::handshake::{self, WorkerSecret};
use super::remote::{InboundHandle, TaskRoutes};
use super::wire::{frames, ToClient, ToServer};

/// How long a connecting peer has to complete the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Bytes read from a connection at a time.
const READ_BUFFER: usize = 256 * 1024;
/// How often this worker's task loads go to the workers connected to it.
pub const LOAD_INTERVAL: Duration = Duration::from_secs(1);

/// Counters of the server side.
#[derive(Debug, Default)]
pub struct Inbound {
    /// Connections that passed the handshake.
    pub accepted: AtomicU64,
    /// Connections refused: failed handshakes and malformed frames.
    pub refused: AtomicU64,
}

/// Accepts worker connections on `listener` until the task is dropped. `topology` and `secret`
/// are what peers must prove; with `tls`, inside a TLS session with their certificate.
pub async fn serve(
    listener: TcpListener,
    topology: String,
    secret: WorkerSecret,
    routes: Arc<TaskRoutes>,
    counters: Arc<Inbound>,
    tls: Option<TlsServer>,
) {
    let next_id = AtomicU64::new(1);
    tokio::spawn(broadcast_loads(Arc::downgrade(&routes)));
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let id = next_id.fetch_add(1, Ordering::Relaxed);
                let topology = topology.clone();
                let secret = secret.clone();
                let routes = routes.clone();
                let counters = counters.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let addr = peer.to_string();
                    let link = Link {
                        id,
                        topology: &topology,
                        secret: &secret,
                        tls: tls.as_ref(),
                    };
                    if let Err(reason) = connection(stream, link, &routes, &counters).await {
                        tracing::warn!(peer = %addr, %reason, "worker connection closed");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "accepting a worker connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// What one accepted connection must pass.
struct Link<'a> {
    id: u64,
    topology: &'a str,
    secret: &'a WorkerSecret,
    tls: Option<&'a TlsServer>,
}

/// The TLS handshake when links speak TLS: the peer must show a certificate of the truststore.
async fn secure(stream: TcpStream, tls: Option<&TlsServer>) -> Result<MaybeTlsStream, String> {
    let Some(tls) = tls else {
        return Ok(MaybeTlsStream::Plain(stream));
    };
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(format!(
            "TLS handshake failed (storm.messaging.netty.tls.enable is on): {e}"
        )),
        Err(_) => Err(format!("no TLS handshake within {HANDSHAKE_TIMEOUT:?}")),
    }
}

async fn connection(
    stream: TcpStream,
    link: Link<'_>,
    routes: &Arc<TaskRoutes>,
    counters: &Inbound,
) -> Result<(), String> {
    let _ = stream.set_nodelay(true);
    let id = link.id;
    let mut stream = match secure(stream, link.tls).await {
        Ok(stream) => stream,
        Err(reason) => {
            counters.refused.fetch_add(1, Ordering::Relaxed);
            return Err(reason);
        }
    };
    let shake = handshake::server(&mut stream, link.secret, link.topology);
    let worker: Arc<str> = match tokio::time::timeout(HANDSHAKE_TIMEOUT, shake).await {
        Ok(Ok(worker)) => worker.into(),
        Ok(Err(handshake::HandshakeError::Codec(e))) if e.is_tls_record() => {
            counters.refused.fetch_add(1, Ordering::Relaxed);
            return Err(
                "a TLS peer on this plain port (storm.messaging.netty.tls.enable differs)".into(),
            );
        }
        Ok(Err(e)) => {
            counters.refused.fetch_add(1, Ordering::Relaxed);
            return Err(format!("handshake failed: {e}"));
        }
        Err(_) => {
            counters.refused.fetch_add(1, Ordering::Relaxed);
            return Err(format!("no handshake within {HANDSHAKE_TIMEOUT:?}"));
        }
    };
    counters.accepted.fetch_add(1, Ordering::Relaxed);
    tracing::info!(peer = %worker, "peer worker connected");
    let (tx, mut rx) = mpsc::unbounded_channel::<ToClient>();
    routes.register_inbound(worker.clone(), InboundHandle { id, tx: tx.clone() });
    let (reader, mut writer) = stream.into_split();
    // Frames are read through a buffer: one system call brings many batches' bytes.
    let mut reader = tokio::io::BufReader::with_capacity(READ_BUFFER, reader);
    let reading = async {
        loop {
            match frames().read::<ToServer, _>(&mut reader).await {
                Ok(Some(ToServer::Batch(batch))) => deliver(routes, batch, &tx),
                Ok(None) => return Ok(()),
                Err(e) if e.is_malformed() => {
                    counters.refused.fetch_add(1, Ordering::Relaxed);
                    return Err(format!("malformed frame from {worker}: {e}"));
                }
                Err(e) => return Err(format!("reading from {worker}: {e}")),
            }
        }
    };
    let writing = async {
        let mut buf = Vec::with_capacity(4096);
        while let Some(first) = rx.recv().await {
            buf.clear();
            let mut next = Some(first);
            while let Some(message) = next.take() {
                if frames().encode_into(&mut buf, &message).is_ok() && buf.len() < (1 << 20) {
                    next = rx.try_recv().ok();
                }
            }
            // The flush is free on plain TCP; TLS may hold the last record until it.
            if let Err(e) = writer.write_all(&buf).await {
                return Err(format!("writing to {worker}: {e}"));
            }
            if let Err(e) = writer.flush().await {
                return Err(format!("writing to {worker}: {e}"));
            }
        }
        Ok(())
    };
    let result = tokio::select! {
        r = reading => r,
        r = writing => r,
    };
    routes.unregister_inbound(&worker, id);
    if result.is_ok() {
        tracing::info!(peer = %worker, "peer worker disconnected");
    }
    result
}

/// Hands a batch to its local task. A batch for a task not here (the assignment moved it) or
/// not started yet (the worker accepts connections while its tasks start) is dropped and said
/// so at once: the sender gets its credit back and fails the batch's trees.
fn deliver(
    routes: &TaskRoutes,
    batch: crate::batch::TupleBatch,
    back: &mpsc::UnboundedSender<ToClient>,
) {
    let local = routes.local();
    let link = local
        .filter(|l| l.loads.thread_of(batch.dst).is_some())
        .and_then(|l| l.directory.get(batch.dst));
    match (local, link) {
        (Some(local), Some(link)) => {
            local.progress.batch_created();
            if link.send_batch(batch).is_err() {
                local.progress.batch_done();
            }
        }
        (local, _) => {
            if local.is_some() {
                tracing::warn!(dst = %batch.dst, "batch for a task this worker does not run; dropped");
            } else {
                tracing::debug!(dst = %batch.dst, "batch before this worker's tasks started; dropped");
            }
            let _ = back.send(ToClient::Dropped {
                from: batch.dst,
                to: batch.src,
                tuples: batch.tuples.len() as u32,
                epoch: batch.epoch,
            });
        }
    }
}

/// Sends this worker's task loads to every connected peer, every [`LOAD_INTERVAL`].
async fn broadcast_loads(routes: std::sync::Weak<TaskRoutes>) {
    let mut sampler = None;
    let mut tick = tokio::time::interval(LOAD_INTERVAL);
    loop {
        tick.tick().await;
        let Some(routes) = routes.upgrade() else {
            return;
        };
        let Some(local) = routes.local() else {
            continue;
        };
        let sampler = sampler.get_or_insert_with(|| local.loads.sampler());
        sampler.sample(&local.loads, Instant::now());
        let loads: Vec<_> = local
            .loads
            .local_tasks()
            .filter_map(|t| Some((t, sampler.load(&local.loads, t)? as f32)))
            .collect();
        for handle in routes.inbound_handles() {
            let _ = handle.tx.send(ToClient::Loads(loads.clone()));
        }
    }
}
