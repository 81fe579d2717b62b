//! The handshake that opens every worker connection: both ends prove they know the topology's
//! worker secret without sending it (challenge-response with HMAC-SHA256, as Storm's SASL
//! DIGEST-MD5 does with its per-topology secret).
//!
//! 1. client → `Hello { topology, worker, nonce_c }`
//! 2. server → `Challenge { nonce_s }` (or `Refused` for another topology)
//! 3. client → `Proof { HMAC(secret, "client", topology, nonce_c, nonce_s) }`
//! 4. server → `Welcome { HMAC(secret, "server", topology, nonce_c, nonce_s) }` (or `Refused`)
//!
//! Fresh nonces on both sides make a recorded exchange useless to replay, and the server's proof
//! tells the client it reached a worker of its own topology. Until the handshake is done frames
//! are capped at [`MAX_HANDSHAKE_FRAME`], so an unauthenticated peer cannot make a worker allocate.

use std::fmt;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use storm_codec::{CodecError, FrameCodec};
use tokio::io::{AsyncRead, AsyncWrite};

use super::wire::WORKER_PROTOCOL_VERSION;

/// The largest frame read before the peer is authenticated.
pub const MAX_HANDSHAKE_FRAME: usize = 4096;

const NONCE_LEN: usize = 32;
type Nonce = [u8; NONCE_LEN];

/// A topology's worker secret (from `/credentials/<topology-id>`); never printed.
#[derive(Clone)]
pub struct WorkerSecret(Vec<u8>);

impl WorkerSecret {
    /// Wraps the secret's bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    fn mac(&self, label: &[u8], topology: &str, client: &Nonce, server: &Nonce) -> Hmac<Sha256> {
        // HMAC's own key rule (RFC 2104): a key longer than the block is hashed, a shorter one
        // zero-padded; done here so the construction is infallible.
        let mut block = [0u8; 64];
        if self.0.len() > block.len() {
            block[..32].copy_from_slice(&Sha256::digest(&self.0));
        } else {
            block[..self.0.len()].copy_from_slice(&self.0);
        }
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
        for part in [label, topology.as_bytes(), client, server] {
            mac.update(&(part.len() as u32).to_be_bytes());
            mac.update(part);
        }
        mac
    }
}

impl fmt::Debug for WorkerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WorkerSecret(<{} bytes>)", self.0.len())
    }
}

#[derive(Debug, Serialize, Deserialize)]
enum Handshake {
    Hello {
        topology: String,
        worker: String,
        nonce: Nonce,
    },
    Challenge {
        nonce: Nonce,
    },
    Proof {
        mac: Vec<u8>,
    },
    Welcome {
        mac: Vec<u8>,
    },
    Refused {
        reason: String,
    },
}

/// Why a handshake failed.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// The bytes were not handshake frames, or the connection failed.
    #[error("{0}")]
    Codec(#[from] CodecError),
    /// The peer closed the connection during the handshake.
    #[error("the peer closed the connection during the handshake")]
    Closed,
    /// The peer sent a message out of turn.
    #[error("unexpected handshake message (expected {expected})")]
    Unexpected {
        /// What was expected.
        expected: &'static str,
    },
    /// The peer belongs to another topology.
    #[error("the peer is a worker of topology {found}, not {expected}")]
    OtherTopology {
        /// This worker's topology.
        expected: String,
        /// The peer's.
        found: String,
    },
    /// The peer's proof is wrong: it does not know the topology's secret.
    #[error("the peer does not know the topology's secret")]
    BadProof,
    /// The peer refused this worker.
    #[error("refused by the peer: {0}")]
    Refused(String),
    /// No randomness for a nonce.
    #[error("no randomness for a nonce: {0}")]
    Random(String),
}

impl HandshakeError {
    /// Whether the peer misbehaved or failed to authenticate (as opposed to a network failure).
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            HandshakeError::Codec(CodecError::Io(_)) | HandshakeError::Closed
        )
    }
}

fn frames() -> FrameCodec {
    FrameCodec::new(WORKER_PROTOCOL_VERSION, MAX_HANDSHAKE_FRAME)
}

