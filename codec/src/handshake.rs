//! The one challenge-response handshake that opens every authenticated connection (worker
//! links, and the Nimbus port when `nimbus.authentication` is on): both ends prove they know a
//! shared secret without sending it, by HMAC-SHA256 (as Storm's SASL DIGEST-MD5 does).
//!
//! 1. client → `Hello { identity, name, nonce_c }` (identity: the topology, or the user)
//! 2. server → `Challenge { nonce_s }` (or `Refused`, e.g. a worker of another topology)
//! 3. client → `Proof { HMAC(secret, "client", identity, nonce_c, nonce_s) }`
//! 4. server → `Welcome { HMAC(secret, "server", identity, nonce_c, nonce_s) }` (or `Refused`)
//!
//! Fresh nonces on both sides make a recorded exchange useless to replay, and the server's proof
//! tells the client it reached a peer that knows the secret too. Handshake frames are capped at
//! [`MAX_HANDSHAKE_FRAME`], so an unauthenticated peer cannot make the server allocate. The
//! caller chooses the frames' version byte, so each protocol keeps its own.

use std::fmt;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::{CodecError, FrameCodec};

/// The largest frame read before the peer is authenticated.
pub const MAX_HANDSHAKE_FRAME: usize = 4096;

const NONCE_LEN: usize = 32;
type Nonce = [u8; NONCE_LEN];

/// A secret both ends know (a topology's worker secret, a user's secret); never printed.
#[derive(Clone)]
pub struct SharedSecret(Vec<u8>);

impl SharedSecret {
    /// Wraps the secret's bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// A random secret nobody knows: a server proves against it for an unknown identity, so
    /// an unknown user fails exactly as a wrong secret does.
    pub fn random() -> Result<Self, HandshakeError> {
        Ok(Self(nonce()?.to_vec()))
    }

    fn mac(&self, label: &[u8], identity: &str, client: &Nonce, server: &Nonce) -> Hmac<Sha256> {
        // HMAC's own key rule (RFC 2104): a key longer than the block is hashed, a shorter one
        // zero-padded; done here so the construction is infallible.
        let mut block = [0u8; 64];
        if self.0.len() > block.len() {
            block[..32].copy_from_slice(&Sha256::digest(&self.0));
        } else {
            block[..self.0.len()].copy_from_slice(&self.0);
        }
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
        for part in [label, identity.as_bytes(), client, server] {
            mac.update(&(part.len() as u32).to_be_bytes());
            mac.update(part);
        }
        mac
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedSecret(<{} bytes>)", self.0.len())
    }
}

#[derive(Debug, Serialize, Deserialize)]
enum Handshake {
    Hello {
        identity: String,
        name: String,
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
    /// The server does not accept the identity the client claimed.
    #[error("the peer claimed identity {identity}, refused: {reason}")]
    UnknownIdentity {
        /// What the client claimed.
        identity: String,
        /// Why the server refused it.
        reason: String,
    },
    /// The peer's proof is wrong: it does not know the secret.
    #[error("the peer does not know the secret")]
    BadProof,
    /// The peer refused this end.
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

/// What the server learned from a successful handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The identity the client proved (the topology, the user).
    pub identity: String,
    /// The name the client gave itself, for logs.
    pub name: String,
}

fn frames(version: u8) -> FrameCodec {
    FrameCodec::new(version, MAX_HANDSHAKE_FRAME)
}

fn nonce() -> Result<Nonce, HandshakeError> {
    let mut n = [0u8; NONCE_LEN];
    getrandom::fill(&mut n).map_err(|e| HandshakeError::Random(e.to_string()))?;
    Ok(n)
}

async fn read<S: AsyncRead + Unpin>(
    version: u8,
    stream: &mut S,
) -> Result<Handshake, HandshakeError> {
    frames(version)
        .read(stream)
        .await?
        .ok_or(HandshakeError::Closed)
}

async fn write<S: AsyncWrite + Unpin>(
    version: u8,
    stream: &mut S,
    m: &Handshake,
) -> Result<(), HandshakeError> {
    Ok(frames(version).write(stream, m).await?)
}

/// The connecting side: proves `secret` for `identity` and checks the server's proof. `name`
/// names this end in the server's logs; `version` is the frames' version byte.
pub async fn client<S>(
    stream: &mut S,
    version: u8,
    secret: &SharedSecret,
    identity: &str,
    name: &str,
) -> Result<(), HandshakeError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mine = nonce()?;
    let hello = Handshake::Hello {
        identity: identity.to_owned(),
        name: name.to_owned(),
        nonce: mine,
    };
    write(version, stream, &hello).await?;
    let theirs = match read(version, stream).await? {
        Handshake::Challenge { nonce } => nonce,
        Handshake::Refused { reason } => return Err(HandshakeError::Refused(reason)),
        _ => {
            return Err(HandshakeError::Unexpected {
                expected: "Challenge",
            })
        }
    };
    let proof = secret.mac(b"client", identity, &mine, &theirs);
    let proof = Handshake::Proof {
        mac: proof.finalize().into_bytes().to_vec(),
    };
    write(version, stream, &proof).await?;
    match read(version, stream).await? {
        Handshake::Welcome { mac } => secret
            .mac(b"server", identity, &mine, &theirs)
            .verify_slice(&mac)
            .map_err(|_| HandshakeError::BadProof),
        Handshake::Refused { reason } => Err(HandshakeError::Refused(reason)),
        _ => Err(HandshakeError::Unexpected {
            expected: "Welcome",
        }),
    }
}

