//! `PeerLink`: this worker's connection to one other worker, which carries batches for any of
//! that worker's tasks and brings back their credit and loads.
//!
//! The link connects (and, whenever the connection breaks, reconnects with Storm's back-off:
//! 100 ms growing to 1 s, forever), with TLS when configured (showing this worker's
//! certificate and checking the peer's against the host it dialled), proves the topology's secret in the
//! [`handshake`](super::handshake), then writes every batch queued for the peer. Whatever the
//! senders queued since the last write goes out as one write, so many tasks' batches share one
//! connection and one system call, and a sender with nothing more to send has its batch written
//! at once.
//!
//! While the connection is down, batches are refused ([`Unreachable`], with the batch handed
//! back) and counted, as Storm's Netty client drops them; the sender fails the trees of their
//! tracked tuples at once. Each connection is an *epoch*: the credit a batch spent stays
//! outstanding, with the roots of its tracked tuples, until the peer returns it on the same
//! connection (after the receiver executed the batch); when the connection breaks or the link
//! is closed, the outstanding credit of every edge is handed back to its sender at once with
//! the roots it lost ([`Lost::InFlight`]), every local task hears which tasks were behind the
//! connection ([`Lost::Peer`]), and credit that arrives later for an old epoch is ignored. So a
//! broken connection neither leaks a window nor doubles one, and what it lost fails at once. A
//! batch the peer dropped (its task is not there, or not yet) comes back as `Dropped`: its
//! credit returns and its roots go to the sender the same way.
//!
//! A peer that says nothing for [`SILENCE_LIMIT`] (by default) counts as gone and its connection as broken:
//! every peer sends its loads each [`LOAD_INTERVAL`], so silence means a hung process or a cut
//! network, where TCP alone would keep the connection (and the credit behind it) for minutes.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use storm_codec::tls::{host_of, MaybeTlsStream, TlsClient};
use storm_core::TaskId;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::handshake::{self, WorkerSecret};
use super::remote::TaskRoutes;
use super::server::LOAD_INTERVAL;
use super::wire::{frames, ToClient, ToServer};
use super::{Lost, Unreachable};
use crate::batch::{CreditGrant, TupleBatch};

/// The first reconnect delay (Storm's `storm.messaging.netty.min_wait_ms`).
pub const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// The longest reconnect delay (Storm's `storm.messaging.netty.max_wait_ms`).
pub const MAX_BACKOFF: Duration = Duration::from_millis(1000);
/// How long a connection attempt and its handshake may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a connected peer may stay silent before its connection counts as broken: five of
/// its load broadcasts.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(5 * LOAD_INTERVAL.as_secs());
/// Bytes gathered into one write at most.
const WRITE_CHUNK: usize = 1 << 20;

/// Counters of one peer link.
#[derive(Debug, Default)]
pub struct PeerStats {
    /// Batches written.
    pub batches_sent: AtomicU64,
    /// Tuples refused while the peer was unreachable.
    pub tuples_dropped: AtomicU64,
    /// Connections made (the first included).
    pub connects: AtomicU64,
}

#[derive(Default)]
struct Outstanding {
    tuples: u64,
    batches: u32,
    /// The roots of each outstanding batch's tracked tuples, oldest first (an untracked batch's
    /// list is empty and allocates nothing).
    roots: VecDeque<Vec<u64>>,
}

struct EpochState {
    epoch: u32,
    connected: bool,
    /// Credit spent per (sender, receiver) edge in this epoch and not yet returned.
    outstanding: HashMap<(TaskId, TaskId), Outstanding>,
    /// Tuples refused since the connection was last up, for one log line when it is back.
    dropped_since_up: u64,
}

/// This worker's connection to another worker of its topology.
pub struct PeerLink {
    name: String,
    addr: String,
    state: Mutex<EpochState>,
    connected: AtomicBool,
    closed: AtomicBool,
    tx: UnboundedSender<(u32, ToServer)>,
    stats: PeerStats,
    routes: Weak<TaskRoutes>,
}

/// What a peer link needs to know about its own worker.
#[derive(Clone)]
pub struct PeerConfig {
    /// The topology.
    pub topology: String,
    /// This worker's name (`node:port`), sent in the handshake.
    pub me: String,
    /// The topology's worker secret.
    pub secret: WorkerSecret,
    /// How long the connected peer may stay silent before the connection counts as broken
    /// ([`SILENCE_LIMIT`] unless a test shortens it).
    pub silence_limit: Duration,
    /// TLS to the peers (`storm.messaging.netty.tls.enable`); `None`: plain TCP.
    pub tls: Option<TlsClient>,
}