fn nonce() -> Result<Nonce, HandshakeError> {
    let mut n = [0u8; NONCE_LEN];
    getrandom::fill(&mut n).map_err(|e| HandshakeError::Random(e.to_string()))?;
    Ok(n)
}

async fn read<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Handshake, HandshakeError> {
    frames().read(stream).await?.ok_or(HandshakeError::Closed)
}

async fn write<S: AsyncWrite + Unpin>(stream: &mut S, m: &Handshake) -> Result<(), HandshakeError> {
    Ok(frames().write(stream, m).await?)
}

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
    let mine = nonce()?;
    let hello = Handshake::Hello {
        topology: topology.to_owned(),
        worker: worker.to_owned(),
        nonce: mine,
    };
    write(stream, &hello).await?;
    let theirs = match read(stream).await? {
        Handshake::Challenge { nonce } => nonce,
        Handshake::Refused { reason } => return Err(HandshakeError::Refused(reason)),
        _ => {
            return Err(HandshakeError::Unexpected {
                expected: "Challenge",
            })
        }
    };
    let proof = secret.mac(b"client", topology, &mine, &theirs);
    let proof = Handshake::Proof {
        mac: proof.finalize().into_bytes().to_vec(),
    };
    write(stream, &proof).await?;
    match read(stream).await? {
        Handshake::Welcome { mac } => secret
            .mac(b"server", topology, &mine, &theirs)
            .verify_slice(&mac)
            .map_err(|_| HandshakeError::BadProof),
        Handshake::Refused { reason } => Err(HandshakeError::Refused(reason)),
        _ => Err(HandshakeError::Unexpected {
            expected: "Welcome",
        }),
    }
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
    let (peer, theirs) = match read(stream).await? {
        Handshake::Hello {
            topology: found,
            worker,
            nonce,
        } => {
            if found != topology {
                let reason = format!("this worker runs topology {topology}");
                let _ = write(stream, &Handshake::Refused { reason }).await;
                return Err(HandshakeError::OtherTopology {
                    expected: topology.to_owned(),
                    found,
                });
            }
            (worker, nonce)
        }
        _ => return Err(HandshakeError::Unexpected { expected: "Hello" }),
    };
    let mine = nonce()?;
    write(stream, &Handshake::Challenge { nonce: mine }).await?;
    let Handshake::Proof { mac } = read(stream).await? else {
        return Err(HandshakeError::Unexpected { expected: "Proof" });
    };
    if secret
        .mac(b"client", topology, &theirs, &mine)
        .verify_slice(&mac)
        .is_err()
    {
        let reason = "wrong proof of the topology's secret".to_owned();
        let _ = write(stream, &Handshake::Refused { reason }).await;
        return Err(HandshakeError::BadProof);
    }
    let welcome = secret.mac(b"server", topology, &theirs, &mine);
    let welcome = Handshake::Welcome {
        mac: welcome.finalize().into_bytes().to_vec(),
    };
    write(stream, &welcome).await?;
    Ok(peer)
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
            matches!(s, Err(HandshakeError::OtherTopology { .. })),
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

    #[tokio::test]
    async fn garbage_and_oversized_frames_fail_without_allocating() {
        let secret = WorkerSecret::new(b"s".to_vec());
        let mut garbage: &[u8] = &[0, 0, 0, 3, WORKER_PROTOCOL_VERSION, 0xff, 0xff];
        let mut rw = tokio::io::join(&mut garbage, tokio::io::sink());
        let e = server(&mut rw, &secret, "t").await.expect_err("garbage");
        assert!(e.is_refusal(), "{e}");
        let mut huge: &[u8] = &[0x7f, 0xff, 0xff, 0xff, WORKER_PROTOCOL_VERSION];
        let mut rw = tokio::io::join(&mut huge, tokio::io::sink());
        let e = server(&mut rw, &secret, "t").await.expect_err("oversized");
        assert!(
            matches!(e, HandshakeError::Codec(CodecError::TooLarge { .. })),
            "{e}"
        );
    }

    #[test]
    fn the_secret_is_never_printed() {
        let s = WorkerSecret::new(b"hunter2".to_vec());
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