/// Refuses a client before its handshake starts (e.g. the server is at its connection cap):
/// the client's handshake fails with `reason`.
pub async fn refuse<S>(stream: &mut S, version: u8, reason: &str) -> Result<(), HandshakeError>
where
    S: AsyncWrite + Unpin,
{
    let refused = Handshake::Refused {
        reason: reason.to_owned(),
    };
    write(version, stream, &refused).await
}

/// The accepting side: `secret_for` gives the secret of the identity the client claims, or
/// the reason (sent to the client) it is not accepted; checks the client's proof and proves
/// the secret back. `refusal` is what a client with a wrong proof is told.
pub async fn server<S, F>(
    stream: &mut S,
    version: u8,
    secret_for: F,
    refusal: &str,
) -> Result<Authenticated, HandshakeError>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce(&str) -> Result<SharedSecret, String>,
{
    let (identity, name, theirs) = match read(version, stream).await? {
        Handshake::Hello {
            identity,
            name,
            nonce,
        } => (identity, name, nonce),
        _ => return Err(HandshakeError::Unexpected { expected: "Hello" }),
    };
    let secret = match secret_for(&identity) {
        Ok(s) => s,
        Err(reason) => {
            let refused = Handshake::Refused {
                reason: reason.clone(),
            };
            let _ = write(version, stream, &refused).await;
            return Err(HandshakeError::UnknownIdentity { identity, reason });
        }
    };
    let mine = nonce()?;
    write(version, stream, &Handshake::Challenge { nonce: mine }).await?;
    let Handshake::Proof { mac } = read(version, stream).await? else {
        return Err(HandshakeError::Unexpected { expected: "Proof" });
    };
    if secret
        .mac(b"client", &identity, &theirs, &mine)
        .verify_slice(&mac)
        .is_err()
    {
        let reason = refusal.to_owned();
        let _ = write(version, stream, &Handshake::Refused { reason }).await;
        return Err(HandshakeError::BadProof);
    }
    let welcome = secret.mac(b"server", &identity, &theirs, &mine);
    let welcome = Handshake::Welcome {
        mac: welcome.finalize().into_bytes().to_vec(),
    };
    write(version, stream, &welcome).await?;
    Ok(Authenticated { identity, name })
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: u8 = 9;

    async fn pair(
        client_secret: &[u8],
        identity: &str,
        server_secret: &[u8],
    ) -> (
        Result<(), HandshakeError>,
        Result<Authenticated, HandshakeError>,
    ) {
        let (mut a, mut b) = tokio::io::duplex(4096);
        let cs = SharedSecret::new(client_secret.to_vec());
        let ss = SharedSecret::new(server_secret.to_vec());
        let id = identity.to_owned();
        let client = tokio::spawn(async move { client(&mut a, V, &cs, &id, "node-1:6700").await });
        let lookup = |claimed: &str| {
            if claimed == "alice" {
                Ok(ss)
            } else {
                Err(format!("unknown identity {claimed}"))
            }
        };
        let server = server(&mut b, V, lookup, "wrong proof").await;
        drop(b);
        (client.await.expect("client task"), server)
    }

    #[tokio::test]
    async fn ends_that_share_the_secret_accept_each_other() {
        let (c, s) = pair(b"secret", "alice", b"secret").await;
        c.expect("client accepted");
        let s = s.expect("server accepted");
        assert_eq!(
            (s.identity.as_str(), s.name.as_str()),
            ("alice", "node-1:6700")
        );
    }

    #[tokio::test]
    async fn a_wrong_secret_is_refused_on_both_sides() {
        let (c, s) = pair(b"guess", "alice", b"secret").await;
        assert!(matches!(s, Err(HandshakeError::BadProof)), "{s:?}");
        assert!(matches!(c, Err(HandshakeError::Refused(_))), "{c:?}");
    }

    #[tokio::test]
    async fn an_identity_the_server_does_not_accept_is_refused() {
        let (c, s) = pair(b"secret", "mallory", b"secret").await;
        assert!(
            matches!(s, Err(HandshakeError::UnknownIdentity { .. })),
            "{s:?}"
        );
        assert!(matches!(c, Err(HandshakeError::Refused(_))), "{c:?}");
    }

    #[tokio::test]
    async fn garbage_and_oversized_frames_fail_without_allocating() {
        let lookup = |_: &str| Ok(SharedSecret::new(b"s".to_vec()));
        let mut garbage: &[u8] = &[0, 0, 0, 3, V, 0xff, 0xff];
        let mut rw = tokio::io::join(&mut garbage, tokio::io::sink());
        let e = server(&mut rw, V, lookup, "no").await.expect_err("garbage");
        assert!(e.is_refusal(), "{e}");
        let mut huge: &[u8] = &[0x7f, 0xff, 0xff, 0xff, V];
        let mut rw = tokio::io::join(&mut huge, tokio::io::sink());
        let e = server(&mut rw, V, lookup, "no")
            .await
            .expect_err("oversized");
        assert!(
            matches!(e, HandshakeError::Codec(CodecError::TooLarge { .. })),
            "{e}"
        );
    }

    #[test]
    fn the_secret_is_never_printed() {
        let s = SharedSecret::new(b"hunter2".to_vec());
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
