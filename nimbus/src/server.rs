//! The Nimbus port: accepts connections and turns each frame into a request for the
//! [`Nimbus`] actor. A frame that is too large, of another protocol version or not a request
//! gets an error reply and the connection is closed; Nimbus keeps serving everyone else.
//!
//! Limits: at most `nimbus.max.connections` connections at once (one more is told so and
//! closed), each closed after `nimbus.connection.idle.timeout.secs` without a request. With
//! `nimbus.authentication` on, a connection must first prove a user's secret by the
//! challenge-response of `storm_codec::handshake` (frames of version [`AUTH_VERSION`]); a client
//! speaking requests at once gets `Unauthenticated`, and failed handshakes slow their address
//! down ([`LoginThrottle`]). Every request then runs as that user, and changes are audited.
//!
//! With `nimbus.thrift.tls.enable` the port speaks TLS only: each connection first completes a
//! TLS handshake (requiring a client certificate with `nimbus.thrift.tls.client.auth.required`),
//! and everything above runs inside it. A failed TLS handshake, a plain client included, is one
//! log line and that connection closed.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix::Addr;
use storm_client::credentials::UserSecrets;
use storm_client::security_config::SecurityConfig;
use storm_client::tls::{MaybeTlsStream, TlsServer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::actor::{Handle, Nimbus};
use crate::audit::AuditEntry;
use crate::login_throttle::LoginThrottle;
use storm_client::protocol::handshake::{self, HandshakeError, SharedSecret};
use storm_client::protocol::{frames, CodecError, RemoteError, Request, Response, AUTH_VERSION};

/// The longest an authentication handshake may take (or the idle timeout, if shorter).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections past the cap being told so at once; any more are closed without a word, so a
/// flood cannot make Nimbus hold sockets beyond the cap plus this.
const MAX_REFUSALS: usize = 64;

/// What the port enforces.
#[derive(Debug, Clone)]
pub struct PortSettings {
    /// `nimbus.thrift.max_buffer_size`.
    pub max_frame: usize,
    /// `nimbus.max.connections`.
    pub max_connections: usize,
    /// `nimbus.connection.idle.timeout.secs`.
    pub idle_timeout: Duration,
    /// The users and their secrets when `nimbus.authentication` is on; `None` when off.
    pub users: Option<Arc<UserSecrets>>,
    /// TLS when `nimbus.thrift.tls.enable` is on; `None` when off.
    pub tls: Option<TlsServer>,
}

impl PortSettings {
    /// The port as `security` configures it; `users` when authentication is on.
    pub fn new(max_frame: usize, security: &SecurityConfig, users: Option<UserSecrets>) -> Self {
        Self {
            max_frame,
            max_connections: security.max_connections,
            idle_timeout: security.idle_timeout,
            users: users.map(Arc::new),
            tls: None,
        }
    }

    /// The port, speaking TLS when `tls` is given.
    pub fn with_tls(mut self, tls: Option<TlsServer>) -> Self {
        self.tls = tls;
        self
    }
}

/// Runs the TLS handshake when the port speaks TLS; `None` (logged) when it fails or takes
/// longer than `limit`.
async fn secure(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<&TlsServer>,
    limit: Duration,
) -> Option<MaybeTlsStream> {
    let Some(tls) = tls else {
        return Some(MaybeTlsStream::Plain(stream));
    };
    match tokio::time::timeout(limit, tls.accept(stream)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(e)) => {
            tracing::warn!(%peer, error = %e, "TLS handshake failed (nimbus.thrift.tls.enable is on); closing");
            None
        }
        Err(_) => {
            tracing::info!(%peer, "TLS handshake not finished in time; closing");
            None
        }
    }
}

/// Accepts connections with the default limits and no authentication, until the listener
/// fails or the task is dropped.
pub async fn serve(listener: TcpListener, nimbus: Addr<Nimbus>, max_frame: usize) {
    let settings = PortSettings::new(max_frame, &SecurityConfig::default(), None);
    serve_with(listener, nimbus, settings).await
}

