//! The Nimbus port: accepts connections and turns each frame into a request for the
//! [`Nimbus`] actor. A frame that is too large, of another protocol version or not a request
//! gets an error reply and the connection is closed; Nimbus keeps serving everyone else.

use std::time::Duration;

use actix::Addr;
use tokio::net::{TcpListener, TcpStream};

use crate::actor::{Handle, Nimbus};
use storm_client::protocol::{frames, RemoteError, Request, Response};

/// A connection idle this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Accepts connections until the listener fails or the task is dropped.
pub async fn serve(listener: TcpListener, nimbus: Addr<Nimbus>, max_frame: usize) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                tracing::debug!(%peer, "connection");
                let nimbus = nimbus.clone();
                actix::spawn(async move { connection(stream, nimbus, max_frame).await });
            }
            Err(e) => {
                // Usually too many open files: back off instead of spinning.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn connection(mut stream: TcpStream, nimbus: Addr<Nimbus>, max_frame: usize) {
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    loop {
        let read = tokio::time::timeout(
            IDLE_TIMEOUT,
            frames(max_frame).read::<Request, _>(&mut stream),
        )
        .await;
        let request = match read {
            Err(_) => return,
            Ok(Ok(None)) => return,
            Ok(Ok(Some(r))) => r,
            Ok(Err(e)) => {
                tracing::warn!(%peer, error = %e, "bad frame; closing the connection");
                let reply = Response::Error(RemoteError::BadRequest {
                    reason: e.to_string(),
                });
                let _ = frames(max_frame).write(&mut stream, &reply).await;
                return;
            }
        };
        let response = match nimbus.send(Handle(request)).await {
            Ok(r) => r,
            Err(_) => Response::Error(RemoteError::Unavailable {
                reason: "nimbus is shutting down".into(),
            }),
        };
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
