//! The handshake that opens every worker connection: both ends prove they know the topology's
//! worker secret without sending it, by the one challenge-response of
//! [`storm_codec::handshake`], with the topology as the identity. A worker of another topology
//! is refused before any proof.

pub use storm_codec::handshake::{HandshakeError, MAX_HANDSHAKE_FRAME};
use tokio::io::{AsyncRead, AsyncWrite};

use super::wire::WORKER_PROTOCOL_VERSION;

/// A topology's worker secret (from `/credentials/<topology-id>`); never printed.
pub type WorkerSecret = storm_codec::handshake::SharedSecret;

/// The connecting side: proves the secret to a worker of `topology` and checks its proof.
/// `worker` names this worker in the peer's logs.
pub async fn client<S>(
    stream: &mut S,
    secret: &WorkerSecret,
    topology: &str,
    worker: &str,
) -> Result<(), HandshakeError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    storm_codec::handshake::client(stream, WORKER_PROTOCOL_VERSION, secret, topology, worker).await
}

/// The accepting side: checks that the peer is a worker of `topology` that knows the secret,
/// and proves the secret back. Returns the peer's name for it.
pub async fn server<S>(
    stream: &mut S,
    secret: &WorkerSecret,
    topology: &str,
) -> Result<String, HandshakeError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let lookup = |found: &str| {
        if found == topology {
            Ok(secret.clone())
        } else {
            Err(format!("this worker runs topology {topology}, not {found}"))
        }
    };
    let peer = storm_codec::handshake::server(
        stream,
        WORKER_PROTOCOL_VERSION,
        lookup,
        "wrong proof of the topology's secret",
    )
    .await?;
    Ok(peer.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn pair(
        client_secret: &[u8],
        client_topology: &str,
        server_secret: &[u8],
    ) -> (Result<(), HandshakeError>, Result<String, HandshakeError>) {
        let (mut a, mut b) = tokio::io::duplex(4096);
        let cs = WorkerSecret::new(client_secret.to_vec());
        let ss = WorkerSecret::new(server_secret.to_vec());
        let ct = client_topology.to_owned();
        let client = tokio::spawn(async move { client(&mut a, &cs, &ct, "node-1:6700").await });
        let server = server(&mut b, &ss, "topo-1").await;
        drop(b);
        (client.await.expect("client task"), server)
    }

    #[tokio::test]
    async fn workers_that_share_the_secret_accept_each_other() {
        let (c, s) = pair(b"secret", "topo-1", b"secret").await;
        c.expect("client accepted");
        assert_eq!(s.expect("server accepted"), "node-1:6700");
    }

    #[tokio::test]
    async fn a_wrong_secret_is_refused_on_both_sides() {
        let (c, s) = pair(b"guess", "topo-1", b"secret").await;
        assert!(matches!(s, Err(HandshakeError::BadProof)), "{s:?}");
        assert!(matches!(c, Err(HandshakeError::Refused(_))), "{c:?}");
    }

    #[tokio::test]
    async fn a_worker_of_another_topology_is_refused() {
        let (c, s) = pair(b"secret", "topo-2", b"secret").await;
        assert!(
            matches!(s, Err(HandshakeError::UnknownIdentity { .. })),
            "{s:?}"
        );
        assert!(matches!(c, Err(HandshakeError::Refused(_))), "{c:?}");
    }

    #[tokio::test]
    async fn a_server_that_does_not_know_the_secret_is_detected_by_the_client() {
        // The server refuses the client's proof first, so the client never trusts it.
        let (c, _) = pair(b"secret", "topo-1", b"other").await;
        assert!(c.is_err());
    }
}