/// Accepts connections as `settings` says, until the listener fails or the task is dropped.
pub async fn serve_with(listener: TcpListener, nimbus: Addr<Nimbus>, settings: PortSettings) {
    let settings = Arc::new(settings);
    let permits = Arc::new(Semaphore::new(settings.max_connections));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS));
    let throttle = Arc::new(Mutex::new(LoginThrottle::default()));
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                tracing::debug!(%peer, "connection");
                let settings = settings.clone();
                match permits.clone().try_acquire_owned() {
                    Ok(permit) => {
                        let nimbus = nimbus.clone();
                        let throttle = throttle.clone();
                        actix::spawn(async move {
                            connection(stream, peer, nimbus, &settings, &throttle).await;
                            drop(permit);
                        });
                    }
                    Err(_) => {
                        tracing::warn!(%peer, max = settings.max_connections, "nimbus.max.connections reached; refusing a connection");
                        if let Ok(refusing) = refusals.clone().try_acquire_owned() {
                            actix::spawn(async move {
                                refuse_full(stream, peer, &settings).await;
                                drop(refusing);
                            });
                        }
                    }
                }
            }
            Err(e) => {
                // Usually too many open files: back off instead of spinning.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Tells a connection past the cap why it is closed, in the frames its client reads first.
async fn refuse_full(stream: TcpStream, peer: SocketAddr, settings: &PortSettings) {
    let limit = Duration::from_secs(1);
    let Some(mut stream) = secure(stream, peer, settings.tls.as_ref(), limit).await else {
        return;
    };
    let reason = format!(
        "Nimbus holds nimbus.max.connections ({}) connections; try again later",
        settings.max_connections
    );
    let tell = async {
        if settings.users.is_some() {
            let _ = handshake::refuse(&mut stream, AUTH_VERSION, &reason).await;
        } else {
            let reply = Response::Error(RemoteError::Unavailable { reason });
            let _ = frames(settings.max_frame).write(&mut stream, &reply).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), tell).await;
    close_after_reply(&mut stream).await;
}

/// Closes a connection whose client may still be sending: ends the write side, then reads
/// and drops what arrives until the client closes (at most a second, 64 KiB), so the reply
/// is not lost to a reset that unread bytes would cause.
async fn close_after_reply(stream: &mut MaybeTlsStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = stream.shutdown().await;
    let drain = async {
        let mut buf = [0u8; 4096];
        let mut total = 0usize;
        while total < 64 * 1024 {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

fn lock(t: &Mutex<LoginThrottle>) -> std::sync::MutexGuard<'_, LoginThrottle> {
    t.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs the server side of the handshake; the authenticated user, or `None` (the connection
/// is then closed; the client was told why).
async fn authenticate(
    stream: &mut MaybeTlsStream,
    peer: SocketAddr,
    users: &UserSecrets,
    max_frame: usize,
    idle_timeout: Duration,
    throttle: &Mutex<LoginThrottle>,
) -> Option<String> {
    let delay = lock(throttle).delay(peer.ip(), Instant::now());
    if !delay.is_zero() {
        tracing::debug!(%peer, ?delay, "slowing down an address after failed handshakes");
        tokio::time::sleep(delay).await;
    }
    let mut claimed = None;
    let lookup = |user: &str| {
        claimed = Some(user.to_owned());
        // An unknown user is challenged against a secret nobody knows, so it fails exactly
        // as a wrong secret does and the reply does not tell which users exist.
        match users.secret(user) {
            Some(s) => Ok(s.clone()),
            None => SharedSecret::random().map_err(|e| e.to_string()),
        }
    };
    let refusal = "authentication failed: unknown user or wrong secret";
    let shake = handshake::server(stream, AUTH_VERSION, lookup, refusal);
    let result = tokio::time::timeout(HANDSHAKE_TIMEOUT.min(idle_timeout), shake).await;
    let user = claimed.unwrap_or_default();
    match result {
        Err(_) => {
            tracing::info!(%peer, "authentication handshake not finished in time; closing");
            None
        }
        Ok(Ok(done)) => {
            lock(throttle).succeeded(peer.ip());
            tracing::info!(%peer, user = %done.identity, client = %done.name, "authenticated");
            Some(done.identity)
        }
        Ok(Err(HandshakeError::Codec(e))) if e.is_tls_record() => {
            tracing::warn!(%peer, "a TLS client on this plain port (nimbus.thrift.tls.enable is off here); closing");
            None
        }
        Ok(Err(HandshakeError::Codec(
            CodecError::UnsupportedVersion { .. } | CodecError::TooLarge { .. },
        ))) => {
            // The client sent a request without authenticating: answer in its own frames.
            tracing::warn!(%peer, "refused a client that did not authenticate");
            let reply = Response::Error(RemoteError::Unauthenticated {
                reason: "this Nimbus requires authentication (nimbus.authentication); set \
                         storm.client.user and storm.client.secret.file"
                    .into(),
            });
            let _ = frames(max_frame).write(stream, &reply).await;
            close_after_reply(stream).await;
            None
        }
        Ok(Err(e)) => {
            if e.is_refusal() {
                lock(throttle).failed(peer.ip(), Instant::now());
            }
            tracing::warn!(%peer, %user, error = %e, "authentication failed");
            None
        }
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    nimbus: Addr<Nimbus>,
    settings: &PortSettings,
    throttle: &Mutex<LoginThrottle>,
) {
    let limit = HANDSHAKE_TIMEOUT.min(settings.idle_timeout);
    let Some(mut stream) = secure(stream, peer, settings.tls.as_ref(), limit).await else {
        return;
    };
    let max_frame = settings.max_frame;
    let user = match &settings.users {
        None => None,
        Some(users) => match authenticate(
            &mut stream,
            peer,
            users,
            max_frame,
            settings.idle_timeout,
            throttle,
        )
        .await
        {
            Some(user) => Some(user),
            None => return,
        },
    };
    let peer = peer.to_string();
    loop {
        let read = tokio::time::timeout(
            settings.idle_timeout,
            frames(max_frame).read::<Request, _>(&mut stream),
        )
        .await;
        let request = match read {
            Err(_) => {
                tracing::debug!(%peer, "idle for nimbus.connection.idle.timeout.secs; closing");
                return;
            }
            Ok(Ok(None)) => return,
            Ok(Ok(Some(r))) => r,
            Ok(Err(e)) if e.is_tls_record() => {
                tracing::warn!(%peer, "a TLS client on this plain port (nimbus.thrift.tls.enable is off here); closing");
                return;
            }
            Ok(Err(e)) => {
                tracing::warn!(%peer, error = %e, "bad frame; closing the connection");
                let reply = Response::Error(RemoteError::BadRequest {
                    reason: e.to_string(),
                });
                let _ = frames(max_frame).write(&mut stream, &reply).await;
                return;
            }
        };
        let audit = AuditEntry::of(&request);
        let response = match nimbus.send(Handle(request, user.clone())).await {
            Ok(r) => r,
            Err(_) => Response::Error(RemoteError::Unavailable {
                reason: "nimbus is shutting down".into(),
            }),
        };
        audit.record(user.as_deref(), &peer, &response);
        if let Err(e) = frames(max_frame).write(&mut stream, &response).await {
            tracing::warn!(%peer, error = %e, "writing a reply failed");
            let reply = Response::Error(RemoteError::Unavailable {
                reason: format!("the reply could not be sent: {e}"),
            });
            let _ = frames(max_frame).write(&mut stream, &reply).await;
            return;
        }
    }
}