impl PeerLink {
    /// The link to the worker `name` listening at `addr` (`host:port`), and the future that
    /// connects and serves it, to spawn on a tokio runtime. The future ends when the link is
    /// dropped or [`PeerLink::close`]d.
    pub fn new(
        name: String,
        addr: String,
        config: PeerConfig,
        routes: &Arc<TaskRoutes>,
    ) -> (
        Arc<Self>,
        impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        let (tx, rx) = mpsc::unbounded_channel();
        let link = Arc::new(Self {
            name,
            addr,
            state: Mutex::new(EpochState {
                epoch: 1,
                connected: false,
                outstanding: HashMap::new(),
                dropped_since_up: 0,
            }),
            connected: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            tx,
            stats: PeerStats::default(),
            routes: Arc::downgrade(routes),
        });
        let task = run(Arc::downgrade(&link), rx, config, Arc::downgrade(routes));
        (link, task)
    }

    /// The peer's name (`node:port`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The address it is reached at.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Whether the connection is up (handshake done).
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    /// The link's counters.
    pub fn stats(&self) -> &PeerStats {
        &self.stats
    }

    /// Stops the link: its connection task ends at its next step. What was in flight on it is
    /// handed back as when the connection breaks.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        give_back(self, &self.routes);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, EpochState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a batch for the peer, or refuses it (handing it back) while the peer is
    /// unreachable.
    pub fn send_batch(&self, mut batch: TupleBatch) -> Result<(), Unreachable> {
        let n = batch.tuples.len() as u64;
        let edge = (batch.src, batch.dst);
        // Outside the lock: a pass over the ids column, nothing for an untracked batch.
        let mut roots = Vec::new();
        batch.tuples.tree_roots_into(&mut roots);
        let mut state = self.lock();
        let refused = if state.connected {
            batch.epoch = state.epoch;
            // Queued under the lock, so a break sees every batch of its epoch as outstanding.
            match self.tx.send((state.epoch, ToServer::Batch(batch))) {
                Ok(()) => None,
                Err(mpsc::error::SendError((_, ToServer::Batch(back)))) => Some(back),
            }
        } else {
            Some(batch)
        };
        if let Some(batch) = refused {
            state.dropped_since_up += n;
            self.stats.tuples_dropped.fetch_add(n, Ordering::Relaxed);
            return Err(Unreachable {
                task: edge.1,
                batch: Some(Box::new(batch)),
            });
        }
        let o = state.outstanding.entry(edge).or_default();
        o.tuples += n;
        o.batches += 1;
        o.roots.push_back(roots);
        Ok(())
    }

    /// Credit from the peer: forwarded to the local sender if it is for this epoch and was
    /// outstanding, with the roots of the batch's tracked tuples; `None` otherwise.
    fn take_credit(
        &self,
        from: TaskId,
        to: TaskId,
        tuples: u32,
        epoch: u32,
    ) -> Option<(u32, Vec<u64>)> {
        let mut state = self.lock();
        if epoch != state.epoch {
            return None;
        }
        let o = state.outstanding.get_mut(&(to, from))?;
        if o.batches == 0 {
            return None;
        }
        let tuples = u64::from(tuples).min(o.tuples);
        o.tuples -= tuples;
        o.batches -= 1;
        // An edge's batches are executed, and credited, in the order they were sent.
        let roots = o.roots.pop_front().unwrap_or_default();
        Some((tuples as u32, roots))
    }

    /// Marks the connection up for the current epoch.
    fn up(&self) -> u64 {
        let mut state = self.lock();
        state.connected = true;
        self.connected.store(true, Ordering::Release);
        std::mem::take(&mut state.dropped_since_up)
    }

    /// Marks the connection down: a new epoch begins, and the credit outstanding in the old one
    /// goes back to the senders. `None` if it was down already (that break handed it back).
    fn down(&self) -> Option<Vec<((TaskId, TaskId), Outstanding)>> {
        let mut state = self.lock();
        let was_up = state.connected;
        state.connected = false;
        self.connected.store(false, Ordering::Release);
        state.epoch = state.epoch.wrapping_add(1);
        was_up.then(|| state.outstanding.drain().collect())
    }

    fn current_epoch(&self) -> u32 {
        self.lock().epoch
    }
}

/// Delay before reconnect attempt `attempt` (Storm's bounded exponential back-off: 100 ms plus
/// a doubling step, capped at 1 s).
pub fn backoff(attempt: u32) -> Duration {
    let step = 1u64 << attempt.min(10);
    (MIN_BACKOFF + Duration::from_millis(step)).min(MAX_BACKOFF)
}

async fn run(
    link: Weak<PeerLink>,
    mut rx: UnboundedReceiver<(u32, ToServer)>,
    config: PeerConfig,
    routes: Weak<TaskRoutes>,
) {
    let mut attempt = 0u32;
    loop {
        let Some(peer) = link.upgrade() else { return };
        if peer.closed.load(Ordering::Acquire) {
            return;
        }
        let epoch = peer.current_epoch();
        let addr = peer.addr.clone();
        let name = peer.name.clone();
        drop(peer);
        match connect(&addr, &config).await {
            Ok(stream) => {
                attempt = 0;
                let Some(peer) = link.upgrade() else { return };
                if peer.current_epoch() != epoch {
                    return; // closed while connecting
                }
                peer.stats.connects.fetch_add(1, Ordering::Relaxed);
                let dropped = peer.up();
                tracing::info!(peer = %name, %addr, dropped_while_down = dropped, "connected to peer worker");
                drop(peer);
                let reason =
                    serve(stream, &link, &mut rx, epoch, &routes, config.silence_limit).await;
                let Some(peer) = link.upgrade() else { return };
                if peer.current_epoch() != epoch {
                    return; // closed
                }
                tracing::warn!(peer = %name, %addr, %reason, "connection to peer worker lost; its batches are dropped until it is back");
                give_back(&peer, &routes);
                // What was queued in the old epoch was counted outstanding and is credited back.
                while rx.try_recv().is_ok() {}
            }
            Err(e) => {
                if attempt == 0 {
                    tracing::info!(peer = %name, %addr, error = %e, "cannot connect to peer worker yet; retrying");
                } else {
                    tracing::debug!(peer = %name, %addr, error = %e, attempt, "cannot connect to peer worker");
                }
                tokio::time::sleep(backoff(attempt)).await;
                attempt = attempt.saturating_add(1);
            }
        }
    }
}

async fn connect(addr: &str, config: &PeerConfig) -> Result<MaybeTlsStream, String> {
    let attempt = async {
        let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let _ = tcp.set_nodelay(true);
        let mut stream = match &config.tls {
            None => MaybeTlsStream::Plain(tcp),
            Some(tls) => tls
                .connect(host_of(addr), tcp)
                .await
                .map_err(|e| format!("TLS handshake failed: {e}"))?,
        };
        handshake::client(&mut stream, &config.secret, &config.topology, &config.me)
            .await
            .map_err(|e| match e {
                handshake::HandshakeError::Codec(c) if c.is_tls_record() => {
                    "the peer speaks TLS (storm.messaging.netty.tls.enable differs)".to_owned()
                }
                e => e.to_string(),
            })?;
        Ok(stream)
    };
    tokio::time::timeout(CONNECT_TIMEOUT, attempt)
        .await
        .map_err(|_| format!("no answer within {CONNECT_TIMEOUT:?}"))?
}

/// Marks the connection down and hands the outstanding credit of every edge back to its
/// sender, with the roots of the tracked tuples it lost; tells every local task which tasks
/// were behind the connection, and forgets their loads. Nothing if it was down already.
fn give_back(peer: &PeerLink, routes: &Weak<TaskRoutes>) {
    let Some(outstanding) = peer.down() else {
        return;
    };
    let Some(routes) = routes.upgrade() else {
        return;
    };
    let Some(local) = routes.local() else { return };
    let mut lost: HashMap<TaskId, Vec<u64>> = HashMap::new();
    for ((src, dst), o) in outstanding {
        local.loads.forget_remote_load(dst);
        let Some(link) = local.directory.get(src) else {
            continue;
        };
        let roots = lost.entry(src).or_default();
        o.roots.into_iter().for_each(|r| roots.extend(r));
        // One grant per batch: each returns a batch of the window; the first its tuples.
        for i in 0..o.batches {
            link.send_credit(CreditGrant {
                from: dst,
                to: src,
                tuples: if i == 0 { o.tuples as u32 } else { 0 },
                epoch: 0,
                buffer: None,
            });
        }
    }
    for (src, mut roots) in lost {
        if roots.is_empty() {
            continue;
        }
        roots.sort_unstable();
        roots.dedup();
        if let Some(link) = local.directory.get(src) {
            link.send_lost(Lost::InFlight(roots));
        }
    }
    let behind: Arc<[TaskId]> = routes.tasks_behind(peer).into();
    if !behind.is_empty() {
        for task in local.loads.local_tasks() {
            if let Some(link) = local.directory.get(task) {
                link.send_lost(Lost::Peer(behind.clone()));
            }
        }
    }
}

/// Runs one connection until it fails; returns why.
async fn serve(
    stream: MaybeTlsStream,
    link: &Weak<PeerLink>,
    rx: &mut UnboundedReceiver<(u32, ToServer)>,
    epoch: u32,
    routes: &Weak<TaskRoutes>,
    silence_limit: Duration,
) -> String {
    let (mut reader, mut writer) = stream.into_split();
    let reading = {
        let link = link.clone();
        let routes = routes.clone();
        async move {
            let codec = frames();
            loop {
                let read = codec.read::<ToClient, _>(&mut reader);
                match tokio::time::timeout(silence_limit, read).await {
                    Ok(Ok(Some(message))) => receive(&link, &routes, message),
                    Ok(Ok(None)) => return "the peer closed the connection".to_owned(),
                    Ok(Err(e)) => return format!("reading: {e}"),
                    Err(_) => return format!("the peer was silent for {silence_limit:?}"),
                }
            }
        }
    };
    let writing = async {
        let mut buf = Vec::with_capacity(64 * 1024);
        loop {
            let Some(first) = rx.recv().await else {
                return "the link was dropped".to_owned();
            };
            buf.clear();
            let mut sent = 0u64;
            let mut next = Some(first);
            while let Some((e, message)) = next.take() {
                if e == epoch {
                    if let Err(err) = frames().encode_into(&mut buf, &message) {
                        // Too large for a frame: dropped like an unreachable batch.
                        tracing::error!(error = %err, "a batch cannot be framed; dropped");
                    } else {
                        sent += 1;
                    }
                }
                if buf.len() < WRITE_CHUNK {
                    next = rx.try_recv().ok();
                }
            }
            if buf.is_empty() {
                continue;
            }
            // The flush is free on plain TCP; TLS may hold the last record until it.
            if let Err(e) = writer.write_all(&buf).await {
                return format!("writing: {e}");
            }
            if let Err(e) = writer.flush().await {
                return format!("writing: {e}");
            }
            if let Some(peer) = link.upgrade() {
                peer.stats.batches_sent.fetch_add(sent, Ordering::Relaxed);
                if peer.current_epoch() != epoch {
                    return "the link was closed".to_owned();
                }
            } else {
                return "the link was dropped".to_owned();
            }
        }
    };
    tokio::select! {
        reason = reading => reason,
        reason = writing => reason,
    }
}

fn receive(link: &Weak<PeerLink>, routes: &Weak<TaskRoutes>, message: ToClient) {
    let (Some(peer), Some(routes)) = (link.upgrade(), routes.upgrade()) else {
        return;
    };
    let Some(local) = routes.local() else { return };
    match message {
        ToClient::Credit {
            from,
            to,
            tuples,
            epoch,
        } => credit_back(&peer, local, from, to, tuples, epoch, false),
        ToClient::Dropped {
            from,
            to,
            tuples,
            epoch,
        } => credit_back(&peer, local, from, to, tuples, epoch, true),
        ToClient::Loads(loads) => {
            for (task, load) in loads {
                local.loads.set_remote_load(task, f64::from(load));
            }
        }
    }
}

/// Returns an edge's credit to its sender, and for a batch the peer `dropped` the roots of its
/// tracked tuples too, as lost. Credit of an old epoch is ignored.
fn credit_back(
    peer: &PeerLink,
    local: &super::LocalSide,
    from: TaskId,
    to: TaskId,
    tuples: u32,
    epoch: u32,
    dropped: bool,
) {
    let Some((tuples, roots)) = peer.take_credit(from, to, tuples, epoch) else {
        return;
    };
    let Some(link) = local.directory.get(to) else {
        return;
    };
    link.send_credit(CreditGrant {
        from,
        to,
        tuples,
        epoch: 0,
        buffer: None,
    });
    if dropped && !roots.is_empty() {
        link.send_lost(Lost::InFlight(roots));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_from_100_ms_to_1_s() {
        assert!(backoff(0) >= MIN_BACKOFF && backoff(0) < Duration::from_millis(110));
        assert!(backoff(5) > backoff(1));
        assert_eq!(backoff(40), MAX_BACKOFF);
    }
}
